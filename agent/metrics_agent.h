/* SPDX-License-Identifier: Apache-2.0 */
/* The agent's counters and gauges (the stats line's fields, the sinks',
 * the CreateContainer histogram) in the Prometheus text format. */
#ifndef BS_AGENT_METRICS_AGENT_H
#define BS_AGENT_METRICS_AGENT_H

#include <stdio.h>

#include "agent/core.h"
#include "nri/plugin.h"

struct bs_metrics_src {
	struct bs_core *core;
	/* set once the plugin exists, cleared before it is freed */
	struct bs_nri_plugin *nri;
};

/* A bs_metrics_collect_fn; arg is a struct bs_metrics_src. */
void bs_metrics_agent_collect(FILE *f, void *arg);

#endif
