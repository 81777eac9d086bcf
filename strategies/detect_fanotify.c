// SPDX-License-Identifier: Apache-2.0
/*
 * "fanotify" detection (detect_fanotify.h).  Two threads meet here:
 * - the responder (ours, started by start()): reads permission events,
 *   names the token by the event fd's (dev, ino), reads the accessor from
 *   /proc while it is still blocked, answers FAN_ALLOW, queues the event;
 * - the caller of poll() (the agent's alert thread): takes queued events
 *   and hands them to cfg->on_event.
 * Only the responder ever answers, so no thread of the agent that reads a
 * token (digest checks, resync) can wait on itself: its access is answered
 * like anyone's, and not reported when it is the agent's (cfg->agent_tgid).
 * The responder itself must never touch a token file.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"
#include "bpf/detect_shared.h"
#include "strategies/detect_common.h"
#include "strategies/detect_fanotify.h"
#include "strategies/fanotify_proc.h"
#include "strategies/methods.h"

#define FAN_BUCKETS   65536u /* token table: (dev, ino) -> token id */
#define FAN_QUEUE     8192u  /* events waiting for poll() */
#define FAN_FOLDS     512u   /* aggregation windows open at once */
#define FAN_BATCH     64u    /* events handed out per lock */
#define FAN_MASK_BASE (FAN_OPEN_PERM | FAN_ACCESS_PERM)

struct fan_tok {
	uint64_t dev, ino;
	uint32_t id;
	uint64_t cgroup_id; /* the token's container (--respond scope) */
	uint32_t mntns;
	char *path; /* where the agent reaches the file (disarm, pause) */
	struct fan_tok *next;
};

/* One (token, thread) aggregation window; the responder's alone. */
struct fan_fold {
	bool used;
	uint32_t token_id, tid;
	uint64_t start_ns, last_fold_ns;
	uint32_t folded;
	struct bs_event ev; /* the window's first event */
};

struct fan_priv {
	const struct bs_detect_config *cfg;
	int fan_fd, wake_fd, ready_fd;
	uint64_t mask;
	pthread_t thread;
	bool thread_started, paused;

	pthread_mutex_t lock; /* tokens, n_tokens, paused */
	struct fan_tok **tokens;
	size_t n_tokens;

	pthread_mutex_t qlock; /* the queue */
	struct bs_event *q;
	size_t q_head, q_len;

	struct fan_fold folds[FAN_FOLDS];
	size_t n_folds;

	/* counters: written by one thread each, read by stats() */
	uint64_t events, drops, aggregated, map_full;
	uint64_t responses[BS_RESPOND_MAX][BS_RR_MAX];
	bool write_err_logged, respond_err_logged;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void add(uint64_t *c, uint64_t n)
{
	__atomic_add_fetch(c, n, __ATOMIC_RELAXED);
}

/* ---- token table ------------------------------------------------------ */

static unsigned int bucket(uint64_t dev, uint64_t ino)
{
	return (unsigned int)(((ino ^ (dev << 32)) * 0x9E3779B97F4A7C15ull) >>
			      48) &
	       (FAN_BUCKETS - 1);
}

static struct fan_tok **tok_slot(struct fan_priv *p, uint64_t dev, uint64_t ino)
{
	struct fan_tok **s = &p->tokens[bucket(dev, ino)];

	while (*s && ((*s)->dev != dev || (*s)->ino != ino))
		s = &(*s)->next;
	return s;
}

/* The token's id (0: not a token) and container, copied out. */
static struct fan_tok tok_lookup(struct fan_priv *p, uint64_t dev, uint64_t ino)
{
	struct fan_tok *t, out = { 0 };

	pthread_mutex_lock(&p->lock);
	t = *tok_slot(p, dev, ino);
	if (t)
		out = *t;
	pthread_mutex_unlock(&p->lock);
	out.path = NULL;
	out.next = NULL;
	return out;
}

static void tok_free(struct fan_tok *t)
{
	free(t->path);
	free(t);
}

/* ---- marks ------------------------------------------------------------ */

static int mark_link(struct fan_priv *p, unsigned int flags, uint64_t mask,
		     const char *link)
{
	return fanotify_mark(p->fan_fd, flags, mask, AT_FDCWD, link) ? -errno
								     : 0;
}

/* EINVAL on add: a kernel without FAN_OPEN_EXEC_PERM (< 5.0), when the
 * mark takes without it (go on without; exec is then an open), or a
 * filesystem that refuses permission marks (procfs and the like). */
static int mark_add(struct fan_priv *p, const char *link)
{
	int err = mark_link(p, FAN_MARK_ADD, p->mask, link);

	if (err != -EINVAL || !(p->mask & FAN_OPEN_EXEC_PERM))
		return err == -EINVAL ? -EOPNOTSUPP : err;
	if (mark_link(p, FAN_MARK_ADD, FAN_MASK_BASE, link))
		return -EOPNOTSUPP;
	p->mask = FAN_MASK_BASE;
	bs_warn("detect fanotify: no FAN_OPEN_EXEC_PERM here: an exec of a "
		"token is reported as an open");
	return 0;
}

/* Marks by an O_PATH fd of the file, through its /proc/self/fd link: the
 * (dev, ino) checked is the one marked.  Refuses a path that now names
 * another file than the token record. */
static int mark_path(struct fan_priv *p, bool add, const char *path,
		     uint64_t dev, uint64_t ino)
{
	char link[40];
	struct stat st;
	int fd, err = 0;

	if (!path || !*path)
		return -ENOENT;
	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st))
		err = -errno;
	else if (bs_dev_to_kernel(st.st_dev) != dev || st.st_ino != ino)
		err = -ESTALE;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if (!err)
		err = add ? mark_add(p, link)
			  : mark_link(p, FAN_MARK_REMOVE, p->mask, link);
	close(fd);
	return err;
}

/* ---- delivery to poll() ------------------------------------------------- */

static void queue_push(struct fan_priv *p, const struct bs_event *ev)
{
	uint64_t one = 1;
	bool full;

	pthread_mutex_lock(&p->qlock);
	full = p->q_len == FAN_QUEUE;
	if (!full)
		p->q[(p->q_head + p->q_len++) % FAN_QUEUE] = *ev;
	pthread_mutex_unlock(&p->qlock);
	if (full) {
		add(&p->drops, 1); /* never lost without a count */
		return;
	}
	if (write(p->ready_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		bs_debug("detect fanotify: eventfd: %s", strerror(errno));
}

static size_t queue_take(struct fan_priv *p, struct bs_event *out, size_t max)
{
	size_t n = 0;

	pthread_mutex_lock(&p->qlock);
	while (n < max && p->q_len) {
		out[n++] = p->q[p->q_head];
		p->q_head = (p->q_head + 1) % FAN_QUEUE;
		p->q_len--;
	}
	pthread_mutex_unlock(&p->qlock);
	return n;
}

/* ---- aggregation (responder thread only) -------------------------------- */

static struct fan_fold *fold_find(struct fan_priv *p, uint32_t id, uint32_t tid)
{
	for (size_t i = 0; i < FAN_FOLDS && p->n_folds; i++) {
		struct fan_fold *f = &p->folds[i];

		if (f->used && f->token_id == id && f->tid == tid)
			return f;
	}
	return NULL;
}

static struct fan_fold *fold_new(struct fan_priv *p)
{
	for (size_t i = 0; i < FAN_FOLDS; i++)
		if (!p->folds[i].used) {
			p->n_folds++;
			return &p->folds[i];
		}
	return NULL; /* all windows busy: report unfolded */
}

/* Windows that ended with folded accesses no later access carried. */
static void fold_flush(struct fan_priv *p, uint64_t now)
{
	for (size_t i = 0; i < FAN_FOLDS && p->n_folds; i++) {
		struct fan_fold *f = &p->folds[i];
		struct bs_event ev;

		if (!f->used || now - f->start_ns < p->cfg->aggregate_ns)
			continue;
		if (f->folded) {
			ev = f->ev;
			ev.ts_ns = f->last_fold_ns;
			ev.count = f->folded;
			ev.flags |= BS_EVF_AGGREGATED;
			queue_push(p, &ev);
		}
		f->used = false;
		p->n_folds--;
	}
}

/* ---- the responder ------------------------------------------------------ */

static uint32_t method_of(uint64_t mask)
{
	if (mask & FAN_OPEN_EXEC_PERM)
		return BS_M_EXEC;
	if (mask & FAN_ACCESS_PERM)
		return BS_M_READ;
	return BS_M_OPEN;
}

static bool is_agent(const struct fan_priv *p, const struct bs_event *who)
{
	return p->cfg->agent_tgid && who->tgid == p->cfg->agent_tgid;
}

/* Inside the token's container always; outside only with scope node,
 * and never the runtime there (the BPF programs decide alike). */
static unsigned scope_of(const struct fan_priv *p, const struct fan_tok *t,
			 const struct bs_event *who)
{
	if ((t->cgroup_id && who->cgroup_id == t->cgroup_id) ||
	    (t->mntns && who->mntns_ino == t->mntns))
		return BS_RR_DONE;
	if (!p->cfg->respond_node)
		return BS_RR_OUT_OF_SCOPE;
	return bs_runtime_comm(who->comm) ? BS_RR_RUNTIME : BS_RR_DONE;
}

/* --respond, decided while the accessor still waits: kill sends SIGKILL
 * to its thread now; the caller answers FAN_DENY for kill and deny. */
static void respond(struct fan_priv *p, const struct fan_tok *t, uint32_t tid,
		    const struct bs_event *who, struct bs_event *ev)
{
	unsigned action = p->cfg->respond, result;
	int err = 0;

	ev->respond = (__u8)action;
	if (action == BS_RESPOND_NONE)
		return;
	result = scope_of(p, t, who);
	if (result == BS_RR_DONE && action == BS_RESPOND_KILL &&
	    (!who->tgid ||
	     syscall(SYS_tgkill, (pid_t)who->tgid, (pid_t)tid, SIGKILL)))
		err = who->tgid ? -errno : -ESRCH;
	if (err) {
		result = BS_RR_FAILED;
		if (!p->respond_err_logged) {
			p->respond_err_logged = true;
			bs_err("respond kill: thread %u: %s (counted; further "
			       "failures not logged)",
			       tid, strerror(-err));
		}
	}
	ev->respond_result = (__u8)result;
	ev->respond_err = (__s16)err;
	add(&p->responses[action][result], 1);
}

/* An access of token t by thread tid: respond, then fold it or queue an
 * event with the accessor read from /proc (it is still blocked).  Before
 * the answer; returns true to deny. */
static bool on_access(struct fan_priv *p, const struct fan_tok *t, uint32_t tid,
		      uint64_t mask, const struct stat *st)
{
	uint64_t now = mono_ns(), agg = p->cfg->aggregate_ns;
	uint32_t id = t->id;
	struct fan_fold *f = agg ? fold_find(p, id, tid) : NULL;
	struct bs_event ev = { 0 };
	uint32_t folded = 0;

	if (f && now - f->start_ns < agg) {
		if (is_agent(p, &f->ev) && f->ev.tgid)
			return false;
		respond(p, t, tid, &f->ev, &ev);
		f->folded++;
		f->last_fold_ns = now;
		add(&p->aggregated, 1);
		return ev.respond_result == BS_RR_DONE;
	}
	ev.ts_ns = now;
	ev.dev = bs_dev_to_kernel(st->st_dev);
	ev.ino = st->st_ino;
	ev.token_id = id;
	ev.method = method_of(mask);
	ev.backend = BS_ATTACH_FANOTIFY;
	bs_fan_attribute(tid, &ev); /* a thread killed meanwhile: what we got */
	if (!is_agent(p, &ev))
		respond(p, t, tid, &ev, &ev);
	if (f) {
		folded = f->folded;
	} else if (agg) {
		f = fold_new(p);
	}
	ev.count = folded + 1;
	if (folded)
		ev.flags |= BS_EVF_AGGREGATED;
	if (f) {
		*f = (struct fan_fold){ .used = true,
					.token_id = id,
					.tid = tid,
					.start_ns = now,
					.ev = ev };
	}
	if (is_agent(p, &ev))
		return false; /* the agent's own read: allowed, not reported */
	queue_push(p, &ev);
	return ev.respond_result == BS_RR_DONE;
}

static void answer(struct fan_priv *p, int fd, bool deny)
{
	struct fanotify_response r = { .fd = fd,
				       .response =
					       deny ? FAN_DENY : FAN_ALLOW };

	if (write(p->fan_fd, &r, sizeof(r)) == (ssize_t)sizeof(r))
		return;
	if (!p->write_err_logged) {
		p->write_err_logged = true;
		bs_err("detect fanotify: answering an event: %s",
		       strerror(errno));
	}
}

static void on_event(struct fan_priv *p,
		     const struct fanotify_event_metadata *m)
{
	struct fan_tok t = { 0 };
	struct stat st;
	bool deny = false;

	if (m->mask & FAN_Q_OVERFLOW) {
		add(&p->drops, 1); /* the kernel allowed them unseen */
		return;
	}
	if (m->fd < 0)
		return;
	if (!fstat(m->fd, &st))
		t = tok_lookup(p, bs_dev_to_kernel(st.st_dev), st.st_ino);
	if (t.id && (m->mask & (FAN_MASK_BASE | FAN_OPEN_EXEC_PERM)))
		deny = on_access(p, &t, (uint32_t)m->pid, m->mask, &st);
	/* allowed unless --respond killed or denies the accessor: without
	 * it the bait behaves like any file; a killed one is answered only
	 * now, after its SIGKILL */
	if (m->mask & (FAN_MASK_BASE | FAN_OPEN_EXEC_PERM))
		answer(p, m->fd, deny);
	close(m->fd);
}

static void read_events(struct fan_priv *p)
{
	char buf[8192] __attribute__((
		aligned(__alignof__(struct fanotify_event_metadata))));
	const struct fanotify_event_metadata *m;
	ssize_t n = read(p->fan_fd, buf, sizeof(buf));

	if (n <= 0)
		return;
	for (m = (const void *)buf; FAN_EVENT_OK(m, n);
	     m = FAN_EVENT_NEXT(m, n))
		if (m->vers == FANOTIFY_METADATA_VERSION)
			on_event(p, m);
}

static int wait_ms(const struct fan_priv *p)
{
	uint64_t half = p->cfg->aggregate_ns / 2000000;

	if (!p->n_folds)
		return -1;
	return half < 1 ? 1 : half > 1000 ? 1000 : (int)half;
}

static void *responder(void *arg)
{
	struct fan_priv *p = arg;

	for (;;) {
		struct pollfd pf[2] = { { p->fan_fd, POLLIN, 0 },
					{ p->wake_fd, POLLIN, 0 } };
		int n = poll(pf, 2, wait_ms(p));

		if (n < 0 && errno != EINTR)
			break;
		if (pf[1].revents)
			break;
		if (pf[0].revents & POLLIN)
			read_events(p);
		if (p->n_folds)
			fold_flush(p, mono_ns());
	}
	return NULL;
}

/* ---- the vtable --------------------------------------------------------- */

static const char *init_hint(int err)
{
	switch (err) {
	case EPERM:
		return "permission events need CAP_SYS_ADMIN";
	case EINVAL:
		return "the kernel lacks CONFIG_FANOTIFY_ACCESS_PERMISSIONS "
		       "(or FAN_REPORT_TID: Linux < 4.20)";
	case ENOSYS:
		return "the kernel lacks CONFIG_FANOTIFY";
	default:
		return strerror(err);
	}
}

static void fan_free(struct fan_priv *p)
{
	if (p->fan_fd >= 0)
		close(p->fan_fd); /* the kernel allows whatever is pending */
	if (p->wake_fd >= 0)
		close(p->wake_fd);
	if (p->ready_fd >= 0)
		close(p->ready_fd);
	for (size_t i = 0; p->tokens && i < FAN_BUCKETS; i++)
		while (p->tokens[i]) {
			struct fan_tok *t = p->tokens[i];

			p->tokens[i] = t->next;
			tok_free(t);
		}
	free(p->tokens);
	free(p->q);
	pthread_mutex_destroy(&p->lock);
	pthread_mutex_destroy(&p->qlock);
	free(p);
}

static int fan_open(struct fan_priv *p)
{
	p->fan_fd =
		fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK |
				      FAN_REPORT_TID | FAN_UNLIMITED_MARKS,
			      O_RDONLY | O_LARGEFILE | O_CLOEXEC);
	if (p->fan_fd < 0) {
		int err = errno;

		bs_err("detect fanotify: fanotify_init: %s", init_hint(err));
		return -err;
	}
	p->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	p->ready_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p->wake_fd < 0 || p->ready_fd < 0)
		return -errno;
	return 0;
}

/* The responder gets no signals: the agent's handlers run elsewhere. */
static int spawn(struct fan_priv *p)
{
	sigset_t all, old;
	int err;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&p->thread, NULL, responder, p);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		return -err;
	p->thread_started = true;
	return 0;
}

static int fan_start(struct bs_detect_ctx *ctx)
{
	enum bs_attach want = ctx->cfg->attach;
	struct fan_priv *p;
	int err;

	if (want != BS_ATTACH_AUTO && want != BS_ATTACH_FANOTIFY) {
		bs_err("detect fanotify: --attach %s is a BPF backend; "
		       "fanotify takes auto or fanotify",
		       bs_attach_name(want));
		return -EOPNOTSUPP;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->cfg = ctx->cfg;
	p->fan_fd = p->wake_fd = p->ready_fd = -1;
	p->mask = FAN_MASK_BASE | FAN_OPEN_EXEC_PERM;
	pthread_mutex_init(&p->lock, NULL);
	pthread_mutex_init(&p->qlock, NULL);
	p->tokens = calloc(FAN_BUCKETS, sizeof(struct fan_tok *));
	p->q = calloc(FAN_QUEUE, sizeof(*p->q));
	err = p->tokens && p->q ? fan_open(p) : -ENOMEM;
	if (!err)
		err = spawn(p);
	if (err) {
		fan_free(p);
		return err;
	}
	ctx->priv = p;
	ctx->backend = BS_ATTACH_FANOTIFY;
	ctx->blind_spots = bs_access_blind_spots("fanotify", ctx->backend);
	bs_det_respond_note(ctx, "fanotify", ctx->backend);
	bs_info("detect fanotify: permission marks on token inodes; blind "
		"spots: %s",
		ctx->blind_spots);
	return 0;
}

static int tok_insert(struct fan_priv *p, const struct bs_token *t, bool *fresh)
{
	struct fan_tok **s = tok_slot(p, t->dev, t->ino), *n;

	*fresh = !*s;
	if (*s) { /* re-arming an armed inode swaps the token */
		(*s)->id = t->id;
		(*s)->cgroup_id = t->ctr_cgroup_id;
		(*s)->mntns = t->ctr_mntns;
		return 0;
	}
	if (p->n_tokens >= p->cfg->max_tokens) {
		p->map_full++;
		return -ENOSPC;
	}
	n = calloc(1, sizeof(*n));
	if (n)
		n->path = strdup(t->host_path);
	if (!n || !n->path) {
		free(n);
		return -ENOMEM;
	}
	n->dev = t->dev;
	n->ino = t->ino;
	n->id = t->id;
	n->cgroup_id = t->ctr_cgroup_id;
	n->mntns = t->ctr_mntns;
	*s = n;
	p->n_tokens++;
	return 0;
}

static void tok_unlink(struct fan_priv *p, struct fan_tok **s)
{
	struct fan_tok *t = *s;

	*s = t->next;
	tok_free(t);
	p->n_tokens--;
}

static int fan_arm(struct bs_detect_ctx *ctx, const struct bs_token *t)
{
	struct fan_priv *p = ctx->priv;
	bool fresh;
	int err;

	if (!p || !t->have_inode || !t->id)
		return -EINVAL;
	pthread_mutex_lock(&p->lock);
	/* in the table before the mark: the first event finds its token */
	err = tok_insert(p, t, &fresh);
	if (!err && fresh && !p->paused)
		err = mark_path(p, true, t->host_path, t->dev, t->ino);
	if (err && fresh && err != -ENOSPC)
		tok_unlink(p, tok_slot(p, t->dev, t->ino));
	pthread_mutex_unlock(&p->lock);
	if (err && err != -ENOSPC)
		bs_debug("detect fanotify: mark %s: %s", t->host_path,
			 strerror(-err));
	return err;
}

static int fan_disarm(struct bs_detect_ctx *ctx, const struct bs_token *t)
{
	struct fan_priv *p = ctx->priv;
	struct fan_tok **s;
	int err = 0;

	if (!p)
		return -EINVAL;
	pthread_mutex_lock(&p->lock);
	s = tok_slot(p, t->dev, t->ino);
	if (!*s || (*s)->id != t->id) {
		err = -ENOENT; /* another token may have re-armed it: keep */
	} else {
		/* a file already gone took its mark with it */
		if (!p->paused)
			mark_path(p, false, (*s)->path, t->dev, t->ino);
		tok_unlink(p, s);
	}
	pthread_mutex_unlock(&p->lock);
	return err;
}

int bs_fan_pause(struct bs_detect_ctx *ctx, bool paused)
{
	struct fan_priv *p = ctx->priv;
	int err = 0;

	if (!p)
		return -EINVAL;
	pthread_mutex_lock(&p->lock);
	for (size_t i = 0; p->paused != paused && i < FAN_BUCKETS && !err; i++)
		for (struct fan_tok *t = p->tokens[i]; t && !err; t = t->next)
			err = mark_path(p, !paused, t->path, t->dev, t->ino);
	if (!err)
		p->paused = paused;
	pthread_mutex_unlock(&p->lock);
	return err;
}

static int fan_poll_fd(struct bs_detect_ctx *ctx)
{
	struct fan_priv *p = ctx->priv;

	return p ? p->ready_fd : -1;
}

static int fan_poll(struct bs_detect_ctx *ctx, int timeout_ms)
{
	struct fan_priv *p = ctx->priv;
	struct pollfd pf;
	struct bs_event evs[FAN_BATCH];
	uint64_t v;
	size_t n;
	int total = 0;

	if (!p)
		return -EINVAL;
	pf = (struct pollfd){ p->ready_fd, POLLIN, 0 };
	if (poll(&pf, 1, timeout_ms) < 0 && errno != EINTR)
		return -errno;
	if (read(p->ready_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return -errno;
	while ((n = queue_take(p, evs, FAN_BATCH)) > 0) {
		for (size_t i = 0; i < n; i++)
			if (p->cfg->on_event)
				p->cfg->on_event(&evs[i], p->cfg->on_event_arg);
		add(&p->events, n);
		total += (int)n;
	}
	return total;
}

static void fan_stats(struct bs_detect_ctx *ctx, struct bs_detect_stats *out)
{
	struct fan_priv *p = ctx->priv;

	memset(out, 0, sizeof(*out));
	if (!p)
		return;
	out->events = __atomic_load_n(&p->events, __ATOMIC_RELAXED);
	out->ringbuf_drops = __atomic_load_n(&p->drops, __ATOMIC_RELAXED);
	out->aggregated = __atomic_load_n(&p->aggregated, __ATOMIC_RELAXED);
	for (unsigned a = 0; a < BS_RESPOND_MAX; a++)
		for (unsigned r = 0; r < BS_RR_MAX; r++)
			out->responses[a][r] = __atomic_load_n(
				&p->responses[a][r], __ATOMIC_RELAXED);
	pthread_mutex_lock(&p->lock);
	out->map_full = p->map_full;
	pthread_mutex_unlock(&p->lock);
}

static void fan_stop(struct bs_detect_ctx *ctx)
{
	struct fan_priv *p = ctx->priv;
	uint64_t one = 1;

	if (!p)
		return;
	if (p->thread_started) {
		if (write(p->wake_fd, &one, sizeof(one)) < 0)
			bs_warn("detect fanotify: waking the responder: %s",
				strerror(errno));
		pthread_join(p->thread, NULL);
	}
	/* open windows and what was queued last are still reported */
	if (p->thread_started)
		fold_flush(p, UINT64_MAX);
	fan_poll(ctx, 0);
	fan_free(p);
	ctx->priv = NULL;
}

const struct bs_detect_ops bs_detect_fanotify_ops = {
	.name = "fanotify",
	.start = fan_start,
	.arm = fan_arm,
	.disarm = fan_disarm,
	.poll_fd = fan_poll_fd,
	.poll = fan_poll,
	.stats = fan_stats,
	.stop = fan_stop,
};
