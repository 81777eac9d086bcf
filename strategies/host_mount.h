/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Mounts the container runtime can see.  runc resolves a bind source in the
 * node's mount namespace, and the agent's pod (hostPID, no Bidirectional
 * propagation) does not share its mounts with the node: so a tmpfs is made
 * detached (fsopen/fsmount) and filled by the agent, then attached in the
 * node's mount namespace (that of pid 1) with move_mount.  Unmounting goes
 * the same way.
 *
 * A mounter does that.  When the agent's own mount namespace is the
 * node's (it runs on the node, not in a pod) it calls move_mount and
 * umount2 itself.  Otherwise one long-lived thread of the agent, started
 * at the first call, leaves the shared fs_struct (unshare CLONE_FS) and
 * setns()es into the node's namespace once; calls are handed to it and
 * waited for.  No process is made per container: a clone + setns per
 * call cost ~45 us median and several ms at p99 on a busy node.  The
 * thread starts from the caller, after the agent dropped privileges, so
 * it has what the caller has.
 */
#ifndef BS_STRATEGIES_HOST_MOUNT_H
#define BS_STRATEGIES_HOST_MOUNT_H

#include <stdbool.h>
#include <sys/types.h>

/* The node's processes: pid 1 of a hostPID pod's view. */
#define BS_NODE_PID 1

struct bs_mounter;

/* The mount namespace of pid (0: BS_NODE_PID) as an fd, or -errno. */
int bs_hostns_open(pid_t pid);

/* A mounter for the mount namespace of pid (0: BS_NODE_PID), or -errno
 * (that namespace cannot be opened). */
int bs_mounter_new(pid_t pid, struct bs_mounter **out);
/* Stops its thread, if any. */
void bs_mounter_free(struct bs_mounter *m);
/* true: the namespace is the caller's own (no thread). */
bool bs_mounter_direct(const struct bs_mounter *m);

/* A new detached tmpfs ("source" tmpfs, options as "size=...", NULL:
 * defaults) as an fd to its root (usable as a dirfd), or -errno. */
int bs_tmpfs_make(const char *size);

/* Attach the detached mount mfd at path (an existing directory) in the
 * mounter's namespace.  0 or -errno. */
int bs_mounter_attach(struct bs_mounter *m, int mfd, const char *path);

/* Lazily unmount whatever is mounted at path in the mounter's namespace
 * (-EINVAL: nothing is).  0 or -errno. */
int bs_mounter_detach(struct bs_mounter *m, const char *path);

/* Open path as pid's mount namespace resolves it (through
 * /proc/<pid>/root), as a directory.  fd or -errno. */
int bs_hostns_open_dir(pid_t pid, const char *path);

#endif
