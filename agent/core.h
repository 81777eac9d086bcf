/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent core: receives NRI events (as plain structs), drives the
 * injection strategy, arms tokens through the detection strategy, and turns
 * detection events into alert lines.  One direction:
 *   NRI -> inject -> token store + adjustment -> detect arm -> ring buffer
 *   -> bs_core_on_event -> alert JSON.
 */
#ifndef BS_AGENT_CORE_H
#define BS_AGENT_CORE_H

#include <pthread.h>
#include <stdio.h>

#include "agent/alert.h"
#include "agent/config.h"
#include "agent/containers.h"
#include "agent/sink.h"
#include "agent/sink_stream.h"
#include "strategies/strategy.h"

/* NRI events the core wants. */
#define BS_CORE_EVENTS                                                         \
	(BS_EV_MASK(BS_EV_CREATE_CONTAINER) |                                  \
	 BS_EV_MASK(BS_EV_POST_CREATE_CONTAINER) |                             \
	 BS_EV_MASK(BS_EV_START_CONTAINER) |                                   \
	 BS_EV_MASK(BS_EV_REMOVE_CONTAINER))

struct bs_core_stats {
	uint64_t alerts;
	uint64_t alert_write_errors;
	uint64_t arm_failed;
	uint64_t arm_gap_us_last; /* token created -> armed */
	uint64_t arm_gap_us_max;
};

struct bs_core {
	const struct bs_agent_config *cfg;
	const struct bs_inject_ops *inj;
	struct bs_inject_ctx ictx;
	const struct bs_detect_ops *det;
	struct bs_detect_ctx dctx;
	struct bs_detect_config dcfg;
	struct bs_token_store *store;
	struct bs_containers *ctrs;
	struct bs_alert_meta meta;
	FILE *out;
	pthread_mutex_t out_lock;
	struct bs_stream stream; /* the out sink: out under out_lock */
	struct bs_sinks *sinks;	 /* every alert goes to each */
	struct bs_core_stats st;
	size_t n_armed; /* tokens in the detection maps */
	int detect_started;
	bool respond_fail_logged; /* a failed --respond said once */
};

/* Sets up store, injection and detection (load + attach).  out receives
 * the JSON lines; more sinks may be added to c->sinks after.  Returns 0 or -errno (already logged). */
int bs_core_init(struct bs_core *c, const struct bs_agent_config *cfg,
		 FILE *out);
void bs_core_fini(struct bs_core *c);

/* NRI handlers (arg is the struct bs_core). */
int bs_core_synchronize(void *arg, const struct bs_pod *pods, size_t n_pods,
			const struct bs_container *ctrs, size_t n_ctrs);
int bs_core_create(void *arg, const struct bs_pod *pod,
		   const struct bs_container *ctr, struct bs_adjust *adj);
int bs_core_event(void *arg, enum bs_nri_event ev, const struct bs_pod *pod,
		  const struct bs_container *ctr);

/* Detection callback: one event -> one alert line. */
void bs_core_on_event(const struct bs_event *ev, void *arg);

/* Write a {"type":...} line under the output lock. */
void bs_core_emit(struct bs_core *c, const char *line);
void bs_core_emit_ready(struct bs_core *c);
/* extra: preformatted JSON members (no braces) appended, may be "". */
void bs_core_emit_stats(struct bs_core *c, const char *extra);

#endif
