/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where alerts go.  An alert is built once (agent/alert.h) into a
 * struct bs_alert that each sink renders; it carries the stream's JSON
 * line, rendered once too (the public interface).  The stream sink
 * (stdout or --events) is written in the caller's thread; every other
 * sink gets a bounded queue and a thread of its own, so a slow or dead receiver only ever costs that sink
 * its queue: a full queue drops (counted), it never blocks the caller.
 */
#ifndef BS_AGENT_SINK_H
#define BS_AGENT_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "agent/alert.h"

struct bs_sink_ops {
	const char *kind; /* "stream", "webhook", "metrics" */
	/* 0 = delivered, -errno = failed (after the sink's own retries).
	 * Called from the sink's thread only (or the caller's for a
	 * direct sink). */
	int (*deliver)(void *impl, const struct bs_alert *a);
	/* Optional: retries the sink made so far. */
	uint64_t (*retries)(void *impl);
	/* Optional: stop serving others (e.g. an HTTP server) before any
	 * sink of the set is freed. */
	void (*stop)(void *impl);
	/* Optional: end a deliver() in flight now (the drain time is up). */
	void (*cancel)(void *impl);
	void (*free)(void *impl);
};

struct bs_sink_stats {
	uint64_t delivered;
	uint64_t dropped; /* queue full */
	uint64_t failed;  /* deliver() gave up */
	uint64_t retries;
	uint64_t queued; /* in the queue now */
};

struct bs_sinks;

/* How long the agent waits at exit for queues to empty. */
#define BS_SINK_DRAIN_MS 2000

struct bs_sinks *bs_sinks_new(void);
/* Stops what sinks serve to others (the metrics endpoint) and their
 * retries; alerts are still taken.  Idempotent; bs_sinks_free() does it
 * too. */
void bs_sinks_stop(struct bs_sinks *s);
/* Stops every queued sink's thread (giving each up to drain_ms to empty
 * its queue; what is left is counted as dropped) and frees the impls. */
void bs_sinks_free(struct bs_sinks *s, int drain_ms);

/* qcap == 0: direct (deliver in bs_sinks_emit's thread); otherwise a
 * queue of qcap alerts and a thread.  The set owns impl from here on
 * (freed with ops->free even when this fails).  name labels the sink in
 * metrics and logs.  0 or -errno. */
int bs_sinks_add(struct bs_sinks *s, const char *name,
		 const struct bs_sink_ops *ops, void *impl, size_t qcap);

/* To every sink: never blocks on a queued sink. */
void bs_sinks_emit(struct bs_sinks *s, const struct bs_alert *a);

size_t bs_sinks_count(const struct bs_sinks *s);
/* Sink i's name, kind and counters; -ENOENT past the end. */
int bs_sinks_get(struct bs_sinks *s, size_t i, const char **name,
		 const char **kind, struct bs_sink_stats *st);
/* Queued sinks' counters added up (the stream sink has its own:
 * alert_write_errors). */
void bs_sinks_total(struct bs_sinks *s, struct bs_sink_stats *tot);

/* A deep copy of a in one allocation (free() it). */
struct bs_alert *bs_alert_dup(const struct bs_alert *a);

#endif
