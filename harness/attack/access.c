// SPDX-License-Identifier: Apache-2.0
/*
 * The accesses of the method table (access.h): one function per method,
 * shared by beesting-attack and the detection suite.  Statically linked
 * into both, so raw syscalls (io_uring, openat2) and libc only.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/io_uring.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/attack/access.h"

#define CHUNK 65536
/* Tokens are small; never pull more than this through any method. */
#define READ_CAP (16u << 20)

/* Note the first failed operation; returns -errno so callers can chain.
 * Not inlined: a message cut short (a path near PATH_MAX) is fine, and
 * inlined the compiler insists on a buffer fit for every path. */
__attribute__((noinline)) static int
fail(struct bs_access_ctx *c, const char *op, const char *what, int err)
{
	if (!c->err[0])
		snprintf(c->err, sizeof(c->err), "%s %s: %s", op,
			 what ? what : "", strerror(err));
	return -err;
}

/* Every byte a method obtains goes through here. */
static int emit(struct bs_access_ctx *c, const void *buf, size_t n)
{
	c->total += n;
	if (!c->emit)
		return 0;
	return c->emit(c->emit_arg, buf, n);
}

static const char *tmp_dir(const struct bs_access_ctx *c)
{
	const char *dir = c->tmpdir ? c->tmpdir : getenv("TMPDIR");

	return dir && *dir ? dir : "/tmp";
}

static int tmp_name(struct bs_access_ctx *c, char *buf, size_t len,
		    const char *tag)
{
	const char *dir = tmp_dir(c);
	int n;

	n = snprintf(buf, len, "%s/bs-attack-%s-%d", dir, tag, (int)getpid());
	if (n < 0 || (size_t)n >= len)
		return fail(c, "name", dir, ENAMETOOLONG);
	return 0;
}

/* read(2) in chunks of `chunk` bytes until EOF. */
static int read_fd(struct bs_access_ctx *c, int fd, size_t chunk)
{
	static char buf[CHUNK];

	if (chunk == 0 || chunk > sizeof(buf))
		chunk = sizeof(buf);
	for (;;) {
		ssize_t r = read(fd, buf, chunk);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return fail(c, "read", c->path, errno);
		if (r == 0)
			return 0;
		if (emit(c, buf, (size_t)r))
			return -EIO;
		if (c->total > READ_CAP)
			return fail(c, "read", c->path, EFBIG);
	}
}

/* Read exactly n bytes (the pipe holds them) and emit them. */
static int read_fd_exact(struct bs_access_ctx *c, int fd, size_t n)
{
	static char buf[CHUNK];

	while (n > 0) {
		ssize_t r = read(fd, buf, n < sizeof(buf) ? n : sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return fail(c, "read", "pipe", r < 0 ? errno : EIO);
		if (emit(c, buf, (size_t)r))
			return -EIO;
		n -= (size_t)r;
	}
	return 0;
}

static int open_ro(struct bs_access_ctx *c, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return fail(c, "open", path, errno);
	return fd;
}

/* The caller's fd when it gave one, else a fresh one of the token. */
static int token_fd(struct bs_access_ctx *c)
{
	return c->fd >= 0 ? c->fd : open_ro(c, c->path);
}

static void token_fd_done(struct bs_access_ctx *c, int fd)
{
	if (fd != c->fd)
		close(fd);
}

static int read_path(struct bs_access_ctx *c, const char *path, size_t chunk)
{
	int fd = open_ro(c, path);
	int err;

	if (fd < 0)
		return fd;
	err = read_fd(c, fd, chunk);
	close(fd);
	return err;
}

/* ---- readers --------------------------------------------------------- */

static int m_cat(struct bs_access_ctx *c)
{
	return read_path(c, c->path, 0);
}

static int m_onebyte(struct bs_access_ctx *c)
{
	return read_path(c, c->path, 1);
}

static int m_other(struct bs_access_ctx *c)
{
	if (!c->other)
		return fail(c, "other", "(no --other file)", EINVAL);
	return read_path(c, c->other, 0);
}

/* Split c->path into a directory and a base name. */
static int split_path(struct bs_access_ctx *c, char *dir, char *base,
		      size_t len)
{
	const char *path = c->path, *slash = strrchr(path, '/');

	if (!slash) {
		snprintf(dir, len, ".");
		snprintf(base, len, "%s", path);
		return 0;
	}
	if ((size_t)(slash - path) >= len || strlen(slash + 1) >= len)
		return fail(c, "split", path, ENAMETOOLONG);
	if (slash == path)
		snprintf(dir, len, "/");
	else
		snprintf(dir, len, "%.*s", (int)(slash - path), path);
	snprintf(base, len, "%s", slash + 1);
	return 0;
}

/* chdir into the token's directory and come back in through "..". */
static int m_relpath(struct bs_access_ctx *c)
{
	char dir[PATH_MAX], base[PATH_MAX], rel[PATH_MAX * 2 + 8];
	const char *dname;

	if (split_path(c, dir, base, sizeof(dir)))
		return -ENAMETOOLONG;
	if (chdir(dir))
		return fail(c, "chdir", dir, errno);
	dname = strrchr(dir, '/');
	dname = dname ? dname + 1 : dir;
	/* "/" has no name: its ".." is itself. */
	if (!*dname)
		snprintf(rel, sizeof(rel), "../%s", base);
	else
		snprintf(rel, sizeof(rel), "../%s/%s", dname, base);
	return read_path(c, rel, 0);
}

/* Read the token through a new symbolic or hard link to it. */
static int read_via_link(struct bs_access_ctx *c, bool hard)
{
	char link_path[PATH_MAX];
	int err;

	if (tmp_name(c, link_path, sizeof(link_path), hard ? "hl" : "sym"))
		return -ENAMETOOLONG;
	unlink(link_path);
	if (hard ? link(c->path, link_path) : symlink(c->path, link_path))
		return fail(c, hard ? "link" : "symlink", link_path, errno);
	err = read_path(c, link_path, 0);
	unlink(link_path);
	return err;
}

static int m_symlink(struct bs_access_ctx *c)
{
	return read_via_link(c, false);
}

static int m_procroot(struct bs_access_ctx *c)
{
	char cwd[PATH_MAX], p[PATH_MAX * 2 + 32];

	if (c->path[0] == '/') {
		snprintf(p, sizeof(p), "/proc/self/root%s", c->path);
	} else {
		if (!getcwd(cwd, sizeof(cwd)))
			return fail(c, "getcwd", "", errno);
		snprintf(p, sizeof(p), "/proc/self/root%s/%s", cwd, c->path);
	}
	return read_path(c, p, 0);
}

/* Read a descriptor someone else opened (the caller, before arming). */
static int read_inherited(struct bs_access_ctx *c)
{
	if (fcntl(c->fd, F_GETFD) < 0)
		return fail(c, "fcntl", "--fd", errno);
	return read_fd(c, c->fd, 0);
}

static int m_inherited_fd(struct bs_access_ctx *c)
{
	int fd, status;
	pid_t pid;

	if (c->fd >= 0)
		return read_inherited(c);
	fd = open(c->path, O_RDONLY); /* no O_CLOEXEC: the child gets it */
	if (fd < 0)
		return fail(c, "open", c->path, errno);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(fd);
		return fail(c, "fork", "", errno);
	}
	if (pid == 0) {
		if (c->child)
			c->child(c, fd);
		else
			_exit(read_fd(c, fd, 0) ? 1 : 0);
		_exit(1);
	}
	close(fd);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return fail(c, "waitpid", "", errno);
	if (WIFSIGNALED(status))
		c->child_signal = WTERMSIG(status);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -EIO; /* the child already said why */
	c->by_child = true;
	return 0;
}

static int m_openat2(struct bs_access_ctx *c)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC,
		/* Symlinks stay allowed: k8s secret volumes are symlink farms. */
		.resolve = RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, AT_FDCWD, c->path, &how, sizeof(how));
	int err;

	if (fd < 0)
		return fail(c, "openat2", c->path, errno);
	err = read_fd(c, (int)fd, 0);
	close((int)fd);
	return err;
}

static int m_hardlink(struct bs_access_ctx *c)
{
	return read_via_link(c, true);
}

static int m_rename_read(struct bs_access_ctx *c)
{
	char moved[PATH_MAX];
	int err, n;

	/* Same directory: a rename across file systems is not a rename. */
	n = snprintf(moved, sizeof(moved), "%s.bs-moved", c->path);
	if (n < 0 || (size_t)n >= sizeof(moved))
		return fail(c, "rename", c->path, ENAMETOOLONG);
	if (rename(c->path, moved))
		return fail(c, "rename", c->path, errno);
	err = read_path(c, moved, 0);
	if (rename(moved, c->path))
		return fail(c, "rename back", moved, errno);
	return err;
}

static int m_mmap(struct bs_access_ctx *c)
{
	struct stat st;
	void *map;
	int fd, err;

	fd = token_fd(c);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st)) {
		err = fail(c, "fstat", c->path, errno);
		goto out;
	}
	if (st.st_size == 0 || (uint64_t)st.st_size > READ_CAP) {
		err = st.st_size ? fail(c, "mmap", c->path, EFBIG) : 0;
		goto out;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		err = fail(c, "mmap", c->path, errno);
		goto out;
	}
	err = emit(c, map, (size_t)st.st_size);
	munmap(map, (size_t)st.st_size);
out:
	token_fd_done(c, fd);
	return err;
}

/* ---- zero-copy paths: the kernel moves the bytes into a pipe ---------- */

enum pipe_op { OP_SENDFILE, OP_SPLICE };

static ssize_t move_chunk(enum pipe_op op, int in, off_t *off, int out)
{
	if (op == OP_SENDFILE)
		return sendfile(out, in, off, CHUNK);
	return splice(in, off, out, NULL, CHUNK, 0);
}

/* Pump the file through a pipe and drain the pipe after each move. */
static int through_pipe(struct bs_access_ctx *c, enum pipe_op op,
			const char *opname)
{
	int fd, p[2], err = 0;
	off_t off = 0;

	fd = token_fd(c);
	if (fd < 0)
		return fd;
	if (pipe2(p, O_CLOEXEC)) {
		token_fd_done(c, fd);
		return fail(c, "pipe", "", errno);
	}
	for (;;) {
		ssize_t n = move_chunk(op, fd, &off, p[1]);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = fail(c, opname, c->path, errno);
			break;
		}
		if (n == 0)
			break;
		err = read_fd_exact(c, p[0], (size_t)n);
		if (err || c->total > READ_CAP)
			break;
	}
	close(p[0]);
	close(p[1]);
	token_fd_done(c, fd);
	return err;
}

static int m_sendfile(struct bs_access_ctx *c)
{
	return through_pipe(c, OP_SENDFILE, "sendfile");
}

static int m_splice(struct bs_access_ctx *c)
{
	return through_pipe(c, OP_SPLICE, "splice");
}

/*
 * copy_file_range(2) refuses most cross-filesystem copies (EXDEV), so the
 * destination is tried where it is most likely to share the token's file
 * system: an O_TMPFILE beside the token, a memfd, an O_TMPFILE in $TMPDIR.
 */
static int cfr_target(struct bs_access_ctx *c, int i)
{
	char dir[PATH_MAX], base[PATH_MAX];

	switch (i) {
	case 0:
		if (split_path(c, dir, base, sizeof(dir)))
			return -1;
		return open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	case 1:
		return memfd_create("bs-attack", MFD_CLOEXEC);
	case 2:
		return open(tmp_dir(c), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	default:
		return -1;
	}
}

/* Copy the whole token into out; -errno of the first failing call. */
static int cfr_copy(int in, int out)
{
	loff_t off = 0;

	for (;;) {
		ssize_t n = copy_file_range(in, &off, out, NULL, CHUNK, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		if (off > (loff_t)READ_CAP)
			return -EFBIG;
	}
}

static int m_copy_file_range(struct bs_access_ctx *c)
{
	int in, out, err = -EXDEV;

	in = token_fd(c);
	if (in < 0)
		return in;
	for (int i = 0; err == -EXDEV || err == -EINVAL || err == -EOPNOTSUPP;
	     i++) {
		if (i > 2)
			break;
		out = cfr_target(c, i);
		if (out < 0)
			continue;
		err = cfr_copy(in, out);
		if (!err) {
			lseek(out, 0, SEEK_SET);
			err = read_fd(c, out, 0);
		}
		close(out);
		if (!err)
			break;
	}
	token_fd_done(c, in);
	if (err && err != -EIO)
		return fail(c, "copy_file_range", c->path, -err);
	return err;
}

/* The bytes readv gets in its first buffer: a short one, so that the read
 * spans two iovecs. */
#define READV_HEAD 16

enum fd_op { OP_READV, OP_PREAD };

/* One call of op: up to a chunk from fd into buf (at off for pread). */
static ssize_t read_chunk(enum fd_op op, int fd, char *buf, off_t off)
{
	struct iovec iov[2] = {
		{ .iov_base = buf, .iov_len = READV_HEAD },
		{ .iov_base = buf + READV_HEAD, .iov_len = CHUNK },
	};

	if (op == OP_READV)
		return readv(fd, iov, 2);
	return pread(fd, buf, CHUNK, off);
}

/* Read the token to EOF with op, emitting what each call got. */
static int read_with(struct bs_access_ctx *c, enum fd_op op, const char *opname)
{
	static char buf[READV_HEAD + CHUNK];
	off_t off = 0;
	int fd, err = 0;

	fd = open_ro(c, c->path);
	if (fd < 0)
		return fd;
	for (;;) {
		ssize_t n = read_chunk(op, fd, buf, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = fail(c, opname, c->path, errno);
			break;
		}
		if (n == 0 || c->total > READ_CAP)
			break;
		err = emit(c, buf, (size_t)n);
		if (err)
			break;
		off += n;
	}
	close(fd);
	return err;
}

static int m_readv(struct bs_access_ctx *c)
{
	return read_with(c, OP_READV, "readv");
}

static int m_pread(struct bs_access_ctx *c)
{
	return read_with(c, OP_PREAD, "pread");
}

/* ---- io_uring with raw syscalls: one SQE in flight at a time ---------- */

struct ring {
	int fd;
	void *sq_ptr, *cq_ptr;
	size_t sq_len, cq_len;
	struct io_uring_sqe *sqes;
	size_t sqes_len;
	struct io_uring_params p;
};

static void *ring_map(int fd, size_t len, off_t off)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_POPULATE, fd, off);
}

static void ring_close(struct ring *r)
{
	if (r->sqes && r->sqes != MAP_FAILED)
		munmap(r->sqes, r->sqes_len);
	if (r->cq_ptr && r->cq_ptr != MAP_FAILED && r->cq_ptr != r->sq_ptr)
		munmap(r->cq_ptr, r->cq_len);
	if (r->sq_ptr && r->sq_ptr != MAP_FAILED)
		munmap(r->sq_ptr, r->sq_len);
	if (r->fd >= 0)
		close(r->fd);
}

static int ring_open(struct bs_access_ctx *c, struct ring *r)
{
	memset(r, 0, sizeof(*r));
	r->fd = (int)syscall(SYS_io_uring_setup, 4, &r->p);
	if (r->fd < 0)
		return fail(c, "io_uring_setup", "", errno);
	r->sq_len = r->p.sq_off.array + r->p.sq_entries * sizeof(__u32);
	r->cq_len = r->p.cq_off.cqes +
		    r->p.cq_entries * sizeof(struct io_uring_cqe);
	if (r->p.features & IORING_FEAT_SINGLE_MMAP) {
		if (r->cq_len > r->sq_len)
			r->sq_len = r->cq_len;
		r->cq_len = r->sq_len;
	}
	r->sq_ptr = ring_map(r->fd, r->sq_len, IORING_OFF_SQ_RING);
	if (r->sq_ptr == MAP_FAILED)
		goto err;
	r->cq_ptr = (r->p.features & IORING_FEAT_SINGLE_MMAP)
			    ? r->sq_ptr
			    : ring_map(r->fd, r->cq_len, IORING_OFF_CQ_RING);
	if (r->cq_ptr == MAP_FAILED)
		goto err;
	r->sqes_len = r->p.sq_entries * sizeof(struct io_uring_sqe);
	r->sqes = ring_map(r->fd, r->sqes_len, IORING_OFF_SQES);
	if (r->sqes == MAP_FAILED)
		goto err;
	return 0;
err : {
	int e = errno;

	ring_close(r);
	return fail(c, "io_uring mmap", "", e);
}
}

#define RING_U32(base, off) ((__u32 *)((char *)(base) + (off)))

/* Submit one SQE, wait for its completion, return cqe->res. */
static int ring_run(struct bs_access_ctx *c, struct ring *r,
		    const struct io_uring_sqe *sqe, int *res)
{
	__u32 mask = *RING_U32(r->sq_ptr, r->p.sq_off.ring_mask);
	__u32 *tail = RING_U32(r->sq_ptr, r->p.sq_off.tail);
	__u32 *array = RING_U32(r->sq_ptr, r->p.sq_off.array);
	__u32 cmask = *RING_U32(r->cq_ptr, r->p.cq_off.ring_mask);
	__u32 *chead = RING_U32(r->cq_ptr, r->p.cq_off.head);
	__u32 *ctail = RING_U32(r->cq_ptr, r->p.cq_off.tail);
	struct io_uring_cqe *cqes;
	__u32 t = *tail, h;

	r->sqes[t & mask] = *sqe;
	array[t & mask] = t & mask;
	__atomic_store_n(tail, t + 1, __ATOMIC_RELEASE);
	if (syscall(SYS_io_uring_enter, r->fd, 1, 1, IORING_ENTER_GETEVENTS,
		    NULL, 0) < 0)
		return fail(c, "io_uring_enter", "", errno);
	h = *chead;
	if (h == __atomic_load_n(ctail, __ATOMIC_ACQUIRE))
		return fail(c, "io_uring", "no completion", EIO);
	cqes = (struct io_uring_cqe *)((char *)r->cq_ptr + r->p.cq_off.cqes);
	*res = cqes[h & cmask].res;
	__atomic_store_n(chead, h + 1, __ATOMIC_RELEASE);
	return 0;
}

static int ring_read_all(struct bs_access_ctx *c, struct ring *r, int fd)
{
	static char buf[CHUNK];
	__u64 off = 0;

	for (;;) {
		struct io_uring_sqe sqe = {
			.opcode = IORING_OP_READ,
			.fd = fd,
			.off = off,
			.addr = (__u64)(uintptr_t)buf,
			.len = sizeof(buf),
		};
		int res = 0;

		if (ring_run(c, r, &sqe, &res))
			return -EIO;
		if (res < 0)
			return fail(c, "IORING_OP_READ", c->path, -res);
		if (res == 0 || c->total > READ_CAP)
			return 0;
		if (emit(c, buf, (size_t)res))
			return -EIO;
		off += (__u64)res;
	}
}

static int m_io_uring(struct bs_access_ctx *c)
{
	struct io_uring_sqe sqe = {
		.opcode = IORING_OP_OPENAT,
		.fd = AT_FDCWD,
		.addr = (__u64)(uintptr_t)c->path,
		.open_flags = O_RDONLY | O_CLOEXEC,
	};
	struct ring r;
	int fd = -1, err;

	if (ring_open(c, &r))
		return -EIO;
	err = ring_run(c, &r, &sqe, &fd);
	if (!err && fd < 0)
		err = fail(c, "IORING_OP_OPENAT", c->path, -fd);
	if (!err) {
		err = ring_read_all(c, &r, fd);
		close(fd);
	}
	ring_close(&r);
	return err;
}

/* ---- negatives: metadata only, must not alert ------------------------- */

/* One "<name> <value>" line: what a metadata probe saw. */
static int say(struct bs_access_ctx *c, const char *name, const char *value)
{
	if (emit(c, name, strlen(name)) || emit(c, " ", 1) ||
	    emit(c, value, strlen(value)) || emit(c, "\n", 1))
		return -EIO;
	return 0;
}

static int say_size(struct bs_access_ctx *c, const char *name,
		    const struct stat *st)
{
	char num[32];

	snprintf(num, sizeof(num), "%lld", (long long)st->st_size);
	return say(c, name, num);
}

static int m_stat(struct bs_access_ctx *c)
{
	struct stat st;

	if (stat(c->path, &st))
		return fail(c, "stat", c->path, errno);
	return say_size(c, c->path, &st);
}

/* What `ls -l DIR` does: lstat the dir, list it, lstat every entry. */
static int m_ls(struct bs_access_ctx *c)
{
	char dir[PATH_MAX], base[PATH_MAX], ent[PATH_MAX * 2 + 2];
	struct dirent *de;
	struct stat st;
	int found = 0, err = 0;
	DIR *d;

	if (split_path(c, dir, base, sizeof(dir)))
		return -ENAMETOOLONG;
	if (lstat(dir, &st))
		return fail(c, "lstat", dir, errno);
	d = opendir(dir);
	if (!d)
		return fail(c, "opendir", dir, errno);
	while ((de = readdir(d))) {
		snprintf(ent, sizeof(ent), "%s/%s", dir, de->d_name);
		if (lstat(ent, &st))
			continue; /* raced with an unlink: ls shows "?" */
		if (strcmp(de->d_name, base) == 0) {
			found = 1;
			err = say_size(c, de->d_name, &st);
		}
	}
	closedir(d);
	if (!found)
		return fail(c, "readdir", c->path, ENOENT);
	return err;
}

static int m_access(struct bs_access_ctx *c)
{
	if (access(c->path, R_OK))
		return fail(c, "access", c->path, errno);
	return say(c, c->path, "readable");
}

/* ---- busybox: the suite's real-tool cases ------------------------------ */

/* Runs args under busybox with stdout on /dev/null, waits for it. */
static int run_busybox(struct bs_access_ctx *c, const char *const *args)
{
	const char *bb = c->busybox ? c->busybox : "/bin/busybox";
	int status, null;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return fail(c, "fork", "", errno);
	if (pid == 0) {
		null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		execv(bb, (char *const *)args);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return fail(c, "waitpid", "", errno);
	if (WIFSIGNALED(status))
		c->child_signal = WTERMSIG(status);
	/* a shell says 128 + n when its pipeline's command died of signal n */
	else if (!strcmp(args[0], "sh") && WEXITSTATUS(status) > 128)
		c->child_signal = WEXITSTATUS(status) - 128;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return fail(c, args[0], c->path, EIO);
	c->by_child = true;
	return 0;
}

static int m_busybox_cat(struct bs_access_ctx *c)
{
	const char *args[] = { "cat", c->path, NULL };

	return run_busybox(c, args);
}

static int m_cat_pipe(struct bs_access_ctx *c)
{
	const char *bb = c->busybox ? c->busybox : "/bin/busybox";
	char cmd[PATH_MAX * 3];
	const char *args[] = { "sh", "-c", cmd, NULL };
	int n;

	/* pipefail: the pipeline fails, and says how, when cat does */
	n = snprintf(cmd, sizeof(cmd),
		     "set -o pipefail; %s cat '%s' | %s wc -c", bb, c->path,
		     bb);
	if (n < 0 || (size_t)n >= sizeof(cmd) || strchr(c->path, '\''))
		return fail(c, "cat_pipe", c->path, EINVAL);
	return run_busybox(c, args);
}

/* ---- dispatch ----------------------------------------------------------- */

void bs_access_ctx_init(struct bs_access_ctx *ctx, const char *path)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->path = path;
	ctx->fd = -1;
}

/* No default: a method added to the table without its access here does
 * not compile (-Wswitch). */
static int dispatch(enum bs_access_id id, struct bs_access_ctx *c)
{
	switch (id) {
	case BS_ACC_CAT:
	case BS_ACC_HOST_BIND_SOURCE:
		return m_cat(c);
	case BS_ACC_BUSYBOX_CAT:
		return m_busybox_cat(c);
	case BS_ACC_CAT_PIPE:
		return m_cat_pipe(c);
	case BS_ACC_RELPATH:
		return m_relpath(c);
	case BS_ACC_SYMLINK:
		return m_symlink(c);
	case BS_ACC_PROCROOT:
		return m_procroot(c);
	case BS_ACC_INHERITED_FD:
		return m_inherited_fd(c);
	case BS_ACC_OPENAT2:
		return m_openat2(c);
	case BS_ACC_HARDLINK:
		return m_hardlink(c);
	case BS_ACC_RENAME_READ:
		return m_rename_read(c);
	case BS_ACC_MMAP:
		return m_mmap(c);
	case BS_ACC_SENDFILE:
		return m_sendfile(c);
	case BS_ACC_SPLICE:
		return m_splice(c);
	case BS_ACC_COPY_FILE_RANGE:
		return m_copy_file_range(c);
	case BS_ACC_READV:
		return m_readv(c);
	case BS_ACC_PREAD:
		return m_pread(c);
	case BS_ACC_IO_URING:
		return m_io_uring(c);
	case BS_ACC_ONEBYTE:
		return m_onebyte(c);
	case BS_ACC_STAT:
		return m_stat(c);
	case BS_ACC_LS:
		return m_ls(c);
	case BS_ACC_ACCESS:
		return m_access(c);
	case BS_ACC_OTHER:
		return m_other(c);
	case BS_ACC_MAX:
		break;
	}
	return fail(c, "method", "unknown", EINVAL);
}

int bs_access_run(const struct bs_access *m, struct bs_access_ctx *ctx)
{
	if (!m || !ctx->path || !*ctx->path)
		return fail(ctx, "method", "no method or path", EINVAL);
	return dispatch(m->id, ctx);
}
