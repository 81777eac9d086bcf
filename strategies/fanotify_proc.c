// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "strategies/fanotify_proc.h"

static char cg2_root[256];
static pthread_once_t cg2_once = PTHREAD_ONCE_INIT;

/* Where cgroup v2 is mounted (/sys/fs/cgroup, or /sys/fs/cgroup/unified
 * on hybrid hosts): a cgroup's id, what bpf_get_current_cgroup_id reports
 * and agent/containers.c keys on, is its directory's inode there. */
static void find_cgroup2(void)
{
	char line[1024], dev[64], dir[512], type[64];
	FILE *f = fopen("/proc/self/mounts", "re");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %511s %63s", dev, dir, type) == 3 &&
		    !strcmp(type, "cgroup2") &&
		    strlen(dir) < sizeof(cg2_root)) {
			strcpy(cg2_root, dir);
			break;
		}
	if (f)
		fclose(f);
}

static ssize_t read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

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

/* "0::/path" is the v2 line, relative to our cgroup namespace as our
 * mount is; "/" names no one, "/.." is out of our reach. */
static uint64_t cgroup_id(const char *proc)
{
	char buf[1024], path[1400], *line;
	struct stat st;

	pthread_once(&cg2_once, find_cgroup2);
	snprintf(path, sizeof(path), "%s/cgroup", proc);
	if (!cg2_root[0] || read_small(path, buf, sizeof(buf)) <= 0)
		return 0;
	line = !strncmp(buf, "0::", 3) ? buf : strstr(buf, "\n0::");
	if (!line)
		return 0;
	line += line == buf ? 3 : 4;
	line[strcspn(line, "\n")] = '\0';
	if (!strcmp(line, "/") || !strncmp(line, "/..", 3))
		return 0;
	snprintf(path, sizeof(path), "%s%s", cg2_root, line);
	return stat(path, &st) ? 0 : (uint64_t)st.st_ino;
}

int bs_fan_attribute(uint32_t tid, struct bs_event *ev)
{
	char proc[32], path[64], status[2048];
	struct stat st;
	ssize_t n;

	ev->pid = tid;
	snprintf(proc, sizeof(proc), "/proc/%u", tid);
	snprintf(path, sizeof(path), "%s/status", proc);
	n = read_small(path, status, sizeof(status));
	if (n < 0)
		return (int)n;
	parse_status(status, ev);
	ev->cgroup_id = cgroup_id(proc);
	snprintf(path, sizeof(path), "%s/ns/mnt", proc);
	if (!stat(path, &st))
		ev->mntns_ino = (uint32_t)st.st_ino;
	return 0;
}
