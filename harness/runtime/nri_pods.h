/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pods and containers driven through our NRI runtime side the way
 * containerd drives them, on runc with busybox-static bundles or (not
 * real) as NRI events alone:
 *
 *   RunPodSandbox -> CreateContainer (plugin adjusts) -> apply the
 *   adjustment to config.json -> runc create -> PostCreateContainer (no
 *   pid, as containerd 1.7) -> StartContainer (pid) -> runc start ->
 *   PostStartContainer ... and back: StopContainer -> runc kill/delete ->
 *   RemoveContainer -> Stop/Remove PodSandbox.
 *
 * What each message carries is nri/cri.c's, checked against containerd's
 * captures.  The local bench backend and the reliability scenarios both
 * drive their pods with it.
 */
#ifndef BS_HARNESS_NRI_PODS_H
#define BS_HARNESS_NRI_PODS_H

#include <stdbool.h>

#include "harness/runtime/runc.h"
#include "lib/limits.h"
#include "nri/cri.h"
#include "nri/runtime.h"

#define BS_NRI_PODS_MAX 128 /* real containers tracked for cleanup */

/* One pod with one container. */
struct bs_nri_pod {
	char id[64];
	char pod_id[96];
	char pod_uid[40];
	char cgroups_path[96];
	char name[64];
	char pod_name[64];
	char token_path[BS_PATH_LEN]; /* where the agent plants, inside */
	struct bs_pod pod;
	struct bs_container ctr;
	struct bs_cri_ctr cri; /* what the runtime side reports */
	struct bs_runc rc;
	bool real;    /* a runc container, else NRI events only */
	bool via_nri; /* false: the same container without the plugins */
	bool pod_running;
	bool created;
	bool up;
	/* the host source of the token's mount (its bind source, or the
	 * file in a bind-mounted directory); "" when the plugin mounted none */
	char token_host[BS_PATH_LEN];
	double create_us; /* CreateContainer round trip */
	char why[256];	  /* what failed, for the caller's one message */
};

/* The runtime side (the caller makes and frees rt) and the real
 * containers not yet torn down. */
struct bs_nri_pods {
	struct bs_nri_runtime *rt;
	struct bs_nri_pod *live[BS_NRI_PODS_MAX];
};

struct bs_nri_pod_spec {
	const char *pod_name;
	const char *name;
	const char *token_path;
	const char *tmp_base; /* real: the bundle's dir below; NULL = /tmp */
	bool real;
	bool via_nri;
	int n; /* not real: the container id is nri-<pid>-<n> */
};

/* Make c (a bundle when real; the pod and container models).  A pod's
 * uid is a random UUID and a real container's hostname its pod's name,
 * as the kubelet sets them.  0 or -errno (c->why says what). */
int bs_nri_pod_new(struct bs_nri_pods *n, struct bs_nri_pod *c,
		   const struct bs_nri_pod_spec *s);
/* Up to running.  A plugin error on a notification is only logged by
 * runtimes, so not an error here.  0 or -errno (c->why). */
int bs_nri_pod_up(struct bs_nri_pods *n, struct bs_nri_pod *c);
/* Down and forgotten; notify false: runc only (the runtime side is
 * gone).  The first NRI error, or 0; safe twice. */
int bs_nri_pod_down(struct bs_nri_pods *n, struct bs_nri_pod *c, bool notify);
/* A random UUID, as the API server gives a pod ("" if none). */
void bs_nri_pod_uid(char out[40]);
/* Real containers still tracked: removed, and their count. */
int bs_nri_pods_reap(struct bs_nri_pods *n);

#endif
