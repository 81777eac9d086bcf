// SPDX-License-Identifier: Apache-2.0
/* NRI runtime side (see runtime.h). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "nri/conn.h"
#include "nri/convert.h"
#include "nri/runtime.h"
#include "nri/version.h"

struct bs_nri_runtime;

struct rt_plugin {
	const struct bs_nri_runtime *rt;
	struct bs_nri_conn conn;
	char name[64];
	char idx[3];
	uint32_t mask;
	int registered;
	int dead;
	int legacy; /* answered UNIMPLEMENTED to a v0.12 event RPC */
};

struct bs_nri_runtime {
	char *path;
	char *name, *version;
	int mode; /* NRI minor version we speak */
	char nri_version[16];
	int lfd;
	int64_t req_timeout_ns, reg_timeout_ns;
	size_t sync_chunk;
	struct rt_plugin *plugins[BS_NRI_RT_MAX_PLUGINS];
	size_t n_plugins;
	struct bs_nri_runtime_stats st;
};

static int listen_on(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)];
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	strcpy(dir, path);
	if (mkdir(dirname(dir), 0700) < 0 && errno != EEXIST)
		return -errno;
	unlink(path); /* a stale socket from an earlier run */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 16) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

struct bs_nri_runtime *
bs_nri_runtime_new(const struct bs_nri_runtime_config *cfg)
{
	struct bs_nri_runtime *rt;
	int fd, mode;

	mode = cfg && cfg->nri_version ? bs_nri_mode_check(cfg->nri_version)
				       : bs_nri_mode_from_env();
	if (!cfg || !cfg->socket_path || mode < 0) {
		errno = EINVAL;
		return NULL;
	}
	rt = calloc(1, sizeof(*rt));
	if (!rt)
		return NULL;
	snprintf(rt->nri_version, sizeof(rt->nri_version), "v0.%d.0", mode);
	rt->lfd = -1;
	rt->mode = mode;
	rt->path = strdup(cfg->socket_path);
	rt->name = strdup(cfg->runtime_name ? cfg->runtime_name
					    : "beesting-harness");
	rt->version = strdup(cfg->runtime_version
				     ? cfg->runtime_version
				     : bs_nri_mode_runtime_version(mode));
	if (!rt->path || !rt->name || !rt->version) {
		bs_nri_runtime_free(rt);
		errno = ENOMEM;
		return NULL;
	}
	rt->req_timeout_ns =
		(cfg->request_timeout_ms > 0 ? cfg->request_timeout_ms : 2000) *
		1000000LL;
	rt->reg_timeout_ns =
		(cfg->registration_timeout_ms > 0 ? cfg->registration_timeout_ms
						  : 5000) *
		1000000LL;
	rt->sync_chunk = cfg->sync_chunk;
	fd = listen_on(cfg->socket_path);
	if (fd < 0) {
		bs_err("nri runtime: listen %s: %s", cfg->socket_path,
		       strerror(-fd));
		bs_nri_runtime_free(rt);
		errno = -fd;
		return NULL;
	}
	rt->lfd = fd;
	return rt;
}

static void plugin_free(struct rt_plugin *pl)
{
	bs_nri_conn_close(&pl->conn);
	free(pl);
}

void bs_nri_runtime_drop_all(struct bs_nri_runtime *rt)
{
	while (rt->n_plugins)
		plugin_free(rt->plugins[--rt->n_plugins]);
}

void bs_nri_runtime_free(struct bs_nri_runtime *rt)
{
	if (!rt)
		return;
	bs_nri_runtime_drop_all(rt);
	if (rt->lfd >= 0) {
		close(rt->lfd);
		unlink(rt->path);
	}
	free(rt->path);
	free(rt->name);
	free(rt->version);
	free(rt);
}

size_t bs_nri_runtime_n_plugins(const struct bs_nri_runtime *rt)
{
	return rt->n_plugins;
}

const char *bs_nri_runtime_plugin_name(const struct bs_nri_runtime *rt,
				       size_t i)
{
	return i < rt->n_plugins ? rt->plugins[i]->name : NULL;
}

int bs_nri_runtime_nri_version(const struct bs_nri_runtime *rt)
{
	return rt->mode;
}

uint32_t bs_nri_runtime_plugin_events(const struct bs_nri_runtime *rt, size_t i)
{
	return i < rt->n_plugins ? rt->plugins[i]->mask : 0;
}

void bs_nri_runtime_stats(const struct bs_nri_runtime *rt,
			  struct bs_nri_runtime_stats *out)
{
	*out = rt->st;
}

/* ---- the Runtime service the plugin calls (conn 2) --------------------- */

/* Before v0.12 a name only had to be non-empty (our buffer sets a
 * length cap); from v0.12 on, [A-Za-z0-9_.+-] only. */
static int valid_plugin(const PB(RegisterPluginRequest) * r, int strict,
			char *why, size_t n)
{
	const char *s = r->plugin_name;

	if (strlen(r->plugin_idx) != 2 || r->plugin_idx[0] < '0' ||
	    r->plugin_idx[0] > '9' || r->plugin_idx[1] < '0' ||
	    r->plugin_idx[1] > '9') {
		snprintf(why, n, "invalid plugin index: %.16s", r->plugin_idx);
		return 0;
	}
	if (!*s || strlen(s) >= 64) {
		snprintf(why, n, "invalid plugin name: %.64s", s);
		return 0;
	}
	for (; strict && *s; s++)
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') &&
		    !(*s >= '0' && *s <= '9') && !strchr("_.+-", *s)) {
			snprintf(why, n, "invalid plugin name: %.64s",
				 r->plugin_name);
			return 0;
		}
	return 1;
}

static int do_register(struct rt_plugin *pl, struct bs_nri_conn *c,
		       uint32_t sid, const ProtobufCBinaryData *pld, int strict)
{
	PB(RegisterPluginRequest) *r =
		pb_(register_plugin_request__unpack)(NULL, pld->len, pld->data);
	char why[128];
	int err;

	if (!r)
		return BS_RPC_INTERNAL;
	if (pl->registered) {
		snprintf(why, sizeof(why), "plugin already registered");
		err = bs_nri_conn_reply(c, BS_MUX_RUNTIME_CONN, sid,
					BS_RPC_UNKNOWN, why, NULL);
	} else if (!valid_plugin(r, strict, why, sizeof(why))) {
		bs_warn("nri runtime: %s", why);
		err = bs_nri_conn_reply(c, BS_MUX_RUNTIME_CONN, sid,
					BS_RPC_UNKNOWN, why, NULL);
		if (!err)
			err = -EINVAL;
	} else {
		snprintf(pl->name, sizeof(pl->name), "%s", r->plugin_name);
		memcpy(pl->idx, r->plugin_idx, 3);
		pl->registered = 1;
		err = bs_nri_conn_reply(c, BS_MUX_RUNTIME_CONN, sid, BS_RPC_OK,
					NULL, NULL);
	}
	pb_(register_plugin_request__free_unpacked)(r, NULL);
	return err;
}

static int serve_runtime(void *arg, struct bs_nri_conn *c, uint32_t sid,
			 const Ttrpc__Request *req)
{
	struct rt_plugin *pl = arg;
	PB(UpdateContainersResponse) resp = PB_INIT(UPDATE_CONTAINERS_RESPONSE);

	if (!strcmp(req->method, "RegisterPlugin"))
		return do_register(pl, c, sid, &req->payload,
				   pl->rt->mode >= 12);
	if (!strcmp(req->method, "UpdateContainers"))
		return bs_nri_conn_reply(c, BS_MUX_RUNTIME_CONN, sid, BS_RPC_OK,
					 NULL, &resp.base);
	return BS_RPC_UNIMPLEMENTED;
}

static int on_msg(void *arg, struct bs_nri_conn *c, uint32_t conn,
		  const struct bs_ttrpc_msg *m)
{
	if (conn == BS_MUX_RUNTIME_CONN)
		return bs_nri_conn_serve(c, conn, m, BS_NRI_RUNTIME_SERVICE,
					 serve_runtime, arg);
	/* conn 1 carries only replies to us; a late or unknown one is dropped */
	bs_warn("nri runtime: dropping type %u stream %u on conn 1", m->type,
		m->stream_id);
	return 0;
}

/* ---- calls to the plugin (conn 1) -------------------------------------- */

/* One call with the request timeout.  *resp NULL unless 0 is returned. */
static int call(struct bs_nri_runtime *rt, struct rt_plugin *pl,
		const char *method, const ProtobufCMessage *body,
		Ttrpc__Response **resp)
{
	int64_t t0 = bs_now_ns();
	int err =
		bs_nri_conn_call_wait(&pl->conn, BS_NRI_PLUGIN_SERVICE, method,
				      body, t0 + rt->req_timeout_ns, resp);
	uint64_t us = (uint64_t)(bs_now_ns() - t0) / 1000;

	rt->st.calls++;
	if (err == -EMSGSIZE)
		return err; /* never left: the caller may split it (sync) */
	if (err) {
		bs_warn("nri runtime: plugin %s: %s failed: %s; dropping it",
			pl->name, method, strerror(-err));
		pl->dead = 1;
		rt->st.drops++;
		return err;
	}
	rt->st.last_rtt_us = us;
	if (us > rt->st.max_rtt_us)
		rt->st.max_rtt_us = us;
	return 0;
}

/* Forget plugins marked dead during a round of calls. */
static void reap(struct bs_nri_runtime *rt)
{
	size_t j = 0;

	for (size_t i = 0; i < rt->n_plugins; i++) {
		if (rt->plugins[i]->dead)
			plugin_free(rt->plugins[i]);
		else
			rt->plugins[j++] = rt->plugins[i];
	}
	rt->n_plugins = j;
}

static int status_of(struct rt_plugin *pl, const char *method,
		     const Ttrpc__Response *r)
{
	int code = bs_nri_resp_code(r);

	if (!code)
		return 0;
	bs_warn("nri runtime: plugin %s: %s: code %d %s", pl->name, method,
		code, r->status->message);
	return -EREMOTEIO;
}

static int configure(struct bs_nri_runtime *rt, struct rt_plugin *pl)
{
	PB(ConfigureRequest) req = PB_INIT(CONFIGURE_REQUEST);
	PB(ConfigureResponse) * cr;
	Ttrpc__Response *r;
	int err;

	req.runtime_name = rt->name;
	req.runtime_version = rt->version;
	/* NRI < v0.7 (containerd <= 1.7.25) does not tell its timeouts */
	if (rt->mode >= 7) {
		req.registration_timeout = rt->reg_timeout_ns / 1000000;
		req.request_timeout = rt->req_timeout_ns / 1000000;
	}
	if (rt->mode >= 12)
		req.nri_version = rt->nri_version;
	err = call(rt, pl, "Configure", &req.base, &r);
	if (err)
		return err;
	err = status_of(pl, "Configure", r) ? -EPROTO : 0;
	cr = err ? NULL
		 : pb_(configure_response__unpack)(NULL, r->payload.len,
						   r->payload.data);
	if (!err && !cr)
		err = -EBADMSG;
	if (!err) {
		uint32_t valid = bs_nri_valid_events(rt->mode);

		pl->mask = cr->events ? (uint32_t)cr->events : valid;
		if (pl->mask & ~valid) {
			bs_warn("nri runtime: plugin %s: invalid event mask "
				"0x%x",
				pl->name, pl->mask);
			err = -EPROTO;
		}
		pb_(configure_response__free_unpacked)(cr, NULL);
	}
	ttrpc__response__free_unpacked(r, NULL);
	return err;
}

/* One Synchronize message with pods [p0,p1) and containers [c0,c1).
 * -EMSGSIZE (nothing sent) with *size set when it would pass 4 MiB. */
static int sync_one(struct bs_nri_runtime *rt, struct rt_plugin *pl,
		    const struct bs_pod *pods, size_t p0, size_t p1,
		    const struct bs_container *ctrs, size_t c0, size_t c1,
		    int more, size_t *size)
{
	PB(SynchronizeRequest) req = PB_INIT(SYNCHRONIZE_REQUEST);
	PB(SynchronizeResponse) *sr = NULL;
	struct bs_arena a = { 0 };
	Ttrpc__Response *r = NULL;
	int err = 0;

	req.pods = bs_arena_alloc(&a, (p1 - p0 + 1) * sizeof(void *));
	req.containers = bs_arena_alloc(&a, (c1 - c0 + 1) * sizeof(void *));
	if (!req.pods || !req.containers)
		err = -ENOMEM;
	for (size_t i = p0; i < p1 && !err; i++)
		if (!(req.pods[req.n_pods++] = bs_nri_pod_to_pb(&a, &pods[i])))
			err = -ENOMEM;
	for (size_t i = c0; i < c1 && !err; i++)
		if (!(req.containers[req.n_containers++] =
			      bs_nri_ctr_to_pb(&a, &ctrs[i])))
			err = -ENOMEM;
	req.more = more;
	if (!err) {
		/* + the ttrpc envelope: about what Go's ttrpc reports */
		*size = protobuf_c_message_get_packed_size(&req.base) + 64;
		err = call(rt, pl, "Synchronize", &req.base, &r);
		rt->st.syncs += err != -EMSGSIZE;
	}
	bs_arena_free(&a);
	if (err)
		return err;
	err = status_of(pl, "Synchronize", r) ? -EPROTO : 0;
	if (!err)
		sr = pb_(synchronize_response__unpack)(NULL, r->payload.len,
						       r->payload.data);
	/* a `more` chunk must be answered {more: true} and no updates (the
	 * reply to the last one is not checked, as in NRI) */
	if (!err && (!sr || (more && (!sr->more || sr->n_update)))) {
		bs_warn("nri runtime: plugin %s does not handle split sync",
			pl->name);
		err = -EPROTO;
	}
	if (sr)
		pb_(synchronize_response__free_unpacked)(sr, NULL);
	ttrpc__response__free_unpacked(r, NULL);
	return err;
}

#define SYNC_MIN_OBJS 8 /* NRI's minObjsPerMsg */

/* After an oversized attempt of `size` bytes: fewer objects per message,
 * scaled as NRI's recalcObjsPerSyncMsg does. */
static int sync_shrink(size_t *pp, size_t *cp, size_t size)
{
	double f = (double)BS_TTRPC_MAX_DATA / (double)size;

	if (*pp + *cp <= SYNC_MIN_OBJS || size <= BS_TTRPC_MAX_DATA)
		return -EMSGSIZE;
	if (f > 0.9)
		f = 0.9;
	*pp = (size_t)((double)*pp * f);
	*cp = (size_t)((double)*cp * f);
	if (*pp + *cp < SYNC_MIN_OBJS)
		*pp = *cp = SYNC_MIN_OBJS / 2;
	return 0;
}

static size_t min_sz(size_t a, size_t b)
{
	return a < b ? a : b;
}

/*
 * Everything in one message; past 4 MiB, NRI >= v0.7 resends it in chunks
 * of pp pods + cp containers (the last with more = false), older versions
 * fail.  sync_chunk (tests) caps the objects of each kind per message.
 */
static int synchronize(struct bs_nri_runtime *rt, struct rt_plugin *pl,
		       const struct bs_pod *pods, size_t np,
		       const struct bs_container *ctrs, size_t nc)
{
	size_t pp = rt->sync_chunk ? min_sz(np, rt->sync_chunk) : np;
	size_t cp = rt->sync_chunk ? min_sz(nc, rt->sync_chunk) : nc;
	size_t p = 0, c = 0, size = 0;
	int err;

	for (;;) {
		int more = p + pp < np || c + cp < nc;

		err = sync_one(rt, pl, pods, p, p + pp, ctrs, c, c + cp, more,
			       &size);
		if (err == -EMSGSIZE && rt->mode < 7) {
			bs_warn("nri runtime: plugin %s: state of %zu bytes "
				"passes 4 MiB, NRI v0.%d cannot split it",
				pl->name, size, rt->mode);
			return err;
		}
		if (err == -EMSGSIZE && !sync_shrink(&pp, &cp, size))
			continue;
		if (err || !more)
			return err;
		p += pp;
		c += cp;
		pp = min_sz(pp, np - p);
		cp = min_sz(cp, nc - c);
		if (!pp && !cp) { /* never an empty chunk while some are left */
			pp = min_sz(np - p, SYNC_MIN_OBJS / 2);
			cp = min_sz(nc - c, SYNC_MIN_OBJS / 2);
		}
	}
}

static void insert_sorted(struct bs_nri_runtime *rt, struct rt_plugin *pl)
{
	size_t i = rt->n_plugins;

	while (i > 0 && strcmp(rt->plugins[i - 1]->idx, pl->idx) > 0) {
		rt->plugins[i] = rt->plugins[i - 1];
		i--;
	}
	rt->plugins[i] = pl;
	rt->n_plugins++;
}

static int accept_fd(struct bs_nri_runtime *rt, int timeout_ms)
{
	struct pollfd pfd = { .fd = rt->lfd, .events = POLLIN };
	int r = poll(&pfd, 1, timeout_ms);
	int fd;

	if (r < 0)
		return -errno;
	if (r == 0)
		return -ETIMEDOUT;
	fd = accept4(rt->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

/* Read until RegisterPlugin has been handled or the deadline passes. */
static int await_register(struct rt_plugin *pl, int64_t deadline)
{
	int err = 0;

	while (!err && !pl->registered) {
		struct pollfd pfd = { .fd = pl->conn.fd, .events = POLLIN };
		int64_t left = (deadline - bs_now_ns()) / 1000000;

		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)(left > 1000 ? 1000 : left)) > 0)
			err = bs_nri_conn_read(&pl->conn);
	}
	return err;
}

int bs_nri_runtime_accept(struct bs_nri_runtime *rt, int timeout_ms,
			  const struct bs_pod *pods, size_t n_pods,
			  const struct bs_container *ctrs, size_t n_ctrs)
{
	struct rt_plugin *pl;
	int fd, err;

	if (rt->n_plugins == BS_NRI_RT_MAX_PLUGINS)
		return -ENOSPC;
	fd = accept_fd(rt, timeout_ms);
	if (fd < 0)
		return fd;
	pl = calloc(1, sizeof(*pl));
	if (!pl) {
		close(fd);
		return -ENOMEM;
	}
	strcpy(pl->name, "?");
	bs_nri_conn_init(&pl->conn, fd, BS_MUX_PLUGIN_CONN, on_msg, pl);
	pl->conn.go_frames = 1;
	pl->rt = rt;
	err = await_register(pl, bs_now_ns() + rt->reg_timeout_ns);
	if (!err)
		err = configure(rt, pl);
	if (!err)
		err = synchronize(rt, pl, pods, n_pods, ctrs, n_ctrs);
	if (err) {
		bs_warn("nri runtime: plugin %s not admitted: %s", pl->name,
			strerror(-err));
		plugin_free(pl);
		return err;
	}
	insert_sorted(rt, pl);
	bs_info("nri runtime: plugin %s-%s admitted, events 0x%x", pl->idx,
		pl->name, pl->mask);
	return 0;
}

/* ---- events ------------------------------------------------------------ */

static int create_one(struct bs_nri_runtime *rt, struct rt_plugin *pl,
		      const ProtobufCMessage *req, struct bs_adjust *out)
{
	PB(CreateContainerResponse) * cr;
	Ttrpc__Response *r;
	int err = call(rt, pl, "CreateContainer", req, &r);

	if (err)
		return 0; /* dropped: creation goes on without it */
	err = status_of(pl, "CreateContainer", r);
	if (!err) {
		cr = pb_(create_container_response__unpack)(
			NULL, r->payload.len, r->payload.data);
		if (!cr)
			err = -EBADMSG;
		else if (cr->adjust)
			err = bs_nri_adjust_from_pb(cr->adjust, out);
		if (cr)
			pb_(create_container_response__free_unpacked)(cr, NULL);
		if (err)
			bs_warn("nri runtime: plugin %s: bad adjustment: %s",
				pl->name, strerror(-err));
	}
	ttrpc__response__free_unpacked(r, NULL);
	return err;
}

int bs_nri_runtime_create_container(struct bs_nri_runtime *rt,
				    const struct bs_pod *pod,
				    const struct bs_container *ctr,
				    struct bs_adjust *out)
{
	PB(CreateContainerRequest) req = PB_INIT(CREATE_CONTAINER_REQUEST);
	struct bs_arena a = { 0 };
	int err = 0;

	req.pod = bs_nri_pod_to_pb(&a, pod);
	req.container = bs_nri_ctr_to_pb(&a, ctr);
	if (!req.pod || !req.container)
		err = -ENOMEM;
	for (size_t i = 0; i < rt->n_plugins && !err; i++)
		if (rt->plugins[i]->mask & BS_EV_MASK(BS_EV_CREATE_CONTAINER))
			err = create_one(rt, rt->plugins[i], &req.base, out);
	bs_arena_free(&a);
	reap(rt);
	return err;
}

int bs_nri_runtime_mount_source(struct bs_nri_runtime *rt,
				const struct bs_pod *pod,
				const struct bs_container *ctr,
				const char *dest, char *src, size_t n)
{
	struct bs_adjust adj;
	int err;

	bs_adjust_init(&adj);
	err = bs_nri_runtime_create_container(rt, pod, ctr, &adj);
	src[0] = '\0';
	for (size_t i = 0; !err && i < adj.n_mounts; i++)
		if (!strcmp(adj.mounts[i].destination, dest))
			snprintf(src, n, "%s", adj.mounts[i].source);
	bs_adjust_free(&adj);
	return err ? err : (src[0] ? 0 : -ENOENT);
}

/* One notification as it goes out: method + request, and for v0.12's
 * dedicated RPCs the StateChange to fall back to. */
struct note {
	enum bs_nri_event ev;
	const char *method;
	const ProtobufCMessage *req;
	const ProtobufCMessage *legacy; /* NULL: no fallback */
};

/* The reply's status for ev; a v0.12 RPC answered UNIMPLEMENTED is sent
 * again as StateChange, and so is every later event to that plugin. */
static int notify_one(struct bs_nri_runtime *rt, struct rt_plugin *pl,
		      const struct note *n)
{
	int use_legacy = n->legacy && pl->legacy;
	const char *method = use_legacy ? "StateChange" : n->method;
	Ttrpc__Response *r;
	int err;

	if (call(rt, pl, method, use_legacy ? n->legacy : n->req, &r))
		return 0; /* dropped: the event goes on without it */
	if (n->legacy && !use_legacy &&
	    bs_nri_resp_code(r) == BS_RPC_UNIMPLEMENTED) {
		ttrpc__response__free_unpacked(r, NULL);
		bs_info("nri runtime: plugin %s has no %s, using StateChange",
			pl->name, n->method);
		pl->legacy = 1;
		rt->st.fallbacks++;
		return notify_one(rt, pl, n);
	}
	err = status_of(pl, method, r);
	ttrpc__response__free_unpacked(r, NULL);
	return err;
}

/* Send n to every plugin subscribed to its event; only statuses count. */
static int notify_all(struct bs_nri_runtime *rt, const struct note *n)
{
	int ret = 0;

	for (size_t i = 0; i < rt->n_plugins; i++)
		if ((rt->plugins[i]->mask & BS_EV_MASK(n->ev)) &&
		    notify_one(rt, rt->plugins[i], n))
			ret = -EREMOTEIO;
	reap(rt);
	return ret;
}

int bs_nri_runtime_stop_container(struct bs_nri_runtime *rt,
				  const struct bs_pod *pod,
				  const struct bs_container *ctr)
{
	PB(StopContainerRequest) req = PB_INIT(STOP_CONTAINER_REQUEST);
	struct note n = { BS_EV_STOP_CONTAINER, "StopContainer", &req.base,
			  NULL };
	struct bs_arena a = { 0 };
	int err;

	req.pod = bs_nri_pod_to_pb(&a, pod);
	req.container = bs_nri_ctr_to_pb(&a, ctr);
	err = req.pod && req.container ? notify_all(rt, &n) : -ENOMEM;
	bs_arena_free(&a);
	return err;
}

/* NRI v0.12's own RPC for each StateChange event (api.proto service
 * Plugin); their requests are {1 pod} or {1 pod, 2 container}. */
static const char *const event_rpc[] = {
	[BS_EV_RUN_POD_SANDBOX] = "RunPodSandbox",
	[BS_EV_STOP_POD_SANDBOX] = "StopPodSandbox",
	[BS_EV_REMOVE_POD_SANDBOX] = "RemovePodSandbox",
	[BS_EV_POST_CREATE_CONTAINER] = "PostCreateContainer",
	[BS_EV_START_CONTAINER] = "StartContainer",
	[BS_EV_POST_START_CONTAINER] = "PostStartContainer",
	[BS_EV_POST_UPDATE_CONTAINER] = "PostUpdateContainer",
	[BS_EV_REMOVE_CONTAINER] = "RemoveContainer",
};

int bs_nri_runtime_state_change(struct bs_nri_runtime *rt, enum bs_nri_event ev,
				const struct bs_pod *pod,
				const struct bs_container *ctr)
{
	PB(StateChangeEvent) sc = PB_INIT(STATE_CHANGE_EVENT);
	PB(StopContainerRequest) own = PB_INIT(STOP_CONTAINER_REQUEST);
	struct note n = { ev, "StateChange", &sc.base, NULL };
	struct bs_arena a = { 0 };
	int err;

	if (ev < BS_EV_RUN_POD_SANDBOX || ev > BS_EV_REMOVE_CONTAINER ||
	    !event_rpc[ev] || !pod)
		return -EINVAL;
	sc.event = (PB(Event))ev;
	sc.pod = own.pod = bs_nri_pod_to_pb(&a, pod);
	sc.container = own.container = ctr ? bs_nri_ctr_to_pb(&a, ctr) : NULL;
	if (rt->mode >= 12)
		n = (struct note){ ev, event_rpc[ev], &own.base, &sc.base };
	err = sc.pod && (!ctr || sc.container) ? notify_all(rt, &n) : -ENOMEM;
	bs_arena_free(&a);
	return err;
}
