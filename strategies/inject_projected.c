// SPDX-License-Identifier: Apache-2.0
/*
 * "projected": each token directory of a container is a tmpfs of its own,
 * laid out as the kubelet's AtomicWriter lays out a projected volume
 * (<name> -> ..data/<name>, ..data -> ..<UTC timestamp>.<n>/, file 0644)
 * and bind-mounted read-only as a directory at the token's parent dir, as
 * the kubelet mounts a projected service-account volume.  Inside the
 * container its mountinfo line reads root "/", fstype tmpfs, source tmpfs,
 * super options as a kubelet tmpfs has them: nothing names the agent.
 *
 * The tmpfs is made detached and filled by the agent (host_mount.h), so
 * the armed inode (the real file in the timestamped dir) is known before
 * the container exists; it is then attached in the node's mount namespace
 * at <state>/projected/<container-id>/<g> (only the node sees that path),
 * the bind source runc resolves.
 *
 * A directory is only covered where the kubelet itself mounts projected
 * volumes, below /var/run/secrets/ or /run/secrets/, and only when no
 * mount of the container's spec sits at, below or above it; otherwise (or
 * when the node's mount namespace cannot be entered) the token gets bind's
 * file mount, logged once per reason and counted (n_fallback).
 *
 * The content is also written to the state dir, as bind does: resync
 * rebuilds records from it and finds each token's inode in its tmpfs
 * (through /proc/1/root), or removes the tmpfs of containers that are gone.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fs.h"
#include "lib/log.h"
#include "strategies/atomic_dir.h"
#include "strategies/host_mount.h"
#include "strategies/inject.h"
#include "strategies/sa_volume.h"
#include "strategies/sha256.h"
#include "strategies/tmpfs_pool.h"

#define MNT_DIR "projected"
/* tmpfs made ahead: a burst of creates takes them, the thread refills */
#define POOL_DEPTH 4

enum fb_reason {
	FB_OUTSIDE, /* not below a secrets tree: would hide image files */
	FB_SPEC,    /* a spec mount at, below or above the directory */
	FB_NAME,    /* a name the layout reserves (..*) */
	FB_HOSTNS,  /* the node's mount namespace cannot be entered */
	FB_MOUNT,   /* making or attaching the tmpfs failed */
	FB_N,
};

static const char *const fb_why[FB_N] = {
	[FB_OUTSIDE] = "is not below /var/run/secrets/ or /run/secrets/ (a "
		       "directory mount there could hide the image's files)",
	[FB_SPEC] = "has a mount of the container's spec at, below or above it",
	[FB_NAME] = "has a name the kubelet layout reserves (..*)",
	[FB_HOSTNS] = "cannot be mounted: the node's mount namespace cannot "
		      "be entered",
	[FB_MOUNT] = "cannot be mounted: making or attaching its tmpfs failed",
};

struct proj_priv {
	struct bs_mounter *mnt;	    /* node mount ns, NULL: all fall back */
	pid_t ns_pid;		    /* a process in it, for /proc/<pid>/root */
	int dirfd;		    /* <state>/projected, -1: by path */
	char size[32];		    /* tmpfs size option, "" = kernel default */
	struct bs_tmpfs_pool *pool; /* made ahead */
	bool warned[FB_N];
};

/* One token directory: the plan items that live in it. */
struct group {
	char dir[BS_PATH_LEN];
	unsigned int items[BS_MAX_PLAN];
	size_t n;
};

/* A kubelet tmpfs is sized to the pod's memory limit, else the node's
 * allocatable memory: the node's MemTotal shows the same on the mountinfo
 * line (a small fixed size would be a tell).  It bounds nothing that
 * matters here: only the agent writes it (<= 4 KiB a token), the container
 * sees it read-only. */
static void size_option(char *out, size_t cap)
{
	unsigned long long kib = 0;
	char line[128];
	FILE *f = fopen("/proc/meminfo", "re");

	out[0] = '\0';
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %llu kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	if (kib)
		snprintf(out, cap, "%llu", kib * 1024);
}

static int projected_init(struct bs_inject_ctx *ctx)
{
	struct proj_priv *p = calloc(1, sizeof(*p));
	char dir[BS_PATH_LEN + 16];
	int err, nserr;

	if (!p)
		return -ENOMEM;
	snprintf(dir, sizeof(dir), "%s/" MNT_DIR,
		 bs_inject_state_dir(ctx->cfg));
	err = bs_mkdir_p(dir, 0700);
	if (err)
		bs_warn("projected: %s: %s", dir, strerror(-err));
	p->dirfd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	p->ns_pid = ctx->cfg->node_pid ? ctx->cfg->node_pid : BS_NODE_PID;
	nserr = bs_mounter_new(p->ns_pid, &p->mnt);
	if (nserr && !ctx->cfg->node_pid) {
		/* No hostPID view of the node: the agent runs beside the
		 * runtime (a node service, the harness). */
		bs_warn("projected: mount namespace of pid %d: %s: using the "
			"agent's own (right when it runs on the node, not in a "
			"pod)",
			BS_NODE_PID, strerror(-nserr));
		p->ns_pid = getpid();
		nserr = bs_mounter_new(p->ns_pid, &p->mnt);
	}
	if (nserr) {
		bs_warn("projected: mount namespace of pid %d: %s: every token "
			"gets a file bind mount",
			(int)p->ns_pid, strerror(-nserr));
		p->warned[FB_HOSTNS] = true;
	}
	size_option(p->size, sizeof(p->size));
	p->pool = bs_tmpfs_pool_new(p->size[0] ? p->size : NULL, POOL_DEPTH);
	ctx->priv = p;
	return 0;
}

static void fini(struct bs_inject_ctx *ctx)
{
	struct proj_priv *p = ctx->priv;

	if (p) {
		bs_mounter_free(p->mnt);
		bs_tmpfs_pool_free(p->pool);
		if (p->dirfd >= 0)
			close(p->dirfd);
	}
	free(p);
}

/* dir is path, or below it. */
static bool at_or_below(const char *dir, const char *path)
{
	size_t n = strlen(path);

	while (n > 1 && path[n - 1] == '/')
		n--;
	return !strncmp(dir, path, n) && (dir[n] == '\0' || dir[n] == '/');
}

static bool under_secrets(const char *dir)
{
	static const char *const roots[] = { "/var/run/secrets/",
					     "/run/secrets/" };

	for (size_t i = 0; i < 2; i++) {
		size_t n = strlen(roots[i]);

		if (!strncmp(dir, roots[i], n) && dir[n])
			return true;
	}
	return false;
}

/* Why the directory of path cannot be a projected tmpfs, or FB_N. */
static enum fb_reason check_dir(const struct proj_priv *p,
				const struct bs_container *ctr, const char *dir,
				const char *name)
{
	if (!bs_atomic_name_valid(name))
		return FB_NAME;
	if (!under_secrets(dir))
		return FB_OUTSIDE;
	for (size_t i = 0; ctr->mounts && i < ctr->n_mounts; i++) {
		const char *m = ctr->mounts[i].destination;

		if (m && m[0] == '/' && m[1] &&
		    (at_or_below(dir, m) || at_or_below(m, dir)))
			return FB_SPEC;
	}
	return !p->mnt ? FB_HOSTNS : FB_N;
}

static void note_fallback(struct bs_inject_ctx *ctx,
			  const struct bs_container *ctr, const char *path,
			  enum fb_reason r)
{
	struct proj_priv *p = ctx->priv;

	ctx->n_fallback++;
	if (p->warned[r]) {
		bs_debug("projected: token %s of container %s: file bind mount",
			 path, ctr->id);
		return;
	}
	p->warned[r] = true;
	bs_warn("projected: the directory of token %s (container %s) %s: it "
		"gets a file bind mount (counted in projected_fallback; said "
		"once)",
		path, ctr->id, fb_why[r]);
}

/* <state>/projected/<id>[/<g>] */
static int mnt_path(const struct bs_inject_config *cfg, const char *ctr_id,
		    int g, char *out, size_t cap)
{
	int n = g < 0 ? snprintf(out, cap, "%s/" MNT_DIR "/%s",
				 bs_inject_state_dir(cfg), ctr_id)
		      : snprintf(out, cap, "%s/" MNT_DIR "/%s/%d",
				 bs_inject_state_dir(cfg), ctr_id, g);

	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

static const char *base_name(const char *path)
{
	return strrchr(path, '/') + 1;
}

/* <state>/projected/<id>/<g> (host its path): two mkdirat()s where the
 * parent is open, not one mkdir per component. */
static int make_mnt_dir(const struct proj_priv *p, const char *ctr_id, int g,
			const char *host)
{
	char rel[BS_ID_LEN + 16];

	if (p->dirfd < 0)
		return bs_mkdir_p(host, 0700);
	snprintf(rel, sizeof(rel), "%s/%d", ctr_id, g);
	if ((mkdirat(p->dirfd, ctr_id, 0700) && errno != EEXIST) ||
	    (mkdirat(p->dirfd, rel, 0700) && errno != EEXIST))
		return -errno;
	return 0;
}

/* Make, fill and attach the tmpfs of group g (token dir dir of pod);
 * toks[k] are its prepared tokens, which get their inode and host path. */
static int attach_group(struct bs_inject_ctx *ctx, const struct bs_pod *pod,
			const char *dir, const char *ctr_id, int g,
			struct bs_token *toks, size_t n, char *host,
			size_t host_cap)
{
	struct proj_priv *p = ctx->priv;
	struct bs_atomic_file files[BS_MAX_PLAN + 2];
	char ts[BS_ATOMIC_TS_LEN];
	size_t n_files;
	int mfd, err;

	for (size_t k = 0; k < n; k++) {
		files[k].name = base_name(toks[k].path);
		files[k].content = toks[k].content;
		files[k].len = toks[k].content_len;
	}
	/* a service-account dir holds ca.crt and namespace too */
	n_files = bs_sa_volume_extra(dir, pod, files, n,
				     sizeof(files) / sizeof(files[0]));
	err = mnt_path(ctx->cfg, ctr_id, g, host, host_cap);
	if (!err)
		err = make_mnt_dir(p, ctr_id, g, host);
	if (err)
		return err;
	mfd = p->pool ? bs_tmpfs_pool_take(p->pool)
		      : bs_tmpfs_make(p->size[0] ? p->size : NULL);
	if (mfd < 0)
		return mfd;
	err = bs_atomic_write(mfd, files, n_files, ts, sizeof(ts));
	if (!err)
		err = bs_mounter_attach(p->mnt, mfd, host);
	/* attached or not, the fd's reference goes: a detached tmpfs dies */
	close(mfd);
	for (size_t k = 0; !err && k < n; k++) {
		bs_token_set_inode(&toks[k], &files[k].st);
		snprintf(toks[k].host_path, sizeof(toks[k].host_path),
			 "%.200s/%s/%.255s", host, ts, files[k].name);
	}
	if (err)
		rmdir(host);
	return err;
}

static int plant_group(struct bs_inject_ctx *ctx, const struct bs_pod *pod,
		       const struct bs_container *ctr, struct bs_adjust *adj,
		       int dfd, const struct bs_inject_plan *plan,
		       const struct group *gr, int g, struct bs_token *toks,
		       bool *fell_back)
{
	/* what containerd's CRI gives a read-only, non-propagating volume */
	static const char *const opts[] = { "rbind", "rprivate", "ro", NULL };
	char host[BS_PATH_LEN];
	int err = 0;

	*fell_back = false;
	for (size_t k = 0; k < gr->n && !err; k++) {
		err = bs_token_prepare(&toks[k], pod, ctr,
				       &plan->items[gr->items[k]]);
		if (!err)
			err = bs_state_write_token(dfd, gr->items[k], &toks[k],
						   NULL);
	}
	if (err)
		return err;
	err = attach_group(ctx, pod, gr->dir, ctr->id, g, toks, gr->n, host,
			   sizeof(host));
	if (err) {
		bs_debug("projected: tmpfs for %s: %s", gr->dir,
			 strerror(-err));
		*fell_back = true;
		return 0;
	}
	for (size_t k = 0; k < gr->n && !err; k++)
		err = bs_token_store_add(ctx->store, &toks[k]);
	if (!err)
		err = bs_adjust_add_mount(adj, gr->dir, "bind", host, opts);
	return err;
}

/* Sort the plan into token directories; fallback[i] set for items that
 * get a file mount. */
static size_t group_plan(struct bs_inject_ctx *ctx,
			 const struct bs_container *ctr,
			 const struct bs_inject_plan *plan, struct group *grs,
			 bool *fallback)
{
	size_t n_gr = 0;

	for (unsigned int i = 0; i < plan->n; i++) {
		const char *path = plan->items[i].path;
		const char *name = base_name(path);
		size_t dlen = (size_t)(name - 1 - path);
		char dir[BS_PATH_LEN];
		enum fb_reason r;
		size_t g;

		snprintf(dir, sizeof(dir), "%.*s", (int)dlen, path);
		r = check_dir(ctx->priv, ctr, dir, name);
		fallback[i] = r != FB_N;
		if (fallback[i]) {
			note_fallback(ctx, ctr, path, r);
			continue;
		}
		for (g = 0; g < n_gr && strcmp(grs[g].dir, dir); g++)
			;
		if (g == n_gr) {
			snprintf(grs[g].dir, sizeof(grs[g].dir), "%s", dir);
			grs[g].n = 0;
			n_gr++;
		}
		grs[g].items[grs[g].n++] = i;
	}
	return n_gr;
}

static int plant(struct bs_inject_ctx *ctx, const struct bs_pod *pod,
		 const struct bs_container *ctr, struct bs_adjust *adj, int dfd,
		 const struct bs_inject_plan *plan, struct bs_token *t)
{
	bool fallback[BS_MAX_PLAN] = { false };
	struct group *grs = NULL;
	struct bs_token *toks = NULL;
	size_t n_gr;
	int err = 0;

	if (!ctx->priv)
		return -ENOTCONN;
	grs = calloc(BS_MAX_PLAN, sizeof(*grs));
	toks = calloc(BS_MAX_PLAN, sizeof(*toks));
	if (!grs || !toks) {
		err = -ENOMEM;
		goto out;
	}
	n_gr = group_plan(ctx, ctr, plan, grs, fallback);
	for (size_t g = 0; g < n_gr && !err; g++) {
		bool fell;

		err = plant_group(ctx, pod, ctr, adj, dfd, plan, &grs[g],
				  (int)g, toks, &fell);
		for (size_t k = 0; fell && k < grs[g].n; k++) {
			fallback[grs[g].items[k]] = true;
			/* its state file was written: plant_file makes it anew */
			note_fallback(ctx, ctr, toks[k].path, FB_MOUNT);
		}
		for (size_t k = 0; fell && k < grs[g].n; k++)
			bs_state_unlink_token(dfd, grs[g].items[k]);
	}
	for (unsigned int i = 0; i < plan->n && !err; i++)
		if (fallback[i])
			err = bs_bind_plant_one(ctx, pod, ctr, adj, dfd, plan,
						i, t);
	/* on error the driver drops records and state, unplant the mounts */
out:
	free(grs);
	free(toks);
	return err;
}

/* Unmount and remove <state>/projected/<id>/ and its group dirs. */
static void detach_all(struct bs_inject_ctx *ctx, const char *ctr_id)
{
	struct proj_priv *p = ctx->priv;
	char dir[BS_PATH_LEN], host[BS_PATH_LEN + 16];
	struct dirent *de;
	DIR *d;

	if (!bs_container_id_valid(ctr_id) ||
	    mnt_path(ctx->cfg, ctr_id, -1, dir, sizeof(dir)))
		return;
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		int err;

		/* group dirs are small numbers */
		if (de->d_name[0] == '.' || strlen(de->d_name) > 8)
			continue;
		snprintf(host, sizeof(host), "%s/%.8s", dir, de->d_name);
		err = bs_mounter_detach(p->mnt, host);
		if (err && err != -EINVAL && err != -ENOENT)
			bs_warn("projected: unmount %s: %s", host,
				strerror(-err));
		if (rmdir(host) && errno != ENOENT)
			bs_warn("projected: rmdir %s: %s", host,
				strerror(errno));
	}
	closedir(d);
	rmdir(dir);
}

static void projected_unplant(struct bs_inject_ctx *ctx, const char *ctr_id)
{
	if (ctx->priv)
		detach_all(ctx, ctr_id);
}

/* The token's file in one of the container's tmpfs, if its content is
 * the record's: inode and host path into t.  0, -ENOENT when none has it. */
static int find_in_mounts(struct bs_inject_ctx *ctx, const char *ctr_id,
			  struct bs_token *t)
{
	uint8_t *buf = malloc(BS_CONTENT_MAX + 1);
	char host[BS_PATH_LEN], ts[BS_ATOMIC_TS_LEN];
	int err = -ENOENT;

	for (int g = 0; buf && g < BS_MAX_PLAN && err == -ENOENT; g++) {
		uint8_t digest[BS_SHA256_LEN];
		struct stat st;
		ssize_t n;
		int dfd, fd;

		if (mnt_path(ctx->cfg, ctr_id, g, host, sizeof(host)))
			break;
		dfd = bs_hostns_open_dir(
			((struct proj_priv *)ctx->priv)->ns_pid, host);
		if (dfd < 0)
			continue;
		fd = bs_atomic_open(dfd, base_name(t->path), ts, sizeof(ts));
		close(dfd);
		if (fd < 0)
			continue;
		n = pread(fd, buf, BS_CONTENT_MAX + 1, 0);
		if (n >= 0 && !fstat(fd, &st)) {
			bs_sha256(buf, (size_t)n, digest);
			if (!memcmp(digest, t->digest, sizeof(digest))) {
				bs_token_set_inode(t, &st);
				snprintf(t->host_path, sizeof(t->host_path),
					 "%.200s/%s/%.255s", host, ts,
					 base_name(t->path));
				err = 0;
			}
		}
		close(fd);
	}
	free(buf);
	return buf ? err : -ENOMEM;
}

static int projected_relocate(struct bs_inject_ctx *ctx,
			      const struct bs_container *ctr,
			      struct bs_token *t, const struct stat *st)
{
	if (!find_in_mounts(ctx, ctr->id, t))
		return 0;
	/* A fallback token: the state file is what is bind-mounted. */
	return bs_state_find_token(ctx->cfg, ctr->id, st, t);
}

static int detach_gone(void *arg, const char *id)
{
	detach_all(arg, id);
	return 0;
}

/* Unmount the tmpfs of containers that are gone. */
static void projected_prune(struct bs_inject_ctx *ctx,
			    const struct bs_container *ctrs, size_t n)
{
	char dir[BS_PATH_LEN + 16];

	if (!ctx->priv)
		return;
	snprintf(dir, sizeof(dir), "%s/" MNT_DIR,
		 bs_inject_state_dir(ctx->cfg));
	bs_state_each_gone(open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ctrs,
			   n, detach_gone, ctx);
}

const struct bs_inject_ops bs_inject_projected_ops = {
	.name = "projected",
	.init = projected_init,
	.plant = plant,
	.relocate = projected_relocate,
	.unplant = projected_unplant,
	.prune = projected_prune,
	.fini = fini,
};
