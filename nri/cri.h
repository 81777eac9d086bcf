/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A pod's life cycle as containerd reports it over NRI, for our runtime
 * side (harness local backend, reliability tests, benchmarks).
 *
 * The caller runs the containers (runc) and calls these at the matching CRI
 * steps; this module decides what each NRI message carries, the way
 * containerd v1.7.13 does (../shared/nri-golden, checked field by field by
 * tests/test_nri_lifecycle.c):
 *
 *   CRI step            NRI message          state    pid  adjusted view
 *   RunPodSandbox       RUN_POD_SANDBOX      -        pod  -
 *   CreateContainer     CreateContainer      UNKNOWN  -    no
 *   (runc create done)  POST_CREATE          CREATED  -    yes
 *   StartContainer      START_CONTAINER      CREATED  yes  yes  (before runc start)
 *   (runc start done)   POST_START           RUNNING  yes  yes
 *   StopContainer       StopContainer        RUNNING  yes  yes
 *   RemoveContainer     REMOVE_CONTAINER     STOPPED  -    yes
 *   StopPodSandbox      STOP_POD_SANDBOX     small pod: no pid, no CRI annotations,
 *                                            linux = cgroup parent only
 *   RemovePodSandbox    REMOVE_POD_SANDBOX   small pod
 *   (pod stopped first) REMOVE_CONTAINER     STOPPED  -    yes  in the small pod
 *
 * The same holds in modes 4 and 8 of the runtime side (the containerd
 * 1.7.34 / 2.0.11 captures, NRI v0.8).  From containerd 2.2 (modes 10-12;
 * 2.2.7 and 2.3.4 captures) the stopped pod only loses its pid, and in
 * mode 12 (2.3.4) a container removed after its pod stopped is in state
 * UNKNOWN.  How each
 * event is carried (StateChange or its own RPC) is nri/runtime.c's job.
 *
 * "Adjusted view": the plugins' adjustment applied as NRI applies it --
 * annotations and env replaced or added by key, mounts replaced by
 * destination then sorted by path depth (then name), hooks appended.
 * All functions return 0 or a negative errno (-EREMOTEIO: a plugin answered
 * with an error; for CreateContainer that fails the container).
 */
#ifndef BS_NRI_CRI_H
#define BS_NRI_CRI_H

#include <stdbool.h>
#include <stdint.h>

#include "nri/adjust.h"
#include "nri/model.h"
#include "nri/runtime.h"

struct bs_cri_ctr {
	const struct bs_pod *pod;  /* borrowed */
	struct bs_container base;  /* as CRI asked; strings borrowed */
	struct bs_adjust *applied; /* what the plugins added (owned) */
	enum bs_ctr_state state;
	uint32_t pid;
};

/* The container as NRI reports it now; arrays owned by the view. */
struct bs_cri_view {
	struct bs_container ctr;
	struct bs_mount_view *mounts;
	struct bs_kv *annotations;
	char **env;
	struct bs_hook_view *hooks;
};

int bs_cri_ctr_init(struct bs_cri_ctr *c, const struct bs_pod *pod,
		    const struct bs_container *base);
void bs_cri_ctr_fini(struct bs_cri_ctr *c);

int bs_cri_view_build(const struct bs_cri_ctr *c, struct bs_cri_view *v);
void bs_cri_view_free(struct bs_cri_view *v);

int bs_cri_run_pod(struct bs_nri_runtime *rt, const struct bs_pod *pod);
/* The plugins' adjustment goes to out (for the caller's config.json) and is
 * remembered for the later events. */
int bs_cri_create(struct bs_nri_runtime *rt, struct bs_cri_ctr *c,
		  struct bs_adjust *out);
int bs_cri_post_create(struct bs_nri_runtime *rt, struct bs_cri_ctr *c);
int bs_cri_start(struct bs_nri_runtime *rt, struct bs_cri_ctr *c, uint32_t pid);
int bs_cri_post_start(struct bs_nri_runtime *rt, struct bs_cri_ctr *c);
int bs_cri_stop(struct bs_nri_runtime *rt, struct bs_cri_ctr *c);
int bs_cri_remove(struct bs_nri_runtime *rt, struct bs_cri_ctr *c);
/* RemoveContainer after StopPodSandbox (crictl rmp -f, kubelet GC). */
int bs_cri_remove_in_stopped_pod(struct bs_nri_runtime *rt,
				 struct bs_cri_ctr *c);
int bs_cri_stop_pod(struct bs_nri_runtime *rt, const struct bs_pod *pod);
int bs_cri_remove_pod(struct bs_nri_runtime *rt, const struct bs_pod *pod);

#endif
