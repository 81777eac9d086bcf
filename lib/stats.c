// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/stats.h"

int bs_samples_add(struct bs_samples *s, double x)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		double *v;

		if (cap > BS_SAMPLES_MAX)
			cap = BS_SAMPLES_MAX;
		if (cap <= s->n)
			return -E2BIG;
		v = realloc(s->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = x;
	return 0;
}

void bs_samples_free(struct bs_samples *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bs_samples_quantile(const struct bs_samples *s, double q)
{
	double *v, r;
	size_t i;

	if (s->n == 0)
		return NAN;
	v = malloc(s->n * sizeof(*v));
	if (!v)
		return NAN;
	memcpy(v, s->v, s->n * sizeof(*v));
	qsort(v, s->n, sizeof(*v), cmp_double);
	if (q <= 0)
		q = 0;
	if (q >= 1)
		q = 1;
	/* nearest rank: the smallest value with at least q of the samples */
	i = (size_t)(q * (double)s->n);
	if ((double)i < q * (double)s->n)
		i++;
	r = v[i ? i - 1 : 0];
	free(v);
	return r;
}

double bs_samples_median(const struct bs_samples *s)
{
	return bs_samples_quantile(s, 0.5);
}
