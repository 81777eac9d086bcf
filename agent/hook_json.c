// SPDX-License-Identifier: Apache-2.0
/* Bounded JSON field reader for beesting-hook (see hook_json.h).  One pass,
 * recursive descent bounded by BS_HJ_MAX_DEPTH; every read is checked
 * against the end of the buffer, so the document need not be
 * NUL-terminated and a NUL byte in it is an error like any other. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "agent/hook_json.h"

#define KEY_MAX 256 /* a longer key never matches one of ours */

enum found { FOUND_NONE, FOUND_STRING, FOUND_OTHER };

struct hj {
	const unsigned char *p, *end, *start;
	const char *why;
	size_t why_off;
	char *out;
	size_t outsz;
	enum found found;
	const unsigned char *raw; /* the target value's text */
	size_t rawlen;
	bool too_long;
	bool dup;
	size_t dup_off;
};

/* Where decoded string bytes go; over once they do not fit with a NUL. */
struct sink {
	char *buf;
	size_t cap, n;
	bool over;
};

static int bad(struct hj *h, const char *why)
{
	if (!h->why) {
		h->why = why;
		h->why_off = (size_t)(h->p - h->start);
	}
	return -EINVAL;
}

static bool more(const struct hj *h, size_t n)
{
	return (size_t)(h->end - h->p) >= n;
}

static bool at(const struct hj *h, unsigned char c)
{
	return h->p < h->end && *h->p == c;
}

static void skip_ws(struct hj *h)
{
	while (h->p < h->end && (*h->p == ' ' || *h->p == '\t' ||
				 *h->p == '\n' || *h->p == '\r'))
		h->p++;
}

static void put(struct sink *s, const unsigned char *b, size_t n)
{
	if (!s || s->over)
		return;
	if (s->n + n >= s->cap) {
		s->over = true;
		return;
	}
	memcpy(s->buf + s->n, b, n);
	s->n += n;
}

static int hex4(struct hj *h, uint32_t *v)
{
	*v = 0;
	if (!more(h, 4))
		return bad(h, "truncated \\u escape");
	for (int i = 0; i < 4; i++) {
		unsigned char c = h->p[i];
		int d = c >= '0' && c <= '9'   ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10
					       : -1;

		if (d < 0)
			return bad(h, "bad hex digit in a \\u escape");
		*v = *v << 4 | (uint32_t)d;
	}
	h->p += 4;
	return 0;
}

static size_t utf8_encode(uint32_t cp, unsigned char *o)
{
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
	o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
	o[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

/* After "\u": one code point, a surrogate pair taken together. */
static int unicode_escape(struct hj *h, struct sink *s)
{
	unsigned char u[4];
	uint32_t cp, lo;

	if (hex4(h, &cp))
		return -EINVAL;
	if (cp >= 0xDC00 && cp <= 0xDFFF)
		return bad(h, "lone low surrogate in a \\u escape");
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		if (!more(h, 2) || h->p[0] != '\\' || h->p[1] != 'u')
			return bad(h, "high surrogate without its low half");
		h->p += 2;
		if (hex4(h, &lo))
			return -EINVAL;
		if (lo < 0xDC00 || lo > 0xDFFF)
			return bad(h, "high surrogate without its low half");
		cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
	}
	/* a NUL would silently cut a path short */
	if (cp == 0)
		return bad(h, "\\u0000 in a string");
	put(s, u, utf8_encode(cp, u));
	return 0;
}

/* h->p on a backslash with at least one byte after it. */
static int escape(struct hj *h, struct sink *s)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *e = memchr(from, h->p[1], sizeof(from) - 1);

	if (h->p[1] == 'u') {
		h->p += 2;
		return unicode_escape(h, s);
	}
	if (!e)
		return bad(h, "unknown escape in a string");
	put(s, (const unsigned char *)&to[e - from], 1);
	h->p += 2;
	return 0;
}

/* Length of the well-formed UTF-8 sequence at p (lead byte >= 0x80), 0
 * when it is not (overlong, surrogate, past U+10FFFF, truncated). */
static size_t utf8_len(const unsigned char *p, size_t avail)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xBF;
	size_t n;

	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		lo = c == 0xE0 ? 0xA0 : lo;
		hi = c == 0xED ? 0x9F : hi;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		lo = c == 0xF0 ? 0x90 : lo;
		hi = c == 0xF4 ? 0x8F : hi;
	} else {
		return 0;
	}
	if (avail < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xBF)
			return 0;
	return n;
}

/* h->p on the opening quote; decoded into s (NULL: only checked). */
static int string(struct hj *h, struct sink *s)
{
	h->p++;
	while (h->p < h->end) {
		unsigned char c = *h->p;
		size_t n = 1;

		if (c == '"') {
			h->p++;
			if (s && !s->over)
				s->buf[s->n] = '\0';
			return 0;
		}
		if (c < 0x20)
			return bad(h, "control character in a string");
		if (c == '\\') {
			if (!more(h, 2))
				break;
			if (escape(h, s))
				return -EINVAL;
			continue;
		}
		if (c >= 0x80) {
			n = utf8_len(h->p, (size_t)(h->end - h->p));
			if (!n)
				return bad(h, "invalid UTF-8 in a string");
		}
		put(s, h->p, n);
		h->p += n;
	}
	return bad(h, "unterminated string");
}

static int digits(struct hj *h)
{
	if (!(h->p < h->end && *h->p >= '0' && *h->p <= '9'))
		return bad(h, "digit expected in a number");
	while (h->p < h->end && *h->p >= '0' && *h->p <= '9')
		h->p++;
	return 0;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?  (leading zeros leave the
 * rest for the caller, which then refuses it). */
static int number(struct hj *h)
{
	if (at(h, '-'))
		h->p++;
	if (at(h, '0'))
		h->p++;
	else if (digits(h))
		return -EINVAL;
	if (at(h, '.')) {
		h->p++;
		if (digits(h))
			return -EINVAL;
	}
	if (at(h, 'e') || at(h, 'E')) {
		h->p++;
		if (at(h, '+') || at(h, '-'))
			h->p++;
		if (digits(h))
			return -EINVAL;
	}
	return 0;
}

static int literal(struct hj *h, const char *word)
{
	size_t n = strlen(word);

	if (!more(h, n) || memcmp(h->p, word, n))
		return bad(h, "unexpected character");
	h->p += n;
	return 0;
}

static int value(struct hj *h, const char *const *keys, size_t nkeys, bool want,
		 int depth);

/* want: this object lies on the key path, keys[0] is the next key. */
/* Past the opening bracket: true (and past close) when nothing is in it. */
static bool opens_empty(struct hj *h, unsigned char close)
{
	h->p++;
	skip_ws(h);
	if (!at(h, close))
		return false;
	h->p++;
	return true;
}

/* After a member or element: 1 at ',' (another follows), 0 at close (the
 * container ends), the error for anything else. */
static int after_member(struct hj *h, unsigned char close, const char *why)
{
	skip_ws(h);
	if (at(h, ',')) {
		h->p++;
		return 1;
	}
	if (at(h, close)) {
		h->p++;
		return 0;
	}
	return bad(h, why);
}

static int object(struct hj *h, const char *const *keys, size_t nkeys,
		  bool want, int depth)
{
	int hits = 0, err;

	if (opens_empty(h, '}'))
		return 0;
	for (;;) {
		char key[KEY_MAX];
		struct sink ks = { .buf = key, .cap = sizeof(key) };
		bool match;

		skip_ws(h);
		if (!at(h, '"'))
			return bad(h, "object key expected");
		if (string(h, want && nkeys ? &ks : NULL))
			return -EINVAL;
		match = want && nkeys && !ks.over && !strcmp(key, keys[0]);
		/* jansson would keep the last one; we refuse to guess */
		if (match && ++hits > 1 && !h->dup) {
			h->dup = true;
			h->dup_off = (size_t)(h->p - h->start);
		}
		skip_ws(h);
		if (!at(h, ':'))
			return bad(h, "':' expected after an object key");
		h->p++;
		if (value(h, match ? keys + 1 : NULL, match ? nkeys - 1 : 0,
			  match, depth))
			return -EINVAL;
		err = after_member(h, '}', "',' or '}' expected in an object");
		if (err <= 0)
			return err;
	}
}

static int array(struct hj *h, int depth)
{
	int err;

	if (opens_empty(h, ']'))
		return 0;
	for (;;) {
		if (value(h, NULL, 0, false, depth))
			return -EINVAL;
		err = after_member(h, ']', "',' or ']' expected in an array");
		if (err <= 0)
			return err;
	}
}

static int one_value(struct hj *h, const char *const *keys, size_t nkeys,
		     bool want, int depth)
{
	bool target = want && nkeys == 0;

	switch (*h->p) {
	case '"':
		if (target) {
			struct sink s = { .buf = h->out,
					  .cap = h->outsz,
					  .over = !h->out || !h->outsz };
			int err = string(h, &s);

			h->too_long = s.over;
			return err;
		}
		return string(h, NULL);
	case '{':
	case '[':
		if (depth >= BS_HJ_MAX_DEPTH)
			return bad(h, "nested too deep");
		if (*h->p == '[')
			return array(h, depth + 1);
		return object(h, keys, nkeys, want, depth + 1);
	case 't':
		return literal(h, "true");
	case 'f':
		return literal(h, "false");
	case 'n':
		return literal(h, "null");
	default:
		if (*h->p == '-' || (*h->p >= '0' && *h->p <= '9'))
			return number(h);
		return bad(h, "unexpected character");
	}
}

static int value(struct hj *h, const char *const *keys, size_t nkeys, bool want,
		 int depth)
{
	const unsigned char *start;
	bool quoted;
	int err;

	skip_ws(h);
	if (h->p >= h->end)
		return bad(h, "value expected");
	start = h->p;
	quoted = *start == '"';
	err = one_value(h, keys, nkeys, want, depth);
	if (err || !want || nkeys)
		return err;
	h->found = quoted ? FOUND_STRING : FOUND_OTHER;
	/* a string's text is what lies between its quotes */
	h->raw = start + quoted;
	h->rawlen = (size_t)(h->p - start) - (quoted ? 2U : 0U);
	return 0;
}

/* Validate the whole document, finding the value at keys on the way. */
static int walk(struct hj *h, const char *const *keys, size_t nkeys,
		struct bs_hj_error *err)
{
	int e;

	if (err) {
		err->why = NULL;
		err->off = 0;
	}
	if (nkeys > BS_HJ_MAX_KEYS || (nkeys && !keys))
		return -EINVAL;
	e = value(h, keys, nkeys, true, 0);
	if (!e) {
		skip_ws(h);
		if (h->p != h->end)
			e = bad(h, "trailing data after the document");
	}
	if (!e && h->dup) {
		h->why = "duplicate key on the path";
		h->why_off = h->dup_off;
		e = -EINVAL;
	}
	if (e && err) {
		err->why = h->why;
		err->off = h->why_off;
	}
	return e ? -EINVAL : 0;
}

int bs_hj_get_raw(const char *doc, size_t len, const char *const *keys,
		  size_t nkeys, const char **val, size_t *vlen,
		  struct bs_hj_error *err)
{
	struct hj h = {
		.p = (const unsigned char *)doc,
		.start = (const unsigned char *)doc,
		.end = (const unsigned char *)doc + (doc ? len : 0),
	};
	int e = walk(&h, keys, nkeys, err);

	if (e)
		return e;
	if (h.found == FOUND_NONE)
		return -ENOENT;
	*val = (const char *)h.raw;
	*vlen = h.rawlen;
	return 0;
}

int bs_hj_get_string(const char *doc, size_t len, const char *const *keys,
		     size_t nkeys, char *out, size_t outsz,
		     struct bs_hj_error *err)
{
	struct hj h = {
		.p = (const unsigned char *)doc,
		.start = (const unsigned char *)doc,
		.end = (const unsigned char *)doc + (doc ? len : 0),
		.out = out,
		.outsz = outsz,
	};
	int e;

	if (out && outsz)
		out[0] = '\0';
	e = walk(&h, keys, nkeys, err);
	if (e || h.found != FOUND_STRING || h.too_long) {
		if (out && outsz)
			out[0] = '\0';
	}
	if (e)
		return e;
	if (h.found != FOUND_STRING)
		return -ENOENT;
	return h.too_long ? -ENAMETOOLONG : 0;
}
