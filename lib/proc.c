// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/limits.h"
#include "lib/proc.h"

static char cg2_root[256];
static pthread_once_t cg2_once = PTHREAD_ONCE_INIT;

static void find_cgroup2(void)
{
	char line[1024], dev[64], dir[512], type[64];
	FILE *f = fopen("/proc/self/mounts", "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %511s %63s", dev, dir, type) == 3 &&
		    !strcmp(type, "cgroup2") &&
		    strlen(dir) < sizeof(cg2_root)) {
			strcpy(cg2_root, dir);
			break;
		}
	fclose(f);
}

const char *bs_cgroup2_root(void)
{
	pthread_once(&cg2_once, find_cgroup2);
	return cg2_root;
}

static ssize_t read_small(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* "0::/path" is the v2 line, relative to our cgroup namespace as our mount
 * of cgroup2 is; "/" names no one, "/.." is out of our reach. */
uint64_t bs_cgroup_id_of_proc(const char *proc)
{
	char buf[4096], path[4400], *line;
	const char *root = bs_cgroup2_root();
	struct stat st;

	snprintf(path, sizeof(path), "%s/cgroup", proc);
	if (!root[0] || read_small(path, buf, sizeof(buf)) <= 0)
		return 0;
	line = !strncmp(buf, "0::", 3) ? buf : strstr(buf, "\n0::");
	if (!line)
		return 0;
	line += line == buf ? 3 : 4;
	line[strcspn(line, "\n")] = '\0';
	if (!strcmp(line, "/") || !strncmp(line, "/..", 3))
		return 0;
	snprintf(path, sizeof(path), "%s%s", root, line);
	return stat(path, &st) ? 0 : (uint64_t)st.st_ino;
}

uint32_t bs_mntns_of_proc(const char *proc)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), "%s/ns/mnt", proc);
	return stat(path, &st) ? 0 : (uint32_t)st.st_ino;
}

int bs_cgroup_make(const char *name, char *dir, size_t n, uint64_t *id)
{
	const char *root = bs_cgroup2_root();
	struct stat st;

	if (!*root)
		return -ENOENT;
	if ((size_t)snprintf(dir, n, "%s/%s", root, name) >= n)
		return -ENAMETOOLONG;
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	if (stat(dir, &st))
		return -errno;
	*id = st.st_ino;
	return 0;
}

int bs_cgroup_join(const char *dir)
{
	char procs[BS_PATH_LEN + 16];
	int fd, err = 0;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	fd = open(procs, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, "0", 1) != 1)
		err = -errno;
	close(fd);
	return err;
}
