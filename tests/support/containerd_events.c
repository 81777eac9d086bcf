// SPDX-License-Identifier: Apache-2.0
/* The agent's events file and log, read by the containerd suite. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "lib/clock.h"
#include "lib/fs.h"
#include "tests/support/containerd_events.h"

int ctrd_events_open(struct ctrd_events *e, const char *path)
{
	snprintf(e->path, sizeof(e->path), "%s", path);
	e->f = NULL;
	for (int i = 0; i < 500 && !e->f; i++) {
		e->f = fopen(path, "re");
		if (!e->f)
			bs_nap_ms(20);
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
	int64_t deadline = bs_now_ns() / 1000000 + ms;
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
		bs_nap_ms(20);
	} while (bs_now_ns() / 1000000 < deadline);
	return NULL;
}

int ctrd_count_in_file(const char *path, const char *needle)
{
	return bs_file_count_matches(path, needle);
}
