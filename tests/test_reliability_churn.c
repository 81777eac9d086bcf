// SPDX-License-Identifier: Apache-2.0
/* Create/remove churn through the NRI path leaks nothing: token files, map
 * entries, fds, mounts, memory. */
#include <criterion/criterion.h>

#include "harness/reliability/rel_scen.h"
#include "tests/support/rel_suite.h"

REL_SUITE(reliability_churn, "churn", 120);

/* 100 cycles, every 20th a real runc container (the rest NRI only).
 * Mounts are counted below the state dir in the agent's mount namespace:
 * the host-wide table moves whenever another job on the machine mounts. */
static void churn(const char *inject)
{
	struct rel_churn r = {
		.cycles = 100, .real_every = 20, .warm = 20, .inject = inject
	};
	struct rel_why w = { "" };
	int err = rel_run_churn(&env, &r, &w);

	cr_assert_eq(err, 0, "%s", w.text);
	cr_expect_eq(r.no_token, 0, "%d creations got no token", r.no_token);
	cr_expect_eq(r.state_entries, 0, "%d token dirs left in the state dir",
		     r.state_entries);
	cr_expect_eq(r.mount_dirs_end, 0, "%d mount dirs left",
		     r.mount_dirs_end);
	cr_expect_eq(r.tokens_end, 0, "stats tokens %llu at the end",
		     (unsigned long long)r.tokens_end);
	cr_expect_eq(r.armed_end, 0, "stats armed %llu at the end",
		     (unsigned long long)r.armed_end);
	cr_expect_eq(r.fds_end, r.fds_warm, "agent fds %d -> %d", r.fds_warm,
		     r.fds_end);
	cr_expect_geq(r.state_mounts_warm, 0);
	cr_expect_eq(r.state_mounts_end, 0,
		     "%d mounts left below the state "
		     "dir (%d after warm-up)",
		     r.state_mounts_end, r.state_mounts_warm);
	cr_expect_leq(r.rss_end, r.rss_warm + r.rss_warm / 10,
		      "agent RSS grew %ld -> %ld KiB (> 10 %%)", r.rss_warm,
		      r.rss_end);
	cr_log_info(
		"churn %s: %d cycles in %.1f s, create p50 %.0f us p99 %.0f us,"
		" RSS %ld -> %ld KiB, fds %d -> %d",
		inject, r.cycles, r.seconds, r.create_p50_us, r.create_p99_us,
		r.rss_warm, r.rss_end, r.fds_warm, r.fds_end);
}

Test(reliability_churn, hundred_cycles_leak_nothing)
{
	churn("bind");
}

/* Each container's tmpfs is unmounted and its mount dir removed. */
Test(reliability_churn, hundred_cycles_projected_leak_nothing)
{
	churn("projected");
}
