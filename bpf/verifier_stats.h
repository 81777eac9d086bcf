/* SPDX-License-Identifier: Apache-2.0 */
/*
 * How much of the verifier's budget a loaded BPF program used: the
 * instructions it processed, from bpf_prog_info.verified_insns (5.16+) or,
 * on older kernels, from "processed N insns" in a stats-level log.  Every
 * program x configuration stays under BS_VERIFIER_BUDGET, a quarter of the
 * kernel's limit: the same program can walk far more states on another
 * build of the same kernel version, and users' kernels vary more than ours.
 */
#ifndef BS_BPF_VERIFIER_STATS_H
#define BS_BPF_VERIFIER_STATS_H

#include <stddef.h>

struct bpf_program;

#define BS_VERIFIER_LIMIT  1000000L /* BPF_COMPLEXITY_LIMIT_INSNS, 5.2+ */
#define BS_VERIFIER_BUDGET (BS_VERIFIER_LIMIT / 4)
/* A stats-level log ends as ~200 bytes, but the verifier writes and
 * rewinds more on the way (6.18 wants over 1 KiB for readscan), and a log
 * too small fails the load with ENOSPC. */
#define BS_VERIFIER_LOG_SIZE 16384

/* Whether this kernel reports the count in bpf_prog_info (5.16+); when
 * not, only a stats-level log carries it. */
int bs_verifier_info_has_count(void);

/* Before load, on kernels without the count in bpf_prog_info: a stats-only
 * log (level 4) into log.  Not on newer kernels: a log that fills up
 * fails the load, and there it is not needed. */
void bs_verifier_log_stats(struct bpf_program *p, char *log, size_t size);

/* After a successful load: instructions processed, or -ENODATA when
 * neither the program's info nor log (may be NULL) says. */
long bs_verifier_insns(const struct bpf_program *p, const char *log);

/* "processed N insns" in a verifier log: N, or -ENODATA. */
long bs_verifier_parse_log(const char *log);

#endif
