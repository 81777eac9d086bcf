// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/http_client.h"
#include "agent/sink_webhook.h"
#include "agent/webhook_format.h"
#include "lib/limits.h"
#include "lib/log.h"

struct bs_webhook {
	struct bs_http *http; /* first: the bs_http_sink_* slots read it */
	enum bs_webhook_format format;
	char url[BS_PATH_LEN];
	char hostname[BS_NAME_LEN]; /* "": the alert's node */
	int warned; /* log the first failure only, counters say the rest */
};

int bs_webhook_new(const struct bs_webhook_opts *o, struct bs_webhook **out)
{
	const struct bs_http_opts ho = {
		.token_file = o->token_file,
		.ca_file = o->ca_file,
		.timeout_ms = o->timeout_ms,
		.retries = o->retries,
	};
	const char *hostname = o->hostname ? o->hostname : "";
	struct bs_webhook *h;

	if (o->token_file && *o->token_file && access(o->token_file, R_OK)) {
		int err = errno;

		bs_err("--webhook-token-file %s: %s", o->token_file,
		       strerror(err));
		return -err;
	}
	if (strlen(o->url) >= sizeof(h->url) ||
	    strlen(hostname) >= sizeof(h->hostname)) {
		bs_err("webhook %.64s: URL or hostname too long", o->url);
		return -ENAMETOOLONG;
	}
	h = bs_http_sink_new(sizeof(*h), &ho);
	if (!h) {
		bs_err("webhook %s: cannot set up libcurl", o->url);
		return -ENOMEM;
	}
	h->format = o->format;
	strcpy(h->url, o->url);
	strcpy(h->hostname, hostname);
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

	body = bs_webhook_body(h->format, a, *h->hostname ? h->hostname : NULL,
			       &len);
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
	.free = bs_http_sink_free,
};
