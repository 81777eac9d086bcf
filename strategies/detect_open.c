// SPDX-License-Identifier: Apache-2.0
/* "open" detection: armed (dev, ino) pairs in a BPF hash map, an event on
 * every open (or fd-based access) of one.  Kernel side: bpf/detect_open.bpf.c */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/detect_open.skel.h"
#include "lib/log.h"
#include "strategies/detect_common.h"

struct open_priv {
	struct bs_det_base base; /* first: the bs_det_op_* slots */
	struct detect_open_bpf *skel;
	uint16_t ino_refs[]; /* armed tokens per bit of bs_ino_bits */
};
_Static_assert(offsetof(struct open_priv, base) == 0, "base first");

/* Blind spots per backend: strategies/methods.h. */
static const struct bs_det_backend_desc backends[] = {
	{ BS_ATTACH_LSM },
	{ BS_ATTACH_FENTRY },
	{ BS_ATTACH_KPROBE },
	{ BS_ATTACH_TRACEPOINT },
};

/* Which two programs make up a backend (open, then mmap or io_uring):
 * only they load, and pair gets them to attach. */
static void pick_progs(struct detect_open_bpf *s, enum bs_attach b,
		       struct bpf_program *pair[2])
{
	struct bpf_program *all[] = {
		s->progs.bs_lsm_file_open,    s->progs.bs_lsm_mmap_file,
		s->progs.bs_fentry_file_open, s->progs.bs_fentry_mmap_file,
		s->progs.bs_kprobe_file_open, s->progs.bs_kprobe_mmap_file,
		s->progs.bs_tp_sys_exit,      s->progs.bs_tp_io_uring,
	};
	size_t first = b == BS_ATTACH_LSM      ? 0
		       : b == BS_ATTACH_FENTRY ? 2
		       : b == BS_ATTACH_KPROBE ? 4
					       : 6;

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		bpf_program__set_autoload(all[i], i == first || i == first + 1);
	pair[0] = all[first];
	pair[1] = all[first + 1];
}

static void open_undo(struct bs_detect_ctx *ctx)
{
	struct open_priv *p = ctx->priv;

	detect_open_bpf__destroy(p->skel);
	p->skel = NULL;
}

/* io_uring is best effort. */
static int attach_pair(struct open_priv *p, enum bs_attach b,
		       struct bpf_program *const pair[2])
{
	int err = bs_det_attach(&p->base, pair[0]);

	if (err)
		return err;
	err = bs_det_attach(&p->base, pair[1]);
	if (err && b == BS_ATTACH_TRACEPOINT) {
		bs_warn("detect open: io_uring tracepoint unavailable (%s): "
			"io_uring opens are a blind spot",
			strerror(-err));
		return 0;
	}
	return err;
}

static int open_try(struct bs_detect_ctx *ctx, enum bs_attach b)
{
	struct open_priv *p = ctx->priv;
	struct bpf_program *pair[2];
	int err;

	if (b == BS_ATTACH_LSM && !bs_det_lsm_enabled())
		return -EOPNOTSUPP;
	p->skel = detect_open_bpf__open();
	if (!p->skel)
		return -errno;
	p->skel->rodata->bs_agent_tgid = ctx->cfg->agent_tgid;
	p->skel->rodata->bs_aggregate_ns = ctx->cfg->aggregate_ns;
	p->skel->rodata->bs_backend = (__u32)b;
	p->skel->rodata->bs_respond = ctx->cfg->respond;
	p->skel->rodata->bs_respond_able =
		bs_det_respond_able(ctx->cfg, "open", b);
	p->skel->rodata->bs_respond_node = ctx->cfg->respond_node;
	pick_progs(p->skel, b, pair);
	err = bs_det_load(&p->base, p->skel->skeleton);
	return err ? err : attach_pair(p, b, pair);
}

static int open_start(struct bs_detect_ctx *ctx)
{
	int err;

	if (!bs_det_priv_new(ctx,
			     sizeof(struct open_priv) +
				     (sizeof(uint16_t) << BS_INO_BITS_LOG)))
		return -ENOMEM;
	err = bs_det_start(ctx, "open", backends,
			   sizeof(backends) / sizeof(backends[0]), open_try,
			   open_undo);
	if (err)
		bs_det_op_stop(ctx);
	return err;
}

/* The bit goes up before the map entry exists and down after it is gone,
 * so the kernel never sees an armed inode behind a clear bit.  A count
 * that saturates keeps its bit for good: only a wasted lookup. */
static void ino_ref(struct open_priv *p, uint64_t ino, int delta)
{
	unsigned int h = bs_ino_hash(ino);
	__u64 *word = &p->skel->bss->bs_ino_bits[h >> 6];
	__u64 bit = 1ull << (h & 63);
	uint16_t *r = &p->ino_refs[h];

	if (*r == UINT16_MAX)
		return;
	if (delta > 0 && (*r)++ == 0)
		__atomic_fetch_or(word, bit, __ATOMIC_SEQ_CST);
	else if (delta < 0 && *r && --(*r) == 0)
		__atomic_fetch_and(word, ~bit, __ATOMIC_SEQ_CST);
}

static int open_arm(struct bs_detect_ctx *ctx, const struct bs_token *t)
{
	struct open_priv *p = ctx->priv;
	struct bs_inode_key k = { .dev = t->dev, .ino = t->ino };
	struct bs_token_ref ref = { .token_id = t->id,
				    .cgroup_id = t->ctr_cgroup_id,
				    .mntns_ino = t->ctr_mntns },
			    old;
	bool fresh;
	int fd, err;

	if (!p || !p->skel)
		return -EINVAL;
	if (!t->have_inode || !t->id)
		return -EINVAL;
	pthread_mutex_lock(&p->base.lock);
	fd = bpf_map__fd(p->skel->maps.bs_inodes);
	/* re-arming an armed inode swaps the token, the bit is counted once */
	fresh = bpf_map_lookup_elem(fd, &k, &old) != 0;
	if (fresh)
		ino_ref(p, k.ino, +1);
	err = bpf_map_update_elem(fd, &k, &ref, BPF_ANY);
	if (err)
		err = -errno;
	if (err && fresh)
		ino_ref(p, k.ino, -1);
	err = bs_det_arm_result(&p->base, err);
	pthread_mutex_unlock(&p->base.lock);
	return err;
}

static int open_disarm(struct bs_detect_ctx *ctx, const struct bs_token *t)
{
	struct open_priv *p = ctx->priv;
	struct bs_inode_key k = { .dev = t->dev, .ino = t->ino };
	struct bs_token_ref ref;
	int fd, err = 0;

	if (!p || !p->skel)
		return -EINVAL;
	fd = bpf_map__fd(p->skel->maps.bs_inodes);
	pthread_mutex_lock(&p->base.lock);
	/* another token may have re-armed the same inode since: keep it */
	if (bpf_map_lookup_elem(fd, &k, &ref) || ref.token_id != t->id)
		err = -ENOENT;
	else if (bpf_map_delete_elem(fd, &k))
		err = -errno;
	else
		ino_ref(p, k.ino, -1);
	pthread_mutex_unlock(&p->base.lock);
	return err;
}

const struct bs_detect_ops bs_detect_open_ops = {
	.name = "open",
	.start = open_start,
	.arm = open_arm,
	.disarm = open_disarm,
	.poll_fd = bs_det_op_poll_fd,
	.poll = bs_det_op_poll,
	.stats = bs_det_op_stats,
	.stop = bs_det_op_stop,
};
