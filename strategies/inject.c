// SPDX-License-Identifier: Apache-2.0
/* The injection driver (see inject.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "strategies/annotations.h"
#include "strategies/inject.h"

static void arm(struct bs_inject_ctx *ctx, const char *ctr_id, bool on)
{
	if (ctx->arm)
		ctx->arm(ctx->arm_arg, ctr_id, on);
}

/* "none": a strategy that plants nothing has nothing to keep either. */
static bool plants(const struct bs_inject_ctx *ctx)
{
	return ctx->ops && ctx->ops->plant;
}

int bs_inject_init(struct bs_inject_ctx *ctx, const struct bs_inject_ops *ops)
{
	int err = 0;

	ctx->ops = ops;
	if (ops->init)
		err = ops->init(ctx);
	if (!err && ops->plant)
		bs_inject_init_state(ctx->cfg);
	return err;
}

void bs_inject_fini(struct bs_inject_ctx *ctx)
{
	if (ctx->ops && ctx->ops->fini)
		ctx->ops->fini(ctx);
	ctx->priv = NULL; /* freed by fini */
}

static int annotate_ids(struct bs_inject_ctx *ctx, const char *ctr_id,
			struct bs_adjust *adj)
{
	uint32_t ids[BS_MAX_PLAN];
	char buf[BS_MAX_PLAN * 11 + 1];
	size_t n, off = 0;

	n = bs_token_store_list_container(ctx->store, ctr_id, ids, BS_MAX_PLAN);
	if (n > BS_MAX_PLAN)
		n = BS_MAX_PLAN;
	if (!n)
		return 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%u",
					i ? "," : "", ids[i]);
	return bs_adjust_add_annotation(adj, BS_ANN_TOKEN_ID, buf);
}

/* Records, state dir and what plant made elsewhere, of one container. */
static void drop(struct bs_inject_ctx *ctx, const char *ctr_id)
{
	if (ctx->ops->unplant)
		ctx->ops->unplant(ctx, ctr_id);
	bs_token_store_remove_container(ctx->store, ctr_id);
}

/* The end of every create: on success annotate adj with the token ids,
 * count the injection and arm; on failure undo it all, count it, log once
 * and return 0 (fail-open) or err (cfg->fail_closed). */
static int finish(struct bs_inject_ctx *ctx, const struct bs_container *ctr,
		  struct bs_adjust *adj, int err)
{
	const char *id = ctr && ctr->id ? ctr->id : "?";

	if (!err)
		err = annotate_ids(ctx, ctr->id, adj);
	if (!err) {
		ctx->n_injected++;
		arm(ctx, ctr->id, true);
		return 0;
	}
	ctx->n_failed++;
	if (ctr && bs_container_id_valid(ctr->id)) {
		drop(ctx, ctr->id);
		bs_state_ctr_remove(ctx->cfg, ctr->id);
	}
	bs_adjust_reset(adj);
	if (ctx->cfg->fail_closed) {
		bs_err("token injection into container %.128s failed: %s "
		       "(fail-closed: the container is refused)",
		       id, strerror(-err));
		return err;
	}
	bs_warn("token injection into container %.128s failed (%s): starting "
		"it without a token",
		id, strerror(-err));
	return 0;
}

int bs_inject_create(struct bs_inject_ctx *ctx, const struct bs_pod *pod,
		     const struct bs_container *ctr, struct bs_adjust *adj)
{
	struct bs_inject_plan *plan;
	struct bs_token *t = NULL;
	int dfd = -1, err;

	if (!plants(ctx))
		return 0;
	plan = malloc(sizeof(*plan));
	if (!plan)
		return finish(ctx, ctr, adj, -ENOMEM);
	err = bs_inject_plan(ctx, pod, ctr, plan);
	if (err > 0 || (!err && plan->n == 0)) {
		free(plan);
		return 0;
	}
	if (!err) {
		t = malloc(sizeof(*t));
		err = t ? 0 : -ENOMEM;
	}
	if (!err) {
		dfd = bs_state_ctr_open(ctx->cfg, ctr->id, true);
		err = dfd < 0 ? dfd : 0;
	}
	if (!err)
		err = ctx->ops->plant(ctx, pod, ctr, adj, dfd, plan, t);
	if (!err)
		err = bs_inject_irsa_env(pod, ctr, plan, adj);
	if (dfd >= 0)
		close(dfd);
	free(t);
	free(plan);
	return finish(ctx, ctr, adj, err);
}

int bs_inject_locate(struct bs_inject_ctx *ctx, const struct bs_container *ctr)
{
	int err = 0;

	if (!ctr || !ctr->id)
		return -EINVAL;
	if (!ctr->pid)
		return 0; /* not yet: a later event of this container has it */
	if (ctx->ops && ctx->ops->locate)
		err = ctx->ops->locate(ctx, ctr);
	/* the strategy said which token; the container runs anyway */
	if (err)
		ctx->n_failed++;
	arm(ctx, ctr->id, true);
	return err && ctx->cfg->fail_closed ? err : 0;
}

int bs_inject_remove(struct bs_inject_ctx *ctx, const struct bs_container *ctr)
{
	if (ctr && ctr->id)
		arm(ctx, ctr->id, false);
	if (!plants(ctx))
		return 0;
	if (!ctr || !bs_container_id_valid(ctr->id))
		return -EINVAL;
	drop(ctx, ctr->id);
	return bs_state_ctr_remove(ctx->cfg, ctr->id);
}

static const struct bs_pod *pod_of(const struct bs_pod *pods, size_t n,
				   const struct bs_container *ctr)
{
	for (size_t i = 0; pods && ctr->pod_id && i < n; i++)
		if (pods[i].id && !strcmp(pods[i].id, ctr->pod_id))
			return &pods[i];
	return NULL;
}

/* Rebuild one token record read back from the state dir. */
static int rebuild(struct bs_inject_ctx *ctx, const struct bs_pod *pod,
		   const struct bs_container *ctr, struct bs_token *t,
		   const struct stat *st)
{
	int err;

	bs_token_set_owner(t, pod, ctr);
	t->created_ns = bs_now_ns();
	err = ctx->ops->relocate
		      ? ctx->ops->relocate(ctx, ctr, t, st)
		      : bs_state_find_token(ctx->cfg, ctr->id, st, t);
	return err ? err : bs_token_store_add(ctx->store, t);
}

/* Rebuild one container's records from its state dir. */
static int sync_one(struct bs_inject_ctx *ctx, const struct bs_pod *pod,
		    const struct bs_container *ctr)
{
	struct bs_token *t;
	struct stat st;
	int dfd, err = 0;

	dfd = bs_state_ctr_open(ctx->cfg, ctr->id, false);
	if (dfd < 0)
		return dfd == -ENOENT ? 0 : dfd;
	t = malloc(sizeof(*t));
	if (!t) {
		close(dfd);
		return -ENOMEM;
	}
	bs_token_store_remove_container(ctx->store, ctr->id);
	for (unsigned int i = 0; i < BS_MAX_PLAN; i++) {
		int e;

		memset(t, 0, sizeof(*t));
		e = bs_state_read_token(dfd, i, t, &st);
		if (e == -ENOENT)
			continue;
		if (!e)
			e = rebuild(ctx, pod, ctr, t, &st);
		if (e)
			err = e;
	}
	free(t);
	close(dfd);
	return err;
}

static int prune_one(void *arg, const char *id)
{
	struct bs_inject_ctx *ctx = arg;

	bs_token_store_remove_container(ctx->store, id);
	return bs_state_ctr_remove(ctx->cfg, id) ? -EIO : 0;
}

static int rebuild_all(struct bs_inject_ctx *ctx, const struct bs_pod *pods,
		       size_t n_pods, const struct bs_container *ctrs,
		       size_t n_ctrs)
{
	int err = 0, e;

	for (size_t i = 0; ctrs && i < n_ctrs; i++) {
		if (!bs_container_id_valid(ctrs[i].id))
			continue;
		e = sync_one(ctx, pod_of(pods, n_pods, &ctrs[i]), &ctrs[i]);
		if (e) {
			bs_warn("sync: tokens of container %s not rebuilt: %s",
				ctrs[i].id, strerror(-e));
			err = e;
		}
	}
	/* state of containers that are gone */
	e = bs_state_each_gone(bs_state_tokens_open(ctx->cfg), ctrs, n_ctrs,
			       prune_one, ctx);
	if (ctx->ops->prune)
		ctx->ops->prune(ctx, ctrs, n_ctrs);
	return err ? err : e;
}

int bs_inject_sync(struct bs_inject_ctx *ctx, const struct bs_pod *pods,
		   size_t n_pods, const struct bs_container *ctrs,
		   size_t n_ctrs)
{
	int err =
		plants(ctx) ? rebuild_all(ctx, pods, n_pods, ctrs, n_ctrs) : 0;

	if (err)
		bs_warn("inject %s: resync: %s", ctx->ops->name,
			strerror(-err));
	arm(ctx, NULL, true);
	return err;
}
