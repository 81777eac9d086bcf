// SPDX-License-Identifier: Apache-2.0
/*
 * Images and pods for the private containerd (containerd_env.h): a
 * one-layer OCI archive made here from busybox-static (no registry is
 * reachable), and pods created through CRI with crictl.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "strategies/sha256.h"
#include "tests/support/containerd_env.h"

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

/* rootfs/bin/{busybox,sh,sleep,...} as one uncompressed layer. */
static int make_layer(const char *img, const char *layout, struct blob *b)
{
	char rootfs[CTRD_PATH + 8], bin[CTRD_PATH + 16],
		tarball[CTRD_PATH + 16], link[CTRD_PATH + 160];
	int err;

	snprintf(rootfs, sizeof(rootfs), "%s/rootfs", img);
	snprintf(bin, sizeof(bin), "%s/bin", rootfs);
	if ((mkdir(rootfs, 0755) && errno != EEXIST) ||
	    (mkdir(bin, 0755) && errno != EEXIST))
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
	snprintf(tarball, sizeof(tarball), "%s/layer.tar", img);
	err = tar_dir(rootfs, tarball, ".", NULL, NULL);
	if (err)
		return err;
	err = hash_file(tarball, b);
	if (err)
		return err;
	snprintf(link, sizeof(link), "%s/blobs/sha256/%s", layout,
		 b->digest + 7);
	return rename(tarball, link) ? -errno : 0;
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
	json_object_set_new(
		doc, "annotations",
		json_pack("{s:s}", "io.containerd.image.name", name));
	return doc;
}

static int make_archive(const struct ctrd *c, char *archive, size_t len)
{
	char img[96], layout[128], blobs[160], path[192];
	json_t *victim, *pause, *index;
	struct blob layer;
	int err;

	snprintf(img, sizeof(img), "%s/img", c->dir);
	snprintf(layout, sizeof(layout), "%s/layout", img);
	snprintf(blobs, sizeof(blobs), "%s/blobs", layout);
	if (mkdir(img, 0755) || mkdir(layout, 0755) || mkdir(blobs, 0755))
		return -errno;
	strcat(blobs, "/sha256");
	if (mkdir(blobs, 0755))
		return -errno;
	err = make_layer(img, layout, &layer);
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
	snprintf(archive, len, "%s/image.tar", img);
	return tar_dir(layout, archive, "oci-layout", "index.json", "blobs");
}

int ctrd_import_images(struct ctrd *c)
{
	char archive[CTRD_PATH], out[8192];

	_Static_assert(sizeof(c->dir) <= 64, "paths below are sized for it");
	int err = make_archive(c, archive, sizeof(archive)), r;

	if (err)
		return err;
	r = ctrd_ctr(c, out, sizeof(out), "images", "import", archive, NULL);
	if (r) {
		fprintf(stderr, "ctr images import: exit %d: %s\n", r, out);
		return -EIO;
	}
	/* CRI learns of images through events: wait until it sees both */
	for (int i = 0; i < 100; i++) {
		if (!ctrd_crictl(c, out, sizeof(out), "inspecti", CTRD_PAUSE,
				 NULL) &&
		    !ctrd_crictl(c, out, sizeof(out), "inspecti", CTRD_IMAGE,
				 NULL))
			return 0;
		nap_ms(100);
	}
	fprintf(stderr, "CRI does not see the imported images: %s\n", out);
	return -ETIMEDOUT;
}

/* ---- pods through CRI ------------------------------------------------- */

/* crictl prints the new id as a line of hex, maybe after warnings. */
static int last_id(const char *out, char *id, size_t len)
{
	const char *p = out;

	id[0] = '\0';
	while (*p) {
		size_t n = strspn(p, "0123456789abcdef");

		if (n >= 12 && (p[n] == '\n' || !p[n]) && n < len)
			snprintf(id, len, "%.*s", (int)n, p);
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	return id[0] ? 0 : -EPROTO;
}

static int dump_to(const char *path, json_t *doc)
{
	int err = json_dump_file(doc, path, JSON_INDENT(1)) ? -EIO : 0;

	json_decref(doc);
	return err;
}

static int write_pod_files(const struct ctrd *c, const struct ctrd_pod *p,
			   char *pod_json, char *ctr_json, size_t len)
{
	static unsigned serial;
	char uid[96], logdir[CTRD_PATH + 96], cgparent[80];
	json_t *ann =
		p->annotations ? json_deep_copy(p->annotations) : json_object();
	json_t *pod, *ctr;

	snprintf(uid, sizeof(uid), "%s-%d-%u", p->name, (int)getpid(),
		 serial++);
	snprintf(logdir, sizeof(logdir), "%s/logs/%s", c->dir, uid);
	snprintf(cgparent, sizeof(cgparent), "/%s", c->cgparent);
	snprintf(pod_json, len, "%s/%s-pod.json", c->dir, uid);
	snprintf(ctr_json, len, "%s/%s-ctr.json", c->dir, uid);
	/* network 2 = NODE: the host network, so no CNI is needed (and no
	 * hostname: that needs a UTS namespace of its own) */
	pod = json_pack("{s:{s:s,s:s,s:s,s:i},s:s,s:o,s:{s:s,s:{s:{s:i}}}}",
			"metadata", "name", p->name, "namespace", p->ns, "uid",
			uid, "attempt", 0, "log_directory", logdir,
			"annotations", ann, "linux", "cgroup_parent", cgparent,
			"security_context", "namespace_options", "network", 2);
	ctr = json_pack("{s:{s:s},s:{s:s},s:[s,s],s:s,s:{}}", "metadata",
			"name", p->container, "image", "image", CTRD_IMAGE,
			"command", "sleep", "3600", "log_path", "app.log",
			"linux");
	if (!pod || !ctr) {
		json_decref(pod);
		json_decref(ctr);
		return -ENOMEM;
	}
	if (dump_to(pod_json, pod)) {
		json_decref(ctr);
		return -EIO;
	}
	return dump_to(ctr_json, ctr);
}

static int crictl_id(struct ctrd *c, struct ctrd_pod *p, char *id, size_t len,
		     const char *what, const char *a1, const char *a2,
		     const char *a3)
{
	char out[8192];
	int r = ctrd_crictl(c, out, sizeof(out), what, a1, a2, a3, NULL);

	if (r || (id && last_id(out, id, len))) {
		snprintf(p->err, sizeof(p->err), "crictl %s: exit %d: %.400s",
			 what, r, out);
		return r < 0 ? r : -EIO;
	}
	return 0;
}

int ctrd_run_pod(struct ctrd *c, struct ctrd_pod *p)
{
	char pod_json[CTRD_PATH + 128], ctr_json[CTRD_PATH + 128], st[64];
	int err;

	p->pod_id[0] = p->ctr_id[0] = p->err[0] = '\0';
	err = write_pod_files(c, p, pod_json, ctr_json, sizeof(pod_json));
	if (err) {
		snprintf(p->err, sizeof(p->err), "pod files: %s",
			 strerror(-err));
		return err;
	}
	err = crictl_id(c, p, p->pod_id, sizeof(p->pod_id), "runp", pod_json,
			NULL, NULL);
	if (!err)
		err = crictl_id(c, p, p->ctr_id, sizeof(p->ctr_id), "create",
				p->pod_id, ctr_json, pod_json);
	if (!err)
		err = crictl_id(c, p, NULL, 0, "start", p->ctr_id, NULL, NULL);
	if (err)
		return err;
	for (int i = 0; i < 100; i++) {
		if (!ctrd_ctr_state(c, p->ctr_id, st, sizeof(st)) &&
		    !strcmp(st, "CONTAINER_RUNNING"))
			return 0;
		nap_ms(100);
	}
	snprintf(p->err, sizeof(p->err), "container %.12s is %s, not running",
		 p->ctr_id, st);
	return -ETIMEDOUT;
}

static json_t *inspect(const struct ctrd *c, const char *id)
{
	static char out[1 << 17];
	char *brace;

	if (ctrd_crictl(c, out, sizeof(out), "inspect", "-o", "json", id, NULL))
		return NULL;
	/* warnings may come first: the document starts at the first '{' */
	brace = strchr(out, '{');
	return brace ? json_loads(brace, JSON_DISABLE_EOF_CHECK, NULL) : NULL;
}

int ctrd_ctr_state(const struct ctrd *c, const char *id, char *state,
		   size_t len)
{
	json_t *j = inspect(c, id);
	const char *s;

	snprintf(state, len, "unknown");
	if (!j)
		return -EIO;
	s = json_string_value(
		json_object_get(json_object_get(j, "status"), "state"));
	if (s)
		snprintf(state, len, "%s", s);
	json_decref(j);
	return s ? 0 : -EPROTO;
}

int ctrd_ctr_pid(const struct ctrd *c, const char *id)
{
	json_t *j = inspect(c, id);
	json_int_t pid;

	if (!j)
		return -EIO;
	pid = json_integer_value(
		json_object_get(json_object_get(j, "info"), "pid"));
	json_decref(j);
	return pid > 0 ? (int)pid : -EPROTO;
}
