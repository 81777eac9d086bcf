// SPDX-License-Identifier: Apache-2.0
/*
 * Images for the private containerd (harness/runtime/containerd.h): a one-layer
 * OCI archive made here from busybox-static (no registry is reachable),
 * with whatever files the caller adds (the harness: its attack tool),
 * imported with ctr.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "strategies/sha256.h"
#include "harness/runtime/containerd.h"
#include "harness/runtime/crio.h"

#define MT_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_CONFIG   "application/vnd.oci.image.config.v1+json"
#define MT_LAYER    "application/vnd.oci.image.layer.v1.tar"

static const char *const applets[] = { "sh",   "sleep", "cat",	"ls",
				       "test", "echo",	"true", "dd" };

struct blob {
	char digest[80]; /* sha256:<hex> */
	long size;
};

static void nap_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
	int in = open(from, O_RDONLY | O_CLOEXEC), out, err = 0;
	char buf[65536];
	ssize_t n;

	if (in < 0)
		return -errno;
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (out < 0) {
		err = -errno;
		close(in);
		return err;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			err = -EIO;
			break;
		}
	if (n < 0)
		err = -errno;
	close(in);
	close(out);
	return err;
}

static int hash_file(const char *path, struct blob *b)
{
	uint8_t d[BS_SHA256_LEN];
	char hex[2 * BS_SHA256_LEN + 1], buf[65536];
	struct bs_sha256 h;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	bs_sha256_init(&h);
	b->size = 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		bs_sha256_update(&h, buf, (size_t)n);
		b->size += n;
	}
	close(fd);
	if (n < 0)
		return -EIO;
	bs_sha256_final(&h, d);
	bs_sha256_hex(d, hex);
	snprintf(b->digest, sizeof(b->digest), "sha256:%s", hex);
	return 0;
}

/* Store a JSON document as a blob of the layout; b gets its digest. */
static int put_json(const char *layout, json_t *doc, struct blob *b)
{
	char *s = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	uint8_t d[BS_SHA256_LEN];
	char hex[2 * BS_SHA256_LEN + 1], path[CTRD_PATH];
	FILE *f;
	int err = 0;

	json_decref(doc);
	if (!s)
		return -ENOMEM;
	bs_sha256(s, strlen(s), d);
	bs_sha256_hex(d, hex);
	snprintf(b->digest, sizeof(b->digest), "sha256:%s", hex);
	b->size = (long)strlen(s);
	snprintf(path, sizeof(path), "%s/blobs/sha256/%s", layout, hex);
	f = fopen(path, "we");
	if (!f || fputs(s, f) < 0)
		err = -EIO;
	if (f && fclose(f))
		err = -EIO;
	free(s);
	return err;
}

/* tar -C dir -cf archive members...; members end with NULL. */
static int tar_dir(const char *dir, const char *archive, const char *m1,
		   const char *m2, const char *m3)
{
	char out[2048];
	char *argv[] = {
		"tar",	    "--numeric-owner", "--owner=0", "--group=0",
		"-C",	    (char *)dir,       "-cf",	    (char *)archive,
		(char *)m1, (char *)m2,	       (char *)m3,  NULL
	};
	int r = ctrd_run(argv, out, sizeof(out), 60000);

	if (r)
		fprintf(stderr, "tar -C %s: exit %d: %s\n", dir, r, out);
	return r ? -EIO : 0;
}

static int write_text(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	size_t len = strlen(text);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len)
		err = -EIO;
	close(fd);
	return err;
}

/* rootfs + dst into path (dst absolute, no ".."), its parents made. */
static int image_path(const char *rootfs, const char *dst, char *path,
		      size_t len)
{
	size_t base = strlen(rootfs);
	int n;

	if (dst[0] != '/' || strstr(dst, ".."))
		return -EINVAL;
	n = snprintf(path, len, "%s%s", rootfs, dst);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	for (char *p = path + base + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

static int add_file(const char *rootfs, const struct ctrd_file *f)
{
	char path[CTRD_PATH * 2];
	int err = image_path(rootfs, f->dst, path, sizeof(path));

	if (err)
		return err;
	err = f->src ? copy_file(f->src, path, (mode_t)f->mode)
		     : write_text(path, f->text ? f->text : "",
				  (mode_t)f->mode);
	/* the mode asked for, not the one our umask left */
	if (!err && chmod(path, (mode_t)f->mode))
		err = -errno;
	return err;
}

/* /bin/busybox and its applets, /tmp (the attack tool makes its links
 * there) and the extra files. */
static int fill_rootfs(const char *rootfs, const struct ctrd_file *extra,
		       size_t n)
{
	char bin[CTRD_PATH + 16], tmp[CTRD_PATH + 16], link[CTRD_PATH + 160];
	int err;

	snprintf(bin, sizeof(bin), "%s/bin", rootfs);
	snprintf(tmp, sizeof(tmp), "%s/tmp", rootfs);
	if ((mkdir(rootfs, 0755) && errno != EEXIST) ||
	    (mkdir(bin, 0755) && errno != EEXIST) ||
	    (mkdir(tmp, 01777) && errno != EEXIST) || chmod(tmp, 01777))
		return -errno;
	snprintf(link, sizeof(link), "%s/busybox", bin);
	/* busybox-static: the image has no libc to link against */
	err = copy_file("/bin/busybox", link, 0755);
	if (err)
		return err;
	for (size_t i = 0; i < sizeof(applets) / sizeof(applets[0]); i++) {
		snprintf(link, sizeof(link), "%s/%s", bin, applets[i]);
		if (symlink("busybox", link) && errno != EEXIST)
			return -errno;
	}
	for (size_t i = 0; i < n; i++) {
		err = add_file(rootfs, &extra[i]);
		if (err) {
			fprintf(stderr, "image file %s: %s\n", extra[i].dst,
				strerror(-err));
			return err;
		}
	}
	return 0;
}

/* The rootfs as one uncompressed layer. */
static int make_layer(const char *img, const char *layout,
		      const struct ctrd_file *extra, size_t n, struct blob *b)
{
	char rootfs[CTRD_PATH + 8], tarball[CTRD_PATH + 16],
		blob[CTRD_PATH + 160];
	int err;

	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", img);
	err = fill_rootfs(rootfs, extra, n);
	if (err)
		return err;
	snprintf(tarball, sizeof(tarball), "%s/layer.tar", img);
	err = tar_dir(rootfs, tarball, ".", NULL, NULL);
	if (err)
		return err;
	err = hash_file(tarball, b);
	if (err)
		return err;
	snprintf(blob, sizeof(blob), "%s/blobs/sha256/%s", layout,
		 b->digest + 7);
	return rename(tarball, blob) ? -errno : 0;
}

static const char *oci_arch(void)
{
	static struct utsname u;

	if (uname(&u))
		return "amd64";
	if (!strcmp(u.machine, "x86_64"))
		return "amd64";
	if (!strcmp(u.machine, "aarch64"))
		return "arm64";
	return u.machine;
}

static json_t *descriptor(const char *mt, const struct blob *b)
{
	return json_pack("{s:s,s:s,s:I}", "mediaType", mt, "digest", b->digest,
			 "size", (json_int_t)b->size);
}

/* Config + manifest for one image over the layer; index entry back. */
static json_t *image(const char *layout, const struct blob *layer,
		     const char *name, json_t *entrypoint, json_t *cmd)
{
	struct blob cfg, man;
	json_t *conf, *doc;

	conf = json_pack("{s:[s],s:o,s:o,s:s}", "Env", "PATH=/bin",
			 "Entrypoint", entrypoint, "Cmd", cmd, "WorkingDir",
			 "/");
	doc = json_pack("{s:s,s:s,s:o,s:{s:s,s:[s]}}", "architecture",
			oci_arch(), "os", "linux", "config", conf, "rootfs",
			"type", "layers", "diff_ids", layer->digest);
	if (!doc || put_json(layout, doc, &cfg))
		return NULL;
	doc = json_pack("{s:i,s:s,s:o,s:[o]}", "schemaVersion", 2, "mediaType",
			MT_MANIFEST, "config", descriptor(MT_CONFIG, &cfg),
			"layers", descriptor(MT_LAYER, layer));
	if (!doc || put_json(layout, doc, &man))
		return NULL;
	doc = descriptor(MT_MANIFEST, &man);
	json_object_set_new(doc, "platform",
			    json_pack("{s:s,s:s}", "architecture", oci_arch(),
				      "os", "linux"));
	json_object_set_new(doc, "annotations",
			    json_pack("{s:s,s:s}", "io.containerd.image.name",
				      name, "org.opencontainers.image.ref.name",
				      name));
	return doc;
}

/* The OCI layout dir img/layout with both images; for containerd also
 * the tar of it (archive), which ctr imports. */
static int make_images(const struct ctrd *c, const struct ctrd_file *extra,
		       size_t n, char *layout, char *archive, size_t len)
{
	char img[96], blobs[CTRD_PATH + 16], path[CTRD_PATH + 16];
	json_t *victim, *pause, *index;
	struct blob layer;
	int err;

	snprintf(img, sizeof(img), "%s/img", c->dir);
	snprintf(layout, len, "%s/layout", img);
	snprintf(blobs, sizeof(blobs), "%s/blobs", layout);
	if (mkdir(img, 0755) || mkdir(layout, 0755) || mkdir(blobs, 0755))
		return -errno;
	strcat(blobs, "/sha256");
	if (mkdir(blobs, 0755))
		return -errno;
	err = make_layer(img, layout, extra, n, &layer);
	if (err)
		return err;
	victim = image(layout, &layer, CTRD_IMAGE, json_pack("[]"),
		       json_pack("[s]", "sh"));
	/* the sandbox's one process: sleeps until CRI kills it */
	pause = image(layout, &layer, CTRD_PAUSE,
		      json_pack("[s,s]", "/bin/sleep", "2147483647"),
		      json_pack("[]"));
	if (!victim || !pause)
		return -EIO;
	index = json_pack("{s:i,s:[o,o]}", "schemaVersion", 2, "manifests",
			  victim, pause);
	snprintf(path, sizeof(path), "%s/index.json", layout);
	err = json_dump_file(index, path, JSON_COMPACT) ? -EIO : 0;
	json_decref(index);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/oci-layout", layout);
	index = json_pack("{s:s}", "imageLayoutVersion", "1.0.0");
	err = json_dump_file(index, path, JSON_COMPACT) ? -EIO : 0;
	json_decref(index);
	if (err)
		return err;
	if (c->kind == CTRD_KIND_CRIO)
		return 0;
	snprintf(archive, len, "%s/image.tar", img);
	return tar_dir(layout, archive, "oci-layout", "index.json", "blobs");
}

/* Into the runtime's own store: ctr imports the tar, skopeo copies each
 * image of the layout into CRI-O's containers/storage. */
static int load_images(struct ctrd *c, const char *layout, const char *archive)
{
	char out[8192];
	int r;

	if (c->kind == CTRD_KIND_CRIO) {
		r = crio_copy_image(c, layout, CTRD_PAUSE);
		return r ? r : crio_copy_image(c, layout, CTRD_IMAGE);
	}
	r = ctrd_ctr(c, out, sizeof(out), "images", "import", archive,
		     (char *)NULL);
	if (r) {
		fprintf(stderr, "ctr images import: exit %d: %s\n", r, out);
		return -EIO;
	}
	return 0;
}

int ctrd_import_images(struct ctrd *c, const struct ctrd_file *extra, size_t n)
{
	char archive[CTRD_PATH], layout[CTRD_PATH], out[8192];

	_Static_assert(sizeof(c->dir) <= 64, "paths below are sized for it");
	int err = make_images(c, extra, n, layout, archive, sizeof(archive));

	if (!err)
		err = load_images(c, layout, archive);
	if (err)
		return err;
	/* CRI learns of images through events: wait until it sees both */
	for (int i = 0; i < 100; i++) {
		if (!ctrd_crictl(c, out, sizeof(out), "inspecti", CTRD_PAUSE,
				 (char *)NULL) &&
		    !ctrd_crictl(c, out, sizeof(out), "inspecti", CTRD_IMAGE,
				 (char *)NULL))
			return 0;
		nap_ms(100);
	}
	fprintf(stderr, "CRI does not see the imported images: %s\n", out);
	return -ETIMEDOUT;
}
