// SPDX-License-Identifier: Apache-2.0
/* tmpfs made ahead: each take is a new, empty, fresh tmpfs (real mounts). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "strategies/tmpfs_pool.h"

static void need_root(void)
{
	if (geteuid() != 0)
		cr_skip_test("needs root to mount");
}

/* Entries of the tmpfs root fd but . and .. */
static int entries(int fd)
{
	DIR *d = fdopendir(dup(fd));
	struct dirent *de;
	int n = 0;

	cr_assert(d);
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

/* Seconds since the root of fd was made (its birth time). */
static double age_s(int fd)
{
	struct statx stx;
	struct timespec now;

	cr_assert_eq(statx(fd, "", AT_EMPTY_PATH, STATX_BTIME, &stx), 0);
	cr_assert(stx.stx_mask & STATX_BTIME, "tmpfs without birth time");
	clock_gettime(CLOCK_REALTIME, &now);
	return (double)(now.tv_sec - stx.stx_btime.tv_sec) +
	       (now.tv_nsec - (long)stx.stx_btime.tv_nsec) / 1e9;
}

Test(tmpfs_pool, every_take_is_a_new_empty_tmpfs)
{
	struct bs_tmpfs_pool *p;
	dev_t devs[10];
	int fds[10];

	need_root();
	p = bs_tmpfs_pool_new("1048576", 4);
	cr_assert(p);
	for (int i = 0; i < 10; i++) {
		struct statfs sf;
		struct stat st;
		int fd = bs_tmpfs_pool_take(p), f;

		cr_assert_geq(fd, 0, "take %d: %s", i, strerror(-fd));
		cr_assert_eq(fstatfs(fd, &sf), 0);
		cr_assert_eq(sf.f_type, TMPFS_MAGIC);
		cr_assert_eq(sf.f_blocks * sf.f_bsize, 1048576);
		cr_assert_eq(entries(fd), 0, "take %d not empty", i);
		cr_assert_eq(fstat(fd, &st), 0);
		for (int k = 0; k < i; k++)
			cr_assert_neq(devs[k], st.st_dev,
				      "takes %d and %d share "
				      "a tmpfs",
				      k, i);
		devs[i] = st.st_dev;
		/* written, as the fill does: the next take must not see it */
		f = openat(fd, "x", O_WRONLY | O_CREAT | O_EXCL, 0644);
		cr_assert_geq(f, 0);
		close(f);
		/* held: a closed tmpfs's device number is handed out again */
		fds[i] = fd;
		if (i % 3 == 0)
			usleep(20000); /* let the thread refill */
	}
	for (int i = 0; i < 10; i++)
		close(fds[i]);
	bs_tmpfs_pool_free(p);
}

/* After a quiet spell the pool's instances are too old to hand out. */
Test(tmpfs_pool, never_hands_out_a_stale_one)
{
	struct bs_tmpfs_pool *p;
	int fd;

	need_root();
	p = bs_tmpfs_pool_new(NULL, 4);
	cr_assert(p);
	fd = bs_tmpfs_pool_take(p); /* starts the thread, which refills */
	cr_assert_geq(fd, 0);
	close(fd);
	usleep((BS_TMPFS_POOL_AGE_MS + 300) * 1000);
	fd = bs_tmpfs_pool_take(p);
	cr_assert_geq(fd, 0);
	cr_assert_lt(age_s(fd), BS_TMPFS_POOL_AGE_MS / 1000.0,
		     "root made %.2f s ago", age_s(fd));
	close(fd);
	bs_tmpfs_pool_free(p);
}

/* The thread renews what it holds before it goes stale: a take after a
 * quiet spell longer than the age limit is still served from the pool. */
Test(tmpfs_pool, stays_fresh_while_idle)
{
	struct bs_tmpfs_pool *p;
	uint64_t hits, misses;
	int fd;

	need_root();
	p = bs_tmpfs_pool_new(NULL, 4);
	cr_assert(p);
	fd = bs_tmpfs_pool_take(p); /* starts the thread: a miss */
	cr_assert_geq(fd, 0);
	close(fd);
	usleep((2 * BS_TMPFS_POOL_AGE_MS + 500) * 1000);
	fd = bs_tmpfs_pool_take(p);
	cr_assert_geq(fd, 0);
	cr_expect_lt(age_s(fd), BS_TMPFS_POOL_AGE_MS / 1000.0,
		     "root made %.2f s ago", age_s(fd));
	close(fd);
	bs_tmpfs_pool_counts(p, &hits, &misses);
	cr_expect_eq(hits, 1, "the take after %d ms idle was made on the spot",
		     2 * BS_TMPFS_POOL_AGE_MS + 500);
	cr_expect_eq(misses, 1);
	bs_tmpfs_pool_free(p);
}
