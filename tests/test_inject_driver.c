// SPDX-License-Identifier: Apache-2.0
/*
 * The injection driver's fixed sequence, seen from its caller: the arm
 * step comes after a create that worked and never after one that failed,
 * remove disarms, resync arms all; a failure is counted once and, open or
 * closed, leaves no record, no state and no adjustment behind.  No runc:
 * nothing here runs a container.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/support/inject_support.h"

static struct bs_itest T;

struct arm_log {
	int n;
	char last_id[64]; /* "*": all */
	bool last_on;
};

static void arm_rec(void *arg, const char *ctr_id, bool on)
{
	struct arm_log *l = arg;

	l->n++;
	snprintf(l->last_id, sizeof(l->last_id), "%s", ctr_id ? ctr_id : "*");
	l->last_on = on;
}

static struct arm_log arms;

static void setup(void)
{
	cr_assert_eq(bs_it_setup(&T, &bs_inject_bind_ops), 0);
	memset(&arms, 0, sizeof(arms));
	T.ctx.arm = arm_rec;
	T.ctx.arm_arg = &arms;
	T.ctr.id = "ctr-1";
	T.ctr.pod_id = "pod-1";
	T.ctr.name = "app";
}

static void teardown(void)
{
	bs_it_teardown(&T);
}

TestSuite(inject_driver, .init = setup, .fini = teardown);

Test(inject_driver, create_arms_remove_disarms_sync_arms_all)
{
	cr_assert_eq(bs_it_init(&T), 0);
	cr_assert_eq(bs_inject_create(&T.ctx, &T.pod, &T.ctr, &T.adj), 0);
	cr_expect_eq(arms.n, 1);
	cr_expect_str_eq(arms.last_id, "ctr-1");
	cr_expect(arms.last_on);
	cr_expect_eq(T.ctx.n_injected, 1);
	cr_assert_eq(bs_inject_remove(&T.ctx, &T.ctr), 0);
	cr_expect_eq(arms.n, 2);
	cr_expect(!arms.last_on, "remove disarms first");
	cr_expect_eq(bs_token_store_count(T.ctx.store), 0);
	cr_assert_eq(bs_inject_sync(&T.ctx, NULL, 0, NULL, 0), 0);
	cr_expect_eq(arms.n, 3);
	cr_expect_str_eq(arms.last_id, "*");
	cr_expect(arms.last_on);
}

/* A state dir that is a file: every create fails at the state step. */
static void break_state_dir(void)
{
	int fd = open(T.cfg.state_dir, O_WRONLY | O_CREAT | O_EXCL, 0600);

	cr_assert_geq(fd, 0);
	close(fd);
}

Test(inject_driver, fail_open_counts_once_and_leaves_nothing)
{
	break_state_dir();
	cr_assert_eq(bs_it_init(&T), 0);
	cr_assert_eq(bs_inject_create(&T.ctx, &T.pod, &T.ctr, &T.adj), 0,
		     "fail-open: the container starts");
	cr_expect_eq(T.ctx.n_failed, 1);
	cr_expect_eq(T.ctx.n_injected, 0);
	cr_expect(bs_adjust_is_empty(&T.adj));
	cr_expect_eq(bs_token_store_count(T.ctx.store), 0);
	cr_expect_eq(arms.n, 0, "nothing armed after a failure");
}

Test(inject_driver, fail_closed_counts_once_and_returns_the_error)
{
	break_state_dir();
	T.cfg.fail_closed = true;
	cr_assert_eq(bs_it_init(&T), 0);
	cr_expect_lt(bs_inject_create(&T.ctx, &T.pod, &T.ctr, &T.adj), 0);
	cr_expect_eq(T.ctx.n_failed, 1);
	cr_expect(bs_adjust_is_empty(&T.adj));
	cr_expect_eq(arms.n, 0);
}

Test(inject_driver, skipped_container_is_no_failure)
{
	cr_assert_eq(bs_it_init(&T), 0);
	bs_it_annotate(&T, "beesting.io/inject", "false");
	cr_assert_eq(bs_inject_create(&T.ctx, &T.pod, &T.ctr, &T.adj), 0);
	cr_expect_eq(T.ctx.n_skipped, 1);
	cr_expect_eq(T.ctx.n_failed, 0);
	cr_expect(bs_adjust_is_empty(&T.adj));
}

/* "none" has no ops at all: no state dir, nothing planted, nothing to
 * rebuild; the arm step still runs (there is nothing to arm). */
Test(inject_driver, none_needs_no_ops)
{
	const struct bs_inject_ops *none = bs_inject_find("none");
	char p[700];
	struct stat st;

	cr_assert_not_null(none);
	cr_expect_null(none->plant);
	cr_assert_eq(bs_inject_init(&T.ctx, none), 0);
	snprintf(p, sizeof(p), "%s/tokens", T.cfg.state_dir);
	cr_expect_neq(stat(p, &st), 0, "none made a state dir");
	cr_assert_eq(bs_inject_create(&T.ctx, &T.pod, &T.ctr, &T.adj), 0);
	cr_expect(bs_adjust_is_empty(&T.adj));
	cr_expect_eq(bs_inject_remove(&T.ctx, &T.ctr), 0);
	cr_expect_eq(bs_inject_sync(&T.ctx, NULL, 0, NULL, 0), 0);
	cr_expect_eq(T.ctx.n_skipped + T.ctx.n_failed + T.ctx.n_injected, 0);
	bs_inject_fini(&T.ctx);
}
