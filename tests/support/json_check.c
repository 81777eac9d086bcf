// SPDX-License-Identifier: Apache-2.0
#include <criterion/criterion.h>
#include <stdarg.h>
#include <string.h>

#include "tests/support/json_check.h"

void bs_expect_jstrs(const json_t *obj, ...)
{
	const char *key, *want, *got;
	va_list ap;

	va_start(ap, obj);
	while ((key = va_arg(ap, const char *))) {
		want = va_arg(ap, const char *);
		got = json_string_value(json_object_get(obj, key));
		cr_expect(got && !strcmp(got, want), "%s: \"%s\", want \"%s\"",
			  key, got ? got : "(none)", want);
	}
	va_end(ap);
}
