/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The access methods: one table for every way a honeytoken is touched.
 * The attack tool (beesting-attack), the detection suite (and with it the
 * VM kernel matrix), the harness's expectations, the detection strategies'
 * ready-line blind spots and the docs/strategies.md table are all read from
 * it, so a new method or blind spot is one entry here (plus its access in
 * harness/attack/access.c).
 *
 * Pure data and small lookups, libc only: it is linked into the static
 * attack tool and VM runner as well as the agent.
 */
#ifndef BS_STRATEGIES_METHODS_H
#define BS_STRATEGIES_METHODS_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bpf/events.h"

/* A backend's name as --attach spells it; "unknown" out of range. */
const char *bs_attach_name(enum bs_attach a);

/* One id per method: harness/attack/access.c dispatches on it. */
enum bs_access_id {
	BS_ACC_CAT,
	BS_ACC_BUSYBOX_CAT,
	BS_ACC_CAT_PIPE,
	BS_ACC_RELPATH,
	BS_ACC_SYMLINK,
	BS_ACC_PROCROOT,
	BS_ACC_INHERITED_FD,
	BS_ACC_OPENAT2,
	BS_ACC_HARDLINK,
	BS_ACC_RENAME_READ,
	BS_ACC_MMAP,
	BS_ACC_SENDFILE,
	BS_ACC_SPLICE,
	BS_ACC_COPY_FILE_RANGE,
	BS_ACC_READV,
	BS_ACC_PREAD,
	BS_ACC_IO_URING,
	BS_ACC_ONEBYTE,
	BS_ACC_HOST_BIND_SOURCE,
	BS_ACC_STAT,
	BS_ACC_LS,
	BS_ACC_ACCESS,
	BS_ACC_OTHER,
	BS_ACC_MAX,
};

/* Backend masks over enum bs_attach. */
#define BS_ACC_BK(a) (1u << (a))
#define BS_ACC_BK_HOOKS                                                        \
	(BS_ACC_BK(BS_ATTACH_LSM) | BS_ACC_BK(BS_ATTACH_FENTRY) |              \
	 BS_ACC_BK(BS_ATTACH_KPROBE))
#define BS_ACC_BK_ALL (BS_ACC_BK_HOOKS | BS_ACC_BK(BS_ATTACH_TRACEPOINT))
/* fanotify's one backend (no BPF) */
#define BS_ACC_BK_FAN BS_ACC_BK(BS_ATTACH_FANOTIFY)

/* Which programs run a method. */
#define BS_ACC_ATTACK (1u << 0) /* beesting-attack (harness, coverage.csv) */
#define BS_ACC_SUITE  (1u << 1) /* detection suite, kernel matrix */

#define BS_ACC_MAX_BLIND 3

/* What a strategy cannot see on some backends, and why. */
struct bs_access_blind {
	const char *strategy; /* "open" | "readscan" | "fanotify"; NULL: end */
	unsigned attach;      /* BS_ACC_BK() mask */
	bool if_pre_open;     /* only when the fd was opened before arming */
	const char *reason;
	/* from this kernel on (BS_KVER); 0: every kernel.  Set it low: on an
	 * older kernel that still cannot see it the case reads "blind (but
	 * detected)", a wrong "sees it" would be a failure */
	unsigned since;
	/* only on kernels before this one (BS_KVER); 0: no bound.  Set it
	 * high, for the same reason */
	unsigned before;
};

#define BS_KVER(major, minor) ((unsigned)(major) << 8 | (unsigned)(minor))

/* "6.1.0-57-cloud-amd64" -> BS_KVER(6, 1); 0 when it is not a version. */
unsigned bs_kver_parse(const char *release);
/* The running kernel's BS_KVER (uname, read once); 0 when unknown. */
unsigned bs_kver_running(void);

struct bs_access {
	const char *name; /* coverage.csv, kernel-matrix.csv, --case */
	enum bs_access_id id;
	const char *desc;
	bool expect_alert; /* false: metadata or another file only */
	unsigned tools;	   /* BS_ACC_ATTACK | BS_ACC_SUITE */
	/* the suite opens the token before arming and hands the access the
	 * fd (an fd kept from before, or inherited) */
	bool pre_open;
	/* enum bs_ev_method "open" detection must report for it (0: any) */
	uint32_t open_method;
	struct bs_access_blind blind[BS_ACC_MAX_BLIND];
};

/* A blind spot no method of the table exercises (ia32 syscalls, ...). */
struct bs_access_limit {
	const char *strategy;
	unsigned attach;
	const char *what;
	const char *reason;
};

extern const struct bs_access bs_access_methods[BS_ACC_MAX];
extern const struct bs_access_limit bs_access_limits[];
extern const size_t bs_access_n_limits;

/* NULL when no method has that name. */
const struct bs_access *bs_access_find(const char *name);
/* Same, only among the methods tools (a BS_ACC_* mask) run. */
const struct bs_access *bs_access_find_in(const char *name, unsigned tools);
/* The reason strategy on backend a cannot see method name on the running
 * kernel, NULL when it can (or the method is unknown).  pre_opened: the fd
 * was opened before the token was armed. */
const char *bs_access_blind(const char *strategy, enum bs_attach a,
			    const char *name, bool pre_opened);
/* The same on kernel kver (BS_KVER; 0: unknown, every blind spot holds). */
const char *bs_access_blind_at(const char *strategy, enum bs_attach a,
			       const char *name, bool pre_opened,
			       unsigned kver);
/* The ready line's "blind_spots" text for strategy on backend a: every
 * blind spot of the table and the limits, "what: why; ...".  Built once;
 * "" for a strategy the table does not know. */
const char *bs_access_blind_spots(const char *strategy, enum bs_attach a);
/* "alert" | "none" */
const char *bs_access_expect_name(const struct bs_access *m);
/* The docs/strategies.md block: one table of the methods, one of the limits. */
void bs_access_markdown(FILE *out);

/* ---- responses (--respond) ------------------------------------------- */

/* What a detector on a backend can do to an accessor. */
enum bs_respond_cap {
	BS_RCAP_NO,    /* cannot: the access is reported and counted */
	BS_RCAP_YES,   /* before the access returns anything */
	BS_RCAP_AFTER, /* only once the bytes reached the accessor */
};

/* "none" | "kill" | "deny"; "?" out of range. */
const char *bs_respond_name(unsigned action);
/* "none" | "done" | "failed" | "out_of_scope" | "runtime" | "unsupported" */
const char *bs_respond_result_name(unsigned result);
/* -1 when s names no action. */
int bs_respond_parse(const char *s);
enum bs_respond_cap bs_respond_cap(const char *strategy, enum bs_attach a,
				   unsigned action);
/* The table's why for that cell ("" when none). */
const char *bs_respond_how(const char *strategy, enum bs_attach a,
			   unsigned action);
/* The README block: detector x backend x action. */
void bs_respond_markdown(FILE *out);

#endif
