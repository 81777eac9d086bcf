/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Detection test cases as a reusable runner: the Criterion suites
 * (tests/test_detect_*.c), bench/detect_suite_cli.c (detect-suite) and the
 * static runner of the QEMU kernel matrix run the same cases.
 */
#ifndef BS_HARNESS_DETECT_SUITE_H
#define BS_HARNESS_DETECT_SUITE_H

#include <linux/types.h>
#include <stddef.h>
#include <sys/types.h>

#include "bpf/events.h"
#include "strategies/strategy.h"

/* argv: --detect open|readscan|fanotify
 *       --attach auto|lsm|fentry|kprobe|tracepoint|fanotify
 *       [--csv FILE] [--kernel NAME] [--break-case NAME] [--case NAME]
 * Runs every case against a freshly started detector and a temp token file;
 * prints one line per case
 *   "case <name> backend=<b> expect=<alert|none|blind> got=<0|1> PASS|FAIL|BLIND"
 * and finally "N passed, N failed, N skipped" (blind spots count as
 * skipped).  --break-case flips one case's expectation (to prove failures
 * propagate).  Returns 0 when nothing failed, 1 otherwise, 2 when the
 * backend could not be started.  CSV rows: kernel,backend,detect,case,
 * expect,result */
int bs_detect_suite_main(int argc, char **argv);

enum bs_dcase_result {
	BS_DCASE_PASS,
	BS_DCASE_FAIL,
	BS_DCASE_BLIND,
	BS_DCASE_ERROR, /* the detector or the case setup failed */
};

/* Runs one case; why gets the blind-spot reason or the failure. */
enum bs_dcase_result bs_detect_suite_case(const char *detect,
					  enum bs_attach attach,
					  const char *name, char *why,
					  size_t why_len);

/* Every case name, in run order: the methods of strategies/methods.h that
 * the suite runs (tests/test_methods.c holds the two equal), for suites
 * that make one test per case:
 * #define CASE(n) Test(suite, n) { ... }  then  BS_DCASE_NAMES(CASE) */
/* (clang-format does not settle on X-macro lists) */
/* clang-format off */
#define BS_DCASE_NAMES(X)                                                   \
	X(cat) X(busybox_cat) X(cat_pipe) X(relpath) X(symlink) X(procroot) \
	X(inherited_fd) X(openat2) X(hardlink) X(rename_read) X(mmap)       \
	X(sendfile) X(splice) X(copy_file_range) X(readv) X(pread)          \
	X(io_uring) X(onebyte) X(stat) X(ls) X(access) X(other)
/* clang-format on */

/* ---- building blocks for other detection tests ------------------------ */

#define BS_DTEST_MAX_EVENTS 4096

/* A started detector plus a temp dir holding one token file. */
struct bs_dtest {
	const struct bs_detect_ops *ops;
	uint32_t rs_window; /* readscan window; set before start, 0: default */
	uint32_t rs_refuse_windows; /* see bs_detect_config; set before start */
	enum bs_respond respond;    /* --respond; set before start */
	bool respond_node;	    /* --respond-scope=node */
	struct bs_detect_config cfg;
	struct bs_detect_ctx ctx;
	char dir[64];
	char token_path[128];
	struct bs_token tok;
	struct bs_event evs[BS_DTEST_MAX_EVENTS]; /* first events seen */
	size_t n_evs;
	uint64_t n_seen;    /* events delivered for any token */
	uint64_t count_sum; /* sum of ev.count over events of tok */
};

/* Creates the token file (random content) and starts the detector
 * (aggregation off when agg_ns is 0).  Does not arm.  Returns 0 or
 * -errno; on error nothing needs freeing. */
int bs_dtest_start(struct bs_dtest *d, const char *detect,
		   enum bs_attach attach, uint32_t agent_tgid, uint64_t agg_ns);
int bs_dtest_arm(struct bs_dtest *d);
/* Polls up to timeout_ms for an event of the token (method 0: any).
 * Returns 1 when seen, 0 when not. */
int bs_dtest_wait(struct bs_dtest *d, int timeout_ms, uint32_t method);
/* Polls for timeout_ms whatever happens (to collect a burst). */
void bs_dtest_drain(struct bs_dtest *d, int timeout_ms);
void bs_dtest_stop(struct bs_dtest *d);

/* Writes t's content to path (mode) and takes t's inode and host_path
 * from the file: 0 or -errno. */
int bs_dtest_token_file(struct bs_token *t, const char *path, mode_t mode);

/* Opens and reads path in a child process; returns its exit status. */
int bs_dtest_child_read(const char *path);

#endif
