/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Local backend internals: our NRI runtime side + runc on this host.
 * backend_local.c runs the agent and the bookkeeping; local_ctr.c drives
 * pods and containers (NRI events, OCI adjustment, runc) the way
 * containerd does.
 */
#ifndef BS_HARNESS_LOCAL_H
#define BS_HARNESS_LOCAL_H

#include <stdbool.h>
#include <stdint.h>

#include "harness/agentproc.h"
#include "harness/scenario.h"
#include "lib/stats.h"

struct bs_local {
	char dir[BS_PATH_LEN];	/* everything of this run lives below */
	char sock[BS_PATH_LEN]; /* NRI socket the agent dials */
	char run[BS_PATH_LEN];	/* a tmpfs, as /run on a node */
	char opt[BS_PATH_LEN];
	char state[BS_PATH_LEN]; /* run/beesting */
	char hooks[BS_PATH_LEN]; /* opt/beesting */
	char events[BS_PATH_LEN];
	char log[BS_PATH_LEN];
	char bundles[BS_PATH_LEN];
	char id_prefix[32]; /* container ids: <prefix>-<n> */
	struct bs_agent agent;
	bool agent_started;
	struct bs_evtail tail;
	bool tail_open;
	void *nri; /* local_ctr.c's runtime-side state */
	struct bs_samples rss_kib;
	struct bs_samples nri_create_us;
	struct bs_samples token_armed_us; /* agent: created -> armed */
	int seq;			  /* containers made so far */
};

/* Listen on l->sock (before the agent starts). */
int bs_local_nri_listen(struct bs_bench *b, struct bs_local *l);
/* Accept the agent as a plugin and complete the handshake. */
int bs_local_nri_accept(struct bs_bench *b, struct bs_local *l, int timeout_ms);
void bs_local_nri_close(struct bs_local *l);

/* Create and start pod + container v.  via_nri: send every NRI event and
 * apply the plugin's adjustment; false = the same without the agent.
 * *start_ms gets create -> running. */
int bs_local_ctr_up(struct bs_bench *b, struct bs_local *l, struct bs_victim *v,
		    bool via_nri, double *start_ms);
/* Run beesting-attack in v (host_bind_source: on the host). */
int bs_local_ctr_attack(struct bs_bench *b, struct bs_local *l,
			struct bs_victim *v, const struct bs_method *m,
			int *rc);
/* beesting-attack recon <token> in v. */
int bs_local_ctr_recon(struct bs_bench *b, struct bs_local *l,
		       struct bs_victim *v, char *out, size_t len, int *rc);
/* The recon in a container made without the agent that mounts a
 * kubelet-built service-account volume (kubelet_volume.h). */
int bs_local_ctr_reference(struct bs_bench *b, struct bs_local *l, char *out,
			   size_t len, int *rc);
int bs_local_ctr_down(struct bs_bench *b, struct bs_local *l,
		      struct bs_victim *v);
/* Remove runc containers of this run that are still there; their count. */
int bs_local_ctr_leftovers(struct bs_local *l);

#endif
