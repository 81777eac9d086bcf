// SPDX-License-Identifier: Apache-2.0
/*
 * "bind": the token is a file under the agent's state dir, bind-mounted
 * read-only into the container.  The file exists before the container does,
 * so its inode is known (and can be armed) at create time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "strategies/inject_common.h"

static int bind_init(struct bs_inject_ctx *ctx)
{
	bs_inject_init_state(ctx->cfg);
	return 0;
}

static int plant(struct bs_inject_ctx *ctx, const struct bs_pod *pod,
		 const struct bs_container *ctr, struct bs_adjust *adj, int dfd,
		 const struct bs_inject_plan *plan, struct bs_token *t)
{
	static const char *const opts[] = { "rbind", "ro",     "nosuid",
					    "nodev", "noexec", NULL };
	struct stat st;
	int err;

	for (unsigned int i = 0; i < plan->n; i++) {
		err = bs_token_prepare(t, pod, ctr, &plan->items[i]);
		if (!err)
			err = bs_state_token_path(ctx->cfg, ctr->id, i,
						  t->host_path,
						  sizeof(t->host_path));
		if (!err)
			err = bs_state_write_token(dfd, i, t, &st);
		if (err)
			return err;
		bs_token_set_inode(t, &st);
		err = bs_token_store_add(ctx->store, t);
		if (!err)
			err = bs_adjust_add_mount(adj, t->path, "bind",
						  t->host_path, opts);
		if (err)
			return err;
	}
	return 0;
}

static int bind_create(struct bs_inject_ctx *ctx, const struct bs_pod *pod,
		       const struct bs_container *ctr, struct bs_adjust *adj)
{
	return bs_inject_create(ctx, pod, ctr, adj, plant);
}

/* The inode is known since create. */
static int bind_locate(struct bs_inject_ctx *ctx, const struct bs_pod *pod,
		       const struct bs_container *ctr)
{
	(void)ctx;
	(void)pod;
	(void)ctr;
	return 0;
}

static int bind_remove(struct bs_inject_ctx *ctx, const struct bs_pod *pod,
		       const struct bs_container *ctr)
{
	(void)pod;
	return bs_inject_remove(ctx, ctr);
}

static int bind_sync_inode(struct bs_inject_ctx *ctx,
			   const struct bs_container *ctr, struct bs_token *t,
			   const struct stat *st)
{
	unsigned int idx;
	char name[BS_PATH_LEN];
	int err;

	/* The record's index is the file's name; find it by inode. */
	for (idx = 0; idx < BS_MAX_PLAN; idx++) {
		struct stat cur;

		err = bs_state_token_path(ctx->cfg, ctr->id, idx, name,
					  sizeof(name));
		if (err)
			return err;
		if (!lstat(name, &cur) && cur.st_ino == st->st_ino &&
		    cur.st_dev == st->st_dev)
			break;
	}
	if (idx == BS_MAX_PLAN)
		return -ENOENT;
	snprintf(t->host_path, sizeof(t->host_path), "%s", name);
	bs_token_set_inode(t, st);
	return 0;
}

static int bind_sync(struct bs_inject_ctx *ctx, const struct bs_pod *pods,
		     size_t n_pods, const struct bs_container *ctrs,
		     size_t n_ctrs)
{
	return bs_inject_sync(ctx, pods, n_pods, ctrs, n_ctrs, bind_sync_inode);
}

static void bind_fini(struct bs_inject_ctx *ctx)
{
	(void)ctx;
}

const struct bs_inject_ops bs_inject_bind_ops = {
	.name = "bind",
	.init = bind_init,
	.create = bind_create,
	.locate = bind_locate,
	.remove = bind_remove,
	.sync = bind_sync,
	.fini = bind_fini,
};
