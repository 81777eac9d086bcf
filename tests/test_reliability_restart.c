// SPDX-License-Identifier: Apache-2.0
/* The agent and the runtime restart under running containers: tokens come
 * back armed, stale state goes, nothing is counted twice. */
#include <criterion/criterion.h>
#include <string.h>

#include "harness/reliability/rel_scen.h"
#include "tests/support/rel_suite.h"

REL_SUITE(reliability_restart, "restart", 120);

Test(reliability_restart, agent_kill9_with_10_containers)
{
	struct rel_restart r = { .n = 10, .n_removed = 5 };
	struct rel_why w = { "" };
	int err = rel_run_restart(&env, &r, &w);

	cr_assert_eq(err, 0, "%s", w.text);
	cr_expect_eq(r.tokens, 5, "stats tokens %llu after the restart, want 5",
		     (unsigned long long)r.tokens);
	cr_expect_eq(r.stale_left, 0,
		     "%d removed containers still have token files",
		     r.stale_left);
	cr_expect_eq(r.state_entries, 5, "state dir holds %d entries, want 5",
		     r.state_entries);
	cr_expect_eq(r.touched_alerted, 5,
		     "%d of 5 surviving containers alerted after the restart",
		     r.touched_alerted);
	cr_log_info("restart: synchronized %.0f ms, re-armed (stats) %.0f ms "
		    "after spawn",
		    r.sync_ms, r.rearm_ms);
}

/* fanotify fails open: a reader blocked on a token (the agent stopped)
 * gets its data when the agent is killed, and the restarted agent marks
 * every surviving token again. */
Test(reliability_restart, fanotify_kill9_releases_blocked_reader_and_rearms)
{
	struct rel_restart r = { .n = 4, .n_removed = 1, .detect = "fanotify" };
	struct rel_why w = { "" };
	int err = rel_run_restart(&env, &r, &w);

	cr_assert_eq(err, 0, "%s", w.text);
	cr_expect(r.blocked, "the reader was not blocked by the stopped agent");
	cr_expect(r.accessor_ok, "the blocked reader's open/read failed");
	cr_expect_lt(r.released_ms, 2000,
		     "the blocked reader took %.0f ms after kill -9",
		     r.released_ms);
	cr_expect_eq(r.tokens, 3, "stats tokens %llu after the restart, want 3",
		     (unsigned long long)r.tokens);
	cr_expect_eq(r.touched_alerted, 3,
		     "%d of 3 surviving containers alerted after the restart",
		     r.touched_alerted);
	cr_log_info("fanotify: blocked reader released %.2f ms after kill -9",
		    r.released_ms);
}

Test(reliability_restart, runtime_socket_goes_and_comes_back)
{
	struct rel_rt_restart r = { .down_ms = 1500 };
	struct rel_why w = { "" };
	int err = rel_run_rt_restart(&env, &r, &w);

	cr_assert_eq(err, 0, "%s", w.text);
	cr_expect_eq(r.pid_after, r.pid_before,
		     "agent restarted (pid %d -> %d) instead of reconnecting",
		     r.pid_before, r.pid_after);
	cr_expect_geq(r.nri_reconnects, 1, "stats nri_reconnects not counted");
	cr_expect(r.new_ctr_token,
		  "container made after the restart got no token");
	cr_expect(r.new_ctr_alert, "no alert for the new container's token");
	cr_expect(r.old_ctr_alert, "older container stopped alerting");
	cr_log_info("runtime restart: plugin back %.0f ms after listen",
		    r.reconnect_ms);
}

/* fanotify: the reconnect's Synchronize reads the armed token files back
 * (resync digests) in the agent's NRI thread; the agent's responder
 * answers them, so nothing waits on itself and alerts go on. */
Test(reliability_restart, runtime_comes_back_fanotify_resync_reads_armed_tokens)
{
	struct rel_rt_restart r = { .down_ms = 500, .detect = "fanotify" };
	struct rel_why w = { "" };
	int err = rel_run_rt_restart(&env, &r, &w);

	cr_assert_eq(err, 0, "%s", w.text);
	cr_expect_eq(r.pid_after, r.pid_before, "agent restarted");
	cr_expect(r.new_ctr_alert, "no alert for the new container's token");
	cr_expect(r.old_ctr_alert, "older container stopped alerting");
}
