// SPDX-License-Identifier: Apache-2.0
/* Honeytoken content templates (see tokgen.h). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "strategies/sha256.h"
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
	static const char std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqr"
				  "stuvwxyz0123456789+/";
	static const char web[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqr"
				  "stuvwxyz0123456789-_";
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
#define B64_CHARS                                                              \
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

#define B32_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

/* ---- the AWS identity this agent's tokens share ----------------------- */

static const char *const regions[] = {
	"us-east-1",	"us-east-2",	  "us-west-2",	    "eu-west-1",
	"eu-central-1", "ap-southeast-1", "ap-northeast-1", "ap-south-1",
};

static struct bs_aws_cluster cluster;
static uint8_t cluster_salt[16];
static pthread_once_t cluster_once = PTHREAD_ONCE_INIT;

/* Ids AWS documents as examples or that a probe would flag as made up. */
static int account_plausible(const char *a)
{
	static const char *const bad[] = { "123456789012", "210987654321",
					   "012345678901", "000000000000" };
	int same = 1;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!strcmp(a, bad[i]))
			return 0;
	for (size_t i = 1; a[i]; i++)
		same &= a[i] == a[0];
	return !same;
}

static void cluster_init(void)
{
	uint8_t r[8 + 1 + 16];
	uint64_t acc;

	do {
		if (bs_random(r, sizeof(r)) ||
		    bs_random(cluster_salt, sizeof(cluster_salt)))
			memset(r, 0x5a,
			       sizeof(r)); /* getrandom never fails here */
		acc = 0;
		for (int i = 0; i < 8; i++)
			acc = acc << 8 | r[i];
		/* 12 digits, no leading zero: 10^11 .. 10^12-1 */
		acc = 100000000000ull + acc % 900000000000ull;
		snprintf(cluster.account, sizeof(cluster.account), "%llu",
			 (unsigned long long)acc);
	} while (!account_plausible(cluster.account));
	snprintf(cluster.region, sizeof(cluster.region), "%s",
		 regions[r[8] % (sizeof(regions) / sizeof(regions[0]))]);
	for (int i = 0; i < 16; i++)
		snprintf(cluster.oidc_id + (size_t)i * 2, 3, "%02X", r[9 + i]);
}

const struct bs_aws_cluster *bs_aws_cluster(void)
{
	pthread_once(&cluster_once, cluster_init);
	return &cluster;
}

static void base32(const uint8_t *in, size_t len, char *out)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		acc = acc << 8 | in[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = B32_CHARS[(acc >> bits) & 31];
		}
	}
	if (bits)
		out[o++] = B32_CHARS[(acc << (5 - bits)) & 31];
	out[o] = '\0';
}

int bs_tokgen_aws_key_id(const char *prefix, const char *account, char *out,
			 size_t cap)
{
	uint8_t raw[10];
	uint64_t acc = 0, z;
	char *end;
	int err;

	if (!prefix || strlen(prefix) != 4 || !account ||
	    strlen(account) != 12 || cap < 21)
		return -EINVAL;
	errno = 0;
	acc = strtoull(account, &end, 10);
	if (errno || *end || acc >= 1ull << 40)
		return -EINVAL;
	err = bs_random(raw, sizeof(raw));
	if (err)
		return err;
	/* bit 47 marks the new format, 46..7 the account, 6..0 random */
	z = 1ull << 47 | acc << 7 | (raw[5] & 0x7f);
	for (int i = 0; i < 6; i++)
		raw[i] = (uint8_t)(z >> (40 - 8 * i));
	snprintf(out, cap, "%.4s", prefix);
	base32(raw, sizeof(raw), out + 4);
	return 0;
}

long long bs_tokgen_aws_account(const char *id)
{
	uint64_t z = 0;

	if (!id || strlen(id) != 20)
		return -EINVAL;
	/* the first 48 bits are the first 48 / 5 chars' worth: take 10
	 * chars (50 bits) and drop the 2 low ones */
	for (int i = 4; i < 14; i++) {
		const char *p = id[i] ? strchr(B32_CHARS, id[i]) : NULL;

		if (!p)
			return -EINVAL;
		z = z << 5 | (uint64_t)(p - B32_CHARS);
	}
	z >>= 2;
	if (!(z >> 47 & 1))
		return -EINVAL;
	return (long long)((z & 0x7fffffffff80ull) >> 7);
}

/* Temporary credentials in the shared-credentials file format: the
 * session token makes the file long enough for every readscan window
 * (real ones are longer still). */
static int gen_aws(uint8_t *out, size_t cap)
{
	const struct bs_aws_cluster *c = bs_aws_cluster();
	char id[24], secret[41], session[357];
	int err, n;

	/* Access key ids are ASIA (temporary) + 16 of [A-Z2-7] encoding the
	 * account; secrets 40 base64 chars; session tokens a few hundred. */
	err = bs_tokgen_aws_key_id("ASIA", c->account, id, sizeof(id));
	if (!err)
		err = random_chars(B64_CHARS, secret, 40);
	if (!err)
		err = random_chars(B64_CHARS, session, 356);
	if (err)
		return err;
	n = snprintf((char *)out, cap,
		     "[default]\naws_access_key_id = %s\n"
		     "aws_secret_access_key = %s\n"
		     "aws_session_token = IQoJb3JpZ2luX2Vj%s\n"
		     "region = %s\n",
		     id, secret, session, c->region);
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

/* base64url of a compact JSON object into out; returns length or -errno.
 * Keys sorted: the API server's encoder writes claims in key order. */
static int b64_json(json_t *obj, char *out, size_t cap)
{
	char *s = json_dumps(obj,
			     JSON_COMPACT | JSON_ENSURE_ASCII | JSON_SORT_KEYS);
	int n;

	if (!s)
		return -ENOMEM;
	n = bs_base64((const uint8_t *)s, strlen(s), 1, out, cap);
	free(s);
	return n;
}

static void uuid_fmt(uint8_t u[16], char out[37])
{
	u[6] = (u[6] & 0x0f) | 0x40; /* RFC 4122 version 4 */
	u[8] = (u[8] & 0x3f) | 0x80;
	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%"
		 "02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
		 u[10], u[11], u[12], u[13], u[14], u[15]);
}

static int uuid_random(char out[37])
{
	uint8_t u[16];
	int err = bs_random(u, sizeof(u));

	if (!err)
		uuid_fmt(u, out);
	return err;
}

/* A service account's uid: the same for every pod of one (ns, sa) in
 * this agent's life, as the API server's object is. */
static void uuid_of_sa(const char *ns, const char *sa, char out[37])
{
	struct bs_sha256 c;
	uint8_t d[BS_SHA256_LEN];

	bs_aws_cluster(); /* the salt */
	bs_sha256_init(&c);
	bs_sha256_update(&c, cluster_salt, sizeof(cluster_salt));
	bs_sha256_update(&c, ns, strlen(ns) + 1);
	bs_sha256_update(&c, sa, strlen(sa) + 1);
	bs_sha256_final(&c, d);
	uuid_fmt(d, out);
}

static int uuid_valid(const char *s)
{
	if (!s || strlen(s) != 36)
		return 0;
	for (int i = 0; i < 36; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;
		char c = s[i];

		if (dash ? c != '-'
			 : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return 0;
	}
	return 1;
}

/* Who the claims name, every field checked. */
struct jwt_who {
	const char *ns, *sa;
	char pod[254];
	char pod_uid[37], sa_uid[37];
	char kid[48], sub[600];
	json_int_t now;
};

/* The node: one per agent, like the cluster above. */
static struct {
	char name[254];
	char uid[37];
} node;
static pthread_once_t node_once = PTHREAD_ONCE_INIT;

void bs_tokgen_set_node(const char *name)
{
	if (bs_k8s_name_valid(name))
		snprintf(node.name, sizeof(node.name), "%s", name);
}

static void node_init(void)
{
	if (!node.name[0] && (gethostname(node.name, sizeof(node.name) - 1) ||
			      !bs_k8s_name_valid(node.name)))
		snprintf(node.name, sizeof(node.name), "node-1");
	if (uuid_random(node.uid))
		memset(node.uid, 0, sizeof(node.uid));
}

static int jwt_who(const struct bs_tokgen_who *who, struct jwt_who *w)
{
	char sfx[6];
	int err = 0;

	w->ns = who && bs_k8s_name_valid(who->ns) ? who->ns : "default";
	w->sa = who && bs_k8s_name_valid(who->service_account)
			? who->service_account
			: "default";
	if (who && bs_k8s_name_valid(who->pod)) {
		snprintf(w->pod, sizeof(w->pod), "%s", who->pod);
	} else {
		err = random_chars("bcdfghjklmnpqrstvwxz2456789", sfx, 5);
		snprintf(w->pod, sizeof(w->pod), "app-%s", sfx);
	}
	if (who && uuid_valid(who->pod_uid))
		snprintf(w->pod_uid, sizeof(w->pod_uid), "%s", who->pod_uid);
	else if (!err)
		err = uuid_random(w->pod_uid);
	uuid_of_sa(w->ns, w->sa, w->sa_uid);
	return err;
}

/* Who a service-account JWT is for, plus its kid (kid_len random bytes,
 * base64url when b64 else hex: each issuer's digest of its key), its
 * subject and its issue time; the node is named by then. */
static int jwt_begin(const struct bs_tokgen_who *who, size_t kid_len, bool b64,
		     struct jwt_who *w)
{
	uint8_t raw[32];
	int err = jwt_who(who, w);

	if (!err)
		err = bs_random(raw, kid_len);
	if (err)
		return err;
	if (b64)
		bs_base64(raw, kid_len, 1, w->kid, sizeof(w->kid));
	else
		for (size_t i = 0; i < kid_len; i++)
			snprintf(w->kid + i * 2, 3, "%02x", raw[i]);
	snprintf(w->sub, sizeof(w->sub), "system:serviceaccount:%s:%s", w->ns,
		 w->sa);
	w->now = (json_int_t)time(NULL);
	pthread_once(&node_once, node_init);
	return 0;
}

/* header.claims.signature; the signature is random bytes of an RS256
 * (RSA-2048) signature's length: nobody can verify it, as nobody can
 * verify a real one without the issuer's keys. */
static int jwt_sign(const char *kid, json_t *claims, uint8_t *out, size_t cap)
{
	uint8_t sig_raw[256];
	char sig[348];
	char *p = (char *)out;
	json_t *hdr;
	int n, m;

	if (!claims || bs_random(sig_raw, sizeof(sig_raw)))
		return claims ? -EIO : -ENOMEM;
	bs_base64(sig_raw, sizeof(sig_raw), 1, sig, sizeof(sig));
	hdr = json_pack("{s:s, s:s}", "alg", "RS256", "kid", kid);
	if (!hdr)
		return -ENOMEM;
	n = b64_json(hdr, p, cap);
	json_decref(hdr);
	if (n < 0 || (size_t)n + 2 > cap)
		return -ENOSPC;
	p[n++] = '.';
	m = b64_json(claims, p + n, cap - (size_t)n);
	if (m < 0)
		return -ENOSPC;
	n += m;
	m = snprintf(p + n, cap - (size_t)n, ".%s", sig);
	if (m < 0 || (size_t)m >= cap - (size_t)n)
		return -ENOSPC;
	return n + m;
}

#define K8S_ISS	   "https://kubernetes.default.svc.cluster.local"
#define K8S_WARN_S 3607 /* what kubelet asks for */
#define K8S_EXP_S                                                              \
	((json_int_t)365 * 24 * 3600) /* what the API server extends to */
#define IRSA_EXP_S 86400

/* A bound service-account token as kubelet projects it (1.24+): audience
 * the API server, one year (extended) with warnafter at kubelet's 3607 s. */
static int gen_k8s(const struct bs_tokgen_who *who, uint8_t *out, size_t cap)
{
	char jti[37];
	struct jwt_who w;
	json_t *claims;
	/* kid: base64url of the SHA-256 of the signing key */
	int err = jwt_begin(who, 32, true, &w);

	if (!err)
		err = uuid_random(jti);
	if (err)
		return err;
	claims = json_pack(
		"{s:[s], s:I, s:I, s:s, s:s, s:{s:s, s:{s:s, s:s}, "
		"s:{s:s, s:s}, s:{s:s, s:s}, s:I}, s:I, s:s}",
		"aud", K8S_ISS, "exp", w.now + K8S_EXP_S, "iat", w.now, "iss",
		K8S_ISS, "jti", jti, "kubernetes.io", "namespace", w.ns, "node",
		"name", node.name, "uid", node.uid, "pod", "name", w.pod, "uid",
		w.pod_uid, "serviceaccount", "name", w.sa, "uid", w.sa_uid,
		"warnafter", w.now + K8S_WARN_S, "nbf", w.now, "sub", w.sub);
	err = jwt_sign(w.kid, claims, out, cap);
	json_decref(claims);
	return err;
}

/* An EKS IAM-roles-for-service-accounts web-identity token: the pod
 * identity webhook's projected volume (audience sts, one day). */
static int gen_irsa(const struct bs_tokgen_who *who, uint8_t *out, size_t cap)
{
	const struct bs_aws_cluster *c = bs_aws_cluster();
	char iss[192];
	struct jwt_who w;
	json_t *claims;
	/* EKS kids are 40 hex digits (a SHA-1 of the key) */
	int err = jwt_begin(who, 20, false, &w);

	if (err)
		return err;
	snprintf(iss, sizeof(iss),
		 "https://oidc.eks.%.23s.amazonaws.com/id/%.32s", c->region,
		 c->oidc_id);
	claims = json_pack("{s:[s], s:I, s:I, s:s, s:{s:s, s:{s:s, s:s}, "
			   "s:{s:s, s:s}, s:{s:s, s:s}}, s:I, s:s}",
			   "aud", "sts.amazonaws.com", "exp",
			   w.now + IRSA_EXP_S, "iat", w.now, "iss", iss,
			   "kubernetes.io", "namespace", w.ns, "node", "name",
			   node.name, "uid", node.uid, "pod", "name", w.pod,
			   "uid", w.pod_uid, "serviceaccount", "name", w.sa,
			   "uid", w.sa_uid, "nbf", w.now, "sub", w.sub);
	err = jwt_sign(w.kid, claims, out, cap);
	json_decref(claims);
	return err;
}

int bs_tokgen_irsa_env(const struct bs_tokgen_who *who, struct bs_irsa_env *out)
{
	const struct bs_aws_cluster *c = bs_aws_cluster();
	const char *ns =
		who && bs_k8s_name_valid(who->ns) ? who->ns : "default";
	const char *sa = who && bs_k8s_name_valid(who->service_account)
				 ? who->service_account
				 : "default";
	char role[65];

	if (!out)
		return -EINVAL;
	/* IAM role names: at most 64 of [A-Za-z0-9+=,.@_-] */
	snprintf(role, sizeof(role), "%.28s-%.28s-role", ns, sa);
	snprintf(out->role_arn, sizeof(out->role_arn),
		 "arn:aws:iam::%s:role/%s", c->account, role);
	snprintf(out->region, sizeof(out->region), "%.23s", c->region);
	return 0;
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
		size_t want = max + 1 - got < sizeof(tmp) ? max + 1 - got
							  : sizeof(tmp);
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
	return t && (!strcmp(t, "aws-access-key") ||
		     !strcmp(t, "k8s-sa-token") || !strcmp(t, "eks-irsa") ||
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
	if (!strcmp(t, "eks-irsa"))
		return gen_irsa(who, out, cap);
	if (!strcmp(t, "generic"))
		return gen_generic(out, cap);
	if (!strcmp(t, "file"))
		return gen_file(content_file, out, cap);
	return -EINVAL;
}
