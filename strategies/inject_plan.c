// SPDX-License-Identifier: Apache-2.0
/* Token planning (see inject_plan.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/clock.h"
#include "lib/fs.h"
#include "lib/log.h"
#include "strategies/annotations.h"
#include "strategies/inject_plan.h"
#include "strategies/inject_state.h"
#include "strategies/sha256.h"
#include "strategies/tokgen.h"

/* Template for an annotation path: guessed from where it points. */
static const char *template_for_path(const char *path)
{
	if (strstr(path, "/.aws/"))
		return "aws-access-key";
	if (strstr(path, "/eks.amazonaws.com/"))
		return "eks-irsa";
	if (strstr(path, "serviceaccount") ||
	    !strcmp(path + strlen(path) - 6, "/token"))
		return "k8s-sa-token";
	return "generic";
}

static bool on_existing_mount(const struct bs_container *ctr, const char *path)
{
	for (size_t i = 0; ctr->mounts && i < ctr->n_mounts; i++)
		if (ctr->mounts[i].destination &&
		    !strcmp(ctr->mounts[i].destination, path))
			return true;
	return false;
}

/* The env a pod identity webhook gives an IRSA pod. */
static const char *const irsa_env[] = {
	"AWS_ROLE_ARN",	      "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_REGION",
	"AWS_DEFAULT_REGION", "AWS_STS_REGIONAL_ENDPOINTS",
};
#define N_IRSA_ENV (sizeof(irsa_env) / sizeof(irsa_env[0]))

/* ctr sets one of the first n_keys of irsa_env. */
static bool ctr_has_env(const struct bs_container *ctr, size_t n_keys)
{
	for (size_t i = 0; ctr->env && i < ctr->n_env; i++) {
		const char *e = ctr->env[i];

		for (size_t k = 0; e && k < n_keys; k++) {
			size_t n = strlen(irsa_env[k]);

			if (!strncmp(e, irsa_env[k], n) && e[n] == '=')
				return true;
		}
	}
	return false;
}

/* A real IRSA pod (role and token file of its own): its token and env
 * are the workload's, never covered by bait. */
static bool ctr_is_irsa(const struct bs_container *ctr)
{
	return ctr_has_env(ctr, 2);
}

static int plan_add(struct bs_inject_plan *plan, const struct bs_container *ctr,
		    const char *path, const char *tmpl, const char *file)
{
	struct bs_token_spec *s;

	if (!bs_path_normalized(path) || strlen(path) >= BS_PATH_LEN) {
		bs_warn("token path %.64s is not absolute and normalized, "
			"skipped",
			path);
		return 0;
	}
	if (on_existing_mount(ctr, path)) {
		plan->n_spec_mount++;
		bs_warn("token path %s is a mount of container %s: no token "
			"there (counted in spec_mount_skipped)",
			path, ctr->id);
		return 0;
	}
	if (!strcmp(tmpl, "eks-irsa") && ctr_is_irsa(ctr)) {
		plan->irsa_skipped = true;
		return 0;
	}
	for (size_t i = 0; i < plan->n; i++)
		if (!strcmp(plan->items[i].path, path))
			return 0;
	if (plan->n == BS_MAX_PLAN)
		return -E2BIG;
	s = &plan->items[plan->n++];
	memset(s, 0, sizeof(*s));
	snprintf(s->path, sizeof(s->path), "%s", path);
	snprintf(s->template_name, sizeof(s->template_name), "%s", tmpl);
	if (file)
		snprintf(s->content_file, sizeof(s->content_file), "%s", file);
	return 0;
}

int bs_inject_plan(struct bs_inject_ctx *ctx, const struct bs_pod *pod,
		   const struct bs_container *ctr, struct bs_inject_plan *plan)
{
	const struct bs_inject_config *cfg = ctx->cfg;
	const char *ann;
	int err;

	plan->n = 0;
	plan->irsa_skipped = false;
	plan->n_spec_mount = 0;
	if (!ctr || !bs_container_id_valid(ctr->id))
		return -EINVAL;
	if (!bs_ann_inject_enabled(pod, ctr) ||
	    bs_ns_excluded(pod ? pod->ns : NULL, cfg->exclude_ns)) {
		ctx->n_skipped++;
		return 1;
	}
	for (size_t i = 0; i < cfg->n_tokens && i < BS_MAX_TOKEN_PATHS; i++) {
		const struct bs_token_spec *t = &cfg->tokens[i];

		err = plan_add(plan, ctr, t->path,
			       t->template_name[0] ? t->template_name
						   : "generic",
			       t->content_file);
		if (err)
			return err;
	}
	if (cfg->n_tokens == 0) {
		err = plan_add(plan, ctr, "/root/.aws/credentials",
			       "aws-access-key", NULL);
		if (err)
			return err;
	}
	ann = bs_ann_token_path(pod, ctr, cfg->allowed_prefixes);
	if (ann)
		err = plan_add(plan, ctr, ann, template_for_path(ann), NULL);
	else if (bs_ann_get(pod, ctr, BS_ANN_TOKEN_PATH))
		ctx->n_annotation_refused++; /* bs_ann_token_path said why */
	ctx->n_spec_mount_skipped += plan->n_spec_mount;
	if (plan->irsa_skipped) {
		ctx->n_irsa_skipped++;
		bs_info("container %s has IRSA env of its own: no eks-irsa "
			"token",
			ctr->id);
	}
	return ann ? err : 0;
}

int bs_inject_irsa_env(const struct bs_pod *pod, const struct bs_container *ctr,
		       const struct bs_inject_plan *plan, struct bs_adjust *adj)
{
	struct bs_tokgen_who who = {
		.ns = pod ? pod->ns : NULL,
		.service_account = bs_ann_service_account(pod, ctr),
	};
	const struct bs_token_spec *irsa = NULL;
	struct bs_irsa_env env;
	int err;

	for (size_t i = 0; i < plan->n && !irsa; i++)
		if (!strcmp(plan->items[i].template_name, "eks-irsa"))
			irsa = &plan->items[i];
	/* Any of them set: the workload's own AWS config wins. */
	if (!irsa || ctr_has_env(ctr, N_IRSA_ENV))
		return 0;
	err = bs_tokgen_irsa_env(&who, &env);
	if (!err)
		err = bs_adjust_add_env(adj, "AWS_ROLE_ARN", env.role_arn);
	if (!err)
		err = bs_adjust_add_env(adj, "AWS_WEB_IDENTITY_TOKEN_FILE",
					irsa->path);
	if (!err)
		err = bs_adjust_add_env(adj, "AWS_REGION", env.region);
	if (!err)
		err = bs_adjust_add_env(adj, "AWS_DEFAULT_REGION", env.region);
	if (!err)
		err = bs_adjust_add_env(adj, "AWS_STS_REGIONAL_ENDPOINTS",
					"regional");
	return err;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

void bs_token_set_owner(struct bs_token *t, const struct bs_pod *pod,
			const struct bs_container *ctr)
{
	copy_str(t->container_id, sizeof(t->container_id), ctr->id);
	copy_str(t->pod_id, sizeof(t->pod_id), pod ? pod->id : ctr->pod_id);
	copy_str(t->pod, sizeof(t->pod), pod ? pod->name : NULL);
	copy_str(t->ns, sizeof(t->ns), pod ? pod->ns : NULL);
	copy_str(t->container, sizeof(t->container), ctr->name);
}

int bs_token_prepare(struct bs_token *t, const struct bs_pod *pod,
		     const struct bs_container *ctr,
		     const struct bs_token_spec *spec)
{
	struct bs_tokgen_who who = {
		.ns = pod ? pod->ns : NULL,
		.service_account = bs_ann_service_account(pod, ctr),
		.pod = pod ? pod->name : NULL,
		.pod_uid = pod ? pod->uid : NULL,
	};
	int n;

	memset(t, 0, sizeof(*t));
	bs_token_set_owner(t, pod, ctr);
	copy_str(t->path, sizeof(t->path), spec->path);
	copy_str(t->template_name, sizeof(t->template_name),
		 spec->template_name);
	n = bs_tokgen(spec->template_name, &who, spec->content_file, t->content,
		      sizeof(t->content));
	if (n < 0)
		return n;
	t->content_len = (size_t)n;
	bs_sha256(t->content, t->content_len, t->digest);
	t->created_ns = bs_now_ns();
	return 0;
}
