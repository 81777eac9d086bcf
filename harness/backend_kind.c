// SPDX-License-Identifier: Apache-2.0
/*
 * kind backend: a thin shell-out to harness/kind.sh, which owns every
 * cluster detail (up, deploy, victims, attack, logs, down).  The cluster
 * runs the configuration in kind/beesting.yaml; the victims are the pods of
 * kind/victims.yaml, reused round-robin.  Alerts are read from `kind.sh
 * logs` (the agents' JSON lines), refreshed into a local file and followed
 * with the same tail reader as the local backend.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/clock.h"
#include "agent/log.h"
#include "harness/scenario.h"

#define KIND_READY_S   180
#define LOG_REFRESH_MS 500

struct kind {
	char events[BS_PATH_LEN];
	char snapshot[BS_PATH_LEN];
	struct bs_evtail tail;
	bool tail_open;
	int64_t next_refresh;
	bool up;
};

static struct kind kind_state;

static int kind_sh(struct bs_bench *b, char *out, size_t len, const char *fmt,
		   ...) __attribute__((format(printf, 4, 5)));

static int kind_sh(struct bs_bench *b, char *out, size_t len, const char *fmt,
		   ...)
{
	char args[1024], cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	if (bs_fmt(cmd, sizeof(cmd), "'%s/harness/kind.sh' %s", b->cfg.srcdir,
		   args))
		return -ENAMETOOLONG;
	return bs_run_cmd(cmd, out, len);
}

/* kind.sh logs prints every line so far: append only the new JSON ones to
 * the events file (the snapshot's line count is the cursor). */
static void refresh_events(struct bs_bench *b, struct kind *k)
{
	char cmd[4 * BS_PATH_LEN];

	if (bs_now_ns() < k->next_refresh)
		return;
	k->next_refresh = bs_now_ns() + LOG_REFRESH_MS * 1000000LL;
	if (bs_fmt(cmd, sizeof(cmd),
		   "'%s/harness/kind.sh' logs 2>/dev/null | grep '^{' > "
		   "'%s.new';"
		   " tail -n +$(( $(wc -l < '%s' 2>/dev/null || echo 0) + 1 ))"
		   " '%s.new' >> '%s'; mv '%s.new' '%s'",
		   b->cfg.srcdir, k->snapshot, k->snapshot, k->snapshot,
		   k->events, k->snapshot, k->snapshot))
		return;
	bs_run_cmd(cmd, NULL, 0);
}

static int k_setup(struct bs_bench *b)
{
	struct kind *k = &kind_state;
	struct bs_agent_event ev;
	int64_t deadline;
	FILE *f;
	int rc;

	memset(k, 0, sizeof(*k));
	b->priv = k;
	if (bs_fmt(k->events, sizeof(k->events), "/tmp/beesting-kind-%d.jsonl",
		   getpid()) ||
	    bs_fmt(k->snapshot, sizeof(k->snapshot), "%s.snap", k->events))
		return -ENAMETOOLONG;
	fprintf(stderr,
		"kind: the cluster runs kind/beesting.yaml's "
		"configuration; --inject/--detect label the rows only\n");
	rc = kind_sh(b, NULL, 0, "up >&2");
	k->up = true;
	if (rc == 0)
		rc = kind_sh(b, NULL, 0, "deploy >&2");
	if (rc != 0)
		return bs_bench_break(b, -EIO, "kind.sh up/deploy: exit %d",
				      rc);
	f = fopen(k->events, "w");
	if (f)
		fclose(f);
	if (bs_evtail_open(&k->tail, k->events))
		return bs_bench_break(b, -ENOENT, "open %s", k->events);
	k->tail_open = true;
	deadline = bs_now_ns() + KIND_READY_S * 1000000000LL;
	while (bs_now_ns() < deadline) {
		refresh_events(b, k);
		while (bs_evtail_next(&k->tail, &ev) == 1) {
			if (ev.type != BS_EVT_READY)
				continue;
			snprintf(b->attach_reported, sizeof(b->attach_reported),
				 "%s", ev.backend);
			snprintf(b->blind_spots, sizeof(b->blind_spots), "%s",
				 ev.blind_spots);
			return 0;
		}
		usleep(200000);
	}
	return bs_bench_break(b, -ETIMEDOUT,
			      "no ready line from the agent "
			      "in the kind cluster");
}

static int k_victim_up(struct bs_bench *b, struct bs_victim *v, int idx)
{
	char out[2048], *save = NULL, *name;
	int rc = kind_sh(b, out, sizeof(out), "victims");
	int n = 0;

	if (rc != 0)
		return -EIO;
	/* victims are long-lived pods: use them round-robin */
	for (name = strtok_r(out, "\n", &save); name;
	     name = strtok_r(NULL, "\n", &save), n++)
		if (n == idx)
			break;
	if (!name && n > 0) {
		if (kind_sh(b, out, sizeof(out), "victims") != 0)
			return -EIO;
		save = NULL;
		name = strtok_r(out, "\n", &save);
		for (int i = 0; name && i < idx % n; i++)
			name = strtok_r(NULL, "\n", &save);
	}
	if (!name)
		return -ENOENT;
	snprintf(v->pod_name, sizeof(v->pod_name), "%s", name);
	snprintf(v->ctr_name, sizeof(v->ctr_name), "%s", name);
	/* container ids are not known here: alerts match by attack tool */
	v->ctr_id[0] = '\0';
	v->up = true;
	return 0;
}

static int k_attack(struct bs_bench *b, struct bs_victim *v,
		    const struct bs_method *m, int *rc)
{
	/* host_bind_source needs the host path, which only the alert shows */
	if (!strcmp(m->name, "host_bind_source") && !v->token_host_path[0]) {
		*rc = 2;
		return 0;
	}
	*rc = kind_sh(b, NULL, 0, "attack '%s' %s '%s' >/dev/null 2>&1",
		      v->pod_name, m->name,
		      v->token_host_path[0] &&
				      !strcmp(m->name, "host_bind_source")
			      ? v->token_host_path
			      : v->token_path);
	return *rc >= 0 && *rc < 126 ? 0 : -EIO;
}

static int k_next_event(struct bs_bench *b, struct bs_agent_event *ev)
{
	struct kind *k = b->priv;

	if (!k || !k->tail_open)
		return 0;
	refresh_events(b, k);
	return bs_evtail_next(&k->tail, ev);
}

static int k_victim_down(struct bs_bench *b, struct bs_victim *v)
{
	(void)b;
	v->up = false; /* the Deployment keeps its pods */
	return 0;
}

static int k_overhead(struct bs_bench *b)
{
	(void)b;
	fprintf(stderr,
		"kind backend: container_start_ms and agent "
		"resource use are measured by the local backend only\n");
	return 0;
}

static bool k_alive(struct bs_bench *b)
{
	(void)b;
	return true; /* the DaemonSet restarts it; a dead agent shows as misses */
}

static int k_teardown(struct bs_bench *b)
{
	struct kind *k = &kind_state;
	int rc = 0;

	if (k->tail_open)
		bs_evtail_close(&k->tail);
	k->tail_open = false;
	if (k->up)
		rc = kind_sh(b, NULL, 0, "down >&2");
	k->up = false;
	unlink(k->events);
	unlink(k->snapshot);
	return rc ? -EIO : 0;
}

static int k_leftovers(struct bs_bench *b)
{
	(void)b;
	return 0; /* the whole cluster is deleted */
}

const struct bs_backend_ops bs_backend_kind = {
	.name = "kind",
	.setup = k_setup,
	.victim_up = k_victim_up,
	.attack = k_attack,
	.next_event = k_next_event,
	.victim_down = k_victim_down,
	.overhead = k_overhead,
	.agent_alive = k_alive,
	.teardown = k_teardown,
	.leftovers = k_leftovers,
};
