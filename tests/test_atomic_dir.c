// SPDX-License-Identifier: Apache-2.0
/* The kubelet AtomicWriter layout (strategies/atomic_dir.c). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/runtime/runc.h"
#include "lib/fs.h"
#include "strategies/atomic_dir.h"

static char dir[64];
static int dfd = -1;

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/bs-atomic-XXXXXX");
	cr_assert(mkdtemp(dir));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(dfd, 0);
}

static void teardown(void)
{
	if (dfd >= 0)
		close(dfd);
	bs_rm_rf(dir);
}

/* valid() says want for each name of the NULL-terminated list. */
static void expect_valid(bool (*valid)(const char *), bool want,
			 const char *const *names)
{
	for (; *names; names++)
		cr_assert_eq(valid(*names), want, "%s: want %s", *names,
			     want ? "valid" : "refused");
}

Test(atomic_dir, ts_name_format)
{
	static const char *const good[] = { "..2026_12_01_13_55_48.7", NULL };
	static const char *const bad[] = { "..2026_12_01_13_55_48.",
					   "..2026_12_01_13_55_48.12345678901",
					   "..2026-12-01_13_55_48.1",
					   "/etc",
					   "..data",
					   NULL };
	char ts[BS_ATOMIC_TS_LEN];

	/* 2026-12-01 13:55:48 UTC */
	cr_assert_eq(bs_atomic_ts_name(1796133348, 4294967295u, ts, sizeof(ts)),
		     0);
	cr_assert_str_eq(ts, "..2026_12_01_13_55_48.4294967295");
	cr_assert(bs_atomic_ts_valid(ts));
	expect_valid(bs_atomic_ts_valid, true, good);
	expect_valid(bs_atomic_ts_valid, false, bad);
	cr_assert_eq(bs_atomic_ts_name(0, 1, ts, 10), -ENAMETOOLONG);
}

Test(atomic_dir, names)
{
	static const char *const good[] = { "token", ".hidden", NULL };
	static const char *const bad[] = {
		"..data", "..", ".", "a/b", "", NULL
	};

	expect_valid(bs_atomic_name_valid, true, good);
	expect_valid(bs_atomic_name_valid, false, bad);
}

/* name in the test dir is a symlink to target. */
static void expect_link(const char *name, const char *target)
{
	char link[300];
	ssize_t n = readlinkat(dfd, name, link, sizeof(link) - 1);

	cr_assert_gt(n, 0, "%s: no link", name);
	link[n] = '\0';
	cr_assert_str_eq(link, target);
}

Test(atomic_dir, layout, .init = setup, .fini = teardown)
{
	struct bs_atomic_file f[2] = {
		{ .name = "token",
		  .content = (const uint8_t *)"abc",
		  .len = 3 },
		{ .name = "namespace",
		  .content = (const uint8_t *)"prod",
		  .len = 4 },
	};
	char ts[BS_ATOMIC_TS_LEN], link[300], p[300];
	struct stat st;
	int fd;

	umask(077); /* the modes must not depend on it */
	cr_assert_eq(bs_atomic_write(dfd, f, 2, ts, sizeof(ts)), 0);
	umask(022);
	cr_assert(bs_atomic_ts_valid(ts), "%s", ts);
	expect_link("..data", ts);
	expect_link("token", "..data/token");
	cr_assert_eq(fstatat(dfd, ts, &st, AT_SYMLINK_NOFOLLOW), 0);
	cr_assert(S_ISDIR(st.st_mode));
	cr_assert_eq(st.st_mode & 07777, 0755);
	snprintf(p, sizeof(p), "%s/token", ts);
	cr_assert_eq(fstatat(dfd, p, &st, AT_SYMLINK_NOFOLLOW), 0);
	cr_assert(S_ISREG(st.st_mode));
	cr_assert_eq(st.st_mode & 07777, 0644);
	cr_assert_eq(st.st_ino, f[0].st.st_ino,
		     "recorded inode is not the file");
	/* the visible name resolves to the recorded inode */
	cr_assert_eq(fstatat(dfd, "token", &st, 0), 0);
	cr_assert_eq(st.st_ino, f[0].st.st_ino);
	fd = bs_atomic_open(dfd, "namespace", NULL, 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(read(fd, link, sizeof(link)), 4);
	cr_assert_eq(memcmp(link, "prod", 4), 0);
	close(fd);
	/* an existing layout is never replaced */
	cr_assert_lt(bs_atomic_write(dfd, f, 1, NULL, 0), 0);
	cr_assert_eq(bs_atomic_write(dfd,
				     &(struct bs_atomic_file){ .name = "..x" },
				     1, NULL, 0),
		     -EINVAL);
}

/* Links not the layout's own are refused, never followed. */
Test(atomic_dir, open_refuses_foreign_links, .init = setup, .fini = teardown)
{
	cr_assert_eq(symlinkat("/etc/passwd", dfd, "token"), 0);
	cr_assert_eq(bs_atomic_open(dfd, "token", NULL, 0), -EINVAL);
	cr_assert_eq(unlinkat(dfd, "token", 0), 0);
	cr_assert_eq(symlinkat("..data/token", dfd, "token"), 0);
	cr_assert_eq(symlinkat("/etc", dfd, "..data"), 0);
	cr_assert_eq(bs_atomic_open(dfd, "token", NULL, 0), -EINVAL);
	cr_assert_eq(unlinkat(dfd, "..data", 0), 0);
	cr_assert_eq(symlinkat("..2026_12_01_13_55_48.1", dfd, "..data"), 0);
	cr_assert_eq(symlinkat("/etc", dfd, "..2026_12_01_13_55_48.1"), 0);
	cr_assert_lt(bs_atomic_open(dfd, "token", NULL, 0), 0);
	cr_assert_eq(bs_atomic_open(dfd, "missing", NULL, 0), -ENOENT);
}
