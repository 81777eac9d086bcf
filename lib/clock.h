/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BS_LIB_CLOCK_H
#define BS_LIB_CLOCK_H

#include <stdint.h>
#include <time.h>

/* CLOCK_MONOTONIC in ns: the same clock as bpf_ktime_get_ns(). */
static inline int64_t bs_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#endif
