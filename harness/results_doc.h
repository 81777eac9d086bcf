/* SPDX-License-Identifier: Apache-2.0 */
/*
 * docs/results.md, generated from the results CSVs and a template
 * (docs/results.md.in), so no figure in it is copied by hand.  The template
 * is Markdown; a line "@@NAME@@" in it becomes a generated section:
 *
 *   summary         every CSV: rows, runs, the latest run, its kernels
 *   coverage        coverage.csv: per configuration, methods that alerted
 *   stealth         stealth.csv: per injection/backend, tells visible
 *   cost-syscalls, cost-lifecycle, cost-agent, fanotify
 *                   overhead.csv: curated metric columns per configuration
 *   cost-other      overhead.csv: the metrics no table above shows
 *   kernel-matrix   kernel-matrix.csv: case x kernel/backend
 *   targets         the issues' targets, met or not, from the CSVs
 *   detectors       per detector, coverage and cost ranges over its
 *                   configurations
 *   csv:FILE        FILE as it is: its columns, the latest run of each key
 *   other           csv:FILE for every CSV no other marker names
 *
 * Each section uses the latest run of each configuration (coverage,
 * stealth), configuration and metric (overhead) or key (the other files:
 * the columns that are neither numbers, free text, run_id nor commit).
 * Values are printed as the CSV holds them; order follows the files, so the
 * same CSVs give the same bytes.
 */
#ifndef BS_HARNESS_RESULTS_DOC_H
#define BS_HARNESS_RESULTS_DOC_H

/* Writes out_path (through a temporary file, renamed at the end).
 * Returns 0, -EINVAL for an unknown marker, or -errno. */
int bs_results_doc(const char *results_dir, const char *template_path,
		   const char *out_path);

#endif
