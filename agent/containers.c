// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/containers.h"
#include "lib/grow.h"
#include "lib/proc.h"

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

/* "/proc/<pid>" in buf (32 bytes). */
static const char *proc_dir(char *buf, uint32_t pid)
{
	snprintf(buf, 32, "/proc/%u", pid);
	return buf;
}

/* pid 0: no process known, 0 for either. */
uint64_t bs_cgroup_id_of_pid(uint32_t pid)
{
	char proc[32];

	return pid ? bs_cgroup_id_of_proc(proc_dir(proc, pid)) : 0;
}

uint32_t bs_mntns_of_pid(uint32_t pid)
{
	char proc[32];

	return pid ? bs_mntns_of_proc(proc_dir(proc, pid)) : 0;
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
	struct bs_ctr_info *v = bs_grow(cs->v, &cs->cap, cs->n, sizeof(*v), 64);

	if (!v)
		return NULL;
	cs->v = v;
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
