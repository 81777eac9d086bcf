// SPDX-License-Identifier: Apache-2.0
/* "none" detection: the baseline for benchmarks; never alerts. */
#include <errno.h>
#include <poll.h>

#include "strategies/detect_common.h"

static int none_start(struct bs_detect_ctx *ctx)
{
	ctx->backend = BS_ATTACH_AUTO;
	ctx->blind_spots = "everything: detection is off";
	ctx->priv = NULL;
	return 0;
}

static int none_arm(struct bs_detect_ctx *ctx, const struct bs_token *t)
{
	(void)ctx;
	return t && t->id ? 0 : -EINVAL;
}

static int none_disarm(struct bs_detect_ctx *ctx, const struct bs_token *t)
{
	(void)ctx;
	(void)t;
	return 0;
}

/* Sleeps like a real poll so callers' loops do not spin. */
static int none_poll(struct bs_detect_ctx *ctx, int timeout_ms)
{
	(void)ctx;
	if (timeout_ms > 0)
		poll(NULL, 0, timeout_ms);
	return 0;
}

/* No priv: the shared slots give -1, zeroed stats and nothing to stop. */
const struct bs_detect_ops bs_detect_none_ops = {
	.name = "none",
	.start = none_start,
	.arm = none_arm,
	.disarm = none_disarm,
	.poll_fd = bs_det_op_poll_fd,
	.poll = none_poll,
	.stats = bs_det_op_stats,
	.stop = bs_det_op_stop,
};
