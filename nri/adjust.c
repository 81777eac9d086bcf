// SPDX-License-Identifier: Apache-2.0
/* Container adjustment builder: plain C, no protobuf (see adjust.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nri/adjust.h"

void bs_adjust_init(struct bs_adjust *a)
{
	memset(a, 0, sizeof(*a));
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
}

void bs_adjust_free(struct bs_adjust *a)
{
	for (size_t i = 0; i < a->n_mounts; i++) {
		struct bs_adj_mount *m = &a->mounts[i];

		free(m->destination);
		free(m->type);
		free(m->source);
		free_list(m->options, m->n_options);
	}
	for (size_t i = 0; i < a->n_hooks; i++) {
		struct bs_adj_hook *h = &a->hooks[i];

		free(h->path);
		free_list(h->args, h->n_args);
		free_list(h->env, h->n_env);
	}
	for (size_t i = 0; i < a->n_env; i++) {
		free(a->env[i].key);
		free(a->env[i].value);
	}
	for (size_t i = 0; i < a->n_annotations; i++) {
		free(a->annotations[i].key);
		free(a->annotations[i].value);
	}
	bs_adjust_init(a);
}

void bs_adjust_reset(struct bs_adjust *a)
{
	bs_adjust_free(a);
}

int bs_adjust_is_empty(const struct bs_adjust *a)
{
	return !a->n_mounts && !a->n_hooks && !a->n_env && !a->n_annotations;
}

/* Copy a NULL-terminated list into v; on failure v is left empty. */
static int copy_list(char **v, size_t *n, const char *const *src)
{
	*n = 0;
	for (; src && *src; src++) {
		if (*n == BS_ADJ_MAX_ARGS)
			goto e2big;
		v[*n] = strdup(*src);
		if (!v[*n])
			goto enomem;
		(*n)++;
	}
	return 0;
e2big:
	free_list(v, *n);
	*n = 0;
	return -E2BIG;
enomem:
	free_list(v, *n);
	*n = 0;
	return -ENOMEM;
}

static int dup_opt(char **dst, const char *src)
{
	*dst = NULL;
	if (!src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

int bs_adjust_add_mount(struct bs_adjust *a, const char *destination,
			const char *type, const char *source,
			const char *const *options)
{
	struct bs_adj_mount m = { 0 };
	int err;

	if (!destination || !*destination)
		return -EINVAL;
	if (a->n_mounts == BS_ADJ_MAX_ITEMS)
		return -E2BIG;
	err = dup_opt(&m.destination, destination);
	if (!err)
		err = dup_opt(&m.type, type);
	if (!err)
		err = dup_opt(&m.source, source);
	if (!err)
		err = copy_list(m.options, &m.n_options, options);
	if (err) {
		free(m.destination);
		free(m.type);
		free(m.source);
		return err;
	}
	a->mounts[a->n_mounts++] = m;
	return 0;
}

int bs_adjust_add_hook(struct bs_adjust *a, enum bs_hook_kind kind,
		       const char *path, const char *const *args,
		       const char *const *env, int timeout_s)
{
	struct bs_adj_hook h = { .kind = kind, .timeout_s = timeout_s };
	int err;

	if (!path || !*path || kind < 0 || kind >= BS_HOOK_KINDS ||
	    timeout_s < 0)
		return -EINVAL;
	if (a->n_hooks == BS_ADJ_MAX_ITEMS)
		return -E2BIG;
	err = dup_opt(&h.path, path);
	if (!err)
		err = copy_list(h.args, &h.n_args, args);
	if (!err) {
		err = copy_list(h.env, &h.n_env, env);
		if (err)
			free_list(h.args, h.n_args);
	}
	if (err) {
		free(h.path);
		return err;
	}
	a->hooks[a->n_hooks++] = h;
	return 0;
}

static int add_kv(struct bs_adj_kv *list, size_t *n, const char *key,
		  const char *value)
{
	struct bs_adj_kv kv;

	if (!key || !*key || !value)
		return -EINVAL;
	if (*n == BS_ADJ_MAX_ITEMS)
		return -E2BIG;
	kv.key = strdup(key);
	kv.value = strdup(value);
	if (!kv.key || !kv.value) {
		free(kv.key);
		free(kv.value);
		return -ENOMEM;
	}
	list[(*n)++] = kv;
	return 0;
}

int bs_adjust_add_env(struct bs_adjust *a, const char *key, const char *value)
{
	return add_kv(a->env, &a->n_env, key, value);
}

int bs_adjust_add_annotation(struct bs_adjust *a, const char *key,
			     const char *value)
{
	return add_kv(a->annotations, &a->n_annotations, key, value);
}
