// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent/metrics.h"
#include "agent/outputs.h"
#include "agent/sink_kube.h"
#include "agent/sink_webhook.h"
#include "lib/log.h"

static int start_metrics(struct bs_metrics_src *src,
			 const struct bs_agent_config *cfg)
{
	struct bs_metrics *m;

	m = bs_metrics_start(cfg->metrics_addr, bs_metrics_agent_collect, src);
	if (!m)
		return -errno;
	bs_info("metrics at http://%s/metrics", cfg->metrics_addr);
	return bs_sinks_add(src->core->sinks, "metrics", &bs_sink_metrics_ops,
			    m, cfg->sink_queue);
}

static int start_webhook(struct bs_core *c, const struct bs_agent_config *cfg,
			 size_t i)
{
	const struct bs_webhook_config *w = &cfg->webhooks[i];
	const struct bs_webhook_opts o = {
		.url = w->url,
		.format = w->format,
		.token_file = bs_webhook_token_file(cfg, i),
		.ca_file = bs_webhook_ca(cfg, i),
		.timeout_ms = (long)cfg->webhook_timeout_ms,
		.retries = (unsigned int)cfg->webhook_retries,
		.hostname = cfg->node,
	};
	struct bs_webhook *h = NULL;
	char name[32];
	int err;

	err = bs_webhook_new(&o, &h);
	if (err)
		return err;
	snprintf(name, sizeof(name), "webhook%zu", i);
	bs_info("%s: %s alerts to %s", name, bs_webhook_format_name(w->format),
		w->url);
	return bs_sinks_add(c->sinks, name, &bs_sink_webhook_ops, h,
			    cfg->sink_queue);
}

static int start_kube(struct bs_core *c, const struct bs_agent_config *cfg)
{
	const struct bs_kube_opts o = {
		.api = cfg->kube_api,
		.token_file = cfg->kube_token_file,
		.ca_file = cfg->kube_ca,
		.timeout_ms = (long)cfg->webhook_timeout_ms,
		.retries = (unsigned int)cfg->webhook_retries,
		.node = cfg->node,
	};
	struct bs_kube *k = NULL;
	int err;

	err = bs_kube_new(&o, &k);
	if (err)
		return err;
	bs_info("kube: Events and %s annotations via %s", BS_KUBE_ANNOTATION,
		cfg->kube_api);
	return bs_sinks_add(c->sinks, "kube", &bs_sink_kube_ops, k,
			    cfg->sink_queue);
}

int bs_outputs_start(struct bs_metrics_src *src,
		     const struct bs_agent_config *cfg)
{
	int err;

	for (size_t i = 0; i < cfg->n_webhooks; i++) {
		err = start_webhook(src->core, cfg, i);
		if (err)
			return err;
	}
	if (*cfg->kube_api) {
		err = start_kube(src->core, cfg);
		if (err)
			return err;
	}
	if (*cfg->metrics_addr) {
		err = start_metrics(src, cfg);
		if (err)
			return err;
	}
	return 0;
}
