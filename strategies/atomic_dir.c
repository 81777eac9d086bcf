// SPDX-License-Identifier: Apache-2.0
/* The kubelet's AtomicWriter layout (see atomic_dir.h). */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/fs.h"
#include "strategies/atomic_dir.h"
#include "strategies/tokgen.h"

#define DATA "..data"

int bs_atomic_ts_name(time_t when, uint32_t suffix, char *out, size_t cap)
{
	struct tm tm;
	int n;

	if (!gmtime_r(&when, &tm))
		return -EINVAL;
	n = snprintf(out, cap, "..%04d_%02d_%02d_%02d_%02d_%02d.%u",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		     tm.tm_min, tm.tm_sec, suffix);
	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

bool bs_atomic_ts_valid(const char *s)
{
	/* ..YYYY_MM_DD_HH_MM_SS. then 1..10 digits */
	static const char shape[] = "..dddd_dd_dd_dd_dd_dd.";
	size_t n = strlen(s), k = sizeof(shape) - 1;

	if (n <= k || n > k + 10)
		return false;
	for (size_t i = 0; i < n; i++) {
		char want = i < k ? shape[i] : 'd';

		if (want == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != want)
			return false;
	}
	return true;
}

bool bs_atomic_name_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	/* AtomicWriter reserves names starting with ".." */
	return n > 0 && n < 256 && !strchr(name, '/') &&
	       strncmp(name, "..", 2) && strcmp(name, ".");
}

/* <ts>/<name> below dirfd, made exclusively; no symlink followed (ts is
 * the directory just made: one openat2, not an open of ts and of name). */
static int write_file(int dirfd, const char *ts, struct bs_atomic_file *f)
{
	struct open_how how = {
		.flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		.mode = BS_ATOMIC_FILE_MODE,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS,
	};
	char rel[BS_ATOMIC_TS_LEN + 260];
	int fd, err;

	snprintf(rel, sizeof(rel), "%s/%s", ts, f->name);
	fd = (int)syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));
	if (fd < 0)
		return -errno;
	err = bs_write_all(fd, f->content, f->len);
	if (!err && fstat(fd, &f->st))
		err = -errno;
	/* a umask took bits: the mode the kubelet sets */
	if (!err && (f->st.st_mode & 07777) != BS_ATOMIC_FILE_MODE &&
	    (fchmod(fd, BS_ATOMIC_FILE_MODE) || fstat(fd, &f->st)))
		err = -errno;
	close(fd);
	return err;
}

int bs_atomic_write(int dirfd, struct bs_atomic_file *files, size_t n,
		    char *ts_out, size_t ts_cap)
{
	char ts[BS_ATOMIC_TS_LEN], link[300];
	uint32_t suffix;
	int err;

	for (size_t i = 0; i < n; i++)
		if (!bs_atomic_name_valid(files[i].name))
			return -EINVAL;
	err = bs_random(&suffix, sizeof(suffix));
	if (!err)
		err = bs_atomic_ts_name(time(NULL), suffix, ts, sizeof(ts));
	if (err)
		return err;
	if (mkdirat(dirfd, ts, BS_ATOMIC_DIR_MODE) ||
	    fchmodat(dirfd, ts, BS_ATOMIC_DIR_MODE, 0))
		return -errno;
	for (size_t i = 0; i < n && !err; i++)
		err = write_file(dirfd, ts, &files[i]);
	if (!err && symlinkat(ts, dirfd, DATA))
		err = -errno;
	for (size_t i = 0; i < n && !err; i++) {
		snprintf(link, sizeof(link), DATA "/%s", files[i].name);
		if (symlinkat(link, dirfd, files[i].name))
			err = -errno;
	}
	if (!err && ts_out)
		snprintf(ts_out, ts_cap, "%s", ts);
	return err;
}

/* The target of the symlink name in dirfd, NUL-terminated. */
static int read_link(int dirfd, const char *name, char *out, size_t cap)
{
	ssize_t n = readlinkat(dirfd, name, out, cap);

	if (n < 0)
		return -errno;
	if ((size_t)n >= cap)
		return -ENAMETOOLONG;
	out[n] = '\0';
	return 0;
}

int bs_atomic_open(int dirfd, const char *name, char *ts_out, size_t ts_cap)
{
	char want[300], got[300], ts[BS_ATOMIC_TS_LEN];
	struct stat st;
	int tsfd, fd, err;

	if (!bs_atomic_name_valid(name))
		return -EINVAL;
	snprintf(want, sizeof(want), DATA "/%s", name);
	err = read_link(dirfd, name, got, sizeof(got));
	if (!err && strcmp(got, want))
		err = -EINVAL;
	if (!err)
		err = read_link(dirfd, DATA, ts, sizeof(ts));
	if (!err && !bs_atomic_ts_valid(ts))
		err = -EINVAL;
	if (err)
		return err;
	tsfd = openat(dirfd, ts,
		      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (tsfd < 0)
		return -errno;
	fd = openat(tsfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	err = fd < 0 ? -errno : 0;
	close(tsfd);
	if (!err && (fstat(fd, &st) || !S_ISREG(st.st_mode)))
		err = -EINVAL;
	if (err) {
		if (fd >= 0)
			close(fd);
		return err;
	}
	if (ts_out)
		snprintf(ts_out, ts_cap, "%s", ts);
	return fd;
}
