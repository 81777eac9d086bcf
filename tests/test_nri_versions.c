// SPDX-License-Identifier: Apache-2.0
/*
 * Our runtime side in each NRI protocol mode, seen from the wire.
 *
 * A raw plugin (no code of nri/plugin.c) records every request our runtime
 * side sends and answers generically.  v0.4 is checked field by field
 * against containerd v1.7.13's capture in test_nri_lifecycle.c; no capture
 * of a newer runtime exists here yet, so the other modes are checked
 * against expectations derived from containerd/nri's api.proto and
 * pkg/adaptation at v0.8.0, v0.10.0, v0.11.0 and v0.12.0 (named
 * "upstream_*" below): which methods carry each event, which Configure
 * fields are set, how a Synchronize past 4 MiB is split, which event
 * masks and plugin names are accepted, how messages are cut into frames.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/fs.h"
#include "nri/be32.h"
#include "nri/conn.h"
#include "nri/cri.h"
#include "nri/pb.h"
#include "nri/runtime.h"
#include "nri/version.h"
#include "tests/support/nri_util.h"

/* ---- a raw plugin ------------------------------------------------------- */

struct fake {
	char sock[100];
	const char *name;
	int32_t events;	 /* ConfigureResponse.events */
	int no_own_rpcs; /* answer v0.12 event RPCs UNIMPLEMENTED */
	int no_split;	 /* answer every Synchronize {more: false} */
	struct nri_t_msgs seen;
	pthread_t th;
};

static int is_event_rpc(const char *m)
{
	static const char *const rpcs[] = {
		"RunPodSandbox",       "StopPodSandbox",  "RemovePodSandbox",
		"PostCreateContainer", "StartContainer",  "PostStartContainer",
		"PostUpdateContainer", "RemoveContainer",
	};

	for (size_t i = 0; i < sizeof(rpcs) / sizeof(rpcs[0]); i++)
		if (!strcmp(m, rpcs[i]))
			return 1;
	return 0;
}

/* The reply to one request, as a complete frame (malloc'd). */
static uint8_t *answer(struct fake *f, const struct nri_t_msg *v, size_t *len)
{
	struct bs_ttrpc_msg t = { v->sid, v->type, 0, v->data, v->len };
	Ttrpc__Request *q = bs_ttrpc_decode_request(&t);
	PB(ConfigureResponse) cr = PB_INIT(CONFIGURE_RESPONSE);
	PB(SynchronizeResponse) sr = PB_INIT(SYNCHRONIZE_RESPONSE);
	const ProtobufCMessage *body = NULL;
	uint8_t payload[16], *msg, *frame;
	size_t plen = 0, mlen;
	int code = BS_RPC_OK;

	if (!q)
		return NULL;
	if (!strcmp(q->method, "Configure")) {
		cr.events = f->events;
		body = &cr.base;
	} else if (!strcmp(q->method, "Synchronize")) {
		PB(SynchronizeRequest) *s = pb_(synchronize_request__unpack)(
			NULL, q->payload.len, q->payload.data);

		sr.more = s && s->more && !f->no_split;
		if (s)
			pb_(synchronize_request__free_unpacked)(s, NULL);
		body = &sr.base;
	} else if (f->no_own_rpcs && is_event_rpc(q->method)) {
		code = BS_RPC_UNIMPLEMENTED;
	}
	if (body)
		plen = protobuf_c_message_pack(body, payload);
	if (bs_ttrpc_encode_response(v->sid, code, "method",
				     plen ? payload : NULL, plen, &msg,
				     &mlen)) {
		ttrpc__request__free_unpacked(q, NULL);
		return NULL;
	}
	ttrpc__request__free_unpacked(q, NULL);
	frame = nri_t_frame(1, msg, mlen);
	free(msg);
	*len = mlen + 8;
	return frame;
}

static int dial(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	for (int i = 0; i < 200; i++) {
		if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			return fd;
		usleep(10000);
	}
	close(fd);
	return -1;
}

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	PB(RegisterPluginRequest) reg = PB_INIT(REGISTER_PLUGIN_REQUEST);
	static uint8_t buf[1 << 16];
	size_t answered = 0, len;
	uint8_t *out;
	int fd = dial(f->sock);

	if (fd < 0)
		return NULL;
	reg.plugin_name = (char *)f->name;
	reg.plugin_idx = "10";
	if (!nri_t_request(2, 1, BS_NRI_RUNTIME_SERVICE, "RegisterPlugin",
			   &reg.base, &out, &len)) {
		bs_write_all(fd, out, len);
		free(out);
	}
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n <= 0 || nri_t_msgs_feed(&f->seen, buf, (size_t)n))
			break;
		for (; answered < f->seen.n; answered++) {
			const struct nri_t_msg *v = &f->seen.v[answered];

			if (v->conn != 1 || v->type != BS_TTRPC_REQUEST)
				continue;
			out = answer(f, v, &len);
			if (out)
				bs_write_all(fd, out, len);
			free(out);
		}
	}
	close(fd);
	return NULL;
}

/* ---- one session --------------------------------------------------------- */

struct req {
	char method[64];
	uint32_t sid;
	ProtobufCMessage *msg;
};

#define MAX_REQS 64

struct session {
	int mode;
	struct fake f;
	struct req r[MAX_REQS];
	size_t n;
	int accept_err;
	struct bs_nri_runtime_stats st;
	uint32_t events; /* the mask our runtime side recorded */
	char dir[32];
};

typedef void (*drive_fn)(struct bs_nri_runtime *rt);

/* Every request of the session, each payload decoded with the type of
 * its method (a payload that does not decode fails the test). */
static void decode_all(struct session *s)
{
	for (size_t i = 0; i < s->f.seen.n; i++) {
		const struct nri_t_msg *v = &s->f.seen.v[i];
		struct bs_ttrpc_msg t = { v->sid, v->type, 0, v->data, v->len };
		const ProtobufCMessageDescriptor *d;
		Ttrpc__Request *q;
		struct req *r = &s->r[s->n];

		if (v->conn != 1 || v->type != BS_TTRPC_REQUEST)
			continue;
		cr_assert_lt(s->n, MAX_REQS);
		q = bs_ttrpc_decode_request(&t);
		cr_assert_not_null(q);
		cr_expect_str_eq(q->service, BS_NRI_PLUGIN_SERVICE);
		snprintf(r->method, sizeof(r->method), "%s", q->method);
		r->sid = v->sid;
		d = nri_t_request_desc(q->method);
		cr_assert_not_null(d, "v0.%d: unexpected method %s", s->mode,
				   q->method);
		r->msg = protobuf_c_message_unpack(d, NULL, q->payload.len,
						   q->payload.data);
		cr_assert_not_null(r->msg, "%s payload decodes as %s",
				   q->method, d->name);
		ttrpc__request__free_unpacked(q, NULL);
		s->n++;
	}
}

static void run_session(struct session *s, int mode, const struct bs_pod *pods,
			size_t np, const struct bs_container *ctrs, size_t nc,
			drive_fn drive)
{
	struct bs_nri_runtime *rt;

	s->mode = mode;
	if (!s->f.name)
		s->f.name = "beesting";
	strcpy(s->dir, "/tmp/bs-nriv-XXXXXX");
	cr_assert_not_null(mkdtemp(s->dir));
	snprintf(s->f.sock, sizeof(s->f.sock), "%s/nri.sock", s->dir);
	struct bs_nri_runtime_config cfg = { .socket_path = s->f.sock,
					     .runtime_name = "containerd",
					     .nri_version = mode };
	rt = bs_nri_runtime_new(&cfg);
	cr_assert_not_null(rt, "mode v0.%d", mode);
	cr_assert_eq(bs_nri_runtime_nri_version(rt), mode);
	nri_t_msgs_init(&s->f.seen);
	cr_assert_eq(pthread_create(&s->f.th, NULL, fake_main, &s->f), 0);
	s->accept_err = bs_nri_runtime_accept(rt, 5000, pods, np, ctrs, nc);
	s->events = bs_nri_runtime_plugin_events(rt, 0);
	if (!s->accept_err && drive)
		drive(rt);
	bs_nri_runtime_stats(rt, &s->st);
	bs_nri_runtime_free(rt); /* EOF ends the plugin */
	pthread_join(s->f.th, NULL);
	decode_all(s);
	rmdir(s->dir);
}

static void end_session(struct session *s)
{
	for (size_t i = 0; i < s->n; i++)
		protobuf_c_message_free_unpacked(s->r[i].msg, NULL);
	nri_t_msgs_free(&s->f.seen);
}

/* ---- a pod life cycle through nri/cri.c ---------------------------------- */

static const char *const ctr_args[] = { "/bin/sleep", "3600" };
static const struct bs_container ctr = { .id = "ctr-1",
					 .pod_id = "pod-id-1",
					 .name = "app",
					 .args = ctr_args,
					 .n_args = 2 };

static void drive_life(struct bs_nri_runtime *rt)
{
	const struct bs_pod pod = nri_t_pod("victim");
	struct bs_adjust *adj = calloc(1, sizeof(*adj));
	struct bs_cri_ctr c;

	cr_assert_not_null(adj);
	bs_adjust_init(adj);
	cr_assert_eq(bs_cri_ctr_init(&c, &pod, &ctr), 0);
	cr_expect_eq(bs_cri_run_pod(rt, &pod), 0);
	cr_expect_eq(bs_cri_create(rt, &c, adj), 0);
	cr_expect_eq(bs_cri_post_create(rt, &c), 0);
	cr_expect_eq(bs_cri_start(rt, &c, 4242), 0);
	cr_expect_eq(bs_cri_post_start(rt, &c), 0);
	cr_expect_eq(bs_cri_stop(rt, &c), 0);
	cr_expect_eq(bs_cri_remove(rt, &c), 0);
	cr_expect_eq(bs_cri_stop_pod(rt, &pod), 0);
	cr_expect_eq(bs_cri_remove_pod(rt, &pod), 0);
	bs_cri_ctr_fini(&c);
	bs_adjust_free(adj);
	free(adj);
}

static const char *const legacy_methods[] = {
	"Configure",   "Synchronize", "StateChange", "CreateContainer",
	"StateChange", "StateChange", "StateChange", "StopContainer",
	"StateChange", "StateChange", "StateChange",
};
static const int legacy_events[] = { 0,
				     0,
				     BS_EV_RUN_POD_SANDBOX,
				     0,
				     BS_EV_POST_CREATE_CONTAINER,
				     BS_EV_START_CONTAINER,
				     BS_EV_POST_START_CONTAINER,
				     0,
				     BS_EV_REMOVE_CONTAINER,
				     BS_EV_STOP_POD_SANDBOX,
				     BS_EV_REMOVE_POD_SANDBOX };
/* upstream v0.12.0 pkg/adaptation: one RPC per event */
static const char *const own_methods[] = {
	"Configure",	      "Synchronize",	     "RunPodSandbox",
	"CreateContainer",    "PostCreateContainer", "StartContainer",
	"PostStartContainer", "StopContainer",	     "RemoveContainer",
	"StopPodSandbox",     "RemovePodSandbox",
};

static void expect_methods(const struct session *s, const char *const *want,
			   size_t n)
{
	cr_expect_eq(s->n, n, "v0.%d: %zu requests, not %zu", s->mode, s->n, n);
	for (size_t i = 0; i < n && i < s->n; i++)
		cr_expect_str_eq(s->r[i].method, want[i], "v0.%d request %zu",
				 s->mode, i);
}

static const ProtobufCMessage *sub(const ProtobufCMessage *m, const char *name)
{
	const ProtobufCFieldDescriptor *f =
		protobuf_c_message_descriptor_get_field_by_name(m->descriptor,
								name);

	return f ? *(ProtobufCMessage *const *)((const char *)m + f->offset)
		 : NULL;
}

/* Same bytes for the pod (and container) of two requests. */
static void expect_same_objects(const ProtobufCMessage *a,
				const ProtobufCMessage *b, size_t i)
{
	static const char *const names[] = { "pod", "container" };

	for (int k = 0; k < 2; k++) {
		const ProtobufCMessage *x = sub(a, names[k]),
				       *y = sub(b, names[k]);
		size_t nx = x ? protobuf_c_message_get_packed_size(x) : 0;
		size_t ny = y ? protobuf_c_message_get_packed_size(y) : 0;
		uint8_t *bx = malloc(nx + 1), *by = malloc(ny + 1);

		cr_assert(bx && by);
		if (x)
			protobuf_c_message_pack(x, bx);
		if (y)
			protobuf_c_message_pack(y, by);
		cr_expect(nx == ny && !memcmp(bx, by, nx),
			  "request %zu: same %s as v0.4's", i, names[k]);
		free(bx);
		free(by);
	}
}

static const int modes[] = { 4, 8, 10, 11, 12 };
#define N_MODES (sizeof(modes) / sizeof(modes[0]))
#define N_LIFE	(sizeof(legacy_methods) / sizeof(legacy_methods[0]))

Test(nri_versions, upstream_event_methods_per_mode, .timeout = 60)
{
	static struct session s[N_MODES];

	for (size_t m = 0; m < N_MODES; m++) {
		memset(&s[m], 0, sizeof(s[m]));
		run_session(&s[m], modes[m], NULL, 0, NULL, 0, drive_life);
		cr_assert_eq(s[m].accept_err, 0, "v0.%d admitted", modes[m]);
		expect_methods(&s[m],
			       modes[m] >= 12 ? own_methods : legacy_methods,
			       N_LIFE);
		cr_expect_eq(s[m].st.fallbacks, 0);
	}
	/* v0.4 (the golden-checked mode) vs each other mode: the same pod
	 * and container in every request; StateChange names its event */
	for (size_t m = 0; m < N_MODES; m++)
		for (size_t i = 2; i < N_LIFE && i < s[m].n && i < s[0].n;
		     i++) {
			expect_same_objects(s[m].r[i].msg, s[0].r[i].msg, i);
			if (legacy_events[i] &&
			    !strcmp(s[m].r[i].method, "StateChange"))
				cr_expect_eq((int)((PB(StateChangeEvent) *)s[m]
							   .r[i]
							   .msg)
						     ->event,
					     legacy_events[i]);
		}
	for (size_t m = 0; m < N_MODES; m++)
		end_session(&s[m]);
}

/* upstream v0.12.0 plugin_type.go: UNIMPLEMENTED -> the same event again
 * as StateChange, and StateChange for every later event (wrapOrigImpl). */
Test(nri_versions, upstream_v0_12_falls_back_to_state_change, .timeout = 30)
{
	static struct session s;
	static const char *const want[] = {
		"Configure",   "Synchronize",	  "RunPodSandbox",
		"StateChange", "CreateContainer", "StateChange",
		"StateChange", "StateChange",	  "StopContainer",
		"StateChange", "StateChange",	  "StateChange",
	};

	memset(&s, 0, sizeof(s));
	s.f.no_own_rpcs = 1;
	run_session(&s, 12, NULL, 0, NULL, 0, drive_life);
	cr_assert_eq(s.accept_err, 0);
	expect_methods(&s, want, sizeof(want) / sizeof(want[0]));
	cr_expect_eq(s.st.fallbacks, 1, "one fallback, then StateChange only");
	cr_expect_eq(s.st.drops, 0, "UNIMPLEMENTED is no failure");
	if (s.n > 3)
		cr_expect_eq((int)((PB(StateChangeEvent) *)s.r[3].msg)->event,
			     BS_EV_RUN_POD_SANDBOX);
	end_session(&s);
}

/* upstream ConfigureRequest: timeouts (ms) since v0.7.0, NRI_version
 * since v0.12.0; runtime_version is the mode's containerd release. */
Test(nri_versions, upstream_configure_fields_per_mode, .timeout = 60)
{
	static struct session s;

	for (size_t m = 0; m < N_MODES; m++) {
		PB(ConfigureRequest) * c;

		memset(&s, 0, sizeof(s));
		run_session(&s, modes[m], NULL, 0, NULL, 0, NULL);
		cr_assert_eq(s.accept_err, 0);
		cr_assert_geq(s.n, 1);
		cr_assert_str_eq(s.r[0].method, "Configure");
		c = (PB(ConfigureRequest) *)s.r[0].msg;
		cr_expect_str_eq(c->runtime_name, "containerd");
		cr_expect_str_eq(c->runtime_version,
				 bs_nri_mode_runtime_version(modes[m]));
		cr_expect_eq(c->registration_timeout, modes[m] >= 7 ? 5000 : 0,
			     "v0.%d", modes[m]);
		cr_expect_eq(c->request_timeout, modes[m] >= 7 ? 2000 : 0,
			     "v0.%d", modes[m]);
		cr_expect_str_eq(c->nri_version,
				 modes[m] >= 12 ? "v0.12.0" : "", "v0.%d",
				 modes[m]);
		cr_expect_eq(bs_nri_version_infer(c->runtime_name,
						  c->runtime_version,
						  c->nri_version),
			     modes[m], "a plugin infers the mode");
		end_session(&s);
	}
}

/* upstream configure(): a mask with bits outside ValidEvents closes the
 * plugin; 0 means ValidEvents (0x07FF before v0.10, 0x3FFF after). */
Test(nri_versions, upstream_event_mask_per_mode, .timeout = 60)
{
	static struct session s;

	for (size_t m = 0; m < N_MODES; m++) {
		int knows_v10 = modes[m] >= 10;

		memset(&s, 0, sizeof(s));
		s.f.events = 0x3FFF;
		run_session(&s, modes[m], NULL, 0, NULL, 0, NULL);
		if (knows_v10)
			cr_expect_eq(s.accept_err, 0, "v0.%d", modes[m]);
		else
			cr_expect_eq(s.accept_err, -EPROTO, "v0.%d", modes[m]);
		end_session(&s);

		memset(&s, 0, sizeof(s));
		run_session(&s, modes[m], NULL, 0, NULL, 0, NULL);
		cr_expect_eq(s.accept_err, 0);
		cr_expect_eq(s.events, knows_v10 ? 0x3FFFu : 0x07FFu,
			     "v0.%d: mask 0 = every valid event", modes[m]);
		end_session(&s);
	}
}

/* upstream RegisterPlugin: a non-empty name before v0.12, CheckPluginName
 * ([A-Za-z0-9_.+-]) from v0.12 on. */
Test(nri_versions, upstream_plugin_name_check, .timeout = 30)
{
	static const struct {
		int mode;
		const char *name;
		int admitted;
	} cases[] = {
		{ 11, "bee/sting", 1 },	       /* any non-empty name */
		{ 12, "bee/sting", 0 },	       /* CheckPluginName */
		{ 12, "beesting-2.0_x+y", 1 }, /* [A-Za-z0-9_.+-] */
	};
	static struct session s;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&s, 0, sizeof(s));
		s.f.name = cases[i].name;
		run_session(&s, cases[i].mode, NULL, 0, NULL, 0, NULL);
		cr_expect_eq(!s.accept_err, cases[i].admitted, "v0.%d: %s",
			     cases[i].mode, cases[i].name);
		if (!cases[i].admitted)
			cr_expect_eq(s.n, 0, "nothing sent to it");
		end_session(&s);
	}
}

/* ---- frames and large resyncs --------------------------------------------- */

/*
 * Walk the runtime's frames on conn 1: each ttrpc message begins in a
 * frame of min(message, 4096) bytes and the rest follows in one frame (a Go
 * runtime's 4096-byte bufio writer).  Returns the number of messages that
 * took two frames.
 */
static size_t expect_go_frames(const struct nri_t_msgs *m)
{
	size_t off = 0, split = 0, left = 0;

	while (off + 8 <= m->raw_len) {
		uint32_t conn = bs_get_be32(m->raw + off);
		uint32_t len = bs_get_be32(m->raw + off + 4);
		const uint8_t *pl = m->raw + off + 8;

		cr_assert_leq(off + 8 + len, m->raw_len);
		cr_assert_gt(len, 0, "no empty frames");
		if (conn == 1 && left) {
			cr_expect_eq(len, left, "the rest in one frame");
			left = 0;
		} else if (conn == 1) {
			size_t total = 10 + (size_t)bs_get_be32(pl);

			cr_expect_eq(len, total < 4096 ? total : 4096,
				     "first frame of a %zu-byte message",
				     total);
			left = total - len;
			split += left > 0;
		}
		off += 8 + len;
	}
	cr_expect_eq(off, m->raw_len);
	return split;
}

#define BIG_CTRS 500
#define ENV_VARS 40
#define ENV_LEN	 256

static char env_store[ENV_VARS][ENV_LEN];
static const char *env_ptrs[ENV_VARS];
static char ids[BIG_CTRS][16];
static struct bs_container big[BIG_CTRS];
static struct bs_pod big_pods[BIG_CTRS / 10];

/* 500 containers of ~10 KiB each: one Synchronize would be ~5 MiB. */
static void make_big(void)
{
	for (int i = 0; i < ENV_VARS; i++) {
		memset(env_store[i], 'a' + i % 26, ENV_LEN - 1);
		memcpy(env_store[i], "VAR", 3);
		env_store[i][5] = '=';
		env_store[i][3] = (char)('A' + i % 26);
		env_store[i][4] = (char)('A' + i / 26);
		env_ptrs[i] = env_store[i];
	}
	for (int i = 0; i < BIG_CTRS / 10; i++) {
		big_pods[i] = nri_t_pod("victim");
		big_pods[i].id = ids[i * 10];
	}
	for (int i = 0; i < BIG_CTRS; i++) {
		snprintf(ids[i], sizeof(ids[i]), "c%04d", i);
		big[i] = ctr;
		big[i].id = ids[i];
		big[i].pod_id = ids[i / 10 * 10];
		big[i].state = BS_CTR_RUNNING;
		big[i].pid = 1000 + (uint32_t)i;
		big[i].env = env_ptrs;
		big[i].n_env = ENV_VARS;
	}
}

Test(nri_versions, lifecycle_frames_as_go_writes_them, .timeout = 30)
{
	static struct session s;

	make_big();
	memset(&s, 0, sizeof(s));
	run_session(&s, 8, big_pods, 2, big, 2, drive_life);
	cr_assert_eq(s.accept_err, 0);
	cr_expect_geq(expect_go_frames(&s.f.seen), 1,
		      "the ~20 KiB Synchronize took two frames");
	end_session(&s);
}

/* upstream synchronize() + recalcObjsPerSyncMsg (v0.7.0+): the whole state
 * first; past 4 MiB the attempt is never sent (its stream id is used up)
 * and the state goes in chunks of fewer pods and containers, every chunk
 * but the last with more = true, each message within 4 MiB. */
Test(nri_versions, upstream_large_resync_split_by_more, .timeout = 60)
{
	static struct session s;
	static const int split_modes[] = { 8, 10, 12 };

	make_big();
	for (size_t m = 0; m < 3; m++) {
		size_t pods = 0, ctrs = 0, syncs = 0, mores = 0, last = 0;
		uint32_t cfg_sid = 0, first_sid = 0;

		memset(&s, 0, sizeof(s));
		run_session(&s, split_modes[m], big_pods, BIG_CTRS / 10, big,
			    BIG_CTRS, NULL);
		cr_assert_eq(s.accept_err, 0, "v0.%d", split_modes[m]);
		for (size_t i = 0; i < s.n; i++) {
			PB(SynchronizeRequest) * r;

			if (!strcmp(s.r[i].method, "Configure"))
				cfg_sid = s.r[i].sid;
			if (strcmp(s.r[i].method, "Synchronize"))
				continue;
			r = (PB(SynchronizeRequest) *)s.r[i].msg;
			if (!syncs++)
				first_sid = s.r[i].sid;
			cr_expect_leq(
				protobuf_c_message_get_packed_size(s.r[i].msg),
				BS_TTRPC_MAX_DATA);
			pods += r->n_pods;
			ctrs += r->n_containers;
			last = r->more;
			mores += r->more;
		}
		cr_expect_geq(syncs, 2, "split");
		cr_expect_eq(mores, syncs - 1, "more on all but the last");
		cr_expect_eq(s.st.syncs, syncs);
		cr_expect_eq(last, 0, "the last chunk ends it");
		cr_expect_eq(pods, BIG_CTRS / 10);
		cr_expect_eq(ctrs, BIG_CTRS);
		cr_expect_eq(first_sid, cfg_sid + 4,
			     "the oversized attempt used stream id %u",
			     cfg_sid + 2);
		expect_go_frames(&s.f.seen);
		end_session(&s);
	}
}

/* upstream synchronize(): a `more` part not answered {more: true} closes
 * the plugin ("plugin does not handle split sync requests"). */
Test(nri_versions, upstream_split_sync_unanswered_closes, .timeout = 60)
{
	static struct session s;

	make_big();
	memset(&s, 0, sizeof(s));
	s.f.no_split = 1;
	run_session(&s, 8, big_pods, BIG_CTRS / 10, big, BIG_CTRS, NULL);
	cr_expect_eq(s.accept_err, -EPROTO);
	cr_expect_eq(s.st.syncs, 1, "closed after the first part");
	end_session(&s);
}

/* NRI v0.4 cannot split: containerd 1.7.13 fails such a plugin. */
Test(nri_versions, v0_4_resync_past_4mib_fails_the_plugin, .timeout = 30)
{
	static struct session s;

	make_big();
	memset(&s, 0, sizeof(s));
	run_session(&s, 4, big_pods, BIG_CTRS / 10, big, BIG_CTRS, NULL);
	cr_expect_eq(s.accept_err, -EMSGSIZE);
	cr_expect_eq(s.st.syncs, 0, "nothing sent");
	end_session(&s);
}

/* ---- version numbers ------------------------------------------------------ */

Test(nri_versions, versions_from_configure)
{
	static const struct {
		const char *name, *version, *nri;
		int want;
	} v[] = {
		{ "containerd", "v1.7.6", "", 3 },
		{ "containerd", "v1.7.13", "", 4 },
		{ "containerd", "v1.7.14", "", 6 },
		{ "containerd", "v1.7.25", "", 6 },
		{ "containerd", "v1.7.26", "", 8 },
		{ "containerd", "1.7.30", "", 8 },
		{ "containerd", "v2.0.0", "", 8 },
		{ "containerd", "v2.1.6", "", 8 },
		{ "containerd", "v2.2.0", "", 10 },
		{ "containerd", "v2.2.1", "", 11 },
		{ "containerd", "v2.3.0-rc.1", "", 12 },
		{ "containerd", "v2.3.1", "v0.12.2", 12 },
		{ "cri-o", "1.34.0", "", 0 },
		{ "cri-o", "1.36.0", "v0.12.1", 12 },
		{ "containerd", "garbage", "", 0 },
		{ "containerd", "v1.6.0", "", 0 },
		{ NULL, NULL, "vX", 0 },
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		cr_expect_eq(
			bs_nri_version_infer(v[i].name, v[i].version, v[i].nri),
			v[i].want, "%s %s %s", v[i].name, v[i].version,
			v[i].nri);
	cr_expect_eq(bs_nri_valid_events(8), 0x07FFu);
	cr_expect_eq(bs_nri_valid_events(0), 0x07FFu);
	cr_expect_eq(bs_nri_valid_events(10), 0x3FFFu);
	cr_expect_eq(bs_nri_version_parse("v0.12.0"), 12);
	cr_expect_eq(bs_nri_version_parse("0.8"), 8);
	cr_expect_eq(bs_nri_version_parse("v1.0.0"), -EINVAL);
	cr_expect_eq(bs_nri_mode_check(9), -EINVAL, "no v0.9 mode");
	setenv(BS_NRI_MODE_ENV, "v0.12", 1);
	cr_expect_eq(bs_nri_mode_from_env(), 12);
	setenv(BS_NRI_MODE_ENV, "v0.9", 1);
	cr_expect_eq(bs_nri_mode_from_env(), -EINVAL);
	unsetenv(BS_NRI_MODE_ENV);
	cr_expect_eq(bs_nri_mode_from_env(), 4, "default: containerd 1.7.13");
}
