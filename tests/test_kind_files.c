// SPDX-License-Identifier: Apache-2.0
/*
 * The kind backend files, checked statically: there is no kind or Docker
 * engine here.  The YAML/TOML/Dockerfile checks live in kind/check.py (exit
 * 77 = python3-yaml missing -> skip); the shell scripts go through bash -n
 * and shellcheck.  Run from the repository root.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PY "/usr/bin/python3"

static void in_repo(void)
{
	if (access("kind/check.py", R_OK) || access("harness/kind.sh", R_OK))
		cr_skip_test("kind/ or harness/kind.sh not found: run from the repo root");
}

/* Run a command, keep the first part of its output; returns exit status. */
static int run(char *out, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int run(char *out, size_t cap, const char *fmt, ...)
{
	char cmd[1024];
	size_t len = 0, n;
	va_list ap;
	FILE *p;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	cr_assert_not_null(p, "popen %s", cmd);
	while (len + 1 < cap && (n = fread(out + len, 1, cap - 1 - len, p)) > 0)
		len += n;
	out[len] = '\0';
	/* drain the rest so the child does not block on a full pipe */
	while (fread(cmd, 1, sizeof(cmd), p) > 0)
		;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void check(const char *what)
{
	char out[4096];
	int st;

	if (access(PY, X_OK))
		cr_skip_test(PY " not installed");
	st = run(out, sizeof(out), PY " kind/check.py %s 2>&1", what);
	if (st == 77)
		cr_skip_test("%s", out);
	cr_expect_eq(st, 0, "kind/check.py %s:\n%s", what, out);
}

Test(kind_files, yaml_parses, .init = in_repo)
{
	check("parse");
}

Test(kind_files, cluster_enables_nri, .init = in_repo)
{
	check("cluster");
}

Test(kind_files, daemonset_privileged_with_mounts, .init = in_repo)
{
	check("daemonset");
}

Test(kind_files, victims_get_attack_tool, .init = in_repo)
{
	check("victims");
}

Test(kind_files, dockerfile_multistage_runs_make, .init = in_repo)
{
	check("dockerfile");
}

static void lint(const char *script)
{
	char out[4096];
	int st;

	st = run(out, sizeof(out), "bash -n %s 2>&1", script);
	cr_expect_eq(st, 0, "bash -n %s:\n%s", script, out);
	if (system("command -v shellcheck >/dev/null 2>&1") != 0)
		cr_skip_test("shellcheck not installed (bash -n passed)");
	st = run(out, sizeof(out), "shellcheck %s 2>&1", script);
	cr_expect_eq(st, 0, "shellcheck %s:\n%s", script, out);
}

Test(kind_files, kind_sh_lints, .init = in_repo)
{
	lint("harness/kind.sh");
}

Test(kind_files, peers_sh_lints, .init = in_repo)
{
	lint("harness/peers.sh");
}

/* Without kind/kubectl/docker the driver names them all and exits 3. */
Test(kind_files, kind_sh_reports_missing_tools, .init = in_repo)
{
	char dir[] = "/tmp/bs-kind-path-XXXXXX", out[1024];
	int st;

	cr_assert_not_null(mkdtemp(dir));
	/* a PATH with only what the script needs before its tool check */
	st = run(out, sizeof(out),
		 "ln -s \"$(command -v dirname)\" %s/ && "
		 "ln -s \"$(command -v sed)\" %s/ && "
		 "PATH=%s \"$(command -v bash)\" harness/kind.sh logs 2>&1",
		 dir, dir, dir);
	cr_expect_eq(st, 3, "exit %d: %s", st, out);
	cr_expect_not_null(strstr(out, "missing: kind kubectl docker"), "%s",
			   out);
	st = run(out, sizeof(out), "bash harness/kind.sh 2>&1");
	cr_expect_eq(st, 2, "no arguments: exit %d", st);
	run(out, sizeof(out), "rm -rf %s", dir);
}
