/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers for the NRI suites: capture and parse what a peer wrote. */
#ifndef BS_TEST_NRI_UTIL_H
#define BS_TEST_NRI_UTIL_H

#include <protobuf-c/protobuf-c.h>
#include <stddef.h>
#include <stdint.h>

#include "nri/model.h"
#include "nri/mux.h"
#include "nri/ttrpc.h"

#define NRI_T_MAX_MSGS 256
#ifndef NRI_T_GOLDEN /* set by nri/nri.mk */
#define NRI_T_GOLDEN "../shared/nri-golden"
#endif

struct nri_t_msg {
	uint32_t conn, sid;
	uint8_t type, flags;
	uint8_t *data;
	uint32_t len;
};

struct nri_t_msgs {
	struct nri_t_msg v[NRI_T_MAX_MSGS];
	size_t n;
	uint8_t *raw; /* every byte fed, for frame-level checks */
	size_t raw_len;
	struct bs_mux_rx mux;
	struct bs_ttrpc_rx rx[3];
	uint32_t cur_conn;
};

void nri_t_msgs_init(struct nri_t_msgs *m);
int nri_t_msgs_feed(struct nri_t_msgs *m, const uint8_t *buf, size_t n);
void nri_t_msgs_free(struct nri_t_msgs *m);
/* Largest frame payload and frame count in m->raw; -1 if it does not
 * end on a frame boundary. */
long nri_t_max_frame(const struct nri_t_msgs *m, size_t *frames);
/* Read fd until nothing arrives for quiet_ms; returns bytes read. */
size_t nri_t_drain(int fd, struct nri_t_msgs *m, int quiet_ms);

int nri_t_read_file(const char *path, uint8_t **buf, size_t *len);
/* One mux frame holding one ttrpc request (malloc'd). */
int nri_t_request(uint32_t conn, uint32_t sid, const char *service,
		  const char *method, const ProtobufCMessage *body,
		  uint8_t **out, size_t *len);
/* The pod the NRI suites use (id pod-id-1, namespace default, made by
 * the API server, cgroup parent /kubepods, pid 42), named name. */
struct bs_pod nri_t_pod(const char *name);

/* Wrap raw ttrpc bytes (header included) in one mux frame. */
uint8_t *nri_t_frame(uint32_t conn, const uint8_t *data, size_t len);
/* The request type of a Plugin-service method a runtime calls (v0.4 ...
 * v0.12 event methods), or NULL. */
const ProtobufCMessageDescriptor *nri_t_request_desc(const char *method);

#endif
