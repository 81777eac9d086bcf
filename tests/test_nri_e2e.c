// SPDX-License-Identifier: Apache-2.0
/* Our plugin side against our runtime side over a real unix socket. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nri/cri.h"
#include "nri/plugin.h"
#include "nri/runtime.h"
#include "tests/support/nri_util.h"

struct seen {
	pthread_mutex_t lock;
	int syncs;
	size_t sync_pods, sync_ctrs;
	int creates;
	int events[64];
	size_t n_events;
	int fail_create;
};

static int h_sync(void *arg, const struct bs_pod *pods, size_t np,
		  const struct bs_container *ctrs, size_t nc)
{
	struct seen *s = arg;

	pthread_mutex_lock(&s->lock);
	s->syncs++;
	s->sync_pods = np;
	s->sync_ctrs = nc;
	if (np)
		cr_expect_str_eq(pods[0].name, "pod0");
	if (nc)
		cr_expect_eq(ctrs[nc - 1].state, BS_CTR_RUNNING);
	pthread_mutex_unlock(&s->lock);
	return 0;
}

static int h_create(void *arg, const struct bs_pod *pod,
		    const struct bs_container *ctr, struct bs_adjust *adj)
{
	struct seen *s = arg;
	const char *opts[] = { "rbind", "ro", NULL };
	const char *args[] = { "beesting-hook", "--path", "/token", NULL };
	char src[128];

	pthread_mutex_lock(&s->lock);
	s->creates++;
	pthread_mutex_unlock(&s->lock);
	if (s->fail_create)
		return -EIO;
	snprintf(src, sizeof(src), "/var/lib/beesting/%s-%s", pod->name,
		 ctr->name);
	if (bs_adjust_add_mount(adj, "/token", "bind", src, opts) ||
	    bs_adjust_add_hook(adj, BS_HOOK_CREATE_CONTAINER, "/bin/hook", args,
			       NULL, 5) ||
	    bs_adjust_add_annotation(adj, "beesting.io/token", ctr->id))
		return -ENOMEM;
	return 0;
}

static int h_event(void *arg, enum bs_nri_event ev, const struct bs_pod *pod,
		   const struct bs_container *ctr)
{
	struct seen *s = arg;

	(void)pod;
	(void)ctr;
	pthread_mutex_lock(&s->lock);
	if (s->n_events < 64)
		s->events[s->n_events++] = ev;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

struct runner {
	pthread_t th;
	struct bs_nri_plugin *p;
	volatile int stop;
	int ret;
	struct seen seen;
};

static void *run_plugin(void *arg)
{
	struct runner *r = arg;

	r->ret = bs_nri_plugin_run(r->p, &r->stop);
	return NULL;
}

static void start(struct runner *r, const char *path, const char *name,
		  const char *idx, uint32_t events)
{
	struct bs_nri_plugin_config cfg = { .socket_path = path,
					    .name = name,
					    .idx = idx,
					    .backoff_max_ms = 200 };
	struct bs_nri_handlers h = { .arg = &r->seen,
				     .events = events,
				     .synchronize = h_sync,
				     .create_container = h_create,
				     .event = h_event };

	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->seen.lock, NULL);
	r->p = bs_nri_plugin_new(&cfg, &h);
	cr_assert_not_null(r->p);
	cr_assert_eq(pthread_create(&r->th, NULL, run_plugin, r), 0);
}

static void stop(struct runner *r)
{
	r->stop = 1;
	pthread_join(r->th, NULL);
	cr_expect_eq(r->ret, 0);
	bs_nri_plugin_free(r->p);
}

static char dir[64], sock[128];

static void mk_dir(void)
{
	strcpy(dir, "/tmp/bs-nri-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/nri/nri.sock", dir);
}

static void rm_dir(void)
{
	char p[160];

	snprintf(p, sizeof(p), "%s/nri", dir);
	rmdir(p);
	rmdir(dir);
}

static const struct bs_kv ctr_lbl[] = { { "io.kubernetes.container.name",
					  "app" } };
static const struct bs_mount_view ctr_mnt[] = {
	{ .destination = "/etc/hosts", .type = "bind", .source = "/x/hosts" }
};

static struct bs_container mkctr(const char *id, enum bs_ctr_state st)
{
	return (struct bs_container){ .id = id,
				      .pod_id = "pod-id-1",
				      .name = "app",
				      .state = st,
				      .pid = 43,
				      .labels = ctr_lbl,
				      .n_labels = 1,
				      .mounts = ctr_mnt,
				      .n_mounts = 1 };
}

/* The plugin's Synchronize handler ran syncs times, the last time with
 * pods pods and ctrs containers. */
static void expect_synced(const struct seen *s, int syncs, size_t pods,
			  size_t ctrs)
{
	cr_expect_eq(s->syncs, syncs, "%d Synchronize handler calls", s->syncs);
	cr_expect_eq(s->sync_pods, pods, "%zu pods synced", s->sync_pods);
	cr_expect_eq(s->sync_ctrs, ctrs, "%zu containers synced", s->sync_ctrs);
}

/* CreateContainer of ctr in pod through rt: adj (initialised here) gets
 * the one token mount. */
static void create_one(struct bs_nri_runtime *rt, const struct bs_pod *pod,
		       const struct bs_container *ctr, struct bs_adjust *adj)
{
	bs_adjust_init(adj);
	cr_assert_eq(bs_nri_runtime_create_container(rt, pod, ctr, adj), 0);
	cr_assert_eq(adj->n_mounts, 1);
}

/* The runtime side on a fresh socket dir, cfg otherwise as given. */
static struct bs_nri_runtime *runtime_new(struct bs_nri_runtime_config *cfg)
{
	struct bs_nri_runtime *rt;

	mk_dir();
	cfg->socket_path = sock;
	rt = bs_nri_runtime_new(cfg);
	cr_assert_not_null(rt);
	return rt;
}

Test(nri_e2e, lifecycle_and_reconnect)
{
	struct bs_nri_runtime_config cfg = { .request_timeout_ms = 2000 };
	struct bs_pod pods[2] = { nri_t_pod("pod0"), nri_t_pod("pod1") };
	struct bs_container ctrs[1] = { mkctr("c-old", BS_CTR_RUNNING) };
	struct bs_container ctr = mkctr("c-new", BS_CTR_CREATED);
	struct bs_adjust *adj = malloc(sizeof(*adj));
	struct bs_nri_runtime *rt;
	struct runner r;
	struct bs_nri_stats st;

	rt = runtime_new(&cfg);
	start(&r, sock, "beesting", "10",
	      BS_EV_MASK(BS_EV_CREATE_CONTAINER) |
		      BS_EV_MASK(BS_EV_STOP_CONTAINER) |
		      BS_EV_MASK(BS_EV_REMOVE_CONTAINER));
	cr_assert_eq(bs_nri_runtime_accept(rt, 5000, pods, 2, ctrs, 1), 0);
	cr_expect_eq(bs_nri_runtime_n_plugins(rt), 1);
	cr_expect_str_eq(bs_nri_runtime_plugin_name(rt, 0), "beesting");
	expect_synced(&r.seen, 1, 2, 1);

	create_one(rt, &pods[0], &ctr, adj);
	cr_expect_str_eq(adj->mounts[0].destination, "/token");
	cr_expect_str_eq(adj->mounts[0].source, "/var/lib/beesting/pod0-app");
	cr_expect_str_eq(adj->mounts[0].options[1], "ro");
	cr_assert_eq(adj->n_hooks, 1);
	cr_expect_eq(adj->hooks[0].kind, BS_HOOK_CREATE_CONTAINER);
	cr_expect_eq(adj->hooks[0].timeout_s, 5);
	cr_expect_str_eq(adj->hooks[0].args[2], "/token");
	cr_assert_eq(adj->n_annotations, 1);
	cr_expect_str_eq(adj->annotations[0].value, "c-new");
	bs_adjust_free(adj);

	/* START is not subscribed: never sent */
	cr_expect_eq(bs_nri_runtime_state_change(rt, BS_EV_START_CONTAINER,
						 &pods[0], &ctr),
		     0);
	cr_expect_eq(bs_nri_runtime_stop_container(rt, &pods[0], &ctr), 0);
	cr_expect_eq(bs_nri_runtime_state_change(rt, BS_EV_REMOVE_CONTAINER,
						 &pods[0], &ctr),
		     0);
	cr_expect_eq(bs_nri_runtime_state_change(rt, BS_EV_CREATE_CONTAINER,
						 &pods[0], &ctr),
		     -EINVAL);
	cr_assert_eq(r.seen.n_events, 2);
	cr_expect_eq(r.seen.events[0], BS_EV_STOP_CONTAINER);
	cr_expect_eq(r.seen.events[1], BS_EV_REMOVE_CONTAINER);

	struct bs_nri_runtime_stats rs;
	bs_nri_runtime_stats(rt, &rs);
	cr_expect_eq(rs.calls, 5, "configure, sync, create, stop, remove");
	cr_expect_eq(rs.drops, 0);

	/* the runtime goes away and comes back: the plugin re-registers */
	bs_nri_runtime_free(rt);
	rt = bs_nri_runtime_new(&cfg);
	cr_assert_not_null(rt);
	cr_assert_eq(bs_nri_runtime_accept(rt, 5000, pods, 1, NULL, 0), 0);
	expect_synced(&r.seen, 2, 1, 0);
	create_one(rt, &pods[1], &ctr, adj);
	bs_adjust_free(adj);
	bs_nri_plugin_stats(r.p, &st);
	cr_expect_geq(st.reconnects, 1);
	cr_expect_eq(st.requests, 8, "5 + configure, sync, create");
	cr_expect_eq(st.creates, 2, "both CreateContainer timed (%lu)",
		     (unsigned long)st.creates);
	cr_expect_gt(st.create_p99_us + st.create_p50_us, 0);
	cr_expect_leq(st.create_p50_us, st.create_p99_us);
	cr_expect_leq(st.create_p99_us, st.max_handler_us + 100000,
		      "the window holds this run's times");

	stop(&r);
	bs_nri_runtime_free(rt);
	free(adj);
	rm_dir();
}

Test(nri_e2e, split_sync_and_failing_handler)
{
	struct bs_nri_runtime_config cfg = { .sync_chunk = 2 };
	struct bs_pod pods[3] = { nri_t_pod("pod0"), nri_t_pod("pod1"),
				  nri_t_pod("pod2") };
	struct bs_container ctrs[2] = { mkctr("a", BS_CTR_RUNNING),
					mkctr("b", BS_CTR_RUNNING) };
	struct bs_adjust *adj = malloc(sizeof(*adj));
	struct bs_nri_runtime *rt;
	struct runner r;

	rt = runtime_new(&cfg);
	start(&r, sock, "beesting", "10", 0x07FF);
	cr_assert_eq(bs_nri_runtime_accept(rt, 5000, pods, 3, ctrs, 2), 0);
	expect_synced(&r.seen, 1, 3, 2); /* once for 3 chunks */

	r.seen.fail_create = 1;
	bs_adjust_init(adj);
	cr_expect_eq(
		bs_nri_runtime_create_container(rt, &pods[0], &ctrs[0], adj),
		-EREMOTEIO);
	cr_expect(bs_adjust_is_empty(adj));
	cr_expect_eq(bs_nri_runtime_n_plugins(rt), 1,
		     "an error reply keeps it");
	struct bs_nri_stats st;
	bs_nri_plugin_stats(r.p, &st);
	cr_expect_eq(st.errors, 1);
	stop(&r);
	bs_nri_runtime_free(rt);
	free(adj);
	rm_dir();
}

Test(nri_e2e, plugins_called_in_index_order)
{
	struct bs_nri_runtime_config cfg = { 0 };
	struct bs_pod pod = nri_t_pod("pod0");
	struct bs_container ctr = mkctr("c", BS_CTR_CREATED);
	struct bs_adjust *adj = malloc(sizeof(*adj));
	struct bs_nri_runtime *rt;
	struct runner a, b;

	rt = runtime_new(&cfg);
	start(&a, sock, "late", "90", BS_EV_MASK(BS_EV_CREATE_CONTAINER));
	cr_assert_eq(bs_nri_runtime_accept(rt, 5000, NULL, 0, NULL, 0), 0);
	start(&b, sock, "early", "05", BS_EV_MASK(BS_EV_CREATE_CONTAINER));
	cr_assert_eq(bs_nri_runtime_accept(rt, 5000, NULL, 0, NULL, 0), 0);
	cr_expect_str_eq(bs_nri_runtime_plugin_name(rt, 0), "early");
	cr_expect_str_eq(bs_nri_runtime_plugin_name(rt, 1), "late");
	bs_adjust_init(adj);
	cr_assert_eq(bs_nri_runtime_create_container(rt, &pod, &ctr, adj), 0);
	cr_expect_eq(adj->n_mounts, 2, "both adjustments appended");
	cr_expect_eq(a.seen.creates, 1);
	cr_expect_eq(b.seen.creates, 1);
	bs_adjust_free(adj);
	stop(&a);
	stop(&b);
	bs_nri_runtime_free(rt);
	free(adj);
	rm_dir();
}

/* ---- our plugin against our runtime side in each NRI protocol mode ------ */

static const int modes[] = { 4, 8, 10, 11, 12 };
#define N_MODES (sizeof(modes) / sizeof(modes[0]))

static struct bs_nri_runtime *mode_runtime(int mode)
{
	struct bs_nri_runtime_config cfg = { .socket_path = sock,
					     .runtime_name = "containerd",
					     .nri_version = mode };
	struct bs_nri_runtime *rt = bs_nri_runtime_new(&cfg);

	cr_assert_not_null(rt, "mode v0.%d", mode);
	return rt;
}

static void life(struct bs_nri_runtime *rt, const struct bs_pod *pod,
		 const struct bs_container *base)
{
	struct bs_adjust *adj = calloc(1, sizeof(*adj));
	struct bs_cri_ctr c;

	cr_assert_not_null(adj);
	bs_adjust_init(adj);
	cr_assert_eq(bs_cri_ctr_init(&c, pod, base), 0);
	cr_expect_eq(bs_cri_run_pod(rt, pod), 0);
	cr_expect_eq(bs_cri_create(rt, &c, adj), 0);
	cr_expect_eq(adj->n_mounts, 1, "the plugin's adjustment arrived");
	cr_expect_eq(bs_cri_post_create(rt, &c), 0);
	cr_expect_eq(bs_cri_start(rt, &c, 4242), 0);
	cr_expect_eq(bs_cri_post_start(rt, &c), 0);
	cr_expect_eq(bs_cri_stop(rt, &c), 0);
	cr_expect_eq(bs_cri_remove(rt, &c), 0);
	cr_expect_eq(bs_cri_stop_pod(rt, pod), 0);
	cr_expect_eq(bs_cri_remove_pod(rt, pod), 0);
	bs_cri_ctr_fini(&c);
	bs_adjust_free(adj);
	free(adj);
}

/* The same handler calls whatever carries the events (StateChange up to
 * v0.11, one RPC per event in v0.12), and a mask valid everywhere. */
Test(nri_e2e, lifecycle_in_every_protocol_mode, .timeout = 60)
{
	static const int want[] = {
		BS_EV_RUN_POD_SANDBOX,	BS_EV_POST_CREATE_CONTAINER,
		BS_EV_START_CONTAINER,	BS_EV_POST_START_CONTAINER,
		BS_EV_STOP_CONTAINER,	BS_EV_REMOVE_CONTAINER,
		BS_EV_STOP_POD_SANDBOX, BS_EV_REMOVE_POD_SANDBOX,
	};
	struct bs_pod pod = nri_t_pod("pod0");
	struct bs_container ctr = mkctr("c", BS_CTR_UNKNOWN);

	mk_dir();
	for (size_t m = 0; m < N_MODES; m++) {
		struct bs_nri_runtime *rt = mode_runtime(modes[m]);
		struct bs_nri_runtime_stats rs;
		struct bs_nri_stats st;
		struct runner r;

		start(&r, sock, "beesting", "10", 0);
		cr_assert_eq(bs_nri_runtime_accept(rt, 5000, NULL, 0, NULL, 0),
			     0, "v0.%d", modes[m]);
		cr_expect_eq(bs_nri_runtime_plugin_events(rt, 0), 0x07FFu,
			     "v0.%d: explicit mask, no validation", modes[m]);
		life(rt, &pod, &ctr);
		cr_expect_eq(r.seen.creates, 1);
		cr_expect_eq(r.seen.n_events, 8, "v0.%d", modes[m]);
		for (size_t i = 0; i < 8 && i < r.seen.n_events; i++)
			cr_expect_eq(r.seen.events[i], want[i],
				     "v0.%d event %zu", modes[m], i);
		bs_nri_runtime_stats(rt, &rs);
		cr_expect_eq(rs.fallbacks, 0, "v0.12 RPCs answered");
		cr_expect_eq(rs.drops, 0);
		bs_nri_plugin_stats(r.p, &st);
		cr_expect_eq(st.runtime_nri, (uint32_t)modes[m],
			     "the plugin knows the runtime's version");
		cr_expect_eq(st.events, 0x07FFu);
		cr_expect_eq(st.errors, 0);
		stop(&r);
		bs_nri_runtime_free(rt);
	}
	rm_dir();
}

#define BIG_PODS 50
#define BIG_CTRS 500
#define BIG_ENV	 40

/* 500 containers with ~10 KiB of environment each: ~5 MiB of state. */
static struct bs_container *big_ctrs(struct bs_pod *pods)
{
	static char env[BIG_ENV][256], ids[BIG_CTRS][16];
	static const char *envp[BIG_ENV];
	struct bs_container *c = calloc(BIG_CTRS, sizeof(*c));

	cr_assert_not_null(c);
	for (int i = 0; i < BIG_ENV; i++) {
		memset(env[i], 'x', sizeof(env[i]) - 1);
		snprintf(env[i], 16, "VAR_%02d=", i);
		env[i][strlen(env[i])] = 'x';
		envp[i] = env[i];
	}
	for (int i = 0; i < BIG_PODS; i++)
		pods[i] = nri_t_pod("pod0");
	for (int i = 0; i < BIG_CTRS; i++) {
		snprintf(ids[i], sizeof(ids[i]), "c%04d", i);
		c[i] = mkctr(ids[i], BS_CTR_RUNNING);
		c[i].env = envp;
		c[i].n_env = BIG_ENV;
	}
	return c;
}

/* NRI >= v0.7 resends a state past 4 MiB in `more` chunks: the plugin
 * answers each at once and hands the whole state to its handler once.
 * v0.4 cannot: the runtime drops the plugin, which reconnects. */
Test(nri_e2e, large_resync_in_every_protocol_mode, .timeout = 120)
{
	static struct bs_pod pods[BIG_PODS];
	struct bs_container *ctrs = big_ctrs(pods);

	mk_dir();
	for (size_t m = 0; m < N_MODES; m++) {
		struct bs_nri_runtime *rt = mode_runtime(modes[m]);
		struct bs_nri_runtime_stats rs;
		struct runner r;
		int err;

		start(&r, sock, "beesting", "10", 0);
		err = bs_nri_runtime_accept(rt, 5000, pods, BIG_PODS, ctrs,
					    BIG_CTRS);
		bs_nri_runtime_stats(rt, &rs);
		if (modes[m] < 7) {
			cr_expect_eq(err, -EMSGSIZE, "v0.%d", modes[m]);
			cr_expect_eq(r.seen.syncs, 0);
			/* the plugin lives on and comes back */
			cr_expect_eq(bs_nri_runtime_accept(rt, 5000, pods, 1,
							   NULL, 0),
				     0);
		} else {
			cr_expect_eq(err, 0, "v0.%d", modes[m]);
			cr_expect_geq(rs.syncs, 2, "split");
			expect_synced(&r.seen, 1, BIG_PODS, BIG_CTRS);
		}
		cr_expect_eq(bs_nri_runtime_n_plugins(rt), 1);
		stop(&r);
		bs_nri_runtime_free(rt);
	}
	free(ctrs);
	rm_dir();
}

/* A resync in more parts than the plugin holds (64): it answers every
 * part, hands on what it kept, counts the rest; the runtime admits it. */
Test(nri_e2e, resync_past_what_the_plugin_holds, .timeout = 60)
{
	static struct bs_pod pods[BIG_PODS];
	struct bs_container *ctrs = big_ctrs(pods);
	struct bs_nri_runtime_config cfg = { .sync_chunk = 1,
					     .nri_version = 8 };
	struct bs_nri_runtime *rt;
	struct bs_nri_stats st;
	struct runner r;

	rt = runtime_new(&cfg);
	start(&r, sock, "beesting", "10", 0);
	cr_expect_eq(bs_nri_runtime_accept(rt, 5000, NULL, 0, ctrs, 70), 0);
	expect_synced(&r.seen, 1, 0, 64);
	bs_nri_plugin_stats(r.p, &st);
	cr_expect_eq(st.sync_skipped, 6);
	cr_expect_eq(st.errors, 1);
	stop(&r);
	bs_nri_runtime_free(rt);
	free(ctrs);
	rm_dir();
}
