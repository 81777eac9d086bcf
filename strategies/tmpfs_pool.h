/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Empty detached tmpfs instances made ahead of need, by a thread of their
 * own, so that a CreateContainer takes one instead of paying fsopen,
 * fsconfig and fsmount (a new superblock) itself.  The thread starts at
 * the first take (after the agent dropped privileges), refills after
 * each take and renews what it holds before it goes stale (one instance
 * when no take came for 10 s: an idle agent makes one tmpfs a second).  An instance older than BS_TMPFS_POOL_AGE_MS is not handed
 * out (the tmpfs root's birth time would then be older than the layout's
 * timestamp by more than a kubelet's setup takes); the thread closes it.
 */
#ifndef BS_STRATEGIES_TMPFS_POOL_H
#define BS_STRATEGIES_TMPFS_POOL_H

#include <stdint.h>

#define BS_TMPFS_POOL_AGE_MS 1000

struct bs_tmpfs_pool;

/* A pool of up to depth tmpfs with option size (NULL: the kernel's
 * default), or NULL (out of memory). */
struct bs_tmpfs_pool *bs_tmpfs_pool_new(const char *size, int depth);
/* Stops the thread, closes what is left. */
void bs_tmpfs_pool_free(struct bs_tmpfs_pool *p);
/* A fresh empty detached tmpfs (see bs_tmpfs_make): from the pool, else
 * made now.  fd or -errno. */
int bs_tmpfs_pool_take(struct bs_tmpfs_pool *p);
/* Takes served from the pool, and made on the spot. */
void bs_tmpfs_pool_counts(struct bs_tmpfs_pool *p, uint64_t *hits,
			  uint64_t *misses);

#endif
