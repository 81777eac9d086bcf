// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "agent/sink_kube.h"
#include "tests/support/kube_check.h"

static int fits(int len, size_t n)
{
	return len >= 0 && (size_t)len < n ? 0 : -ENAMETOOLONG;
}

int kube_events_cmd(char *buf, size_t n, const char *ns, const char *pod)
{
	return fits(snprintf(buf, n,
			     "kubectl -n '%s' get events -o json "
			     "--field-selector "
			     "reason=" BS_KUBE_REASON ",involvedObject.name=%s",
			     ns, pod),
		    n);
}

int kube_pod_cmd(char *buf, size_t n, const char *ns, const char *pod)
{
	return fits(snprintf(buf, n, "kubectl -n '%s' get pod '%s' -o json", ns,
			     pod),
		    n);
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

int kube_events_find(const char *doc, const char *pod, long *count)
{
	json_t *j = json_loads(doc, 0, NULL), *items, *e;
	size_t i;
	int found = 0;

	items = json_object_get(j, "items");
	/* kubectl prints a List; the API server's own answer an EventList */
	if (!json_is_array(items) || (strcmp(str(j, "kind"), "List") &&
				      strcmp(str(j, "kind"), "EventList"))) {
		json_decref(j);
		return -EINVAL;
	}
	if (count)
		*count = 0;
	json_array_foreach(items, i, e)
	{
		json_t *io = json_object_get(e, "involvedObject");

		if (strcmp(str(e, "reason"), BS_KUBE_REASON) ||
		    strcmp(str(e, "type"), "Warning") ||
		    strcmp(str(io, "kind"), "Pod") ||
		    strcmp(str(io, "name"), pod))
			continue;
		found++;
		if (count)
			*count += (long)json_integer_value(
				json_object_get(e, "count"));
	}
	json_decref(j);
	return found;
}

static int pod_meta(const char *doc, const char *map, const char *key,
		    char *out, size_t n)
{
	json_t *j = json_loads(doc, 0, NULL), *ann;
	const char *v;
	int rc = 0;

	if (strcmp(str(j, "kind"), "Pod")) {
		json_decref(j);
		return -EINVAL;
	}
	ann = json_object_get(json_object_get(j, "metadata"), map);
	v = json_string_value(json_object_get(ann, key));
	if (v) {
		snprintf(out, n, "%s", v);
		rc = 1;
	}
	json_decref(j);
	return rc;
}

int kube_pod_annotation(const char *doc, const char *key, char *out, size_t n)
{
	return pod_meta(doc, "annotations", key, out, n);
}

int kube_pod_label(const char *doc, const char *key, char *out, size_t n)
{
	return pod_meta(doc, "labels", key, out, n);
}
