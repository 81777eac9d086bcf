// SPDX-License-Identifier: Apache-2.0
/* Mounts in the node's mount namespace (see host_mount.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "strategies/host_mount.h"
#include "strategies/token.h"

int bs_hostns_open(pid_t pid)
{
	char p[64];
	int fd;

	snprintf(p, sizeof(p), "/proc/%d/ns/mnt", pid ? (int)pid : BS_NODE_PID);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int bs_tmpfs_make(const char *size)
{
	int fs, mfd, err = 0;

	fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -errno;
	if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "source", "tmpfs",
		    0) ||
	    (size &&
	     syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "size", size, 0)) ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0))
		err = -errno;
	/* no nosuid/nodev/noexec: a kubelet tmpfs has none, and the bind
	 * into the container copies the flags */
	mfd = err ? -1 : (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
	if (!err && mfd < 0)
		err = -errno;
	close(fs);
	return err ? err : mfd;
}

enum ns_op { NS_ATTACH, NS_DETACH };

struct ns_job {
	int nsfd;
	enum ns_op op;
	int mfd;
	const char *path;
};

/* The child: only syscalls, then its errno as the exit status. */
static int ns_child(void *arg)
{
	const struct ns_job *j = arg;
	long r = syscall(SYS_setns, j->nsfd, CLONE_NEWNS);

	if (!r && j->op == NS_ATTACH)
		r = syscall(SYS_move_mount, j->mfd, "", AT_FDCWD, j->path,
			    MOVE_MOUNT_F_EMPTY_PATH);
	else if (!r)
		r = syscall(SYS_umount2, j->path, MNT_DETACH | UMOUNT_NOFOLLOW);
	return r ? (errno > 0 && errno < 256 ? errno : EIO) : 0;
}

/* Run op in the mount namespace nsfd in a child sharing our memory on a
 * stack of its own while we wait (CLONE_VM | CLONE_VFORK: what
 * posix_spawn does; no copy of the agent's page tables).  setns() of a
 * mount namespace needs an fs_struct of its own, which it has. */
static int in_ns(int nsfd, enum ns_op op, int mfd, const char *path)
{
	_Alignas(16) char stack[16384];
	struct ns_job j = { nsfd, op, mfd, path };
	int st = 0;
	pid_t pid;

	pid = clone(ns_child, stack + sizeof(stack),
		    CLONE_VM | CLONE_VFORK | SIGCHLD, &j);
	if (pid < 0)
		return -errno;
	while (waitpid(pid, &st, __WALL) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFEXITED(st))
		return -EIO;
	return -WEXITSTATUS(st);
}

int bs_hostns_attach(int nsfd, int mfd, const char *path)
{
	if (nsfd < 0 || mfd < 0 || !path || path[0] != '/')
		return -EINVAL;
	return in_ns(nsfd, NS_ATTACH, mfd, path);
}

int bs_hostns_detach(int nsfd, const char *path)
{
	if (nsfd < 0 || !path || path[0] != '/')
		return -EINVAL;
	return in_ns(nsfd, NS_DETACH, -1, path);
}

int bs_hostns_open_dir(pid_t pid, const char *path)
{
	char p[BS_PATH_LEN + 32];
	int n, fd;

	n = snprintf(p, sizeof(p), "/proc/%d/root%s",
		     pid ? (int)pid : BS_NODE_PID, path);
	if (n < 0 || (size_t)n >= sizeof(p))
		return -ENAMETOOLONG;
	fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}
