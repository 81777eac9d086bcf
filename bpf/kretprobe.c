// SPDX-License-Identifier: Apache-2.0
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <linux/perf_event.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "bpf/kretprobe.h"
#include "bpf/tracefs.h"

#define GROUP BS_KRETPROBE_GROUP

static atomic_uint seq;

/* Appends line to kprobe_events (one write: the kernel parses per write). */
static int kprobe_events(const char *line)
{
	char path[96];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/kprobe_events", bs_tracefs_root());
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, line, strlen(line));
	n = n < 0 ? -errno : 0;
	close(fd);
	return (int)n;
}

static int event_id(const char *event)
{
	char path[160], buf[32] = "";
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/events/" GROUP "/%s/id",
		 bs_tracefs_root(), event);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	return atoi(buf) > 0 ? atoi(buf) : -EIO;
}

/* A perf event of the tracefs event: the program it carries runs on
 * every CPU whatever the event's own CPU. */
static int open_event(int id)
{
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.type = PERF_TYPE_TRACEPOINT,
		.config = (__u64)id,
		.sample_period = 1,
		.wakeup_events = 1,
	};
	long fd = syscall(__NR_perf_event_open, &attr, -1, 0, -1,
			  PERF_FLAG_FD_CLOEXEC);

	return fd < 0 ? -errno : (int)fd;
}

pid_t bs_kretprobe_event_pid(const char *event)
{
	const char *seq = strrchr(event, '_'), *pid = seq;
	long v = 0;

	if (!seq || !seq[1])
		return 0;
	for (const char *c = seq + 1; *c; c++)
		if (!isdigit((unsigned char)*c))
			return 0;
	while (pid > event && isdigit((unsigned char)pid[-1]))
		pid--;
	if (pid == seq || pid - 1 <= event || pid[-1] != '_')
		return 0;
	for (const char *c = pid; c < seq && v <= 0x3fffffff; c++)
		v = v * 10 + (*c - '0');
	return v > 0 && v <= 0x3fffffff ? (pid_t)v : 0;
}

/* A line of kprobe_events naming one of our events: its name in event. */
static bool our_event(const char *line, char *event, size_t len)
{
	const char *name = strstr(line, ":" GROUP "/");
	size_t n;

	if (!name || name > strchr(line, ' '))
		return false;
	name += sizeof(":" GROUP "/") - 1;
	n = strcspn(name, " \n");
	if (!n || n >= len)
		return false;
	memcpy(event, name, n);
	event[n] = '\0';
	return bs_kretprobe_event_pid(event) != 0;
}

static bool left_behind(pid_t pid)
{
	return pid == getpid() || (kill(pid, 0) && errno == ESRCH);
}

int bs_kretprobe_prune(void)
{
	char path[96], line[256], event[128];
	int removed = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/kprobe_events", bs_tracefs_root());
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (our_event(line, event, sizeof(event)) &&
		    left_behind(bs_kretprobe_event_pid(event)) &&
		    !bs_kretprobe_remove(event))
			removed++;
	fclose(f);
	return removed;
}

struct bpf_link *bs_kretprobe_attach(const struct bpf_program *prog,
				     const char *func, unsigned maxactive,
				     char *event, size_t len)
{
	struct bpf_link *link = NULL;
	char line[192];
	int err, id, pfd = -1;

	/* pid and a sequence: agents and detectors never share a name */
	snprintf(event, len, "%s_%d_%u", func, (int)getpid(),
		 atomic_fetch_add(&seq, 1));
	snprintf(line, sizeof(line), "r%u:" GROUP "/%s %s\n", maxactive, event,
		 func);
	err = bs_tracefs_ensure();
	if (!err)
		err = kprobe_events(line);
	if (err) {
		event[0] = '\0';
		errno = -err;
		return NULL;
	}
	id = event_id(event);
	pfd = id < 0 ? id : open_event(id);
	if (pfd >= 0) {
		link = bpf_program__attach_perf_event(prog, pfd);
		err = link ? 0 : -errno;
		if (!link)
			close(pfd);
	} else {
		err = pfd;
	}
	if (!link) {
		bs_kretprobe_remove(event);
		errno = -err;
	}
	return link; /* it owns pfd: destroying it closes the event */
}

int bs_kretprobe_remove(char *event)
{
	char line[160];
	int err;

	if (!event[0])
		return 0;
	snprintf(line, sizeof(line), "-:" GROUP "/%s\n", event);
	err = kprobe_events(line);
	event[0] = '\0';
	return err;
}
