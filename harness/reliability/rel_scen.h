/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The reliability scenarios, sized by their caller: the Criterion suites
 * run them short and assert, bench/reliability.c runs them long and records
 * the figures.  Each returns 0 when it could run to the end (then the
 * figures are filled in for the caller to judge), or -errno with why[] set.
 */
#ifndef BS_HARNESS_REL_SCEN_H
#define BS_HARNESS_REL_SCEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/reliability/rel_env.h"

struct rel_why {
	char text[512];
};

/* Fills w from fmt; returns err, or -EIO when err is 0 (for a figure that
 * could not be had). */
int rel_fail(struct rel_why *w, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* rel_wait() predicate: the agent has reported ready. */
bool rel_is_ready(struct rel_env *e, void *arg);

/* kill -9 the agent with n real containers up, remove n_removed of them
 * while it is down, start it again.  With detect "fanotify" a process is
 * blocked on a token (the agent stopped) when the kill comes. */
struct rel_restart {
	int n, n_removed;
	const char *detect; /* NULL: open */
	/* figures */
	bool blocked;	    /* fanotify: the accessor was blocked at the kill */
	bool accessor_ok;   /* ... and its open+read then succeeded */
	double released_ms; /* kill -9 -> the blocked accessor done */
	double first_arm_ms; /* first start: spawn -> all n tokens in stats */
	double sync_ms;	     /* restart: spawn -> Synchronize answered */
	double rearm_ms;     /* restart: spawn -> stats show the tokens */
	uint64_t tokens;     /* stats tokens after the restart */
	int touched_alerted; /* survivors whose token read raised an alert */
	int state_entries;   /* <state>/tokens entries after the restart */
	int stale_left;	     /* of removed containers, still in state */
};
int rel_run_restart(struct rel_env *e, struct rel_restart *r,
		    struct rel_why *w);

/* The runtime goes away (socket unlinked) and comes back. */
struct rel_rt_restart {
	int down_ms;	    /* how long the socket is gone */
	const char *detect; /* NULL: open */
	pid_t pid_before, pid_after;
	double reconnect_ms; /* new listen -> plugin admitted */
	bool new_ctr_token;  /* container made afterwards got its token */
	bool new_ctr_alert;  /* ... and reading it raised an alert */
	bool old_ctr_alert;  /* the container from before still alerts */
	uint64_t nri_reconnects;
};
int rel_run_rt_restart(struct rel_env *e, struct rel_rt_restart *r,
		       struct rel_why *w);

/* cycles x (create -> post-create -> start -> stop -> remove); every
 * real_every-th cycle is a real runc container (0: none). */
struct rel_churn {
	int cycles, real_every;
	int warm;	    /* cycles before the first sample */
	const char *inject; /* NULL: bind */
	int fds_warm, fds_end;
	long rss_warm, rss_end;	     /* KiB */
	int mounts_warm, mounts_end; /* host mount table lines */
	int agent_mounts_warm, agent_mounts_end;
	/* mounts below the state dir in the agent's mount namespace: the
	 * agent's own (projected's tmpfs), not the machine's other jobs' */
	int state_mounts_warm, state_mounts_end;
	int state_entries;   /* <state>/tokens entries at the end */
	int mount_dirs_end;  /* <state>/projected entries at the end */
	uint64_t tokens_end; /* stats tokens at the end */
	uint64_t armed_end;  /* stats armed (detection map entries) */
	int no_token;	     /* creations that got no token */
	double create_p50_us, create_p99_us;
	double seconds;
};
int rel_run_churn(struct rel_env *e, struct rel_churn *r, struct rel_why *w);

/* Memory one injected container costs: n NRI-only containers up at once
 * (each with its token and, for projected, its tmpfs), against none;
 * kernel (/proc/meminfo Shmem, Slab) and agent RSS, per container.  The
 * median of reps rounds (meminfo is the whole machine's). */
struct rel_mem {
	int n, reps;
	const char *inject; /* NULL: bind */
	/* figures, KiB per container */
	double shmem_kib, slab_kib, rss_kib;
	uint64_t tokens_up; /* stats tokens with the n up (last round) */
	int state_mounts_up, state_mounts_after;
};
int rel_run_mem(struct rel_env *e, struct rel_mem *r, struct rel_why *w);

/* One process opens a token `opens` times; meanwhile an NRI create and
 * a read from a second container. */
struct rel_flood {
	uint64_t opens;
	const char *detect; /* NULL: open */
	double flood_s;
	double create_during_us; /* CreateContainer round trip mid-flood */
	int create_rc;
	bool create_got_token;
	uint64_t alert_lines; /* about the flooded token */
	uint64_t alert_count; /* their counts summed */
	bool have_drops;      /* stats has ringbuf_drops */
	uint64_t ringbuf_drops, aggregated;
	bool second_alert; /* the second container's read was reported */
	bool alive;
};
int rel_run_flood(struct rel_env *e, struct rel_flood *r, struct rel_why *w);

/* Faults. */
struct rel_badstate {
	bool ctr_started; /* the real container ran */
	bool adj_empty;	  /* no token mount was added */
	uint64_t inject_failed;
	int log_lines; /* log lines about the failed injection */
	bool alive;
};
/* how: "file" (a file where the dir should be) or "ro" (read-only tmpfs) */
int rel_run_badstate(struct rel_env *e, const char *how, struct rel_badstate *r,
		     struct rel_why *w);

struct rel_nobtf {
	bool exited;
	int status;    /* exit code, or -signal */
	int btf_lines; /* log lines mentioning BTF */
	char out[512]; /* the start of what it printed */
	double ms;
};
int rel_run_nobtf(struct rel_env *e, struct rel_nobtf *r, struct rel_why *w);

#define REL_GARBAGE_CASES 4
struct rel_garbage {
	const char *name[REL_GARBAGE_CASES];
	bool dropped[REL_GARBAGE_CASES];  /* agent hung up on us */
	bool answered[REL_GARBAGE_CASES]; /* or answered with an error */
	int log_lines[REL_GARBAGE_CASES]; /* new log lines for the case */
	bool reconnected[REL_GARBAGE_CASES];
	pid_t pid_before, pid_after;
	bool served_after; /* a real runtime afterwards gets a token */
};
int rel_run_garbage(struct rel_env *e, struct rel_garbage *r,
		    struct rel_why *w);

#endif
