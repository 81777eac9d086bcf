/* SPDX-License-Identifier: Apache-2.0 */
/* What the suites read of a process in /proc. */
#ifndef BS_TEST_PROCFS_H
#define BS_TEST_PROCFS_H

#include <stdint.h>
#include <sys/types.h>

/* The hex value of a /proc/<pid>/status field (CapEff, NoNewPrivs, ...),
 * ~0 when the field is not there; an unreadable file fails the test. */
uint64_t bs_test_status_hex(pid_t pid, const char *name);

#endif
