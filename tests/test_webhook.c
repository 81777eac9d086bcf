// SPDX-License-Identifier: Apache-2.0
/*
 * --webhook with the real agent and real receivers: a libmicrohttpd
 * receiver in this process (one that answers, one that hangs, one that
 * answers 500, a port nobody listens on) and Debian's Alertmanager.  An
 * alert reaches --events promptly whatever the receivers do, each answering
 * receiver gets it in its format, and the stats line counts what failed.
 */
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/json_check.h"
#include "tests/support/sink_env.h"

static struct sink_env env;
static struct recv_srv ok, falco, hang, fail;
static pid_t am = -1;

static void setup(void)
{
	sink_env_setup(&env);
}

static void teardown(void)
{
	/* the agent first: it may hold a connection to a hanging receiver */
	sink_env_teardown(&env);
	sink_daemon_stop(am);
	am = -1;
}

TestSuite(webhook, .init = setup, .fini = teardown, .timeout = 120);

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void url(char *buf, size_t n, const char *fmt, int port)
{
	snprintf(buf, n, "%shttp://127.0.0.1:%d/hook", fmt, port);
}

/* The stats line once sink_* settled to at least want failed. */
static json_t *stats_with_failed(uint64_t want, int ms)
{
	json_t *last = NULL;

	for (int64_t t0 = now_ms(); now_ms() - t0 < ms;) {
		json_t *j = sink_env_wait_line(&env, "stats", 1000);

		if (!j)
			continue;
		json_decref(last);
		last = j;
		if (json_integer_value(json_object_get(j, "sink_failed")) >=
		    (json_int_t)want)
			break;
	}
	return last;
}

Test(webhook, slow_dead_and_failing_receivers_cost_stdout_nothing)
{
	char u_ok[128], u_falco[128], u_hang[128], u_fail[128], u_down[128];
	char tokfile[192];
	json_t *alert, *st, *body;
	int64_t t0;
	FILE *f;

	cr_assert_eq(recv_start(&ok, RECV_OK), 0);
	cr_assert_eq(recv_start(&falco, RECV_OK), 0);
	cr_assert_eq(recv_start(&hang, RECV_HANG), 0);
	cr_assert_eq(recv_start(&fail, RECV_500), 0);
	url(u_ok, sizeof(u_ok), "", ok.port);
	url(u_falco, sizeof(u_falco), "falco=", falco.port);
	url(u_hang, sizeof(u_hang), "beesting=", hang.port);
	url(u_fail, sizeof(u_fail), "", fail.port);
	url(u_down, sizeof(u_down), "", sink_free_port());
	snprintf(tokfile, sizeof(tokfile), "%s/token", env.dir);
	f = fopen(tokfile, "w");
	cr_assert_not_null(f);
	fputs("s3cret\n", f);
	fclose(f);
	/* the token file before any --webhook: every webhook's token; the
	 * timeout long enough that a blocking sink would hold the line back */
	const char *extra[] = { "--webhook-token-file",
				tokfile,
				"--webhook",
				u_ok,
				"--webhook",
				u_falco,
				"--webhook",
				u_hang,
				"--webhook",
				u_fail,
				"--webhook",
				u_down,
				"--webhook-timeout-ms",
				"30000",
				"--webhook-retries",
				"2",
				NULL };

	sink_env_start_agent(&env, extra);
	sink_env_create(&env);

	t0 = now_ms();
	sink_env_read_token(&env, "bs-wh-reader");
	alert = sink_env_wait_line(&env, "alert", 5000);
	cr_assert_not_null(alert, "no alert line: a receiver held it back?");
	cr_expect_lt(now_ms() - t0, 5000);
	cr_expect_lt(json_integer_value(json_object_get(alert, "latency_us")),
		     5000000, "the line waited on a receiver");

	/* ours: the very line, as JSON, with the bearer token */
	cr_assert_eq(recv_wait(&ok, 1, 10000), 1, "receiver got nothing");
	body = json_loads(ok.bodies[0], 0, NULL);
	cr_assert_not_null(body, "not JSON: %s", ok.bodies[0]);
	cr_expect(json_equal(body, alert), "body differs from the line: %s",
		  ok.bodies[0]);
	cr_expect_str_eq(ok.auth[0], "Bearer s3cret");
	cr_expect_str_eq(ok.ctype[0], "application/json");
	json_decref(body);
	cr_assert_eq(recv_wait(&falco, 1, 10000), 1);
	cr_expect_str_eq(falco.auth[0], "Bearer s3cret", "the default token");

	/* Falco's schema */
	cr_assert_eq(recv_wait(&falco, 1, 10000), 1);
	body = json_loads(falco.bodies[0], 0, NULL);
	cr_assert_not_null(body, "not JSON: %s", falco.bodies[0]);
	bs_expect_jstrs(body, "rule", "Honeytoken accessed", "priority",
			"Critical", "source", "beesting", "hostname",
			"sink-node", NULL);
	cr_expect_str_eq(json_string_value(json_object_get(body, "time")),
			 json_string_value(json_object_get(alert, "time")));
	cr_expect(json_is_array(json_object_get(body, "tags")));
	cr_expect_not_null(
		strstr(json_string_value(json_object_get(body, "output")),
		       "default/victim"));
	{
		json_t *of = json_object_get(body, "output_fields");

		bs_expect_jstrs(of, "k8s.pod.name", "victim", "k8s.ns.name",
				"default", "proc.name", "bs-wh-reader", NULL);
	}
	json_decref(body);

	/* 500s: 1 + 2 retries; down: the same; hang: still in flight */
	cr_expect_eq(recv_wait(&fail, 3, 10000), 3, "500 receiver not retried");
	st = stats_with_failed(2, 15000);
	cr_assert_not_null(st, "no stats line");
	cr_expect_eq(json_integer_value(json_object_get(st, "sink_failed")), 2,
		     "the 500 and the down receiver count as failed");
	cr_expect_eq(json_integer_value(json_object_get(st, "sink_delivered")),
		     2);
	cr_expect_geq(json_integer_value(json_object_get(st, "sink_retries")),
		      4);
	cr_expect_eq(recv_wait(&hang, 1, 1000), 1);
	json_decref(st);
	json_decref(alert);

	sink_env_stop(&env);
	recv_stop(&ok);
	recv_stop(&falco);
	recv_stop(&hang);
	recv_stop(&fail);
}

/* The alerts Alertmanager holds, as JSON (or NULL). */
static json_t *am_alerts(int port)
{
	char u[128], *body = NULL;
	json_t *j = NULL;

	snprintf(u, sizeof(u), "http://127.0.0.1:%d/api/v2/alerts", port);
	if (sink_http_get(u, &body) == 200)
		j = json_loads(body, 0, NULL);
	free(body);
	return j;
}

static json_t *find_alert(json_t *alerts, const char *pod)
{
	size_t i;
	json_t *a;

	json_array_foreach(alerts, i, a)
	{
		json_t *l = json_object_get(a, "labels");
		const char *name =
			json_string_value(json_object_get(l, "alertname"));
		const char *p = json_string_value(json_object_get(l, "pod"));

		if (name && p && !strcmp(name, "HoneytokenAccessed") &&
		    !strcmp(p, pod))
			return a;
	}
	return NULL;
}

Test(webhook, alertmanager_holds_the_alert)
{
	const char *bin = sink_which("prometheus-alertmanager");
	char cfg[192], cfgarg[256], data[256], listen[64], cl[64], log[192];
	char u_am[128];
	const char *extra[] = { "--webhook", u_am, NULL };
	json_t *alerts = NULL, *a = NULL, *line;
	int port;
	FILE *f;

	if (!bin)
		cr_skip_test("prometheus-alertmanager not installed "
			     "(make deps installs it)");
	port = sink_free_port();
	snprintf(cfg, sizeof(cfg), "%s/am.yml", env.dir);
	f = fopen(cfg, "w");
	cr_assert_not_null(f);
	fputs("route:\n  receiver: none\nreceivers:\n  - name: none\n", f);
	fclose(f);
	snprintf(cfgarg, sizeof(cfgarg), "--config.file=%s", cfg);
	snprintf(data, sizeof(data), "--storage.path=%s/am", env.dir);
	snprintf(listen, sizeof(listen), "--web.listen-address=127.0.0.1:%d",
		 port);
	snprintf(cl, sizeof(cl), "--cluster.listen-address=");
	snprintf(log, sizeof(log), "%s/am.log", env.dir);
	{
		char *const argv[] = { (char *)bin, cfgarg, data,
				       listen,	    cl,	    NULL };

		am = sink_daemon_start(log, argv);
	}
	for (int i = 0; i < 100 && !alerts; i++) {
		alerts = am_alerts(port);
		if (!alerts)
			usleep(200000);
	}
	cr_assert_not_null(alerts, "alertmanager did not come up (log %s)",
			   log);
	cr_expect_null(find_alert(alerts, "victim"), "alert before any access");
	json_decref(alerts);

	snprintf(u_am, sizeof(u_am),
		 "alertmanager=http://127.0.0.1:%d/api/v2/alerts", port);
	sink_env_start_agent(&env, extra);
	sink_env_create(&env);
	sink_env_read_token(&env, "bs-am-reader");
	line = sink_env_wait_line(&env, "alert", 5000);
	cr_assert_not_null(line);
	json_decref(line);
	for (int i = 0; i < 50 && !a; i++) {
		alerts = am_alerts(port);
		a = find_alert(alerts, "victim");
		if (a)
			json_incref(a);
		json_decref(alerts);
		if (!a)
			usleep(200000);
	}
	cr_assert_not_null(a, "alertmanager never got the alert (log %s)", log);
	{
		json_t *l = json_object_get(a, "labels");

		bs_expect_jstrs(l, "namespace", "default", "severity",
				"critical", "method", "open", "node",
				"sink-node", NULL);
	}
	json_decref(a);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t n = 0;

	if (f && getdelim(&buf, &n, '\0', f) < 0) {
		free(buf);
		buf = NULL;
	}
	if (f)
		fclose(f);
	return buf;
}

/* A CA (<p>ca.pem) and a server certificate for 127.0.0.1 signed by it, in
 * env.dir. */
static void make_certs_named(const char *p, char **key, char **cert)
{
	char cmd[2048], path[192];

	if (!sink_which("openssl"))
		cr_skip_test("openssl not installed: no test certificate");
	snprintf(cmd, sizeof(cmd),
		 "cd %s && printf 'subjectAltName=IP:127.0.0.1\\n' > ext && "
		 "openssl req -x509 -newkey ec -pkeyopt "
		 "ec_paramgen_curve:prime256v1 -nodes -keyout %sca.key -out "
		 "%sca.pem "
		 "-days 1 -subj /CN=bs-test-ca-%s && "
		 "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
		 "-nodes -keyout %ssrv.key -out %ssrv.csr -subj /CN=127.0.0.1 "
		 "&& "
		 "openssl x509 -req -in %ssrv.csr -CA %sca.pem -CAkey %sca.key "
		 "-CAcreateserial -out %ssrv.pem -days 1 -extfile ext "
		 ">/dev/null "
		 "2>&1",
		 env.dir, p, p, p, p, p, p, p, p, p);
	cr_assert_eq(system(cmd), 0, "openssl failed");
	snprintf(path, sizeof(path), "%s/%ssrv.key", env.dir, p);
	*key = slurp(path);
	snprintf(path, sizeof(path), "%s/%ssrv.pem", env.dir, p);
	*cert = slurp(path);
	cr_assert(*key && *cert);
}

static void make_certs(char **key, char **cert)
{
	make_certs_named("", key, cert);
}

/* https: verified against --webhook-ca; the same receiver, checked against
 * the system store (which does not hold our CA), is refused. */
Test(webhook, tls_verified_against_the_given_ca)
{
	static struct recv_srv tls_ok, tls_untrusted;
	char u_ok[128], u_bad[128], ca[192], *key = NULL, *cert = NULL;
	const char *extra1[] = { "--webhook", u_ok, "--webhook-ca", ca, NULL };
	const char *extra2[] = { "--webhook", u_bad, "--webhook-retries", "0",
				 NULL };
	json_t *st;

	make_certs(&key, &cert);
	snprintf(ca, sizeof(ca), "%s/ca.pem", env.dir);
	cr_assert_eq(recv_start_tls(&tls_ok, RECV_OK, key, cert), 0,
		     "libmicrohttpd without TLS?");
	cr_assert_eq(recv_start_tls(&tls_untrusted, RECV_OK, key, cert), 0);
	snprintf(u_ok, sizeof(u_ok), "https://127.0.0.1:%d/hook", tls_ok.port);
	snprintf(u_bad, sizeof(u_bad), "https://127.0.0.1:%d/hook",
		 tls_untrusted.port);

	sink_env_start_agent(&env, extra1);
	sink_env_create(&env);
	sink_env_read_token(&env, "bs-tls-reader");
	json_decref(sink_env_wait_line(&env, "alert", 5000));
	cr_expect_eq(recv_wait(&tls_ok, 1, 10000), 1,
		     "nothing over TLS with --webhook-ca");
	sink_env_teardown(&env);

	sink_env_setup(&env);
	sink_env_start_agent(&env, extra2);
	sink_env_create(&env);
	sink_env_read_token(&env, "bs-tls-reader");
	json_decref(sink_env_wait_line(&env, "alert", 5000));
	st = stats_with_failed(1, 10000);
	cr_assert_not_null(st);
	cr_expect_eq(json_integer_value(json_object_get(st, "sink_failed")), 1,
		     "an untrusted certificate was accepted");
	cr_expect_eq(recv_wait(&tls_untrusted, 1, 200), 0);
	json_decref(st);
	recv_stop(&tls_ok);
	recv_stop(&tls_untrusted);
	free(key);
	free(cert);
}

/* SIGTERM with a POST hanging (30 s timeout): the queue gets its 2 s to
 * drain, then the transfer is cut and the agent exits cleanly. */
Test(webhook, exit_is_not_held_by_a_hanging_receiver)
{
	static struct recv_srv stuck;
	char u[128];
	const char *extra[] = { "--webhook", u, "--webhook-timeout-ms", "30000",
				NULL };
	int64_t t0;
	int st = 0;

	cr_assert_eq(recv_start(&stuck, RECV_HANG), 0);
	snprintf(u, sizeof(u), "http://127.0.0.1:%d/hook", stuck.port);
	sink_env_start_agent(&env, extra);
	sink_env_create(&env);
	sink_env_read_token(&env, "bs-wh-reader");
	json_decref(sink_env_wait_line(&env, "alert", 5000));
	cr_assert_eq(recv_wait(&stuck, 1, 5000), 1);
	t0 = now_ms();
	kill(env.agent, SIGTERM);
	for (int i = 0; i < 200; i++) {
		if (waitpid(env.agent, &st, WNOHANG) == env.agent) {
			env.agent = -1;
			break;
		}
		usleep(50000);
	}
	cr_assert_eq(env.agent, -1, "agent still running 10 s after SIGTERM");
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "exit status %d", st);
	cr_expect_lt(now_ms() - t0, 10000);
	recv_stop(&stuck);
}

static void write_token(const char *path, const char *tok)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f);
	fprintf(f, "%s\n", tok);
	fclose(f);
}

/* Two https receivers, each with a CA of its own and its own bearer token:
 * the flags after each --webhook are that webhook's, so both get the alert,
 * each with its token (one CA for both would fail one of them). */
Test(webhook, token_and_ca_per_receiver)
{
	static struct recv_srv a, b;
	char ua[128], ub[128], ca_a[192], ca_b[192], tok_a[192], tok_b[192];
	char *ka = NULL, *ca = NULL, *kb = NULL, *cb = NULL;
	const char *extra[] = { "--webhook",
				ua,
				"--webhook-token-file",
				tok_a,
				"--webhook-ca",
				ca_a,
				"--webhook",
				ub,
				"--webhook-ca",
				ca_b,
				"--webhook-token-file",
				tok_b,
				"--webhook-retries",
				"0",
				NULL };

	make_certs_named("a-", &ka, &ca);
	make_certs_named("b-", &kb, &cb);
	snprintf(ca_a, sizeof(ca_a), "%s/a-ca.pem", env.dir);
	snprintf(ca_b, sizeof(ca_b), "%s/b-ca.pem", env.dir);
	snprintf(tok_a, sizeof(tok_a), "%s/tok-a", env.dir);
	snprintf(tok_b, sizeof(tok_b), "%s/tok-b", env.dir);
	write_token(tok_a, "token-for-a");
	write_token(tok_b, "token-for-b");
	cr_assert_eq(recv_start_tls(&a, RECV_OK, ka, ca), 0,
		     "libmicrohttpd without TLS?");
	cr_assert_eq(recv_start_tls(&b, RECV_OK, kb, cb), 0);
	snprintf(ua, sizeof(ua), "https://127.0.0.1:%d/hook", a.port);
	snprintf(ub, sizeof(ub), "falco=https://127.0.0.1:%d/hook", b.port);

	sink_env_start_agent(&env, extra);
	sink_env_create(&env);
	sink_env_read_token(&env, "bs-tls-reader");
	json_decref(sink_env_wait_line(&env, "alert", 5000));
	cr_assert_eq(recv_wait(&a, 1, 10000), 1, "a: nothing with its CA");
	cr_assert_eq(recv_wait(&b, 1, 10000), 1, "b: nothing with its CA");
	cr_expect_str_eq(a.auth[0], "Bearer token-for-a");
	cr_expect_str_eq(b.auth[0], "Bearer token-for-b");
	sink_env_expect_no_failed(&env, 5000);
	sink_env_stop(&env);
	recv_stop(&a);
	recv_stop(&b);
	free(ka);
	free(ca);
	free(kb);
	free(cb);
}
