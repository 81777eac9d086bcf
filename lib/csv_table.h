/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A results CSV read whole into memory and addressed by column name, so a
 * reader keeps working when a later writer adds a column at the end.
 * Rows with fewer fields than the header (written before a column was
 * added) read the missing ones as ""; rows with more, or with a broken
 * quote, are skipped and counted.
 */
#ifndef BS_LIB_CSV_TABLE_H
#define BS_LIB_CSV_TABLE_H

#include <stddef.h>

#include "lib/csv.h"

struct bs_csv_table {
	char *text; /* the file; every field points into it */
	char *header[BS_CSV_MAX_COLS];
	char **cells; /* n_rows x n_cols */
	size_t n_cols, n_rows, cap_rows;
	size_t skipped; /* rows that did not fit the header */
};

/* -errno when the file cannot be read, -EINVAL without a header. */
int bs_csv_table_load(struct bs_csv_table *t, const char *path);
/* Safe on a zeroed table. */
void bs_csv_table_free(struct bs_csv_table *t);
/* The column's index, or -1 when the file has no such column. */
int bs_csv_table_col(const struct bs_csv_table *t, const char *name);
/* The field; "" for a column of -1. */
const char *bs_csv_table_at(const struct bs_csv_table *t, size_t row, int col);
/* The field of the named column; "" when there is no such column. */
const char *bs_csv_table_get(const struct bs_csv_table *t, size_t row,
			     const char *name);

#endif
