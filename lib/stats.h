/* SPDX-License-Identifier: Apache-2.0 */
/* Order statistics for benchmark samples. */
#ifndef BS_LIB_STATS_H
#define BS_LIB_STATS_H

#include <stddef.h>

/* A growable sample list, capped so a runaway loop cannot eat memory. */
#define BS_SAMPLES_MAX 1000000

struct bs_samples {
	double *v;
	size_t n;
	size_t cap;
};

int bs_samples_add(struct bs_samples *s, double x);
void bs_samples_free(struct bs_samples *s);
/* Quantile q in [0,1] (nearest rank on a sorted copy); NaN when empty. */
double bs_samples_quantile(const struct bs_samples *s, double q);
double bs_samples_median(const struct bs_samples *s);

#endif
