// SPDX-License-Identifier: GPL-2.0
/*
 * "readscan" detection: alert when the bytes a read returns to user space
 * contain a registered window of a token's content (BS_RS_WINDOW bytes).
 *
 * Cost: looking every byte offset up in a hash map would be ~4096 map
 * lookups per 4 KiB read, far too slow.  Instead every token registers one
 * window of W = BS_RS_WINDOW (64) content bytes: its last BS_PATTERN_LEN
 * bytes are the exact key, and all W-4+1 = 61 of its 4-byte grams go into
 * an index.  Any occurrence of the window in a read fully covers the gram at
 * some position p that is a multiple of S = 61, so the scan only samples
 * p = 0, 61, 122, ... (68 positions per 4 KiB):
 *   1. hot path, branch-free, 8 positions per bpf_loop step: one probe of
 *      bloom A ("this gram is in some window"; a global array, no helper),
 *   2. on a hit, for each window offset k: a probe of bloom B ("this gram
 *      is at offset k of some window"),
 *   3. only then the window's key at p-k+48 is looked up in the pattern
 *      map, which is exact.
 * No per-gram map: memory stays 4 MiB of blooms + the pattern map.
 * Measured on 4 KiB preads (bench/detect_bench.c, tracepoint backend):
 * sampling every 13 bytes (16-byte windows) cost ~2.8x; this ~1.2-1.5x
 * with 1 or 1000 tokens (noisy VM).  False bloom hits grow with tokens x 61 bits:
 * at 65536 tokens the blooms saturate and reads cost tens of times more
 * (see the benchmark); a per-node token count in the hundreds is the
 * intended regime.  Tokens must have at least W bytes of content.  At most
 * BS_SCAN_MAX bytes of a read are scanned; longer reads are flagged
 * BS_EVF_PARTIAL_SCAN and counted.  Reads shorter than a window (1-byte
 * reads) never match: a documented blind spot.
 *
 * Backends: fexit/vfs_read, kprobe+kretprobe/vfs_read, or tp_btf/sys_exit
 * for read, pread64, readv, preadv, preadv2 (first iovec only).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "bpf/detect_common.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BS_MAX_TOKENS);
	__type(key, struct bs_pattern);
	__type(value, struct bs_pattern_val);
} bs_patterns SEC(".maps");

/* Bits are set by user space before the pattern goes in; stale bits of
 * disarmed tokens only cost a lookup until user space rebuilds. */
__u64 bs_bloom[BS_BLOOM_WORDS];

static __always_inline bool bloom_test(__u32 h)
{
	return (bs_bloom[(h >> 6) & (BS_BLOOM_WORDS - 1)] >> (h & 63)) & 1;
}

struct bs_scratch {
	unsigned char buf[BS_SCAN_MAX + BS_PATTERN_LEN];
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

#define BLOCK 8 /* positions per bpf_loop step, checked branch-free */

struct scan_ctx {
	struct bs_scratch *s;
	__u64 n;
	__u64 base;   /* first position of the block being confirmed */
	__u64 p;      /* position being confirmed */
	__u32 gram;   /* its gram */
	__u32 hits;   /* bloom hits in the block, bit j: position j */
	__u32 token_id;
	__u32 pad;
};

/* One candidate: the gram at p is gram k of a window starting at p-k.  A
 * bpf_loop callback, so the verifier checks it once, not 61 times. */
static int try_offset(__u32 k, struct scan_ctx *c)
{
	struct bs_pattern_val *val;
	struct bs_pattern key;
	__u64 start;

	if (k > c->p || !bloom_test(bs_bloom_gram_at(c->gram, k)))
		return 0;
	start = c->p - k + BS_RS_KEY_OFF; /* the window's key */
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

/* Rare path: position j of the block had a hit in the first bloom. */
static int confirm_hit(__u32 j, struct scan_ctx *c)
{
	__u64 p = c->base + (__u64)j * BS_GRAM_STRIDE;
	const unsigned char *b;

	if (!(c->hits & (1u << (j & 31))) || p + BS_GRAM_LEN > c->n ||
	    p > BS_SCAN_MAX - BS_GRAM_LEN)
		return 0;
	b = &c->s->buf[p];
	c->p = p;
	c->gram = b[0] | (__u32)b[1] << 8 | (__u32)b[2] << 16 |
		  (__u32)b[3] << 24;
	bpf_loop(BS_GRAM_STRIDE, try_offset, c, 0);
	return c->token_id ? 1 : 0;
}

/* Hot path: BLOCK sampled positions, one bloom probe each, no branches.
 * Positions past n read stale scratch bytes (the buffer has slack); a
 * hit there is dropped by confirm_hit.  x86 loads the gram unaligned,
 * little-endian, like user space's gram_of(). */
static int scan_block(__u32 i, struct scan_ctx *c)
{
	__u64 base = (__u64)i * (BS_GRAM_STRIDE * BLOCK);
	struct bs_scratch *s = c->s;
	__u32 hits = 0;

	if (base >= c->n)
		return 1;
#pragma unroll
	for (__u32 j = 0; j < BLOCK; j++) {
		__u64 p = (base + j * BS_GRAM_STRIDE) & (BS_SCAN_MAX - 1);
		__u32 gram = *(__u32 *)&s->buf[p];

		hits |= (__u32)bloom_test(bs_bloom_gram(gram)) << j;
	}
	if (!hits)
		return 0;
	c->base = base;
	c->hits = hits;
	bpf_loop(BLOCK, confirm_hit, c, 0);
	return c->token_id ? 1 : 0;
}

/* avail: bytes readable at ubuf; total: bytes the syscall returned. */
static __always_inline void scan_user(const void *ubuf, __u64 avail,
				      __u64 total)
{
	struct scan_ctx c = {};
	struct bs_scratch *s;
	__u32 zero = 0, flags = 0;
	__u64 n;

	if (avail < BS_RS_WINDOW)
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
	bpf_loop((n + BS_GRAM_STRIDE * BLOCK - 1) / (BS_GRAM_STRIDE * BLOCK),
		 scan_block, &c, 0);
	if (c.token_id)
		bs_emit(c.token_id, BS_M_READ, 0, 0, flags, n);
}

SEC("fexit/vfs_read")
int BPF_PROG(bs_fexit_vfs_read, struct file *file, char *buf, size_t count,
	     loff_t *pos, ssize_t ret)
{
	if (ret >= BS_RS_WINDOW && !bs_is_agent())
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
	if (ret >= BS_RS_WINDOW)
		scan_user((const void *)*b, ret, ret);
	bpf_map_delete_elem(&bs_kbuf, &id);
	return 0;
}

#define NR_READ 0
#define NR_PREAD64 17
#define NR_READV 19
#define NR_PREADV 295
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

	if (ret < BS_RS_WINDOW)
		return 0;
	nr = regs->orig_ax;
	if (nr != NR_READ && nr != NR_PREAD64 && nr != NR_READV &&
	    nr != NR_PREADV && nr != NR_PREADV2)
		return 0;
	if (regs->cs == BS_USER32_CS || bs_is_agent())
		return 0;
	if (nr == NR_READ || nr == NR_PREAD64) {
		scan_user((const void *)regs->si, ret, ret);
		return 0;
	}
	/* vectored: scan the first iovec; more is reported as partial */
	if (bpf_probe_read_user(&iov, sizeof(iov),
				(const void *)regs->si))
		return 0;
	scan_user((const void *)iov.base, iov.len < (__u64)ret ? iov.len : ret,
		  ret);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
