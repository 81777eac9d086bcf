/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The webhook sink: each alert POSTed (libcurl) to one URL as JSON, in one
 * of three shapes (agent/webhook_format.h).  A 2xx is delivered; network
 * errors, timeouts, 408, 429 and 5xx are retried with doubling back-off;
 * other answers fail at once.  Runs in the sink set's thread for it.
 */
#ifndef BS_AGENT_SINK_WEBHOOK_H
#define BS_AGENT_SINK_WEBHOOK_H

#include "agent/config.h"
#include "agent/sink.h"

struct bs_webhook_opts {
	const char *url;
	enum bs_webhook_format format;
	const char *token_file; /* "" or NULL: no Authorization header */
	const char *ca_file;	/* "" or NULL: the system CA store */
	long timeout_ms;	/* per attempt */
	unsigned int retries;
	const char *hostname; /* Falco's "hostname" */
};

struct bs_webhook;

/* 0 or -errno (logged). */
int bs_webhook_new(const struct bs_webhook_opts *o, struct bs_webhook **out);

extern const struct bs_sink_ops bs_sink_webhook_ops;

#endif
