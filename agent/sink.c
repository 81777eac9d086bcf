// SPDX-License-Identifier: Apache-2.0
/*
 * The sink set: a fixed array of sinks, each direct or behind a bounded
 * ring of owned alert copies drained by the sink's own thread.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/sink.h"
#include "lib/clock.h"
#include "lib/log.h"

#define BS_MAX_SINKS 16

struct sink {
	char name[64];
	const struct bs_sink_ops *ops;
	void *impl;
	/* queue: ring of qcap slots; NULL when direct */
	struct bs_alert **q;
	size_t qcap, head, n;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	int running, stop;
	int busy; /* a deliver() in flight */
	uint64_t delivered, dropped, failed;
};

struct bs_sinks {
	struct sink s[BS_MAX_SINKS];
	size_t n;
};

static size_t str_size(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

struct bs_alert *bs_alert_dup(const struct bs_alert *a)
{
	const char *const *src[] = {
		&a->node,   &a->inject,	       &a->detect,	 &a->backend,
		&a->method, &a->path,	       &a->container_id, &a->pod,
		&a->ns,	    &a->container,     &a->acc_id,	 &a->acc_pod,
		&a->acc_ns, &a->acc_container,
	};
	size_t need = sizeof(*a) + a->len + 1;
	struct bs_alert *d;
	char *p;

	for (size_t i = 0; i < sizeof(src) / sizeof(src[0]); i++)
		need += str_size(*src[i]);
	d = malloc(need);
	if (!d)
		return NULL;
	*d = *a;
	p = (char *)(d + 1);
	if (a->json)
		memcpy(p, a->json, a->len);
	p[a->len] = 0;
	d->json = p;
	p += a->len + 1;
	for (size_t i = 0; i < sizeof(src) / sizeof(src[0]); i++) {
		/* same member in the copy: offset from a to d */
		const char **dst =
			(const char **)((char *)d + ((const char *)src[i] -
						     (const char *)a));
		size_t len = str_size(*src[i]);

		if (!len)
			continue; /* NULL stays NULL */
		memcpy(p, *src[i], len);
		*dst = p;
		p += len;
	}
	return d;
}

static void deliver(struct sink *k, const struct bs_alert *a)
{
	int err = k->ops->deliver(k->impl, a);

	pthread_mutex_lock(&k->lock);
	if (err)
		k->failed++;
	else
		k->delivered++;
	pthread_mutex_unlock(&k->lock);
}

static void *sink_thread(void *arg)
{
	struct sink *k = arg;

	pthread_mutex_lock(&k->lock);
	for (;;) {
		struct bs_alert *a;

		while (!k->n && !k->stop)
			pthread_cond_wait(&k->cond, &k->lock);
		if (!k->n)
			break;
		a = k->q[k->head];
		k->head = (k->head + 1) % k->qcap;
		k->n--;
		k->busy = 1;
		pthread_mutex_unlock(&k->lock);
		deliver(k, a);
		free(a);
		pthread_mutex_lock(&k->lock);
		k->busy = 0;
		pthread_cond_broadcast(&k->cond); /* bs_sinks_free waits */
	}
	pthread_mutex_unlock(&k->lock);
	return NULL;
}

struct bs_sinks *bs_sinks_new(void)
{
	return calloc(1, sizeof(struct bs_sinks));
}

int bs_sinks_add(struct bs_sinks *s, const char *name,
		 const struct bs_sink_ops *ops, void *impl, size_t qcap)
{
	struct sink *k;

	if (s->n == BS_MAX_SINKS) {
		ops->free(impl);
		return -ENOSPC;
	}
	k = &s->s[s->n];
	memset(k, 0, sizeof(*k));
	snprintf(k->name, sizeof(k->name), "%s", name);
	k->ops = ops;
	k->impl = impl;
	pthread_mutex_init(&k->lock, NULL);
	pthread_cond_init(&k->cond, NULL);
	if (qcap) {
		k->q = calloc(qcap, sizeof(struct bs_alert *));
		k->qcap = qcap;
		if (!k->q || pthread_create(&k->thread, NULL, sink_thread, k)) {
			free(k->q);
			ops->free(impl);
			pthread_cond_destroy(&k->cond);
			pthread_mutex_destroy(&k->lock);
			return -ENOMEM;
		}
		k->running = 1;
	}
	s->n++;
	return 0;
}

static void enqueue(struct sink *k, const struct bs_alert *a)
{
	struct bs_alert *d = NULL;

	pthread_mutex_lock(&k->lock);
	if (k->n < k->qcap)
		d = bs_alert_dup(a);
	if (!d) {
		k->dropped++;
	} else {
		k->q[(k->head + k->n) % k->qcap] = d;
		k->n++;
		pthread_cond_broadcast(&k->cond);
	}
	pthread_mutex_unlock(&k->lock);
}

void bs_sinks_emit(struct bs_sinks *s, const struct bs_alert *a)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		if (s->s[i].q)
			enqueue(&s->s[i], a);
		else
			deliver(&s->s[i], a);
	}
}

size_t bs_sinks_count(const struct bs_sinks *s)
{
	return s ? s->n : 0;
}

int bs_sinks_get(struct bs_sinks *s, size_t i, const char **name,
		 const char **kind, struct bs_sink_stats *st)
{
	struct sink *k;

	if (!s || i >= s->n)
		return -ENOENT;
	k = &s->s[i];
	*name = k->name;
	*kind = k->ops->kind;
	pthread_mutex_lock(&k->lock);
	st->delivered = k->delivered;
	st->dropped = k->dropped;
	st->failed = k->failed;
	st->queued = k->n;
	pthread_mutex_unlock(&k->lock);
	st->retries = k->ops->retries ? k->ops->retries(k->impl) : 0;
	return 0;
}

void bs_sinks_total(struct bs_sinks *s, struct bs_sink_stats *tot)
{
	struct bs_sink_stats st;
	const char *name, *kind;

	memset(tot, 0, sizeof(*tot));
	for (size_t i = 0; bs_sinks_get(s, i, &name, &kind, &st) == 0; i++) {
		if (!s->s[i].q)
			continue;
		tot->delivered += st.delivered;
		tot->dropped += st.dropped;
		tot->failed += st.failed;
		tot->retries += st.retries;
		tot->queued += st.queued;
	}
}

static void wait_drained(struct sink *k, int drain_ms)
{
	struct timespec ts = bs_deadline_ms(drain_ms);

	pthread_mutex_lock(&k->lock);
	while ((k->n || k->busy) &&
	       !pthread_cond_timedwait(&k->cond, &k->lock, &ts))
		;
	/* what the receiver did not take in time is dropped, counted */
	while (k->n) {
		free(k->q[k->head]);
		k->head = (k->head + 1) % k->qcap;
		k->n--;
		k->dropped++;
	}
	k->stop = 1;
	pthread_cond_broadcast(&k->cond);
	pthread_mutex_unlock(&k->lock);
}

void bs_sinks_stop(struct bs_sinks *s)
{
	for (size_t i = 0; s && i < s->n; i++)
		if (s->s[i].ops->stop)
			s->s[i].ops->stop(s->s[i].impl);
}

void bs_sinks_free(struct bs_sinks *s, int drain_ms)
{
	if (!s)
		return;
	bs_sinks_stop(s);
	for (size_t i = 0; i < s->n; i++) {
		struct sink *k = &s->s[i];

		if (k->running) {
			wait_drained(k, drain_ms);
			/* a deliver() in flight is cut short, or ends by its
			 * own timeout */
			if (k->ops->cancel)
				k->ops->cancel(k->impl);
			pthread_join(k->thread, NULL);
			if (k->dropped || k->failed)
				bs_warn("sink %s: %llu dropped, %llu failed",
					k->name, (unsigned long long)k->dropped,
					(unsigned long long)k->failed);
		}
		k->ops->free(k->impl);
		free(k->q);
		pthread_cond_destroy(&k->cond);
		pthread_mutex_destroy(&k->lock);
	}
	free(s);
}
