/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Prometheus metrics: the metrics sink counts alerts by the compromised
 * pod's namespace, pod and container and the access method; an HTTP
 * server (libmicrohttpd, its own thread) serves them and whatever the
 * collect callback writes, in the text exposition format, at /metrics.
 */
#ifndef BS_AGENT_METRICS_H
#define BS_AGENT_METRICS_H

#include <stdint.h>
#include <stdio.h>

#include "agent/sink.h"

/* Series of beesting_alerts_total kept; alerts past it are counted in
 * beesting_alerts_unlabelled_total. */
#define BS_METRICS_MAX_SERIES 4096

struct bs_metrics;

/* Writes the agent's other metrics to f (called per scrape, from the
 * server's thread). */
typedef void (*bs_metrics_collect_fn)(FILE *f, void *arg);

/* Listens on addr (HOST:PORT; "" or "*" host = any).  NULL with errno
 * set (logged) when it cannot. */
struct bs_metrics *bs_metrics_start(const char *addr, bs_metrics_collect_fn fn,
				    void *arg);
/* The port it listens on (for PORT 0). */
int bs_metrics_port(const struct bs_metrics *m);
/* The whole exposition text (what a scrape gets); free() it. */
char *bs_metrics_render(struct bs_metrics *m, size_t *len);

/* Sink ops; impl is the struct bs_metrics (freed, server stopped, by the
 * sink set). */
extern const struct bs_sink_ops bs_sink_metrics_ops;

/* Exposition helpers for collect callbacks. */
void bs_prom_head(FILE *f, const char *name, const char *type,
		  const char *help);
/* One label: sep ('{' first, then ','), name="value" escaped. */
void bs_prom_label(FILE *f, char sep, const char *name, const char *v);

#endif
