// SPDX-License-Identifier: Apache-2.0
/*
 * beesting: the node agent.  Detection is loaded and attached first, then
 * the agent registers as an NRI plugin and serves the runtime until
 * SIGTERM/SIGINT.  Alerts are read by a second thread so a slow alert
 * consumer never delays an NRI reply (the runtime drops plugins after 2 s).
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/core.h"
#include "agent/outputs.h"
#include "agent/privs.h"
#include "lib/clock.h"
#include "lib/log.h"
#include "nri/plugin.h"

static volatile int stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

struct agent {
	struct bs_core core;
	struct bs_nri_plugin *nri;
	struct bs_metrics_src msrc; /* what a metrics scrape reads */
	uint64_t stats_interval_ns;
};

static void nri_stats_json(struct agent *a, char *buf, size_t n)
{
	struct bs_nri_stats s = { 0 };

	buf[0] = 0;
	if (!a->nri)
		return;
	bs_nri_plugin_stats(a->nri, &s);
	snprintf(buf, n,
		 "\"nri_requests\":%" PRIu64 ",\"nri_errors\":%" PRIu64
		 ",\"nri_reconnects\":%" PRIu64
		 ",\"nri_max_handler_us\":%" PRIu64 ",\"nri_creates\":%" PRIu64
		 ",\"nri_create_p50_us\":%" PRIu64
		 ",\"nri_create_p99_us\":%" PRIu64
		 ",\"nri_runtime_nri\":%" PRIu32 ",\"nri_events\":%" PRIu32
		 ",\"nri_sync_skipped\":%" PRIu64,
		 s.requests, s.errors, s.reconnects, s.max_handler_us,
		 s.creates, s.create_p50_us, s.create_p99_us, s.runtime_nri,
		 s.events, s.sync_skipped);
}

/* Alert thread: drains the detection ring buffer, emits periodic stats. */
static void *alert_loop(void *arg)
{
	struct agent *a = arg;
	struct bs_core *c = &a->core;
	int64_t next_stats = bs_now_ns() + (int64_t)a->stats_interval_ns;
	char extra[512];

	while (!stop_flag) {
		int n = c->det->poll(&c->dctx, 200);

		if (n < 0 && n != -EINTR) {
			bs_err("detect %s: poll: %s", c->det->name,
			       strerror(-n));
			break;
		}
		if (a->stats_interval_ns && bs_now_ns() >= next_stats) {
			nri_stats_json(a, extra, sizeof(extra));
			bs_core_emit_stats(c, extra);
			next_stats =
				bs_now_ns() + (int64_t)a->stats_interval_ns;
		}
	}
	/* last events queued before stop */
	c->det->poll(&c->dctx, 0);
	return NULL;
}

static FILE *open_events(const char *path)
{
	FILE *f;

	if (!*path)
		return stdout;
	f = fopen(path, "ae");
	if (!f)
		bs_err("cannot open --events %s: %s", path, strerror(errno));
	return f;
}

static int serve_nri(struct agent *a, const struct bs_agent_config *cfg)
{
	const struct bs_nri_handlers h = {
		.arg = &a->core,
		.events = BS_CORE_EVENTS,
		.synchronize = bs_core_synchronize,
		.create_container = bs_core_create,
		.event = bs_core_event,
	};
	const struct bs_nri_plugin_config pc = {
		.socket_path = cfg->nri_socket,
		.name = "beesting",
		.idx = cfg->plugin_idx,
		.backoff_max_ms = 5000,
	};

	a->nri = bs_nri_plugin_new(&pc, &h);
	if (!a->nri) {
		bs_err("nri: cannot create plugin");
		return -ENOMEM;
	}
	__atomic_store_n(&a->msrc.nri, a->nri, __ATOMIC_RELEASE);
	return bs_nri_plugin_run(a->nri, &stop_flag);
}

int main(int argc, char **argv)
{
	static struct bs_agent_config cfg;
	static struct agent a;
	pthread_t alerts;
	char extra[512];
	FILE *out;
	int err;

	err = bs_agent_config_parse(&cfg, argc, argv);
	if (err > 0)
		bs_agent_config_help(&cfg, stdout);
	if (err)
		return err > 0 ? 0 : 2;
	bs_log_set_level(cfg.log_level);
	bs_privs_report(bs_privs_uses(cfg.inject, cfg.detect), NULL);
	install_signals();
	out = open_events(cfg.events_path);
	if (!out)
		return 1;
	a.stats_interval_ns = cfg.stats_interval_ms * 1000000ull;

	err = bs_core_init(&a.core, &cfg, out);
	a.msrc.core = &a.core;
	if (!err)
		err = bs_outputs_start(&a.msrc, &cfg);
	if (err) {
		bs_core_fini(&a.core);
		return 1;
	}
	bs_info("detect %s attached via %s; inject %s; node %s",
		a.core.det->name, bs_attach_name(a.core.dctx.backend),
		a.core.inj->name, cfg.node);
	bs_core_emit_ready(&a.core);
	bs_privs_drop_after_start_for(bs_privs_uses(cfg.inject, cfg.detect));

	if (pthread_create(&alerts, NULL, alert_loop, &a)) {
		bs_err("cannot start alert thread");
		bs_core_fini(&a.core);
		return 1;
	}
	err = serve_nri(&a, &cfg);
	stop_flag = 1;
	pthread_join(alerts, NULL);
	nri_stats_json(&a, extra, sizeof(extra));
	bs_core_emit_stats(&a.core, extra);
	__atomic_store_n(&a.msrc.nri, NULL, __ATOMIC_RELEASE);
	bs_core_fini(&a.core); /* stops the metrics server first */
	bs_nri_plugin_free(a.nri);
	bs_info("stopped");
	return err && err != -EINTR ? 1 : 0;
}
