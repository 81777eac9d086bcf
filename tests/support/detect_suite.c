// SPDX-License-Identifier: Apache-2.0
/*
 * The detection cases.  Each case gets a fresh detector and a fresh temp
 * token file, does one kind of access in a child process (so the accessor
 * is never the runner), and waits a bounded time for an event of the token.
 *
 * Cases named "*_fd" style (inherited_fd, mmap, sendfile, splice,
 * copy_file_range) open the token BEFORE it is armed, in the runner: that
 * open is never reported, so only the later fd-based access can alert.
 * This models an fd inherited from a parent or kept from before arming.
 *
 * Needs only /bin/busybox and this process: it also runs, linked
 * statically, inside the QEMU kernel matrix.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/io_uring.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent/log.h"
#include "bench/csv.h"
#include "tests/support/detect_suite.h"

#define BUSYBOX "/bin/busybox"
#define WAIT_ALERT_MS 1500
#define WAIT_NONE_MS 300

/* ---- detector + token file ---------------------------------------------- */

static void capture(const struct bs_event *ev, void *arg)
{
	struct bs_dtest *d = arg;

	d->n_seen++;
	if (ev->token_id == d->tok.id)
		d->count_sum += ev->count;
	if (d->n_evs < BS_DTEST_MAX_EVENTS)
		d->evs[d->n_evs++] = *ev;
}

static int write_file(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, buf, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -EIO;
}

/* Printable random content: the first 16 bytes are already unique. */
static int random_content(char *out, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[256];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	size_t i;

	if (fd < 0)
		return -errno;
	if (read(fd, rnd, sizeof(rnd)) != (ssize_t)sizeof(rnd)) {
		close(fd);
		return -EIO;
	}
	close(fd);
	memcpy(out, "BSTK", 4);
	for (i = 4; i + 1 < len; i++)
		out[i] = hex[rnd[i % sizeof(rnd)] >> ((i & 1) * 4) & 15];
	out[len - 1] = '\n';
	return 0;
}

static int make_token(struct bs_dtest *d)
{
	struct bs_token *t = &d->tok;
	struct stat st;
	int err;

	strcpy(d->dir, "/tmp/bs-detect-XXXXXX");
	if (!mkdtemp(d->dir))
		return -errno;
	snprintf(d->token_path, sizeof(d->token_path), "%s/token", d->dir);
	memset(t, 0, sizeof(*t));
	t->id = 7;
	t->content_len = 320; /* longer than every readscan window */
	err = random_content((char *)t->content, t->content_len);
	if (!err)
		err = write_file(d->token_path, t->content, t->content_len);
	if (!err && stat(d->token_path, &st))
		err = -errno;
	if (err)
		return err;
	t->dev = bs_dev_to_kernel(st.st_dev);
	t->ino = st.st_ino;
	t->have_inode = true;
	snprintf(t->host_path, sizeof(t->host_path), "%s", d->token_path);
	snprintf(t->path, sizeof(t->path), "/token");
	return 0;
}

static void remove_tree(const char *dir)
{
	static const char *const names[] = { "token", "other", "link", "out",
					     "sub" };
	char p[192];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		if (unlink(p) && errno == EISDIR)
			rmdir(p);
		rmdir(p);
	}
	rmdir(dir);
}

int bs_dtest_start(struct bs_dtest *d, const char *detect,
		   enum bs_attach attach, uint32_t agent_tgid, uint64_t agg_ns)
{
	int err;

	d->ops = bs_detect_find(detect);
	if (!d->ops)
		return -EINVAL;
	d->n_evs = 0;
	d->n_seen = d->count_sum = 0;
	err = make_token(d);
	if (err) {
		if (d->dir[0] && strcmp(d->dir, "/tmp/bs-detect-XXXXXX"))
			remove_tree(d->dir);
		return err;
	}
	memset(&d->cfg, 0, sizeof(d->cfg));
	d->cfg.attach = attach;
	d->cfg.agent_tgid = agent_tgid;
	d->cfg.aggregate_ns = agg_ns;
	d->cfg.rs_window = d->rs_window;
	d->cfg.max_tokens = BS_MAX_TOKENS;
	d->cfg.on_event = capture;
	d->cfg.on_event_arg = d;
	memset(&d->ctx, 0, sizeof(d->ctx));
	d->ctx.cfg = &d->cfg;
	err = d->ops->start(&d->ctx);
	if (err)
		remove_tree(d->dir);
	return err;
}

int bs_dtest_arm(struct bs_dtest *d)
{
	int err = d->ops->arm(&d->ctx, &d->tok);

	if (!err)
		d->tok.armed = true;
	return err;
}

static int seen(const struct bs_dtest *d, uint32_t method)
{
	for (size_t i = 0; i < d->n_evs; i++)
		if (d->evs[i].token_id == d->tok.id &&
		    (!method || d->evs[i].method == method))
			return 1;
	return 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int bs_dtest_wait(struct bs_dtest *d, int timeout_ms, uint32_t method)
{
	int64_t end = now_ms() + timeout_ms;

	do {
		d->ops->poll(&d->ctx, 20);
		if (seen(d, method))
			return 1;
	} while (now_ms() < end);
	return 0;
}

void bs_dtest_drain(struct bs_dtest *d, int timeout_ms)
{
	int64_t end = now_ms() + timeout_ms;

	while (now_ms() < end)
		d->ops->poll(&d->ctx, 20);
}

void bs_dtest_stop(struct bs_dtest *d)
{
	d->ops->stop(&d->ctx);
	remove_tree(d->dir);
}

/* ---- child helpers ------------------------------------------------------- */

/* Runs fn(arg) in a child; returns its exit status (0 = did its access). */
static int in_child(int (*fn)(const struct bs_dtest *, int), const struct bs_dtest *d,
		    int fd)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(fn(d, fd) ? 1 : 0);
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static int read_all(int fd)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	return n < 0 ? -1 : 0;
}

static int open_read(const char *path)
{
	int fd = open(path, O_RDONLY), err;

	if (fd < 0)
		return -1;
	err = read_all(fd);
	close(fd);
	return err;
}

int bs_dtest_child_read(const char *path)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(open_read(path) ? 1 : 0);
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static int run_busybox(const char *const *args)
{
	int null = open("/dev/null", O_WRONLY);

	if (null < 0)
		return -1;
	dup2(null, STDOUT_FILENO);
	execv(BUSYBOX, (char *const *)args);
	return -1;
}

/* ---- the cases ---------------------------------------------------------- */

static int c_cat(const struct bs_dtest *d, int fd)
{
	const char *args[] = { "cat", d->token_path, NULL };

	(void)fd;
	return run_busybox(args);
}

static int c_cat_pipe(const struct bs_dtest *d, int fd)
{
	char cmd[256];
	const char *args[] = { "sh", "-c", cmd, NULL };

	(void)fd;
	snprintf(cmd, sizeof(cmd), BUSYBOX " cat '%s' | " BUSYBOX " wc -c",
		 d->token_path);
	return run_busybox(args);
}

static int c_symlink(const struct bs_dtest *d, int fd)
{
	char link[192];

	(void)fd;
	snprintf(link, sizeof(link), "%s/link", d->dir);
	if (symlink(d->token_path, link) && errno != EEXIST)
		return -1;
	return open_read(link);
}

static int c_proc_root(const struct bs_dtest *d, int fd)
{
	char p[256];

	(void)fd;
	snprintf(p, sizeof(p), "/proc/self/root%s", d->token_path);
	return open_read(p);
}

static int c_openat2(const struct bs_dtest *d, int fd)
{
	struct open_how how = { .flags = O_RDONLY };
	int err;

	(void)fd;
	fd = (int)syscall(SYS_openat2, AT_FDCWD, d->token_path, &how,
			  sizeof(how));
	if (fd < 0)
		return -1;
	err = read_all(fd);
	close(fd);
	return err;
}

static int c_dotdot(const struct bs_dtest *d, int fd)
{
	char sub[192];

	(void)fd;
	snprintf(sub, sizeof(sub), "%s/sub", d->dir);
	if ((mkdir(sub, 0755) && errno != EEXIST) || chdir(sub))
		return -1;
	return open_read("../token");
}

static int c_inherited_fd(const struct bs_dtest *d, int fd)
{
	char buf[4096];

	(void)d;
	return pread(fd, buf, sizeof(buf), 0) > 0 ? 0 : -1;
}

static int c_mmap(const struct bs_dtest *d, int fd)
{
	const char *m;
	int same;

	m = mmap(NULL, d->tok.content_len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		return -1;
	/* touch every byte; a byte sum was 0 for 1 token in 256 */
	same = !memcmp(m, d->tok.content, d->tok.content_len);
	munmap((void *)m, d->tok.content_len);
	return same ? 0 : -1;
}

static int open_out(const struct bs_dtest *d)
{
	char p[192];

	snprintf(p, sizeof(p), "%s/out", d->dir);
	return open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
}

static int c_sendfile(const struct bs_dtest *d, int fd)
{
	int out = open_out(d);
	off_t off = 0;
	ssize_t n;

	if (out < 0)
		return -1;
	n = sendfile(out, fd, &off, 4096);
	close(out);
	return n > 0 ? 0 : -1;
}

static int c_splice(const struct bs_dtest *d, int fd)
{
	int p[2], null = open("/dev/null", O_WRONLY);
	loff_t off = 0;
	ssize_t n = -1;

	(void)d;
	if (null < 0 || pipe(p))
		return -1;
	if (splice(fd, &off, p[1], NULL, 4096, 0) > 0)
		n = splice(p[0], NULL, null, NULL, 4096, 0);
	close(p[0]);
	close(p[1]);
	close(null);
	return n > 0 ? 0 : -1;
}

static int c_copy_file_range(const struct bs_dtest *d, int fd)
{
	int out = open_out(d);
	loff_t off = 0;
	ssize_t n;

	if (out < 0)
		return -1;
	n = copy_file_range(fd, &off, out, NULL, 4096, 0);
	close(out);
	return n > 0 ? 0 : -1;
}

/* io_uring with raw syscalls (no liburing: the VM binary stays simple). */
struct uring {
	int fd;
	unsigned *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

static int uring_init(struct uring *u)
{
	struct io_uring_params p = { 0 };
	size_t sq_sz, cq_sz;
	char *sq, *cq;

	u->fd = (int)syscall(__NR_io_uring_setup, 4, &p);
	if (u->fd < 0)
		return -1;
	sq_sz = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	cq_sz = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	sq = mmap(NULL, sq_sz, PROT_READ | PROT_WRITE, MAP_SHARED, u->fd,
		  IORING_OFF_SQ_RING);
	cq = mmap(NULL, cq_sz, PROT_READ | PROT_WRITE, MAP_SHARED, u->fd,
		  IORING_OFF_CQ_RING);
	u->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe),
		       PROT_READ | PROT_WRITE, MAP_SHARED, u->fd,
		       IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || u->sqes == MAP_FAILED)
		return -1;
	u->sq_tail = (unsigned *)(sq + p.sq_off.tail);
	u->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
	u->sq_array = (unsigned *)(sq + p.sq_off.array);
	u->cq_head = (unsigned *)(cq + p.cq_off.head);
	u->cq_tail = (unsigned *)(cq + p.cq_off.tail);
	u->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
	u->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	return 0;
}

/* Submits one sqe and waits for its completion; returns cqe->res. */
static int uring_run(struct uring *u, const struct io_uring_sqe *sqe)
{
	unsigned tail = *u->sq_tail, idx = tail & *u->sq_mask, head;
	int res;

	u->sqes[idx] = *sqe;
	u->sq_array[idx] = idx;
	__atomic_store_n(u->sq_tail, tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, u->fd, 1, 1, IORING_ENTER_GETEVENTS,
		    NULL, 0) < 0)
		return -errno;
	head = *u->cq_head;
	if (head == __atomic_load_n(u->cq_tail, __ATOMIC_ACQUIRE))
		return -EAGAIN;
	res = u->cqes[head & *u->cq_mask].res;
	__atomic_store_n(u->cq_head, head + 1, __ATOMIC_RELEASE);
	return res;
}

static int c_io_uring(const struct bs_dtest *d, int fd)
{
	struct io_uring_sqe sqe = { 0 };
	struct uring u;
	char buf[4096];

	if (uring_init(&u))
		return -1;
	sqe.opcode = IORING_OP_OPENAT;
	sqe.fd = AT_FDCWD;
	sqe.addr = (unsigned long)d->token_path;
	sqe.open_flags = O_RDONLY;
	fd = uring_run(&u, &sqe);
	if (fd < 0)
		return -1;
	memset(&sqe, 0, sizeof(sqe));
	sqe.opcode = IORING_OP_READ;
	sqe.fd = fd;
	sqe.addr = (unsigned long)buf;
	sqe.len = sizeof(buf);
	return uring_run(&u, &sqe) > 0 ? 0 : -1;
}

static int c_read_1byte(const struct bs_dtest *d, int fd)
{
	char c;
	ssize_t n;

	fd = open(d->token_path, O_RDONLY);
	if (fd < 0)
		return -1;
	while ((n = read(fd, &c, 1)) == 1)
		;
	close(fd);
	return n ? -1 : 0;
}

static int c_readv(const struct bs_dtest *d, int fd)
{
	char buf[4096];
	struct iovec iov = { buf, sizeof(buf) };
	ssize_t n;

	fd = open(d->token_path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = readv(fd, &iov, 1);
	close(fd);
	return n > 0 ? 0 : -1;
}

static int c_pread(const struct bs_dtest *d, int fd)
{
	char buf[4096];
	ssize_t n;

	fd = open(d->token_path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = pread(fd, buf, sizeof(buf), 0);
	close(fd);
	return n > 0 ? 0 : -1;
}

static int c_stat(const struct bs_dtest *d, int fd)
{
	struct stat st;

	(void)fd;
	return stat(d->token_path, &st);
}

static int c_ls_l(const struct bs_dtest *d, int fd)
{
	const char *args[] = { "ls", "-l", d->dir, NULL };

	(void)fd;
	return run_busybox(args);
}

static int c_access(const struct bs_dtest *d, int fd)
{
	(void)fd;
	return access(d->token_path, R_OK);
}

static int c_other_file(const struct bs_dtest *d, int fd)
{
	char p[192], content[96];

	(void)fd;
	snprintf(p, sizeof(p), "%s/other", d->dir);
	if (random_content(content, sizeof(content)) ||
	    write_file(p, content, sizeof(content)))
		return -1;
	return open_read(p);
}

enum expect { EXP_ALERT, EXP_NONE, EXP_BLIND };

struct dcase {
	const char *name;
	enum expect expect;
	bool pre_open;        /* token fd opened by the runner before arming */
	uint32_t open_method; /* what "open" must report (0: any) */
	int (*run)(const struct bs_dtest *d, int fd);
};

static const struct dcase cases[] = {
	{ "cat", EXP_ALERT, false, 0, c_cat },
	{ "cat_pipe", EXP_ALERT, false, 0, c_cat_pipe },
	{ "symlink", EXP_ALERT, false, 0, c_symlink },
	{ "proc_root", EXP_ALERT, false, 0, c_proc_root },
	{ "openat2", EXP_ALERT, false, 0, c_openat2 },
	{ "dotdot", EXP_ALERT, false, 0, c_dotdot },
	{ "inherited_fd", EXP_ALERT, true, 0, c_inherited_fd },
	{ "mmap", EXP_ALERT, true, BS_M_MMAP, c_mmap },
	{ "sendfile", EXP_ALERT, true, BS_M_SENDFILE, c_sendfile },
	{ "splice", EXP_ALERT, true, BS_M_SPLICE, c_splice },
	{ "copy_file_range", EXP_ALERT, true, BS_M_COPY_FILE_RANGE,
	  c_copy_file_range },
	{ "io_uring", EXP_ALERT, false, 0, c_io_uring },
	{ "read_1byte", EXP_ALERT, false, 0, c_read_1byte },
	{ "readv", EXP_ALERT, false, 0, c_readv },
	{ "pread", EXP_ALERT, false, 0, c_pread },
	{ "stat", EXP_NONE, false, 0, c_stat },
	{ "ls_l", EXP_NONE, false, 0, c_ls_l },
	{ "access", EXP_NONE, false, 0, c_access },
	{ "other_file", EXP_NONE, false, 0, c_other_file },
};

#define N_CASES (sizeof(cases) / sizeof(cases[0]))
#define BK(a) (1u << (a))
#define BK_HOOKS (BK(BS_ATTACH_LSM) | BK(BS_ATTACH_FENTRY) | BK(BS_ATTACH_KPROBE))
#define BK_ALL (BK_HOOKS | BK(BS_ATTACH_TRACEPOINT))

/* What each strategy/backend cannot see, and why. */
struct blind_spot {
	const char *detect;
	unsigned backends;
	const char *cases;
	const char *reason;
};

static const struct blind_spot blind_spots[] = {
	{ "open", BK_ALL, "inherited_fd",
	  "fd opened before arming: reads are not hooked by open detection" },
	{ "open", BK_HOOKS, "sendfile splice copy_file_range",
	  "fd-based syscalls are only checked on the tracepoint backend" },
	{ "readscan", BK_ALL, "cat",
	  "busybox cat uses sendfile: the bytes never reach a user buffer" },
	{ "readscan", BK_ALL, "mmap sendfile splice copy_file_range",
	  "data not returned by a read() into user memory" },
	{ "readscan", BK_ALL, "io_uring",
	  "io_uring reads bypass the read syscalls and vfs_read" },
	{ "readscan", BK_ALL, "read_1byte",
	  "each read returns fewer bytes than a token window" },
	{ "readscan", BK_HOOKS, "readv",
	  "vectored reads do not go through vfs_read" },
};

static bool word_in(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return true;
	return false;
}

static const char *blind_reason(const char *detect, enum bs_attach b,
				const char *name)
{
	for (size_t i = 0; i < sizeof(blind_spots) / sizeof(blind_spots[0]); i++)
		if (!strcmp(blind_spots[i].detect, detect) &&
		    (blind_spots[i].backends & BK(b)) &&
		    word_in(blind_spots[i].cases, name))
			return blind_spots[i].reason;
	return NULL;
}

static const struct dcase *find_case(const char *name)
{
	for (size_t i = 0; i < N_CASES; i++)
		if (!strcmp(cases[i].name, name))
			return &cases[i];
	return NULL;
}

struct case_out {
	enum expect expect;
	int got;
	enum bs_dcase_result result;
	enum bs_attach backend;
	char why[160];
};

static void run_case(const struct dcase *c, const char *detect,
		     enum bs_attach attach, bool flip, struct case_out *o)
{
	struct bs_dtest *d = calloc(1, sizeof(*d));
	const char *blind;
	int fd = -1, rc, err;

	memset(o, 0, sizeof(*o));
	o->result = BS_DCASE_ERROR;
	if (!d) {
		snprintf(o->why, sizeof(o->why), "out of memory");
		return;
	}
	err = bs_dtest_start(d, detect, attach, 0, 0);
	if (err) {
		snprintf(o->why, sizeof(o->why), "detector: %s", strerror(-err));
		free(d);
		return;
	}
	o->backend = d->ctx.backend;
	blind = blind_reason(detect, o->backend, c->name);
	o->expect = blind ? EXP_BLIND : c->expect;
	if (flip)
		o->expect = o->expect == EXP_ALERT ? EXP_NONE : EXP_ALERT;
	if (c->pre_open)
		fd = open(d->token_path, O_RDONLY | O_CLOEXEC);
	err = bs_dtest_arm(d);
	if (err || (c->pre_open && fd < 0)) {
		snprintf(o->why, sizeof(o->why), "arm: %s",
			 strerror(err ? -err : errno));
		goto out;
	}
	/* the pre-opened fd must survive into the child: drop CLOEXEC */
	if (fd >= 0)
		fcntl(fd, F_SETFD, 0);
	rc = in_child(c->run, d, fd);
	if (rc) {
		snprintf(o->why, sizeof(o->why), "case action failed (%d)", rc);
		goto out;
	}
	/* events are queued synchronously by the access itself: only an
	 * expected alert deserves the long wait */
	o->got = bs_dtest_wait(d, o->expect == EXP_ALERT ? WAIT_ALERT_MS :
							   WAIT_NONE_MS,
			       strcmp(detect, "open") ? 0 : c->open_method);
	if (o->expect == EXP_BLIND) {
		o->result = BS_DCASE_BLIND;
		snprintf(o->why, sizeof(o->why), "%s%s", blind,
			 o->got ? " (but detected)" : "");
	} else if (o->got == (o->expect == EXP_ALERT)) {
		o->result = BS_DCASE_PASS;
	} else {
		o->result = BS_DCASE_FAIL;
		snprintf(o->why, sizeof(o->why), "expected %s, got %s",
			 o->expect == EXP_ALERT ? "an alert" : "no alert",
			 o->got ? "one" : "none");
	}
out:
	if (fd >= 0)
		close(fd);
	bs_dtest_stop(d);
	free(d);
}

enum bs_dcase_result bs_detect_suite_case(const char *detect,
					  enum bs_attach attach,
					  const char *name, char *why,
					  size_t why_len)
{
	const struct dcase *c = find_case(name);
	struct case_out o;

	if (!c) {
		snprintf(why, why_len, "no case named %s", name);
		return BS_DCASE_ERROR;
	}
	run_case(c, detect, attach, false, &o);
	snprintf(why, why_len, "%s", o.why);
	return o.result;
}

/* ---- the command line ---------------------------------------------------- */

struct suite_opts {
	const char *detect, *csv, *kernel, *break_case, *only;
	enum bs_attach attach;
};

static int parse_opts(int argc, char **argv, struct suite_opts *o)
{
	static const struct option lo[] = {
		{ "detect", required_argument, NULL, 'd' },
		{ "attach", required_argument, NULL, 'a' },
		{ "csv", required_argument, NULL, 'c' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "break-case", required_argument, NULL, 'b' },
		{ "case", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->detect = "open";
	optind = 1;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'd':
			o->detect = optarg;
			break;
		case 'a':
			if (bs_attach_parse(optarg, &o->attach)) {
				fprintf(stderr, "bad --attach %s\n", optarg);
				return -EINVAL;
			}
			break;
		case 'c':
			o->csv = optarg;
			break;
		case 'k':
			o->kernel = optarg;
			break;
		case 'b':
			o->break_case = optarg;
			break;
		case 'o':
			o->only = optarg;
			break;
		default:
			return -EINVAL;
		}
	}
	if (!bs_detect_find(o->detect) || !strcmp(o->detect, "none")) {
		fprintf(stderr, "bad --detect %s (open|readscan)\n", o->detect);
		return -EINVAL;
	}
	if (o->only && !find_case(o->only)) {
		fprintf(stderr, "no case named %s\n", o->only);
		return -EINVAL;
	}
	return 0;
}

static const char *expect_name(enum expect e)
{
	return e == EXP_ALERT ? "alert" : e == EXP_NONE ? "none" : "blind";
}

static const char *result_name(enum bs_dcase_result r)
{
	static const char *const n[] = { "PASS", "FAIL", "BLIND", "ERROR" };

	return n[r];
}

/* Starts the detector once so a missing backend is reported as such. */
static int probe_backend(const struct suite_opts *o, enum bs_attach *got)
{
	struct bs_dtest *d = calloc(1, sizeof(*d));
	int err;

	if (!d)
		return -ENOMEM;
	err = bs_dtest_start(d, o->detect, o->attach, 0, 0);
	if (!err) {
		*got = d->ctx.backend;
		bs_dtest_stop(d);
	}
	free(d);
	return err;
}

int bs_detect_suite_main(int argc, char **argv)
{
	static const char *const hdr[] = { "kernel", "backend", "detect",
					   "case", "expect", "result" };
	unsigned pass = 0, fail = 0, skip = 0;
	struct bs_csv csv = { 0 };
	struct suite_opts o;
	struct utsname un;
	enum bs_attach backend = BS_ATTACH_AUTO;
	int err;

	if (parse_opts(argc, argv, &o))
		return 2;
	bs_log_set_level(BS_LOG_WARN); /* one start per case: keep it quiet */
	if (!o.kernel)
		o.kernel = uname(&un) ? "unknown" : un.release;
	err = probe_backend(&o, &backend);
	if (err) {
		fprintf(stderr, "detect %s: backend %s could not start: %s\n",
			o.detect, bs_attach_name(o.attach), strerror(-err));
		printf("0 passed, 0 failed, 0 skipped\n");
		return 2;
	}
	if (o.csv && (err = bs_csv_open(&csv, o.csv, hdr, 6))) {
		fprintf(stderr, "csv %s: %s\n", o.csv, strerror(-err));
		return 2;
	}
	for (size_t i = 0; i < N_CASES; i++) {
		const struct dcase *c = &cases[i];
		struct case_out r;

		if (o.only && strcmp(o.only, c->name))
			continue;
		run_case(c, o.detect, o.attach,
			 o.break_case && !strcmp(o.break_case, c->name), &r);
		if (r.result == BS_DCASE_PASS)
			pass++;
		else if (r.result == BS_DCASE_BLIND)
			skip++;
		else
			fail++;
		printf("case %s backend=%s expect=%s got=%d %s\n", c->name,
		       bs_attach_name(r.result == BS_DCASE_ERROR ? backend :
								  r.backend),
		       expect_name(r.expect), r.got,
		       r.result == BS_DCASE_ERROR ? "FAIL" : result_name(r.result));
		if (r.why[0])
			printf("#   %s\n", r.why);
		fflush(stdout);
		if (o.csv) {
			const char *row[] = { o.kernel, bs_attach_name(backend),
					      o.detect, c->name,
					      expect_name(r.expect),
					      r.result == BS_DCASE_ERROR ?
						      "FAIL" : result_name(r.result) };

			bs_csv_write(&csv, row, 6);
		}
	}
	if (o.csv)
		bs_csv_close(&csv);
	printf("%u passed, %u failed, %u skipped\n", pass, fail, skip);
	return fail ? 1 : 0;
}
