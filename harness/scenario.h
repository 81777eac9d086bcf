/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The scenario engine: one INJECT x DETECT configuration end to end.
 *
 * The engine owns the flow (agent up, victims up, every attack method in
 * every victim, alerts matched to attacks, overhead, teardown, leftovers)
 * and writes results/; a backend (local: our NRI runtime side + runc; kind:
 * harness/kind.sh) does the platform work behind the vtable below.
 */
#ifndef BS_HARNESS_SCENARIO_H
#define BS_HARNESS_SCENARIO_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "harness/agentproc.h"
#include "harness/results.h"
#include "harness/attack/tells.h"
#include "lib/limits.h"
#include "lib/stats.h"

#define BS_MAX_METHODS	  48
#define BS_BENCH_TOKEN	  "/root/.aws/credentials"
#define BS_BENCH_TEMPLATE "aws-access-key"
/* projected covers only dirs below the secrets trees: elsewhere it falls
 * back to bind, and a run would measure bind */
#define BS_BENCH_TOKEN_SECRETS                                                 \
	"/var/run/secrets/eks.amazonaws.com/serviceaccount/token"

/* The token path and template a run of inject plants: projected's is the
 * EKS web-identity token (eks-irsa), the bait that belongs there. */
const char *bs_bench_token(const char *inject);
const char *bs_bench_template(const char *inject);

struct bs_method {
	char name[32];
	bool expect_alert;
};

struct bs_bench_cfg {
	char inject[16];   /* bind | ocihook */
	char detect[16];   /* open | readscan | fanotify | auditd | fatrace */
	char backend[16];  /* local | kind */
	char attach[16];   /* what to ask the agent for */
	int runs;	   /* victim containers, one after another */
	int start_pairs;   /* container_start_ms pairs (0 = skip) */
	bool overhead;	   /* run the overhead part at all */
	int alert_wait_ms; /* how long an expected alert may take */
	int quiet_ms;	   /* how long a negative case is watched */
	char methods[256]; /* comma list; "" = every attack method */
	char build[BS_PATH_LEN]; /* where beesting, beesting-attack, ... are */
	char results[BS_PATH_LEN];
	char srcdir[BS_PATH_LEN]; /* repo root: harness/peers.sh, kind.sh */
	/* containerd backend: the directory of the containerd to drive;
	 * "" = the first $BEESTING_CONTAINERD names, or PATH's */
	char runtime_dir[BS_PATH_LEN];
};

/* One pod + container with a token in it. */
struct bs_victim {
	char pod_id[BS_ID_LEN];
	char pod_name[64];
	char ctr_id[BS_ID_LEN];
	char ctr_name[64];
	char token_path[BS_PATH_LEN];	   /* inside the container */
	char token_host_path[BS_PATH_LEN]; /* bind source on the host, or "" */
	bool up;
	void *priv; /* backend's */
};

struct bs_bench;

/* What varies between platforms.  The engine owns the agent (scenario_agent.c:
 * start, ready check, events, teardown, start pairs, overhead rows); a
 * backend makes the place it runs in and the pods.  NULL = not needed. */
struct bs_backend_ops {
	const char *name;
	int ready_ms; /* how long the agents may take to send ready lines */
	/* Platform up and b->agent's places filled (or, external, the
	 * agents started by the platform). */
	int (*setup)(struct bs_bench *b);
	/* After the ready line: the runtime and the agent connected. */
	int (*connect)(struct bs_bench *b);
	int (*victim_up)(struct bs_bench *b, struct bs_victim *v, int idx);
	/* Run one attack; *rc is the attack tool's exit status. */
	int (*attack)(struct bs_bench *b, struct bs_victim *v,
		      const struct bs_method *m, int *rc);
	/* Run `beesting-attack recon <token>` in v; out gets its output,
	 * *rc its exit status. */
	int (*recon)(struct bs_bench *b, struct bs_victim *v, char *out,
		     size_t len, int *rc);
	/* The same in a container without the agent that mounts a volume
	 * built as the kubelet builds one (kubelet_volume.h); NULL when the
	 * backend cannot make one. */
	int (*reference)(struct bs_bench *b, char *out, size_t len, int *rc);
	int (*victim_down)(struct bs_bench *b, struct bs_victim *v);
	/* container_start_ms: one container of start pair i made and
	 * removed, with the agent's token or without; *ms = create ->
	 * running.  NULL: the backend measures no overhead. */
	int (*pairs_begin)(struct bs_bench *b);
	int (*start_one)(struct bs_bench *b, int i, bool with, double *ms);
	void (*pairs_end)(struct bs_bench *b);
	/* true when the agents still run; NULL: the agent process's. */
	bool (*agent_alive)(struct bs_bench *b);
	/* Before the agent stops: let go of it, count what it holds. */
	int (*release)(struct bs_bench *b);
	/* Stop the platform; then count what was left behind (and remove
	 * it). */
	int (*teardown)(struct bs_bench *b);
	int (*leftovers)(struct bs_bench *b);
	/* The backend's state (b->priv): the engine allocates it zeroed
	 * before setup and frees it after leftovers. */
	size_t priv_size;
};

/* The run's agent.  The backend's setup fills the places; the rest is
 * the engine's. */
struct bs_bench_agent {
	char nri_socket[BS_PATH_LEN];
	char state_dir[BS_PATH_LEN];
	char hook_dir[BS_PATH_LEN];
	char events[BS_PATH_LEN]; /* the agents' JSON lines */
	char log[BS_PATH_LEN];
	bool external; /* the platform runs the agents: no process here */
	long count;    /* agents whose ready lines are awaited (0 = 1) */
	struct bs_agent proc;
	bool started;
	struct bs_evtail tail;
	bool tail_open;
	struct bs_samples rss_kib;
	struct bs_samples token_armed_us; /* agent: created -> armed */
	/* CreateContainer round trips, filled by the backend: containers
	 * with the agent's token, and without (opted out), if measured */
	struct bs_samples nri_create_us;
	struct bs_samples nri_create_base_us;
};

extern const struct bs_backend_ops bs_backend_local;
extern const struct bs_backend_ops bs_backend_kind;

/* What one attack raised: alerts matched to it, and the first one's
 * latency (-1: none). */
struct bs_attack_outcome {
	unsigned alerts;
	double latency_us;
};

/* Per-method tallies for the summary table. */
struct bs_method_tally {
	unsigned tried;
	unsigned detected;
	unsigned attack_failed;
};

struct bs_ovh_row {
	char metric[64];
	char unit[8];
	unsigned long n;
	double baseline, median, p99, ratio;
};

#define BS_MAX_OVH_ROWS 48

/* The recon's view of one configuration (the run's inject, reference). */
enum { BS_STEALTH_RUN, BS_STEALTH_REFERENCE, BS_STEALTH_N };

struct bs_stealth {
	bool have;
	struct bs_tell_result tells[BS_TELL_MAX];
};
/* How many of st's tells are visible. */
unsigned bs_stealth_visible(const struct bs_stealth *st);

struct bs_bench {
	struct bs_bench_cfg cfg;
	const struct bs_backend_ops *ops;
	void *priv; /* the backend's state: ops->priv_size bytes */
	struct bs_bench_agent agent;
	struct bs_results res;
	char attach_reported[32];
	char blind_spots[256];
	bool peer; /* detect is auditd|fatrace */
	struct bs_method methods[BS_MAX_METHODS];
	size_t n_methods;
	struct bs_method_tally tally[BS_MAX_METHODS];
	struct bs_samples latency_us; /* alerts seen by coverage */
	struct bs_ovh_row ovh[BS_MAX_OVH_ROWS];
	size_t n_ovh;
	unsigned leaks;
	unsigned stray_alerts; /* alerts matching no attack */
	unsigned stray_tool;   /* ... of them by the attack tool (folded or
				* late repeats of its accesses) */
	char stray_comms[64];  /* other accessors' comms, the first few */
	unsigned recon_alerts; /* alerts on the recon's reads */
	struct bs_stealth stealth[BS_STEALTH_N];
	struct bs_agent_event last_stats; /* the agent's latest stats line */
	bool have_stats;
	char broken[256];      /* why the run broke, "" if not */
	char unavailable[256]; /* peer tool cannot run here */
	int step, n_steps;
};

/* Set by the program's SIGINT/SIGTERM handler: stop at the next step. */
extern volatile sig_atomic_t *bs_bench_interrupted;

/* Pick the backend: "auto" -> kind when kind, kubectl and a Docker engine
 * are present, else local. Writes the choice into cfg->backend. */
const char *bs_backend_choose(struct bs_bench_cfg *cfg);
/* The attack methods of the table (strategies/methods.h), keeping
 * cfg->methods if given; breaks the run when `beesting-attack --list`
 * disagrees with the table (a stale tool). */
int bs_methods_load(struct bs_bench *b);
/* The whole run.  0 = the run worked (misses are results), -errno when
 * the run itself broke (b->broken says why). */
int bs_scenario_run(struct bs_bench *b);
/* Count an alert that matches no attack window, telling the attack tool's
 * own (late, folded) alerts from any other accessor's. */
void bs_bench_stray(struct bs_bench *b, const struct bs_agent_event *ev);

/* Mark the run broken once (first reason wins) and return err. */
int bs_bench_break(struct bs_bench *b, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Write one overhead row (CSV + summary).  NaN = empty. */
int bs_bench_overhead(struct bs_bench *b, const char *metric, const char *unit,
		      unsigned long n, double baseline, double median,
		      double p99);
/* The agent's own CreateContainer time (nri_create_agent_us: n, p50, p99
 * of its stats line nri_creates / nri_create_p50_us / nri_create_p99_us)
 * and its slowest handler (nri_max_handler_us, n = requests) from the last
 * stats line of events_path; 0 or -ENOENT when there is none. */
int bs_bench_agent_nri_rows(struct bs_bench *b, const char *events_path);
/* Same from samples: n, medians, p99 of the treatment, ratio. */
int bs_bench_overhead_samples(struct bs_bench *b, const char *metric,
			      const char *unit, const struct bs_samples *base,
			      const struct bs_samples *treat);

/* ---- the agent (scenario_agent.c) ---- */
/* One ready line of an agent against what the run asked for.  1 = a
 * ready line that matches (inject, detect, and the attach backend when
 * not "auto"), 0 = not a ready line, -EINVAL = a ready line that does not
 * match (why says how). */
int bs_agent_ready_check(const char *line, const char *inject,
			 const char *detect, const char *attach, char *why,
			 size_t len);
/* Backend setup, then the agent started, ready and connected. */
int bs_bench_agent_up(struct bs_bench *b);
/* The backend's release, the agent stopped, the platform torn down. */
int bs_bench_agent_down(struct bs_bench *b);
/* Next alert/ready/stats line from the agents: 1, 0 = none yet. */
int bs_bench_next_event(struct bs_bench *b, struct bs_agent_event *ev);
bool bs_bench_agent_alive(struct bs_bench *b);
/* One RSS sample of the agent process (none for external agents). */
void bs_bench_sample_rss(struct bs_bench *b);
/* Lines written so far are about earlier containers: strays. */
void bs_bench_drain(struct bs_bench *b);
/* The container just made: its created -> armed gap from the nth stats
 * line with a token armed (bounded; a miss is a warning).  strays: the
 * other lines read meanwhile count as strays, else they are dropped. */
void bs_bench_wait_armed(struct bs_bench *b, int nth, bool strays);
/* The overhead part: start pairs (ABBA), then the agent's rows. */
int bs_bench_agent_overhead(struct bs_bench *b);
/* Free the samples (after the leftovers are counted). */
void bs_bench_agent_free(struct bs_bench *b);

/* Print summary of the run to stdout. */
void bs_scenario_summary(const struct bs_bench *b);
/* "[n/N] text" progress on stderr */
void bs_progress(struct bs_bench *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
#endif
