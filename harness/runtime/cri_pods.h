/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pods and containers on the private containerd (harness/runtime/containerd.h)
 * through CRI with crictl: one pod (host network, our cgroup parent) with
 * containers of the victim image, exec in them, their state from
 * `crictl inspect`.
 */
#ifndef BS_HARNESS_CRI_PODS_H
#define BS_HARNESS_CRI_PODS_H

#include <jansson.h>
#include <stddef.h>

#include "harness/runtime/containerd.h"

struct ctrd_pod {
	const char *name;
	const char *ns;
	const char *container;
	json_t *annotations; /* borrowed; NULL: none */
	char pod_id[80];
	char ctr_id[80];
	char err[512];
	char pod_json[CTRD_PATH + 128]; /* the sandbox config crictl got */
};

/* The pod (sandbox) alone, then one container in it: p->pod_id, then
 * p->ctr_id.  ctrd_ctr_up may be called again for another container of
 * the pod (p->container names it); *ms (if not NULL) gets crictl create
 * + start.  On failure p->err says why. */
int ctrd_pod_up(struct ctrd *c, struct ctrd_pod *p);
int ctrd_ctr_up(struct ctrd *c, struct ctrd_pod *p, double *ms);
/* Both: one pod with one container. */
int ctrd_run_pod(struct ctrd *c, struct ctrd_pod *p);
/* Stop and remove a container (crictl rm -f), or the pod with whatever
 * is left in it (stopp + rmp). */
int ctrd_ctr_rm(struct ctrd *c, const char *ctr_id);
int ctrd_pod_rm(struct ctrd *c, struct ctrd_pod *p);

/* `crictl inspect -o json` of a container; caller decrefs. */
json_t *ctrd_inspect(const struct ctrd *c, const char *id);
/* "CONTAINER_RUNNING" etc. into state; 0 on success. */
int ctrd_ctr_state(const struct ctrd *c, const char *id, char *state,
		   size_t len);
/* Pid of the container's init process as containerd reports it. */
int ctrd_ctr_pid(const struct ctrd *c, const char *id);
/* Host side of the bind mount at dst in the container's OCI spec. */
int ctrd_ctr_mount_source(const struct ctrd *c, const char *id, const char *dst,
			  char *src, size_t len);
/* The rootfs path of the container's OCI spec (root.path), as the
 * runtime's mount namespace sees it; relative on containerd. */
int ctrd_ctr_root_path(const struct ctrd *c, const char *id, char *path,
		       size_t len);
/* How many pods / containers (any state) CRI still lists. */
int ctrd_count(const struct ctrd *c, const char *what);

#endif
