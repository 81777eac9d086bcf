/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loader bits shared by the BPF detection strategies: backend order and
 * fallback, ring buffer delivery, kernel counters, link bookkeeping.
 */
#ifndef BS_STRATEGIES_DETECT_COMMON_H
#define BS_STRATEGIES_DETECT_COMMON_H

#include <linux/types.h>
#include <pthread.h>
#include <stdbool.h>

#include "bpf/events.h"
#include "bpf/detect_shared.h"
#include "bpf/verifier_stats.h"
#include "strategies/strategy.h"

struct bpf_link;
struct bpf_object_skeleton;
struct bpf_program;
struct ring_buffer;

#define BS_DET_MAX_LINKS 8

/* What the verifier spent on one loaded program. */
struct bs_det_verified {
	char prog[48];
	long insns; /* processed instructions, or -errno when unknown */
};

struct bs_det_base {
	const struct bs_detect_config *cfg;
	struct ring_buffer *rb;
	int counters_fd;
	int agg_fd;
	uint64_t last_flush_ns;
	struct bpf_link *links[BS_DET_MAX_LINKS];
	struct bpf_program *progs[BS_DET_MAX_LINKS]; /* what links[] attach */
	/* return probes attached through tracefs (bs_det_attach_kretprobe):
	 * the function, and the event to remove once detached */
	const char *kret_func[BS_DET_MAX_LINKS];
	char kret_event[BS_DET_MAX_LINKS][64];
	bool kret_warned; /* the fallback is logged once */
	int n_links;
	bool paused;
	uint64_t events;
	uint64_t map_full;
	pthread_mutex_t lock; /* arm/disarm read-modify-write the maps */
	/* the loaded programs' verifier counts (bs_det_load) */
	struct bs_det_verified verified[BS_DET_MAX_LINKS];
	int n_verified;
	/* bs_det_start(): why each backend failed; quiet: the caller tries
	 * another configuration and reports the failure itself */
	char start_why[384];
	bool start_quiet;
	/* the strategy's undo while a backend is up (bs_det_start()), for
	 * bs_det_op_stop() */
	void (*undo)(struct bs_detect_ctx *ctx);
};

/* Tries one backend: loads and attaches, filling the strategy's priv. */
typedef int (*bs_det_try_fn)(struct bs_detect_ctx *ctx, enum bs_attach b);
/* Undoes a failed or finished try. */
typedef void (*bs_det_undo_fn)(struct bs_detect_ctx *ctx);

/* A backend the strategy offers.  What it cannot see there comes from the
 * access-method table (strategies/methods.h), not from here. */
struct bs_det_backend_desc {
	enum bs_attach attach;
};

/* Walks the backends cfg->attach allows (auto: lsm, fentry, kprobe,
 * tracepoint) and keeps the first that loads and attaches.  Sets
 * ctx->backend and ctx->blind_spots (the table's text for the strategy on
 * that backend) and logs the choice once.  ctx->priv comes from
 * bs_det_priv_new(); a failed try is undone (the base's links and ring
 * buffer closed, then undo_fn). */
int bs_det_start(struct bs_detect_ctx *ctx, const char *strategy,
		 const struct bs_det_backend_desc *descs, size_t n,
		 bs_det_try_fn try_fn, bs_det_undo_fn undo_fn);

/* --respond: can strategy on backend a give cfg->respond (methods.h)? */
bool bs_det_respond_able(const struct bs_detect_config *cfg,
			 const char *strategy, enum bs_attach a);
/* Sets ctx->respond_able for backend a and says once what --respond does
 * there, or that it cannot (then accesses are counted as unsupported). */
void bs_det_respond_note(struct bs_detect_ctx *ctx, const char *strategy,
			 enum bs_attach a);

/* "bpf" listed in /sys/kernel/security/lsm */
bool bs_det_lsm_enabled(void);

/* Loads a skeleton (skel->skeleton), records what the verifier spent on
 * each of its programs and opens the ring buffer of the maps every
 * detector shares (bpf/detect_common.bpf.h: bs_events, bs_counters,
 * bs_agg, flushed by bs_det_poll()). */
int bs_det_load(struct bs_det_base *b, struct bpf_object_skeleton *skel);
/* The counts of what ctx loaded.  ctx of "open"/"readscan" (like
 * bs_det_pause()); 0 before a start. */
int bs_det_verified(const struct bs_detect_ctx *ctx,
		    const struct bs_det_verified **out);

/* ctx->priv for a detector: size zeroed bytes starting with its struct
 * bs_det_base, initialized.  NULL when out of memory. */
void *bs_det_priv_new(struct bs_detect_ctx *ctx, size_t size);
/* arm() under b->lock: a full map (E2BIG, ENOMEM; ENOSPC: the strategy's
 * own limit) is counted in map_full and said as -ENOSPC. */
int bs_det_arm_result(struct bs_det_base *b, int err);
int bs_det_attach(struct bs_det_base *b, struct bpf_program *p);
/* p, a kretprobe of func, with room for every call in flight (see
 * bpf/kretprobe.h); libbpf's own attach, warned, where tracefs cannot. */
int bs_det_attach_kretprobe(struct bs_det_base *b, struct bpf_program *p,
			    const char *func);
int bs_det_poll(struct bs_det_base *b, int timeout_ms);
int bs_det_poll_fd(struct bs_det_base *b);
void bs_det_stats(struct bs_det_base *b, struct bs_detect_stats *out);
/* The same as bs_detect_ops slots, for a detector whose ctx->priv starts
 * with its struct bs_det_base (NULL before start or after stop, or a
 * detector without priv, as "none": -1, -EINVAL, zeroed stats, nothing
 * to stop). */
int bs_det_op_poll_fd(struct bs_detect_ctx *ctx);
int bs_det_op_poll(struct bs_detect_ctx *ctx, int timeout_ms);
void bs_det_op_stats(struct bs_detect_ctx *ctx, struct bs_detect_stats *out);
/* Undoes the started backend, frees ctx->priv and clears it. */
void bs_det_op_stop(struct bs_detect_ctx *ctx);
/* Benchmarks: detach (paused) or re-attach every program while the maps
 * stay loaded and armed.  ctx of "open"/"readscan"; no-op for "none". */
int bs_det_pause(struct bs_detect_ctx *ctx, bool paused);
/* Detaches and frees the ring buffer; the undo destroys the skeleton. */
void bs_det_base_close(struct bs_det_base *b);

#endif
