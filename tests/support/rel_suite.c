// SPDX-License-Identifier: Apache-2.0
/* The reliability suites' common setup (rel_suite.h). */
#include "tests/support/rel_suite.h"

void rel_suite_init(struct rel_env *e, const char *name)
{
	const char *why = rel_missing();

	if (why)
		cr_skip_test("%s", why);
	cr_assert_eq(rel_env_init(e, name), 0);
}
