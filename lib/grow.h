/* SPDX-License-Identifier: Apache-2.0 */
/* Growing arrays: room for one more element, doubling. */
#ifndef BS_LIB_GROW_H
#define BS_LIB_GROW_H

#include <stddef.h>

/* *vec (a T * with n of *cap elements of elem bytes used) gets room for
 * one more: when full it is realloc'd to twice *cap (first when 0).  0 or
 * -ENOMEM (then *vec and *cap are left as they were). */
int bs_grow(void *vec, size_t *cap, size_t n, size_t elem, size_t first);

#endif
