// SPDX-License-Identifier: Apache-2.0
/*
 * The detection cases: the suite's methods of the table (strategies/methods.h),
 * done by the accesses the attack tool uses (harness/attack/access.c).  Each case
 * gets a fresh detector and a fresh temp token file, does its access in a
 * child process (so the accessor is never the runner), and waits a bounded
 * time for an event of the token.  What a strategy cannot see comes from
 * the table's blind spots.
 *
 * Methods marked pre_open (inherited_fd, mmap, sendfile, splice,
 * copy_file_range) get the token opened BEFORE it is armed, by the runner:
 * that open is never reported, so only the later fd-based access can
 * alert.  This models an fd inherited from a parent or kept from before
 * arming.
 *
 * Needs only /bin/busybox and this process: it also runs, linked
 * statically, inside the QEMU kernel matrix.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bpf/kretprobe.h"
#include "bpf/tracefs.h"
#include "harness/attack/access.h"
#include "harness/case_opts.h"
#include "harness/detect_suite.h"
#include "lib/csv.h"
#include "lib/fs.h"
#include "lib/log.h"
#include "strategies/inject_state.h"
#include "strategies/methods.h"

#define BUSYBOX	      "/bin/busybox"
#define WAIT_ALERT_MS 1500
#define WAIT_NONE_MS  300

/* ---- detector + token file ---------------------------------------------- */

static void capture(const struct bs_event *ev, void *arg)
{
	struct bs_dtest *d = arg;

	d->n_seen++;
	if (ev->token_id == d->tok.id)
		d->count_sum += ev->count;
	if (d->n_evs < BS_DTEST_MAX_EVENTS)
		d->evs[d->n_evs++] = *ev;
}

/* Printable random content: the first 16 bytes are already unique. */
static int random_content(char *out, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	static const char magic[4] = { 'B', 'S', 'T', 'K' }; /* bytes, no NUL */
	unsigned char rnd[256];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	size_t i;

	if (fd < 0)
		return -errno;
	if (read(fd, rnd, sizeof(rnd)) != (ssize_t)sizeof(rnd)) {
		close(fd);
		return -EIO;
	}
	close(fd);
	memcpy(out, magic, sizeof(magic));
	for (i = 4; i + 1 < len; i++)
		out[i] = hex[rnd[i % sizeof(rnd)] >> ((i & 1) * 4) & 15];
	out[len - 1] = '\n';
	return 0;
}

int bs_dtest_token_file(struct bs_token *t, const char *path, mode_t mode)
{
	struct stat st;
	int err = bs_write_file(path, t->content, t->content_len, mode);

	if (!err && stat(path, &st))
		err = -errno;
	if (err)
		return err;
	bs_token_set_inode(t, &st);
	snprintf(t->host_path, sizeof(t->host_path), "%s", path);
	return 0;
}

static int make_token(struct bs_dtest *d)
{
	struct bs_token *t = &d->tok;
	int err;

	strcpy(d->dir, "/tmp/bs-detect-XXXXXX");
	if (!mkdtemp(d->dir))
		return -errno;
	snprintf(d->token_path, sizeof(d->token_path), "%s/token", d->dir);
	memset(t, 0, sizeof(*t));
	t->id = 7;
	t->content_len = 320; /* longer than every readscan window */
	snprintf(t->path, sizeof(t->path), "/token");
	err = random_content((char *)t->content, t->content_len);
	return err ? err : bs_dtest_token_file(t, d->token_path, 0644);
}

/* The temp dir and whatever a case left in it (links, moved names, the
 * decoy, copies). */
static void remove_tree(const char *dir)
{
	char p[320];
	struct dirent *de;
	DIR *dh = opendir(dir);

	while (dh && (de = readdir(dh))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (unlink(p) && errno == EISDIR)
			rmdir(p);
	}
	if (dh)
		closedir(dh);
	rmdir(dir);
}

int bs_dtest_start(struct bs_dtest *d, const char *detect,
		   enum bs_attach attach, uint32_t agent_tgid, uint64_t agg_ns)
{
	int err;

	d->ops = bs_detect_find(detect);
	if (!d->ops)
		return -EINVAL;
	d->n_evs = 0;
	d->n_seen = d->count_sum = 0;
	err = make_token(d);
	if (err) {
		if (d->dir[0] && strcmp(d->dir, "/tmp/bs-detect-XXXXXX"))
			remove_tree(d->dir);
		return err;
	}
	memset(&d->cfg, 0, sizeof(d->cfg));
	d->cfg.attach = attach;
	d->cfg.agent_tgid = agent_tgid;
	d->cfg.aggregate_ns = agg_ns;
	d->cfg.rs_window = d->rs_window;
	d->cfg.rs_refuse_windows = d->rs_refuse_windows;
	d->cfg.respond = d->respond;
	d->cfg.respond_node = d->respond_node;
	d->cfg.max_tokens = BS_MAX_TOKENS;
	d->cfg.on_event = capture;
	d->cfg.on_event_arg = d;
	memset(&d->ctx, 0, sizeof(d->ctx));
	d->ctx.cfg = &d->cfg;
	err = d->ops->start(&d->ctx);
	if (err)
		remove_tree(d->dir);
	return err;
}

int bs_dtest_arm(struct bs_dtest *d)
{
	int err = d->ops->arm(&d->ctx, &d->tok);

	if (!err)
		d->tok.armed = true;
	return err;
}

static int seen(const struct bs_dtest *d, uint32_t method)
{
	for (size_t i = 0; i < d->n_evs; i++)
		if (d->evs[i].token_id == d->tok.id &&
		    (!method || d->evs[i].method == method))
			return 1;
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int bs_dtest_wait(struct bs_dtest *d, int timeout_ms, uint32_t method)
{
	int64_t end = now_ms() + timeout_ms;

	do {
		d->ops->poll(&d->ctx, 20);
		if (seen(d, method))
			return 1;
	} while (now_ms() < end);
	return 0;
}

void bs_dtest_drain(struct bs_dtest *d, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;

	while (now_ms() < end)
		d->ops->poll(&d->ctx, 20);
}

void bs_dtest_stop(struct bs_dtest *d)
{
	d->ops->stop(&d->ctx);
	remove_tree(d->dir);
}

/* ---- child helpers ------------------------------------------------------- */

static int read_all(int fd)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	return n < 0 ? -1 : 0;
}

static int open_read(const char *path)
{
	int fd = open(path, O_RDONLY), err;

	if (fd < 0)
		return -1;
	err = read_all(fd);
	close(fd);
	return err;
}

int bs_dtest_child_read(const char *path)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(open_read(path) ? 1 : 0);
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* ---- the cases: the suite's methods of the table (strategies/methods.h) ----- */

/* The decoy of "other": a file beside the token that is not the token. */
static int make_other(const struct bs_dtest *d, char *p, size_t len)
{
	char content[96];

	snprintf(p, len, "%s/other", d->dir);
	if (random_content(content, sizeof(content)))
		return -EIO;
	return bs_write_file(p, content, sizeof(content), 0644);
}

/* Child: m's access of the token (fd: opened before arming, or -1). */
static int do_access(const struct bs_access *m, const struct bs_dtest *d,
		     int fd)
{
	struct bs_access_ctx ctx;
	char other[192];
	int err;

	bs_access_ctx_init(&ctx, d->token_path);
	ctx.tmpdir = d->dir;
	ctx.busybox = BUSYBOX;
	ctx.fd = fd;
	if (m->id == BS_ACC_OTHER) {
		if (make_other(d, other, sizeof(other)))
			return -EIO;
		ctx.other = other;
	}
	err = bs_access_run(m, &ctx);
	if (err && ctx.err[0])
		fprintf(stderr, "detect-suite: %s: %s\n", m->name, ctx.err);
	return err;
}

/* Runs m's access in a child; returns its exit status (0 = did it). */
static int in_child(const struct bs_access *m, const struct bs_dtest *d, int fd)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(do_access(m, d, fd) ? 1 : 0);
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

enum expect { EXP_ALERT, EXP_NONE, EXP_BLIND };

static const struct bs_access *find_case(const char *name)
{
	return bs_access_find_in(name, BS_ACC_SUITE);
}

struct case_out {
	enum expect expect;
	int got;
	enum bs_dcase_result result;
	enum bs_attach backend;
	char why[160];
};

/* A case's detector, zeroed, with o reset to an error until it has run;
 * NULL (o says why) when out of memory. */
static struct bs_dtest *case_alloc(struct case_out *o)
{
	struct bs_dtest *d = calloc(1, sizeof(*d));

	memset(o, 0, sizeof(*o));
	o->result = BS_DCASE_ERROR;
	if (!d)
		snprintf(o->why, sizeof(o->why), "out of memory");
	return d;
}

/* Start d, its agent agent_tgid (0: none): 0, or -errno with d freed and o
 * saying why. */
static int case_start(struct bs_dtest *d, const char *detect,
		      enum bs_attach attach, uint32_t agent_tgid,
		      struct case_out *o)
{
	int err = bs_dtest_start(d, detect, attach, agent_tgid, 0);

	if (err) {
		snprintf(o->why, sizeof(o->why), "detector: %s",
			 strerror(-err));
		free(d);
		return err;
	}
	o->backend = d->ctx.backend;
	return 0;
}

/* Pass when what was got is what was expected; true when it failed. */
static bool case_failed(struct case_out *o)
{
	o->result = o->got == (o->expect == EXP_ALERT) ? BS_DCASE_PASS
						       : BS_DCASE_FAIL;
	return o->result == BS_DCASE_FAIL;
}

static void run_case(const struct bs_access *c, const char *detect,
		     enum bs_attach attach, bool flip, struct case_out *o)
{
	struct bs_dtest *d = case_alloc(o);
	const char *blind;
	int fd = -1, rc, err;

	if (!d || case_start(d, detect, attach, 0, o))
		return;
	blind = bs_access_blind(detect, o->backend, c->name, c->pre_open);
	o->expect = blind ? EXP_BLIND : c->expect_alert ? EXP_ALERT : EXP_NONE;
	if (flip)
		o->expect = o->expect == EXP_ALERT ? EXP_NONE : EXP_ALERT;
	if (c->pre_open)
		fd = open(d->token_path, O_RDONLY | O_CLOEXEC);
	err = bs_dtest_arm(d);
	if (err || (c->pre_open && fd < 0)) {
		snprintf(o->why, sizeof(o->why), "arm: %s",
			 strerror(err ? -err : errno));
		goto out;
	}
	/* the pre-opened fd must survive into the child: drop CLOEXEC */
	if (fd >= 0)
		fcntl(fd, F_SETFD, 0);
	rc = in_child(c, d, fd);
	if (rc) {
		snprintf(o->why, sizeof(o->why), "case action failed (%d)", rc);
		goto out;
	}
	/* events are queued synchronously by the access itself: only an
	 * expected alert deserves the long wait */
	o->got = bs_dtest_wait(
		d, o->expect == EXP_ALERT ? WAIT_ALERT_MS : WAIT_NONE_MS,
		strcmp(detect, "open") ? 0 : c->open_method);
	if (o->expect == EXP_BLIND) {
		o->result = BS_DCASE_BLIND;
		snprintf(o->why, sizeof(o->why), "%s%s", blind,
			 o->got ? " (but detected)" : "");
	} else if (case_failed(o)) {
		snprintf(o->why, sizeof(o->why), "expected %s, got %s",
			 o->expect == EXP_ALERT ? "an alert" : "no alert",
			 o->got ? "one" : "none");
	}
out:
	if (fd >= 0)
		close(fd);
	bs_dtest_stop(d);
	free(d);
}

/* ---- the response cases: --respond on one open + read ------------------- */

/* After the methods: a reader (a child, scope node: no container here)
 * of the token under --respond kill or deny.  "alert" = the response is
 * expected (the table says the detector/backend can give it), "blind" =
 * it cannot; got = 1 when the reader was killed (kill) or got EPERM (deny)
 * without a byte of the token passed on. */
static const struct respond_case {
	const char *name;
	enum bs_respond action;
} respond_cases[] = {
	{ "respond_kill", BS_RESPOND_KILL },
	{ "respond_deny", BS_RESPOND_DENY },
};

#define N_RESPOND_CASES (sizeof(respond_cases) / sizeof(respond_cases[0]))

static const struct respond_case *find_respond_case(const char *name)
{
	for (size_t i = 0; name && i < N_RESPOND_CASES; i++)
		if (!strcmp(respond_cases[i].name, name))
			return &respond_cases[i];
	return NULL;
}

/* Child: open + read the token, passing every byte to out; the open or
 * read errno to err_fd. */
static void respond_reader(const char *path, int out, int err_fd)
{
	char buf[512];
	ssize_t n = 0;
	int fd = open(path, O_RDONLY), e = 0;

	while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			_exit(3);
	e = fd < 0 || n < 0 ? errno : 0;
	if (write(err_fd, &e, sizeof(e)) != sizeof(e))
		_exit(3);
	_exit(e ? 1 : 0);
}

/* 1 when the reader met the response: killed, or EPERM, and no byte. */
static int respond_got(const struct bs_dtest *d, enum bs_respond action)
{
	int out[2], errp[2], status, e = 0;
	size_t bytes = 0;
	char buf[512];
	ssize_t n;
	pid_t pid;

	if (pipe(out) || pipe(errp))
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		close(out[0]);
		close(errp[0]);
		respond_reader(d->token_path, out[1], errp[1]);
	}
	close(out[1]);
	close(errp[1]);
	while ((n = read(out[0], buf, sizeof(buf))) > 0)
		bytes += (size_t)n;
	if (read(errp[0], &e, sizeof(e)) != sizeof(e))
		e = 0;
	close(out[0]);
	close(errp[0]);
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (bytes)
		return 0;
	return action == BS_RESPOND_KILL
		       ? WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL
		       : e == EPERM;
}

static void run_respond_case(const struct respond_case *rc, const char *detect,
			     enum bs_attach attach, bool flip,
			     struct case_out *o)
{
	struct bs_dtest *d = case_alloc(o);
	int err;

	if (!d)
		return;
	d->respond = rc->action;
	d->respond_node = true;
	/* the runner is the agent: its own accesses are never responded to */
	if (case_start(d, detect, attach, (uint32_t)getpid(), o))
		return;
	o->expect = bs_respond_cap(detect, o->backend, rc->action) == BS_RCAP_NO
			    ? EXP_BLIND
			    : EXP_ALERT;
	if (flip)
		o->expect = o->expect == EXP_ALERT ? EXP_NONE : EXP_ALERT;
	err = bs_dtest_arm(d);
	o->got = err ? err : respond_got(d, rc->action);
	if (o->got < 0) {
		snprintf(o->why, sizeof(o->why), "case setup: %s",
			 strerror(-o->got));
		o->got = 0;
	} else if (o->expect == EXP_BLIND) {
		o->result = BS_DCASE_BLIND;
		snprintf(o->why, sizeof(o->why), "%s",
			 bs_respond_how(detect, o->backend, rc->action));
	} else if (case_failed(o)) {
		snprintf(o->why, sizeof(o->why),
			 "expected the reader %s, it was %s",
			 o->expect == EXP_ALERT ? "stopped" : "untouched",
			 o->got ? "stopped" : "untouched");
	}
	bs_dtest_stop(d);
	free(d);
}

/* ---- a read among readers asleep in it --------------------------------- */

/* More readers than a kretprobe's default room for calls in flight (one
 * per CPU on 5.10 without CONFIG_PREEMPTION, 10 or 2 per CPU on others),
 * each asleep in read() on its own pipe, entered after the detector was
 * attached: a return probe that ran out of room misses the token's read. */
#define SLEEPERS      32
#define SLEEPERS_CASE "sleepers"

/* Forks the sleepers; each stops when its pipe's writer (us) closes. */
static int start_sleepers(int wfd[SLEEPERS], pid_t pid[SLEEPERS])
{
	for (int i = 0; i < SLEEPERS; i++) {
		wfd[i] = -1;
		pid[i] = -1;
	}
	for (int i = 0; i < SLEEPERS; i++) {
		int p[2];
		char c;

		if (pipe(p))
			return -errno;
		fflush(NULL);
		pid[i] = fork();
		if (pid[i] < 0) {
			close(p[0]);
			close(p[1]);
			return -errno;
		}
		if (pid[i] == 0) {
			/* only our writer may hold our pipe open */
			for (int j = 0; j < i; j++)
				close(wfd[j]);
			close(p[1]);
			_exit(read(p[0], &c, 1) < 0 ? 1 : 0);
		}
		close(p[0]);
		wfd[i] = p[1];
	}
	usleep(100 * 1000); /* let every one reach its read */
	return 0;
}

static void stop_sleepers(const int wfd[SLEEPERS], const pid_t pid[SLEEPERS])
{
	for (int i = 0; i < SLEEPERS; i++) {
		if (wfd[i] >= 0)
			close(wfd[i]);
		if (pid[i] > 0)
			waitpid(pid[i], NULL, 0);
	}
}

/* Two kretprobe events as an agent killed before it removed them leaves
 * them: one named by a pid that is gone, one by ours (an earlier agent
 * with our pid in a pid namespace of its own).  Empty names where the
 * kernel has no kprobes. */
static void plant_stale(char names[2][64])
{
	char path[96], line[160];
	pid_t dead = fork();
	int fd;

	names[0][0] = names[1][0] = '\0';
	if (dead == 0)
		_exit(0);
	if (dead < 0 || waitpid(dead, NULL, 0) != dead)
		return;
	snprintf(names[0], 64, "vfs_read_%d_0", (int)dead);
	snprintf(names[1], 64, "vfs_read_%d_4000000000", (int)getpid());
	snprintf(path, sizeof(path), "%s/kprobe_events", bs_tracefs_root());
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	for (int i = 0; i < 2; i++) {
		int n = snprintf(line, sizeof(line),
				 "r:" BS_KRETPROBE_GROUP "/%s vfs_read\n",
				 names[i]);

		if (fd < 0 || write(fd, line, (size_t)n) != n)
			names[i][0] = '\0';
	}
	if (fd >= 0)
		close(fd);
}

/* The first planted event still in kprobe_events, or NULL. */
static const char *stale_left(char names[2][64])
{
	char path[96], line[256], want[80];
	const char *left = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "%s/kprobe_events", bs_tracefs_root());
	f = fopen(path, "re");
	while (f && !left && fgets(line, sizeof(line), f))
		for (int i = 0; i < 2 && !left; i++) {
			snprintf(want, sizeof(want), "/%s ", names[i]);
			if (names[i][0] && strstr(line, want))
				left = names[i];
		}
	if (f)
		fclose(f);
	return left;
}

static void run_sleepers_case(const char *detect, enum bs_attach attach,
			      bool flip, struct case_out *o)
{
	struct bs_dtest *d = case_alloc(o);
	int wfd[SLEEPERS], err, rc;
	pid_t pid[SLEEPERS];
	char stale[2][64];
	const char *left;
	bool armed;

	if (!d)
		return;
	/* readscan's kretprobe on kprobe: the agent removes them first */
	plant_stale(stale);
	if (case_start(d, detect, attach, 0, o)) {
		bs_kretprobe_remove(stale[0]);
		bs_kretprobe_remove(stale[1]);
		return;
	}
	left = o->backend == BS_ATTACH_KPROBE && !strcmp(detect, "readscan")
		       ? stale_left(stale)
		       : NULL;
	o->expect = flip ? EXP_NONE : EXP_ALERT;
	armed = bs_dtest_arm(d) == 0;
	err = armed ? start_sleepers(wfd, pid) : -EIO;
	rc = err ? err : bs_dtest_child_read(d->token_path);
	if (!rc)
		o->got = bs_dtest_wait(d, WAIT_ALERT_MS, 0);
	if (armed) /* also the ones started before a failure */
		stop_sleepers(wfd, pid);
	if (rc) {
		snprintf(o->why, sizeof(o->why), "case setup: %s",
			 rc < 0 ? strerror(-rc) : "the read failed");
	} else if (case_failed(o)) {
		snprintf(o->why, sizeof(o->why),
			 "expected %s with %d readers asleep, got %s",
			 o->expect == EXP_ALERT ? "an alert" : "no alert",
			 SLEEPERS, o->got ? "one" : "none");
	} else if (left) {
		o->result = BS_DCASE_FAIL;
		snprintf(o->why, sizeof(o->why),
			 "a killed agent's kprobe event %s was not removed",
			 left);
	}
	bs_dtest_stop(d);
	free(d);
	bs_kretprobe_remove(stale[0]); /* where they were not removed */
	bs_kretprobe_remove(stale[1]);
}

enum bs_dcase_result bs_detect_suite_case(const char *detect,
					  enum bs_attach attach,
					  const char *name, char *why,
					  size_t why_len)
{
	const struct bs_access *c = find_case(name);
	const struct respond_case *rc = find_respond_case(name);
	struct case_out o;

	if (rc) {
		run_respond_case(rc, detect, attach, false, &o);
		snprintf(why, why_len, "%s", o.why);
		return o.result;
	}
	if (!strcmp(name, SLEEPERS_CASE)) {
		run_sleepers_case(detect, attach, false, &o);
		snprintf(why, why_len, "%s", o.why);
		return o.result;
	}
	if (!c) {
		snprintf(why, why_len, "no case named %s", name);
		return BS_DCASE_ERROR;
	}
	run_case(c, detect, attach, false, &o);
	snprintf(why, why_len, "%s", o.why);
	return o.result;
}

/* ---- the command line ---------------------------------------------------- */

/* The case options, and --attach as the backend it names. */
struct suite_opts {
	struct bs_case_opts arg;
	enum bs_attach attach;
};

static int parse_opts(int argc, char **argv, struct suite_opts *o)
{
	*o = (struct suite_opts){ .arg.detect = "open" };
	if (bs_case_opts_parse(argc, argv, &o->arg))
		return -EINVAL;
	if (o->arg.attach && bs_attach_parse(o->arg.attach, &o->attach)) {
		fprintf(stderr, "bad --attach %s\n", o->arg.attach);
		return -EINVAL;
	}
	if (!bs_detect_find(o->arg.detect) || !strcmp(o->arg.detect, "none")) {
		fprintf(stderr, "bad --detect %s (open|readscan|fanotify)\n",
			o->arg.detect);
		return -EINVAL;
	}
	if (o->arg.only && !find_case(o->arg.only) &&
	    !find_respond_case(o->arg.only) &&
	    strcmp(o->arg.only, SLEEPERS_CASE)) {
		fprintf(stderr, "no case named %s\n", o->arg.only);
		return -EINVAL;
	}
	return 0;
}

static const char *expect_name(enum expect e)
{
	return e == EXP_ALERT ? "alert" : e == EXP_NONE ? "none" : "blind";
}

static const char *result_name(enum bs_dcase_result r)
{
	static const char *const n[] = { "PASS", "FAIL", "BLIND", "ERROR" };

	return n[r];
}

/* Starts the detector once so a missing backend is reported as such. */
static int probe_backend(const struct suite_opts *o, enum bs_attach *got)
{
	struct bs_dtest *d = calloc(1, sizeof(*d));
	int err;

	if (!d)
		return -ENOMEM;
	err = bs_dtest_start(d, o->arg.detect, o->attach, 0, 0);
	if (!err) {
		*got = d->ctx.backend;
		bs_dtest_stop(d);
	}
	free(d);
	return err;
}

/* One case's line (and CSV row); tally: passed, failed, skipped. */
static void report(const struct suite_opts *o, struct bs_csv *csv,
		   enum bs_attach backend, const char *name,
		   const struct case_out *r, unsigned *tally)
{
	const char *res =
		r->result == BS_DCASE_ERROR ? "FAIL" : result_name(r->result);

	tally[r->result == BS_DCASE_PASS    ? 0
	      : r->result == BS_DCASE_BLIND ? 2
					    : 1]++;
	printf("case %s backend=%s expect=%s got=%d %s\n", name,
	       bs_attach_name(r->result == BS_DCASE_ERROR ? backend
							  : r->backend),
	       expect_name(r->expect), r->got, res);
	if (r->why[0])
		printf("#   %s\n", r->why);
	fflush(stdout);
	if (csv) {
		const char *row[] = {
			o->arg.kernel, bs_attach_name(backend), o->arg.detect,
			name,	       expect_name(r->expect),	res
		};

		bs_csv_write(csv, row, 6);
	}
}

int bs_detect_suite_main(int argc, char **argv)
{
	static const char *const hdr[] = { "kernel", "backend", "detect",
					   "case",   "expect",	"result" };
	unsigned tally[3] = { 0 }; /* passed, failed, skipped */
	struct bs_csv csv = { 0 };
	struct suite_opts o;
	struct utsname un;
	enum bs_attach backend = BS_ATTACH_AUTO;
	int err;

	if (parse_opts(argc, argv, &o))
		return 2;
	bs_log_set_level(BS_LOG_WARN); /* one start per case: keep it quiet */
	if (!o.arg.kernel)
		o.arg.kernel = uname(&un) ? "unknown" : un.release;
	err = probe_backend(&o, &backend);
	if (err) {
		fprintf(stderr, "detect %s: backend %s could not start: %s\n",
			o.arg.detect, bs_attach_name(o.attach), strerror(-err));
		printf("0 passed, 0 failed, 0 skipped\n");
		return 2;
	}
	if (o.arg.csv && (err = bs_csv_open(&csv, o.arg.csv, hdr, 6))) {
		fprintf(stderr, "csv %s: %s\n", o.arg.csv, strerror(-err));
		return 2;
	}
	for (size_t i = 0; i < BS_ACC_MAX; i++) {
		const struct bs_access *c = &bs_access_methods[i];
		struct case_out r;

		if (!(c->tools & BS_ACC_SUITE) ||
		    (o.arg.only && strcmp(o.arg.only, c->name)))
			continue;
		run_case(c, o.arg.detect, o.attach,
			 o.arg.break_case && !strcmp(o.arg.break_case, c->name),
			 &r);
		report(&o, o.arg.csv ? &csv : NULL, backend, c->name, &r,
		       tally);
	}
	if (!o.arg.only || !strcmp(o.arg.only, SLEEPERS_CASE)) {
		struct case_out r;

		run_sleepers_case(o.arg.detect, o.attach,
				  o.arg.break_case && !strcmp(o.arg.break_case,
							      SLEEPERS_CASE),
				  &r);
		report(&o, o.arg.csv ? &csv : NULL, backend, SLEEPERS_CASE, &r,
		       tally);
	}
	for (size_t i = 0; i < N_RESPOND_CASES; i++) {
		const struct respond_case *c = &respond_cases[i];
		struct case_out r;

		if (o.arg.only && strcmp(o.arg.only, c->name))
			continue;
		run_respond_case(c, o.arg.detect, o.attach,
				 o.arg.break_case &&
					 !strcmp(o.arg.break_case, c->name),
				 &r);
		report(&o, o.arg.csv ? &csv : NULL, backend, c->name, &r,
		       tally);
	}
	if (o.arg.csv)
		bs_csv_close(&csv);
	printf("%u passed, %u failed, %u skipped\n", tally[0], tally[1],
	       tally[2]);
	return tally[1] ? 1 : 0;
}
