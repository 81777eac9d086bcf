// SPDX-License-Identifier: Apache-2.0
/* Growing arrays (see grow.h). */
#include <stdlib.h>

#include "lib/grow.h"

void *bs_grow(void *v, size_t *cap, size_t n, size_t elem, size_t first)
{
	size_t want = *cap ? *cap * 2 : first;
	void *nv;

	if (n < *cap)
		return v;
	nv = realloc(v, want * elem);
	if (nv)
		*cap = want;
	return nv;
}
