/* SPDX-License-Identifier: Apache-2.0 */
/*
 * protobuf-c <-> plain C (nri/model.h, nri/adjust.h).
 *
 * Decoding (plugin side): strings in the bs_* structs are borrowed from the
 * unpacked message; the arrays (kv lists, mounts) are malloc'd and released
 * with bs_nri_pod_release()/bs_nri_ctr_release().
 *
 * Encoding (runtime side, and adjustments on the plugin side): every
 * protobuf-c struct is carved from a bs_arena and borrows the strings of the
 * source, so the result must be packed before the source or arena go away.
 */
#ifndef BS_NRI_CONVERT_H
#define BS_NRI_CONVERT_H

#include "nri/adjust.h"
#include "nri/model.h"
#include "nri/pb.h"

struct bs_arena {
	struct bs_arena_blk *head;
};

/* Zeroed memory, NULL on ENOMEM; all of it goes with bs_arena_free(). */
void *bs_arena_alloc(struct bs_arena *a, size_t size);
void bs_arena_free(struct bs_arena *a);

int bs_nri_pod_from_pb(const PB(PodSandbox) * pb, struct bs_pod *out);
void bs_nri_pod_release(struct bs_pod *p);
int bs_nri_ctr_from_pb(const PB(Container) * pb, struct bs_container *out);
void bs_nri_ctr_release(struct bs_container *c);

/* NULL on ENOMEM. */
PB(PodSandbox) * bs_nri_pod_to_pb(struct bs_arena *a, const struct bs_pod *p);
PB(Container) *
	bs_nri_ctr_to_pb(struct bs_arena *a, const struct bs_container *c);
PB(ContainerAdjustment) *
	bs_nri_adjust_to_pb(struct bs_arena *a, const struct bs_adjust *adj);

/* Append what pb asks for to out (strings copied).  Negative errno from
 * the bs_adjust_add_* calls (e.g. -E2BIG past the caps); out keeps what was
 * added before the failure. */
int bs_nri_adjust_from_pb(const PB(ContainerAdjustment) * pb,
			  struct bs_adjust *out);

#endif
