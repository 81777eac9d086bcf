// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/fs.h"
#include "lib/proc.h"
#include "strategies/fanotify_proc.h"

static const char *field(const char *status, const char *key)
{
	const char *p = strstr(status, key);

	return p ? p + strlen(key) : NULL;
}

static uint32_t field_u32(const char *status, const char *key)
{
	const char *p = field(status, key);

	return p ? (uint32_t)strtoul(p, NULL, 10) : 0;
}

static void parse_status(const char *st, struct bs_event *ev)
{
	const char *name = field(st, "Name:\t");
	size_t i = 0;

	/* Name: is the thread's comm, as bpf_get_current_comm() */
	while (name && name[i] && name[i] != '\n' && i < BS_COMM_LEN - 1) {
		ev->comm[i] = name[i];
		i++;
	}
	ev->comm[i] = '\0';
	ev->tgid = field_u32(st, "\nTgid:\t");
	ev->ppid = field_u32(st, "\nPPid:\t");
	ev->uid = field_u32(st, "\nUid:\t"); /* the real uid comes first */
}

int bs_fan_attribute(uint32_t tid, struct bs_event *ev)
{
	char proc[32], path[64], status[2048];
	ssize_t n;

	ev->tid = tid;
	snprintf(proc, sizeof(proc), "/proc/%u", tid);
	snprintf(path, sizeof(path), "%s/status", proc);
	n = bs_read_small(path, status, sizeof(status));
	if (n < 0)
		return (int)n;
	parse_status(status, ev);
	ev->cgroup_id = bs_cgroup_id_of_proc(proc);
	ev->mntns_ino = bs_mntns_of_proc(proc);
	return 0;
}
