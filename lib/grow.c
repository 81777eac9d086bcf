// SPDX-License-Identifier: Apache-2.0
/* Growing arrays (see grow.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/grow.h"

int bs_grow(void *vec, size_t *cap, size_t n, size_t elem, size_t first)
{
	size_t want = *cap ? *cap * 2 : first;
	void *old, *v;

	if (n < *cap)
		return 0;
	/* vec points at a T *: read and write it as bytes, not as void * */
	memcpy(&old, vec, sizeof(old));
	v = realloc(old, want * elem);
	if (!v)
		return -ENOMEM;
	memcpy(vec, &v, sizeof(v));
	*cap = want;
	return 0;
}
