// SPDX-License-Identifier: Apache-2.0
/*
 * docs/results.md (results_doc.h): the curated sections, each in the table
 * at the end.  The framework (results_md.h) reads the template, loads the
 * CSVs and writes the Markdown.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/results_doc.h"
#include "harness/results_md.h"

#define MAX_LIST  BS_VIEW_MAX_NAMES
#define KEY_LEN	  BS_VIEW_KEY_LEN
#define VALUE_LEN 64

/* ---- coverage ------------------------------------------------------ */

struct method {
	char name[KEY_LEN];
	bool expect_alert;
	unsigned tried, detected;
};

static size_t methods_of(const struct bs_view *v, const char *cfg,
			 struct method *m)
{
	size_t n = 0, i;

	for (size_t r = 0; r < v->t.n_rows; r++) {
		if (!bs_view_in_config(v, r, cfg))
			continue;
		for (i = 0;
		     i < n && strcmp(m[i].name, bs_view_get(v, r, "method"));
		     i++)
			;
		if (i == n) {
			if (n == MAX_LIST)
				continue;
			memset(&m[n], 0, sizeof(m[n]));
			snprintf(m[n].name, sizeof(m[n].name), "%s",
				 bs_view_get(v, r, "method"));
			m[n].expect_alert =
				!strcmp(bs_view_get(v, r, "expect"), "alert");
			n++;
		}
		m[i].tried++;
		m[i].detected += !strcmp(bs_view_get(v, r, "detected"), "1");
	}
	return n;
}

/* Methods expected to alert that alerted in every run; *expected gets
 * how many were expected to. */
static unsigned alerted(const struct method *m, size_t n, unsigned *expected)
{
	unsigned ok = 0;

	*expected = 0;
	for (size_t i = 0; i < n; i++) {
		*expected += m[i].expect_alert;
		ok += m[i].expect_alert && m[i].tried &&
		      m[i].detected == m[i].tried;
	}
	return ok;
}

/* The methods whose runs came out wrong: missed alerts or false ones. */
static unsigned print_wrong(FILE *o, const struct method *m, size_t n,
			    bool expect_alert)
{
	unsigned wrong = 0;

	for (size_t i = 0; i < n; i++) {
		bool bad = expect_alert ? m[i].detected < m[i].tried
					: m[i].detected > 0;

		if (m[i].expect_alert != expect_alert || !bad)
			continue;
		fprintf(o, "%s`%s` %u/%u", wrong ? ", " : "", m[i].name,
			m[i].detected, m[i].tried);
		wrong++;
	}
	if (!wrong)
		fputs("—", o);
	return wrong;
}

static void render_coverage(struct bs_doc *d, struct bs_view *v,
			    const struct bs_doc_section *s)
{
	static const char *const cols[] = {
		"configuration",
		"attach",
		"run",
		"commit",
		"alerted every run",
		"missed (alerted/runs)",
		"false alerts (alerted/runs)",
	};
	static struct method m[MAX_LIST];
	static struct bs_view_names cf, best;
	unsigned best_n = 0, false_cfgs = 0;
	FILE *o = d->out;

	(void)s;
	bs_view_configs(v, NULL, &cf);
	best.n = 0;
	bs_md_head(o, cols, sizeof(cols) / sizeof(cols[0]));
	for (size_t c = 0; c < cf.n; c++) {
		size_t n = methods_of(v, cf.name[c], m), r0;
		unsigned expected, ok = alerted(m, n, &expected);

		r0 = bs_view_config_row(v, cf.name[c]);
		fprintf(o, "| `%s` | %s | %s | %s | %u of %u | ", cf.name[c],
			bs_view_get(v, r0, "attach"),
			bs_view_get(v, r0, "run_id"),
			bs_view_get(v, r0, "commit"), ok, expected);
		print_wrong(o, m, n, true);
		fputs(" | ", o);
		false_cfgs += print_wrong(o, m, n, false) > 0;
		fputs(" |\n", o);
		if (ok > best_n)
			best.n = 0;
		if (ok >= best_n) {
			best_n = ok;
			bs_view_names_add(best.name, &best.n, MAX_LIST,
					  cf.name[c]);
		}
	}
	fprintf(o, "\n");
	if (!false_cfgs)
		fprintf(o, "- **No configuration raised a false alert** in its "
			   "latest run.\n");
	else
		fprintf(o,
			"- %u of %zu configurations raised a false alert "
			"(last column).\n",
			false_cfgs, cf.n);
	fprintf(o, "- Most methods alerting in every run: %u, by ", best_n);
	for (size_t i = 0; i < best.n; i++)
		fprintf(o, "%s`%s`", i ? ", " : "", best.name[i]);
	fprintf(o, ".\n");
}

/* ---- stealth ------------------------------------------------------- */

static void render_stealth(struct bs_doc *d, struct bs_view *v,
			   const struct bs_doc_section *s)
{
	static const char *const cols[] = {
		"injection/backend", "run",	"commit",
		"tells visible",     "unknown",
	};
	static struct bs_view_names cf, clean;
	FILE *o = d->out;

	(void)s;
	bs_view_configs(v, NULL, &cf);
	clean.n = 0;
	bs_md_head(o, cols, sizeof(cols) / sizeof(cols[0]));
	for (size_t c = 0; c < cf.n; c++) {
		size_t r0 = bs_view_config_row(v, cf.name[c]);
		unsigned vis = 0, unknown = 0, tells = 0;

		fprintf(o, "| `%s` | %s | %s | ", cf.name[c],
			bs_view_get(v, r0, "run_id"),
			bs_view_get(v, r0, "commit"));
		for (size_t r = 0; r < v->t.n_rows; r++) {
			if (!bs_view_in_config(v, r, cf.name[c]))
				continue;
			tells++;
			unknown += !strcmp(bs_view_get(v, r, "visible"),
					   "unknown");
			if (strcmp(bs_view_get(v, r, "visible"), "1"))
				continue;
			fprintf(o, "%s`%s`", vis ? ", " : "",
				bs_view_get(v, r, "tell"));
			vis++;
		}
		fprintf(o, "%s%u of %u | %u |\n", vis ? ": " : "", vis, tells,
			unknown);
		if (!vis)
			bs_view_names_add(clean.name, &clean.n, MAX_LIST,
					  cf.name[c]);
	}
	fprintf(o, "\n- Showing no tell in the latest run: ");
	for (size_t i = 0; i < clean.n; i++)
		fprintf(o, "%s`%s`", i ? ", " : "", clean.name[i]);
	fprintf(o, "%s.\n", clean.n ? "" : "none");
}

/* ---- overhead.csv: curated metric columns -------------------------- */

struct metric_col {
	const char *metric, *field, *label;
};

struct metric_table {
	const char *where; /* bs_view_where filter, NULL = all */
	const struct metric_col *cols;
	size_t n;
	const char *const *rank; /* metrics whose ratio gets best/worst */
};

#define COLS(a) a, sizeof(a) / sizeof(a[0])

static const struct metric_col syscall_cols[] = {
	{ "open_close_ns", "ratio", "open+close" },
	{ "pread_4k_ns", "ratio", "4 KiB pread" },
	{ "open_close_ns_1tok", "ratio", "open+close, 1 token" },
	{ "pread_4k_ns_65536tok", "ratio", "pread, 65,536 tokens" },
	{ "tokens_armed_65536tok", "median", "tokens taken of 65,536" },
	{ "hook_floor_open_close_ns", "ratio", "empty program: open+close" },
	{ "hook_floor_pread_4k_ns", "ratio", "empty program: pread" },
};
static const char *const syscall_rank[] = { "open_close_ns", "pread_4k_ns",
					    NULL };
static const struct metric_col lifecycle_cols[] = {
	{ "nri_create_agent_us", "median", "agent CreateContainer µs" },
	{ "nri_create_agent_us", "p99", "p99" },
	{ "nri_create_us", "median", "NRI round trip µs" },
	{ "nri_create_us", "p99", "p99" },
	{ "nri_create_us", "baseline_median", "opted out µs" },
	{ "container_start_ms", "ratio", "start ratio" },
	{ "token_armed_us", "median", "token armed after create µs" },
};
static const struct metric_col agent_cols[] = {
	{ "alert_latency_us", "median", "access → JSON line µs" },
	{ "alert_latency_us", "p99", "p99" },
	{ "agent_rss_kib", "median", "agent RSS KiB" },
	{ "agent_cpu_pct", "median", "agent CPU %" },
};
static const struct metric_col fanotify_cols[] = {
	{ "open_close_ns_tmpfs", "ratio", "open+close, tokens on own tmpfs" },
	{ "pread_4k_ns_tmpfs", "ratio", "pread, tokens on own tmpfs" },
	{ "accessor_delay_us", "median", "accessor delay µs" },
	{ "accessor_delay_us", "p99", "p99" },
	{ "token_open_read_off_ns", "median", "token open+read unmarked ns" },
	{ "failopen_us_agg1000", "median", "fail-open µs" },
	{ "flood_counted_agg1000", "median", "flood: opens counted" },
	{ "flood_alerts_agg1000", "median", "in alert lines" },
	{ "flood_dropped_agg1000", "median", "lost" },
};

static const struct metric_table syscall_table = { NULL, COLS(syscall_cols),
						   syscall_rank };
static const struct metric_table lifecycle_table = { NULL, COLS(lifecycle_cols),
						     NULL };
static const struct metric_table agent_table = { NULL, COLS(agent_cols), NULL };
static const struct metric_table fanotify_table = { "detect=fanotify",
						    COLS(fanotify_cols), NULL };
static const struct metric_table *const metric_tables[] = {
	&syscall_table,
	&lifecycle_table,
	&agent_table,
	&fanotify_table,
};

/* The kept row of cfg measuring metric, or -1. */
static long metric_row(const struct bs_view *v, const char *cfg,
		       const char *metric)
{
	for (size_t r = 0; r < v->t.n_rows; r++)
		if (bs_view_in_config(v, r, cfg) &&
		    !strcmp(bs_view_get(v, r, "metric"), metric))
			return (long)r;
	return -1;
}

static bool table_has_metric(const struct metric_table *mt, const char *m)
{
	for (size_t i = 0; i < mt->n; i++)
		if (!strcmp(mt->cols[i].metric, m))
			return true;
	return false;
}

/* Lowest and highest ratio of one metric across the configurations. */
static void rank_metric(FILE *o, const struct bs_view *v,
			const struct bs_view_names *cf, const char *metric)
{
	long lo = -1, hi = -1;
	size_t lo_c = 0, hi_c = 0;

	for (size_t c = 0; c < cf->n; c++) {
		long r = metric_row(v, cf->name[c], metric);
		double x;

		if (r < 0 ||
		    !bs_view_is_number(bs_view_get(v, (size_t)r, "ratio")))
			continue;
		x = strtod(bs_view_get(v, (size_t)r, "ratio"), NULL);
		if (lo < 0 ||
		    x < strtod(bs_view_get(v, (size_t)lo, "ratio"), NULL)) {
			lo = r;
			lo_c = c;
		}
		if (hi < 0 ||
		    x > strtod(bs_view_get(v, (size_t)hi, "ratio"), NULL)) {
			hi = r;
			hi_c = c;
		}
	}
	if (lo < 0)
		return;
	fprintf(o,
		"- `%s`, lowest median ratio: `%s` (%s); highest: `%s` "
		"(%s).\n",
		metric, cf->name[lo_c], bs_view_get(v, (size_t)lo, "ratio"),
		cf->name[hi_c], bs_view_get(v, (size_t)hi, "ratio"));
}

static void render_metrics(struct bs_doc *d, struct bs_view *v,
			   const struct bs_doc_section *s)
{
	const struct metric_table *mt = s->arg;
	static struct bs_view_names all, cf;
	const char *cols[MAX_LIST] = { "configuration", "attach" };
	size_t n_cols = 2;
	FILE *o = d->out;

	bs_view_configs(v, mt->where, &all);
	cf.n = 0;
	for (size_t c = 0; c < all.n; c++)
		for (size_t i = 0; i < mt->n; i++)
			if (metric_row(v, all.name[c], mt->cols[i].metric) >=
			    0) {
				bs_view_names_add(cf.name, &cf.n, MAX_LIST,
						  all.name[c]);
				break;
			}
	for (size_t i = 0; i < mt->n && n_cols < MAX_LIST - 1; i++)
		cols[n_cols++] = mt->cols[i].label;
	cols[n_cols++] = "commit";
	bs_md_head(o, cols, n_cols);
	for (size_t c = 0; c < cf.n; c++) {
		static char commits[MAX_LIST][KEY_LEN];
		size_t n_commits = 0;

		fprintf(o, "| `%s` | %s |", cf.name[c],
			bs_view_get(v, bs_view_config_row(v, cf.name[c]),
				    "attach"));
		for (size_t i = 0; i < mt->n; i++) {
			long r = metric_row(v, cf.name[c], mt->cols[i].metric);
			const char *x = r < 0 ? ""
					      : bs_view_get(v, (size_t)r,
							    mt->cols[i].field);

			fprintf(o, " %s |", x[0] ? x : "—");
			if (r >= 0)
				bs_view_names_add(
					commits, &n_commits, MAX_LIST,
					bs_view_get(v, (size_t)r, "commit"));
		}
		for (size_t i = 0; i < n_commits; i++)
			fprintf(o, "%s%s", i ? ", " : " ", commits[i]);
		fputs(" |\n", o);
	}
	if (mt->rank)
		fputs("\n", o);
	for (size_t i = 0; mt->rank && mt->rank[i]; i++)
		rank_metric(o, v, &cf, mt->rank[i]);
}

/* The metrics of overhead.csv no curated table shows, by name. */
static void render_other_metrics(struct bs_doc *d, struct bs_view *v,
				 const struct bs_doc_section *s)
{
	static char seen[MAX_LIST * 2][KEY_LEN];
	size_t n = 0;

	(void)s;
	for (size_t r = 0; r < v->t.n_rows; r++) {
		const char *m = bs_view_get(v, r, "metric");
		bool shown = false;

		for (size_t t = 0;
		     t < sizeof(metric_tables) / sizeof(metric_tables[0]); t++)
			shown |= table_has_metric(metric_tables[t], m);
		if (!shown)
			bs_view_names_add(seen, &n, MAX_LIST * 2, m);
	}
	for (size_t i = 0; i < n; i++)
		fprintf(d->out, "%s`%s`", i ? ", " : "", seen[i]);
	fprintf(d->out, "%s\n", n ? "." : "(none)");
}

/* ---- kernel-matrix.csv --------------------------------------------- */

/* "6.1.0-57-cloud-amd64" -> "6.1.0-57", "6.12.117+deb12-..." ->
 * "6.12.117". */
static void short_kernel(const char *k, char *buf, size_t len)
{
	char *p;

	snprintf(buf, len, "%s", k);
	if ((p = strstr(buf, "-cloud-amd64")) && !p[12])
		*p = '\0';
	if ((p = strstr(buf, "+deb")) && bs_view_is_number(p + 4))
		*p = '\0';
}

static const char *matrix_cell(const char *expect, const char *result,
			       char *buf, size_t len)
{
	if (!strcmp(result, "BLIND"))
		return "blind";
	if (!strcmp(result, "N/A"))
		return "n/a";
	if (!strcmp(result, "PASS"))
		return strcmp(expect, "alert") ? "—" : "alert";
	if (!strcmp(result, "FAIL"))
		snprintf(buf, len, "**FAIL** (%s expected)", expect);
	else
		snprintf(buf, len, "**%s**", result);
	for (char *p = buf; *p && strcmp(result, "FAIL"); p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return buf;
}

static void matrix_names(const struct bs_view *v, size_t r, char *col,
			 char *row)
{
	char k[KEY_LEN / 2];

	short_kernel(bs_view_get(v, r, "kernel"), k, sizeof(k));
	snprintf(col, KEY_LEN, "%s %s", k, bs_view_get(v, r, "backend"));
	snprintf(row, KEY_LEN, "%s/%s", bs_view_get(v, r, "detect"),
		 bs_view_get(v, r, "case"));
}

/* Rows detect/case, columns kernel backend; a "(start)"/"(runner)" case
 * (a configuration that did not run) goes last. */
static void render_matrix(struct bs_doc *d, struct bs_view *v,
			  const struct bs_doc_section *s)
{
	static char cols[MAX_LIST][KEY_LEN], rows[MAX_LIST * 4][KEY_LEN];
	size_t nc = 0, nr = 0, broken = 0;
	char col[KEY_LEN], row[KEY_LEN], buf[KEY_LEN];
	FILE *o = d->out;

	(void)s;
	for (int late = 0; late < 2; late++)
		for (size_t r = 0; r < v->t.n_rows; r++) {
			matrix_names(v, r, col, row);
			if (!late)
				bs_view_names_add(cols, &nc, MAX_LIST, col);
			if ((bs_view_get(v, r, "case")[0] == '(') == late)
				bs_view_names_add(rows, &nr, MAX_LIST * 4, row);
		}
	fputs("| case |", o);
	for (size_t c = 0; c < nc; c++)
		fprintf(o, " %s |", cols[c]);
	fputs("\n|---|", o);
	for (size_t c = 0; c < nc; c++)
		fputs("---|", o);
	fputs("\n", o);
	for (size_t i = 0; i < nr; i++) {
		fprintf(o, "| %s |", rows[i]);
		for (size_t c = 0; c < nc; c++) {
			const char *cell = "";

			for (size_t r = 0; r < v->t.n_rows; r++) {
				matrix_names(v, r, col, row);
				if (!strcmp(col, cols[c]) &&
				    !strcmp(row, rows[i]))
					cell = matrix_cell(
						bs_view_get(v, r, "expect"),
						bs_view_get(v, r, "result"),
						buf, sizeof(buf));
			}
			broken += cell[0] == '*';
			fprintf(o, " %s |", cell);
		}
		fputs("\n", o);
	}
	if (broken)
		fprintf(d->out,
			"\n- %zu cells did not come out as expected "
			"(in bold).\n",
			broken);
	else
		fprintf(d->out,
			"\n- Every case came out as expected (an alert, "
			"silence, or a known blind spot).\n");
}

/* ---- summary and targets ------------------------------------------- */

/* The distinct values of a column among the kept rows, or "—". */
static void print_values(FILE *o, const struct bs_view *v, const char *col,
			 bool kept_only)
{
	static char seen[MAX_LIST][KEY_LEN];
	size_t n = 0;

	if (bs_csv_table_col(&v->t, col) < 0) {
		fputs("—", o);
		return;
	}
	for (size_t r = 0; r < v->t.n_rows; r++)
		if (v->keep[r] || !kept_only)
			bs_view_names_add(seen, &n, MAX_LIST,
					  bs_view_get(v, r, col));
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ", " : "", o);
		bs_md_code(o, seen[i]);
	}
}

static void render_summary(struct bs_doc *d, struct bs_view *none,
			   const struct bs_doc_section *s)
{
	static const char *const cols[] = {
		"file",
		"rows",
		"runs",
		"latest run",
		"kernels (latest rows)",
		"attach (latest rows)",
	};
	static char names[BS_DOC_MAX_CSVS][KEY_LEN];
	size_t n = bs_doc_csv_files(d, names);
	FILE *o = d->out;

	(void)none;
	(void)s;
	bs_md_head(o, cols, sizeof(cols) / sizeof(cols[0]));
	for (size_t i = 0; i < n; i++) {
		struct bs_view *v = bs_doc_view(d, names[i]);
		size_t n_runs = 0, last;
		int rc;

		if (!v)
			continue;
		rc = bs_view_run_col(v);
		for (size_t r = 0; r < v->t.n_rows && rc >= 0; r++)
			n_runs += bs_view_first_seen(v, rc, r, false) == r;
		last = v->t.n_rows ? v->t.n_rows - 1 : 0;
		fprintf(o, "| [`%s`](../%s/%s) | %zu | %zu | ", names[i],
			d->shown, names[i], v->t.n_rows, n_runs);
		bs_md_code(o, bs_csv_table_at(&v->t, last, rc));
		if (strcmp(bs_view_get(v, last, "commit"), "") &&
		    strcmp(v->t.header[rc < 0 ? 0 : rc], "commit"))
			fprintf(o, " (`%s`)", bs_view_get(v, last, "commit"));
		fputs(" | ", o);
		print_values(o, v, "kernel", true);
		fputs(" | ", o);
		print_values(o, v, "attach", true);
		fputs(" |\n", o);
	}
}

enum target_op { T_BELOW, T_AT_MOST, T_FLAG /* 1 = passed */ };

struct target {
	const char *text, *csv, *metric, *field, *where;
	double limit;
	enum target_op op;
};

/* From the issues; each checked on the latest row of every
 * configuration (or key) that measured it. */
static const struct target targets[] = {
	{ "open, tracepoint backend: open+close ratio ≤ 1.15", "overhead.csv",
	  "open_close_ns", "ratio", "detect=open;attach=tracepoint", 1.15,
	  T_AT_MOST },
	{ "open, tracepoint backend: 4 KiB pread ratio ≤ 1.15", "overhead.csv",
	  "pread_4k_ns", "ratio", "detect=open;attach=tracepoint", 1.15,
	  T_AT_MOST },
	{ "readscan: 4 KiB pread ratio ≤ 1.5", "overhead.csv", "pread_4k_ns",
	  "ratio", "detect=readscan", 1.5, T_AT_MOST },
	{ "access → JSON line p99 < 5 ms", "overhead.csv", "alert_latency_us",
	  "p99", "detect=open|readscan|fanotify", 5000, T_BELOW },
	{ "CreateContainer p99 < 500 µs of agent time", "overhead.csv",
	  "nri_create_agent_us", "p99", NULL, 500, T_BELOW },
	{ "projected: start ratio ≤ 1.05", "overhead.csv", "container_start_ms",
	  "ratio", "inject=projected", 1.05, T_AT_MOST },
	{ "fanotify, tokens on a tmpfs of their own: open+close ratio ≤ 1.02",
	  "overhead.csv", "open_close_ns_tmpfs", "ratio", "detect=fanotify",
	  1.02, T_AT_MOST },
	{ "fanotify, tokens on a tmpfs of their own: pread ratio ≤ 1.02",
	  "overhead.csv", "pread_4k_ns_tmpfs", "ratio", "detect=fanotify", 1.02,
	  T_AT_MOST },
	{ "fanotify accessor delay p99 < 200 µs", "overhead.csv",
	  "accessor_delay_us", "p99", "detect=fanotify", 200, T_BELOW },
	{ "fanotify access → JSON line p99 < 1 ms", "overhead.csv",
	  "alert_latency_us", "p99", "detect=fanotify", 1000, T_BELOW },
	{ "sinks: access → webhook received p99 < 50 ms", "sinks.csv",
	  "access_to_webhook_received", "p99", NULL, 50000, T_BELOW },
	{ "sinks: access → metric incremented p99 < 50 ms", "sinks.csv",
	  "access_to_metric_incremented", "p99", NULL, 50000, T_BELOW },
	{ "sinks: access → Event POSTed p99 < 1 s", "sinks.csv",
	  "access_to_event_posted_standin", "p99", NULL, 1000000, T_BELOW },
	{ "sinks: agent RSS under 1,000 alerts/s < 32 MiB", "sinks.csv",
	  "load_agent_rss", "p99", NULL, 32768, T_BELOW },
	{ "reliability: every scenario passes", "reliability.csv", "pass",
	  "value", NULL, 1, T_FLAG },
};

/* What a row is, for the "worst" column. */
static void row_label(const struct bs_view *v, size_t r, char *buf, size_t len)
{
	if (bs_csv_table_col(&v->t, "inject") >= 0)
		bs_view_config(v, r, buf, len);
	else if (bs_csv_table_col(&v->t, "scenario") >= 0)
		snprintf(buf, len, "%s", bs_view_get(v, r, "scenario"));
	else
		snprintf(buf, len, "%s", bs_view_get(v, r, "metric"));
}

static void render_target(struct bs_doc *d, const struct target *t)
{
	struct bs_view *v = bs_doc_view(d, t->csv);
	unsigned met = 0, seen = 0;
	long worst = -1;
	double wx = 0;
	char label[KEY_LEN];
	bool flag = t->op == T_FLAG; /* worst is the lowest */

	fprintf(d->out, "| %s | `%s` `%s` | ", t->text, t->csv, t->metric);
	for (size_t r = 0; v && r < v->t.n_rows; r++) {
		const char *s = bs_view_get(v, r, t->field);
		double x;

		if (!v->keep[r] ||
		    strcmp(bs_view_get(v, r, "metric"), t->metric) ||
		    !bs_view_where(v, r, t->where) || !bs_view_is_number(s))
			continue;
		x = strtod(s, NULL);
		seen++;
		met += flag		    ? x >= t->limit
		       : t->op == T_AT_MOST ? x <= t->limit
					    : x < t->limit;
		if (worst < 0 || (flag ? x < wx : x > wx)) {
			worst = (long)r;
			wx = x;
		}
	}
	if (!seen) {
		fputs("not measured | — |\n", d->out);
		return;
	}
	fprintf(d->out, "%s %u of %u | ", met == seen ? "✔" : "✘", met, seen);
	if (flag && met == seen) {
		fputs("— |\n", d->out);
		return;
	}
	row_label(v, (size_t)worst, label, sizeof(label));
	/* a ratio has no unit; the unit column is the measured value's */
	fprintf(d->out, "%s%s%s (`%s`) |\n",
		bs_view_get(v, (size_t)worst, t->field),
		strcmp(t->field, "ratio") ? " " : "×",
		strcmp(t->field, "ratio")
			? bs_view_get(v, (size_t)worst, "unit")
			: "",
		label);
}

static void render_targets(struct bs_doc *d, struct bs_view *none,
			   const struct bs_doc_section *s)
{
	static const char *const cols[] = {
		"target",
		"from",
		"met (rows)",
		"worst",
	};

	(void)none;
	(void)s;
	bs_md_head(d->out, cols, sizeof(cols) / sizeof(cols[0]));
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++)
		render_target(d, &targets[i]);
}

/* ---- per detector: the ranges over its configurations ------------- */

struct range {
	char lo[VALUE_LEN], hi[VALUE_LEN];
	double lo_x, hi_x;
	unsigned n;
};

static void range_add(struct range *g, const char *s)
{
	double x;

	if (!bs_view_is_number(s))
		return;
	x = strtod(s, NULL);
	if (!g->n || x < g->lo_x) {
		g->lo_x = x;
		snprintf(g->lo, sizeof(g->lo), "%s", s);
	}
	if (!g->n || x > g->hi_x) {
		g->hi_x = x;
		snprintf(g->hi, sizeof(g->hi), "%s", s);
	}
	g->n++;
}

/* One cell: "lo–hi", or the one value; then what (may be ""). */
static void range_print(FILE *o, const struct range *g, const char *what)
{
	if (!g->n)
		fputs(" — |", o);
	else if (!strcmp(g->lo, g->hi))
		fprintf(o, " %s%s |", g->lo, what);
	else
		fprintf(o, " %s–%s%s |", g->lo, g->hi, what);
}

/* The overhead columns of the detector table. */
static const struct metric_col detector_cols[] = {
	{ "open_close_ns", "ratio", "open+close ratio" },
	{ "pread_4k_ns", "ratio", "4 KiB pread ratio" },
	{ "alert_latency_us", "median", "access → JSON line µs" },
	{ "alert_latency_us", "p99", "p99" },
	{ "agent_rss_kib", "median", "agent RSS KiB" },
};

#define N_DETECTOR_COLS (sizeof(detector_cols) / sizeof(detector_cols[0]))

static void detector_coverage(FILE *o, const struct bs_view *cov,
			      const char *where)
{
	static struct method m[MAX_LIST];
	static struct bs_view_names cf;
	struct range ok = { 0 };
	unsigned expected = 0;
	char num[VALUE_LEN];

	bs_view_configs(cov, where, &cf);
	for (size_t c = 0; c < cf.n; c++) {
		size_t n = methods_of(cov, cf.name[c], m);
		unsigned e, k = alerted(m, n, &e);

		snprintf(num, sizeof(num), "%u", k);
		range_add(&ok, num);
		expected = e > expected ? e : expected;
	}
	snprintf(num, sizeof(num), " of %u", expected);
	fprintf(o, " %zu |", cf.n);
	range_print(o, &ok, num);
}

static void detector_costs(FILE *o, const struct bs_view *ovh,
			   const char *where)
{
	static struct bs_view_names cf;
	struct range g[N_DETECTOR_COLS];

	memset(g, 0, sizeof(g));
	if (ovh)
		bs_view_configs(ovh, where, &cf);
	for (size_t c = 0; ovh && c < cf.n; c++)
		for (size_t i = 0; i < N_DETECTOR_COLS; i++) {
			long r = metric_row(ovh, cf.name[c],
					    detector_cols[i].metric);

			if (r >= 0)
				range_add(&g[i],
					  bs_view_get(ovh, (size_t)r,
						      detector_cols[i].field));
		}
	for (size_t i = 0; i < N_DETECTOR_COLS; i++)
		range_print(o, &g[i], "");
}

/* One row per detector: from the lowest to the highest over its
 * configurations' latest runs (coverage.csv, overhead.csv). */
static void render_detectors(struct bs_doc *d, struct bs_view *none,
			     const struct bs_doc_section *s)
{
	static char detects[MAX_LIST][KEY_LEN];
	const char *cols[3 + N_DETECTOR_COLS] = {
		"detector",
		"configurations",
		"methods alerting every run",
	};
	struct bs_view *cov = bs_doc_view(d, "coverage.csv"),
		       *ovh = bs_doc_view(d, "overhead.csv");
	size_t n = 0;
	char where[KEY_LEN];

	(void)none;
	(void)s;
	if (!cov) {
		bs_doc_no_file(d, "coverage.csv");
		return;
	}
	for (size_t i = 0; i < N_DETECTOR_COLS; i++)
		cols[3 + i] = detector_cols[i].label;
	for (size_t r = 0; r < cov->t.n_rows; r++)
		if (cov->keep[r])
			bs_view_names_add(detects, &n, MAX_LIST,
					  bs_view_get(cov, r, "detect"));
	qsort(detects, n, KEY_LEN, bs_doc_name_cmp);
	bs_md_head(d->out, cols, sizeof(cols) / sizeof(cols[0]));
	for (size_t i = 0; i < n; i++) {
		snprintf(where, sizeof(where), "detect=%s", detects[i]);
		fprintf(d->out, "| `%s` |", detects[i]);
		detector_coverage(d->out, cov, where);
		detector_costs(d->out, ovh, where);
		fputs("\n", d->out);
	}
}

/* ---- the sections -------------------------------------------------- */

const struct bs_doc_section bs_doc_sections[] = {
	{ "summary", NULL, render_summary, NULL },
	{ "coverage", "coverage.csv", render_coverage, NULL },
	{ "stealth", "stealth.csv", render_stealth, NULL },
	{ "cost-syscalls", "overhead.csv", render_metrics, &syscall_table },
	{ "cost-lifecycle", "overhead.csv", render_metrics, &lifecycle_table },
	{ "cost-agent", "overhead.csv", render_metrics, &agent_table },
	{ "fanotify", "overhead.csv", render_metrics, &fanotify_table },
	{ "cost-other", "overhead.csv", render_other_metrics, NULL },
	{ "kernel-matrix", "kernel-matrix.csv", render_matrix, NULL },
	{ "targets", NULL, render_targets, NULL },
	{ "detectors", NULL, render_detectors, NULL },
};

const size_t bs_doc_n_sections =
	sizeof(bs_doc_sections) / sizeof(bs_doc_sections[0]);
