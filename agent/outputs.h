/* SPDX-License-Identifier: Apache-2.0 */
/* The sinks the command line asks for (--webhook, --metrics-addr), added
 * to the core's sink set beside the stream sink. */
#ifndef BS_AGENT_OUTPUTS_H
#define BS_AGENT_OUTPUTS_H

#include "agent/core.h"
#include "agent/metrics_agent.h"

/* src->core must be set up (bs_core_init).  0 or -errno (logged). */
int bs_outputs_start(struct bs_metrics_src *src,
		     const struct bs_agent_config *cfg);

#endif
