// SPDX-License-Identifier: Apache-2.0
/* A results CSV and the rows of each key's latest run (results_view.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/results_view.h"

#define KEY_LEN	 BS_VIEW_KEY_LEN
#define MAX_LIST BS_VIEW_MAX_NAMES

typedef void (*key_fn)(const struct bs_view *v, size_t row, char *buf,
		       size_t len);

/* ---- keys and the latest run --------------------------------------- */

const char *bs_view_get(const struct bs_view *v, size_t r, const char *col)
{
	return bs_csv_table_get(&v->t, r, col);
}

/* "inject+detect/backend"; the runtime and its version stand for the
 * backend when a row names one (one containerd version is a configuration
 * of its own); no "+detect" in files without one (stealth). */
void bs_view_config(const struct bs_view *v, size_t r, char *buf, size_t len)
{
	const char *rt = bs_view_get(v, r, "runtime");
	const char *be = rt[0] ? rt : bs_view_get(v, r, "backend");

	if (bs_csv_table_col(&v->t, "detect") >= 0)
		snprintf(buf, len, "%s+%s/%s", bs_view_get(v, r, "inject"),
			 bs_view_get(v, r, "detect"), be);
	else
		snprintf(buf, len, "%s/%s", bs_view_get(v, r, "inject"), be);
}

static void config_metric_key(const struct bs_view *v, size_t r, char *buf,
			      size_t len)
{
	char cfg[KEY_LEN];

	bs_view_config(v, r, cfg, sizeof(cfg));
	snprintf(buf, len, "%s\x1f%s", cfg, bs_view_get(v, r, "metric"));
}

static void generic_key(const struct bs_view *v, size_t r, char *buf,
			size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t c = 0; c < v->t.n_cols && o < len; c++)
		if (v->is_key[c])
			o += (size_t)snprintf(
				buf + o, len - o, "%s\x1f",
				bs_csv_table_at(&v->t, r, (int)c));
}

bool bs_view_is_number(const char *s)
{
	char *end;

	if (!s[0])
		return false;
	(void)strtod(s, &end);
	return !*end;
}

/* Key columns: what a row is about, not what it measured: neither a
 * number, free text (a value with a space), run_id nor commit. */
static void find_keys(struct bs_view *v)
{
	for (size_t c = 0; c < v->t.n_cols; c++) {
		const char *h = v->t.header[c];
		bool numeric = true, text = false, any = false;

		for (size_t r = 0; r < v->t.n_rows; r++) {
			const char *s = bs_csv_table_at(&v->t, r, (int)c);

			any |= s[0] != '\0';
			numeric &= !s[0] || bs_view_is_number(s);
			text |= strchr(s, ' ') != NULL;
		}
		v->is_key[c] = strcmp(h, "run_id") && strcmp(h, "commit") &&
			       !(any && numeric) && !text;
	}
}

/* The run a row belongs to: its run_id, else its commit. */
int bs_view_run_col(const struct bs_view *v)
{
	int c = bs_csv_table_col(&v->t, "run_id");

	return c >= 0 ? c : bs_csv_table_col(&v->t, "commit");
}

/* Keep the rows of each key's latest run: the run of its last row, as
 * files are appended to. */
static int keep_latest(struct bs_view *v, key_fn key)
{
	size_t n = v->t.n_rows, n_keys = 0;
	char(*keys)[KEY_LEN] = calloc(n ? n : 1, KEY_LEN);
	size_t *id = calloc(n ? n : 1, sizeof(*id));
	size_t *last = calloc(n ? n : 1, sizeof(*last));
	size_t *first = calloc(n ? n : 1, sizeof(*first));
	int run = bs_view_run_col(v), err = 0;

	v->keep = calloc(n ? n : 1, sizeof(*v->keep));
	if (!keys || !id || !last || !first || !v->keep) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t r = 0; r < n; r++) {
		size_t k = 0;

		key(v, r, keys[r], KEY_LEN);
		while (k < n_keys && strcmp(keys[first[k]], keys[r]))
			k++;
		if (k == n_keys)
			first[n_keys++] = r;
		id[r] = k;
		last[k] = r;
	}
	for (size_t r = 0; r < n; r++)
		v->keep[r] = !strcmp(bs_csv_table_at(&v->t, r, run),
				     bs_csv_table_at(&v->t, last[id[r]], run));
out:
	free(keys);
	free(id);
	free(last);
	free(first);
	return err;
}

static key_fn key_of(const char *name)
{
	if (!strcmp(name, "coverage.csv") || !strcmp(name, "stealth.csv"))
		return bs_view_config;
	if (!strcmp(name, "overhead.csv"))
		return config_metric_key;
	return generic_key;
}

int bs_view_load(struct bs_view *v, const char *dir, const char *name)
{
	char path[1024];
	int err;

	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", name);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	err = bs_csv_table_load(&v->t, path);
	if (err)
		return err;
	find_keys(v);
	return keep_latest(v, key_of(name));
}

void bs_view_free(struct bs_view *v)
{
	bs_csv_table_free(&v->t);
	free(v->keep);
	v->keep = NULL;
}

/* By backend, then injection+detection: groups as in the plots. */
static int config_cmp(const void *pa, const void *pb)
{
	const char *a = pa, *b = pb;
	const char *sa = strchr(a, '/'), *sb = strchr(b, '/');
	int r = strcmp(sa ? sa : "", sb ? sb : "");

	return r ? r : strcmp(a, b);
}

static bool list_has(const char (*list)[KEY_LEN], size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], s))
			return true;
	return false;
}

/* Adds s unless it is there; a full list keeps what it has. */
void bs_view_names_add(char (*list)[KEY_LEN], size_t *n, size_t cap,
		       const char *s)
{
	if (*n < cap && !list_has((const char(*)[KEY_LEN])list, *n, s))
		snprintf(list[(*n)++], KEY_LEN, "%s", s);
}

/* Does row r pass "col=a|b;col2=c"?  NULL passes everything. */
bool bs_view_where(const struct bs_view *v, size_t r, const char *where)
{
	char buf[KEY_LEN], *save = NULL, *clause;

	if (!where)
		return true;
	snprintf(buf, sizeof(buf), "%s", where);
	for (clause = strtok_r(buf, ";", &save); clause;
	     clause = strtok_r(NULL, ";", &save)) {
		char *eq = strchr(clause, '='), *alt, *save2 = NULL;
		bool ok = false;

		if (!eq)
			continue;
		*eq = '\0';
		for (alt = strtok_r(eq + 1, "|", &save2); alt && !ok;
		     alt = strtok_r(NULL, "|", &save2))
			ok = !strcmp(bs_view_get(v, r, clause), alt);
		if (!ok)
			return false;
	}
	return true;
}

void bs_view_configs(const struct bs_view *v, const char *where,
		     struct bs_view_names *cf)
{
	char key[KEY_LEN];

	cf->n = 0;
	for (size_t r = 0; r < v->t.n_rows; r++) {
		if (!v->keep[r] || !bs_view_where(v, r, where))
			continue;
		bs_view_config(v, r, key, sizeof(key));
		bs_view_names_add(cf->name, &cf->n, MAX_LIST, key);
	}
	qsort(cf->name, cf->n, sizeof(cf->name[0]), config_cmp);
}

bool bs_view_in_config(const struct bs_view *v, size_t r, const char *cfg)
{
	char key[KEY_LEN];

	if (!v->keep[r])
		return false;
	bs_view_config(v, r, key, sizeof(key));
	return !strcmp(key, cfg);
}

/* The first kept row of a configuration (its run, commit, attach). */
size_t bs_view_config_row(const struct bs_view *v, const char *cfg)
{
	for (size_t r = 0; r < v->t.n_rows; r++)
		if (bs_view_in_config(v, r, cfg))
			return r;
	return 0;
}

/* The first row (kept, or any) holding row's value in col. */
size_t bs_view_first_seen(const struct bs_view *v, int col, size_t row,
			  bool kept_only)
{
	const char *s = bs_csv_table_at(&v->t, row, col);

	for (size_t r = 0; r < row; r++)
		if ((v->keep[r] || !kept_only) &&
		    !strcmp(bs_csv_table_at(&v->t, r, col), s))
			return r;
	return row;
}
