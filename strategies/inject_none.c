// SPDX-License-Identifier: Apache-2.0
/* "none": plants nothing; the baseline for the benchmarks. */
#include "strategies/strategy.h"

static int none_init(struct bs_inject_ctx *ctx)
{
	(void)ctx;
	return 0;
}

static int none_create(struct bs_inject_ctx *ctx, const struct bs_pod *pod,
		       const struct bs_container *ctr, struct bs_adjust *adj)
{
	(void)pod;
	(void)ctr;
	(void)adj;
	(void)ctx;
	return 0;
}

static int none_event(struct bs_inject_ctx *ctx, const struct bs_pod *pod,
		      const struct bs_container *ctr)
{
	(void)ctx;
	(void)pod;
	(void)ctr;
	return 0;
}

static int none_sync(struct bs_inject_ctx *ctx, const struct bs_pod *pods,
		     size_t n_pods, const struct bs_container *ctrs,
		     size_t n_ctrs)
{
	(void)ctx;
	(void)pods;
	(void)n_pods;
	(void)ctrs;
	(void)n_ctrs;
	return 0;
}

static void none_fini(struct bs_inject_ctx *ctx)
{
	(void)ctx;
}

const struct bs_inject_ops bs_inject_none_ops = {
	.name = "none",
	.init = none_init,
	.create = none_create,
	.locate = none_event,
	.remove = none_event,
	.sync = none_sync,
	.fini = none_fini,
};
