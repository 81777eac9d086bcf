// SPDX-License-Identifier: Apache-2.0
/* NRI wire protocol against the containerd v1.7.13 captures in
 * ../shared/nri-golden (beside the repository), and byte-exact checks of the spec's examples. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/fs.h"
#include "nri/conn.h"
#include "nri/convert.h"
#include "nri/pb.h"
#include "nri/plugin.h"
#include "tests/support/nri_util.h"

static void load(const char *session, const char *dir, struct nri_t_msgs *m)
{
	char path[256];
	uint8_t *buf;
	size_t len;

	snprintf(path, sizeof(path), NRI_T_GOLDEN "/%s.%s.bin", session, dir);
	if (nri_t_read_file(path, &buf, &len))
		cr_skip_test("golden capture %s missing", path);
	nri_t_msgs_init(m);
	cr_assert_eq(nri_t_msgs_feed(m, buf, len), 0, "%s parses", path);
	free(buf);
}

/* Decode every envelope and NRI payload; returns the Request, if one. */
static void check_decodes(const struct nri_t_msg *v)
{
	struct bs_ttrpc_msg t = { v->sid, v->type, v->flags, v->data, v->len };

	cr_assert(v->sid & 1, "odd stream ids only");
	if (v->type == BS_TTRPC_RESPONSE) {
		Ttrpc__Response *r = bs_ttrpc_decode_response(&t);

		cr_assert_not_null(r);
		cr_assert_eq(bs_nri_resp_code(r), 0);
		ttrpc__response__free_unpacked(r, NULL);
		return;
	}
	cr_assert_eq(v->type, BS_TTRPC_REQUEST);
	Ttrpc__Request *q = bs_ttrpc_decode_request(&t);
	const ProtobufCMessageDescriptor *desc;
	ProtobufCMessage *pm = NULL;

	cr_assert_not_null(q);
	desc = strcmp(q->method, "RegisterPlugin")
		       ? nri_t_request_desc(q->method)
		       : &pb_(register_plugin_request__descriptor);
	if (desc)
		pm = protobuf_c_message_unpack(desc, NULL, q->payload.len,
					       q->payload.data);
	cr_assert_not_null(pm, "method %s payload decodes", q->method);
	protobuf_c_message_free_unpacked(pm, NULL);
	ttrpc__request__free_unpacked(q, NULL);
}

static size_t count_session(const char *session)
{
	struct nri_t_msgs a, b;
	size_t n, frames;

	load(session, "plugin-to-runtime", &a);
	load(session, "runtime-to-plugin", &b);
	cr_assert_geq(nri_t_max_frame(&a, &frames), 0);
	cr_assert_geq(nri_t_max_frame(&b, &frames), 0);
	for (size_t i = 0; i < a.n; i++)
		check_decodes(&a.v[i]);
	for (size_t i = 0; i < b.n; i++)
		check_decodes(&b.v[i]);
	n = a.n + b.n;
	nri_t_msgs_free(&a);
	nri_t_msgs_free(&b);
	return n;
}

Test(nri_golden, every_message_decodes)
{
	cr_expect_eq(count_session("fresh"), 24);
	cr_expect_eq(count_session("resync"), 14);
}

/* The payload of the n-th request (by method) in one direction. */
static Ttrpc__Request *find_req(struct nri_t_msgs *m, const char *method)
{
	for (size_t i = 0; i < m->n; i++) {
		struct bs_ttrpc_msg t = { m->v[i].sid, m->v[i].type, 0,
					  m->v[i].data, m->v[i].len };
		Ttrpc__Request *q;

		if (t.type != BS_TTRPC_REQUEST)
			continue;
		q = bs_ttrpc_decode_request(&t);
		if (q && !strcmp(q->method, method))
			return q;
		if (q)
			ttrpc__request__free_unpacked(q, NULL);
	}
	return NULL;
}

Test(nri_golden, fresh_fields)
{
	struct nri_t_msgs m;
	Ttrpc__Request *q;

	load("fresh", "runtime-to-plugin", &m);
	q = find_req(&m, "Configure");
	cr_assert_not_null(q);
	cr_expect_str_eq(q->service, "nri.pkg.api.v1alpha1.Plugin");
	PB(ConfigureRequest) *cfg = pb_(configure_request__unpack)(
		NULL, q->payload.len, q->payload.data);
	cr_assert_not_null(cfg);
	cr_expect_str_eq(cfg->runtime_name, "containerd");
	cr_expect_str_eq(cfg->runtime_version, "v1.7.13");
	pb_(configure_request__free_unpacked)(cfg, NULL);
	ttrpc__request__free_unpacked(q, NULL);

	q = find_req(&m, "CreateContainer");
	cr_assert_not_null(q);
	PB(CreateContainerRequest) *cc = pb_(create_container_request__unpack)(
		NULL, q->payload.len, q->payload.data);
	struct bs_pod pod;
	struct bs_container ctr;

	cr_assert_not_null(cc);
	cr_assert_eq(bs_nri_pod_from_pb(cc->pod, &pod), 0);
	cr_assert_eq(bs_nri_ctr_from_pb(cc->container, &ctr), 0);
	cr_expect_str_eq(ctr.id, "67e695b05473b7087686b162a80f76c30c9fc902c8569"
				 "d1858cecf34681584c4");
	cr_expect_str_eq(ctr.name, "app");
	cr_expect_str_eq(ctr.pod_id, pod.id);
	cr_expect_str_eq(pod.name, "victim");
	cr_expect_str_eq(pod.ns, "default");
	cr_expect_str_eq(pod.uid, "da35eef1-fdea-4958-81f6-3e76db56ff46");
	cr_expect_eq(pod.pid, 22493);
	cr_expect_str_eq(bs_kv_get(pod.annotations, pod.n_annotations,
				   "kubernetes.io/config.source"),
			 "api");
	cr_expect_str_eq(bs_kv_get(pod.labels, pod.n_labels, "app"), "victim");
	cr_expect_eq(ctr.n_mounts, 10);
	cr_expect_eq(ctr.state, BS_CTR_UNKNOWN, "no state in CreateContainer");
	bs_nri_ctr_release(&ctr);
	bs_nri_pod_release(&pod);
	pb_(create_container_request__free_unpacked)(cc, NULL);
	ttrpc__request__free_unpacked(q, NULL);
	nri_t_msgs_free(&m);
}

Test(nri_golden, resync_synchronize)
{
	struct nri_t_msgs m;
	Ttrpc__Request *q;
	struct bs_container ctr;

	load("resync", "runtime-to-plugin", &m);
	q = find_req(&m, "Synchronize");
	cr_assert_not_null(q);
	PB(SynchronizeRequest) *s = pb_(synchronize_request__unpack)(
		NULL, q->payload.len, q->payload.data);
	cr_assert_not_null(s);
	cr_assert_eq(s->n_pods, 1);
	cr_assert_eq(s->n_containers, 1);
	cr_expect_eq(s->more, 0);
	cr_assert_eq(bs_nri_ctr_from_pb(s->containers[0], &ctr), 0);
	cr_expect_eq(ctr.state, BS_CTR_RUNNING);
	cr_expect_eq(ctr.pid, 23206);
	cr_expect_str_eq(ctr.name, "app");
	bs_nri_ctr_release(&ctr);
	pb_(synchronize_request__free_unpacked)(s, NULL);
	ttrpc__request__free_unpacked(q, NULL);
	nri_t_msgs_free(&m);
}

/* ---- byte-exact encodings from the spec (§7) --------------------------- */

/* The spec's §7.3 frame plus field 3 NRI_version "v0.12.0" (1a 07 ...,
 * v0.12's RegisterPluginRequest): lengths 0x48 -> 0x51, 0x3e -> 0x47,
 * payload 0x0e -> 0x17. */
static const char reg_hex[] =
	"0000000200000051"     /* mux: conn 2, 81 bytes */
	"00000047000000010100" /* ttrpc: 71 bytes, stream 1, request */
	"0a1c6e72692e706b672e6170692e76"
	"31616c706861312e52756e74696d65120e5265676973746572506c7567696e1a17"
	"0a086265657374696e67120231301a0776302e31322e30";

static size_t unhex(const char *h, uint8_t *out)
{
	size_t n = 0;

	for (; h[0] && h[1]; h += 2) {
		unsigned int b;

		sscanf(h, "%2x", &b);
		out[n++] = (uint8_t)b;
	}
	return n;
}

static void build_example_adjust(struct bs_adjust *a)
{
	const char *opts[] = { "rbind", "ro", NULL };
	const char *args[] = { "h", "x", NULL };

	bs_adjust_init(a);
	cr_assert_eq(bs_adjust_add_mount(a, "/data", "bind", "/srv/data", opts),
		     0);
	cr_assert_eq(bs_adjust_add_env(a, "FOO", "bar"), 0);
	cr_assert_eq(bs_adjust_add_hook(a, BS_HOOK_CREATE_CONTAINER,
					"/usr/local/bin/h", args, NULL, 0),
		     0);
}

Test(nri_golden, create_response_example_bytes)
{
	static const char want_hex[] = "0a4d1a230a052f6461746112046269"
				       "6e641a092f7372762f646174612205"
				       "7262696e642202726f220a0a03464f4f1203626"
				       "1722a1a1a180a102f7573722f"
				       "6c6f63616c2f62696e2f6812016812017"
				       "8";
	uint8_t want[128], got[256];
	size_t wn = unhex(want_hex, want);
	PB(CreateContainerResponse) resp = PB_INIT(CREATE_CONTAINER_RESPONSE);
	struct bs_arena arena = { 0 };
	struct bs_adjust *a = malloc(sizeof(*a)), *back = malloc(sizeof(*back));

	build_example_adjust(a);
	resp.adjust = bs_nri_adjust_to_pb(&arena, a);
	cr_assert_not_null(resp.adjust);
	cr_assert_eq(protobuf_c_message_get_packed_size(&resp.base), 79);
	protobuf_c_message_pack(&resp.base, got);
	cr_assert_eq(wn, 79);
	cr_assert_arr_eq(got, want, 79);

	/* and back through the decoder */
	PB(CreateContainerResponse) *dec =
		pb_(create_container_response__unpack)(NULL, 79, got);
	cr_assert_not_null(dec);
	bs_adjust_init(back);
	cr_assert_eq(bs_nri_adjust_from_pb(dec->adjust, back), 0);
	cr_expect_eq(back->n_mounts, 1);
	cr_expect_str_eq(back->mounts[0].source, "/srv/data");
	cr_expect_eq(back->mounts[0].n_options, 2);
	cr_expect_str_eq(back->env[0].value, "bar");
	cr_expect_eq(back->n_hooks, 1);
	cr_expect_eq(back->hooks[0].kind, BS_HOOK_CREATE_CONTAINER);
	cr_expect_str_eq(back->hooks[0].args[1], "x");
	pb_(create_container_response__free_unpacked)(dec, NULL);
	bs_adjust_free(a);
	bs_adjust_free(back);
	free(a);
	free(back);
	bs_arena_free(&arena);
}

Test(nri_golden, status_replies_bytes)
{
	static const char cfg_hex[] = "000000010000000e00000004000000010200"
				      "12021008";
	static const char unimpl_hex[] =
		"0000000100000024"
		"0000001a000000070200"
		"0a18080c1214"
		"6d6574686f642052756e506f6453616e64626f78";
	PB(ConfigureResponse) cr = PB_INIT(CONFIGURE_RESPONSE);
	uint8_t want[64], payload[8], *msg, *frame;
	size_t n, len;

	cr.events = 8;
	n = protobuf_c_message_pack(&cr.base, payload);
	cr_assert_eq(
		bs_ttrpc_encode_response(1, 0, NULL, payload, n, &msg, &len),
		0);
	frame = nri_t_frame(1, msg, len);
	cr_assert_eq(unhex(cfg_hex, want), len + 8);
	cr_expect_arr_eq(frame, want, len + 8);
	free(msg);
	free(frame);

	cr_assert_eq(bs_ttrpc_encode_response(7, BS_RPC_UNIMPLEMENTED,
					      "method RunPodSandbox", NULL, 0,
					      &msg, &len),
		     0);
	frame = nri_t_frame(1, msg, len);
	cr_assert_eq(unhex(unimpl_hex, want), 44);
	cr_assert_eq(len + 8, 44);
	cr_expect_arr_eq(frame, want, 44);
	free(msg);
	free(frame);
}

/* ---- replay the runtime's side at our plugin --------------------------- */

struct seen {
	int events[32];
	size_t n_events;
	int syncs;
	size_t sync_ctrs;
	int creates;
};

static int h_sync(void *arg, const struct bs_pod *pods, size_t np,
		  const struct bs_container *ctrs, size_t nc)
{
	struct seen *s = arg;

	(void)pods;
	(void)np;
	(void)ctrs;
	s->syncs++;
	s->sync_ctrs += nc;
	return 0;
}

static int h_create(void *arg, const struct bs_pod *pod,
		    const struct bs_container *ctr, struct bs_adjust *adj)
{
	const char *opts[] = { "rbind", "ro", NULL };
	char src[256];

	((struct seen *)arg)->creates++;
	snprintf(src, sizeof(src), "/var/lib/beesting/tokens/%s", ctr->id);
	(void)pod;
	if (bs_adjust_add_mount(adj, "/var/run/secrets/token", "bind", src,
				opts))
		return -ENOMEM;
	return bs_adjust_add_annotation(adj, "beesting.io/token-id", ctr->id);
}

static int h_event(void *arg, enum bs_nri_event ev, const struct bs_pod *pod,
		   const struct bs_container *ctr)
{
	struct seen *s = arg;

	(void)ctr;
	cr_expect_str_eq(pod->name, "victim");
	if (s->n_events < 32)
		s->events[s->n_events++] = ev;
	return 0;
}

static struct bs_nri_plugin *plugin_on(int fd, struct seen *s)
{
	struct bs_nri_handlers h = { .arg = s,
				     .events = 0x07FF,
				     .synchronize = h_sync,
				     .create_container = h_create,
				     .event = h_event };
	struct bs_nri_plugin *p;
	char v[16];

	snprintf(v, sizeof(v), "%d", fd);
	setenv("NRI_PLUGIN_SOCKET", v, 1);
	p = bs_nri_plugin_new(NULL, &h);
	unsetenv("NRI_PLUGIN_SOCKET");
	cr_assert_not_null(p);
	cr_assert_eq(bs_nri_plugin_connect(p), 0);
	return p;
}

/* Irregular chunk sizes, so frames and messages straddle reads. */
static void replay(struct bs_nri_plugin *p, int peer, const uint8_t *buf,
		   size_t len, struct nri_t_msgs *out)
{
	static const size_t sizes[] = { 1, 7, 3, 100, 8, 4096, 13, 2000, 9 };
	size_t off = 0, k = 0;

	while (off < len) {
		size_t n = sizes[k++ % 9];

		n = n < len - off ? n : len - off;
		cr_assert_eq(bs_write_all(peer, buf + off, n), 0);
		off += n;
		cr_assert_eq(bs_nri_plugin_process(p), 0);
		nri_t_drain(peer, out, 0);
	}
	nri_t_drain(peer, out, 50);
}

static const struct nri_t_msg *reply_for(struct nri_t_msgs *m, uint32_t sid)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].conn == 1 && m->v[i].sid == sid &&
		    m->v[i].type == BS_TTRPC_RESPONSE)
			return &m->v[i];
	return NULL;
}

/* A session's runtime-to-plugin capture into *in, and our plugin on one
 * end of a socket pair (the runtime's end in sv[1]); no capture: skip. */
static struct bs_nri_plugin *golden_plugin(const char *session, uint8_t **in,
					   size_t *len, int sv[2],
					   struct seen *s)
{
	char path[256];

	snprintf(path, sizeof(path), NRI_T_GOLDEN "/%s.runtime-to-plugin.bin",
		 session);
	if (nri_t_read_file(path, in, len))
		cr_skip_test("golden capture %s missing", path);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	return plugin_on(sv[0], s);
}

Test(nri_golden, plugin_replays_fresh_session)
{
	struct nri_t_msgs out;
	struct seen s = { 0 };
	uint8_t reg[128], *in;
	size_t in_len, frames;
	int sv[2];
	struct bs_nri_plugin *p = golden_plugin("fresh", &in, &in_len, sv, &s);

	nri_t_msgs_init(&out);
	nri_t_drain(sv[1], &out, 50);
	/* our RegisterPlugin is the spec's §7.3 frame + NRI_version */
	cr_assert_eq(out.raw_len, 89);
	cr_assert_eq(unhex(reg_hex, reg), 89);
	cr_assert_arr_eq(out.raw, reg, 89);

	replay(p, sv[1], in, in_len, &out);
	cr_assert_geq(nri_t_max_frame(&out, &frames), 0);
	cr_expect_eq(out.n, 12, "RegisterPlugin + 11 replies, got %zu", out.n);
	for (uint32_t sid = 1; sid <= 21; sid += 2)
		cr_assert_not_null(reply_for(&out, sid), "reply to stream %u",
				   sid);

	const struct nri_t_msg *cfg = reply_for(&out, 1);
	struct bs_ttrpc_msg t = { 1, 2, 0, cfg->data, cfg->len };
	Ttrpc__Response *r = bs_ttrpc_decode_response(&t);
	PB(ConfigureResponse) *cr = pb_(configure_response__unpack)(
		NULL, r->payload.len, r->payload.data);
	cr_expect_eq(cr->events, 0x07FF);
	pb_(configure_response__free_unpacked)(cr, NULL);
	ttrpc__response__free_unpacked(r, NULL);

	cr_expect_eq(reply_for(&out, 3)->len, 0, "empty Synchronize reply");
	cr_expect_eq(s.syncs, 1);
	cr_expect_eq(s.sync_ctrs, 0);

	const struct nri_t_msg *cc = reply_for(&out, 7);
	t = (struct bs_ttrpc_msg){ 7, 2, 0, cc->data, cc->len };
	r = bs_ttrpc_decode_response(&t);
	cr_assert_not_null(r);
	cr_assert_null(r->status);
	PB(CreateContainerResponse) *ccr =
		pb_(create_container_response__unpack)(NULL, r->payload.len,
						       r->payload.data);
	cr_assert_not_null(ccr);
	cr_assert_not_null(ccr->adjust);
	cr_assert_eq(ccr->adjust->n_mounts, 1);
	cr_expect_str_eq(ccr->adjust->mounts[0]->destination,
			 "/var/run/secrets/token");
	cr_expect_str_eq(ccr->adjust->mounts[0]->source,
			 "/var/lib/beesting/tokens/"
			 "67e695b05473b7087686b162a80f76c30c9fc902c8569d1858cec"
			 "f34681584c4");
	cr_assert_eq(ccr->adjust->n_annotations, 1);
	cr_expect_str_eq(ccr->adjust->annotations[0]->key,
			 "beesting.io/token-id");
	pb_(create_container_response__free_unpacked)(ccr, NULL);
	ttrpc__response__free_unpacked(r, NULL);

	static const int want_ev[] = { 1, 5, 6, 7, 10, 11, 2, 3 };
	cr_assert_eq(s.n_events, 8);
	for (size_t i = 0; i < 8; i++)
		cr_expect_eq(s.events[i], want_ev[i], "event %zu", i);
	cr_expect_eq(s.creates, 1);

	struct bs_nri_stats st;
	bs_nri_plugin_stats(p, &st);
	cr_expect_eq(st.requests, 11);
	cr_expect_eq(st.errors, 0);

	/* EOF as containerd exits */
	close(sv[1]);
	cr_expect_eq(bs_nri_plugin_process(p), -ECONNRESET);
	cr_expect_eq(bs_nri_plugin_fd(p), -1);
	bs_nri_plugin_free(p);
	nri_t_msgs_free(&out);
	free(in);
}

Test(nri_golden, plugin_replays_resync_session)
{
	struct nri_t_msgs out;
	struct seen s = { 0 };
	uint8_t *in;
	size_t in_len;
	int sv[2];
	struct bs_nri_plugin *p = golden_plugin("resync", &in, &in_len, sv, &s);

	nri_t_msgs_init(&out);
	replay(p, sv[1], in, in_len, &out);
	cr_expect_eq(out.n, 7, "RegisterPlugin + 6 replies");
	cr_expect_eq(s.syncs, 1);
	cr_expect_eq(s.sync_ctrs, 1);
	cr_expect_eq(s.n_events, 4);
	bs_nri_plugin_free(p);
	close(sv[1]);
	nri_t_msgs_free(&out);
	free(in);
}
