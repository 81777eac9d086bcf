/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Cross-configuration report: the latest run_id of every configuration in
 * results/coverage.csv, results/overhead.csv and results/stealth.csv, as a
 * terminal table and as gnuplot inputs (data + scripts) that draw
 * results/coverage.svg, results/overhead.svg and results/stealth.svg.
 */
#ifndef BS_HARNESS_REPORT_H
#define BS_HARNESS_REPORT_H

/* Print the matrix; with plot_dir, also write the gnuplot files there.
 * Returns 0, -ENOENT when there are no results yet, or -errno. */
int bs_report(const char *results_dir, const char *plot_dir);

#endif
