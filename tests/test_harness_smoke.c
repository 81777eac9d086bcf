// SPDX-License-Identifier: Apache-2.0
/*
 * Local-backend smoke test: beesting-bench with one container, bind + open,
 * attacks cat (must alert) and stat (must not), then checks the rows it
 * appended to coverage.csv and stealth.csv (the recon on the bind token,
 * and on the kubelet-built reference volume: no tell) and that the run
 * left nothing behind.
 */
#include <criterion/criterion.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/runtime/runc.h"
#include "lib/csv.h"

static char build[PATH_MAX];

/* The test binary is $(BUILD)/tests/test_harness_smoke. */
static void find_build(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	cr_assert_gt(n, 0);
	exe[n] = '\0';
	snprintf(build, sizeof(build), "%s", dirname(dirname(exe)));
}

static void need(const char *name)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", build, name);
	if (access(path, X_OK) != 0)
		cr_skip_test("%s not built yet (make %s)", path, path);
}

/* detected column of the row for method, -1 when there is none */
static int detected_for(const char *csv, const char *method, int *n_rows)
{
	char line[BS_CSV_MAX_LINE], *f[BS_CSV_MAX_COLS];
	FILE *in = fopen(csv, "r");
	int found = -1;

	cr_assert_not_null(in, "no %s", csv);
	*n_rows = 0;
	cr_assert_not_null(fgets(line, sizeof(line), in));
	cr_expect_str_eq(line,
			 "run_id,commit,inject,detect,backend,attach,"
			 "kernel,method,expect,detected,alerts,latency_us,"
			 "runtime\n");
	while (fgets(line, sizeof(line), in)) {
		int n = bs_csv_split(line, f, BS_CSV_MAX_COLS);

		cr_assert_eq(n, 13, "bad row: %s", line);
		(*n_rows)++;
		cr_expect_str_eq(f[2], "bind");
		cr_expect_str_eq(f[3], "open");
		cr_expect_str_eq(f[4], "local");
		cr_expect_str_eq(f[12], "", "runtime of the local backend");
		if (!strcmp(f[7], method))
			found = atoi(f[9]);
	}
	fclose(in);
	return found;
}

/* stealth.csv: every tell once for bind and once for the reference; the
 * reference shows none, the bind token its single-file mount and layout. */
static void check_stealth(const char *csv)
{
	char line[BS_CSV_MAX_LINE], *f[BS_CSV_MAX_COLS];
	int bind = 0, ref = 0, ref_visible = 0, bind_file = 0;
	FILE *in = fopen(csv, "r");

	cr_assert_not_null(in, "no %s", csv);
	cr_assert_not_null(fgets(line, sizeof(line), in));
	cr_expect_str_eq(line, "run_id,commit,inject,backend,kernel,tell,"
			       "visible,evidence,runtime\n");
	while (fgets(line, sizeof(line), in)) {
		line[strcspn(line, "\n")] = '\0';
		cr_assert_eq(bs_csv_split(line, f, BS_CSV_MAX_COLS), 9,
			     "bad row: %s", line);
		if (!strcmp(f[2], "reference")) {
			ref++;
			ref_visible += strcmp(f[6], "0") != 0;
			cr_expect_str_eq(f[6], "0", "reference shows %s: %s",
					 f[5], f[7]);
		} else {
			cr_expect_str_eq(f[2], "bind");
			bind++;
			bind_file += (!strcmp(f[5], "single_file_mount") ||
				      !strcmp(f[5], "layout")) &&
				     !strcmp(f[6], "1");
		}
	}
	fclose(in);
	cr_expect_gt(bind, 0, "no recon rows for bind");
	cr_expect_eq(bind, ref, "%d bind rows, %d reference rows", bind, ref);
	cr_expect_eq(ref_visible, 0);
	cr_expect_eq(bind_file, 2,
		     "bind token: single-file and layout not seen");
}

Test(harness_smoke, bind_open_cat_alerts_stat_does_not, .timeout = 90)
{
	char dir[] = "/tmp/bs-smoke-XXXXXX", cmd[3 * PATH_MAX], csv[PATH_MAX];
	int st, rows;

	if (geteuid() != 0)
		cr_skip_test("needs root (BPF, runc)");
	if (!bs_runc_available())
		cr_skip_test("runc or busybox-static missing");
	find_build();
	need("beesting");
	need("beesting-attack");
	need("beesting-bench");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd),
		 "'%s/beesting-bench' --backend local --inject bind "
		 "--detect open --runs 1 --methods cat,stat --no-overhead "
		 "--results '%s' > '%s/out.txt' 2>&1",
		 build, dir, dir);
	st = system(cmd);
	snprintf(csv, sizeof(csv), "%s/out.txt", dir);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		snprintf(cmd, sizeof(cmd), "cat '%s' >&2", csv);
		(void)!system(cmd);
		cr_assert_fail("beesting-bench broke (status %d)", st);
	}
	snprintf(cmd, sizeof(cmd),
		 "grep -q 'left behind after teardown: 0$' '%s'", csv);
	cr_expect_eq(system(cmd), 0, "the run left something behind");
	snprintf(csv, sizeof(csv), "%s/coverage.csv", dir);
	cr_expect_eq(detected_for(csv, "cat", &rows), 1, "cat not detected");
	cr_expect_eq(detected_for(csv, "stat", &rows), 0, "stat alerted");
	cr_expect_eq(rows, 2);
	snprintf(csv, sizeof(csv), "%s/stealth.csv", dir);
	check_stealth(csv);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)!system(cmd);
}
