// SPDX-License-Identifier: GPL-2.0
/* VM matrix probe: counts opens of one inode through each attach type the
 * detection backends use (lsm, fentry, kprobe, tracepoint).  The runner
 * enables exactly one program per load with bpf_program__set_autoload(), so
 * the pipeline can be validated on kernels where the host cannot load some
 * of them.  Not used by the agent. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/* kernel s_dev encoding: major << 20 | minor */
const volatile __u64 target_dev = 0;
const volatile __u64 target_ino = 0;

__u64 hits = 0;

static __always_inline void count_file(struct file *file)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);

	if (!inode)
		return;
	if (BPF_CORE_READ(inode, i_ino) != target_ino)
		return;
	if ((__u64)BPF_CORE_READ(inode, i_sb, s_dev) != target_dev)
		return;
	__sync_fetch_and_add(&hits, 1);
}

SEC("lsm/file_open")
int BPF_PROG(probe_lsm, struct file *file)
{
	count_file(file);
	return 0;
}

SEC("fentry/security_file_open")
int BPF_PROG(probe_fentry, struct file *file)
{
	count_file(file);
	return 0;
}

SEC("kprobe/security_file_open")
int BPF_KPROBE(probe_kprobe, struct file *file)
{
	count_file(file);
	return 0;
}

/* The syscall tracepoint has no struct file: look the new fd up in the
 * caller's fd table once openat() has returned it. */
SEC("tracepoint/syscalls/sys_exit_openat")
int probe_tracepoint(struct trace_event_raw_sys_exit *ctx)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct file **fds;
	struct file *file = NULL;
	long fd = ctx->ret;

	if (fd < 0 || fd >= BPF_CORE_READ(task, files, fdt, max_fds))
		return 0;
	fds = BPF_CORE_READ(task, files, fdt, fd);
	if (bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]) || !file)
		return 0;
	count_file(file);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
