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
	cr_assert_str_eq(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	hex_of("abc", 3, h);
	cr_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, h);
	cr_assert_str_eq(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
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
	cr_assert_str_eq(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
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
	regex_t re;

	cr_assert_gt(gen("aws-access-key", NULL, NULL, a), 0);
	cr_assert_gt(gen("aws-access-key", NULL, NULL, b), 0);
	cr_assert_eq(regcomp(&re,
			     "^\\[default\\]\naws_access_key_id = ASIA[A-Z2-7]{16}\n"
			     "aws_secret_access_key = [A-Za-z0-9+/]{40}\n"
			     "aws_session_token = [A-Za-z0-9+/]{372}\n"
			     "region = us-east-1\n$",
			     REG_EXTENDED), 0);
	cr_assert_eq(regexec(&re, a, 0, NULL, 0), 0, "%s", a);
	regfree(&re);
	cr_assert_str_neq(a, b);
}

/* Decode one base64url part into a NUL-terminated string. */
static char *b64url_decode(const char *s, size_t n)
{
	static const char al[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
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

Test(tokgen, k8s_jwt_shape)
{
	static char tok[BS_CONTENT_MAX + 1];
	struct bs_tokgen_who who = { "payments", "billing-sa" };
	const char *dot1, *dot2, *iss, *sub, *ns;
	json_int_t iat, exp;
	char *hdr, *claims;
	json_t *j;

	cr_assert_gt(gen("k8s-sa-token", &who, NULL, tok), 0);
	dot1 = strchr(tok, '.');
	cr_assert(dot1);
	dot2 = strchr(dot1 + 1, '.');
	cr_assert(dot2);
	cr_assert_null(strchr(dot2 + 1, '.'));
	cr_assert_gt(strlen(dot2 + 1), 300);
	hdr = b64url_decode(tok, (size_t)(dot1 - tok));
	claims = b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1));
	free(b64url_decode(dot2 + 1, strlen(dot2 + 1)));
	j = json_loads(hdr, 0, NULL);
	cr_assert(j, "header: %s", hdr);
	cr_assert_str_eq(json_string_value(json_object_get(j, "alg")), "RS256");
	json_decref(j);
	j = json_loads(claims, 0, NULL);
	cr_assert(j, "claims: %s", claims);
	cr_assert_eq(json_unpack(j, "{s:s, s:s, s:s, s:I, s:I}", "iss", &iss,
				 "sub", &sub,
				 "kubernetes.io/serviceaccount/namespace", &ns,
				 "iat", &iat, "exp", &exp), 0);
	cr_assert_str_eq(iss, "kubernetes/serviceaccount");
	cr_assert_str_eq(sub, "system:serviceaccount:payments:billing-sa");
	cr_assert_str_eq(ns, "payments");
	cr_assert_gt(exp, iat);
	json_decref(j);
	free(hdr);
	free(claims);
}

Test(tokgen, k8s_bad_names_default)
{
	static char tok[BS_CONTENT_MAX + 1];
	struct bs_tokgen_who who = { "Evil\"}NS", "../x" };
	const char *dot1, *dot2;
	char *claims;

	cr_assert_gt(gen("k8s-sa-token", &who, NULL, tok), 0);
	dot1 = strchr(tok, '.');
	dot2 = strchr(dot1 + 1, '.');
	claims = b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1));
	cr_assert(strstr(claims, "system:serviceaccount:default:default"),
		  "%s", claims);
	free(claims);
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
		size_t want = c == 7 ? 0 : (size_t)(CAP / CTRS + (c < CAP % CTRS));

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
	cr_assert_neq(bs_ann_path_check("/var/run/secrets/../x", NULL, NULL), 0);
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
		cr_assert_neq(bs_ann_path_check("/run/secrets/t", mine, NULL), 0);
	}
}
