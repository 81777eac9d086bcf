// SPDX-License-Identifier: Apache-2.0
/* Bad input at both sides: each case ends in a closed connection or an
 * error status, never a crash or a hang. */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/fs.h"
#include "nri/conn.h"
#include "nri/pb.h"
#include "nri/plugin.h"
#include "nri/runtime.h"
#include "tests/support/nri_util.h"

static int h_create(void *arg, const struct bs_pod *pod,
		    const struct bs_container *ctr, struct bs_adjust *adj)
{
	(void)arg;
	(void)pod;
	(void)ctr;
	(void)adj;
	return 0;
}

/* A plugin on one end of a socketpair; *peer is the runtime's end. */
static struct bs_nri_plugin *plugin_pair(int *peer)
{
	struct bs_nri_handlers h = { .events =
					     BS_EV_MASK(BS_EV_CREATE_CONTAINER),
				     .create_container = h_create };
	struct bs_nri_plugin *p;
	struct nri_t_msgs reg;
	int sv[2];
	char v[16];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	snprintf(v, sizeof(v), "%d", sv[0]);
	setenv("NRI_PLUGIN_SOCKET", v, 1);
	p = bs_nri_plugin_new(NULL, &h);
	unsetenv("NRI_PLUGIN_SOCKET");
	cr_assert_not_null(p);
	cr_assert_eq(bs_nri_plugin_connect(p), 0);
	nri_t_msgs_init(&reg);
	nri_t_drain(sv[1], &reg, 50);
	cr_assert_eq(reg.n, 1, "RegisterPlugin sent");
	nri_t_msgs_free(&reg);
	*peer = sv[1];
	return p;
}

/* Write buf, let the plugin process until it fails or goes quiet. */
static int push(struct bs_nri_plugin *p, int peer, const uint8_t *buf, size_t n)
{
	int err = 0;

	if (n)
		cr_assert_eq(bs_write_all(peer, buf, n), 0);
	for (int i = 0; i < 8 && !err; i++)
		err = bs_nri_plugin_process(p);
	return err;
}

/* A request with no body on stream id, processed without error. */
static void push_call(struct bs_nri_plugin *p, int peer, uint32_t id,
		      const char *service, const char *method)
{
	uint8_t *req;
	size_t len;

	cr_assert_eq(nri_t_request(1, id, service, method, NULL, &req, &len),
		     0);
	cr_assert_eq(push(p, peer, req, len), 0);
	free(req);
}

static int reply_code(struct nri_t_msgs *m, size_t i, char *text, size_t n)
{
	struct bs_ttrpc_msg t = { m->v[i].sid, m->v[i].type, 0, m->v[i].data,
				  m->v[i].len };
	Ttrpc__Response *r = bs_ttrpc_decode_response(&t);
	int code;

	cr_assert_not_null(r);
	code = bs_nri_resp_code(r);
	if (text)
		snprintf(text, n, "%s", r->status ? r->status->message : "");
	ttrpc__response__free_unpacked(r, NULL);
	return code;
}

Test(nri_bad, truncated_frame_then_eof)
{
	static const uint8_t half[] = { 0, 0, 0, 1, 0, 0, 0, 40, 0, 0, 0 };
	int peer;
	struct bs_nri_plugin *p = plugin_pair(&peer);

	cr_expect_eq(push(p, peer, half, sizeof(half)), 0, "waits for more");
	close(peer);
	cr_expect_eq(push(p, peer, NULL, 0), -ECONNRESET);
	cr_expect_eq(bs_nri_plugin_fd(p), -1);
	bs_nri_plugin_free(p);
}

Test(nri_bad, huge_frame_length_closes)
{
	static const uint8_t huge[] = { 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff };
	int peer;
	struct bs_nri_plugin *p = plugin_pair(&peer);

	struct bs_nri_stats st;

	cr_expect_eq(push(p, peer, huge, sizeof(huge)), -EPROTO);
	cr_expect_eq(bs_nri_plugin_fd(p), -1);
	bs_nri_plugin_stats(p, &st);
	cr_expect_eq(st.errors, 1, "counted");
	bs_nri_plugin_free(p);
	close(peer);
}

Test(nri_bad, huge_ttrpc_length_closes)
{
	/* a legal frame whose ttrpc header announces 5 MiB */
	static const uint8_t msg[] = { 0,    0, 0, 1, 0, 0, 0, 10, 0,
				       0x50, 0, 0, 0, 0, 0, 1, 1,  0 };
	int peer;
	struct bs_nri_plugin *p = plugin_pair(&peer);

	struct bs_nri_stats st;

	cr_expect_eq(push(p, peer, msg, sizeof(msg)), -EMSGSIZE);
	bs_nri_plugin_stats(p, &st);
	cr_expect_eq(st.errors, 1, "counted");
	bs_nri_plugin_free(p);
	close(peer);
}

Test(nri_bad, unknown_conn_dropped_then_serves)
{
	PB(ConfigureRequest) cfg = PB_INIT(CONFIGURE_REQUEST);
	uint8_t junk[] = { 0, 0, 0, 7, 0, 0, 0, 4, 1, 2, 3, 4 }, *req;
	struct nri_t_msgs out;
	size_t len;
	int peer;
	struct bs_nri_plugin *p = plugin_pair(&peer);

	cr_assert_eq(push(p, peer, junk, sizeof(junk)), 0);
	cr_assert_eq(nri_t_request(1, 1, BS_NRI_PLUGIN_SERVICE, "Configure",
				   &cfg.base, &req, &len),
		     0);
	cr_assert_eq(push(p, peer, req, len), 0);
	nri_t_msgs_init(&out);
	nri_t_drain(peer, &out, 50);
	cr_assert_eq(out.n, 1);
	cr_expect_eq(reply_code(&out, 0, NULL, 0), 0);
	nri_t_msgs_free(&out);
	free(req);
	bs_nri_plugin_free(p);
	close(peer);
}

Test(nri_bad, error_statuses)
{
	static const uint8_t garbage_env[] = {
		0, 0, 0, 4, 0, 0, 0, 1, 1, 0, 0xff, 0xff, 0xff, 0xff
	};
	struct nri_t_msgs out;
	uint8_t *f;
	char text[128];
	int peer;
	struct bs_nri_plugin *p = plugin_pair(&peer);

	/* undecodable envelope */
	f = nri_t_frame(1, garbage_env, sizeof(garbage_env));
	cr_assert_eq(push(p, peer, f, sizeof(garbage_env) + 8), 0);
	free(f);
	/* unknown service, unknown method */
	push_call(p, peer, 3, "evil.Service", "Configure");
	push_call(p, peer, 5, BS_NRI_PLUGIN_SERVICE, "Frobnicate");
	/* garbage payload for a known method */
	{
		uint8_t *msg;
		size_t mlen;
		static const uint8_t bad[] = { 0x12, 0xff, 0xff };

		cr_assert_eq(bs_ttrpc_encode_request(7, BS_NRI_PLUGIN_SERVICE,
						     "CreateContainer", bad, 3,
						     0, &msg, &mlen),
			     0);
		f = nri_t_frame(1, msg, mlen);
		cr_assert_eq(push(p, peer, f, mlen + 8), 0);
		free(f);
		free(msg);
	}
	/* even, then non-increasing stream ids */
	push_call(p, peer, 8, BS_NRI_PLUGIN_SERVICE, "Shutdown");
	push_call(p, peer, 3, BS_NRI_PLUGIN_SERVICE, "Shutdown");

	nri_t_msgs_init(&out);
	nri_t_drain(peer, &out, 50);
	cr_assert_eq(out.n, 6);
	cr_expect_eq(reply_code(&out, 0, NULL, 0), BS_RPC_INVALID_ARGUMENT);
	cr_expect_eq(reply_code(&out, 1, text, sizeof(text)),
		     BS_RPC_UNIMPLEMENTED);
	cr_expect_str_eq(text, "service evil.Service");
	cr_expect_eq(reply_code(&out, 2, text, sizeof(text)),
		     BS_RPC_UNIMPLEMENTED);
	cr_expect_str_eq(text, "method Frobnicate");
	cr_expect_eq(reply_code(&out, 3, NULL, 0), BS_RPC_INTERNAL);
	cr_expect_eq(out.v[4].sid, 8);
	cr_expect_eq(reply_code(&out, 4, NULL, 0), BS_RPC_INVALID_ARGUMENT);
	cr_expect_eq(reply_code(&out, 5, NULL, 0), BS_RPC_INVALID_ARGUMENT);
	cr_expect_geq(bs_nri_plugin_fd(p), 0, "still connected");
	nri_t_msgs_free(&out);
	bs_nri_plugin_free(p);
	close(peer);
}

Test(nri_bad, large_message_sent_in_small_frames)
{
	static uint8_t big[10000];
	struct nri_t_msgs out;
	size_t frames;
	int sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	memset(big, 'x', sizeof(big));
	cr_assert_eq(bs_mux_send(sv[0], 2, big, sizeof(big),
				 bs_now_ns() + 1000000000LL),
		     0);
	cr_expect_eq(bs_mux_send(sv[0], 2, big, 0, bs_now_ns() + 1000000000LL),
		     -EINVAL, "no zero-length frames");
	nri_t_msgs_init(&out);
	nri_t_drain(sv[1], &out, 50);
	cr_expect_eq(nri_t_max_frame(&out, &frames), 4096);
	cr_expect_eq(frames, 3);
	cr_expect_eq(out.raw_len, 10000 + 3 * 8);
	nri_t_msgs_free(&out);
	close(sv[0]);
	close(sv[1]);
}

Test(nri_bad, peer_that_stops_reading)
{
	static uint8_t big[4096];
	int sv[2], err = 0, sz = 4096;
	int64_t t0 = bs_now_ns();

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	for (int i = 0; i < 10000 && !err; i++)
		err = bs_mux_send(sv[0], 1, big, sizeof(big), t0 + 300000000LL);
	cr_expect_eq(err, -ETIMEDOUT, "bounded, not blocked forever");
	close(sv[0]);
	close(sv[1]);
}

/* ---- the runtime side against misbehaving plugins ---------------------- */

static char dir[64], sock[128];

static int dial_raw(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strcpy(sa.sun_path, sock);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static struct bs_nri_runtime *rt_new(void)
{
	struct bs_nri_runtime_config cfg = { .request_timeout_ms = 300,
					     .registration_timeout_ms = 300 };

	strcpy(dir, "/tmp/bs-nri-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/nri.sock", dir);
	cfg.socket_path = sock;
	return bs_nri_runtime_new(&cfg);
}

static void rt_done(struct bs_nri_runtime *rt)
{
	bs_nri_runtime_free(rt);
	rmdir(dir);
}

static void send_register(int fd, const char *name, const char *idx)
{
	PB(RegisterPluginRequest) r = PB_INIT(REGISTER_PLUGIN_REQUEST);
	uint8_t *req;
	size_t len;

	r.plugin_name = (char *)name;
	r.plugin_idx = (char *)idx;
	cr_assert_eq(nri_t_request(2, 1, BS_NRI_RUNTIME_SERVICE,
				   "RegisterPlugin", &r.base, &req, &len),
		     0);
	cr_assert_eq(bs_write_all(fd, req, len), 0);
	free(req);
}

Test(nri_bad, runtime_rejects_bad_index)
{
	struct bs_nri_runtime *rt = rt_new();
	struct nri_t_msgs out;
	char text[128];
	int fd;

	cr_assert_not_null(rt);
	fd = dial_raw();
	send_register(fd, "beesting", "1");
	cr_expect_eq(bs_nri_runtime_accept(rt, 1000, NULL, 0, NULL, 0),
		     -EINVAL);
	nri_t_msgs_init(&out);
	nri_t_drain(fd, &out, 50);
	cr_assert_eq(out.n, 1);
	cr_expect_eq(reply_code(&out, 0, text, sizeof(text)), BS_RPC_UNKNOWN);
	cr_expect(strstr(text, "invalid plugin index") != NULL, "%s", text);
	cr_expect_eq(bs_nri_runtime_n_plugins(rt), 0);
	nri_t_msgs_free(&out);
	close(fd);
	rt_done(rt);
}

Test(nri_bad, runtime_times_out_silent_plugins)
{
	struct bs_nri_runtime *rt = rt_new();
	int fd;

	cr_assert_not_null(rt);
	cr_expect_eq(bs_nri_runtime_accept(rt, 100, NULL, 0, NULL, 0),
		     -ETIMEDOUT, "nobody connects");
	fd = dial_raw();
	cr_expect_eq(bs_nri_runtime_accept(rt, 1000, NULL, 0, NULL, 0),
		     -ETIMEDOUT, "no RegisterPlugin");
	close(fd);
	fd = dial_raw();
	send_register(fd, "mute", "50");
	cr_expect_eq(bs_nri_runtime_accept(rt, 1000, NULL, 0, NULL, 0),
		     -ETIMEDOUT, "no Configure reply");
	cr_expect_eq(bs_nri_runtime_n_plugins(rt), 0);
	close(fd);
	rt_done(rt);
}

/* Re-cut one complete frame into frames of at most `chunk` payload bytes,
 * as a peer may (NRI >= v0.7 splits above 4 MiB; any split is legal). */
static uint8_t *recut(const uint8_t *frame, size_t len, size_t chunk,
		      size_t *out_len)
{
	size_t data = len - 8, n = (data + chunk - 1) / chunk, o = 0;
	uint8_t *out = malloc(data + 8 * n);
	uint32_t conn = (uint32_t)frame[3];

	cr_assert_not_null(out);
	for (size_t off = 0; off < data; off += chunk) {
		size_t k = data - off < chunk ? data - off : chunk;

		bs_mux_put_hdr(out + o, conn, (uint32_t)k);
		memcpy(out + o + 8, frame + 8 + off, k);
		o += 8 + k;
	}
	*out_len = o;
	return out;
}

/* Every method a runtime of NRI v0.4 ... v0.12 may call is answered OK
 * (UpdatePodSandbox's field 2 is not decoded as a container; an empty
 * validation reply accepts); a method of a later version gets
 * UNIMPLEMENTED, as containerd v0.12's fallback expects.  Each request
 * arrives cut into 7-byte frames. */
Test(nri_bad, every_runtime_method_answered)
{
	static const char *const ok[] = {
		"UpdatePodSandbox",
		"PostUpdatePodSandbox",
		"ValidateContainerAdjustment",
		"RunPodSandbox",
		"StopPodSandbox",
		"RemovePodSandbox",
		"PostCreateContainer",
		"StartContainer",
		"PostStartContainer",
		"PostUpdateContainer",
		"RemoveContainer",
		"UpdateContainer",
		"StopContainer",
		"StateChange",
		"Shutdown",
	};
	static const uint8_t not_a_ctr[] = { 0x12, 0x03, 0xff, 0xff, 0xff };
	const size_t n_ok = sizeof(ok) / sizeof(ok[0]);
	struct nri_t_msgs out;
	uint32_t sid = 1;
	char text[128];
	int peer;
	struct bs_nri_plugin *p = plugin_pair(&peer);

	for (size_t i = 0; i <= n_ok; i++, sid += 2) {
		const char *m = i < n_ok ? ok[i] : "FutureMethod";
		int pod_update = !strcmp(m, "UpdatePodSandbox");
		uint8_t *msg, *f, *cut;
		size_t mlen, clen;

		cr_assert_eq(bs_ttrpc_encode_request(
				     sid, BS_NRI_PLUGIN_SERVICE, m,
				     pod_update ? not_a_ctr : NULL,
				     pod_update ? sizeof(not_a_ctr) : 0, 0,
				     &msg, &mlen),
			     0);
		f = nri_t_frame(1, msg, mlen);
		cut = recut(f, mlen + 8, 7, &clen);
		cr_assert_eq(push(p, peer, cut, clen), 0, "%s", m);
		free(cut);
		free(f);
		free(msg);
	}
	nri_t_msgs_init(&out);
	nri_t_drain(peer, &out, 50);
	cr_assert_eq(out.n, n_ok + 1);
	for (size_t i = 0; i < n_ok; i++)
		cr_expect_eq(reply_code(&out, i, NULL, 0), BS_RPC_OK, "%s",
			     ok[i]);
	cr_expect_eq(reply_code(&out, n_ok, text, sizeof(text)),
		     BS_RPC_UNIMPLEMENTED);
	cr_expect_str_eq(text, "method FutureMethod");
	cr_expect_geq(bs_nri_plugin_fd(p), 0, "still connected");
	nri_t_msgs_free(&out);
	bs_nri_plugin_free(p);
	close(peer);
}
