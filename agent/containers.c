// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agent/containers.h"

struct bs_containers {
	pthread_mutex_t lock;
	struct bs_ctr_info *v;
	size_t n, cap;
};

struct bs_containers *bs_containers_new(void)
{
	struct bs_containers *cs = calloc(1, sizeof(*cs));

	if (cs)
		pthread_mutex_init(&cs->lock, NULL);
	return cs;
}

void bs_containers_free(struct bs_containers *cs)
{
	if (!cs)
		return;
	pthread_mutex_destroy(&cs->lock);
	free(cs->v);
	free(cs);
}

static void copy(char *dst, size_t n, const char *src)
{
	snprintf(dst, n, "%s", src ? src : "");
}

/* Where cgroup v2 is mounted: /sys/fs/cgroup on unified hosts,
 * /sys/fs/cgroup/unified on hybrid ones.  "" when there is none. */
static const char *cgroup2_root(void)
{
	static char root[256];
	static int done;
	char line[1024], dev[64], dir[512], type[64];
	FILE *f;

	if (done)
		return root;
	done = 1;
	f = fopen("/proc/self/mounts", "re");
	if (!f)
		return root;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %511s %63s", dev, dir, type) == 3 &&
		    !strcmp(type, "cgroup2") && strlen(dir) < sizeof(root)) {
			strcpy(root, dir);
			break;
		}
	fclose(f);
	return root;
}

uint64_t bs_cgroup_id_of_pid(uint32_t pid)
{
	char path[64], line[4096], dir[4400];
	const char *root = cgroup2_root();
	struct stat st;
	uint64_t id = 0;
	FILE *f;

	if (!pid || !*root)
		return 0;
	snprintf(path, sizeof(path), "/proc/%u/cgroup", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		/* cgroup v2 line: "0::/path"; the root cgroup names no one */
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = 0;
		/* "/": the root names no one; "/..": outside our cgroup
		 * namespace, no path here leads there */
		if (!strcmp(line + 3, "/") || !strncmp(line + 3, "/..", 3))
			break;
		snprintf(dir, sizeof(dir), "%s%s", root, line + 3);
		if (stat(dir, &st) == 0)
			id = st.st_ino;
		break;
	}
	fclose(f);
	return id;
}

uint32_t bs_mntns_of_pid(uint32_t pid)
{
	char path[64];
	struct stat st;

	if (!pid)
		return 0;
	snprintf(path, sizeof(path), "/proc/%u/ns/mnt", pid);
	return stat(path, &st) == 0 ? (uint32_t)st.st_ino : 0;
}

static struct bs_ctr_info *find(struct bs_containers *cs, const char *id)
{
	for (size_t i = 0; i < cs->n; i++)
		if (!strcmp(cs->v[i].id, id))
			return &cs->v[i];
	return NULL;
}

static struct bs_ctr_info *append(struct bs_containers *cs)
{
	if (cs->n == cs->cap) {
		size_t cap = cs->cap ? cs->cap * 2 : 64;
		struct bs_ctr_info *v = realloc(cs->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		cs->v = v;
		cs->cap = cap;
	}
	memset(&cs->v[cs->n], 0, sizeof(cs->v[0]));
	return &cs->v[cs->n++];
}

int bs_containers_put(struct bs_containers *cs, const struct bs_pod *pod,
		      const struct bs_container *ctr)
{
	uint64_t cg = bs_cgroup_id_of_pid(ctr->pid);
	uint32_t mnt = bs_mntns_of_pid(ctr->pid);
	struct bs_ctr_info *c;
	int err = 0;

	if (!ctr->id || !*ctr->id)
		return -EINVAL;
	pthread_mutex_lock(&cs->lock);
	c = find(cs, ctr->id);
	if (!c)
		c = append(cs);
	if (!c) {
		err = -ENOMEM;
		goto out;
	}
	copy(c->id, sizeof(c->id), ctr->id);
	copy(c->pod_id, sizeof(c->pod_id), ctr->pod_id);
	copy(c->name, sizeof(c->name), ctr->name);
	if (pod) {
		copy(c->pod, sizeof(c->pod), pod->name);
		copy(c->ns, sizeof(c->ns), pod->ns);
	}
	if (cg)
		c->cgroup_id = cg;
	if (mnt)
		c->mntns_ino = mnt;
out:
	pthread_mutex_unlock(&cs->lock);
	return err;
}

static void drop_at(struct bs_containers *cs, size_t i)
{
	cs->v[i] = cs->v[--cs->n];
}

void bs_containers_remove(struct bs_containers *cs, const char *id)
{
	pthread_mutex_lock(&cs->lock);
	for (size_t i = 0; i < cs->n; i++)
		if (!strcmp(cs->v[i].id, id)) {
			drop_at(cs, i);
			break;
		}
	pthread_mutex_unlock(&cs->lock);
}

static int listed(const char *id, const char *const *ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(ids[i], id))
			return 1;
	return 0;
}

void bs_containers_retain(struct bs_containers *cs, const char *const *ids,
			  size_t n)
{
	pthread_mutex_lock(&cs->lock);
	for (size_t i = 0; i < cs->n;) {
		if (listed(cs->v[i].id, ids, n))
			i++;
		else
			drop_at(cs, i);
	}
	pthread_mutex_unlock(&cs->lock);
}

int bs_containers_of_accessor(struct bs_containers *cs, uint64_t cgroup_id,
			      uint32_t mntns_ino, struct bs_ctr_info *out)
{
	const struct bs_ctr_info *hit = NULL;
	int err = -ENOENT;

	if (!cgroup_id && !mntns_ino)
		return -ENOENT;
	pthread_mutex_lock(&cs->lock);
	for (size_t i = 0; i < cs->n; i++) {
		if (cgroup_id && cs->v[i].cgroup_id == cgroup_id) {
			hit = &cs->v[i];
			break;
		}
		/* a cgroup match later in the list still wins */
		if (mntns_ino && cs->v[i].mntns_ino == mntns_ino && !hit)
			hit = &cs->v[i];
	}
	if (hit) {
		*out = *hit;
		err = 0;
	}
	pthread_mutex_unlock(&cs->lock);
	return err;
}

size_t bs_containers_count(struct bs_containers *cs)
{
	size_t n;

	pthread_mutex_lock(&cs->lock);
	n = cs->n;
	pthread_mutex_unlock(&cs->lock);
	return n;
}
