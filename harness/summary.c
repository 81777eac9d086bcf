// SPDX-License-Identifier: Apache-2.0
/* The summary of one run on stdout (scenario.h: bs_scenario_summary): the
 * per-method verdicts, the tells, the overhead rows, the agent's counters. */
#include <math.h>
#include <stdio.h>

#include "harness/scenario.h"
#include "harness/attack/tells.h"
#include "strategies/methods.h"
#include "strategies/strategy.h"

/* NaN (no value) prints as "-". */
static const char *num_str(double v, const char *fmt, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, fmt, v);
	return buf;
}

/* The table's reason the run's strategy and backend cannot see m. */
static const char *known_blind(const struct bs_bench *b,
			       const struct bs_method *m)
{
	enum bs_attach a;

	if (b->peer || bs_attach_parse(b->attach_reported, &a))
		return NULL;
	return bs_access_blind(b->cfg.detect, a, m->name, false);
}

static const char *verdict(const struct bs_bench *b, const struct bs_method *m,
			   const struct bs_method_tally *t)
{
	if (!t->tried)
		return "not run";
	if (!m->expect_alert)
		return t->detected ? "FALSE ALERT" : "ok";
	if (t->detected == t->tried)
		return "ok";
	if (!t->detected && t->attack_failed == t->tried)
		return "n/a (the access itself failed)";
	if (!t->detected && known_blind(b, m))
		return "MISSED (known blind spot)";
	return t->detected ? "PARTIAL" : "MISSED";
}

static void print_methods(const struct bs_bench *b)
{
	unsigned tried = 0;

	for (size_t i = 0; i < b->n_methods; i++)
		tried += b->tally[i].tried;
	if (!tried)
		return;
	printf("%-18s %-6s %-9s %s\n", "method", "expect", "detected",
	       "verdict");
	for (size_t i = 0; i < b->n_methods; i++) {
		const struct bs_method_tally *t = &b->tally[i];

		printf("%-18s %-6s %4u/%-4u %s\n", b->methods[i].name,
		       b->methods[i].expect_alert ? "alert" : "none",
		       t->detected, t->tried, verdict(b, &b->methods[i], t));
	}
}

/* The tells side by side: the run's inject and the reference volume. */
static void print_stealth(const struct bs_bench *b)
{
	const struct bs_stealth *run = &b->stealth[BS_STEALTH_RUN],
				*ref = &b->stealth[BS_STEALTH_REFERENCE];

	if (!run->have && !ref->have)
		return;
	printf("\n%-18s %-9s %-9s %s\n", "tell", b->cfg.inject, "reference",
	       "evidence");
	for (size_t i = 0; i < BS_TELL_MAX; i++) {
		const struct bs_tell_result *r = &run->tells[i],
					    *f = &ref->tells[i];

		printf("%-18s %-9s %-9s %s\n", bs_tells[i].name,
		       run->have ? bs_tell_visible_name(r->visible) : "-",
		       ref->have ? bs_tell_visible_name(f->visible) : "-",
		       run->have ? r->evidence : f->evidence);
	}
	printf("tells visible: %s %u of %d%s\n", b->cfg.inject,
	       bs_stealth_visible(run), BS_TELL_MAX,
	       ref->have && bs_stealth_visible(ref)
		       ? " -- REFERENCE NOT CLEAN: the probe is wrong"
		       : "");
	if (b->recon_alerts)
		printf("alerts on the recon's own reads: %u\n",
		       b->recon_alerts);
}

void bs_scenario_summary(const struct bs_bench *b)
{
	char n1[16], n2[16], n3[16], n4[16];

	printf("\n== %s: inject=%s detect=%s backend=%s%s%s attach=%s ==\n",
	       b->res.run_id, b->cfg.inject, b->cfg.detect, b->cfg.backend,
	       b->res.runtime[0] ? " runtime=" : "", b->res.runtime,
	       b->attach_reported[0] ? b->attach_reported : "?");
	print_methods(b);
	print_stealth(b);
	if (b->n_ovh) {
		printf("\n%-34s %-5s %6s %12s %12s %12s %8s\n", "metric",
		       "unit", "n", "baseline", "median", "p99", "ratio");
		for (size_t i = 0; i < b->n_ovh; i++) {
			const struct bs_ovh_row *o = &b->ovh[i];

			printf("%-34s %-5s %6lu %12s %12s %12s %8s\n",
			       o->metric, o->unit, o->n,
			       num_str(o->baseline, "%.1f", n1, sizeof(n1)),
			       num_str(o->median, "%.1f", n2, sizeof(n2)),
			       num_str(o->p99, "%.1f", n3, sizeof(n3)),
			       num_str(o->ratio, "%.3f", n4, sizeof(n4)));
		}
	}
	if (b->have_stats)
		printf("agent stats (last line seen): alerts %llu, ring buffer "
		       "drops %llu, injection failures %llu\n",
		       (unsigned long long)b->last_stats.alerts,
		       (unsigned long long)b->last_stats.ringbuf_drops,
		       (unsigned long long)b->last_stats.inject_failed);
	if (b->stray_alerts)
		printf("alerts matching no attack: %u (%u by the attack tool: "
		       "repeats folded past their window; other accessors: "
		       "%s)\n",
		       b->stray_alerts, b->stray_tool,
		       b->stray_comms[0] ? b->stray_comms : "none");
	printf("left behind after teardown: %u%s\n", b->leaks,
	       b->leaks ? " (see log above)" : "");
	if (b->unavailable[0])
		printf("%s UNAVAILABLE here (no rows written): %s\n",
		       b->cfg.detect, b->unavailable);
	if (b->broken[0])
		printf("RUN BROKEN: %s\n", b->broken);
}
