// SPDX-License-Identifier: Apache-2.0
/* Criterion side of the shared detection cases (kept apart from
 * harness/detect_suite.c, which the static VM runner links without
 * Criterion). */
#include <criterion/criterion.h>
#include <string.h>
#include <unistd.h>

#include "harness/detect_suite.h"
#include "lib/log.h"
#include "tests/support/detect_check.h"

void bs_dcheck_need_root(void)
{
	if (geteuid() != 0)
		cr_skip_test("BPF needs root");
	bs_log_set_level(BS_LOG_WARN); /* one detector start per test */
}

void bs_dcheck_case(const char *detect, const char *name)
{
	char why[256];
	enum bs_dcase_result r;

	bs_dcheck_need_root();
	/* fanotify has one backend of its own */
	r = bs_detect_suite_case(detect,
				 strcmp(detect, "fanotify")
					 ? BS_ATTACH_TRACEPOINT
					 : BS_ATTACH_FANOTIFY,
				 name, why, sizeof(why));
	if (r == BS_DCASE_BLIND)
		cr_skip_test("blind spot: %s", why);
	cr_assert_eq(r, BS_DCASE_PASS, "case %s: %s", name, why);
}
