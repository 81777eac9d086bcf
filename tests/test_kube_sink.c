// SPDX-License-Identifier: Apache-2.0
/*
 * --kube-api: after one real read of a token (real agent, real BPF), the
 * agent asks the API server for a Warning Event on the victim pod and a
 * merge patch of its beesting.io/compromised annotation.  The server here
 * is a stand-in (tests/support/sink_env.c's receiver; every answer says
 * it is one), so what is checked is the requests' shape: method, path,
 * content type, bearer token and body, and that the Event and the patched
 * pod, in the shape kubectl prints them, are what the real-cluster check
 * looks for (tests/support/kube_check.c).  Against a real cluster only
 * where BEESTING_KUBECONFIG is set: the DaemonSet deployed by
 * harness/kind.sh, a victim's token read, the Event and the annotation
 * read back with kubectl.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/sink_kube.h"
#include "tests/support/json_check.h"
#include "tests/support/kube_check.h"
#include "tests/support/shell.h"
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

/* Request i as the agent sent it (method, path, content type, the
 * service account's token): its JSON body, to json_decref. */
static json_t *request_body(int i, const char *method, const char *url,
			    const char *ctype)
{
	json_t *j = json_loads(api.bodies[i], 0, NULL);

	cr_expect_str_eq(api.method[i], method);
	cr_expect_str_eq(api.url[i], url);
	cr_expect_str_eq(api.ctype[i], ctype);
	cr_expect_str_eq(api.auth[i], "Bearer sa-token");
	cr_assert_not_null(j, "%s body not JSON: %s", method, api.bodies[i]);
	return j;
}

static void check_event(int i)
{
	json_t *j = request_body(i, "POST", "/api/v1/namespaces/default/events",
				 "application/json");
	json_t *io, *src;

	cr_expect_str_eq(STR(j, "apiVersion"), "v1");
	cr_expect_str_eq(STR(j, "kind"), "Event");
	cr_expect_str_eq(STR(json_object_get(j, "metadata"), "namespace"),
			 "default");
	cr_expect_str_eq(STR(json_object_get(j, "metadata"), "generateName"),
			 "beesting-");
	io = json_object_get(j, "involvedObject");
	bs_expect_jstrs(io, "kind", "Pod", "name", "victim", "namespace",
			"default", "fieldPath", "spec.containers{app}", NULL);
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
	json_t *j = request_body(i, "PATCH",
				 "/api/v1/namespaces/default/pods/victim",
				 "application/merge-patch+json");
	json_t *ann, *lab;

	cr_expect_eq(json_object_size(j), 1, "a patch of more than metadata");
	ann = json_object_get(json_object_get(j, "metadata"), "annotations");
	cr_expect_eq(json_object_size(ann), 1);
	cr_expect_not_null(strstr(STR(ann, "beesting.io/compromised") ?: "",
				  "bs-kube-reader"),
			   "%s", api.bodies[i]);
	/* the quarantine label, for policies that select on it */
	lab = json_object_get(json_object_get(j, "metadata"), "labels");
	cr_expect_eq(json_object_size(lab), 1, "%s", api.bodies[i]);
	cr_expect_str_eq(STR(lab, "beesting.io/compromised") ?: "", "true");
	json_decref(j);
}

/* What kubectl would print once a real API server stored the agent's two
 * requests: the Event in a List, the patch merged into a pod.  Built here
 * from the requests the stand-in got (so: a stand-in's documents, in
 * kubectl's shape), read with the real-cluster test's readers. */
static void check_as_kubectl_prints_it(void)
{
	json_t *ev = json_loads(api.bodies[0], 0, NULL);
	json_t *patch = json_loads(api.bodies[1], 0, NULL);
	json_t *list = json_pack("{s:s,s:s,s:[O]}", "apiVersion", "v1", "kind",
				 "List", "items", ev);
	json_t *pod = json_pack("{s:s,s:s,s:{s:s,s:s,s:{s:s}}}", "apiVersion",
				"v1", "kind", "Pod", "metadata", "name",
				"victim", "namespace", "default", "annotations",
				"other", "kept");
	char *doc, ann[512] = "";
	long count = 0;

	cr_assert(ev && patch && list && pod);
	json_object_update_recursive(pod, patch);
	doc = json_dumps(list, 0);
	cr_expect_eq(kube_events_find(doc, "victim", &count), 1, "%s", doc);
	cr_expect_eq(count, 1);
	cr_expect_eq(kube_events_find(doc, "other-pod", NULL), 0);
	free(doc);
	doc = json_dumps(pod, 0);
	cr_expect_eq(
		kube_pod_annotation(doc, BS_KUBE_ANNOTATION, ann, sizeof(ann)),
		1, "%s", doc);
	cr_expect_not_null(strstr(ann, "bs-kube-reader"), "%s", ann);
	cr_expect_eq(kube_pod_label(doc, BS_KUBE_LABEL, ann, sizeof(ann)), 1,
		     "%s", doc);
	cr_expect_str_eq(ann, BS_KUBE_LABEL_VAL);
	free(doc);
	json_decref(ev);
	json_decref(patch);
	json_decref(list);
	json_decref(pod);
}

Test(kube_sink, event_and_annotation_requests_to_a_stand_in_api_server)
{
	char u[128], tok[192];
	const char *extra[] = { "--kube-api", u,	   "--kube-token-file",
				tok,	      "--kube-ca", "",
				NULL };
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
	check_as_kubectl_prints_it();
	sink_env_expect_no_failed(&env, 2000);
	sink_env_stop(&env);
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

/* The readers on their own: other reasons, pods and kinds are not ours. */
Test(kube_sink, kubectl_documents_are_read_strictly)
{
	static const char list[] =
		"{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":["
		"{\"reason\":\"HoneytokenAccessed\",\"type\":\"Warning\","
		"\"count\":3,\"involvedObject\":{\"kind\":\"Pod\","
		"\"name\":\"v\"}},"
		"{\"reason\":\"HoneytokenAccessed\",\"type\":\"Warning\","
		"\"count\":2,\"involvedObject\":{\"kind\":\"Pod\","
		"\"name\":\"v\"}},"
		"{\"reason\":\"Pulled\",\"type\":\"Normal\",\"count\":1,"
		"\"involvedObject\":{\"kind\":\"Pod\",\"name\":\"v\"}},"
		"{\"reason\":\"HoneytokenAccessed\",\"type\":\"Warning\","
		"\"count\":1,\"involvedObject\":{\"kind\":\"Node\","
		"\"name\":\"v\"}}]}";
	char cmd[256], ann[64];
	long count = 0;

	cr_expect_eq(kube_events_find(list, "v", &count), 2);
	cr_expect_eq(count, 5, "counts of folded repeats added up");
	cr_expect_eq(kube_events_find("{\"kind\":\"Pod\"}", "v", NULL),
		     -EINVAL);
	cr_expect_eq(kube_events_find("not json", "v", NULL), -EINVAL);
	cr_expect_eq(kube_pod_annotation("{\"kind\":\"Pod\",\"metadata\":{}}",
					 BS_KUBE_ANNOTATION, ann, sizeof(ann)),
		     0);
	cr_expect_eq(kube_pod_annotation(list, "x", ann, sizeof(ann)), -EINVAL);
	cr_assert_eq(kube_events_cmd(cmd, sizeof(cmd), "ns", "p"), 0);
	cr_expect_not_null(strstr(cmd,
				  "--field-selector reason=HoneytokenAccessed,"
				  "involvedObject.name=p"),
			   "%s", cmd);
	cr_expect_eq(kube_events_cmd(cmd, 8, "ns", "p"), -ENAMETOOLONG);
}

/* ---- on a cluster (BEESTING_KUBECONFIG) ------------------------------ */

#define KSH	      "BS_K8S_MODE=k8s BS_BUILD=%s harness/kind.sh"
#define VICTIM_NS     "beesting-victims"
#define KUBE_VICTIM   "bs-kube-sink"
#define KUBE_WAIT_S   60
#define KUBE_EVENTS_F "/tmp/bs-kube-sink-events.jsonl"

static int ksh(const char *build, const char *args)
{
	char out[256];

	return bs_test_sh(out, sizeof(out), KSH " %s", build, args);
}

/* The pod's HoneytokenAccessed Events and annotation, polled. */
static void wait_marked(const char *pod)
{
	static char doc[1 << 20]; /* a busy namespace's events */
	char ev_cmd[512], pod_cmd[512], ann[1024] = "", lab[64] = "";
	int events = 0, marked = 0, labelled = 0;

	cr_assert_eq(kube_events_cmd(ev_cmd, sizeof(ev_cmd), VICTIM_NS, pod),
		     0);
	cr_assert_eq(kube_pod_cmd(pod_cmd, sizeof(pod_cmd), VICTIM_NS, pod), 0);
	for (int i = 0;
	     i < KUBE_WAIT_S && (events <= 0 || marked <= 0 || labelled <= 0);
	     i++) {
		events = bs_test_sh(doc, sizeof(doc), "%s", ev_cmd)
				 ? -1
				 : kube_events_find(doc, pod, NULL);
		marked = bs_test_sh(doc, sizeof(doc), "%s", pod_cmd)
				 ? -1
				 : kube_pod_annotation(doc, BS_KUBE_ANNOTATION,
						       ann, sizeof(ann));
		labelled = marked <= 0 ? marked
				       : kube_pod_label(doc, BS_KUBE_LABEL, lab,
							sizeof(lab));
		if (events <= 0 || marked <= 0 || labelled <= 0)
			sleep(1);
	}
	cr_expect_gt(events, 0, "no %s Event on %s/%s after %d s",
		     BS_KUBE_REASON, VICTIM_NS, pod, KUBE_WAIT_S);
	cr_expect_gt(marked, 0, "%s/%s has no %s annotation", VICTIM_NS, pod,
		     BS_KUBE_ANNOTATION);
	cr_expect_not_null(strstr(ann, "honeytoken"), "annotation: %s", ann);
	cr_expect_gt(labelled, 0, "%s/%s has no %s label", VICTIM_NS, pod,
		     BS_KUBE_LABEL);
	cr_expect_str_eq(lab, BS_KUBE_LABEL_VAL);
}

/* The DaemonSet as `make bench BACKEND=k8s` deploys it (--kube-api=
 * in-cluster and its RBAC), one victim, one read of its token. */
Test(kube_sink, real_cluster, .timeout = 900)
{
	const char *kc = getenv("BEESTING_KUBECONFIG");
	const char *b = getenv("BUILD");
	char build[256], args[256];

	if (!kc || !*kc)
		cr_skip_test(
			"BEESTING_KUBECONFIG not set: no cluster to post "
			"Events to (the stand-in test covers the requests)");
	if (access("harness/kind.sh", X_OK))
		cr_skip_test(
			"harness/kind.sh not found: run from the repo root");
	setenv("KUBECONFIG", kc, 1);
	snprintf(build, sizeof(build), "%s", b && *b ? b : "build");
	sink_env_stop(&env); /* nothing local: the cluster runs it all */
	snprintf(args, sizeof(args), "up bind open auto %s >&2", KUBE_EVENTS_F);
	cr_assert_eq(ksh(build, args), 0, "kind.sh up");
	snprintf(args, sizeof(args),
		 "victim-up %s /root/.aws/credentials >/dev/null", KUBE_VICTIM);
	if (ksh(build, args) == 0) {
		snprintf(args, sizeof(args), "attack %s cat >/dev/null 2>&1",
			 KUBE_VICTIM);
		cr_expect_eq(ksh(build, args), 0, "reading the token failed");
		wait_marked(KUBE_VICTIM);
	} else {
		cr_expect_fail("victim %s did not come up", KUBE_VICTIM);
	}
	snprintf(args, sizeof(args), "victim-down %s >&2", KUBE_VICTIM);
	ksh(build, args);
	ksh(build, "down >&2");
	unlink(KUBE_EVENTS_F);
}
