// SPDX-License-Identifier: Apache-2.0
/* The harness's pure parts: agent event lines, results rows and the
 * latest-run report that feeds the plots. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/agentproc.h"
#include "harness/report.h"
#include "harness/results.h"

Test(harness_events, alert_line_from_the_contract)
{
	const char *line =
		"{\"type\":\"alert\",\"time\":\"2026-01-01T00:00:00."
		"000000001Z\","
		"\"node\":\"n1\",\"inject\":\"bind\",\"detect\":\"open\","
		"\"backend\":\"tracepoint\",\"method\":\"open\",\"count\":1,"
		"\"flags\":[],\"token\":{\"id\":3,\"path\":\"/root/.aws/"
		"credentials\","
		"\"container_id\":\"abc\",\"pod\":\"victim\",\"namespace\":"
		"\"default\","
		"\"container\":\"app\"},\"accessor\":{\"pid\":123,\"tgid\":123,"
		"\"ppid\":100,\"uid\":0,\"comm\":\"cat\",\"cgroup_id\":4567,"
		"\"container_id\":null,\"pod\":null,\"namespace\":null,"
		"\"container\":null},\"latency_us\":42}";
	struct bs_agent_event ev;

	cr_assert_eq(bs_agent_event_parse(line, &ev), 0);
	cr_expect_eq(ev.type, BS_EVT_ALERT);
	cr_expect_eq(ev.token_id, 3);
	cr_expect_str_eq(ev.token_ctr, "abc");
	cr_expect_str_eq(ev.accessor_ctr, "");
	cr_expect_str_eq(ev.comm, "cat");
	cr_expect_str_eq(ev.method, "open");
	cr_expect_eq(ev.tgid, 123);
	cr_expect_eq(ev.latency_us, 42);
	/* 2026-01-01T00:00:00Z is 1767225600 s after the epoch */
	cr_expect_eq(ev.time_ns, 1767225600000000001LL,
		     "access time parsed to %lld", (long long)ev.time_ns);
}

Test(harness_events, ready_stats_and_garbage)
{
	struct bs_agent_event ev;

	cr_assert_eq(
		bs_agent_event_parse("{\"type\":\"ready\",\"backend\":"
				     "\"tracepoint\",\"blind_spots\":\"x\"}",
				     &ev),
		0);
	cr_expect_eq(ev.type, BS_EVT_READY);
	cr_expect_str_eq(ev.backend, "tracepoint");
	cr_assert_eq(bs_agent_event_parse("{\"type\":\"stats\",\"alerts\":5,"
					  "\"armed\":2,\"tokens\":4}",
					  &ev),
		     0);
	cr_expect_eq(ev.type, BS_EVT_STATS);
	cr_expect_eq(ev.alerts, 5);
	cr_expect_eq(ev.armed, 2);
	cr_expect_eq(bs_agent_event_parse("not json", &ev), -22);
	cr_expect_eq(bs_agent_event_parse("[1,2]", &ev), -22);
	/* wrong types are ignored, not trusted */
	cr_assert_eq(bs_agent_event_parse("{\"type\":\"alert\",\"token\":5,"
					  "\"latency_us\":\"x\",\"count\":-3}",
					  &ev),
		     0);
	cr_expect_eq(ev.token_id, 0);
	cr_expect_eq(ev.latency_us, -1);
	cr_expect_eq(ev.count, 0);
}

Test(harness_events, tail_reads_only_complete_lines)
{
	char path[] = "/tmp/bs-evtail-XXXXXX";
	struct bs_evtail t;
	struct bs_agent_event ev;
	int fd = mkstemp(path);
	FILE *f;

	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(bs_evtail_open(&t, path), 0);
	f = fopen(path, "a");
	fputs("{\"type\":\"ready\",\"backend\":\"tp\"}\n{\"type\":\"sta", f);
	fflush(f);
	cr_expect_eq(bs_evtail_next(&t, &ev), 1);
	cr_expect_eq(ev.type, BS_EVT_READY);
	cr_expect_eq(bs_evtail_next(&t, &ev), 0, "half a line is not an event");
	fputs("ts\",\"alerts\":1}\n", f);
	fclose(f);
	cr_expect_eq(bs_evtail_next(&t, &ev), 1);
	cr_expect_eq(ev.type, BS_EVT_STATS);
	cr_expect_eq(bs_evtail_next(&t, &ev), 0);
	bs_evtail_close(&t);
	unlink(path);
}

static char *slurp(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n;

	cr_assert_not_null(f, "%s", path);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The file name in dir, as slurp() gives it. */
static char *slurp_at(const char *dir, const char *name)
{
	char path[96];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return slurp(path);
}

/* A temp results dir with plots/ below it, bs_results open on it at the
 * first of two runs; rep_rm removes it all. */
struct rep {
	char dir[32], plots[64];
	struct bs_results r;
};

static void rep_open(struct rep *t)
{
	snprintf(t->dir, sizeof(t->dir), "/tmp/bs-report-XXXXXX");
	cr_assert_not_null(mkdtemp(t->dir));
	snprintf(t->plots, sizeof(t->plots), "%s/plots", t->dir);
	cr_assert_eq(
		bs_results_open(&t->r, t->dir, ".", "bind", "open", "local"),
		0);
	snprintf(t->r.run_id, sizeof(t->r.run_id), "20260101T000000Z-aaaaaa");
}

static void rep_rm(const struct rep *t)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
	(void)!system(cmd);
}

/* Two runs of one configuration: the report and plots use the later. */
Test(harness_report, latest_run_per_configuration)
{
	struct rep t;
	char *dat;

	rep_open(&t);
	cr_assert_eq(bs_results_coverage(&t.r, "cat", true, false, 0, -1), 0);
	cr_assert_eq(bs_results_overhead(&t.r, "open_close_ns", "ns", 10, 100,
					 150, 200, 1.5),
		     0);
	snprintf(t.r.run_id, sizeof(t.r.run_id), "20260102T000000Z-bbbbbb");
	cr_assert_eq(bs_results_coverage(&t.r, "cat", true, true, 2, 42.5), 0);
	cr_assert_eq(bs_results_coverage(&t.r, "stat", false, false, 0, -1), 0);
	cr_assert_eq(bs_results_overhead(&t.r, "open_close_ns", "ns", 10, 100,
					 110, 200, NAN),
		     0);
	bs_results_close(&t.r);
	cr_assert_eq(bs_report(t.dir, t.plots), 0);
	dat = slurp_at(t.plots, "coverage.dat");
	cr_expect_not_null(strstr(dat, "0 0 1.000 \"1/1\""), "%s", dat);
	/* colour is "share right": silence is right for stat */
	cr_expect_not_null(strstr(dat, "0 1 1.000 \"0/1\""), "%s", dat);
	/* ratio is computed by the writer's caller; NaN is written empty */
	cr_expect_not_null(strstr(slurp_at(t.dir, "overhead.csv"),
				  ",ns,10,100,110,200,,\n"));
	cr_expect_not_null(
		strstr(slurp_at(t.plots, "coverage.gp"), "coverage.svg"));
	rep_rm(&t);
}

/* Rows naming a runtime version (the last column) make a configuration
 * per version, beside the rows from before the column (empty there). */
Test(harness_report, each_runtime_version_is_its_own_configuration)
{
	char dir[] = "/tmp/bs-report-XXXXXX", plots[64], path[96], cmd[128];
	static const char *const vers[] = { "", "containerd-2.0.11",
					    "containerd-2.3.4" };
	struct bs_results r;
	char *dat;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(plots, sizeof(plots), "%s/plots", dir);
	for (size_t i = 0; i < sizeof(vers) / sizeof(vers[0]); i++) {
		cr_assert_eq(bs_results_open(&r, dir, ".", "bind", "open",
					     "containerd"),
			     0);
		snprintf(r.runtime, sizeof(r.runtime), "%s", vers[i]);
		cr_assert_eq(bs_results_overhead(&r, "nri_create_us", "us", 10,
						 100, 150 + (double)i, 200,
						 1.5 + (double)i),
			     0);
		bs_results_close(&r);
	}
	cr_assert_eq(bs_report(dir, plots), 0);
	snprintf(path, sizeof(path), "%s/overhead.dat", plots);
	dat = slurp(path);
	cr_expect_not_null(strstr(dat, "\"bind+open/containerd\" "
				       "\"bind+open/containerd-2.0.11\" "
				       "\"bind+open/containerd-2.3.4\"\n"),
			   "%s", dat);
	cr_expect_not_null(strstr(dat, "nri_create_us 1.5000 2.5000 3.5000"),
			   "%s", dat);
	snprintf(path, sizeof(path), "%s/overhead.csv", dir);
	cr_expect_not_null(strstr(slurp(path), ",us,10,100,152,200,3.500,"
					       "containerd-2.3.4\n"));
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)!system(cmd);
}

/* stealth.csv: tells per inject/backend of the latest run, the
 * reference volume's rows their own configuration. */
Test(harness_report, stealth_latest_run_and_plot)
{
	struct rep t;
	char *dat;

	rep_open(&t);
	cr_assert_eq(bs_results_stealth(&t.r, NULL, "layout", "1", "old"), 0);
	cr_assert_eq(bs_results_stealth(&t.r, NULL, "meta", "1", "old"), 0);
	snprintf(t.r.run_id, sizeof(t.r.run_id), "20260102T000000Z-bbbbbb");
	cr_assert_eq(bs_results_stealth(&t.r, NULL, "layout", "1", "a, b"), 0);
	cr_assert_eq(bs_results_stealth(&t.r, NULL, "meta", "0", "ok"), 0);
	cr_assert_eq(bs_results_stealth(&t.r, NULL, "env", "unknown", "?"), 0);
	cr_assert_eq(bs_results_stealth(&t.r, "reference", "layout", "0", "ok"),
		     0);
	cr_assert_eq(bs_results_coverage(&t.r, "cat", true, true, 1, 1), 0);
	bs_results_close(&t.r);
	dat = slurp_at(t.dir, "stealth.csv");
	cr_expect_eq(strncmp(dat,
			     "run_id,commit,inject,backend,kernel,tell,"
			     "visible,evidence\n",
			     56),
		     0, "%s", dat);
	cr_expect_not_null(strstr(dat, ",layout,1,\"a, b\",\n"), "%s", dat);
	cr_assert_eq(bs_report(t.dir, t.plots), 0);
	dat = slurp_at(t.plots, "stealth.dat");
	cr_expect_not_null(strstr(dat, "\"bind/local\" 1 1\n"), "%s", dat);
	cr_expect_not_null(strstr(dat, "\"reference/local\" 0 0\n"), "%s", dat);
	cr_expect_not_null(
		strstr(slurp_at(t.plots, "stealth.gp"), "stealth.svg"));
	rep_rm(&t);
}

Test(harness_report, no_results_is_an_error)
{
	cr_expect_lt(bs_report("/nonexistent-bs-results", NULL), 0);
}
