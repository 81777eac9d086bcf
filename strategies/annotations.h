/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pod/container annotations are written by whoever can create a pod, so
 * everything read here is untrusted: validated, bounded, and ignored with a
 * warning when bad.
 */
#ifndef BS_STRATEGIES_ANNOTATIONS_H
#define BS_STRATEGIES_ANNOTATIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "nri/model.h"

#define BS_ANN_INJECT	       "beesting.io/inject"
#define BS_ANN_TOKEN_PATH      "beesting.io/token-path"
#define BS_ANN_TOKEN_ID	       "beesting.io/token-id"
#define BS_ANN_SERVICE_ACCOUNT "beesting.io/service-account"
#define BS_ANN_PATH_MAX	       255

/* Container annotation first, then the pod's; NULL when absent. */
const char *bs_ann_get(const struct bs_pod *pod, const struct bs_container *ctr,
		       const char *key);

/* false when the pod or container says beesting.io/inject: "false". */
bool bs_ann_inject_enabled(const struct bs_pod *pod,
			   const struct bs_container *ctr);

/* Default prefixes for annotation paths (NULL-terminated). */
extern const char *const bs_default_allowed_prefixes[];

/* 0 when path is absolute, normalized, printable ASCII, at most
 * BS_ANN_PATH_MAX bytes and under one of prefixes (NULL = the defaults);
 * otherwise -EINVAL with *why set to a short reason. */
int bs_ann_path_check(const char *path, const char *const *prefixes,
		      const char **why);

/* The validated beesting.io/token-path annotation or NULL (a bad one is
 * logged with bs_warn and ignored). */
const char *bs_ann_token_path(const struct bs_pod *pod,
			      const struct bs_container *ctr,
			      const char *const *prefixes);

/* Service account name for k8s-sa-token claims: the annotation
 * beesting.io/service-account or the pod label of the same name, else NULL. */
const char *bs_ann_service_account(const struct bs_pod *pod,
				   const struct bs_container *ctr);

/* true when ns is listed in exclude (NULL-terminated, may be NULL). */
bool bs_ns_excluded(const char *ns, const char *const *exclude);

#endif
