/* SPDX-License-Identifier: Apache-2.0 */
/* detect-bench --peer: a peer tool (auditd, fatrace) switched on and off
 * between blocks through harness/peers.sh, the way the harness runs it. */
#ifndef BS_BENCH_PEER_TOGGLE_H
#define BS_BENCH_PEER_TOGGLE_H

#include <stdbool.h>

struct bs_peer_toggle {
	const char *tool;   /* auditd | fatrace */
	const char *script; /* path of harness/peers.sh */
	char token[128];    /* the file the tool watches */
	char out[128];	    /* its scratch output */
	bool on;
};

/* Started (watching t->token) or stopped; a no-op when already so.
 * -EOPNOTSUPP when the tool cannot run here, -EIO on other failures. */
int bs_peer_toggle(struct bs_peer_toggle *t, bool on);

/* auditd audits only tasks forked after auditing was first enabled on this
 * boot: start and stop it once so a process forked next is audited. */
int bs_peer_prime(struct bs_peer_toggle *t);

#endif
