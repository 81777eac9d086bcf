// SPDX-License-Identifier: Apache-2.0
/*
 * The agent against every real containerd >= 1.7 found (on PATH, or the
 * directories $BEESTING_CONTAINERD names, ':' between them), one suite per
 * release line (containerd_1_7, containerd_2_0, ...; the same cases as
 * suite crio for the CRI-O $BEESTING_CRIO names, harness/runtime/crio.h):
 * registered on containerd's NRI socket, pods
 * created through CRI with crictl, the token read inside the container
 * with `crictl exec`, and the alert line checked.  The runtime runs on its
 * own root, state, sockets and cgroup parent in a private mount namespace
 * (harness/runtime/containerd.h, harness/runtime/cri_pods.h).  Each case
 * logs the runtime and version it ran on; a line with no runtime found is
 * skipped, saying what was found.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/agentproc.h"
#include "harness/runtime/containerd.h"
#include "harness/runtime/cri_pods.h"
#include "harness/runtime/crio.h"
#include "tests/support/containerd_events.h"

#define TOKEN	      "/var/run/secrets/eks.amazonaws.com/access_key_token"
#define ALERT_MS      10000
#define REGISTER_MS   30000
#define CONTAINERD_MS 60000

static struct ctrd ctrd;
static bool have_ctrd;
static char why[512];
static struct bs_agent agent;
static struct ctrd_events events;
static int agent_runs;
static char agent_log[CTRD_PATH + 32];
static char agent_state[CTRD_PATH + 32];

/* Each suite is one release line: the first containerd of that line
 * among those $BEESTING_CONTAINERD names (or the one on PATH). */
static void suite_init(int major, int minor)
{
	memset(&agent, 0, sizeof(agent));
	agent.pid = -1;
	agent_runs = 0;
	have_ctrd = ctrd_find_line(&ctrd, major, minor, why, sizeof(why)) == 0;
}

static void agent_kill(void)
{
	if (agent.pid > 0) {
		kill(agent.pid, SIGKILL);
		waitpid(agent.pid, NULL, 0);
		agent.pid = -1;
	}
	ctrd_events_close(&events);
}

static void suite_fini(void)
{
	agent_kill();
	ctrd_teardown(&ctrd);
}

/* ---- fixture steps ------------------------------------------------------ */

static void fail_dump(void)
{
	ctrd_dump_log(&ctrd, 30);
	if (agent_log[0])
		bs_agent_dump_log(&agent, 30);
}

/* containerd up with the images in, or the test skipped with the reason. */
static void containerd_up(void)
{
	int err;

	if (!have_ctrd)
		cr_skip_test("%s", why);
	cr_log_info("runtime: %s %s from %s", ctrd_name(&ctrd), ctrd.version,
		    ctrd.bindir);
	err = ctrd_setup(&ctrd);
	cr_assert_eq(err, 0, "%s fixture: %s", ctrd_name(&ctrd),
		     strerror(-err));
	err = ctrd_start(&ctrd, CONTAINERD_MS);
	if (err)
		fail_dump();
	cr_assert_eq(err, 0, "%s did not come up: %s", ctrd_name(&ctrd),
		     strerror(-err));
	err = ctrd_import_images(&ctrd, NULL, 0);
	if (err)
		fail_dump();
	cr_assert_eq(err, 0, "image import: %s", strerror(-err));
}

static void agent_bin(char *bin, size_t len)
{
	const char *b = getenv("BUILD");
	char exe[PATH_MAX - 16];
	ssize_t n;

	if (b && *b) {
		snprintf(bin, len, "%s/beesting", b);
		return;
	}
	/* this binary is BUILD/tests/test_containerd */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	for (int i = 0; i < 2; i++) {
		char *s = strrchr(exe, '/');

		if (s)
			*s = '\0';
	}
	snprintf(bin, len, "%s/beesting", exe[0] ? exe : "build");
}

static int synchronized_count(void)
{
	return ctrd_count_in_file(agent_log, "synchronized:");
}

/* Start the agent on containerd's NRI socket and wait until containerd
 * has synchronized it. */
static void agent_start(const char *inject, const char *detect)
{
	char bin[PATH_MAX], ev[CTRD_PATH + 32], hooks[CTRD_PATH + 32];
	struct bs_agent_opts o = {
		.bin = bin,
		.nri_socket = ctrd.nri_sock,
		.inject = inject,
		.detect = detect,
		.attach = "auto",
		.token = NULL,
		.state_dir = agent_state,
		.hook_dir = hooks,
		.events_path = ev,
		.log_path = agent_log,
		.aggregate_ms = 0,
		.stats_interval_ms = 300,
	};
	json_t *j;
	int err;

	agent_bin(bin, sizeof(bin));
	if (access(bin, X_OK))
		cr_skip_test("%s not built", bin);
	agent_runs++;
	snprintf(ev, sizeof(ev), "%s/events-%d.jsonl", ctrd.dir, agent_runs);
	snprintf(agent_log, sizeof(agent_log), "%s/agent-%d.log", ctrd.dir,
		 agent_runs);
	snprintf(agent_state, sizeof(agent_state), "%s/agent-state", ctrd.dir);
	snprintf(hooks, sizeof(hooks), "%s/agent-hooks", ctrd.dir);
	err = bs_agent_spawn(&agent, &o);
	cr_assert_eq(err, 0, "agent spawn: %s", strerror(-err));
	ctrd_adopt(&ctrd, agent.pid);
	cr_assert_eq(ctrd_events_open(&events, ev), 0);
	j = ctrd_events_wait(&events, "ready", NULL, NULL, 20000);
	if (!j)
		fail_dump();
	cr_assert_not_null(j, "agent never became ready");
	json_decref(j);
	for (int i = 0; i < REGISTER_MS / 50 && !synchronized_count(); i++)
		usleep(50000);
	if (!synchronized_count())
		fail_dump();
	cr_assert_gt(synchronized_count(), 0,
		     "containerd never synchronized the agent over %s",
		     ctrd.nri_sock);
}

static void pod_up(struct ctrd_pod *p)
{
	int err = ctrd_run_pod(&ctrd, p);

	if (err)
		fail_dump();
	cr_assert_eq(err, 0, "pod %s: %s", p->name, p->err);
}

/* ---- checks ------------------------------------------------------------- */

static int exec_in(const struct ctrd_pod *p, char *out, size_t len,
		   const char *a1, const char *a2)
{
	return ctrd_crictl(&ctrd, out, len, "exec", "-s", p->ctr_id, a1, a2,
			   NULL);
}

static const char *jstr(json_t *o, const char *obj, const char *key)
{
	return json_string_value(json_object_get(json_object_get(o, obj), key));
}

struct reader {
	const struct ctrd_pod *pod;
	const char *comm;
};

static bool alert_for(json_t *ev, const void *arg)
{
	const struct reader *r = arg;
	const char *id = jstr(ev, "token", "container_id");
	const char *comm = jstr(ev, "accessor", "comm");

	return id && comm && !strcmp(id, r->pod->ctr_id) &&
	       !strcmp(comm, r->comm);
}

static void expect_str(json_t *ev, const char *obj, const char *key,
		       const char *want)
{
	const char *got = jstr(ev, obj, key);

	cr_expect(got && !strcmp(got, want), "%s.%s is \"%s\", want \"%s\"",
		  obj, key, got ? got : "(null)", want);
}

/* Reading the token in the container shows it, and the alert names the
 * pod, namespace and container on both sides.  tool is cat, or dd for
 * readscan: busybox cat copies with sendfile(2), which readscan does not
 * see (only what read(2) returns is scanned; see docs/strategies.md,
 * Detection). */
static void read_alerts(const struct ctrd_pod *p, const char *tool)
{
	const struct reader want = { .pod = p, .comm = tool };
	static char out[8192];
	json_t *ev;
	int r = strcmp(tool, "dd")
			? exec_in(p, out, sizeof(out), tool, TOKEN)
			: exec_in(p, out, sizeof(out), tool, "if=" TOKEN);

	cr_assert_eq(r, 0, "crictl exec %s %s in %s: exit %d: %.300s", tool,
		     TOKEN, p->name, r, out);
	cr_expect(strstr(out, "aws_access_key_id = ASIA") != NULL,
		  "the token's content is not what %s printed: %.200s", tool,
		  out);
	ev = ctrd_events_wait(&events, "alert", alert_for, &want, ALERT_MS);
	if (!ev)
		fail_dump();
	cr_assert_not_null(ev, "no alert for %s of the token in %s/%s (%.12s)",
			   tool, p->name, p->container, p->ctr_id);
	expect_str(ev, "token", "pod", p->name);
	expect_str(ev, "token", "namespace", p->ns);
	expect_str(ev, "token", "container", p->container);
	expect_str(ev, "token", "path", TOKEN);
	expect_str(ev, "accessor", "container_id", p->ctr_id);
	expect_str(ev, "accessor", "pod", p->name);
	expect_str(ev, "accessor", "namespace", p->ns);
	expect_str(ev, "accessor", "container", p->container);
	json_decref(ev);
}

static void cat_alerts(const struct ctrd_pod *p)
{
	read_alerts(p, "cat");
}

/* Latest stats line after now (the agent writes one every 300 ms). */
static json_t *fresh_stats(void)
{
	json_t *j, *last = NULL;

	/* skip what is queued, then take the next one written */
	while ((j = ctrd_events_wait(&events, "stats", NULL, NULL, 0)))
		json_decref(j);
	last = ctrd_events_wait(&events, "stats", NULL, NULL, 5000);
	cr_assert_not_null(last, "the agent writes no stats lines");
	return last;
}

static json_int_t stat_of(json_t *s, const char *key)
{
	return json_integer_value(json_object_get(s, key));
}

/* The token the agent planted is never counted as the workload's own
 * mount at the token path, whatever event later shows it in the spec
 * (seen once by hand on CRI-O; not reproduced here). */
static void no_spec_mount_counted(void)
{
	json_t *s = fresh_stats();

	cr_expect_eq(stat_of(s, "spec_mount_skipped"), 0,
		     "spec_mount_skipped: %lld (our own mount counted as the "
		     "container's?)",
		     (long long)stat_of(s, "spec_mount_skipped"));
	json_decref(s);
}

static void token_case(const char *inject, const char *detect)
{
	struct ctrd_pod p = { .name = "victim",
			      .ns = "default",
			      .container = "app" };

	containerd_up();
	agent_start(inject, detect);
	pod_up(&p);
	if (!strcmp(detect, "readscan")) {
		char out[8192];
		int r = exec_in(&p, out, sizeof(out), "cat", TOKEN);

		/* cat still shows it; dd is the reader readscan sees */
		cr_expect(!r && strstr(out, "aws_access_key_id = ASIA"),
			  "cat %s: exit %d: %.200s", TOKEN, r, out);
		read_alerts(&p, "dd");
	} else {
		cat_alerts(&p);
	}
	no_spec_mount_counted();
}

/* ---- cases -------------------------------------------------------------- */

static void case_bind_open(void)
{
	token_case("bind", "open");
}

static void case_bind_readscan(void)
{
	token_case("bind", "readscan");
}

static void case_ocihook_open(void)
{
	token_case("ocihook", "open");
}

static void case_ocihook_readscan(void)
{
	token_case("ocihook", "readscan");
}

static void case_opt_out_annotation_gets_no_token(void)
{
	json_t *ann = json_pack("{s:s}", "beesting.io/inject", "false");
	struct ctrd_pod p = { .name = "optout",
			      .ns = "default",
			      .container = "app",
			      .annotations = ann };
	char out[4096];
	json_t *s;

	containerd_up();
	agent_start("bind", "open");
	pod_up(&p);
	json_decref(ann);
	cr_expect_neq(exec_in(&p, out, sizeof(out), "cat", TOKEN), 0,
		      "an opted-out pod has a token: %.200s", out);
	cr_expect_neq(exec_in(&p, out, sizeof(out), "ls",
			      "/var/run/secrets/eks.amazonaws.com"),
		      0, "the token's directory was made: %.200s", out);
	s = fresh_stats();
	cr_expect_eq(stat_of(s, "tokens"), 0, "tokens: %lld",
		     (long long)stat_of(s, "tokens"));
	cr_expect_geq(stat_of(s, "inject_skipped"), 1);
	json_decref(s);
}

static void case_hostile_token_path_is_ignored(void)
{
	static const char *const bad[] = {
		"../../etc/passwd", "/var/run/secrets/../../etc/passwd"
	};
	char out[4096];

	containerd_up();
	agent_start("bind", "open");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *ann =
			json_pack("{s:s}", "beesting.io/token-path", bad[i]);
		char name[32];
		struct ctrd_pod p = { .name = name,
				      .ns = "default",
				      .container = "app",
				      .annotations = ann };

		snprintf(name, sizeof(name), "hostile%zu", i);
		pod_up(&p); /* the container starts */
		json_decref(ann);
		cr_expect_neq(
			exec_in(&p, out, sizeof(out), "ls", "/etc/passwd"), 0,
			"%s: something was planted at /etc/passwd", bad[i]);
		/* the default token is still there and watched */
		cat_alerts(&p);
	}
}

static void case_containerd_restart_is_survived(void)
{
	struct ctrd_pod p = { .name = "victim",
			      .ns = "default",
			      .container = "app" };
	struct ctrd_pod q = { .name = "victim2",
			      .ns = "default",
			      .container = "app" };
	int pid, err, syncs;
	json_t *s;

	containerd_up();
	agent_start("bind", "open");
	pod_up(&p);
	cat_alerts(&p);
	pid = ctrd_ctr_pid(&ctrd, p.ctr_id);
	cr_assert_gt(pid, 0, "no pid for %.12s", p.ctr_id);
	syncs = synchronized_count();

	cr_assert_eq(ctrd_stop(&ctrd, 20000), 0, "containerd ignored SIGTERM");
	cr_assert_eq(kill(pid, 0), 0, "the container died with containerd");
	err = ctrd_start(&ctrd, CONTAINERD_MS);
	if (err)
		fail_dump();
	cr_assert_eq(err, 0, "containerd did not come back: %s",
		     strerror(-err));
	/* the agent reconnects with backoff (at most 5 s) */
	for (int i = 0; i < REGISTER_MS / 50 && synchronized_count() <= syncs;
	     i++)
		usleep(50000);
	if (synchronized_count() <= syncs)
		fail_dump();
	cr_assert_gt(synchronized_count(), syncs,
		     "the agent was not synchronized again");
	s = fresh_stats();
	cr_expect_geq(stat_of(s, "nri_reconnects"), 1, "nri_reconnects: %lld",
		      (long long)stat_of(s, "nri_reconnects"));
	json_decref(s);
	cr_assert(bs_agent_alive(&agent), "the agent died");
	cat_alerts(&p); /* the old container is still watched */
	pod_up(&q);	/* and new ones still get a token */
	cat_alerts(&q);
}

/* Token files (tokens/<id>/<n>, beside <n>.meta) of one container. */
static int token_files(const char *ctr_id)
{
	char path[CTRD_PATH * 2];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "%s/tokens/%s", agent_state, ctr_id);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((e = readdir(d)))
		n += strspn(e->d_name, "0123456789") == strlen(e->d_name);
	closedir(d);
	return n;
}

static void case_agent_kill9_rearms_every_container(void)
{
	struct ctrd_pod pods[] = {
		{ .name = "victim", .ns = "default", .container = "app" },
		{ .name = "victim2", .ns = "default", .container = "app" },
	};
	const size_t n = sizeof(pods) / sizeof(pods[0]);
	json_t *s;

	containerd_up();
	agent_start("bind", "open");
	for (size_t i = 0; i < n; i++) {
		pod_up(&pods[i]);
		cat_alerts(&pods[i]);
	}
	agent_kill();
	agent_start("bind", "open");
	for (size_t i = 0; i < n; i++)
		cat_alerts(&pods[i]);
	s = fresh_stats();
	cr_expect_eq(stat_of(s, "tokens"), (json_int_t)n,
		     "tokens after resync: %lld, containers %zu",
		     (long long)stat_of(s, "tokens"), n);
	cr_expect_eq(stat_of(s, "armed"), (json_int_t)n, "armed: %lld",
		     (long long)stat_of(s, "armed"));
	json_decref(s);
	for (size_t i = 0; i < n; i++)
		cr_expect_eq(token_files(pods[i].ctr_id), 1,
			     "token files of %s: %d", pods[i].name,
			     token_files(pods[i].ctr_id));
}

/* ---- the harness on this containerd ------------------------------------- */

/* The coverage rows of csv: how many name backend, and which
 * methods expected to alert did not.  hardlink and rename_read are not
 * accesses here (a read-only token refuses them: the bench says n/a). */
static void check_coverage(const char *csv, const char *backend, int *rows,
			   char *missed, size_t len)
{
	char line[1024];
	FILE *f = fopen(csv, "re");

	*rows = 0;
	missed[0] = '\0';
	cr_assert_not_null(f, "no %s", csv);
	while (fgets(line, sizeof(line), f)) {
		char *fld[12], *save = NULL;
		int n = 0;

		for (char *t = strtok_r(line, ",\n", &save); t && n < 12;
		     t = strtok_r(NULL, ",\n", &save))
			fld[n++] = t;
		/* run_id,commit,inject,detect,backend,attach,kernel,method,
		 * expect,detected,alerts,latency_us */
		if (n < 10 || strcmp(fld[4], backend))
			continue;
		(*rows)++;
		if (!strcmp(fld[8], "alert") && strcmp(fld[9], "1") &&
		    strcmp(fld[7], "hardlink") && strcmp(fld[7], "rename_read"))
			snprintf(missed + strlen(missed), len - strlen(missed),
				 " %s", fld[7]);
		if (!strcmp(fld[8], "none"))
			cr_expect_str_eq(fld[9], "0", "false alert for %s",
					 fld[7]);
	}
	fclose(f);
}

static void case_bench_backend_covers_every_method(void)
{
	char bin[PATH_MAX], bench[PATH_MAX + 16],
		res[] = "/tmp/bs-ctrd-res-XXXXXX";
	char csv[sizeof(res) + 16], missed[512];
	const char *backend =
		ctrd.kind == CTRD_KIND_CRIO ? "crio" : "containerd";
	char *argv[] = { bench,		  "--backend", (char *)backend,
			 "--inject",	  "ocihook",   "--detect",
			 "open",	  "--runs",    "1",
			 "--no-overhead", "--results", res,
			 "--srcdir",	  ".",	       NULL };
	static char out[1 << 16];
	int rc, rows;

	if (!have_ctrd)
		cr_skip_test("%s", why);
	cr_log_info("runtime: %s %s from %s", ctrd_name(&ctrd), ctrd.version,
		    ctrd.bindir);
	if (ctrd.kind != CTRD_KIND_CRIO)
		setenv("BEESTING_CONTAINERD", ctrd.bindir, 1);
	agent_bin(bin, sizeof(bin));
	snprintf(bench, sizeof(bench), "%s-bench", bin);
	if (access(bench, X_OK))
		cr_skip_test("%s not built", bench);
	cr_assert_not_null(mkdtemp(res));
	rc = ctrd_run(argv, out, sizeof(out), 540000);
	cr_log_info("%s", out);
	cr_assert_eq(rc, 0, "beesting-bench --backend %s: exit %d", backend,
		     rc);
	snprintf(csv, sizeof(csv), "%s/coverage.csv", res);
	check_coverage(csv, backend, &rows, missed, sizeof(missed));
	cr_expect_geq(rows, 20, "coverage rows with backend=%s: %d", backend,
		      rows);
	cr_expect_eq(missed[0], '\0', "not detected:%s", missed);
	cr_expect(strstr(out, "left behind after teardown: 0") != NULL,
		  "the run left something behind");
	snprintf(out, sizeof(out), "rm -rf '%s'", res);
	cr_expect_eq(system(out), 0);
}

/* ---- the suites: every case on every runtime ---------------------------- */

/* containerd_M_N runs each case on the containerd M.N found; a line not
 * found skips, saying what was.  containerd_later takes the first one
 * newer than the newest line named here.  crio is the same cases on the
 * CRI-O $BEESTING_CRIO names. */
#define RT_CASE(suite, name, ms)                                               \
	Test(suite, name, .timeout = (ms))                                     \
	{                                                                      \
		case_##name();                                                 \
	}

#define RT_SUITE(suite, init_fn)                                               \
	TestSuite(suite, .init = init_fn, .fini = suite_fini, .timeout = 300); \
	RT_CASE(suite, bind_open, 300)                                         \
	RT_CASE(suite, bind_readscan, 300)                                     \
	RT_CASE(suite, ocihook_open, 300)                                      \
	RT_CASE(suite, ocihook_readscan, 300)                                  \
	RT_CASE(suite, opt_out_annotation_gets_no_token, 300)                  \
	RT_CASE(suite, hostile_token_path_is_ignored, 300)                     \
	RT_CASE(suite, containerd_restart_is_survived, 300)                    \
	RT_CASE(suite, agent_kill9_rearms_every_container, 300)                \
	RT_CASE(suite, bench_backend_covers_every_method, 600)

#define CTRD_LINE(sfx, major, minor)                                           \
	static void init_##sfx(void)                                           \
	{                                                                      \
		suite_init(major, minor);                                      \
	}                                                                      \
	RT_SUITE(containerd_##sfx, init_##sfx)

CTRD_LINE(1_7, 1, 7)
CTRD_LINE(2_0, 2, 0)
CTRD_LINE(2_1, 2, 1)
CTRD_LINE(2_2, 2, 2)
CTRD_LINE(2_3, 2, 3)
CTRD_LINE(later, 2, -3)

/* CRI-O: the one $BEESTING_CRIO names (harness/runtime/crio.h). */
static void init_crio(void)
{
	memset(&agent, 0, sizeof(agent));
	agent.pid = -1;
	agent_runs = 0;
	have_ctrd = crio_find(&ctrd, why, sizeof(why)) == 0;
}

RT_SUITE(crio, init_crio)
