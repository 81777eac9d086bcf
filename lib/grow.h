/* SPDX-License-Identifier: Apache-2.0 */
/* Growing arrays: room for one more element, doubling. */
#ifndef BS_LIB_GROW_H
#define BS_LIB_GROW_H

#include <stddef.h>

/* v (n of *cap elements of elem bytes used) with room for one more: v
 * itself while there is room, else v realloc'd to twice *cap (first when
 * 0) and *cap updated.  NULL on ENOMEM (v and *cap unchanged). */
void *bs_grow(void *v, size_t *cap, size_t n, size_t elem, size_t first);

#endif
