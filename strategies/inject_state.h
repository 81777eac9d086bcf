/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The injection strategies' on-disk state directory.
 *
 * State layout: <state>/tokens/<container-id>/<n>       token content
 *               <state>/tokens/<container-id>/<n>.meta  {"path","template"}
 * <n> is the token's index in the plan, never derived from the in-container
 * path, and the container id is checked against [A-Za-z0-9_.-]{1,128}.
 */
#ifndef BS_STRATEGIES_INJECT_STATE_H
#define BS_STRATEGIES_INJECT_STATE_H

#include <stdbool.h>
#include <sys/stat.h>

#include "strategies/strategy.h"

/* tmpfs on nodes: tokens never reach a disk, outlive an agent restart (resync
 * finds them) and go with a reboot, as the containers they sit in do */
#define BS_DEFAULT_STATE_DIR "/run/beesting"

const char *bs_inject_state_dir(const struct bs_inject_config *cfg);
bool bs_container_id_valid(const char *id);
/* ctrs (n of them) has a container with this id. */
bool bs_ctr_listed(const struct bs_container *ctrs, size_t n, const char *id);

/* Create <state>/tokens (0700).  Failure is only a warning: each create
 * then fails open. */
void bs_inject_init_state(const struct bs_inject_config *cfg);

/* Open <state>/tokens/<id> as a directory fd (O_NOFOLLOW all the way).
 * create: make it, emptying leftovers of an earlier container with the same
 * id.  Returns the fd or -errno. */
int bs_state_ctr_open(const struct bs_inject_config *cfg, const char *ctr_id,
		      bool create);
/* Write token idx (content, then meta) into the container dir; st gets the
 * content file's fstat.  Never follows or replaces an existing entry. */
int bs_state_write_token(int dirfd, unsigned int idx, const struct bs_token *t,
			 struct stat *st);
/* Read token idx back (content, digest, path, template); st gets the
 * content file's fstat.  -ENOENT when there is no such token. */
int bs_state_read_token(int dirfd, unsigned int idx, struct bs_token *t,
			struct stat *st);
/* Unlink token idx (content and meta) from the container dir. */
void bs_state_unlink_token(int dirfd, unsigned int idx);
/* Remove <state>/tokens/<id> and what is in it. */
int bs_state_ctr_remove(const struct bs_inject_config *cfg, const char *ctr_id);
/* <state dir>/tokens/<ctr_id>/<idx>: 0 or -ENAMETOOLONG. */
int bs_state_token_path(const struct bs_inject_config *cfg, const char *ctr_id,
			unsigned int idx, char *out, size_t cap);
/* The record's inode from a stat of its file (kernel s_dev encoding). */
void bs_token_set_inode(struct bs_token *t, const struct stat *st);
/* The state file of ctr_id that st is a stat of: t gets it as host path
 * and its inode.  -ENOENT when none is. */
int bs_state_find_token(const struct bs_inject_config *cfg, const char *ctr_id,
			const struct stat *st, struct bs_token *t);

/* Call gone(arg, id) for each entry of the directory dirfd (consumed) that
 * names a valid container id not in ctrs.  Returns 0, the last non-zero
 * gone() returned, or -errno. */
int bs_state_each_gone(int dirfd, const struct bs_container *ctrs, size_t n,
		       int (*gone)(void *arg, const char *id), void *arg);
/* <state>/tokens opened for reading (made when missing), or -errno. */
int bs_state_tokens_open(const struct bs_inject_config *cfg);

#endif
