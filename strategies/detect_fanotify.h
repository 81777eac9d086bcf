/* SPDX-License-Identifier: Apache-2.0 */
/*
 * "fanotify" detection: a fanotify permission mark (FAN_OPEN_PERM,
 * FAN_ACCESS_PERM, FAN_OPEN_EXEC_PERM) on each token's inode.  The kernel
 * blocks the accessor until a responder thread of ours has read who it is
 * from /proc and answered FAN_ALLOW; the event then reaches poll() like a
 * BPF strategy's.  No BPF: it runs where BPF cannot (no BTF, no bpf()).
 */
#ifndef BS_STRATEGIES_DETECT_FANOTIFY_H
#define BS_STRATEGIES_DETECT_FANOTIFY_H

#include <stdbool.h>

#include "strategies/strategy.h"

/* Benchmarks: take every mark off (paused) or put it back while the
 * armed tokens stay known.  ctx of a started "fanotify" detector. */
int bs_fan_pause(struct bs_detect_ctx *ctx, bool paused);

#endif
