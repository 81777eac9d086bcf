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

#define PEERS	      "harness/peers.sh"
#define BS_PEER_CALLS 256 /* "start\nstop\n" x 10 and a NUL */

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

/* detect-bench --peer through a wrapper that logs each call and runs the
 * real script: the tool must be started and stopped block by block, left
 * stopped, and the non-token rows printed. */
Test(peers, detect_bench_toggles_the_peer, .init = setup, .fini = teardown,
     .timeout = 180)
{
	const char *b = getenv("BUILD");
	char wrap[160], calls[160], cmd[768], buf[4096], cwd[256];
	char want[BS_PEER_CALLS] = "";
	size_t n;
	FILE *p;

	start_or_skip("fatrace"); /* skips where fatrace cannot run */
	cr_assert_eq(sh(PEERS " stop fatrace"), 0);
	tool = NULL;
	cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
	snprintf(wrap, sizeof(wrap), "%s/wrap.sh", dir);
	snprintf(calls, sizeof(calls), "%s/calls", dir);
	cr_assert_eq(sh("printf '#!/bin/sh\\necho \"$1\" >>%s\\nexec %s/" PEERS
			" \"$@\"\\n' >%s && chmod +x %s",
			calls, cwd, wrap, wrap),
		     0);
	snprintf(cmd, sizeof(cmd),
		 "%s/detect-bench --peer fatrace --peer-script %s --iters 200",
		 b ? b : "build", wrap);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = '\0';
	cr_assert_eq(pclose(p), 0, "%s failed:\n%s", cmd, buf);
	cr_expect(strstr(buf, "# peer=fatrace\n"), "%s", buf);
	cr_expect(strstr(buf, "\nopen_close_ns,ns,200,"), "%s", buf);
	cr_expect(strstr(buf, "\npread_4k_ns,ns,200,"), "%s", buf);
	/* 10 "on" blocks: start, stop, ... and stopped at the end */
	for (int i = 0; i < 10; i++)
		strcat(want, "start\nstop\n");
	p = fopen(calls, "r");
	cr_assert_not_null(p);
	n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = '\0';
	fclose(p);
	cr_expect_str_eq(buf, want);
	cr_expect_neq(sh("test -e \"$BS_PEERS_STATE/fatrace.pid\""), 0,
		      "fatrace left running");
}
