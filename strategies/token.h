/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Token records and the token store.
 *
 * One record per honeytoken file planted in a container.  Injection
 * strategies create and fill records; detection strategies arm them
 * (device+inode or content into BPF maps); the alert formatter reads them.
 * The store is thread-safe: the NRI thread writes, the alert thread reads.
 */
#ifndef BS_STRATEGIES_TOKEN_H
#define BS_STRATEGIES_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/limits.h"

struct bs_token {
	uint32_t id; /* never 0; key used by BPF maps and alerts */
	char container_id[BS_ID_LEN];
	char pod_id[BS_ID_LEN];
	char pod[BS_NAME_LEN];
	char ns[BS_NAME_LEN];
	char container[BS_NAME_LEN];
	char path[BS_PATH_LEN];	     /* path inside the container */
	char host_path[BS_PATH_LEN]; /* where the agent sees the file */
	char template_name[32];
	uint8_t digest[32]; /* SHA-256 of content */
	uint64_t dev;	    /* kernel s_dev encoding (major<<20|minor) */
	uint64_t ino;
	bool have_inode; /* dev/ino known: can be armed */
	/* the container's cgroup v2 id and mount namespace inode, once its
	 * process is known (0 before): --respond-scope=container */
	uint64_t ctr_cgroup_id;
	uint32_t ctr_mntns;
	bool armed;	    /* in the detection maps */
	int64_t created_ns; /* CLOCK_MONOTONIC at injection */
	int64_t armed_ns;   /* CLOCK_MONOTONIC when armed, 0 if not */
	size_t content_len;
	uint8_t content[BS_CONTENT_MAX];
};

struct bs_token_store;

struct bs_token_store *bs_token_store_new(size_t capacity);
void bs_token_store_free(struct bs_token_store *s);

/* Copies *t in, assigns t->id (written back) and returns 0 or -errno
 * (-ENOSPC when full, -EEXIST for the same container id + path). */
int bs_token_store_add(struct bs_token_store *s, struct bs_token *t);
/* Copy a record out by id; -ENOENT when unknown. */
int bs_token_store_get(struct bs_token_store *s, uint32_t id,
		       struct bs_token *out);
/* Replace a record with the same id (e.g. after learning dev/ino). */
int bs_token_store_update(struct bs_token_store *s, const struct bs_token *t);
int bs_token_store_remove(struct bs_token_store *s, uint32_t id);
size_t bs_token_store_count(struct bs_token_store *s);

/* Calls fn for every record (read-only, valid during the call) until fn
 * returns non-zero, which is then returned.  fn must not call back into
 * the store. */
typedef int (*bs_token_fn)(const struct bs_token *t, void *arg);
int bs_token_store_each(struct bs_token_store *s, bs_token_fn fn, void *arg);

/* Remove every record of one container; returns how many were removed. */
size_t bs_token_store_remove_container(struct bs_token_store *s,
				       const char *container_id);
/* Copy the ids of one container's records (up to max) into ids; returns
 * how many records that container has (may exceed max). */
size_t bs_token_store_list_container(struct bs_token_store *s,
				     const char *container_id, uint32_t *ids,
				     size_t max);

/* user-space st_dev (glibc encoding) -> kernel s_dev encoding */
uint64_t bs_dev_to_kernel(uint64_t st_dev);

#endif
