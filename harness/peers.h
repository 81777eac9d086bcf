/* SPDX-License-Identifier: Apache-2.0 */
/* The peer tools (auditd, fatrace) as a run's detector (b->peer), driven
 * through harness/peers.sh; local backend only. */
#ifndef BS_HARNESS_PEERS_H
#define BS_HARNESS_PEERS_H

#include "harness/scenario.h"

/* Start the tool watching v's token on the host.  -EOPNOTSUPP (with
 * b->unavailable set) when it cannot run here, a broken run otherwise. */
int bs_peer_start(struct bs_bench *b, const struct bs_victim *v);
/* Stop it and remove its scratch output. */
void bs_peer_stop(struct bs_bench *b, const struct bs_victim *v);
/* Run attack m in v; o->alerts is how many records the tool added for the
 * token meanwhile.  *rc is the attack tool's exit status. */
int bs_peer_attack(struct bs_bench *b, struct bs_victim *v,
		   const struct bs_method *m, struct bs_attack_outcome *o,
		   int *rc);

#endif
