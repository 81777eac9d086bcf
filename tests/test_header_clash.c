// SPDX-License-Identifier: Apache-2.0
/*
 * Compile test: the harness's expectations (harness/scenario.h), the BPF
 * event header and the access-method table in one translation unit.  The
 * harness's struct bs_method once clashed with the event's enum bs_method;
 * this file stops compiling if a tag is shared again.
 */
#include <criterion/criterion.h>
#include <linux/types.h> /* bpf/events.h wants it first (user side) */

#include "bpf/events.h"
#include "strategies/methods.h"
#include "harness/scenario.h"

Test(header_clash, harness_bpf_and_table_names_coexist)
{
	struct bs_method expect = { .expect_alert = true };
	enum bs_ev_method ev = BS_M_OPEN;
	const struct bs_access *m = bs_access_find("cat");

	cr_assert_not_null(m);
	snprintf(expect.name, sizeof(expect.name), "%s", m->name);
	cr_expect_str_eq(expect.name, "cat");
	cr_expect_eq(ev, 1);
}
