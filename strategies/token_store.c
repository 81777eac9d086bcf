// SPDX-License-Identifier: Apache-2.0
/*
 * Token store: a fixed array of slots behind a rwlock.
 *
 * An id encodes its slot (id - 1 = gen * capacity + slot), so lookups are
 * one array index plus an id compare.  Each slot has a generation that moves
 * on when the slot is freed, so an id is only reused after the generation of
 * that slot wraps (about 4G / capacity reuses of the same slot).
 *
 * A chained hash on the container id indexes the slots, so the per-container
 * calls every NRI event makes cost the container's tokens, not the capacity.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "strategies/token.h"

#define MAX_CAPACITY (1u << 20)

struct slot {
	struct bs_token *rec; /* NULL: free */
	uint32_t gen;
	uint32_t next; /* next slot + 1 in its bucket */
};

struct bs_token_store {
	pthread_rwlock_t lock;
	size_t cap;
	size_t count;
	uint32_t max_gen; /* gens per slot before ids would overflow */
	struct slot *slot;
	uint32_t *free_slots; /* stack of free slot indices */
	size_t n_free;
	uint32_t *bucket; /* container hash -> first slot + 1, 0 = none */
	size_t n_bucket;  /* power of two */
};

static size_t bucket_of(const struct bs_token_store *s, const char *ctr_id)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (const unsigned char *p = (const unsigned char *)ctr_id; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h & (s->n_bucket - 1);
}

/* Caller holds the write lock; slot i holds a record.  Appended, so a
 * container's tokens list in the order they were added. */
static void link_slot(struct bs_token_store *s, size_t i)
{
	uint32_t *p = &s->bucket[bucket_of(s, s->slot[i].rec->container_id)];

	while (*p)
		p = &s->slot[*p - 1].next;
	*p = (uint32_t)(i + 1);
	s->slot[i].next = 0;
}

static void unlink_slot(struct bs_token_store *s, size_t i)
{
	uint32_t *p = &s->bucket[bucket_of(s, s->slot[i].rec->container_id)];

	while (*p && *p != i + 1)
		p = &s->slot[*p - 1].next;
	if (*p)
		*p = s->slot[i].next;
	s->slot[i].next = 0;
}

/* First slot (+1) after cur (+1, 0 = start) holding container_id. */
static uint32_t next_of(const struct bs_token_store *s, const char *ctr_id,
			uint32_t cur)
{
	cur = cur ? s->slot[cur - 1].next : s->bucket[bucket_of(s, ctr_id)];
	while (cur && strcmp(s->slot[cur - 1].rec->container_id, ctr_id))
		cur = s->slot[cur - 1].next;
	return cur;
}

static size_t buckets_for(size_t capacity)
{
	size_t n = 16;

	while (n < capacity / 2)
		n <<= 1;
	return n;
}

struct bs_token_store *bs_token_store_new(size_t capacity)
{
	struct bs_token_store *s;

	if (capacity == 0 || capacity > MAX_CAPACITY)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	if (pthread_rwlock_init(&s->lock, NULL)) {
		free(s);
		return NULL;
	}
	s->cap = capacity;
	s->max_gen = (uint32_t)(UINT32_MAX / capacity);
	s->slot = calloc(capacity, sizeof(*s->slot));
	s->free_slots = calloc(capacity, sizeof(*s->free_slots));
	s->n_bucket = buckets_for(capacity);
	s->bucket = calloc(s->n_bucket, sizeof(*s->bucket));
	if (!s->slot || !s->free_slots || !s->bucket) {
		bs_token_store_free(s);
		return NULL;
	}
	/* Pop order: slot 0 first. */
	for (size_t i = 0; i < capacity; i++)
		s->free_slots[i] = (uint32_t)(capacity - 1 - i);
	s->n_free = capacity;
	return s;
}

void bs_token_store_free(struct bs_token_store *s)
{
	if (!s)
		return;
	for (size_t i = 0; s->slot && i < s->cap; i++)
		free(s->slot[i].rec);
	pthread_rwlock_destroy(&s->lock);
	free(s->slot);
	free(s->free_slots);
	free(s->bucket);
	free(s);
}

static uint32_t make_id(const struct bs_token_store *s, size_t i)
{
	return (uint32_t)((uint64_t)s->slot[i].gen * s->cap + i + 1);
}

/* Slot of a live record with this id, or -ENOENT. */
static long find(const struct bs_token_store *s, uint32_t id)
{
	size_t i;

	if (id == 0)
		return -ENOENT;
	i = (size_t)(id - 1) % s->cap;
	if (!s->slot[i].rec || s->slot[i].rec->id != id)
		return -ENOENT;
	return (long)i;
}

static int same_target(const struct bs_token *a, const struct bs_token *b)
{
	return !strcmp(a->container_id, b->container_id) &&
	       !strcmp(a->path, b->path);
}

int bs_token_store_add(struct bs_token_store *s, struct bs_token *t)
{
	struct bs_token *copy;
	uint32_t i;
	int err = 0;

	if (!s || !t)
		return -EINVAL;
	copy = malloc(sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	pthread_rwlock_wrlock(&s->lock);
	if (!s->n_free) {
		err = -ENOSPC;
		goto out;
	}
	for (uint32_t k = next_of(s, t->container_id, 0); k;
	     k = next_of(s, t->container_id, k)) {
		if (same_target(s->slot[k - 1].rec, t)) {
			err = -EEXIST;
			goto out;
		}
	}
	i = s->free_slots[--s->n_free];
	t->id = make_id(s, i);
	memcpy(copy, t, sizeof(*copy));
	s->slot[i].rec = copy;
	link_slot(s, i);
	s->count++;
	copy = NULL;
out:
	pthread_rwlock_unlock(&s->lock);
	free(copy);
	return err;
}

int bs_token_store_get(struct bs_token_store *s, uint32_t id,
		       struct bs_token *out)
{
	long i;

	if (!s || !out)
		return -EINVAL;
	pthread_rwlock_rdlock(&s->lock);
	i = find(s, id);
	if (i >= 0)
		memcpy(out, s->slot[i].rec, sizeof(*out));
	pthread_rwlock_unlock(&s->lock);
	return i < 0 ? (int)i : 0;
}

int bs_token_store_update(struct bs_token_store *s, const struct bs_token *t)
{
	long i;
	int err = 0;

	if (!s || !t)
		return -EINVAL;
	pthread_rwlock_wrlock(&s->lock);
	i = find(s, t->id);
	if (i < 0) {
		err = (int)i;
	} else if (!strcmp(s->slot[i].rec->container_id, t->container_id)) {
		memcpy(s->slot[i].rec, t, sizeof(*t));
	} else {
		unlink_slot(s, (size_t)i);
		memcpy(s->slot[i].rec, t, sizeof(*t));
		link_slot(s, (size_t)i);
	}
	pthread_rwlock_unlock(&s->lock);
	return err;
}

/* Caller holds the write lock. */
static void drop_slot(struct bs_token_store *s, size_t i)
{
	unlink_slot(s, i);
	free(s->slot[i].rec);
	s->slot[i].rec = NULL;
	s->slot[i].gen = (s->slot[i].gen + 1) % s->max_gen;
	/* FIFO would spread reuse further, but with generations a stack is
	 * already safe: the same slot comes back with a new id. */
	s->free_slots[s->n_free++] = (uint32_t)i;
	s->count--;
}

int bs_token_store_remove(struct bs_token_store *s, uint32_t id)
{
	long i;

	if (!s)
		return -EINVAL;
	pthread_rwlock_wrlock(&s->lock);
	i = find(s, id);
	if (i >= 0)
		drop_slot(s, (size_t)i);
	pthread_rwlock_unlock(&s->lock);
	return i < 0 ? (int)i : 0;
}

size_t bs_token_store_count(struct bs_token_store *s)
{
	size_t n;

	if (!s)
		return 0;
	pthread_rwlock_rdlock(&s->lock);
	n = s->count;
	pthread_rwlock_unlock(&s->lock);
	return n;
}

int bs_token_store_each(struct bs_token_store *s, bs_token_fn fn, void *arg)
{
	int ret = 0;

	if (!s || !fn)
		return -EINVAL;
	pthread_rwlock_rdlock(&s->lock);
	for (size_t i = 0; i < s->cap && !ret; i++)
		if (s->slot[i].rec)
			ret = fn(s->slot[i].rec, arg);
	pthread_rwlock_unlock(&s->lock);
	return ret;
}

size_t bs_token_store_remove_container(struct bs_token_store *s,
				       const char *container_id)
{
	size_t n = 0;

	if (!s || !container_id)
		return 0;
	pthread_rwlock_wrlock(&s->lock);
	for (uint32_t k; (k = next_of(s, container_id, 0)); n++)
		drop_slot(s, k - 1);
	pthread_rwlock_unlock(&s->lock);
	return n;
}

size_t bs_token_store_list_container(struct bs_token_store *s,
				     const char *container_id, uint32_t *ids,
				     size_t max)
{
	size_t n = 0;

	if (!s || !container_id)
		return 0;
	pthread_rwlock_rdlock(&s->lock);
	for (uint32_t k = next_of(s, container_id, 0); k;
	     k = next_of(s, container_id, k)) {
		if (ids && n < max)
			ids[n] = s->slot[k - 1].rec->id;
		n++;
	}
	pthread_rwlock_unlock(&s->lock);
	return n;
}
