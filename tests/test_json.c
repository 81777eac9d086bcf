// SPDX-License-Identifier: Apache-2.0
/*
 * The one JSON string escaper (lib/json.h), as the alert stream has always
 * used it: quotes and backslashes escaped, every byte outside printable
 * ASCII (control characters, DEL, bytes of UTF-8 or of no encoding at all)
 * as \u00XX, so a line is valid JSON whatever a comm holds; and its '?'
 * form for the webhook and kube bodies.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "lib/json.h"

static const char *esc(const char *s)
{
	static char buf[512];
	size_t off = 0;

	bs_json_str(buf, sizeof(buf), &off, s);
	cr_assert_lt(off, sizeof(buf));
	return buf;
}

Test(json_str, printable_ascii_as_is)
{
	cr_expect_str_eq(esc("web-7f9c/app {x}: ok"),
			 "\"web-7f9c/app {x}: ok\"");
	cr_expect_str_eq(esc(""), "\"\"");
	cr_expect_str_eq(esc(NULL), "\"\"");
}

Test(json_str, quotes_and_backslashes)
{
	cr_expect_str_eq(esc("a\"b\\c"), "\"a\\\"b\\\\c\"");
	cr_expect_str_eq(esc("\\\""), "\"\\\\\\\"\"");
}

Test(json_str, control_characters_and_del)
{
	cr_expect_str_eq(esc("\n\t\r\x01\x1f\x7f"),
			 "\"\\u000a\\u0009\\u000d\\u0001\\u001f\\u007f\"");
}

/* Bytes, not UTF-8: each byte >= 0x80 on its own, valid sequence or not. */
Test(json_str, bytes_beyond_ascii_one_by_one)
{
	cr_expect_str_eq(esc("\xff\xfe"), "\"\\u00ff\\u00fe\"");
	cr_expect_str_eq(esc("\xc3\xa9"), "\"\\u00c3\\u00a9\"", "é is 2 bytes");
	cr_expect_str_eq(esc("\xc3"), "\"\\u00c3\"", "a cut sequence");
}

Test(json_str, output_is_valid_json_that_reads_back_as_latin1)
{
	json_t *j = json_loads(esc("a\"\\\n\xff"), JSON_DECODE_ANY, NULL);

	cr_assert_not_null(j);
	cr_expect_str_eq(json_string_value(j), "a\"\\\n\xc3\xbf");
	json_decref(j);
}

Test(json_str, a_small_buffer_is_cut_and_says_so)
{
	char buf[8];
	size_t off = 0;

	bs_json_str(buf, sizeof(buf), &off, "abcdefghij");
	cr_expect_geq(off, sizeof(buf), "the caller sees the cut");
	cr_expect_eq(strlen(buf), sizeof(buf) - 1, "NUL-terminated");
}

Test(json_ascii, other_bytes_become_question_marks)
{
	json_t *j = bs_json_ascii("c\xfft\"\n\\");

	cr_assert_not_null(j);
	cr_expect_str_eq(json_string_value(j), "c?t\"?\\");
	json_decref(j);
}
