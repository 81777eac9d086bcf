// SPDX-License-Identifier: Apache-2.0
/* Helpers for the NRI suites (see nri_util.h). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nri/pb.h"
#include "tests/support/nri_util.h"

void nri_t_msgs_init(struct nri_t_msgs *m)
{
	memset(m, 0, sizeof(*m));
	bs_mux_rx_init(&m->mux);
	for (int i = 0; i < 3; i++)
		bs_ttrpc_rx_init(&m->rx[i]);
}

void nri_t_msgs_free(struct nri_t_msgs *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].data);
	for (int i = 0; i < 3; i++)
		bs_ttrpc_rx_free(&m->rx[i]);
	free(m->raw);
	nri_t_msgs_init(m);
}

static int on_msg(void *arg, const struct bs_ttrpc_msg *t)
{
	struct nri_t_msgs *m = arg;
	struct nri_t_msg *v;

	if (m->n == NRI_T_MAX_MSGS)
		return -E2BIG;
	v = &m->v[m->n++];
	*v = (struct nri_t_msg){ m->cur_conn, t->stream_id,	  t->type,
				 t->flags,    malloc(t->len + 1), t->len };
	if (!v->data)
		return -ENOMEM;
	memcpy(v->data, t->data ? t->data : (const uint8_t *)"", t->len);
	return 0;
}

static int on_data(void *arg, uint32_t conn, const uint8_t *d, size_t n)
{
	struct nri_t_msgs *m = arg;

	m->cur_conn = conn;
	return bs_ttrpc_rx_feed(&m->rx[conn], d, n, on_msg, m);
}

int nri_t_msgs_feed(struct nri_t_msgs *m, const uint8_t *buf, size_t n)
{
	uint8_t *raw = realloc(m->raw, m->raw_len + n + 1);

	if (!raw)
		return -ENOMEM;
	memcpy(raw + m->raw_len, buf, n);
	m->raw = raw;
	m->raw_len += n;
	return bs_mux_rx_feed(&m->mux, buf, n, on_data, m);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

long nri_t_max_frame(const struct nri_t_msgs *m, size_t *frames)
{
	size_t off = 0;
	long max = 0;

	*frames = 0;
	while (off + 8 <= m->raw_len) {
		uint32_t len = be32(m->raw + off + 4);

		if (len > max)
			max = len;
		off += 8 + (size_t)len;
		(*frames)++;
	}
	return off == m->raw_len ? max : -1;
}

size_t nri_t_drain(int fd, struct nri_t_msgs *m, int quiet_ms)
{
	uint8_t buf[65536];
	size_t total = 0;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, quiet_ms) <= 0)
			break;
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		if (nri_t_msgs_feed(m, buf, (size_t)n))
			break;
		total += (size_t)n;
	}
	return total;
}

int nri_t_read_file(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		return -errno;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	*buf = malloc(n > 0 ? (size_t)n : 1);
	if (!*buf || fread(*buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(*buf);
		return -EIO;
	}
	fclose(f);
	*len = (size_t)n;
	return 0;
}

uint8_t *nri_t_frame(uint32_t conn, const uint8_t *data, size_t len)
{
	uint8_t *f = malloc(8 + len);

	if (!f)
		return NULL;
	bs_mux_put_hdr(f, conn, (uint32_t)len);
	memcpy(f + 8, data, len);
	return f;
}

int nri_t_request(uint32_t conn, uint32_t sid, const char *service,
		  const char *method, const ProtobufCMessage *body,
		  uint8_t **out, size_t *len)
{
	size_t plen = body ? protobuf_c_message_get_packed_size(body) : 0;
	uint8_t *payload = malloc(plen + 1), *msg;
	size_t mlen;
	int err;

	if (!payload)
		return -ENOMEM;
	if (body)
		protobuf_c_message_pack(body, payload);
	err = bs_ttrpc_encode_request(sid, service, method,
				      plen ? payload : NULL, plen, 2000000000LL,
				      &msg, &mlen);
	free(payload);
	if (err)
		return err;
	*out = nri_t_frame(conn, msg, mlen);
	*len = mlen + 8;
	free(msg);
	return *out ? 0 : -ENOMEM;
}

const ProtobufCMessageDescriptor *nri_t_request_desc(const char *method)
{
	static const struct {
		const char *method;
		const ProtobufCMessageDescriptor *d;
	} map[] = {
		{ "Configure", &pb_(configure_request__descriptor) },
		{ "Synchronize", &pb_(synchronize_request__descriptor) },
		{ "CreateContainer",
		  &pb_(create_container_request__descriptor) },
		{ "StopContainer", &pb_(stop_container_request__descriptor) },
		{ "StateChange", &pb_(state_change_event__descriptor) },
		/* NRI v0.12: one RPC per event */
		{ "RunPodSandbox", &pb_(run_pod_sandbox_request__descriptor) },
		{ "StopPodSandbox",
		  &pb_(stop_pod_sandbox_request__descriptor) },
		{ "RemovePodSandbox",
		  &pb_(remove_pod_sandbox_request__descriptor) },
		{ "PostCreateContainer",
		  &pb_(post_create_container_request__descriptor) },
		{ "StartContainer", &pb_(start_container_request__descriptor) },
		{ "PostStartContainer",
		  &pb_(post_start_container_request__descriptor) },
		{ "RemoveContainer",
		  &pb_(remove_container_request__descriptor) },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(map[i].method, method))
			return map[i].d;
	return NULL;
}

static const struct bs_kv pod_ann[] = { { "kubernetes.io/config.source",
					  "api" } };

struct bs_pod nri_t_pod(const char *name)
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
