/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The accesses of the method table (methods.h): one implementation each,
 * run by the attack tool inside containers and by the detection suite on
 * the host and in the VM kernel matrix.  Raw syscalls (io_uring, openat2)
 * and libc only: both callers are linked statically.
 */
#ifndef BS_HARNESS_ACCESS_H
#define BS_HARNESS_ACCESS_H

#include <stdbool.h>
#include <stddef.h>

#include "strategies/methods.h"

struct bs_access_ctx {
	const char *path;    /* the token (host_bind_source: its bind source) */
	const char *other;   /* "other": the file read instead */
	const char *tmpdir;  /* links and temp files; NULL: $TMPDIR or /tmp */
	const char *busybox; /* busybox_cat, cat_pipe; NULL: /bin/busybox */
	/* an fd of path the caller opened (before arming, or inherited):
	 * inherited_fd, mmap, sendfile, splice and copy_file_range use it
	 * instead of opening; -1: none */
	int fd;
	/* every byte obtained goes here; NULL: only counted */
	int (*emit)(void *arg, const void *buf, size_t n);
	void *emit_arg;
	/* inherited_fd without fd: run in the forked child that inherited
	 * fd, e.g. to exec a reader; must not return on success.  NULL: the
	 * child reads fd itself. */
	int (*child)(struct bs_access_ctx *ctx, int fd);
	/* out */
	size_t total;  /* bytes obtained (not those of a child) */
	bool by_child; /* a child process did the access */
	/* the signal that ended the process doing the access, when a child
	 * did it (for cat_pipe: cat, as its shell reports it); 0: none */
	int child_signal;
	char err[1024]; /* first failure: "op what: strerror" */
};

/* Initialises ctx for path: no fd, no sink. */
void bs_access_ctx_init(struct bs_access_ctx *ctx, const char *path);
/* Does m's access.  0, or -errno with ctx->err saying what failed. */
int bs_access_run(const struct bs_access *m, struct bs_access_ctx *ctx);

#endif
