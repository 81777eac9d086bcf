/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Kubernetes backends of the scenario engine (harness/backend_kind.c):
 * "k8s" drives an existing cluster (KUBECONFIG), "kind" creates the kind
 * cluster first; both deploy the manifest rendered from the run's flags
 * through harness/kind.sh.
 */
#ifndef BS_HARNESS_K8S_H
#define BS_HARNESS_K8S_H

#include "harness/scenario.h"

extern const struct bs_backend_ops bs_backend_k8s;

#endif
