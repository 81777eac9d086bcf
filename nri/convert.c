// SPDX-License-Identifier: Apache-2.0
/* protobuf-c <-> plain C conversions (see convert.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nri/convert.h"

struct bs_arena_blk {
	struct bs_arena_blk *next;
	max_align_t data[];
};

void *bs_arena_alloc(struct bs_arena *a, size_t size)
{
	struct bs_arena_blk *b;

	if (size > SIZE_MAX / 2)
		return NULL;
	b = calloc(1, sizeof(*b) + size);
	if (!b)
		return NULL;
	b->next = a->head;
	a->head = b;
	return b->data;
}

void bs_arena_free(struct bs_arena *a)
{
	while (a->head) {
		struct bs_arena_blk *b = a->head;

		a->head = b->next;
		free(b);
	}
}

static void *arena_array(struct bs_arena *a, size_t n, size_t size)
{
	if (n && size > SIZE_MAX / 2 / n)
		return NULL;
	return bs_arena_alloc(a, n ? n * size : 1);
}

/* protobuf-c never hands out NULL strings, but a model may hold them. */
static char *str(const char *s)
{
	return (char *)(s ? s : "");
}

/*
 * Map fields: every map<string,string> gets its own Entry type with the same
 * shape (base, key, value), so one macro generates the pair of converters.
 */
#define MAP_CONVERTERS(fn, T, INIT)                                            \
	static int fn##_from_pb(T *const *e, size_t n,                         \
				const struct bs_kv **out, size_t *n_out)       \
	{                                                                      \
		struct bs_kv *kv = NULL;                                       \
		*out = NULL;                                                   \
		*n_out = 0;                                                    \
		if (!n)                                                        \
			return 0;                                              \
		kv = calloc(n, sizeof(*kv));                                   \
		if (!kv)                                                       \
			return -ENOMEM;                                        \
		for (size_t i = 0; i < n; i++)                                 \
			kv[i] = (struct bs_kv){ e[i]->key, e[i]->value };      \
		*out = kv;                                                     \
		*n_out = n;                                                    \
		return 0;                                                      \
	}                                                                      \
	static T **fn##_to_pb(struct bs_arena *a, const struct bs_kv *kv,      \
			      size_t n)                                        \
	{                                                                      \
		T **v = arena_array(a, n, sizeof(void *));                     \
		T *e = arena_array(a, n, sizeof(*e));                          \
		if (!v || !e)                                                  \
			return NULL;                                           \
		for (size_t i = 0; i < n; i++) {                               \
			e[i] = (T)INIT;                                        \
			e[i].key = str(kv[i].key);                             \
			e[i].value = str(kv[i].value);                         \
			v[i] = &e[i];                                          \
		}                                                              \
		return v;                                                      \
	}

MAP_CONVERTERS(pod_labels, PB(PodSandbox__LabelsEntry),
	       PB_INIT(POD_SANDBOX__LABELS_ENTRY))
MAP_CONVERTERS(pod_annots, PB(PodSandbox__AnnotationsEntry),
	       PB_INIT(POD_SANDBOX__ANNOTATIONS_ENTRY))
MAP_CONVERTERS(ctr_labels, PB(Container__LabelsEntry),
	       PB_INIT(CONTAINER__LABELS_ENTRY))
MAP_CONVERTERS(ctr_annots, PB(Container__AnnotationsEntry),
	       PB_INIT(CONTAINER__ANNOTATIONS_ENTRY))

static int ns_from_pb(PB(LinuxNamespace) *const *v, size_t n,
		      const struct bs_ns_view **out, size_t *n_out)
{
	struct bs_ns_view *ns;

	*out = NULL;
	*n_out = 0;
	if (!n)
		return 0;
	ns = calloc(n, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		ns[i] = (struct bs_ns_view){ v[i]->type, v[i]->path };
	*out = ns;
	*n_out = n;
	return 0;
}

static PB(LinuxNamespace) *
	*ns_to_pb(struct bs_arena *a, const struct bs_ns_view *ns, size_t n)
{
	PB(LinuxNamespace) **v = arena_array(a, n, sizeof(void *));
	PB(LinuxNamespace) *e = arena_array(a, n, sizeof(*e));

	if (!v || !e)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		e[i] = (PB(LinuxNamespace))PB_INIT(LINUX_NAMESPACE);
		e[i].type = str(ns[i].type);
		e[i].path = str(ns[i].path);
		v[i] = &e[i];
	}
	return v;
}

void bs_nri_pod_release(struct bs_pod *p)
{
	free((void *)p->labels);
	free((void *)p->annotations);
	free((void *)p->namespaces);
	memset(p, 0, sizeof(*p));
}

int bs_nri_pod_from_pb(const PB(PodSandbox) * pb, struct bs_pod *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	out->id = pb->id;
	out->name = pb->name;
	out->uid = pb->uid;
	out->ns = pb->namespace_;
	out->pid = pb->pid;
	out->cgroup_parent = pb->linux ? pb->linux->cgroup_parent : "";
	out->cgroups_path = pb->linux ? pb->linux->cgroups_path : "";
	err = pb->linux ? ns_from_pb(pb->linux->namespaces,
				     pb->linux->n_namespaces, &out->namespaces,
				     &out->n_namespaces)
			: 0;
	if (!err)
		err = pod_labels_from_pb(pb->labels, pb->n_labels, &out->labels,
					 &out->n_labels);
	if (!err)
		err = pod_annots_from_pb(pb->annotations, pb->n_annotations,
					 &out->annotations,
					 &out->n_annotations);
	if (err)
		bs_nri_pod_release(out);
	return err;
}

void bs_nri_ctr_release(struct bs_container *c)
{
	free((void *)c->labels);
	free((void *)c->annotations);
	free((void *)c->mounts);
	free((void *)c->namespaces);
	memset(c, 0, sizeof(*c));
}

static int mounts_from_pb(const PB(Container) * pb, struct bs_container *out)
{
	struct bs_mount_view *m;

	if (!pb->n_mounts)
		return 0;
	m = calloc(pb->n_mounts, sizeof(*m));
	if (!m)
		return -ENOMEM;
	for (size_t i = 0; i < pb->n_mounts; i++)
		m[i] = (struct bs_mount_view){
			pb->mounts[i]->destination, pb->mounts[i]->type,
			pb->mounts[i]->source,
			(const char *const *)pb->mounts[i]->options,
			pb->mounts[i]->n_options
		};
	out->mounts = m;
	out->n_mounts = pb->n_mounts;
	return 0;
}

static enum bs_ctr_state state_from_pb(int s)
{
	return s >= BS_CTR_UNKNOWN && s <= BS_CTR_STOPPED ? (enum bs_ctr_state)s
							  : BS_CTR_UNKNOWN;
}

int bs_nri_ctr_from_pb(const PB(Container) * pb, struct bs_container *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	out->id = pb->id;
	out->pod_id = pb->pod_sandbox_id;
	out->name = pb->name;
	out->state = state_from_pb(pb->state);
	out->pid = pb->pid;
	out->cgroups_path = pb->linux ? pb->linux->cgroups_path : "";
	out->args = (const char *const *)pb->args;
	out->n_args = pb->n_args;
	out->env = (const char *const *)pb->env;
	out->n_env = pb->n_env;
	err = pb->linux ? ns_from_pb(pb->linux->namespaces,
				     pb->linux->n_namespaces, &out->namespaces,
				     &out->n_namespaces)
			: 0;
	if (!err)
		err = ctr_labels_from_pb(pb->labels, pb->n_labels, &out->labels,
					 &out->n_labels);
	if (!err)
		err = ctr_annots_from_pb(pb->annotations, pb->n_annotations,
					 &out->annotations,
					 &out->n_annotations);
	if (!err)
		err = mounts_from_pb(pb, out);
	if (err)
		bs_nri_ctr_release(out);
	return err;
}

PB(PodSandbox) * bs_nri_pod_to_pb(struct bs_arena *a, const struct bs_pod *p)
{
	PB(PodSandbox) *pb = bs_arena_alloc(a, sizeof(*pb));
	PB(LinuxPodSandbox) *lx = bs_arena_alloc(a, sizeof(*lx));

	if (!pb || !lx)
		return NULL;
	*pb = (PB(PodSandbox))PB_INIT(POD_SANDBOX);
	*lx = (PB(LinuxPodSandbox))PB_INIT(LINUX_POD_SANDBOX);
	pb->id = str(p->id);
	pb->name = str(p->name);
	pb->uid = str(p->uid);
	pb->namespace_ = str(p->ns);
	pb->pid = p->pid;
	lx->cgroup_parent = str(p->cgroup_parent);
	lx->cgroups_path = str(p->cgroups_path);
	lx->namespaces = ns_to_pb(a, p->namespaces, p->n_namespaces);
	lx->n_namespaces = p->n_namespaces;
	if (!lx->namespaces)
		return NULL;
	pb->linux = lx;
	pb->labels = pod_labels_to_pb(a, p->labels, p->n_labels);
	pb->n_labels = p->n_labels;
	pb->annotations = pod_annots_to_pb(a, p->annotations, p->n_annotations);
	pb->n_annotations = p->n_annotations;
	return pb->labels && pb->annotations ? pb : NULL;
}

static PB(Mount) * *mounts_to_pb(struct bs_arena *a,
				 const struct bs_mount_view *m, size_t n)
{
	PB(Mount) **v = arena_array(a, n, sizeof(void *));
	PB(Mount) *e = arena_array(a, n, sizeof(*e));

	if (!v || !e)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		e[i] = (PB(Mount))PB_INIT(MOUNT);
		e[i].destination = str(m[i].destination);
		e[i].type = str(m[i].type);
		e[i].source = str(m[i].source);
		e[i].options = (char **)m[i].options;
		e[i].n_options = m[i].options ? m[i].n_options : 0;
		v[i] = &e[i];
	}
	return v;
}

/* Runtime side: the container's hooks as NRI's Hooks message. */
static int ctr_hooks_to_pb(struct bs_arena *a, const struct bs_container *c,
			   PB(Container) * pb);

PB(Container) *
	bs_nri_ctr_to_pb(struct bs_arena *a, const struct bs_container *c)
{
	PB(Container) *pb = bs_arena_alloc(a, sizeof(*pb));
	PB(LinuxContainer) *lx = bs_arena_alloc(a, sizeof(*lx));

	if (!pb || !lx)
		return NULL;
	*pb = (PB(Container))PB_INIT(CONTAINER);
	*lx = (PB(LinuxContainer))PB_INIT(LINUX_CONTAINER);
	pb->id = str(c->id);
	pb->pod_sandbox_id = str(c->pod_id);
	pb->name = str(c->name);
	pb->state = (PB(ContainerState))c->state;
	pb->pid = c->pid;
	lx->cgroups_path = str(c->cgroups_path);
	lx->namespaces = ns_to_pb(a, c->namespaces, c->n_namespaces);
	lx->n_namespaces = c->n_namespaces;
	if (!lx->namespaces)
		return NULL;
	pb->linux = lx;
	pb->labels = ctr_labels_to_pb(a, c->labels, c->n_labels);
	pb->n_labels = c->n_labels;
	pb->annotations = ctr_annots_to_pb(a, c->annotations, c->n_annotations);
	pb->n_annotations = c->n_annotations;
	pb->mounts = mounts_to_pb(a, c->mounts, c->n_mounts);
	pb->n_mounts = c->n_mounts;
	pb->args = (char **)c->args;
	pb->n_args = c->args ? c->n_args : 0;
	pb->env = (char **)c->env;
	pb->n_env = c->env ? c->n_env : 0;
	if (ctr_hooks_to_pb(a, c, pb))
		return NULL;
	return pb->labels && pb->annotations && pb->mounts ? pb : NULL;
}

static PB(Mount) *
	adj_mount_to_pb(struct bs_arena *a, const struct bs_adj_mount *m)
{
	PB(Mount) *pb = bs_arena_alloc(a, sizeof(*pb));

	if (!pb)
		return NULL;
	*pb = (PB(Mount))PB_INIT(MOUNT);
	pb->destination = str(m->destination);
	pb->type = str(m->type);
	pb->source = str(m->source);
	pb->options = (char **)m->options;
	pb->n_options = m->n_options;
	return pb;
}

static PB(Hook) * hook_to_pb(struct bs_arena *a, const struct bs_adj_hook *h)
{
	PB(Hook) *pb = bs_arena_alloc(a, sizeof(*pb));
	PB(OptionalInt) * t;

	if (!pb)
		return NULL;
	*pb = (PB(Hook))PB_INIT(HOOK);
	pb->path = str(h->path);
	pb->args = (char **)h->args;
	pb->n_args = h->n_args;
	pb->env = (char **)h->env;
	pb->n_env = h->n_env;
	if (h->timeout_s > 0) {
		t = bs_arena_alloc(a, sizeof(*t));
		if (!t)
			return NULL;
		*t = (PB(OptionalInt))PB_INIT(OPTIONAL_INT);
		t->value = h->timeout_s;
		pb->timeout = t;
	}
	return pb;
}

/* The Hooks lists in field order, indexed by enum bs_hook_kind. */
static void hook_lists(PB(Hooks) * h, PB(Hook) * ***lists, size_t **counts)
{
	lists[BS_HOOK_PRESTART] = &h->prestart;
	counts[BS_HOOK_PRESTART] = &h->n_prestart;
	lists[BS_HOOK_CREATE_RUNTIME] = &h->create_runtime;
	counts[BS_HOOK_CREATE_RUNTIME] = &h->n_create_runtime;
	lists[BS_HOOK_CREATE_CONTAINER] = &h->create_container;
	counts[BS_HOOK_CREATE_CONTAINER] = &h->n_create_container;
	lists[BS_HOOK_START_CONTAINER] = &h->start_container;
	counts[BS_HOOK_START_CONTAINER] = &h->n_start_container;
	lists[BS_HOOK_POSTSTART] = &h->poststart;
	counts[BS_HOOK_POSTSTART] = &h->n_poststart;
	lists[BS_HOOK_POSTSTOP] = &h->poststop;
	counts[BS_HOOK_POSTSTOP] = &h->n_poststop;
}

static PB(Hooks) * hooks_to_pb(struct bs_arena *a, const struct bs_adjust *adj)
{
	PB(Hooks) *pb = bs_arena_alloc(a, sizeof(*pb));
	PB(Hook) * **lists[BS_HOOK_KINDS];
	size_t *counts[BS_HOOK_KINDS];

	if (!pb)
		return NULL;
	*pb = (PB(Hooks))PB_INIT(HOOKS);
	hook_lists(pb, lists, counts);
	for (int k = 0; k < BS_HOOK_KINDS; k++) {
		*lists[k] = arena_array(a, adj->n_hooks, sizeof(PB(Hook) *));
		if (!*lists[k])
			return NULL;
	}
	for (size_t i = 0; i < adj->n_hooks; i++) {
		const struct bs_adj_hook *h = &adj->hooks[i];
		PB(Hook) *ph = hook_to_pb(a, h);

		if (!ph)
			return NULL;
		(*lists[h->kind])[(*counts[h->kind])++] = ph;
	}
	return pb;
}

/* hooks present only when there are some, as containerd reports them */
static int ctr_hooks_to_pb(struct bs_arena *a, const struct bs_container *c,
			   PB(Container) * pb)
{
	struct bs_adj_hook h = { 0 };
	PB(Hook) * **lists[BS_HOOK_KINDS];
	size_t *counts[BS_HOOK_KINDS];
	PB(Hooks) * hs;

	if (!c->hooks || !c->n_hooks)
		return 0;
	hs = bs_arena_alloc(a, sizeof(*hs));
	if (!hs)
		return -ENOMEM;
	*hs = (PB(Hooks))PB_INIT(HOOKS);
	hook_lists(hs, lists, counts);
	for (int k = 0; k < BS_HOOK_KINDS; k++) {
		*lists[k] = arena_array(a, c->n_hooks, sizeof(PB(Hook) *));
		if (!*lists[k])
			return -ENOMEM;
	}
	for (size_t i = 0; i < c->n_hooks; i++) {
		const struct bs_hook_view *v = &c->hooks[i];
		PB(Hook) * ph;

		if (v->kind < 0 || v->kind >= BS_HOOK_KINDS)
			return -EINVAL;
		h.path = (char *)v->path;
		h.timeout_s = v->timeout_s;
		ph = hook_to_pb(a, &h);
		if (!ph)
			return -ENOMEM;
		ph->args = (char **)v->args; /* borrowed, like every string */
		ph->n_args = v->args ? v->n_args : 0;
		(*lists[v->kind])[(*counts[v->kind])++] = ph;
	}
	pb->hooks = hs;
	return 0;
}

static int adj_kv_to_pb(struct bs_arena *a, const struct bs_adjust *adj,
			PB(ContainerAdjustment) * pb)
{
	PB(ContainerAdjustment__AnnotationsEntry) * ae;
	PB(KeyValue) * kv;

	pb->annotations = arena_array(a, adj->n_annotations, sizeof(void *));
	ae = arena_array(a, adj->n_annotations, sizeof(*ae));
	pb->env = arena_array(a, adj->n_env, sizeof(void *));
	kv = arena_array(a, adj->n_env, sizeof(*kv));
	if (!pb->annotations || !ae || !pb->env || !kv)
		return -ENOMEM;
	for (size_t i = 0; i < adj->n_annotations; i++) {
		ae[i] = (PB(ContainerAdjustment__AnnotationsEntry))PB_INIT(
			CONTAINER_ADJUSTMENT__ANNOTATIONS_ENTRY);
		ae[i].key = adj->annotations[i].key;
		ae[i].value = adj->annotations[i].value;
		pb->annotations[i] = &ae[i];
	}
	pb->n_annotations = adj->n_annotations;
	for (size_t i = 0; i < adj->n_env; i++) {
		kv[i] = (PB(KeyValue))PB_INIT(KEY_VALUE);
		kv[i].key = adj->env[i].key;
		kv[i].value = adj->env[i].value;
		pb->env[i] = &kv[i];
	}
	pb->n_env = adj->n_env;
	return 0;
}

PB(ContainerAdjustment) *
	bs_nri_adjust_to_pb(struct bs_arena *a, const struct bs_adjust *adj)
{
	PB(ContainerAdjustment) *pb = bs_arena_alloc(a, sizeof(*pb));

	if (!pb)
		return NULL;
	*pb = (PB(ContainerAdjustment))PB_INIT(CONTAINER_ADJUSTMENT);
	if (adj_kv_to_pb(a, adj, pb))
		return NULL;
	pb->mounts = arena_array(a, adj->n_mounts, sizeof(void *));
	if (!pb->mounts)
		return NULL;
	for (size_t i = 0; i < adj->n_mounts; i++)
		if (!(pb->mounts[i] = adj_mount_to_pb(a, &adj->mounts[i])))
			return NULL;
	pb->n_mounts = adj->n_mounts;
	/* Absent rather than empty: nothing to say about hooks. */
	if (adj->n_hooks && !(pb->hooks = hooks_to_pb(a, adj)))
		return NULL;
	return pb;
}

/* Borrowed NULL-terminated copy of a protobuf string list, capped. */
static int argv_of(char **v, size_t n, const char **out)
{
	if (n > BS_ADJ_MAX_ARGS)
		return -E2BIG;
	for (size_t i = 0; i < n; i++)
		out[i] = v[i];
	out[n] = NULL;
	return 0;
}

static int mounts_from_adj_pb(const PB(ContainerAdjustment) * pb,
			      struct bs_adjust *out)
{
	const char *opts[BS_ADJ_MAX_ARGS + 1];
	int err = 0;

	for (size_t i = 0; i < pb->n_mounts && !err; i++) {
		const PB(Mount) *m = pb->mounts[i];

		err = argv_of(m->options, m->n_options, opts);
		if (!err)
			err = bs_adjust_add_mount(out, m->destination, m->type,
						  m->source, opts);
	}
	return err;
}

static int hooks_from_pb(PB(Hooks) * hooks, struct bs_adjust *out)
{
	const char *args[BS_ADJ_MAX_ARGS + 1], *env[BS_ADJ_MAX_ARGS + 1];
	PB(Hook) * **lists[BS_HOOK_KINDS];
	size_t *counts[BS_HOOK_KINDS];
	int err = 0;

	hook_lists(hooks, lists, counts);
	for (int k = 0; k < BS_HOOK_KINDS && !err; k++) {
		for (size_t i = 0; i < *counts[k] && !err; i++) {
			const PB(Hook) *h = (*lists[k])[i];
			int64_t t = h->timeout ? h->timeout->value : 0;

			if (t < 0 || t > 86400)
				return -EINVAL;
			err = argv_of(h->args, h->n_args, args);
			if (!err)
				err = argv_of(h->env, h->n_env, env);
			if (!err)
				err = bs_adjust_add_hook(out, k, h->path, args,
							 env, (int)t);
		}
	}
	return err;
}

int bs_nri_adjust_from_pb(const PB(ContainerAdjustment) * pb,
			  struct bs_adjust *out)
{
	int err = 0;

	for (size_t i = 0; i < pb->n_annotations && !err; i++)
		err = bs_adjust_add_annotation(out, pb->annotations[i]->key,
					       pb->annotations[i]->value);
	if (!err)
		err = mounts_from_adj_pb(pb, out);
	for (size_t i = 0; i < pb->n_env && !err; i++)
		err = bs_adjust_add_env(out, pb->env[i]->key,
					pb->env[i]->value);
	if (!err && pb->hooks)
		err = hooks_from_pb(pb->hooks, out);
	return err;
}
