/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Real containers for tests and benchmarks: runc with a busybox-static
 * rootfs.  Everything one container needs (bundle, rootfs, runc state root)
 * lives in one temp dir that bs_runc_cleanup() removes.
 */
#ifndef BS_HARNESS_RUNC_H
#define BS_HARNESS_RUNC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define BS_RUNC_TIMEOUT_MS 10000

struct bs_runc {
	char dir[256];	 /* mkdtemp dir holding everything below */
	char state[300]; /* runc --root */
	char bundle[300];
	char rootfs[320];
	char config[320]; /* bundle/config.json */
	char id[64];	  /* unique container id */
	pid_t pid;	  /* container init, host pid ns; 0 before create */
	bool created;
};

/* true when runc and /bin/busybox (busybox-static) are usable. */
bool bs_runc_available(void);

/* Make a bundle: rootfs with busybox and its applets (sh, cat, ls, stat,
 * sleep, ...), a minimal config.json (no oomScoreAdj) running args
 * (NULL = "sleep 3600").  tmp_base NULL = "/tmp". */
int bs_runc_bundle(struct bs_runc *c, const char *tmp_base,
		   const char *const *args);
/* The container's hostname in config.json (a pod's is its name, as the
 * kubelet sets it).  0 or -errno. */
int bs_runc_set_hostname(const struct bs_runc *c, const char *hostname);
/* runc create (pid filled in), start, exec, kill, delete -f. */
int bs_runc_create(struct bs_runc *c);
int bs_runc_start(struct bs_runc *c);
/* Runs argv in the container; out gets stdout+stderr (NUL-terminated,
 * truncated to cap), *status the exit status (or -1). */
int bs_runc_exec(struct bs_runc *c, const char *const *argv, char *out,
		 size_t cap, int *status);
int bs_runc_kill(struct bs_runc *c, int sig);
int bs_runc_delete(struct bs_runc *c);
/* delete -f, then remove the temp dir; safe on a zeroed struct and twice. */
void bs_runc_cleanup(struct bs_runc *c);

#endif
