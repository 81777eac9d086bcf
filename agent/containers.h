/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Containers the agent has seen, keyed by id, cgroup id and mount
 * namespace, so an alert can name the pod/namespace/container of the
 * accessor.  Thread-safe.
 */
#ifndef BS_AGENT_CONTAINERS_H
#define BS_AGENT_CONTAINERS_H

#include <stdint.h>

#include "nri/model.h"
#include "strategies/token.h"

struct bs_ctr_info {
	char id[BS_ID_LEN];
	char pod_id[BS_ID_LEN];
	char pod[BS_NAME_LEN];
	char ns[BS_NAME_LEN];
	char name[BS_NAME_LEN];
	uint64_t cgroup_id; /* 0 until known */
	uint32_t mntns_ino; /* inode of /proc/<pid>/ns/mnt, 0 until known */
};

struct bs_containers;

struct bs_containers *bs_containers_new(void);
void bs_containers_free(struct bs_containers *cs);
/* Insert or refresh; resolves the cgroup id from ctr->pid when it can. */
int bs_containers_put(struct bs_containers *cs, const struct bs_pod *pod,
		      const struct bs_container *ctr);
void bs_containers_remove(struct bs_containers *cs, const char *id);
/* Drop every container whose id is not in ids[0..n). */
void bs_containers_retain(struct bs_containers *cs, const char *const *ids,
			  size_t n);
/* The container of an accessor: by cgroup v2 id, else by mount namespace
 * (the cgroup path cannot be resolved from a private cgroup namespace, or
 * on a cgroup v1 host).  -ENOENT when neither names a known container. */
int bs_containers_of_accessor(struct bs_containers *cs, uint64_t cgroup_id,
			      uint32_t mntns_ino, struct bs_ctr_info *out);
size_t bs_containers_count(struct bs_containers *cs);

/* cgroup v2 id (the cgroup directory's inode) of a process; 0 if unknown,
 * and 0 when the process is outside our cgroup namespace. */
uint64_t bs_cgroup_id_of_pid(uint32_t pid);
/* Inode of a process's mount namespace; 0 if unknown. */
uint32_t bs_mntns_of_pid(uint32_t pid);

#endif
