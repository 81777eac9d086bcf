// SPDX-License-Identifier: Apache-2.0
/*
 * The hook's own JSON reader (agent/hook_json.c): escapes, nesting, bounds
 * and refusals case by case, then a differential run against libjansson
 * (what the hook used before) on mutated OCI state/config documents: both
 * must agree on valid/invalid and on the string found.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/hook_json.h"

static const char *const K_BUNDLE[] = { "bundle" };
static const char *const K_ROOT[] = { "root", "path" };

static int get(const char *doc, const char *const *keys, size_t nkeys,
	       char *out, size_t outsz, struct bs_hj_error *e)
{
	/* exact-size copy: the reader must not rely on a NUL after doc */
	size_t len = strlen(doc);
	char *copy = malloc(len ? len : 1);
	int err;

	cr_assert_not_null(copy);
	/* NOLINTNEXTLINE(bugprone-not-null-terminated-result): on purpose */
	memcpy(copy, doc, len);
	err = bs_hj_get_string(copy, len, keys, nkeys, out, outsz, e);
	free(copy);
	return err;
}

static void expect_str(const char *doc, const char *const *keys, size_t nk,
		       const char *want)
{
	char out[256];
	struct bs_hj_error e;
	int err = get(doc, keys, nk, out, sizeof(out), &e);

	cr_assert_eq(err, 0, "%s: %d (%s at %zu)", doc, err,
		     e.why ? e.why : "-", e.off);
	cr_assert_str_eq(out, want, "%s", doc);
}

static void expect_err(const char *doc, int want, const char *why_part)
{
	char out[256] = "unchanged";
	struct bs_hj_error e;
	int err = get(doc, K_ROOT, 2, out, sizeof(out), &e);

	cr_assert_eq(err, want, "%s: got %d want %d (%s)", doc, err, want,
		     e.why ? e.why : "-");
	cr_assert_str_empty(out, "%s: out not cleared", doc);
	if (why_part)
		cr_assert(e.why && strstr(e.why, why_part), "%s: why %s", doc,
			  e.why ? e.why : "(null)");
}

Test(hook_json, finds_fields)
{
	expect_str("{\"bundle\":\"/run/b\"}", K_BUNDLE, 1, "/run/b");
	expect_str(" \t\r\n{ \"pid\" : 1 , \"bundle\" : \"x\" } \n", K_BUNDLE,
		   1, "x");
	expect_str("{\"a\":[1,{\"bundle\":\"no\"}],\"bundle\":\"yes\"}",
		   K_BUNDLE, 1, "yes");
	expect_str("{\"process\":{\"root\":{\"path\":\"no\"}},"
		   "\"root\":{\"readonly\":true,\"path\":\"rootfs\"}}",
		   K_ROOT, 2, "rootfs");
	expect_str("{\"bundle\":\"\"}", K_BUNDLE, 1, "");
	expect_str("\"top\"", NULL, 0, "top");
	/* keys compared decoded */
	expect_str("{\"bun\\u0064le\":\"k\"}", K_BUNDLE, 1, "k");
	/* other values of every kind skipped */
	expect_str("{\"n\":[-0.5e+3,0,1E9,true,false,null,{},[],\"\"],"
		   "\"bundle\":\"v\"}",
		   K_BUNDLE, 1, "v");
}

Test(hook_json, decodes_escapes)
{
	expect_str("{\"bundle\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}", K_BUNDLE, 1,
		   "\"\\/\b\f\n\r\t");
	expect_str("{\"bundle\":\"\\u00e9\\u20AC\"}", K_BUNDLE, 1,
		   "\xc3\xa9\xe2\x82\xac");
	expect_str("{\"bundle\":\"\\ud83d\\ude00\"}", K_BUNDLE, 1,
		   "\xf0\x9f\x98\x80");
	expect_str("{\"bundle\":\"raw \xc3\xa9 \xf4\x8f\xbf\xbf\"}", K_BUNDLE,
		   1, "raw \xc3\xa9 \xf4\x8f\xbf\xbf");
}

Test(hook_json, refuses_bad_strings)
{
	/* each document with a part of the reason it must give (NULL: any) */
	static const char *const bad[][2] = {
		{ "{\"root\":{\"path\":\"a\\u0000b\"}}", "\\u0000" },
		{ "{\"root\":{\"path\":\"\\ud800\"}}", "surrogate" },
		{ "{\"root\":{\"path\":\"\\ud800\\u0041\"}}", "surrogate" },
		{ "{\"root\":{\"path\":\"\\udc00\"}}", "surrogate" },
		{ "{\"root\":{\"path\":\"\\u12g4\"}}", "hex" },
		{ "{\"root\":{\"path\":\"\\u12\"}}", NULL },
		{ "{\"root\":{\"path\":\"\\x\"}}", "escape" },
		{ "{\"root\":{\"path\":\"a\nb\"}}", "control" },
		{ "{\"root\":{\"path\":\"\xc0\x80\"}}", "UTF-8" },
		{ "{\"root\":{\"path\":\"\xed\xa0\x80\"}}", "UTF-8" },
		{ "{\"root\":{\"path\":\"\xf4\x90\x80\x80\"}}", "UTF-8" },
		{ "{\"root\":{\"path\":\"\xe2\x82\"}}", "UTF-8" },
		{ "{\"root\":{\"path\":\"abc", "unterminated" },
		{ "{\"root\":{\"path\":\"abc\\", "unterminated" },
		/* bad bytes in a string off the path are refused too */
		{ "{\"x\":\"\xff\",\"root\":{\"path\":\"a\"}}", "UTF-8" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_err(bad[i][0], -EINVAL, bad[i][1]);
}

Test(hook_json, refuses_bad_grammar)
{
	static const char *const bad[] = {
		"",
		"   ",
		"{",
		"}",
		"{\"root\"}",
		"{\"root\":}",
		"{\"root\":{\"path\":\"a\"},}",
		"{\"root\":{\"path\":\"a\"}",
		"[1,]",
		"[1 2]",
		"{root:1}",
		"{'root':1}",
		"{\"a\":01}",
		"{\"a\":1.}",
		"{\"a\":.5}",
		"{\"a\":-}",
		"{\"a\":1e}",
		"{\"a\":+1}",
		"{\"a\":tru}",
		"{\"a\":nul}",
		"{\"a\":True}",
		"{\"a\":NaN}",
		"{} {}",
		"{}x",
		"\xef\xbb\xbf{}",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_err(bad[i], -EINVAL, NULL);
	/* with an embedded NUL (strlen would stop there) */
	{
		static const char doc[] = "{\"root\":{\"path\":\"a\"}}\0 ";
		char out[16];

		cr_assert_eq(bs_hj_get_string(doc, sizeof(doc) - 1, K_ROOT, 2,
					      out, sizeof(out), NULL),
			     -EINVAL);
	}
}

Test(hook_json, error_offset)
{
	struct bs_hj_error e;
	char out[16];

	cr_assert_eq(get("{\"a\":tru}", K_ROOT, 2, out, sizeof(out), &e),
		     -EINVAL);
	cr_assert_eq(e.off, 5);
	cr_assert_eq(get("{\"a\":1}  x", K_ROOT, 2, out, sizeof(out), &e),
		     -EINVAL);
	cr_assert_eq(e.off, 9);
	cr_assert_str_eq(e.why, "trailing data after the document");
}

Test(hook_json, depth_bounded)
{
	char doc[4 * BS_HJ_MAX_DEPTH + 8];
	size_t n = 0;

	for (int i = 0; i < BS_HJ_MAX_DEPTH; i++)
		doc[n++] = '[';
	for (int i = 0; i < BS_HJ_MAX_DEPTH; i++)
		doc[n++] = ']';
	doc[n] = '\0';
	expect_err(doc, -ENOENT, NULL);
	n = 0;
	for (int i = 0; i <= BS_HJ_MAX_DEPTH; i++)
		doc[n++] = '[';
	for (int i = 0; i <= BS_HJ_MAX_DEPTH; i++)
		doc[n++] = ']';
	doc[n] = '\0';
	expect_err(doc, -EINVAL, "nested too deep");
}

Test(hook_json, absent_not_string_duplicate)
{
	expect_err("{}", -ENOENT, NULL);
	expect_err("[{\"root\":{\"path\":\"a\"}}]", -ENOENT, NULL);
	expect_err("{\"root\":\"rootfs\"}", -ENOENT, NULL);
	expect_err("{\"root\":{\"path\":7}}", -ENOENT, NULL);
	expect_err("{\"root\":{\"path\":null}}", -ENOENT, NULL);
	expect_err("{\"root\":{\"path\":[\"a\"]}}", -ENOENT, NULL);
	expect_err("{\"root\":{\"path\":\"a\",\"path\":\"b\"}}", -EINVAL,
		   "duplicate");
	expect_err("{\"root\":{\"path\":\"a\"},\"root\":{}}", -EINVAL,
		   "duplicate");
	/* duplicates off the path are none of our business */
	expect_str("{\"x\":1,\"x\":2,\"root\":{\"path\":\"a\"}}", K_ROOT, 2,
		   "a");
}

Test(hook_json, output_bounded)
{
	char out[4];

	cr_assert_eq(get("{\"bundle\":\"abc\"}", K_BUNDLE, 1, out, 4, NULL), 0);
	cr_assert_str_eq(out, "abc");
	cr_assert_eq(get("{\"bundle\":\"abcd\"}", K_BUNDLE, 1, out, 4, NULL),
		     -ENAMETOOLONG);
	cr_assert_str_empty(out);
	cr_assert_eq(get("{\"bundle\":\"\\u00e9\\u00e9\"}", K_BUNDLE, 1, out, 4,
			 NULL),
		     -ENAMETOOLONG);
	cr_assert_eq(get("{\"bundle\":\"\"}", K_BUNDLE, 1, NULL, 0, NULL),
		     -ENAMETOOLONG);
}

static void expect_raw(const char *doc, const char *key, const char *want)
{
	const char *keys[] = { key }, *v = NULL;
	size_t vl = 0;

	cr_assert_eq(bs_hj_get_raw(doc, strlen(doc), keys, key ? 1 : 0, &v, &vl,
				   NULL),
		     0, "%s in %s", key ? key : "(document)", doc);
	cr_expect_eq(vl, strlen(want), "%s: length %zu", doc, vl);
	cr_expect_eq(strncmp(v, want, vl), 0, "%s: got %.*s", doc, (int)vl, v);
}

Test(hook_json, raw_values)
{
	static const char doc[] =
		" {\"n\":-1.5e3,\"s\":\"p\\\"x\",\"o\":{\"k\":true}} ";
	const char *v;
	size_t vl;

	expect_raw(doc, "n", "-1.5e3");
	expect_raw(doc, "s", "p\\\"x");
	expect_raw(doc, "o", "{\"k\":true}");
	expect_raw(doc, NULL,
		   "{\"n\":-1.5e3,\"s\":\"p\\\"x\",\"o\":{\"k\":true}}");
	cr_expect_eq(bs_hj_get_raw("{\"a\":1,}", 8, NULL, 0, &v, &vl, NULL),
		     -EINVAL);
	cr_expect_eq(bs_hj_get_raw("{\"a\":1}", 7, K_BUNDLE, 1, &v, &vl, NULL),
		     -ENOENT);
}

/* ---- differential against libjansson --------------------------------- */

static const char *const seeds[] = {
	"{\"ociVersion\":\"1.0.2\",\"id\":\"c1\",\"status\":\"creating\","
	"\"pid\":4242,\"bundle\":\"/run/containerd/io.containerd.runtime.v2"
	".task/k8s.io/c1\",\"annotations\":{\"a\":\"b\\u00e9\\n\"}}",
	"{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"sh\",\"-c\"],"
	"\"env\":[\"A=\\\"1\\\"\"],\"cwd\":\"/\",\"rlimits\":[{\"hard\":1024,"
	"\"soft\":-1.5e3}]},\"root\":{\"path\":\"ro\\/otfs\\ud83d\\ude00\","
	"\"readonly\":true},\"linux\":{\"uidMappings\":null,\"x\":false}}",
	"[{\"root\":{\"path\":\"\xc3\xa9\"}},{},[],\"\",0,-0.0e-0]",
	"{\"root\":{\"path\":\"/a\"},\"bundle\":\"\\t\\b\\f\\r\\\\\"}",
};

static const char alphabet[] = "{}[]\":,\\/u0123456789abcdefABCDEFeE+-."
			       "tfnrl \t\n\r\x00\x01\x1f\x7f\x80\xbf\xc2"
			       "\xc3\xe2\xed\xa0\xf0\xf4\x90\xff";

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static size_t mutate(char *d, size_t len, size_t cap)
{
	int k = 1 + (int)rnd(3);

	while (k--) {
		size_t at = len ? rnd((uint32_t)len) : 0;

		switch (rnd(4)) {
		case 0: /* replace */
			if (len)
				d[at] = alphabet[rnd(sizeof(alphabet) - 1)];
			break;
		case 1: /* insert */
			if (len + 1 < cap) {
				memmove(d + at + 1, d + at, len - at);
				d[at] = alphabet[rnd(sizeof(alphabet) - 1)];
				len++;
			}
			break;
		case 2: /* delete */
			if (len) {
				memmove(d + at, d + at + 1, len - at - 1);
				len--;
			}
			break;
		default: /* truncate */
			len = at;
			break;
		}
	}
	return len;
}

static const char *jansson_at(json_t *j, const char *const *keys, size_t nk)
{
	for (size_t i = 0; i < nk && j; i++)
		j = json_is_object(j) ? json_object_get(j, keys[i]) : NULL;
	return json_is_string(j) ? json_string_value(j) : NULL;
}

static void hexdump(const char *d, size_t len)
{
	for (size_t i = 0; i < len; i++)
		fprintf(stderr,
			(unsigned char)d[i] >= 0x20 &&
					(unsigned char)d[i] < 0x7f
				? "%c"
				: "\\x%02x",
			(unsigned char)d[i]);
	fputc('\n', stderr);
}

static void compare(const char *d, size_t len, const char *const *keys,
		    size_t nk, unsigned long *valid)
{
	struct bs_hj_error e;
	json_error_t je;
	char out[1024];
	int mine = bs_hj_get_string(d, len, keys, nk, out, sizeof(out), &e);
	const char *rv;
	size_t rl;
	/* the raw walk validates exactly as the string walk does */
	int raw = bs_hj_get_raw(d, len, keys, nk, &rv, &rl, NULL);
	json_t *j = json_loadb(d, len, JSON_DECODE_ANY, &je);
	const char *js = j ? jansson_at(j, keys, nk) : NULL;
	bool ok;

	if (mine == -EINVAL && e.why && strstr(e.why, "duplicate")) {
		json_decref(j);
		return; /* jansson keeps the last one; we refuse */
	}
	/* jansson takes a NUL byte inside a number token; RFC 8259 does not */
	if (j && mine == -EINVAL && memchr(d, 0, len)) {
		json_decref(j);
		return;
	}
	/* jansson also refuses numbers it cannot represent */
	if (!j && mine != -EINVAL &&
	    (strstr(je.text, "too big") || strstr(je.text, "overflow")))
		return;
	if (!j)
		ok = mine == -EINVAL;
	else if (js)
		ok = mine == 0 && !strcmp(out, js);
	else
		ok = mine == -ENOENT;
	ok = ok && (raw == -EINVAL) == (mine == -EINVAL);
	if (!ok) {
		fprintf(stderr,
			"disagree (mine %d %s @%zu, jansson %s): ", mine,
			e.why ? e.why : "-", e.off,
			j ? (js ? js : "(absent)") : je.text);
		hexdump(d, len);
	}
	*valid += j != NULL;
	json_decref(j);
	cr_assert(ok, "hook_json and jansson disagree (see stderr)");
}

Test(hook_json, agrees_with_jansson_on_mutations)
{
	static char d[4096];
	unsigned long valid = 0, n = 0;

	for (size_t s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++) {
		size_t base = strlen(seeds[s]);

		compare(seeds[s], base, K_BUNDLE, 1, &valid);
		compare(seeds[s], base, K_ROOT, 2, &valid);
		for (int i = 0; i < 50000; i++, n++) {
			size_t len;

			memcpy(d, seeds[s], base);
			len = mutate(d, base, sizeof(d));
			compare(d, len, i & 1 ? K_ROOT : K_BUNDLE, 1 + (i & 1),
				&valid);
		}
	}
	cr_log_info("%lu mutated documents, %lu valid for jansson", n, valid);
	cr_assert_gt(valid, n / 50, "mutations too destructive to compare");
}
