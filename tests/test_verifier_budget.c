// SPDX-License-Identifier: Apache-2.0
/* Every BPF program the agent loads, in every configuration it can load
 * here (detector x backend x readscan window), through the detectors' own
 * loaders: the verifier's processed-instruction count stays under a
 * quarter of the kernel's 1M limit (bpf/verifier_stats.h says why).  The
 * figures of all of them are printed and written to verifier.csv in
 * $BEESTING_RESULTS, by default build/results (this kernel's rows
 * replaced): a test run never edits the committed results/, which
 * `make measure-kernels` writes on purpose.  A configuration that does not start for a reason other
 * than the verifier (a backend this kernel lacks) is a row, not a
 * failure. */
#include <criterion/criterion.h>
#include <errno.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bpf/verifier_stats.h"
#include "harness/detect_suite.h"
#include "lib/csv.h"
#include "strategies/detect_common.h"
#include "tests/support/detect_check.h"

#define COLS	 10
#define MAX_ROWS 64

static const char *const header[COLS] = {
	"kernel", "detect", "config", "backend", "program",
	"insns",  "limit",  "share",  "status",	 "note",
};

struct row {
	char detect[16], config[24], backend[16], program[48], note[96];
	long insns;
	const char *status; /* ok, over, unknown, not_loaded */
};

static struct row rows[MAX_ROWS];
static size_t n_rows;

static struct row *add_row(const char *detect, const char *config,
			   enum bs_attach b)
{
	struct row *r = &rows[n_rows];

	cr_assert_lt(n_rows, MAX_ROWS);
	n_rows++;
	memset(r, 0, sizeof(*r));
	snprintf(r->detect, sizeof(r->detect), "%s", detect);
	snprintf(r->config, sizeof(r->config), "%s", config);
	snprintf(r->backend, sizeof(r->backend), "%s", bs_attach_name(b));
	r->insns = -1;
	return r;
}

/* Errors of a load the verifier refused, as opposed to a backend or a
 * helper this kernel does not have. */
static bool verifier_refused(int err)
{
	return err == -E2BIG || err == -EACCES || err == -ENOSPC;
}

/* Starts one configuration and keeps a row per program it loaded. */
static void measure(const char *detect, uint32_t window, enum bs_attach b)
{
	const struct bs_det_verified *v;
	struct bs_detect_stats st;
	struct bs_dtest d;
	char config[24] = "-";
	struct row *r;
	int err, n;

	memset(&d, 0, sizeof(d));
	d.rs_window = window;
	if (window)
		snprintf(config, sizeof(config), "window=%u", window);
	err = bs_dtest_start(&d, detect, b, 0, 0);
	if (err) {
		r = add_row(detect, config, b);
		r->status = verifier_refused(err) ? "refused" : "not_loaded";
		snprintf(r->note, sizeof(r->note), "%s", strerror(-err));
		return;
	}
	d.ops->stats(&d.ctx, &st);
	n = bs_det_verified(&d.ctx, &v);
	for (int i = 0; i < n; i++) {
		r = add_row(detect, config, b);
		snprintf(r->program, sizeof(r->program), "%s", v[i].prog);
		r->insns = v[i].insns;
		r->status = v[i].insns < 0		       ? "unknown"
			    : v[i].insns >= BS_VERIFIER_BUDGET ? "over"
							       : "ok";
		if (window && st.rs_window != window) {
			r->status = "refused";
			snprintf(r->note, sizeof(r->note),
				 "fell back to window=%u", st.rs_window);
		}
	}
	bs_dtest_stop(&d);
}

static const char *results_dir(void)
{
	const char *dir = getenv("BEESTING_RESULTS");

	if (dir && *dir)
		return dir;
	(void)mkdir("build", 0755);
	(void)mkdir("build/results", 0755);
	return "build/results";
}

/* Keeps the other kernels' rows (the VM matrix adds its own). */
static int drop_kernel_rows(const char *path, const char *kernel)
{
	char tmp[512], line[BS_CSV_MAX_LINE];
	size_t klen = strlen(kernel);
	FILE *in = fopen(path, "re"), *out;

	if (!in)
		return errno == ENOENT ? 0 : -errno;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	out = fopen(tmp, "we");
	if (!out) {
		fclose(in);
		return -errno;
	}
	while (fgets(line, sizeof(line), in))
		if (strncmp(line, kernel, klen) || line[klen] != ',')
			fputs(line, out);
	fclose(in);
	if (fclose(out) || rename(tmp, path))
		return -errno;
	return 0;
}

static void write_csv(const char *kernel)
{
	char path[512], insns[24], limit[24], share[24];
	struct bs_csv csv = { 0 };
	int err;

	snprintf(path, sizeof(path), "%s/verifier.csv", results_dir());
	err = drop_kernel_rows(path, kernel);
	if (!err)
		err = bs_csv_open(&csv, path, header, COLS);
	cr_assert_eq(err, 0, "%s: %s", path, strerror(-err));
	snprintf(limit, sizeof(limit), "%ld", BS_VERIFIER_LIMIT);
	for (size_t i = 0; i < n_rows; i++) {
		const struct row *r = &rows[i];
		const char *f[COLS] = { kernel,	    r->detect,	r->config,
					r->backend, r->program, insns,
					limit,	    share,	r->status,
					r->note };

		insns[0] = share[0] = '\0';
		if (r->insns >= 0) {
			snprintf(insns, sizeof(insns), "%ld", r->insns);
			snprintf(share, sizeof(share), "%.4f",
				 (double)r->insns / BS_VERIFIER_LIMIT);
		}
		cr_assert_eq(bs_csv_write(&csv, f, COLS), 0);
	}
	cr_assert_eq(bs_csv_close(&csv), 0);
}

Test(verifier_budget, every_program_and_configuration_under_a_quarter,
     .timeout = 600)
{
	static const enum bs_attach backends[] = { BS_ATTACH_LSM,
						   BS_ATTACH_FENTRY,
						   BS_ATTACH_KPROBE,
						   BS_ATTACH_TRACEPOINT };
	static const uint32_t windows[] = { 64, 128, 256 };
	struct utsname u;
	size_t over = 0, loaded = 0;

	bs_dcheck_need_root();
	cr_assert_eq(uname(&u), 0);
	for (size_t b = 0; b < 4; b++) {
		measure("open", 0, backends[b]);
		for (size_t w = 0; w < 3; w++)
			if (backends[b] != BS_ATTACH_LSM) /* no LSM read hook */
				measure("readscan", windows[w], backends[b]);
	}
	fprintf(stderr, "verifier budget %ld of a %ld limit, kernel %s:\n",
		BS_VERIFIER_BUDGET, BS_VERIFIER_LIMIT, u.release);
	for (size_t i = 0; i < n_rows; i++) {
		const struct row *r = &rows[i];

		fprintf(stderr,
			"  %-8s %-10s %-10s %-24s %8ld %5.1f%%  %s %s\n",
			r->detect, r->config, r->backend, r->program, r->insns,
			r->insns >= 0 ? 100.0 * r->insns / BS_VERIFIER_LIMIT
				      : 0.0,
			r->status, r->note);
		loaded += r->insns >= 0;
		over += strcmp(r->status, "ok") &&
			strcmp(r->status, "not_loaded");
	}
	write_csv(u.release);
	cr_expect_gt(loaded, 0, "no configuration loaded");
	cr_expect_eq(over, 0,
		     "%zu program x configuration rows over the budget, "
		     "refused or uncounted (table above)",
		     over);
}

/* The count of kernels before 5.16 comes from the log's last line. */
Test(verifier_budget, count_parsed_from_a_stats_log)
{
	cr_expect_eq(
		bs_verifier_parse_log(
			"verification time 59864 usec\nstack depth 16+184\n"
			"processed 16983 insns (limit 1000000) "
			"max_states_per_insn 7 total_states 230\n"),
		16983);
	cr_expect_eq(bs_verifier_parse_log("processed 7 insns, 2 states\n"), 7);
	cr_expect_eq(bs_verifier_parse_log("processed many insns\n"), -ENODATA);
	cr_expect_eq(bs_verifier_parse_log(""), -ENODATA);
	cr_expect_eq(bs_verifier_parse_log(NULL), -ENODATA);
}
