// SPDX-License-Identifier: Apache-2.0
/*
 * --kube-api: after one real read of a token (real agent, real BPF), the
 * agent asks the API server for a Warning Event on the victim pod and a
 * merge patch of its beesting.io/compromised annotation.  The server here
 * is a stand-in (tests/support/sink_env.c's receiver; every answer says
 * it is one), so what is checked is the requests' shape: method, path,
 * content type, bearer token and body.  Against a real cluster only where
 * BEESTING_KUBECONFIG is set.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/sink_kube.h"
#include "tests/support/sink_env.h"

static struct sink_env env;
static struct recv_srv api;

static void setup(void)
{
	sink_env_setup(&env);
}

static void teardown(void)
{
	sink_env_teardown(&env);
}

TestSuite(kube_sink, .init = setup, .fini = teardown, .timeout = 60);

#define STR(j, k) json_string_value(json_object_get((j), (k)))

static int rfc3339_seconds(const char *s)
{
	regex_t re;
	int ok;

	regcomp(&re, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$",
		REG_EXTENDED | REG_NOSUB);
	ok = s && regexec(&re, s, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

static void check_event(int i)
{
	json_t *j = json_loads(api.bodies[i], 0, NULL), *io, *src;

	cr_expect_str_eq(api.method[i], "POST");
	cr_expect_str_eq(api.url[i], "/api/v1/namespaces/default/events");
	cr_expect_str_eq(api.ctype[i], "application/json");
	cr_expect_str_eq(api.auth[i], "Bearer sa-token");
	cr_assert_not_null(j, "event body not JSON: %s", api.bodies[i]);
	cr_expect_str_eq(STR(j, "apiVersion"), "v1");
	cr_expect_str_eq(STR(j, "kind"), "Event");
	cr_expect_str_eq(STR(json_object_get(j, "metadata"), "namespace"),
			 "default");
	cr_expect_str_eq(STR(json_object_get(j, "metadata"), "generateName"),
			 "beesting-");
	io = json_object_get(j, "involvedObject");
	cr_expect_str_eq(STR(io, "kind"), "Pod");
	cr_expect_str_eq(STR(io, "name"), "victim");
	cr_expect_str_eq(STR(io, "namespace"), "default");
	cr_expect_str_eq(STR(io, "fieldPath"), "spec.containers{app}");
	cr_expect_str_eq(STR(j, "reason"), "HoneytokenAccessed");
	cr_expect_str_eq(STR(j, "type"), "Warning");
	cr_expect(rfc3339_seconds(STR(j, "firstTimestamp")),
		  "firstTimestamp %s", STR(j, "firstTimestamp"));
	cr_expect(rfc3339_seconds(STR(j, "lastTimestamp")));
	cr_expect_eq(json_integer_value(json_object_get(j, "count")), 1);
	src = json_object_get(j, "source");
	cr_expect_str_eq(STR(src, "component"), "beesting");
	cr_expect_str_eq(STR(src, "host"), "sink-node");
	cr_expect_not_null(strstr(STR(j, "message"), "bs-kube-reader"));
	json_decref(j);
}

static void check_patch(int i)
{
	json_t *j = json_loads(api.bodies[i], 0, NULL), *ann;

	cr_expect_str_eq(api.method[i], "PATCH");
	cr_expect_str_eq(api.url[i], "/api/v1/namespaces/default/pods/victim");
	cr_expect_str_eq(api.ctype[i], "application/merge-patch+json");
	cr_expect_str_eq(api.auth[i], "Bearer sa-token");
	cr_assert_not_null(j, "patch body not JSON: %s", api.bodies[i]);
	cr_expect_eq(json_object_size(j), 1, "a patch of more than metadata");
	ann = json_object_get(json_object_get(j, "metadata"), "annotations");
	cr_expect_eq(json_object_size(ann), 1);
	cr_expect_not_null(strstr(STR(ann, "beesting.io/compromised") ?: "",
				  "bs-kube-reader"),
			   "%s", api.bodies[i]);
	json_decref(j);
}

Test(kube_sink, event_and_annotation_requests_to_a_stand_in_api_server)
{
	char u[128], tok[192];
	const char *extra[] = { "--kube-api", u,	   "--kube-token-file",
				tok,	      "--kube-ca", "",
				NULL };
	json_t *st;
	FILE *f;

	cr_assert_eq(recv_start(&api, RECV_OK), 0);
	snprintf(u, sizeof(u), "http://127.0.0.1:%d/", api.port);
	snprintf(tok, sizeof(tok), "%s/sa-token", env.dir);
	f = fopen(tok, "w");
	cr_assert_not_null(f);
	fputs("sa-token\n", f);
	fclose(f);
	sink_env_start_agent(&env, extra);
	sink_env_create(&env);
	sink_env_read_token(&env, "bs-kube-reader");
	json_decref(sink_env_wait_line(&env, "alert", 5000));
	cr_assert_eq(recv_wait(&api, 2, 10000), 2, "API server got %d requests",
		     api.n);
	check_event(0);
	check_patch(1);
	st = sink_env_wait_line(&env, "stats", 2000);
	cr_assert_not_null(st);
	cr_expect_eq(json_integer_value(json_object_get(st, "sink_failed")), 0);
	json_decref(st);
	sink_env_teardown(&env);
	memset(&env, 0, sizeof(env));
	env.agent = -1;
	recv_stop(&api);
}

/* An alert whose token left the store has no pod: nothing is sent. */
Test(kube_sink, no_pod_no_request)
{
	struct bs_alert a = { .json = "{}\n", .len = 3 };

	a.node = a.method = a.path = a.container_id = a.pod = a.ns =
		a.container = a.acc_pod = a.acc_ns = a.acc_container = "";
	cr_assert_eq(recv_start(&api, RECV_OK), 0);
	{
		char u[64];
		const struct bs_kube_opts o = { .api = u,
						.timeout_ms = 1000,
						.node = "n" };
		struct bs_kube *k = NULL;

		snprintf(u, sizeof(u), "http://127.0.0.1:%d", api.port);
		cr_assert_eq(bs_kube_new(&o, &k), 0);
		cr_expect_eq(bs_sink_kube_ops.deliver(k, &a), 0);
		a.ns = "Bad/../ns";
		a.pod = "victim";
		cr_expect_eq(bs_sink_kube_ops.deliver(k, &a), 0,
			     "a name that is no DNS label reached a URL");
		bs_sink_kube_ops.free(k);
	}
	cr_expect_eq(recv_wait(&api, 1, 300), 0);
	recv_stop(&api);
}

Test(kube_sink, real_cluster)
{
	if (!getenv("BEESTING_KUBECONFIG"))
		cr_skip_test(
			"BEESTING_KUBECONFIG not set: no cluster to post "
			"Events to (the stand-in test covers the requests)");
	cr_skip_test("BEESTING_KUBECONFIG set, but the real-cluster check "
		     "(kind harness deploy + kubectl get events) is not "
		     "written yet");
}
