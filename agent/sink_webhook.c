// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/http_client.h"
#include "agent/sink_webhook.h"
#include "agent/webhook_format.h"
#include "lib/log.h"

struct bs_webhook {
	struct bs_http *http; /* first: the bs_http_sink_* slots read it */
	enum bs_webhook_format format;
	char *url, *hostname;
	int warned; /* log the first failure only, counters say the rest */
};

static void webhook_free(void *impl)
{
	struct bs_webhook *h = impl;

	if (!h)
		return;
	bs_http_free(h->http);
	free(h->url);
	free(h->hostname);
	free(h);
}

int bs_webhook_new(const struct bs_webhook_opts *o, struct bs_webhook **out)
{
	const struct bs_http_opts ho = {
		.token_file = o->token_file,
		.ca_file = o->ca_file,
		.timeout_ms = o->timeout_ms,
		.retries = o->retries,
	};
	struct bs_webhook *h;

	if (o->token_file && *o->token_file && access(o->token_file, R_OK)) {
		int err = errno;

		bs_err("--webhook-token-file %s: %s", o->token_file,
		       strerror(err));
		return -err;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->format = o->format;
	h->url = strdup(o->url);
	h->hostname = o->hostname ? strdup(o->hostname) : NULL;
	h->http = bs_http_new(&ho);
	if (!h->url || !h->http) {
		bs_err("webhook %s: cannot set up libcurl", o->url);
		webhook_free(h);
		return -ENOMEM;
	}
	*out = h;
	return 0;
}

static int webhook_deliver(void *impl, const struct bs_alert *a)
{
	struct bs_webhook *h = impl;
	const char *why = "";
	size_t len = 0;
	long code = 0;
	char *body;
	int err;

	body = bs_webhook_body(h->format, a, h->hostname, &len);
	if (!body)
		return -ENOMEM;
	err = bs_http_send(h->http, "POST", h->url, "application/json", body,
			   len, &code, &why);
	free(body);
	if (err && !h->warned) {
		h->warned = 1;
		bs_warn("webhook %s: %s %ld (counted in sink_failed; further "
			"failures not logged)",
			h->url, why, code);
	}
	return err;
}

const struct bs_sink_ops bs_sink_webhook_ops = {
	.kind = "webhook",
	.deliver = webhook_deliver,
	.retries = bs_http_sink_retries,
	/* at exit: no more retries or back-off sleeps, one attempt each */
	.stop = bs_http_sink_stop,
	.cancel = bs_http_sink_cancel,
	.free = webhook_free,
};
