// SPDX-License-Identifier: Apache-2.0
/*
 * beesting-hook: OCI createContainer hook that writes honeytokens into the
 * container's filesystem.
 *
 *   beesting-hook --path /in/container --content-file /host/file [...]
 *
 * The runtime runs createContainer hooks inside the container's mount
 * namespace after its mounts are set up and before pivot_root (runc: in
 * prepareRootfs), with the state JSON on stdin.  The state's pid is then
 * the pid in the container's pid namespace (1), useless from here, so the
 * root is found from the bundle: <bundle>/config.json root.path, falling
 * back to the cwd runc gives hooks (the rootfs).  Every component is opened
 * with openat2(RESOLVE_NO_SYMLINKS) so links planted by the image are never
 * followed.  The file is a plain file of the container's root (mode
 * 0444): no mount of its own, so the container's mount table shows
 * nothing a pod without a token would not have.  A root workload can
 * therefore rename, overwrite or delete it (docs/strategies.md: ocihook).
 *
 * Fail-open: every error is logged to stderr and the hook still exits 0, a
 * token must never keep a container from starting.
 *
 * runc runs the hook from the node's filesystem, so it is linked fully
 * static and uses nothing but the kernel: no libc shared objects, no
 * libjansson (agent/hook_json.c reads the two fields it needs), no NSS.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/hook_json.h"
#include "lib/fs.h"
#include "lib/limits.h"

#define STATE_MAX     ((size_t)64 * 1024)
#define CONFIG_MAX    ((size_t)4 * 1024 * 1024)
#define HOOK_PATH_MAX 4096

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	fputs("beesting-hook: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Read all of fd, at most max bytes; NUL-terminated, NULL with errno set
 * on error (EFBIG when there is more than max). */
static char *slurp(int fd, size_t max, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	int e = ENOMEM;

	while (buf) {
		ssize_t r;

		if (n == cap) {
			char *nb;

			e = EFBIG;
			if (cap >= max)
				goto fail;
			cap = cap * 2 > max ? max : cap * 2;
			e = ENOMEM;
			nb = realloc(buf, cap + 1);
			if (!nb)
				goto fail;
			buf = nb;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			e = errno;
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (buf) {
		buf[n] = '\0';
		if (len)
			*len = n;
	}
	return buf;
fail:
	free(buf);
	errno = e;
	return NULL;
}

/* The string at keys in the JSON document read from fd; what names the
 * document and field in messages.  0 or -errno, the reason said. */
static int json_field(int fd, size_t max, const char *what,
		      const char *const *keys, size_t nkeys, const char *field,
		      char *out, size_t outsz)
{
	struct bs_hj_error je;
	size_t len = 0;
	char *doc = slurp(fd, max, &len);
	int err;

	if (!doc) {
		err = -errno;
		say("%s: cannot read it: %s", what, strerror(-err));
		return err;
	}
	err = bs_hj_get_string(doc, len, keys, nkeys, out, outsz, &je);
	if (err == -EINVAL)
		say("%s: not valid JSON: %s at byte %zu", what, je.why, je.off);
	else if (err == -ENOENT)
		say("%s: no string \"%s\" in it", what, field);
	else if (err)
		say("%s: \"%s\" is too long", what, field);
	free(doc);
	return err;
}

/* <bundle>/config.json's root.path, relative to the bundle unless
 * absolute, opened as a directory; -errno with the reason said. */
static int open_bundle_root(const char *bundle)
{
	static const char *const k_root[] = { "root", "path" };
	char path[HOOK_PATH_MAX], rpath[HOOK_PATH_MAX] = "";
	int cfd, fd, n, err;

	n = snprintf(path, sizeof(path), "%s/config.json", bundle);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		say("bundle path too long");
		return -ENAMETOOLONG;
	}
	cfd = open(path, O_RDONLY | O_CLOEXEC);
	if (cfd < 0) {
		err = -errno;
		say("%s: %s", path, strerror(-err));
		return err;
	}
	err = json_field(cfd, CONFIG_MAX, path, k_root, 2, "root.path", rpath,
			 sizeof(rpath));
	close(cfd);
	if (err)
		return err;
	if (rpath[0] == '/')
		n = snprintf(path, sizeof(path), "%s", rpath);
	else
		n = snprintf(path, sizeof(path), "%s/%s", bundle, rpath);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		say("root path too long");
		return -ENAMETOOLONG;
	}
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		say("%s: %s", path, strerror(-err));
		return err;
	}
	return fd;
}

/* Root directory of the container as seen from the hook. */
static int open_root(void)
{
	static const char *const k_bundle[] = { "bundle" };
	char bundle[HOOK_PATH_MAX];
	int fd = -1;

	if (!json_field(STDIN_FILENO, STATE_MAX, "state on stdin", k_bundle, 1,
			"bundle", bundle, sizeof(bundle)))
		fd = open_bundle_root(bundle);
	if (fd < 0) {
		say("root not found from the state's bundle, using the cwd");
		fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	return fd;
}

/* Walk to the parent of path below rootfd, creating directories (0755) as
 * needed, one component at a time without following symlinks.  *leaf
 * points at the last component of path. */
static int open_parent(int rootfd, const char *path, const char **leaf)
{
	char comp[256];
	const char *p = path;
	int cur = dup(rootfd);

	/* rootfd is ours and open: dup() fails only for lack of fds */
	if (cur < 0)
		return -EMFILE;
	for (;;) {
		const char *c = p + 1;
		size_t n = strcspn(c, "/");
		int next;

		if (c[n] == '\0') {
			*leaf = c;
			return cur;
		}
		if (n >= sizeof(comp)) {
			close(cur);
			return -ENAMETOOLONG;
		}
		memcpy(comp, c, n);
		comp[n] = '\0';
		next = bs_open_in_root(cur, comp, O_PATH | O_DIRECTORY, 0);
		if (next == -ENOENT) {
			if (mkdirat(cur, comp, 0755) && errno != EEXIST) {
				next = -errno;
			} else {
				next = bs_open_in_root(cur, comp,
						       O_PATH | O_DIRECTORY, 0);
			}
		}
		close(cur);
		if (next < 0)
			return next;
		cur = next;
		p = c + n;
	}
}

static int plant(int rootfd, const char *path, const char *content_file)
{
	const char *leaf = NULL;
	char *content;
	size_t len = 0;
	int cfd, dfd, fd, err;

	if (!bs_path_normalized(path) || strlen(path) >= BS_PATH_LEN)
		return -EINVAL;
	cfd = open(content_file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (cfd < 0)
		return -errno;
	content = slurp(cfd, BS_CONTENT_MAX, &len);
	close(cfd);
	if (!content)
		return -EFBIG;
	dfd = open_parent(rootfd, path, &leaf);
	if (dfd < 0) {
		free(content);
		return dfd;
	}
	fd = bs_open_in_root(dfd, leaf, O_WRONLY | O_CREAT | O_EXCL, 0444);
	if (fd < 0) {
		err = fd;
		goto out;
	}
	err = bs_write_all(fd, content, len);
	/* no fsync: the container reads it through the page cache */
	if (!err && fchmod(fd, 0444))
		err = -errno;
	close(fd);
	if (err)
		unlinkat(dfd, leaf, 0);
out:
	close(dfd);
	free(content);
	return err;
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	int rootfd, i;

	rootfd = open_root();
	if (rootfd < 0) {
		say("cannot open the container root: %s", strerror(errno));
		return 0;
	}
	if (argc < 3)
		say("no --path PATH --content-file FILE given: nothing to "
		    "plant");
	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--path")) {
			if (path)
				say("%s: no --content-file for it, token not "
				    "planted",
				    path);
			path = argv[i + 1];
		} else if (!strcmp(argv[i], "--content-file") && path) {
			int err = plant(rootfd, path, argv[i + 1]);

			if (err)
				say("%s: token not planted: %s", path,
				    strerror(-err));
			path = NULL;
		} else {
			say("ignoring argument %s", argv[i]);
		}
	}
	if (i < argc)
		say("ignoring argument %s", argv[i]);
	if (path)
		say("%s: no --content-file for it, token not planted", path);
	close(rootfd);
	return 0;
}
