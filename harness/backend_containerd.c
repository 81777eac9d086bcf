// SPDX-License-Identifier: Apache-2.0
/*
 * containerd backend: the scenario engine on a real containerd >= 1.7;
 * crio backend: the same on the CRI-O >= 1.30 $BEESTING_CRIO names
 * (harness/runtime/crio.h), everything else alike.
 *
 * A private containerd (harness/runtime/containerd.h: own root, state, sockets
 * and cgroup parent in a mount namespace of its own) with the busybox
 * victim image, into which the static attack tool is copied; the agent
 * runs on the host on containerd's NRI socket.  Victims are pods made
 * through CRI with crictl, attacks are `crictl exec` of the tool, alerts
 * come from the agent's events file (bs_evtail, as for local).
 *
 * containerd makes the NRI calls itself; to time them the agent dials a
 * relay (harness/runtime/containerd_nri_tap.h) that passes every byte on to
 * containerd's NRI socket and times each request to its response.
 * Overhead rows:
 *   container_start_ms  crictl create + start in a pod the agent injects
 *                       into, against one opted out with the annotation
 *                       beesting.io/inject: "false" (ABBA pairs).  The
 *                       agent stays connected for both, so the baseline
 *                       still pays the NRI round trip, not the token work;
 *   nri_create_us       CreateContainer request -> response at the relay
 *                       for the victims and the injected start pairs
 *                       (baseline: the opted-out ones);
 *   token_armed_us      the agent's arm_gap_us_last, once per container;
 *   nri_create_agent_us the agent's own CreateContainer time (its stats
 *                       line: p50/p99 over the run's requests);
 *   nri_max_handler_us  the agent's slowest NRI handler of any kind over
 *                       the run (stats line; n = NRI requests served);
 *   agent_rss_kib, agent_cpu_pct as the local backend.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/runtime/containerd.h"
#include "harness/containerd_backend.h"
#include "harness/runtime/containerd_nri_tap.h"
#include "harness/runtime/cri_pods.h"
#include "harness/runtime/crio.h"
#include "lib/clock.h"
#include "lib/cmd.h"
#include "lib/fmt.h"
#include "lib/fs.h"
#include "lib/log.h"

#define CONTAINERD_MS	  60000
#define READY_MS	  30000
#define SYNC_MS		  30000
#define ATTACK_TIMEOUT_MS 60000
#define ATTACK_IN_CTR	  "/beesting-attack"
#define OTHER_FILE	  "/etc/other.txt"

struct cb {
	struct ctrd c;
	bool ctrd_up;
	char tap_sock[CTRD_PATH + 16];
	struct ctrd_nri_tap *tap;
	/* the start pairs' pods: with the agent's token, and opted out */
	struct ctrd_pod with, without;
	json_t *opt_out;
	int leaks; /* counted at teardown, reported by leftovers */
};

/* ---- setup -------------------------------------------------------------- */

static int dirs(struct bs_bench *b, struct cb *k)
{
	struct bs_bench_agent *a = &b->agent;
	const char *d = k->c.dir;

	snprintf(a->hook_dir, sizeof(a->hook_dir), "%s/agent-hooks", d);
	snprintf(a->events, sizeof(a->events), "%s/events.jsonl", d);
	snprintf(a->log, sizeof(a->log), "%s/agent.log", d);
	snprintf(k->tap_sock, sizeof(k->tap_sock), "%s/nri-tap.sock", d);
	snprintf(a->nri_socket, sizeof(a->nri_socket), "%s", k->tap_sock);
	if (mkdir(a->hook_dir, 0755))
		return -errno;
	return 0;
}

/* The agent's state dir on a tmpfs (as /run/beesting is on a node), made
 * before containerd's mount namespace copies the host's: a mount made
 * later would not reach runc there. */
static int state_dir(char *state, size_t len)
{
	int err;

	snprintf(state, len, "/var/tmp/bs-ctrd-state.XXXXXX");
	if (!mkdtemp(state)) {
		state[0] = '\0';
		return -errno;
	}
	chmod(state, 0755);
	err = bs_agent_state_tmpfs(state);
	if (err)
		bs_warn("state dir %s stays on disk: tmpfs: %s", state,
			strerror(-err));
	/* shared, so containerd's namespace (a slave copy) receives what the
	 * agent mounts below it later (projected's per-container tmpfs), as a
	 * runtime in the node's own namespace would see it */
	else if (mount(NULL, state, NULL, MS_SHARED, NULL))
		bs_warn("state dir %s: make shared: %s", state,
			strerror(errno));
	return 0;
}

static void state_dir_remove(char *state)
{
	char cmd[BS_PATH_LEN + 16];

	if (!state[0])
		return;
	bs_agent_state_tmpfs_off(state);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", state);
	bs_run_cmd(cmd, NULL, 0);
	state[0] = '\0';
}

/* containerd up, with the victim image holding the attack tool. */
static int containerd_up(struct bs_bench *b, struct cb *k)
{
	char tool[BS_PATH_LEN + 32], why[512];
	const struct ctrd_file files[] = {
		{ .src = tool, .dst = ATTACK_IN_CTR, .mode = 0755 },
		{ .text = "not a token, just a file\n",
		  .dst = OTHER_FILE,
		  .mode = 0644 },
	};
	int err;

	if (b->ops == &bs_backend_crio)
		err = crio_find(&k->c, why, sizeof(why));
	else
		err = b->cfg.runtime_dir[0]
			      ? ctrd_find_in(&k->c, b->cfg.runtime_dir, why,
					     sizeof(why))
			      : ctrd_find(&k->c, why, sizeof(why));
	if (err)
		return bs_bench_break(b, -ENOENT, "%s", why);
	fprintf(stderr, "%s backend: %s %s from %s\n", b->ops->name,
		ctrd_name(&k->c), k->c.version, k->c.bindir);
	snprintf(b->res.runtime, sizeof(b->res.runtime), "%s-%.48s",
		 ctrd_name(&k->c), k->c.version);
	snprintf(tool, sizeof(tool), "%s/beesting-attack", b->cfg.build);
	err = state_dir(b->agent.state_dir, sizeof(b->agent.state_dir));
	if (err)
		return bs_bench_break(b, err, "agent state dir: %s",
				      strerror(-err));
	err = ctrd_setup(&k->c);
	k->ctrd_up = true; /* teardown removes whatever half exists */
	if (err)
		return bs_bench_break(b, err, "containerd fixture: %s",
				      strerror(-err));
	fprintf(stderr, "containerd backend: run dir %s\n", k->c.dir);
	err = dirs(b, k);
	if (err)
		return bs_bench_break(b, err, "agent dirs: %s", strerror(-err));
	err = ctrd_start(&k->c, CONTAINERD_MS);
	if (!err)
		err = ctrd_import_images(&k->c, files,
					 sizeof(files) / sizeof(files[0]));
	if (err) {
		ctrd_dump_log(&k->c, 20);
		return bs_bench_break(b, err, "containerd: %s", strerror(-err));
	}
	return 0;
}

/* containerd has registered and synchronized the plugin. */
static int wait_synchronized(struct bs_bench *b, struct cb *k)
{
	for (int i = 0; i < SYNC_MS / 50; i++) {
		if (bs_file_count_matches(b->agent.log, "synchronized:"))
			return 0;
		if (!bs_bench_agent_alive(b))
			break;
		usleep(50000);
	}
	bs_agent_dump_log(&b->agent.proc, 20);
	ctrd_dump_log(&k->c, 20);
	return bs_bench_break(b, -ETIMEDOUT,
			      "containerd never synchronized the agent on %s",
			      k->c.nri_sock);
}

/* containerd up, and the NRI relay the agent dials in front of it. */
static int c_setup(struct bs_bench *b)
{
	struct cb *k = b->priv;
	int err = containerd_up(b, k);

	if (err)
		return err;
	k->tap = ctrd_nri_tap_start(k->tap_sock, k->c.nri_sock);
	if (!k->tap)
		return bs_bench_break(b, -errno, "NRI relay on %s: %s",
				      k->tap_sock, strerror(errno));
	return 0;
}

static int c_connect(struct bs_bench *b)
{
	struct cb *k = b->priv;

	/* killed by containerd's guardian too if we die first */
	ctrd_adopt(&k->c, b->agent.proc.pid);
	return wait_synchronized(b, k);
}

/* ---- victims ------------------------------------------------------------ */

/* Where the token is on the host: the bind source (bind), or the file in
 * the container's rootfs as the runtime's mount namespace shows it
 * (ocihook), reached through the guardian's /proc/<pid>/root.  CRI-O's
 * spec names the rootfs by its absolute path; containerd's says "rootfs",
 * under the task's state dir. */
static void token_host_path(struct cb *k, struct bs_victim *v)
{
	char root[CTRD_PATH];

	if (!ctrd_ctr_mount_source(&k->c, v->ctr_id, v->token_path,
				   v->token_host_path,
				   sizeof(v->token_host_path)))
		return;
	if (!ctrd_ctr_root_path(&k->c, v->ctr_id, root, sizeof(root)) &&
	    root[0] == '/')
		bs_fmt(v->token_host_path, sizeof(v->token_host_path),
		       "/proc/%d/root%s%s", (int)k->c.guard, root,
		       v->token_path);
	else
		bs_fmt(v->token_host_path, sizeof(v->token_host_path),
		       "/proc/%d/root%s/state/io.containerd.runtime.v2.task/"
		       "k8s.io/%s/rootfs%s",
		       (int)k->c.guard, k->c.dir, v->ctr_id, v->token_path);
	if (access(v->token_host_path, R_OK)) {
		bs_warn("no token at %s: host_bind_source cannot be tried",
			v->token_host_path);
		v->token_host_path[0] = '\0';
	}
}

static int c_victim_up(struct bs_bench *b, struct bs_victim *v, int idx)
{
	struct cb *k = b->priv;
	struct ctrd_pod *p = calloc(1, sizeof(*p));
	int err;

	if (!p)
		return -ENOMEM;
	snprintf(v->pod_name, sizeof(v->pod_name), "victim-%d", idx);
	snprintf(v->ctr_name, sizeof(v->ctr_name), "app-%d", idx);
	p->name = v->pod_name;
	p->ns = "default";
	p->container = v->ctr_name;
	v->priv = p;
	v->up = true; /* victim_down removes whatever half exists */
	bs_bench_drain(b);
	err = ctrd_run_pod(&k->c, p);
	if (err) {
		bs_err("victim %s: %s", v->pod_name, p->err);
		return err;
	}
	snprintf(v->pod_id, sizeof(v->pod_id), "%s", p->pod_id);
	snprintf(v->ctr_id, sizeof(v->ctr_id), "%s", p->ctr_id);
	ctrd_nri_tap_take(k->tap, "CreateContainer", &b->agent.nri_create_us);
	/* drained before: the first armed line is this container's */
	bs_bench_wait_armed(b, 1, true);
	token_host_path(k, v);
	return 0;
}

static int host_attack(struct bs_bench *b, struct bs_victim *v,
		       const struct bs_method *m, int *rc, char *out,
		       size_t len)
{
	char bin[BS_PATH_LEN + 32];
	char *argv[] = { bin, (char *)m->name, v->token_host_path, NULL };

	snprintf(bin, sizeof(bin), "%s/beesting-attack", b->cfg.build);
	*rc = ctrd_run(argv, out, len, ATTACK_TIMEOUT_MS);
	return *rc < 0 ? *rc : 0;
}

static int c_attack(struct bs_bench *b, struct bs_victim *v,
		    const struct bs_method *m, int *rc)
{
	struct cb *k = b->priv;
	char out[2048];
	int err;

	*rc = 2;
	if (!strcmp(m->name, "host_bind_source")) {
		if (!v->token_host_path[0])
			return 0; /* nothing on the host to read */
		err = host_attack(b, v, m, rc, out, sizeof(out));
	} else {
		*rc = ctrd_crictl(&k->c, out, sizeof(out), "exec", "-s",
				  v->ctr_id, ATTACK_IN_CTR, m->name,
				  v->token_path, "--other", OTHER_FILE,
				  (char *)NULL);
		err = *rc < 0 ? *rc : 0;
		/* crictl's own failure is no result of the attack: the tool
		 * says "ok ..." or "beesting-attack: ..." whatever happens */
		if (!err && *rc && !strstr(out, "beesting-attack")) {
			bs_err("crictl exec %s in %.12s: exit %d: %.300s",
			       m->name, v->ctr_id, *rc, out);
			err = -EIO;
		}
	}
	if (*rc == 2)
		bs_warn("attack %s: usage error: %.300s", m->name, out);
	return err;
}

static int c_recon(struct bs_bench *b, struct bs_victim *v, char *out,
		   size_t len, int *rc)
{
	struct cb *k = b->priv;

	*rc = ctrd_crictl(&k->c, out, len, "exec", "-s", v->ctr_id,
			  ATTACK_IN_CTR, "recon", v->token_path, (char *)NULL);
	if (*rc < 0)
		return *rc;
	if (*rc && !strstr(out, "beesting-attack")) {
		bs_err("crictl exec recon in %.12s: exit %d: %.300s", v->ctr_id,
		       *rc, out);
		return -EIO;
	}
	return 0;
}

static int c_victim_down(struct bs_bench *b, struct bs_victim *v)
{
	struct cb *k = b->priv;
	struct ctrd_pod *p = v->priv;
	int err = 0;

	if (p) {
		err = ctrd_pod_rm(&k->c, p);
		if (err)
			bs_err("victim %s: %s", v->pod_name, p->err);
		free(p);
	}
	v->priv = NULL;
	v->up = false;
	return err;
}

/* ---- overhead ----------------------------------------------------------- */

/* One container of start pair i made (and removed) in the pod with the
 * agent's token or the opted-out one; *ms = crictl create+start. */
static int c_start_one(struct bs_bench *b, int i, bool with, double *ms)
{
	struct cb *k = b->priv;
	struct ctrd_pod *p = with ? &k->with : &k->without;
	char name[32];
	int err, rm;

	snprintf(name, sizeof(name), "start-%d", i);
	p->container = name;
	bs_bench_drain(b);
	ctrd_nri_tap_take(k->tap, "CreateContainer", NULL);
	err = ctrd_ctr_up(&k->c, p, ms);
	if (err)
		bs_err("start pair container in %s: %s", p->name, p->err);
	ctrd_nri_tap_take(k->tap, "CreateContainer",
			  with ? &b->agent.nri_create_us
			       : &b->agent.nri_create_base_us);
	if (!err && with)
		bs_bench_wait_armed(b, 1, true);
	if (!p->ctr_id[0])
		return err;
	rm = ctrd_ctr_rm(&k->c, p->ctr_id);
	return err ? err : rm;
}

/* The agent stays connected for both pods, so the baseline still pays
 * the NRI round trip, not the token work. */
static int c_pairs_begin(struct bs_bench *b)
{
	struct cb *k = b->priv;
	int err;

	k->opt_out = json_pack("{s:s}", "beesting.io/inject", "false");
	k->with = (struct ctrd_pod){ .name = "start-with", .ns = "default" };
	k->without = (struct ctrd_pod){ .name = "start-optout",
					.ns = "default",
					.annotations = k->opt_out };
	err = ctrd_pod_up(&k->c, &k->with);
	if (!err)
		err = ctrd_pod_up(&k->c, &k->without);
	if (err)
		bs_err("start pairs: %s%s", k->with.err, k->without.err);
	return err;
}

static void c_pairs_end(struct bs_bench *b)
{
	struct cb *k = b->priv;

	if (ctrd_pod_rm(&k->c, &k->with) || ctrd_pod_rm(&k->c, &k->without))
		bs_warn("start pairs: pods not removed: %s%s", k->with.err,
			k->without.err);
	json_decref(k->opt_out);
	k->opt_out = NULL;
}

/* ---- teardown ----------------------------------------------------------- */

static int count_cmd(const char *fmt, const char *arg)
{
	char cmd[BS_PATH_LEN + 128], out[32];

	snprintf(cmd, sizeof(cmd), fmt, arg);
	return bs_run_cmd(cmd, out, sizeof(out)) == 0 ? atoi(out) : 0;
}

/* What CRI and the agent still hold once every victim is down. */
static int count_live(struct bs_bench *b, struct cb *k)
{
	int pods = ctrd_count(&k->c, "pods"), ctrs = ctrd_count(&k->c, "ps");
	int files = count_cmd("find '%s' -type f 2>/dev/null | wc -l",
			      b->agent.state_dir);

	fprintf(stderr,
		"leftovers before teardown: %d pods, %d containers, "
		"%d token/state files\n",
		pods, ctrs, files);
	return (pods > 0 ? pods : 0) + (ctrs > 0 ? ctrs : 0) + files;
}

static int c_release(struct bs_bench *b)
{
	struct cb *k = b->priv;

	if (k->ctrd_up && k->c.pid > 0)
		k->leaks = count_live(b, k);
	return 0;
}

static int c_teardown(struct bs_bench *b)
{
	struct cb *k = b->priv;
	char cgparent[sizeof(k->c.cgparent)];

	if (k->tap) {
		unsigned long req, lost;

		ctrd_nri_tap_counts(k->tap, &req, &lost);
		fprintf(stderr, "NRI relay: %lu requests, %lu unanswered\n",
			req, lost);
		ctrd_nri_tap_stop(k->tap);
		k->tap = NULL;
	}
	memcpy(cgparent, k->c.cgparent, sizeof(cgparent));
	if (k->ctrd_up)
		ctrd_teardown(&k->c);
	k->ctrd_up = false;
	state_dir_remove(b->agent.state_dir);
	if (cgparent[0])
		k->leaks += count_cmd("find /sys/fs/cgroup -type d -name '%s' "
				      "2>/dev/null | wc -l",
				      cgparent);
	return 0;
}

static int c_leftovers(struct bs_bench *b)
{
	const struct cb *k = b->priv;

	return k->leaks;
}

/* One set of steps for both runtimes: setup tells them apart by ops. */
#define CB_OPS(backend_name)                                                   \
	{                                                                      \
		.name = backend_name, .ready_ms = READY_MS, .setup = c_setup,  \
		.connect = c_connect, .victim_up = c_victim_up,                \
		.attack = c_attack, .recon = c_recon,                          \
		.victim_down = c_victim_down, .pairs_begin = c_pairs_begin,    \
		.start_one = c_start_one, .pairs_end = c_pairs_end,            \
		.release = c_release, .teardown = c_teardown,                  \
		.leftovers = c_leftovers, .priv_size = sizeof(struct cb),      \
	}

const struct bs_backend_ops bs_backend_containerd = CB_OPS("containerd");
const struct bs_backend_ops bs_backend_crio = CB_OPS("crio");
