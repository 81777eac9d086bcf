// SPDX-License-Identifier: Apache-2.0
/*
 * "bind": the token is a file under the agent's state dir, bind-mounted
 * read-only into the container.  The file exists before the container does,
 * so its inode is known (and can be armed) at create time.
 */
#include "strategies/inject.h"

int bs_bind_plant_one(struct bs_inject_ctx *ctx, const struct bs_pod *pod,
		      const struct bs_container *ctr, struct bs_adjust *adj,
		      int dfd, const struct bs_inject_plan *plan,
		      unsigned int i, struct bs_token *t)
{
	static const char *const opts[] = { "rbind", "ro",     "nosuid",
					    "nodev", "noexec", NULL };
	struct stat st;
	int err;

	err = bs_token_prepare(t, pod, ctr, &plan->items[i]);
	if (!err)
		err = bs_state_token_path(ctx->cfg, ctr->id, i, t->host_path,
					  sizeof(t->host_path));
	if (!err)
		err = bs_state_write_token(dfd, i, t, &st);
	if (err)
		return err;
	bs_token_set_inode(t, &st);
	err = bs_token_store_add(ctx->store, t);
	if (!err)
		err = bs_adjust_add_mount(adj, t->path, "bind", t->host_path,
					  opts);
	return err;
}

static int plant(struct bs_inject_ctx *ctx, const struct bs_pod *pod,
		 const struct bs_container *ctr, struct bs_adjust *adj, int dfd,
		 const struct bs_inject_plan *plan, struct bs_token *t)
{
	int err = 0;

	for (unsigned int i = 0; i < plan->n && !err; i++)
		err = bs_bind_plant_one(ctx, pod, ctr, adj, dfd, plan, i, t);
	return err;
}

const struct bs_inject_ops bs_inject_bind_ops = {
	.name = "bind", .plant = plant,
	/* the state file is the token: no relocate, nothing to unplant */
};
