// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "bpf/kretprobe.h"
#include "bpf/tracefs.h"

#define GROUP "beesting"

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
