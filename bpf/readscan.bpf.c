// SPDX-License-Identifier: GPL-2.0
/*
 * "readscan" detection: alert when the bytes a read returns to user space
 * contain a registered window of a token's content (see detect_shared.h
 * for the geometry: window W of 64, 128 or 256 bytes, sampled every
 * stride S = 60, 124 or 252 bytes).
 *
 * Cost: looking every byte offset up in a hash map would be ~4096 map
 * lookups per 4 KiB read.  Instead the read is copied once (one helper
 * call: on this kind of machine the call, not the bytes, is most of the
 * copy's cost) and sampled at p = 0, S, 2S, ...:
 *   1. hot path, branch-free, up to 8 positions per step: one probe of
 *      bloom A ("this gram is in some window"); S is a constant there, so
 *      every gram is one aligned load at a constant offset,
 *   2. on a hit, the gram's slot in the offset table lists the window
 *      offsets k it was registered at,
 *   3. for each, the window's key at p-k+W-16 is looked up in the pattern
 *      map, which is exact.
 * A larger window means fewer samples per read (69, 34 or 17 per 4 KiB)
 * but a token is only seen when W of its bytes come back from one read.
 * Bloom A grows with the tokens armed (its cache footprint is the cost
 * that grows); user space caps the tokens where it would saturate.
 * At most BS_SCAN_MAX bytes of a read are scanned; longer reads are
 * flagged BS_EVF_PARTIAL_SCAN and counted.
 *
 * Backends: fexit/vfs_read, kprobe+kretprobe/vfs_read, or tp_btf/sys_exit
 * for read, pread64, readv, preadv, preadv2 (first iovec only).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "bpf/detect_common.bpf.h"

/* Not preallocated: values carry a 256-byte window, memory follows the
 * tokens armed rather than the capacity. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, BS_MAX_TOKENS);
	__type(key, struct bs_pattern);
	__type(value, struct bs_pattern_val);
} bs_patterns SEC(".maps");

/* Set by user space before load: the window length (64, 128, 256). */
const volatile __u32 bs_rs_window = BS_RS_WINDOW_DEFAULT;

/* Set by user space before a pattern goes in; stale bits of disarmed
 * tokens only cost a lookup until user space rebuilds. */
__u64 bs_bloom[BS_BLOOM_WORDS];
__u64 bs_offsets[BS_OFF_WORDS];
/* 32 - log2(bloom A words); user space changes it as tokens come and go */
__u32 bs_bloom_shift = 32 - (BS_BLOOM_LOG_MIN - 6);

/* 1 when both bits are set.  Branch-free on purpose: with a branch per
 * sample the verifier walks 2^block paths. */
static __always_inline __u32 bloom_test(__u32 gram, __u32 shift)
{
	__u64 w = bs_bloom[bs_bloom_word(gram, shift) & (BS_BLOOM_WORDS - 1)];
	__u64 missing = bs_bloom_bits(gram) & ~w;

	return (__u32)(((missing | -missing) >> 63) ^ 1);
}

struct bs_scratch {
	unsigned char buf[BS_SCAN_MAX + BS_RS_SLACK];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bs_scratch);
} bs_scratch_map SEC(".maps");

/* kprobe backend: user buffer saved at entry, scanned at return */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u64);
	__type(value, __u64);
} bs_kbuf SEC(".maps");

struct scan_ctx {
	struct bs_scratch *s;
	__u64 n;    /* bytes of the read in s */
	__u64 base; /* first position of the block being confirmed */
	__u64 p;    /* position being confirmed */
	__u64 mask; /* offsets still to try in word `word` of p's slot */
	__u32 hits; /* bloom A hits in that block, bit j: position j */
	__u32 word;
	__u32 slot;  /* offset table slot of the gram at p */
	__u32 shift; /* of bloom A, read once per read */
	__u32 stride;
	__u32 key_off; /* of the key inside a window */
	__u32 token_id;
};

/* One candidate: the gram at p is gram k of a window starting at p-k;
 * the window's key decides. */
static __always_inline int try_start(struct scan_ctx *c, __u32 k)
{
	struct bs_pattern_val *val;
	struct bs_pattern key;
	__u64 start;

	if (k > c->p)
		return 0;
	start = c->p - k + c->key_off;
	if (start + BS_PATTERN_LEN > c->n ||
	    start > BS_SCAN_MAX - BS_PATTERN_LEN)
		return 0;
	__builtin_memcpy(&key, &c->s->buf[start], sizeof(key));
	val = bpf_map_lookup_elem(&bs_patterns, &key);
	if (!val)
		return 0;
	c->token_id = val->ref.token_id;
	return 1;
}

/* Index of the lowest set bit of m: the ones below it, counted without
 * branches (the verifier walks every branch of every bit). */
static __always_inline __u32 low_bit_index(__u64 m)
{
	__u64 x = (m & -m) - 1;

	x = x - ((x >> 1) & 0x5555555555555555ull);
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (__u32)((x * 0x0101010101010101ull) >> 56);
}

/* One set bit of the mask being walked: a candidate window offset. */
static int try_bit(__u32 t, struct scan_ctx *c)
{
	__u64 m = c->mask;

	if (!m)
		return 1;
	c->mask = m & (m - 1);
	return try_start(c, c->word * 64 + low_bit_index(m));
}

/* Word w of the gram's offset mask. */
static int try_word(__u32 w, struct scan_ctx *c)
{
	c->word = w;
	c->mask = bs_offsets[(c->slot * BS_OFF_WORDS_PER_SLOT + w) &
			     (BS_OFF_WORDS - 1)];
	if (c->mask)
		bpf_loop(64, try_bit, c, 0);
	return c->token_id ? 1 : 0;
}

/* Rare path: position j of the block passed bloom A.  Positions past the
 * read's end (the hot loop reads stale bytes there) are dropped here.  A
 * bpf_loop callback keeps the verifier's work independent of the hits. */
static int confirm(__u32 j, struct scan_ctx *c)
{
	__u64 p = c->base + (__u64)j * c->stride;
	const unsigned char *b;
	__u32 gram;

	if (!((c->hits >> (j & 31)) & 1) || p + BS_GRAM_LEN > c->n ||
	    p > BS_SCAN_MAX - BS_GRAM_LEN)
		return 0;
	b = &c->s->buf[p];
	gram = b[0] | (__u32)b[1] << 8 | (__u32)b[2] << 16 | (__u32)b[3] << 24;
	c->p = p;
	c->slot = bs_off_slot(gram);
	bpf_loop((c->stride + 63) / 64, try_word, c, 0);
	return c->token_id ? 1 : 0;
}

/* Hot path, block i for one stride (a constant once inlined): aligned
 * gram loads at constant offsets and bloom probes, no branch inside.
 * Returns 1 (stop) past the read or on a match.  x86 loads little-endian,
 * like user space's gram_of(). */
static __always_inline int scan_block(__u32 i, struct scan_ctx *c,
				      const __u32 stride)
{
	const __u32 block = bs_rs_block(stride), span = stride * block;
	__u64 base = (__u64)i * span;
	const unsigned char *b;
	__u32 hits = 0;

	/* bound base itself: the verifier tracks the register, not i */
	if (base > (bs_rs_blocks(stride) - 1) * span || base >= c->n)
		return 1;
	b = &c->s->buf[base];
#pragma unroll
	for (__u32 j = 0; j < block; j++) {
		__u32 gram = *(const __u32 *)&b[j * stride];

		hits |= bloom_test(gram, c->shift) << j;
	}
	if (!hits)
		return 0;
	c->base = base;
	c->hits = hits;
	bpf_loop(block, confirm, c, 0);
	return c->token_id ? 1 : 0;
}

/* bpf_loop callbacks, one per window: each verified once. */
static int scan_block_w64(__u32 i, struct scan_ctx *c)
{
	return scan_block(i, c, bs_rs_stride(64));
}

static int scan_block_w128(__u32 i, struct scan_ctx *c)
{
	return scan_block(i, c, bs_rs_stride(128));
}

static int scan_block_w256(__u32 i, struct scan_ctx *c)
{
	return scan_block(i, c, bs_rs_stride(256));
}

/* The window is read-only data: the verifier keeps one of the three. */
static __always_inline int scan_any(struct scan_ctx *c)
{
	if (bs_rs_window == 64)
		bpf_loop(bs_rs_blocks(bs_rs_stride(64)), scan_block_w64, c, 0);
	else if (bs_rs_window == 128)
		bpf_loop(bs_rs_blocks(bs_rs_stride(128)), scan_block_w128, c,
			 0);
	else
		bpf_loop(bs_rs_blocks(bs_rs_stride(256)), scan_block_w256, c,
			 0);
	return c->token_id != 0;
}

/* avail: bytes readable at ubuf; total: bytes the syscall returned. */
static __always_inline void scan_user(const void *ubuf, __u64 avail,
				      __u64 total)
{
	struct scan_ctx c = {};
	struct bs_scratch *s;
	__u32 zero = 0, flags = 0;
	__u64 n;

	if (avail < bs_rs_window)
		return; /* cannot hold a whole window */
	n = avail > BS_SCAN_MAX ? BS_SCAN_MAX : avail;
	if (total > n) {
		flags = BS_EVF_PARTIAL_SCAN;
		bs_count(BS_CNT_PARTIAL);
	}
	s = bpf_map_lookup_elem(&bs_scratch_map, &zero);
	if (!s || n > BS_SCAN_MAX)
		return;
	if (bpf_probe_read_user(s->buf, n, ubuf))
		return;
	c.s = s;
	c.n = n;
	c.stride = bs_rs_stride(bs_rs_window);
	c.key_off = bs_rs_window - BS_PATTERN_LEN;
	c.shift = *(volatile __u32 *)&bs_bloom_shift;
	/* the agent's own reads are filtered on a match: no cost per read */
	if (scan_any(&c) && !bs_is_agent())
		bs_emit(c.token_id, BS_M_READ, 0, 0, flags, n);
}

SEC("fexit/vfs_read")
int BPF_PROG(bs_fexit_vfs_read, struct file *file, char *buf, size_t count,
	     loff_t *pos, ssize_t ret)
{
	if (ret >= BS_RS_WINDOW_MIN)
		scan_user(buf, ret, ret);
	return 0;
}

SEC("kprobe/vfs_read")
int BPF_KPROBE(bs_kprobe_vfs_read, struct file *file, char *buf)
{
	__u64 id = bpf_get_current_pid_tgid(), b = (__u64)buf;

	if (!bs_is_agent())
		bpf_map_update_elem(&bs_kbuf, &id, &b, BPF_ANY);
	return 0;
}

SEC("kretprobe/vfs_read")
int BPF_KRETPROBE(bs_kretprobe_vfs_read, long ret)
{
	__u64 id = bpf_get_current_pid_tgid(), *b;

	b = bpf_map_lookup_elem(&bs_kbuf, &id);
	if (!b)
		return 0;
	if (ret >= BS_RS_WINDOW_MIN)
		scan_user((const void *)*b, ret, ret);
	bpf_map_delete_elem(&bs_kbuf, &id);
	return 0;
}

#define NR_READ	   0
#define NR_PREAD64 17
#define NR_READV   19
#define NR_PREADV  295
#define NR_PREADV2 327

struct bs_iovec {
	__u64 base;
	__u64 len;
};

SEC("tp_btf/sys_exit")
int BPF_PROG(bs_tp_sys_exit, struct pt_regs *regs, long ret)
{
	struct bs_iovec iov;
	long nr;

	if (ret < BS_RS_WINDOW_MIN)
		return 0;
	nr = regs->orig_ax;
	if (nr != NR_READ && nr != NR_PREAD64 && nr != NR_READV &&
	    nr != NR_PREADV && nr != NR_PREADV2)
		return 0;
	if (regs->cs == BS_USER32_CS)
		return 0;
	if (nr == NR_READ || nr == NR_PREAD64) {
		scan_user((const void *)regs->si, ret, ret);
		return 0;
	}
	/* vectored: scan the first iovec; more is reported as partial */
	if (bpf_probe_read_user(&iov, sizeof(iov), (const void *)regs->si))
		return 0;
	scan_user((const void *)iov.base, iov.len < (__u64)ret ? iov.len : ret,
		  ret);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
