// SPDX-License-Identifier: Apache-2.0
/* The kubelet-built reference volume (kubelet_volume.h). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/runtime/kubelet_volume.h"
#include "harness/attack/token_shape.h"

#define FILE_MODE     0644 /* secret/projected defaultMode */
#define NAME_MAX_LINK 300

static int random_bytes(void *buf, size_t n)
{
	ssize_t r = getrandom(buf, n, 0);

	return r == (ssize_t)n ? 0 : -EIO;
}

static void uuid(char out[37])
{
	unsigned char b[16] = { 0 };

	random_bytes(b, sizeof(b));
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
		 b[10], b[11], b[12], b[13], b[14], b[15]);
}

static int b64_json(const char *json, char *out, size_t cap)
{
	return bs_b64url_encode(json, strlen(json), out, cap);
}

int bs_kvol_sa_token(const struct bs_kvol_pod *p, time_t iat, long ttl_s,
		     char *out, size_t cap)
{
	static const char iss[] =
		"https://kubernetes.default.svc.cluster.local";
	char hdr[160], pl[1536], kid_raw[32], kid[48], node_uid[37], sa_uid[37],
		jti[37];
	unsigned char sig[256];
	long long t = (long long)iat;
	int n, h, o;

	if (random_bytes(kid_raw, sizeof(kid_raw)) ||
	    random_bytes(sig, sizeof(sig)))
		return -EIO;
	bs_b64url_encode(kid_raw, sizeof(kid_raw), kid, sizeof(kid));
	uuid(node_uid);
	uuid(sa_uid);
	uuid(jti);
	snprintf(hdr, sizeof(hdr), "{\"alg\":\"RS256\",\"kid\":\"%s\"}", kid);
	n = snprintf(pl, sizeof(pl),
		     "{\"aud\":[\"%s\"],\"exp\":%lld,\"iat\":%lld,\"iss\":"
		     "\"%s\",\"jti\":\"%s\",\"kubernetes.io\":{\"namespace\":"
		     "\"%s\",\"node\":{\"name\":\"%s\",\"uid\":\"%s\"},\"pod\":"
		     "{\"name\":\"%s\",\"uid\":\"%s\"},\"serviceaccount\":{"
		     "\"name\":\"%s\",\"uid\":\"%s\"},\"warnafter\":%lld},"
		     "\"nbf\":%lld,\"sub\":\"system:serviceaccount:%s:%s\"}",
		     iss, t + ttl_s, t, iss, jti, p->ns, p->node_name, node_uid,
		     p->pod_name, p->pod_uid, p->sa_name, sa_uid,
		     t + ttl_s * 5 / 6, t, p->ns, p->sa_name);
	if (n < 0 || (size_t)n >= sizeof(pl))
		return -ENOSPC;
	h = b64_json(hdr, out, cap);
	if (h < 0 || (size_t)h + 2 >= cap)
		return -ENOSPC;
	out[h] = '.';
	o = b64_json(pl, out + h + 1, cap - (size_t)h - 1);
	if (o < 0 || (size_t)(h + o) + 2 >= cap)
		return -ENOSPC;
	out[h + 1 + o] = '.';
	n = bs_b64url_encode(sig, sizeof(sig), out + h + o + 2,
			     cap - (size_t)(h + o + 2));
	return n < 0 ? n : h + o + 2 + n;
}

/* A PEM block of the size of a cluster CA (content is not checked). */
static int fake_ca(char *out, size_t cap)
{
	unsigned char der[800];
	char b64[1100];
	size_t o = 0;
	int n;

	if (random_bytes(der, sizeof(der)))
		return -EIO;
	n = bs_b64url_encode(der, sizeof(der), b64, sizeof(b64));
	if (n < 0)
		return n;
	o += (size_t)snprintf(out, cap, "-----BEGIN CERTIFICATE-----\n");
	for (int i = 0; i < n && o + 70 < cap; i += 64)
		o += (size_t)snprintf(out + o, cap - o, "%.64s\n", b64 + i);
	if (o + 30 >= cap)
		return -ENOSPC;
	o += (size_t)snprintf(out + o, cap - o, "-----END CERTIFICATE-----\n");
	return (int)o;
}

static int write_at(int dfd, const char *name, const char *text, size_t len)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			FILE_MODE);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != (ssize_t)len)
		err = -EIO;
	/* the kubelet chmods after writing: the mode whatever the umask */
	if (!err && fchmod(fd, FILE_MODE))
		err = -errno;
	close(fd);
	return err;
}

/* os.MkdirTemp(target, "..2006_01_02_15_04_05."): the random decimal
 * suffix, made 0700 and then chmod 0755. */
static int stamp_dir(const char *dir, char *name, size_t cap)
{
	char path[4096 + 64], stamp[32];
	unsigned int r = 0;
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "..%Y_%m_%d_%H_%M_%S.", &tm);
	if (random_bytes(&r, sizeof(r)))
		return -EIO;
	snprintf(name, cap, "%s%u", stamp, r);
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	if (mkdir(path, 0700) || chmod(path, 0755))
		return -errno;
	return 0;
}

static int write_payload(const char *dir, const struct bs_kvol_file *f,
			 size_t n)
{
	char stamp[64], path[4096 + 64], link[NAME_MAX_LINK];
	int err, dfd;

	err = stamp_dir(dir, stamp, sizeof(stamp));
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/%s", dir, stamp);
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	for (size_t i = 0; i < n && !err; i++)
		err = write_at(dfd, f[i].name, f[i].data, f[i].len);
	close(dfd);
	if (err)
		return err;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	for (size_t i = 0; i < n && !err; i++) {
		if (snprintf(link, sizeof(link), "..data/%s", f[i].name) >=
		    (int)sizeof(link))
			err = -ENAMETOOLONG;
		else if (symlinkat(link, dfd, f[i].name))
			err = -errno;
	}
	/* ..data_tmp -> stamp, renamed over ..data: the atomic switch */
	if (!err && (symlinkat(stamp, dfd, "..data_tmp") ||
		     renameat(dfd, "..data_tmp", dfd, "..data")))
		err = -errno;
	close(dfd);
	return err;
}

int bs_kvol_make_files(const char *dir, const struct bs_kvol_file *files,
		       size_t n)
{
	int err;

	/* emptyDir medium Memory: a tmpfs with the default options */
	if (mount("tmpfs", dir, "tmpfs", 0, NULL))
		return -errno;
	err = write_payload(dir, files, n);
	if (err)
		bs_kvol_remove(dir);
	return err;
}

int bs_kvol_make(const char *dir, const struct bs_kvol_pod *pod)
{
	static char ca[1400], token[2600];
	struct bs_kvol_file f[3] = {
		{ "ca.crt", ca, 0 },
		{ "namespace", pod->ns, strlen(pod->ns) },
		{ "token", token, 0 },
	};
	int n;

	n = fake_ca(ca, sizeof(ca));
	if (n < 0)
		return n;
	f[0].len = (size_t)n;
	n = bs_kvol_sa_token(pod, time(NULL), 3607, token, sizeof(token));
	if (n < 0)
		return n;
	f[2].len = (size_t)n;
	return bs_kvol_make_files(dir, f, 3);
}

int bs_kvol_remove(const char *dir)
{
	if (umount2(dir, MNT_DETACH) == 0)
		return 0;
	return errno == EINVAL || errno == ENOENT ? 0 : -errno;
}

int bs_kvol_oci_mount(const char *config, const char *vol, const char *dest,
		      const char *hostname)
{
	json_t *cfg = json_load_file(config, 0, NULL), *mounts, *m;
	int err = -EINVAL;

	if (!cfg)
		return -EIO;
	mounts = json_object_get(cfg, "mounts");
	m = json_pack("{s:s,s:s,s:s,s:[s,s,s]}", "destination", dest, "type",
		      "bind", "source", vol, "options", "rbind", "ro",
		      "rprivate");
	if (!json_is_array(mounts) || !m) {
		json_decref(m);
		goto out;
	}
	if (json_array_append_new(mounts, m) ||
	    (hostname &&
	     json_object_set_new(cfg, "hostname", json_string(hostname))))
		goto out;
	err = json_dump_file(cfg, config, JSON_INDENT(1)) ? -EIO : 0;
out:
	json_decref(cfg);
	return err;
}
