// SPDX-License-Identifier: Apache-2.0
/* Our plugin side against our runtime side over a real unix socket. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nri/plugin.h"
#include "nri/runtime.h"

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

static const struct bs_kv pod_ann[] = { { "kubernetes.io/config.source",
					  "api" } };
static const struct bs_kv ctr_lbl[] = { { "io.kubernetes.container.name",
					  "app" } };
static const struct bs_mount_view ctr_mnt[] = {
	{ .destination = "/etc/hosts", .type = "bind", .source = "/x/hosts" }
};

static struct bs_pod mkpod(const char *name)
{
	return (struct bs_pod){ .id = "pod-id-1",
				.name = name,
				.uid = "uid-1",
				.ns = "default",
				.annotations = pod_ann,
				.n_annotations = 1,
				.cgroup_parent = "/kubepods",
				.pid = 42 };
}

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

Test(nri_e2e, lifecycle_and_reconnect)
{
	struct bs_nri_runtime_config cfg = { .request_timeout_ms = 2000 };
	struct bs_pod pods[2] = { mkpod("pod0"), mkpod("pod1") };
	struct bs_container ctrs[1] = { mkctr("c-old", BS_CTR_RUNNING) };
	struct bs_container ctr = mkctr("c-new", BS_CTR_CREATED);
	struct bs_adjust *adj = malloc(sizeof(*adj));
	struct bs_nri_runtime *rt;
	struct runner r;
	struct bs_nri_stats st;

	mk_dir();
	cfg.socket_path = sock;
	rt = bs_nri_runtime_new(&cfg);
	cr_assert_not_null(rt);
	start(&r, sock, "beesting", "10",
	      BS_EV_MASK(BS_EV_CREATE_CONTAINER) |
		      BS_EV_MASK(BS_EV_STOP_CONTAINER) |
		      BS_EV_MASK(BS_EV_REMOVE_CONTAINER));
	cr_assert_eq(bs_nri_runtime_accept(rt, 5000, pods, 2, ctrs, 1), 0);
	cr_expect_eq(bs_nri_runtime_n_plugins(rt), 1);
	cr_expect_str_eq(bs_nri_runtime_plugin_name(rt, 0), "beesting");
	cr_expect_eq(r.seen.syncs, 1);
	cr_expect_eq(r.seen.sync_pods, 2);
	cr_expect_eq(r.seen.sync_ctrs, 1);

	bs_adjust_init(adj);
	cr_assert_eq(bs_nri_runtime_create_container(rt, &pods[0], &ctr, adj),
		     0);
	cr_assert_eq(adj->n_mounts, 1);
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
	cr_expect_eq(r.seen.syncs, 2);
	cr_expect_eq(r.seen.sync_pods, 1);
	bs_adjust_init(adj);
	cr_expect_eq(bs_nri_runtime_create_container(rt, &pods[1], &ctr, adj),
		     0);
	cr_expect_eq(adj->n_mounts, 1);
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
	struct bs_pod pods[3] = { mkpod("pod0"), mkpod("pod1"), mkpod("pod2") };
	struct bs_container ctrs[2] = { mkctr("a", BS_CTR_RUNNING),
					mkctr("b", BS_CTR_RUNNING) };
	struct bs_adjust *adj = malloc(sizeof(*adj));
	struct bs_nri_runtime *rt;
	struct runner r;

	mk_dir();
	cfg.socket_path = sock;
	rt = bs_nri_runtime_new(&cfg);
	cr_assert_not_null(rt);
	start(&r, sock, "beesting", "10", 0x07FF);
	cr_assert_eq(bs_nri_runtime_accept(rt, 5000, pods, 3, ctrs, 2), 0);
	cr_expect_eq(r.seen.syncs, 1, "handler called once for 3 chunks");
	cr_expect_eq(r.seen.sync_pods, 3);
	cr_expect_eq(r.seen.sync_ctrs, 2);

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
	struct bs_pod pod = mkpod("pod0");
	struct bs_container ctr = mkctr("c", BS_CTR_CREATED);
	struct bs_adjust *adj = malloc(sizeof(*adj));
	struct bs_nri_runtime *rt;
	struct runner a, b;

	mk_dir();
	cfg.socket_path = sock;
	rt = bs_nri_runtime_new(&cfg);
	cr_assert_not_null(rt);
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
