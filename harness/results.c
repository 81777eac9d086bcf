// SPDX-License-Identifier: Apache-2.0
/* Rows of results/coverage.csv, overhead.csv and stealth.csv (results.h). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "harness/results.h"
#include "lib/log.h"

const char *const bs_coverage_header[BS_COVERAGE_COLS] = {
	"run_id", "commit",	"inject",  "detect", "backend",
	"attach", "kernel",	"method",  "expect", "detected",
	"alerts", "latency_us", "runtime",
};

const char *const bs_overhead_header[BS_OVERHEAD_COLS] = {
	"run_id",	   "commit", "inject", "detect", "backend",
	"attach",	   "kernel", "metric", "unit",	 "n",
	"baseline_median", "median", "p99",    "ratio",	 "runtime",
};

const char *const bs_stealth_header[BS_STEALTH_COLS] = {
	"run_id", "commit",  "inject",	 "backend", "kernel",
	"tell",	  "visible", "evidence", "runtime",
};

void bs_make_run_id(char *buf, size_t len)
{
	time_t now = time(NULL);
	uint32_t rnd = 0;
	struct tm tm;
	char stamp[32];
	int fd;

	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, &rnd, sizeof(rnd)) != (ssize_t)sizeof(rnd))
		rnd = (uint32_t)getpid() ^ (uint32_t)now;
	if (fd >= 0)
		close(fd);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(buf, len, "%s-%06x", stamp, rnd & 0xffffff);
}

void bs_git_commit(const char *dir, char *buf, size_t len)
{
	char cmd[600];
	FILE *p;

	snprintf(buf, len, "unknown");
	snprintf(cmd, sizeof(cmd),
		 "git -C '%s' rev-parse --short HEAD 2>/dev/null", dir);
	p = popen(cmd, "r");
	if (!p)
		return;
	if (fgets(buf, (int)len, p))
		buf[strcspn(buf, "\r\n")] = '\0';
	if (pclose(p) != 0 || !buf[0])
		snprintf(buf, len, "unknown");
}

static int open_one(struct bs_csv *c, const char *dir, const char *name,
		    const char *const *hdr, size_t n)
{
	char path[1024];
	int err;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	err = bs_csv_open(c, path, hdr, n);
	if (err == -EPROTO)
		bs_err("%s has another header: move it away to start a new one",
		       path);
	else if (err)
		bs_err("open %s: %s", path, strerror(-err));
	return err;
}

int bs_results_open(struct bs_results *r, const char *dir, const char *srcdir,
		    const char *inject, const char *detect, const char *backend)
{
	struct utsname u;
	int err;

	memset(r, 0, sizeof(*r));
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		err = -errno;
		bs_err("mkdir %s: %s", dir, strerror(errno));
		return err;
	}
	bs_make_run_id(r->run_id, sizeof(r->run_id));
	bs_git_commit(srcdir, r->commit, sizeof(r->commit));
	snprintf(r->kernel, sizeof(r->kernel), "%s",
		 uname(&u) == 0 ? u.release : "unknown");
	snprintf(r->inject, sizeof(r->inject), "%s", inject);
	snprintf(r->detect, sizeof(r->detect), "%s", detect);
	snprintf(r->backend, sizeof(r->backend), "%s", backend);
	snprintf(r->attach, sizeof(r->attach), "unknown");
	err = open_one(&r->cov, dir, BS_COVERAGE_CSV, bs_coverage_header,
		       BS_COVERAGE_COLS);
	if (!err)
		err = open_one(&r->ovh, dir, BS_OVERHEAD_CSV,
			       bs_overhead_header, BS_OVERHEAD_COLS);
	if (!err)
		err = open_one(&r->st, dir, BS_STEALTH_CSV, bs_stealth_header,
			       BS_STEALTH_COLS);
	if (err)
		bs_results_close(r);
	return err;
}

void bs_results_close(struct bs_results *r)
{
	bs_csv_close(&r->cov);
	bs_csv_close(&r->ovh);
	bs_csv_close(&r->st);
}

static void fmt_num(char *buf, size_t len, double v)
{
	if (isnan(v) || isinf(v))
		buf[0] = '\0';
	else if (v > -1e15 && v < 1e15 && v == (double)(long long)v)
		snprintf(buf, len, "%lld", (long long)v);
	else
		snprintf(buf, len, "%.3f", v);
}

int bs_results_coverage(struct bs_results *r, const char *method,
			bool expect_alert, bool detected, unsigned alerts,
			double latency_us)
{
	char n_alerts[16], lat[32];
	const char *row[BS_COVERAGE_COLS] = {
		r->run_id,
		r->commit,
		r->inject,
		r->detect,
		r->backend,
		r->attach,
		r->kernel,
		method,
		expect_alert ? "alert" : "none",
		detected ? "1" : "0",
		n_alerts,
		lat,
		r->runtime,
	};

	snprintf(n_alerts, sizeof(n_alerts), "%u", alerts);
	fmt_num(lat, sizeof(lat), latency_us < 0 ? NAN : latency_us);
	return bs_csv_write(&r->cov, row, BS_COVERAGE_COLS);
}

int bs_results_overhead(struct bs_results *r, const char *metric,
			const char *unit, unsigned long n, double baseline,
			double median, double p99, double ratio)
{
	char sn[24], sb[32], sm[32], sp[32], sr[32];
	const char *row[BS_OVERHEAD_COLS] = {
		r->run_id, r->commit, r->inject, r->detect, r->backend,
		r->attach, r->kernel, metric,	 unit,	    sn,
		sb,	   sm,	      sp,	 sr,	    r->runtime,
	};

	snprintf(sn, sizeof(sn), "%lu", n);
	fmt_num(sb, sizeof(sb), baseline);
	fmt_num(sm, sizeof(sm), median);
	fmt_num(sp, sizeof(sp), p99);
	fmt_num(sr, sizeof(sr), ratio);
	return bs_csv_write(&r->ovh, row, BS_OVERHEAD_COLS);
}

int bs_results_stealth(struct bs_results *r, const char *inject,
		       const char *tell, const char *visible,
		       const char *evidence)
{
	const char *row[BS_STEALTH_COLS] = {
		r->run_id,  r->commit, inject ? inject : r->inject,
		r->backend, r->kernel, tell,
		visible,    evidence,  r->runtime,
	};

	return bs_csv_write(&r->st, row, BS_STEALTH_COLS);
}
