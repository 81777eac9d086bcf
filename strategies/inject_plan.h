/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Token planning: which tokens a new container gets (the --token list,
 * the beesting.io annotations, opt-outs and excluded namespaces, the
 * container's own mounts and IRSA env), the env an eks-irsa token comes
 * with, and the record of one planned token.
 */
#ifndef BS_STRATEGIES_INJECT_PLAN_H
#define BS_STRATEGIES_INJECT_PLAN_H

#include <stdbool.h>

#include "strategies/strategy.h"

struct bs_inject_plan {
	struct bs_token_spec items[BS_MAX_PLAN];
	size_t n;
	bool irsa_skipped; /* an eks-irsa token left out: the pod has IRSA */
	unsigned int n_spec_mount; /* paths left out: a spec mount is there */
};

/* Fill plan with the tokens for ctr.  Returns 1 when the container is
 * skipped (opt-out annotation, excluded namespace; counted in n_skipped),
 * 0 with plan filled, -errno on bad input. */
int bs_inject_plan(struct bs_inject_ctx *ctx, const struct bs_pod *pod,
		   const struct bs_container *ctr, struct bs_inject_plan *plan);

/* eks-irsa: the env a pod identity webhook adds (AWS_ROLE_ARN,
 * AWS_WEB_IDENTITY_TOKEN_FILE naming the first eks-irsa token of plan,
 * AWS_REGION, AWS_DEFAULT_REGION, AWS_STS_REGIONAL_ENDPOINTS), added to
 * adj only when plan has such a token and ctr sets none of them. */
int bs_inject_irsa_env(const struct bs_pod *pod, const struct bs_container *ctr,
		       const struct bs_inject_plan *plan,
		       struct bs_adjust *adj);

/* The identity fields of t (container, pod, namespace) from pod/ctr. */
void bs_token_set_owner(struct bs_token *t, const struct bs_pod *pod,
			const struct bs_container *ctr);

/* Fill t's identity fields from pod/ctr/spec, generate content and digest
 * and set created_ns.  No inode yet. */
int bs_token_prepare(struct bs_token *t, const struct bs_pod *pod,
		     const struct bs_container *ctr,
		     const struct bs_token_spec *spec);

#endif
