// SPDX-License-Identifier: Apache-2.0
/* Faults: an unwritable state dir, a full BPF map, no kernel BTF, a
 * runtime that talks nonsense.  Each ends in a clear error and a safe
 * default, never a crash or a container that cannot start. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "harness/reliability/rel_scen.h"
#include "tests/support/rel_suite.h"

REL_SUITE(reliability_faults, "faults", 120);

static void check_badstate(const char *how)
{
	struct rel_badstate r = { 0 };
	struct rel_why w = { "" };
	int err = rel_run_badstate(&env, how, &r, &w);

	cr_assert_eq(err, 0, "%s", w.text);
	cr_expect(r.ctr_started, "container failed to start (state %s)", how);
	cr_expect(r.adj_empty,
		  "a token mount was added from a broken state dir");
	cr_expect_gt(r.inject_failed, 0, "stats inject_failed stayed 0");
	cr_expect_geq(r.log_lines, 1, "no log line about the failed injection");
	cr_expect(r.alive, "agent died");
}

Test(reliability_faults, state_dir_is_a_file)
{
	check_badstate("file");
}

Test(reliability_faults, state_dir_read_only)
{
	check_badstate("ro");
}

Test(reliability_faults, no_kernel_btf_exits_cleanly)
{
	struct rel_nobtf r = { 0 };
	struct rel_why w = { "" };
	int err = rel_run_nobtf(&env, &r, &w);

	if (err == -EPERM)
		cr_skip_test("%s", w.text);
	cr_assert_eq(err, 0, "%s", w.text);
	cr_assert(r.exited, "agent kept running without BTF");
	cr_expect_neq(r.status, 0, "agent exited 0 without BTF");
	cr_expect_lt(r.status, 128, "agent died of signal %d", r.status - 128);
	cr_expect_geq(r.btf_lines, 1, "the error does not mention BTF: %s",
		      r.out);
}

Test(reliability_faults, hostile_runtime_then_sane_one)
{
	struct rel_garbage r = { 0 };
	struct rel_why w = { "" };
	int err = rel_run_garbage(&env, &r, &w);

	cr_assert_eq(err, 0, "%s", w.text);
	for (int i = 0; i < REL_GARBAGE_CASES; i++) {
		cr_expect(r.reconnected[i], "%s: agent did not reconnect",
			  r.name[i]);
		cr_expect(r.dropped[i] || r.answered[i],
			  "%s: neither dropped nor answered", r.name[i]);
		/* a drop is logged, briefly: one line, not a storm */
		if (r.dropped[i])
			cr_expect(r.log_lines[i] >= 1 && r.log_lines[i] <= 4,
				  "%s: %d log lines for one drop", r.name[i],
				  r.log_lines[i]);
	}
	for (int i = 0; i < REL_GARBAGE_CASES; i++)
		cr_log_info("%s: %s, %d log lines", r.name[i],
			    r.dropped[i]    ? "dropped"
			    : r.answered[i] ? "answered"
					    : "ignored",
			    r.log_lines[i]);
	cr_expect_eq(r.pid_after, r.pid_before, "agent restarted");
	cr_expect(r.served_after, "agent no longer serves a sane runtime");
}
