// SPDX-License-Identifier: Apache-2.0
/* Reliability scenarios: a broken state dir, no BTF, a hostile runtime. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/reliability/rel_scen.h"
#include "harness/runtime/uds.h"
#include "lib/clock.h"
#include "lib/cmd.h"
#include "lib/fs.h"
#include "nri/mux.h"
#include "nri/ttrpc.h"

#define READY_MS  15000
#define ACCEPT_MS 15000

static bool inject_failed(struct rel_env *e, void *arg)
{
	uint64_t v;

	(void)arg;
	return rel_stat(e, "inject_failed", &v) && v > 0;
}

/* ---- state dir that cannot be written --------------------------------- */

static int make_bad_state(struct rel_env *e, const char *how, char *path,
			  size_t len, bool *mounted)
{
	int fd;

	*mounted = false;
	if (!strcmp(how, "file")) {
		snprintf(path, len, "%s/state-is-a-file", e->run.dir);
		fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			return -errno;
		close(fd);
		return 0;
	}
	snprintf(path, len, "%s/state-ro", e->run.dir);
	if (mkdir(path, 0700))
		return -errno;
	if (mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV,
		  "size=1m"))
		return -errno;
	*mounted = true;
	return 0;
}

static int badstate_body(struct rel_env *e, const char *state,
			 struct rel_badstate *r, struct bs_nri_pod *c,
			 struct rel_why *w)
{
	struct rel_agent_args a = { .state_dir = state };
	int err = rel_listen(e);

	if (!err)
		err = rel_agent_start(e, &a);
	if (!err)
		err = rel_wait(e, rel_is_ready, NULL, READY_MS);
	if (!err)
		err = rel_accept(e, ACCEPT_MS, NULL, 0);
	if (err)
		return rel_fail(w, err, "agent with state %s not up: %s", state,
				strerror(-err));
	err = rel_ctr_new(e, c, 0, true);
	if (!err)
		err = rel_ctr_up(e, c);
	r->ctr_started = !err;
	r->adj_empty = !c->token_host[0];
	rel_wait(e, inject_failed, NULL, 5000);
	rel_stat(e, "inject_failed", &r->inject_failed);
	r->log_lines = rel_log_count(e, "inject");
	r->alive = rel_pump(e) == 0;
	rel_ctr_down(e, c, true);
	return 0;
}

int rel_run_badstate(struct rel_env *e, const char *how, struct rel_badstate *r,
		     struct rel_why *w)
{
	char state[BS_PATH_LEN];
	struct bs_nri_pod *c = calloc(1, sizeof(*c));
	bool mounted;
	int err;

	if (!c)
		return rel_fail(w, -ENOMEM, "out of memory");
	err = make_bad_state(e, how, state, sizeof(state), &mounted);
	if (err)
		rel_fail(w, err, "cannot make a %s state dir: %s", how,
			 strerror(-err));
	else
		err = badstate_body(e, state, r, c, w);
	rel_agent_stop(e);
	if (c->real)
		rel_ctr_down(e, c, false);
	if (mounted)
		umount2(state, MNT_DETACH);
	free(c);
	return err;
}

/* ---- no kernel BTF ---------------------------------------------------- */

int rel_run_nobtf(struct rel_env *e, struct rel_nobtf *r, struct rel_why *w)
{
	char empty[BS_PATH_LEN], script[4 * BS_PATH_LEN], out[8192];
	const char *argv[] = { "unshare", "-m", "sh", "-c", script, NULL };
	int64_t t0;
	int st = -1, fd, err;

	snprintf(empty, sizeof(empty), "%s/empty-btf", e->run.dir);
	fd = open(empty, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return rel_fail(w, -errno, "create %s", empty);
	close(fd);
	/* the bind mount lives only in the private mount namespace */
	snprintf(script, sizeof(script),
		 "mount --bind %s /sys/kernel/btf/vmlinux || exit 99; "
		 "exec %s --nri-socket %s --state-dir %s --hook-dir %s "
		 "--events %s/ev-nobtf --log-level info",
		 empty, e->bin, e->run.sock, e->run.state, e->run.hook,
		 e->run.dir);
	t0 = bs_now_ns();
	err = bs_cmd_run(argv, 20000, out, sizeof(out), &st);
	r->ms = rel_ms_since(t0);
	if (err == -ETIMEDOUT) {
		r->exited = false;
		return 0;
	}
	if (err)
		return rel_fail(w, err, "unshare: %s", strerror(-err));
	if (st == 99)
		return rel_fail(w, -EPERM,
				"cannot bind-mount over the BTF file");
	r->exited = true;
	r->status = st;
	memcpy(r->out, out, sizeof(r->out) - 1);
	r->out[sizeof(r->out) - 1] = '\0';
	for (char *p = out; (p = strcasestr(p, "btf")); p += 3)
		r->btf_lines++;
	return 0;
}

/* ---- a runtime that sends nonsense ------------------------------------ */

static int raw_accept(int lfd, int timeout_ms)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	int n = poll(&p, 1, timeout_ms);

	if (n <= 0)
		return n ? -errno : -ETIMEDOUT;
	n = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	return n < 0 ? -errno : n;
}

/* A frame on the plugin's conn is an answer (its RegisterPlugin request
 * comes on the runtime's). */
static int on_frame(void *arg, uint32_t conn, const uint8_t *data, size_t len)
{
	(void)data;
	(void)len;
	if (conn == BS_MUX_PLUGIN_CONN)
		*(bool *)arg = true;
	return 0;
}

/* Wait until the peer hangs up (1), answers (2) or neither (0).  The
 * stream is read as frames: one read may hold the request and the
 * answer. */
static int raw_outcome(int fd, int timeout_ms)
{
	int64_t end = bs_now_ns() + (int64_t)timeout_ms * 1000000;
	bool answered = false;
	struct bs_mux_rx rx;
	uint8_t buf[4096];

	bs_mux_rx_init(&rx);
	while (bs_now_ns() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return 1;
		bs_mux_rx_feed(&rx, buf, (size_t)n, on_frame, &answered);
	}
	return answered ? 2 : 0;
}

/* One mux frame holding a well-formed ttrpc request (empty body) for a
 * method the plugin does not have. */
static int unknown_method(uint8_t **out, size_t *len)
{
	uint8_t *msg;
	size_t mlen;
	int err;

	err = bs_ttrpc_encode_request(1, "nri.pkg.api.v1alpha1.Plugin",
				      "NoSuchMethod", NULL, 0, 2000000000LL,
				      &msg, &mlen);
	if (err)
		return err;
	*out = malloc(8 + mlen);
	if (*out) {
		bs_mux_put_hdr(*out, BS_MUX_PLUGIN_CONN, (uint32_t)mlen);
		memcpy(*out + 8, msg, mlen);
		*len = mlen + 8;
	}
	free(msg);
	return *out ? 0 : -ENOMEM;
}

static int garbage_bytes(int i, uint8_t **out, size_t *len)
{
	uint8_t *b;
	uint32_t x = 2463534242u;

	switch (i) {
	case 0: /* random bytes */
		b = malloc(4096);
		if (!b)
			return -ENOMEM;
		for (size_t k = 0; k < 4096; k++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			b[k] = (uint8_t)x;
		}
		*out = b;
		*len = 4096;
		return 0;
	case 1: /* a mux frame claiming 4 GiB */
	case 2: /* a ttrpc message claiming 4 GiB in a small frame */
		b = calloc(1, 64);
		if (!b)
			return -ENOMEM;
		if (i == 1) {
			bs_mux_put_hdr(b, BS_MUX_PLUGIN_CONN, 0xffffffffu);
		} else {
			bs_mux_put_hdr(b, BS_MUX_PLUGIN_CONN, 10);
			memset(b + 8, 0xff, 4); /* length */
			b[15] = 1;		/* stream 1 */
			b[16] = 1;		/* request */
		}
		*out = b;
		*len = i == 1 ? 64 : 18;
		return 0;
	default: /* a well-formed request for a method nobody has */
		return unknown_method(out, len);
	}
}

static int garbage_case(struct rel_env *e, int lfd, int i,
			struct rel_garbage *r, struct rel_why *w)
{
	static const char *const names[] = { "random-bytes", "4GiB-frame",
					     "4GiB-ttrpc", "unknown-method" };
	int fd = raw_accept(lfd, ACCEPT_MS), before, err, how;
	uint8_t *buf = NULL;
	size_t len = 0;

	r->name[i] = names[i];
	if (fd < 0)
		return rel_fail(w, fd, "%s: agent did not (re)connect: %s",
				names[i], strerror(-fd));
	r->reconnected[i] = true;
	rel_sleep_ms(100); /* let it send RegisterPlugin and log */
	before = rel_log_count(e, "");
	err = garbage_bytes(i, &buf, &len);
	if (!err)
		err = bs_write_all(fd, buf, len);
	free(buf);
	how = err ? 1 : raw_outcome(fd, 3000);
	r->dropped[i] = how == 1;
	r->answered[i] = how == 2;
	rel_sleep_ms(50);
	r->log_lines[i] = rel_log_count(e, "") - before;
	close(fd);
	return 0;
}

static int garbage_body(struct rel_env *e, struct rel_garbage *r,
			struct bs_nri_pod *c, struct rel_why *w)
{
	int lfd, err = 0;

	lfd = bs_uds_listen(e->run.sock);
	if (lfd < 0)
		return rel_fail(w, lfd, "listen: %s", strerror(-lfd));
	err = rel_agent_start(e, NULL);
	if (!err)
		err = rel_wait(e, rel_is_ready, NULL, READY_MS);
	if (err) {
		close(lfd);
		return rel_fail(w, err, "agent not ready: %s", strerror(-err));
	}
	r->pid_before = e->agent.pid;
	for (int i = 0; i < REL_GARBAGE_CASES && !err; i++)
		err = garbage_case(e, lfd, i, r, w);
	close(lfd);
	unlink(e->run.sock);
	if (err)
		return err;
	/* a sane runtime now: the agent must still serve it */
	err = rel_listen(e);
	if (!err)
		err = rel_accept(e, ACCEPT_MS, NULL, 0);
	if (err)
		return rel_fail(w, err, "real runtime after garbage: %s",
				strerror(-err));
	rel_pump(e);
	r->pid_after = e->agent.pid;
	err = rel_ctr_new(e, c, 0, false);
	if (!err)
		err = rel_ctr_up(e, c);
	r->served_after = !err && c->token_host[0];
	rel_ctr_down(e, c, true);
	return 0;
}

int rel_run_garbage(struct rel_env *e, struct rel_garbage *r, struct rel_why *w)
{
	struct bs_nri_pod *c = calloc(1, sizeof(*c));
	int err;

	if (!c)
		return rel_fail(w, -ENOMEM, "out of memory");
	err = garbage_body(e, r, c, w);
	free(c);
	return err;
}
