// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <sys/mount.h>
#include <unistd.h>

#include "bpf/tracefs.h"

#define TRACEFS "/sys/kernel/tracing"

const char *bs_tracefs_root(void)
{
	if (access(TRACEFS "/events", F_OK) &&
	    access("/sys/kernel/debug/tracing/events", F_OK) == 0)
		return "/sys/kernel/debug/tracing";
	return TRACEFS;
}

int bs_tracefs_ensure(void)
{
	if (access(TRACEFS "/events", F_OK) == 0)
		return 0;
	if (access("/sys/kernel/debug/tracing/events", F_OK) == 0)
		return 0;
	if (mount("nodev", TRACEFS, "tracefs", 0, NULL) && errno != EBUSY)
		return -errno;
	return access(TRACEFS "/events", F_OK) ? -ENOENT : 0;
}
