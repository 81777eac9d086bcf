// SPDX-License-Identifier: Apache-2.0
/* Criterion side of the shared detection cases (kept apart from
 * harness/detect_suite.c, which the static VM runner links without
 * Criterion). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/detect_suite.h"
#include "lib/log.h"
#include "tests/support/detect_check.h"

void bs_dcheck_need_root(void)
{
	if (geteuid() != 0)
		cr_skip_test("BPF needs root");
	bs_log_set_level(BS_LOG_WARN); /* one detector start per test */
}

void bs_dcheck_case(const char *detect, const char *name)
{
	char why[256];
	enum bs_dcase_result r;

	bs_dcheck_need_root();
	/* fanotify has one backend of its own */
	r = bs_detect_suite_case(detect,
				 strcmp(detect, "fanotify")
					 ? BS_ATTACH_TRACEPOINT
					 : BS_ATTACH_FANOTIFY,
				 name, why, sizeof(why));
	if (r == BS_DCASE_BLIND)
		cr_skip_test("blind spot: %s", why);
	cr_assert_eq(r, BS_DCASE_PASS, "case %s: %s", name, why);
}

struct bs_dtest *bs_dcheck_start(const char *detect, enum bs_attach a,
				 uint32_t agent, uint64_t agg,
				 uint32_t rs_window)
{
	struct bs_dtest *d = calloc(1, sizeof(*d));
	int err;

	cr_assert_not_null(d);
	d->rs_window = rs_window;
	err = bs_dtest_start(d, detect, a, agent, agg);
	cr_assert_eq(err, 0, "start: %s", strerror(-err));
	return d;
}

void bs_dcheck_finish(struct bs_dtest *d)
{
	bs_dtest_stop(d);
	free(d);
}

void bs_dcheck_read(struct bs_dtest *d, const char *path, bool seen,
		    const char *why, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, why);
	vsnprintf(msg, sizeof(msg), why, ap);
	va_end(ap);
	cr_assert_eq(bs_dtest_child_read(path ? path : d->token_path), 0);
	cr_expect_eq(bs_dtest_wait(d, seen ? 1500 : 300, 0), seen ? 1 : 0, "%s",
		     msg);
}

struct bs_token *bs_dcheck_fill(struct bs_dtest *d, uint32_t cap,
				void (*vary)(struct bs_token *t, uint32_t i))
{
	struct bs_detect_stats st;
	struct bs_token *t = malloc(sizeof(*t));
	int err;

	cr_assert_not_null(t);
	*t = d->tok;
	for (uint32_t i = 0; i < cap; i++) {
		vary(t, i);
		err = d->ops->arm(&d->ctx, t);
		cr_assert_eq(err, 0, "token %u of %u: %s", i, cap,
			     strerror(-err));
	}
	vary(t, cap);
	cr_expect_eq(d->ops->arm(&d->ctx, t), -ENOSPC, "token past %u", cap);
	d->ops->stats(&d->ctx, &st);
	cr_expect_eq(st.map_full, 1);
	return t;
}

void bs_dcheck_rearm(struct bs_dtest *d)
{
	bs_dcheck_read(d, NULL, false, "disarmed: alert");
	cr_assert_eq(bs_dtest_arm(d), 0);
	bs_dcheck_read(d, NULL, true, "re-armed: no alert");
}

void bs_dcheck_agent_unseen(struct bs_dtest *d)
{
	char buf[256];
	int fd;

	cr_assert_eq(bs_dtest_arm(d), 0);
	fd = open(d->token_path, O_RDONLY);
	cr_assert_geq(fd, 0);
	cr_assert_gt(read(fd, buf, sizeof(buf)), 0);
	close(fd);
	cr_expect_eq(bs_dtest_wait(d, 300, 0), 0, "agent's own read alerted");
	/* the same read from another process does alert */
	bs_dcheck_read(d, NULL, true, "child read not seen");
}

void bs_dcheck_refuses_incomplete(struct bs_dtest *d)
{
	struct bs_token t = d->tok;

	t.have_inode = false;
	cr_expect_eq(d->ops->arm(&d->ctx, &t), -EINVAL);
	t = d->tok;
	t.id = 0;
	cr_expect_eq(d->ops->arm(&d->ctx, &t), -EINVAL);
}
