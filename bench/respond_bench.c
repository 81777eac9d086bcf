// SPDX-License-Identifier: Apache-2.0
/*
 * respond-bench: what --respond does to an accessor, measured.  For each
 * detector (open on the best BPF backend that loads, fanotify), each
 * response (kill, deny) and each access method the detection suite runs
 * (strategies/methods.h, done by harness/access.c), RUNS accessors in a
 * cgroup of their own standing for the token's container (scope
 * container), each a fresh process (a pre_open method's fd opened by this
 * process before arming, as in the suite):
 *   - outcome: killed (SIGKILL: the accessor, or the child that read
 *     for it: busybox cat in busybox_cat and cat_pipe), denied (the access
 *     failed with EPERM), read (it completed), failed (another error; also
 *     busybox refused);
 *   - bytes of the token the accessor obtained (what the access emitted
 *     before it died or failed, a forked reader's included; -1 where
 *     busybox read them);
 *   - access -> dead: from the accessor's clock reading just before the
 *     access to its reaping by waitpid here (kill); access -> denied: to
 *     the access returning EPERM in the accessor (deny).
 * One row per (detect, backend, respond, method) in results/respond.csv:
 *   run_id,commit,kernel,detect,backend,respond,method,expect,runs,killed,
 *   denied,read,failed,bytes_max,p50_us,p99_us
 * (expect: what the method table says the detector/backend gives: yes,
 * after (the read), no, blind (the detector does not see that access),
 * none (the method does not touch the token); p50/p99 over the killed or
 * denied runs; bytes_max empty for methods that never read the token).
 *
 *   respond-bench [--runs N] [--csv FILE] [--detect open|fanotify]
 *                 [--attach auto|...] [--respond kill|deny] [--method M]
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/attack/access.h"
#include "harness/detect_suite.h"
#include "harness/results.h"
#include "lib/cli.h"
#include "lib/clock.h"
#include "lib/csv.h"
#include "lib/fs.h"
#include "lib/log.h"
#include "lib/proc.h"
#include "lib/stats.h"

#define N_COLS 16

enum outcome { O_KILLED, O_DENIED, O_READ, O_FAILED, O_MAX };

/* Written by the accessor, read after its death. */
struct shared {
	int64_t t0_ns, t1_ns; /* before the access, when it returned */
	int64_t bytes;	      /* obtained and emitted so far; -1: by a child */
	int err;	      /* the access's -errno */
	int child_signal;     /* what ended the access's child (busybox) */
};

struct opts {
	int runs;
	const char *csv, *only_detect, *only_method;
	enum bs_attach attach;
	int only_respond; /* -1: both */
};

struct row {
	int n[O_MAX];
	int64_t bytes_max;
	struct bs_samples lat_us;
};

static char cg_dir[256];

static int emit_count(void *arg, const void *buf, size_t n)
{
	struct shared *sh = arg;

	(void)buf;
	__atomic_add_fetch(&sh->bytes, (int64_t)n, __ATOMIC_SEQ_CST);
	return 0;
}

/* The accessor: into the container's cgroup, then m's access. */
static void accessor(const struct bs_access *m, const struct bs_dtest *d,
		     int fd, struct shared *sh)
{
	struct bs_access_ctx ctx;
	char other[192];
	int err;

	if (bs_cgroup_join(cg_dir))
		_exit(90);
	bs_access_ctx_init(&ctx, d->token_path);
	ctx.tmpdir = d->dir;
	/* "other": a file beside the token that is not the token */
	snprintf(other, sizeof(other), "%s/other", d->dir);
	if (m->id == BS_ACC_OTHER &&
	    bs_write_file(other, "not the token\n", 14, 0644))
		_exit(91);
	ctx.other = other;
	ctx.fd = fd;
	ctx.emit = emit_count;
	ctx.emit_arg = sh;
	sh->t0_ns = bs_now_ns();
	err = bs_access_run(m, &ctx);
	sh->t1_ns = bs_now_ns();
	sh->err = err;
	sh->child_signal = ctx.child_signal;
	_exit(err ? 1 : 0);
}

static enum outcome classify(int status, const struct shared *sh)
{
	/* the accessor, or the child that read for it (busybox_cat, cat in
	 * cat_pipe, inherited_fd's reader) */
	if ((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) ||
	    sh->child_signal == SIGKILL)
		return O_KILLED;
	if (sh->err == -EPERM)
		return O_DENIED;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? O_READ : O_FAILED;
}

/* One accessor, given fd for a pre_open method (else -1); adds its
 * outcome to r. */
static int one_run(const struct bs_access *m, struct bs_dtest *d, int fd,
		   struct shared *sh, struct row *r)
{
	char moved[192];
	int64_t dead_ns;
	enum outcome o;
	int status;
	pid_t pid;

	memset(sh, 0, sizeof(*sh));
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		accessor(m, d, fd, sh);
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	dead_ns = bs_now_ns();
	/* rename_read killed between its two renames: put the token back */
	snprintf(moved, sizeof(moved), "%s.bs-moved", d->token_path);
	rename(moved, d->token_path);
	o = classify(status, sh);
	r->n[o]++;
	/* busybox_cat and cat_pipe: busybox reads, not this process */
	if (m->id == BS_ACC_BUSYBOX_CAT || m->id == BS_ACC_CAT_PIPE)
		r->bytes_max = -1;
	else if (sh->bytes > r->bytes_max)
		r->bytes_max = sh->bytes;
	if (o == O_KILLED && sh->t0_ns)
		bs_samples_add(&r->lat_us, (double)(dead_ns - sh->t0_ns) / 1e3);
	else if (o == O_DENIED)
		bs_samples_add(&r->lat_us,
			       (double)(sh->t1_ns - sh->t0_ns) / 1e3);
	/* a pending response of the last run must not hit the next */
	d->ops->poll(&d->ctx, 0);
	return 0;
}

static const char *cap_name(enum bs_respond_cap c)
{
	return c == BS_RCAP_YES ? "yes" : c == BS_RCAP_AFTER ? "after" : "no";
}

static void write_row(struct bs_csv *csv, const struct bs_results *id,
		      const char *detect, enum bs_attach b, unsigned resp,
		      const struct bs_access *m, int runs, struct row *r)
{
	char n[O_MAX][16], runs_s[16], bytes[24], p50[24], p99[24];
	bool lat = r->lat_us.n > 0;
	const char *expect =
		!m->expect_alert ? "none"
		: bs_access_blind(detect, b, m->name, m->pre_open)
			? "blind"
			: cap_name(bs_respond_cap(detect, b, resp));

	for (int i = 0; i < O_MAX; i++)
		snprintf(n[i], sizeof(n[i]), "%d", r->n[i]);
	snprintf(runs_s, sizeof(runs_s), "%d", runs);
	/* the metadata methods and "other" never read the token */
	snprintf(bytes, sizeof(bytes), "%lld", (long long)r->bytes_max);
	if (!m->expect_alert)
		bytes[0] = '\0';
	snprintf(p50, sizeof(p50), "%.1f",
		 lat ? bs_samples_quantile(&r->lat_us, 0.5) : 0);
	snprintf(p99, sizeof(p99), "%.1f",
		 lat ? bs_samples_quantile(&r->lat_us, 0.99) : 0);
	const char *row[N_COLS] = {
		id->run_id,
		id->commit,
		id->kernel,
		detect,
		bs_attach_name(b),
		bs_respond_name(resp),
		m->name,
		expect,
		runs_s,
		n[O_KILLED],
		n[O_DENIED],
		n[O_READ],
		n[O_FAILED],
		bytes[0] ? bytes : NULL,
		lat ? p50 : "",
		lat ? p99 : "",
	};

	bs_csv_write(csv, row, N_COLS);
	printf("%-8s %-10s %-4s %-16s expect=%-5s killed=%d denied=%d "
	       "read=%d failed=%d bytes_max=%s p50=%sus p99=%sus\n",
	       detect, bs_attach_name(b), bs_respond_name(resp), m->name,
	       expect, r->n[O_KILLED], r->n[O_DENIED], r->n[O_READ],
	       r->n[O_FAILED], bytes, lat ? p50 : "-", lat ? p99 : "-");
	fflush(stdout);
}

/* The fds a pre_open method's runs inherit, one a run (-1 for other
 * methods): opened by the "agent" (this process, never responded to)
 * before arming, as the method table means it, so a row's expect holds
 * for what was run.  NULL when out of memory. */
static int *pre_fds(const struct bs_access *m, const struct bs_dtest *d,
		    int runs)
{
	int *fds = malloc(sizeof(*fds) * (size_t)runs);

	for (int k = 0; fds && k < runs; k++)
		fds[k] = m->pre_open ? open(d->token_path, O_RDONLY) : -1;
	return fds;
}

static void close_fds(int *fds, int runs)
{
	for (int k = 0; fds && k < runs; k++)
		if (fds[k] >= 0)
			close(fds[k]);
	free(fds);
}

/* Every suite method under one detector and response. */
static int run_config(const struct opts *o, struct bs_csv *csv,
		      const struct bs_results *id, const char *detect,
		      unsigned resp, uint64_t cg, struct shared *sh)
{
	for (size_t i = 0; i < BS_ACC_MAX; i++) {
		const struct bs_access *m = &bs_access_methods[i];
		struct bs_dtest *d;
		struct row r = { .bytes_max = 0 };
		int err, *fds;

		if (!(m->tools & BS_ACC_SUITE) ||
		    (o->only_method && strcmp(o->only_method, m->name)))
			continue;
		d = calloc(1, sizeof(*d));
		if (!d)
			return -ENOMEM;
		d->respond = (enum bs_respond)resp;
		err = bs_dtest_start(d, detect,
				     strcmp(detect, "fanotify")
					     ? o->attach
					     : BS_ATTACH_FANOTIFY,
				     (uint32_t)getpid(), 0);
		if (err) {
			fprintf(stderr, "%s: cannot start: %s\n", detect,
				strerror(-err));
			free(d);
			return err;
		}
		d->tok.ctr_cgroup_id = cg;
		fds = pre_fds(m, d, o->runs);
		err = fds ? bs_dtest_arm(d) : -ENOMEM;
		for (int k = 0; !err && k < o->runs; k++)
			err = one_run(m, d, fds[k], sh, &r);
		close_fds(fds, o->runs);
		if (!err)
			write_row(csv, id, detect, d->ctx.backend, resp, m,
				  o->runs, &r);
		bs_samples_free(&r.lat_us);
		bs_dtest_stop(d);
		free(d);
		if (err)
			return err;
	}
	return 0;
}

static int opt_attach(const char *arg, void *field)
{
	return bs_attach_parse(arg, field);
}

static int opt_respond(const char *arg, void *field)
{
	int *r = field;

	*r = bs_respond_parse(arg);
	return *r > 0 ? 0 : -EINVAL;
}

static const struct bs_cli_opt opts[] = {
	{ "runs", BS_CLI_INT, offsetof(struct opts, runs), .lo = 1,
	  .hi = INT_MAX },
	{ "csv", .off = offsetof(struct opts, csv) },
	{ "detect", .off = offsetof(struct opts, only_detect) },
	{ "attach", BS_CLI_FN, offsetof(struct opts, attach),
	  .fn = opt_attach },
	{ "respond", BS_CLI_FN, offsetof(struct opts, only_respond),
	  .fn = opt_respond },
	{ "method", .off = offsetof(struct opts, only_method) },
	{ 0 },
};

static int parse(int argc, char **argv, struct opts *o)
{
	*o = (struct opts){ .runs = 20,
			    .csv = "results/respond.csv",
			    .only_respond = -1 };
	return bs_cli_parse(argc, argv, opts, o, NULL);
}

int main(int argc, char **argv)
{
	static const char *const hdr[N_COLS] = {
		"run_id", "commit",    "kernel", "detect", "backend", "respond",
		"method", "expect",    "runs",	 "killed", "denied",  "read",
		"failed", "bytes_max", "p50_us", "p99_us",
	};
	static const char *const detects[] = { "open", "fanotify" };
	struct bs_results id = { 0 };
	struct bs_csv csv = { 0 };
	struct utsname un;
	struct shared *sh;
	struct opts o;
	char name[64];
	uint64_t cg = 0;
	int err = 0;

	if (parse(argc, argv, &o)) {
		fprintf(stderr, "usage: respond-bench [--runs N] [--csv FILE] "
				"[--detect open|fanotify] [--attach B] "
				"[--respond kill|deny] [--method M]\n");
		return 2;
	}
	bs_log_set_level(BS_LOG_ERR);
	snprintf(name, sizeof(name), "bs-respond-bench-%d", (int)getpid());
	err = bs_cgroup_make(name, cg_dir, sizeof(cg_dir), &cg);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (err || sh == MAP_FAILED) {
		fprintf(stderr,
			"respond-bench: a cgroup for the container: "
			"%s\n",
			strerror(err ? -err : errno));
		return 1;
	}
	bs_make_run_id(id.run_id, sizeof(id.run_id));
	bs_git_commit(".", id.commit, sizeof(id.commit));
	snprintf(id.kernel, sizeof(id.kernel), "%s",
		 uname(&un) ? "unknown" : un.release);
	err = bs_csv_open(&csv, o.csv, hdr, N_COLS);
	for (size_t i = 0; !err && i < 2; i++)
		for (unsigned r = BS_RESPOND_KILL; !err && r < BS_RESPOND_MAX;
		     r++)
			if ((!o.only_detect ||
			     !strcmp(o.only_detect, detects[i])) &&
			    (o.only_respond < 0 ||
			     (unsigned)o.only_respond == r))
				err = run_config(&o, &csv, &id, detects[i], r,
						 cg, sh);
	bs_csv_close(&csv);
	rmdir(cg_dir);
	if (err)
		fprintf(stderr, "respond-bench: %s\n", strerror(-err));
	return err ? 1 : 0;
}
