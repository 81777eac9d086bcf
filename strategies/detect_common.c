// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/kretprobe.h"
#include "lib/log.h"
#include "strategies/detect_common.h"
#include "strategies/methods.h"

bool bs_det_lsm_enabled(void)
{
	char buf[512], *tok, *save = NULL;
	FILE *f = fopen("/sys/kernel/security/lsm", "re");
	size_t n;

	/* securityfs is not always mounted (containers, minimal hosts) */
	if (!f && errno == ENOENT &&
	    !mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL))
		f = fopen("/sys/kernel/security/lsm", "re");
	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	for (tok = strtok_r(buf, ",\n", &save); tok;
	     tok = strtok_r(NULL, ",\n", &save))
		if (!strcmp(tok, "bpf"))
			return true;
	return false;
}

/* While probing, libbpf's load failures are expected: keep them at debug. */
static int quiet_print(enum libbpf_print_level lvl, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	if (lvl == LIBBPF_DEBUG)
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	if (n && line[n - 1] == '\n')
		line[n - 1] = '\0';
	bs_debug("libbpf: %s", line);
	return 0;
}

static int on_sample(void *arg, void *data, size_t size);

static int rb_open(struct bs_det_base *b, struct bpf_object *obj)
{
	b->rb = ring_buffer__new(
		bpf_object__find_map_fd_by_name(obj, "bs_events"), on_sample, b,
		NULL);
	if (!b->rb)
		return -errno;
	b->counters_fd = bpf_object__find_map_fd_by_name(obj, "bs_counters");
	b->agg_fd = bpf_object__find_map_fd_by_name(obj, "bs_agg");
	return 0;
}

static const struct bs_det_backend_desc *
find_desc(const struct bs_det_backend_desc *d, size_t n, enum bs_attach a)
{
	for (size_t i = 0; i < n; i++)
		if (d[i].attach == a)
			return &d[i];
	return NULL;
}

static void note_failure(char *why, size_t size, enum bs_attach a, int err)
{
	size_t len = strlen(why);

	snprintf(why + len, size - len, "%s%s: %s", len ? ", " : "",
		 bs_attach_name(a), strerror(-err));
}

bool bs_det_respond_able(const struct bs_detect_config *cfg,
			 const char *strategy, enum bs_attach a)
{
	return cfg->respond != BS_RESPOND_NONE &&
	       bs_respond_cap(strategy, a, cfg->respond) != BS_RCAP_NO;
}

void bs_det_respond_note(struct bs_detect_ctx *ctx, const char *strategy,
			 enum bs_attach a)
{
	unsigned action = ctx->cfg->respond;

	ctx->respond_able = bs_det_respond_able(ctx->cfg, strategy, a);
	if (action == BS_RESPOND_NONE)
		return;
	if (!ctx->respond_able)
		bs_warn("respond %s: %s on %s cannot (%s); accesses are "
			"reported only, counted as "
			"responses_total{action=\"%s\","
			"result=\"unsupported\"}",
			bs_respond_name(action), strategy, bs_attach_name(a),
			bs_respond_how(strategy, a, action),
			bs_respond_name(action));
	else
		bs_info("respond %s (scope %s): %s", bs_respond_name(action),
			ctx->cfg->respond_node ? "node" : "container",
			bs_respond_how(strategy, a, action));
}

int bs_det_start(struct bs_detect_ctx *ctx, const char *strategy,
		 const struct bs_det_backend_desc *descs, size_t n,
		 bs_det_try_fn try_fn, bs_det_undo_fn undo_fn)
{
	static const enum bs_attach order[] = { BS_ATTACH_LSM, BS_ATTACH_FENTRY,
						BS_ATTACH_KPROBE,
						BS_ATTACH_TRACEPOINT };
	enum bs_attach want = ctx->cfg->attach;
	struct bs_det_base *base = ctx->priv;
	libbpf_print_fn_t old = libbpf_set_print(quiet_print);
	char why[384] = "";
	int err = -EOPNOTSUPP;

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const struct bs_det_backend_desc *d;

		if (want != BS_ATTACH_AUTO && want != order[i])
			continue;
		d = find_desc(descs, n, order[i]);
		err = d ? try_fn(ctx, order[i]) : -EOPNOTSUPP;
		if (!err) {
			base->undo = undo_fn;
			libbpf_set_print(old);
			bs_det_respond_note(ctx, strategy, order[i]);
			ctx->backend = order[i];
			ctx->blind_spots =
				bs_access_blind_spots(strategy, order[i]);
			bs_info("detect %s: backend %s%s%s%s; blind spots: %s",
				strategy, bs_attach_name(order[i]),
				why[0] ? " (not available: " : "", why,
				why[0] ? ")" : "", ctx->blind_spots);
			return 0;
		}
		bs_det_base_close(base);
		undo_fn(ctx);
		note_failure(why, sizeof(why), order[i], err);
	}
	libbpf_set_print(old);
	snprintf(base->start_why, sizeof(base->start_why), "%s", why);
	if (!base->start_quiet)
		bs_err("detect %s: no backend could start (%s)", strategy, why);
	return err;
}

int bs_det_load(struct bs_det_base *b, struct bpf_object_skeleton *skel)
{
	struct bpf_object *obj = *skel->obj;
	struct bpf_program *prog, *watched[BS_DET_MAX_LINKS];
	/* only kernels before 5.16 need the verifier's log for the count,
	 * and only while loading */
	char(*vlog)[BS_VERIFIER_LOG_SIZE] = NULL;
	int n = 0, err;

	if (!bs_verifier_info_has_count())
		vlog = calloc(BS_DET_MAX_LINKS, sizeof(*vlog));
	b->n_verified = 0;
	bpf_object__for_each_program(prog, obj)
	{
		if (!bpf_program__autoload(prog) || n >= BS_DET_MAX_LINKS)
			continue;
		if (vlog)
			bs_verifier_log_stats(prog, vlog[n], sizeof(vlog[n]));
		watched[n++] = prog;
	}
	err = bpf_object__load_skeleton(skel); /* maps .bss/.data too */
	for (int i = 0; !err && i < n; i++) {
		struct bs_det_verified *v = &b->verified[i];

		snprintf(v->prog, sizeof(v->prog), "%s",
			 bpf_program__name(watched[i]));
		v->insns = bs_verifier_insns(watched[i], vlog ? vlog[i] : NULL);
		bs_debug("verifier: %s: %ld insns (budget %ld)", v->prog,
			 v->insns, BS_VERIFIER_BUDGET);
	}
	free(vlog);
	if (err)
		return err;
	b->n_verified = n;
	return rb_open(b, obj);
}

int bs_det_verified(const struct bs_detect_ctx *ctx,
		    const struct bs_det_verified **out)
{
	const struct bs_det_base *b =
		ctx->priv; /* first member of every priv */

	if (!b)
		return 0;
	*out = b->verified;
	return b->n_verified;
}

void *bs_det_priv_new(struct bs_detect_ctx *ctx, size_t size)
{
	struct bs_det_base *b = calloc(1, size);

	if (!b)
		return NULL;
	b->cfg = ctx->cfg;
	b->counters_fd = -1;
	b->agg_fd = -1;
	pthread_mutex_init(&b->lock, NULL);
	ctx->priv = b;
	return b;
}

/* Links slot i: a tracefs kretprobe when asked, libbpf's attach else. */
static struct bpf_link *attach_one(struct bs_det_base *b, int i)
{
	struct bpf_link *l;
	int pruned;

	if (!b->kret_func[i])
		return bpf_program__attach(b->progs[i]);
	pruned = bs_kretprobe_prune();
	if (pruned > 0)
		bs_info("removed %d kprobe event(s) a killed agent left in "
			"tracefs",
			pruned);
	l = bs_kretprobe_attach(b->progs[i], b->kret_func[i],
				BS_KRETPROBE_MAXACTIVE, b->kret_event[i],
				sizeof(b->kret_event[i]));
	if (l || b->kret_warned)
		return l ? l : bpf_program__attach(b->progs[i]);
	b->kret_warned = true;
	bs_warn("kretprobe %s: no tracefs event (%s): the kernel's default "
		"room for calls in flight, returns past it are missed",
		b->kret_func[i], strerror(errno));
	return bpf_program__attach(b->progs[i]);
}

static void detach_one(struct bs_det_base *b, int i)
{
	bpf_link__destroy(b->links[i]); /* NULL-safe */
	b->links[i] = NULL;
	bs_kretprobe_remove(b->kret_event[i]);
}

static int attach_new(struct bs_det_base *b, struct bpf_program *p,
		      const char *kret_func)
{
	struct bpf_link *l;
	int i = b->n_links;

	if (i >= BS_DET_MAX_LINKS)
		return -E2BIG;
	b->progs[i] = p;
	b->kret_func[i] = kret_func;
	b->kret_event[i][0] = '\0';
	l = attach_one(b, i);
	if (!l)
		return -errno;
	b->links[b->n_links++] = l;
	return 0;
}

int bs_det_attach(struct bs_det_base *b, struct bpf_program *p)
{
	return attach_new(b, p, NULL);
}

int bs_det_attach_kretprobe(struct bs_det_base *b, struct bpf_program *p,
			    const char *func)
{
	return attach_new(b, p, func);
}

int bs_det_pause(struct bs_detect_ctx *ctx, bool paused)
{
	struct bs_det_base *b = ctx->priv; /* first member of every priv */

	if (!b || b->paused == paused)
		return 0;
	for (int i = 0; i < b->n_links; i++) {
		if (paused) {
			detach_one(b, i);
			continue;
		}
		b->links[i] = attach_one(b, i);
		if (!b->links[i])
			return -errno;
	}
	b->paused = paused;
	return 0;
}

static int on_sample(void *arg, void *data, size_t size)
{
	struct bs_det_base *b = arg;
	struct bs_event ev;

	if (size < sizeof(ev))
		return 0; /* not ours: never trust a short record */
	memcpy(&ev, data, sizeof(ev));
	b->events++;
	if (b->cfg->on_event)
		b->cfg->on_event(&ev, b->cfg->on_event_arg);
	return 0;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Report one finished window's folded accesses, taking the entry out so
 * the kernel cannot report the same ones again. */
static int flush_one(struct bs_det_base *b, const struct bs_agg_key *k,
		     uint64_t now)
{
	struct bs_agg_val v;
	struct bs_event ev;

	if (bpf_map_lookup_elem(b->agg_fd, k, &v))
		return 0;
	if (!v.folded || now - v.last_ns < b->cfg->aggregate_ns)
		return 0;
	if (bpf_map_lookup_and_delete_elem(b->agg_fd, k, &v) || !v.folded)
		return 0;
	ev = v.ev;
	ev.ts_ns = v.last_fold_ns ? v.last_fold_ns : v.last_ns;
	ev.count = v.folded;
	ev.flags |= BS_EVF_AGGREGATED;
	b->events++;
	if (b->cfg->on_event)
		b->cfg->on_event(&ev, b->cfg->on_event_arg);
	return 1;
}

/* Windows that ended with folded accesses and no later access to carry
 * their count would otherwise never be reported. */
static int flush_aggregates(struct bs_det_base *b)
{
	struct bs_agg_key k, next;
	uint64_t now = mono_ns();
	int n = 0, more;

	if (b->agg_fd < 0 || !b->cfg->aggregate_ns ||
	    now - b->last_flush_ns < b->cfg->aggregate_ns / 2)
		return 0;
	b->last_flush_ns = now;
	more = !bpf_map_get_next_key(b->agg_fd, NULL, &next);
	while (more) {
		k = next;
		/* step before a delete can invalidate k */
		more = !bpf_map_get_next_key(b->agg_fd, &k, &next);
		n += flush_one(b, &k, now);
	}
	return n;
}

int bs_det_poll(struct bs_det_base *b, int timeout_ms)
{
	int n;

	if (!b->rb)
		return -EINVAL;
	n = ring_buffer__poll(b->rb, timeout_ms);
	if (n == -EINTR)
		n = 0;
	if (n >= 0)
		n += flush_aggregates(b);
	return n;
}

int bs_det_poll_fd(struct bs_det_base *b)
{
	return b->rb ? ring_buffer__epoll_fd(b->rb) : -1;
}

static uint64_t counter_sum(int fd, uint32_t idx)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals, sum = 0;

	if (fd < 0 || ncpu <= 0)
		return 0;
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals)
		return 0;
	if (!bpf_map_lookup_elem(fd, &idx, vals))
		for (int i = 0; i < ncpu; i++)
			sum += vals[i];
	free(vals);
	return sum;
}

void bs_det_stats(struct bs_det_base *b, struct bs_detect_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->events = b->events;
	out->map_full = b->map_full;
	out->ringbuf_drops = counter_sum(b->counters_fd, BS_CNT_RB_DROPS);
	out->aggregated = counter_sum(b->counters_fd, BS_CNT_AGGREGATED);
	out->partial_scans = counter_sum(b->counters_fd, BS_CNT_PARTIAL);
	for (unsigned a = 1; b->cfg->respond && a < BS_RESPOND_MAX; a++)
		for (unsigned r = 0; r < BS_RR_MAX; r++)
			out->responses[a][r] = counter_sum(
				b->counters_fd, bs_resp_counter(a, r));
}

int bs_det_op_poll_fd(struct bs_detect_ctx *ctx)
{
	struct bs_det_base *b = ctx->priv;

	return b ? bs_det_poll_fd(b) : -1;
}

int bs_det_op_poll(struct bs_detect_ctx *ctx, int timeout_ms)
{
	struct bs_det_base *b = ctx->priv;

	return b ? bs_det_poll(b, timeout_ms) : -EINVAL;
}

void bs_det_op_stats(struct bs_detect_ctx *ctx, struct bs_detect_stats *out)
{
	struct bs_det_base *b = ctx->priv;

	if (b)
		bs_det_stats(b, out);
	else
		memset(out, 0, sizeof(*out));
}

int bs_det_arm_result(struct bs_det_base *b, int err)
{
	if (err != -E2BIG && err != -ENOMEM && err != -ENOSPC)
		return err;
	b->map_full++;
	return -ENOSPC;
}

void bs_det_op_stop(struct bs_detect_ctx *ctx)
{
	struct bs_det_base *b = ctx->priv;

	if (!b)
		return;
	bs_det_base_close(b);
	if (b->undo)
		b->undo(ctx);
	pthread_mutex_destroy(&b->lock);
	free(b);
	ctx->priv = NULL;
}

void bs_det_base_close(struct bs_det_base *b)
{
	while (b->n_links > 0)
		detach_one(b, --b->n_links);
	ring_buffer__free(b->rb);
	b->rb = NULL;
	b->counters_fd = -1;
	b->agg_fd = -1;
}
