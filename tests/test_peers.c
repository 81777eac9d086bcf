// SPDX-License-Identifier: Apache-2.0
/*
 * harness/peers.sh with the real tools: fatrace and auditd must count the
 * opens of a temp file by `cat` and ignore metadata-only access (stat).
 * Exit 3 from the script (tool cannot run here) skips with its reason.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PEERS "harness/peers.sh"

static char dir[64];
static char token[128];
static char out[128];
static const char *tool;

static void setup(void)
{
	char state[128];

	if (access(PEERS, X_OK))
		cr_skip_test(PEERS " not found (run from the repo root)");
	snprintf(dir, sizeof(dir), "/tmp/bs-peers-test-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(token, sizeof(token), "%s/token", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	setenv("BS_PEERS_STATE", state, 1);
	FILE *f = fopen(token, "w");
	cr_assert_not_null(f);
	fputs("AKIAFAKEFAKEFAKE\n", f);
	fclose(f);
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Run a shell command; its exit status, or -1. */
static int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void teardown(void)
{
	if (tool)
		sh(PEERS " stop %s", tool);
	if (dir[0])
		sh("rm -rf '%s'", dir);
}

static long count(void)
{
	char cmd[512], line[64] = "";
	FILE *p;
	long n;

	snprintf(cmd, sizeof(cmd), PEERS " count %s %s %s", tool, out, token);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	if (!fgets(line, sizeof(line), p))
		line[0] = '\0';
	cr_assert_eq(pclose(p), 0, "%s failed", cmd);
	n = strtol(line, NULL, 10);
	cr_assert(line[0] >= '0' && line[0] <= '9', "count printed '%s'", line);
	return n;
}

static void start_or_skip(const char *t)
{
	char err[256] = "";
	char cmd[512];
	FILE *p;
	int st;

	tool = t;
	snprintf(cmd, sizeof(cmd), PEERS " start %s %s %s 2>&1", t, token, out);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	if (!fgets(err, sizeof(err), p))
		err[0] = '\0';
	st = pclose(p);
	st = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	if (st == 3) {
		tool = NULL;
		cr_skip_test("%s", err);
	}
	cr_assert_eq(st, 0, "start %s: exit %d: %s", t, st, err);
}

/* Two cats and a stat: exactly two opens recorded. */
static void cats_are_counted(const char *t)
{
	start_or_skip(t);
	cr_assert_eq(sh("cat '%s' >/dev/null && cat '%s' >/dev/null && "
			"stat '%s' >/dev/null",
			token, token, token),
		     0);
	/* count after stop: everything is flushed */
	cr_assert_eq(sh(PEERS " stop %s", t), 0);
	cr_expect_eq(count(), 2, "%s: wrong number of opens", t);
}

Test(peers, fatrace_sees_cat, .init = setup, .fini = teardown)
{
	cats_are_counted("fatrace");
}

Test(peers, auditd_sees_cat, .init = setup, .fini = teardown)
{
	cats_are_counted("auditd");
}

Test(peers, bad_usage_exits_2, .init = setup, .fini = teardown)
{
	cr_expect_eq(
		sh(PEERS " start nosuchtool %s %s 2>/dev/null", token, out), 2);
	cr_expect_eq(sh(PEERS " count fatrace 2>/dev/null"), 2);
	cr_expect_eq(sh(PEERS " frobnicate fatrace 2>/dev/null"), 2);
}

Test(peers, missing_token_fails, .init = setup, .fini = teardown)
{
	cr_expect_eq(
		sh(PEERS " start fatrace %s/nope %s 2>/dev/null", dir, out), 1);
}
