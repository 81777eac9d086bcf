// SPDX-License-Identifier: Apache-2.0
/* Unix stream sockets: listen, dial (uds.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "harness/runtime/uds.h"

#define BACKLOG 4

/* A close-on-exec stream socket and path's address, or -errno. */
static int uds_socket(const char *path, struct sockaddr_un *a)
{
	int fd;

	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(a->sun_path))
		return -ENAMETOOLONG;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(a->sun_path, sizeof(a->sun_path), "%s", path);
	return fd;
}

/* fd when ok is true, else fd closed and -errno. */
static int kept_or_closed(int fd, bool ok)
{
	int err = -errno;

	if (ok)
		return fd;
	close(fd);
	return err;
}

int bs_uds_listen(const char *path)
{
	struct sockaddr_un a;
	int fd = uds_socket(path, &a);

	if (fd < 0)
		return fd;
	unlink(path);
	return kept_or_closed(fd, !bind(fd, (struct sockaddr *)&a, sizeof(a)) &&
					  !listen(fd, BACKLOG));
}

int bs_uds_dial(const char *path)
{
	struct sockaddr_un a;
	int fd = uds_socket(path, &a);

	if (fd < 0)
		return fd;
	return kept_or_closed(fd,
			      !connect(fd, (struct sockaddr *)&a, sizeof(a)));
}
