/* SPDX-License-Identifier: Apache-2.0 */
/* What /proc says of a task that the BPF side reports too: its cgroup v2 id
 * (what bpf_get_current_cgroup_id returns) and its mount namespace inode. */
#ifndef BS_LIB_PROC_H
#define BS_LIB_PROC_H

#include <stddef.h>
#include <stdint.h>

/* Where cgroup v2 is mounted (/sys/fs/cgroup, or /sys/fs/cgroup/unified on
 * hybrid hosts); "" when there is none.  Looked up once. */
const char *bs_cgroup2_root(void);

/* The cgroup id of the task whose /proc directory is proc ("/proc/42" or
 * "/proc/42/task/43"): the inode of its v2 cgroup's directory.  0 for the
 * root cgroup, one outside our cgroup namespace, or any error. */
uint64_t bs_cgroup_id_of_proc(const char *proc);

/* The inode of that task's mount namespace; 0 on error. */
uint32_t bs_mntns_of_proc(const char *proc);

/* A cgroup v2 directory `name` below the root (made unless there), its path
 * into dir and its id (what bpf_get_current_cgroup_id() reports for its
 * tasks) into *id: a stand-in for a container's cgroup.  0 or -errno. */
int bs_cgroup_make(const char *name, char *dir, size_t n, uint64_t *id);
/* Move the calling process into the cgroup directory dir.  0 or -errno. */
int bs_cgroup_join(const char *dir);

#endif
