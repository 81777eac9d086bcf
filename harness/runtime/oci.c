// SPDX-License-Identifier: Apache-2.0
/* NRI adjustment -> OCI config.json (see oci.h). */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/runtime/oci.h"

const char *bs_oci_hook_list(enum bs_hook_kind kind)
{
	static const char *const names[BS_HOOK_KINDS] = {
		[BS_HOOK_PRESTART] = "prestart",
		[BS_HOOK_CREATE_RUNTIME] = "createRuntime",
		[BS_HOOK_CREATE_CONTAINER] = "createContainer",
		[BS_HOOK_START_CONTAINER] = "startContainer",
		[BS_HOOK_POSTSTART] = "poststart",
		[BS_HOOK_POSTSTOP] = "poststop",
	};

	return (unsigned int)kind < BS_HOOK_KINDS ? names[kind] : NULL;
}

/* obj[key] as the given type, created when missing; NULL on a type clash. */
static json_t *child(json_t *obj, const char *key, int array)
{
	json_t *v = json_object_get(obj, key);

	if (!v) {
		v = array ? json_array() : json_object();
		if (!v || json_object_set_new(obj, key, v))
			return NULL;
	}
	if (array ? !json_is_array(v) : !json_is_object(v))
		return NULL;
	return v;
}

static json_t *str_array(char *const *v, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < n; i++) {
		if (json_array_append_new(a, json_string(v[i]))) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static size_t depth(const char *p)
{
	size_t d = 0;

	for (; *p; p++)
		if (*p == '/' && p[1] && p[1] != '/')
			d++;
	return d;
}

static const char *dest_of(json_t *m)
{
	const char *d = json_string_value(json_object_get(m, "destination"));

	return d ? d : "";
}

static int mount_cmp(const void *a, const void *b)
{
	const char *da = dest_of(*(json_t *const *)a);
	const char *db = dest_of(*(json_t *const *)b);
	size_t xa = depth(da), xb = depth(db);

	if (xa != xb)
		return xa < xb ? -1 : 1;
	return strcmp(da, db);
}

static int sort_mounts(json_t *mounts)
{
	size_t n = json_array_size(mounts);
	json_t **v;
	int err = 0;

	if (n < 2)
		return 0;
	v = calloc(n, sizeof(json_t *));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(mounts, i));
	qsort(v, n, sizeof(json_t *), mount_cmp);
	json_array_clear(mounts);
	for (size_t i = 0; i < n; i++)
		if (json_array_append_new(mounts, v[i]))
			err = -ENOMEM;
	free(v);
	return err;
}

static int apply_mounts(json_t *mounts, const struct bs_adjust *adj)
{
	for (size_t i = 0; i < adj->n_mounts; i++) {
		const struct bs_adj_mount *m = &adj->mounts[i];
		json_t *o;

		/* Same destination: the adjustment wins. */
		for (size_t k = json_array_size(mounts); k-- > 0;)
			if (!strcmp(dest_of(json_array_get(mounts, k)),
				    m->destination))
				json_array_remove(mounts, k);
		o = json_pack("{s:s, s:s, s:s, s:o}", "destination",
			      m->destination, "type", m->type ? m->type : "",
			      "source", m->source ? m->source : "", "options",
			      str_array(m->options, m->n_options));
		if (!o || json_array_append_new(mounts, o))
			return -ENOMEM;
	}
	return sort_mounts(mounts);
}

static int apply_hooks(json_t *hooks, const struct bs_adjust *adj)
{
	for (size_t i = 0; i < adj->n_hooks; i++) {
		const struct bs_adj_hook *h = &adj->hooks[i];
		const char *name = bs_oci_hook_list(h->kind);
		json_t *list, *o;

		if (!name || !h->path)
			return -EINVAL;
		list = child(hooks, name, 1);
		if (!list)
			return -EINVAL;
		o = json_pack("{s:s}", "path", h->path);
		if (!o)
			return -ENOMEM;
		if (h->n_args)
			json_object_set_new(o, "args",
					    str_array(h->args, h->n_args));
		if (h->n_env)
			json_object_set_new(o, "env",
					    str_array(h->env, h->n_env));
		if (h->timeout_s > 0)
			json_object_set_new(o, "timeout",
					    json_integer(h->timeout_s));
		if (json_array_append_new(list, o))
			return -ENOMEM;
	}
	return 0;
}

static int apply_env(json_t *proc, const struct bs_adjust *adj)
{
	json_t *env = child(proc, "env", 1);

	if (!env)
		return -EINVAL;
	for (size_t i = 0; i < adj->n_env; i++) {
		const struct bs_adj_kv *kv = &adj->env[i];
		size_t klen = strlen(kv->key), k;
		char *e;

		if (asprintf(&e, "%s=%s", kv->key, kv->value ? kv->value : "") <
		    0)
			return -ENOMEM;
		for (k = 0; k < json_array_size(env); k++) {
			const char *s =
				json_string_value(json_array_get(env, k));

			if (s && !strncmp(s, kv->key, klen) && s[klen] == '=')
				break;
		}
		if (k < json_array_size(env))
			json_array_set_new(env, k, json_string(e));
		else
			json_array_append_new(env, json_string(e));
		free(e);
	}
	return 0;
}

static int apply_annotations(json_t *ann, const struct bs_adjust *adj)
{
	for (size_t i = 0; i < adj->n_annotations; i++) {
		const struct bs_adj_kv *kv = &adj->annotations[i];

		if (json_object_set_new(
			    ann, kv->key,
			    json_string(kv->value ? kv->value : "")))
			return -ENOMEM;
	}
	return 0;
}

/* Each part of the adjustment, in this order, into the member of config
 * it goes to: made when missing, only when there is something to apply. */
static const struct part {
	const char *key;
	int array;
	size_t count; /* offset of the part's count in struct bs_adjust */
	int (*apply)(json_t *to, const struct bs_adjust *adj);
} parts[] = {
	{ "mounts", 1, offsetof(struct bs_adjust, n_mounts), apply_mounts },
	{ "hooks", 0, offsetof(struct bs_adjust, n_hooks), apply_hooks },
	{ "process", 0, offsetof(struct bs_adjust, n_env), apply_env },
	{ "annotations", 0, offsetof(struct bs_adjust, n_annotations),
	  apply_annotations },
};

static int apply_part(json_t *config, const struct part *p,
		      const struct bs_adjust *adj)
{
	size_t n;
	json_t *to;

	memcpy(&n, (const char *)adj + p->count, sizeof(n));
	if (!n)
		return 0;
	to = child(config, p->key, p->array);
	return to ? p->apply(to, adj) : -EINVAL;
}

int bs_oci_apply(json_t *config, const struct bs_adjust *adj)
{
	int err = 0;

	if (!json_is_object(config) || !adj)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]) && !err; i++)
		err = apply_part(config, &parts[i], adj);
	return err;
}

int bs_oci_apply_file(const char *path, const struct bs_adjust *adj)
{
	char tmp[4096];
	json_t *cfg;
	int err;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	cfg = json_load_file(path, 0, NULL);
	if (!cfg)
		return -EINVAL;
	err = bs_oci_apply(cfg, adj);
	if (!err && json_dump_file(cfg, tmp, JSON_INDENT(1)))
		err = -EIO;
	if (!err && rename(tmp, path))
		err = -errno;
	json_decref(cfg);
	return err;
}
