/* SPDX-License-Identifier: (GPL-2.0 OR Apache-2.0) */
/* Constants shared by the detection BPF objects and their loaders (beyond
 * the team contract in events.h). */
#ifndef BS_BPF_DETECT_SHARED_H
#define BS_BPF_DETECT_SHARED_H

#include "bpf/events.h"

/* Index into the per-CPU counter map. */
enum bs_counter {
	BS_CNT_RB_DROPS = 0,
	BS_CNT_AGGREGATED = 1,
	BS_CNT_PARTIAL = 2,
	/* responses, folded accesses included: one per (action, result) */
	BS_CNT_RESP = 4,
	BS_CNT_MAX = BS_CNT_RESP + BS_RESPOND_MAX * BS_RR_MAX,
};

static inline unsigned int bs_resp_counter(unsigned int action,
					   unsigned int result)
{
	return BS_CNT_RESP + action * BS_RR_MAX + result;
}

/* A prefix of comm (16 bytes, maybe unterminated). */
static inline int bs_comm_prefix(const char *comm, const char *p,
				 unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (comm[i] != p[i])
			return 0;
	return 1;
}

/* The container runtime's processes by name: runc (and its runc:[N:...]
 * stages), crun, containerd and its shims, conmon, CRI-O, our OCI hook.
 * Only asked about accessors outside the token's container (scope node):
 * inside it a renamed process is never spared. */
static inline int bs_runtime_comm(const char *comm)
{
	return bs_comm_prefix(comm, "runc", 4) ||
	       bs_comm_prefix(comm, "crun", 4) ||
	       bs_comm_prefix(comm, "conmon", 6) ||
	       bs_comm_prefix(comm, "containerd", 10) ||
	       bs_comm_prefix(comm, "crio", 4) ||
	       bs_comm_prefix(comm, "beesting-hook", 13);
}

/* open: a bitmap over inode numbers, set by user space for every armed
 * token before its (dev, ino) goes into the map.  A clear bit ends the
 * check of an open with no further kernel reads (most opens). */
#define BS_INO_BITS_LOG 20
#define BS_INO_WORDS	(1u << (BS_INO_BITS_LOG - 6))

static inline unsigned int bs_ino_hash(unsigned long long ino)
{
	return (unsigned int)((ino * 0x9E3779B97F4A7C15ull) >>
			      (64 - BS_INO_BITS_LOG));
}

/* readscan: bytes of one read looked at, and the index geometry.  Each
 * token registers one window of `window` content bytes (64, 128 or 256,
 * chosen at start; the exact key is its LAST BS_PATTERN_LEN bytes, where
 * templated tokens keep their random part).  A read is sampled every
 * `stride` bytes, the largest multiple of 4 (aligned loads) that cannot
 * step over a whole window: stride + BS_GRAM_LEN - 1 <= window.  So every
 * copy of the window in a read covers the 4-byte gram at some sampled
 * position, at a window offset below stride; those are the grams a token
 * registers. */
#define BS_SCAN_MAX	     4096
#define BS_GRAM_LEN	     4
#define BS_RS_WINDOW_MIN     64
#define BS_RS_WINDOW_MAX     256
#define BS_RS_WINDOW_DEFAULT 256

static inline unsigned int bs_rs_stride(unsigned int window)
{
	return (window - BS_GRAM_LEN + 1) & ~3u;
}

/* Sampled positions in a full scan: 69, 34 or 17. */
static inline unsigned int bs_rs_positions(unsigned int stride)
{
	return (BS_SCAN_MAX - BS_GRAM_LEN) / stride + 1;
}

/* 64-bit words of a gram's offset mask that a window of this stride uses. */
static inline unsigned int bs_rs_offset_words(unsigned int stride)
{
	return (stride + 63) / 64;
}

static inline int bs_rs_window_valid(unsigned int window)
{
	return window == 64 || window == 128 || window == 256;
}

/* The readscan index, two arrays the kernel reads and user space writes:
 * - bloom A, "this gram is in some window": 2^log bits, blocked (both of
 *   a gram's two bits in one 64-bit word: one load per sample), log
 *   chosen from the grams registered (BS_BLOOM_LOG_MIN..MAX) so that its
 *   cache footprint follows the tokens armed; the kernel reads the shift,
 * - the offset table: per hash slot of a gram, a 256-bit mask of the
 *   window offsets it sits at in some window.  A bloom A hit costs one
 *   slot, and a key lookup per set bit, not one probe per offset. */
#define BS_BLOOM_LOG_MIN       12
#define BS_BLOOM_LOG_MAX       23
#define BS_BLOOM_WORDS	       (1u << (BS_BLOOM_LOG_MAX - 6))
#define BS_BLOOM_BITS_PER_GRAM 32 /* ~0.4 % false hits per sample */
#define BS_OFF_SLOTS_LOG       15
#define BS_OFF_WORDS_PER_SLOT  (BS_RS_WINDOW_MAX / 64)
#define BS_OFF_WORDS	       (BS_OFF_WORDS_PER_SLOT << BS_OFF_SLOTS_LOG)

/* Word of bloom A; shift = 32 - (log - 6). */
static inline unsigned int bs_bloom_word(unsigned int gram, unsigned int shift)
{
	return (gram * 0x9E3779B1u) >> shift;
}

/* The gram's two bits inside its word. */
static inline unsigned long long bs_bloom_bits(unsigned int gram)
{
	unsigned int h = gram * 0x85EBCA77u;

	return (1ull << (h >> 26)) | (1ull << ((h >> 20) & 63));
}

static inline unsigned int bs_off_slot(unsigned int gram)
{
	return ((gram ^ (gram >> 15)) * 0x2C1B3C6Du) >> (32 - BS_OFF_SLOTS_LOG);
}

/* Aggregation: one entry per (token, accessor process).  The kernel folds
 * accesses inside the window into `folded`; the next access after it, or
 * user space's flush when there is none, reports them. */
struct bs_agg_key {
	__u32 token_id;
	__u32 tgid;
};

struct bs_agg_val {
	__u64 last_ns;	    /* start of the current window */
	__u64 last_fold_ns; /* latest folded access */
	__u32 folded;
	__u32 pad;
	struct bs_event ev; /* the window's first event */
};

struct bs_pattern {
	unsigned char b[BS_PATTERN_LEN];
};

/* The window rides along so user space can rebuild the blooms. */
struct bs_pattern_val {
	struct bs_token_ref ref;
	unsigned char window[BS_RS_WINDOW_MAX];
};

#endif
