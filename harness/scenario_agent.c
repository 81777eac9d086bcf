// SPDX-License-Identifier: Apache-2.0
/*
 * The scenario engine's agent (scenario.h): started once where the
 * backend's setup made room for it, its ready line checked against the
 * run, its events followed, its resource use sampled, the start pairs and
 * the overhead rows, and the teardown.  Backends do only platform work.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/scenario.h"
#include "lib/clock.h"
#include "lib/log.h"

#define READY_POLL_MS 20
#define ARM_WAIT_MS   3000
#define STOP_MS	      5000
/* one gap sample per victim (wait_armed) costs <= 2 lines */
#define STATS_EVERY_MS 250

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

int bs_agent_ready_check(const char *line, const char *inject,
			 const char *detect, const char *attach, char *why,
			 size_t len)
{
	json_t *o = json_loads(line, 0, NULL);
	int rc = 0;

	if (!o)
		return 0;
	if (strcmp(jstr(o, "type"), "ready") != 0)
		goto out;
	rc = 1;
	if (strcmp(jstr(o, "inject"), inject) ||
	    strcmp(jstr(o, "detect"), detect))
		rc = -EINVAL;
	/* auto may land on any backend; an explicit one must be what runs */
	if (strcmp(attach, "auto") && strcmp(jstr(o, "backend"), attach))
		rc = -EINVAL;
	if (rc < 0)
		snprintf(why, len,
			 "agent is ready with inject=%s detect=%s backend=%s, "
			 "the run asked for inject=%s detect=%s attach=%s",
			 jstr(o, "inject"), jstr(o, "detect"),
			 jstr(o, "backend"), inject, detect, attach);
out:
	json_decref(o);
	return rc;
}

/* peers: the agent only injects, the peer tool detects */
static const char *agent_detect(const struct bs_bench *b)
{
	return b->peer ? "none" : b->cfg.detect;
}

static int spawn(struct bs_bench *b)
{
	struct bs_bench_agent *a = &b->agent;
	char bin[BS_PATH_LEN + 16], token[BS_PATH_LEN + 40];
	struct bs_agent_opts o = {
		.bin = bin,
		.nri_socket = a->nri_socket,
		.inject = b->cfg.inject,
		.detect = agent_detect(b),
		.attach = b->cfg.attach,
		.token = token,
		.state_dir = a->state_dir,
		.hook_dir = a->hook_dir,
		.events_path = a->events,
		.log_path = a->log,
		.aggregate_ms = -1,
		.stats_interval_ms = STATS_EVERY_MS,
	};
	int err;

	snprintf(bin, sizeof(bin), "%s/beesting", b->cfg.build);
	snprintf(token, sizeof(token), "%s=%s", bs_bench_token(b->cfg.inject),
		 bs_bench_template(b->cfg.inject));
	err = bs_agent_spawn(&a->proc, &o);
	if (err)
		return bs_bench_break(b, err, "start agent %s: %s", bin,
				      strerror(-err));
	a->started = true;
	return 0;
}

static void note_ready(struct bs_bench *b, const char *line)
{
	json_t *o = json_loads(line, 0, NULL);
	const char *be = jstr(o, "backend");

	snprintf(b->attach_reported, sizeof(b->attach_reported), "%s",
		 be[0] ? be : "none");
	snprintf(b->blind_spots, sizeof(b->blind_spots), "%s",
		 jstr(o, "blind_spots"));
	json_decref(o);
}

static bool process_gone(struct bs_bench *b)
{
	return b->agent.started && !bs_agent_alive(&b->agent.proc);
}

/* Every agent's ready line, each checked against the run (a row must
 * describe what was measured); complete lines only. */
static int wait_ready(struct bs_bench *b)
{
	struct bs_bench_agent *a = &b->agent;
	int64_t deadline = bs_now_ns() + b->ops->ready_ms * 1000000LL;
	long want = a->count > 0 ? a->count : 1, seen = 0;
	/* peers: no detector, so no backend to check */
	const char *attach = b->peer ? "auto" : b->cfg.attach;
	char *line = NULL, why[512];
	size_t cap = 0;
	int rc = -ETIMEDOUT;
	FILE *f = fopen(a->events, "re");

	if (!f)
		return bs_bench_break(b, -errno, "open %s", a->events);
	while (seen < want && bs_now_ns() < deadline && !process_gone(b)) {
		long at = ftell(f);
		ssize_t n = getline(&line, &cap, f);

		if (n <= 0 || line[n - 1] != '\n') {
			clearerr(f);
			fseek(f, at, SEEK_SET);
			bs_nap_ms(READY_POLL_MS);
			continue;
		}
		rc = bs_agent_ready_check(line, b->cfg.inject, agent_detect(b),
					  attach, why, sizeof(why));
		if (rc < 0)
			break;
		if (rc == 1 && seen++ == 0)
			note_ready(b, line);
		rc = -ETIMEDOUT;
	}
	free(line);
	fclose(f);
	if (seen == want)
		return 0;
	if (a->started)
		bs_agent_dump_log(&a->proc, 20);
	if (rc == -EINVAL)
		return bs_bench_break(b, rc, "%s", why);
	if (process_gone(b))
		return bs_bench_break(b, -ESRCH,
				      "the agent exited before it was ready");
	return bs_bench_break(b, rc,
			      "%ld of %ld agents sent a ready line within "
			      "%d ms",
			      seen, want, b->ops->ready_ms);
}

int bs_bench_agent_up(struct bs_bench *b)
{
	struct bs_bench_agent *a = &b->agent;
	int err = b->ops->setup(b);

	if (!err && !a->external)
		err = spawn(b);
	if (!err)
		err = wait_ready(b);
	if (!err && b->ops->connect)
		err = b->ops->connect(b);
	if (err)
		return err;
	err = bs_evtail_open(&a->tail, a->events);
	if (err)
		return bs_bench_break(b, err, "open %s: %s", a->events,
				      strerror(-err));
	a->tail_open = true;
	if (a->started && bs_agent_cpu_begin(&a->proc))
		bs_warn("cannot sample the agent's CPU time");
	return 0;
}

int bs_bench_agent_down(struct bs_bench *b)
{
	struct bs_bench_agent *a = &b->agent;
	int err = b->ops->release ? b->ops->release(b) : 0, down;

	if (a->started) {
		down = bs_agent_stop(&a->proc, STOP_MS);
		if (down == -ETIMEDOUT)
			err = bs_bench_break(
				b, down, "the agent did not stop on SIGTERM");
		else if (down)
			bs_warn("agent exit status %d", a->proc.exit_status);
		a->started = false;
	}
	if (a->tail_open)
		bs_evtail_close(&a->tail);
	a->tail_open = false;
	down = b->ops->teardown ? b->ops->teardown(b) : 0;
	return err ? err : down;
}

int bs_bench_next_event(struct bs_bench *b, struct bs_agent_event *ev)
{
	return b->agent.tail_open ? bs_evtail_next(&b->agent.tail, ev) : 0;
}

bool bs_bench_agent_alive(struct bs_bench *b)
{
	if (b->ops->agent_alive)
		return b->ops->agent_alive(b);
	return b->agent.started && bs_agent_alive(&b->agent.proc);
}

void bs_bench_sample_rss(struct bs_bench *b)
{
	uint64_t ticks;
	long rss;

	if (b->agent.started &&
	    bs_agent_sample(&b->agent.proc, &rss, &ticks) == 0)
		bs_samples_add(&b->agent.rss_kib, (double)rss);
}

void bs_bench_drain(struct bs_bench *b)
{
	struct bs_agent_event ev;

	while (bs_bench_next_event(b, &ev) == 1)
		bs_bench_stray(b, &ev);
}

void bs_bench_wait_armed(struct bs_bench *b, int nth, bool strays)
{
	int64_t deadline = bs_now_ns() + ARM_WAIT_MS * 1000000LL;
	struct bs_agent_event ev;
	int seen = 0;

	if (b->peer)
		return;
	while (bs_now_ns() < deadline && bs_bench_agent_alive(b)) {
		while (bs_bench_next_event(b, &ev) == 1) {
			if (strays)
				bs_bench_stray(b, &ev);
			if (ev.type == BS_EVT_STATS && ev.armed > 0 &&
			    ++seen == nth) {
				bs_samples_add(&b->agent.token_armed_us,
					       (double)ev.arm_gap_us_last);
				return;
			}
		}
		bs_nap_ms(20);
	}
	bs_warn("no armed token reported within %d ms", ARM_WAIT_MS);
}

/* container_start_ms: the same container made with the agent's token and
 * without, alternating ABBA so drift cancels. */
static int start_pairs(struct bs_bench *b)
{
	struct bs_samples base = { 0 }, treat = { 0 };
	int err = b->ops->pairs_begin ? b->ops->pairs_begin(b) : 0;

	for (int i = 0; i < 2 * b->cfg.start_pairs && !err; i++) {
		bool with = (i % 4 == 0 || i % 4 == 3);
		double ms = 0;

		err = b->ops->start_one(b, i, with, &ms);
		if (!err)
			bs_samples_add(with ? &treat : &base, ms);
		if (!err && !bs_bench_agent_alive(b))
			err = bs_bench_break(b, -ESRCH, "the agent died");
	}
	if (!err)
		bs_bench_overhead_samples(b, "container_start_ms", "ms", &base,
					  &treat);
	if (b->ops->pairs_end)
		b->ops->pairs_end(b);
	bs_samples_free(&base);
	bs_samples_free(&treat);
	return err;
}

int bs_bench_agent_overhead(struct bs_bench *b)
{
	struct bs_bench_agent *a = &b->agent;
	double cpu;
	int err;

	if (!b->ops->start_one) {
		fprintf(stderr,
			"%s backend: container_start_ms and agent resource "
			"use are measured by the local backend only\n",
			b->ops->name);
		return 0;
	}
	b->step++;
	bs_progress(b, "overhead: container_start_ms, %d pairs",
		    b->cfg.start_pairs);
	err = start_pairs(b);
	if (err)
		return err;
	bs_bench_overhead_samples(b, "nri_create_us", "us",
				  &a->nri_create_base_us, &a->nri_create_us);
	bs_bench_overhead_samples(b, "token_armed_us", "us", NULL,
				  &a->token_armed_us);
	bs_bench_agent_nri_rows(b, a->events);
	bs_bench_sample_rss(b);
	bs_bench_overhead_samples(b, "agent_rss_kib", "KiB", NULL, &a->rss_kib);
	if (a->started && bs_agent_cpu_end(&a->proc, &cpu) == 0)
		bs_bench_overhead(b, "agent_cpu_pct", "%", 1, NAN, cpu, NAN);
	return 0;
}

void bs_bench_agent_free(struct bs_bench *b)
{
	struct bs_bench_agent *a = &b->agent;

	bs_samples_free(&a->rss_kib);
	bs_samples_free(&a->token_armed_us);
	bs_samples_free(&a->nri_create_us);
	bs_samples_free(&a->nri_create_base_us);
}
