// SPDX-License-Identifier: GPL-2.0
/*
 * "open" detection: alert when a file whose (s_dev, ino) is armed is opened
 * or reached through an fd-based syscall.  One object, four backends; user
 * space turns autoload on for the programs of the backend it tries:
 *   lsm     lsm/file_open + lsm/mmap_file
 *   fentry  fentry/security_file_open + fentry/security_mmap_file
 *   kprobe  kprobe/security_file_open + kprobe/security_mmap_file
 *   tp      tp_btf/sys_exit (open family, mmap, sendfile, splice,
 *           copy_file_range) + raw_tp/io_uring_complete (io_uring opens)
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "bpf/detect_common.bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, BS_MAX_TOKENS);
	__type(key, struct bs_inode_key);
	__type(value, struct bs_token_ref);
} bs_inodes SEC(".maps");

#define BS_O_PATH 010000000 /* uapi fcntl.h, not in vmlinux.h */

__u64 bs_ino_bits[BS_INO_WORDS];

static __always_inline bool ino_maybe_armed(__u64 ino)
{
	__u32 h = bs_ino_hash(ino);

	return (bs_ino_bits[h >> 6] >> (h & 63)) & 1;
}

#define BS_EPERM 1

/* The full test, for files whose inode number passed the bitmap.  Returns
 * 1 when the access is to be denied (an LSM hook returns -EPERM). */
static __always_inline int check_file(struct file *file, __u32 method)
{
	struct bs_inode_key k;
	struct bs_token_ref *ref;
	struct inode *inode;
	struct bs_resp r;

	if (!file || bs_is_agent())
		return 0;
	/* O_PATH fds cannot read (runc opens mount targets this way); the
	 * LSM hook is not even called for them, keep all backends alike */
	if (BPF_CORE_READ(file, f_flags) & BS_O_PATH)
		return 0;
	inode = BPF_CORE_READ(file, f_inode);
	if (!inode)
		return 0;
	k.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	k.ino = BPF_CORE_READ(inode, i_ino);
	ref = bpf_map_lookup_elem(&bs_inodes, &k);
	if (!ref)
		return 0;
	r = bs_respond_to(ref);
	bs_emit(ref->token_id, method, k.dev, k.ino, 0, 0, r);
	return r.action == BS_RESPOND_DENY && r.result == BS_RR_DONE;
}

/* lsm, fentry: file is a BTF pointer, the prefilter costs plain loads.
 * mmap_file gets NULL for anonymous mappings; newer verifiers (Debian's
 * 7.2) reject the load without this test. */
static __always_inline int check_btf_file(struct file *file, __u32 method)
{
	struct inode *inode;

	if (!file)
		return 0;
	inode = file->f_inode;
	if (inode && ino_maybe_armed(inode->i_ino))
		return check_file(file, method);
	return 0;
}

/* kprobe, tracepoint: file is an untyped kernel pointer, two reads. */
static __always_inline void check_raw_file(struct file *file, __u32 method)
{
	struct inode *inode = NULL;
	__u64 ino = 0;

	if (!file)
		return;
	BPF_CORE_READ_INTO(&inode, file, f_inode);
	if (!inode)
		return;
	BPF_CORE_READ_INTO(&ino, inode, i_ino);
	if (ino_maybe_armed(ino))
		check_file(file, method);
}

/* fd -> struct file of the current task: the table walk is plain loads
 * through the BTF task pointer, the slot itself one read.  Kernels before
 * 5.11 lack bpf_get_current_task_btf: there the walk is CO-RE reads (the
 * check is resolved at load, the other branch is dead code). */
static __always_inline struct file *fd_file_btf(long fd)
{
	struct file **fds = NULL;
	struct fdtable *fdt;
	struct file *f = NULL;
	unsigned int max = 0;

	if (fd < 0)
		return NULL;
	if (bpf_core_enum_value_exists(enum bpf_func_id,
				       BPF_FUNC_get_current_task_btf)) {
		fdt = bpf_get_current_task_btf()->files->fdt;
		if (fdt) {
			max = fdt->max_fds;
			fds = fdt->fd;
		}
	} else {
		struct task_struct *t =
			(struct task_struct *)bpf_get_current_task();

		fdt = BPF_CORE_READ(t, files, fdt);
		if (fdt) {
			max = BPF_CORE_READ(fdt, max_fds);
			fds = BPF_CORE_READ(fdt, fd);
		}
	}
	if (!fds || fd >= max)
		return NULL;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f;
}

/* deny: the hook's answer refuses the open or the mapping.  The error is
 * a constant kept out of the compiler's select arithmetic (-(x & 1)):
 * newer verifiers check that an LSM program returns [-4095, 0] and cannot
 * bound a negation. */
static __always_inline int lsm_answer(int deny, int ret)
{
	int err = -BS_EPERM;

	if (!deny || ret)
		return ret;
	barrier_var(err);
	return err;
}

SEC("lsm/file_open")
int BPF_PROG(bs_lsm_file_open, struct file *file, int ret)
{
	return lsm_answer(check_btf_file(file, BS_M_OPEN), ret);
}

SEC("lsm/mmap_file")
int BPF_PROG(bs_lsm_mmap_file, struct file *file, unsigned long reqprot,
	     unsigned long prot, unsigned long flags, int ret)
{
	return lsm_answer(check_btf_file(file, BS_M_MMAP), ret);
}

SEC("fentry/security_file_open")
int BPF_PROG(bs_fentry_file_open, struct file *file)
{
	check_btf_file(file, BS_M_OPEN);
	return 0;
}

SEC("fentry/security_mmap_file")
int BPF_PROG(bs_fentry_mmap_file, struct file *file)
{
	check_btf_file(file, BS_M_MMAP);
	return 0;
}

SEC("kprobe/security_file_open")
int BPF_KPROBE(bs_kprobe_file_open, struct file *file)
{
	check_raw_file(file, BS_M_OPEN);
	return 0;
}

SEC("kprobe/security_mmap_file")
int BPF_KPROBE(bs_kprobe_mmap_file, struct file *file)
{
	check_raw_file(file, BS_M_MMAP);
	return 0;
}

/* x86-64 syscall numbers (stable ABI). */
#define NR_OPEN		     2
#define NR_MMAP		     9
#define NR_SENDFILE	     40
#define NR_CREAT	     85
#define NR_SPLICE	     275
#define NR_OPEN_BY_HANDLE_AT 304
#define NR_COPY_FILE_RANGE   326
#define NR_OPENAT	     257
#define NR_OPENAT2	     437

/* regs is a BTF pointer here: direct CO-RE loads, no helper call on the
 * path every syscall of every task takes. */
SEC("tp_btf/sys_exit")
int BPF_PROG(bs_tp_sys_exit, struct pt_regs *regs, long ret)
{
	long nr, fd;
	__u32 method;

	if (ret < 0)
		return 0;
	nr = regs->orig_ax;
	switch (nr) {
	case NR_OPEN:
	case NR_OPENAT:
	case NR_CREAT:
		method = BS_M_OPEN;
		fd = ret;
		break;
	case NR_OPENAT2:
		method = BS_M_OPENAT2;
		fd = ret;
		break;
	case NR_OPEN_BY_HANDLE_AT:
		method = BS_M_OPEN_BY_HANDLE;
		fd = ret;
		break;
	case NR_MMAP:
		/* anonymous mappings pass fd -1, rejected by fd_file_btf */
		method = BS_M_MMAP;
		fd = (int)regs->r8;
		break;
	case NR_SENDFILE:
		method = BS_M_SENDFILE;
		fd = (int)regs->si;
		break;
	case NR_SPLICE:
		method = BS_M_SPLICE;
		fd = (int)regs->di;
		break;
	case NR_COPY_FILE_RANGE:
		method = BS_M_COPY_FILE_RANGE;
		fd = (int)regs->di;
		break;
	default:
		return 0;
	}
	/* the agent filter is in check_file(): only hits pay for it */
	if (regs->cs == BS_USER32_CS)
		return 0;
	check_raw_file(fd_file_btf(fd), method);
	return 0;
}

#define IORING_OP_OPENAT_  18
#define IORING_OP_OPENAT2_ 28

/* Completion of an io_uring open: the fd lives in the submitter's table,
 * which io-wq workers share, so current->files resolves it.  Arguments
 * differ between kernels (6.1: ctx, req, user_data, res...; 6.18: ctx, req,
 * cqe) but req is always second and req->cqe.res is always set.  Before
 * 5.19 the event carries no request (ctx, user_data, res): the opcode is
 * unknown there, so nothing is checked (a blind spot of the methods table),
 * and the CO-RE reads below are dead code the loader drops. */
SEC("raw_tp/io_uring_complete")
int BPF_PROG(bs_tp_io_uring, void *ring, struct io_kiocb *req)
{
	__u8 op;
	int res;

	if (!bpf_core_field_exists(struct trace_event_raw_io_uring_complete,
				   req) ||
	    !bpf_core_field_exists(req->cqe))
		return 0;
	op = BPF_CORE_READ(req, opcode);
	if (op != IORING_OP_OPENAT_ && op != IORING_OP_OPENAT2_)
		return 0;
	res = BPF_CORE_READ(req, cqe.res);
	if (res < 0)
		return 0;
	check_raw_file(fd_file_btf(res), BS_M_IO_URING);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
