// SPDX-License-Identifier: Apache-2.0
/* "open" detection on the tracepoint backend, with real BPF: the shared
 * cases of harness/detect_suite.c plus the detector's own promises
 * (backend choice, agent filter, aggregation, re-arming, capacity). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/detect_suite.h"
#include "lib/log.h"
#include "tests/support/detect_check.h"
#include "bpf/detect_shared.h"

#define CASE(n) BS_DCHECK_CASE(detect_open_case, "open", n)

BS_DCASE_NAMES(CASE)

static struct bs_dtest *start(enum bs_attach a, uint32_t agent, uint64_t agg)
{
	return bs_dcheck_start("open", a, agent, agg, 0);
}

static void finish(struct bs_dtest *d)
{
	bs_dcheck_finish(d);
}

Test(detect_open, auto_picks_tracepoint_and_says_why)
{
	char log[4096] = "", path[] = "/tmp/bs-detect-log-XXXXXX";
	int fd, saved;
	struct bs_dtest *d;
	ssize_t n;

	bs_dcheck_need_root();
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	unlink(path);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	bs_log_set_level(BS_LOG_INFO);
	d = start(BS_ATTACH_AUTO, 0, 0);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, log, sizeof(log) - 1, 0);
	close(fd);
	log[n > 0 ? n : 0] = '\0';
	cr_expect_eq(d->ctx.backend, BS_ATTACH_TRACEPOINT, "picked %s",
		     bs_attach_name(d->ctx.backend));
	cr_expect_not_null(d->ctx.blind_spots);
	cr_expect(strstr(log, "backend tracepoint"), "log: %s", log);
	/* why: every better backend is named with its error */
	cr_expect(strstr(log, "lsm:") && strstr(log, "fentry:") &&
			  strstr(log, "kprobe:"),
		  "log: %s", log);
	finish(d);
}

Test(detect_open, explicit_backend_that_cannot_load_fails)
{
	struct bs_dtest *d = calloc(1, sizeof(*d));

	bs_dcheck_need_root();
	cr_assert_not_null(d);
	/* lsm is not enabled here: must fail, not fall back */
	cr_expect_neq(bs_dtest_start(d, "open", BS_ATTACH_LSM, 0, 0), 0);
	free(d);
}

Test(detect_open, agent_tgid_is_filtered_in_kernel)
{
	struct bs_dtest *d;

	bs_dcheck_need_root();
	d = start(BS_ATTACH_TRACEPOINT, (uint32_t)getpid(), 0);
	bs_dcheck_agent_unseen(d);
	finish(d);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

Test(detect_open, aggregation_folds_a_burst)
{
	const uint64_t agg_ns = 400 * 1000000ull;
	struct bs_detect_stats st;
	struct bs_dtest *d;
	int status;
	pid_t pid;

	bs_dcheck_need_root();
	d = start(BS_ATTACH_TRACEPOINT, 0, agg_ns);
	cr_assert_eq(bs_dtest_arm(d), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		/* a burst of 1000, then one more after the interval: that
		 * one carries the folded count */
		for (int i = 0; i < 1000; i++) {
			int fd = open(d->token_path, O_RDONLY);

			if (fd < 0)
				_exit(1);
			close(fd);
		}
		sleep_ms(600);
		close(open(d->token_path, O_RDONLY));
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert_eq(status, 0);
	bs_dtest_drain(d, 300);
	d->ops->stats(&d->ctx, &st);
	cr_expect_leq(d->n_evs, 6, "%zu events for a burst", d->n_evs);
	cr_expect_geq(d->n_evs, 2);
	cr_expect_eq(d->count_sum, 1001, "counts add up to %llu",
		     (unsigned long long)d->count_sum);
	cr_expect_eq(st.aggregated + d->n_evs, 1001, "aggregated %llu",
		     (unsigned long long)st.aggregated);
	cr_expect(d->evs[d->n_evs - 1].flags & BS_EVF_AGGREGATED);
	cr_expect_eq(st.ringbuf_drops, 0);
	finish(d);
}

Test(detect_open, arm_disarm_arm_same_inode)
{
	struct bs_dtest *d;

	bs_dcheck_need_root();
	d = start(BS_ATTACH_TRACEPOINT, 0, 0);
	cr_assert_eq(bs_dtest_arm(d), 0);
	bs_dcheck_read(d, NULL, true, "armed: no alert");
	cr_assert_eq(d->ops->disarm(&d->ctx, &d->tok), 0);
	cr_expect_eq(d->ops->disarm(&d->ctx, &d->tok), -ENOENT);
	d->n_evs = 0;
	bs_dcheck_rearm(d);
	finish(d);
}

/* Two armed inodes share a bit of the inode-number prefilter: taking one
 * away must leave the bit, or the other would go unseen. */
Test(detect_open, shared_prefilter_bit_survives_a_disarm)
{
	struct bs_dtest *d;
	struct bs_token other;
	uint64_t ino;

	bs_dcheck_need_root();
	d = start(BS_ATTACH_TRACEPOINT, 0, 0);
	other = d->tok;
	other.id = d->tok.id + 1;
	other.dev = 1; /* no such device: never opened */
	ino = d->tok.ino + 1;
	while (bs_ino_hash(ino) != bs_ino_hash(d->tok.ino))
		ino++;
	other.ino = ino;
	cr_assert_eq(bs_dtest_arm(d), 0);
	cr_assert_eq(d->ops->arm(&d->ctx, &other), 0);
	cr_assert_eq(d->ops->disarm(&d->ctx, &other), 0);
	bs_dcheck_read(d, NULL, true, "bit cleared under a live token");
	cr_assert_eq(d->ops->disarm(&d->ctx, &d->tok), 0);
	d->n_evs = 0;
	bs_dcheck_read(d, NULL, false, "disarmed: alert");
	finish(d);
}

Test(detect_open, bad_tokens_are_refused)
{
	struct bs_dtest *d;

	bs_dcheck_need_root();
	d = start(BS_ATTACH_TRACEPOINT, 0, 0);
	bs_dcheck_refuses_incomplete(d);
	finish(d);
}

/* Token i of a full map: an inode of its own. */
static void other_inode(struct bs_token *t, uint32_t i)
{
	t->dev = 1; /* no such device: these never match a real file */
	t->id = i + 100;
	t->ino = 1000000 + i;
}

Test(detect_open, full_map_is_reported, .timeout = 120)
{
	struct bs_dtest *d;

	bs_dcheck_need_root();
	d = start(BS_ATTACH_TRACEPOINT, 0, 0);
	free(bs_dcheck_fill(d, BS_MAX_TOKENS, other_inode));
	finish(d);
}

Test(detect_open, broken_expectation_fails_the_run)
{
	char *ok[] = { "x",	     "--detect", "open",  "--attach",
		       "tracepoint", "--case",	 "pread", NULL };
	char *broken[] = { "x",		 "--detect", "open",  "--attach",
			   "tracepoint", "--case",   "pread", "--break-case",
			   "pread",	 NULL };
	char *bad[] = { "x", "--attach", "nope", NULL };

	bs_dcheck_need_root();
	cr_expect_eq(bs_detect_suite_main(7, ok), 0);
	cr_expect_eq(bs_detect_suite_main(9, broken), 1);
	cr_expect_eq(bs_detect_suite_main(3, bad), 2);
}
