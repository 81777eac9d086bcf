/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ttrpc on one NRI logical connection: 10-byte header
 * [len u32 BE][stream u32 BE][type u8][flags u8] + protobuf envelope
 * (ttrpc.Request / ttrpc.Response, see nri/ttrpc.proto).  NRI only makes
 * unary calls: one Request answered by one Response on the same stream id.
 */
#ifndef BS_NRI_TTRPC_H
#define BS_NRI_TTRPC_H

#include <stddef.h>
#include <stdint.h>

#include "nri/ttrpc.pb-c.h"

#define BS_TTRPC_HDR_LEN  10
#define BS_TTRPC_MAX_DATA 4194304u /* 4 MiB, ttrpc's message cap */

enum bs_ttrpc_type {
	BS_TTRPC_REQUEST = 1,
	BS_TTRPC_RESPONSE = 2,
	BS_TTRPC_DATA = 3,
};

/* gRPC status codes used by NRI. */
enum bs_rpc_code {
	BS_RPC_OK = 0,
	BS_RPC_UNKNOWN = 2,
	BS_RPC_INVALID_ARGUMENT = 3,
	BS_RPC_DEADLINE_EXCEEDED = 4,
	BS_RPC_RESOURCE_EXHAUSTED = 8,
	BS_RPC_UNIMPLEMENTED = 12,
	BS_RPC_INTERNAL = 13,
};

struct bs_ttrpc_msg {
	uint32_t stream_id;
	uint8_t type;
	uint8_t flags;
	const uint8_t *data; /* valid during the callback only */
	uint32_t len;
};

/* Non-zero return stops the feed and is passed up. */
typedef int (*bs_ttrpc_msg_cb)(void *arg, const struct bs_ttrpc_msg *m);

/* Reassembles messages from one logical connection's byte stream. */
struct bs_ttrpc_rx {
	uint8_t hdr[BS_TTRPC_HDR_LEN];
	size_t hdr_len;
	int in_body;
	struct bs_ttrpc_msg cur;
	uint8_t *buf;
	size_t cap;
	uint32_t got;
};

void bs_ttrpc_rx_init(struct bs_ttrpc_rx *rx);
void bs_ttrpc_rx_free(struct bs_ttrpc_rx *rx);
/* 0, the callback's error, -EMSGSIZE for data longer than 4 MiB, -ENOMEM. */
int bs_ttrpc_rx_feed(struct bs_ttrpc_rx *rx, const uint8_t *data, size_t n,
		     bs_ttrpc_msg_cb cb, void *arg);

/*
 * Build a complete message (header + body) in a malloc'd buffer the caller
 * frees.  payload may be NULL/0 (field omitted, as Go does); timeout_ns 0 =
 * no deadline.  Negative errno (-EMSGSIZE past 4 MiB, -ENOMEM).
 */
int bs_ttrpc_encode_request(uint32_t sid, const char *service,
			    const char *method, const uint8_t *payload,
			    size_t len, int64_t timeout_ns, uint8_t **out,
			    size_t *out_len);
/* code BS_RPC_OK omits the status (Go servers do); otherwise payload is
 * ignored and message explains the error. */
int bs_ttrpc_encode_response(uint32_t sid, int code, const char *message,
			     const uint8_t *payload, size_t len, uint8_t **out,
			     size_t *out_len);

/* Server-side stream id rule (ttrpc >= 1.2): odd and strictly increasing.
 * Returns 0 or BS_RPC_INVALID_ARGUMENT. */
int bs_ttrpc_check_sid(uint32_t *last_sid, uint32_t sid);

/* Decoders: NULL when the body is not a valid envelope. */
Ttrpc__Request *bs_ttrpc_decode_request(const struct bs_ttrpc_msg *m);
Ttrpc__Response *bs_ttrpc_decode_response(const struct bs_ttrpc_msg *m);

#endif
