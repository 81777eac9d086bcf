// SPDX-License-Identifier: Apache-2.0
/* ttrpc message framing and envelopes (see ttrpc.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nri/be32.h"
#include "nri/ttrpc.h"

void bs_ttrpc_rx_init(struct bs_ttrpc_rx *rx)
{
	memset(rx, 0, sizeof(*rx));
}

void bs_ttrpc_rx_free(struct bs_ttrpc_rx *rx)
{
	free(rx->buf);
	bs_ttrpc_rx_init(rx);
}

/* Grow the body buffer as bytes arrive, never past the announced length:
 * a peer must send data before we hold memory for it. */
static int reserve(struct bs_ttrpc_rx *rx, size_t need)
{
	size_t cap = rx->cap ? rx->cap * 2 : 4096;
	uint8_t *p;

	if (need <= rx->cap && rx->buf)
		return 0;
	if (cap < need)
		cap = need;
	if (cap > rx->cur.len)
		cap = rx->cur.len;
	p = realloc(rx->buf, cap);
	if (!p)
		return -ENOMEM;
	rx->buf = p;
	rx->cap = cap;
	return 0;
}

#define KEEP_CAP 65536 /* a big resync message's buffer is not kept */

static int deliver(struct bs_ttrpc_rx *rx, bs_ttrpc_msg_cb cb, void *arg)
{
	int err;

	rx->cur.data = rx->buf;
	rx->in_body = 0;
	rx->got = 0;
	err = cb(arg, &rx->cur);
	if (rx->cap > KEEP_CAP) {
		free(rx->buf);
		rx->buf = NULL;
		rx->cap = 0;
	}
	return err;
}

static int take_hdr(struct bs_ttrpc_rx *rx)
{
	rx->cur.len = bs_get_be32(rx->hdr);
	rx->cur.stream_id = bs_get_be32(rx->hdr + 4);
	rx->cur.type = rx->hdr[8];
	rx->cur.flags = rx->hdr[9];
	rx->hdr_len = 0;
	if (rx->cur.len > BS_TTRPC_MAX_DATA)
		return -EMSGSIZE;
	rx->in_body = 1;
	rx->got = 0;
	return 0;
}

int bs_ttrpc_rx_feed(struct bs_ttrpc_rx *rx, const uint8_t *data, size_t n,
		     bs_ttrpc_msg_cb cb, void *arg)
{
	int err;

	while (n || (rx->in_body && rx->got == rx->cur.len)) {
		size_t k;

		if (!rx->in_body) {
			k = BS_TTRPC_HDR_LEN - rx->hdr_len;
			k = n < k ? n : k;
			memcpy(rx->hdr + rx->hdr_len, data, k);
			rx->hdr_len += k;
			data += k;
			n -= k;
			if (rx->hdr_len == BS_TTRPC_HDR_LEN &&
			    (err = take_hdr(rx)))
				return err;
			continue;
		}
		if (rx->got == rx->cur.len) {
			if ((err = deliver(rx, cb, arg)))
				return err;
			continue;
		}
		k = rx->cur.len - rx->got;
		k = n < k ? n : k;
		if ((err = reserve(rx, rx->got + k)))
			return err;
		memcpy(rx->buf + rx->got, data, k);
		rx->got += k;
		data += k;
		n -= k;
	}
	return 0;
}

static int finish(uint32_t sid, uint8_t type, const ProtobufCMessage *body,
		  uint8_t **out, size_t *out_len)
{
	size_t len = protobuf_c_message_get_packed_size(body);
	uint8_t *buf;

	if (len > BS_TTRPC_MAX_DATA)
		return -EMSGSIZE;
	buf = malloc(BS_TTRPC_HDR_LEN + len);
	if (!buf)
		return -ENOMEM;
	bs_put_be32(buf, (uint32_t)len);
	bs_put_be32(buf + 4, sid);
	buf[8] = type;
	buf[9] = 0;
	protobuf_c_message_pack(body, buf + BS_TTRPC_HDR_LEN);
	*out = buf;
	*out_len = BS_TTRPC_HDR_LEN + len;
	return 0;
}

int bs_ttrpc_encode_request(uint32_t sid, const char *service,
			    const char *method, const uint8_t *payload,
			    size_t len, int64_t timeout_ns, uint8_t **out,
			    size_t *out_len)
{
	Ttrpc__Request req = TTRPC__REQUEST__INIT;

	if (len > BS_TTRPC_MAX_DATA)
		return -EMSGSIZE;
	req.service = (char *)service;
	req.method = (char *)method;
	req.payload.data = (uint8_t *)payload;
	req.payload.len = payload ? len : 0;
	req.timeout_nano = timeout_ns;
	return finish(sid, BS_TTRPC_REQUEST, &req.base, out, out_len);
}

int bs_ttrpc_encode_response(uint32_t sid, int code, const char *message,
			     const uint8_t *payload, size_t len, uint8_t **out,
			     size_t *out_len)
{
	Ttrpc__Response resp = TTRPC__RESPONSE__INIT;
	Ttrpc__Status st = TTRPC__STATUS__INIT;

	if (code != BS_RPC_OK) {
		st.code = code;
		st.message = (char *)(message ? message : "");
		resp.status = &st;
	} else if (payload) {
		if (len > BS_TTRPC_MAX_DATA)
			return -EMSGSIZE;
		resp.payload.data = (uint8_t *)payload;
		resp.payload.len = len;
	}
	return finish(sid, BS_TTRPC_RESPONSE, &resp.base, out, out_len);
}

int bs_ttrpc_check_sid(uint32_t *last_sid, uint32_t sid)
{
	if (!(sid & 1) || sid <= *last_sid)
		return BS_RPC_INVALID_ARGUMENT;
	*last_sid = sid;
	return 0;
}

Ttrpc__Request *bs_ttrpc_decode_request(const struct bs_ttrpc_msg *m)
{
	return ttrpc__request__unpack(NULL, m->len, m->data);
}

Ttrpc__Response *bs_ttrpc_decode_response(const struct bs_ttrpc_msg *m)
{
	return ttrpc__response__unpack(NULL, m->len, m->data);
}
