/* SPDX-License-Identifier: Apache-2.0 */
/* Criterion side of the shared detection cases (harness/detect_suite.h). */
#ifndef BS_TESTS_DETECT_CHECK_H
#define BS_TESTS_DETECT_CHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "harness/detect_suite.h"

/* Skip unless root; run one shared case on the tracepoint backend, a blind
 * spot is a skip. */
void bs_dcheck_need_root(void);
void bs_dcheck_case(const char *detect, const char *name);

/* One Test in suite a shared case: BS_DCASE_NAMES(CASE) with
 * #define CASE(n) BS_DCHECK_CASE(detect_x_case, "x", n). */
#define BS_DCHECK_CASE(suite, detect, n)                                       \
	Test(suite, n)                                                         \
	{                                                                      \
		bs_dcheck_case(detect, #n);                                    \
	}

/* A started detector on a calloc'ed bs_dtest (rs_window set first, 0:
 * default), or the test fails; bs_dcheck_finish stops and frees it. */
struct bs_dtest *bs_dcheck_start(const char *detect, enum bs_attach a,
				 uint32_t agent, uint64_t agg,
				 uint32_t rs_window);
void bs_dcheck_finish(struct bs_dtest *d);

/* A child reads path (NULL: d's token): seen, its alert comes within
 * 1.5 s; not seen, none comes within 0.3 s.  The formatted why names a
 * wrong outcome. */
void bs_dcheck_read(struct bs_dtest *d, const char *path, bool seen,
		    const char *why, ...) __attribute__((format(printf, 4, 5)));

/* Copies of d's token made distinct by vary(t, i) arm for every i < cap;
 * the one for cap is refused with -ENOSPC and counted as map_full.
 * Returns that last copy (malloc'ed: the caller frees it). */
struct bs_token *bs_dcheck_fill(struct bs_dtest *d, uint32_t cap,
				void (*vary)(struct bs_token *t, uint32_t i));

/* d started with the agent filter on this process: its own read of the
 * token (armed here) is not reported, the same read from a child is. */
void bs_dcheck_agent_unseen(struct bs_dtest *d);

/* A copy of d's token without its inode, or without an id: -EINVAL. */
void bs_dcheck_refuses_incomplete(struct bs_dtest *d);

/* d's token disarmed: a read of it is not reported; armed again: it is. */
void bs_dcheck_rearm(struct bs_dtest *d);

#endif
