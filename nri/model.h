/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Plain C views of the NRI objects the strategies care about.
 *
 * The NRI front-end fills these from protobuf; strategies, the agent core and
 * the harness only ever see these structs, never protobuf-c types.  Strings are
 * borrowed: they live as long as the NRI message being handled.
 */
#ifndef BS_NRI_MODEL_H
#define BS_NRI_MODEL_H

#include <stddef.h>
#include <stdint.h>

struct bs_kv {
	const char *key;
	const char *value;
};

/* A Linux namespace the runtime names (path "" = a new one). */
struct bs_ns_view {
	const char *type;
	const char *path;
};

struct bs_pod {
	const char *id;
	const char *name;
	const char *uid;
	const char *ns;
	const struct bs_kv *annotations;
	size_t n_annotations;
	const struct bs_kv *labels;
	size_t n_labels;
	const char *cgroup_parent;
	const char *cgroups_path;
	const struct bs_ns_view *namespaces;
	size_t n_namespaces;
	uint32_t pid;
};

/* Same numbering as NRI's ContainerState. */
enum bs_ctr_state {
	BS_CTR_UNKNOWN = 0,
	BS_CTR_CREATED = 1,
	BS_CTR_PAUSED = 2,
	BS_CTR_RUNNING = 3,
	BS_CTR_STOPPED = 4,
};

struct bs_mount_view {
	const char *destination;
	const char *type;
	const char *source;
	const char *const *options;
	size_t n_options;
};

/* An OCI hook as the runtime reports it (kind: enum bs_hook_kind). */
struct bs_hook_view {
	int kind;
	const char *path;
	const char *const *args;
	size_t n_args;
	int timeout_s; /* 0 = none */
};

struct bs_container {
	const char *id;
	const char *pod_id;
	const char *name;
	enum bs_ctr_state state;
	uint32_t pid;
	const char *cgroups_path;
	const struct bs_ns_view *namespaces;
	size_t n_namespaces;
	const struct bs_kv *annotations;
	size_t n_annotations;
	const struct bs_kv *labels;
	size_t n_labels;
	const struct bs_mount_view *mounts;
	size_t n_mounts;
	const char *const *args;
	size_t n_args;
	const char *const *env; /* "KEY=VALUE" */
	size_t n_env;
	/* Hooks are sent by the runtime side only; the plugin side does not
	 * decode them (no strategy needs them). */
	const struct bs_hook_view *hooks;
	size_t n_hooks;
};

/* NRI event numbers (api.proto enum Event). */
enum bs_nri_event {
	BS_EV_RUN_POD_SANDBOX = 1,
	BS_EV_STOP_POD_SANDBOX = 2,
	BS_EV_REMOVE_POD_SANDBOX = 3,
	BS_EV_CREATE_CONTAINER = 4,
	BS_EV_POST_CREATE_CONTAINER = 5,
	BS_EV_START_CONTAINER = 6,
	BS_EV_POST_START_CONTAINER = 7,
	BS_EV_UPDATE_CONTAINER = 8,
	BS_EV_POST_UPDATE_CONTAINER = 9,
	BS_EV_STOP_CONTAINER = 10,
	BS_EV_REMOVE_CONTAINER = 11,
};

#define BS_EV_MASK(ev) (1u << ((ev)-1))

/* Look an annotation up; NULL when absent. */
const char *bs_kv_get(const struct bs_kv *kv, size_t n, const char *key);

#endif
