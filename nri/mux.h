/* SPDX-License-Identifier: Apache-2.0 */
/*
 * NRI multiplexer frames (pkg/net/multiplex): [conn u32 BE][len u32 BE][data].
 *
 * The receiver side turns an arbitrary byte stream (reads need not line up
 * with frames) into per-connection payload pieces.  The sender side cuts a
 * message into frames of at most BS_MUX_SEND_MAX bytes (strategy A of the
 * spec, safe with every runtime's 4096-byte bufio reader).
 */
#ifndef BS_NRI_MUX_H
#define BS_NRI_MUX_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#define BS_MUX_HDR_LEN	    8
#define BS_MUX_MAX_FRAME    4194314u /* 10 + 4 MiB: the largest a Go peer sends */
#define BS_MUX_SEND_MAX	    4096u
#define BS_MUX_PLUGIN_CONN  1u /* runtime calls plugin */
#define BS_MUX_RUNTIME_CONN 2u /* plugin calls runtime */

/* Called for each piece of payload of a frame on conn 1 or 2.  A non-zero
 * return stops the feed and is returned by bs_mux_rx_feed(). */
typedef int (*bs_mux_data_cb)(void *arg, uint32_t conn, const uint8_t *data,
			      size_t len);

struct bs_mux_rx {
	uint8_t hdr[BS_MUX_HDR_LEN];
	size_t hdr_len;
	uint32_t conn;	  /* of the frame being read */
	uint32_t left;	  /* payload bytes of that frame still to come */
	uint64_t dropped; /* payload bytes of unknown conn ids */
	int warned;
};

void bs_mux_rx_init(struct bs_mux_rx *rx);
/* 0, the callback's error, or -EPROTO for a frame longer than
 * BS_MUX_MAX_FRAME (the connection must then be closed). */
int bs_mux_rx_feed(struct bs_mux_rx *rx, const uint8_t *buf, size_t n,
		   bs_mux_data_cb cb, void *arg);

void bs_mux_put_hdr(uint8_t *hdr, uint32_t conn, uint32_t len);

/* Send len bytes on conn over the stream socket fd, in frames of at most
 * BS_MUX_SEND_MAX bytes, each written whole.  fd may be non-blocking: we
 * wait for POLLOUT until deadline_ns (CLOCK_MONOTONIC), then -ETIMEDOUT.
 * len must be > 0 (no zero-length frames).  Negative errno on failure. */
int bs_mux_send(int fd, uint32_t conn, const uint8_t *data, size_t len,
		int64_t deadline_ns);
/* As a Go runtime writes one ttrpc message through its 4096-byte bufio
 * writer (strategy B): a first frame of at most 4096 bytes, the rest in one
 * frame (a message is at most 4 MiB + 10).  Our runtime side sends so, so
 * that a plugin meets the frames a real runtime sends. */
int bs_mux_send_go(int fd, uint32_t conn, const uint8_t *data, size_t len,
		   int64_t deadline_ns);

/* One poll(2) of pfd until deadline_ns (CLOCK_MONOTONIC), at most 60 s.
 * Returns poll's count (0 when woken early or interrupted: loop), or
 * -ETIMEDOUT once the deadline has passed, or -errno. */
int bs_poll_deadline(struct pollfd *pfd, int64_t deadline_ns);

#endif
