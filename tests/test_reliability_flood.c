// SPDX-License-Identifier: Apache-2.0
/* A process hammering one token: the agent keeps answering NRI, folds the
 * repeats, counts what it drops, and still reports another container. */
#include <criterion/criterion.h>

#include "harness/reliability/rel_scen.h"
#include "tests/support/rel_suite.h"

REL_SUITE(reliability_flood, "flood", 120);

/* Whatever the detector: the agent lives, answers NRI mid-flood and
 * still reports another container. */
static void expect_responsive(const struct rel_flood *r)
{
	cr_expect(r->alive, "agent died during the flood");
	cr_expect_eq(r->create_rc, 0, "CreateContainer mid-flood failed: %d",
		     r->create_rc);
	cr_expect(r->create_got_token,
		  "container created mid-flood got no token");
	cr_expect(r->second_alert,
		  "read from a second container was not reported");
}

Test(reliability_flood, hundred_thousand_opens)
{
	struct rel_flood r = { .opens = 100000 };
	struct rel_why w = { "" };
	int err = rel_run_flood(&env, &r, &w);

	cr_assert_eq(err, 0, "%s", w.text);
	expect_responsive(&r);
	cr_expect(r.have_drops, "stats has no ringbuf_drops");
	cr_expect_gt(r.alert_lines, 0, "no alert at all for the flooded token");
	/* folded: far fewer lines than opens */
	cr_expect_lt(r.alert_lines * 100, r.opens,
		     "%llu alert lines for %llu opens: not aggregated",
		     (unsigned long long)r.alert_lines,
		     (unsigned long long)r.opens);
	/* every open is accounted for: in an alert, folded, or dropped */
	cr_expect_geq(r.alert_count + r.aggregated + r.ringbuf_drops,
		      r.opens * 9 / 10,
		      "%llu opens but only %llu alerted + %llu aggregated + "
		      "%llu dropped",
		      (unsigned long long)r.opens,
		      (unsigned long long)r.alert_count,
		      (unsigned long long)r.aggregated,
		      (unsigned long long)r.ringbuf_drops);
	/* and the alert lines' counts carry the folded repeats (a drop
	 * loses a whole folded event, so this bound is loose) */
	cr_expect_geq(r.alert_count + r.ringbuf_drops, r.opens * 9 / 10,
		      "alert counts sum to %llu (+%llu drops) for %llu opens: "
		      "folded repeats never reported",
		      (unsigned long long)r.alert_count,
		      (unsigned long long)r.ringbuf_drops,
		      (unsigned long long)r.opens);
	cr_log_info(
		"flood: %llu opens in %.2f s, %llu alert lines summing %llu,"
		" aggregated %llu, drops %llu, create mid-flood %.0f us",
		(unsigned long long)r.opens, r.flood_s,
		(unsigned long long)r.alert_lines,
		(unsigned long long)r.alert_count,
		(unsigned long long)r.aggregated,
		(unsigned long long)r.ringbuf_drops, r.create_during_us);
}

/* fanotify: every open waits for the agent's answer, so none is dropped and
 * the alerts' counts must add up to the opens exactly. */
Test(reliability_flood, fanotify_counts_every_open_exactly, .timeout = 180)
{
	struct rel_flood r = { .opens = 50000, .detect = "fanotify" };
	struct rel_why w = { "" };
	int err = rel_run_flood(&env, &r, &w);

	cr_assert_eq(err, 0, "%s", w.text);
	expect_responsive(&r);
	cr_expect_lt(r.alert_lines * 100, r.opens,
		     "%llu alert lines for %llu opens: not aggregated",
		     (unsigned long long)r.alert_lines,
		     (unsigned long long)r.opens);
	cr_expect_eq(r.alert_count, r.opens,
		     "alert counts sum to %llu for %llu opens",
		     (unsigned long long)r.alert_count,
		     (unsigned long long)r.opens);
	cr_log_info("fanotify flood: %llu opens in %.2f s, %llu alert lines, "
		    "create mid-flood %.0f us",
		    (unsigned long long)r.opens, r.flood_s,
		    (unsigned long long)r.alert_lines, r.create_during_us);
}
