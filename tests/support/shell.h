/* SPDX-License-Identifier: Apache-2.0 */
/* A shell line for the suites that drive tools (python3, kubectl, tar). */
#ifndef BS_TEST_SHELL_H
#define BS_TEST_SHELL_H

#include <stddef.h>

/* Run the formatted shell line; its stdout (with whatever the line
 * redirects) into out, cut at cap - 1, the rest drained so the child never
 * blocks.  Returns the exit status, -1 if it did not exit. */
int bs_test_sh(char *out, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* bs_test_sh, then the Criterion checks that the line exited want and,
 * unless has is NULL, that has is in its output.  Returns the status. */
int bs_expect_sh(int want, const char *has, char *out, size_t cap,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* <build>/name, this binary being <build>/tests/test_x ("" if it cannot
 * tell).  The buffer is static: the next call overwrites it. */
const char *bs_test_built(const char *name);

#endif
