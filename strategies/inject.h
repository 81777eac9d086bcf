/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The injection driver: one fixed sequence for every strategy, with the
 * strategy's ops (strategy.h) only where strategies differ.
 *
 *   create: plan (inject_plan.h) -> state dir (inject_state.h) -> plant
 *           -> env (eks-irsa) -> annotate, count -> arm
 *   locate: the strategy's locate -> arm
 *   remove: disarm -> records, state dir, unplant
 *   sync:   rebuild records from the state dir (relocate), drop the state
 *           of containers that are gone (prune) -> arm all
 *
 * Failures are decided here, once: counted in n_failed, logged, and then
 * either undone so the container starts without a token (fail-open, 0
 * returned) or returned (cfg->fail_closed) for the caller to refuse the
 * container without logging again.
 */
#ifndef BS_STRATEGIES_INJECT_H
#define BS_STRATEGIES_INJECT_H

#include "strategies/inject_plan.h"
#include "strategies/inject_state.h"
#include "strategies/strategy.h"

#define BS_DEFAULT_HOOK_DIR "/opt/beesting/bin"
#define BS_HOOK_NAME	    "beesting-hook"

extern const struct bs_inject_ops bs_inject_bind_ops;
extern const struct bs_inject_ops bs_inject_ocihook_ops;
extern const struct bs_inject_ops bs_inject_projected_ops;

/* bind's way for plan item i: the state file itself, bind-mounted at the
 * token path (projected's fallback too). */
int bs_bind_plant_one(struct bs_inject_ctx *ctx, const struct bs_pod *pod,
		      const struct bs_container *ctr, struct bs_adjust *adj,
		      int dfd, const struct bs_inject_plan *plan,
		      unsigned int i, struct bs_token *t);

/* ctx->cfg and ctx->store set (ctx->arm may be): run ops->init and make
 * the state dir.  Errors are logged by the strategy. */
int bs_inject_init(struct bs_inject_ctx *ctx, const struct bs_inject_ops *ops);
void bs_inject_fini(struct bs_inject_ctx *ctx);

/* A new container: fill the store and adj.  0, or the error under
 * fail-closed (logged and counted here). */
int bs_inject_create(struct bs_inject_ctx *ctx, const struct bs_pod *pod,
		     const struct bs_container *ctr, struct bs_adjust *adj);
/* An event with ctr->pid: learn what only the container shows, arm. */
int bs_inject_locate(struct bs_inject_ctx *ctx, const struct bs_container *ctr);
/* The container is gone: disarm, drop records, state and mounts. */
int bs_inject_remove(struct bs_inject_ctx *ctx, const struct bs_container *ctr);
/* Agent (re)connected: rebuild records for these running containers and
 * clean up state of containers that are gone; arm all. */
int bs_inject_sync(struct bs_inject_ctx *ctx, const struct bs_pod *pods,
		   size_t n_pods, const struct bs_container *ctrs,
		   size_t n_ctrs);

#endif
