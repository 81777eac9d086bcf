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

static bool one_of(const char *v, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(v, *set))
			return true;
	return false;
}

static int bounded_int(const char *s, int lo, int hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < lo || v > hi)
		return -EINVAL;
	*out = (int)v;
	return 0;
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

enum {
	O_REPORT = 256,
	O_PLOT_DIR,
	O_NO_OVH,
	O_PAIRS,
	O_WAIT,
	O_QUIET,
	O_BUILD,
	O_RESULTS,
	O_SRC,
	O_DOC
};

static const struct option longopts[] = {
	{ "inject", required_argument, NULL, 'i' },
	{ "detect", required_argument, NULL, 'd' },
	{ "backend", required_argument, NULL, 'b' },
	{ "attach", required_argument, NULL, 'a' },
	{ "runs", required_argument, NULL, 'r' },
	{ "methods", required_argument, NULL, 'm' },
	{ "no-overhead", no_argument, NULL, O_NO_OVH },
	{ "start-pairs", required_argument, NULL, O_PAIRS },
	{ "alert-wait-ms", required_argument, NULL, O_WAIT },
	{ "quiet-ms", required_argument, NULL, O_QUIET },
	{ "build", required_argument, NULL, O_BUILD },
	{ "results", required_argument, NULL, O_RESULTS },
	{ "srcdir", required_argument, NULL, O_SRC },
	{ "report", no_argument, NULL, O_REPORT },
	{ "plot-dir", required_argument, NULL, O_PLOT_DIR },
	{ "doc", required_argument, NULL, O_DOC },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

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
	struct bs_bench_cfg *c = &b.cfg;
	const char *plot_dir = NULL, *doc = NULL;
	bool report = false;
	int opt;

	defaults(c);
	while ((opt = getopt_long(argc, argv, "i:d:b:a:r:m:h", longopts,
				  NULL)) != -1) {
		switch (opt) {
		case 'i':
			if (!one_of(optarg, injects))
				return bad("inject", optarg);
			set_str(c->inject, sizeof(c->inject), optarg);
			break;
		case 'd':
			if (!one_of(optarg, detects))
				return bad("detect", optarg);
			set_str(c->detect, sizeof(c->detect), optarg);
			break;
		case 'b':
			if (!one_of(optarg, backends))
				return bad("backend", optarg);
			set_str(c->backend, sizeof(c->backend), optarg);
			break;
		case 'a':
			if (!one_of(optarg, attaches))
				return bad("attach", optarg);
			set_str(c->attach, sizeof(c->attach), optarg);
			break;
		case 'r':
			if (bounded_int(optarg, 1, 100, &c->runs))
				return bad("runs", optarg);
			break;
		case 'm':
			if (strlen(optarg) >= sizeof(c->methods))
				return bad("methods", optarg);
			set_str(c->methods, sizeof(c->methods), optarg);
			break;
		case O_NO_OVH:
			c->overhead = false;
			break;
		case O_PAIRS:
			if (bounded_int(optarg, 0, 200, &c->start_pairs))
				return bad("start-pairs", optarg);
			break;
		case O_WAIT:
			if (bounded_int(optarg, 10, 60000, &c->alert_wait_ms))
				return bad("alert-wait-ms", optarg);
			break;
		case O_QUIET:
			if (bounded_int(optarg, 0, 60000, &c->quiet_ms))
				return bad("quiet-ms", optarg);
			break;
		case O_BUILD:
			set_str(c->build, sizeof(c->build), optarg);
			break;
		case O_RESULTS:
			set_str(c->results, sizeof(c->results), optarg);
			break;
		case O_SRC:
			set_str(c->srcdir, sizeof(c->srcdir), optarg);
			break;
		case O_REPORT:
			report = true;
			break;
		case O_PLOT_DIR:
			plot_dir = optarg;
			break;
		case O_DOC:
			doc = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (report)
		return report_all(c->results, plot_dir, doc);

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	bs_bench_interrupted = &interrupted;
	bs_backend_choose(c);
	b.ops = backend_ops(c->backend);
	if (strcmp(c->backend, "containerd"))
		return run_one(&b);
	return run_each_containerd(&b);
}
