/* SPDX-License-Identifier: Apache-2.0 */
/* A child process wired to the test by pipes. */
#ifndef BS_TEST_CHILD_H
#define BS_TEST_CHILD_H

#include <sys/types.h>

/* Pipes a and b, then fork(): the child keeps end a_child of a and
 * b_child of b (0: the read end, 1: the write end), the parent the other
 * ends, and each closes what it does not keep.  Returns fork()'s value;
 * the test fails if a step does. */
pid_t bs_test_fork_pipes(int a[2], int a_child, int b[2], int b_child);

#endif
