// SPDX-License-Identifier: Apache-2.0
/* Mounts in the node's mount namespace (see host_mount.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "strategies/host_mount.h"
#include "strategies/token.h"

enum ns_op { NS_NONE, NS_ATTACH, NS_DETACH, NS_STOP };

struct bs_mounter {
	int nsfd;
	bool direct;
	/* thread mode */
	pthread_mutex_t call; /* one call at a time */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	bool started;
	int init_err;  /* the thread could not enter the namespace */
	enum ns_op op; /* NS_NONE: no request pending */
	int mfd;
	const char *path;
	int ret;
	bool done;
};

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

/* The syscall itself, in whatever namespace the caller is. */
static int do_op(enum ns_op op, int mfd, const char *path)
{
	long r;

	if (op == NS_ATTACH)
		r = syscall(SYS_move_mount, mfd, "", AT_FDCWD, path,
			    MOVE_MOUNT_F_EMPTY_PATH);
	else
		r = umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW);
	return r ? -errno : 0;
}

/* The namespace thread: its own fs_struct (setns of a mount namespace
 * needs one), then the node's namespace for the rest of its life. */
static void *ns_thread(void *arg)
{
	struct bs_mounter *m = arg;
	int err = 0;

	if (unshare(CLONE_FS) || setns(m->nsfd, CLONE_NEWNS))
		err = -errno;
	pthread_mutex_lock(&m->mu);
	m->init_err = err;
	m->ret = err;
	m->done = true;
	pthread_cond_broadcast(&m->cv);
	while (!err) {
		while (m->op == NS_NONE)
			pthread_cond_wait(&m->cv, &m->mu);
		if (m->op == NS_STOP)
			break;
		m->ret = do_op(m->op, m->mfd, m->path);
		m->op = NS_NONE;
		m->done = true;
		pthread_cond_broadcast(&m->cv);
	}
	pthread_mutex_unlock(&m->mu);
	return NULL;
}

/* Hands the thread a request (NS_STOP: to end). */
static void hand_over(struct bs_mounter *m, enum ns_op op, int mfd,
		      const char *path)
{
	pthread_mutex_lock(&m->mu);
	m->op = op;
	m->mfd = mfd;
	m->path = path;
	m->done = false;
	pthread_cond_broadcast(&m->cv);
	pthread_mutex_unlock(&m->mu);
}

/* Waits until the thread is done with its start or a request: its result. */
static int wait_done(struct bs_mounter *m)
{
	int ret;

	pthread_mutex_lock(&m->mu);
	while (!m->done)
		pthread_cond_wait(&m->cv, &m->mu);
	ret = m->ret;
	pthread_mutex_unlock(&m->mu);
	return ret;
}

/* Start the thread with every signal blocked (the agent's handlers run
 * elsewhere).  Called with m->call held. */
static int start_thread(struct bs_mounter *m)
{
	sigset_t all, old;
	int err;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	m->done = false;
	err = -pthread_create(&m->thread, NULL, ns_thread, m);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		return err;
	m->started = true;
	err = wait_done(m);
	if (err) {
		pthread_join(m->thread, NULL);
		m->started = false;
	}
	return err;
}

static int in_thread(struct bs_mounter *m, enum ns_op op, int mfd,
		     const char *path)
{
	int err = 0;

	pthread_mutex_lock(&m->call);
	if (!m->started && !m->init_err)
		err = start_thread(m);
	else if (m->init_err)
		err = m->init_err;
	if (!err) {
		hand_over(m, op, mfd, path);
		err = wait_done(m);
	}
	pthread_mutex_unlock(&m->call);
	return err;
}

static int run(struct bs_mounter *m, enum ns_op op, int mfd, const char *path)
{
	if (!m || !path || path[0] != '/')
		return -EINVAL;
	return m->direct ? do_op(op, mfd, path) : in_thread(m, op, mfd, path);
}

/* The namespace of nsfd is the calling process's own. */
static bool same_ns(int nsfd)
{
	struct stat a, b;

	return !fstat(nsfd, &a) && !stat("/proc/self/ns/mnt", &b) &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int bs_mounter_new(pid_t pid, struct bs_mounter **out)
{
	struct bs_mounter *m;
	int fd = bs_hostns_open(pid);

	*out = NULL;
	if (fd < 0)
		return fd;
	m = calloc(1, sizeof(*m));
	if (!m) {
		close(fd);
		return -ENOMEM;
	}
	m->nsfd = fd;
	m->direct = same_ns(fd);
	pthread_mutex_init(&m->call, NULL);
	pthread_mutex_init(&m->mu, NULL);
	pthread_cond_init(&m->cv, NULL);
	*out = m;
	return 0;
}

void bs_mounter_free(struct bs_mounter *m)
{
	if (!m)
		return;
	if (m->started) {
		hand_over(m, NS_STOP, -1, NULL);
		pthread_join(m->thread, NULL);
	}
	pthread_cond_destroy(&m->cv);
	pthread_mutex_destroy(&m->mu);
	pthread_mutex_destroy(&m->call);
	close(m->nsfd);
	free(m);
}

bool bs_mounter_direct(const struct bs_mounter *m)
{
	return m && m->direct;
}

int bs_mounter_attach(struct bs_mounter *m, int mfd, const char *path)
{
	if (mfd < 0)
		return -EINVAL;
	return run(m, NS_ATTACH, mfd, path);
}

int bs_mounter_detach(struct bs_mounter *m, const char *path)
{
	return run(m, NS_DETACH, -1, path);
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
