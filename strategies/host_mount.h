/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Mounts the container runtime can see.  runc resolves a bind source in the
 * node's mount namespace, and the agent's pod (hostPID, no Bidirectional
 * propagation) does not share its mounts with the node: so a tmpfs is made
 * detached (fsopen/fsmount) and filled by the agent, then a short-lived
 * child setns()es into the node's mount namespace (that of pid 1) and
 * attaches it there with move_mount.  Unmounting goes the same way.
 *
 * The child shares the agent's memory on a stack of its own while the
 * caller waits (clone CLONE_VM | CLONE_VFORK, as posix_spawn does: no copy
 * of the agent's page tables), runs only raw syscalls and reports errno as
 * its exit status.
 */
#ifndef BS_STRATEGIES_HOST_MOUNT_H
#define BS_STRATEGIES_HOST_MOUNT_H

#include <sys/types.h>

/* The node's processes: pid 1 of a hostPID pod's view. */
#define BS_NODE_PID 1

/* The mount namespace of pid (0: BS_NODE_PID) as an fd, or -errno. */
int bs_hostns_open(pid_t pid);

/* A new detached tmpfs ("source" tmpfs, options as "size=...", NULL:
 * defaults) as an fd to its root (usable as a dirfd), or -errno. */
int bs_tmpfs_make(const char *size);

/* Attach the detached mount mfd at path (an existing directory) in the
 * mount namespace nsfd.  0 or -errno. */
int bs_hostns_attach(int nsfd, int mfd, const char *path);

/* Lazily unmount whatever is mounted at path in nsfd (-EINVAL: nothing
 * is).  0 or -errno. */
int bs_hostns_detach(int nsfd, const char *path);

/* Open path as pid's mount namespace resolves it (through
 * /proc/<pid>/root), as a directory.  fd or -errno. */
int bs_hostns_open_dir(pid_t pid, const char *path);

#endif
