// SPDX-License-Identifier: Apache-2.0
/* "none" detection: the baseline for benchmarks; never alerts. */
#include <errno.h>
#include <poll.h>
#include <string.h>

#include "strategies/strategy.h"

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

static int none_poll_fd(struct bs_detect_ctx *ctx)
{
	(void)ctx;
	return -1;
}

/* Sleeps like a real poll so callers' loops do not spin. */
static int none_poll(struct bs_detect_ctx *ctx, int timeout_ms)
{
	(void)ctx;
	if (timeout_ms > 0)
		poll(NULL, 0, timeout_ms);
	return 0;
}

static void none_stats(struct bs_detect_ctx *ctx, struct bs_detect_stats *out)
{
	(void)ctx;
	memset(out, 0, sizeof(*out));
}

static void none_stop(struct bs_detect_ctx *ctx)
{
	ctx->priv = NULL;
}

const struct bs_detect_ops bs_detect_none_ops = {
	.name = "none",
	.start = none_start,
	.arm = none_arm,
	.disarm = none_disarm,
	.poll_fd = none_poll_fd,
	.poll = none_poll,
	.stats = none_stats,
	.stop = none_stop,
};
