/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BS_AGENT_PRIVS_H
#define BS_AGENT_PRIVS_H

#include <stdint.h>

/*
 * After BPF programs are loaded and attached, the agent keeps only what its
 * steady state needs (see docs/agent.md "Privileges"):
 *   CAP_BPF             map updates (arm/disarm): kernels before 6.5 check
 *                       bpf_capable() on every bpf() call
 *   CAP_SYS_PTRACE      /proc/<pid>/root of containers (ocihook, resync)
 *   CAP_DAC_READ_SEARCH reach token paths inside containers as any uid
 *   CAP_DAC_OVERRIDE    state dir entries left by an earlier run
 * Everything else (CAP_SYS_ADMIN, CAP_NET_*, CAP_SYS_MODULE, ...) is dropped
 * from the effective, permitted, inheritable and bounding sets, and
 * no_new_privs is set.  Without CAP_SETPCAP the bounding set stays as it
 * is and the rest is still done.  Returns 0 or -errno; failure is logged,
 * not fatal.
 */
int bs_privs_drop_after_start(void);
/* The same, also keeping what uses needs after start (BS_USE_PROJECTED:
 * CAP_SYS_ADMIN and CAP_SYS_CHROOT, to mount at every create/remove). */
int bs_privs_drop_after_start_for(unsigned int uses);

/* Keep only these bits (bit n = capability n) of this thread's effective,
 * permitted and inheritable sets.  0 or -errno. */
int bs_privs_mask(uint64_t effective, uint64_t permitted, uint64_t inheritable);

/* What the agent was asked to do, for bs_privs_report(). */
enum bs_priv_use {
	BS_USE_DETECT = 1 << 0,	 /* BPF detection (--detect other than none) */
	BS_USE_INJECT = 1 << 1,	 /* any injection (--inject other than none) */
	BS_USE_OCIHOOK = 1 << 2, /* --inject ocihook */
	BS_USE_DROP = 1 << 3,	 /* bs_privs_drop_after_start() (always) */
	BS_USE_PROJECTED = 1 << 4, /* --inject projected */
};

/* The uses for the --inject / --detect strategy names. */
unsigned int bs_privs_uses(const char *inject, const char *detect);

/*
 * At start: log one warning per capability the agent needs for `uses` that
 * is not in its effective set, naming what that disables (e.g. "missing
 * CAP_SYS_PTRACE: ocihook inode discovery and resync through
 * /proc/<pid>/root will fail"), or one info line when none is missing.
 * Never stops the start: what cannot work then fails where it is tried,
 * as it would without the report.  *missing (may be NULL) gets the mask of
 * missing capabilities.  Returns 0 or -errno when capget() fails.
 */
int bs_privs_report(unsigned int uses, uint64_t *missing);

/* The capability mask kept (bit n = capability n). */
uint64_t bs_privs_kept_mask(void);
uint64_t bs_privs_kept_mask_for(unsigned int uses);

#endif
