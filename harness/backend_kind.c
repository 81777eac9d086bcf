// SPDX-License-Identifier: Apache-2.0
/*
 * Kubernetes backends (harness/k8s.h): a thin shell-out to harness/kind.sh,
 * which owns every cluster detail.  The agent runs the manifest rendered
 * from --inject/--detect/--attach; the agents' JSON lines are followed
 * into a local file (kind.sh up), where the engine checks every agent's
 * ready line and reads the alerts as for the other backends.  One bare
 * victim pod per run; alerts are matched by its container id.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/k8s.h"
#include "harness/scenario.h"
#include "lib/clock.h"
#include "lib/cmd.h"
#include "lib/fmt.h"
#include "lib/log.h"

#define K8S_READY_S    240
#define ALIVE_EVERY_MS 2000

struct k8s {
	bool up;
	bool alive;
	int64_t next_alive;
};

static int k8s_sh(struct bs_bench *b, char *out, size_t len, const char *fmt,
		  ...) __attribute__((format(printf, 4, 5)));

static int k8s_sh(struct bs_bench *b, char *out, size_t len, const char *fmt,
		  ...)
{
	char args[1024], cmd[3 * BS_PATH_LEN + 1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	if (bs_fmt(cmd, sizeof(cmd),
		   "BS_K8S_MODE=%s BS_BUILD='%s' '%s/harness/kind.sh' %s",
		   b->ops->name, b->cfg.build, b->cfg.srcdir, args))
		return -ENAMETOOLONG;
	return bs_run_cmd(cmd, out, len);
}

/* kind.sh up starts the agents (the manifest rendered from the run's
 * flags) and follows their JSON lines into b->agent.events. */
static int k_setup(struct bs_bench *b)
{
	struct k8s *k = b->priv;
	struct bs_bench_agent *a = &b->agent;
	char out[64];
	int rc;

	a->external = true;
	if (bs_fmt(a->events, sizeof(a->events), "/tmp/beesting-%s-%d.jsonl",
		   b->ops->name, getpid()))
		return -ENAMETOOLONG;
	k->up = true;
	rc = k8s_sh(b, NULL, 0, "up %s %s %s '%s' >&2", b->cfg.inject,
		    b->cfg.detect, b->cfg.attach, a->events);
	if (rc == 3)
		return bs_bench_break(b, -ENOENT,
				      "%s backend: tools missing (above)",
				      b->ops->name);
	if (rc != 0)
		return bs_bench_break(b, -EIO, "kind.sh up: exit %d", rc);
	if (k8s_sh(b, out, sizeof(out), "agents") != 0 ||
	    (a->count = strtol(out, NULL, 10)) <= 0)
		return bs_bench_break(b, -EIO, "no agent pods scheduled");
	return 0;
}

static int k_connect(struct bs_bench *b)
{
	struct k8s *k = b->priv;

	k->alive = true;
	return 0;
}

static int k_victim_up(struct bs_bench *b, struct bs_victim *v, int idx)
{
	char out[2 * BS_PATH_LEN], host[BS_PATH_LEN] = "";
	char uid[BS_ID_LEN] = "", ctr[BS_ID_LEN] = "";
	int rc;

	snprintf(v->pod_name, sizeof(v->pod_name), "victim-%d-%d", getpid(),
		 idx);
	snprintf(v->ctr_name, sizeof(v->ctr_name), "%s", v->pod_name);
	v->up = true; /* victim_down removes whatever half exists */
	rc = k8s_sh(b, out, sizeof(out), "victim-up %s '%s'", v->pod_name,
		    v->token_path);
	if (rc != 0)
		return -EIO;
	/* "POD_UID CONTAINER_ID [HOST_PATH]"; widths: BS_ID_LEN, BS_PATH_LEN */
	_Static_assert(BS_ID_LEN == 128 && BS_PATH_LEN == 512, "widths");
	if (sscanf(out, "%127s %127s %511s", uid, ctr, host) < 2)
		return -EPROTO;
	snprintf(v->pod_id, sizeof(v->pod_id), "%s", uid);
	snprintf(v->ctr_id, sizeof(v->ctr_id), "%s", ctr);
	snprintf(v->token_host_path, sizeof(v->token_host_path), "%s", host);
	return 0;
}

static int k_attack(struct bs_bench *b, struct bs_victim *v,
		    const struct bs_method *m, int *rc)
{
	bool host = !strcmp(m->name, "host_bind_source");

	/* no bind source (ocihook): the access cannot be made */
	if (host && !v->token_host_path[0]) {
		*rc = 2;
		return 0;
	}
	*rc = k8s_sh(b, NULL, 0, "attack '%s' %s '%s' >/dev/null 2>&1",
		     v->pod_name, m->name,
		     host ? v->token_host_path : v->token_path);
	return *rc >= 0 && *rc < 126 ? 0 : -EIO;
}

static int k_recon(struct bs_bench *b, struct bs_victim *v, char *out,
		   size_t len, int *rc)
{
	*rc = k8s_sh(b, out, len, "recon '%s' '%s' 2>/dev/null", v->pod_name,
		     v->token_path);
	return *rc >= 0 && *rc < 126 ? 0 : -EIO;
}

static int k_victim_down(struct bs_bench *b, struct bs_victim *v)
{
	int rc = k8s_sh(b, NULL, 0, "victim-down %s", v->pod_name);

	v->up = false;
	return rc ? -EIO : 0;
}

/* Asked at most every ALIVE_EVERY_MS: the engine asks after every poll. */
static bool k_alive(struct bs_bench *b)
{
	struct k8s *k = b->priv;

	if (bs_now_ns() >= k->next_alive) {
		k->alive = k8s_sh(b, NULL, 0, "agent-alive") == 0;
		k->next_alive = bs_now_ns() + ALIVE_EVERY_MS * 1000000LL;
	}
	return k->alive;
}

static int k_teardown(struct bs_bench *b)
{
	struct k8s *k = b->priv;
	int rc = 0;

	if (k->up)
		rc = k8s_sh(b, NULL, 0, "down >&2");
	k->up = false;
	if (b->agent.events[0])
		unlink(b->agent.events);
	return rc ? -EIO : 0;
}

static int k_leftovers(struct bs_bench *b)
{
	char out[64];

	if (k8s_sh(b, out, sizeof(out), "leftovers") != 0)
		return 0; /* tools missing: nothing was made */
	return atoi(out);
}

#define K8S_OPS(n)                                                             \
	{                                                                      \
		.name = n, .ready_ms = K8S_READY_S * 1000, .setup = k_setup,   \
		.connect = k_connect, .victim_up = k_victim_up,                \
		.attack = k_attack, .recon = k_recon,                          \
		.victim_down = k_victim_down, .agent_alive = k_alive,          \
		.teardown = k_teardown, .leftovers = k_leftovers,              \
		.priv_size = sizeof(struct k8s),                               \
	}

const struct bs_backend_ops bs_backend_k8s = K8S_OPS("k8s");
const struct bs_backend_ops bs_backend_kind = K8S_OPS("kind");
