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
 *   1. hot path: one probe of bloom A per sample ("this gram is in some
 *      window"), one aligned load and one well-predicted branch,
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
 * Verifier budget: the scan and the confirmation are plain bounded loops
 * (5.3+) in global functions (5.6+), each verified once on its own rather
 * than at every call site or nested inside the other's iterations, so the
 * instructions the verifier walks grow with the samples (~70), not with
 * their product or with the paths through them (no bpf_loop: 5.17+).
 * Every program stays far under a quarter of the 1M limit on every kernel
 * of the matrix (tests/test_verifier_budget.c, results/verifier.csv).
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

/* Set by user space before load: the window length (64, 128, 256).  Read
 * only: the verifier sees the stride as a constant. */
const volatile __u32 bs_rs_window = BS_RS_WINDOW_DEFAULT;

/* Set by user space before a pattern goes in; stale bits of disarmed
 * tokens only cost a lookup until user space rebuilds. */
__u64 bs_bloom[BS_BLOOM_WORDS];
__u64 bs_offsets[BS_OFF_WORDS];
/* 32 - log2(bloom A words); user space changes it as tokens come and go */
__u32 bs_bloom_shift = 32 - (BS_BLOOM_LOG_MIN - 6);

/* The slack lets a key lookup's masked offset (below) stay inside. */
struct bs_scratch {
	unsigned char buf[BS_SCAN_MAX + BS_PATTERN_LEN];
	struct bs_token_ref ref; /* of the last window matched (--respond) */
};

/* One read's bytes, per CPU: the scan and its confirmations share it. */
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

static __always_inline struct bs_scratch *scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&bs_scratch_map, &zero);
}

/* Offsets are checked where the logic needs it and masked again right at
 * the access: older verifiers (6.1) forget a checked bound when the
 * compiler spills the register before the check and reloads it after.
 * The barrier keeps the compiler from dropping a mask it finds
 * redundant; for valid offsets the mask changes nothing. */
static __always_inline __u32 gram_at(const struct bs_scratch *s, __u64 p)
{
	barrier_var(p);
	p &= BS_SCAN_MAX - BS_GRAM_LEN; /* samples are 4-byte aligned */
	/* x86 loads little-endian, like user space's gram_of() */
	return *(const __u32 *)&s->buf[p];
}

static __always_inline bool bloom_test(__u32 gram, __u32 shift)
{
	__u64 w = bs_bloom[bs_bloom_word(gram, shift) & (BS_BLOOM_WORDS - 1)];

	return !(bs_bloom_bits(gram) & ~w);
}

/* Index of the lowest set bit of m: the ones below it, counted. */
static __always_inline __u32 low_bit_index(__u64 m)
{
	__u64 x = (m & -m) - 1;

	x = x - ((x >> 1) & 0x5555555555555555ull);
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (__u32)((x * 0x0101010101010101ull) >> 56);
}

/* One candidate: the gram at p is gram k of a window starting at p-k; the
 * window's key (its last BS_PATTERN_LEN bytes) decides.  Token id or 0.
 * Global like its caller: its bounds checks narrow its own copies of p
 * and k, not the caller's, so the caller's bit walk keeps one state per
 * step instead of one per narrowing. */
__noinline __u32 bs_rs_try_window(__u64 p, __u64 k, __u64 n)
{
	struct bs_scratch *s = scratch();
	const struct bs_pattern_val *val;
	__u64 start;

	if (!s || k > p || n > BS_SCAN_MAX)
		return 0;
	start = p - k + (bs_rs_window - BS_PATTERN_LEN);
	if (start + BS_PATTERN_LEN > n || start > BS_SCAN_MAX - BS_PATTERN_LEN)
		return 0;
	barrier_var(start);
	start &= BS_SCAN_MAX - 1; /* see gram_at() */
	val = bpf_map_lookup_elem(&bs_patterns, &s->buf[start]);
	if (!val)
		return 0;
	s->ref = val->ref;
	return val->ref.token_id;
}

/* Rare path: the sample at p passed bloom A.  Walks the window offsets its
 * gram was registered at.  Global, so verified once whatever calls it;
 * the bit walk is bounded (64 per word) and its branches rejoin. */
__noinline __u32 bs_rs_confirm(__u64 p, __u64 n)
{
	const __u32 stride = bs_rs_stride(bs_rs_window);
	const struct bs_scratch *s = scratch();
	__u32 slot, id;

	if (!s || n > BS_SCAN_MAX || n < BS_PATTERN_LEN ||
	    p > BS_SCAN_MAX - BS_GRAM_LEN)
		return 0;
	slot = bs_off_slot(gram_at(s, p)) * BS_OFF_WORDS_PER_SLOT;
#pragma clang loop unroll(disable)
	for (__u32 w = 0; w < BS_OFF_WORDS_PER_SLOT && w * 64 < stride; w++) {
		__u64 m = bs_offsets[(slot + w) & (BS_OFF_WORDS - 1)];

#pragma clang loop unroll(disable)
		for (__u32 j = 0; j < 64 && m; j++) {
			id = bs_rs_try_window(p, w * 64 + low_bit_index(m), n);
			if (id)
				return id;
			m &= m - 1;
		}
	}
	return 0;
}

/* Hot path over the n bytes in the scratch: one sample every stride (a
 * constant to the verifier), a bloom A probe each.  Token id or 0. */
static __always_inline __u32 scan(const struct bs_scratch *s, __u64 n)
{
	const __u32 stride = bs_rs_stride(bs_rs_window);
	const __u32 shift = *(volatile __u32 *)&bs_bloom_shift;
	__u32 id;

#pragma clang loop unroll(disable)
	for (__u64 p = 0; p + BS_GRAM_LEN <= n; p += stride) {
		if (p > BS_SCAN_MAX - BS_GRAM_LEN)
			break;
		if (!bloom_test(gram_at(s, p), shift))
			continue;
		id = bs_rs_confirm(p, n);
		if (id)
			return id;
	}
	return 0;
}

/* ubuf: user address of avail readable bytes; total: what the syscall
 * returned.  Global: verified once for both of the tracepoint's callers. */
__noinline int bs_rs_scan_user(__u64 ubuf, __u64 avail, __u64 total)
{
	struct bs_scratch *s;
	__u32 flags = 0, id;
	__u64 n;

	if (avail < bs_rs_window)
		return 0; /* cannot hold a whole window */
	n = avail > BS_SCAN_MAX ? BS_SCAN_MAX : avail;
	if (total > n) {
		flags = BS_EVF_PARTIAL_SCAN;
		bs_count(BS_CNT_PARTIAL);
	}
	s = scratch();
	if (!s || n > BS_SCAN_MAX)
		return 0;
	if (bpf_probe_read_user(s->buf, n, (const void *)ubuf))
		return 0;
	id = scan(s, n);
	/* the agent's own reads are filtered on a match: no cost per read */
	if (id && !bs_is_agent()) {
		/* the matched token's container: try_window kept its ref;
		 * kill comes after the read: the bytes are in its buffer */
		struct bs_token_ref ref = s->ref;

		ref.token_id = id;
		bs_emit(id, BS_M_READ, 0, 0, flags, n, bs_respond_to(&ref));
	}
	return 0;
}

SEC("fexit/vfs_read")
int BPF_PROG(bs_fexit_vfs_read, struct file *file, char *buf, size_t count,
	     loff_t *pos, ssize_t ret)
{
	if (ret >= BS_RS_WINDOW_MIN)
		bs_rs_scan_user((__u64)buf, ret, ret);
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
		bs_rs_scan_user(*b, ret, ret);
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
		bs_rs_scan_user(regs->si, ret, ret);
		return 0;
	}
	/* vectored: scan the first iovec; more is reported as partial */
	if (bpf_probe_read_user(&iov, sizeof(iov), (const void *)regs->si))
		return 0;
	bs_rs_scan_user(iov.base, iov.len < (__u64)ret ? iov.len : ret, ret);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
