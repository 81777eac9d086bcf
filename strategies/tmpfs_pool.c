// SPDX-License-Identifier: Apache-2.0
/* Empty detached tmpfs made ahead of need (see tmpfs_pool.h). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"
#include "strategies/host_mount.h"
#include "strategies/tmpfs_pool.h"

#define MAX_DEPTH 16
/* No take for this long: keep one instance fresh, not depth. */
#define IDLE_NS (10 * 1000000000LL)

struct bs_tmpfs_pool {
	char size[32];
	bool has_size;
	int depth;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	bool started, stop, failed;
	int n;
	int fd[MAX_DEPTH];
	int64_t made_ns[MAX_DEPTH];
	int64_t last_take_ns;
	uint64_t hits, misses;
};

static bool stale(int64_t made_ns, int64_t now)
{
	return now - made_ns > (int64_t)BS_TMPFS_POOL_AGE_MS * 1000000;
}

/* Close them all (the thread then makes new ones), unlocked. */
static void renew(struct bs_tmpfs_pool *p)
{
	int k = p->n, old[MAX_DEPTH];

	for (int i = 0; i < k; i++)
		old[i] = p->fd[i];
	p->n = 0;
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < k; i++)
		close(old[i]);
	pthread_mutex_lock(&p->mu);
}

/* Drop stale instances (oldest first in the array), unlocked closes. */
static void drop_stale(struct bs_tmpfs_pool *p)
{
	int64_t now = bs_now_ns();
	int k = 0, old[MAX_DEPTH];

	while (k < p->n && stale(p->made_ns[k], now)) {
		old[k] = p->fd[k];
		k++;
	}
	for (int i = k; i < p->n; i++) {
		p->fd[i - k] = p->fd[i];
		p->made_ns[i - k] = p->made_ns[i];
	}
	p->n -= k;
	pthread_mutex_unlock(&p->mu);
	/* closing a detached tmpfs unmounts it: off the NRI path */
	for (int i = 0; i < k; i++)
		close(old[i]);
	pthread_mutex_lock(&p->mu);
}

/* Busy: depth instances; idle: one, so a take after a quiet spell still
 * finds a fresh one while an idle agent makes one tmpfs a second. */
static int target(const struct bs_tmpfs_pool *p)
{
	bool idle = bs_now_ns() - p->last_take_ns > IDLE_NS;

	return idle && p->depth ? 1 : p->depth;
}

/* Until a take, or until the newest is 3/4 of the way to stale: renewed
 * ahead so that a take never finds only stale ones. */
static void wait_refresh(struct bs_tmpfs_pool *p)
{
	int64_t at = p->made_ns[p->n ? p->n - 1 : 0] +
		     (int64_t)BS_TMPFS_POOL_AGE_MS * 750000;
	struct timespec ts;

	if (!p->n) {
		pthread_cond_wait(&p->cv, &p->mu);
		return;
	}
	ts.tv_sec = (time_t)(at / 1000000000);
	ts.tv_nsec = (long)(at % 1000000000);
	if (pthread_cond_timedwait(&p->cv, &p->mu, &ts) == ETIMEDOUT)
		renew(p);
}

static void *pool_thread(void *arg)
{
	struct bs_tmpfs_pool *p = arg;

	pthread_mutex_lock(&p->mu);
	while (!p->stop) {
		int fd;

		drop_stale(p);
		if (p->n >= target(p)) {
			wait_refresh(p);
			continue;
		}
		pthread_mutex_unlock(&p->mu);
		fd = bs_tmpfs_make(p->has_size ? p->size : NULL);
		pthread_mutex_lock(&p->mu);
		if (fd < 0) {
			/* takes make their own, and say why */
			p->failed = true;
			break;
		}
		p->fd[p->n] = fd;
		p->made_ns[p->n] = bs_now_ns();
		p->n++;
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

struct bs_tmpfs_pool *bs_tmpfs_pool_new(const char *size, int depth)
{
	struct bs_tmpfs_pool *p = calloc(1, sizeof(*p));
	pthread_condattr_t ca;

	if (!p)
		return NULL;
	if (size) {
		snprintf(p->size, sizeof(p->size), "%s", size);
		p->has_size = true;
	}
	p->depth = depth < 0 ? 0 : depth > MAX_DEPTH ? MAX_DEPTH : depth;
	pthread_mutex_init(&p->mu, NULL);
	/* timed waits on the clock bs_now_ns() reads */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->cv, &ca);
	pthread_condattr_destroy(&ca);
	return p;
}

void bs_tmpfs_pool_free(struct bs_tmpfs_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	if (p->started)
		pthread_join(p->thread, NULL);
	for (int i = 0; i < p->n; i++)
		close(p->fd[i]);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

/* Called with p->mu held; the thread has every signal blocked. */
static void start(struct bs_tmpfs_pool *p)
{
	sigset_t all, old;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	p->started = !pthread_create(&p->thread, NULL, pool_thread, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	p->failed = !p->started;
}

int bs_tmpfs_pool_take(struct bs_tmpfs_pool *p)
{
	int fd = -1;

	if (!p)
		return -EINVAL;
	pthread_mutex_lock(&p->mu);
	if (!p->started && !p->failed && p->depth)
		start(p);
	p->last_take_ns = bs_now_ns();
	/* the newest, when fresh; stale ones are the thread's to close */
	if (p->n && !stale(p->made_ns[p->n - 1], p->last_take_ns))
		fd = p->fd[--p->n];
	if (fd >= 0)
		p->hits++;
	else
		p->misses++;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return fd >= 0 ? fd : bs_tmpfs_make(p->has_size ? p->size : NULL);
}

void bs_tmpfs_pool_counts(struct bs_tmpfs_pool *p, uint64_t *hits,
			  uint64_t *misses)
{
	pthread_mutex_lock(&p->mu);
	*hits = p->hits;
	*misses = p->misses;
	pthread_mutex_unlock(&p->mu);
}
