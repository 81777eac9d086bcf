// SPDX-License-Identifier: Apache-2.0
/*
 * The tells (tells.h) and the recon that checks them, as an unprivileged
 * process in the victim can: /proc/self, stat, readlink, readdir and a read
 * of the token.  Kubelet facts (pkg/volume/util/atomic_writer.go,
 * pkg/volume/emptydir): secret and projected volumes are a tmpfs directory
 * (mode 1777, the tmpfs default) bind-mounted whole; each file is a
 * symlink name -> ..data/name, ..data a symlink to ..YYYY_MM_DD_HH_MM_SS.N
 * (UTC, N the random decimal suffix of os.MkdirTemp), that directory 0755,
 * the files all of one mode (defaultMode, 0644 unless set), all written in
 * the same second.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness/attack/tells.h"
#include "harness/attack/token_shape.h"

#define PROC_MAX    (256 * 1024) /* mountinfo, environ */
#define CONTENT_MAX (64 * 1024)
#define TIME_SLACK  60 /* s: kubelet writes a volume within one second */
#define AGENT_NAME  "beesting"

const struct bs_tell bs_tells[BS_TELL_MAX] = {
	[BS_TELL_AGENT_NAME] = {
		BS_TELL_AGENT_NAME, "agent_name",
		"`beesting` (any case) in /proc/self/mountinfo, "
		"/proc/self/mounts (the token's own mount line included: "
		"its root names the state dir, e.g. /run/beesting), "
		"/proc/self/cgroup or the environment of pid 1 (the workload's)",
		"a kubelet volume's mount root is the volume's own tmpfs "
		"(`/`), its source `tmpfs`; nothing names the product",
	},
	[BS_TELL_AGENT_HOOK] = {
		BS_TELL_AGENT_HOOK, "agent_hook",
		"the OCI hook: /opt/beesting or `beesting-hook` in the "
		"container's file system, mounts or another visible "
		"process's command line",
		"kubelet needs no hook in the container's runtime config",
	},
	[BS_TELL_SINGLE_FILE] = {
		BS_TELL_SINGLE_FILE, "single_file_mount",
		"the token, its resolved path, or a file in its directory is "
		"itself a mount point of one regular file",
		"kubelet mounts secret and projected volumes as directories "
		"(only a subPath mount is a file, and it is not updated)",
	},
	[BS_TELL_DISK_FS] = {
		BS_TELL_DISK_FS, "disk_fs",
		"the file system of the token's mount (mountinfo): a disk "
		"one (ext*, xfs, btrfs, ...), or an overlay bound onto the "
		"token itself",
		"secret and projected volumes are tmpfs (emptyDir, medium "
		"Memory)",
	},
	[BS_TELL_LAYOUT] = {
		BS_TELL_LAYOUT, "layout",
		"AtomicWriter's layout: `name -> ..data/name`, `..data -> "
		"..YYYY_MM_DD_HH_MM_SS.N`, that dir 0755, its files of one "
		"mode without exec or group/other write, nothing else in "
		"the volume",
		"every secret, configMap, downwardAPI and projected volume "
		"is written by AtomicWriter",
	},
	[BS_TELL_META] = {
		BS_TELL_META, "meta",
		"owner unlike the volume dir's, mode unlike the other files', "
		"mtime more than 60 s from the dir's or the ..data stamp's, "
		"ctime more than 60 s after mtime (backdated)",
		"kubelet writes one volume as one user, one mode, in one "
		"second, and never sets times",
	},
	[BS_TELL_AWS_KEY] = {
		BS_TELL_AWS_KEY, "aws_key",
		"AWS key ids in the content: AKIA/ASIA + 16 of [A-Z2-7]; the "
		"account id the id encodes is a canary (canarytokens.org and "
		"look-alikes), zero or placeholder account; a secret that is "
		"not 40 base64 chars; an ASIA id without a session token",
		"real keys encode the owner's account and come whole",
	},
	[BS_TELL_JWT] = {
		BS_TELL_JWT, "jwt",
		"JWTs in the content (and any file named `token`): three "
		"base64url parts, JSON header with a signing alg and JSON "
		"payload, exp in the future, iat/nbf not, kubernetes.io "
		"namespace/pod name/pod uid those of this pod (namespace "
		"file, hostname, cgroup or mount paths; a hostname that is "
		"the token's node name is a host-network pod's, no pod name)",
		"kubelet mounts a fresh token the API server issued for "
		"this pod, refreshed before exp",
	},
	[BS_TELL_ENV] = {
		BS_TELL_ENV, "env",
		"a web-identity token (a path asked about, or one in the "
		"usual EKS or Azure place) without "
		"AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE (Azure: "
		"AZURE_CLIENT_ID + AZURE_FEDERATED_TOKEN_FILE) naming it in "
		"/proc/1/environ",
		"the webhooks that project these tokens set the variables "
		"in the same pod spec",
	},
};

/* ---- small helpers ----------------------------------------------------- */

const char *bs_tell_visible_name(int visible)
{
	return visible == BS_TELL_UNKNOWN ? "unknown" : visible ? "1" : "0";
}

const struct bs_tell *bs_tell_find(const char *name)
{
	for (size_t i = 0; i < BS_TELL_MAX; i++)
		if (!strcmp(bs_tells[i].name, name))
			return &bs_tells[i];
	return NULL;
}

void bs_tell_clean(char *s)
{
	for (; *s; s++) {
		if (*s == ',')
			*s = ';';
		else if (*s == '"')
			*s = '\'';
		else if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
	}
}

static int set(struct bs_tell_result *r, int visible, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* First visible evidence wins; unknown only replaces a 0. */
static int set(struct bs_tell_result *r, int visible, const char *fmt, ...)
{
	va_list ap;

	if (r->visible == 1 || (r->visible == BS_TELL_UNKNOWN && !visible))
		return 0;
	r->visible = visible;
	va_start(ap, fmt);
	vsnprintf(r->evidence, sizeof(r->evidence), fmt, ap);
	va_end(ap);
	bs_tell_clean(r->evidence);
	return 0;
}

/* Whole small file into buf (NUL-terminated); length or -errno. */
static long slurp(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0;

	if (fd < 0)
		return -errno;
	while (n + 1 < cap) {
		ssize_t r = read(fd, buf + n, cap - 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	return (long)n;
}

static const char *strcasestr_n(const char *h, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = 0; i + k <= n; i++)
		if (!strncasecmp(h + i, needle, k))
			return h + i;
	return NULL;
}

/* A short excerpt around p in [base, base+n): the line it is on. */
static void excerpt(const char *base, size_t n, const char *p, char *out,
		    size_t cap)
{
	const char *s = p, *e = p;

	while (s > base && s[-1] != '\n' && s[-1] != '\0' && p - s < 60)
		s--;
	while (e < base + n && *e != '\n' && *e != '\0' && e - p < 60)
		e++;
	snprintf(out, cap, "%.*s", (int)(e - s), s);
}

static void dir_base(const char *path, char *dir, size_t dcap, char *base,
		     size_t bcap)
{
	const char *slash = strrchr(path, '/');

	if (!slash) {
		snprintf(dir, dcap, ".");
		snprintf(base, bcap, "%s", path);
	} else {
		snprintf(dir, dcap, "%.*s",
			 slash == path ? 1 : (int)(slash - path), path);
		snprintf(base, bcap, "%s", slash + 1);
	}
}

/* ---- mountinfo ---------------------------------------------------------- */

struct mnt {
	char root[PATH_MAX];
	char point[PATH_MAX];
	char fstype[32];
	char source[256];
};

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
				      (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

static int parse_mnt(const char *line, struct mnt *m)
{
	const char *dash = strstr(line, " - ");

	if (!dash ||
	    sscanf(line, "%*s %*s %*s %4095s %4095s", m->root, m->point) != 2 ||
	    sscanf(dash + 3, "%31s %255s", m->fstype, m->source) < 1)
		return -EINVAL;
	unescape(m->root);
	unescape(m->point);
	return 0;
}

static char mountinfo[PROC_MAX];
static long mountinfo_len = -1;

static long load_mountinfo(void)
{
	if (mountinfo_len < 0)
		mountinfo_len = slurp("/proc/self/mountinfo", mountinfo,
				      sizeof(mountinfo));
	return mountinfo_len;
}

/* p is dir itself or below it. */
static bool under(const char *p, const char *dir)
{
	size_t n = strlen(dir);

	if (!strcmp(dir, "/"))
		return true;
	return !strncmp(p, dir, n) && (p[n] == '\0' || p[n] == '/');
}

/* The mount p is on: the longest mount point above it, the last one of
 * equal length (mounted over the earlier).  -ENOENT when none. */
static int mount_of(const char *p, struct mnt *out)
{
	struct mnt m;
	size_t best = 0;
	bool found = false;
	char *line, *save = NULL, *copy = strdup(mountinfo);

	if (!copy)
		return -ENOMEM;
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (parse_mnt(line, &m) || !under(p, m.point) ||
		    strlen(m.point) < best)
			continue;
		best = strlen(m.point);
		*out = m;
		found = true;
	}
	free(copy);
	return found ? 0 : -ENOENT;
}

/* ---- the checks --------------------------------------------------------- */

struct target {
	const char *path;
	char real[PATH_MAX]; /* symlinks resolved; "" if that failed */
	char dir[PATH_MAX];
	char base[NAME_MAX + 1];
	char content[CONTENT_MAX];
	long content_len; /* or -errno */
};

static const char *const name_files[] = {
	"/proc/self/mountinfo",
	"/proc/self/mounts",
	"/proc/self/cgroup",
	"/proc/1/environ",
};

static int tell_agent_name(struct bs_tell_result *r)
{
	static char buf[PROC_MAX];
	char ex[128];
	bool any = false;

	for (size_t i = 0; i < sizeof(name_files) / sizeof(name_files[0]);
	     i++) {
		long n = slurp(name_files[i], buf, sizeof(buf));
		const char *hit;

		if (n < 0)
			continue;
		any = true;
		hit = strcasestr_n(buf, (size_t)n, AGENT_NAME);
		if (hit) {
			excerpt(buf, (size_t)n, hit, ex, sizeof(ex));
			return set(r, 1, "%s: %s", name_files[i], ex);
		}
	}
	if (!any)
		return set(r, BS_TELL_UNKNOWN, "no /proc to read");
	else
		return set(r, 0, "no '%s' in mounts; cgroup or environ",
			   AGENT_NAME);
}

/* Another process of the container naming the hook or the agent (our own
 * name is beesting-attack: skip ourselves). */
static bool proc_names_agent(char *ex, size_t cap)
{
	static char buf[4096];
	struct dirent *de;
	DIR *d = opendir("/proc");
	bool hit = false;

	if (!d)
		return false;
	while (!hit && (de = readdir(d))) {
		char p[300];
		long n;

		if (!isdigit((unsigned char)de->d_name[0]) ||
		    atoi(de->d_name) == (int)getpid())
			continue;
		snprintf(p, sizeof(p), "/proc/%s/cmdline", de->d_name);
		n = slurp(p, buf, sizeof(buf));
		for (long i = 0; i < n; i++)
			if (!buf[i])
				buf[i] = ' ';
		if (n > 0 && strcasestr_n(buf, (size_t)n, AGENT_NAME)) {
			snprintf(ex, cap, "pid %.12s: %.80s", de->d_name, buf);
			hit = true;
		}
	}
	closedir(d);
	return hit;
}

static int tell_agent_hook(struct bs_tell_result *r)
{
	static const char *const paths[] = { "/opt/beesting",
					     "/usr/local/bin/beesting-hook",
					     "/usr/bin/beesting-hook" };
	const char *hit;
	char ex[128];

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (access(paths[i], F_OK) == 0)
			return set(r, 1, "%s exists", paths[i]);
	if (mountinfo_len > 0 &&
	    ((hit = strcasestr_n(mountinfo, (size_t)mountinfo_len,
				 "/opt/beesting")) ||
	     (hit = strcasestr_n(mountinfo, (size_t)mountinfo_len,
				 "beesting-hook")))) {
		excerpt(mountinfo, (size_t)mountinfo_len, hit, ex, sizeof(ex));
		return set(r, 1, "mountinfo: %s", ex);
	}
	if (proc_names_agent(ex, sizeof(ex)))
		return set(r, 1, "%s", ex);
	return set(r, 0, "no hook path or process visible");
}

static bool is_reg_mount_point(const char *p, struct mnt *m)
{
	struct stat st;
	char *line, *save = NULL, *copy;
	bool hit = false;

	if (!p[0] || stat(p, &st) || !S_ISREG(st.st_mode))
		return false;
	copy = strdup(mountinfo);
	for (line = copy ? strtok_r(copy, "\n", &save) : NULL; line && !hit;
	     line = strtok_r(NULL, "\n", &save))
		hit = !parse_mnt(line, m) && !strcmp(m->point, p);
	free(copy);
	return hit;
}

static int tell_single_file(struct target *t, struct bs_tell_result *r)
{
	struct mnt m;
	char *line, *save = NULL, *copy;

	if (mountinfo_len < 0)
		return set(r, BS_TELL_UNKNOWN, "mountinfo: %s",
			   strerror((int)-mountinfo_len));
	if (is_reg_mount_point(t->path, &m) || is_reg_mount_point(t->real, &m))
		return set(r, 1, "%s is a file mount: root %s fs %s", m.point,
			   m.root, m.fstype);
	/* a file next to it mounted alone: the same trick, another token */
	copy = strdup(mountinfo);
	for (line = copy ? strtok_r(copy, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		char d[PATH_MAX], b[NAME_MAX + 1];
		struct stat st;

		if (parse_mnt(line, &m))
			continue;
		dir_base(m.point, d, sizeof(d), b, sizeof(b));
		if (strcmp(d, t->dir) || stat(m.point, &st) ||
		    !S_ISREG(st.st_mode))
			continue;
		free(copy);
		return set(r, 1, "%s beside the token is a file mount: fs %s",
			   m.point, m.fstype);
	}
	free(copy);
	return set(r, 0, "not a file mount");
}

static bool disk_fs(const char *fs)
{
	static const char *const disks[] = {
		"ext2", "ext3", "ext4",	 "xfs", "btrfs",    "zfs",     "f2fs",
		"vfat", "ntfs", "ntfs3", "jfs", "reiserfs", "bcachefs"
	};

	for (size_t i = 0; i < sizeof(disks) / sizeof(disks[0]); i++)
		if (!strcmp(fs, disks[i]))
			return true;
	return false;
}

static int tell_disk_fs(struct target *t, struct bs_tell_result *r)
{
	struct mnt m;

	if (mountinfo_len < 0)
		return set(r, BS_TELL_UNKNOWN, "mountinfo: %s",
			   strerror((int)-mountinfo_len));
	if (mount_of(t->real[0] ? t->real : t->path, &m))
		return set(r, BS_TELL_UNKNOWN, "no mount above %s", t->path);
	if (disk_fs(m.fstype))
		return set(r, 1, "%s on %s (%s at %s)", t->path, m.fstype,
			   m.source, m.point);
	if (!strcmp(m.fstype, "overlay") &&
	    (!strcmp(m.point, t->path) || !strcmp(m.point, t->real)))
		return set(r, 1, "%s: overlay bound onto itself", t->path);
	return set(r, 0, "%s on %s", t->path, m.fstype);
}

/* "..2006_01_02_15_04_05.<1-10 digits>" -> its UTC time; -1 if not. */
static time_t stamp_dir_time(const char *name)
{
	struct tm tm;
	size_t n = strlen(name), digits = 0;
	int used = 0;

	if (n && name[n - 1] == '/')
		n--;
	memset(&tm, 0, sizeof(tm));
	if (sscanf(name, "..%4d_%2d_%2d_%2d_%2d_%2d.%n", &tm.tm_year,
		   &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
		   &used) != 6 ||
	    used != 22)
		return -1;
	for (size_t i = (size_t)used; i < n; i++, digits++)
		if (!isdigit((unsigned char)name[i]))
			return -1;
	if (digits < 1 || digits > 10)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return timegm(&tm);
}

struct layout {
	bool atomic;		  /* the AtomicWriter shape held */
	char stamp[NAME_MAX + 1]; /* ..data's target */
	time_t stamp_time;
	char why[160]; /* the first deviation */
};

static bool why(struct layout *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static bool why(struct layout *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->why, sizeof(l->why), fmt, ap);
	va_end(ap);
	return false;
}

static bool link_is(const char *path, const char *want, char *got, size_t cap)
{
	ssize_t n = readlink(path, got, cap - 1);

	if (n < 0)
		return false;
	got[n] = '\0';
	return !strcmp(got, want);
}

/* Every file of the timestamped dir: regular, one mode, kubelet-like. */
static bool stamp_files_ok(const char *dir, struct layout *l)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	mode_t mode = 0;
	bool ok = true;

	if (!d)
		return why(l, "%s: %s", dir, strerror(errno));
	while (ok && (de = readdir(d))) {
		char p[PATH_MAX + 2 * NAME_MAX + 2];
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (snprintf(p, sizeof(p), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(p))
			continue;
		if (lstat(p, &st) || S_ISLNK(st.st_mode))
			ok = why(l, "%s is a link in the data dir", de->d_name);
		else if (S_ISDIR(st.st_mode))
			continue; /* items with paths: sub dirs */
		else if (!S_ISREG(st.st_mode))
			ok = why(l, "%s is not a regular file", de->d_name);
		else if (mode && (st.st_mode & 07777) != mode)
			ok = why(l, "%s mode %04o but others %04o", de->d_name,
				 st.st_mode & 07777, mode);
		else if (st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH | S_IWGRP |
				       S_IWOTH | S_ISUID | S_ISGID | S_ISVTX))
			ok = why(l, "%s mode %04o", de->d_name,
				 st.st_mode & 07777);
		mode = st.st_mode & 07777;
	}
	closedir(d);
	return ok;
}

/* Nothing in the volume root but ..data, stamped dirs, and links into
 * ..data (..data_tmp only mid-update). */
static bool root_entries_ok(const char *dir, struct layout *l)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	bool ok = true;

	if (!d)
		return why(l, "%s: %s", dir, strerror(errno));
	while (ok && (de = readdir(d))) {
		const char *n = de->d_name;
		char p[PATH_MAX + 2 * NAME_MAX + 2], want[NAME_MAX + 8],
			got[PATH_MAX];

		if (!strcmp(n, ".") || !strcmp(n, "..") ||
		    !strcmp(n, "..data") || !strcmp(n, "..data_tmp") ||
		    stamp_dir_time(n) != -1)
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, n);
		snprintf(want, sizeof(want), "..data/%s", n);
		if (!link_is(p, want, got, sizeof(got)))
			ok = why(l, "%s in the volume is not a ..data/ link",
				 n);
	}
	closedir(d);
	return ok;
}

static bool check_layout(struct target *t, struct layout *l)
{
	char p[2 * PATH_MAX], want[NAME_MAX + 8], got[PATH_MAX];
	struct stat st;

	memset(l, 0, sizeof(*l));
	if (lstat(t->path, &st))
		return why(l, "%s: %s", t->path, strerror(errno));
	snprintf(want, sizeof(want), "..data/%s", t->base);
	if (!link_is(t->path, want, got, sizeof(got)))
		return why(l, "%s is %s%s not a link to %s", t->base,
			   got[0] && strcmp(got, want) ? "-> " : "a file",
			   got[0] && strcmp(got, want) ? got : "", want);
	snprintf(p, sizeof(p), "%s/..data", t->dir);
	if (!link_is(p, "", l->stamp, sizeof(l->stamp)) && !l->stamp[0])
		return why(l, "no ..data link beside it");
	l->stamp_time = stamp_dir_time(l->stamp);
	if (l->stamp_time == -1)
		return why(l, "..data -> %s: not a timestamp dir", l->stamp);
	snprintf(p, sizeof(p), "%s/%s", t->dir, l->stamp);
	if (lstat(p, &st) || !S_ISDIR(st.st_mode))
		return why(l, "%s is not a directory", l->stamp);
	if ((st.st_mode & 07777) != 0755)
		return why(l, "%s mode %04o not 0755", l->stamp,
			   st.st_mode & 07777);
	if (!stamp_files_ok(p, l) || !root_entries_ok(t->dir, l))
		return false;
	l->atomic = true;
	return true;
}

static int tell_layout(const struct layout *l, struct bs_tell_result *r)
{
	if (l->atomic)
		return set(r, 0, "AtomicWriter layout (..data -> %s)",
			   l->stamp);
	else
		return set(r, 1, "%s", l->why);
}

static long long diff_s(time_t a, time_t b)
{
	return a > b ? (long long)(a - b) : (long long)(b - a);
}

/* The other regular files of the volume: does one have another mode? */
static bool sibling_mode(const char *dir, const char *skip, mode_t mode,
			 char *name, size_t cap, mode_t *other)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	bool hit = false;

	if (!d)
		return false;
	while (!hit && (de = readdir(d))) {
		char p[PATH_MAX + 2 * NAME_MAX + 2];
		struct stat st;

		if (de->d_name[0] == '.' || !strcmp(de->d_name, skip))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (stat(p, &st) || !S_ISREG(st.st_mode) ||
		    (st.st_mode & 07777) == mode)
			continue;
		snprintf(name, cap, "%s", de->d_name);
		*other = st.st_mode & 07777;
		hit = true;
	}
	closedir(d);
	return hit;
}

static int tell_meta(struct target *t, const struct layout *l,
		     struct bs_tell_result *r)
{
	struct stat st, dst;
	char other[NAME_MAX + 1];
	mode_t omode;

	if (stat(t->path, &st) || stat(t->dir, &dst))
		return set(r, BS_TELL_UNKNOWN, "stat %s: %s", t->path,
			   strerror(errno));
	if (st.st_uid != dst.st_uid || st.st_gid != dst.st_gid)
		return set(r, 1, "owner %u:%u but its dir %u:%u",
			   (unsigned)st.st_uid, (unsigned)st.st_gid,
			   (unsigned)dst.st_uid, (unsigned)dst.st_gid);
	if (sibling_mode(t->dir, t->base, st.st_mode & 07777, other,
			 sizeof(other), &omode))
		return set(r, 1, "mode %04o but %s %04o", st.st_mode & 07777,
			   other, omode);
	if (st.st_ctime > st.st_mtime + TIME_SLACK)
		return set(r, 1, "mtime %lld s before ctime (backdated)",
			   (long long)(st.st_ctime - st.st_mtime));
	if (diff_s(st.st_mtime, dst.st_mtime) > TIME_SLACK)
		return set(r, 1, "mtime %lld s from its dir's",
			   diff_s(st.st_mtime, dst.st_mtime));
	if (l->atomic && diff_s(st.st_mtime, l->stamp_time) > TIME_SLACK)
		return set(r, 1, "mtime %lld s from the ..data stamp",
			   diff_s(st.st_mtime, l->stamp_time));
	return set(r, 0, "owner %u:%u mode %04o like its volume",
		   (unsigned)st.st_uid, (unsigned)st.st_gid,
		   st.st_mode & 07777);
}

static bool word_start(const char *base, const char *p)
{
	return p == base || !isalnum((unsigned char)p[-1]);
}

/* One "key = value" of an ini/credentials file; "" if absent. */
static void ini_value(const char *s, const char *key, char *out, size_t cap)
{
	const char *p = strstr(s, key);
	size_t n = 0;

	out[0] = '\0';
	if (!p)
		return;
	p += strlen(key);
	while (*p == ' ' || *p == '\t' || *p == '=' || *p == ':' || *p == '"')
		p++;
	while (p[n] && !strchr(" \t\r\n\",", p[n]) && n + 1 < cap)
		n++;
	snprintf(out, cap, "%.*s", (int)n, p);
}

static int tell_aws_key(struct target *t, struct bs_tell_result *r)
{
	const char *c = t->content, *p;
	char secret[128], id[21];
	int keys = 0;

	if (t->content_len < 0)
		return set(r, BS_TELL_UNKNOWN, "read %s: %s", t->path,
			   strerror((int)-t->content_len));
	for (p = c; (p = strstr(p, "A")); p++) {
		size_t n = 0;
		uint64_t acct;
		const char *flag;
		int err;

		if ((strncmp(p, "AKIA", 4) && strncmp(p, "ASIA", 4)) ||
		    !word_start(c, p))
			continue;
		while (isalnum((unsigned char)p[n]))
			n++;
		keys++;
		if (!bs_aws_key_id_valid(p, n))
			return set(r, 1, "%.*s: not 4+16 of [A-Z2-7]",
				   (int)(n > 24 ? 24 : n), p);
		snprintf(id, sizeof(id), "%.20s", p);
		err = bs_aws_key_account(id, &acct);
		flag = err ? NULL : bs_aws_account_flag(acct);
		if (flag)
			return set(r, 1, "%.20s: account %012llu (%s)", p,
				   (unsigned long long)acct, flag);
		if (!strncmp(p, "ASIA", 4) && !strstr(c, "session_token") &&
		    !strstr(c, "SessionToken"))
			return set(r, 1,
				   "%.20s: temporary key without a "
				   "session token",
				   p);
	}
	ini_value(c, "aws_secret_access_key", secret, sizeof(secret));
	if (secret[0]) {
		size_t n = strlen(secret);

		if (n != 40 ||
		    strspn(secret, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef"
				   "ghijklmnopqrstuvwxyz0123456789+/") != n)
			return set(r, 1, "secret of %zu chars: not 40 base64",
				   n);
	}
	if (keys)
		return set(r, 0, "%d key id(s); accounts unflagged", keys);
	else
		return set(r, 0, "no AWS key id");
}

/* What the attacker can learn of the pod: namespace file, hostname (the
 * pod name), the pod uid in cgroup or kubelet mount paths. */
struct pod_view {
	char ns[256];
	char name[256];
	char uid[40];
	struct bs_pod_facts facts;
};

static bool find_uid(const char *s, const char *marker, char *out)
{
	for (const char *p = s; (p = strstr(p, marker)); p++) {
		const char *u = p + strlen(marker);
		size_t n = strspn(u, "0123456789abcdef-_");

		if (n != 36)
			continue;
		for (size_t i = 0; i < 36; i++)
			out[i] = u[i] == '_' ? '-' : u[i];
		out[36] = '\0';
		return true;
	}
	return false;
}

static void pod_view(struct pod_view *v)
{
	static char cg[16384];
	char *nl;

	memset(v, 0, sizeof(v->ns) + sizeof(v->name) + sizeof(v->uid));
	if (slurp("/var/run/secrets/kubernetes.io/serviceaccount/namespace",
		  v->ns, sizeof(v->ns)) > 0 &&
	    (nl = strchr(v->ns, '\n')))
		*nl = '\0';
	if (gethostname(v->name, sizeof(v->name) - 1))
		v->name[0] = '\0';
	if (!(slurp("/proc/self/cgroup", cg, sizeof(cg)) > 0 &&
	      find_uid(cg, "pod", v->uid)) &&
	    mountinfo_len > 0)
		find_uid(mountinfo, "/pods/", v->uid);
	v->facts.ns = v->ns;
	v->facts.pod_name = v->name;
	v->facts.pod_uid = v->uid;
}

static int tell_jwt(struct target *t, const struct pod_view *pv, time_t now,
		    struct bs_tell_result *r)
{
	const char *c = t->content;
	char whyb[128];
	int jwts = 0;

	if (t->content_len < 0)
		return set(r, BS_TELL_UNKNOWN, "read %s: %s", t->path,
			   strerror((int)-t->content_len));
	for (const char *p = c; (p = strstr(p, "eyJ")); p++) {
		size_t n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmno"
				     "pqrstuvwxyz0123456789-_.=");

		if (!word_start(c, p))
			continue;
		jwts++;
		if (bs_jwt_check(p, n, &pv->facts, now, whyb, sizeof(whyb)))
			return set(r, 1, "JWT %.12s...: %s", p, whyb);
		p += n - 1;
	}
	if (!jwts && !strcmp(t->base, "token"))
		return set(r, 1, "a file named token without a JWT");
	if (jwts)
		return set(r, 0, "%d JWT(s) plausible for pod %s", jwts,
			   pv->name[0] ? pv->name : "?");
	else
		return set(r, 0, "no JWT");
}

/* Web-identity token paths (part, and where the webhooks put them) and
 * the variables the webhooks set with them. */
static const struct {
	const char *path_part, *usual, *file_var, *id_var;
} wi[] = {
	{ "/eks.amazonaws.com/serviceaccount/",
	  "/var/run/secrets/eks.amazonaws.com/serviceaccount/token",
	  "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN" },
	{ "/azure/tokens/",
	  "/var/run/secrets/azure/tokens/azure-identity-token",
	  "AZURE_FEDERATED_TOKEN_FILE", "AZURE_CLIENT_ID" },
};

static const char *env_get(const char *env, long n, const char *var)
{
	size_t k = strlen(var);

	for (const char *p = env; p < env + n; p += strlen(p) + 1)
		if (!strncmp(p, var, k) && p[k] == '=')
			return p + k + 1;
	return NULL;
}

static int tell_env(struct target *t, struct bs_tell_result *r)
{
	static char env[PROC_MAX];
	const char *file, *id;
	long n;

	for (size_t i = 0; i < sizeof(wi) / sizeof(wi[0]); i++) {
		if (!strstr(t->path, wi[i].path_part))
			continue;
		n = slurp("/proc/1/environ", env, sizeof(env));
		if (n < 0)
			return set(r, BS_TELL_UNKNOWN, "/proc/1/environ: %s",
				   strerror((int)-n));
		file = env_get(env, n, wi[i].file_var);
		id = env_get(env, n, wi[i].id_var);
		if (!file || (strcmp(file, t->path) && strcmp(file, t->real)))
			return set(r, 1, "%s %s%s", wi[i].file_var,
				   file ? "names " : "unset", file ? file : "");
		if (!id || !*id)
			return set(r, 1, "%s unset", wi[i].id_var);
		return set(r, 0, "%s and %s set", wi[i].file_var, wi[i].id_var);
	}
	return set(r, 0, "no web-identity token path");
}

static void load_target(struct target *t, const char *path)
{
	t->path = path;
	if (!realpath(path, t->real))
		t->real[0] = '\0';
	dir_base(path, t->dir, sizeof(t->dir), t->base, sizeof(t->base));
	t->content_len = slurp(path, t->content, sizeof(t->content));
}

/* A path that is not there: nothing about it can be checked. */
static void path_unknown(const char *path, int err,
			 struct bs_tell_result out[BS_TELL_MAX])
{
	for (int i = BS_TELL_SINGLE_FILE; i <= BS_TELL_JWT; i++)
		set(&out[i], BS_TELL_UNKNOWN, "%s: %s", path, strerror(err));
}

void bs_recon(const char *const *paths, size_t n,
	      struct bs_tell_result out[BS_TELL_MAX])
{
	static struct target t;
	struct pod_view pv;
	struct layout l;
	time_t now = time(NULL);

	for (size_t i = 0; i < BS_TELL_MAX; i++) {
		out[i].visible = 0;
		snprintf(out[i].evidence, sizeof(out[i].evidence), "no path");
	}
	mountinfo_len = -1;
	load_mountinfo();
	pod_view(&pv);
	tell_agent_name(&out[BS_TELL_AGENT_NAME]);
	tell_agent_hook(&out[BS_TELL_AGENT_HOOK]);
	for (size_t i = 0; i < n; i++) {
		struct stat st;

		memset(&t, 0, sizeof(t));
		if (lstat(paths[i], &st)) {
			path_unknown(paths[i], errno, out);
			t.path = paths[i];
			tell_env(&t, &out[BS_TELL_ENV]);
			continue;
		}
		load_target(&t, paths[i]);
		tell_single_file(&t, &out[BS_TELL_SINGLE_FILE]);
		tell_disk_fs(&t, &out[BS_TELL_DISK_FS]);
		check_layout(&t, &l);
		tell_layout(&l, &out[BS_TELL_LAYOUT]);
		tell_meta(&t, &l, &out[BS_TELL_META]);
		tell_aws_key(&t, &out[BS_TELL_AWS_KEY]);
		tell_jwt(&t, &pv, now, &out[BS_TELL_JWT]);
		tell_env(&t, &out[BS_TELL_ENV]);
	}
	/* one in its usual place counts too, asked about or not */
	for (size_t i = 0; i < sizeof(wi) / sizeof(wi[0]); i++) {
		if (access(wi[i].usual, F_OK) != 0)
			continue;
		memset(&t, 0, sizeof(t));
		t.path = wi[i].usual;
		if (!realpath(t.path, t.real))
			t.real[0] = '\0';
		tell_env(&t, &out[BS_TELL_ENV]);
	}
}

static void md_cell(FILE *out, const char *s)
{
	for (; *s; s++)
		fputs(*s == '|' ? "\\|" : (char[]){ *s, 0 }, out);
}

void bs_tells_markdown(FILE *out)
{
	fputs("| tell | what the recon checks | why a kubelet-mounted secret "
	      "does not show it |\n|---|---|---|\n",
	      out);
	for (size_t i = 0; i < BS_TELL_MAX; i++) {
		fprintf(out, "| `%s` | ", bs_tells[i].name);
		md_cell(out, bs_tells[i].checks);
		fputs(" | ", out);
		md_cell(out, bs_tells[i].kubelet);
		fputs(" |\n", out);
	}
}
