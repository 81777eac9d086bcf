// SPDX-License-Identifier: Apache-2.0
/*
 * The k8s backend.  The ready-line check (a run measures what it asked
 * for) runs everywhere; the cluster cases run where BEESTING_KUBECONFIG
 * names a cluster (any: kind, k3s, a cloud one with NRI on) and are
 * skipped with that reason elsewhere.  They drive harness/kind.sh and
 * beesting-bench exactly as `make bench BACKEND=k8s` does.  IMAGE must be
 * pullable by the nodes (or imported there).  Run from the repository root.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/k8s.h"
#include "tests/support/shell.h"

#define READY                                                                  \
	"{\"type\":\"ready\",\"backend\":\"tracepoint\",\"inject\":\"%s\","    \
	"\"detect\":\"%s\",\"blind_spots\":\"x\"}"

Test(k8s_ready, matching_line_passes)
{
	char line[256], why[256] = "";

	snprintf(line, sizeof(line), READY, "bind", "open");
	cr_expect_eq(bs_agent_ready_check(line, "bind", "open", "auto", why,
					  sizeof(why)),
		     1);
	cr_expect_eq(bs_agent_ready_check(line, "bind", "open", "tracepoint",
					  why, sizeof(why)),
		     1, "%s", why);
}

Test(k8s_ready, mismatch_fails_and_says_why)
{
	char line[256], why[256] = "";

	snprintf(line, sizeof(line), READY, "bind", "open");
	cr_expect_eq(bs_agent_ready_check(line, "ocihook", "open", "auto", why,
					  sizeof(why)),
		     -EINVAL);
	cr_expect_not_null(strstr(why, "inject=bind"), "%s", why);
	cr_expect_eq(bs_agent_ready_check(line, "bind", "readscan", "auto", why,
					  sizeof(why)),
		     -EINVAL);
	cr_expect_eq(bs_agent_ready_check(line, "bind", "open", "lsm", why,
					  sizeof(why)),
		     -EINVAL);
	cr_expect_not_null(strstr(why, "backend=tracepoint"), "%s", why);
}

Test(k8s_ready, other_lines_are_not_ready)
{
	char why[64];

	cr_expect_eq(bs_agent_ready_check("{\"type\":\"stats\"}", "bind",
					  "open", "auto", why, sizeof(why)),
		     0);
	cr_expect_eq(bs_agent_ready_check("agent: info: hello", "bind", "open",
					  "auto", why, sizeof(why)),
		     0);
}

/* ---- on a cluster --------------------------------------------------- */

static char build[1024];
static char events[64];

#define KSH "BS_K8S_MODE=k8s BS_BUILD=%s harness/kind.sh"

static void cluster(void)
{
	const char *kc = getenv("BEESTING_KUBECONFIG");
	char exe[PATH_MAX];
	ssize_t n;

	if (!kc || !*kc)
		cr_skip_test("BEESTING_KUBECONFIG is not set: no cluster to "
			     "run the k8s backend against");
	if (access("harness/kind.sh", X_OK))
		cr_skip_test(
			"harness/kind.sh not found: run from the repo root");
	setenv("KUBECONFIG", kc, 1);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	cr_assert_gt(n, 0);
	exe[n] = '\0';
	snprintf(build, sizeof(build), "%s", dirname(dirname(exe)));
	snprintf(events, sizeof(events), "/tmp/bs-k8s-events-%d.jsonl",
		 getpid());
}

static void up(void)
{
	char out[256];

	cr_assert_eq(bs_test_sh(out, sizeof(out),
				KSH " up bind open auto %s >&2", build, events),
		     0, "kind.sh up");
}

static void down(void)
{
	char out[256];

	if (!events[0])
		return; /* skipped: never touch a default kubeconfig's cluster */
	bs_test_sh(out, sizeof(out), KSH " down >&2", build);
	unlink(events);
}

static void k8s_init(void)
{
	cluster();
	up();
}

/* Lines of the events file with both strings in them. */
static long count(const char *a, const char *b)
{
	char out[64];

	bs_test_sh(out, sizeof(out), "grep -F '%s' %s | grep -cF '%s'", a,
		   events, b);
	return strtol(out, NULL, 10);
}

/* Wait until n lines carry a and b (the agents write asynchronously). */
static long wait_count(const char *a, const char *b, long n, int secs)
{
	long c = 0;

	for (int i = 0; i < secs * 5 && (c = count(a, b)) < n; i++)
		usleep(200000);
	return c;
}

static void victim(const char *name, char *ctr, size_t len)
{
	char out[2048], uid[128];

	cr_assert_eq(bs_test_sh(out, sizeof(out),
				KSH " victim-up %s /root/.aws/credentials",
				build, name),
		     0, "victim %s did not come up", name);
	cr_assert_eq(sscanf(out, "%127s %127s", uid, ctr), 2, "%s", out);
	(void)len;
}

static long agents(void)
{
	char out[32];

	cr_assert_eq(bs_test_sh(out, sizeof(out), KSH " agents", build), 0);
	return strtol(out, NULL, 10);
}

static int attack(const char *pod, const char *method)
{
	char out[256];

	return bs_test_sh(out, sizeof(out), KSH " attack %s %s >/dev/null 2>&1",
			  build, pod, method);
}

/* The whole engine: CSV rows say backend=k8s, nothing is left. */
Test(k8s, bench_end_to_end, .init = cluster, .timeout = 900)
{
	char dir[] = "/tmp/bs-k8s-res-XXXXXX", out[8192];

	cr_assert_not_null(mkdtemp(dir));
	bs_expect_sh(0, "left behind after teardown: 0", out, sizeof(out),
		     "%s/beesting-bench --backend k8s --runs 1 --no-overhead "
		     "--methods cat,symlink,stat,other --results %s --srcdir .",
		     build, dir);
	bs_test_sh(out, sizeof(out),
		   "awk -F, '$5==\"k8s\" && $3==\"bind\" && $4==\"open\"' "
		   "%s/coverage.csv | wc -l",
		   dir);
	cr_expect_eq(strtol(out, NULL, 10), 4, "coverage rows: %s", out);
	bs_test_sh(out, sizeof(out), "grep -c ',cat,alert,1,' %s/coverage.csv",
		   dir);
	cr_expect_eq(strtol(out, NULL, 10), 1, "cat not detected");
	bs_test_sh(out, sizeof(out), "grep -c ',stat,none,0,' %s/coverage.csv",
		   dir);
	cr_expect_eq(strtol(out, NULL, 10), 1, "stat raised an alert");
	bs_test_sh(out, sizeof(out), "rm -rf %s", dir);
}

/* Agent pod deleted -> recreated -> the running container is armed again,
 * once: one access, one alert line. */
Test(k8s, restart_rearms_without_duplicates, .init = k8s_init, .fini = down,
     .timeout = 900)
{
	char ctr[128], out[256];
	long n = agents(), before;

	cr_assert_gt(n, 0);
	victim("bs-restart", ctr, sizeof(ctr));
	cr_assert_eq(attack("bs-restart", "cat"), 0);
	cr_expect_geq(wait_count("\"alert\"", ctr, 1, 10), 1,
		      "no alert before the restart");
	cr_assert_eq(
		bs_test_sh(out, sizeof(out), KSH " agent-restart >&2", build),
		0);
	cr_assert_geq(
		wait_count("\"ready\"", "\"inject\":\"bind\"", 2 * n, 120),
		2 * n, "the new agents are not ready");
	sleep(2); /* Synchronize follows ready */
	before = count("\"alert\"", ctr);
	cr_assert_eq(attack("bs-restart", "cat"), 0);
	cr_expect_eq(wait_count("\"alert\"", ctr, before + 1, 10), before + 1,
		     "not re-armed");
	sleep(2); /* an aggregation window: a duplicate would show now */
	cr_expect_eq(count("\"alert\"", ctr), before + 1,
		     "one access, more than one alert after the restart");
}

/* Victim pods created while no agent runs start normally. */
Test(k8s, victims_start_while_agent_down, .init = k8s_init, .fini = down,
     .timeout = 900)
{
	char ctr[128], out[256];

	cr_assert_eq(bs_test_sh(out, sizeof(out), KSH " agent-stop >&2", build),
		     0);
	victim("bs-no-agent", ctr, sizeof(ctr));
	cr_expect_eq(
		bs_test_sh(
			out, sizeof(out),
			"kubectl -n beesting-victims exec bs-no-agent -c app "
			"-- true"),
		0);
	cr_expect_eq(
		bs_test_sh(out, sizeof(out), KSH " agent-start >&2", build), 0);
}

/* kubectl delete -f: the node's containers keep running. */
Test(k8s, delete_leaves_containers_running, .init = k8s_init, .fini = down,
     .timeout = 900)
{
	char ctr[128], out[256];

	victim("bs-after-delete", ctr, sizeof(ctr));
	cr_assert_eq(
		bs_test_sh(out, sizeof(out),
			   "kubectl delete -f /run/beesting-k8s/beesting.yaml "
			   "--wait=true >&2"),
		0);
	cr_expect_eq(
		bs_test_sh(
			out, sizeof(out),
			"kubectl -n beesting-victims get pod bs-after-delete "
			"-o jsonpath='{.status.phase}'"),
		0);
	cr_expect_str_eq(out, "Running");
	cr_expect_eq(
		bs_test_sh(
			out, sizeof(out),
			"kubectl -n beesting-victims exec bs-after-delete -c "
			"app -- cat /root/.aws/credentials >/dev/null"),
		0, "the token's bind mount went with the agent");
}
