// SPDX-License-Identifier: Apache-2.0
#include <inttypes.h>
#include <string.h>

#include "agent/metrics.h"
#include "agent/metrics_agent.h"
#include "strategies/methods.h"

static void counter(FILE *f, const char *name, const char *help, uint64_t v)
{
	bs_prom_head(f, name, "counter", help);
	fprintf(f, "%s %" PRIu64 "\n", name, v);
}

static void gauge(FILE *f, const char *name, const char *help, double v)
{
	bs_prom_head(f, name, "gauge", help);
	fprintf(f, "%s %.9g\n", name, v);
}

/* Every result of the action asked for (none: no series). */
static void write_responses(FILE *f, struct bs_core *c,
			    const struct bs_detect_stats *ds)
{
	unsigned a = c->cfg->respond;

	bs_prom_head(f, "beesting_responses_total", "counter",
		     "Accesses responded to (--respond), by action and result");
	for (unsigned r = 0; a != BS_RESPOND_NONE && r < BS_RR_MAX; r++)
		if (r != BS_RR_NONE)
			fprintf(f,
				"beesting_responses_total{action=\"%s\","
				"result=\"%s\"} %" PRIu64 "\n",
				bs_respond_name(a), bs_respond_result_name(r),
				ds->responses[a][r]);
}

static void write_core(FILE *f, struct bs_core *c)
{
	struct bs_detect_stats ds = { 0 };

	if (c->detect_started)
		c->det->stats(&c->dctx, &ds);
	counter(f, "beesting_detect_events_total",
		"Events the detection programs reported", ds.events);
	counter(f, "beesting_alert_lines_total",
		"Alerts formatted and sent to the sinks", c->st.alerts);
	counter(f, "beesting_ringbuf_drops_total",
		"Events lost: ring buffer full in the kernel",
		ds.ringbuf_drops);
	counter(f, "beesting_detect_aggregated_total",
		"Repeated accesses folded into an earlier alert",
		ds.aggregated);
	counter(f, "beesting_readscan_partial_scans_total",
		"Reads readscan looked at only in part", ds.partial_scans);
	counter(f, "beesting_detect_map_full_total",
		"Tokens not armed: detection map full", ds.map_full);
	counter(f, "beesting_arm_failures_total",
		"Tokens that could not be armed", c->st.arm_failed);
	counter(f, "beesting_inject_failures_total",
		"Containers started without their token", c->ictx.n_failed);
	counter(f, "beesting_inject_skipped_total",
		"Containers skipped (opted out, excluded namespace)",
		c->ictx.n_skipped);
	counter(f, "beesting_projected_fallback_total",
		"Token directories projected gave a file bind mount instead",
		c->ictx.n_fallback);
	counter(f, "beesting_irsa_skipped_total",
		"Containers with IRSA env of their own: no eks-irsa token",
		c->ictx.n_irsa_skipped);
	counter(f, "beesting_spec_mount_skipped_total",
		"Token paths left out: the container's spec mounts them",
		c->ictx.n_spec_mount_skipped);
	counter(f, "beesting_annotation_refused_total",
		"beesting.io/token-path annotations refused",
		c->ictx.n_annotation_refused);
	counter(f, "beesting_alert_write_errors_total",
		"Alert or stats lines that could not be formatted or written",
		c->st.alert_write_errors);
	gauge(f, "beesting_tokens", "Tokens planted",
	      (double)bs_token_store_count(c->store));
	gauge(f, "beesting_tokens_armed", "Tokens in the detection maps",
	      (double)__atomic_load_n(&c->n_armed, __ATOMIC_RELAXED));
	gauge(f, "beesting_containers", "Containers the agent knows",
	      (double)bs_containers_count(c->ctrs));
	gauge(f, "beesting_arm_gap_seconds",
	      "CreateContainer to token armed, latest",
	      c->st.arm_gap_us_last / 1e6);
	gauge(f, "beesting_arm_gap_max_seconds",
	      "CreateContainer to token armed, largest",
	      c->st.arm_gap_us_max / 1e6);
	if (ds.rs_window)
		gauge(f, "beesting_readscan_window_bytes",
		      "Readscan window in use (the nearest that loads when the "
		      "one asked for does not)",
		      ds.rs_window);
	write_responses(f, c, &ds);
}

static void write_histogram(FILE *f, const struct bs_nri_stats *s)
{
	const char *name = "beesting_nri_create_container_seconds";
	uint64_t cum = 0;

	bs_prom_head(f, name, "histogram",
		     "The agent's time on CreateContainer (decode, token "
		     "written and armed, reply encoded)");
	for (size_t i = 0; i < BS_NRI_CREATE_BUCKETS; i++) {
		cum += s->create_hist[i];
		fprintf(f, "%s_bucket{le=\"%g\"} %" PRIu64 "\n", name,
			bs_nri_create_bounds_us[i] / 1e6, cum);
	}
	fprintf(f, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", name,
		s->create_count);
	fprintf(f, "%s_sum %.9g\n%s_count %" PRIu64 "\n", name,
		s->create_sum_us / 1e6, name, s->create_count);
}

static void write_nri(FILE *f, struct bs_nri_plugin *nri)
{
	struct bs_nri_stats s = { 0 };

	if (nri)
		bs_nri_plugin_stats(nri, &s);
	counter(f, "beesting_nri_requests_total", "NRI requests served",
		s.requests);
	counter(f, "beesting_nri_errors_total",
		"NRI error replies and connection errors", s.errors);
	counter(f, "beesting_nri_reconnects_total",
		"Connections to the runtime after the first", s.reconnects);
	gauge(f, "beesting_nri_handler_max_seconds", "Longest NRI handler call",
	      s.max_handler_us / 1e6);
	gauge(f, "beesting_nri_create_window_requests",
	      "CreateContainer requests in the percentile window",
	      (double)s.creates);
	gauge(f, "beesting_nri_create_p50_seconds",
	      "CreateContainer agent time, median of the window",
	      s.create_p50_us / 1e6);
	gauge(f, "beesting_nri_create_p99_seconds",
	      "CreateContainer agent time, 99th percentile of the window",
	      s.create_p99_us / 1e6);
	gauge(f, "beesting_nri_runtime_nri_minor",
	      "The runtime's NRI protocol version (12 = v0.12; 0 unknown)",
	      (double)s.runtime_nri);
	counter(f, "beesting_nri_sync_skipped_total",
		"Pods and containers of a resync past what the agent holds",
		s.sync_skipped);
	write_histogram(f, &s);
}

struct sink_metric {
	const char *name, *help;
	size_t off;
};

static void write_sinks(FILE *f, struct bs_sinks *sinks)
{
	static const struct sink_metric ms[] = {
		{ "beesting_sink_delivered_total", "Alerts a sink delivered",
		  offsetof(struct bs_sink_stats, delivered) },
		{ "beesting_sink_dropped_total",
		  "Alerts a sink dropped: queue full or left at exit",
		  offsetof(struct bs_sink_stats, dropped) },
		{ "beesting_sink_failed_total",
		  "Alerts a sink failed to deliver after every retry",
		  offsetof(struct bs_sink_stats, failed) },
		{ "beesting_sink_retries_total", "Delivery retries",
		  offsetof(struct bs_sink_stats, retries) },
		{ "beesting_sink_queue_length", "Alerts waiting in the queue",
		  offsetof(struct bs_sink_stats, queued) },
	};

	for (size_t m = 0; m < sizeof(ms) / sizeof(ms[0]); m++) {
		struct bs_sink_stats st;
		const char *name, *kind;

		bs_prom_head(f, ms[m].name,
			     strstr(ms[m].name, "_total") ? "counter" : "gauge",
			     ms[m].help);
		for (size_t i = 0;
		     bs_sinks_get(sinks, i, &name, &kind, &st) == 0; i++) {
			fputs(ms[m].name, f);
			bs_prom_label(f, '{', "sink", name);
			bs_prom_label(f, ',', "kind", kind);
			fprintf(f, "} %" PRIu64 "\n",
				*(const uint64_t *)((const char *)&st +
						    ms[m].off));
		}
	}
}

void bs_metrics_agent_collect(FILE *f, void *arg)
{
	struct bs_metrics_src *src = arg;
	struct bs_core *c = src->core;

	bs_prom_head(f, "beesting_info", "gauge",
		     "The agent's node and strategies");
	fputs("beesting_info", f);
	bs_prom_label(f, '{', "node", c->cfg->node);
	bs_prom_label(f, ',', "inject", c->inj->name);
	bs_prom_label(f, ',', "detect", c->det->name);
	fputs("} 1\n", f);
	write_core(f, c);
	write_nri(f, __atomic_load_n(&src->nri, __ATOMIC_ACQUIRE));
	write_sinks(f, c->sinks);
}
