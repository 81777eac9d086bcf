/* SPDX-License-Identifier: Apache-2.0 */
/* The host micro-benchmarks at the end of a run with overhead: detect-bench
 * (64, 1 and 65536 tokens; readscan's windows) unless the detector is a peer
 * tool, then nri-rtt.  Their rows are added to b's overhead rows; a program
 * that is not built or fails is reported and skipped. */
#ifndef BS_HARNESS_HOST_BENCH_H
#define BS_HARNESS_HOST_BENCH_H

#include "harness/scenario.h"

void bs_host_benchmarks(struct bs_bench *b);

#endif
