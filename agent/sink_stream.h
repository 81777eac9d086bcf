/* SPDX-License-Identifier: Apache-2.0 */
/* The stream sink: alert lines to stdout or the --events file, written in
 * the caller's thread under the lock the ready/stats lines share. */
#ifndef BS_AGENT_SINK_STREAM_H
#define BS_AGENT_SINK_STREAM_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>

#include "agent/sink.h"

struct bs_stream {
	FILE *f;
	pthread_mutex_t *lock;
	uint64_t *write_errors; /* bumped on each failed write */
};

/* One line, flushed.  0 or -EIO (counted). */
int bs_stream_write(struct bs_stream *s, const char *line);

/* impl is a struct bs_stream the caller keeps (free is a no-op). */
extern const struct bs_sink_ops bs_sink_stream_ops;

#endif
