/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The scenario engine on a real containerd >= 1.7
 * (harness/backend_containerd.c): a private containerd
 * (harness/runtime/containerd.h), the agent on its NRI socket, victims as pods
 * through CRI (harness/runtime/cri_pods.h), attacks with `crictl exec`.
 */
#ifndef BS_HARNESS_CONTAINERD_BACKEND_H
#define BS_HARNESS_CONTAINERD_BACKEND_H

#include "harness/scenario.h"

extern const struct bs_backend_ops bs_backend_containerd;
extern const struct bs_backend_ops bs_backend_crio;

#endif
