/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Rows for results/coverage.csv, results/overhead.csv and
 * results/stealth.csv.  Every row carries the run id, the git commit and
 * the configuration it was measured in; the last column, runtime, was
 * added later (rows from before it have it empty).
 */
#ifndef BS_HARNESS_RESULTS_H
#define BS_HARNESS_RESULTS_H

#include <stdbool.h>

#include "lib/csv.h"

#define BS_COVERAGE_CSV	 "coverage.csv"
#define BS_OVERHEAD_CSV	 "overhead.csv"
#define BS_STEALTH_CSV	 "stealth.csv"
#define BS_COVERAGE_COLS 13
#define BS_OVERHEAD_COLS 15
#define BS_STEALTH_COLS	 9

extern const char *const bs_coverage_header[BS_COVERAGE_COLS];
extern const char *const bs_overhead_header[BS_OVERHEAD_COLS];
extern const char *const bs_stealth_header[BS_STEALTH_COLS];

struct bs_results {
	struct bs_csv cov;
	struct bs_csv ovh;
	struct bs_csv st;
	char run_id[64];
	char commit[48];
	char kernel[128];
	char inject[16];
	char detect[16];
	char backend[16];
	char attach[32]; /* what the agent reported; set before writing */
	/* the CRI runtime and its version ("containerd-2.0.11"), set by a
	 * backend that drives one; "" when the backend runs runc itself */
	char runtime[64];
};

/* "20261122T140102Z-1a2b3c": sorts by time, unique enough per machine. */
void bs_make_run_id(char *buf, size_t len);
/* `git rev-parse --short HEAD` run in dir, "unknown" outside git. */
void bs_git_commit(const char *dir, char *buf, size_t len);

/* Opens (creating) dir/coverage.csv, overhead.csv, stealth.csv; the commit is
 * that of the checkout in srcdir. */
int bs_results_open(struct bs_results *r, const char *dir, const char *srcdir,
		    const char *inject, const char *detect,
		    const char *backend);
void bs_results_close(struct bs_results *r);

/* latency_us < 0: no latency (written empty). */
int bs_results_coverage(struct bs_results *r, const char *method,
			bool expect_alert, bool detected, unsigned alerts,
			double latency_us);
/* NaN values are written empty (e.g. no baseline for RSS). */
int bs_results_overhead(struct bs_results *r, const char *metric,
			const char *unit, unsigned long n, double baseline,
			double median, double p99, double ratio);
/* One tell as the recon saw it; inject NULL = the run's (the reference
 * volume's rows say "reference").  visible: "0", "1" or "unknown". */
int bs_results_stealth(struct bs_results *r, const char *inject,
		       const char *tell, const char *visible,
		       const char *evidence);

#endif
