// SPDX-License-Identifier: Apache-2.0
/* A pod's life cycle as containerd 1.7 reports it over NRI (see cri.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nri/cri.h"

#define CRI_ANNOTATION_PREFIX "io.kubernetes.cri."

/* ---- remembering the plugins' adjustment ------------------------------ */

/* NULL-terminated copy of a fixed argv-like array, for the add calls. */
static const char *const *nt(char *const *v, size_t n, const char **buf)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = v[i];
	buf[n] = NULL;
	return buf;
}

static int adjust_append(struct bs_adjust *dst, const struct bs_adjust *src)
{
	const char *a[BS_ADJ_MAX_ARGS + 1], *e[BS_ADJ_MAX_ARGS + 1];
	int err = 0;

	for (size_t i = 0; i < src->n_mounts && !err; i++) {
		const struct bs_adj_mount *m = &src->mounts[i];

		err = bs_adjust_add_mount(dst, m->destination, m->type,
					  m->source,
					  nt(m->options, m->n_options, a));
	}
	for (size_t i = 0; i < src->n_hooks && !err; i++) {
		const struct bs_adj_hook *h = &src->hooks[i];

		err = bs_adjust_add_hook(dst, h->kind, h->path,
					 nt(h->args, h->n_args, a),
					 nt(h->env, h->n_env, e), h->timeout_s);
	}
	for (size_t i = 0; i < src->n_env && !err; i++)
		err = bs_adjust_add_env(dst, src->env[i].key,
					src->env[i].value);
	for (size_t i = 0; i < src->n_annotations && !err; i++)
		err = bs_adjust_add_annotation(dst, src->annotations[i].key,
					       src->annotations[i].value);
	return err;
}

int bs_cri_ctr_init(struct bs_cri_ctr *c, const struct bs_pod *pod,
		    const struct bs_container *base)
{
	memset(c, 0, sizeof(*c));
	c->applied = calloc(1, sizeof(*c->applied));
	if (!c->applied)
		return -ENOMEM;
	bs_adjust_init(c->applied);
	c->pod = pod;
	c->base = *base;
	c->base.state = BS_CTR_UNKNOWN;
	c->base.pid = 0;
	return 0;
}

void bs_cri_ctr_fini(struct bs_cri_ctr *c)
{
	if (c->applied) {
		bs_adjust_free(c->applied);
		free(c->applied);
	}
	memset(c, 0, sizeof(*c));
}

/* ---- the adjusted view ------------------------------------------------- */

static size_t depth(const char *path)
{
	size_t n = 0;

	for (const char *p = path; p && *p; p++)
		if (*p == '/' && p[1] && p[1] != '/')
			n++;
	return n;
}

/* NRI sorts a container's mounts by path depth once it adjusted them; the
 * name breaks ties, which is the order containerd produced in the
 * captures. */
static int mount_cmp(const void *a, const void *b)
{
	const struct bs_mount_view *x = a, *y = b;
	size_t dx = depth(x->destination), dy = depth(y->destination);

	if (dx != dy)
		return dx < dy ? -1 : 1;
	return strcmp(x->destination ? x->destination : "",
		      y->destination ? y->destination : "");
}

static bool adj_has_mount(const struct bs_adjust *adj, const char *dst)
{
	for (size_t i = 0; i < adj->n_mounts; i++)
		if (dst && !strcmp(adj->mounts[i].destination, dst))
			return true;
	return false;
}

/* Room for the container's items and the ones the plugins added (and a
 * zeroed end), the first n copied from base. */
static void *view_array(const void *base, size_t n, size_t room, size_t size)
{
	char *v = calloc(room + 1, size);

	if (v && n)
		memcpy(v, base, n * size);
	return v;
}

static int view_mounts(const struct bs_cri_ctr *c, struct bs_cri_view *v)
{
	const struct bs_adjust *adj = c->applied;
	size_t n = 0;

	v->mounts = view_array(c->base.mounts, c->base.n_mounts,
			       c->base.n_mounts + adj->n_mounts,
			       sizeof(*v->mounts));
	if (!v->mounts)
		return -ENOMEM;
	/* less the ones the plugins replaced */
	for (size_t i = 0; i < c->base.n_mounts; i++)
		if (!adj_has_mount(adj, v->mounts[i].destination))
			v->mounts[n++] = v->mounts[i];
	for (size_t i = 0; i < adj->n_mounts; i++) {
		const struct bs_adj_mount *m = &adj->mounts[i];

		v->mounts[n++] = (struct bs_mount_view){
			m->destination, m->type, m->source,
			(const char *const *)m->options, m->n_options
		};
	}
	if (adj->n_mounts)
		qsort(v->mounts, n, sizeof(*v->mounts), mount_cmp);
	v->ctr.mounts = v->mounts;
	v->ctr.n_mounts = n;
	return 0;
}

static int view_annotations(const struct bs_cri_ctr *c, struct bs_cri_view *v)
{
	const struct bs_adjust *adj = c->applied;
	size_t n = c->base.n_annotations;

	v->annotations =
		view_array(c->base.annotations, n, n + adj->n_annotations,
			   sizeof(*v->annotations));
	if (!v->annotations)
		return -ENOMEM;
	for (size_t i = 0; i < adj->n_annotations; i++) {
		struct bs_kv kv = { adj->annotations[i].key,
				    adj->annotations[i].value };
		size_t j = 0;

		while (j < n && strcmp(v->annotations[j].key, kv.key))
			j++;
		v->annotations[j] = kv;
		n += j == n;
	}
	v->ctr.annotations = v->annotations;
	v->ctr.n_annotations = n;
	return 0;
}

static bool same_key(const char *kv, const char *key)
{
	size_t k = strlen(key);

	return !strncmp(kv, key, k) && kv[k] == '=';
}

/* v->env: the container's variables, the adjustment's replacing those of
 * the same name; *n counts the entries made, even on a failure. */
static int fill_env(const struct bs_cri_ctr *c, struct bs_cri_view *v,
		    size_t *n)
{
	const struct bs_adjust *adj = c->applied;

	for (size_t i = 0; i < c->base.n_env; i++) {
		v->env[*n] = strdup(c->base.env[i]);
		if (!v->env[(*n)++])
			return -ENOMEM;
	}
	for (size_t i = 0; i < adj->n_env; i++) {
		size_t j = 0;

		while (j < *n && !same_key(v->env[j], adj->env[i].key))
			j++;
		free(j < *n ? v->env[j] : NULL);
		if (asprintf(&v->env[j], "%s=%s", adj->env[i].key,
			     adj->env[i].value) < 0) {
			v->env[j] = NULL;
			return -ENOMEM;
		}
		*n += j == *n;
	}
	return 0;
}

static int view_env(const struct bs_cri_ctr *c, struct bs_cri_view *v)
{
	size_t n = 0;
	int err;

	v->env = view_array(NULL, 0, c->base.n_env + c->applied->n_env,
			    sizeof(*v->env));
	if (!v->env)
		return -ENOMEM;
	err = fill_env(c, v, &n);
	/* what was made is freed by bs_cri_view_free(), also on a failure */
	v->ctr.env = (const char *const *)v->env;
	v->ctr.n_env = n;
	return err;
}

static int view_hooks(const struct bs_cri_ctr *c, struct bs_cri_view *v)
{
	const struct bs_adjust *adj = c->applied;
	size_t n = c->base.n_hooks;

	v->hooks = view_array(c->base.hooks, n, n + adj->n_hooks,
			      sizeof(*v->hooks));
	if (!v->hooks)
		return -ENOMEM;
	for (size_t i = 0; i < adj->n_hooks; i++) {
		const struct bs_adj_hook *h = &adj->hooks[i];

		v->hooks[n++] =
			(struct bs_hook_view){ h->kind, h->path,
					       (const char *const *)h->args,
					       h->n_args, h->timeout_s };
	}
	v->ctr.hooks = v->hooks;
	v->ctr.n_hooks = n;
	return 0;
}

int bs_cri_view_build(const struct bs_cri_ctr *c, struct bs_cri_view *v)
{
	static int (*const views[])(const struct bs_cri_ctr *c,
				    struct bs_cri_view *v) = {
		view_mounts, view_annotations, view_env, view_hooks
	};
	int err = 0;

	memset(v, 0, sizeof(*v));
	v->ctr = c->base;
	v->ctr.state = c->state;
	v->ctr.pid = c->pid;
	for (size_t i = 0; !err && i < sizeof(views) / sizeof(views[0]); i++)
		err = views[i](c, v);
	if (err)
		bs_cri_view_free(v);
	return err;
}

void bs_cri_view_free(struct bs_cri_view *v)
{
	for (size_t i = 0; v->env && i < v->ctr.n_env; i++)
		free(v->env[i]);
	free(v->env);
	free(v->mounts);
	free(v->annotations);
	free(v->hooks);
	memset(v, 0, sizeof(*v));
}

/* ---- the events -------------------------------------------------------- */

/* Send ev with the container as it is now (state and pid set by caller)
 * in pod (NULL: c's pod). */
static int send_ctr_in(struct bs_nri_runtime *rt, enum bs_nri_event ev,
		       const struct bs_cri_ctr *c, const struct bs_pod *pod)
{
	struct bs_cri_view v;
	int err = bs_cri_view_build(c, &v);

	if (err)
		return err;
	if (!pod)
		pod = c->pod;
	if (ev == BS_EV_STOP_CONTAINER)
		err = bs_nri_runtime_stop_container(rt, pod, &v.ctr);
	else
		err = bs_nri_runtime_state_change(rt, ev, pod, &v.ctr);
	bs_cri_view_free(&v);
	return err;
}

static int send_ctr(struct bs_nri_runtime *rt, enum bs_nri_event ev,
		    const struct bs_cri_ctr *c)
{
	return send_ctr_in(rt, ev, c, NULL);
}

int bs_cri_run_pod(struct bs_nri_runtime *rt, const struct bs_pod *pod)
{
	return bs_nri_runtime_state_change(rt, BS_EV_RUN_POD_SANDBOX, pod,
					   NULL);
}

int bs_cri_create(struct bs_nri_runtime *rt, struct bs_cri_ctr *c,
		  struct bs_adjust *out)
{
	struct bs_container req = c->base;
	int err;

	/* containerd asks before anything exists: no state, no pid */
	req.state = BS_CTR_UNKNOWN;
	req.pid = 0;
	err = bs_nri_runtime_create_container(rt, c->pod, &req, out);
	if (!err)
		err = adjust_append(c->applied, out);
	return err;
}

int bs_cri_post_create(struct bs_nri_runtime *rt, struct bs_cri_ctr *c)
{
	/* the task exists, yet containerd 1.7 names no pid here */
	c->state = BS_CTR_CREATED;
	c->pid = 0;
	return send_ctr(rt, BS_EV_POST_CREATE_CONTAINER, c);
}

int bs_cri_start(struct bs_nri_runtime *rt, struct bs_cri_ctr *c, uint32_t pid)
{
	/* sent before the task starts: still CREATED, first time with a pid */
	c->state = BS_CTR_CREATED;
	c->pid = pid;
	return send_ctr(rt, BS_EV_START_CONTAINER, c);
}

int bs_cri_post_start(struct bs_nri_runtime *rt, struct bs_cri_ctr *c)
{
	c->state = BS_CTR_RUNNING;
	return send_ctr(rt, BS_EV_POST_START_CONTAINER, c);
}

int bs_cri_stop(struct bs_nri_runtime *rt, struct bs_cri_ctr *c)
{
	return send_ctr(rt, BS_EV_STOP_CONTAINER, c);
}

int bs_cri_remove(struct bs_nri_runtime *rt, struct bs_cri_ctr *c)
{
	c->state = BS_CTR_STOPPED;
	c->pid = 0;
	return send_ctr(rt, BS_EV_REMOVE_CONTAINER, c);
}

/*
 * The sandbox as containerd reports it once stopped: never a pid.  Up to
 * containerd 2.1 (1.7.13 golden, 1.7.34 and 2.0.11 captures) also none of
 * the io.kubernetes.cri.* annotations and of linux only the cgroup parent;
 * from 2.2 (2.2.7 and 2.3.4 captures; modes 10-12) it keeps the rest.
 * *kv (to free) holds out's annotations.
 */
static int stopped_pod(const struct bs_nri_runtime *rt,
		       const struct bs_pod *pod, struct bs_pod *out,
		       struct bs_kv **kv)
{
	size_t n = 0;

	*out = *pod;
	out->pid = 0;
	*kv = NULL;
	if (bs_nri_runtime_nri_version(rt) >= 10)
		return 0;
	*kv = calloc(pod->n_annotations + 1, sizeof(**kv));
	if (!*kv)
		return -ENOMEM;
	for (size_t i = 0; i < pod->n_annotations; i++)
		if (strncmp(pod->annotations[i].key, CRI_ANNOTATION_PREFIX,
			    strlen(CRI_ANNOTATION_PREFIX)))
			(*kv)[n++] = pod->annotations[i];
	out->annotations = *kv;
	out->n_annotations = n;
	out->cgroups_path = NULL; /* linux keeps only the cgroup parent */
	out->namespaces = NULL;
	out->n_namespaces = 0;
	return 0;
}

static int send_small_pod(struct bs_nri_runtime *rt, enum bs_nri_event ev,
			  const struct bs_pod *pod)
{
	struct bs_pod small;
	struct bs_kv *kv;
	int err = stopped_pod(rt, pod, &small, &kv);

	if (!err)
		err = bs_nri_runtime_state_change(rt, ev, &small, NULL);
	free(kv);
	return err;
}

int bs_cri_remove_in_stopped_pod(struct bs_nri_runtime *rt,
				 struct bs_cri_ctr *c)
{
	struct bs_pod small;
	struct bs_kv *kv;
	int err = stopped_pod(rt, c->pod, &small, &kv);

	/* containerd 2.3.4 names no state here (its capture) */
	c->state = bs_nri_runtime_nri_version(rt) >= 12 ? BS_CTR_UNKNOWN
							: BS_CTR_STOPPED;
	c->pid = 0;
	if (!err)
		err = send_ctr_in(rt, BS_EV_REMOVE_CONTAINER, c, &small);
	free(kv);
	return err;
}

int bs_cri_stop_pod(struct bs_nri_runtime *rt, const struct bs_pod *pod)
{
	return send_small_pod(rt, BS_EV_STOP_POD_SANDBOX, pod);
}

int bs_cri_remove_pod(struct bs_nri_runtime *rt, const struct bs_pod *pod)
{
	return send_small_pod(rt, BS_EV_REMOVE_POD_SANDBOX, pod);
}
