/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small CSV writer (RFC 4180 quoting) for the results/ files, and the
 * matching line parser the report and plots use to read them back.
 *
 * Files are opened for appending; the header is written when the file is
 * new or empty, and checked when it is not (a file with another header is
 * refused rather than mixed; one written before columns were added at the
 * end of ours is widened in place, its rows getting those cells empty).  Every row is flushed and fsync'ed: a run that
 * dies half way keeps the rows it measured.
 */
#ifndef BS_LIB_CSV_H
#define BS_LIB_CSV_H

#include <stddef.h>
#include <stdio.h>

#define BS_CSV_MAX_COLS 32
#define BS_CSV_MAX_LINE 8192 /* rows longer than this are refused */

struct bs_csv {
	FILE *f;
	size_t n_cols;
};

/* Open path for appending; write or check the header (widening a file
 * whose header is a prefix of ours).  -EINVAL for a bad header, -EPROTO
 * when the file has a different header, -errno. */
int bs_csv_open(struct bs_csv *c, const char *path, const char *const *header,
		size_t n_cols);
/* One row of exactly n_cols fields (NULL is written as empty). */
int bs_csv_write(struct bs_csv *c, const char *const *fields, size_t n);
/* Closes; returns the first error seen by fclose. Safe on a zeroed struct. */
int bs_csv_close(struct bs_csv *c);

/* Quote one field into out when it needs it.  Returns the length written
 * (without NUL) or -ENOSPC. */
int bs_csv_quote(const char *in, char *out, size_t out_len);

/*
 * Split one line (no trailing newline needed) in place into at most max
 * fields.  Returns the number of fields or -EINVAL for an unterminated
 * quote, -E2BIG when there are more than max fields.
 */
int bs_csv_split(char *line, char **fields, size_t max);

#endif
