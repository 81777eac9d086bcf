/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BS_AGENT_PRIVS_H
#define BS_AGENT_PRIVS_H

#include <stdint.h>

/*
 * After BPF programs are loaded and attached, the agent keeps only what its
 * steady state needs (see README "Privileges"):
 *   CAP_BPF             map updates (arm/disarm): kernels before 6.5 check
 *                       bpf_capable() on every bpf() call
 *   CAP_SYS_PTRACE      /proc/<pid>/root of containers (ocihook, resync)
 *   CAP_DAC_READ_SEARCH reach token paths inside containers as any uid
 *   CAP_DAC_OVERRIDE    state dir entries left by an earlier run
 * Everything else (CAP_SYS_ADMIN, CAP_NET_*, CAP_SYS_MODULE, ...) is dropped
 * from the effective, permitted, inheritable and bounding sets, and
 * no_new_privs is set.  Returns 0 or -errno; failure is logged, not fatal.
 */
int bs_privs_drop_after_start(void);

/* The capability mask kept (bit n = capability n). */
uint64_t bs_privs_kept_mask(void);

#endif
