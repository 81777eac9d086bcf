// SPDX-License-Identifier: Apache-2.0
/* SHA-256 vectors, token templates, token store, annotation path rules. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "strategies/annotations.h"
#include "strategies/sha256.h"
#include "strategies/token.h"
#include "strategies/tokgen.h"

static void hex_of(const void *d, size_t n, char *out)
{
	uint8_t dig[32];

	bs_sha256(d, n, dig);
	bs_sha256_hex(dig, out);
}

Test(sha256, known_vectors)
{
	char h[65];

	hex_of("", 0, h);
	cr_assert_str_eq(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca4"
			    "95991b7852b855");
	hex_of("abc", 3, h);
	cr_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb4"
			    "10ff61f20015ad");
	hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
	       h);
	cr_assert_str_eq(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6"
			    "ecedd419db06c1");
}

Test(sha256, million_a_incremental)
{
	struct bs_sha256 c;
	uint8_t chunk[997], d[32];
	char h[65];
	size_t left = 1000000;

	memset(chunk, 'a', sizeof(chunk));
	bs_sha256_init(&c);
	while (left) {
		size_t n = left < sizeof(chunk) ? left : sizeof(chunk);

		bs_sha256_update(&c, chunk, n);
		left -= n;
	}
	bs_sha256_final(&c, d);
	bs_sha256_hex(d, h);
	cr_assert_str_eq(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e04"
			    "6d39ccc7112cd0");
}

static int gen(const char *tmpl, const struct bs_tokgen_who *who,
	       const char *file, char *out)
{
	int n = bs_tokgen(tmpl, who, file, (uint8_t *)out, BS_CONTENT_MAX);

	if (n >= 0)
		out[n] = '\0';
	return n;
}

Test(tokgen, aws_credentials_shape)
{
	static char a[BS_CONTENT_MAX + 1], b[BS_CONTENT_MAX + 1];
	const struct bs_aws_cluster *c = bs_aws_cluster();
	char id[21], want[40];
	regex_t re;

	cr_assert_gt(gen("aws-access-key", NULL, NULL, a), 0);
	cr_assert_gt(gen("aws-access-key", NULL, NULL, b), 0);
	cr_assert_eq(
		regcomp(&re,
			"^\\[default\\]\naws_access_key_id = ASIA[A-Z2-7]{16}\n"
			"aws_secret_access_key = [A-Za-z0-9+/]{40}\n"
			"aws_session_token = [A-Za-z0-9+/]{372}\n"
			"region = [a-z]{2}-[a-z]+-[0-9]\n$",
			REG_EXTENDED),
		0);
	cr_assert_eq(regexec(&re, a, 0, NULL, 0), 0, "%s", a);
	regfree(&re);
	cr_assert_str_neq(a, b);
	/* The key id names the agent's (plausible) account and region. */
	memcpy(id, strstr(a, "ASIA"), 20);
	id[20] = '\0';
	cr_assert_eq(bs_tokgen_aws_account(id), strtoll(c->account, NULL, 10),
		     "%s does not encode %s", id, c->account);
	snprintf(want, sizeof(want), "region = %s\n", c->region);
	cr_assert(strstr(a, want), "%s", a);
}

/* The decoding of a published key id (A. Steele, "AWS Access Key ID
 * formats"), and our ids decode to what they were made from. */
Test(tokgen, aws_key_id_encodes_account)
{
	const struct bs_aws_cluster *c = bs_aws_cluster();
	char id[24];
	long long acc;

	cr_assert_eq(bs_tokgen_aws_account("ASIAY34FZKBOKMUTVV7A"),
		     609629065308LL);
	/* old format (bit 47 clear) and bad input */
	cr_assert_lt(bs_tokgen_aws_account("AKIAIOSFODNN7EXAMPLE"), 0);
	cr_assert_lt(bs_tokgen_aws_account("AKIA0000"), 0);
	cr_assert_lt(bs_tokgen_aws_account("AKIA1111111111111111"), 0);
	for (int i = 0; i < 100; i++) {
		cr_assert_eq(bs_tokgen_aws_key_id("AKIA", "208417645390", id,
						  sizeof(id)),
			     0);
		cr_assert_eq(strlen(id), 20);
		cr_assert_eq(strspn(id + 4, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
			     16, "%s", id);
		cr_assert_eq(bs_tokgen_aws_account(id), 208417645390LL, "%s",
			     id);
	}
	cr_assert_lt(bs_tokgen_aws_key_id("AKIA", "12345", id, sizeof(id)), 0);
	cr_assert_lt(
		bs_tokgen_aws_key_id("AKIA", "99999999999x", id, sizeof(id)),
		0);
	cr_assert_eq(strlen(c->account), 12);
	cr_assert_neq(c->account[0], '0');
	cr_assert_str_neq(c->account, "123456789012");
	acc = strtoll(c->account, NULL, 10);
	cr_assert_geq(acc, 100000000000LL);
	cr_assert_eq(strlen(c->oidc_id), 32);
	cr_assert_eq(strspn(c->oidc_id, "0123456789ABCDEF"), 32, "%s",
		     c->oidc_id);
}

/* Decode one base64url part into a NUL-terminated string. */
static char *b64url_decode(const char *s, size_t n)
{
	static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrs"
				 "tuvwxyz0123456789-_";
	char *out = calloc(1, n + 1);
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;

	for (size_t i = 0; out && i < n; i++) {
		const char *p = memchr(al, s[i], 64);

		cr_assert(p && s[i], "not base64url: %c", s[i]);
		acc = acc << 6 | (uint32_t)(p - al);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)(acc >> bits);
		}
	}
	return out;
}

/* Split a JWT, check the header and return the claims (caller frees). */
static json_t *jwt_claims(const char *tok, const char *kid_chars,
			  size_t kid_len)
{
	const char *dot1, *dot2, *kid;
	char *hdr, *claims, *sig;
	json_t *j, *c;

	dot1 = strchr(tok, '.');
	cr_assert(dot1);
	dot2 = strchr(dot1 + 1, '.');
	cr_assert(dot2);
	cr_assert_null(strchr(dot2 + 1, '.'));
	/* RSA-2048 signature: 256 bytes = 342 base64url chars */
	cr_assert_eq(strlen(dot2 + 1), 342);
	hdr = b64url_decode(tok, (size_t)(dot1 - tok));
	claims = b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1));
	sig = b64url_decode(dot2 + 1, strlen(dot2 + 1));
	free(sig);
	j = json_loads(hdr, 0, NULL);
	cr_assert(j, "header: %s", hdr);
	cr_assert_str_eq(json_string_value(json_object_get(j, "alg")), "RS256");
	kid = json_string_value(json_object_get(j, "kid"));
	cr_assert(kid);
	cr_assert_eq(strlen(kid), kid_len, "kid %s", kid);
	cr_assert_eq(strspn(kid, kid_chars), kid_len, "kid %s", kid);
	json_decref(j);
	c = json_loads(claims, 0, NULL);
	cr_assert(c, "claims: %s", claims);
	/* keys in order, as the API server writes them */
	cr_assert_eq(strncmp(claims, "{\"aud\":[", 8), 0, "%s", claims);
	free(hdr);
	free(claims);
	return c;
}

#define B64URL                                                                 \
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
#define POD_UID "6f1c2e0a-3b4d-4e5f-8a9b-0c1d2e3f4a5b"

Test(tokgen, k8s_jwt_shape)
{
	static char tok[BS_CONTENT_MAX + 1];
	struct bs_tokgen_who who = { "payments", "billing-sa", "web-7f9c",
				     POD_UID };
	const char *iss, *sub, *ns, *pod, *puid, *sa, *said, *aud, *jti;
	const char *node, *nuid;
	json_int_t iat, exp, nbf, warn;
	json_t *j;

	cr_assert_gt(gen("k8s-sa-token", &who, NULL, tok), 256);
	j = jwt_claims(tok, B64URL, 43);
	cr_assert_eq(json_unpack(j,
				 "{s:[s], s:I, s:I, s:s, s:s, s:{s:s, s:{s:s, "
				 "s:s}, s:{s:s, s:s}, s:{s:s, s:s}, s:I}, s:I, "
				 "s:s}",
				 "aud", &aud, "exp", &exp, "iat", &iat, "iss",
				 &iss, "jti", &jti, "kubernetes.io",
				 "namespace", &ns, "node", "name", &node, "uid",
				 &nuid, "pod", "name", &pod, "uid", &puid,
				 "serviceaccount", "name", &sa, "uid", &said,
				 "warnafter", &warn, "nbf", &nbf, "sub", &sub),
		     0);
	cr_assert_str_eq(iss, "https://kubernetes.default.svc.cluster.local");
	cr_assert_str_eq(aud, iss);
	cr_assert_str_eq(sub, "system:serviceaccount:payments:billing-sa");
	cr_assert_str_eq(ns, "payments");
	cr_assert_str_eq(sa, "billing-sa");
	cr_assert_str_eq(pod, "web-7f9c");
	cr_assert_str_eq(puid, POD_UID);
	cr_assert(bs_k8s_name_valid(node), "node %s", node);
	cr_assert_eq(strlen(nuid), 36);
	cr_assert_eq(strlen(said), 36);
	cr_assert_eq(strlen(jti), 36);
	cr_assert_geq(iat, (json_int_t)time(NULL) - 5);
	cr_assert_eq(nbf, iat);
	cr_assert_eq(warn, iat + 3607);
	cr_assert_eq(exp, iat + 365 * 24 * 3600);
	json_decref(j);
}

Test(tokgen, k8s_bad_names_default)
{
	static char tok[BS_CONTENT_MAX + 1];
	struct bs_tokgen_who who = { "Evil\"}NS", "../x", "a/b", "not-a-uid" };
	const char *dot1, *dot2, *pod, *uid;
	char *claims;
	json_t *j;

	cr_assert_gt(gen("k8s-sa-token", &who, NULL, tok), 0);
	dot1 = strchr(tok, '.');
	dot2 = strchr(dot1 + 1, '.');
	claims = b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1));
	cr_assert(strstr(claims, "system:serviceaccount:default:default"), "%s",
		  claims);
	j = json_loads(claims, 0, NULL);
	cr_assert_eq(json_unpack(j, "{s:{s:{s:s, s:s}}}", "kubernetes.io",
				 "pod", "name", &pod, "uid", &uid),
		     0);
	cr_assert(bs_k8s_name_valid(pod), "%s", pod);
	cr_assert_str_neq(uid, "not-a-uid");
	cr_assert_eq(strlen(uid), 36);
	json_decref(j);
	free(claims);
}

/* Same service account, same uid; pods differ. */
Test(tokgen, sa_uid_stable_per_account)
{
	static char a[BS_CONTENT_MAX + 1], b[BS_CONTENT_MAX + 1];
	struct bs_tokgen_who w1 = { "prod", "api", "p1", NULL };
	struct bs_tokgen_who w2 = { "prod", "api", "p2", NULL };
	const char *u1, *u2;
	json_t *j1, *j2;

	cr_assert_gt(gen("eks-irsa", &w1, NULL, a), 0);
	cr_assert_gt(gen("eks-irsa", &w2, NULL, b), 0);
	j1 = jwt_claims(a, "0123456789abcdef", 40);
	j2 = jwt_claims(b, "0123456789abcdef", 40);
	cr_assert_eq(json_unpack(j1, "{s:{s:{s:s}}}", "kubernetes.io",
				 "serviceaccount", "uid", &u1),
		     0);
	cr_assert_eq(json_unpack(j2, "{s:{s:{s:s}}}", "kubernetes.io",
				 "serviceaccount", "uid", &u2),
		     0);
	cr_assert_str_eq(u1, u2);
	json_decref(j1);
	json_decref(j2);
}

Test(tokgen, eks_irsa_shape)
{
	static char tok[BS_CONTENT_MAX + 1];
	const struct bs_aws_cluster *c = bs_aws_cluster();
	struct bs_tokgen_who who = { "payments", "billing-sa", "web-7f9c",
				     POD_UID };
	const char *iss, *sub, *ns, *pod, *puid, *sa, *said, *aud;
	const char *node, *nuid;
	char want[160];
	json_int_t iat, exp, nbf;
	struct bs_irsa_env env;
	regex_t re;
	json_t *j;

	bs_tokgen_set_node("ip-10-0-1-7.ec2.internal");
	cr_assert_gt(gen("eks-irsa", &who, NULL, tok), 256);
	j = jwt_claims(tok, "0123456789abcdef", 40);
	cr_assert_eq(
		json_unpack(j,
			    "{s:[s!], s:I, s:I, s:s, s:{s:s, s:{s:s, "
			    "s:s}, s:{s:s, s:s}, s:{s:s, s:s}}, s:I, s:s !}",
			    "aud", &aud, "exp", &exp, "iat", &iat, "iss", &iss,
			    "kubernetes.io", "namespace", &ns, "node", "name",
			    &node, "uid", &nuid, "pod", "name", &pod, "uid",
			    &puid, "serviceaccount", "name", &sa, "uid", &said,
			    "nbf", &nbf, "sub", &sub),
		0);
	cr_assert_str_eq(aud, "sts.amazonaws.com");
	cr_assert_eq(regcomp(&re,
			     "^https://"
			     "oidc\\.eks\\.[a-z]{2}-[a-z]+-[0-9]\\.amazonaws\\."
			     "com/id/[0-9A-F]{32}$",
			     REG_EXTENDED),
		     0);
	cr_assert_eq(regexec(&re, iss, 0, NULL, 0), 0, "%s", iss);
	regfree(&re);
	snprintf(want, sizeof(want), "https://oidc.eks.%s.amazonaws.com/id/%s",
		 c->region, c->oidc_id);
	cr_assert_str_eq(iss, want);
	cr_assert_str_eq(sub, "system:serviceaccount:payments:billing-sa");
	cr_assert_str_eq(ns, "payments");
	cr_assert_str_eq(pod, "web-7f9c");
	cr_assert_str_eq(puid, POD_UID);
	/* the node the agent names in alerts (--node), one uid for it */
	cr_assert_str_eq(node, "ip-10-0-1-7.ec2.internal");
	cr_assert_eq(strlen(nuid), 36);
	cr_assert_str_eq(sa, "billing-sa");
	cr_assert_eq(exp, iat + 86400);
	cr_assert_eq(nbf, iat);
	cr_assert_gt(exp, (json_int_t)time(NULL));
	json_decref(j);
	cr_assert_eq(bs_tokgen_irsa_env(&who, &env), 0);
	snprintf(want, sizeof(want),
		 "arn:aws:iam::%s:role/payments-billing-sa-role", c->account);
	cr_assert_str_eq(env.role_arn, want);
	cr_assert_str_eq(env.region, c->region);
	cr_assert(bs_tokgen_known("eks-irsa"));
}

Test(tokgen, generic_and_file)
{
	static char a[BS_CONTENT_MAX + 1], big[BS_CONTENT_MAX + 2];
	char path[] = "/tmp/bs-tokfile-XXXXXX";
	int fd;

	cr_assert_gt(gen("generic", NULL, NULL, a), 40);
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "canary!\n", 8), 8);
	cr_assert_eq(gen("file", NULL, path, a), 8);
	cr_assert_str_eq(a, "canary!\n");
	memset(big, 'x', sizeof(big));
	cr_assert_eq(write(fd, big, sizeof(big)), (ssize_t)sizeof(big));
	close(fd);
	cr_assert_eq(gen("file", NULL, path, a), -EFBIG);
	unlink(path);
	cr_assert_lt(gen("file", NULL, "/nonexistent/x", a), 0);
	cr_assert_eq(gen("file", NULL, "/tmp", a), -EINVAL);
	cr_assert_eq(gen("nope", NULL, NULL, a), -EINVAL);
}

static struct bs_token *tok(const char *ctr, const char *path)
{
	static struct bs_token t;

	memset(&t, 0, sizeof(t));
	snprintf(t.container_id, sizeof(t.container_id), "%s", ctr);
	snprintf(t.path, sizeof(t.path), "%s", path);
	return &t;
}

Test(token_store, add_get_update_remove)
{
	struct bs_token_store *s = bs_token_store_new(4);
	struct bs_token out;
	uint32_t id1, id2;

	cr_assert(s);
	cr_assert_eq(bs_token_store_add(s, tok("c1", "/a")), 0);
	{
		struct bs_token *t = tok("c1", "/b");

		cr_assert_eq(bs_token_store_add(s, t), 0);
		id1 = t->id;
		t = tok("c2", "/b");
		cr_assert_eq(bs_token_store_add(s, t), 0);
		id2 = t->id;
	}
	cr_assert_neq(id1, 0);
	cr_assert_neq(id2, 0);
	cr_assert_neq(id1, id2);
	cr_assert_eq(bs_token_store_add(s, tok("c1", "/b")), -EEXIST);
	cr_assert_eq(bs_token_store_get(s, id2, &out), 0);
	cr_assert_str_eq(out.container_id, "c2");
	out.have_inode = true;
	out.ino = 42;
	cr_assert_eq(bs_token_store_update(s, &out), 0);
	cr_assert_eq(bs_token_store_get(s, id2, &out), 0);
	cr_assert_eq(out.ino, 42);
	cr_assert_eq(bs_token_store_count(s), 3);
	cr_assert_eq(bs_token_store_add(s, tok("c3", "/a")), 0);
	cr_assert_eq(bs_token_store_add(s, tok("c4", "/a")), -ENOSPC);
	cr_assert_eq(bs_token_store_list_container(s, "c1", NULL, 0), 2);
	cr_assert_eq(bs_token_store_remove_container(s, "c1"), 2);
	cr_assert_eq(bs_token_store_get(s, id1, &out), -ENOENT);
	cr_assert_eq(bs_token_store_remove(s, id2), 0);
	cr_assert_eq(bs_token_store_remove(s, id2), -ENOENT);
	cr_assert_eq(bs_token_store_get(s, 0, &out), -ENOENT);
	cr_assert_eq(bs_token_store_count(s), 1);
	bs_token_store_free(s);
	cr_assert_null(bs_token_store_new(0));
}

/* The container index against a scan: many containers sharing buckets,
 * removals in the middle of chains, an update that moves a token. */
Test(token_store, container_index_matches_scan)
{
	enum { CAP = 512, CTRS = 97 };
	struct bs_token_store *s = bs_token_store_new(CAP);
	uint32_t ids[8], first[CTRS];
	char ctr[16];

	cr_assert(s);
	for (int i = 0; i < CAP; i++) {
		struct bs_token *t;

		snprintf(ctr, sizeof(ctr), "c%d", i % CTRS);
		t = tok(ctr, i < CTRS ? "/a" : "/b");
		if (i >= 2 * CTRS)
			snprintf(t->path, sizeof(t->path), "/p%d", i);
		cr_assert_eq(bs_token_store_add(s, t), 0, "add %d", i);
		if (i < CTRS)
			first[i] = t->id;
	}
	cr_assert_eq(bs_token_store_add(s, tok("c0", "/a")), -ENOSPC);
	cr_assert_eq(bs_token_store_remove(s, first[5]), 0);
	cr_assert_eq(bs_token_store_remove_container(s, "c7"),
		     (size_t)(CAP / CTRS + (7 < CAP % CTRS)));
	cr_assert_eq(bs_token_store_add(s, tok("c5", "/a")), 0);
	for (int c = 0; c < CTRS; c++) {
		size_t want =
			c == 7 ? 0 : (size_t)(CAP / CTRS + (c < CAP % CTRS));

		snprintf(ctr, sizeof(ctr), "c%d", c);
		cr_assert_eq(bs_token_store_list_container(s, ctr, ids, 8),
			     want, "container %s", ctr);
		if (want && c != 5)
			cr_assert_eq(ids[0], first[c], "add order kept in %s",
				     ctr);
	}
	{
		struct bs_token out;

		cr_assert_eq(bs_token_store_get(s, first[3], &out), 0);
		snprintf(out.container_id, sizeof(out.container_id), "moved");
		cr_assert_eq(bs_token_store_update(s, &out), 0);
		cr_assert_eq(bs_token_store_list_container(s, "moved", ids, 8),
			     1);
		cr_assert_eq(ids[0], first[3]);
		cr_assert_eq(bs_token_store_list_container(s, "c3", NULL, 0),
			     (size_t)(CAP / CTRS));
		cr_assert_eq(bs_token_store_add(s, tok("moved", "/a")),
			     -EEXIST);
	}
	bs_token_store_free(s);
}

Test(token_store, ids_not_reused_soon)
{
	struct bs_token_store *s = bs_token_store_new(2);
	uint32_t seen[200];

	for (int i = 0; i < 200; i++) {
		struct bs_token *t = tok("c", "/p");

		cr_assert_eq(bs_token_store_add(s, t), 0);
		seen[i] = t->id;
		for (int k = 0; k < i; k++)
			cr_assert_neq(seen[k], t->id, "id %u reused", t->id);
		cr_assert_eq(bs_token_store_remove(s, t->id), 0);
	}
	bs_token_store_free(s);
}

Test(annotations, path_rules)
{
	static char longp[300];

	cr_assert_eq(bs_ann_path_check("/var/run/secrets/x", NULL, NULL), 0);
	cr_assert_eq(bs_ann_path_check("/root/.aws/config", NULL, NULL), 0);
	cr_assert_neq(bs_ann_path_check("/var/run/secrets/", NULL, NULL), 0);
	cr_assert_neq(bs_ann_path_check("/var/run/secretsX/a", NULL, NULL), 0);
	cr_assert_neq(bs_ann_path_check("/var/run/secrets/../x", NULL, NULL),
		      0);
	cr_assert_neq(bs_ann_path_check("/var/run/secrets/a\n", NULL, NULL), 0);
	cr_assert_neq(bs_ann_path_check("", NULL, NULL), 0);
	cr_assert_neq(bs_ann_path_check(NULL, NULL, NULL), 0);
	memset(longp, 'a', sizeof(longp) - 1);
	memcpy(longp, "/run/secrets/", 13);
	cr_assert_neq(bs_ann_path_check(longp, NULL, NULL), 0);
	longp[255] = '\0';
	cr_assert_eq(bs_ann_path_check(longp, NULL, NULL), 0);
	{
		const char *const mine[] = { "/data/", NULL };

		cr_assert_eq(bs_ann_path_check("/data/t", mine, NULL), 0);
		cr_assert_neq(bs_ann_path_check("/run/secrets/t", mine, NULL),
			      0);
	}
}
