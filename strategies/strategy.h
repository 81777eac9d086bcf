/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The two small vtables the agent core drives.
 *
 * Flow: NRI event -> injection driver (inject.h: plan, state, the
 *       strategy's plant, env, arm) fills the token store and the
 *       adjustment -> the core arms every token that has an inode via
 *       detect ops -> detect ops deliver struct bs_event to the core's
 *       callback.
 * All functions return 0 or a negative errno.
 */
#ifndef BS_STRATEGIES_STRATEGY_H
#define BS_STRATEGIES_STRATEGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <linux/types.h>

#include "bpf/events.h"
#include "nri/adjust.h"
#include "nri/model.h"
#include "strategies/methods.h"
#include "strategies/token.h"

#define BS_MAX_TOKEN_PATHS 16
/* tokens of one container: every --token plus one annotation path */
#define BS_MAX_PLAN (BS_MAX_TOKEN_PATHS + 1)

/* One --token PATH[=TEMPLATE] entry. */
struct bs_token_spec {
	char path[BS_PATH_LEN];
	char template_name
		[32]; /* aws-access-key, k8s-sa-token, eks-irsa, generic, file */
	char content_file[BS_PATH_LEN]; /* template "file": user content */
};

struct bs_inject_config {
	struct bs_token_spec tokens[BS_MAX_TOKEN_PATHS];
	size_t n_tokens;
	char state_dir[BS_PATH_LEN];   /* default /run/beesting */
	char hook_dir[BS_PATH_LEN];    /* default /opt/beesting/bin */
	char hook_src[BS_PATH_LEN];    /* hook binary to install (ocihook) */
	char report_sock[BS_PATH_LEN]; /* ocihook report socket, "" = off */
	bool fail_closed;
	/* projected: a process in the mount namespace runc runs in; 0: the
	 * node's pid 1, else (not reachable) the agent's own namespace */
	int node_pid;
	const char *const *exclude_ns;	     /* NULL-terminated */
	const char *const *allowed_prefixes; /* for annotation paths */
};

struct bs_inject_ops;

/* The driver's "arm" step: the caller arms (arm) or disarms the tokens of
 * container ctr_id, or of every container (ctr_id NULL, after a resync). */
typedef void (*bs_inject_arm_fn)(void *arg, const char *ctr_id, bool arm);

struct bs_inject_ctx {
	const struct bs_inject_config *cfg;
	const struct bs_inject_ops *ops; /* set by bs_inject_init() */
	struct bs_token_store *store;
	bs_inject_arm_fn arm; /* NULL: nothing to arm (tests) */
	void *arm_arg;
	void *priv;
	/* counters, read by the agent's status line and the benchmarks */
	uint64_t n_injected;
	uint64_t n_failed; /* every injection failure, counted by the driver */
	uint64_t n_skipped;
	/* projected: token dirs that got bind's file mount instead (a spec
	 * mount at, under or above the dir, a dir outside the secrets trees,
	 * no host mount namespace) */
	uint64_t n_fallback;
	/* eks-irsa: containers with IRSA env of their own, left alone */
	uint64_t n_irsa_skipped;
	/* token paths left out: the container's spec mounts something at
	 * exactly that path (its own volume wins) */
	uint64_t n_spec_mount_skipped;
	/* beesting.io/token-path annotations refused (not absolute,
	 * not normalized, not under an allowed prefix, ...) */
	uint64_t n_annotation_refused;
};

struct bs_inject_plan;

/*
 * What varies between injection strategies; the driver (inject.h) runs the
 * fixed sequence around it and decides, logs and counts fail-open vs
 * fail-closed.  Every slot may be NULL, meaning "not needed" (as for
 * sinks); a strategy without plant plants nothing ("none").
 */
struct bs_inject_ops {
	const char *name; /* "bind", "ocihook", "projected", "none" */
	/* Set up what the strategy needs (ctx->priv). */
	int (*init)(struct bs_inject_ctx *ctx);
	/* Plant the planned tokens of a new container: records into
	 * ctx->store, mounts/hooks into adj.  dfd is its freshly emptied
	 * state dir, t scratch space for one token.  On error the driver
	 * drops records, state, adj and calls unplant. */
	int (*plant)(struct bs_inject_ctx *ctx, const struct bs_pod *pod,
		     const struct bs_container *ctr, struct bs_adjust *adj,
		     int dfd, const struct bs_inject_plan *plan,
		     struct bs_token *t);
	/* The container's process is known (ctr->pid > 0) and the workload
	 * has not run yet: learn inodes not known at create.  Called at every
	 * event that carries a pid (containerd 1.7 first sends one at
	 * StartContainer, CRI-O at PostCreate); a no-op once all are known. */
	int (*locate)(struct bs_inject_ctx *ctx,
		      const struct bs_container *ctr);
	/* Resync: inode and host path of a token read back from the state
	 * dir (st: its content file's stat).  NULL: that file is the token
	 * (bind's mount source). */
	int (*relocate)(struct bs_inject_ctx *ctx,
			const struct bs_container *ctr, struct bs_token *t,
			const struct stat *st);
	/* Undo what plant made besides records, state and adj (projected's
	 * mounts): at remove and after a failed create. */
	void (*unplant)(struct bs_inject_ctx *ctx, const char *ctr_id);
	/* Resync: the same for every container not in ctrs. */
	void (*prune)(struct bs_inject_ctx *ctx,
		      const struct bs_container *ctrs, size_t n);
	/* Free ctx->priv; the driver clears it after. */
	void (*fini)(struct bs_inject_ctx *ctx);
};

struct bs_event;
typedef void (*bs_event_fn)(const struct bs_event *ev, void *arg);

struct bs_detect_config {
	enum bs_attach attach;
	uint32_t agent_tgid;   /* filtered in the kernel */
	uint64_t aggregate_ns; /* fold repeats within this interval */
	uint32_t rs_window;    /* readscan window bytes, 0: default */
	/* tests only: readscan windows (bit window/64) whose load fails as
	 * if the verifier refused them, to prove the fallback */
	uint32_t rs_refuse_windows;
	enum bs_respond respond; /* --respond: what to do to an accessor */
	bool respond_node;	 /* --respond-scope=node: outside the token's
				    container too (never the runtime) */
	size_t max_tokens;
	bs_event_fn on_event;
	void *on_event_arg;
};

struct bs_detect_stats {
	uint64_t events;	/* delivered to on_event */
	uint64_t ringbuf_drops; /* reserve failures counted in the kernel */
	uint64_t aggregated;	/* accesses folded into earlier events */
	uint64_t partial_scans; /* readscan reads scanned only in part */
	uint64_t map_full;	/* arm() failures because a map was full */
	uint32_t rs_window;	/* readscan window in use, bytes; 0: other */
	/* accesses responded to (folded ones too), by action and result */
	uint64_t responses[BS_RESPOND_MAX][BS_RR_MAX];
};

struct bs_detect_ctx {
	const struct bs_detect_config *cfg;
	enum bs_attach backend;	 /* what start() actually attached */
	const char *blind_spots; /* human text: what this backend misses */
	bool respond_able;	 /* cfg->respond can be given on this backend */
	void *priv;
};

/* A detection strategy: every slot is called without a check.  What the
 * BPF detectors share (and "none", without a priv) is in detect_common.h:
 * bs_det_op_*.  stop leaves ctx->priv NULL. */
struct bs_detect_ops {
	const char *name; /* "open", "readscan", "fanotify", "none" */
	int (*start)(struct bs_detect_ctx *ctx);
	/* Also called again on an armed token whose container identity
	 * (ctr_cgroup_id, ctr_mntns) became known: updates it in place. */
	int (*arm)(struct bs_detect_ctx *ctx, const struct bs_token *t);
	int (*disarm)(struct bs_detect_ctx *ctx, const struct bs_token *t);
	/* fd to poll for readability, or -1 */
	int (*poll_fd)(struct bs_detect_ctx *ctx);
	/* Deliver pending events; waits up to timeout_ms. Returns #events. */
	int (*poll)(struct bs_detect_ctx *ctx, int timeout_ms);
	void (*stats)(struct bs_detect_ctx *ctx, struct bs_detect_stats *out);
	void (*stop)(struct bs_detect_ctx *ctx);
};

const struct bs_inject_ops *bs_inject_find(const char *name);
const struct bs_detect_ops *bs_detect_find(const char *name);

/* bs_attach_name() is in strategies/methods.h. */
int bs_attach_parse(const char *s, enum bs_attach *out);

#endif
