// SPDX-License-Identifier: Apache-2.0
/* The injection state directory (see inject_state.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/fs.h"
#include "lib/log.h"
#include "strategies/inject_state.h"
#include "strategies/sha256.h"

#define META_MAX 2048

const char *bs_inject_state_dir(const struct bs_inject_config *cfg)
{
	return cfg && cfg->state_dir[0] ? cfg->state_dir : BS_DEFAULT_STATE_DIR;
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
		bs_warn("state dir %s unusable (%s): containers will %s", p,
			strerror(-err),
			cfg->fail_closed ? "be refused (fail-closed)"
					 : "start without tokens");
}

bool bs_ctr_listed(const struct bs_container *ctrs, size_t n, const char *id)
{
	for (size_t i = 0; ctrs && i < n; i++)
		if (ctrs[i].id && !strcmp(ctrs[i].id, id))
			return true;
	return false;
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

int bs_state_tokens_open(const struct bs_inject_config *cfg)
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
	return bs_state_tokens_open(cfg);
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
	snprintf(t->path, sizeof(t->path), "%s", path);
	snprintf(t->template_name, sizeof(t->template_name), "%s", tmpl);
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

void bs_state_unlink_token(int dirfd, unsigned int idx)
{
	char name[32];

	snprintf(name, sizeof(name), "%u", idx);
	unlinkat(dirfd, name, 0);
	snprintf(name, sizeof(name), "%u.meta", idx);
	unlinkat(dirfd, name, 0);
}

int bs_state_find_token(const struct bs_inject_config *cfg, const char *ctr_id,
			const struct stat *st, struct bs_token *t)
{
	char name[BS_PATH_LEN];

	/* The record's index is the file's name; find it by inode. */
	for (unsigned int idx = 0; idx < BS_MAX_PLAN; idx++) {
		struct stat cur;

		if (bs_state_token_path(cfg, ctr_id, idx, name, sizeof(name)))
			return -ENAMETOOLONG;
		if (!lstat(name, &cur) && cur.st_ino == st->st_ino &&
		    cur.st_dev == st->st_dev) {
			snprintf(t->host_path, sizeof(t->host_path), "%s",
				 name);
			bs_token_set_inode(t, st);
			return 0;
		}
	}
	return -ENOENT;
}

int bs_state_each_gone(int dirfd, const struct bs_container *ctrs, size_t n,
		       int (*gone)(void *arg, const char *id), void *arg)
{
	struct dirent *de;
	DIR *d;
	int err = 0;

	if (dirfd < 0)
		return dirfd;
	d = fdopendir(dirfd);
	if (!d) {
		err = -errno;
		close(dirfd);
		return err;
	}
	while ((de = readdir(d))) {
		int e;

		if (!bs_container_id_valid(de->d_name) ||
		    bs_ctr_listed(ctrs, n, de->d_name))
			continue;
		e = gone(arg, de->d_name);
		if (e)
			err = e;
	}
	closedir(d);
	return err;
}
