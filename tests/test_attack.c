// SPDX-License-Identifier: Apache-2.0
/*
 * beesting-attack against real files on the host: every method must hand back
 * exactly the token bytes (--print), failed operations must exit 1 with a
 * message, usage errors 2.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/child.h"

#define OUT_CAP (1u << 20)
/* Crosses the tool's 64 KiB chunk so loops are exercised. */
#define TOKEN_LEN 70001

static char tool[PATH_MAX];
static char dir[64];
static char token[PATH_MAX];
static char other[PATH_MAX];
static unsigned char content[TOKEN_LEN];

struct run {
	int status; /* exit code, or 128 + signal */
	char *out;
	size_t out_len;
	char err[4096];
};

static void write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	cr_assert_geq(fd, 0, "create %s: %s", path, strerror(errno));
	cr_assert_eq(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

static void setup(void)
{
	const char *b = getenv("BUILD");
	struct stat st;

	snprintf(tool, sizeof(tool), "%s/beesting-attack",
		 b && *b ? b : "build");
	if (stat(tool, &st) || !(st.st_mode & S_IXUSR))
		cr_skip_test("%s not built (make BUILD=... all)", tool);
	snprintf(dir, sizeof(dir), "/tmp/bs-attack-test-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	mkdir(strcat(strcpy(token, dir), "/sub"), 0700);
	strcat(token, "/token");
	snprintf(other, sizeof(other), "%s/other", dir);
	/* binary, with NULs, not periodic at 64 KiB */
	for (size_t i = 0; i < TOKEN_LEN; i++)
		content[i] = (unsigned char)((i * 2654435761u) >> 13);
	write_file(token, content, TOKEN_LEN);
	write_file(other, "decoy\n", 6);
	/* hardlink/symlink targets on the same file system as the token */
	setenv("TMPDIR", dir, 1);
}

static void teardown(void)
{
	char cmd[PATH_MAX + 16];

	if (!dir[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", dir);
}

static void drain(int fd, char *buf, size_t cap, size_t *len)
{
	ssize_t n;

	*len = 0;
	while ((n = read(fd, buf + *len, cap - *len)) > 0) {
		*len += (size_t)n;
		if (*len == cap)
			break;
	}
}

/* Run the tool with argv (NULL-terminated, tool path prepended). */
static void run_tool(const char *const *args, struct run *r)
{
	int out[2], err[2], st;
	const char *argv[16];
	size_t n = 0, elen;
	pid_t pid;

	argv[n++] = tool;
	for (; *args && n < 15; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	pid = bs_test_fork_pipes(out, 1, err, 1);
	if (pid == 0) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		execv(tool, (char *const *)argv);
		_exit(127);
	}
	r->out = malloc(OUT_CAP);
	cr_assert_not_null(r->out);
	/* stderr is small; stdout may be big: read stdout first */
	drain(out[0], r->out, OUT_CAP, &r->out_len);
	drain(err[0], r->err, sizeof(r->err) - 1, &elen);
	r->err[elen] = '\0';
	close(out[0]);
	close(err[0]);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void expect_token_bytes(const char *method, const struct run *r)
{
	cr_expect_eq(r->status, 0, "%s exited %d: %s", method, r->status,
		     r->err);
	cr_expect_eq(r->out_len, (size_t)TOKEN_LEN, "%s read %zu bytes", method,
		     r->out_len);
	if (r->out_len == TOKEN_LEN)
		cr_expect(memcmp(r->out, content, TOKEN_LEN) == 0,
			  "%s returned other bytes than the token", method);
}

struct reader {
	char name[24];
};

/* Every method that must return the token's bytes. */
static struct reader readers[] = {
	{ "cat" },
	{ "relpath" },
	{ "symlink" },
	{ "procroot" },
	{ "inherited_fd" },
	{ "openat2" },
	{ "hardlink" },
	{ "rename_read" },
	{ "mmap" },
	{ "sendfile" },
	{ "splice" },
	{ "copy_file_range" },
	{ "readv" },
	{ "pread" },
	{ "io_uring" },
	{ "onebyte" },
	{ "host_bind_source" },
};

ParameterizedTestParameters(attack, reads_token)
{
	return cr_make_param_array(struct reader, readers,
				   sizeof(readers) / sizeof(readers[0]));
}

ParameterizedTest(struct reader *m, attack, reads_token, .init = setup,
		  .fini = teardown)
{
	const char *args[] = { m->name, token, "--print", NULL };
	struct run r;

	run_tool(args, &r);
	expect_token_bytes(m->name, &r);
	free(r.out);
}

Test(attack, rename_read_puts_token_back, .init = setup, .fini = teardown)
{
	const char *args[] = { "rename_read", token, NULL };
	char moved[PATH_MAX + 16];
	struct run r;
	struct stat st;

	run_tool(args, &r);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_eq(stat(token, &st), 0, "token gone after rename_read");
	snprintf(moved, sizeof(moved), "%s.bs-moved", token);
	cr_expect_neq(stat(moved, &st), 0, "moved name left behind");
	free(r.out);
}

Test(attack, summary_without_print, .init = setup, .fini = teardown)
{
	const char *args[] = { "inherited_fd", token, NULL };
	char want[64];
	struct run r;

	run_tool(args, &r);
	snprintf(want, sizeof(want), "ok inherited_fd %d\n", TOKEN_LEN);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect_eq(r.out_len, strlen(want));
	cr_expect(r.out_len == strlen(want) &&
			  memcmp(r.out, want, r.out_len) == 0,
		  "got '%.*s'", (int)r.out_len, r.out);
	free(r.out);
}

static void expect_line(const char *const *args, const char *want)
{
	struct run r;

	run_tool(args, &r);
	cr_expect_eq(r.status, 0, "%s exited %d: %s", args[0], r.status, r.err);
	cr_expect(r.out_len == strlen(want) &&
			  memcmp(r.out, want, r.out_len) == 0,
		  "%s printed '%.*s', want '%s'", args[0], (int)r.out_len,
		  r.out, want);
	free(r.out);
}

Test(attack, negatives_do_not_read_token, .init = setup, .fini = teardown)
{
	const char *st[] = { "stat", token, "--print", NULL };
	const char *ls[] = { "ls", token, "--print", NULL };
	const char *ac[] = { "access", token, "--print", NULL };
	const char *ot[] = {
		"other", token, "--other", other, "--print", NULL
	};
	char want[PATH_MAX + 32];

	snprintf(want, sizeof(want), "%s %d\n", token, TOKEN_LEN);
	expect_line(st, want);
	snprintf(want, sizeof(want), "token %d\n", TOKEN_LEN);
	expect_line(ls, want);
	snprintf(want, sizeof(want), "%s readable\n", token);
	expect_line(ac, want);
	expect_line(ot, "decoy\n");
}

Test(attack, missing_token_is_failed_op, .init = setup, .fini = teardown)
{
	static const char *const methods[] = {
		"cat", "openat2", "io_uring",	  "mmap", "stat",
		"ls",  "access",  "inherited_fd", NULL
	};
	char missing[PATH_MAX + 16];

	snprintf(missing, sizeof(missing), "%s/nope", dir);
	for (const char *const *m = methods; *m; m++) {
		const char *args[] = { *m, missing, NULL };
		struct run r;

		run_tool(args, &r);
		cr_expect_eq(r.status, 1, "%s on a missing file exited %d", *m,
			     r.status);
		cr_expect_not_null(strstr(r.err, "No such file"),
				   "%s stderr: %s", *m, r.err);
		free(r.out);
	}
}

/* A hard link onto another file system cannot exist: EXDEV, op failed. */
Test(attack, hardlink_across_fs_fails, .init = setup, .fini = teardown)
{
	const char *args[] = { "hardlink", token, NULL };
	struct stat a, b;
	struct run r;

	if (stat("/dev/shm", &b) || stat(token, &a) || a.st_dev == b.st_dev)
		cr_skip_test("no /dev/shm on another file system");
	setenv("TMPDIR", "/dev/shm", 1);
	run_tool(args, &r);
	cr_expect_eq(r.status, 1, "exit %d", r.status);
	cr_expect_not_null(strstr(r.err, "link"), "stderr: %s", r.err);
	free(r.out);
}

Test(attack, list_is_complete, .init = setup, .fini = teardown)
{
	static const char *const negatives[] = { "stat", "ls", "access",
						 "other" };
	const char *args[] = { "--list", NULL };
	size_t lines = 0, seen = 0;
	struct run r;
	char *save, *line;

	run_tool(args, &r);
	cr_assert_eq(r.status, 0);
	r.out[r.out_len < OUT_CAP ? r.out_len : OUT_CAP - 1] = '\0';
	for (line = strtok_r(r.out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[64], expect[16];
		int desc = 0;

		lines++;
		cr_expect_eq(sscanf(line, "%63s %15s %n", name, expect, &desc),
			     2, "bad line '%s'", line);
		cr_expect(desc > 0 && line[desc], "no description: '%s'", line);
		cr_expect(!strcmp(expect, "alert") || !strcmp(expect, "none"),
			  "bad expectation in '%s'", line);
		for (size_t i = 0; i < sizeof(readers) / sizeof(readers[0]);
		     i++)
			if (!strcmp(name, readers[i].name)) {
				seen++;
				cr_expect_str_eq(expect, "alert", "%s", name);
			}
		for (size_t i = 0; i < 4; i++)
			if (!strcmp(name, negatives[i])) {
				seen++;
				cr_expect_str_eq(expect, "none", "%s", name);
			}
	}
	cr_expect_eq(seen, sizeof(readers) / sizeof(readers[0]) + 4);
	cr_expect_eq(lines, seen, "unexpected methods listed");
	free(r.out);
}

Test(attack, usage_errors_exit_2, .init = setup, .fini = teardown)
{
	const char *unknown[] = { "no_such_method", token, NULL };
	const char *nopath[] = { "cat", NULL };
	const char *noother[] = { "other", token, NULL };
	const char *badfd[] = { "inherited_fd", token, "--fd", "x", NULL };
	const char *const *cases[] = { unknown, nopath, noother, badfd };

	for (size_t i = 0; i < 4; i++) {
		struct run r;

		run_tool(cases[i], &r);
		cr_expect_eq(r.status, 2, "case %zu exited %d", i, r.status);
		cr_expect_not_null(strstr(r.err, "usage:"), "case %zu: %s", i,
				   r.err);
		cr_expect_eq(r.out_len, 0);
		free(r.out);
	}
}
