/* SPDX-License-Identifier: (GPL-2.0 OR Apache-2.0) */
/* Constants shared by the detection BPF objects and their loaders (beyond
 * the team contract in events.h). */
#ifndef BS_BPF_DETECT_SHARED_H
#define BS_BPF_DETECT_SHARED_H

/* Index into the per-CPU counter map. */
enum bs_counter {
	BS_CNT_RB_DROPS = 0,
	BS_CNT_AGGREGATED = 1,
	BS_CNT_PARTIAL = 2,
	BS_CNT_MAX = 4,
};

/* open: a bitmap over inode numbers, set by user space for every armed
 * token before its (dev, ino) goes into the map.  A clear bit ends the
 * check of an open with no further kernel reads (most opens). */
#define BS_INO_BITS_LOG 20
#define BS_INO_WORDS (1u << (BS_INO_BITS_LOG - 6))

static inline unsigned int bs_ino_hash(unsigned long long ino)
{
	return (unsigned int)((ino * 0x9E3779B97F4A7C15ull) >>
			      (64 - BS_INO_BITS_LOG));
}

/* readscan: bytes of one read looked at, and the index geometry: each
 * token registers a window of BS_RS_WINDOW content bytes (exact key: its
 * LAST BS_PATTERN_LEN bytes, where templated tokens keep their random part)
 * and every 4-byte gram of it, so sampling the read every BS_GRAM_STRIDE
 * bytes always lands inside the window. */
#define BS_SCAN_MAX 4096
#define BS_RS_WINDOW 64
#define BS_RS_KEY_OFF (BS_RS_WINDOW - BS_PATTERN_LEN) /* 48 */
#define BS_GRAM_LEN 4
#define BS_GRAM_STRIDE (BS_RS_WINDOW - BS_GRAM_LEN + 1) /* 61 */

/* Two bloom filters in one 2^24-bit array: the low half answers "is this
 * gram in some window", the high half "is this gram at window offset k". */
#define BS_BLOOM_HALF_LOG 23
#define BS_BLOOM_WORDS (1u << (BS_BLOOM_HALF_LOG + 1 - 6))

static inline unsigned int bs_bloom_gram(unsigned int gram)
{
	return (gram * 0x9E3779B1u) >> (32 - BS_BLOOM_HALF_LOG);
}

static inline unsigned int bs_bloom_gram_at(unsigned int gram, unsigned int k)
{
	return ((((gram ^ (k * 0x85EBCA6Bu)) * 0xC2B2AE35u) >> 7) ^
		(gram >> 11)) % (1u << BS_BLOOM_HALF_LOG) +
	       (1u << BS_BLOOM_HALF_LOG);
}

/* Aggregation: one entry per (token, accessor process).  The kernel folds
 * accesses inside the window into `folded`; the next access after it, or
 * user space's flush when there is none, reports them. */
struct bs_agg_key {
	__u32 token_id;
	__u32 tgid;
};

struct bs_agg_val {
	__u64 last_ns;      /* start of the current window */
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
	unsigned char window[BS_RS_WINDOW];
};

#endif
