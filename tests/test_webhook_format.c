// SPDX-License-Identifier: Apache-2.0
/*
 * The three webhook bodies for one alert: ours is the line without its
 * newline; Falco's and Alertmanager's carry the alert's fields under their
 * schemas' names, as valid JSON even for non-UTF-8 bytes in a comm.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "agent/webhook_format.h"
#include "tests/support/json_check.h"

static struct bs_alert sample(void)
{
	struct bs_alert a = { .json = "{\"type\":\"alert\",\"x\":1}\n",
			      .len = 23 };

	strcpy(a.time, "2026-11-22T14:07:58.512345678Z");
	strcpy(a.comm, "c\xfft\"");
	a.node = "n1";
	a.method = "open";
	a.path = "/var/run/secrets/t";
	a.container_id = "0123";
	a.pod = "victim";
	a.ns = "default";
	a.container = "app";
	a.acc_pod = a.acc_ns = a.acc_container = "";
	a.tgid = 42;
	a.uid = 1000;
	a.token_id = 3;
	a.count = 1;
	return a;
}

static json_t *body(enum bs_webhook_format f)
{
	struct bs_alert a = sample();
	size_t len = 0;
	char *s = bs_webhook_body(f, &a, "host-1", &len);
	json_t *j;

	cr_assert_not_null(s);
	cr_expect_eq(strlen(s), len);
	j = json_loads(s, 0, NULL);
	cr_assert_not_null(j, "not JSON: %s", s);
	free(s);
	return j;
}

#define STR(j, k) json_string_value(json_object_get((j), (k)))

Test(webhook_format, ours_is_the_line)
{
	struct bs_alert a = sample();
	size_t len = 0;
	char *s = bs_webhook_body(BS_WH_BEESTING, &a, NULL, &len);

	cr_assert_not_null(s);
	cr_expect_str_eq(s, "{\"type\":\"alert\",\"x\":1}");
	cr_expect_eq(len, a.len - 1);
	free(s);
}

Test(webhook_format, falco_schema)
{
	json_t *j = body(BS_WH_FALCO),
	       *of = json_object_get(j, "output_fields");
	static const char *const keys[] = { "time",	     "rule",
					    "priority",	     "output",
					    "output_fields", "hostname",
					    "source",	     "tags" };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		cr_expect_not_null(json_object_get(j, keys[i]), "no %s",
				   keys[i]);
	cr_expect_eq(json_object_size(j), 8, "fields beyond Falco's");
	cr_expect_str_eq(STR(j, "time"), "2026-11-22T14:07:58.512345678Z");
	cr_expect_str_eq(STR(j, "hostname"), "host-1");
	bs_expect_jstrs(of, "fd.name", "/var/run/secrets/t", "k8s.pod.name",
			"victim", "proc.name", "c?t\"", NULL);
	cr_expect_eq(json_integer_value(json_object_get(of, "proc.pid")), 42);
	cr_expect_not_null(strstr(STR(j, "output"), "<host>"),
			   "a host accessor is named as such");
	json_decref(j);
}

Test(webhook_format, alertmanager_one_alert_array)
{
	json_t *j = body(BS_WH_ALERTMANAGER), *a, *l;

	cr_assert(json_is_array(j));
	cr_assert_eq(json_array_size(j), 1);
	a = json_array_get(j, 0);
	l = json_object_get(a, "labels");
	bs_expect_jstrs(l, "alertname", "HoneytokenAccessed", "severity",
			"critical", "namespace", "default", "pod", "victim",
			"container", "app", "token_path", "/var/run/secrets/t",
			NULL);
	cr_expect_str_eq(STR(a, "startsAt"), "2026-11-22T14:07:58.512345678Z");
	cr_expect_not_null(STR(json_object_get(a, "annotations"), "summary"));
	json_decref(j);
}

Test(webhook_format, unknown_pod_leaves_labels_out)
{
	struct bs_alert a = sample();
	size_t len;
	char *s;
	json_t *j, *l;

	a.pod = a.ns = a.container = "";
	s = bs_webhook_body(BS_WH_ALERTMANAGER, &a, NULL, &len);
	j = json_loads(s, 0, NULL);
	free(s);
	l = json_object_get(json_array_get(j, 0), "labels");
	cr_expect_null(json_object_get(l, "pod"));
	cr_expect_str_eq(STR(l, "alertname"), "HoneytokenAccessed");
	json_decref(j);
}
