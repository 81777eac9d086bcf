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

Test(atomic_dir, ts_name_format)
{
	char ts[BS_ATOMIC_TS_LEN];

	/* 2026-12-01 13:55:48 UTC */
	cr_assert_eq(bs_atomic_ts_name(1796133348, 4294967295u, ts, sizeof(ts)),
		     0);
	cr_assert_str_eq(ts, "..2026_12_01_13_55_48.4294967295");
	cr_assert(bs_atomic_ts_valid(ts));
	cr_assert(bs_atomic_ts_valid("..2026_12_01_13_55_48.7"));
	cr_assert_not(bs_atomic_ts_valid("..2026_12_01_13_55_48."));
	cr_assert_not(bs_atomic_ts_valid("..2026_12_01_13_55_48.12345678901"));
	cr_assert_not(bs_atomic_ts_valid("..2026-12-01_13_55_48.1"));
	cr_assert_not(bs_atomic_ts_valid("/etc"));
	cr_assert_not(bs_atomic_ts_valid("..data"));
	cr_assert_eq(bs_atomic_ts_name(0, 1, ts, 10), -ENAMETOOLONG);
}

Test(atomic_dir, names)
{
	cr_assert(bs_atomic_name_valid("token"));
	cr_assert(bs_atomic_name_valid(".hidden"));
	cr_assert_not(bs_atomic_name_valid("..data"));
	cr_assert_not(bs_atomic_name_valid(".."));
	cr_assert_not(bs_atomic_name_valid("."));
	cr_assert_not(bs_atomic_name_valid("a/b"));
	cr_assert_not(bs_atomic_name_valid(""));
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
	ssize_t n;
	int fd;

	umask(077); /* the modes must not depend on it */
	cr_assert_eq(bs_atomic_write(dfd, f, 2, ts, sizeof(ts)), 0);
	umask(022);
	cr_assert(bs_atomic_ts_valid(ts), "%s", ts);
	n = readlinkat(dfd, "..data", link, sizeof(link) - 1);
	cr_assert_gt(n, 0);
	link[n] = '\0';
	cr_assert_str_eq(link, ts);
	n = readlinkat(dfd, "token", link, sizeof(link) - 1);
	cr_assert_gt(n, 0);
	link[n] = '\0';
	cr_assert_str_eq(link, "..data/token");
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
