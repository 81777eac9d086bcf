// SPDX-License-Identifier: Apache-2.0
/* Token content shapes (token_shape.h): base64url, AWS key ids, JWTs. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/attack/token_shape.h"

#define JSON_MAX_DEPTH 32

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

/* ---- minimal JSON: validate, and find one value by key path ---------- */

struct jp {
	const char *p, *end;
	const char *const *path;
	size_t n;
	const char *val;
	size_t vlen;
};

static void ws(struct jp *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
				 *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

/* At the opening quote: past the closing one; the content span. */
static int jstring(struct jp *j, const char **s, size_t *len)
{
	const char *start = ++j->p;

	while (j->p < j->end && *j->p != '"') {
		if ((unsigned char)*j->p < 0x20)
			return -EINVAL;
		if (*j->p == '\\') {
			j->p++;
			if (j->p >= j->end || !strchr("\"\\/bfnrtu", *j->p))
				return -EINVAL;
		}
		j->p++;
	}
	if (j->p >= j->end)
		return -EINVAL;
	*s = start;
	*len = (size_t)(j->p - start);
	j->p++;
	return 0;
}

static int jnumber(struct jp *j)
{
	const char *start = j->p;

	if (j->p < j->end && *j->p == '-')
		j->p++;
	while (j->p < j->end && strchr("0123456789.eE+-", *j->p) && *j->p)
		j->p++;
	return j->p - start > (start[0] == '-') ? 0 : -EINVAL;
}

static int jliteral(struct jp *j, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(j->end - j->p) < n || strncmp(j->p, word, n))
		return -EINVAL;
	j->p += n;
	return 0;
}

/* matched: path components matched on the way here, -1 off the path. */
static int jvalue(struct jp *j, int depth, int matched);

/* Past the opening bracket; true when close follows at once (empty). */
static bool jopen(struct jp *j, char close)
{
	j->p++;
	ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		return true;
	}
	return false;
}

/* After a member or element: ',' -> 1 (another follows), close -> 0,
 * anything else -EINVAL. */
static int jnext(struct jp *j, char close)
{
	ws(j);
	if (j->p < j->end && (*j->p == ',' || *j->p == close))
		return *j->p++ == ',';
	return -EINVAL;
}

static int jobject(struct jp *j, int depth, int matched)
{
	const char *key;
	size_t klen;
	int err;

	if (jopen(j, '}'))
		return 0;
	for (;;) {
		int m = -1;

		ws(j);
		if (j->p >= j->end || *j->p != '"')
			return -EINVAL;
		err = jstring(j, &key, &klen);
		if (err)
			return err;
		ws(j);
		if (j->p >= j->end || *j->p++ != ':')
			return -EINVAL;
		if (matched >= 0 && (size_t)matched < j->n &&
		    strlen(j->path[matched]) == klen &&
		    !strncmp(key, j->path[matched], klen))
			m = matched + 1;
		err = jvalue(j, depth + 1, m);
		if (!err)
			err = jnext(j, '}');
		if (err <= 0)
			return err;
	}
}

static int jarray(struct jp *j, int depth)
{
	int err;

	if (jopen(j, ']'))
		return 0;
	for (;;) {
		err = jvalue(j, depth + 1, -1);
		if (!err)
			err = jnext(j, ']');
		if (err <= 0)
			return err;
	}
}

static int jvalue(struct jp *j, int depth, int matched)
{
	const char *start, *s;
	size_t len;
	int err;

	if (depth > JSON_MAX_DEPTH)
		return -EINVAL;
	ws(j);
	if (j->p >= j->end)
		return -EINVAL;
	start = j->p;
	switch (*j->p) {
	case '{':
		err = jobject(j, depth, matched);
		break;
	case '[':
		err = jarray(j, depth);
		break;
	case '"':
		err = jstring(j, &s, &len);
		if (!err && matched >= 0 && (size_t)matched == j->n) {
			j->val = s;
			j->vlen = len;
			return 0;
		}
		break;
	case 't':
		err = jliteral(j, "true");
		break;
	case 'f':
		err = jliteral(j, "false");
		break;
	case 'n':
		err = jliteral(j, "null");
		break;
	default:
		err = jnumber(j);
	}
	if (!err && matched >= 0 && (size_t)matched == j->n) {
		j->val = start;
		j->vlen = (size_t)(j->p - start);
	}
	return err;
}

int bs_json_get(const char *json, size_t len, const char *const *path, size_t n,
		const char **val, size_t *vlen)
{
	struct jp j = { json, json + len, path, n, NULL, 0 };
	int err = jvalue(&j, 0, 0);

	if (err)
		return err;
	ws(&j);
	if (j.p != j.end)
		return -EINVAL;
	if (!j.val)
		return -ENOENT;
	*val = j.val;
	*vlen = j.vlen;
	return 0;
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

	if (bs_json_get(json, len, path, n, &v, &vl))
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

	if (bs_json_get(json, len, path, 1, &v, &vl))
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
	err = bs_json_get(hdr, strlen(hdr), alg_path, 1, &v, &vl);
	if (err == -EINVAL)
		return why_set(why, why_len, 1, "header not JSON");
	if (err || (vl == 4 && !strncmp(v, "none", 4)))
		return why_set(why, why_len, 1, "no signing alg in header");
	err = bs_json_get(pl, strlen(pl), NULL, 0, &v, &vl);
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
