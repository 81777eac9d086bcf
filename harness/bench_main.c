// SPDX-License-Identifier: Apache-2.0
/*
 * beesting-bench: run one INJECT x DETECT configuration end to end and
 * append the results to results/ (see harness/scenario.h), or --report the
 * latest run of every configuration (and write the gnuplot inputs).
 *
 * Exit: 0 the run worked (missed cases are results), 1 the run itself
 * broke (agent died, runc failed, NRI handshake failed), 2 usage.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/runtime/containerd.h"
#include "harness/containerd_backend.h"
#include "harness/k8s.h"
#include "harness/report.h"
#include "harness/results_doc.h"
#include "harness/scenario.h"
#include "lib/cli.h"
#include "lib/log.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: beesting-bench [--inject projected|bind|ocihook] "
		"[--detect "
		"open|readscan|fanotify|auditd|fatrace]\n"
		"         [--backend auto|local|kind|k8s|containerd|crio]\n"
		"         [--attach auto|lsm|fentry|kprobe|tracepoint]\n"
		"         [--runs N] [--methods m1,m2] [--no-overhead] "
		"[--start-pairs N]\n"
		"         [--alert-wait-ms N] [--quiet-ms N] [--build "
		"DIR] [--results DIR]\n"
		"       beesting-bench --report [--results DIR] "
		"[--plot-dir DIR] [--doc FILE]\n"
		"defaults: --inject projected --detect open --backend "
		"auto --runs 5\n");
}

static void set_str(char *dst, size_t len, const char *v)
{
	snprintf(dst, len, "%s", v);
}

static void defaults(struct bs_bench_cfg *c)
{
	char exe[PATH_MAX];
	ssize_t n;

	memset(c, 0, sizeof(*c));
	set_str(c->inject, sizeof(c->inject), "projected");
	set_str(c->detect, sizeof(c->detect), "open");
	set_str(c->backend, sizeof(c->backend), "auto");
	set_str(c->attach, sizeof(c->attach), "auto");
	c->runs = 5;
	c->start_pairs = 20;
	c->overhead = true;
	c->alert_wait_ms = 2000;
	c->quiet_ms = 400;
	set_str(c->results, sizeof(c->results), "results");
	set_str(c->srcdir, sizeof(c->srcdir), ".");
	/* the sibling programs live next to us in $(BUILD) */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		set_str(c->build, sizeof(c->build), dirname(exe));
	} else {
		set_str(c->build, sizeof(c->build), "build");
	}
}

static const char *const injects[] = { "bind", "ocihook", "projected", NULL };
static const char *const detects[] = { "open",	 "readscan", "fanotify",
				       "auditd", "fatrace",  NULL };
static const char *const backends[] = { "auto",	      "local", "kind", "k8s",
					"containerd", "crio",  NULL };
static const char *const attaches[] = { "auto",	  "lsm",	"fentry",
					"kprobe", "tracepoint", NULL };

static int bad(const char *opt, const char *v)
{
	fprintf(stderr, "beesting-bench: bad value for --%s: '%s'\n", opt, v);
	usage(stderr);
	return 2;
}

/* What the command line sets: the run, and the report. */
struct args {
	struct bs_bench_cfg cfg;
	bool report, help;
	const char *plot_dir, *doc;
};

static const struct bs_cli_opt opts[] = {
	{ "inject", BS_CLI_BUF, BS_CLI_FIELD(struct args, cfg.inject),
	  .choices = injects, .key = 'i' },
	{ "detect", BS_CLI_BUF, BS_CLI_FIELD(struct args, cfg.detect),
	  .choices = detects, .key = 'd' },
	{ "backend", BS_CLI_BUF, BS_CLI_FIELD(struct args, cfg.backend),
	  .choices = backends, .key = 'b' },
	{ "attach", BS_CLI_BUF, BS_CLI_FIELD(struct args, cfg.attach),
	  .choices = attaches, .key = 'a' },
	{ "runs", BS_CLI_INT, offsetof(struct args, cfg.runs), .lo = 1,
	  .hi = 100, .key = 'r' },
	{ "methods", BS_CLI_BUF, BS_CLI_FIELD(struct args, cfg.methods),
	  .key = 'm' },
	{ "no-overhead", BS_CLI_CLEAR,
	  .off = offsetof(struct args, cfg.overhead) },
	{ "start-pairs", BS_CLI_INT, offsetof(struct args, cfg.start_pairs),
	  .hi = 200 },
	{ "alert-wait-ms", BS_CLI_INT, offsetof(struct args, cfg.alert_wait_ms),
	  .lo = 10, .hi = 60000 },
	{ "quiet-ms", BS_CLI_INT, offsetof(struct args, cfg.quiet_ms),
	  .hi = 60000 },
	{ "build", BS_CLI_BUF, BS_CLI_FIELD(struct args, cfg.build) },
	{ "results", BS_CLI_BUF, BS_CLI_FIELD(struct args, cfg.results) },
	{ "srcdir", BS_CLI_BUF, BS_CLI_FIELD(struct args, cfg.srcdir) },
	{ "report", BS_CLI_SET, .off = offsetof(struct args, report) },
	{ "plot-dir", .off = offsetof(struct args, plot_dir) },
	{ "doc", .off = offsetof(struct args, doc) },
	{ "help", BS_CLI_SET, offsetof(struct args, help), .key = 'h' },
	{ 0 },
};

/* -1 to go on, or main's exit code: 0 after --help, 2 for a usage error.
 * Options are read in order: --help before a bad one still helps. */
static int parse(int argc, char **argv, struct args *a)
{
	const struct bs_cli_opt *bad_opt;
	int err = bs_cli_parse(argc, argv, opts, a, &bad_opt);

	if (a->help) {
		usage(stdout);
		return 0;
	}
	if (bad_opt)
		return bad(bad_opt->name, optarg);
	if (err || optind != argc) {
		usage(stderr);
		return 2;
	}
	return -1;
}

/* containerd is never picked by auto: it is asked for, and then it must
 * be there (PATH or $BEESTING_CONTAINERD), or nothing runs.  Every one
 * $BEESTING_CONTAINERD names is run, one after another; their
 * directories go in dirs.  Returns how many, or -ENOENT. */
static int containerd_runtimes(char dirs[][CTRD_PATH], int max)
{
	static struct ctrd found[CTRD_MAX_RUNTIMES];
	char why[512];
	int n = ctrd_find_all(found, max, why, sizeof(why));

	if (!n) {
		fprintf(stderr, "beesting-bench: --backend containerd: %s\n",
			why);
		return -ENOENT;
	}
	for (int i = 0; i < n; i++) {
		snprintf(dirs[i], CTRD_PATH, "%s", found[i].bindir);
		fprintf(stderr, "beesting-bench: containerd %s from %s\n",
			found[i].version, found[i].bindir);
	}
	return n;
}

static const struct bs_backend_ops *backend_ops(const char *name)
{
	if (!strcmp(name, "kind"))
		return &bs_backend_kind;
	if (!strcmp(name, "k8s"))
		return &bs_backend_k8s;
	if (!strcmp(name, "containerd"))
		return &bs_backend_containerd;
	if (!strcmp(name, "crio"))
		return &bs_backend_crio;
	return &bs_backend_local;
}

static volatile sig_atomic_t interrupted;

static int run_one(struct bs_bench *b)
{
	int err = bs_scenario_run(b);

	bs_scenario_summary(b);
	return err ? 1 : 0;
}

/* The same run on each containerd found, a fresh bench (and run id) for
 * each; 1 when any broke. */
static int run_each_containerd(struct bs_bench *b)
{
	static char dirs[CTRD_MAX_RUNTIMES][CTRD_PATH];
	const struct bs_backend_ops *ops = b->ops;
	struct bs_bench_cfg cfg = b->cfg;
	int n = containerd_runtimes(dirs, CTRD_MAX_RUNTIMES), rc = 0;

	if (n < 0)
		return 1;
	for (int i = 0; i < n && !interrupted; i++) {
		memset(b, 0, sizeof(*b));
		b->cfg = cfg;
		b->ops = ops;
		snprintf(b->cfg.runtime_dir, sizeof(b->cfg.runtime_dir), "%.*s",
			 CTRD_PATH - 1, dirs[i]);
		rc |= run_one(b);
	}
	return rc;
}

/* The doc that sits beside the results (DIR/../docs/results.md), when its
 * template is there: a scratch results dir leaves the committed doc be. */
static const char *doc_beside(const char *results, char *buf, size_t len)
{
	char dir[PATH_MAX], tpl[PATH_MAX + 8];

	snprintf(dir, sizeof(dir), "%s", results);
	snprintf(buf, len, "%s/docs/results.md", dirname(dir));
	snprintf(tpl, sizeof(tpl), "%s.in", buf);
	return access(tpl, R_OK) ? NULL : buf;
}

/* Terminal tables and plots, then the doc from its template (FILE.in). */
static int report_all(const char *results, const char *plot_dir,
		      const char *doc)
{
	char buf[PATH_MAX], tpl[PATH_MAX + 8];
	int err = bs_report(results, plot_dir);

	if (!doc)
		doc = doc_beside(results, buf, sizeof(buf));
	if (err || !doc)
		return err ? 1 : 0;
	snprintf(tpl, sizeof(tpl), "%s.in", doc);
	if (bs_results_doc(results, tpl, doc))
		return 1;
	printf("\nwrote %s\n", doc);
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

int main(int argc, char **argv)
{
	static struct bs_bench b;
	static struct args a;
	int rc;

	defaults(&a.cfg);
	rc = parse(argc, argv, &a);
	if (rc >= 0)
		return rc;
	if (a.report)
		return report_all(a.cfg.results, a.plot_dir, a.doc);

	b.cfg = a.cfg;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	bs_bench_interrupted = &interrupted;
	bs_backend_choose(&b.cfg);
	b.ops = backend_ops(b.cfg.backend);
	if (strcmp(b.cfg.backend, "containerd"))
		return run_one(&b);
	return run_each_containerd(&b);
}
