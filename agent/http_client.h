/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One HTTP request with libcurl for the sinks that talk to a server
 * (webhooks, the Kubernetes API): bounded by a timeout, TLS verified
 * against the system store or a given CA, an optional bearer token read
 * from a file per request (rotated tokens are picked up), retried with
 * doubling back-off on network errors, timeouts, 408, 429 and 5xx.
 */
#ifndef BS_AGENT_HTTP_CLIENT_H
#define BS_AGENT_HTTP_CLIENT_H

#include <stddef.h>
#include <stdint.h>

struct bs_http_opts {
	const char *token_file; /* NULL: no Authorization */
	const char *ca_file;	/* NULL: system CA store */
	long timeout_ms;	/* per attempt */
	unsigned int retries;
};

struct bs_http;

/* NULL on ENOMEM or when libcurl cannot start. */
struct bs_http *bs_http_new(const struct bs_http_opts *o);
void bs_http_free(struct bs_http *h);

/* method "POST"/"PATCH"...; 0 on a 2xx, else -EIO (*code the last HTTP
 * status or 0, *why a short reason). */
int bs_http_send(struct bs_http *h, const char *method, const char *url,
		 const char *ctype, const char *body, size_t len, long *code,
		 const char **why);

/* Retries made so far; after bs_http_stop() no more retries or sleeps. */
uint64_t bs_http_retries(struct bs_http *h);
void bs_http_stop(struct bs_http *h);
/* Abort a request in flight (and every later one). */
void bs_http_cancel(struct bs_http *h);

/* A sink whose impl begins with its struct bs_http * (webhook, kube) and
 * holds no other allocation: calloc(size) with the client in place, or
 * NULL on ENOMEM; bs_http_sink_free() is its bs_sink_ops free slot. */
void *bs_http_sink_new(size_t size, const struct bs_http_opts *o);
void bs_http_sink_free(void *impl);
/* Its retries/stop/cancel slots: they only forward to the client. */
uint64_t bs_http_sink_retries(void *impl);
void bs_http_sink_stop(void *impl);
void bs_http_sink_cancel(void *impl);

#endif
