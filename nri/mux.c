// SPDX-License-Identifier: Apache-2.0
/* NRI mux frames: receive-side reassembly and chunked sending (see mux.h). */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "nri/be32.h"
#include "nri/mux.h"

void bs_mux_put_hdr(uint8_t *hdr, uint32_t conn, uint32_t len)
{
	bs_put_be32(hdr, conn);
	bs_put_be32(hdr + 4, len);
}

void bs_mux_rx_init(struct bs_mux_rx *rx)
{
	memset(rx, 0, sizeof(*rx));
}

static int known_conn(uint32_t conn)
{
	return conn == BS_MUX_PLUGIN_CONN || conn == BS_MUX_RUNTIME_CONN;
}

/* Take header bytes; returns how many were consumed or -EPROTO. */
static int take_hdr(struct bs_mux_rx *rx, const uint8_t *buf, size_t n,
		    size_t *used)
{
	size_t want = BS_MUX_HDR_LEN - rx->hdr_len;

	*used = n < want ? n : want;
	memcpy(rx->hdr + rx->hdr_len, buf, *used);
	rx->hdr_len += *used;
	if (rx->hdr_len < BS_MUX_HDR_LEN)
		return 0;
	rx->hdr_len = 0;
	rx->conn = bs_get_be32(rx->hdr);
	rx->left = bs_get_be32(rx->hdr + 4);
	if (rx->left > BS_MUX_MAX_FRAME) {
		bs_err("nri mux: frame of %u bytes on conn %u exceeds %u",
		       rx->left, rx->conn, BS_MUX_MAX_FRAME);
		return -EPROTO;
	}
	/* Like the Go mux: frames for ids nobody opened are dropped. */
	if (!known_conn(rx->conn) && rx->left && !rx->warned) {
		bs_warn("nri mux: dropping frames for unknown conn %u",
			rx->conn);
		rx->warned = 1;
	}
	return 0;
}

int bs_mux_rx_feed(struct bs_mux_rx *rx, const uint8_t *buf, size_t n,
		   bs_mux_data_cb cb, void *arg)
{
	while (n) {
		size_t used;
		int err;

		if (!rx->left) {
			err = take_hdr(rx, buf, n, &used);
			if (err)
				return err;
		} else {
			used = n < rx->left ? n : rx->left;
			rx->left -= used;
			if (!known_conn(rx->conn))
				rx->dropped += used;
			else if ((err = cb(arg, rx->conn, buf, used)))
				return err;
		}
		buf += used;
		n -= used;
	}
	return 0;
}

int bs_poll_deadline(struct pollfd *pfd, int64_t deadline_ns)
{
	/* Round up: never give up before the deadline. */
	int64_t left_ms = (deadline_ns - bs_now_ns() + 999999) / 1000000;
	int r;

	if (left_ms <= 0)
		return -ETIMEDOUT;
	r = poll(pfd, 1, left_ms > 60000 ? 60000 : (int)left_ms);
	if (r < 0)
		return errno == EINTR ? 0 : -errno;
	return r;
}

static int wait_writable(int fd, int64_t deadline_ns)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	int r = bs_poll_deadline(&pfd, deadline_ns);

	if (r < 0)
		return r;
	if (r == 0)
		return deadline_ns <= bs_now_ns() ? -ETIMEDOUT : 0;
	if (pfd.revents & (POLLERR | POLLNVAL))
		return -EPIPE;
	return 0;
}

/* Write header + payload of one frame completely (other frames never get
 * between them: the caller serialises senders). */
static int send_frame(int fd, uint32_t conn, const uint8_t *data, size_t len,
		      int64_t deadline_ns)
{
	uint8_t hdr[BS_MUX_HDR_LEN];
	size_t off = 0, total = BS_MUX_HDR_LEN + len;

	bs_mux_put_hdr(hdr, conn, (uint32_t)len);
	while (off < total) {
		struct iovec iov[2];
		struct msghdr msg = { .msg_iov = iov };
		ssize_t w;
		int err;

		if (off < BS_MUX_HDR_LEN) {
			iov[0] = (struct iovec){ hdr + off,
						 BS_MUX_HDR_LEN - off };
			iov[1] = (struct iovec){ (void *)data, len };
			msg.msg_iovlen = 2;
		} else {
			iov[0] = (struct iovec){ (void *)(data + off -
							  BS_MUX_HDR_LEN),
						 total - off };
			msg.msg_iovlen = 1;
		}
		w = sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w >= 0) {
			off += (size_t)w;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		err = wait_writable(fd, deadline_ns);
		if (err)
			return err;
	}
	return 0;
}

/* The first frame at most `first` bytes, the others at most `rest`. */
static int send_frames(int fd, uint32_t conn, const uint8_t *data, size_t len,
		       size_t first, size_t rest, int64_t deadline_ns)
{
	size_t max = first;

	if (!len || len > BS_MUX_MAX_FRAME)
		return -EINVAL;
	while (len) {
		size_t chunk = len < max ? len : max;
		int err = send_frame(fd, conn, data, chunk, deadline_ns);

		if (err)
			return err;
		data += chunk;
		len -= chunk;
		max = rest;
	}
	return 0;
}

int bs_mux_send(int fd, uint32_t conn, const uint8_t *data, size_t len,
		int64_t deadline_ns)
{
	return send_frames(fd, conn, data, len, BS_MUX_SEND_MAX,
			   BS_MUX_SEND_MAX, deadline_ns);
}

int bs_mux_send_go(int fd, uint32_t conn, const uint8_t *data, size_t len,
		   int64_t deadline_ns)
{
	return send_frames(fd, conn, data, len, BS_MUX_SEND_MAX,
			   BS_MUX_MAX_FRAME, deadline_ns);
}
