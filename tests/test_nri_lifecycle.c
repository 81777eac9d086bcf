// SPDX-License-Identifier: Apache-2.0
/*
 * Our NRI runtime side against containerd v1.7.13, one whole pod life cycle.
 *
 * The inputs are taken from the "fresh" capture in ../shared/nri-golden: the
 * pod of RUN_POD_SANDBOX, the container of CreateContainer, the container pid
 * of START_CONTAINER.  The same CRI sequence is driven through nri/cri.c and
 * our runtime side, against a plugin that answers with the golden plugin's
 * own replies (so it gets the same adjustment), and every request our side
 * sends is compared with the one containerd sent: method, order, and every
 * field of the NRI payload our api.proto knows, printed canonically (maps
 * sorted, empty sub-messages = absent).  Fields api.proto does not model
 * (linux namespaces and resources, pod cgroupsPath) and the ttrpc envelope's
 * timeout/metadata are not compared: no plugin of ours reads them.
 *
 * Captures of newer containerd releases (taken by the bench's NRI relay,
 * same layout, conn1.{runtime-to-plugin,plugin-to-runtime}.bin) are used
 * the same way against our runtime side in the matching protocol mode when
 * found in $BEESTING_NRI_CAPTURES/<runtime-version>/ or beside the goldens;
 * they are not committed (their bytes are containerd's).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/fs.h"
#include "nri/be32.h"
#include "nri/convert.h"
#include "nri/cri.h"
#include "nri/pb.h"
#include "nri/runtime.h"
#include "tests/support/nri_util.h"

/* ---- canonical text of a protobuf message ------------------------------ */

struct text {
	char *s;
	size_t len, cap;
};

static void put(struct text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		cr_assert_geq(n, 0);
		if ((size_t)n < t->cap - t->len)
			break;
		t->cap = t->cap * 2 + (size_t)n + 64;
		t->s = realloc(t->s, t->cap);
		cr_assert_not_null(t->s);
	}
	t->len += (size_t)n;
}

static void dump(struct text *t, const ProtobufCMessage *m);

static const void *field_at(const ProtobufCMessage *m,
			    const ProtobufCFieldDescriptor *f)
{
	return (const char *)m + f->offset;
}

static int strp_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t elem_size(const ProtobufCFieldDescriptor *f)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(void *);
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_UINT64:
		return 8;
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	default:
		return 4;
	}
}

/* The integer kinds api.proto uses (bool, enum, int32, uint32, int64) as
 * one number: both sides of a comparison print alike. */
static long long int_value(const ProtobufCFieldDescriptor *f, const void *p)
{
	if (elem_size(f) == 8)
		return (long long)*(const uint64_t *)p;
	if (f->type == PROTOBUF_C_TYPE_UINT32)
		return *(const uint32_t *)p;
	return *(const int32_t *)p; /* protobuf_c_boolean is an int */
}

static void dump_scalar(struct text *t, const ProtobufCFieldDescriptor *f,
			const void *p)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING:
		put(t, "\"%s\"", *(char *const *)p);
		break;
	case PROTOBUF_C_TYPE_BYTES:
		put(t, "bytes[%zu]", ((const ProtobufCBinaryData *)p)->len);
		break;
	case PROTOBUF_C_TYPE_MESSAGE: {
		const ProtobufCMessage *sub = *(ProtobufCMessage *const *)p;

		if (sub)
			dump(t, sub);
		break;
	}
	default:
		put(t, "%lld", int_value(f, p));
	}
}

static bool is_map_entry(const ProtobufCFieldDescriptor *f)
{
	const ProtobufCMessageDescriptor *d = f->descriptor;

	return f->type == PROTOBUF_C_TYPE_MESSAGE && d && strlen(d->name) > 5 &&
	       !strcmp(d->name + strlen(d->name) - 5, "Entry");
}

/* Map entries in sorted order: the wire order carries no meaning. */
static void dump_map(struct text *t, void *const *v, size_t n)
{
	char **kv = calloc(n + 1, sizeof(*kv));

	cr_assert_not_null(kv);
	for (size_t i = 0; i < n; i++) {
		struct text e = { 0 };

		dump(&e, v[i]);
		kv[i] = e.s ? e.s : strdup("");
	}
	qsort(kv, n, sizeof(*kv), strp_cmp);
	for (size_t i = 0; i < n; i++) {
		put(t, "%s%s", i ? "," : "", kv[i]);
		free(kv[i]);
	}
	free(kv);
}

static bool scalar_is_default(const ProtobufCFieldDescriptor *f, const void *p)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)p;

		return !s || !*s;
	}
	case PROTOBUF_C_TYPE_MESSAGE: {
		struct text sub = { 0 };
		const ProtobufCMessage *m = *(ProtobufCMessage *const *)p;
		bool empty;

		if (!m)
			return true;
		dump(&sub, m);
		empty = !sub.s || !strcmp(sub.s, "{}");
		free(sub.s);
		return empty;
	}
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_UINT64:
		return !*(const uint64_t *)p;
	case PROTOBUF_C_TYPE_BYTES:
		return !((const ProtobufCBinaryData *)p)->len;
	default:
		return !*(const uint32_t *)p;
	}
}

static void dump_field(struct text *t, const ProtobufCMessage *m,
		       const ProtobufCFieldDescriptor *f, bool *first)
{
	const void *p = field_at(m, f);

	if (f->label == PROTOBUF_C_LABEL_REPEATED) {
		size_t n = *(const size_t *)((const char *)m +
					     f->quantifier_offset);
		const char *v = *(char *const *)p;

		if (!n)
			return;
		put(t, "%s%s:[", *first ? "" : " ", f->name);
		if (is_map_entry(f)) {
			dump_map(t, (void *const *)v, n);
		} else {
			for (size_t i = 0; i < n; i++) {
				put(t, "%s", i ? "," : "");
				dump_scalar(t, f, v + i * elem_size(f));
			}
		}
		put(t, "]");
		*first = false;
		return;
	}
	if (scalar_is_default(f, p))
		return;
	put(t, "%s%s:", *first ? "" : " ", f->name);
	dump_scalar(t, f, p);
	*first = false;
}

static void dump(struct text *t, const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	bool first = true;

	put(t, "{");
	for (unsigned i = 0; i < d->n_fields; i++)
		dump_field(t, m, &d->fields[i], &first);
	put(t, "}");
}

/* ---- requests of one direction ---------------------------------------- */

struct req {
	char method[64];
	char *text; /* canonical payload */
	ProtobufCMessage *msg;
};

/* The runtime's requests to the plugin (conn 1), in order. */
static size_t requests(const struct nri_t_msgs *m, struct req *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n && n < cap; i++) {
		const struct nri_t_msg *v = &m->v[i];
		struct bs_ttrpc_msg t = { v->sid, v->type, 0, v->data, v->len };
		const ProtobufCMessageDescriptor *d;
		Ttrpc__Request *q;
		struct text txt = { 0 };

		if (v->conn != 1 || v->type != BS_TTRPC_REQUEST)
			continue;
		q = bs_ttrpc_decode_request(&t);
		cr_assert_not_null(q);
		snprintf(out[n].method, sizeof(out[n].method), "%s", q->method);
		d = nri_t_request_desc(q->method);
		cr_assert_not_null(d, "unexpected method %s", q->method);
		out[n].msg = protobuf_c_message_unpack(d, NULL, q->payload.len,
						       q->payload.data);
		cr_assert_not_null(out[n].msg, "%s payload decodes", q->method);
		dump(&txt, out[n].msg);
		out[n].text = txt.s;
		ttrpc__request__free_unpacked(q, NULL);
		n++;
	}
	return n;
}

static void free_reqs(struct req *r, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(r[i].text);
		protobuf_c_message_free_unpacked(r[i].msg, NULL);
	}
}

/* ---- a plugin that answers with the golden plugin's replies ------------ */

struct fake_plugin {
	char sock[108];
	struct nri_t_msgs golden_out; /* what the golden plugin wrote */
	struct nri_t_msgs seen;	      /* what our runtime side sent */
	pthread_t th;
};

static const struct nri_t_msg *golden_reply(struct fake_plugin *p, size_t k)
{
	for (size_t i = 0; i < p->golden_out.n; i++) {
		const struct nri_t_msg *v = &p->golden_out.v[i];

		if (v->conn == 1 && v->type == BS_TTRPC_RESPONSE && k-- == 0)
			return v;
	}
	return NULL;
}

static void send_msg(int fd, uint32_t conn, uint32_t sid, uint8_t type,
		     const uint8_t *body, uint32_t len)
{
	uint8_t *buf = malloc(18 + (size_t)len);

	cr_assert_not_null(buf);
	bs_put_be32(buf, conn);
	bs_put_be32(buf + 4, len + 10);
	bs_put_be32(buf + 8, len);
	bs_put_be32(buf + 12, sid);
	buf[16] = type;
	buf[17] = 0;
	if (len)
		memcpy(buf + 18, body, len);
	bs_write_all(fd, buf, 18 + (size_t)len);
	free(buf);
}

static void *plugin_main(void *arg)
{
	struct fake_plugin *p = arg;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const struct nri_t_msg *reg = &p->golden_out.v[0];
	size_t answered = 0, k = 0;
	uint8_t buf[65536];
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", p->sock);
	for (int i = 0; i < 200; i++) {
		if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			break;
		usleep(10000);
	}
	/* the golden RegisterPlugin, as the golden plugin sent it */
	send_msg(fd, reg->conn, reg->sid, reg->type, reg->data, reg->len);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n <= 0)
			break;
		nri_t_msgs_feed(&p->seen, buf, (size_t)n);
		for (; answered < p->seen.n; answered++) {
			const struct nri_t_msg *v = &p->seen.v[answered];
			const struct nri_t_msg *g;

			if (v->conn != 1 || v->type != BS_TTRPC_REQUEST)
				continue;
			g = golden_reply(p, k++);
			send_msg(fd, 1, v->sid, BS_TTRPC_RESPONSE,
				 g ? g->data : NULL, g ? g->len : 0);
		}
	}
	close(fd);
	return NULL;
}

static void load(const char *path, struct nri_t_msgs *m)
{
	uint8_t *buf;
	size_t len;

	if (nri_t_read_file(path, &buf, &len))
		cr_skip_test("capture %s missing: ../shared/nri-golden sits "
			     "beside the repository; newer runtimes' captures "
			     "are found through BEESTING_NRI_CAPTURES",
			     path);
	nri_t_msgs_init(m);
	cr_assert_eq(nri_t_msgs_feed(m, buf, len), 0, "%s parses", path);
	free(buf);
}

/* ---- the CRI inputs, from the golden requests --------------------------- */

static const PB(StateChangeEvent) *
	event_of(const struct req *g, size_t n, int ev)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(g[i].method, "StateChange") &&
		    (int)((PB(StateChangeEvent) *)g[i].msg)->event == ev)
			return (PB(StateChangeEvent) *)g[i].msg;
	return NULL;
}

static const PB(CreateContainerRequest) *
	create_of(const struct req *g, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(g[i].method, "CreateContainer"))
			return (PB(CreateContainerRequest) *)g[i].msg;
	return NULL;
}

/* Equal, or say where they part (Criterion cuts long messages). */
static void expect_same(size_t i, const char *method, const char *ours,
			const char *theirs)
{
	size_t at = 0, from;

	while (ours[at] && ours[at] == theirs[at])
		at++;
	if (!ours[at] && !theirs[at])
		return;
	from = at > 160 ? at - 160 : 0;
	if (getenv("NRI_T_VERBOSE"))
		fprintf(stderr, "ours:\n%s\ntheirs:\n%s\n", ours, theirs);
	cr_expect_fail("request %zu (%s) differs at byte %zu:\n ours:       "
		       "...%.240s\n containerd: ...%.240s",
		       i, method, at, ours + from, theirs + from);
}

/* One pod with one container through nri/cri.c, from the captured pod,
 * container and start pid; the container removed before its pod stops,
 * or after (remove_last). */
static void drive_life(struct bs_nri_runtime *rt, const PB(PodSandbox) * ppod,
		       const PB(Container) * pctr, uint32_t pid,
		       bool remove_last)
{
	struct bs_adjust *adj = calloc(1, sizeof(*adj));
	struct bs_container base;
	struct bs_cri_ctr c;
	struct bs_pod pod;

	cr_assert(ppod && pctr && adj, "capture inputs present");
	cr_assert_eq(bs_nri_pod_from_pb(ppod, &pod), 0);
	cr_assert_eq(bs_nri_ctr_from_pb(pctr, &base), 0);
	bs_adjust_init(adj);
	cr_assert_eq(bs_cri_ctr_init(&c, &pod, &base), 0);

	cr_assert_eq(bs_nri_runtime_accept(rt, 5000, NULL, 0, NULL, 0), 0);
	cr_assert_eq(bs_cri_run_pod(rt, &pod), 0);
	cr_assert_eq(bs_cri_create(rt, &c, adj), 0);
	cr_assert_eq(adj->n_mounts, 1, "the captured plugin's adjustment");
	cr_assert_eq(bs_cri_post_create(rt, &c), 0);
	cr_assert_eq(bs_cri_start(rt, &c, pid), 0);
	cr_assert_eq(bs_cri_post_start(rt, &c), 0);
	cr_assert_eq(bs_cri_stop(rt, &c), 0);
	if (!remove_last)
		cr_assert_eq(bs_cri_remove(rt, &c), 0);
	cr_assert_eq(bs_cri_stop_pod(rt, &pod), 0);
	if (remove_last)
		cr_assert_eq(bs_cri_remove_in_stopped_pod(rt, &c), 0);
	cr_assert_eq(bs_cri_remove_pod(rt, &pod), 0);

	bs_cri_ctr_fini(&c);
	bs_nri_ctr_release(&base);
	bs_nri_pod_release(&pod);
	bs_adjust_free(adj);
	free(adj);
}

static void drive_fresh(struct bs_nri_runtime *rt, const struct req *g,
			size_t ng)
{
	const PB(StateChangeEvent) *run =
		event_of(g, ng, BS_EV_RUN_POD_SANDBOX);
	const PB(StateChangeEvent) *start =
		event_of(g, ng, BS_EV_START_CONTAINER);
	const PB(CreateContainerRequest) *cc = create_of(g, ng);

	cr_assert(run && start && cc, "golden inputs present");
	drive_life(rt, run->pod, cc->container, start->container->pid, false);
}

typedef void (*driver_fn)(struct bs_nri_runtime *rt, const struct req *g,
			  size_t ng);

/* Drive our runtime side (configured as cfg, socket aside) with `drive`
 * against the captured plugin's replies, then compare every request with
 * the captured runtime's.  prefix: the capture files' path up to
 * "runtime-to-plugin.bin". */
static void compare_capture(const char *prefix, size_t want, driver_fn drive,
			    struct bs_nri_runtime_config cfg)
{
	struct nri_t_msgs golden_in;
	struct fake_plugin *p = calloc(1, sizeof(*p));
	struct req g[32], ours[32];
	char dir[] = "/tmp/bs-lifecycle-XXXXXX", file[512];
	size_t ng, no;

	cr_assert_not_null(p);
	snprintf(file, sizeof(file), "%sruntime-to-plugin.bin", prefix);
	load(file, &golden_in);
	snprintf(file, sizeof(file), "%splugin-to-runtime.bin", prefix);
	load(file, &p->golden_out);
	ng = requests(&golden_in, g, 32);
	cr_assert_eq(ng, want, "capture %s: %zu requests", prefix, ng);

	cr_assert_not_null(mkdtemp(dir));
	snprintf(p->sock, sizeof(p->sock), "%s/nri.sock", dir);
	cfg.socket_path = p->sock;
	struct bs_nri_runtime *rt = bs_nri_runtime_new(&cfg);

	cr_assert_not_null(rt);
	nri_t_msgs_init(&p->seen);
	cr_assert_eq(pthread_create(&p->th, NULL, plugin_main, p), 0);
	drive(rt, g, ng);
	bs_nri_runtime_free(rt); /* EOF ends the plugin */
	pthread_join(p->th, NULL);

	no = requests(&p->seen, ours, 32);
	cr_expect_eq(no, ng,
		     "same number of requests (ours %zu, containerd %zu)", no,
		     ng);
	for (size_t i = 0; i < no && i < ng; i++) {
		cr_expect_str_eq(ours[i].method, g[i].method, "request %zu", i);
		expect_same(i, g[i].method, ours[i].text, g[i].text);
	}
	free_reqs(ours, no);
	free_reqs(g, ng);
	nri_t_msgs_free(&golden_in);
	nri_t_msgs_free(&p->golden_out);
	nri_t_msgs_free(&p->seen);
	free(p);
	rmdir(dir);
}

/* A session of ../shared/nri-golden: containerd v1.7.13, NRI v0.4. */
static void compare_session(const char *session, size_t want, driver_fn drive)
{
	char prefix[256];

	snprintf(prefix, sizeof(prefix), NRI_T_GOLDEN "/%s.", session);
	compare_capture(prefix, want, drive,
			(struct bs_nri_runtime_config){
				.runtime_name = "containerd",
				.runtime_version = "v1.7.13",
				.nri_version = 4,
			});
}

/* fresh: RunPodSandbox, CreateContainer, StartContainer, StopContainer,
 * RemoveContainer, StopPodSandbox, RemovePodSandbox */
Test(nri_lifecycle, fresh_pod_life_cycle_as_containerd_sends_it, .timeout = 30)
{
	compare_session("fresh", 11, drive_fresh);
}

/* The plugin connects while the container runs: Synchronize names it
 * RUNNING with its pid and no adjustment; then it is stopped and removed. */
static void drive_resync(struct bs_nri_runtime *rt, const struct req *g,
			 size_t ng)
{
	const PB(SynchronizeRequest) *sy = NULL;
	struct bs_container base;
	struct bs_cri_view v;
	struct bs_cri_ctr c;
	struct bs_pod pod;

	for (size_t i = 0; i < ng; i++)
		if (!strcmp(g[i].method, "Synchronize"))
			sy = (PB(SynchronizeRequest) *)g[i].msg;
	cr_assert(sy && sy->n_pods == 1 && sy->n_containers == 1);
	cr_assert_eq(bs_nri_pod_from_pb(sy->pods[0], &pod), 0);
	cr_assert_eq(bs_nri_ctr_from_pb(sy->containers[0], &base), 0);
	cr_assert_eq(bs_cri_ctr_init(&c, &pod, &base), 0);
	c.state = BS_CTR_RUNNING; /* started before the plugin came */
	c.pid = sy->containers[0]->pid;
	cr_assert_eq(bs_cri_view_build(&c, &v), 0);
	cr_assert_eq(bs_nri_runtime_accept(rt, 5000, &pod, 1, &v.ctr, 1), 0);
	bs_cri_view_free(&v);
	cr_assert_eq(bs_cri_stop(rt, &c), 0);
	cr_assert_eq(bs_cri_remove(rt, &c), 0);
	cr_assert_eq(bs_cri_stop_pod(rt, &pod), 0);
	cr_assert_eq(bs_cri_remove_pod(rt, &pod), 0);
	bs_cri_ctr_fini(&c);
	bs_nri_ctr_release(&base);
	bs_nri_pod_release(&pod);
}

Test(nri_lifecycle, resync_as_containerd_sends_it, .timeout = 30)
{
	compare_session("resync", 6, drive_resync);
}

/* ---- newer containerd releases, from captures when present -------------- */

/* The container of event ev, sent as StateChange or as its own RPC. */
static const PB(Container) *
	ctr_of(const struct req *g, size_t n, int ev, const char *rpc)
{
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(g[i].method, "StateChange") &&
		    (int)((PB(StateChangeEvent) *)g[i].msg)->event == ev)
			return ((PB(StateChangeEvent) *)g[i].msg)->container;
		if (!strcmp(g[i].method, rpc))
			return ((PB(StartContainerRequest) *)g[i].msg)
				->container;
	}
	return NULL;
}

/* The bench's session: no pods before the plugin, one pod, one container,
 * the pod stopped before the container is removed; the plugin subscribed
 * only to what the agent wants (the others are filtered by our runtime
 * side as by containerd). */
static void drive_capture(struct bs_nri_runtime *rt, const struct req *g,
			  size_t ng)
{
	const PB(CreateContainerRequest) *cc = create_of(g, ng);
	const PB(Container) *start =
		ctr_of(g, ng, BS_EV_START_CONTAINER, "StartContainer");

	cr_assert(cc && start, "capture inputs present");
	drive_life(rt, cc->pod, cc->container, start->pid, true);
}

/* release "containerd-2.0.11", our mode for its NRI version, the number of
 * requests the capture holds. */
static void compare_release(const char *release, int mode, size_t want)
{
	const char *dirs[] = { getenv("BEESTING_NRI_CAPTURES"), NRI_T_GOLDEN };
	char prefix[512], file[600], version[32];

	/* containerd reports its version as "v2.0.11" */
	snprintf(version, sizeof(version), "v%s", strchr(release, '-') + 1);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (!dirs[i] || !*dirs[i])
			continue;
		snprintf(prefix, sizeof(prefix), "%s/%s/conn1.", dirs[i],
			 release);
		snprintf(file, sizeof(file), "%sruntime-to-plugin.bin", prefix);
		if (access(file, R_OK))
			continue;
		/* the capturing containerd ran with these NRI timeouts */
		compare_capture(prefix, want, drive_capture,
				(struct bs_nri_runtime_config){
					.runtime_name = "containerd",
					.runtime_version = version,
					.nri_version = mode,
					.request_timeout_ms = 5000,
					.registration_timeout_ms = 10000,
				});
		return;
	}
	cr_skip_test("no capture of %s: BEESTING_NRI_CAPTURES names a "
		     "directory holding %s/conn1.*.bin (the bench's NRI relay "
		     "writes them)",
		     release, release);
}

Test(nri_lifecycle, containerd_1_7_34_capture_nri_v0_8, .timeout = 30)
{
	compare_release("containerd-1.7.34", 8, 6);
}

Test(nri_lifecycle, containerd_2_0_11_capture_nri_v0_8, .timeout = 30)
{
	compare_release("containerd-2.0.11", 8, 6);
}

Test(nri_lifecycle, containerd_2_3_4_capture_nri_v0_12, .timeout = 30)
{
	compare_release("containerd-2.3.4", 12, 6);
}

Test(nri_lifecycle, containerd_2_2_7_capture_nri_v0_11, .timeout = 30)
{
	compare_release("containerd-2.2.7", 11, 6);
}
