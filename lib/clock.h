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

/* Sleep ms milliseconds (an interrupted sleep ends early). */
static inline void bs_nap_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* CLOCK_REALTIME ms milliseconds from now: the deadline
 * pthread_cond_timedwait() takes. */
static inline struct timespec bs_deadline_ms(int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return ts;
}

#endif
