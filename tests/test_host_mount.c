// SPDX-License-Identifier: Apache-2.0
/* The mounter: attach/detach in the caller's own mount namespace, and in
 * another one through its namespace thread (real mounts, real setns). */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/fs.h"
#include "strategies/host_mount.h"
#include "tests/support/child.h"

static char dir[64];
static pid_t node = -1; /* a process in a mount namespace of its own */
static int node_pipe[2] = { -1, -1 };

static void setup(void)
{
	if (geteuid() != 0)
		cr_skip_test("needs root to mount");
	snprintf(dir, sizeof(dir), "/tmp/bs-hostmnt-XXXXXX");
	cr_assert(mkdtemp(dir));
}

static void teardown(void)
{
	if (node > 0) {
		close(node_pipe[1]);
		waitpid(node, NULL, 0);
		node = -1;
	}
	if (dir[0]) {
		umount2(dir, MNT_DETACH);
		bs_rm_rf(dir);
	}
}

/* tmpfs mounts at path in pid's mount namespace. */
static int mounts_at(pid_t pid, const char *path)
{
	char p[64], line[4096], mp[2048], fstype[64];
	FILE *f;
	int n = 0;

	snprintf(p, sizeof(p), "/proc/%d/mountinfo", (int)pid);
	f = fopen(p, "re");
	cr_assert(f, "%s", p);
	while (fgets(line, sizeof(line), f)) {
		const char *sep = strstr(line, " - ");

		if (sep && sscanf(line, "%*s %*s %*s %*s %2047s", mp) == 1 &&
		    sscanf(sep, " - %63s", fstype) == 1 && !strcmp(mp, path) &&
		    !strcmp(fstype, "tmpfs"))
			n++;
	}
	fclose(f);
	return n;
}

/* A child in a private copy of our mount namespace, alive until teardown
 * closes its pipe. */
static void start_node(void)
{
	int ready[2];
	char c;

	/* the node reads node_pipe, writes ready */
	node = bs_test_fork_pipes(node_pipe, 0, ready, 1);
	if (node == 0) {
		if (unshare(CLONE_NEWNS) ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
			_exit(1);
		c = 'y';
		if (write(ready[1], &c, 1) != 1)
			_exit(1);
		while (read(node_pipe[0], &c, 1) > 0)
			;
		_exit(0);
	}
	cr_assert_eq(read(ready[0], &c, 1), 1, "node child failed");
	close(ready[0]);
}

static void attach_one(struct bs_mounter *m)
{
	int mfd = bs_tmpfs_make(NULL);

	cr_assert_geq(mfd, 0, "tmpfs: %s", strerror(-mfd));
	cr_assert_eq(bs_mounter_attach(m, mfd, dir), 0);
	close(mfd);
}

Test(host_mount, own_namespace_direct, .init = setup, .fini = teardown)
{
	struct bs_mounter *m;

	cr_assert_eq(bs_mounter_new(getpid(), &m), 0);
	cr_assert(bs_mounter_direct(m));
	attach_one(m);
	cr_assert_eq(mounts_at(getpid(), dir), 1);
	cr_assert_eq(bs_mounter_detach(m, dir), 0);
	cr_assert_eq(mounts_at(getpid(), dir), 0);
	/* nothing mounted there any more */
	cr_assert_eq(bs_mounter_detach(m, dir), -EINVAL);
	cr_assert_eq(bs_mounter_detach(m, "relative"), -EINVAL);
	bs_mounter_free(m);
}

/* The node's namespace is not ours: the mount lands in the node's only,
 * and the calling thread stays where it was. */
Test(host_mount, other_namespace_through_thread, .init = setup,
     .fini = teardown)
{
	struct stat before, after;
	struct bs_mounter *m;

	start_node();
	cr_assert_eq(stat("/proc/thread-self/ns/mnt", &before), 0);
	cr_assert_eq(bs_mounter_new(node, &m), 0);
	cr_assert_not(bs_mounter_direct(m));
	for (int i = 0; i < 3; i++) {
		attach_one(m);
		cr_assert_eq(mounts_at(node, dir), 1, "round %d", i);
		cr_assert_eq(mounts_at(getpid(), dir), 0, "round %d", i);
		cr_assert_eq(bs_mounter_detach(m, dir), 0);
		cr_assert_eq(mounts_at(node, dir), 0, "round %d", i);
	}
	cr_assert_eq(bs_mounter_detach(m, dir), -EINVAL);
	cr_assert_eq(stat("/proc/thread-self/ns/mnt", &after), 0);
	cr_assert_eq(before.st_ino, after.st_ino, "caller changed namespace");
	bs_mounter_free(m);
}

Test(host_mount, no_such_namespace, .init = setup, .fini = teardown)
{
	struct bs_mounter *m = (struct bs_mounter *)1;

	cr_assert_lt(bs_mounter_new(999999999, &m), 0);
	cr_assert_null(m);
	cr_assert_eq(bs_mounter_attach(NULL, 0, dir), -EINVAL);
}
