// SPDX-License-Identifier: Apache-2.0
/*
 * The sink set: a queued sink whose receiver hangs costs the caller
 * nothing (a full queue drops, counted), a failing one is counted, a direct
 * one is delivered in the caller's thread, and queued copies are deep.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/sink.h"

struct probe {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int open; /* 0: deliver() hangs until opened */
	int fail;
	int got;
	char last_pod[64];
};

static int probe_deliver(void *impl, const struct bs_alert *a)
{
	struct probe *p = impl;

	pthread_mutex_lock(&p->lock);
	while (!p->open)
		pthread_cond_wait(&p->cond, &p->lock);
	p->got++;
	snprintf(p->last_pod, sizeof(p->last_pod), "%s", a->pod);
	pthread_mutex_unlock(&p->lock);
	return p->fail ? -EIO : 0;
}

static void probe_free(void *impl)
{
	(void)impl;
}

static const struct bs_sink_ops probe_ops = {
	.kind = "probe",
	.deliver = probe_deliver,
	.free = probe_free,
};

static void probe_open(struct probe *p)
{
	pthread_mutex_lock(&p->lock);
	p->open = 1;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

static struct bs_alert sample(char *pod)
{
	struct bs_alert a = { .json = "{\"type\":\"alert\"}\n", .len = 17 };

	a.node = "n1";
	a.method = "open";
	a.path = "/t";
	a.container_id = "c";
	a.pod = pod;
	a.ns = "default";
	a.container = "app";
	a.acc_pod = a.acc_ns = a.acc_container = "";
	return a;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void wait_delivered(struct bs_sinks *s, size_t i, uint64_t want)
{
	struct bs_sink_stats st;
	const char *name, *kind;

	for (int t = 0; t < 500; t++) {
		bs_sinks_get(s, i, &name, &kind, &st);
		if (st.delivered + st.failed >= want)
			return;
		usleep(10000);
	}
}

Test(sinks, hung_receiver_never_blocks_the_caller_and_drops_are_counted)
{
	static struct probe hung = {
		PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, ""
	};
	static struct probe direct = {
		PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 1, 0, 0, ""
	};
	struct bs_sinks *s = bs_sinks_new();
	struct bs_sink_stats st, tot;
	const char *name, *kind;
	char pod[] = "victim";
	struct bs_alert a = sample(pod);
	int64_t t0;

	cr_assert_not_null(s);
	cr_assert_eq(bs_sinks_add(s, "direct", &probe_ops, &direct, 0), 0);
	cr_assert_eq(bs_sinks_add(s, "hung", &probe_ops, &hung, 4), 0);
	t0 = now_ms();
	for (int i = 0; i < 20; i++)
		bs_sinks_emit(s, &a);
	cr_expect_lt(now_ms() - t0, 1000, "emit waited on a hung sink");
	cr_expect_eq(direct.got, 20, "direct sink missed alerts");
	cr_assert_eq(bs_sinks_get(s, 1, &name, &kind, &st), 0);
	cr_expect_str_eq(name, "hung");
	/* one taken by the thread (hanging in deliver), 4 queued */
	cr_expect_geq(st.dropped, 15);
	cr_expect_leq(st.dropped, 16);
	cr_expect_eq(st.delivered, 0);
	bs_sinks_total(s, &tot);
	cr_expect_eq(tot.dropped, st.dropped, "direct sinks are not totalled");
	probe_open(&hung);
	wait_delivered(s, 1, 20 - st.dropped);
	bs_sinks_get(s, 1, &name, &kind, &st);
	cr_expect_eq(st.delivered + st.dropped, 20, "an alert went uncounted");
	cr_expect_str_eq(hung.last_pod, "victim");
	bs_sinks_free(s, 100);
}

Test(sinks, failures_are_counted_and_copies_are_deep)
{
	static struct probe failing = {
		PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 1, 1, 0, ""
	};
	struct bs_sinks *s = bs_sinks_new();
	struct bs_sink_stats st;
	const char *name, *kind;
	char pod[] = "victim";
	struct bs_alert a = sample(pod), *d;

	d = bs_alert_dup(&a);
	cr_assert_not_null(d);
	pod[0] = 'X'; /* the caller's buffer changes after the emit */
	cr_expect_str_eq(d->pod, "victim");
	cr_expect_str_eq(d->json, a.json);
	cr_expect_str_eq(d->ns, "default");
	free(d);

	cr_assert_eq(bs_sinks_add(s, "failing", &probe_ops, &failing, 8), 0);
	for (int i = 0; i < 3; i++)
		bs_sinks_emit(s, &a);
	wait_delivered(s, 0, 3);
	bs_sinks_get(s, 0, &name, &kind, &st);
	cr_expect_eq(st.failed, 3);
	cr_expect_eq(st.delivered, 0);
	bs_sinks_free(s, 100);
}
