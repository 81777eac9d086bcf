// SPDX-License-Identifier: Apache-2.0
/* NRI plugin side (see plugin.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "nri/conn.h"
#include "nri/convert.h"
#include "nri/plugin.h"
#include "nri/version.h"

/* What one split Synchronize may hold in memory until its last part: a
 * real node's state is a few MiB (500 large containers: ~5 MiB). */
#define MAX_SYNC_CHUNKS 64
#define MAX_SYNC_BYTES	(64u << 20) /* wire bytes of the parts kept */
#define BACKOFF_MIN_MS	100

struct bs_nri_plugin {
	char *socket_path, *name, *idx;
	int backoff_max_ms;
	struct bs_nri_handlers h;
	uint32_t mask;
	struct bs_nri_conn conn;
	int connected;
	int inherited_fd; /* -1: none or already used */
	int used_inherited;
	uint32_t reg_sid;
	int registered;
	PB(SynchronizeRequest) * chunks[MAX_SYNC_CHUNKS];
	size_t n_chunks;
	size_t sync_bytes;     /* of the parts kept */
	uint64_t sync_skipped; /* objects of parts past the caps */
	pthread_mutex_t stats_lock;
	struct bs_nri_stats st;
	uint32_t create_us[BS_NRI_CREATE_WINDOW]; /* ring */
	uint64_t n_create;
};

static int valid_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') &&
		    !(*s >= '0' && *s <= '9') && !strchr("_.+-", *s))
			return 0;
	return 1;
}

static int valid_idx(const char *s)
{
	return strlen(s) == 2 && s[0] >= '0' && s[0] <= '9' && s[1] >= '0' &&
	       s[1] <= '9';
}

/* NRI_PLUGIN_SOCKET=<fd> from a runtime that launched us; -1 if unset. */
static int inherited_fd(void)
{
	const char *v = getenv("NRI_PLUGIN_SOCKET");
	char *end;
	long fd;

	if (!v || !*v)
		return -1;
	errno = 0;
	fd = strtol(v, &end, 10);
	if (errno || *end || fd < 0 || fd > 65535 ||
	    fcntl((int)fd, F_GETFD) < 0) {
		bs_warn("nri: ignoring bad NRI_PLUGIN_SOCKET=%.32s", v);
		return -1;
	}
	return (int)fd;
}

static void stat_add(struct bs_nri_plugin *p, int req, int err, int64_t ns)
{
	pthread_mutex_lock(&p->stats_lock);
	p->st.requests += req;
	p->st.errors += err;
	if (ns >= 0) {
		p->st.last_handler_us = (uint64_t)ns / 1000;
		if (p->st.last_handler_us > p->st.max_handler_us)
			p->st.max_handler_us = p->st.last_handler_us;
	}
	pthread_mutex_unlock(&p->stats_lock);
}

struct bs_nri_plugin *bs_nri_plugin_new(const struct bs_nri_plugin_config *cfg,
					const struct bs_nri_handlers *h)
{
	const char *name = cfg && cfg->name ? cfg->name : "beesting";
	const char *idx = cfg && cfg->idx ? cfg->idx : "10";
	const char *path = cfg && cfg->socket_path ? cfg->socket_path
						   : BS_NRI_DEFAULT_SOCKET;
	struct bs_nri_plugin *p;

	if (!h || !valid_name(name) || !valid_idx(idx) ||
	    strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->socket_path = strdup(path);
	p->name = strdup(name);
	p->idx = strdup(idx);
	if (!p->socket_path || !p->name || !p->idx) {
		bs_nri_plugin_free(p);
		errno = ENOMEM;
		return NULL;
	}
	p->backoff_max_ms =
		cfg && cfg->backoff_max_ms > 0 ? cfg->backoff_max_ms : 5000;
	p->h = *h;
	/* Always an explicit mask: 0 would mean "every event this runtime
	 * knows", which from NRI v0.10 on includes validation requests. */
	p->mask = h->events ? h->events & BS_NRI_EVENTS_V1 : BS_NRI_EVENTS_V1;
	if (h->events & ~BS_NRI_EVENTS_V1)
		bs_warn("nri: event bits 0x%x have no handler here, dropped",
			h->events & ~BS_NRI_EVENTS_V1);
	if (!p->mask)
		p->mask = BS_EV_MASK(BS_EV_CREATE_CONTAINER);
	p->inherited_fd = inherited_fd();
	p->conn.fd = -1;
	pthread_mutex_init(&p->stats_lock, NULL);
	return p;
}

static void drop_chunks(struct bs_nri_plugin *p)
{
	for (size_t i = 0; i < p->n_chunks; i++)
		pb_(synchronize_request__free_unpacked)(p->chunks[i], NULL);
	p->n_chunks = 0;
	p->sync_bytes = 0;
	p->sync_skipped = 0;
}

static void disconnect(struct bs_nri_plugin *p)
{
	if (p->connected)
		bs_nri_conn_close(&p->conn);
	p->connected = 0;
	p->registered = 0;
	drop_chunks(p);
}

void bs_nri_plugin_free(struct bs_nri_plugin *p)
{
	if (!p)
		return;
	disconnect(p);
	free(p->socket_path);
	free(p->name);
	free(p->idx);
	pthread_mutex_destroy(&p->stats_lock);
	free(p);
}

/* 50 us to the runtime's 2 s plugin timeout */
const uint32_t bs_nri_create_bounds_us[BS_NRI_CREATE_BUCKETS] = {
	50,   100,   250,   500,    1000,    2500,
	5000, 10000, 50000, 250000, 1000000, 2000000,
};

static void hist_add(struct bs_nri_stats *st, uint64_t us)
{
	st->create_count++;
	st->create_sum_us += us;
	for (size_t i = 0; i < BS_NRI_CREATE_BUCKETS; i++)
		if (us <= bs_nri_create_bounds_us[i]) {
			st->create_hist[i]++;
			return;
		}
}

static void create_add(struct bs_nri_plugin *p, int64_t ns)
{
	uint64_t us = ns > 0 ? (uint64_t)ns / 1000 : 0;

	pthread_mutex_lock(&p->stats_lock);
	hist_add(&p->st, us);
	p->create_us[p->n_create++ % BS_NRI_CREATE_WINDOW] =
		us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
	pthread_mutex_unlock(&p->stats_lock);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentiles of the window (sorted copy: stats are rare). */
static void create_pcts(const struct bs_nri_plugin *p, struct bs_nri_stats *out)
{
	uint32_t v[BS_NRI_CREATE_WINDOW]; /* 4 KiB */
	size_t n = p->n_create < BS_NRI_CREATE_WINDOW ? (size_t)p->n_create
						      : BS_NRI_CREATE_WINDOW;

	out->creates = n;
	if (!n)
		return;
	memcpy(v, p->create_us, n * sizeof(v[0]));
	qsort(v, n, sizeof(v[0]), cmp_u32);
	out->create_p50_us = v[(n - 1) / 2];
	out->create_p99_us = v[(n * 99 + 99) / 100 - 1];
}

void bs_nri_plugin_stats(struct bs_nri_plugin *p, struct bs_nri_stats *out)
{
	pthread_mutex_lock(&p->stats_lock);
	*out = p->st;
	create_pcts(p, out);
	pthread_mutex_unlock(&p->stats_lock);
}

int bs_nri_plugin_fd(struct bs_nri_plugin *p)
{
	return p->connected ? p->conn.fd : -1;
}

/* ---- serving the Plugin service ---------------------------------------- */

static const PB(PodSandbox) empty_pod = PB_INIT(POD_SANDBOX);

/* Call the notification handler for a pod and an optional container. */
static void notify(struct bs_nri_plugin *p, enum bs_nri_event ev,
		   const PB(PodSandbox) * ppod, const PB(Container) * pctr)
{
	struct bs_pod pod;
	struct bs_container ctr;
	int64_t t0;
	int err;

	if (!p->h.event || ev < BS_EV_RUN_POD_SANDBOX ||
	    ev > BS_EV_REMOVE_CONTAINER)
		return;
	err = bs_nri_pod_from_pb(ppod ? ppod : &empty_pod, &pod);
	if (!err && pctr && (err = bs_nri_ctr_from_pb(pctr, &ctr)))
		bs_nri_pod_release(&pod);
	if (err) {
		bs_err("nri: event %d: %s", ev, strerror(-err));
		stat_add(p, 0, 1, -1);
		return;
	}
	t0 = bs_now_ns();
	err = p->h.event(p->h.arg, ev, &pod, pctr ? &ctr : NULL);
	stat_add(p, 0, err != 0, bs_now_ns() - t0);
	if (err)
		bs_warn("nri: event %d handler: %s", ev,
			strerror(err < 0 ? -err : err));
	if (pctr)
		bs_nri_ctr_release(&ctr);
	bs_nri_pod_release(&pod);
}

static int do_configure(struct bs_nri_plugin *p, struct bs_nri_conn *c,
			uint32_t sid, const ProtobufCBinaryData *pl)
{
	PB(ConfigureRequest) *req =
		pb_(configure_request__unpack)(NULL, pl->len, pl->data);
	PB(ConfigureResponse) resp = PB_INIT(CONFIGURE_RESPONSE);
	const char *how;
	int nri;

	if (!req)
		return BS_RPC_INTERNAL;
	nri = bs_nri_version_infer(req->runtime_name, req->runtime_version,
				   req->nri_version);
	how = *req->nri_version ? "reported" : nri ? "inferred" : "unknown";
	/* a subset of what every version knows, checked anyway: a bit the
	 * runtime does not know makes it close the connection */
	resp.events = (int32_t)(p->mask & bs_nri_valid_events(nri));
	bs_info("nri: configured by %s %s, NRI v0.%d (%s), events 0x%x",
		req->runtime_name, req->runtime_version, nri, how,
		(unsigned)resp.events);
	pthread_mutex_lock(&p->stats_lock);
	p->st.runtime_nri = (uint32_t)nri;
	p->st.events = (uint32_t)resp.events;
	pthread_mutex_unlock(&p->stats_lock);
	pb_(configure_request__free_unpacked)(req, NULL);
	return bs_nri_conn_reply(c, BS_MUX_PLUGIN_CONN, sid, BS_RPC_OK, NULL,
				 &resp.base);
}

/* Convert every pod and container of the gathered chunks, call the handler. */
static int sync_call(struct bs_nri_plugin *p)
{
	size_t np = 0, nc = 0, ip = 0, ic = 0;
	struct bs_container *ctrs;
	struct bs_pod *pods;
	int err = 0;

	for (size_t i = 0; i < p->n_chunks; i++) {
		np += p->chunks[i]->n_pods;
		nc += p->chunks[i]->n_containers;
	}
	pods = calloc(np ? np : 1, sizeof(*pods));
	ctrs = calloc(nc ? nc : 1, sizeof(*ctrs));
	if (!pods || !ctrs)
		err = -ENOMEM;
	for (size_t i = 0; i < p->n_chunks && !err; i++) {
		PB(SynchronizeRequest) *r = p->chunks[i];

		for (size_t j = 0; j < r->n_pods && !err; j++)
			if (!(err = bs_nri_pod_from_pb(r->pods[j], &pods[ip])))
				ip++;
		for (size_t j = 0; j < r->n_containers && !err; j++)
			if (!(err = bs_nri_ctr_from_pb(r->containers[j],
						       &ctrs[ic])))
				ic++;
	}
	if (!err && p->h.synchronize) {
		int64_t t0 = bs_now_ns();

		err = p->h.synchronize(p->h.arg, pods, np, ctrs, nc);
		stat_add(p, 0, 0, bs_now_ns() - t0);
	}
	while (ip)
		bs_nri_pod_release(&pods[--ip]);
	while (ic)
		bs_nri_ctr_release(&ctrs[--ic]);
	free(pods);
	free(ctrs);
	return err;
}

static int do_synchronize(struct bs_nri_plugin *p, struct bs_nri_conn *c,
			  uint32_t sid, const ProtobufCBinaryData *pl)
{
	PB(SynchronizeRequest) *req =
		pb_(synchronize_request__unpack)(NULL, pl->len, pl->data);
	PB(SynchronizeResponse) resp = PB_INIT(SYNCHRONIZE_RESPONSE);
	int err;

	if (!req)
		return BS_RPC_INTERNAL;
	resp.more = req->more;
	if (p->n_chunks < MAX_SYNC_CHUNKS &&
	    p->sync_bytes + pl->len <= MAX_SYNC_BYTES) {
		p->chunks[p->n_chunks++] = req;
		p->sync_bytes += pl->len;
	} else {
		/* fail open: answer on, hand over what was kept; refusing
		 * would only make the runtime drop us and resend it all */
		p->sync_skipped += req->n_pods + req->n_containers;
		pb_(synchronize_request__free_unpacked)(req, NULL);
	}
	if (resp.more) {
		return bs_nri_conn_reply(c, BS_MUX_PLUGIN_CONN, sid, BS_RPC_OK,
					 NULL, &resp.base);
	}
	if (p->sync_skipped) {
		bs_err("nri: synchronize past %d parts or %u MiB: "
		       "%llu pods and containers not handed on",
		       MAX_SYNC_CHUNKS, MAX_SYNC_BYTES >> 20,
		       (unsigned long long)p->sync_skipped);
		pthread_mutex_lock(&p->stats_lock);
		p->st.errors++;
		p->st.sync_skipped += p->sync_skipped;
		pthread_mutex_unlock(&p->stats_lock);
	}
	err = sync_call(p);
	drop_chunks(p);
	if (err) {
		/* fail open: a refused sync would only loop reconnecting */
		bs_err("nri: synchronize handler: %s",
		       strerror(err < 0 ? -err : err));
		stat_add(p, 0, 1, -1);
	}
	return bs_nri_conn_reply(c, BS_MUX_PLUGIN_CONN, sid, BS_RPC_OK, NULL,
				 &resp.base);
}

/* Run the create handler and pack its adjustment into resp. */
static int create_call(struct bs_nri_plugin *p,
		       const PB(CreateContainerRequest) * req,
		       struct bs_adjust *adj)
{
	struct bs_container ctr;
	struct bs_pod pod;
	int64_t t0;
	int err;

	err = bs_nri_pod_from_pb(req->pod ? req->pod : &empty_pod, &pod);
	if (err)
		goto bad;
	err = bs_nri_ctr_from_pb(req->container, &ctr);
	if (err) {
		bs_nri_pod_release(&pod);
		goto bad;
	}
	t0 = bs_now_ns();
	err = p->h.create_container
		      ? p->h.create_container(p->h.arg, &pod, &ctr, adj)
		      : 0;
	stat_add(p, 0, 0, bs_now_ns() - t0);
	bs_nri_ctr_release(&ctr);
	bs_nri_pod_release(&pod);
	return err;
bad:
	bs_warn("nri: create_container %s: %s", req->container->id,
		strerror(-err));
	return err;
}

/* Timed before the send: a runtime that has the reply sees the sample. */
static int reply_create(struct bs_nri_plugin *p, struct bs_nri_conn *c,
			uint32_t sid, PB(CreateContainerResponse) * resp,
			int64_t t0)
{
	create_add(p, bs_now_ns() - t0);
	return bs_nri_conn_reply(c, BS_MUX_PLUGIN_CONN, sid, BS_RPC_OK, NULL,
				 &resp->base);
}

static int do_create(struct bs_nri_plugin *p, struct bs_nri_conn *c,
		     uint32_t sid, const ProtobufCBinaryData *pl)
{
	PB(CreateContainerRequest) *req =
		pb_(create_container_request__unpack)(NULL, pl->len, pl->data);
	PB(CreateContainerResponse) resp = PB_INIT(CREATE_CONTAINER_RESPONSE);
	struct bs_arena arena = { 0 };
	struct bs_adjust *adj;
	int64_t t0 = bs_now_ns();
	char text[96];
	int err;

	if (!req)
		return BS_RPC_INTERNAL;
	if (!req->container) {
		pb_(create_container_request__free_unpacked)(req, NULL);
		return BS_RPC_INVALID_ARGUMENT;
	}
	adj = malloc(sizeof(*adj)); /* ~40 KiB: not on the stack */
	if (!adj) {
		pb_(create_container_request__free_unpacked)(req, NULL);
		return -ENOMEM;
	}
	bs_adjust_init(adj);
	err = create_call(p, req, adj);
	if (err) {
		/* the handler logged why (it decides fail-open/closed) */
		snprintf(text, sizeof(text), "beesting: create_container: %s",
			 strerror(err < 0 ? -err : err));
		stat_add(p, 0, 1, -1);
		create_add(p, bs_now_ns() - t0);
		err = bs_nri_conn_reply(c, BS_MUX_PLUGIN_CONN, sid,
					BS_RPC_UNKNOWN, text, NULL);
	} else {
		resp.adjust = bs_adjust_is_empty(adj)
				      ? NULL
				      : bs_nri_adjust_to_pb(&arena, adj);
		if (!bs_adjust_is_empty(adj) && !resp.adjust)
			err = -ENOMEM;
		else
			err = reply_create(p, c, sid, &resp, t0);
	}
	bs_arena_free(&arena);
	bs_adjust_free(adj);
	free(adj);
	pb_(create_container_request__free_unpacked)(req, NULL);
	return err;
}

/*
 * Requests shaped {1 pod, 2 container}: UpdateContainer (its field 3 is
 * skipped), StopContainer and the v0.12 dedicated notifications (the pod
 * ones have no field 2).  They share one wire layout, so one decoder serves
 * them; the reply is always empty.  ev 0: nothing to hand on, so nothing
 * decoded (UpdatePodSandbox's field 2 is not a container).
 */
static int do_pod_ctr(struct bs_nri_plugin *p, struct bs_nri_conn *c,
		      uint32_t sid, const ProtobufCBinaryData *pl,
		      enum bs_nri_event ev)
{
	PB(StopContainerRequest) * req;

	if (!ev)
		return bs_nri_conn_reply(c, BS_MUX_PLUGIN_CONN, sid, BS_RPC_OK,
					 NULL, NULL);
	req = pb_(stop_container_request__unpack)(NULL, pl->len, pl->data);
	if (!req)
		return BS_RPC_INTERNAL;
	notify(p, ev, req->pod, req->container);
	pb_(stop_container_request__free_unpacked)(req, NULL);
	return bs_nri_conn_reply(c, BS_MUX_PLUGIN_CONN, sid, BS_RPC_OK, NULL,
				 NULL);
}

static int do_state_change(struct bs_nri_plugin *p, struct bs_nri_conn *c,
			   uint32_t sid, const ProtobufCBinaryData *pl)
{
	PB(StateChangeEvent) *req =
		pb_(state_change_event__unpack)(NULL, pl->len, pl->data);

	if (!req)
		return BS_RPC_INTERNAL;
	notify(p, (enum bs_nri_event)req->event, req->pod, req->container);
	pb_(state_change_event__free_unpacked)(req, NULL);
	return bs_nri_conn_reply(c, BS_MUX_PLUGIN_CONN, sid, BS_RPC_OK, NULL,
				 NULL);
}

static const struct {
	const char *method;
	int ev; /* 0: reply empty, no handler (event outside bs_nri_event) */
} pod_ctr_methods[] = {
	{ "UpdateContainer", BS_EV_UPDATE_CONTAINER },
	{ "StopContainer", BS_EV_STOP_CONTAINER },
	{ "RunPodSandbox", BS_EV_RUN_POD_SANDBOX },
	{ "StopPodSandbox", BS_EV_STOP_POD_SANDBOX },
	{ "RemovePodSandbox", BS_EV_REMOVE_POD_SANDBOX },
	{ "PostCreateContainer", BS_EV_POST_CREATE_CONTAINER },
	{ "StartContainer", BS_EV_START_CONTAINER },
	{ "PostStartContainer", BS_EV_POST_START_CONTAINER },
	{ "PostUpdateContainer", BS_EV_POST_UPDATE_CONTAINER },
	{ "RemoveContainer", BS_EV_REMOVE_CONTAINER },
	/* v0.10+, only if subscribed (we never are): answered anyway, and
	 * an empty validation reply accepts (never fail a container) */
	{ "UpdatePodSandbox", 0 },
	{ "PostUpdatePodSandbox", 0 },
	{ "ValidateContainerAdjustment", 0 },
	{ "Shutdown", 0 },
};

static int serve_method(void *arg, struct bs_nri_conn *c, uint32_t sid,
			const Ttrpc__Request *req)
{
	const ProtobufCBinaryData *pl = &req->payload;
	struct bs_nri_plugin *p = arg;
	int rc;

	stat_add(p, 1, 0, -1);
	if (!strcmp(req->method, "Configure"))
		rc = do_configure(p, c, sid, pl);
	else if (!strcmp(req->method, "Synchronize"))
		rc = do_synchronize(p, c, sid, pl);
	else if (!strcmp(req->method, "CreateContainer"))
		rc = do_create(p, c, sid, pl);
	else if (!strcmp(req->method, "StateChange"))
		rc = do_state_change(p, c, sid, pl);
	else
		rc = BS_RPC_UNIMPLEMENTED;
	for (size_t i = 0;
	     rc == BS_RPC_UNIMPLEMENTED &&
	     i < sizeof(pod_ctr_methods) / sizeof(pod_ctr_methods[0]);
	     i++)
		if (!strcmp(req->method, pod_ctr_methods[i].method))
			rc = do_pod_ctr(p, c, sid, pl, pod_ctr_methods[i].ev);
	if (rc > 0)
		stat_add(p, 0, 1, -1);
	return rc;
}

/* Our RegisterPlugin reply (conn 2); anything else there is logged. */
static int on_runtime_conn(struct bs_nri_plugin *p,
			   const struct bs_ttrpc_msg *m)
{
	Ttrpc__Response *r;
	int code;

	if (m->type != BS_TTRPC_RESPONSE || !p->reg_sid ||
	    m->stream_id != p->reg_sid) {
		bs_warn("nri: unexpected message type %u stream %u on conn 2",
			m->type, m->stream_id);
		return 0;
	}
	p->reg_sid = 0;
	r = bs_ttrpc_decode_response(m);
	if (!r) {
		bs_err("nri: undecodable RegisterPlugin reply");
		return -EBADMSG;
	}
	code = bs_nri_resp_code(r);
	if (code)
		bs_err("nri: runtime refused registration: code %d %s", code,
		       r->status->message);
	else
		p->registered = 1;
	ttrpc__response__free_unpacked(r, NULL);
	return code ? -ECONNREFUSED : 0;
}

static int on_msg(void *arg, struct bs_nri_conn *c, uint32_t conn,
		  const struct bs_ttrpc_msg *m)
{
	struct bs_nri_plugin *p = arg;

	if (conn == BS_MUX_PLUGIN_CONN)
		return bs_nri_conn_serve(c, conn, m, BS_NRI_PLUGIN_SERVICE,
					 serve_method, p);
	return on_runtime_conn(p, m);
}

/* ---- connection -------------------------------------------------------- */

static int dial(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	strncpy(sa.sun_path, path, sizeof(sa.sun_path) - 1);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static int send_register(struct bs_nri_plugin *p)
{
	PB(RegisterPluginRequest) req = PB_INIT(REGISTER_PLUGIN_REQUEST);

	req.plugin_name = p->name;
	req.plugin_idx = p->idx;
	req.nri_version = BS_NRI_PLUGIN_NRI_VERSION;
	/* no deadline: the runtime enforces its own registration timeout */
	return bs_nri_conn_call(&p->conn, BS_NRI_RUNTIME_SERVICE,
				"RegisterPlugin", &req.base, 0, &p->reg_sid);
}

int bs_nri_plugin_connect(struct bs_nri_plugin *p)
{
	int fd, err;

	disconnect(p);
	if (p->inherited_fd >= 0) {
		fd = p->inherited_fd;
		p->inherited_fd = -1;
		p->used_inherited = 1;
	} else if (p->used_inherited) {
		return -ENOTCONN; /* a pre-launched plugin is never re-launched */
	} else {
		fd = dial(p->socket_path);
		if (fd < 0)
			return fd;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	bs_nri_conn_init(&p->conn, fd, BS_MUX_RUNTIME_CONN, on_msg, p);
	p->connected = 1;
	err = send_register(p);
	if (err)
		disconnect(p);
	return err;
}

int bs_nri_plugin_process(struct bs_nri_plugin *p)
{
	int err;

	if (!p->connected)
		return -ENOTCONN;
	err = bs_nri_conn_read(&p->conn);
	if (err) {
		if (err != -ECONNRESET)
			stat_add(p, 0, 1, -1);
		disconnect(p);
	}
	return err;
}

int bs_nri_plugin_feed(struct bs_nri_plugin *p, const uint8_t *buf, size_t n)
{
	int err;

	if (!p->connected) {
		bs_nri_conn_init(&p->conn, -1, BS_MUX_RUNTIME_CONN, on_msg, p);
		p->conn.discard_tx = 1;
		p->connected = 1;
		p->reg_sid = 1;
	}
	err = bs_nri_conn_feed(&p->conn, buf, n);
	if (err)
		disconnect(p);
	return err;
}

static void sleep_ms(int ms, volatile int *stop)
{
	while (ms > 0 && !*stop) {
		int step = ms < 50 ? ms : 50;
		struct timespec ts = { 0, step * 1000000L };

		nanosleep(&ts, NULL);
		ms -= step;
	}
}

/* Serve one connection until an error or *stop. */
static int serve(struct bs_nri_plugin *p, volatile int *stop)
{
	int err = 0;

	while (!*stop && !err) {
		struct pollfd pfd = { .fd = p->conn.fd, .events = POLLIN };
		int r = poll(&pfd, 1, 100);

		if (r < 0 && errno != EINTR)
			err = -errno;
		else if (r > 0)
			err = bs_nri_plugin_process(p);
	}
	return err;
}

int bs_nri_plugin_run(struct bs_nri_plugin *p, volatile int *stop)
{
	int backoff = BACKOFF_MIN_MS, ever = 0, err;

	while (!*stop) {
		err = bs_nri_plugin_connect(p);
		if (err == -ENOTCONN)
			return -ECONNRESET;
		if (err) {
			bs_warn("nri: connect %s: %s; retry in %d ms",
				p->socket_path, strerror(-err), backoff);
			sleep_ms(backoff, stop);
			backoff = backoff * 2 > p->backoff_max_ms
					  ? p->backoff_max_ms
					  : backoff * 2;
			continue;
		}
		if (ever) {
			pthread_mutex_lock(&p->stats_lock);
			p->st.reconnects++;
			pthread_mutex_unlock(&p->stats_lock);
			bs_info("nri: reconnected to %s", p->socket_path);
		}
		ever = 1;
		backoff = BACKOFF_MIN_MS;
		err = serve(p, stop);
		if (err && !*stop) {
			bs_warn("nri: connection lost: %s", strerror(-err));
			if (p->used_inherited)
				return err;
			sleep_ms(BACKOFF_MIN_MS, stop);
		}
	}
	disconnect(p);
	return 0;
}
