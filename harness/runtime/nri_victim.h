/* SPDX-License-Identifier: Apache-2.0 */
/* One fixed victim pod and container, created through our NRI runtime side
 * for the sink benchmarks: the agent's token for it, on the host. */
#ifndef BS_HARNESS_NRI_VICTIM_H
#define BS_HARNESS_NRI_VICTIM_H

#include <stddef.h>

#include "nri/runtime.h"

/* CreateContainer of pod default/victim, container app; into src the host
 * source of the mount the agent added at token.  0 or -errno. */
int bs_nri_victim_token(struct bs_nri_runtime *rt, const char *token, char *src,
			size_t n);

#endif
