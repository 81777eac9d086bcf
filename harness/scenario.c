// SPDX-License-Identifier: Apache-2.0
/* The scenario engine (scenario.h): flow, alert matching, results. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness/agentproc.h"
#include "harness/host_bench.h"
#include "harness/peers.h"
#include "harness/scenario.h"
#include "lib/clock.h"
#include "lib/cmd.h"
#include "lib/fmt.h"
#include "lib/log.h"
#include "strategies/methods.h"
#include "strategies/strategy.h"

#define DRAIN_AFTER_MATCH_MS 150 /* late lines of the same access */
#define RECON_SETTLE_MS	     300 /* alerts on the recon's reads */
#define RECON_OUT	     8192

volatile sig_atomic_t *bs_bench_interrupted;

int bs_bench_break(struct bs_bench *b, int err, const char *fmt, ...)
{
	va_list ap;

	if (!b->broken[0]) {
		va_start(ap, fmt);
		vsnprintf(b->broken, sizeof(b->broken), fmt, ap);
		va_end(ap);
		bs_err("run broken: %s", b->broken);
	}
	return err ? err : -EIO;
}

void bs_progress(struct bs_bench *b, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "[%d/%d] %s+%s/%s: %s\n", b->step, b->n_steps,
		b->cfg.inject, b->cfg.detect, b->cfg.backend, msg);
}

static bool have_cmd(const char *name)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", name);
	return bs_run_cmd(cmd, NULL, 0) == 0;
}

const char *bs_backend_choose(struct bs_bench_cfg *cfg)
{
	if (!cfg->backend[0] || !strcmp(cfg->backend, "auto")) {
		bool kind =
			have_cmd("kind") && have_cmd("kubectl") &&
			have_cmd("docker") &&
			bs_run_cmd("docker info >/dev/null 2>&1", NULL, 0) == 0;

		snprintf(cfg->backend, sizeof(cfg->backend), "%s",
			 kind ? "kind" : "local");
		fprintf(stderr, "backend: %s (%s)\n", cfg->backend,
			kind ? "kind, kubectl and a Docker engine found"
			     : "no kind cluster tooling: local NRI runtime + "
			       "runc");
	} else {
		fprintf(stderr, "backend: %s (asked for)\n", cfg->backend);
	}
	return cfg->backend;
}

static bool wanted(const char *list, const char *name)
{
	size_t n = strlen(name);

	if (!list[0])
		return true;
	for (const char *p = list; p && *p; p = strchr(p, ',')) {
		if (*p == ',')
			p++;
		if (!strncmp(p, name, n) && (p[n] == ',' || p[n] == '\0'))
			return true;
	}
	return false;
}

/* The tool the attacks run must be the one the table describes: a stale
 * build would make every expectation wrong.  0 when its --list lines are
 * the table's attack methods, by name and expectation, in order. */
static int attack_tool_matches(struct bs_bench *b)
{
	char cmd[BS_PATH_LEN + 32], out[8192], *save = NULL;
	size_t i = 0;
	int rc;

	snprintf(cmd, sizeof(cmd), "'%s/beesting-attack' --list", b->cfg.build);
	rc = bs_run_cmd(cmd, out, sizeof(out));
	if (rc != 0)
		return bs_bench_break(b, -ENOENT,
				      "%s/beesting-attack --list "
				      "failed (exit %d)",
				      b->cfg.build, rc);
	for (char *l = strtok_r(out, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save), i++) {
		char name[32], expect[16];

		while (i < BS_ACC_MAX &&
		       !(bs_access_methods[i].tools & BS_ACC_ATTACK))
			i++;
		if (i == BS_ACC_MAX ||
		    sscanf(l, "%31s %15s", name, expect) != 2 ||
		    strcmp(name, bs_access_methods[i].name) ||
		    strcmp(expect,
			   bs_access_expect_name(&bs_access_methods[i])))
			return bs_bench_break(b, -EINVAL,
					      "beesting-attack --list line "
					      "'%s' is not in the method "
					      "table (stale build?)",
					      l);
	}
	return 0;
}

int bs_methods_load(struct bs_bench *b)
{
	int err = attack_tool_matches(b);

	if (err)
		return err;
	b->n_methods = 0;
	for (size_t i = 0; i < BS_ACC_MAX; i++) {
		const struct bs_access *a = &bs_access_methods[i];
		struct bs_method *m = &b->methods[b->n_methods];

		if (!(a->tools & BS_ACC_ATTACK) ||
		    !wanted(b->cfg.methods, a->name))
			continue;
		if (b->n_methods == BS_MAX_METHODS)
			break;
		snprintf(m->name, sizeof(m->name), "%s", a->name);
		m->expect_alert = a->expect_alert;
		b->n_methods++;
	}
	if (b->n_methods == 0)
		return bs_bench_break(b, -EINVAL,
				      "no attack methods (filter "
				      "'%s')",
				      b->cfg.methods);
	return 0;
}

int bs_bench_overhead(struct bs_bench *b, const char *metric, const char *unit,
		      unsigned long n, double baseline, double median,
		      double p99)
{
	double ratio = (isnan(baseline) || baseline == 0 || isnan(median))
			       ? NAN
			       : median / baseline;
	struct bs_ovh_row *r;
	int err;

	err = bs_results_overhead(&b->res, metric, unit, n, baseline, median,
				  p99, ratio);
	if (err)
		bs_err("write overhead row %s: %s", metric, strerror(-err));
	if (b->n_ovh < BS_MAX_OVH_ROWS) {
		r = &b->ovh[b->n_ovh++];
		snprintf(r->metric, sizeof(r->metric), "%s", metric);
		snprintf(r->unit, sizeof(r->unit), "%s", unit);
		r->n = n;
		r->baseline = baseline;
		r->median = median;
		r->p99 = p99;
		r->ratio = ratio;
	}
	return err;
}

static double jnum(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : NAN;
}

int bs_bench_agent_nri_rows(struct bs_bench *b, const char *events_path)
{
	json_t *st;
	double n;

	usleep(300 * 1000); /* one more stats line (every 250 ms) */
	st = bs_agent_last_stats(events_path);
	if (!st)
		return -ENOENT;
	n = jnum(st, "nri_creates");
	if (n > 0)
		bs_bench_overhead(b, "nri_create_agent_us", "us",
				  (unsigned long)n, NAN,
				  jnum(st, "nri_create_p50_us"),
				  jnum(st, "nri_create_p99_us"));
	/* the slowest handler of the run, in the median column (n = the
	 * requests it is the maximum of) */
	n = jnum(st, "nri_requests");
	if (n > 0)
		bs_bench_overhead(b, "nri_max_handler_us", "us",
				  (unsigned long)n, NAN,
				  jnum(st, "nri_max_handler_us"), NAN);
	json_decref(st);
	return 0;
}

int bs_bench_overhead_samples(struct bs_bench *b, const char *metric,
			      const char *unit, const struct bs_samples *base,
			      const struct bs_samples *treat)
{
	if (!treat->n)
		return 0;
	return bs_bench_overhead(
		b, metric, unit, treat->n, base ? bs_samples_median(base) : NAN,
		bs_samples_median(treat), bs_samples_quantile(treat, 0.99));
}

/* An alert belongs to this attack: the victim's token, touched by the
 * attack tool (the agent's own reads and the ocihook are not attacks) or
 * by one of its io_uring workers: an io_uring open the submitter cannot
 * finish without blocking (a path through symlinks, as projected's
 * token -> ..data/token) completes in an io-wq thread of the tool,
 * "iou-wrk-<pid>". */
static bool by_attack_tool(const struct bs_agent_event *ev)
{
	return strncmp(ev->comm, "beesting-att", 12) == 0 ||
	       strncmp(ev->comm, "iou-wrk-", 8) == 0;
}

void bs_bench_stray(struct bs_bench *b, const struct bs_agent_event *ev)
{
	size_t n = strlen(b->stray_comms);

	if (ev->type != BS_EVT_ALERT)
		return;
	b->stray_alerts++;
	if (by_attack_tool(ev)) {
		b->stray_tool++;
		return;
	}
	if (strstr(b->stray_comms, ev->comm) ||
	    n + strlen(ev->comm) + 2 >= sizeof(b->stray_comms))
		return;
	snprintf(b->stray_comms + n, sizeof(b->stray_comms) - n, "%s%s",
		 n ? " " : "", ev->comm);
}

static bool alert_matches(const struct bs_victim *v,
			  const struct bs_agent_event *ev)
{
	if (ev->type != BS_EVT_ALERT)
		return false;
	/* by container id when we know it (local), else by pod (kind) */
	if (v->ctr_id[0] && ev->token_ctr[0] &&
	    strcmp(ev->token_ctr, v->ctr_id) != 0)
		return false;
	if (!v->ctr_id[0] && ev->token_pod[0] &&
	    strcmp(ev->token_pod, v->pod_name) != 0)
		return false;
	return by_attack_tool(ev);
}

/* Throw away lines that arrived before the attack started. */
static void note_stats(struct bs_bench *b, const struct bs_agent_event *ev)
{
	if (ev->type != BS_EVT_STATS)
		return;
	b->last_stats = *ev;
	b->have_stats = true;
}

static void drain_events(struct bs_bench *b)
{
	struct bs_agent_event ev;

	while (bs_bench_next_event(b, &ev) == 1) {
		note_stats(b, &ev);
		bs_bench_stray(b, &ev);
	}
}

static int64_t real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* An aggregated alert reports accesses folded earlier, possibly by the
 * previous attack: it belongs to this attack only if its access time is
 * not before the attack started. */
static bool after_start(const struct bs_agent_event *ev, int64_t real_t0)
{
	return !ev->time_ns || ev->time_ns >= real_t0;
}

static void wait_alerts(struct bs_bench *b, const struct bs_victim *v,
			const struct bs_method *m, int64_t t0,
			struct bs_attack_outcome *o)
{
	int wait = m->expect_alert ? b->cfg.alert_wait_ms : b->cfg.quiet_ms;
	int64_t deadline = t0 + (int64_t)wait * 1000000;
	int64_t real_t0 = real_ns() - (bs_now_ns() - t0);
	struct bs_agent_event ev;

	o->alerts = 0;
	o->latency_us = -1;
	for (;;) {
		while (bs_bench_next_event(b, &ev) == 1) {
			note_stats(b, &ev);
			if (!alert_matches(v, &ev) ||
			    !after_start(&ev, real_t0)) {
				bs_bench_stray(b, &ev);
				continue;
			}
			if (o->alerts++ == 0) {
				o->latency_us =
					ev.latency_us >= 0
						? (double)ev.latency_us
						: (double)(ev.seen_ns - t0) /
							  1000.0;
				/* a hit ends the wait, after a short drain */
				deadline = bs_now_ns() +
					   DRAIN_AFTER_MATCH_MS * 1000000LL;
			}
		}
		if (bs_now_ns() >= deadline || !bs_bench_agent_alive(b))
			return;
		bs_nap_ms(10);
	}
}

static int one_attack(struct bs_bench *b, struct bs_victim *v, size_t mi)
{
	const struct bs_method *m = &b->methods[mi];
	struct bs_method_tally *t = &b->tally[mi];
	struct bs_attack_outcome o = { 0, -1 };
	int rc = 0, err;
	int64_t t0;

	b->step++;
	if (b->peer) {
		err = bs_peer_attack(b, v, m, &o, &rc);
	} else {
		drain_events(b);
		t0 = bs_now_ns();
		err = b->ops->attack(b, v, m, &rc);
		if (!err)
			wait_alerts(b, v, m, t0, &o);
	}
	if (err)
		return bs_bench_break(b, err,
				      "attack %s in %s could not run: %s",
				      m->name, v->ctr_name, strerror(-err));
	t->tried++;
	t->detected += o.alerts > 0;
	t->attack_failed += rc != 0;
	if (o.alerts && o.latency_us >= 0)
		bs_samples_add(&b->latency_us, o.latency_us);
	bs_progress(b, "%s %-16s expect %-5s -> %s%s", v->ctr_name, m->name,
		    m->expect_alert ? "alert" : "none",
		    o.alerts ? "DETECTED" : "not detected",
		    rc ? " (attack op failed)" : "");
	err = bs_results_coverage(&b->res, m->name, m->expect_alert,
				  o.alerts > 0, o.alerts, o.latency_us);
	if (err)
		return bs_bench_break(b, err, "write coverage.csv: %s",
				      strerror(-err));
	return 0;
}

/* ---- stealth: the recon's view ----------------------------------------- */

static void stealth_unknown(struct bs_stealth *st, const char *why)
{
	st->have = true;
	for (size_t i = 0; i < BS_TELL_MAX; i++) {
		st->tells[i].visible = BS_TELL_UNKNOWN;
		snprintf(st->tells[i].evidence, sizeof(st->tells[i].evidence),
			 "%s", why);
		bs_tell_clean(st->tells[i].evidence);
	}
}

/* "tell,visible,evidence" lines; a tell the tool did not report stays
 * unknown (a stale tool), lines that are no tell are ignored. */
static void parse_recon(char *out, struct bs_stealth *st)
{
	char *save = NULL, *f[4];

	stealth_unknown(st, "not reported by the recon");
	for (char *l = strtok_r(out, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		const struct bs_tell *t;
		struct bs_tell_result *r;

		if (bs_csv_split(l, f, 4) != 3 || !(t = bs_tell_find(f[0])))
			continue;
		r = &st->tells[t->id];
		r->visible = !strcmp(f[1], "1")	  ? 1
			     : !strcmp(f[1], "0") ? 0
						  : BS_TELL_UNKNOWN;
		snprintf(r->evidence, sizeof(r->evidence), "%s", f[2]);
		bs_tell_clean(r->evidence);
	}
}

unsigned bs_stealth_visible(const struct bs_stealth *st)
{
	unsigned n = 0;

	for (size_t i = 0; i < BS_TELL_MAX; i++)
		n += st->tells[i].visible == 1;
	return n;
}

static void write_stealth(struct bs_bench *b, const char *inject,
			  const struct bs_stealth *st)
{
	for (size_t i = 0; i < BS_TELL_MAX; i++) {
		int err = bs_results_stealth(
			&b->res, inject, bs_tells[i].name,
			bs_tell_visible_name(st->tells[i].visible),
			st->tells[i].evidence);

		if (err) {
			bs_err("write stealth.csv: %s", strerror(-err));
			return;
		}
	}
}

/* The recon reads the token: its alerts are the recon's, not strays. */
static void recon_alerts(struct bs_bench *b, const struct bs_victim *v)
{
	struct bs_agent_event ev;

	if (b->peer)
		return;
	bs_nap_ms(RECON_SETTLE_MS);
	while (bs_bench_next_event(b, &ev) == 1) {
		note_stats(b, &ev);
		if (alert_matches(v, &ev))
			b->recon_alerts++;
		else
			bs_bench_stray(b, &ev);
	}
}

static void recon_result(struct bs_stealth *st, int err, int rc, char *out)
{
	char why[96];

	if (err || rc) {
		if (err)
			snprintf(why, sizeof(why), "recon could not run: %s",
				 strerror(-err));
		else
			snprintf(why, sizeof(why), "recon exit %d: %.60s", rc,
				 out);
		stealth_unknown(st, why);
	} else {
		parse_recon(out, st);
	}
}

/* One recon's outcome into st, its stealth.csv rows (inject: NULL = the
 * run's) and its progress line (what: where it looked). */
static void recon_record(struct bs_bench *b, struct bs_stealth *st,
			 const char *inject, const char *what, int err, int rc,
			 char *out)
{
	recon_result(st, err, rc, out);
	write_stealth(b, inject, st);
	bs_progress(b, "%s recon: %u of %d tells visible", what,
		    bs_stealth_visible(st), BS_TELL_MAX);
}

/* The attacker's view of the first victim: one stealth.csv row per tell.
 * A recon that cannot run gives unknown rows, not a broken run. */
static void victim_recon(struct bs_bench *b, struct bs_victim *v)
{
	static char out[RECON_OUT];
	int rc = 0, err;

	if (!b->ops->recon)
		return;
	b->step++;
	if (!b->peer)
		drain_events(b);
	out[0] = '\0';
	err = b->ops->recon(b, v, out, sizeof(out), &rc);
	recon_alerts(b, v);
	recon_record(b, &b->stealth[BS_STEALTH_RUN], NULL, v->ctr_name, err, rc,
		     out);
}

/* The same recon on the kubelet-built reference volume: must be clean. */
static void reference_recon(struct bs_bench *b)
{
	static char out[RECON_OUT];
	int rc = 0, err;

	if (!b->ops->reference)
		return;
	b->step++;
	out[0] = '\0';
	err = b->ops->reference(b, out, sizeof(out), &rc);
	recon_record(b, &b->stealth[BS_STEALTH_REFERENCE], "reference",
		     "reference volume", err, rc, out);
}

const char *bs_bench_token(const char *inject)
{
	return inject && !strcmp(inject, "projected") ? BS_BENCH_TOKEN_SECRETS
						      : BS_BENCH_TOKEN;
}

const char *bs_bench_template(const char *inject)
{
	return inject && !strcmp(inject, "projected") ? "eks-irsa"
						      : BS_BENCH_TEMPLATE;
}

static int one_victim(struct bs_bench *b, int idx)
{
	struct bs_victim v;
	int err, down;

	memset(&v, 0, sizeof(v));
	snprintf(v.token_path, sizeof(v.token_path), "%s",
		 bs_bench_token(b->cfg.inject));
	err = b->ops->victim_up(b, &v, idx);
	bs_bench_sample_rss(b);
	if (err) {
		if (v.up) {
			bs_bench_sample_rss(b);
			b->ops->victim_down(b, &v);
		}
		return bs_bench_break(b, err, "victim %d did not come up: %s",
				      idx, strerror(-err));
	}
	if (b->peer)
		err = bs_peer_start(b, &v);
	for (size_t i = 0; !err && i < b->n_methods; i++) {
		err = one_attack(b, &v, i);
		if (!err && !bs_bench_agent_alive(b))
			err = bs_bench_break(b, -ESRCH, "the agent died");
		if (!err && bs_bench_interrupted && *bs_bench_interrupted)
			err = bs_bench_break(b, -EINTR, "interrupted");
	}
	if (!err && idx == 0)
		victim_recon(b, &v);
	if (b->peer)
		bs_peer_stop(b, &v);
	bs_bench_sample_rss(b);
	down = b->ops->victim_down(b, &v);
	if (down && !err)
		err = bs_bench_break(b, down, "victim %d teardown: %s", idx,
				     strerror(-down));
	return err;
}

static int run_body(struct bs_bench *b)
{
	int err;

	err = bs_bench_agent_up(b);
	if (err)
		return bs_bench_break(b, err, "setup (%s backend): %s",
				      b->ops->name, strerror(-err));
	snprintf(b->res.attach, sizeof(b->res.attach), "%s",
		 b->attach_reported);
	fprintf(stderr, "agent ready: attach=%s blind spots: %s\n",
		b->attach_reported, b->blind_spots[0] ? b->blind_spots : "-");
	for (int i = 0; i < b->cfg.runs; i++) {
		err = one_victim(b, i);
		if (err)
			return err;
	}
	reference_recon(b);
	if (!b->cfg.overhead)
		return 0;
	if (!b->peer && b->latency_us.n)
		bs_bench_overhead_samples(b, "alert_latency_us", "us", NULL,
					  &b->latency_us);
	err = bs_bench_agent_overhead(b);
	if (err)
		return bs_bench_break(b, err, "overhead (%s): %s", b->ops->name,
				      strerror(-err));
	return 0;
}

static void backend_free(struct bs_bench *b)
{
	free(b->priv);
	b->priv = NULL;
}

int bs_scenario_run(struct bs_bench *b)
{
	int err, down;

	b->peer = !strcmp(b->cfg.detect, "auditd") ||
		  !strcmp(b->cfg.detect, "fatrace");
	if (b->peer && strcmp(b->ops->name, "local") != 0)
		return bs_bench_break(b, -EINVAL,
				      "the peers (%s) run with the "
				      "local backend only",
				      b->cfg.detect);
	err = bs_methods_load(b);
	if (err)
		return err;
	b->priv = calloc(1, b->ops->priv_size);
	if (!b->priv)
		return bs_bench_break(b, -ENOMEM, "%s backend: out of memory",
				      b->ops->name);
	err = bs_results_open(&b->res, b->cfg.results, b->cfg.srcdir,
			      b->cfg.inject, b->cfg.detect, b->cfg.backend);
	if (err) {
		backend_free(b);
		return bs_bench_break(b, err, "cannot write results in %s",
				      b->cfg.results);
	}
	fprintf(stderr,
		"run %s: inject=%s detect=%s backend=%s attach=%s "
		"runs=%d methods=%zu\n",
		b->res.run_id, b->cfg.inject, b->cfg.detect, b->cfg.backend,
		b->cfg.attach, b->cfg.runs, b->n_methods);
	b->n_steps = b->cfg.runs * (int)b->n_methods +
		     (b->cfg.overhead ? 3 : 0) + (b->ops->recon ? 1 : 0) +
		     (b->ops->reference ? 1 : 0);
	err = run_body(b);
	if (err == -EOPNOTSUPP) {
		/* a peer tool that cannot run here is a result, not a break */
		err = 0;
		snprintf(b->broken, sizeof(b->broken), "%s", "");
	}
	/* the teardown runs whatever happened: nothing may be left behind */
	down = bs_bench_agent_down(b);
	if (down && !err)
		err = bs_bench_break(b, down, "teardown: %s", strerror(-down));
	if (!err && b->cfg.overhead)
		bs_host_benchmarks(b);
	b->leaks = (unsigned)b->ops->leftovers(b);
	backend_free(b);
	bs_bench_agent_free(b);
	bs_results_close(&b->res);
	return err;
}
