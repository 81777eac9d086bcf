// SPDX-License-Identifier: Apache-2.0
/* Untrusted annotation handling (see annotations.h). */
#include <errno.h>
#include <string.h>

#include "lib/fs.h"
#include "lib/log.h"
#include "strategies/annotations.h"

const char *const bs_default_allowed_prefixes[] = {
	"/var/run/secrets/", "/run/secrets/", "/root/.aws/",	"/root/.kube/",
	"/root/.ssh/",	     "/home/",	      "/etc/beesting/", NULL,
};

const char *bs_ann_get(const struct bs_pod *pod, const struct bs_container *ctr,
		       const char *key)
{
	const char *v = NULL;

	if (ctr && ctr->annotations)
		v = bs_kv_get(ctr->annotations, ctr->n_annotations, key);
	if (!v && pod && pod->annotations)
		v = bs_kv_get(pod->annotations, pod->n_annotations, key);
	return v;
}

bool bs_ann_inject_enabled(const struct bs_pod *pod,
			   const struct bs_container *ctr)
{
	const char *v = bs_ann_get(pod, ctr, BS_ANN_INJECT);

	return !(v && (!strcmp(v, "false") || !strcmp(v, "0") ||
		       !strcmp(v, "no") || !strcmp(v, "off")));
}

int bs_ann_path_check(const char *path, const char *const *prefixes,
		      const char **why)
{
	const char *dummy;
	size_t n;

	if (!why)
		why = &dummy;
	if (!prefixes)
		prefixes = bs_default_allowed_prefixes;
	n = path ? strnlen(path, BS_ANN_PATH_MAX + 1) : 0;
	if (n == 0) {
		*why = "empty";
		return -EINVAL;
	}
	if (n > BS_ANN_PATH_MAX) {
		*why = "too long";
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (path[i] < 0x21 || path[i] > 0x7e) {
			*why = "not printable ASCII";
			return -EINVAL;
		}
	}
	if (path[0] != '/') {
		*why = "not absolute";
		return -EINVAL;
	}
	if (!bs_path_normalized(path)) {
		*why = "not normalized";
		return -EINVAL;
	}
	for (; *prefixes; prefixes++) {
		size_t k = strlen(*prefixes);

		/* A prefix "/a/" must not match the directory "/a" itself. */
		if (k && n > k && !strncmp(path, *prefixes, k))
			return 0;
	}
	*why = "outside the allowed prefixes";
	return -EINVAL;
}

const char *bs_ann_token_path(const struct bs_pod *pod,
			      const struct bs_container *ctr,
			      const char *const *prefixes)
{
	const char *v = bs_ann_get(pod, ctr, BS_ANN_TOKEN_PATH);
	const char *why = "";

	if (!v)
		return NULL;
	if (bs_ann_path_check(v, prefixes, &why)) {
		/* Never echo an unbounded or binary value into the log. */
		bs_warn("ignoring annotation %s of container %.64s: %s",
			BS_ANN_TOKEN_PATH, ctr && ctr->id ? ctr->id : "?", why);
		return NULL;
	}
	return v;
}

const char *bs_ann_service_account(const struct bs_pod *pod,
				   const struct bs_container *ctr)
{
	const char *v = bs_ann_get(pod, ctr, BS_ANN_SERVICE_ACCOUNT);

	if (!v && pod && pod->labels)
		v = bs_kv_get(pod->labels, pod->n_labels,
			      BS_ANN_SERVICE_ACCOUNT);
	return v;
}

bool bs_ns_excluded(const char *ns, const char *const *exclude)
{
	if (!ns || !exclude)
		return false;
	for (; *exclude; exclude++)
		if (!strcmp(ns, *exclude))
			return true;
	return false;
}
