// SPDX-License-Identifier: Apache-2.0
/* CSV writer and line splitter for the results/ files (see csv.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/csv.h"

static bool needs_quotes(const char *s)
{
	return strpbrk(s, ",\"\r\n") || (s[0] == ' ') ||
	       (s[0] && s[strlen(s) - 1] == ' ');
}

int bs_csv_quote(const char *in, char *out, size_t out_len)
{
	size_t n = 0;
	bool q;

	if (!in)
		in = "";
	q = needs_quotes(in);
	/* worst case every byte doubles, plus two quotes and the NUL */
	if (q && out_len > 0)
		out[n++] = '"';
	for (const char *p = in; *p; p++) {
		size_t need = (q && *p == '"') ? 2 : 1;

		if (n + need + (q ? 1 : 0) >= out_len)
			return -ENOSPC;
		if (q && *p == '"')
			out[n++] = '"';
		out[n++] = *p;
	}
	if (q)
		out[n++] = '"';
	if (n >= out_len)
		return -ENOSPC;
	out[n] = '\0';
	return (int)n;
}

/* Build "a,b,c\n" from fields into buf. */
static int format_row(const char *const *fields, size_t n, char *buf,
		      size_t len)
{
	size_t off = 0;

	for (size_t i = 0; i < n; i++) {
		int w;

		if (i > 0) {
			if (off + 1 >= len)
				return -ENOSPC;
			buf[off++] = ',';
		}
		w = bs_csv_quote(fields[i], buf + off, len - off);
		if (w < 0)
			return w;
		off += (size_t)w;
	}
	if (off + 2 > len)
		return -ENOSPC;
	buf[off++] = '\n';
	buf[off] = '\0';
	return (int)off;
}

static int write_line(FILE *f, const char *line, size_t len)
{
	if (fwrite(line, 1, len, f) != len || fflush(f) != 0)
		return errno ? -errno : -EIO;
	if (fsync(fileno(f)) != 0 && errno != EINVAL)
		return -errno;
	return 0;
}

/* Compare the file's first line with the header we would write. */
static int check_header(FILE *f, const char *want)
{
	char line[BS_CSV_MAX_LINE];

	rewind(f);
	if (!fgets(line, sizeof(line), f))
		return -EIO;
	if (strcmp(line, want) != 0)
		return -EPROTO;
	return fseek(f, 0, SEEK_END) ? -errno : 0;
}

/* The file's header names our first columns, and ours adds more at the
 * end (a column added to the public schema): how many more, else 0. */
static size_t added_cols(FILE *f, const char *want)
{
	char line[BS_CSV_MAX_LINE];
	size_t n, added = 0;

	rewind(f);
	if (!fgets(line, sizeof(line), f))
		return 0;
	n = strcspn(line, "\r\n");
	if (!n || strncmp(line, want, n) || want[n] != ',')
		return 0;
	for (const char *p = want + n; *p; p++)
		added += *p == ',';
	return added;
}

/* Rewrite path (open as f) with header want, every row given `added`
 * empty cells at the end, and put it in place atomically. */
static int widen(FILE *f, const char *path, const char *want, size_t added)
{
	char line[BS_CSV_MAX_LINE], tmp[4096];
	FILE *out;
	int err = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.widen", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	out = fopen(tmp, "w");
	if (!out)
		return -errno;
	rewind(f);
	if (!fgets(line, sizeof(line), f) || fputs(want, out) == EOF)
		err = -EIO;
	while (!err && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (fputs(line, out) == EOF)
			err = -EIO;
		for (size_t i = 0; !err && i < added; i++)
			err = fputc(',', out) == EOF ? -EIO : 0;
		if (!err && fputc('\n', out) == EOF)
			err = -EIO;
	}
	if (fflush(out) || fsync(fileno(out)))
		err = err ? err : -errno;
	if (fclose(out) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

int bs_csv_open(struct bs_csv *c, const char *path, const char *const *header,
		size_t n_cols)
{
	char line[BS_CSV_MAX_LINE];
	long size;
	int len, err;

	memset(c, 0, sizeof(*c));
	if (!path || !header || n_cols == 0 || n_cols > BS_CSV_MAX_COLS)
		return -EINVAL;
	for (size_t i = 0; i < n_cols; i++)
		if (!header[i] || !header[i][0])
			return -EINVAL;
	len = format_row(header, n_cols, line, sizeof(line));
	if (len < 0)
		return len;
	c->f = fopen(path, "a+");
	if (!c->f)
		return -errno;
	if (fseek(c->f, 0, SEEK_END) != 0 || (size = ftell(c->f)) < 0) {
		err = -errno;
		goto fail;
	}
	err = size == 0 ? write_line(c->f, line, (size_t)len)
			: check_header(c->f, line);
	if (err == -EPROTO) {
		size_t added = added_cols(c->f, line);

		if (added && !(err = widen(c->f, path, line, added))) {
			fclose(c->f);
			c->f = fopen(path, "a");
			err = c->f ? 0 : -errno;
		}
	}
	if (err)
		goto fail;
	c->n_cols = n_cols;
	return 0;
fail:
	fclose(c->f);
	c->f = NULL;
	return err;
}

int bs_csv_write(struct bs_csv *c, const char *const *fields, size_t n)
{
	char line[BS_CSV_MAX_LINE];
	int len;

	if (!c->f || !fields || n != c->n_cols)
		return -EINVAL;
	len = format_row(fields, n, line, sizeof(line));
	if (len < 0)
		return len;
	return write_line(c->f, line, (size_t)len);
}

int bs_csv_close(struct bs_csv *c)
{
	int err = 0;

	if (c->f && fclose(c->f) != 0)
		err = -errno;
	c->f = NULL;
	c->n_cols = 0;
	return err;
}

int bs_csv_split(char *line, char **fields, size_t max)
{
	size_t n = 0;
	char *r = line, *w = line;

	line[strcspn(line, "\r\n")] = '\0';
	for (;;) {
		if (n >= max)
			return -E2BIG;
		fields[n++] = w;
		if (*r == '"') {
			r++;
			for (;;) {
				if (*r == '\0')
					return -EINVAL;
				if (*r == '"' && r[1] == '"') {
					*w++ = '"';
					r += 2;
				} else if (*r == '"') {
					r++;
					break;
				} else {
					*w++ = *r++;
				}
			}
			if (*r != ',' && *r != '\0')
				return -EINVAL;
		} else {
			while (*r && *r != ',')
				*w++ = *r++;
		}
		if (*r == '\0') {
			*w = '\0';
			return (int)n;
		}
		*w++ = '\0';
		r++;
	}
}
