// SPDX-License-Identifier: GPL-2.0
/* Toolchain probe: counts getpgid() calls of one process through a
 * tracepoint, so the test suite proves clang -> skeleton -> load -> attach
 * works on the running kernel. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

const volatile __u32 target_tgid = 0;
__u64 hits = 0;

SEC("tracepoint/syscalls/sys_enter_getpgid")
int count_getpgid(void *ctx)
{
	if ((bpf_get_current_pid_tgid() >> 32) == target_tgid)
		__sync_fetch_and_add(&hits, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
