/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent under test as a child process, and the reader of its JSON
 * event lines (ready / alert / stats) from its --events file.
 */
#ifndef BS_HARNESS_AGENTPROC_H
#define BS_HARNESS_AGENTPROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/limits.h"

struct bs_agent_opts {
	const char *bin;
	const char *nri_socket;
	const char *inject;
	const char *detect;
	const char *attach;
	const char *token; /* PATH[=TEMPLATE] */
	const char *state_dir;
	const char *hook_dir;
	const char *events_path;
	const char *log_path;	   /* stderr of the agent */
	int aggregate_ms;	   /* < 0: agent default */
	const char *respond;	   /* --respond; NULL: agent default (none) */
	const char *respond_scope; /* --respond-scope; NULL: default */
	int stats_interval_ms;
	/* Tests: join this cgroup v2 directory and take a private cgroup
	 * namespace rooted there before exec (as an unprivileged pod's
	 * agent is); NULL = the caller's. */
	const char *cgroup_ns_dir;
};

struct bs_agent {
	pid_t pid;
	int exit_status; /* wait status once reaped, else -1 */
	char log_path[BS_PATH_LEN];
	/* resource use sampled over the run */
	int64_t t0_ns;
	uint64_t ticks0;
	long max_rss_kib;
};

/* A scratch run directory for one agent: dir from a mkdtemp template,
 * the NRI socket, events file, state and hook dirs named inside it. */
struct bs_agent_dirs {
	char dir[64], sock[128], events[128], state[128], hook[128];
};

/* mkdtemp(tmpl) into d->dir and name the paths in it: 0 or -errno. */
int bs_agent_dirs_make(struct bs_agent_dirs *d, const char *tmpl);
/* rm -rf the run dir (nothing when it was never made); says so when that
 * fails. */
void bs_agent_dirs_remove(const struct bs_agent_dirs *d);

int bs_agent_spawn(struct bs_agent *a, const struct bs_agent_opts *o);
/* false once the process has exited (reaps it). */
bool bs_agent_alive(struct bs_agent *a);
/* SIGTERM, wait up to timeout_ms, then SIGKILL.  Returns 0 when it exited
 * cleanly, -ECHILD-free errno otherwise (-ETIMEDOUT when it had to be
 * killed, -EIO when it exited non-zero). */
int bs_agent_stop(struct bs_agent *a, int timeout_ms);
/* RSS now (KiB) and CPU ticks used so far, from /proc/<pid>. */
int bs_agent_sample(struct bs_agent *a, long *rss_kib, uint64_t *ticks);
/* Start / finish the CPU measurement window. cpu_pct over the window. */
int bs_agent_cpu_begin(struct bs_agent *a);
int bs_agent_cpu_end(struct bs_agent *a, double *cpu_pct);
/* Print the last lines of the agent's stderr (for a broken run). */
void bs_agent_dump_log(const struct bs_agent *a, int lines);

/* The last {"type":"stats"} line of an --events file, parsed (json_t *,
 * json_decref it), or NULL. */
void *bs_agent_last_stats(const char *events_path);

/* Mount a small tmpfs on the (empty) state dir, as the agent's default
 * /run/beesting is on a node: token work costs what it costs there, not
 * what a journalling disk costs.  0 or -errno (the dir stays as it was). */
int bs_agent_state_tmpfs(const char *dir);
/* Undo it; 0 when nothing was mounted there. */
int bs_agent_state_tmpfs_off(const char *dir);

enum bs_ev_type { BS_EVT_OTHER, BS_EVT_READY, BS_EVT_ALERT, BS_EVT_STATS };

struct bs_agent_event {
	enum bs_ev_type type;
	/* ready */
	char backend[32];
	char blind_spots[256];
	/* alert */
	char method[32];
	uint32_t token_id;
	char token_path[BS_PATH_LEN];
	char token_ctr[BS_ID_LEN]; /* container the token belongs to */
	char token_pod[BS_NAME_LEN];
	char accessor_ctr[BS_ID_LEN]; /* "" when the accessor is the host */
	char comm[20];
	uint32_t tgid;
	uint32_t count;
	int64_t latency_us; /* -1 when absent */
	int64_t time_ns;    /* access time (CLOCK_REALTIME), 0 if absent */
	/* stats */
	uint64_t alerts;
	uint64_t ringbuf_drops;
	uint64_t inject_failed;
	uint64_t armed;
	uint64_t arm_gap_us_last; /* token created -> armed, latest */
	int64_t seen_ns;	  /* CLOCK_MONOTONIC when we read it */
};

/* Follows a growing events file line by line. */
struct bs_evtail {
	int fd;
	uint64_t off;
	uint64_t bad_lines;
	char buf[65536];
	size_t len;
};

int bs_evtail_open(struct bs_evtail *t, const char *path);
void bs_evtail_close(struct bs_evtail *t);
/* Parse one JSON line; -EINVAL when it is not an event object. */
int bs_agent_event_parse(const char *line, struct bs_agent_event *ev);
/* Next complete event line, if any: 1 = *ev filled, 0 = nothing new. */
int bs_evtail_next(struct bs_evtail *t, struct bs_agent_event *ev);

#endif
