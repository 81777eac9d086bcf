/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A timing relay on the NRI socket: the agent dials our socket, we dial
 * the runtime's and copy bytes both ways unchanged, reading the mux and
 * ttrpc framing on the side.  Every runtime -> plugin request (Configure,
 * Synchronize, CreateContainer, ...) is timed from the moment its bytes
 * reach us to the moment the plugin's response does: the plugin's time
 * per request plus one local socket hop, as containerd sees it.  One
 * plugin connection at a time (a reconnecting agent replaces the old one).
 * With $BEESTING_NRI_CAPTURE naming a directory, each direction of each
 * connection n is also written there raw, as
 * conn<n>.runtime-to-plugin.bin and conn<n>.plugin-to-runtime.bin (the
 * layout of ../shared/nri-golden/), for decoding a newer runtime's wire.
 */
#ifndef BS_HARNESS_CONTAINERD_NRI_TAP_H
#define BS_HARNESS_CONTAINERD_NRI_TAP_H

#include "lib/stats.h"

struct ctrd_nri_tap;

/* Listen on listen_path (made fresh) and relay to upstream; a thread
 * does the work.  NULL with errno set. */
struct ctrd_nri_tap *ctrd_nri_tap_start(const char *listen_path,
					const char *upstream);
/* Move the round trips (us) of method timed since the last call into
 * into; returns how many. */
int ctrd_nri_tap_take(struct ctrd_nri_tap *t, const char *method,
		      struct bs_samples *into);
/* Requests relayed so far, and those whose response never came. */
void ctrd_nri_tap_counts(struct ctrd_nri_tap *t, unsigned long *requests,
			 unsigned long *unanswered);
void ctrd_nri_tap_stop(struct ctrd_nri_tap *t);

#endif
