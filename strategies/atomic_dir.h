/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kubelet's AtomicWriter layout (pkg/volume/util/atomic_writer.go), as
 * a projected volume's root shows it:
 *
 *   <name>  -> ..data/<name>                      symlink, one per file
 *   ..data  -> ..YYYY_MM_DD_HH_MM_SS.<uint32>     symlink
 *   ..YYYY_MM_DD_HH_MM_SS.<uint32>/               dir 0755
 *       <name>                                    file 0644 (defaultMode)
 *
 * The timestamp is UTC; the suffix is what Go's os.MkdirTemp appends: a
 * random uint32 in decimal.
 */
#ifndef BS_STRATEGIES_ATOMIC_DIR_H
#define BS_STRATEGIES_ATOMIC_DIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#define BS_ATOMIC_TS_LEN    40 /* "..2026_12_01_13_55_48.4294967295" + NUL */
#define BS_ATOMIC_FILE_MODE 0644
#define BS_ATOMIC_DIR_MODE  0755

struct bs_atomic_file {
	const char *name; /* one path component, not starting with ".." */
	const uint8_t *content;
	size_t len;
	struct stat st; /* out: the real file's fstat */
};

/* ..YYYY_MM_DD_HH_MM_SS.<suffix> for when (UTC). */
int bs_atomic_ts_name(time_t when, uint32_t suffix, char *out, size_t cap);
/* true when name has that shape. */
bool bs_atomic_ts_valid(const char *name);
/* true when name can be a file of the layout. */
bool bs_atomic_name_valid(const char *name);

/* Write the layout for files into the empty directory dirfd; ts (may be
 * NULL, BS_ATOMIC_TS_LEN bytes) gets the timestamped dir's name.  Never
 * follows or replaces an existing entry.  0 or -errno. */
int bs_atomic_write(int dirfd, struct bs_atomic_file *files, size_t n, char *ts,
		    size_t ts_cap);

/* Open <name> of a layout in dirfd the way the workload reaches it
 * (<name> -> ..data/<name>, ..data -> ts dir) but checking each link is
 * the layout's own, so nothing planted elsewhere is followed.  ts (may be
 * NULL) gets the timestamped dir's name.  Returns an O_RDONLY fd or
 * -errno (-EINVAL: not our layout). */
int bs_atomic_open(int dirfd, const char *name, char *ts, size_t ts_cap);

#endif
