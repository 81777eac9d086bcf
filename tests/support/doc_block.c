// SPDX-License-Identifier: Apache-2.0
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tests/support/doc_block.h"

char *bs_test_slurp(FILE *f)
{
	size_t cap = 1 << 16, n = 0, r;
	char *buf = malloc(cap);

	cr_assert_not_null(buf);
	while ((r = fread(buf + n, 1, cap - 1 - n, f)) > 0) {
		n += r;
		if (n == cap - 1) {
			cap *= 2;
			buf = realloc(buf, cap);
			cr_assert_not_null(buf);
		}
	}
	buf[n] = '\0';
	return buf;
}

char *bs_test_generated(void (*gen)(FILE *out))
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	cr_assert_not_null(m);
	gen(m);
	cr_assert_eq(fclose(m), 0);
	return text;
}

char *bs_test_doc_block(const char *path, const char *begin, const char *end)
{
	FILE *f = fopen(path, "r");
	char *doc, *b, *e, *out;

	cr_assert_not_null(f, "%s: not found (run from the repository root)",
			   path);
	doc = bs_test_slurp(f);
	fclose(f);
	b = strstr(doc, begin);
	cr_assert_not_null(b, "%s has no %s", path, begin);
	b += strlen(begin);
	e = strstr(b, end);
	cr_assert_not_null(e, "%s has no %s", path, end);
	*e = '\0';
	out = strdup(b);
	cr_assert_not_null(out);
	free(doc);
	return out;
}
