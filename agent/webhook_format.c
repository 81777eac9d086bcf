// SPDX-License-Identifier: Apache-2.0
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/webhook_format.h"
#include "lib/json.h"

static char *dump(json_t *j, size_t *len)
{
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;

	json_decref(j);
	if (s)
		*len = strlen(s);
	return s;
}

static char *our_body(const struct bs_alert *a, size_t *len)
{
	size_t n = a->len && a->json[a->len - 1] == '\n' ? a->len - 1 : a->len;
	char *s = malloc(n + 1);

	if (!s)
		return NULL;
	memcpy(s, a->json, n);
	s[n] = 0;
	*len = n;
	return s;
}

static const char *or_host(const char *s)
{
	return *s ? s : "<host>";
}

static char *falco_body(const struct bs_alert *a, const char *hostname,
			size_t *len)
{
	char out[1024];
	json_t *j, *f, *tags;

	snprintf(out, sizeof(out),
		 "%s: Critical honeytoken %s of pod %s/%s (container %s) "
		 "accessed by %s (pid %u uid %u, pod %s/%s) via %s on %s",
		 a->time, a->path, a->ns, a->pod, a->container, a->comm,
		 a->tgid, a->uid, or_host(a->acc_ns), or_host(a->acc_pod),
		 a->method, a->node);
	f = json_object();
	json_object_set_new(f, "fd.name", bs_json_ascii(a->path));
	json_object_set_new(f, "k8s.ns.name", bs_json_ascii(a->ns));
	json_object_set_new(f, "k8s.pod.name", bs_json_ascii(a->pod));
	json_object_set_new(f, "container.name", bs_json_ascii(a->container));
	json_object_set_new(f, "container.id", bs_json_ascii(a->container_id));
	json_object_set_new(f, "proc.name", bs_json_ascii(a->comm));
	json_object_set_new(f, "proc.pid", json_integer(a->tgid));
	json_object_set_new(f, "user.uid", json_integer(a->uid));
	json_object_set_new(f, "evt.type", bs_json_ascii(a->method));
	json_object_set_new(f, "beesting.token.id", json_integer(a->token_id));
	json_object_set_new(f, "beesting.count", json_integer(a->count));
	json_object_set_new(f, "beesting.accessor.namespace",
			    bs_json_ascii(a->acc_ns));
	json_object_set_new(f, "beesting.accessor.pod",
			    bs_json_ascii(a->acc_pod));
	tags = json_pack("[ssss]", "beesting", "honeytoken",
			 "mitre_credential_access", "T1552");
	j = json_pack("{s:o, s:s, s:s, s:o, s:o, s:o, s:s, s:o}", "time",
		      bs_json_ascii(a->time), "rule", BS_FALCO_RULE, "priority",
		      "Critical", "output", bs_json_ascii(out), "output_fields",
		      f, "hostname",
		      bs_json_ascii(hostname ? hostname : a->node), "source",
		      "beesting", "tags", tags);
	return dump(j, len);
}

static void label(json_t *l, const char *k, const char *v)
{
	if (*v) /* Alertmanager drops empty labels anyway */
		json_object_set_new(l, k, bs_json_ascii(v));
}

static char *am_body(const struct bs_alert *a, size_t *len)
{
	char summary[512], desc[1024];
	json_t *l = json_object(), *ann, *alert;

	json_object_set_new(l, "alertname", json_string(BS_AM_ALERTNAME));
	json_object_set_new(l, "severity", json_string("critical"));
	label(l, "namespace", a->ns);
	label(l, "pod", a->pod);
	label(l, "container", a->container);
	label(l, "node", a->node);
	label(l, "method", a->method);
	label(l, "token_path", a->path);
	snprintf(summary, sizeof(summary), "Honeytoken of %s/%s accessed",
		 *a->ns ? a->ns : "?", *a->pod ? a->pod : "?");
	snprintf(desc, sizeof(desc),
		 "%s read by %s (pid %u uid %u, pod %s/%s) via %s", a->path,
		 a->comm, a->tgid, a->uid, or_host(a->acc_ns),
		 or_host(a->acc_pod), a->method);
	ann = json_pack("{s:o, s:o}", "summary", bs_json_ascii(summary),
			"description", bs_json_ascii(desc));
	alert = json_pack("{s:o, s:o, s:o}", "labels", l, "annotations", ann,
			  "startsAt", bs_json_ascii(a->time));
	return dump(json_pack("[o]", alert), len);
}

char *bs_webhook_body(enum bs_webhook_format f, const struct bs_alert *a,
		      const char *hostname, size_t *len)
{
	switch (f) {
	case BS_WH_FALCO:
		return falco_body(a, hostname, len);
	case BS_WH_ALERTMANAGER:
		return am_body(a, len);
	case BS_WH_BEESTING:
	default:
		return our_body(a, len);
	}
}
