/* SPDX-License-Identifier: Apache-2.0 */
/* The reliability suites' fixture: one rel_env a suite, set up before each
 * test and torn down after it; a missing part here is a skip that says
 * which. */
#ifndef BS_TESTS_REL_SUITE_H
#define BS_TESTS_REL_SUITE_H

#include <criterion/criterion.h>

#include "harness/reliability/rel_env.h"

/* Skip unless everything rel_env needs is here, then rel_env_init(e, name). */
void rel_suite_init(struct rel_env *e, const char *name);

/* Defines `static struct rel_env env` and the Criterion suite `suite`
 * (e.g. reliability_churn) whose state dirs are named after `name`. */
#define REL_SUITE(suite, name, secs)                                           \
	static struct rel_env env;                                             \
	static void suite##_init(void)                                         \
	{                                                                      \
		rel_suite_init(&env, name);                                    \
	}                                                                      \
	static void suite##_fini(void)                                         \
	{                                                                      \
		rel_env_fini(&env);                                            \
	}                                                                      \
	TestSuite(suite, .init = suite##_init, .fini = suite##_fini,           \
		  .timeout = secs)

#endif
