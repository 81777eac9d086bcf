// SPDX-License-Identifier: Apache-2.0
/*
 * containerd backend: the scenario engine on a real containerd >= 1.7.
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
#include <math.h>
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
#include "harness/k8s.h"
#include "lib/clock.h"
#include "lib/cmd.h"
#include "lib/fmt.h"
#include "lib/log.h"

#define CONTAINERD_MS	  60000
#define READY_MS	  30000
#define SYNC_MS		  30000
#define ARM_WAIT_MS	  3000
#define STOP_MS		  5000
#define ATTACK_TIMEOUT_MS 60000
#define ATTACK_IN_CTR	  "/beesting-attack"
#define OTHER_FILE	  "/etc/other.txt"

struct cb {
	struct ctrd c;
	bool ctrd_up;
	struct bs_agent agent;
	bool agent_started;
	char state[CTRD_PATH + 16];
	char hooks[CTRD_PATH + 16];
	char events[CTRD_PATH + 16];
	char log[CTRD_PATH + 16];
	char tap_sock[CTRD_PATH + 16];
	struct ctrd_nri_tap *tap;
	struct bs_evtail tail;
	bool tail_open;
	struct bs_samples rss_kib;
	struct bs_samples token_armed_us;
	struct bs_samples nri_create_us;	/* injected containers */
	struct bs_samples nri_create_optout_us; /* opted-out pod */
	int leaks; /* counted at teardown, reported by leftovers */
};

static struct cb cb_state;

/* ---- setup -------------------------------------------------------------- */

static int dirs(struct cb *k)
{
	const char *d = k->c.dir;

	snprintf(k->hooks, sizeof(k->hooks), "%s/agent-hooks", d);
	snprintf(k->events, sizeof(k->events), "%s/events.jsonl", d);
	snprintf(k->log, sizeof(k->log), "%s/agent.log", d);
	snprintf(k->tap_sock, sizeof(k->tap_sock), "%s/nri-tap.sock", d);
	if (mkdir(k->hooks, 0755))
		return -errno;
	return 0;
}

/* The agent's state dir on a tmpfs (as /run/beesting is on a node), made
 * before containerd's mount namespace copies the host's: a mount made
 * later would not reach runc there. */
static int state_dir(struct cb *k)
{
	int err;

	snprintf(k->state, sizeof(k->state), "/var/tmp/bs-ctrd-state.XXXXXX");
	if (!mkdtemp(k->state)) {
		k->state[0] = '\0';
		return -errno;
	}
	chmod(k->state, 0755);
	err = bs_agent_state_tmpfs(k->state);
	if (err)
		bs_warn("state dir %s stays on disk: tmpfs: %s", k->state,
			strerror(-err));
	/* shared, so containerd's namespace (a slave copy) receives what the
	 * agent mounts below it later (projected's per-container tmpfs), as a
	 * runtime in the node's own namespace would see it */
	else if (mount(NULL, k->state, NULL, MS_SHARED, NULL))
		bs_warn("state dir %s: make shared: %s", k->state,
			strerror(errno));
	return 0;
}

static void state_dir_remove(struct cb *k)
{
	char cmd[sizeof(k->state) + 16];

	if (!k->state[0])
		return;
	bs_agent_state_tmpfs_off(k->state);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", k->state);
	bs_run_cmd(cmd, NULL, 0);
	k->state[0] = '\0';
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

	if (ctrd_find(&k->c, why, sizeof(why)))
		return bs_bench_break(b, -ENOENT, "%s", why);
	fprintf(stderr, "containerd backend: containerd %s from %s\n",
		k->c.version, k->c.bindir);
	snprintf(tool, sizeof(tool), "%s/beesting-attack", b->cfg.build);
	err = state_dir(k);
	if (err)
		return bs_bench_break(b, err, "agent state dir: %s",
				      strerror(-err));
	err = ctrd_setup(&k->c);
	k->ctrd_up = true; /* teardown removes whatever half exists */
	if (err)
		return bs_bench_break(b, err, "containerd fixture: %s",
				      strerror(-err));
	fprintf(stderr, "containerd backend: run dir %s\n", k->c.dir);
	err = dirs(k);
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

static int start_agent(struct bs_bench *b, struct cb *k)
{
	char bin[BS_PATH_LEN + 16], token[BS_PATH_LEN + 40];
	struct bs_agent_opts o = {
		.bin = bin,
		.nri_socket = k->tap_sock,
		.inject = b->cfg.inject,
		.detect = b->cfg.detect,
		.attach = b->cfg.attach,
		.token = token,
		.state_dir = k->state,
		.hook_dir = k->hooks,
		.events_path = k->events,
		.log_path = k->log,
		.aggregate_ms = -1,
		.stats_interval_ms = 250,
	};
	int err;

	snprintf(bin, sizeof(bin), "%s/beesting", b->cfg.build);
	snprintf(token, sizeof(token), "%s=%s", bs_bench_token(b->cfg.inject),
		 bs_bench_template(b->cfg.inject));
	k->tap = ctrd_nri_tap_start(k->tap_sock, k->c.nri_sock);
	if (!k->tap)
		return bs_bench_break(b, -errno, "NRI relay on %s: %s",
				      k->tap_sock, strerror(errno));
	err = bs_agent_spawn(&k->agent, &o);
	if (err)
		return bs_bench_break(b, err, "start agent %s: %s", bin,
				      strerror(-err));
	k->agent_started = true;
	/* killed by containerd's guardian too if we die first */
	ctrd_adopt(&k->c, k->agent.pid);
	return 0;
}

static void note_ready(struct bs_bench *b, const char *line)
{
	json_t *o = json_loads(line, 0, NULL);
	const char *be = json_string_value(json_object_get(o, "backend"));
	const char *bl = json_string_value(json_object_get(o, "blind_spots"));

	snprintf(b->attach_reported, sizeof(b->attach_reported), "%s",
		 be ? be : "none");
	snprintf(b->blind_spots, sizeof(b->blind_spots), "%s", bl ? bl : "");
	json_decref(o);
}

/* The ready line, checked against what the run asked for (as the k8s
 * backends do): a row must describe what was measured. */
static int wait_ready(struct bs_bench *b, struct cb *k)
{
	int64_t deadline = bs_now_ns() + READY_MS * 1000000LL;
	char *line = NULL, why[512];
	size_t cap = 0;
	int rc = -ETIMEDOUT;
	FILE *f = fopen(k->events, "re");

	if (!f)
		return bs_bench_break(b, -errno, "open %s", k->events);
	while (rc == -ETIMEDOUT && bs_now_ns() < deadline &&
	       bs_agent_alive(&k->agent)) {
		long at = ftell(f);
		ssize_t n = getline(&line, &cap, f);

		if (n <= 0 || line[n - 1] != '\n') {
			clearerr(f);
			fseek(f, at, SEEK_SET);
			usleep(20000);
			continue;
		}
		rc = bs_k8s_ready_check(line, b->cfg.inject, b->cfg.detect,
					b->cfg.attach, why, sizeof(why));
		if (rc == 1)
			note_ready(b, line);
		rc = rc == 0 ? -ETIMEDOUT : rc;
	}
	free(line);
	fclose(f);
	if (rc == 1)
		return 0;
	bs_agent_dump_log(&k->agent, 20);
	if (rc == -EINVAL)
		return bs_bench_break(b, rc, "%s", why);
	return bs_bench_break(b, -ETIMEDOUT, "no ready line from the agent");
}

static int count_in_file(const char *path, const char *needle)
{
	char line[4096];
	FILE *f = fopen(path, "re");
	int n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

/* containerd has registered and synchronized the plugin. */
static int wait_synchronized(struct bs_bench *b, struct cb *k)
{
	for (int i = 0; i < SYNC_MS / 50; i++) {
		if (count_in_file(k->log, "synchronized:"))
			return 0;
		if (!bs_agent_alive(&k->agent))
			break;
		usleep(50000);
	}
	bs_agent_dump_log(&k->agent, 20);
	ctrd_dump_log(&k->c, 20);
	return bs_bench_break(b, -ETIMEDOUT,
			      "containerd never synchronized the agent on %s",
			      k->c.nri_sock);
}

static int c_setup(struct bs_bench *b)
{
	struct cb *k = &cb_state;
	int err;

	memset(k, 0, sizeof(*k));
	b->priv = k;
	err = containerd_up(b, k);
	if (!err)
		err = start_agent(b, k);
	if (!err)
		err = wait_ready(b, k);
	if (!err)
		err = wait_synchronized(b, k);
	if (err)
		return err;
	err = bs_evtail_open(&k->tail, k->events);
	if (err)
		return bs_bench_break(b, err, "open %s", k->events);
	k->tail_open = true;
	if (bs_agent_cpu_begin(&k->agent))
		bs_warn("cannot sample the agent's CPU time");
	return 0;
}

/* ---- victims ------------------------------------------------------------ */

static void sample_rss(struct cb *k)
{
	uint64_t ticks;
	long rss;

	if (bs_agent_sample(&k->agent, &rss, &ticks) == 0)
		bs_samples_add(&k->rss_kib, (double)rss);
}

/* Lines written so far are about earlier containers. */
static void drain_tail(struct bs_bench *b, struct cb *k)
{
	struct bs_agent_event ev;

	while (bs_evtail_next(&k->tail, &ev) == 1)
		bs_bench_stray(b, &ev);
}

/* The first stats line (after drain_tail) with a token armed is about the
 * container just made: one container with a token exists at a time. */
static void wait_armed(struct bs_bench *b, struct cb *k)
{
	int64_t deadline = bs_now_ns() + ARM_WAIT_MS * 1000000LL;
	struct bs_agent_event ev;

	while (bs_now_ns() < deadline && bs_agent_alive(&k->agent)) {
		while (bs_evtail_next(&k->tail, &ev) == 1) {
			bs_bench_stray(b, &ev);
			if (ev.type == BS_EVT_STATS && ev.armed > 0) {
				bs_samples_add(&k->token_armed_us,
					       (double)ev.arm_gap_us_last);
				return;
			}
		}
		usleep(20000);
	}
	bs_warn("no armed token reported within %d ms", ARM_WAIT_MS);
}

/* Where the token is on the host: the bind source (bind), or the file in
 * the container's rootfs as the runtime's mount namespace shows it
 * (ocihook), reached through the guardian's /proc/<pid>/root. */
static void token_host_path(struct cb *k, struct bs_victim *v)
{
	if (!ctrd_ctr_mount_source(&k->c, v->ctr_id, v->token_path,
				   v->token_host_path,
				   sizeof(v->token_host_path)))
		return;
	bs_fmt(v->token_host_path, sizeof(v->token_host_path),
	       "/proc/%d/root%s/state/io.containerd.runtime.v2.task/k8s.io/"
	       "%s/rootfs%s",
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
	drain_tail(b, k);
	err = ctrd_run_pod(&k->c, p);
	if (err) {
		bs_err("victim %s: %s", v->pod_name, p->err);
		return err;
	}
	snprintf(v->pod_id, sizeof(v->pod_id), "%s", p->pod_id);
	snprintf(v->ctr_id, sizeof(v->ctr_id), "%s", p->ctr_id);
	ctrd_nri_tap_take(k->tap, "CreateContainer", &k->nri_create_us);
	wait_armed(b, k);
	token_host_path(k, v);
	sample_rss(k);
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

static int c_next_event(struct bs_bench *b, struct bs_agent_event *ev)
{
	struct cb *k = b->priv;

	return k && k->tail_open ? bs_evtail_next(&k->tail, ev) : 0;
}

static int c_victim_down(struct bs_bench *b, struct bs_victim *v)
{
	struct cb *k = b->priv;
	struct ctrd_pod *p = v->priv;
	int err = 0;

	sample_rss(k);
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

static bool c_alive(struct bs_bench *b)
{
	struct cb *k = b->priv;

	return k && k->agent_started && bs_agent_alive(&k->agent);
}

/* ---- overhead ----------------------------------------------------------- */

/* One container made (and removed) in pod p; *ms = crictl create+start. */
static int start_one(struct bs_bench *b, struct cb *k, struct ctrd_pod *p,
		     bool with, double *ms)
{
	int err, rm;

	drain_tail(b, k);
	ctrd_nri_tap_take(k->tap, "CreateContainer", NULL);
	err = ctrd_ctr_up(&k->c, p, ms);
	if (err)
		bs_err("start pair container in %s: %s", p->name, p->err);
	ctrd_nri_tap_take(k->tap, "CreateContainer",
			  with ? &k->nri_create_us : &k->nri_create_optout_us);
	if (!err && with)
		wait_armed(b, k);
	if (!p->ctr_id[0])
		return err;
	rm = ctrd_ctr_rm(&k->c, p->ctr_id);
	return err ? err : rm;
}

/* ABBA pairs: with the agent's token, then opted out, so drift cancels. */
static int start_pairs(struct bs_bench *b, struct cb *k)
{
	json_t *opt_out = json_pack("{s:s}", "beesting.io/inject", "false");
	struct ctrd_pod with = { .name = "start-with", .ns = "default" };
	struct ctrd_pod without = { .name = "start-optout",
				    .ns = "default",
				    .annotations = opt_out };
	struct bs_samples base = { 0 }, treat = { 0 };
	int err = ctrd_pod_up(&k->c, &with);

	if (!err)
		err = ctrd_pod_up(&k->c, &without);
	if (err)
		bs_err("start pairs: %s%s", with.err, without.err);
	for (int i = 0; i < 2 * b->cfg.start_pairs && !err; i++) {
		bool w = (i % 4 == 0 || i % 4 == 3);
		struct ctrd_pod *p = w ? &with : &without;
		char name[32];
		double ms = 0;

		snprintf(name, sizeof(name), "start-%d", i);
		p->container = name;
		err = start_one(b, k, p, w, &ms);
		if (!err)
			bs_samples_add(w ? &treat : &base, ms);
		if (!err && !bs_agent_alive(&k->agent))
			err = bs_bench_break(b, -ESRCH, "the agent died");
	}
	if (!err)
		bs_bench_overhead_samples(b, "container_start_ms", "ms", &base,
					  &treat);
	if (ctrd_pod_rm(&k->c, &with) || ctrd_pod_rm(&k->c, &without))
		bs_warn("start pairs: pods not removed: %s%s", with.err,
			without.err);
	json_decref(opt_out);
	bs_samples_free(&base);
	bs_samples_free(&treat);
	return err;
}

static int c_overhead(struct bs_bench *b)
{
	struct cb *k = b->priv;
	double cpu;
	int err;

	b->step++;
	bs_progress(b, "overhead: container_start_ms, %d pairs",
		    b->cfg.start_pairs);
	err = start_pairs(b, k);
	if (err)
		return err;
	bs_bench_overhead_samples(b, "nri_create_us", "us",
				  &k->nri_create_optout_us, &k->nri_create_us);
	bs_bench_overhead_samples(b, "token_armed_us", "us", NULL,
				  &k->token_armed_us);
	bs_bench_agent_nri_rows(b, k->events);
	sample_rss(k);
	bs_bench_overhead_samples(b, "agent_rss_kib", "KiB", NULL, &k->rss_kib);
	if (bs_agent_cpu_end(&k->agent, &cpu) == 0)
		bs_bench_overhead(b, "agent_cpu_pct", "%", 1, NAN, cpu, NAN);
	return 0;
}

/* ---- teardown ----------------------------------------------------------- */

static int count_cmd(const char *fmt, const char *arg)
{
	char cmd[BS_PATH_LEN + 128], out[32];

	snprintf(cmd, sizeof(cmd), fmt, arg);
	return bs_run_cmd(cmd, out, sizeof(out)) == 0 ? atoi(out) : 0;
}

/* What CRI and the agent still hold once every victim is down. */
static int count_live(struct cb *k)
{
	int pods = ctrd_count(&k->c, "pods"), ctrs = ctrd_count(&k->c, "ps");
	int files =
		count_cmd("find '%s' -type f 2>/dev/null | wc -l", k->state);

	fprintf(stderr,
		"leftovers before teardown: %d pods, %d containers, "
		"%d token/state files\n",
		pods, ctrs, files);
	return (pods > 0 ? pods : 0) + (ctrs > 0 ? ctrs : 0) + files;
}

static int c_teardown(struct bs_bench *b)
{
	struct cb *k = &cb_state;
	char cgparent[sizeof(k->c.cgparent)];
	int err = 0;

	if (k->ctrd_up && k->c.pid > 0)
		k->leaks = count_live(k);
	if (k->agent_started) {
		err = bs_agent_stop(&k->agent, STOP_MS);
		if (err == -ETIMEDOUT)
			err = bs_bench_break(
				b, err, "the agent did not stop on SIGTERM");
		else if (err)
			bs_warn("agent exit status %d", k->agent.exit_status);
		err = err == -ETIMEDOUT ? err : 0;
		k->agent_started = false;
	}
	if (k->tail_open)
		bs_evtail_close(&k->tail);
	k->tail_open = false;
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
	state_dir_remove(k);
	if (cgparent[0])
		k->leaks += count_cmd("find /sys/fs/cgroup -type d -name '%s' "
				      "2>/dev/null | wc -l",
				      cgparent);
	return err;
}

static int c_leftovers(struct bs_bench *b)
{
	struct cb *k = &cb_state;

	(void)b;
	bs_samples_free(&k->rss_kib);
	bs_samples_free(&k->token_armed_us);
	bs_samples_free(&k->nri_create_us);
	bs_samples_free(&k->nri_create_optout_us);
	return k->leaks;
}

const struct bs_backend_ops bs_backend_containerd = {
	.name = "containerd",
	.setup = c_setup,
	.victim_up = c_victim_up,
	.attack = c_attack,
	.recon = c_recon,
	.next_event = c_next_event,
	.victim_down = c_victim_down,
	.overhead = c_overhead,
	.agent_alive = c_alive,
	.teardown = c_teardown,
	.leftovers = c_leftovers,
};
