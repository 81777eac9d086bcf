/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One results CSV and which of its rows belong to the latest run of their
 * key: the configuration (inject+detect/backend, or the runtime and its
 * version where a row names one) in coverage.csv and stealth.csv, the
 * configuration and metric in overhead.csv, and in any other file the
 * columns that are neither numbers, free text (a value with a space),
 * run_id nor commit.  A row's run is its run_id, else its commit; a key's
 * latest run is that of its last row (files are appended to).
 */
#ifndef BS_HARNESS_RESULTS_VIEW_H
#define BS_HARNESS_RESULTS_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/csv_table.h"

#define BS_VIEW_KEY_LEN	  256
#define BS_VIEW_MAX_NAMES ((size_t)128)

struct bs_view {
	char name[96]; /* "coverage.csv" */
	struct bs_csv_table t;
	bool *keep; /* per row: in its key's latest run */
	bool is_key[BS_CSV_MAX_COLS];
};

/* Distinct names (configurations, methods, values), in the order added. */
struct bs_view_names {
	char name[BS_VIEW_MAX_NAMES][BS_VIEW_KEY_LEN];
	size_t n;
};

/* dir/name; -errno when it cannot be read, -EINVAL without a header. */
int bs_view_load(struct bs_view *v, const char *dir, const char *name);
void bs_view_free(struct bs_view *v);

/* The named column's field; "" when the file has no such column. */
const char *bs_view_get(const struct bs_view *v, size_t row, const char *col);
bool bs_view_is_number(const char *s);
/* The run_id column, else the commit column, else -1. */
int bs_view_run_col(const struct bs_view *v);
/* The first row (kept, or any) holding row's value in col. */
size_t bs_view_first_seen(const struct bs_view *v, int col, size_t row,
			  bool kept_only);

/* Adds s to list (n used of cap) unless it is there. */
void bs_view_names_add(char (*list)[BS_VIEW_KEY_LEN], size_t *n, size_t cap,
		       const char *s);

/* Row's configuration name into buf ("projected+open/local"). */
void bs_view_config(const struct bs_view *v, size_t row, char *buf, size_t len);
/* Does row pass "col=a|b;col2=c"?  NULL passes every row. */
bool bs_view_where(const struct bs_view *v, size_t row, const char *where);
/* The configurations of the kept rows passing where, by backend, then
 * injection+detection (as in the plots). */
void bs_view_configs(const struct bs_view *v, const char *where,
		     struct bs_view_names *out);
bool bs_view_in_config(const struct bs_view *v, size_t row, const char *cfg);
/* The first kept row of cfg (its run, commit, attach). */
size_t bs_view_config_row(const struct bs_view *v, const char *cfg);

#endif
