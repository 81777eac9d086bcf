/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One NRI socket: mux reassembly, one ttrpc reader per logical connection,
 * serialised sending, and the request/response plumbing shared by the
 * plugin side (nri/plugin.c) and the runtime side (nri/runtime.c).
 */
#ifndef BS_NRI_CONN_H
#define BS_NRI_CONN_H

#include <protobuf-c/protobuf-c.h>
#include <pthread.h>
#include <stdint.h>

#include "nri/mux.h"
#include "nri/ttrpc.h"

#define BS_NRI_PLUGIN_SERVICE  "nri.pkg.api.v1alpha1.Plugin"
#define BS_NRI_RUNTIME_SERVICE "nri.pkg.api.v1alpha1.Runtime"
#define BS_NRI_SEND_TIMEOUT_MS 2000 /* a peer that stops reading */

struct bs_nri_conn;

/* Every message that is not the reply bs_nri_conn_call_wait() waits for. */
typedef int (*bs_nri_msg_cb)(void *arg, struct bs_nri_conn *c, uint32_t conn,
			     const struct bs_ttrpc_msg *m);

struct bs_nri_conn {
	int fd;
	uint32_t client_conn; /* the logical conn on which we call */
	uint32_t next_sid;    /* our next request's stream id there */
	uint32_t last_sid;    /* last request id seen where we serve */
	struct bs_mux_rx mux;
	struct bs_ttrpc_rx rx[3]; /* by conn id; [0] unused */
	pthread_mutex_t send_lock;
	bs_nri_msg_cb on_msg;
	void *arg;
	int discard_tx; /* fuzzing: no socket, sends succeed silently */
	int go_frames;	/* send as a Go runtime does (bs_mux_send_go) */
	/* the reply being waited for */
	uint32_t wait_sid;
	int wait_done;
	uint8_t *wait_data;
	uint32_t wait_len;
};

void bs_nri_conn_init(struct bs_nri_conn *c, int fd, uint32_t client_conn,
		      bs_nri_msg_cb on_msg, void *arg);
/* Closes the fd and frees the buffers; safe to call twice. */
void bs_nri_conn_close(struct bs_nri_conn *c);

/* One read of what is available, dispatched.  0 (also on EAGAIN),
 * -ECONNRESET on EOF, -EPROTO/-EMSGSIZE on bad framing, or a callback's
 * negative return. */
int bs_nri_conn_read(struct bs_nri_conn *c);

/* Dispatch bytes as if read from the socket (tests, fuzzing). */
int bs_nri_conn_feed(struct bs_nri_conn *c, const uint8_t *buf, size_t n);

/* Send one complete ttrpc message on conn, chunked into mux frames. */
int bs_nri_conn_send(struct bs_nri_conn *c, uint32_t conn, const uint8_t *msg,
		     size_t len);

/* Reply on the serving conn; body NULL = empty message.  code != OK sends
 * a status with text instead of a payload. */
int bs_nri_conn_reply(struct bs_nri_conn *c, uint32_t conn, uint32_t sid,
		      int code, const char *text, const ProtobufCMessage *body);

/* Send a request on client_conn; *sid gets its stream id. */
int bs_nri_conn_call(struct bs_nri_conn *c, const char *service,
		     const char *method, const ProtobufCMessage *body,
		     int64_t timeout_ns, uint32_t *sid);

/* Call and read until the reply arrives or deadline_ns passes
 * (-ETIMEDOUT).  On success *resp is the unpacked envelope (free with
 * ttrpc__response__free_unpacked); other messages go to on_msg meanwhile. */
int bs_nri_conn_call_wait(struct bs_nri_conn *c, const char *service,
			  const char *method, const ProtobufCMessage *body,
			  int64_t deadline_ns, Ttrpc__Response **resp);

/* Method handler for bs_nri_conn_serve(): 0 when it replied, a positive
 * BS_RPC_* code for serve to send (UNIMPLEMENTED gets "method <name>"), or
 * a negative errno that ends the connection. */
typedef int (*bs_nri_method_fn)(void *arg, struct bs_nri_conn *c, uint32_t sid,
				const Ttrpc__Request *req);

/* Validate one incoming request (type, stream id, envelope, service) and
 * hand it to fn; errors become status replies as a ttrpc server does. */
int bs_nri_conn_serve(struct bs_nri_conn *c, uint32_t conn,
		      const struct bs_ttrpc_msg *m, const char *service,
		      bs_nri_method_fn fn, void *arg);

/* Status code of a reply envelope (0 when absent). */
int bs_nri_resp_code(const Ttrpc__Response *r);

#endif
