// SPDX-License-Identifier: Apache-2.0
/*
 * beesting-attack: touch a honeytoken (or a decoy) by one access method.
 *
 *   beesting-attack --list
 *   beesting-attack <method> <token-path> [--other FILE] [--print] [--fd N]
 *
 * Runs inside busybox containers, so it is linked statically and uses raw
 * syscalls (io_uring, openat2) instead of helper libraries.  Exit status:
 * 0 the access succeeded, 1 the access itself failed, 2 usage error.
 * With --print the bytes read go to stdout unchanged (tests compare them);
 * otherwise one summary line "ok <method> <bytes>" is printed.
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
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXIT_OPFAIL 1
#define EXIT_USAGE 2
#define CHUNK 65536
/* Tokens are small; never pull more than this through any method. */
#define READ_CAP (16u << 20)

struct opts {
	const char *method;
	const char *path;
	const char *other;
	int fd; /* --fd: inherited descriptor, -1 if none */
	int print;
	const char *argv0;
};

static struct opts g;
static size_t g_total;
static int g_child_reported; /* inherited_fd: the child printed for us */

/* Report a failed operation once; returns -errno so callers can chain. */
static int fail(const char *op, const char *what, int err)
{
	fprintf(stderr, "beesting-attack: %s: %s %s: %s\n", g.method, op,
		what ? what : "", strerror(err));
	return -err;
}

/* Every byte a method obtains goes through here. */
static int emit(const void *buf, size_t n)
{
	const char *p = buf;

	g_total += n;
	while (g.print && n > 0) {
		ssize_t w = write(STDOUT_FILENO, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return fail("write", "stdout", w < 0 ? errno : EIO);
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int tmp_name(char *buf, size_t len, const char *tag)
{
	const char *dir = getenv("TMPDIR");
	int n;

	if (!dir || !*dir)
		dir = "/tmp";
	n = snprintf(buf, len, "%s/bs-attack-%s-%d", dir, tag, (int)getpid());
	if (n < 0 || (size_t)n >= len)
		return fail("name", dir, ENAMETOOLONG);
	return 0;
}

/* read(2) in chunks of `chunk` bytes until EOF. */
static int read_fd(int fd, size_t chunk)
{
	static char buf[CHUNK];

	if (chunk == 0 || chunk > sizeof(buf))
		chunk = sizeof(buf);
	for (;;) {
		ssize_t r = read(fd, buf, chunk);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return fail("read", g.path, errno);
		if (r == 0)
			return 0;
		if (emit(buf, (size_t)r))
			return -EIO;
		if (g_total > READ_CAP)
			return fail("read", g.path, EFBIG);
	}
}

/* Read exactly n bytes (the pipe holds them) and emit them. */
static int read_fd_exact(int fd, size_t n)
{
	static char buf[CHUNK];

	while (n > 0) {
		ssize_t r = read(fd, buf, n < sizeof(buf) ? n : sizeof(buf));

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return fail("read", "pipe", r < 0 ? errno : EIO);
		if (emit(buf, (size_t)r))
			return -EIO;
		n -= (size_t)r;
	}
	return 0;
}

static int open_ro(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return fail("open", path, errno);
	return fd;
}

static int read_path(const char *path, size_t chunk)
{
	int fd = open_ro(path);
	int err;

	if (fd < 0)
		return fd;
	err = read_fd(fd, chunk);
	close(fd);
	return err;
}

/* ---- readers --------------------------------------------------------- */

static int m_cat(void)
{
	return read_path(g.path, 0);
}

static int m_onebyte(void)
{
	return read_path(g.path, 1);
}

static int m_other(void)
{
	return read_path(g.other, 0);
}

/* Split g.path into a directory and a base name. */
static int split_path(char *dir, char *base, size_t len)
{
	const char *slash = strrchr(g.path, '/');

	if (!slash) {
		snprintf(dir, len, ".");
		snprintf(base, len, "%s", g.path);
		return 0;
	}
	if ((size_t)(slash - g.path) >= len || strlen(slash + 1) >= len)
		return fail("split", g.path, ENAMETOOLONG);
	if (slash == g.path)
		snprintf(dir, len, "/");
	else
		snprintf(dir, len, "%.*s", (int)(slash - g.path), g.path);
	snprintf(base, len, "%s", slash + 1);
	return 0;
}

/* chdir into the token's directory and come back in through "..". */
static int m_relpath(void)
{
	char dir[PATH_MAX], base[PATH_MAX], rel[PATH_MAX * 2 + 8];
	const char *dname;

	if (split_path(dir, base, sizeof(dir)))
		return -ENAMETOOLONG;
	if (chdir(dir))
		return fail("chdir", dir, errno);
	dname = strrchr(dir, '/');
	dname = dname ? dname + 1 : dir;
	/* "/" has no name: its ".." is itself. */
	if (!*dname)
		snprintf(rel, sizeof(rel), "../%s", base);
	else
		snprintf(rel, sizeof(rel), "../%s/%s", dname, base);
	return read_path(rel, 0);
}

static int m_symlink(void)
{
	char link[PATH_MAX];
	int err;

	if (tmp_name(link, sizeof(link), "sym"))
		return -ENAMETOOLONG;
	unlink(link);
	if (symlink(g.path, link))
		return fail("symlink", link, errno);
	err = read_path(link, 0);
	unlink(link);
	return err;
}

static int m_procroot(void)
{
	char cwd[PATH_MAX], p[PATH_MAX * 2 + 32];

	if (g.path[0] == '/') {
		snprintf(p, sizeof(p), "/proc/self/root%s", g.path);
	} else {
		if (!getcwd(cwd, sizeof(cwd)))
			return fail("getcwd", "", errno);
		snprintf(p, sizeof(p), "/proc/self/root%s/%s", cwd, g.path);
	}
	return read_path(p, 0);
}

/* Child side: read a descriptor the parent opened for us. */
static int read_inherited(void)
{
	if (fcntl(g.fd, F_GETFD) < 0)
		return fail("fcntl", "--fd", errno);
	return read_fd(g.fd, 0);
}

static int spawn_reader(int fd)
{
	char num[16];
	char *argv[7];
	int argc = 0;

	snprintf(num, sizeof(num), "%d", fd);
	argv[argc++] = (char *)g.argv0;
	argv[argc++] = "inherited_fd";
	argv[argc++] = (char *)g.path;
	argv[argc++] = "--fd";
	argv[argc++] = num;
	if (g.print)
		argv[argc++] = "--print";
	argv[argc] = NULL;
	execv("/proc/self/exe", argv);
	/* no /proc in the container: fall back to our own name */
	execv(g.argv0, argv);
	return fail("exec", g.argv0, errno);
}

static int m_inherited_fd(void)
{
	int fd, status;
	pid_t pid;

	if (g.fd >= 0)
		return read_inherited();
	fd = open(g.path, O_RDONLY); /* no O_CLOEXEC: the child gets it */
	if (fd < 0)
		return fail("open", g.path, errno);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(fd);
		return fail("fork", "", errno);
	}
	if (pid == 0) {
		spawn_reader(fd);
		_exit(EXIT_OPFAIL);
	}
	close(fd);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return fail("waitpid", "", errno);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -EIO; /* the child already said why */
	g_child_reported = 1;
	return 0;
}

static int m_openat2(void)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC,
		/* Symlinks stay allowed: k8s secret volumes are symlink farms. */
		.resolve = RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, AT_FDCWD, g.path, &how, sizeof(how));
	int err;

	if (fd < 0)
		return fail("openat2", g.path, errno);
	err = read_fd((int)fd, 0);
	close((int)fd);
	return err;
}

static int m_hardlink(void)
{
	char link_path[PATH_MAX];
	int err;

	if (tmp_name(link_path, sizeof(link_path), "hl"))
		return -ENAMETOOLONG;
	unlink(link_path);
	if (link(g.path, link_path))
		return fail("link", link_path, errno);
	err = read_path(link_path, 0);
	unlink(link_path);
	return err;
}

static int m_rename_read(void)
{
	char moved[PATH_MAX];
	int err, n;

	/* Same directory: a rename across file systems is not a rename. */
	n = snprintf(moved, sizeof(moved), "%s.bs-moved", g.path);
	if (n < 0 || (size_t)n >= sizeof(moved))
		return fail("rename", g.path, ENAMETOOLONG);
	if (rename(g.path, moved))
		return fail("rename", g.path, errno);
	err = read_path(moved, 0);
	if (rename(moved, g.path))
		return fail("rename back", moved, errno);
	return err;
}

static int m_mmap(void)
{
	struct stat st;
	void *map;
	int fd, err;

	fd = open_ro(g.path);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st)) {
		err = fail("fstat", g.path, errno);
		goto out;
	}
	if (st.st_size == 0 || (uint64_t)st.st_size > READ_CAP) {
		err = st.st_size ? fail("mmap", g.path, EFBIG) : 0;
		goto out;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		err = fail("mmap", g.path, errno);
		goto out;
	}
	err = emit(map, (size_t)st.st_size);
	munmap(map, (size_t)st.st_size);
out:
	close(fd);
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
static int through_pipe(enum pipe_op op, const char *opname)
{
	int fd, p[2], err = 0;
	off_t off = 0;

	fd = open_ro(g.path);
	if (fd < 0)
		return fd;
	if (pipe2(p, O_CLOEXEC)) {
		close(fd);
		return fail("pipe", "", errno);
	}
	for (;;) {
		ssize_t n = move_chunk(op, fd, &off, p[1]);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = fail(opname, g.path, errno);
			break;
		}
		if (n == 0)
			break;
		err = read_fd_exact(p[0], (size_t)n);
		if (err || g_total > READ_CAP)
			break;
	}
	close(p[0]);
	close(p[1]);
	close(fd);
	return err;
}

static int m_sendfile(void)
{
	return through_pipe(OP_SENDFILE, "sendfile");
}

static int m_splice(void)
{
	return through_pipe(OP_SPLICE, "splice");
}

/*
 * copy_file_range(2) refuses most cross-filesystem copies (EXDEV), so the
 * destination is tried where it is most likely to share the token's file
 * system: an O_TMPFILE beside the token, a memfd, an O_TMPFILE in $TMPDIR.
 */
static int cfr_target(int i)
{
	char dir[PATH_MAX], base[PATH_MAX];
	const char *tmp;

	switch (i) {
	case 0:
		if (split_path(dir, base, sizeof(dir)))
			return -1;
		return open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	case 1:
		return memfd_create("bs-attack", MFD_CLOEXEC);
	case 2:
		tmp = getenv("TMPDIR");
		return open(tmp && *tmp ? tmp : "/tmp",
			    O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
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

static int m_copy_file_range(void)
{
	int in, out, err = -EXDEV;

	in = open_ro(g.path);
	if (in < 0)
		return in;
	for (int i = 0; err == -EXDEV || err == -EINVAL || err == -EOPNOTSUPP;
	     i++) {
		if (i > 2)
			break;
		out = cfr_target(i);
		if (out < 0)
			continue;
		err = cfr_copy(in, out);
		if (!err) {
			lseek(out, 0, SEEK_SET);
			err = read_fd(out, 0);
		}
		close(out);
		if (!err)
			break;
	}
	close(in);
	if (err && err != -EIO)
		return fail("copy_file_range", g.path, -err);
	return err;
}

static int m_readv(void)
{
	static char a[16], b[CHUNK];
	struct iovec iov[2] = {
		{ .iov_base = a, .iov_len = sizeof(a) },
		{ .iov_base = b, .iov_len = sizeof(b) },
	};
	int fd, err = 0;

	fd = open_ro(g.path);
	if (fd < 0)
		return fd;
	for (;;) {
		ssize_t n = readv(fd, iov, 2);
		size_t first;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = fail("readv", g.path, errno);
			break;
		}
		if (n == 0 || g_total > READ_CAP)
			break;
		first = (size_t)n < sizeof(a) ? (size_t)n : sizeof(a);
		err = emit(a, first);
		if (!err)
			err = emit(b, (size_t)n - first);
		if (err)
			break;
	}
	close(fd);
	return err;
}

static int m_pread(void)
{
	static char buf[CHUNK];
	off_t off = 0;
	int fd, err = 0;

	fd = open_ro(g.path);
	if (fd < 0)
		return fd;
	for (;;) {
		ssize_t n = pread(fd, buf, sizeof(buf), off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = fail("pread", g.path, errno);
			break;
		}
		if (n == 0 || g_total > READ_CAP)
			break;
		err = emit(buf, (size_t)n);
		if (err)
			break;
		off += n;
	}
	close(fd);
	return err;
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
	return mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		    fd, off);
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

static int ring_open(struct ring *r)
{
	memset(r, 0, sizeof(*r));
	r->fd = (int)syscall(SYS_io_uring_setup, 4, &r->p);
	if (r->fd < 0)
		return fail("io_uring_setup", "", errno);
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
	r->cq_ptr = (r->p.features & IORING_FEAT_SINGLE_MMAP) ?
			    r->sq_ptr :
			    ring_map(r->fd, r->cq_len, IORING_OFF_CQ_RING);
	if (r->cq_ptr == MAP_FAILED)
		goto err;
	r->sqes_len = r->p.sq_entries * sizeof(struct io_uring_sqe);
	r->sqes = ring_map(r->fd, r->sqes_len, IORING_OFF_SQES);
	if (r->sqes == MAP_FAILED)
		goto err;
	return 0;
err:
	{
		int e = errno;

		ring_close(r);
		return fail("io_uring mmap", "", e);
	}
}

#define RING_U32(base, off) ((__u32 *)((char *)(base) + (off)))

/* Submit one SQE, wait for its completion, return cqe->res. */
static int ring_run(struct ring *r, const struct io_uring_sqe *sqe, int *res)
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
		return fail("io_uring_enter", "", errno);
	h = *chead;
	if (h == __atomic_load_n(ctail, __ATOMIC_ACQUIRE))
		return fail("io_uring", "no completion", EIO);
	cqes = (struct io_uring_cqe *)((char *)r->cq_ptr + r->p.cq_off.cqes);
	*res = cqes[h & cmask].res;
	__atomic_store_n(chead, h + 1, __ATOMIC_RELEASE);
	return 0;
}

static int ring_read_all(struct ring *r, int fd)
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

		if (ring_run(r, &sqe, &res))
			return -EIO;
		if (res < 0)
			return fail("IORING_OP_READ", g.path, -res);
		if (res == 0 || g_total > READ_CAP)
			return 0;
		if (emit(buf, (size_t)res))
			return -EIO;
		off += (__u64)res;
	}
}

static int m_io_uring(void)
{
	struct io_uring_sqe sqe = {
		.opcode = IORING_OP_OPENAT,
		.fd = AT_FDCWD,
		.addr = (__u64)(uintptr_t)g.path,
		.open_flags = O_RDONLY | O_CLOEXEC,
	};
	struct ring r;
	int fd = -1, err;

	if (ring_open(&r))
		return -EIO;
	err = ring_run(&r, &sqe, &fd);
	if (!err && fd < 0)
		err = fail("IORING_OP_OPENAT", g.path, -fd);
	if (!err) {
		err = ring_read_all(&r, fd);
		close(fd);
	}
	ring_close(&r);
	return err;
}

/* ---- negatives: metadata only, must not alert ------------------------- */

/* One "<name> <value>" line: what a metadata probe saw. */
static int say(const char *name, const char *value)
{
	if (emit(name, strlen(name)) || emit(" ", 1) ||
	    emit(value, strlen(value)) || emit("\n", 1))
		return -EIO;
	return 0;
}

static int say_size(const char *name, const struct stat *st)
{
	char num[32];

	snprintf(num, sizeof(num), "%lld", (long long)st->st_size);
	return say(name, num);
}

static int m_stat(void)
{
	struct stat st;

	if (stat(g.path, &st))
		return fail("stat", g.path, errno);
	return say_size(g.path, &st);
}

/* What `ls -l DIR` does: lstat the dir, list it, lstat every entry. */
static int m_ls(void)
{
	char dir[PATH_MAX], base[PATH_MAX], ent[PATH_MAX * 2 + 2];
	struct dirent *de;
	struct stat st;
	int found = 0, err = 0;
	DIR *d;

	if (split_path(dir, base, sizeof(dir)))
		return -ENAMETOOLONG;
	if (lstat(dir, &st))
		return fail("lstat", dir, errno);
	d = opendir(dir);
	if (!d)
		return fail("opendir", dir, errno);
	while ((de = readdir(d))) {
		snprintf(ent, sizeof(ent), "%s/%s", dir, de->d_name);
		if (lstat(ent, &st))
			continue; /* raced with an unlink: ls shows "?" */
		if (strcmp(de->d_name, base) == 0) {
			found = 1;
			err = say_size(de->d_name, &st);
		}
	}
	closedir(d);
	if (!found)
		return fail("readdir", g.path, ENOENT);
	return err;
}

static int m_access(void)
{
	if (access(g.path, R_OK))
		return fail("access", g.path, errno);
	return say(g.path, "readable");
}

/* ---- table and main --------------------------------------------------- */

struct method {
	const char *name;
	const char *expect; /* "alert" or "none" */
	int (*run)(void);
	const char *desc;
};

static const struct method methods[] = {
	{ "cat", "alert", m_cat, "open(2) + read(2)" },
	{ "relpath", "alert", m_relpath, "chdir to the token dir, open ../dir/name" },
	{ "symlink", "alert", m_symlink, "open through a symlink made in $TMPDIR or /tmp" },
	{ "procroot", "alert", m_procroot, "open /proc/self/root/<path>" },
	{ "inherited_fd", "alert", m_inherited_fd, "parent opens, exec'd child reads the inherited fd" },
	{ "openat2", "alert", m_openat2, "raw openat2(2) with RESOLVE_NO_MAGICLINKS" },
	{ "hardlink", "alert", m_hardlink, "link(2) into /tmp, read the link (EXDEV/EPERM = op failed)" },
	{ "rename_read", "alert", m_rename_read, "rename(2) in place, read, rename back (EBUSY = op failed)" },
	{ "mmap", "alert", m_mmap, "mmap(2) PROT_READ and copy out" },
	{ "sendfile", "alert", m_sendfile, "sendfile(2) into a pipe" },
	{ "splice", "alert", m_splice, "splice(2) into a pipe" },
	{ "copy_file_range", "alert", m_copy_file_range, "copy_file_range(2) into a memfd" },
	{ "readv", "alert", m_readv, "readv(2) with two iovecs" },
	{ "pread", "alert", m_pread, "pread(2) at explicit offsets" },
	{ "io_uring", "alert", m_io_uring, "raw io_uring IORING_OP_OPENAT + IORING_OP_READ" },
	{ "onebyte", "alert", m_onebyte, "read(2) one byte at a time" },
	{ "host_bind_source", "alert", m_cat, "read the bind-mount source on the host (path given)" },
	{ "stat", "none", m_stat, "stat(2) only" },
	{ "ls", "none", m_ls, "lstat + readdir of the parent and lstat of the entry, like ls -l" },
	{ "access", "none", m_access, "access(2) R_OK" },
	{ "other", "none", m_other, "open + read --other FILE, not the token" },
};

#define N_METHODS (sizeof(methods) / sizeof(methods[0]))

static void list_methods(void)
{
	for (size_t i = 0; i < N_METHODS; i++)
		printf("%s %s %s\n", methods[i].name, methods[i].expect,
		       methods[i].desc);
}

static int usage(const char *why)
{
	if (why)
		fprintf(stderr, "beesting-attack: %s\n", why);
	fprintf(stderr,
		"usage: beesting-attack --list\n"
		"       beesting-attack <method> <token-path> [--other FILE] [--print] [--fd N]\n"
		"methods:");
	for (size_t i = 0; i < N_METHODS; i++)
		fprintf(stderr, " %s", methods[i].name);
	fprintf(stderr, "\n");
	return EXIT_USAGE;
}

static const struct method *find_method(const char *name)
{
	for (size_t i = 0; i < N_METHODS; i++)
		if (strcmp(methods[i].name, name) == 0)
			return &methods[i];
	return NULL;
}

static int parse_fd(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < 0 || v > INT_MAX)
		return -1;
	return (int)v;
}

static int parse_args(int argc, char **argv)
{
	int pos = 0;

	g.fd = -1;
	g.argv0 = argv[0];
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--print") == 0) {
			g.print = 1;
		} else if (strcmp(a, "--other") == 0 && i + 1 < argc) {
			g.other = argv[++i];
		} else if (strcmp(a, "--fd") == 0 && i + 1 < argc) {
			g.fd = parse_fd(argv[++i]);
			if (g.fd < 0)
				return usage("--fd needs a descriptor number");
		} else if (a[0] == '-' && a[1] == '-') {
			return usage("unknown or incomplete option");
		} else if (pos == 0) {
			g.method = a;
			pos++;
		} else if (pos == 1) {
			g.path = a;
			pos++;
		} else {
			return usage("too many arguments");
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	const struct method *m;

	/* One name for the accessor whatever exec path was used (the
	 * inherited_fd child comes back through /proc/self/exe, "exe"), so
	 * alerts can be matched to the attack by comm. */
	prctl(PR_SET_NAME, "beesting-attack", 0, 0, 0);
	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		list_methods();
		return 0;
	}
	if (parse_args(argc, argv))
		return EXIT_USAGE;
	if (!g.method || !g.path || !*g.path)
		return usage("need a method and a token path");
	m = find_method(g.method);
	if (!m)
		return usage("unknown method");
	if (m->run == m_other && !g.other)
		return usage("method other needs --other FILE");
	if (g.fd >= 0 && m->run != m_inherited_fd)
		return usage("--fd is only for inherited_fd");
	if (m->run())
		return EXIT_OPFAIL;
	if (!g.print && !g_child_reported)
		printf("ok %s %zu\n", m->name, g_total);
	return 0;
}
