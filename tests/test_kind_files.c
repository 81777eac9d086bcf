// SPDX-License-Identifier: Apache-2.0
/*
 * The Kubernetes files, checked statically: there is no cluster here.  The
 * YAML/TOML/Dockerfile checks live in kind/check.py (exit 77 = python3-yaml
 * or kubernetes-models missing -> skip); the manifests are rendered by
 * kind/render.py for every flag combination and checked against the flags
 * and the Kubernetes API's JSON schemas; the shell scripts go through
 * bash -n and shellcheck.  Run from the repository root.
 */
#include <criterion/criterion.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/shell.h"

#define PY "/usr/bin/python3"

static void in_repo(void)
{
	if (access("kind/check.py", R_OK) || access("harness/kind.sh", R_OK))
		cr_skip_test("kind/ or harness/kind.sh not found: run from the "
			     "repo root");
}

/* kind/check.py with the formatted arguments: with wrong_pass NULL it
 * must pass them, else refuse them (wrong_pass says what a pass would
 * mean).  Exit 77 (python3-yaml or kubernetes-models missing) skips. */
static void check(const char *wrong_pass, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void check(const char *wrong_pass, const char *fmt, ...)
{
	char what[8192], out[4096];
	va_list ap;
	int st;

	if (access(PY, X_OK))
		cr_skip_test(PY " not installed");
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	st = bs_test_sh(out, sizeof(out), PY " kind/check.py %s 2>&1", what);
	if (st == 77)
		cr_skip_test("%s", out);
	if (wrong_pass)
		cr_expect_neq(st, 0, "%s: kind/check.py %s", wrong_pass, what);
	else
		cr_expect_eq(st, 0, "kind/check.py %s:\n%s", what, out);
}

/* An empty temp file named from the template in file. */
static void temp_file(char *file)
{
	int fd = mkstemp(file);

	cr_assert_geq(fd, 0);
	close(fd);
}

/* A Test that is one kind/check.py check. */
#define CHECKED(name, what)                                                    \
	Test(kind_files, name, .init = in_repo)                                \
	{                                                                      \
		check(NULL, "%s", what);                                       \
	}

/* $(BUILD): this binary is $(BUILD)/tests/test_kind_files. */
static void build_dir(char *buf, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	cr_assert_gt(n, 0, "readlink /proc/self/exe");
	exe[n] = '\0';
	snprintf(buf, len, "%s", dirname(dirname(exe)));
}

static const char *const injects[] = { "bind", "ocihook", "projected" };
static const char *const detects[] = { "open", "readscan" };

/* Render the DaemonSet for flags into file; exit status of render.py. */
static int render(const char *file, const char *inject, const char *detect,
		  const char *attach, const char *image, int privileged)
{
	char out[4096];

	return bs_test_sh(out, sizeof(out),
			  PY " kind/render.py agent --inject %s --detect %s "
			     "--attach %s --image %s --privileged %d > %s 2>&1",
			  inject, detect, attach, image, privileged, file);
}

CHECKED(yaml_parses, "parse")

CHECKED(cluster_enables_nri, "cluster")

CHECKED(daemonset_template_starts_on_bare_node, "daemonset")

/* What is deployed is what the flags say, privileged or not. */
Test(kind_files, manifest_rendered_from_flags, .init = in_repo)
{
	char file[] = "/tmp/bs-manifest-XXXXXX";

	temp_file(file);
	for (size_t i = 0; i < 3; i++)
		for (size_t d = 0; d < 2; d++)
			for (int priv = 0; priv < 2; priv++) {
				cr_assert_eq(render(file, injects[i],
						    detects[d], "tracepoint",
						    "reg.example/bs:t1", priv),
					     0);
				check(NULL,
				      "daemonset %s %s %s tracepoint "
				      "reg.example/bs:t1 %d",
				      file, injects[i], detects[d], priv);
			}
	/* and the checker does notice a mismatch */
	cr_assert_eq(render(file, "ocihook", "open", "auto", "beesting:dev", 1),
		     0);
	check("ocihook manifest passed as bind",
	      "daemonset %s bind open auto beesting:dev 1", file);
	unlink(file);
}

/* --metrics-port: the agent's flag, the container port and the
 * prometheus.io annotations agree, or are all gone for 0. */
Test(kind_files, metrics_port_rendered_with_scrape_annotations, .init = in_repo)
{
	static const int ports[] = { 9100, 0 };
	char file[] = "/tmp/bs-manifest-XXXXXX", out[4096];

	temp_file(file);
	check(NULL, "daemonset kind/beesting.yaml projected open auto "
		    "beesting:dev 1 9477");
	for (int priv = 0; priv < 2; priv++)
		for (size_t i = 0; i < 2; i++) {
			cr_assert_eq(bs_test_sh(out, sizeof(out),
						PY
						" kind/render.py agent "
						"--privileged %d "
						"--metrics-port %d > %s 2>&1",
						priv, ports[i], file),
				     0);
			check(NULL,
			      "daemonset %s projected open auto beesting:dev "
			      "%d %d",
			      file, priv, ports[i]);
		}
	/* the checker notices a port that does not match */
	check("metrics-off manifest passed as on",
	      "daemonset %s projected open auto beesting:dev 1 9477", file);
	cr_expect_eq(bs_test_sh(out, sizeof(out),
				PY " kind/render.py agent --metrics-port 70000 "
				   ">/dev/null 2>&1"),
		     2);
	unlink(file);
}

/* --kube-events: the agent posts Events with a service account that may
 * create events and patch pods and nothing else; 0: no API access. */
Test(kind_files, kube_events_rbac_rendered_and_checked, .init = in_repo)
{
	char file[] = "/tmp/bs-manifest-XXXXXX", out[4096];

	temp_file(file);
	check(NULL, "daemonset kind/beesting.yaml projected open auto "
		    "beesting:dev 1 9477 1");
	cr_assert_eq(
		bs_test_sh(out, sizeof(out),
			   PY " kind/render.py agent --kube-events 0 > %s 2>&1",
			   file),
		0);
	check(NULL, "daemonset %s projected open auto beesting:dev 1 9477 0",
	      file);
	check("a manifest without RBAC passed",
	      "daemonset %s projected open auto beesting:dev 1 9477 1", file);
	/* a role that grants more is refused */
	cr_assert_eq(bs_test_sh(out, sizeof(out),
				"sed 's/verbs: \\[\"create\"\\]/verbs: "
				"[\"create\", \"delete\"]/' kind/beesting.yaml "
				"> %s",
				file),
		     0);
	check("an over-broad role passed", "daemonset %s", file);
	unlink(file);
}

/* make manifest QUARANTINE=1: a NetworkPolicy per namespace that cuts
 * labelled pods off (DNS kept only when asked); the checker refuses a
 * policy that lets DNS out when none was asked for. */
Test(kind_files, quarantine_policy_rendered_and_checked, .init = in_repo)
{
	char file[] = "/tmp/bs-quarantine-XXXXXX", out[4096];

	temp_file(file);
	check(NULL, "quarantine");
	for (int dns = 0; dns <= 1; dns++) {
		cr_assert_eq(bs_test_sh(out, sizeof(out),
					PY " kind/render.py quarantine "
					   "--namespaces a,b-2 --allow-dns %d "
					   "> %s 2>&1",
					dns, file),
			     0, "%s", out);
		check(NULL, "quarantine %s a,b-2 %d", file, dns);
	}
	check("DNS let out without being asked", "quarantine %s a,b-2 0", file);
	cr_expect_neq(bs_test_sh(out, sizeof(out),
				 PY " kind/render.py quarantine --namespaces "
				    "'Bad_NS' 2>&1"),
		      0, "a bad namespace name rendered");
	unlink(file);
}

/* --respond in the agent's args only when asked for. */
Test(kind_files, respond_rendered_into_agent_args, .init = in_repo)
{
	char out[16384];

	cr_assert_eq(bs_test_sh(out, sizeof(out),
				PY " kind/render.py agent --respond kill "
				   "--respond-scope node 2>&1"),
		     0, "%s", out);
	cr_expect_not_null(strstr(out, "--respond=kill"), "%s", out);
	cr_expect_not_null(strstr(out, "--respond-scope=node"));
	cr_assert_eq(
		bs_test_sh(out, sizeof(out), PY " kind/render.py agent 2>&1"),
		0);
	cr_expect_null(strstr(out, "--respond"), "respond without asking");
}

Test(kind_files, render_refuses_bad_flags, .init = in_repo)
{
	cr_expect_eq(render("/dev/null", "mount", "open", "auto", "x", 1), 2);
	cr_expect_eq(render("/dev/null", "bind", "open", "ebpf", "x", 1), 2);
	cr_expect_eq(render("/dev/null", "bind", "open", "auto", "x", 2), 2);
}

/* Offline validation against the Kubernetes API schemas (kubectl cannot
 * validate without a server): kubernetes-models from make deps. */
Test(kind_files, manifests_validate_against_api_schema, .init = in_repo)
{
	char dir[] = "/tmp/bs-schema-XXXXXX", build[1024];
	char out[1024], cwd[PATH_MAX];

	if (system("command -v node >/dev/null 2>&1") != 0)
		cr_skip_test("node not installed (make deps)");
	cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
	cr_assert_not_null(mkdtemp(dir));
	build_dir(build, sizeof(build));
	cr_assert_eq(
		bs_test_sh(
			out, sizeof(out),
			"cd %s && for p in 0 1; do " PY " %s/kind/render.py "
			"agent --inject ocihook --detect readscan "
			"--privileged $p > agent$p.yaml || exit 1; done && " PY
			" %s/kind/render.py victims > victims.yaml && " PY
			" %s/kind/render.py quarantine --allow-dns 1 > "
			"quarantine.yaml && " PY
			" %s/kind/render.py victim v0 > victim.yaml 2>&1",
			dir, cwd, cwd, cwd, cwd),
		0, "%s", out);
	check(NULL,
	      "schema %s/kind-npm/node_modules %s/agent0.yaml %s/agent1.yaml "
	      "%s/victims.yaml %s/victim.yaml %s/quarantine.yaml "
	      "kind/beesting.yaml kind/victims.yaml kind/quarantine.yaml",
	      build, dir, dir, dir, dir, dir);
	bs_test_sh(out, sizeof(out), "rm -rf %s", dir);
}

/* A schema violation is caught (the validator can fail). */
Test(kind_files, schema_check_can_fail, .init = in_repo)
{
	char build[1024], out[2048];
	int st;

	if (system("command -v node >/dev/null 2>&1") != 0)
		cr_skip_test("node not installed (make deps)");
	build_dir(build, sizeof(build));
	st = bs_test_sh(
		out, sizeof(out),
		"f=$(mktemp /tmp/bs-bad-XXXXXX.yaml) && sed "
		"'s/type: DirectoryOrCreate/type: Folder/' kind/beesting.yaml"
		" > $f && " PY " kind/check.py schema %s/kind-npm/node_modules"
		" $f 2>&1; st=$?; rm -f $f; exit $st",
		build);
	if (st == 77)
		cr_skip_test("%s", out);
	cr_expect_eq(st, 1, "exit %d: %s", st, out);
	cr_expect_not_null(strstr(out, "hostPath/type"), "%s", out);
}

Test(kind_files, victims_get_attack_tool, .init = in_repo)
{
	char file[] = "/tmp/bs-victims-XXXXXX", out[1024];

	check(NULL, "victims");
	/* offline runs: both images come from the flags */
	temp_file(file);
	cr_assert_eq(bs_test_sh(out, sizeof(out),
				PY " kind/render.py victims --image local/bs:1 "
				   "--victim-image local/busybox:2 > %s 2>&1",
				file),
		     0, "%s", out);
	check(NULL, "victims %s local/bs:1 local/busybox:2", file);
	unlink(file);
}

CHECKED(dockerfile_multistage_runs_make, "dockerfile")

/* A Test that is one lint() of a script. */
#define LINTED(name, script)                                                   \
	Test(kind_files, name, .init = in_repo)                                \
	{                                                                      \
		lint(script);                                                  \
	}

static void lint(const char *script)
{
	char out[4096];

	bs_expect_sh(0, NULL, out, sizeof(out), "bash -n %s 2>&1", script);
	if (system("command -v shellcheck >/dev/null 2>&1") != 0)
		cr_skip_test("shellcheck not installed (bash -n passed)");
	bs_expect_sh(0, NULL, out, sizeof(out), "shellcheck %s 2>&1", script);
}

LINTED(kind_sh_lints, "harness/kind.sh")

LINTED(peers_sh_lints, "harness/peers.sh")

/* Without kind/kubectl/docker the driver names them all and exits 3. */
Test(kind_files, kind_sh_reports_missing_tools, .init = in_repo)
{
	char dir[] = "/tmp/bs-kind-path-XXXXXX", out[1024];

	cr_assert_not_null(mkdtemp(dir));
	/* a PATH with only what the script needs before its tool check */
	bs_expect_sh(3, "missing: kind kubectl docker", out, sizeof(out),
		     "ln -s \"$(command -v dirname)\" %s/ && "
		     "ln -s \"$(command -v sed)\" %s/ && "
		     "PATH=%s \"$(command -v bash)\" harness/kind.sh logs 2>&1",
		     dir, dir, dir);
	/* an existing cluster needs kubectl only */
	bs_expect_sh(3, "missing: kubectl\n", out, sizeof(out),
		     "BS_K8S_MODE=k8s PATH=%s \"$(command -v bash)\" "
		     "harness/kind.sh logs 2>&1",
		     dir);
	/* no arguments */
	bs_expect_sh(2, NULL, out, sizeof(out), "bash harness/kind.sh 2>&1");
	bs_test_sh(out, sizeof(out), "rm -rf %s", dir);
}
