// SPDX-License-Identifier: Apache-2.0
/* runc + busybox-static containers (see runc.h). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/runtime/runc.h"
#include "lib/cmd.h"
#include "lib/fs.h"

#define BUSYBOX "/bin/busybox"
#define RUNC	"runc"

static const char *const applets[] = {
	"sh",	 "cat",	  "ls",	  "stat", "sleep", "echo",  "touch", "rm",
	"mkdir", "mount", "grep", "id",	  "true",  "false", "test",  "readlink",
	"ln",	 "head",  "wc",	  "dd",	  "chmod", NULL,
};

bool bs_runc_available(void)
{
	const char *argv[] = { RUNC, "--version", NULL };
	int st = -1;

	if (access(BUSYBOX, X_OK))
		return false;
	return !bs_cmd_run(argv, 5000, NULL, 0, &st) && st == 0;
}

static int copy_file(const char *src, const char *dst, mode_t mode)
{
	int in, out, err = 0;
	struct stat st;
	off_t left;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (out < 0 || fstat(in, &st)) {
		err = -errno;
		goto out;
	}
	for (left = st.st_size; left > 0;) {
		ssize_t n =
			copy_file_range(in, NULL, out, NULL, (size_t)left, 0);

		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			break;
		}
		left -= n;
	}
out:
	if (out >= 0)
		close(out);
	close(in);
	return err;
}

static int make_rootfs(const char *rootfs)
{
	static const char *const dirs[] = { "bin", "proc", "dev", "sys", "tmp",
					    "etc", "root", "var", "run", NULL };
	char p[512];
	int err;

	if (mkdir(rootfs, 0755))
		return -errno;
	for (const char *const *d = dirs; *d; d++) {
		snprintf(p, sizeof(p), "%s/%s", rootfs, *d);
		if (mkdir(p, 0755))
			return -errno;
	}
	/* A copy, not a hard link: the container must not be able to write
	 * the host's /bin/busybox. */
	snprintf(p, sizeof(p), "%s/bin/busybox", rootfs);
	err = copy_file(BUSYBOX, p, 0755);
	if (err)
		return err;
	for (const char *const *a = applets; *a; a++) {
		snprintf(p, sizeof(p), "%s/bin/%s", rootfs, *a);
		if (symlink("busybox", p))
			return -errno;
	}
	return 0;
}

static json_t *caps(void)
{
	return json_pack("[s,s,s]", "CAP_AUDIT_WRITE", "CAP_KILL",
			 "CAP_NET_BIND_SERVICE");
}

static json_t *base_mounts(void)
{
	return json_pack("[{s:s,s:s,s:s},"
			 "{s:s,s:s,s:s,s:[s,s,s,s]},"
			 "{s:s,s:s,s:s,s:[s,s,s,s,s,s]},"
			 "{s:s,s:s,s:s,s:[s,s,s,s,s]},"
			 "{s:s,s:s,s:s,s:[s,s,s,s]}]",
			 "destination", "/proc", "type", "proc", "source",
			 "proc", "destination", "/dev", "type", "tmpfs",
			 "source", "tmpfs", "options", "nosuid", "strictatime",
			 "mode=755", "size=65536k", "destination", "/dev/pts",
			 "type", "devpts", "source", "devpts", "options",
			 "nosuid", "noexec", "newinstance", "ptmxmode=0666",
			 "mode=0620", "gid=5", "destination", "/dev/shm",
			 "type", "tmpfs", "source", "shm", "options", "nosuid",
			 "noexec", "nodev", "mode=1777", "size=65536k",
			 "destination", "/sys", "type", "sysfs", "source",
			 "sysfs", "options", "nosuid", "noexec", "nodev", "ro");
}

/* Minimal OCI config.  No oomScoreAdj: it needs CAP_SYS_RESOURCE. */
static json_t *make_config(const char *const *args, const char *hostname)
{
	json_t *argv = json_array();

	for (; argv && args && *args; args++)
		json_array_append_new(argv, json_string(*args));
	if (!argv)
		return NULL;
	return json_pack(
		"{s:s, s:{s:b, s:{s:i,s:i}, s:o, s:[s], s:s,"
		" s:{s:o,s:o,s:o}, s:b},"
		" s:{s:s,s:b}, s:s, s:o,"
		" s:{s:[{s:s},{s:s},{s:s},{s:s},{s:s}],"
		"    s:{s:[{s:b,s:s}]},"
		"    s:[s,s,s,s,s], s:[s,s,s]}}",
		"ociVersion", "1.0.2-dev", "process", "terminal", 0, "user",
		"uid", 0, "gid", 0, "args", argv, "env",
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/"
		"bin",
		"cwd", "/", "capabilities", "bounding", caps(), "effective",
		caps(), "permitted", caps(), "noNewPrivileges", 1, "root",
		"path", "rootfs", "readonly", 0, "hostname", hostname, "mounts",
		base_mounts(), "linux", "namespaces", "type", "pid", "type",
		"ipc", "type", "uts", "type", "mount", "type", "network",
		"resources", "devices", "allow", 0, "access", "rwm",
		"maskedPaths", "/proc/kcore", "/proc/keys", "/proc/timer_list",
		"/sys/firmware", "/proc/scsi", "readonlyPaths", "/proc/bus",
		"/proc/sys", "/proc/sysrq-trigger");
}

static void unique_id(char *out, size_t cap)
{
	static atomic_uint seq;
	unsigned int r = 0;

	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (unsigned int)time(NULL);
	snprintf(out, cap, "bs-%d-%u-%08x", (int)getpid(),
		 atomic_fetch_add(&seq, 1), r);
}

int bs_runc_bundle(struct bs_runc *c, const char *tmp_base,
		   const char *const *args)
{
	static const char *const def_args[] = { "sleep", "3600", NULL };
	json_t *cfg;
	int err;

	memset(c, 0, sizeof(*c));
	snprintf(c->dir, sizeof(c->dir), "%s/bs-runc-XXXXXX",
		 tmp_base ? tmp_base : "/tmp");
	if (!mkdtemp(c->dir)) {
		err = -errno;
		c->dir[0] = '\0';
		return err;
	}
	unique_id(c->id, sizeof(c->id));
	snprintf(c->state, sizeof(c->state), "%s/state", c->dir);
	snprintf(c->bundle, sizeof(c->bundle), "%s/bundle", c->dir);
	snprintf(c->rootfs, sizeof(c->rootfs), "%s/rootfs", c->bundle);
	snprintf(c->config, sizeof(c->config), "%s/config.json", c->bundle);
	if (mkdir(c->state, 0700) || mkdir(c->bundle, 0755))
		return -errno;
	err = make_rootfs(c->rootfs);
	if (err)
		return err;
	cfg = make_config(args ? args : def_args, "bs");
	if (!cfg)
		return -ENOMEM;
	err = json_dump_file(cfg, c->config, JSON_INDENT(1)) ? -EIO : 0;
	json_decref(cfg);
	return err;
}

int bs_runc_set_hostname(const struct bs_runc *c, const char *hostname)
{
	json_t *cfg = json_load_file(c->config, 0, NULL);
	int err = -EIO;

	if (!cfg)
		return -EIO;
	if (!json_object_set_new(cfg, "hostname", json_string(hostname)) &&
	    !json_dump_file(cfg, c->config, JSON_INDENT(1)))
		err = 0;
	json_decref(cfg);
	return err;
}

static int runc(struct bs_runc *c, const char *const *tail, char *out,
		size_t cap)
{
	const char *argv[32] = { RUNC, "--root", c->state };
	char buf[4096];
	size_t n = 3;
	int st, err;

	for (; *tail && n < 31; tail++)
		argv[n++] = *tail;
	argv[n] = NULL;
	if (!out) {
		out = buf;
		cap = sizeof(buf);
	}
	err = bs_cmd_run(argv, BS_RUNC_TIMEOUT_MS, out, cap, &st);
	if (!err && st != 0)
		err = -ECHILD;
	return err;
}

int bs_runc_create(struct bs_runc *c)
{
	char pidfile[340], buf[32] = "";
	const char *tail[] = { "create", "--bundle", c->bundle, "--pid-file",
			       pidfile,	 c->id,	     NULL };
	char out[4096];
	int fd, err;
	ssize_t n;

	snprintf(pidfile, sizeof(pidfile), "%s/pid", c->dir);
	err = runc(c, tail, out, sizeof(out));
	if (err) {
		fprintf(stderr, "runc create %s failed: %s\n", c->id, out);
		/* runc may leave a half-created container behind. */
		c->created = true;
		return err;
	}
	c->created = true;
	fd = open(pidfile, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	c->pid = (pid_t)atoi(buf);
	return c->pid > 0 ? 0 : -EINVAL;
}

int bs_runc_start(struct bs_runc *c)
{
	const char *tail[] = { "start", c->id, NULL };

	return runc(c, tail, NULL, 0);
}

int bs_runc_exec(struct bs_runc *c, const char *const *argv, char *out,
		 size_t cap, int *status)
{
	const char *full[40] = { RUNC, "--root", c->state, "exec", c->id };
	size_t n = 5;

	for (; argv && *argv && n < 39; argv++)
		full[n++] = *argv;
	full[n] = NULL;
	return bs_cmd_run(full, BS_RUNC_TIMEOUT_MS, out, cap, status);
}

int bs_runc_kill(struct bs_runc *c, int sig)
{
	char s[16];
	const char *tail[] = { "kill", c->id, s, NULL };

	snprintf(s, sizeof(s), "%d", sig);
	return runc(c, tail, NULL, 0);
}

int bs_runc_delete(struct bs_runc *c)
{
	const char *tail[] = { "delete", "-f", c->id, NULL };
	int err;

	if (!c->created)
		return 0;
	err = runc(c, tail, NULL, 0);
	if (!err) {
		c->created = false;
		c->pid = 0;
	}
	return err;
}

void bs_runc_cleanup(struct bs_runc *c)
{
	if (!c || !c->dir[0])
		return;
	bs_runc_delete(c);
	bs_rm_rf(c->dir);
	c->dir[0] = '\0';
}
