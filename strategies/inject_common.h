/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the injection strategies: planning which tokens a container
 * gets, building records, the on-disk state directory, fail-open rollback
 * and sync.
 *
 * State layout: <state>/tokens/<container-id>/<n>       token content
 *               <state>/tokens/<container-id>/<n>.meta  {"path","template"}
 * <n> is the token's index in the plan, never derived from the in-container
 * path, and the container id is checked against [A-Za-z0-9_.-]{1,128}.
 */
#ifndef BS_STRATEGIES_INJECT_COMMON_H
#define BS_STRATEGIES_INJECT_COMMON_H

#include <stdbool.h>
#include <sys/stat.h>

#include "strategies/strategy.h"

/* tmpfs on nodes: tokens never reach a disk, outlive an agent restart (resync
 * finds them) and go with a reboot, as the containers they sit in do */
#define BS_DEFAULT_STATE_DIR "/run/beesting"
#define BS_DEFAULT_HOOK_DIR  "/opt/beesting/bin"
#define BS_HOOK_NAME	     "beesting-hook"
#define BS_MAX_PLAN	     (BS_MAX_TOKEN_PATHS + 1) /* config + one annotation */

extern const struct bs_inject_ops bs_inject_bind_ops;
extern const struct bs_inject_ops bs_inject_ocihook_ops;
extern const struct bs_inject_ops bs_inject_projected_ops;
extern const struct bs_inject_ops bs_inject_none_ops;

struct bs_inject_plan {
	struct bs_token_spec items[BS_MAX_PLAN];
	size_t n;
	bool irsa_skipped; /* an eks-irsa token left out: the pod has IRSA */
	unsigned int n_spec_mount; /* paths left out: a spec mount is there */
};

const char *bs_inject_state_dir(const struct bs_inject_config *cfg);
const char *bs_inject_hook_dir(const struct bs_inject_config *cfg);
bool bs_container_id_valid(const char *id);

/* Create <state>/tokens (0700).  Failure is only a warning: each create
 * then fails open. */
void bs_inject_init_state(const struct bs_inject_config *cfg);

/* Fill plan with the tokens for ctr.  Returns 1 when the container is
 * skipped (opt-out annotation, excluded namespace; counted in n_skipped),
 * 0 with plan filled, -errno on bad input. */
int bs_inject_plan(struct bs_inject_ctx *ctx, const struct bs_pod *pod,
		   const struct bs_container *ctr, struct bs_inject_plan *plan);

/* eks-irsa: the env a pod identity webhook adds (AWS_ROLE_ARN,
 * AWS_WEB_IDENTITY_TOKEN_FILE naming the first eks-irsa token of plan,
 * AWS_REGION, AWS_DEFAULT_REGION, AWS_STS_REGIONAL_ENDPOINTS), added to
 * adj only when plan has such a token and ctr sets none of them. */
int bs_inject_irsa_env(const struct bs_pod *pod, const struct bs_container *ctr,
		       const struct bs_inject_plan *plan,
		       struct bs_adjust *adj);

/* Fill t's identity fields from pod/ctr/spec, generate content and digest
 * and set created_ns.  No inode yet. */
int bs_token_prepare(struct bs_token *t, const struct bs_pod *pod,
		     const struct bs_container *ctr,
		     const struct bs_token_spec *spec);

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
/* Remove <state>/tokens/<id> and what is in it. */
int bs_state_ctr_remove(const struct bs_inject_config *cfg, const char *ctr_id);
/* <state dir>/tokens/<ctr_id>/<idx>: 0 or -ENAMETOOLONG. */
int bs_state_token_path(const struct bs_inject_config *cfg, const char *ctr_id,
			unsigned int idx, char *out, size_t cap);
/* The record's inode from a stat of its file (kernel s_dev encoding). */
void bs_token_set_inode(struct bs_token *t, const struct stat *st);

/* The end of every create(): on success annotate adj with the token ids and
 * count the injection; on failure drop the container's records, its state
 * dir and everything in adj, count it, log once and return 0 (fail-open) or
 * err (cfg->fail_closed). */
int bs_inject_finish(struct bs_inject_ctx *ctx, const struct bs_container *ctr,
		     struct bs_adjust *adj, int err);

/* Plant the planned tokens of one container: dfd is its freshly emptied
 * state dir, t scratch space for one token. */
typedef int (*bs_plant_fn)(struct bs_inject_ctx *ctx, const struct bs_pod *pod,
			   const struct bs_container *ctr,
			   struct bs_adjust *adj, int dfd,
			   const struct bs_inject_plan *plan,
			   struct bs_token *t);

/* Shared create(): plan, open the state dir, plant, bs_inject_finish(). */
int bs_inject_create(struct bs_inject_ctx *ctx, const struct bs_pod *pod,
		     const struct bs_container *ctr, struct bs_adjust *adj,
		     bs_plant_fn plant);

/* Learn the inode of a token rebuilt from state during sync.  dirfd is the
 * container's state dir, st the content file's stat. */
typedef int (*bs_sync_inode_fn)(struct bs_inject_ctx *ctx,
				const struct bs_container *ctr,
				struct bs_token *t, const struct stat *st);

/* Shared sync(): rebuild records of listed containers from state, delete
 * state of containers not listed. */
int bs_inject_sync(struct bs_inject_ctx *ctx, const struct bs_pod *pods,
		   size_t n_pods, const struct bs_container *ctrs,
		   size_t n_ctrs, bs_sync_inode_fn inode);

/* remove(): state dir and records of one container. */
int bs_inject_remove(struct bs_inject_ctx *ctx, const struct bs_container *ctr);

#endif
