// SPDX-License-Identifier: Apache-2.0
/*
 * "ocihook": an OCI createContainer hook writes the token into the
 * container's own filesystem, so no host path is visible in the container's
 * mount table.
 *
 * The content is written to the state dir first (same safe rules as bind)
 * and the hook gets that host path.  The agent learns the file's inode at
 * the first NRI event that names the container's pid, by opening
 * /proc/<pid>/root/<path> itself.  containerd 1.7 sends no pid at
 * PostCreateContainer; its first pid comes with StartContainer, which it
 * sends after `runc create` (hooks done, init process waiting on the exec
 * fifo) and before `runc start`, so the workload has not run yet.  CRI-O
 * names the pid at PostCreate already.  Either way the token is armed
 * before the workload's first instruction, with no socket between hook and
 * agent, nothing the container could race or spoof, and a content digest
 * check so a file the image planted at the same path is never armed as
 * ours.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/fs.h"
#include "lib/log.h"
#include "strategies/inject.h"
#include "strategies/sha256.h"

#define HOOK_TIMEOUT_S 10

struct ocihook_priv {
	char hook_path[BS_PATH_LEN + 32];
};

static const char *hook_dir(const struct bs_inject_config *cfg)
{
	return cfg->hook_dir[0] ? cfg->hook_dir : BS_DEFAULT_HOOK_DIR;
}

static int copy_fd(int in, int out)
{
	char buf[65536];

	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		int err;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		err = bs_write_all(out, buf, (size_t)n);
		if (err)
			return err;
	}
}

/* Copy src to a temp file in dir, then rename it over BS_HOOK_NAME, so a
 * runtime never executes a half-written hook. */
static int install_hook(const char *src, const char *dir, char *dst, size_t cap)
{
	char tmp[BS_PATH_LEN + 32];
	int in, out, err;

	if ((size_t)snprintf(dst, cap, "%s/%s", dir, BS_HOOK_NAME) >= cap ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir,
			     BS_HOOK_NAME) >= sizeof(tmp))
		return -ENAMETOOLONG;
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	out = mkostemp(tmp, O_CLOEXEC);
	if (out < 0) {
		err = -errno;
		close(in);
		return err;
	}
	err = copy_fd(in, out);
	if (!err && fchmod(out, 0755))
		err = -errno;
	if (!err && fsync(out))
		err = -errno;
	close(in);
	close(out);
	if (!err && rename(tmp, dst))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

static int ocihook_init(struct bs_inject_ctx *ctx)
{
	const char *dir = hook_dir(ctx->cfg);
	struct ocihook_priv *p;
	struct statvfs vfs;
	int err;

	if (!ctx->cfg->hook_src[0]) {
		bs_err("ocihook: no hook binary to install (hook_src is "
		       "empty)");
		return -EINVAL;
	}
	err = bs_mkdir_p(dir, 0755);
	if (!err && statvfs(dir, &vfs))
		err = -errno;
	if (err) {
		bs_err("ocihook: hook dir %s: %s", dir, strerror(-err));
		return err;
	}
	if (vfs.f_flag & ST_NOEXEC) {
		bs_err("ocihook: hook dir %s is on a noexec mount; the runtime "
		       "could not run the hook (pick --hook-dir on an exec "
		       "mount)",
		       dir);
		return -EACCES;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	err = install_hook(ctx->cfg->hook_src, dir, p->hook_path,
			   sizeof(p->hook_path));
	if (err) {
		bs_err("ocihook: installing %s into %s: %s", ctx->cfg->hook_src,
		       dir, strerror(-err));
		free(p);
		return err;
	}
	ctx->priv = p;
	return 0;
}

static int add_hook(struct bs_inject_ctx *ctx, struct bs_adjust *adj,
		    const struct bs_token *t, const char *content_path)
{
	const struct ocihook_priv *p = ctx->priv;
	const char *args[] = { BS_HOOK_NAME,	 "--path",     t->path,
			       "--content-file", content_path, NULL };

	return bs_adjust_add_hook(adj, BS_HOOK_CREATE_CONTAINER, p->hook_path,
				  args, NULL, HOOK_TIMEOUT_S);
}

static int plant(struct bs_inject_ctx *ctx, const struct bs_pod *pod,
		 const struct bs_container *ctr, struct bs_adjust *adj, int dfd,
		 const struct bs_inject_plan *plan, struct bs_token *t)
{
	char content_path[BS_PATH_LEN];
	int err;

	if (!ctx->priv)
		return -ENOTCONN; /* no hook installed */
	for (unsigned int i = 0; i < plan->n; i++) {
		err = bs_token_prepare(t, pod, ctr, &plan->items[i]);
		if (!err)
			err = bs_state_token_path(ctx->cfg, ctr->id, i,
						  content_path,
						  sizeof(content_path));
		if (!err)
			err = bs_state_write_token(dfd, i, t, NULL);
		if (!err)
			err = bs_token_store_add(ctx->store, t);
		if (!err)
			err = add_hook(ctx, adj, t, content_path);
		if (err)
			return err;
	}
	return 0;
}

/* Open the token as the container sees it, never following a symlink the
 * image may have planted, check it is ours (digest) and take its inode. */
static int stat_in_container(uint32_t pid, struct bs_token *t)
{
	uint8_t *buf, digest[BS_SHA256_LEN];
	char root[64];
	struct stat st;
	ssize_t n;
	int rfd, fd, err = 0;

	if (!pid)
		return -ESRCH;
	snprintf(root, sizeof(root), "/proc/%u/root", pid);
	rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0)
		return -errno;
	fd = bs_open_in_root(rfd, t->path, O_RDONLY | O_NONBLOCK, 0);
	close(rfd);
	if (fd < 0)
		return fd;
	buf = malloc(BS_CONTENT_MAX + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	if (fstat(fd, &st))
		err = -errno;
	else if (!S_ISREG(st.st_mode))
		err = -EINVAL;
	/* One read is enough: a regular file of <= 4 KiB. */
	n = err ? 0 : pread(fd, buf, BS_CONTENT_MAX + 1, 0);
	if (!err && n < 0)
		err = -errno;
	if (!err) {
		bs_sha256(buf, (size_t)n, digest);
		if (memcmp(digest, t->digest, sizeof(digest)))
			err = -EBADMSG; /* not the file our hook wrote */
	}
	free(buf);
	close(fd);
	if (err)
		return err;
	bs_token_set_inode(t, &st);
	n = snprintf(t->host_path, sizeof(t->host_path), "%s%s", root, t->path);
	if (n < 0 || (size_t)n >= sizeof(t->host_path))
		t->host_path[0] = '\0'; /* informational only */
	return 0;
}

static int ocihook_locate(struct bs_inject_ctx *ctx,
			  const struct bs_container *ctr)
{
	uint32_t ids[BS_MAX_PLAN];
	struct bs_token *t;
	size_t n;
	int err = 0;

	n = bs_token_store_list_container(ctx->store, ctr->id, ids,
					  BS_MAX_PLAN);
	if (n == 0)
		return 0;
	t = malloc(sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < n && i < BS_MAX_PLAN; i++) {
		int e;

		if (bs_token_store_get(ctx->store, ids[i], t) || t->have_inode)
			continue;
		e = stat_in_container(ctr->pid, t);
		if (!e)
			e = bs_token_store_update(ctx->store, t);
		if (e) {
			/* The container runs anyway; the token stays unarmed. */
			bs_warn("ocihook: token %s in container %s (pid %u) "
				"not found: %s",
				t->path, ctr->id, ctr->pid, strerror(-e));
			bs_token_store_remove(ctx->store, ids[i]);
			err = e;
		}
	}
	free(t);
	return err;
}

static int ocihook_relocate(struct bs_inject_ctx *ctx,
			    const struct bs_container *ctr, struct bs_token *t,
			    const struct stat *st)
{
	(void)ctx;
	(void)st;
	return stat_in_container(ctr->pid, t);
}

static void ocihook_fini(struct bs_inject_ctx *ctx)
{
	free(ctx->priv);
}

const struct bs_inject_ops bs_inject_ocihook_ops = {
	.name = "ocihook",
	.init = ocihook_init,
	.plant = plant,
	.locate = ocihook_locate,
	.relocate = ocihook_relocate,
	.fini = ocihook_fini,
};
