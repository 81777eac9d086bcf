// SPDX-License-Identifier: Apache-2.0
/* A results CSV in memory, by column name (see csv_table.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/csv_table.h"
#include "lib/grow.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t len = 0, cap = 0, n;
	char *buf = NULL, *p;

	if (!f)
		return NULL;
	do {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 65536;
			p = realloc(buf, cap + 1);
			if (!p) {
				free(buf);
				fclose(f);
				errno = ENOMEM;
				return NULL;
			}
			buf = p;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

/* One row's fields into the table; padded when the row is narrower. */
static int add_row(struct bs_csv_table *t, char *line)
{
	char *f[BS_CSV_MAX_COLS], **cells;
	int n = bs_csv_split(line, f, BS_CSV_MAX_COLS);

	if (n < 0 || (size_t)n > t->n_cols) {
		t->skipped++;
		return 0;
	}
	cells = bs_grow(t->cells, &t->cap_rows, t->n_rows,
			t->n_cols * sizeof(*cells), 256);
	if (!cells)
		return -ENOMEM;
	t->cells = cells;
	cells += t->n_rows * t->n_cols;
	for (size_t c = 0; c < t->n_cols; c++)
		cells[c] = c < (size_t)n ? f[c] : line + strlen(line);
	t->n_rows++;
	return 0;
}

int bs_csv_table_load(struct bs_csv_table *t, const char *path)
{
	char *line, *next;
	int n, err = 0;

	memset(t, 0, sizeof(*t));
	t->text = slurp(path);
	if (!t->text)
		return -errno;
	line = t->text;
	next = strchr(line, '\n');
	if (next)
		*next++ = '\0';
	n = bs_csv_split(line, t->header, BS_CSV_MAX_COLS);
	if (n <= 0 || !line[0]) {
		bs_csv_table_free(t);
		return -EINVAL;
	}
	t->n_cols = (size_t)n;
	for (line = next; line && !err; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (line[strspn(line, "\r")])
			err = add_row(t, line);
	}
	if (err)
		bs_csv_table_free(t);
	return err;
}

void bs_csv_table_free(struct bs_csv_table *t)
{
	free(t->cells);
	free(t->text);
	memset(t, 0, sizeof(*t));
}

int bs_csv_table_col(const struct bs_csv_table *t, const char *name)
{
	for (size_t c = 0; c < t->n_cols; c++)
		if (!strcmp(t->header[c], name))
			return (int)c;
	return -1;
}

const char *bs_csv_table_at(const struct bs_csv_table *t, size_t row, int col)
{
	if (col < 0 || (size_t)col >= t->n_cols || row >= t->n_rows)
		return "";
	return t->cells[row * t->n_cols + (size_t)col];
}

const char *bs_csv_table_get(const struct bs_csv_table *t, size_t row,
			     const char *name)
{
	return bs_csv_table_at(t, row, bs_csv_table_col(t, name));
}
