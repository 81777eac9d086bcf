// SPDX-License-Identifier: Apache-2.0
/* A private real containerd (harness/runtime/containerd.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/fs.h"
#include "harness/runtime/containerd.h"
#include "harness/runtime/crio.h"

#define CMD_TIMEOUT_MS 90000
#define MAX_ARGV       48

static const char *const tool_names[CTRD_N] = { "containerd",
						"containerd-shim-runc-v2",
						"ctr", "crictl" };

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void nap_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* ---- running commands ------------------------------------------------- */

static void child_stdio(int out_fd)
{
	int null = open("/dev/null", O_RDONLY);

	if (null >= 0)
		dup2(null, STDIN_FILENO);
	dup2(out_fd, STDOUT_FILENO);
	dup2(out_fd, STDERR_FILENO);
}

/* Read the pipe until EOF or the deadline; keep what fits. */
static void drain(int fd, char *out, size_t len, int64_t deadline)
{
	size_t n = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int left = (int)(deadline - now_ms());
		char scratch[4096];
		ssize_t r;

		if (left <= 0 || poll(&p, 1, left) <= 0)
			break;
		if (out && n + 1 < len)
			r = read(fd, out + n, len - 1 - n);
		else
			r = read(fd, scratch, sizeof(scratch));
		if (r <= 0)
			break;
		if (out && n + 1 < len)
			n += (size_t)r;
	}
	if (out && len)
		out[n] = '\0';
}

/* argv[0] is a path, or a name looked up on PATH. Exit code or -errno. */
int ctrd_run(char *const argv[], char *out, size_t len, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	int pfd[2], st;
	pid_t pid;

	if (out && len)
		out[0] = '\0';
	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -errno;
	}
	if (pid == 0) {
		child_stdio(pfd[1]);
		execvp(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	drain(pfd[0], out, len, deadline);
	close(pfd[0]);
	while (waitpid(pid, &st, WNOHANG) == 0) {
		if (now_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -ETIMEDOUT;
		}
		nap_ms(10);
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : -EINTR;
}

static int run_va(const char *const *pre, size_t n_pre, char *out, size_t len,
		  va_list ap)
{
	char *argv[MAX_ARGV];
	const char *a;
	size_t n = 0;

	for (; n < n_pre; n++)
		argv[n] = (char *)pre[n];
	while ((a = va_arg(ap, const char *)) && n + 1 < MAX_ARGV)
		argv[n++] = (char *)a;
	argv[n] = NULL;
	return ctrd_run(argv, out, len, CMD_TIMEOUT_MS);
}

int ctrd_crictl(const struct ctrd *c, char *out, size_t len, ...)
{
	char ep[160];
	const char *pre[] = { c->bin[CTRD_CRICTL],
			      "--config",
			      c->crictl_cfg,
			      "--runtime-endpoint",
			      ep,
			      "--image-endpoint",
			      ep,
			      "--timeout",
			      "30s" };
	va_list ap;
	int r;

	snprintf(ep, sizeof(ep), "unix://%s", c->sock);
	va_start(ap, len);
	r = run_va(pre, sizeof(pre) / sizeof(pre[0]), out, len, ap);
	va_end(ap);
	return r;
}

int ctrd_ctr(const struct ctrd *c, char *out, size_t len, ...)
{
	const char *pre[] = { c->bin[CTRD_CTR], "--address", c->sock, "-n",
			      "k8s.io" };
	va_list ap;
	int r;

	va_start(ap, len);
	r = run_va(pre, sizeof(pre) / sizeof(pre[0]), out, len, ap);
	va_end(ap);
	return r;
}

/* ---- discovery -------------------------------------------------------- */

const char *ctrd_name(const struct ctrd *c)
{
	return c->kind == CTRD_KIND_CRIO ? "cri-o" : "containerd";
}

int ctrd_find_bin(const char *name, const char *dir, bool path_too, char *out)
{
	const char *path = getenv("PATH");
	char buf[4096], *save = NULL, *d;

	if (dir) {
		snprintf(out, CTRD_PATH, "%s/%s", dir, name);
		if (!access(out, X_OK) || !path_too)
			return access(out, X_OK) ? -ENOENT : 0;
	}
	snprintf(buf, sizeof(buf), "%s", path ? path : "/usr/bin:/bin");
	for (d = strtok_r(buf, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(out, CTRD_PATH, "%s/%s", *d ? d : ".", name);
		if (!access(out, X_OK))
			return 0;
	}
	return -ENOENT;
}

/* "containerd github.com/containerd/containerd v1.7.13 7c3a..." -> 1, 7 */
int ctrd_parse_version(const char *s, int *maj, int *min, char *ver, size_t len)
{
	char buf[512], *save = NULL, *t;

	snprintf(buf, sizeof(buf), "%s", s);
	for (t = strtok_r(buf, " \t\n", &save); t;
	     t = strtok_r(NULL, " \t\n", &save)) {
		const char *v = t[0] == 'v' ? t + 1 : t;

		if (v[0] >= '0' && v[0] <= '9' && strchr(v, '.') &&
		    sscanf(v, "%d.%d", maj, min) == 2) {
			snprintf(ver, len, "%s", v);
			return 0;
		}
	}
	return -EINVAL;
}

int ctrd_dirs(char dirs[][CTRD_PATH], int max)
{
	const char *env = getenv("BEESTING_CONTAINERD");
	char buf[CTRD_PATH * CTRD_MAX_RUNTIMES], *save = NULL, *d;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", env ? env : "");
	for (d = strtok_r(buf, ":", &save); d && n < max;
	     d = strtok_r(NULL, ":", &save))
		snprintf(dirs[n++], CTRD_PATH, "%s", d);
	return n;
}

int ctrd_find_in(struct ctrd *c, const char *dir, char *why, size_t len)
{
	char out[512], *argv[3];

	memset(c, 0, sizeof(*c));
	c->guard = c->pid = -1;
	if (dir && !*dir)
		dir = NULL;
	for (int i = 0; i < CTRD_N; i++) {
		/* one crictl serves every containerd: PATH has it when the
		 * runtime's own directory does not */
		if (ctrd_find_bin(tool_names[i], dir, i == CTRD_CRICTL,
				  c->bin[i])) {
			snprintf(why, len,
				 "no containerd >= 1.7 with shim, ctr and "
				 "crictl: "
				 "set BEESTING_CONTAINERD to their directory "
				 "(%s not found in %s)",
				 tool_names[i], dir ? dir : "PATH");
			return -ENOENT;
		}
	}
	snprintf(c->bindir, sizeof(c->bindir), "%s", c->bin[CTRD_CONTAINERD]);
	*strrchr(c->bindir, '/') = '\0';
	argv[0] = c->bin[CTRD_CONTAINERD];
	argv[1] = "--version";
	argv[2] = NULL;
	if (ctrd_run(argv, out, sizeof(out), 10000) != 0 ||
	    ctrd_parse_version(out, &c->major, &c->minor, c->version,
			       sizeof(c->version)) ||
	    c->major < 1 || (c->major == 1 && c->minor < 7)) {
		snprintf(why, len,
			 "no containerd >= 1.7 with shim, ctr and crictl: "
			 "set BEESTING_CONTAINERD to their directory "
			 "(%s --version says \"%.80s\")",
			 c->bin[CTRD_CONTAINERD], out);
		return -ENOENT;
	}
	return 0;
}

int ctrd_find(struct ctrd *c, char *why, size_t len)
{
	char dirs[1][CTRD_PATH];

	return ctrd_find_in(c, ctrd_dirs(dirs, 1) ? dirs[0] : NULL, why, len);
}

int ctrd_find_all(struct ctrd *list, int max, char *why, size_t len)
{
	char dirs[CTRD_MAX_RUNTIMES][CTRD_PATH];
	int n = ctrd_dirs(dirs, CTRD_MAX_RUNTIMES), found = 0;

	if (!n)
		return ctrd_find_in(list, NULL, why, len) ? 0 : 1;
	for (int i = 0; i < n && found < max; i++) {
		char one[512];

		if (ctrd_find_in(&list[found], dirs[i], one, sizeof(one)))
			snprintf(why, len, "%s", one); /* the last reason */
		else
			found++;
	}
	return found;
}

/* Same release line; "later" (minor < 0) is any line after major.-minor */
static bool on_line(const struct ctrd *c, int major, int minor)
{
	if (minor >= 0)
		return c->major == major && c->minor == minor;
	return c->major > major || (c->major == major && c->minor > -minor);
}

int ctrd_find_line(struct ctrd *c, int major, int minor, char *why, size_t len)
{
	static struct ctrd all[CTRD_MAX_RUNTIMES];
	char seen[256] = "";
	int n = ctrd_find_all(all, CTRD_MAX_RUNTIMES, why, len);

	for (int i = 0; i < n; i++) {
		if (on_line(&all[i], major, minor)) {
			*c = all[i];
			return 0;
		}
		snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen),
			 "%s%s in %.80s", i ? ", " : "", all[i].version,
			 all[i].bindir);
	}
	memset(c, 0, sizeof(*c));
	c->guard = c->pid = -1;
	if (n) {
		if (minor >= 0)
			snprintf(why, len,
				 "no containerd %d.%d.x among those found (%s):"
				 " add its directory to BEESTING_CONTAINERD",
				 major, minor, seen);
		else
			snprintf(why, len,
				 "no containerd newer than %d.%d among those "
				 "found (%s)",
				 major, -minor, seen);
	}
	return -ENOENT;
}

/* ---- the guardian of the mount namespace ------------------------------ */

static int ino_of(const char *path, struct stat *st)
{
	return stat(path, st) ? -errno : 0;
}

/* SIGKILL every process in our mount namespace but us. Returns how many. */
static int kill_ns(const struct stat *ns)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		pid_t pid = (pid_t)atoi(e->d_name);
		char path[64];
		struct stat st;

		if (pid <= 0 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/mnt", pid);
		if (ino_of(path, &st) || st.st_ino != ns->st_ino ||
		    st.st_dev != ns->st_dev)
			continue;
		kill(pid, SIGKILL);
		n++;
	}
	closedir(d);
	return n;
}

/* fn on every subdirectory of path (hidden ones left out): the sum of
 * what it returns, or -1 when path cannot be read. */
static int each_subdir(const char *path, int (*fn)(const char *))
{
	char sub[CTRD_PATH * 2];
	struct dirent *e;
	DIR *d = opendir(path);
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		n += fn(sub);
	}
	closedir(d);
	return n;
}

/* SIGKILL every process in the cgroups under cgparent (the containers:
 * they have mount namespaces of their own). Returns how many. */
static int kill_cgroup_tree(const char *path)
{
	char procs[CTRD_PATH * 2];
	int n = 0, below, pid;
	FILE *f;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", path);
	f = fopen(procs, "re");
	if (f) {
		while (fscanf(f, "%d", &pid) == 1) {
			kill(pid, SIGKILL);
			n++;
		}
		fclose(f);
	}
	below = each_subdir(path, kill_cgroup_tree);
	return below > 0 ? n + below : n;
}

/* Apply fn to <hierarchy>/<cgparent> for every cgroup hierarchy. */
static int each_cgroup(const char *cgparent, int (*fn)(const char *))
{
	DIR *d = opendir("/sys/fs/cgroup");
	struct dirent *e;
	char path[CTRD_PATH * 2];
	struct stat st;
	int n = 0;

	if (!d)
		return 0;
	/* pure cgroup v2: the root itself is the hierarchy */
	snprintf(path, sizeof(path), "/sys/fs/cgroup/%s", cgparent);
	if (!stat("/sys/fs/cgroup/cgroup.controllers", &st))
		n += fn(path);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/%s", e->d_name,
			 cgparent);
		if (!stat(path, &st) && S_ISDIR(st.st_mode))
			n += fn(path);
	}
	closedir(d);
	return n;
}

static int rmdir_tree(const char *path)
{
	int left = each_subdir(path, rmdir_tree);

	if (left < 0)
		return 0;
	return left + (rmdir(path) && errno != ENOENT);
}

static const char *guard_cgparent;
static const char *guard_dir;

/* Field 22 of /proc/<pid>/stat: tells a pid from a reused one. */
static unsigned long long start_time(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long t = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		sscanf(p + 2,
		       "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
		       "%*u %*u %*d %*d %*d %*d %*d %*d %llu",
		       &t);
	fclose(f);
	return t;
}

int ctrd_adopt(const struct ctrd *c, pid_t pid)
{
	char path[CTRD_PATH];
	FILE *f;

	snprintf(path, sizeof(path), "%s/adopted", c->dir);
	f = fopen(path, "ae");
	if (!f)
		return -errno;
	fprintf(f, "%d %llu\n", (int)pid, start_time(pid));
	return fclose(f) ? -errno : 0;
}

/* Processes outside the namespace our caller asked us to outlive. */
static int kill_adopted(void)
{
	unsigned long long t;
	char path[CTRD_PATH];
	int pid, n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/adopted", guard_dir);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fscanf(f, "%d %llu", &pid, &t) == 2) {
		if (pid > 0 && t && start_time(pid) == t) {
			kill(pid, SIGKILL);
			n++;
		}
	}
	fclose(f);
	return n;
}

static int kill_cg_one(const char *path)
{
	return kill_cgroup_tree(path);
}

/* Kill until nothing of ours is left, or 10 s. */
static void guard_sweep(void)
{
	struct stat ns;

	if (ino_of("/proc/self/ns/mnt", &ns))
		return;
	for (int i = 0; i < 200; i++) {
		int n = kill_ns(&ns) +
			each_cgroup(guard_cgparent, kill_cg_one) +
			kill_adopted();

		if (!n)
			return;
		nap_ms(50);
	}
}

static int guard_ns_setup(void)
{
	if (unshare(CLONE_NEWNS))
		return -errno;
	/* host mounts still show up in here; ours never leave */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL))
		return -errno;
	if (mount("bs-ctrd-run", "/run", "tmpfs", MS_NOSUID | MS_NODEV,
		  "mode=0755"))
		return -errno;
	return 0;
}

/* Child: own the namespace until SIGTERM (from teardown, or the parent's
 * death), then kill everything in it. Never returns. */
static void guard_main(int ready_fd, pid_t parent)
{
	sigset_t set;
	int err, sig;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	prctl(PR_SET_NAME, "bs-ctrd-guard");
	if (getppid() != parent)
		_exit(1);
	err = guard_ns_setup();
	if (write(ready_fd, &err, sizeof(err)) != sizeof(err))
		_exit(1);
	close(ready_fd);
	if (err)
		_exit(1);
	sigwait(&set, &sig);
	guard_sweep();
	_exit(0);
}

static int guard_start(struct ctrd *c)
{
	pid_t parent = getpid();
	int pfd[2], err = -EIO;
	sigset_t set, old;

	if (pipe2(pfd, O_CLOEXEC))
		return -errno;
	/* SIGTERM blocked across fork: none is lost before sigwait */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, &old);
	guard_cgparent = c->cgparent;
	guard_dir = c->dir;
	c->guard = fork();
	if (c->guard == 0) {
		close(pfd[0]);
		guard_main(pfd[1], parent);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(pfd[1]);
	if (c->guard < 0) {
		close(pfd[0]);
		return -errno;
	}
	if (read(pfd[0], &err, sizeof(err)) != sizeof(err))
		err = -EIO;
	close(pfd[0]);
	return err;
}

static void guard_stop(struct ctrd *c)
{
	int64_t deadline = now_ms() + 20000;
	int st;

	if (c->guard <= 0)
		return;
	kill(c->guard, SIGTERM);
	while (waitpid(c->guard, &st, WNOHANG) == 0 && now_ms() < deadline)
		nap_ms(20);
	if (now_ms() >= deadline) {
		kill(c->guard, SIGKILL);
		waitpid(c->guard, &st, 0);
	}
	c->guard = -1;
}

/* ---- config and start/stop -------------------------------------------- */

static int write_config(const struct ctrd *c)
{
	const char *cri = "plugins.\"io.containerd.grpc.v1.cri\"";
	FILE *f = fopen(c->config, "we");

	if (!f)
		return -errno;
	fprintf(f,
		"version = 2\n"
		"root = \"%1$s/root\"\n"
		"state = \"%1$s/state\"\n"
		"[grpc]\n  address = \"%2$s\"\n"
		"[ttrpc]\n  address = \"%2$s.ttrpc\"\n"
		"[debug]\n  level = \"info\"\n"
		"[plugins.\"io.containerd.internal.v1.opt\"]\n"
		"  path = \"%1$s/opt\"\n"
		"[plugins.\"io.containerd.nri.v1.nri\"]\n"
		"  disable = false\n"
		"  disable_connections = false\n"
		"  socket_path = \"%3$s\"\n"
		"  plugin_path = \"%1$s/nri-plugins\"\n"
		"  plugin_config_path = \"%1$s/nri-conf\"\n"
		"  plugin_registration_timeout = \"10s\"\n"
		"  plugin_request_timeout = \"5s\"\n",
		c->dir, c->sock, c->nri_sock);
	/* CRI: cgroupfs, no AppArmor/SELinux, no pulls, CNI never used
	 * (pods use the host network); oom_score_adj clamped to ours, as
	 * lowering it needs CAP_SYS_RESOURCE, which a sandbox may lack */
	fprintf(f,
		"[%1$s]\n"
		"  sandbox_image = \"%3$s\"\n"
		"  disable_apparmor = true\n"
		"  enable_selinux = false\n"
		"  restrict_oom_score_adj = true\n"
		"  stream_server_address = \"127.0.0.1\"\n"
		"  stream_server_port = \"0\"\n"
		"[%1$s.containerd]\n"
		"  snapshotter = \"overlayfs\"\n"
		"  default_runtime_name = \"runc\"\n"
		"[%1$s.containerd.runtimes.runc]\n"
		"  runtime_type = \"io.containerd.runc.v2\"\n"
		"[%1$s.containerd.runtimes.runc.options]\n"
		"  SystemdCgroup = false\n"
		"[%1$s.cni]\n"
		"  bin_dir = \"%2$s/cni/bin\"\n"
		"  conf_dir = \"%2$s/cni/conf\"\n",
		cri, c->dir, CTRD_PAUSE);
	return fclose(f) ? -errno : 0;
}

static void umount_under(const char *dir);
static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw);

static bool is_guard(pid_t pid)
{
	char path[64], comm[32] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	return !strcmp(comm, "bs-ctrd-guard\n");
}

/* What a process killed before its teardown left behind: dirs
 * whose guard is gone (it already killed their processes), and their
 * empty cgroups.  A dir still being set up (no guard.pid yet, young) or
 * with a live guard belongs to a run going on now. */
static void sweep_stale(void)
{
	DIR *d = opendir("/var/tmp");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char dir[CTRD_PATH], path[CTRD_PATH + 16];
		struct stat st;
		int pid = 0;
		FILE *f;

		if (strncmp(e->d_name, "bs-ctrd-", 8) || strlen(e->d_name) > 64)
			continue;
		snprintf(dir, sizeof(dir), "/var/tmp/%s", e->d_name);
		snprintf(path, sizeof(path), "%s/guard.pid", dir);
		f = fopen(path, "re");
		if (f) {
			if (fscanf(f, "%d", &pid) != 1)
				pid = 0;
			fclose(f);
		} else if (stat(dir, &st) || time(NULL) - st.st_mtime < 600) {
			continue;
		}
		snprintf(path, sizeof(path), "%s/kept", dir);
		if ((pid > 0 && is_guard(pid)) || !access(path, F_OK))
			continue;
		each_cgroup(e->d_name, rmdir_tree);
		umount_under(dir);
		nftw(dir, rm_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	}
	closedir(d);
}

int ctrd_setup(struct ctrd *c)
{
	char buf[512], path[CTRD_PATH];
	int n, err;

	sweep_stale();
	snprintf(c->dir, sizeof(c->dir), "/var/tmp/bs-ctrd-XXXXXX");
	if (!mkdtemp(c->dir)) {
		c->dir[0] = '\0';
		return -errno;
	}
	snprintf(c->cgparent, sizeof(c->cgparent), "%s", c->dir + 9);
	snprintf(c->sock, sizeof(c->sock), "%s/%s.sock", c->dir, ctrd_name(c));
	snprintf(c->nri_sock, sizeof(c->nri_sock), "%s/nri.sock", c->dir);
	snprintf(c->config, sizeof(c->config), "%s/config.toml", c->dir);
	snprintf(c->crictl_cfg, sizeof(c->crictl_cfg), "%s/crictl.yaml",
		 c->dir);
	snprintf(c->log, sizeof(c->log), "%s/%s.log", c->dir, ctrd_name(c));
	err = c->kind == CTRD_KIND_CRIO ? crio_prepare(c) : write_config(c);
	if (err)
		return err;
	n = snprintf(buf, sizeof(buf),
		     "runtime-endpoint: unix://%1$s\n"
		     "image-endpoint: unix://%1$s\n"
		     "timeout: 30\npull-image-on-create: false\n",
		     c->sock);
	err = bs_write_file(c->crictl_cfg, buf, (size_t)n, 0644);
	if (err)
		return err;
	err = guard_start(c);
	if (err)
		return err;
	n = snprintf(buf, sizeof(buf), "%d\n", (int)c->guard);
	snprintf(path, sizeof(path), "%s/guard.pid", c->dir);
	return bs_write_file(path, buf, (size_t)n, 0644);
}

static void exec_containerd(const struct ctrd *c, int ns_fd)
{
	char path[CTRD_PATH + 128];
	int log = open(c->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	if (setns(ns_fd, CLONE_NEWNS) || chdir(c->dir) || log < 0)
		_exit(126);
	setsid();
	child_stdio(log);
	/* the shim and runc are found on PATH */
	snprintf(path, sizeof(path),
		 "PATH=%s:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
		 "/sbin:/bin",
		 c->bindir);
	putenv(path);
	if (c->kind == CTRD_KIND_CRIO)
		crio_exec(c);
	else
		execl(c->bin[CTRD_CONTAINERD], c->bin[CTRD_CONTAINERD],
		      "--config", c->config, NULL);
	_exit(127);
}

static bool containerd_alive(struct ctrd *c)
{
	int st;

	if (c->pid <= 0)
		return false;
	if (waitpid(c->pid, &st, WNOHANG) == 0)
		return true;
	c->pid = -1;
	return false;
}

int ctrd_start(struct ctrd *c, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	char path[64], out[4096];
	int fd;

	if (c->guard <= 0)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", c->guard);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	c->pid = fork();
	if (c->pid == 0)
		exec_containerd(c, fd);
	close(fd);
	if (c->pid < 0)
		return -errno;
	/* up when CRI answers, not merely when the socket exists */
	while (now_ms() < deadline) {
		if (!containerd_alive(c))
			return -ECHILD;
		if (!access(c->sock, F_OK) &&
		    ctrd_crictl(c, out, sizeof(out), "info", (char *)NULL) == 0)
			return 0;
		nap_ms(100);
	}
	return -ETIMEDOUT;
}

int ctrd_stop(struct ctrd *c, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	int st;

	if (c->pid <= 0)
		return 0;
	kill(c->pid, SIGTERM);
	while (now_ms() < deadline) {
		if (waitpid(c->pid, &st, WNOHANG) == c->pid) {
			c->pid = -1;
			return 0;
		}
		nap_ms(20);
	}
	kill(c->pid, SIGKILL);
	waitpid(c->pid, &st, 0);
	c->pid = -1;
	return -ETIMEDOUT;
}

void ctrd_dump_log(const struct ctrd *c, int lines)
{
	char cmd[CTRD_PATH + 32];

	if (!c->log[0])
		return;
	snprintf(cmd, sizeof(cmd), "tail -n %d '%s' >&2", lines, c->log);
	fprintf(stderr, "---- last %s log lines (%s) ----\n", ctrd_name(c),
		c->log);
	if (system(cmd) != 0)
		fprintf(stderr, "(no %s log)\n", ctrd_name(c));
}

/* ---- teardown --------------------------------------------------------- */

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/* Anything of ours still mounted in the host namespace goes first: the
 * walk below never crosses a mount point (FTW_MOUNT) anyway. */
static void umount_under(const char *dir)
{
	size_t n = strlen(dir);
	char line[4096], mnt[CTRD_PATH * 2];
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %*s %*s %*s %511s", mnt) == 1 &&
		    !strncmp(mnt, dir, n) && (mnt[n] == '/' || !mnt[n]))
			umount2(mnt, MNT_DETACH);
	}
	fclose(f);
}

void ctrd_teardown(struct ctrd *c)
{
	char out[4096];

	if (containerd_alive(c)) {
		/* the polite way first: CRI stops and removes the pods */
		ctrd_crictl(c, out, sizeof(out), "rmp", "-a", "-f",
			    (char *)NULL);
		ctrd_stop(c, 10000);
	}
	guard_stop(c);
	if (c->cgparent[0]) {
		for (int i = 0; i < 100; i++) {
			if (!each_cgroup(c->cgparent, rmdir_tree))
				break;
			nap_ms(50);
		}
	}
	if (c->dir[0] && getenv("BEESTING_CONTAINERD_KEEP")) {
		char kept[CTRD_PATH];

		snprintf(kept, sizeof(kept), "%s/kept", c->dir);
		bs_write_file(kept, "", 0, 0644);
		fprintf(stderr, "kept %s (BEESTING_CONTAINERD_KEEP)\n", c->dir);
	} else if (c->dir[0]) {
		umount_under(c->dir);
		nftw(c->dir, rm_one, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
		c->dir[0] = '\0';
	}
}
