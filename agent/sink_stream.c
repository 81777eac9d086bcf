// SPDX-License-Identifier: Apache-2.0
#include <errno.h>

#include "agent/sink_stream.h"

int bs_stream_write(struct bs_stream *s, const char *line)
{
	int err = 0;

	pthread_mutex_lock(s->lock);
	if (fputs(line, s->f) < 0 || fflush(s->f)) {
		(*s->write_errors)++;
		err = -EIO;
	}
	pthread_mutex_unlock(s->lock);
	return err;
}

static int stream_deliver(void *impl, const struct bs_alert *a)
{
	return bs_stream_write(impl, a->json);
}

static void stream_free(void *impl)
{
	(void)impl; /* the core owns it */
}

const struct bs_sink_ops bs_sink_stream_ops = {
	.kind = "stream",
	.deliver = stream_deliver,
	.free = stream_free,
};
