/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container adjustment builder.
 *
 * Strategies describe what they want added to a new container (mounts,
 * hooks, env, annotations) through this API.  The NRI plugin side encodes it
 * into a ContainerAdjustment; the NRI runtime side decodes replies back into
 * it, and the local harness applies it to an OCI config.json.  Nothing here
 * knows about protobuf.
 *
 * All strings are copied.  Every add function returns 0 or a negative errno
 * (-ENOMEM, -EINVAL for NULL/empty required fields, -E2BIG past the caps).
 */
#ifndef BS_NRI_ADJUST_H
#define BS_NRI_ADJUST_H

#include <stddef.h>

#define BS_ADJ_MAX_ITEMS 64 /* per list; a plugin that needs more is wrong */
#define BS_ADJ_MAX_ARGS	 16 /* per hook args/env and per mount options */

enum bs_hook_kind {
	BS_HOOK_PRESTART = 0,
	BS_HOOK_CREATE_RUNTIME,
	BS_HOOK_CREATE_CONTAINER,
	BS_HOOK_START_CONTAINER,
	BS_HOOK_POSTSTART,
	BS_HOOK_POSTSTOP,
	BS_HOOK_KINDS,
};

struct bs_adj_mount {
	char *destination;
	char *type;
	char *source;
	char *options[BS_ADJ_MAX_ARGS];
	size_t n_options;
};

struct bs_adj_hook {
	enum bs_hook_kind kind;
	char *path;
	char *args[BS_ADJ_MAX_ARGS];
	size_t n_args;
	char *env[BS_ADJ_MAX_ARGS];
	size_t n_env;
	int timeout_s; /* 0 = none */
};

struct bs_adj_kv {
	char *key;
	char *value;
};

struct bs_adjust {
	struct bs_adj_mount mounts[BS_ADJ_MAX_ITEMS];
	size_t n_mounts;
	struct bs_adj_hook hooks[BS_ADJ_MAX_ITEMS];
	size_t n_hooks;
	struct bs_adj_kv env[BS_ADJ_MAX_ITEMS];
	size_t n_env;
	struct bs_adj_kv annotations[BS_ADJ_MAX_ITEMS];
	size_t n_annotations;
};

void bs_adjust_init(struct bs_adjust *a);
void bs_adjust_free(struct bs_adjust *a);
/* Drop everything added so far (used when a strategy fails open). */
void bs_adjust_reset(struct bs_adjust *a);
int bs_adjust_is_empty(const struct bs_adjust *a);

/* options: NULL-terminated list, may be NULL. */
int bs_adjust_add_mount(struct bs_adjust *a, const char *destination,
			const char *type, const char *source,
			const char *const *options);
/* args and env: NULL-terminated lists, may be NULL. */
int bs_adjust_add_hook(struct bs_adjust *a, enum bs_hook_kind kind,
		       const char *path, const char *const *args,
		       const char *const *env, int timeout_s);
int bs_adjust_add_env(struct bs_adjust *a, const char *key, const char *value);
int bs_adjust_add_annotation(struct bs_adjust *a, const char *key,
			     const char *value);

#endif
