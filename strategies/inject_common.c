// SPDX-License-Identifier: Apache-2.0
/* Shared injection plumbing (see inject_common.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/fs.h"
#include "lib/log.h"
#include "strategies/annotations.h"
#include "strategies/inject_common.h"
#include "strategies/sha256.h"
#include "strategies/tokgen.h"

#define META_MAX 2048

const char *bs_inject_state_dir(const struct bs_inject_config *cfg)
{
	return cfg && cfg->state_dir[0] ? cfg->state_dir : BS_DEFAULT_STATE_DIR;
}

const char *bs_inject_hook_dir(const struct bs_inject_config *cfg)
{
	return cfg && cfg->hook_dir[0] ? cfg->hook_dir : BS_DEFAULT_HOOK_DIR;
}

bool bs_container_id_valid(const char *id)
{
	size_t n = id ? strnlen(id, BS_ID_LEN + 1) : 0;

	if (n == 0 || n > 128)
		return false;
	/* "." and ".." are made of valid characters but name directories. */
	if (!strcmp(id, ".") || !strcmp(id, ".."))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == '-'))
			return false;
	}
	return true;
}

void bs_inject_init_state(const struct bs_inject_config *cfg)
{
	char p[BS_PATH_LEN + 8];
	int err;

	snprintf(p, sizeof(p), "%s/tokens", bs_inject_state_dir(cfg));
	err = bs_mkdir_p(p, 0700);
	if (err)
		bs_warn("state dir %s unusable (%s): containers will start "
			"without tokens",
			p, strerror(-err));
}

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
	copy_str(t->container_id, sizeof(t->container_id), ctr->id);
	copy_str(t->pod_id, sizeof(t->pod_id), pod ? pod->id : ctr->pod_id);
	copy_str(t->pod, sizeof(t->pod), pod ? pod->name : NULL);
	copy_str(t->ns, sizeof(t->ns), pod ? pod->ns : NULL);
	copy_str(t->container, sizeof(t->container), ctr->name);
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

/* Unlink the regular files of dirfd (leftovers of an earlier container with
 * the same id).  Anything else, a planted symlink say, stays so that the
 * O_EXCL create that follows fails. */
static int clear_dir(int dirfd, bool only_regular)
{
	int fd = dup(dirfd);
	struct dirent *de;
	DIR *d;
	int err = 0;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	rewinddir(d);
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		struct stat st;

		if (only_regular &&
		    (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		     !S_ISREG(st.st_mode)))
			continue;
		if (unlinkat(dirfd, de->d_name, 0) && errno != ENOENT)
			err = -errno;
	}
	closedir(d);
	return err;
}

static int open_subdir(int at, const char *name)
{
	return openat(at, name,
		      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static int open_tokens_dir(const struct bs_inject_config *cfg)
{
	int sfd, tfd;

	sfd = open(bs_inject_state_dir(cfg), O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (sfd < 0)
		return -errno;
	tfd = open_subdir(sfd, "tokens");
	if (tfd < 0 && errno == ENOENT) {
		if (mkdirat(sfd, "tokens", 0700) && errno != EEXIST)
			goto fail;
		tfd = open_subdir(sfd, "tokens");
	}
	if (tfd < 0)
		goto fail;
	close(sfd);
	return tfd;
fail:
	tfd = -errno;
	close(sfd);
	return tfd;
}

/* The tokens dir, once ctr_id is known to be a safe directory name. */
static int open_tokens_dir_for(const struct bs_inject_config *cfg,
			       const char *ctr_id)
{
	if (!bs_container_id_valid(ctr_id))
		return -EINVAL;
	return open_tokens_dir(cfg);
}

int bs_state_ctr_open(const struct bs_inject_config *cfg, const char *ctr_id,
		      bool create)
{
	int tfd, fd, err;

	tfd = open_tokens_dir_for(cfg, ctr_id);
	if (tfd < 0)
		return tfd;
	if (create && mkdirat(tfd, ctr_id, 0700) && errno != EEXIST) {
		err = -errno;
		close(tfd);
		return err;
	}
	fd = open_subdir(tfd, ctr_id);
	err = fd < 0 ? -errno : 0;
	close(tfd);
	if (err)
		return err;
	if (create) {
		err = clear_dir(fd, true);
		if (err) {
			close(fd);
			return err;
		}
	}
	return fd;
}

/* Create name exclusively (never through a symlink) and write it.  No
 * fsync: a token need not outlive a host crash (resync rebuilds the state
 * dir), and the NRI reply waits on this; the page cache serves the file. */
static int create_file(int dirfd, const char *name, const void *buf, size_t len,
		       struct stat *st)
{
	int fd, err;

	fd = openat(dirfd, name,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
	if (fd < 0)
		return -errno;
	err = bs_write_all(fd, buf, len);
	if (!err && st && fstat(fd, st))
		err = -errno;
	close(fd);
	if (err)
		unlinkat(dirfd, name, 0);
	return err;
}

int bs_state_write_token(int dirfd, unsigned int idx, const struct bs_token *t,
			 struct stat *st)
{
	char name[32], meta_name[40];
	json_t *meta;
	char *s;
	int err;

	snprintf(name, sizeof(name), "%u", idx);
	snprintf(meta_name, sizeof(meta_name), "%u.meta", idx);
	meta = json_pack("{s:s, s:s}", "path", t->path, "template",
			 t->template_name);
	s = meta ? json_dumps(meta, JSON_COMPACT) : NULL;
	json_decref(meta);
	if (!s)
		return -ENOMEM;
	err = create_file(dirfd, name, t->content, t->content_len, st);
	if (!err) {
		err = create_file(dirfd, meta_name, s, strlen(s), NULL);
		if (err)
			unlinkat(dirfd, name, 0);
	}
	free(s);
	return err;
}

/* Read a regular file of at most cap bytes; returns length or -errno. */
static int read_small(int dirfd, const char *name, void *buf, size_t cap,
		      struct stat *st)
{
	struct stat tmp;
	size_t got = 0;
	int fd, err = 0;

	if (!st)
		st = &tmp;
	fd = openat(dirfd, name,
		    O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, st)) {
		err = -errno;
	} else if (!S_ISREG(st->st_mode)) {
		err = -EINVAL;
	} else if (st->st_size > (off_t)cap) {
		err = -EFBIG;
	}
	while (!err && got < cap) {
		ssize_t n = read(fd, (char *)buf + got, cap - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err = -errno;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	return err ? err : (int)got;
}

int bs_state_read_token(int dirfd, unsigned int idx, struct bs_token *t,
			struct stat *st)
{
	char name[32], meta_name[40], meta[META_MAX + 1];
	const char *path = NULL, *tmpl = NULL;
	json_t *j;
	int n, err = 0;

	snprintf(name, sizeof(name), "%u", idx);
	snprintf(meta_name, sizeof(meta_name), "%u.meta", idx);
	n = read_small(dirfd, meta_name, meta, META_MAX, NULL);
	if (n < 0)
		return n;
	meta[n] = '\0';
	j = json_loads(meta, 0, NULL);
	if (!j ||
	    json_unpack(j, "{s:s, s:s}", "path", &path, "template", &tmpl) ||
	    !bs_path_normalized(path) || strlen(path) >= sizeof(t->path)) {
		err = -EINVAL;
		goto out;
	}
	copy_str(t->path, sizeof(t->path), path);
	copy_str(t->template_name, sizeof(t->template_name), tmpl);
	n = read_small(dirfd, name, t->content, sizeof(t->content), st);
	if (n < 0) {
		err = n;
		goto out;
	}
	t->content_len = (size_t)n;
	bs_sha256(t->content, t->content_len, t->digest);
out:
	json_decref(j);
	return err;
}

int bs_state_ctr_remove(const struct bs_inject_config *cfg, const char *ctr_id)
{
	int tfd, fd, err;

	tfd = open_tokens_dir_for(cfg, ctr_id);
	if (tfd < 0)
		return tfd;
	fd = open_subdir(tfd, ctr_id);
	if (fd < 0) {
		err = errno == ENOENT ? 0 : -errno;
		close(tfd);
		return err;
	}
	/* unlinkat removes a symlink itself, never its target. */
	err = clear_dir(fd, false);
	close(fd);
	if (unlinkat(tfd, ctr_id, AT_REMOVEDIR) && !err)
		err = -errno;
	close(tfd);
	return err;
}

static int annotate_ids(struct bs_inject_ctx *ctx, const char *ctr_id,
			struct bs_adjust *adj)
{
	uint32_t ids[BS_MAX_PLAN];
	char buf[BS_MAX_PLAN * 11 + 1];
	size_t n, off = 0;

	n = bs_token_store_list_container(ctx->store, ctr_id, ids, BS_MAX_PLAN);
	if (n > BS_MAX_PLAN)
		n = BS_MAX_PLAN;
	if (!n)
		return 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%u",
					i ? "," : "", ids[i]);
	return bs_adjust_add_annotation(adj, BS_ANN_TOKEN_ID, buf);
}

int bs_inject_finish(struct bs_inject_ctx *ctx, const struct bs_container *ctr,
		     struct bs_adjust *adj, int err)
{
	if (!err)
		err = annotate_ids(ctx, ctr->id, adj);
	if (!err) {
		ctx->n_injected++;
		return 0;
	}
	ctx->n_failed++;
	if (bs_container_id_valid(ctr->id)) {
		bs_token_store_remove_container(ctx->store, ctr->id);
		bs_state_ctr_remove(ctx->cfg, ctr->id);
	}
	bs_adjust_reset(adj);
	if (ctx->cfg->fail_closed) {
		bs_err("token injection into container %.128s failed: %s",
		       ctr->id ? ctr->id : "?", strerror(-err));
		return err;
	}
	bs_warn("token injection into container %.128s failed (%s): starting "
		"it without a token",
		ctr->id ? ctr->id : "?", strerror(-err));
	return 0;
}

int bs_inject_create(struct bs_inject_ctx *ctx, const struct bs_pod *pod,
		     const struct bs_container *ctr, struct bs_adjust *adj,
		     bs_plant_fn plant)
{
	struct bs_inject_plan *plan;
	struct bs_token *t = NULL;
	int dfd = -1, err;

	plan = malloc(sizeof(*plan));
	if (!plan)
		return bs_inject_finish(ctx, ctr, adj, -ENOMEM);
	err = bs_inject_plan(ctx, pod, ctr, plan);
	if (err > 0 || (!err && plan->n == 0)) {
		free(plan);
		return 0;
	}
	if (!err) {
		t = malloc(sizeof(*t));
		err = t ? 0 : -ENOMEM;
	}
	if (!err) {
		dfd = bs_state_ctr_open(ctx->cfg, ctr->id, true);
		err = dfd < 0 ? dfd : 0;
	}
	if (!err)
		err = plant(ctx, pod, ctr, adj, dfd, plan, t);
	if (!err)
		err = bs_inject_irsa_env(pod, ctr, plan, adj);
	if (dfd >= 0)
		close(dfd);
	free(t);
	free(plan);
	return bs_inject_finish(ctx, ctr, adj, err);
}

int bs_inject_remove(struct bs_inject_ctx *ctx, const struct bs_container *ctr)
{
	if (!ctr || !bs_container_id_valid(ctr->id))
		return -EINVAL;
	bs_token_store_remove_container(ctx->store, ctr->id);
	return bs_state_ctr_remove(ctx->cfg, ctr->id);
}

static const struct bs_pod *pod_of(const struct bs_pod *pods, size_t n,
				   const struct bs_container *ctr)
{
	for (size_t i = 0; pods && ctr->pod_id && i < n; i++)
		if (pods[i].id && !strcmp(pods[i].id, ctr->pod_id))
			return &pods[i];
	return NULL;
}

/* Rebuild one container's records from its state dir. */
static int sync_one(struct bs_inject_ctx *ctx, const struct bs_pod *pod,
		    const struct bs_container *ctr, bs_sync_inode_fn inode)
{
	struct bs_token *t;
	struct stat st;
	int dfd, err = 0;

	dfd = bs_state_ctr_open(ctx->cfg, ctr->id, false);
	if (dfd < 0)
		return dfd == -ENOENT ? 0 : dfd;
	t = malloc(sizeof(*t));
	if (!t) {
		close(dfd);
		return -ENOMEM;
	}
	bs_token_store_remove_container(ctx->store, ctr->id);
	for (unsigned int i = 0; i < BS_MAX_PLAN; i++) {
		int e;

		memset(t, 0, sizeof(*t));
		e = bs_state_read_token(dfd, i, t, &st);
		if (e == -ENOENT)
			continue;
		if (e) {
			err = e;
			continue;
		}
		copy_str(t->container_id, sizeof(t->container_id), ctr->id);
		copy_str(t->pod_id, sizeof(t->pod_id),
			 pod ? pod->id : ctr->pod_id);
		copy_str(t->pod, sizeof(t->pod), pod ? pod->name : NULL);
		copy_str(t->ns, sizeof(t->ns), pod ? pod->ns : NULL);
		copy_str(t->container, sizeof(t->container), ctr->name);
		t->created_ns = bs_now_ns();
		e = inode(ctx, ctr, t, &st);
		if (!e)
			e = bs_token_store_add(ctx->store, t);
		if (e)
			err = e;
	}
	free(t);
	close(dfd);
	return err;
}

static bool listed(const struct bs_container *ctrs, size_t n, const char *id)
{
	for (size_t i = 0; ctrs && i < n; i++)
		if (ctrs[i].id && !strcmp(ctrs[i].id, id))
			return true;
	return false;
}

/* Delete state dirs of containers that are gone. */
static int prune(struct bs_inject_ctx *ctx, const struct bs_container *ctrs,
		 size_t n)
{
	struct dirent *de;
	DIR *d;
	int tfd, err = 0;

	tfd = open_tokens_dir(ctx->cfg);
	if (tfd < 0)
		return tfd;
	d = fdopendir(tfd);
	if (!d) {
		err = -errno;
		close(tfd);
		return err;
	}
	while ((de = readdir(d))) {
		if (!bs_container_id_valid(de->d_name) ||
		    listed(ctrs, n, de->d_name))
			continue;
		bs_token_store_remove_container(ctx->store, de->d_name);
		if (bs_state_ctr_remove(ctx->cfg, de->d_name))
			err = -EIO;
	}
	closedir(d);
	return err;
}

int bs_inject_sync(struct bs_inject_ctx *ctx, const struct bs_pod *pods,
		   size_t n_pods, const struct bs_container *ctrs,
		   size_t n_ctrs, bs_sync_inode_fn inode)
{
	int err = 0, e;

	for (size_t i = 0; ctrs && i < n_ctrs; i++) {
		if (!bs_container_id_valid(ctrs[i].id))
			continue;
		e = sync_one(ctx, pod_of(pods, n_pods, &ctrs[i]), &ctrs[i],
			     inode);
		if (e) {
			bs_warn("sync: tokens of container %s not rebuilt: %s",
				ctrs[i].id, strerror(-e));
			err = e;
		}
	}
	e = prune(ctx, ctrs, n_ctrs);
	return err ? err : e;
}

int bs_state_token_path(const struct bs_inject_config *cfg, const char *ctr_id,
			unsigned int idx, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s/tokens/%s/%u", bs_inject_state_dir(cfg),
			 ctr_id, idx);

	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

void bs_token_set_inode(struct bs_token *t, const struct stat *st)
{
	t->dev = bs_dev_to_kernel((uint64_t)st->st_dev);
	t->ino = (uint64_t)st->st_ino;
	t->have_inode = true;
}
