/* SPDX-License-Identifier: Apache-2.0 */
/* Criterion side of the shared detection cases (harness/detect_suite.h). */
#ifndef BS_TESTS_DETECT_CHECK_H
#define BS_TESTS_DETECT_CHECK_H

/* Skip unless root; run one shared case on the tracepoint backend, a blind
 * spot is a skip. */
void bs_dcheck_need_root(void);
void bs_dcheck_case(const char *detect, const char *name);

#endif
