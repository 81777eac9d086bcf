// SPDX-License-Identifier: Apache-2.0
/* The agent's events file and log, read by the containerd suite. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "tests/support/containerd_events.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void nap_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

int ctrd_events_open(struct ctrd_events *e, const char *path)
{
	snprintf(e->path, sizeof(e->path), "%s", path);
	e->f = NULL;
	for (int i = 0; i < 500 && !e->f; i++) {
		e->f = fopen(path, "re");
		if (!e->f)
			nap_ms(20);
	}
	return e->f ? 0 : -ENOENT;
}

void ctrd_events_close(struct ctrd_events *e)
{
	if (e->f)
		fclose(e->f);
	e->f = NULL;
}

json_t *ctrd_events_wait(struct ctrd_events *e, const char *type,
			 bool (*match)(json_t *ev, const void *arg),
			 const void *arg, int ms)
{
	int64_t deadline = now_ms() + ms;
	static char line[65536];

	if (!e->f)
		return NULL;
	do {
		while (fgets(line, sizeof(line), e->f)) {
			json_t *j = json_loads(line, 0, NULL);
			const char *t =
				json_string_value(json_object_get(j, "type"));

			if (t && (!type || !strcmp(t, type)) &&
			    (!match || match(j, arg)))
				return j;
			json_decref(j);
		}
		clearerr(e->f);
		nap_ms(20);
	} while (now_ms() < deadline);
	return NULL;
}

int ctrd_count_in_file(const char *path, const char *needle)
{
	char line[4096];
	FILE *f = fopen(path, "re");
	int n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}
