// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/http_client.h"
#include "agent/sink_kube.h"
#include "lib/json.h"
#include "lib/limits.h"
#include "lib/log.h"

#define KUBE_API_LEN 512

struct bs_kube {
	struct bs_http *http; /* first: the bs_http_sink_* slots read it */
	char api[KUBE_API_LEN];
	char node[BS_NAME_LEN];
	int warned;
};

/* Kubernetes names are DNS labels; anything else never reaches a URL. */
static int dns_name(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 253)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '-' || *s == '.'))
			return 0;
	return 1;
}

static void describe(char *buf, size_t n, const struct bs_alert *a)
{
	snprintf(buf, n,
		 "honeytoken %s read by %s (pid %u uid %u, pod %s/%s) via %s "
		 "on %s",
		 a->path, a->comm, a->tgid, a->uid,
		 *a->acc_ns ? a->acc_ns : "<host>",
		 *a->acc_pod ? a->acc_pod : "<host>", a->method, a->node);
}

static char *dump(json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;

	json_decref(j);
	return s;
}

char *bs_kube_event_body(const struct bs_alert *a, const char *node)
{
	char msg[1024], ts[32];

	describe(msg, sizeof(msg), a);
	/* Event times are RFC 3339 to the second (metav1.Time) */
	snprintf(ts, sizeof(ts), "%.19sZ", a->time);
	return dump(json_pack(
		"{s:s, s:s, s:{s:s, s:o}, s:{s:s, s:s, s:o, s:o, s:o}, s:s, "
		"s:o, s:s, s:{s:s, s:o}, s:s, s:s, s:i, s:s, s:o}",
		"apiVersion", "v1", "kind", "Event", "metadata", "generateName",
		"beesting-", "namespace", bs_json_ascii(a->ns),
		"involvedObject", "apiVersion", "v1", "kind", "Pod", "name",
		bs_json_ascii(a->pod), "namespace", bs_json_ascii(a->ns),
		"fieldPath", json_sprintf("spec.containers{%s}", a->container),
		"reason", BS_KUBE_REASON, "message", bs_json_ascii(msg), "type",
		"Warning", "source", "component", "beesting", "host",
		bs_json_ascii(node), "firstTimestamp", ts, "lastTimestamp", ts,
		"count", (int)a->count, "reportingComponent", "beesting",
		"reportingInstance", bs_json_ascii(node)));
}

char *bs_kube_patch_body(const struct bs_alert *a)
{
	char msg[1024], val[1200];

	describe(msg, sizeof(msg), a);
	snprintf(val, sizeof(val), "%s: %s", a->time, msg);
	return dump(json_pack("{s:{s:{s:o}, s:{s:s}}}", "metadata",
			      "annotations", BS_KUBE_ANNOTATION,
			      bs_json_ascii(val), "labels", BS_KUBE_LABEL,
			      BS_KUBE_LABEL_VAL));
}

static int resolve_api(const char *api, char *out, size_t n)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");

	if (strcmp(api, "in-cluster")) {
		snprintf(out, n, "%s", api);
		/* no trailing slash: paths start with one */
		if (*out && out[strlen(out) - 1] == '/')
			out[strlen(out) - 1] = 0;
		return 0;
	}
	if (!host || !*host) {
		bs_err("--kube-api in-cluster: KUBERNETES_SERVICE_HOST not set "
		       "(not in a pod?)");
		return -ENOENT;
	}
	snprintf(out, n,
		 strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s", host,
		 port && *port ? port : "443");
	return 0;
}

/* A default path that is not there (not in a pod) means none. */
static const char *if_there(const char *path)
{
	return path && *path && !access(path, R_OK) ? path : NULL;
}

int bs_kube_new(const struct bs_kube_opts *o, struct bs_kube **out)
{
	struct bs_http_opts ho = {
		.token_file = if_there(o->token_file),
		.ca_file = if_there(o->ca_file),
		.timeout_ms = o->timeout_ms,
		.retries = o->retries,
	};
	const char *node = o->node ? o->node : "";
	char api[KUBE_API_LEN];
	struct bs_kube *k;
	int err;

	err = resolve_api(o->api, api, sizeof(api));
	if (err)
		return err;
	if (strlen(node) >= sizeof(k->node)) {
		bs_err("kube: node name %.64s too long", node);
		return -ENAMETOOLONG;
	}
	if (!ho.token_file)
		bs_warn("kube: no token file %s: requests go unauthenticated",
			o->token_file && *o->token_file ? o->token_file : "");
	k = bs_http_sink_new(sizeof(*k), &ho);
	if (!k)
		return -ENOMEM;
	strcpy(k->api, api);
	strcpy(k->node, node);
	*out = k;
	return 0;
}

static int send_json(struct bs_kube *k, const char *method, const char *path,
		     const char *ctype, char *body)
{
	char url[1024];
	const char *why = "";
	long code = 0;
	int err;

	if (!body)
		return -ENOMEM;
	snprintf(url, sizeof(url), "%s%s", k->api, path);
	err = bs_http_send(k->http, method, url, ctype, body, strlen(body),
			   &code, &why);
	free(body);
	if (err && !k->warned) {
		k->warned = 1;
		bs_warn("kube %s %s: %s %ld (counted in sink_failed; further "
			"failures not logged)",
			method, url, why, code);
	}
	return err;
}

static int kube_deliver(void *impl, const struct bs_alert *a)
{
	struct bs_kube *k = impl;
	char path[640];
	int e1, e2;

	if (!dns_name(a->ns) || !dns_name(a->pod))
		return 0; /* no pod known: nothing to tell the API about */
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/events", a->ns);
	e1 = send_json(k, "POST", path, "application/json",
		       bs_kube_event_body(a, k->node));
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/pods/%s", a->ns,
		 a->pod);
	e2 = send_json(k, "PATCH", path, "application/merge-patch+json",
		       bs_kube_patch_body(a));
	return e1 ? e1 : e2;
}

const struct bs_sink_ops bs_sink_kube_ops = {
	.kind = "kube",
	.deliver = kube_deliver,
	.retries = bs_http_sink_retries,
	.stop = bs_http_sink_stop,
	.cancel = bs_http_sink_cancel,
	.free = bs_http_sink_free,
};
