/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kubernetes backends of the scenario engine (harness/backend_kind.c):
 * "k8s" drives an existing cluster (KUBECONFIG), "kind" creates the kind
 * cluster first; both deploy the manifest rendered from the run's flags
 * through harness/kind.sh.
 */
#ifndef BS_HARNESS_K8S_H
#define BS_HARNESS_K8S_H

#include <stddef.h>

#include "harness/scenario.h"

extern const struct bs_backend_ops bs_backend_k8s;

/* One line of an agent's output against what the run asked for.
 * 1 = a ready line that matches (inject, detect, and the attach backend
 * when not "auto"), 0 = not a ready line, -EINVAL = a ready line that does
 * not match (why says how). */
int bs_k8s_ready_check(const char *line, const char *inject, const char *detect,
		       const char *attach, char *why, size_t len);

#endif
