// SPDX-License-Identifier: Apache-2.0
/* Token content shapes (token_shape.h): base64url, AWS key ids, JWTs. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/hook_json.h"
#include "harness/attack/token_shape.h"

static const char b64url[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int bs_b64url_encode(const void *in, size_t len, char *out, size_t cap)
{
	const unsigned char *p = in;
	size_t o = 0;

	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		size_t k = len - i >= 3 ? 4 : len - i + 1;

		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		if (o + k >= cap)
			return -ENOSPC;
		for (size_t j = 0; j < k; j++)
			out[o++] = b64url[(v >> (18 - 6 * j)) & 63];
	}
	if (o >= cap)
		return -ENOSPC;
	out[o] = '\0';
	return (int)o;
}

static int b64url_val(char c)
{
	const char *p = c ? strchr(b64url, c) : NULL;

	return p ? (int)(p - b64url) : -1;
}

int bs_b64url_decode(const char *in, size_t len, unsigned char *out, size_t cap)
{
	uint32_t acc = 0;
	size_t o = 0;
	int bits = 0;

	while (len && in[len - 1] == '=')
		len--;
	if (len % 4 == 1)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		int v = b64url_val(in[i]);

		if (v < 0)
			return -EINVAL;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o == cap)
				return -ENOSPC;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	return (int)o;
}

static int b32_val(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= '2' && c <= '7')
		return c - '2' + 26;
	return -1;
}

bool bs_aws_key_id_valid(const char *id, size_t len)
{
	if (len != 20 || (strncmp(id, "AKIA", 4) && strncmp(id, "ASIA", 4)))
		return false;
	for (size_t i = 4; i < len; i++)
		if (b32_val(id[i]) < 0)
			return false;
	return true;
}

int bs_aws_key_account(const char *id, uint64_t *account)
{
	uint64_t z = 0;

	if (!bs_aws_key_id_valid(id, strnlen(id, 21)))
		return -EINVAL;
	if (id[4] == 'I' || id[4] == 'J')
		return -ENODATA;
	/* 10 base32 characters are the first 6 decoded bytes (and 2 bits) */
	for (int i = 4; i < 14; i++)
		z = (z << 5) | (uint64_t)b32_val(id[i]);
	z >>= 2;
	*account = (z & 0x7fffffffff80ull) >> 7;
	return 0;
}

/* Accounts whose keys are canaries by construction: Thinkst's
 * canarytokens.org, and look-alike services (both lists as TruffleHog's
 * AWS detector flags them, pkg/detectors/aws/access_keys/canary.go), and
 * the placeholders people put in examples. */
static const struct {
	uint64_t account;
	const char *why;
} flagged[] = {
	{ 52310077262ull, "canarytokens.org" },
	{ 171436882533ull, "canarytokens.org" },
	{ 534261010715ull, "canarytokens.org" },
	{ 595918472158ull, "canarytokens.org" },
	{ 717712589309ull, "canarytokens.org" },
	{ 819147034852ull, "canarytokens.org" },
	{ 992382622183ull, "canarytokens.org" },
	{ 730335385048ull, "canarytokens.org" },
	{ 266735846894ull, "canarytokens.org" },
	{ 893192397702ull, "canarytokens.org" },
	{ 44858866125ull, "canary look-alike" },
	{ 251535659677ull, "canary look-alike" },
	{ 344043088457ull, "canary look-alike" },
	{ 351906852752ull, "canary look-alike" },
	{ 390477818340ull, "canary look-alike" },
	{ 426127672474ull, "canary look-alike" },
	{ 427150556519ull, "canary look-alike" },
	{ 439872796651ull, "canary look-alike" },
	{ 445142720921ull, "canary look-alike" },
	{ 465867158099ull, "canary look-alike" },
	{ 637958123769ull, "canary look-alike" },
	{ 693412236332ull, "canary look-alike" },
	{ 732624840810ull, "canary look-alike" },
	{ 735421457923ull, "canary look-alike" },
	{ 959235150393ull, "canary look-alike" },
	{ 0ull, "zero account" },
	{ 111111111111ull, "placeholder account" },
	{ 123456789012ull, "placeholder account" },
	{ 999999999999ull, "placeholder account" },
};

const char *bs_aws_account_flag(uint64_t account)
{
	for (size_t i = 0; i < sizeof(flagged) / sizeof(flagged[0]); i++)
		if (flagged[i].account == account)
			return flagged[i].why;
	return NULL;
}

/* ---- JWT --------------------------------------------------------------- */

#define JWT_PART_MAX 8192

static int why_set(char *why, size_t len, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int why_set(char *why, size_t len, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return rc;
}

static int claim_str(const char *json, size_t len, const char *const *path,
		     size_t n, char *out, size_t cap)
{
	const char *v;
	size_t vl;

	if (bs_hj_get_raw(json, len, path, n, &v, &vl, NULL))
		return -ENOENT;
	if (vl >= cap)
		vl = cap - 1;
	memcpy(out, v, vl);
	out[vl] = '\0';
	return 0;
}

static int claim_num(const char *json, size_t len, const char *name,
		     long long *out)
{
	const char *path[] = { name }, *v;
	char *end;
	size_t vl;

	if (bs_hj_get_raw(json, len, path, 1, &v, &vl, NULL))
		return -ENOENT;
	*out = strtoll(v, &end, 10);
	return end == v ? -EINVAL : 0;
}

/* One claim of the kubernetes.io object must equal the pod's fact. */
static int k8s_claim(const char *pl, size_t len, const char *a, const char *b,
		     const char *want, char *why, size_t why_len)
{
	const char *path[] = { "kubernetes.io", a, b };
	char got[256];

	if (!want || !*want ||
	    claim_str(pl, len, path, b ? 3 : 2, got, sizeof(got)))
		return 0;
	if (strcmp(got, want))
		return why_set(why, why_len, 1, "%s%s%s %s but pod has %s", a,
			       b ? "." : "", b ? b : "", got, want);
	return 0;
}

/* The pod name the hostname tells, or NULL: a host-network pod has the
 * node's hostname, which its token's kubernetes.io.node names. */
static const char *pod_name_seen(const char *pl, const struct bs_pod_facts *pod)
{
	const char *path[] = { "kubernetes.io", "node", "name" };
	char node[256];

	if (pod->pod_name &&
	    !claim_str(pl, strlen(pl), path, 3, node, sizeof(node)) &&
	    !strcmp(node, pod->pod_name))
		return NULL;
	return pod->pod_name;
}

static int decode_part(const char *s, size_t len, char *out, size_t cap)
{
	int n = bs_b64url_decode(s, len, (unsigned char *)out, cap - 1);

	if (n >= 0)
		out[n] = '\0';
	return n;
}

static int check_times(const char *pl, size_t len, time_t now, char *why,
		       size_t why_len)
{
	long long exp, iat, nbf;

	if (claim_num(pl, len, "exp", &exp))
		return why_set(why, why_len, 1, "no exp claim");
	if (exp <= (long long)now)
		return why_set(why, why_len, 1,
			       "exp %lld is %lld s in the past", exp,
			       (long long)now - exp);
	if (!claim_num(pl, len, "iat", &iat) && iat > (long long)now + 60)
		return why_set(why, why_len, 1, "iat %lld in the future", iat);
	if (!claim_num(pl, len, "nbf", &nbf) && nbf > (long long)now + 60)
		return why_set(why, why_len, 1, "nbf %lld in the future", nbf);
	return 0;
}

int bs_jwt_check(const char *tok, size_t len, const struct bs_pod_facts *pod,
		 time_t now, char *why, size_t why_len)
{
	static char hdr[JWT_PART_MAX], pl[JWT_PART_MAX];
	static unsigned char sig[JWT_PART_MAX];
	const char *d1 = memchr(tok, '.', len), *d2;
	const char *alg_path[] = { "alg" }, *v;
	size_t vl;
	int n, err;

	d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - tok)) : NULL;
	if (!d1 || !d2 || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - tok)))
		return why_set(why, why_len, -EINVAL, "not three dot parts");
	if (decode_part(tok, (size_t)(d1 - tok), hdr, sizeof(hdr)) <= 0 ||
	    decode_part(d1 + 1, (size_t)(d2 - d1 - 1), pl, sizeof(pl)) <= 0)
		return why_set(why, why_len, 1,
			       "header or payload not base64url");
	n = bs_b64url_decode(d2 + 1, len - (size_t)(d2 + 1 - tok), sig,
			     sizeof(sig));
	if (n <= 0)
		return why_set(why, why_len, 1,
			       "signature empty or not base64url");
	if (hdr[0] != '{' || pl[0] != '{')
		return why_set(why, why_len, 1,
			       "header or payload not an object");
	err = bs_hj_get_raw(hdr, strlen(hdr), alg_path, 1, &v, &vl, NULL);
	if (err == -EINVAL)
		return why_set(why, why_len, 1, "header not JSON");
	if (err || (vl == 4 && !strncmp(v, "none", 4)))
		return why_set(why, why_len, 1, "no signing alg in header");
	err = bs_hj_get_raw(pl, strlen(pl), NULL, 0, &v, &vl, NULL);
	if (err == -EINVAL)
		return why_set(why, why_len, 1, "payload not JSON");
	err = check_times(pl, strlen(pl), now, why, why_len);
	if (!err && pod)
		err = k8s_claim(pl, strlen(pl), "namespace", NULL, pod->ns, why,
				why_len) ?:
			k8s_claim(pl, strlen(pl), "pod", "name",
				  pod_name_seen(pl, pod), why, why_len) ?:
			k8s_claim(pl, strlen(pl), "pod", "uid", pod->pod_uid, why,
				  why_len);
	return err;
}
