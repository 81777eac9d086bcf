// SPDX-License-Identifier: Apache-2.0
/* --respond on real processes, real BPF (the tracepoint backend, the one
 * this kernel loads) and real fanotify: the killed reader gets no byte of
 * the token, the denied one EPERM, one that only stats it is untouched, so
 * is one outside the token's container (a cgroup v2 directory of its own
 * here; real runc containers: tests/test_respond_agent.c) and the agent's
 * own access.  Deny where the backend cannot: reported, counted. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/detect_suite.h"
#include "lib/proc.h"
#include "strategies/methods.h"
#include "tests/support/child.h"
#include "tests/support/detect_check.h"

static char cg_dir[256];

/* A cgroup standing for the token's container. */
static uint64_t make_container_cgroup(void)
{
	char name[64];
	uint64_t id = 0;
	int err;

	snprintf(name, sizeof(name), "bs-respond-%d", (int)getpid());
	err = bs_cgroup_make(name, cg_dir, sizeof(cg_dir), &id);
	if (err == -ENOENT)
		cr_skip_test("no cgroup v2 hierarchy");
	cr_assert_eq(err, 0, "cgroup %s: %s", name, strerror(-err));
	return id;
}

static void fini(void)
{
	if (cg_dir[0])
		rmdir(cg_dir); /* empty: its processes are reaped */
	cg_dir[0] = '\0';
}

TestSuite(respond, .fini = fini, .timeout = 60);

enum access_kind { READ_IT, STAT_IT };

struct outcome {
	int status;	/* wait status */
	size_t bytes;	/* of the token the reader passed on */
	int open_errno; /* the reader's open/read error, 0 when none */
};

static void child(const char *path, bool in_ctr, enum access_kind k, int out,
		  int err_fd)
{
	char buf[4096];
	struct stat st;
	ssize_t n;
	int fd, e = 0;

	if (in_ctr && bs_cgroup_join(cg_dir))
		_exit(90);
	if (k == STAT_IT)
		_exit(stat(path, &st) ? 91 : 0);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		e = errno;
	while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			_exit(92);
	if (fd >= 0 && n < 0)
		e = errno;
	if (write(err_fd, &e, sizeof(e)) != sizeof(e))
		_exit(93);
	_exit(e ? 1 : 0);
}

/* One access in a child (in the container's cgroup or not); what it got
 * comes back through pipes, so a killed reader shows what it passed on
 * before it died. */
static struct outcome access_token(struct bs_dtest *d, bool in_ctr,
				   enum access_kind k)
{
	struct outcome o = { 0 };
	int out[2], errp[2];
	char buf[4096];
	ssize_t n;
	pid_t pid;

	pid = bs_test_fork_pipes(out, 1, errp, 1);
	if (pid == 0)
		child(d->token_path, in_ctr, k, out[1], errp[1]);
	while ((n = read(out[0], buf, sizeof(buf))) > 0)
		o.bytes += (size_t)n;
	if (read(errp[0], &o.open_errno, sizeof(o.open_errno)) <= 0)
		o.open_errno = 0;
	close(out[0]);
	close(errp[0]);
	cr_assert_eq(waitpid(pid, &o.status, 0), pid);
	return o;
}

static bool killed(const struct outcome *o)
{
	return WIFSIGNALED(o->status) && WTERMSIG(o->status) == SIGKILL;
}

static bool clean_exit(const struct outcome *o)
{
	return WIFEXITED(o->status) && WEXITSTATUS(o->status) == 0;
}

static struct bs_dtest *start(const char *detect, enum bs_attach a,
			      enum bs_respond r, bool node, uint64_t cg)
{
	struct bs_dtest *d = calloc(1, sizeof(*d));
	int err;

	bs_dcheck_need_root();
	cr_assert_not_null(d);
	d->respond = r;
	d->respond_node = node;
	/* the test process is the agent: never responded to */
	err = bs_dtest_start(d, detect, a, (uint32_t)getpid(), 0);
	if (err == -EPERM || err == -EINVAL || err == -ENOSYS)
		cr_skip_test("%s cannot start here: %s", detect,
			     strerror(-err));
	cr_assert_eq(err, 0, "start %s: %s", detect, strerror(-err));
	d->tok.ctr_cgroup_id = cg;
	cr_assert_eq(bs_dtest_arm(d), 0);
	return d;
}

static void finish(struct bs_dtest *d)
{
	bs_dtest_stop(d);
	free(d);
}

/* The token's event carrying a response result, or NULL. */
static const struct bs_event *response_event(struct bs_dtest *d)
{
	bs_dtest_wait(d, 1500, 0);
	for (size_t i = 0; i < d->n_evs; i++)
		if (d->evs[i].token_id == d->tok.id)
			return &d->evs[i];
	return NULL;
}

static void expect_result(struct bs_dtest *d, unsigned action, unsigned result)
{
	const struct bs_event *ev = response_event(d);
	struct bs_detect_stats st;

	cr_assert_not_null(ev, "no alert for the access");
	cr_expect_eq(ev->respond, action, "action %s",
		     bs_respond_name(ev->respond));
	cr_expect_eq(ev->respond_result, result, "result %s (err %d)",
		     bs_respond_result_name(ev->respond_result),
		     ev->respond_err);
	d->ops->stats(&d->ctx, &st);
	cr_expect_geq(st.responses[action][result], 1,
		      "responses[%s][%s] not counted", bs_respond_name(action),
		      bs_respond_result_name(result));
}

/* kill on open: SIGKILL at the open's syscall exit, before the read. */
static void kill_case(const char *detect, enum bs_attach a)
{
	uint64_t cg = make_container_cgroup();
	struct bs_dtest *d = start(detect, a, BS_RESPOND_KILL, false, cg);
	struct outcome o = access_token(d, true, READ_IT);

	cr_expect(killed(&o), "reader not killed (status %#x)", o.status);
	cr_expect_eq(o.bytes, 0, "the killed reader passed on %zu bytes",
		     o.bytes);
	expect_result(d, BS_RESPOND_KILL, BS_RR_DONE);
	finish(d);
}

Test(respond, kill_open_tracepoint_reader_gets_no_byte)
{
	kill_case("open", BS_ATTACH_TRACEPOINT);
}

Test(respond, kill_fanotify_reader_gets_no_byte)
{
	kill_case("fanotify", BS_ATTACH_FANOTIFY);
}

Test(respond, deny_fanotify_reader_gets_eperm)
{
	uint64_t cg = make_container_cgroup();
	struct bs_dtest *d = start("fanotify", BS_ATTACH_FANOTIFY,
				   BS_RESPOND_DENY, false, cg);
	struct outcome o = access_token(d, true, READ_IT);

	cr_expect(WIFEXITED(o.status), "reader died (status %#x)", o.status);
	cr_expect_eq(o.open_errno, EPERM, "reader got %s",
		     strerror(o.open_errno));
	cr_expect_eq(o.bytes, 0, "the denied reader got %zu bytes", o.bytes);
	expect_result(d, BS_RESPOND_DENY, BS_RR_DONE);
	finish(d);
}

/* stat raises no event and no response, on either detector. */
static void stat_case(const char *detect, enum bs_attach a)
{
	uint64_t cg = make_container_cgroup();
	struct bs_dtest *d = start(detect, a, BS_RESPOND_KILL, true, cg);
	struct outcome o = access_token(d, true, STAT_IT);
	struct bs_detect_stats st;

	cr_expect(clean_exit(&o), "stat-only process hurt (status %#x)",
		  o.status);
	cr_expect_eq(bs_dtest_wait(d, 300, 0), 0, "stat alerted");
	d->ops->stats(&d->ctx, &st);
	cr_expect_eq(st.responses[BS_RESPOND_KILL][BS_RR_DONE], 0);
	finish(d);
}

Test(respond, stat_only_is_untouched_open)
{
	stat_case("open", BS_ATTACH_TRACEPOINT);
}

Test(respond, stat_only_is_untouched_fanotify)
{
	stat_case("fanotify", BS_ATTACH_FANOTIFY);
}

/* scope container: a reader outside the token's cgroup reads in full,
 * the alert says out_of_scope; scope node kills it. */
static void scope_case(const char *detect, enum bs_attach a)
{
	uint64_t cg = make_container_cgroup();
	struct bs_dtest *d = start(detect, a, BS_RESPOND_KILL, false, cg);
	struct outcome o = access_token(d, false, READ_IT);

	cr_expect(clean_exit(&o), "outside reader hurt (status %#x)", o.status);
	cr_expect_eq(o.bytes, d->tok.content_len, "outside reader got %zu",
		     o.bytes);
	expect_result(d, BS_RESPOND_KILL, BS_RR_OUT_OF_SCOPE);
	finish(d);

	d = start(detect, a, BS_RESPOND_KILL, true, cg);
	o = access_token(d, false, READ_IT);
	cr_expect(killed(&o), "scope node: not killed (status %#x)", o.status);
	cr_expect_eq(o.bytes, 0);
	expect_result(d, BS_RESPOND_KILL, BS_RR_DONE);
	finish(d);
}

Test(respond, outside_the_container_untouched_open)
{
	scope_case("open", BS_ATTACH_TRACEPOINT);
}

Test(respond, outside_the_container_untouched_fanotify)
{
	scope_case("fanotify", BS_ATTACH_FANOTIFY);
}

/* The agent (this process) reads its own token with scope node: no
 * response, no alert; a kill would end this test run. */
static void agent_case(const char *detect, enum bs_attach a)
{
	struct bs_dtest *d = start(detect, a, BS_RESPOND_KILL, true, 0);
	char buf[512];
	int fd = open(d->token_path, O_RDONLY);
	ssize_t n;

	cr_assert_geq(fd, 0, "the agent's own open: %s", strerror(errno));
	n = read(fd, buf, sizeof(buf));
	close(fd);
	cr_expect_eq(n, (ssize_t)d->tok.content_len);
	cr_expect_eq(bs_dtest_wait(d, 300, 0), 0, "the agent's read alerted");
	finish(d);
}

Test(respond, agent_own_access_untouched_open)
{
	agent_case("open", BS_ATTACH_TRACEPOINT);
}

Test(respond, agent_own_access_untouched_fanotify)
{
	agent_case("fanotify", BS_ATTACH_FANOTIFY);
}

/* The tracepoint cannot deny: the read goes through, reported and
 * counted as unsupported. */
Test(respond, deny_on_tracepoint_is_unsupported_and_counted)
{
	uint64_t cg = make_container_cgroup();
	struct bs_dtest *d =
		start("open", BS_ATTACH_TRACEPOINT, BS_RESPOND_DENY, false, cg);
	struct outcome o = access_token(d, true, READ_IT);

	cr_expect(d->ctx.respond_able == false);
	cr_expect(clean_exit(&o), "status %#x", o.status);
	cr_expect_eq(o.bytes, d->tok.content_len);
	expect_result(d, BS_RESPOND_DENY, BS_RR_UNSUPPORTED);
	finish(d);
}

/* readscan kills after the read: the bytes reached the reader's buffer
 * (never its output: it dies at the read's exit). */
Test(respond, readscan_kills_after_the_read)
{
	uint64_t cg = make_container_cgroup();
	struct bs_dtest *d = start("readscan", BS_ATTACH_TRACEPOINT,
				   BS_RESPOND_KILL, false, cg);
	struct outcome o = access_token(d, true, READ_IT);

	cr_expect(killed(&o), "status %#x", o.status);
	cr_expect_eq(o.bytes, 0, "passed on %zu bytes", o.bytes);
	expect_result(d, BS_RESPOND_KILL, BS_RR_DONE);
	cr_expect_eq(bs_respond_cap("readscan", BS_ATTACH_TRACEPOINT,
				    BS_RESPOND_KILL),
		     BS_RCAP_AFTER);
	finish(d);
}

/* The identity arrives after arming (containerd: at StartContainer):
 * re-arming updates it in place. */
Test(respond, identity_learned_after_arming)
{
	uint64_t cg = make_container_cgroup();
	struct bs_dtest *d =
		start("open", BS_ATTACH_TRACEPOINT, BS_RESPOND_KILL, false, 0);
	struct outcome o = access_token(d, true, READ_IT);

	cr_expect(clean_exit(&o), "killed before the identity was known");
	d->tok.ctr_cgroup_id = cg;
	cr_assert_eq(d->ops->arm(&d->ctx, &d->tok), 0);
	o = access_token(d, true, READ_IT);
	cr_expect(killed(&o), "not killed once known (status %#x)", o.status);
	finish(d);
}
