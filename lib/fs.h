/* SPDX-License-Identifier: Apache-2.0 */
/* File-system helpers: safe opens inside a root, mkdir -p, full writes,
 * rm -rf. */
#ifndef BS_LIB_FS_H
#define BS_LIB_FS_H

#include <stddef.h>
#include <sys/types.h>

/* Open path inside the root directory rootfd without following any symlink
 * (openat2 RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS).  Returns fd or -errno. */
int bs_open_in_root(int rootfd, const char *path, int flags, mode_t mode);

/* 1 when path is absolute with no empty, "." or ".." component and no
 * trailing slash (config and hook paths; trusted, but still checked). */
int bs_path_normalized(const char *path);

/* mkdir -p for an admin-configured (trusted) path. */
int bs_mkdir_p(const char *path, mode_t mode);

/* Write all len bytes, retrying on EINTR.  0 or -errno. */
int bs_write_all(int fd, const void *buf, size_t len);

/* Create or truncate path with mode and write buf: 0 or -errno. */
int bs_write_file(const char *path, const void *buf, size_t len, mode_t mode);

/* Read a small file (a /proc entry) in one read into buf, at most len - 1
 * bytes, NUL-terminated: the length read or -errno. */
ssize_t bs_read_small(const char *path, char *buf, size_t len);

/* How many lines of the text file path contain needle (0 when it cannot
 * be read: a log not written yet counts as nothing found). */
int bs_file_count_matches(const char *path, const char *needle);

/* rm -rf that stays on one file system and never follows symlinks. */
int bs_rm_rf(const char *path);

#endif
