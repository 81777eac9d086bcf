// SPDX-License-Identifier: Apache-2.0
/* docs/results.md is generated from the results CSVs (harness/results_doc.c):
 * the committed doc must be what the committed CSVs give, and a CSV the
 * generator has never heard of still gets its table. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/results_doc.h"

#define DOC "docs/results.md"
#define TPL "docs/results.md.in"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long len;

	cr_assert_not_null(f, "cannot read %s", path);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)len + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	return buf;
}

/* The line where two texts part, for the failure message. */
static int first_diff_line(const char *a, const char *b)
{
	int line = 1;

	for (; *a && *a == *b; a++, b++)
		line += *a == '\n';
	return line;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "cannot write %s", path);
	fputs(text, f);
	fclose(f);
}

Test(results_doc, committed_doc_matches_the_committed_csvs)
{
	char out[] = "/tmp/bs-results-doc-XXXXXX";
	int fd = mkstemp(out);
	char *want, *got;

	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(bs_results_doc("results", TPL, out), 0);
	want = slurp(DOC);
	got = slurp(out);
	/* not str_eq: the message would hold both docs whole */
	cr_expect(!strcmp(got, want),
		  "%s is stale from line %d: run make report and commit it "
		  "with the CSVs",
		  DOC, first_diff_line(got, want));
	free(want);
	free(got);
	unlink(out);
}

Test(results_doc, unknown_csv_gets_its_table_latest_run_grouped)
{
	char dir[] = "/tmp/bs-results-new-XXXXXX", path[256], out[300];
	char *doc;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/verifier.csv", dir);
	/* two runs; the later one re-measures prog_a on 6.1 only; a row
	 * from before the last column was added reads it as empty, one wider
	 * than the header is left out */
	write_file(path, "run_id,commit,program,kernel,insns,note\n"
			 "r1,c1,prog_a,6.1.0-57,100,first run\n"
			 "r1,c1,prog_b,6.1.0-57,200,\n"
			 "r1,c1,prog_a,6.12.117,110\n"
			 "r2,c2,prog_a,6.1.0-57,105,second run\n"
			 "r2,c2,prog_b,6.12.117,210,x | y\n"
			 "r2,c2,prog_c,6.1.0-57,1,too,wide\n");
	snprintf(path, sizeof(path), "%s/t.md.in", dir);
	write_file(path, "# t\n@@other@@\nend\n");
	snprintf(out, sizeof(out), "%s/t.md", dir);
	cr_assert_eq(bs_results_doc(dir, path, out), 0);
	doc = slurp(out);
	cr_expect(strstr(doc, "### verifier.csv\n"), "%s", doc);
	cr_expect(strstr(doc, "each `program` × `kernel`"), "%s", doc);
	/* grouped by program, then kernel, each in the order of its first
	 * kept row; the superseded r1 prog_a/6.1 row is gone; a bar in a
	 * cell is escaped */
	cr_expect(strstr(doc,
			 "| r1 | c1 | prog_b | 6.1.0-57 | 200 |  |\n"
			 "| r2 | c2 | prog_b | 6.12.117 | 210 | x \\| y |\n"
			 "| r2 | c2 | prog_a | 6.1.0-57 | 105 | second run |\n"
			 "| r1 | c1 | prog_a | 6.12.117 | 110 |  |\n"
			 "end\n"),
		  "%s", doc);
	cr_expect_null(strstr(doc, "first run"), "%s", doc);
	cr_expect_null(strstr(doc, "prog_c"), "a row wider than the header: %s",
		       doc);
	free(doc);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	cr_expect_eq(system(path), 0);
}

Test(results_doc, unknown_marker_and_missing_csv)
{
	char dir[] = "/tmp/bs-results-bad-XXXXXX", path[256], out[300];
	char *doc;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.md.in", dir);
	snprintf(out, sizeof(out), "%s/t.md", dir);
	write_file(path, "@@no-such-section@@\n");
	cr_expect_eq(bs_results_doc(dir, path, out), -EINVAL);
	cr_expect_neq(access(out, F_OK), 0, "nothing written on error");
	write_file(path, "@@coverage@@\n@@targets@@\n");
	cr_assert_eq(bs_results_doc(dir, path, out), 0);
	doc = slurp(out);
	cr_expect(strstr(doc, "_No `"), "a missing CSV is said: %s", doc);
	cr_expect(strstr(doc, "| not measured |"), "%s", doc);
	free(doc);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	cr_expect_eq(system(path), 0);
}
