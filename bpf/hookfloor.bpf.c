// SPDX-License-Identifier: GPL-2.0
/* The cheapest possible program on the tracepoint backend's hook: what the
 * syscall-exit hook costs by itself (syscall slow path for every task),
 * before any of our work.  detect-bench measures it beside the detector so
 * the tracepoint backend's overhead can be read against this floor. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("tp_btf/sys_exit")
int BPF_PROG(bs_floor_sys_exit, struct pt_regs *regs, long ret)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
