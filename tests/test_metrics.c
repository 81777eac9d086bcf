// SPDX-License-Identifier: Apache-2.0
/*
 * --metrics-addr against a real Prometheus: the agent runs for real (NRI
 * side, bind token, BPF open detection), Debian's prometheus scrapes it
 * on a private port, and its query API must show the alert counter for the
 * victim pod after one read of the token, and the CreateContainer
 * histogram's count.  The endpoint's text is checked directly too.
 */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/sink_env.h"

static struct sink_env env;
static pid_t prom = -1;

static void setup(void)
{
	sink_env_setup(&env);
}

static void teardown(void)
{
	sink_daemon_stop(prom);
	prom = -1;
	sink_env_teardown(&env);
}

TestSuite(metrics, .init = setup, .fini = teardown, .timeout = 90);

static void start_agent_with_metrics(char *addr, size_t n)
{
	const char *extra[] = { "--metrics-addr", addr, NULL };

	snprintf(addr, n, "127.0.0.1:%d", sink_free_port());
	sink_env_start_agent(&env, extra);
}

/* The value of a one-series instant query, or -1. */
static double prom_query(int port, const char *q)
{
	char url[512], *body = NULL, *enc;
	double v = -1;
	json_t *j, *res;
	CURL *c = curl_easy_init();

	enc = curl_easy_escape(c, q, 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/v1/query?query=%s",
		 port, enc);
	curl_free(enc);
	curl_easy_cleanup(c);
	if (sink_http_get(url, &body) != 200) {
		free(body);
		return -1;
	}
	j = json_loads(body, 0, NULL);
	free(body);
	res = json_array_get(
		json_object_get(json_object_get(j, "data"), "result"), 0);
	if (res)
		v = atof(json_string_value(json_array_get(
				 json_object_get(res, "value"), 1))
				 ?: "-1");
	json_decref(j);
	return v;
}

static double wait_query(int port, const char *q, double want, int ms)
{
	double v = -1;

	for (int t = 0; t < ms; t += 250) {
		v = prom_query(port, q);
		if (v >= want)
			break;
		usleep(250000);
	}
	return v;
}

Test(metrics, prometheus_scrapes_the_alert_counter_of_the_victim_pod)
{
	const char *bin = sink_which("prometheus");
	char addr[64], cfg[256], data[256], log[256], listen[64];
	double v;
	FILE *f;
	json_t *j;
	int pport;

	if (!bin)
		cr_skip_test(
			"prometheus not installed (make deps installs it)");
	start_agent_with_metrics(addr, sizeof(addr));

	pport = sink_free_port();
	snprintf(cfg, sizeof(cfg), "%s/prometheus.yml", env.dir);
	snprintf(data, sizeof(data), "--storage.tsdb.path=%s/prom", env.dir);
	snprintf(log, sizeof(log), "%s/prometheus.log", env.dir);
	snprintf(listen, sizeof(listen), "--web.listen-address=127.0.0.1:%d",
		 pport);
	f = fopen(cfg, "w");
	cr_assert_not_null(f);
	fprintf(f,
		"global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
		"scrape_configs:\n  - job_name: beesting\n"
		"    static_configs:\n      - targets: ['%s']\n",
		addr);
	fclose(f);
	{
		char cfgarg[300];
		char *const argv[] = { (char *)bin, cfgarg, data, listen,
				       NULL };

		snprintf(cfgarg, sizeof(cfgarg), "--config.file=%s", cfg);
		prom = sink_daemon_start(log, argv);
	}
	/* the target is up: Prometheus scraped the agent */
	v = wait_query(pport, "up{job=\"beesting\"}", 1, 30000);
	cr_assert_eq(v, 1, "prometheus never scraped %s (log %s)", addr, log);
	cr_expect_eq(prom_query(pport, "beesting_alerts_total"), -1,
		     "an alert series before any access");

	sink_env_create(&env);
	sink_env_read_token(&env, "bs-prom-reader");
	j = sink_env_wait_line(&env, "alert", 5000);
	cr_assert_not_null(j, "no alert line for the read");
	json_decref(j);

	v = wait_query(
		pport,
		"beesting_alerts_total{namespace=\"default\",pod=\"victim\","
		"container=\"app\",method=\"open\"}",
		1, 20000);
	cr_expect_eq(v, 1, "alert counter in prometheus: %g", v);
	v = wait_query(pport, "beesting_nri_create_container_seconds_count", 1,
		       10000);
	cr_expect_eq(v, 1, "CreateContainer histogram count: %g", v);
	v = wait_query(pport, "beesting_tokens_armed", 1, 10000);
	cr_expect_eq(v, 1, "armed tokens gauge: %g", v);
}

Test(metrics, endpoint_text_has_every_family_and_counts_by_label)
{
	char addr[64], url[128], *body = NULL;
	static const char *const families[] = {
		"# TYPE beesting_alerts_total counter",
		"# TYPE beesting_nri_create_container_seconds histogram",
		"beesting_nri_create_container_seconds_bucket{le=\"+Inf\"} 1",
		"# TYPE beesting_tokens gauge",
		"beesting_ringbuf_drops_total 0",
		"beesting_arm_failures_total 0",
		"beesting_inject_failures_total 0",
		"beesting_nri_requests_total ", "beesting_nri_errors_total 0",
		"beesting_nri_reconnects_total 0", "beesting_containers ",
		/* clang-format off */
		"beesting_sink_dropped_total{sink=\"metrics\",kind=\"metrics\"} 0",
		"beesting_info{node=\"sink-node\",inject=\"bind\",detect=\"open\"} 1",
		/* clang-format on */
	};
	json_t *j;

	start_agent_with_metrics(addr, sizeof(addr));
	sink_env_create(&env);
	sink_env_read_token(&env, "bs-prom-reader");
	j = sink_env_wait_line(&env, "alert", 5000);
	cr_assert_not_null(j);
	json_decref(j);
	snprintf(url, sizeof(url), "http://%s/metrics", addr);
	for (int i = 0; i < 50; i++) {
		free(body);
		body = NULL;
		cr_assert_eq(sink_http_get(url, &body), 200);
		if (strstr(body, "method=\"open\"} 1"))
			break;
		usleep(100000);
	}
	cr_expect_not_null(
		strstr(body,
		       "beesting_alerts_total{namespace=\"default\","
		       "pod=\"victim\",container=\"app\",method=\"open\"} 1\n"),
		"%s", body);
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++)
		cr_expect_not_null(strstr(body, families[i]), "missing: %s",
				   families[i]);
	free(body);
	snprintf(url, sizeof(url), "http://%s/other", addr);
	cr_expect_eq(sink_http_get(url, NULL), 404);
}
