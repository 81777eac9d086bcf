// SPDX-License-Identifier: Apache-2.0
/* "fanotify" detection on the real kernel: the shared cases of
 * harness/detect_suite.c plus the detector's own promises (who is
 * reported, the agent never waits on itself, fail-open when the listener
 * dies, a flood folds into counts that add up). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/detect_suite.h"
#include "lib/log.h"
#include "strategies/detect_fanotify.h"
#include "tests/support/detect_check.h"

#define CASE(n) BS_DCHECK_CASE(detect_fanotify_case, "fanotify", n)

BS_DCASE_NAMES(CASE)

static struct bs_dtest *start(uint32_t agent, uint64_t agg)
{
	return bs_dcheck_start("fanotify", BS_ATTACH_AUTO, agent, agg, 0);
}

static void finish(struct bs_dtest *d)
{
	bs_dcheck_finish(d);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static const struct bs_event *find_ev(const struct bs_dtest *d, uint32_t tgid,
				      uint32_t method)
{
	for (size_t i = 0; i < d->n_evs; i++)
		if (d->evs[i].tgid == tgid &&
		    (!method || d->evs[i].method == method))
			return &d->evs[i];
	return NULL;
}

Test(detect_fanotify, reports_its_own_backend_and_refuses_bpf_ones)
{
	struct bs_dtest *d;

	bs_dcheck_need_root();
	d = start(0, 0);
	cr_expect_eq(d->ctx.backend, BS_ATTACH_FANOTIFY);
	cr_expect_str_eq(bs_attach_name(d->ctx.backend), "fanotify");
	cr_expect_not_null(strstr(d->ctx.blind_spots, "inherited_fd"),
			   "blind spots: %s", d->ctx.blind_spots);
	finish(d);
	d = calloc(1, sizeof(*d));
	cr_assert_not_null(d);
	cr_expect_eq(bs_dtest_start(d, "fanotify", BS_ATTACH_TRACEPOINT, 0, 0),
		     -EOPNOTSUPP);
	free(d);
}

/* Child: named comm, waits for a byte on go_fd (-1: no wait), opens and
 * reads the token, then exits. */
static pid_t named_reader(const char *path, const char *comm, int go_fd)
{
	pid_t pid = fork();
	char c, buf[64];
	int fd;

	if (pid)
		return pid;
	prctl(PR_SET_NAME, comm);
	if (go_fd >= 0 && read(go_fd, &c, 1) != 1)
		_exit(2);
	fd = open(path, O_RDONLY);
	if (fd < 0 || read(fd, buf, sizeof(buf)) <= 0)
		_exit(1);
	close(fd);
	_exit(0);
}

/* A cgroup v2 dir of our own, so the accessor's cgroup id is known. */
static int make_cgroup(char *dir, size_t len)
{
	char line[1024], dev[64], mnt[512], type[64];
	FILE *f = fopen("/proc/self/mounts", "re");
	int found = 0;

	while (f && !found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%63s %511s %63s", dev, mnt, type) == 3 &&
			!strcmp(type, "cgroup2");
	if (f)
		fclose(f);
	if (!found)
		return -ENOENT;
	snprintf(dir, len, "%.400s/bs-fan-test-%d", mnt, getpid());
	return mkdir(dir, 0755) && errno != EEXIST ? -errno : 0;
}

static int join_cgroup(const char *dir, pid_t pid)
{
	char p[600], v[32];
	int fd, n, ok;

	snprintf(p, sizeof(p), "%s/cgroup.procs", dir);
	fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = snprintf(v, sizeof(v), "%d", pid);
	ok = write(fd, v, (size_t)n) == n;
	close(fd);
	return ok ? 0 : -EIO;
}

Test(detect_fanotify, accessor_is_read_while_it_waits)
{
	char cg[512];
	struct stat ns, tok, cgst;
	const struct bs_event *o, *r;
	struct bs_dtest *d;
	int status, go[2], have_cg;
	pid_t pid;

	bs_dcheck_need_root();
	d = start(0, 0);
	cr_assert_eq(bs_dtest_arm(d), 0);
	have_cg = make_cgroup(cg, sizeof(cg)) == 0;
	cr_assert_eq(pipe(go), 0);
	pid = named_reader(d->token_path, "bs-accessor", go[0]);
	if (have_cg)
		have_cg = join_cgroup(cg, pid) == 0;
	cr_assert_eq(write(go[1], "g", 1), 1);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert_eq(status, 0);
	cr_assert_eq(bs_dtest_wait(d, 1500, BS_M_READ), 1, "no read event");
	o = find_ev(d, (uint32_t)pid, BS_M_OPEN);
	r = find_ev(d, (uint32_t)pid, BS_M_READ);
	cr_assert_not_null(o, "no open event of pid %d", pid);
	cr_assert_not_null(r);
	cr_expect_eq(o->tid, (uint32_t)pid);
	cr_expect_eq(o->ppid, (uint32_t)getpid());
	cr_expect_eq(o->uid, getuid());
	cr_expect_str_eq(o->comm, "bs-accessor");
	cr_expect_eq(o->backend, BS_ATTACH_FANOTIFY);
	cr_expect_eq(o->count, 1);
	cr_expect_eq(o->token_id, d->tok.id);
	cr_assert_eq(stat(d->token_path, &tok), 0);
	cr_expect_eq(o->dev, bs_dev_to_kernel(tok.st_dev));
	cr_expect_eq(o->ino, tok.st_ino);
	cr_assert_eq(stat("/proc/self/ns/mnt", &ns), 0);
	cr_expect_eq(o->mntns_ino, (uint32_t)ns.st_ino);
	if (have_cg && !stat(cg, &cgst))
		cr_expect_eq(o->cgroup_id, (uint64_t)cgst.st_ino,
			     "cgroup id %llu",
			     (unsigned long long)o->cgroup_id);
	else
		cr_log_warn("no cgroup v2 here: cgroup id not checked");
	if (have_cg)
		rmdir(cg);
	finish(d);
}

/* The agent's own threads read token files (digest checks, resync) while
 * they are armed: the responder answers them and does not report them. */
Test(detect_fanotify, agent_reading_its_own_tokens_does_not_hang, .timeout = 20)
{
	struct bs_detect_stats st;
	struct bs_dtest *d;
	char buf[512];

	bs_dcheck_need_root();
	d = start((uint32_t)getpid(), 0);
	cr_assert_eq(bs_dtest_arm(d), 0);
	for (int i = 0; i < 200; i++) {
		int fd = open(d->token_path, O_RDONLY | O_CLOEXEC);

		cr_assert_geq(fd, 0);
		cr_assert_eq(read(fd, buf, sizeof(buf)),
			     (ssize_t)d->tok.content_len);
		close(fd);
	}
	cr_expect_eq(bs_dtest_wait(d, 300, 0), 0, "agent's own read alerted");
	d->ops->stats(&d->ctx, &st);
	cr_expect_eq(st.events, 0);
	bs_dcheck_read(d, NULL, true, "child's read not seen");
	finish(d);
}

Test(detect_fanotify, arm_disarm_arm_same_inode)
{
	struct bs_dtest *d;

	bs_dcheck_need_root();
	d = start(0, 0);
	cr_assert_eq(bs_dtest_arm(d), 0);
	bs_dcheck_read(d, NULL, true, "armed: no alert");
	cr_assert_eq(d->ops->disarm(&d->ctx, &d->tok), 0);
	cr_expect_eq(d->ops->disarm(&d->ctx, &d->tok), -ENOENT);
	bs_dtest_drain(d, 100);
	d->n_evs = 0;
	bs_dcheck_rearm(d);
	finish(d);
}

Test(detect_fanotify, bad_tokens_are_refused)
{
	struct bs_dtest *d;
	struct bs_token t;

	bs_dcheck_need_root();
	d = start(0, 0);
	bs_dcheck_refuses_incomplete(d);
	/* the path now names another file than the record */
	t = d->tok;
	t.ino++;
	cr_expect_eq(d->ops->arm(&d->ctx, &t), -ESTALE);
	t = d->tok;
	snprintf(t.host_path, sizeof(t.host_path), "%s/nope", d->dir);
	cr_expect_eq(d->ops->arm(&d->ctx, &t), -ENOENT);
	finish(d);
}

/* procfs refuses permission marks: the arm says so, nothing hangs. */
Test(detect_fanotify, filesystem_refusing_marks_fails_the_arm)
{
	struct bs_dtest *d;
	struct bs_token t;
	struct stat st;

	bs_dcheck_need_root();
	d = start(0, 0);
	t = d->tok;
	snprintf(t.host_path, sizeof(t.host_path), "/proc/self/stat");
	cr_assert_eq(stat(t.host_path, &st), 0);
	t.dev = bs_dev_to_kernel(st.st_dev);
	t.ino = st.st_ino;
	cr_expect_eq(d->ops->arm(&d->ctx, &t), -EOPNOTSUPP);
	/* and the next good token still arms, exec events and all */
	cr_expect_eq(bs_dtest_arm(d), 0);
	bs_dcheck_read(d, NULL, true, "good token after a refused one");
	finish(d);
}

static int drop_effective(int cap)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[cap / 32].effective &= ~(1u << (cap % 32));
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

/* Without CAP_SYS_ADMIN: EPERM, and the log names the capability. */
Test(detect_fanotify, start_without_cap_sys_admin_says_why)
{
	char log[4096] = "", path[] = "/tmp/bs-fan-log-XXXXXX";
	int fd, status;
	ssize_t n;
	pid_t pid;

	bs_dcheck_need_root();
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	unlink(path);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		struct bs_detect_config cfg = { .max_tokens = 1 };
		struct bs_detect_ctx ctx = { .cfg = &cfg };
		const struct bs_detect_ops *ops = bs_detect_find("fanotify");

		dup2(fd, STDERR_FILENO);
		if (drop_effective(CAP_SYS_ADMIN))
			_exit(3);
		_exit(ops && ops->start(&ctx) == -EPERM ? 0 : 1);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	n = pread(fd, log, sizeof(log) - 1, 0);
	close(fd);
	log[n > 0 ? n : 0] = '\0';
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "start without CAP_SYS_ADMIN: status %d, log %s", status,
		  log);
	cr_expect_not_null(strstr(log, "CAP_SYS_ADMIN"), "log: %s", log);
}

/* ---- fail-open ---------------------------------------------------------- */

/* A listener process: our detector armed on path; says ready on ready_fd
 * and waits to be killed. */
static pid_t listener(const char *path, const struct bs_token *tok,
		      int ready_fd)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	struct bs_dtest *d = calloc(1, sizeof(*d));

	if (!d || bs_dtest_start(d, "fanotify", BS_ATTACH_AUTO, 0, 0))
		_exit(1);
	d->tok.dev = tok->dev; /* arm the parent's token, not our own */
	d->tok.ino = tok->ino;
	snprintf(d->tok.host_path, sizeof(d->tok.host_path), "%s", path);
	unlink(d->token_path); /* its own token is not needed */
	rmdir(d->dir);
	if (bs_dtest_arm(d) || write(ready_fd, "r", 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

static int wait_exit(pid_t pid, int timeout_ms, int *status)
{
	int64_t end = now_ns() + (int64_t)timeout_ms * 1000000;

	do {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return 1;
		usleep(1000);
	} while (now_ns() < end);
	return 0;
}

/* kill -9 of the listener while an accessor waits on it: the kernel
 * allows the pending access, the accessor completes. */
Test(detect_fanotify, accessor_completes_when_listener_is_killed, .timeout = 30)
{
	struct bs_dtest *d;
	int ready[2], go[2], status;
	int64_t t_kill;
	pid_t lis, acc;
	char c;

	bs_dcheck_need_root();
	d = calloc(1, sizeof(*d));
	cr_assert_not_null(d);
	/* "none" only to make the token file */
	cr_assert_eq(bs_dtest_start(d, "none", BS_ATTACH_AUTO, 0, 0), 0);
	cr_assert_eq(pipe(ready), 0);
	cr_assert_eq(pipe(go), 0);
	lis = listener(d->token_path, &d->tok, ready[1]);
	cr_assert_eq(read(ready[0], &c, 1), 1, "listener did not arm");
	/* frozen: it holds the group but answers nothing */
	cr_assert_eq(kill(lis, SIGSTOP), 0);
	acc = named_reader(d->token_path, "bs-blocked", go[0]);
	cr_assert_eq(write(go[1], "g", 1), 1);
	cr_expect_eq(wait_exit(acc, 300, &status), 0,
		     "accessor not blocked by a stopped listener");
	t_kill = now_ns();
	cr_assert_eq(kill(lis, SIGKILL), 0);
	cr_assert_eq(wait_exit(acc, 10000, &status), 1,
		     "accessor still blocked after the listener died");
	printf("fanotify_failopen_us,%.1f\n",
	       (double)(now_ns() - t_kill) / 1e3);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "accessor failed: %d", status);
	waitpid(lis, &status, 0);
	bs_dtest_stop(d);
	free(d);
}

/* ---- flood -------------------------------------------------------------- */

#define FLOOD 100000

static pid_t opener(const char *path, int n)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	for (int i = 0; i < n; i++) {
		int fd = open(path, O_RDONLY);

		if (fd < 0)
			_exit(1);
		close(fd);
	}
	_exit(0);
}

Test(detect_fanotify, flood_folds_into_exact_counts, .timeout = 120)
{
	const uint64_t agg_ns = 200 * 1000000ull;
	struct bs_detect_stats st;
	struct bs_dtest *d;
	int status;
	pid_t a, b;

	bs_dcheck_need_root();
	d = start(0, agg_ns);
	cr_assert_eq(bs_dtest_arm(d), 0);
	a = opener(d->token_path, FLOOD);
	/* poll meanwhile: the queue must not fill up */
	while (!wait_exit(a, 20, &status))
		d->ops->poll(&d->ctx, 0);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	b = opener(d->token_path, 1);
	cr_assert_eq(waitpid(b, &status, 0), b);
	bs_dtest_drain(d, 3 * 200);
	d->ops->stats(&d->ctx, &st);
	cr_expect_eq(d->count_sum, FLOOD + 1, "counts add up to %llu",
		     (unsigned long long)d->count_sum);
	/* folded accesses are counted once; an event that reports them
	 * (a window's end) adds no access of its own */
	cr_expect_lt(st.aggregated, FLOOD, "aggregated %llu",
		     (unsigned long long)st.aggregated);
	cr_expect_geq(st.aggregated + d->n_evs, FLOOD + 1, "aggregated %llu",
		      (unsigned long long)st.aggregated);
	cr_expect_not_null(find_ev(d, (uint32_t)b, BS_M_OPEN),
			   "second process not reported");
	cr_expect_lt(d->n_evs, 1000, "%zu events for a flood", d->n_evs);
	cr_expect_eq(st.ringbuf_drops, 0);
	finish(d);
}

/* Stopping reports what open windows folded: nothing is lost uncounted. */
Test(detect_fanotify, stop_reports_open_windows)
{
	struct bs_dtest *d;
	uint64_t sum;
	int status;
	pid_t a;

	bs_dcheck_need_root();
	d = start(0, 10ull * 1000000000); /* a window longer than the test */
	cr_assert_eq(bs_dtest_arm(d), 0);
	a = opener(d->token_path, 5);
	cr_assert_eq(waitpid(a, &status, 0), a);
	bs_dtest_drain(d, 100);
	cr_expect_eq(d->count_sum, 1, "first access reported at once");
	d->ops->stop(&d->ctx);
	sum = d->count_sum;
	d->ops->start(&d->ctx); /* bs_dtest_stop stops it again */
	cr_expect_eq(sum, 5, "after stop: %llu", (unsigned long long)sum);
	finish(d);
}

/* Nobody polls: the hand-over queue fills; what does not fit is counted,
 * and the accessor is answered all the same. */
Test(detect_fanotify, full_queue_is_counted_not_silent, .timeout = 60)
{
	struct bs_detect_stats st;
	struct bs_dtest *d;
	int status;
	pid_t a;

	bs_dcheck_need_root();
	d = start(0, 0);
	cr_assert_eq(bs_dtest_arm(d), 0);
	a = opener(d->token_path, 10000);
	cr_assert_eq(waitpid(a, &status, 0), a);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	bs_dtest_drain(d, 200);
	d->ops->stats(&d->ctx, &st);
	cr_expect_gt(st.ringbuf_drops, 0, "10,000 events fit the queue?");
	cr_expect_eq(d->count_sum + st.ringbuf_drops, 10000,
		     "delivered %llu + dropped %llu",
		     (unsigned long long)d->count_sum,
		     (unsigned long long)st.ringbuf_drops);
	finish(d);
}
