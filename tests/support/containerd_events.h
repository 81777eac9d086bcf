/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent's JSON lines for the containerd suite, as jansson objects
 * (the harness reads the same file with bs_evtail, harness/agentproc.h).
 */
#ifndef BS_TESTS_CONTAINERD_EVENTS_H
#define BS_TESTS_CONTAINERD_EVENTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "harness/runtime/containerd.h"

/* Events file of the agent, read line by line. */
struct ctrd_events {
	FILE *f;
	char path[CTRD_PATH];
};

int ctrd_events_open(struct ctrd_events *e, const char *path);
void ctrd_events_close(struct ctrd_events *e);
/* Next line of that type (any when NULL) for which match (if set) says
 * yes, within ms; NULL on timeout.  Caller decrefs. */
json_t *ctrd_events_wait(struct ctrd_events *e, const char *type,
			 bool (*match)(json_t *ev, const void *arg),
			 const void *arg, int ms);
/* Count lines holding needle in a text file (agent log). */
int ctrd_count_in_file(const char *path, const char *needle);

#endif
