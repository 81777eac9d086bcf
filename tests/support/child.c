// SPDX-License-Identifier: Apache-2.0
#include <criterion/criterion.h>
#include <unistd.h>

#include "tests/support/child.h"

pid_t bs_test_fork_pipes(int a[2], int a_child, int b[2], int b_child)
{
	pid_t pid;

	cr_assert_eq(pipe(a), 0);
	cr_assert_eq(pipe(b), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	/* the child closes the parent's ends, the parent the child's */
	close(a[pid ? a_child : !a_child]);
	close(b[pid ? b_child : !b_child]);
	return pid;
}
