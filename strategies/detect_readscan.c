// SPDX-License-Identifier: Apache-2.0
/*
 * "readscan" detection: a token alerts when a window of its content (64,
 * 128 or 256 bytes, --readscan-window) comes back from a read, whatever
 * path or fd was used.  How the kernel side keeps that cheap is explained
 * in bpf/readscan.bpf.c.
 *
 * Window choice: templated tokens share a header (and the header also
 * appears in real, non-token files), while the random material usually
 * sits at the end.  So arm() takes the LAST window of the content (within
 * BS_TOKEN_MAX) whose key no other armed token uses.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/readscan.skel.h"
#include "lib/log.h"
#include "strategies/detect_common.h"

struct rs_priv {
	struct bs_det_base base; /* first: see bs_det_pause(), bs_det_op_* */
	struct readscan_bpf *skel;
	unsigned int window;	/* bytes */
	unsigned int stride;	/* grams registered per window */
	unsigned int bloom_log; /* bloom A has 2^bloom_log bits */
	unsigned int geometry;	/* bumped on every change of bloom_log */
	bool untidy;		/* old-geometry bits still set */
	size_t live;		/* armed windows */
	size_t stale;		/* disarmed windows whose bits remain */
};
_Static_assert(offsetof(struct rs_priv, base) == 0, "base first");

/* No LSM hook for reads.  Blind spots per backend: strategies/methods.h. */
static const struct bs_det_backend_desc backends[] = {
	{ BS_ATTACH_FENTRY },
	{ BS_ATTACH_KPROBE },
	{ BS_ATTACH_TRACEPOINT },
};

static void rs_undo(struct bs_detect_ctx *ctx)
{
	struct rs_priv *p = ctx->priv;

	readscan_bpf__destroy(p->skel);
	p->skel = NULL;
}

static int rs_attach(struct rs_priv *p, enum bs_attach b)
{
	struct readscan_bpf *s = p->skel;
	int err;

	if (b == BS_ATTACH_FENTRY)
		return bs_det_attach(&p->base, s->progs.bs_fexit_vfs_read);
	if (b == BS_ATTACH_TRACEPOINT)
		return bs_det_attach(&p->base, s->progs.bs_tp_sys_exit);
	err = bs_det_attach(&p->base, s->progs.bs_kprobe_vfs_read);
	return err ? err
		   : bs_det_attach_kretprobe(&p->base,
					     s->progs.bs_kretprobe_vfs_read,
					     "vfs_read");
}

static int rs_try(struct bs_detect_ctx *ctx, enum bs_attach b)
{
	struct rs_priv *p = ctx->priv;
	struct readscan_bpf *s;
	int err;

	if (ctx->cfg->rs_refuse_windows & (1u << (p->window / 64)))
		return -E2BIG; /* what the verifier says past its budget */
	s = p->skel = readscan_bpf__open();
	if (!s)
		return -errno;
	s->rodata->bs_agent_tgid = ctx->cfg->agent_tgid;
	s->rodata->bs_aggregate_ns = ctx->cfg->aggregate_ns;
	s->rodata->bs_backend = (__u32)b;
	s->rodata->bs_rs_window = p->window;
	s->rodata->bs_respond = ctx->cfg->respond;
	s->rodata->bs_respond_able =
		bs_det_respond_able(ctx->cfg, "readscan", b);
	s->rodata->bs_respond_node = ctx->cfg->respond_node;
	bpf_program__set_autoload(s->progs.bs_fexit_vfs_read,
				  b == BS_ATTACH_FENTRY);
	bpf_program__set_autoload(s->progs.bs_kprobe_vfs_read,
				  b == BS_ATTACH_KPROBE);
	bpf_program__set_autoload(s->progs.bs_kretprobe_vfs_read,
				  b == BS_ATTACH_KPROBE);
	bpf_program__set_autoload(s->progs.bs_tp_sys_exit,
				  b == BS_ATTACH_TRACEPOINT);
	err = bs_det_load(&p->base, p->skel->skeleton);
	return err ? err : rs_attach(p, b);
}

/* Windows the index holds before bloom A, at its largest, stops keeping
 * its false-hit rate: 1040, 2114 or 4369 tokens.  Past that every read
 * would pay, so arming is refused (and counted) instead. */
static size_t capacity(const struct rs_priv *p)
{
	return ((size_t)BS_BLOOM_WORDS * 64 / BS_BLOOM_BITS_PER_GRAM) /
	       p->stride;
}

/* Windows to try, the one asked for first, then the nearest; between two
 * as near, the larger: fewer samples, less for the verifier to walk. */
static void window_order(unsigned int want, unsigned int out[3])
{
	static const unsigned int by_want[3][3] = { { 64, 128, 256 },
						    { 128, 256, 64 },
						    { 256, 128, 64 } };

	memcpy(out,
	       by_want[want == 64    ? 0
		       : want == 128 ? 1
				     : 2],
	       sizeof(by_want[0]));
}

static void set_window(struct rs_priv *p, unsigned int window)
{
	p->window = window;
	p->stride = bs_rs_stride(window);
}

/* A window the kernel refuses (verifier budget, old kernel) is not a
 * reason to run without detection: the nearest that loads is used and
 * the ready/stats lines name it. */
static int start_window(struct bs_detect_ctx *ctx, struct rs_priv *p)
{
	unsigned int order[3], want = p->window;
	char why[3][sizeof(p->base.start_why)];
	int err = -EOPNOTSUPP;

	window_order(want, order);
	for (int i = 0; i < 3; i++) {
		set_window(p, order[i]);
		p->base.start_quiet = i < 2;
		err = bs_det_start(ctx, "readscan", backends,
				   sizeof(backends) / sizeof(backends[0]),
				   rs_try, rs_undo);
		memcpy(why[i], p->base.start_why, sizeof(why[i]));
		if (err)
			continue;
		if (i)
			bs_err("readscan: the %u-byte window cannot load here "
			       "(%s); started with the %u-byte window",
			       want, why[0], p->window);
		bs_info("readscan: %u-byte window, a read sampled every %u "
			"bytes, room for %zu tokens",
			p->window, p->stride, capacity(p));
		return 0;
	}
	return err;
}

static int rs_start(struct bs_detect_ctx *ctx)
{
	unsigned int want = ctx->cfg->rs_window ? ctx->cfg->rs_window
						: BS_RS_WINDOW_DEFAULT;
	struct rs_priv *p;
	int err;

	if (!bs_rs_window_valid(want)) {
		bs_err("readscan: window %u: must be 64, 128 or 256", want);
		return -EINVAL;
	}
	p = bs_det_priv_new(ctx, sizeof(*p));
	if (!p)
		return -ENOMEM;
	set_window(p, want);
	p->bloom_log = BS_BLOOM_LOG_MIN;
	err = start_window(ctx, p);
	if (err)
		bs_det_op_stop(ctx);
	return err;
}

static uint32_t gram_of(const unsigned char *b)
{
	return b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[3] << 24;
}

static void bit_set(volatile __u64 *words, uint32_t h)
{
	words[h >> 6] |= 1ull << (h & 63);
}

/* The index entries of one window: the grams a sample can land on. */
static void index_add(volatile __u64 *bloom, volatile __u64 *offsets,
		      const unsigned char *win, unsigned int stride,
		      unsigned int log)
{
	for (uint32_t k = 0; k < stride; k++) {
		uint32_t g = gram_of(&win[k]);

		bloom[bs_bloom_word(g, 32 - (log - 6))] |= bs_bloom_bits(g);
		bit_set(offsets,
			bs_off_slot(g) * BS_OFF_WORDS_PER_SLOT * 64 + k);
	}
}

/* Smallest bloom A with BS_BLOOM_BITS_PER_GRAM bits per gram. */
static unsigned int bloom_log_for(size_t windows, unsigned int stride)
{
	size_t bits = windows * stride * BS_BLOOM_BITS_PER_GRAM;
	unsigned int log = BS_BLOOM_LOG_MIN;

	while (log < BS_BLOOM_LOG_MAX && ((size_t)1 << log) < bits)
		log++;
	return log;
}

/* Recompute the index from the pattern map, with bloom A at 2^log bits.
 * Same geometry: write the exact words; each only loses bits no live
 * window needs.  New geometry: a scan in flight may use either shift, so
 * only OR the new bits in and switch; the old bits go in index_tidy(),
 * once programs that read the old shift are done.  No caller waits. */
static void index_rebuild(struct rs_priv *p, unsigned int log)
{
	int fd = bpf_map__fd(p->skel->maps.bs_patterns);
	__u64 *bloom = calloc(BS_BLOOM_WORDS, sizeof(*bloom));
	__u64 *offs = calloc(BS_OFF_WORDS, sizeof(*offs));
	volatile __u64 *kb = p->skel->bss->bs_bloom;
	volatile __u64 *ko = p->skel->bss->bs_offsets;
	struct bs_pattern key, next, *prev = NULL;
	struct bs_pattern_val val;

	if (!bloom || !offs)
		goto out; /* stale bits only cost time: try again later */
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		if (!bpf_map_lookup_elem(fd, &next, &val))
			index_add(bloom, offs, val.window, p->stride, log);
		key = next;
		prev = &key;
	}
	if (log != p->bloom_log) {
		for (uint32_t i = 0; i < BS_BLOOM_WORDS; i++)
			kb[i] |= bloom[i];
		__atomic_store_n(&p->skel->data->bs_bloom_shift, 32 - (log - 6),
				 __ATOMIC_SEQ_CST);
		p->bloom_log = log;
		p->geometry++;
		p->untidy = true;
		goto out;
	}
	for (uint32_t i = 0; i < BS_BLOOM_WORDS; i++)
		kb[i] = bloom[i];
	for (uint32_t i = 0; i < BS_OFF_WORDS; i++)
		ko[i] = offs[i];
	p->stale = 0;
	p->untidy = false;
out:
	free(bloom);
	free(offs);
}

/* From the poll path, never the NRI path: after a geometry change, wait
 * out scans that may still use the old shift (they take microseconds),
 * then drop the old bits, which would otherwise double the false hits. */
static void index_tidy(struct rs_priv *p)
{
	unsigned int geometry;
	bool untidy;

	pthread_mutex_lock(&p->base.lock);
	untidy = p->untidy;
	geometry = p->geometry;
	pthread_mutex_unlock(&p->base.lock);
	if (!untidy)
		return;
	usleep(2000);
	pthread_mutex_lock(&p->base.lock);
	if (p->geometry == geometry)
		index_rebuild(p, p->bloom_log);
	pthread_mutex_unlock(&p->base.lock);
}

static size_t usable_len(const struct bs_token *t)
{
	size_t n =
		t->content_len < BS_TOKEN_MAX ? t->content_len : BS_TOKEN_MAX;

	return n < sizeof(t->content) ? n : sizeof(t->content);
}

/* One more window: a bloom A that keeps its false-hit rate. */
static void grow_index(struct rs_priv *p)
{
	unsigned int log = bloom_log_for(p->live + p->stale + 1, p->stride);

	if (log > p->bloom_log)
		index_rebuild(p, log);
}

static int rs_arm_locked(struct rs_priv *p, const struct bs_token *t)
{
	int fd = bpf_map__fd(p->skel->maps.bs_patterns);
	struct bs_pattern_val val = { .ref = { .token_id = t->id,
					       .cgroup_id = t->ctr_cgroup_id,
					       .mntns_ino = t->ctr_mntns } },
			      cur;
	size_t len = usable_len(t);
	struct bs_pattern pat;

	for (size_t off = len - p->window + 1; off-- > 0;) {
		const unsigned char *win = &t->content[off];

		memcpy(pat.b, win + p->window - BS_PATTERN_LEN, sizeof(pat.b));
		if (!bpf_map_lookup_elem(fd, &pat, &cur)) {
			if (cur.ref.token_id != t->id)
				continue; /* key taken by another token */
			/* already armed: its container may be known now */
			cur.ref = val.ref;
			bpf_map_update_elem(fd, &pat, &cur, BPF_EXIST);
			return 1;
		}
		if (p->live >= capacity(p))
			return -ENOSPC;
		memcpy(val.window, win, p->window);
		grow_index(p);
		/* bits first: the scan checks them before the map */
		index_add(p->skel->bss->bs_bloom, p->skel->bss->bs_offsets, win,
			  p->stride, p->bloom_log);
		if (bpf_map_update_elem(fd, &pat, &val, BPF_NOEXIST)) {
			p->stale++;
			return -errno;
		}
		return 0;
	}
	return -EEXIST; /* every window collides with armed tokens */
}

static int rs_arm(struct bs_detect_ctx *ctx, const struct bs_token *t)
{
	struct rs_priv *p = ctx->priv;
	int err;

	if (!p || !p->skel || !t->id)
		return -EINVAL;
	if (usable_len(t) < p->window)
		return -EINVAL; /* too short to be recognised in a read */
	pthread_mutex_lock(&p->base.lock);
	err = rs_arm_locked(p, t);
	if (!err)
		p->live++;
	if (err == 1)
		err = 0;
	err = bs_det_arm_result(&p->base, err);
	pthread_mutex_unlock(&p->base.lock);
	return err;
}

static int rs_disarm(struct bs_detect_ctx *ctx, const struct bs_token *t)
{
	struct rs_priv *p = ctx->priv;
	size_t len = usable_len(t);
	struct bs_pattern_val cur;
	struct bs_pattern pat;
	int fd, err = -ENOENT;

	if (!p || !p->skel)
		return -EINVAL;
	fd = bpf_map__fd(p->skel->maps.bs_patterns);
	pthread_mutex_lock(&p->base.lock);
	for (size_t off = 0; len >= p->window && off <= len - p->window;
	     off++) {
		memcpy(pat.b, &t->content[off + p->window - BS_PATTERN_LEN],
		       sizeof(pat.b));
		if (bpf_map_lookup_elem(fd, &pat, &cur) ||
		    cur.ref.token_id != t->id)
			continue;
		err = bpf_map_delete_elem(fd, &pat) ? -errno : 0;
		if (err)
			break;
		p->live--;
		if (++p->stale > 256 && p->stale > p->live / 2)
			index_rebuild(p, bloom_log_for(p->live, p->stride));
		break;
	}
	pthread_mutex_unlock(&p->base.lock);
	return err;
}

static int rs_poll(struct bs_detect_ctx *ctx, int timeout_ms)
{
	struct rs_priv *p = ctx->priv;

	if (!p)
		return -EINVAL;
	index_tidy(p);
	return bs_det_poll(&p->base, timeout_ms);
}

static void rs_stats(struct bs_detect_ctx *ctx, struct bs_detect_stats *out)
{
	struct rs_priv *p = ctx->priv;

	bs_det_op_stats(ctx, out);
	if (p)
		out->rs_window = p->window;
}

const struct bs_detect_ops bs_detect_readscan_ops = {
	.name = "readscan",
	.start = rs_start,
	.arm = rs_arm,
	.disarm = rs_disarm,
	.poll_fd = bs_det_op_poll_fd,
	.poll = rs_poll,
	.stats = rs_stats,
	.stop = bs_det_op_stop,
};
