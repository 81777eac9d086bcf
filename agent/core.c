// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/core.h"
#include "lib/clock.h"
#include "lib/grow.h"
#include "lib/json.h"
#include "lib/log.h"
#include "strategies/inject.h"
#include "strategies/methods.h"
#include "strategies/tokgen.h"

/* ---- output ---------------------------------------------------------- */

void bs_core_emit(struct bs_core *c, const char *line)
{
	bs_stream_write(&c->stream, line);
}

static int64_t real_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The readscan window in use, which may not be the one asked for (a
 * window the kernel refuses falls back to the nearest): 0 for others. */
static uint32_t readscan_window(struct bs_core *c)
{
	struct bs_detect_stats ds = { 0 };

	if (c->detect_started)
		c->det->stats(&c->dctx, &ds);
	return ds.rs_window;
}

void bs_core_emit_ready(struct bs_core *c)
{
	uint32_t window = readscan_window(c);
	char line[2048];
	size_t off;

	snprintf(line, sizeof(line),
		 "{\"type\":\"ready\",\"backend\":\"%s\",\"inject\":\"%s\","
		 "\"detect\":\"%s\",\"blind_spots\":",
		 c->detect_started && strcmp(c->det->name, "none")
			 ? bs_attach_name(c->dctx.backend)
			 : "none",
		 c->inj->name, c->det->name);
	off = strlen(line);
	bs_json_str(line, sizeof(line) - 3, &off,
		    c->dctx.blind_spots ? c->dctx.blind_spots : "");
	if (window)
		snprintf(line + off, sizeof(line) - off,
			 ",\"readscan_window\":%u}\n", window);
	else
		snprintf(line + off, sizeof(line) - off, "}\n");
	bs_core_emit(c, line);
}

void bs_core_emit_stats(struct bs_core *c, const char *extra)
{
	struct bs_detect_stats ds = { 0 };
	struct bs_sink_stats ss;
	char line[1536], when[48], window[32] = "";
	size_t armed = __atomic_load_n(&c->n_armed, __ATOMIC_RELAXED);

	uint64_t *resp;

	if (c->detect_started)
		c->det->stats(&c->dctx, &ds);
	resp = ds.responses[c->cfg->respond];
	bs_sinks_total(c->sinks, &ss);
	bs_format_time(when, sizeof(when), real_now_ns());
	if (ds.rs_window)
		snprintf(window, sizeof(window), ",\"readscan_window\":%u",
			 ds.rs_window);
	snprintf(line, sizeof(line),
		 "{\"type\":\"stats\",\"time\":\"%s\",\"events\":%" PRIu64
		 ",\"alerts\":%" PRIu64 ",\"ringbuf_drops\":%" PRIu64
		 ",\"aggregated\":%" PRIu64 ",\"partial_scans\":%" PRIu64
		 ",\"map_full\":%" PRIu64 ",\"arm_failed\":%" PRIu64
		 ",\"tokens\":%zu,\"armed\":%zu,\"containers\":%zu,\"inject_"
		 "failed\":%" PRIu64 ",\"inject_skipped\":%" PRIu64
		 ",\"alert_write_errors\":%" PRIu64
		 ",\"arm_gap_us_last\":%" PRIu64 ",\"arm_gap_us_max\":%" PRIu64
		 ",\"projected_fallback\":%" PRIu64 ",\"irsa_skipped\":%" PRIu64
		 ",\"spec_mount_skipped\":%" PRIu64
		 ",\"annotation_refused\":%" PRIu64
		 "%s%s%s,\"sink_delivered\":%" PRIu64
		 ",\"sink_dropped\":%" PRIu64 ",\"sink_failed\":%" PRIu64
		 ",\"sink_retries\":%" PRIu64 ",\"responses_done\":%" PRIu64
		 ",\"responses_failed\":%" PRIu64
		 ",\"responses_skipped\":%" PRIu64
		 ",\"responses_unsupported\":%" PRIu64 "}\n",
		 when, ds.events, c->st.alerts, ds.ringbuf_drops, ds.aggregated,
		 ds.partial_scans, ds.map_full, c->st.arm_failed,
		 bs_token_store_count(c->store), armed,
		 bs_containers_count(c->ctrs), c->ictx.n_failed,
		 c->ictx.n_skipped, c->st.alert_write_errors,
		 c->st.arm_gap_us_last, c->st.arm_gap_us_max,
		 c->ictx.n_fallback, c->ictx.n_irsa_skipped,
		 c->ictx.n_spec_mount_skipped, c->ictx.n_annotation_refused,
		 window, extra && *extra ? "," : "", extra ? extra : "",
		 ss.delivered, ss.dropped, ss.failed, ss.retries,
		 resp[BS_RR_DONE], resp[BS_RR_FAILED],
		 resp[BS_RR_OUT_OF_SCOPE] + resp[BS_RR_RUNTIME],
		 resp[BS_RR_UNSUPPORTED]);
	bs_core_emit(c, line);
}

/* ---- detection -> alerts --------------------------------------------- */

/* A response the kernel refused (counted in the kernel): said once. */
static void note_respond_failure(struct bs_core *c, const struct bs_event *ev)
{
	if (ev->respond_result != BS_RR_FAILED || c->respond_fail_logged)
		return;
	c->respond_fail_logged = true;
	bs_err("respond %s: pid %u (%.16s): %s (counted in responses_failed; "
	       "further failures not logged)",
	       bs_respond_name(ev->respond), ev->tgid, ev->comm,
	       strerror(-ev->respond_err));
}

void bs_core_on_event(const struct bs_event *ev, void *arg)
{
	struct bs_core *c = arg;
	struct bs_token tok;
	struct bs_ctr_info acc;
	struct bs_alert a;
	char line[4096];
	int have_tok, have_acc, n;

	have_tok = bs_token_store_get(c->store, ev->token_id, &tok) == 0;
	have_acc = bs_containers_of_accessor(c->ctrs, ev->cgroup_id,
					     ev->mntns_ino, &acc) == 0;
	int64_t mono = bs_now_ns(), real = real_now_ns();

	note_respond_failure(c, ev);
	/* the record, built once; every sink renders it */
	bs_alert_build(&a, &c->meta, ev, have_tok ? &tok : NULL,
		       have_acc ? &acc : NULL, mono, real);
	n = bs_alert_json(line, sizeof(line), &a);
	if (n < 0) {
		c->st.alert_write_errors++;
		return;
	}
	a.json = line;
	a.len = (size_t)n;
	bs_sinks_emit(c->sinks, &a);
	c->st.alerts++;
}

/* ---- arming ---------------------------------------------------------- */

struct id_list {
	uint32_t *ids;
	size_t n, cap;
};

static int collect(const struct bs_token *t, void *arg)
{
	struct id_list *l = arg;
	uint32_t *v = bs_grow(l->ids, &l->cap, l->n, sizeof(*v), 16);

	if (!v)
		return -ENOMEM;
	l->ids = v;
	l->ids[l->n++] = t->id;
	return 0;
}

/* Ids of one container's tokens (every NRI create/remove: an id scan, no
 * record copies), or of every token (resync only). */
static void token_ids(struct bs_core *c, const char *container_id,
		      struct id_list *l)
{
	if (!container_id) {
		if (bs_token_store_each(c->store, collect, l))
			bs_err("token store walk: out of memory");
		return;
	}
	l->ids = calloc(BS_MAX_PLAN, sizeof(*l->ids));
	if (!l->ids)
		return;
	l->cap = BS_MAX_PLAN;
	l->n = bs_token_store_list_container(c->store, container_id, l->ids,
					     l->cap);
	if (l->n > l->cap) {
		bs_warn("container %s has %zu tokens; handling %zu",
			container_id, l->n, l->cap);
		l->n = l->cap;
	}
}

/* CreateContainer -> armed: about 0 for bind (armed at create); for
 * ocihook up to the first event with a pid (StartContainer on containerd).
 * Reported in the stats line. */
static void note_arm_gap(struct bs_core *c, const struct bs_token *t)
{
	uint64_t us;

	if (!t->created_ns || t->armed_ns < t->created_ns)
		return;
	us = (uint64_t)(t->armed_ns - t->created_ns) / 1000;
	c->st.arm_gap_us_last = us;
	if (us > c->st.arm_gap_us_max)
		c->st.arm_gap_us_max = us;
}

/* The injection driver's arm step: arm or disarm the tokens of one
 * container (or all).  Failures are counted: an unarmed token is a lost
 * alert. */
static void set_armed(void *arg, const char *container_id, bool arm)
{
	struct bs_core *c = arg;
	struct id_list l = { 0 };
	struct bs_token t;

	token_ids(c, container_id, &l);
	for (size_t i = 0; i < l.n; i++) {
		if (bs_token_store_get(c->store, l.ids[i], &t))
			continue;
		if (t.armed == arm || (arm && !t.have_inode))
			continue;
		int err = arm ? c->det->arm(&c->dctx, &t)
			      : c->det->disarm(&c->dctx, &t);
		if (err && arm) {
			c->st.arm_failed++;
			bs_err("arm token %u (%s in %s): %s", t.id, t.path,
			       t.container_id, strerror(-err));
			continue;
		}
		t.armed = arm;
		t.armed_ns = arm ? bs_now_ns() : 0;
		if (arm)
			note_arm_gap(c, &t);
		if (bs_token_store_update(c->store, &t) == 0)
			__atomic_add_fetch(&c->n_armed, arm ? 1 : (size_t)-1,
					   __ATOMIC_RELAXED);
	}
	free(l.ids);
}

/* The container's process is known: its cgroup and mount namespace go
 * into its tokens, armed ones re-armed in place, so a response stays in
 * the token's container (--respond-scope=container).  Until then (create
 * to start: only the runtime runs there) nobody is responded to. */
static void set_identity(struct bs_core *c, const struct bs_container *ctr)
{
	struct id_list l = { 0 };
	struct bs_token t;
	uint64_t cg;
	uint32_t mnt;

	if (!ctr->pid || c->cfg->respond == BS_RESPOND_NONE)
		return;
	cg = bs_cgroup_id_of_pid(ctr->pid);
	mnt = bs_mntns_of_pid(ctr->pid);
	token_ids(c, ctr->id, &l);
	for (size_t i = 0; i < l.n; i++) {
		if (bs_token_store_get(c->store, l.ids[i], &t) ||
		    (t.ctr_cgroup_id == cg && t.ctr_mntns == mnt))
			continue;
		t.ctr_cgroup_id = cg;
		t.ctr_mntns = mnt;
		if (t.armed && c->det->arm(&c->dctx, &t))
			bs_warn("token %u of %s: container identity not "
				"updated: no response to it until re-armed",
				t.id, ctr->id);
		bs_token_store_update(c->store, &t);
	}
	free(l.ids);
}

/* ---- NRI handlers ---------------------------------------------------- */

int bs_core_create(void *arg, const struct bs_pod *pod,
		   const struct bs_container *ctr, struct bs_adjust *adj)
{
	struct bs_core *c = arg;

	bs_containers_put(c->ctrs, pod, ctr);
	/* fail-open/closed decided, logged and counted by the driver */
	return bs_inject_create(&c->ictx, pod, ctr, adj);
}

static void remove_container(struct bs_core *c, const struct bs_container *ctr)
{
	bs_inject_remove(&c->ictx, ctr);
	bs_containers_remove(c->ctrs, ctr->id);
}

/* Tokens whose inode only the container's process can show (ocihook) are
 * located at the first event that carries a pid: PostCreate on CRI-O,
 * StartContainer on containerd 1.7 -- both before the workload runs.  Only
 * a runtime that names no pid before PostStart leaves a window; say so. */
static void locate_and_arm(struct bs_core *c, enum bs_nri_event ev,
			   const struct bs_container *ctr)
{
	size_t before = __atomic_load_n(&c->n_armed, __ATOMIC_RELAXED);

	bs_inject_locate(&c->ictx, ctr);
	set_identity(c, ctr);
	if (ev == BS_EV_POST_START_CONTAINER &&
	    __atomic_load_n(&c->n_armed, __ATOMIC_RELAXED) > before)
		bs_warn("container %s: token armed only at PostStartContainer "
			"(the runtime sent no pid earlier): the workload ran "
			"unwatched for a moment",
			ctr->id);
}

int bs_core_event(void *arg, enum bs_nri_event ev, const struct bs_pod *pod,
		  const struct bs_container *ctr)
{
	struct bs_core *c = arg;

	if (!ctr || !ctr->id)
		return 0;
	switch (ev) {
	case BS_EV_POST_CREATE_CONTAINER:
	case BS_EV_START_CONTAINER:
	case BS_EV_POST_START_CONTAINER:
		bs_containers_put(c->ctrs, pod, ctr);
		locate_and_arm(c, ev, ctr);
		break;
	case BS_EV_REMOVE_CONTAINER:
		remove_container(c, ctr);
		break;
	default:
		break;
	}
	return 0;
}

static const struct bs_pod *pod_of(const struct bs_pod *pods, size_t n,
				   const char *id)
{
	for (size_t i = 0; id && i < n; i++)
		if (pods[i].id && !strcmp(pods[i].id, id))
			return &pods[i];
	return NULL;
}

int bs_core_synchronize(void *arg, const struct bs_pod *pods, size_t n_pods,
			const struct bs_container *ctrs, size_t n_ctrs)
{
	struct bs_core *c = arg;
	const char **ids = calloc(n_ctrs + 1, sizeof(*ids));

	if (!ids)
		return -ENOMEM;
	for (size_t i = 0; i < n_ctrs; i++) {
		ids[i] = ctrs[i].id ? ctrs[i].id : "";
		bs_containers_put(c->ctrs, pod_of(pods, n_pods, ctrs[i].pod_id),
				  &ctrs[i]);
	}
	bs_containers_retain(c->ctrs, ids, n_ctrs);
	free(ids);
	bs_inject_sync(&c->ictx, pods, n_pods, ctrs, n_ctrs);
	for (size_t i = 0; i < n_ctrs; i++)
		if (ctrs[i].id)
			set_identity(c, &ctrs[i]);
	bs_info("synchronized: %zu pods, %zu containers, %zu tokens", n_pods,
		n_ctrs, bs_token_store_count(c->store));
	return 0;
}

/* ---- life cycle ------------------------------------------------------ */

#define BTF_PATH "/sys/kernel/btf/vmlinux"

/* CO-RE programs need the running kernel's BTF; without it libbpf fails
 * with errors that do not name the cause, so check first. */
static int check_btf(void)
{
	struct stat st;

	if (stat(BTF_PATH, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
		return 0;
	bs_err("kernel BTF missing or empty at " BTF_PATH
	       ": BPF CO-RE programs cannot load (a kernel built with "
	       "CONFIG_DEBUG_INFO_BTF=y is needed; or run with --detect=none)");
	return -ENOENT;
}

static int start_one(struct bs_core *c, const struct bs_agent_config *cfg)
{
	int err = 0;

	/* fanotify loads no BPF */
	if (strcmp(c->det->name, "none") && strcmp(c->det->name, "fanotify"))
		err = check_btf();
	if (!err)
		err = c->det->start(&c->dctx);
	if (err)
		bs_err("detect %s: cannot start with --attach=%s: %s",
		       c->det->name, bs_attach_name(cfg->attach),
		       strerror(-err));
	return err;
}

/* --detect=auto: fanotify (no per-syscall cost; needs
 * CONFIG_FANOTIFY_ACCESS_PERMISSIONS and CAP_SYS_ADMIN) unless --attach
 * names a BPF backend, else open on the best BPF backend; says why. */
static int start_detect(struct bs_core *c, const struct bs_agent_config *cfg)
{
	bool want_bpf = cfg->attach != BS_ATTACH_AUTO &&
			cfg->attach != BS_ATTACH_FANOTIFY;
	int err;

	if (strcmp(cfg->detect, "auto"))
		return start_one(c, cfg);
	if (!want_bpf) {
		err = c->det->start(&c->dctx);
		if (!err) {
			bs_info("detect auto: fanotify");
			return 0;
		}
		bs_warn("detect auto: fanotify cannot start (%s): falling back "
			"to open",
			strerror(-err));
	}
	c->det = bs_detect_find("open");
	err = start_one(c, cfg);
	if (!err)
		bs_info("detect auto: open%s", want_bpf ? " (--attach names a "
							  "BPF backend)"
							: "");
	return err;
}

int bs_core_init(struct bs_core *c, const struct bs_agent_config *cfg,
		 FILE *out)
{
	int err;

	memset(c, 0, sizeof(*c));
	c->cfg = cfg;
	c->out = out;
	pthread_mutex_init(&c->out_lock, NULL);
	c->stream = (struct bs_stream){ out, &c->out_lock,
					&c->st.alert_write_errors };
	c->sinks = bs_sinks_new();
	if (!c->sinks)
		return -ENOMEM;
	err = bs_sinks_add(c->sinks, "stream", &bs_sink_stream_ops, &c->stream,
			   0);
	if (err)
		return err;
	/* the tokens' node claim names the node the alerts name */
	bs_tokgen_set_node(cfg->node);
	c->inj = bs_inject_find(cfg->inject);
	c->det = bs_detect_find(strcmp(cfg->detect, "auto") ? cfg->detect
							    : "fanotify");
	if (!c->inj || !c->det)
		return -EINVAL;
	c->store = bs_token_store_new(BS_MAX_TOKENS);
	c->ctrs = bs_containers_new();
	if (!c->store || !c->ctrs)
		return -ENOMEM;

	c->dcfg = (struct bs_detect_config){
		.attach = cfg->attach,
		.agent_tgid = (uint32_t)getpid(),
		.aggregate_ns = cfg->aggregate_ms * 1000000ull,
		.rs_window = cfg->rs_window,
		.respond = cfg->respond,
		.respond_node = cfg->respond_node,
		.max_tokens = BS_MAX_TOKENS,
		.on_event = bs_core_on_event,
		.on_event_arg = c,
	};
	c->dctx.cfg = &c->dcfg;
	err = start_detect(c, cfg);
	if (err)
		return err;
	c->detect_started = 1;
	/* alerts name the strategy that runs, also under --detect=auto */
	c->meta =
		(struct bs_alert_meta){ cfg->node, cfg->inject, c->det->name };

	c->ictx.cfg = &cfg->inject_cfg;
	c->ictx.store = c->store;
	c->ictx.arm = set_armed;
	c->ictx.arm_arg = c;
	err = bs_inject_init(&c->ictx, c->inj);
	if (err) {
		bs_err("inject %s: init failed: %s", c->inj->name,
		       strerror(-err));
		return err;
	}
	return 0;
}

void bs_core_fini(struct bs_core *c)
{
	/* no scrape may read detection or the store while they go away */
	bs_sinks_stop(c->sinks);
	bs_inject_fini(&c->ictx);
	if (c->detect_started)
		c->det->stop(&c->dctx);
	c->detect_started = 0;
	/* queued alerts get a moment to reach their receivers */
	bs_sinks_free(c->sinks, BS_SINK_DRAIN_MS);
	c->sinks = NULL;
	bs_token_store_free(c->store);
	bs_containers_free(c->ctrs);
	c->store = NULL;
	c->ctrs = NULL;
	pthread_mutex_destroy(&c->out_lock);
}
