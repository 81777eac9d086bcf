// SPDX-License-Identifier: Apache-2.0
/* Latest-run report and gnuplot inputs (report.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/report.h"
#include "harness/results.h"
#include "harness/attack/tells.h"
#include "lib/csv.h"
#include "lib/log.h"

#define MAX_CONFIGS 48 /* inject+detect/backend columns */
#define MAX_ROWS    64 /* methods or metrics */

struct cell {
	unsigned tried, detected;
	double ratio; /* overhead */
	bool have;
};

/* The configurations of one CSV, each with its latest run_id. */
struct configs {
	char name[MAX_CONFIGS][48];
	char latest[MAX_CONFIGS][64];
	size_t n;
};

struct table {
	struct configs cf;
	char rows[MAX_ROWS][48];
	char expect[MAX_ROWS][8];
	size_t n_rows;
	struct cell cells[MAX_ROWS][MAX_CONFIGS];
};

/* The columns both CSVs share at the front (stealth.csv's run_id too). */
enum {
	C_RUN,
	C_COMMIT,
	C_INJECT,
	C_DETECT,
	C_BACKEND,
	C_ATTACH,
	C_KERNEL,
	C_NAME
};

/* A configuration past the table's width is left out of the report:
 * say so rather than drop it silently. */
static void full_once(const char *key)
{
	static bool said;

	if (!said)
		bs_warn("report: more than %d configurations, %s and later "
			"ones left out",
			MAX_CONFIGS, key);
	said = true;
}

/* key's index in cf, added (when add) if there is room, with no latest
 * run yet; -1 when it is not there. */
static int key_index(struct configs *cf, const char *key, bool add)
{
	for (size_t i = 0; i < cf->n; i++)
		if (!strcmp(cf->name[i], key))
			return (int)i;
	if (add && cf->n == MAX_CONFIGS)
		full_once(key);
	if (!add || cf->n == MAX_CONFIGS)
		return -1;
	snprintf(cf->name[cf->n], sizeof(cf->name[0]), "%s", key);
	cf->latest[cf->n][0] = '\0';
	return (int)cf->n++;
}

/* The backend, or the runtime and version it drove when the row names
 * one (the last column, empty in rows from before it): one containerd
 * version is a configuration of its own. */
static const char *backend_of(char **f, int cols, int backend)
{
	return f[cols - 1][0] ? f[cols - 1] : f[backend];
}

/* "inject+detect/backend" */
static void config_key(char **f, int cols, char *key, size_t len)
{
	snprintf(key, len, "%s+%s/%s", f[C_INJECT], f[C_DETECT],
		 backend_of(f, cols, C_BACKEND));
}

static int row_index(struct table *t, const char *name)
{
	for (size_t i = 0; i < t->n_rows; i++)
		if (!strcmp(t->rows[i], name))
			return (int)i;
	if (t->n_rows == MAX_ROWS)
		return -1;
	snprintf(t->rows[t->n_rows], sizeof(t->rows[0]), "%s", name);
	t->expect[t->n_rows][0] = '\0';
	return (int)t->n_rows++;
}

/* "b/c" before "a/d": by backend, then injection+detection, so the plot's
 * columns come in groups whatever order the runs were made in. */
static int config_cmp(const char *a, const char *b)
{
	const char *sa = strchr(a, '/'), *sb = strchr(b, '/');
	int r = strcmp(sa ? sa : "", sb ? sb : "");

	return r ? r : strcmp(a, b);
}

/* Before any cell is filled: only the names and latest run ids move. */
static void sort_configs(struct configs *cf)
{
	for (size_t i = 1; i < cf->n; i++)
		for (size_t j = i;
		     j > 0 && config_cmp(cf->name[j - 1], cf->name[j]) > 0;
		     j--) {
			char c[sizeof(cf->name[0])], l[sizeof(cf->latest[0])];

			memcpy(c, cf->name[j], sizeof(c));
			memcpy(l, cf->latest[j], sizeof(l));
			memcpy(cf->name[j], cf->name[j - 1], sizeof(c));
			memcpy(cf->latest[j], cf->latest[j - 1], sizeof(l));
			memcpy(cf->name[j - 1], c, sizeof(c));
			memcpy(cf->latest[j - 1], l, sizeof(l));
		}
}

/* How one CSV is read: its width, a row's configuration key, whether the
 * configurations go in plot order, and what a row of a latest run adds
 * to t. */
struct csv_reader {
	size_t n_cols;
	void (*key)(char **f, int cols, char *key, size_t len);
	bool sort;
	void (*row)(void *t, char **f, int cfg);
};

/* Two passes over the file: find each configuration's latest run_id, then
 * feed that run's rows to r->row. */
static int scan(const char *path, const struct csv_reader *r,
		struct configs *cf, void *t)
{
	char line[BS_CSV_MAX_LINE], *f[BS_CSV_MAX_COLS], key[48];
	FILE *in = fopen(path, "r");
	int c;

	if (!in)
		return -errno;
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1 && r->sort)
			sort_configs(cf);
		rewind(in);
		if (!fgets(line, sizeof(line), in))
			break; /* header */
		while (fgets(line, sizeof(line), in)) {
			if (bs_csv_split(line, f, BS_CSV_MAX_COLS) !=
			    (int)r->n_cols)
				continue;
			r->key(f, (int)r->n_cols, key, sizeof(key));
			c = key_index(cf, key, pass == 0);
			if (c < 0)
				continue;
			if (pass == 0 && strcmp(f[C_RUN], cf->latest[c]) > 0)
				snprintf(cf->latest[c], sizeof(cf->latest[0]),
					 "%s", f[C_RUN]);
			else if (pass == 1 && !strcmp(f[C_RUN], cf->latest[c]))
				r->row(t, f, c);
		}
	}
	fclose(in);
	return 0;
}

static void coverage_row(void *arg, char **f, int cfg)
{
	struct table *t = arg;
	int r = row_index(t, f[C_NAME]);
	struct cell *c;

	if (r < 0)
		return;
	snprintf(t->expect[r], sizeof(t->expect[0]), "%s", f[C_NAME + 1]);
	c = &t->cells[r][cfg];
	c->have = true;
	c->tried++;
	c->detected += f[C_NAME + 2][0] == '1';
}

static void overhead_row(void *arg, char **f, int cfg)
{
	struct table *t = arg;
	struct cell *c;
	int r;

	if (!f[13][0])
		return; /* no ratio (no baseline): nothing to compare */
	r = row_index(t, f[C_NAME]);
	if (r < 0)
		return;
	c = &t->cells[r][cfg];
	c->have = true;
	c->ratio = strtod(f[13], NULL);
}

static const struct csv_reader coverage_csv = { BS_COVERAGE_COLS, config_key,
						true, coverage_row };
static const struct csv_reader overhead_csv = { BS_OVERHEAD_COLS, config_key,
						true, overhead_row };

/* Wide enough for the longest configuration name (a runtime's version
 * is the part that would be cut). */
static int config_width(const struct table *t)
{
	size_t w = 22;

	for (size_t c = 0; c < t->cf.n; c++)
		if (strlen(t->cf.name[c]) > w)
			w = strlen(t->cf.name[c]);
	return (int)w;
}

static void print_coverage(const struct table *t)
{
	int w = config_width(t);

	printf("%-18s %-6s", "method", "expect");
	for (size_t c = 0; c < t->cf.n; c++)
		printf(" %*s", w, t->cf.name[c]);
	printf("\n");
	for (size_t r = 0; r < t->n_rows; r++) {
		printf("%-18s %-6s", t->rows[r], t->expect[r]);
		for (size_t c = 0; c < t->cf.n; c++) {
			const struct cell *x = &t->cells[r][c];
			char s[16];

			if (x->have)
				snprintf(s, sizeof(s), "%u/%u", x->detected,
					 x->tried);
			else
				snprintf(s, sizeof(s), "-");
			printf(" %*s", w, s);
		}
		printf("\n");
	}
}

static void print_overhead(const struct table *t)
{
	int w = config_width(t);

	printf("\n%-34s", "overhead ratio");
	for (size_t c = 0; c < t->cf.n; c++)
		printf(" %*s", w, t->cf.name[c]);
	printf("\n");
	for (size_t r = 0; r < t->n_rows; r++) {
		printf("%-34s", t->rows[r]);
		for (size_t c = 0; c < t->cf.n; c++) {
			const struct cell *x = &t->cells[r][c];

			if (x->have)
				printf(" %*.3f", w, x->ratio);
			else
				printf(" %*s", w, "-");
		}
		printf("\n");
	}
}

/* Closes a plot's data + script files (either may be NULL); passes err. */
static int close_pair(FILE *d, FILE *g, int err)
{
	if (d)
		fclose(d);
	if (g)
		fclose(g);
	return err;
}

static FILE *open_in(const char *dir, const char *name)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		bs_err("write %s: %s", path, strerror(errno));
	return f;
}

/* A plot's data file name.dat and script name.gp in dir, the script
 * drawing w x h pixels into results/name.svg; -EIO when either cannot be
 * opened (*d, *g as far as they were). */
static int open_plot(const char *dir, const char *results, const char *name,
		     size_t w, size_t h, FILE **d, FILE **g)
{
	char file[64];

	snprintf(file, sizeof(file), "%s.dat", name);
	*d = open_in(dir, file);
	snprintf(file, sizeof(file), "%s.gp", name);
	*g = open_in(dir, file);
	if (!*d || !*g)
		return -EIO;
	fprintf(*g,
		"set terminal svg noenhanced size %zu,%zu dynamic "
		"background rgb 'white'\n",
		w, h);
	fprintf(*g, "set output '%s/%s.svg'\n", results, name);
	return 0;
}

/* Heat map: x = configuration, y = method, colour = share detected. */
static int plot_coverage(const struct table *t, const char *dir,
			 const char *results)
{
	FILE *d, *g;

	if (open_plot(dir, results, "coverage", 320 + 130 * t->cf.n,
		      200 + 24 * t->n_rows, &d, &g))
		return close_pair(d, g, -EIO);
	for (size_t r = 0; r < t->n_rows; r++)
		for (size_t c = 0; c < t->cf.n; c++) {
			const struct cell *x = &t->cells[r][c];

			double share =
				x->tried ? (double)x->detected / x->tried : 0;

			/* colour = share right: silence is right for "none" */
			if (strcmp(t->expect[r], "alert") != 0)
				share = 1 - share;
			if (x->have)
				fprintf(d, "%zu %zu %.3f \"%u/%u\"\n", c, r,
					share, x->detected, x->tried);
			else
				fprintf(d, "%zu %zu -1 \"-\"\n", c, r);
		}
	fprintf(g, "set lmargin 26\nset bmargin 8\n");
	fprintf(g,
		"set title \"Coverage: runs that alerted / runs (latest "
		"run per configuration)\\ngreen = right (alert when expected, "
		"silence otherwise), red = wrong, grey = not run\"\n");
	fprintf(g, "unset key\nset cbrange [-1:1]\nunset colorbox\n");
	fprintf(g, "set palette defined (-1 'grey90', 0 '#d73027', 0.5 "
		   "'#fee08b', 1 '#1a9850')\n");
	fprintf(g, "set xrange [-0.5:%zu.5]\nset yrange [%zu.5:-0.5]\n",
		t->cf.n - 1, t->n_rows - 1);
	/* "inject+detect/backend" on two lines: no rotated text needed */
	fprintf(g, "set xtics (");
	for (size_t c = 0; c < t->cf.n; c++) {
		const char *cfg = t->cf.name[c], *slash = strchr(cfg, '/');
		int len = slash ? (int)(slash - cfg) : (int)strlen(cfg);

		fprintf(g, "%s\"%.*s\\n%s\" %zu", c ? ", " : "", len, cfg,
			slash ? slash + 1 : "", c);
	}
	fprintf(g, ")\nset ytics (");
	for (size_t r = 0; r < t->n_rows; r++)
		fprintf(g, "%s'%s (%s)' %zu", r ? ", " : "", t->rows[r],
			t->expect[r], r);
	fprintf(g,
		")\nplot '%s/coverage.dat' using 1:2:3 with image pixels, "
		"'' using 1:2:4 with labels\n",
		dir);
	return close_pair(d, g, 0);
}

/* Clustered bars: one group per metric, one bar per configuration. */
/* One ratio far above the rest (readscan with a full map) would flatten
 * every other bar: clip the axis at 3 and say so. */
static bool clipped(const struct table *t)
{
	for (size_t r = 0; r < t->n_rows; r++)
		for (size_t c = 0; c < t->cf.n; c++)
			if (t->cells[r][c].have && t->cells[r][c].ratio > 3)
				return true;
	return false;
}

static int plot_overhead(const struct table *t, const char *dir,
			 const char *results)
{
	FILE *d, *g;

	if (open_plot(dir, results, "overhead", 1400, 700, &d, &g))
		return close_pair(d, g, -EIO);
	fprintf(d, "metric");
	for (size_t c = 0; c < t->cf.n; c++)
		fprintf(d, " \"%s\"", t->cf.name[c]);
	fprintf(d, "\n");
	for (size_t r = 0; r < t->n_rows; r++) {
		fprintf(d, "%s", t->rows[r]);
		for (size_t c = 0; c < t->cf.n; c++) {
			if (t->cells[r][c].have)
				fprintf(d, " %.4f", t->cells[r][c].ratio);
			else
				fprintf(d, " ?");
		}
		fprintf(d, "\n");
	}
	fprintf(g, "set bmargin 16\nset xtics rotate by -40\n");
	fprintf(g,
		"set title 'Overhead: median with / median without (latest "
		"run per configuration)%s'\n",
		clipped(t) ? ". Bars clipped at 3: exact ratios in overhead.csv"
			   : "");
	fprintf(g, "set datafile missing '?'\nset style data histograms\n");
	fprintf(g, "set style histogram clustered gap 1\nset style fill solid "
		   "0.8 border -1\n");
	fprintf(g, "set ylabel 'ratio'\nset yrange [0:%s]\nset grid ytics\n",
		clipped(t) ? "3" : "*");
	fprintf(g, "set key outside right\n");
	fprintf(g, "set arrow from graph 0, first 1 to graph 1, first 1 nohead "
		   "dt 2\n");
	if (t->cf.n)
		fprintf(g,
			"plot for [i=2:%zu] '%s/overhead.dat' using "
			"(column(i) > 3 ? 3 : column(i)):xtic(1) "
			"title columnheader(i)\n",
			t->cf.n + 1, dir);
	return close_pair(d, g, 0);
}

/* ---- stealth.csv: tells per inject/backend, latest run each --------- */

enum { S_RUN, S_COMMIT, S_INJECT, S_BACKEND, S_KERNEL, S_TELL, S_VISIBLE };

struct stealth {
	struct configs cf;
	char cells[BS_TELL_MAX][MAX_CONFIGS][8]; /* 0, 1, unknown; "" none */
};

/* "inject/backend" */
static void stealth_key(char **f, int cols, char *key, size_t len)
{
	snprintf(key, len, "%s/%s", f[S_INJECT],
		 backend_of(f, cols, S_BACKEND));
}

static void stealth_row(void *arg, char **f, int cfg)
{
	struct stealth *t = arg;
	const struct bs_tell *tell = bs_tell_find(f[S_TELL]);

	if (tell)
		snprintf(t->cells[tell->id][cfg], sizeof(t->cells[0][0]), "%s",
			 f[S_VISIBLE]);
}

static const struct csv_reader stealth_csv = { BS_STEALTH_COLS, stealth_key,
					       false, stealth_row };

static unsigned stealth_count(const struct stealth *t, size_t c,
			      const char *what)
{
	unsigned n = 0;

	for (size_t r = 0; r < BS_TELL_MAX; r++)
		n += !strcmp(t->cells[r][c], what);
	return n;
}

static void print_stealth(const struct stealth *t)
{
	printf("\nStealth, latest run of each configuration (1 = the tell "
	       "gives the token away; reference = kubelet-built volume):\n");
	printf("%-18s", "tell");
	for (size_t c = 0; c < t->cf.n; c++)
		printf(" %24.24s", t->cf.name[c]);
	printf("\n");
	for (size_t r = 0; r < BS_TELL_MAX; r++) {
		printf("%-18s", bs_tells[r].name);
		for (size_t c = 0; c < t->cf.n; c++)
			printf(" %24s",
			       t->cells[r][c][0] ? t->cells[r][c] : "-");
		printf("\n");
	}
	printf("%-18s", "visible");
	for (size_t c = 0; c < t->cf.n; c++) {
		char s[32];

		snprintf(s, sizeof(s), "%u/%d", stealth_count(t, c, "1"),
			 BS_TELL_MAX);
		printf(" %24s", s);
	}
	printf("\n");
}

/* Bars: tells visible per configuration, unknown stacked on top. */
static int plot_stealth(const struct stealth *t, const char *dir,
			const char *results)
{
	FILE *d, *g;

	if (open_plot(dir, results, "stealth", 480 + 140 * t->cf.n, 500, &d,
		      &g))
		return close_pair(d, g, -EIO);
	fprintf(d, "# config visible unknown\n");
	for (size_t c = 0; c < t->cf.n; c++)
		fprintf(d, "\"%s\" %u %u\n", t->cf.name[c],
			stealth_count(t, c, "1"),
			stealth_count(t, c, "unknown"));
	fprintf(g,
		"set title \"Stealth: tells an attacker in the container "
		"sees (of %d), latest run per inject/backend\\nreference "
		"= a kubelet-built volume: must be 0\"\n",
		BS_TELL_MAX);
	fprintf(g, "set bmargin 6\nset xtics rotate by -30\n");
	fprintf(g, "set style data histograms\nset style histogram "
		   "rowstacked\nset style fill solid 0.8 border -1\n");
	fprintf(g,
		"set boxwidth 0.6\nset ylabel 'tells'\nset yrange "
		"[0:%d]\nset ytics 1\nset grid ytics\nset key outside "
		"right\n",
		BS_TELL_MAX);
	fprintf(g,
		"plot '%s/stealth.dat' using 2:xtic(1) title 'visible' lc "
		"rgb '#d73027', '' using 3 title 'unknown' lc rgb "
		"'grey70'\n",
		dir);
	return close_pair(d, g, 0);
}

int bs_report(const char *results_dir, const char *plot_dir)
{
	static struct stealth st;
	static struct table cov, ovh;
	char path[1024];
	int err;

	memset(&cov, 0, sizeof(cov));
	memset(&ovh, 0, sizeof(ovh));
	snprintf(path, sizeof(path), "%s/%s", results_dir, BS_COVERAGE_CSV);
	err = scan(path, &coverage_csv, &cov.cf, &cov);
	if (err) {
		bs_err("no coverage results in %s: run make bench first",
		       results_dir);
		return err;
	}
	snprintf(path, sizeof(path), "%s/%s", results_dir, BS_OVERHEAD_CSV);
	if (scan(path, &overhead_csv, &ovh.cf, &ovh))
		bs_warn("no overhead results in %s", results_dir);
	printf("Coverage, latest run of each configuration (detected/runs):\n");
	print_coverage(&cov);
	if (ovh.n_rows)
		print_overhead(&ovh);
	memset(&st, 0, sizeof(st));
	snprintf(path, sizeof(path), "%s/%s", results_dir, BS_STEALTH_CSV);
	if (scan(path, &stealth_csv, &st.cf, &st))
		bs_warn("no stealth results in %s", results_dir);
	if (st.cf.n)
		print_stealth(&st);
	if (!plot_dir)
		return 0;
	if (mkdir(plot_dir, 0755) && errno != EEXIST)
		return -errno;
	if (cov.n_rows && cov.cf.n)
		err = plot_coverage(&cov, plot_dir, results_dir);
	if (!err && ovh.n_rows && ovh.cf.n)
		err = plot_overhead(&ovh, plot_dir, results_dir);
	if (!err && st.cf.n)
		err = plot_stealth(&st, plot_dir, results_dir);
	return err;
}
