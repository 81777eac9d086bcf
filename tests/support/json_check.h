/* SPDX-License-Identifier: Apache-2.0 */
/* Criterion checks on parsed JSON (alert lines, sink bodies). */
#ifndef BS_TEST_JSON_CHECK_H
#define BS_TEST_JSON_CHECK_H

#include <jansson.h>

/* Expect obj's string members to be what the NULL-terminated list of
 * key, value pairs says; a missing or non-string member fails. */
void bs_expect_jstrs(const json_t *obj, ...);

#endif
