/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BS_BPF_TRACEFS_H
#define BS_BPF_TRACEFS_H

/* libbpf resolves "tracepoint/..." programs through tracefs, which a fresh
 * host or container may not have mounted.  Mount it at /sys/kernel/tracing
 * when missing.  Returns 0 or -errno. */
int bs_tracefs_ensure(void);
/* Where tracefs is: /sys/kernel/tracing, or the debugfs path when only
 * that one is mounted. */
const char *bs_tracefs_root(void);

#endif
