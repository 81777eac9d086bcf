// SPDX-License-Identifier: Apache-2.0
/* Timing relay on the NRI socket (containerd_nri_tap.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "harness/runtime/containerd_nri_tap.h"
#include "harness/runtime/uds.h"
#include "lib/clock.h"
#include "nri/mux.h"
#include "nri/ttrpc.h"

#define MAX_PENDING 32
#define MAX_METHODS 16

struct pending {
	uint32_t sid;
	int64_t t0;
	int method; /* index in methods[], -1 = free */
};

struct method {
	char name[48];
	struct bs_samples us; /* not yet taken */
};

/* One direction of the relay: its framing state. */
struct dir {
	struct ctrd_nri_tap *t;
	bool down; /* runtime -> plugin */
	struct bs_mux_rx mux;
	struct bs_ttrpc_rx ttrpc; /* of conn 1 only */
	int64_t now;		  /* when these bytes were read */
	bool lost;		  /* framing not understood: stop timing */
	int cap;		  /* raw copy ($BEESTING_NRI_CAPTURE), or -1 */
};

struct ctrd_nri_tap {
	char upstream[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int lfd, agent, runtime;
	int stop_pipe[2];
	pthread_t thread;
	pthread_mutex_t lock;
	struct dir down, up;
	int conns; /* plugin connections so far: names the captures */
	struct pending pend[MAX_PENDING];
	struct method methods[MAX_METHODS];
	int n_methods;
	unsigned long requests, unanswered;
};

static int method_idx(struct ctrd_nri_tap *t, const char *name)
{
	for (int i = 0; i < t->n_methods; i++)
		if (!strcmp(t->methods[i].name, name))
			return i;
	if (t->n_methods == MAX_METHODS)
		return -1;
	snprintf(t->methods[t->n_methods].name, sizeof(t->methods[0].name),
		 "%s", name);
	return t->n_methods++;
}

static void on_request(struct ctrd_nri_tap *t, const struct bs_ttrpc_msg *m,
		       int64_t now)
{
	Ttrpc__Request *r = bs_ttrpc_decode_request(m);
	struct pending *slot = NULL;

	if (!r)
		return;
	pthread_mutex_lock(&t->lock);
	t->requests++;
	for (int i = 0; i < MAX_PENDING && !slot; i++)
		if (t->pend[i].method < 0)
			slot = &t->pend[i];
	if (slot) {
		slot->sid = m->stream_id;
		slot->t0 = now;
		slot->method = method_idx(t, r->method ? r->method : "?");
	}
	pthread_mutex_unlock(&t->lock);
	ttrpc__request__free_unpacked(r, NULL);
}

static void on_response(struct ctrd_nri_tap *t, const struct bs_ttrpc_msg *m,
			int64_t now)
{
	pthread_mutex_lock(&t->lock);
	for (int i = 0; i < MAX_PENDING; i++) {
		struct pending *p = &t->pend[i];

		if (p->method < 0 || p->sid != m->stream_id)
			continue;
		bs_samples_add(&t->methods[p->method].us,
			       (double)(now - p->t0) / 1000.0);
		p->method = -1;
		break;
	}
	pthread_mutex_unlock(&t->lock);
}

static int on_msg(void *arg, const struct bs_ttrpc_msg *m)
{
	struct dir *d = arg;

	if (d->down && m->type == BS_TTRPC_REQUEST)
		on_request(d->t, m, d->now);
	else if (!d->down && m->type == BS_TTRPC_RESPONSE)
		on_response(d->t, m, d->now);
	return 0;
}

/* Conn 1 carries the runtime's calls and the plugin's answers. */
static int on_mux(void *arg, uint32_t conn, const uint8_t *data, size_t len)
{
	struct dir *d = arg;

	if (conn != BS_MUX_PLUGIN_CONN)
		return 0;
	return bs_ttrpc_rx_feed(&d->ttrpc, data, len, on_msg, d);
}

static void dir_reset(struct ctrd_nri_tap *t, struct dir *d, bool down)
{
	bs_ttrpc_rx_free(&d->ttrpc);
	memset(d, 0, sizeof(*d));
	d->t = t;
	d->down = down;
	d->cap = -1;
	bs_mux_rx_init(&d->mux);
	bs_ttrpc_rx_init(&d->ttrpc);
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Copy what from has to to; the framing is read after the copy so a
 * framing surprise never changes what the peers see. */
static int relay(struct dir *d, int from, int to)
{
	static uint8_t buf[65536];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n <= 0)
		return -ECONNRESET;
	d->now = bs_now_ns();
	if (write_all(to, buf, (size_t)n))
		return -EIO;
	if (d->cap >= 0 && write_all(d->cap, buf, (size_t)n)) {
		close(d->cap); /* the capture is short; the relay goes on */
		d->cap = -1;
	}
	if (!d->lost && bs_mux_rx_feed(&d->mux, buf, (size_t)n, on_mux, d))
		d->lost = true; /* stop timing, keep relaying */
	return 0;
}

static void close_pair(struct ctrd_nri_tap *t)
{
	if (t->agent >= 0)
		close(t->agent);
	if (t->runtime >= 0)
		close(t->runtime);
	t->agent = t->runtime = -1;
	if (t->down.cap >= 0)
		close(t->down.cap);
	if (t->up.cap >= 0)
		close(t->up.cap);
	t->down.cap = t->up.cap = -1;
	pthread_mutex_lock(&t->lock);
	for (int i = 0; i < MAX_PENDING; i++) {
		t->unanswered += t->pend[i].method >= 0;
		t->pend[i].method = -1;
	}
	pthread_mutex_unlock(&t->lock);
}

/* With $BEESTING_NRI_CAPTURE set to a directory: each direction of
 * plugin connection n, byte for byte, in
 * conn<n>.{runtime-to-plugin,plugin-to-runtime}.bin there. */
static int capture_file(const struct ctrd_nri_tap *t, const char *what)
{
	const char *dir = getenv("BEESTING_NRI_CAPTURE");
	char path[4096];

	if (!dir || !*dir)
		return -1;
	snprintf(path, sizeof(path), "%s/conn%d.%s.bin", dir, t->conns, what);
	return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

/* A new plugin connection replaces the old pair. */
static void accept_one(struct ctrd_nri_tap *t)
{
	int fd = accept4(t->lfd, NULL, NULL, SOCK_CLOEXEC), up;

	if (fd < 0)
		return;
	up = bs_uds_dial(t->upstream);
	if (up < 0) {
		close(fd); /* the agent retries, as with a runtime not up */
		return;
	}
	close_pair(t);
	t->agent = fd;
	t->runtime = up;
	dir_reset(t, &t->down, true);
	dir_reset(t, &t->up, false);
	t->conns++;
	t->down.cap = capture_file(t, "runtime-to-plugin");
	t->up.cap = capture_file(t, "plugin-to-runtime");
}

static void *tap_main(void *arg)
{
	struct ctrd_nri_tap *t = arg;

	for (;;) {
		struct pollfd p[4] = {
			{ .fd = t->stop_pipe[0], .events = POLLIN },
			{ .fd = t->lfd, .events = POLLIN },
			{ .fd = t->runtime, .events = POLLIN },
			{ .fd = t->agent, .events = POLLIN },
		};

		if (poll(p, 4, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents)
			break;
		if (p[1].revents & POLLIN)
			accept_one(t);
		if (p[2].revents && t->runtime >= 0 &&
		    relay(&t->down, t->runtime, t->agent))
			close_pair(t);
		if (p[3].revents && t->agent >= 0 &&
		    relay(&t->up, t->agent, t->runtime))
			close_pair(t);
	}
	close_pair(t);
	return NULL;
}

struct ctrd_nri_tap *ctrd_nri_tap_start(const char *listen_path,
					const char *upstream)
{
	struct ctrd_nri_tap *t = calloc(1, sizeof(*t));
	int err = -ENOMEM;

	if (!t)
		goto fail;
	t->agent = t->runtime = -1;
	for (int i = 0; i < MAX_PENDING; i++)
		t->pend[i].method = -1;
	err = -ENAMETOOLONG;
	if (strlen(upstream) >= sizeof(t->upstream))
		goto fail;
	snprintf(t->upstream, sizeof(t->upstream), "%s", upstream);
	pthread_mutex_init(&t->lock, NULL);
	dir_reset(t, &t->down, true);
	dir_reset(t, &t->up, false);
	t->lfd = bs_uds_listen(listen_path);
	err = t->lfd;
	if (t->lfd < 0)
		goto fail;
	if (pipe2(t->stop_pipe, O_CLOEXEC)) {
		err = -errno;
		close(t->lfd);
		goto fail;
	}
	err = -pthread_create(&t->thread, NULL, tap_main, t);
	if (!err)
		return t;
	close(t->lfd);
	close(t->stop_pipe[0]);
	close(t->stop_pipe[1]);
fail:
	free(t);
	errno = -err;
	return NULL;
}

int ctrd_nri_tap_take(struct ctrd_nri_tap *t, const char *method,
		      struct bs_samples *into)
{
	int n = 0;

	if (!t)
		return 0;
	pthread_mutex_lock(&t->lock);
	for (int i = 0; i < t->n_methods; i++) {
		struct bs_samples *s = &t->methods[i].us;

		if (strcmp(t->methods[i].name, method))
			continue;
		for (size_t j = 0; j < s->n; j++)
			n += into && bs_samples_add(into, s->v[j]) == 0;
		s->n = 0;
	}
	pthread_mutex_unlock(&t->lock);
	return n;
}

void ctrd_nri_tap_counts(struct ctrd_nri_tap *t, unsigned long *requests,
			 unsigned long *unanswered)
{
	pthread_mutex_lock(&t->lock);
	*requests = t->requests;
	*unanswered = t->unanswered;
	for (int i = 0; i < MAX_PENDING; i++)
		*unanswered += t->pend[i].method >= 0;
	pthread_mutex_unlock(&t->lock);
}

void ctrd_nri_tap_stop(struct ctrd_nri_tap *t)
{
	if (!t)
		return;
	if (write(t->stop_pipe[1], "x", 1) == 1)
		pthread_join(t->thread, NULL);
	close(t->stop_pipe[0]);
	close(t->stop_pipe[1]);
	close(t->lfd);
	bs_ttrpc_rx_free(&t->down.ttrpc);
	bs_ttrpc_rx_free(&t->up.ttrpc);
	for (int i = 0; i < t->n_methods; i++)
		bs_samples_free(&t->methods[i].us);
	pthread_mutex_destroy(&t->lock);
	free(t);
}
