// SPDX-License-Identifier: Apache-2.0
/* Honeytoken content templates (see tokgen.h). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "strategies/token.h"
#include "strategies/tokgen.h"

int bs_random(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int bs_base64(const uint8_t *in, size_t len, int url, char *out, size_t cap)
{
	static const char std[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char web[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const char *a = url ? web : std;
	size_t o = 0;

	if ((len + 2) / 3 * 4 + 1 > cap)
		return -ENOSPC;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		size_t left = len - i;

		if (left > 1)
			v |= (uint32_t)in[i + 1] << 8;
		if (left > 2)
			v |= in[i + 2];
		out[o++] = a[(v >> 18) & 63];
		out[o++] = a[(v >> 12) & 63];
		if (left > 1)
			out[o++] = a[(v >> 6) & 63];
		else if (!url)
			out[o++] = '=';
		if (left > 2)
			out[o++] = a[v & 63];
		else if (!url)
			out[o++] = '=';
	}
	out[o] = '\0';
	return (int)o;
}

int bs_k8s_name_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > 253)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (!alnum && c != '-' && c != '.')
			return 0;
		if (!alnum && (i == 0 || i == n - 1))
			return 0;
	}
	return 1;
}

/* n random characters from alphabet (unbiased: rejection sampling). */
#define B64_CHARS \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

static int random_chars(const char *alphabet, char *out, size_t n)
{
	size_t k = strlen(alphabet);
	unsigned int limit = 256 - 256 % (unsigned int)k;
	uint8_t r[64];
	size_t got = 0;

	while (got < n) {
		int err = bs_random(r, sizeof(r));

		if (err)
			return err;
		for (size_t i = 0; i < sizeof(r) && got < n; i++)
			if (r[i] < limit)
				out[got++] = alphabet[r[i] % k];
	}
	out[n] = '\0';
	return 0;
}

/* Temporary credentials in the shared-credentials file format: the
 * session token makes the file long enough for every readscan window
 * (real ones are longer still). */
static int gen_aws(uint8_t *out, size_t cap)
{
	char id[17], secret[41], session[357];
	int err, n;

	/* Access key ids are ASIA (temporary) + 16 of [A-Z2-7]; secrets 40
	 * base64 chars; session tokens a few hundred. */
	err = random_chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", id, 16);
	if (!err)
		err = random_chars(B64_CHARS, secret, 40);
	if (!err)
		err = random_chars(B64_CHARS, session, 356);
	if (err)
		return err;
	n = snprintf((char *)out, cap,
		     "[default]\naws_access_key_id = ASIA%s\n"
		     "aws_secret_access_key = %s\n"
		     "aws_session_token = IQoJb3JpZ2luX2Vj%s\n"
		     "region = us-east-1\n",
		     id, secret, session);
	return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

/* One line of base64: 256 characters, any readscan window fits. */
static int gen_generic(uint8_t *out, size_t cap)
{
	uint8_t raw[192];
	char b64[257];
	int err, n;

	err = bs_random(raw, sizeof(raw));
	if (err)
		return err;
	n = bs_base64(raw, sizeof(raw), 0, b64, sizeof(b64));
	if (n < 0)
		return n;
	n = snprintf((char *)out, cap, "%s\n", b64);
	return n < 0 || (size_t)n >= cap ? -ENOSPC : n;
}

/* base64url of a compact JSON object into out; returns length or -errno. */
static int b64_json(json_t *obj, char *out, size_t cap)
{
	char *s = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII);
	int n;

	if (!s)
		return -ENOMEM;
	n = bs_base64((const uint8_t *)s, strlen(s), 1, out, cap);
	free(s);
	return n;
}

static json_t *sa_claims(const char *ns, const char *sa)
{
	uint8_t u[16];
	char uid[37], secret[6], sub[600], sname[300];
	time_t now = time(NULL);

	if (bs_random(u, sizeof(u)) ||
	    random_chars("bcdfghjklmnpqrstvwxz2456789", secret, 5))
		return NULL;
	u[6] = (u[6] & 0x0f) | 0x40; /* RFC 4122 version 4 */
	u[8] = (u[8] & 0x3f) | 0x80;
	snprintf(uid, sizeof(uid),
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
		 u[10], u[11], u[12], u[13], u[14], u[15]);
	snprintf(sub, sizeof(sub), "system:serviceaccount:%s:%s", ns, sa);
	snprintf(sname, sizeof(sname), "%.240s-token-%s", sa, secret);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I}",
			 "iss", "kubernetes/serviceaccount",
			 "kubernetes.io/serviceaccount/namespace", ns,
			 "kubernetes.io/serviceaccount/secret.name", sname,
			 "kubernetes.io/serviceaccount/service-account.name", sa,
			 "kubernetes.io/serviceaccount/service-account.uid", uid,
			 "sub", sub,
			 "iat", (json_int_t)now,
			 "exp", (json_int_t)now + (json_int_t)365 * 24 * 3600);
}

static int gen_k8s(const struct bs_tokgen_who *who, uint8_t *out, size_t cap)
{
	const char *ns = who && bs_k8s_name_valid(who->ns) ? who->ns : "default";
	const char *sa = who && bs_k8s_name_valid(who->service_account) ?
			 who->service_account : "default";
	uint8_t kid_raw[32], sig_raw[256];
	char kid[48], sig[348];
	char *p = (char *)out;
	json_t *hdr = NULL, *claims = NULL;
	int n, m, err = -ENOMEM;

	if (bs_random(kid_raw, sizeof(kid_raw)) ||
	    bs_random(sig_raw, sizeof(sig_raw)))
		return -EIO;
	bs_base64(kid_raw, sizeof(kid_raw), 1, kid, sizeof(kid));
	/* RS256 signatures are 256 bytes; ours is random, nobody can verify. */
	bs_base64(sig_raw, sizeof(sig_raw), 1, sig, sizeof(sig));
	hdr = json_pack("{s:s, s:s}", "alg", "RS256", "kid", kid);
	claims = sa_claims(ns, sa);
	if (!hdr || !claims)
		goto out;
	n = b64_json(hdr, p, cap);
	if (n < 0 || (size_t)n + 2 > cap)
		goto nospc;
	p[n++] = '.';
	m = b64_json(claims, p + n, cap - (size_t)n);
	if (m < 0)
		goto nospc;
	n += m;
	m = snprintf(p + n, cap - (size_t)n, ".%s", sig);
	if (m < 0 || (size_t)m >= cap - (size_t)n)
		goto nospc;
	err = n + m;
	goto out;
nospc:
	err = -ENOSPC;
out:
	json_decref(hdr);
	json_decref(claims);
	return err;
}

static int gen_file(const char *path, uint8_t *out, size_t cap)
{
	struct stat st;
	size_t max = cap < BS_CONTENT_MAX ? cap : BS_CONTENT_MAX;
	size_t got = 0;
	int fd, err = 0;

	if (!path || !*path)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err = -EINVAL;
		goto out;
	}
	if (st.st_size > (off_t)max) {
		err = -EFBIG;
		goto out;
	}
	/* Read at most max+1 so a file that grew meanwhile is still refused. */
	while (got <= max) {
		uint8_t tmp[512];
		size_t want = max + 1 - got < sizeof(tmp) ? max + 1 - got : sizeof(tmp);
		ssize_t n = read(fd, tmp, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			goto out;
		}
		if (n == 0)
			break;
		if (got + (size_t)n > max) {
			err = -EFBIG;
			goto out;
		}
		memcpy(out + got, tmp, (size_t)n);
		got += (size_t)n;
	}
	err = got ? (int)got : -ENODATA;
out:
	close(fd);
	return err;
}

int bs_tokgen_known(const char *t)
{
	return t && (!strcmp(t, "aws-access-key") || !strcmp(t, "k8s-sa-token") ||
		     !strcmp(t, "generic") || !strcmp(t, "file"));
}

int bs_tokgen(const char *t, const struct bs_tokgen_who *who,
	      const char *content_file, uint8_t *out, size_t cap)
{
	if (cap > BS_CONTENT_MAX)
		cap = BS_CONTENT_MAX;
	if (!t || !out || !cap)
		return -EINVAL;
	if (!strcmp(t, "aws-access-key"))
		return gen_aws(out, cap);
	if (!strcmp(t, "k8s-sa-token"))
		return gen_k8s(who, out, cap);
	if (!strcmp(t, "generic"))
		return gen_generic(out, cap);
	if (!strcmp(t, "file"))
		return gen_file(content_file, out, cap);
	return -EINVAL;
}
