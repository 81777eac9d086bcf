// SPDX-License-Identifier: Apache-2.0
/* Shared NRI socket plumbing (see conn.h). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "nri/conn.h"

#define READ_CHUNK 65536

void bs_nri_conn_init(struct bs_nri_conn *c, int fd, uint32_t client_conn,
		      bs_nri_msg_cb on_msg, void *arg)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->client_conn = client_conn;
	c->next_sid = 1;
	c->on_msg = on_msg;
	c->arg = arg;
	bs_mux_rx_init(&c->mux);
	for (int i = 0; i < 3; i++)
		bs_ttrpc_rx_init(&c->rx[i]);
	pthread_mutex_init(&c->send_lock, NULL);
}

void bs_nri_conn_close(struct bs_nri_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	for (int i = 0; i < 3; i++)
		bs_ttrpc_rx_free(&c->rx[i]);
	free(c->wait_data);
	c->wait_data = NULL;
	c->wait_sid = 0;
}

static int on_ttrpc(void *arg, const struct bs_ttrpc_msg *m);

struct feed_ctx {
	struct bs_nri_conn *c;
	uint32_t conn;
};

static int on_mux(void *arg, uint32_t conn, const uint8_t *data, size_t len)
{
	struct bs_nri_conn *c = arg;
	struct feed_ctx ctx = { c, conn };
	int err = bs_ttrpc_rx_feed(&c->rx[conn], data, len, on_ttrpc, &ctx);

	if (err == -EMSGSIZE)
		bs_err("nri: ttrpc message on conn %u exceeds %u bytes", conn,
		       BS_TTRPC_MAX_DATA);
	return err;
}

static int on_ttrpc(void *arg, const struct bs_ttrpc_msg *m)
{
	struct feed_ctx *ctx = arg;
	struct bs_nri_conn *c = ctx->c;

	if (ctx->conn == c->client_conn && m->type == BS_TTRPC_RESPONSE &&
	    c->wait_sid && m->stream_id == c->wait_sid && !c->wait_done) {
		c->wait_data = m->len ? malloc(m->len) : NULL;
		if (m->len && !c->wait_data)
			return -ENOMEM;
		if (m->len)
			memcpy(c->wait_data, m->data, m->len);
		c->wait_len = m->len;
		c->wait_done = 1;
		return 0;
	}
	return c->on_msg(c->arg, c, ctx->conn, m);
}

int bs_nri_conn_read(struct bs_nri_conn *c)
{
	uint8_t buf[READ_CHUNK];
	ssize_t n;

	if (c->fd < 0)
		return -EBADF;
	n = read(c->fd, buf, sizeof(buf));
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	if (n == 0)
		return -ECONNRESET;
	return bs_nri_conn_feed(c, buf, (size_t)n);
}

int bs_nri_conn_feed(struct bs_nri_conn *c, const uint8_t *buf, size_t n)
{
	return bs_mux_rx_feed(&c->mux, buf, n, on_mux, c);
}

int bs_nri_conn_send(struct bs_nri_conn *c, uint32_t conn, const uint8_t *msg,
		     size_t len)
{
	int64_t deadline = bs_now_ns() + BS_NRI_SEND_TIMEOUT_MS * 1000000LL;
	int err;

	if (c->discard_tx)
		return 0;
	if (c->fd < 0)
		return -EBADF;
	/* all frames of one message before any frame of the next one */
	pthread_mutex_lock(&c->send_lock);
	err = c->go_frames ? bs_mux_send_go(c->fd, conn, msg, len, deadline)
			   : bs_mux_send(c->fd, conn, msg, len, deadline);
	pthread_mutex_unlock(&c->send_lock);
	return err;
}

/* Pack body into a malloc'd buffer; *buf NULL for a 0-byte message. */
static int pack(const ProtobufCMessage *body, uint8_t **buf, size_t *len)
{
	*buf = NULL;
	*len = body ? protobuf_c_message_get_packed_size(body) : 0;
	if (!*len)
		return 0;
	if (*len > BS_TTRPC_MAX_DATA)
		return -EMSGSIZE;
	*buf = malloc(*len);
	if (!*buf)
		return -ENOMEM;
	protobuf_c_message_pack(body, *buf);
	return 0;
}

int bs_nri_conn_reply(struct bs_nri_conn *c, uint32_t conn, uint32_t sid,
		      int code, const char *text, const ProtobufCMessage *body)
{
	uint8_t *payload = NULL, *msg;
	size_t plen = 0, mlen;
	int err = code == BS_RPC_OK ? pack(body, &payload, &plen) : 0;

	if (err == -EMSGSIZE) {
		code = BS_RPC_RESOURCE_EXHAUSTED;
		text = "reply larger than 4 MiB";
	} else if (err) {
		return err;
	}
	err = bs_ttrpc_encode_response(sid, code, text, payload, plen, &msg,
				       &mlen);
	free(payload);
	if (err)
		return err;
	err = bs_nri_conn_send(c, conn, msg, mlen);
	free(msg);
	return err;
}

int bs_nri_conn_call(struct bs_nri_conn *c, const char *service,
		     const char *method, const ProtobufCMessage *body,
		     int64_t timeout_ns, uint32_t *sid)
{
	uint8_t *payload, *msg;
	size_t plen, mlen;
	int err;

	*sid = c->next_sid;
	/* an id is used up even if sending fails (too large), as in Go */
	c->next_sid += 2;
	err = pack(body, &payload, &plen);
	if (err)
		return err;
	err = bs_ttrpc_encode_request(*sid, service, method, payload, plen,
				      timeout_ns, &msg, &mlen);
	free(payload);
	if (err)
		return err;
	err = bs_nri_conn_send(c, c->client_conn, msg, mlen);
	free(msg);
	return err;
}

static int wait_readable(int fd, int64_t deadline_ns)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int r = bs_poll_deadline(&pfd, deadline_ns);

	return r < 0 ? r : 0;
}

int bs_nri_conn_call_wait(struct bs_nri_conn *c, const char *service,
			  const char *method, const ProtobufCMessage *body,
			  int64_t deadline_ns, Ttrpc__Response **resp)
{
	int64_t left = deadline_ns - bs_now_ns();
	int err;

	*resp = NULL;
	if (left <= 0)
		return -ETIMEDOUT;
	err = bs_nri_conn_call(c, service, method, body, left, &c->wait_sid);
	c->wait_done = 0;
	while (!err && !c->wait_done) {
		err = wait_readable(c->fd, deadline_ns);
		if (!err)
			err = bs_nri_conn_read(c);
	}
	c->wait_sid = 0;
	if (!err) {
		*resp = ttrpc__response__unpack(NULL, c->wait_len,
						c->wait_data);
		if (!*resp)
			err = -EBADMSG;
	}
	free(c->wait_data);
	c->wait_data = NULL;
	c->wait_done = 0;
	return err;
}

int bs_nri_resp_code(const Ttrpc__Response *r)
{
	return r->status ? r->status->code : BS_RPC_OK;
}

int bs_nri_conn_serve(struct bs_nri_conn *c, uint32_t conn,
		      const struct bs_ttrpc_msg *m, const char *service,
		      bs_nri_method_fn fn, void *arg)
{
	char text[160];
	Ttrpc__Request *req;
	int code;

	if (m->type != BS_TTRPC_REQUEST) {
		bs_warn("nri: unexpected ttrpc type %u on conn %u, dropped",
			m->type, conn);
		return 0;
	}
	if (bs_ttrpc_check_sid(&c->last_sid, m->stream_id))
		return bs_nri_conn_reply(c, conn, m->stream_id,
					 BS_RPC_INVALID_ARGUMENT,
					 "invalid stream id", NULL);
	req = bs_ttrpc_decode_request(m);
	if (!req)
		return bs_nri_conn_reply(c, conn, m->stream_id,
					 BS_RPC_INVALID_ARGUMENT,
					 "undecodable request", NULL);
	if (strcmp(req->service, service)) {
		snprintf(text, sizeof(text), "service %.120s", req->service);
		code = BS_RPC_UNIMPLEMENTED;
	} else {
		code = fn(arg, c, m->stream_id, req);
		snprintf(text, sizeof(text), "method %.120s", req->method);
	}
	if (code > 0 && code != BS_RPC_UNIMPLEMENTED)
		snprintf(text, sizeof(text), "bad %.120s request", req->method);
	if (code > 0)
		code = bs_nri_conn_reply(c, conn, m->stream_id, code, text,
					 NULL);
	ttrpc__request__free_unpacked(req, NULL);
	return code;
}
