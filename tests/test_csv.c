// SPDX-License-Identifier: Apache-2.0
/* The results/ CSV writer: quoting, header-if-new, refusing a foreign
 * header, and reading rows back with the splitter. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/csv.h"
#include "lib/stats.h"

static const char *const hdr[] = { "run_id", "method", "note" };

static char *tmp_path(void)
{
	static char path[64];
	int fd;

	strcpy(path, "/tmp/bs-csv-XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	close(fd);
	unlink(path); /* the writer must create it */
	return path;
}

static char *slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	cr_assert_not_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

Test(csv, header_written_once_and_rows_appended)
{
	char *path = tmp_path();
	const char *row[] = { "r1", "cat", "plain" };
	struct bs_csv c;

	cr_assert_eq(bs_csv_open(&c, path, hdr, 3), 0);
	cr_assert_eq(bs_csv_write(&c, row, 3), 0);
	cr_assert_eq(bs_csv_close(&c), 0);
	cr_assert_eq(bs_csv_open(&c, path, hdr, 3), 0);
	cr_assert_eq(bs_csv_write(&c, row, 3), 0);
	cr_assert_eq(bs_csv_close(&c), 0);
	cr_expect_str_eq(slurp(path),
			 "run_id,method,note\nr1,cat,plain\nr1,cat,plain\n");
	unlink(path);
}

Test(csv, quoting_round_trips)
{
	const char *tricky[] = { "a,b", "say \"hi\"", "two\nlines",
				 "",	" padded ",   "plain" };
	char *path = tmp_path(), line[256], *f[8];
	struct bs_csv c;
	FILE *in;
	int n;

	cr_assert_eq(bs_csv_open(&c, path,
				 (const char *const[]){ "a", "b", "c", "d", "e",
							"f" },
				 6),
		     0);
	cr_assert_eq(bs_csv_write(&c, tricky, 6), 0);
	bs_csv_close(&c);
	cr_expect_str_eq(slurp(path), "a,b,c,d,e,f\n\"a,b\",\"say \"\"hi\"\"\","
				      "\"two\nlines\",,\" padded \",plain\n");
	/* the splitter reads single-line rows back */
	in = fopen(path, "r");
	cr_assert_not_null(in);
	cr_assert_not_null(fgets(line, sizeof(line), in));
	fclose(in);
	n = bs_csv_split(line, f, 8);
	cr_assert_eq(n, 6);
	cr_expect_str_eq(f[5], "f");
	strcpy(line, "\"a,b\",\"say \"\"hi\"\"\",,x");
	n = bs_csv_split(line, f, 8);
	cr_assert_eq(n, 4);
	cr_expect_str_eq(f[0], "a,b");
	cr_expect_str_eq(f[1], "say \"hi\"");
	cr_expect_str_eq(f[2], "");
	cr_expect_str_eq(f[3], "x");
	unlink(path);
}

Test(csv, null_field_is_empty_and_wrong_width_refused)
{
	char *path = tmp_path();
	const char *row[] = { "r2", NULL, "x" };
	struct bs_csv c;

	cr_assert_eq(bs_csv_open(&c, path, hdr, 3), 0);
	cr_expect_eq(bs_csv_write(&c, row, 3), 0);
	cr_expect_eq(bs_csv_write(&c, row, 2), -EINVAL);
	bs_csv_close(&c);
	cr_expect_str_eq(slurp(path), "run_id,method,note\nr2,,x\n");
	unlink(path);
}

Test(csv, foreign_header_refused)
{
	char *path = tmp_path();
	FILE *f = fopen(path, "w");
	struct bs_csv c;

	cr_assert_not_null(f);
	fputs("something,else\n1,2\n", f);
	fclose(f);
	cr_expect_eq(bs_csv_open(&c, path, hdr, 3), -EPROTO);
	cr_expect_null(c.f);
	cr_expect_str_eq(slurp(path), "something,else\n1,2\n");
	unlink(path);
}

Test(csv, file_from_before_an_added_column_is_widened)
{
	static const char *const old_hdr[] = { "run_id", "method" };
	const char *row[] = { "r2", "dd", "new" };
	char *path = tmp_path();
	struct bs_csv c;
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	fputs("run_id,method\nr1,cat\nr1,\"a,b\"\n", f);
	fclose(f);
	cr_assert_eq(bs_csv_open(&c, path, hdr, 3), 0);
	cr_assert_eq(bs_csv_write(&c, row, 3), 0);
	cr_assert_eq(bs_csv_close(&c), 0);
	cr_expect_str_eq(slurp(path), "run_id,method,note\nr1,cat,\n"
				      "r1,\"a,b\",\nr2,dd,new\n");
	/* a prefix that is not whole columns, or a longer one, is foreign */
	cr_expect_eq(bs_csv_open(&c, path, old_hdr, 2), -EPROTO);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("run_id,meth\nr1,cat\n", f);
	fclose(f);
	cr_expect_eq(bs_csv_open(&c, path, hdr, 3), -EPROTO);
	cr_expect_str_eq(slurp(path), "run_id,meth\nr1,cat\n");
	unlink(path);
}

Test(csv, bad_input)
{
	char line[64], *f[2];
	char small[4];
	struct bs_csv c;

	cr_expect_eq(bs_csv_open(&c, "/tmp/x", hdr, 0), -EINVAL);
	cr_expect_eq(bs_csv_open(&c, "/tmp/x", (const char *const[]){ "" }, 1),
		     -EINVAL);
	cr_expect_lt(bs_csv_open(&c, "/nonexistent-dir/x.csv", hdr, 3), 0);
	cr_expect_eq(bs_csv_write(&c, hdr, 3), -EINVAL); /* not open */
	cr_expect_eq(bs_csv_quote("abcdef", small, sizeof(small)), -ENOSPC);
	cr_expect_eq(bs_csv_quote("a\"", small, sizeof(small)), -ENOSPC);
	cr_expect_eq(bs_csv_quote("ab", small, sizeof(small)), 2);
	strcpy(line, "\"unterminated,x");
	cr_expect_eq(bs_csv_split(line, f, 2), -EINVAL);
	strcpy(line, "a,b,c");
	cr_expect_eq(bs_csv_split(line, f, 2), -E2BIG);
}

Test(csv, quantiles)
{
	struct bs_samples s = { 0 };

	cr_expect(bs_samples_median(&s) != bs_samples_median(&s)); /* NaN */
	for (int i = 100; i >= 1; i--)
		cr_assert_eq(bs_samples_add(&s, i), 0);
	cr_expect_eq(bs_samples_median(&s), 50);
	cr_expect_eq(bs_samples_quantile(&s, 0.99), 99);
	cr_expect_eq(bs_samples_quantile(&s, 1), 100);
	cr_expect_eq(bs_samples_quantile(&s, 0), 1);
	bs_samples_free(&s);
}
