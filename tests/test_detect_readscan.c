// SPDX-License-Identifier: Apache-2.0
/* "readscan" detection on the tracepoint backend, with real BPF: the shared
 * cases plus the scanner's own promises (any offset in a read, partial
 * scans flagged, shared token headers, agent filter, capacity). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/detect_suite.h"
#include "lib/log.h"
#include "tests/support/detect_check.h"
#include "bpf/detect_shared.h"

#define CASE(n) BS_DCHECK_CASE(detect_readscan_case, "readscan", n)

BS_DCASE_NAMES(CASE)

static struct bs_dtest *start_window(uint32_t agent, uint32_t window)
{
	return bs_dcheck_start("readscan", BS_ATTACH_TRACEPOINT, agent, 0,
			       window);
}

static struct bs_dtest *start(uint32_t agent)
{
	return start_window(agent, 0);
}

static void finish(struct bs_dtest *d)
{
	bs_dcheck_finish(d);
}

/* Armed on its token; other gets a non-token path next to it. */
static struct bs_dtest *start_armed(char *other, size_t len)
{
	struct bs_dtest *d = start(0);

	cr_assert_eq(bs_dtest_arm(d), 0);
	snprintf(other, len, "%s/other", d->dir);
	return d;
}

/* Writes len bytes of filler with the token content at offset off. */
static void write_carrier(const struct bs_dtest *d, const char *path,
			  size_t len, size_t off)
{
	char *buf = malloc(len);
	int fd;

	cr_assert_not_null(buf);
	memset(buf, '.', len);
	memcpy(buf + off, d->tok.content, d->tok.content_len);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, buf, len), (ssize_t)len);
	close(fd);
	free(buf);
}

/* One read() of the whole 12 KiB file in a child. */
static void child_read_12k(const char *path)
{
	static char buf[4096 * 3];
	int status, fd;
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (pid == 0) {
		fd = open(path, O_RDONLY);
		_exit(fd >= 0 && read(fd, buf, sizeof(buf)) == sizeof(buf) ? 0
									   : 1);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert_eq(status, 0);
}

/* path (in d's dir) holds the token's last 255 bytes: a 128-byte window
 * fits in them, a 256-byte one does not. */
static void write_tail(const struct bs_dtest *d, char *path, size_t len)
{
	int fd;

	snprintf(path, len, "%s/tail", d->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, d->tok.content + d->tok.content_len - 255, 255),
		     255);
	close(fd);
}

/* Armed on its token, a child reads 12 KiB with the token at off. */
static struct bs_dtest *read_12k_with_token_at(size_t off)
{
	char path[192];
	struct bs_dtest *d;

	bs_dcheck_need_root();
	d = start_armed(path, sizeof(path));
	write_carrier(d, path, 4096 * 3, off);
	child_read_12k(path);
	return d;
}

static const struct bs_event *event_of(const struct bs_dtest *d)
{
	for (size_t i = 0; i < d->n_evs; i++)
		if (d->evs[i].token_id == d->tok.id)
			return &d->evs[i];
	return NULL;
}

/* Offsets around every stride (60, 124, 252) and the end of the read. */
static void found_at_any_offset(uint32_t window)
{
	static const size_t offs[] = {
		0,   1,	  3,   59,  60,	 61,   123,
		124, 125, 251, 252, 253, 2047, 4096 - 320
	};
	char path[192];
	struct bs_dtest *d;

	bs_dcheck_need_root();
	d = start_window(0, window);
	cr_assert_eq(bs_dtest_arm(d), 0);
	snprintf(path, sizeof(path), "%s/other", d->dir);
	for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		write_carrier(d, path, 4096, offs[i]);
		d->n_evs = 0;
		bs_dcheck_read(d, path, true,
			       "window %u: token at offset %zu not seen",
			       window, offs[i]);
	}
	finish(d);
}

Test(detect_readscan, token_found_at_any_offset_w64)
{
	found_at_any_offset(64);
}

Test(detect_readscan, token_found_at_any_offset_w128)
{
	found_at_any_offset(128);
}

Test(detect_readscan, token_found_at_any_offset_w256)
{
	found_at_any_offset(256);
}

/* A read that returns the token's last 255 bytes (a 256-byte window does
 * not fit) is seen with a 128-byte window only. */
Test(detect_readscan, window_longer_than_the_read_is_not_seen)
{
	uint32_t windows[] = { 128, 256 };

	bs_dcheck_need_root();
	for (int i = 0; i < 2; i++) {
		struct bs_dtest *d = start_window(0, windows[i]);
		char path[192];

		cr_assert_eq(bs_dtest_arm(d), 0);
		write_tail(d, path, sizeof(path));
		bs_dcheck_read(d, path, windows[i] == 128, "window %u",
			       windows[i]);
		finish(d);
	}
}

/* Starts readscan asking for window want while the windows in refuse fail
 * to load as the verifier would fail them; returns the window in use. */
static uint32_t window_used(struct bs_dtest *d, uint32_t want, uint32_t refuse)
{
	struct bs_detect_stats st;
	int err;

	d->rs_window = want;
	d->rs_refuse_windows = refuse;
	err = bs_dtest_start(d, "readscan", BS_ATTACH_TRACEPOINT, 0, 0);
	cr_assert_eq(err, 0, "start: %s", strerror(-err));
	d->ops->stats(&d->ctx, &st);
	return st.rs_window;
}

#define REFUSE(w) (1u << ((w) / 64))

/* A window the kernel refuses is not a detector that fails to start: the
 * nearest window that loads is used (a tie goes to the larger), the
 * stats name it, and it detects with that window's semantics. */
Test(detect_readscan, refused_window_falls_back_to_the_nearest)
{
	struct bs_dtest *d = calloc(1, sizeof(*d));
	char path[192];

	bs_dcheck_need_root();
	cr_assert_not_null(d);
	cr_expect_eq(window_used(d, 128, REFUSE(128)), 256);
	cr_assert_eq(bs_dtest_arm(d), 0);
	write_tail(d, path, sizeof(path));
	bs_dcheck_read(d, path, false, "read as a 128-byte window");
	bs_dcheck_read(d, NULL, true, "fallback window blind");
	bs_dtest_stop(d);

	cr_expect_eq(window_used(d, 64, REFUSE(64)), 128);
	bs_dtest_stop(d);
	cr_expect_eq(window_used(d, 256, REFUSE(256) | REFUSE(128)), 64);
	bs_dtest_stop(d);
	cr_expect_eq(window_used(d, 64, 0), 64, "nothing refused");
	bs_dtest_stop(d);
	free(d);
}

/* Every window refused: the start fails with the verifier's error. */
Test(detect_readscan, no_window_loads_start_fails_with_the_reason)
{
	struct bs_dtest *d = calloc(1, sizeof(*d));

	bs_dcheck_need_root();
	cr_assert_not_null(d);
	d->rs_refuse_windows = REFUSE(64) | REFUSE(128) | REFUSE(256);
	cr_expect_eq(bs_dtest_start(d, "readscan", BS_ATTACH_TRACEPOINT, 0, 0),
		     -E2BIG);
	cr_expect_null(d->ctx.priv);
	free(d);
}

Test(detect_readscan, long_reads_are_flagged_partial)
{
	struct bs_detect_stats st;
	const struct bs_event *ev;
	/* in the scanned first 4096 bytes of a 4096+ read: found, partial */
	struct bs_dtest *d = read_12k_with_token_at(10);

	cr_assert_eq(bs_dtest_wait(d, 1500, 0), 1);
	ev = event_of(d);
	cr_expect(ev->flags & BS_EVF_PARTIAL_SCAN);
	cr_expect_eq(ev->scanned, 4096);
	cr_expect_eq(ev->method, BS_M_READ);
	cr_expect_eq(ev->backend, BS_ATTACH_TRACEPOINT);
	d->ops->stats(&d->ctx, &st);
	cr_expect_gt(st.partial_scans, 0);
	finish(d);
}

Test(detect_readscan, past_the_scan_limit_is_not_seen)
{
	struct bs_dtest *d = read_12k_with_token_at(6000);

	/* documented limit: proves the bound is real, not just claimed */
	cr_expect_eq(bs_dtest_wait(d, 300, 0), 0);
	finish(d);
}

Test(detect_readscan, tokens_sharing_a_header_both_alert)
{
	struct bs_dtest *d;
	struct bs_token other;
	char path[192];
	const char *hdr = "[default]\naws_access_key_id = AKIA";

	bs_dcheck_need_root();
	d = start(0);
	other = d->tok;
	other.id = d->tok.id + 1;
	/* same 34-byte header, different tail */
	memmove(d->tok.content + strlen(hdr), d->tok.content,
		d->tok.content_len - strlen(hdr));
	memcpy(d->tok.content, hdr, strlen(hdr));
	memcpy(other.content, d->tok.content, d->tok.content_len);
	other.content[strlen(hdr) + 5] ^= 1;
	cr_assert_eq(bs_dtest_arm(d), 0);
	cr_assert_eq(d->ops->arm(&d->ctx, &other), 0);
	snprintf(path, sizeof(path), "%s/other", d->dir);
	write_carrier(d, path, 400, 0);
	bs_dcheck_read(d, path, true, "first token missed");
	cr_expect_eq(d->ops->disarm(&d->ctx, &other), 0);
	cr_expect_eq(d->ops->disarm(&d->ctx, &d->tok), 0);
	cr_expect_eq(d->ops->disarm(&d->ctx, &d->tok), -ENOENT);
	finish(d);
}

Test(detect_readscan, agent_tgid_is_filtered_in_kernel)
{
	struct bs_dtest *d;

	bs_dcheck_need_root();
	d = start((uint32_t)getpid());
	bs_dcheck_agent_unseen(d);
	finish(d);
}

Test(detect_readscan, arm_disarm_arm)
{
	struct bs_dtest *d;

	bs_dcheck_need_root();
	d = start(0);
	cr_assert_eq(bs_dtest_arm(d), 0);
	cr_assert_eq(bs_dtest_arm(d), 0, "re-arming is idempotent");
	cr_assert_eq(d->ops->disarm(&d->ctx, &d->tok), 0);
	bs_dcheck_rearm(d);
	finish(d);
}

Test(detect_readscan, short_content_is_refused)
{
	struct bs_dtest *d;
	struct bs_token t;

	bs_dcheck_need_root();
	d = start(0);
	t = d->tok;
	t.content_len = BS_RS_WINDOW_DEFAULT - 1;
	cr_expect_eq(d->ops->arm(&d->ctx, &t), -EINVAL);
	finish(d);
}

/* Token i of a full index: a last window of its own. */
static void own_tail(struct bs_token *t, uint32_t i)
{
	char tail[17];

	t->id = i + 100;
	snprintf(tail, sizeof(tail), "cap-%012u", i);
	memcpy(t->content + t->content_len - 16, tail, 16);
}

/* Past its capacity readscan refuses (and counts) instead of letting
 * every read pay for a saturated index; room comes back on disarm. */
Test(detect_readscan, capacity_is_enforced_and_reported, .timeout = 300)
{
	const uint32_t cap = BS_BLOOM_WORDS * 64 / BS_BLOOM_BITS_PER_GRAM /
			     bs_rs_stride(BS_RS_WINDOW_DEFAULT);
	struct bs_dtest *d;
	struct bs_token *t;

	bs_dcheck_need_root();
	d = start(0);
	t = bs_dcheck_fill(d, cap, own_tail);
	own_tail(t, cap - 1);
	cr_expect_eq(d->ops->disarm(&d->ctx, t), 0);
	cr_expect_eq(bs_dtest_arm(d), 0, "room after a disarm");
	bs_dcheck_read(d, NULL, true, "armed at capacity: missed");
	free(t);
	finish(d);
}

Test(detect_readscan, bloom_rebuild_after_churn_keeps_live_tokens,
     .timeout = 60)
{
	struct bs_dtest *d;
	struct bs_token *t = malloc(sizeof(*t));
	char tail[17];

	bs_dcheck_need_root();
	cr_assert_not_null(t);
	d = start(0);
	*t = d->tok;
	/* 600 armed then disarmed: enough to trigger a rebuild */
	for (uint32_t i = 0; i < 600; i++) {
		t->id = 1000 + i;
		snprintf(tail, sizeof(tail), "churn-%010u", i);
		memcpy(t->content + t->content_len - 16, tail, 16);
		cr_assert_eq(d->ops->arm(&d->ctx, t), 0);
	}
	cr_assert_eq(bs_dtest_arm(d), 0);
	for (uint32_t i = 0; i < 600; i++) {
		t->id = 1000 + i;
		snprintf(tail, sizeof(tail), "churn-%010u", i);
		memcpy(t->content + t->content_len - 16, tail, 16);
		cr_assert_eq(d->ops->disarm(&d->ctx, t), 0);
	}
	bs_dcheck_read(d, NULL, true, "live token lost");
	free(t);
	finish(d);
}
