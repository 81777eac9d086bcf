/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Documentation blocks that a table of the code generates (methods, tells):
 * the tests compare them with what the table prints.
 */
#ifndef BS_TESTS_DOC_BLOCK_H
#define BS_TESTS_DOC_BLOCK_H

#include <stdio.h>

/* All of f, NUL-terminated (malloc'd); fails the test on ENOMEM. */
char *bs_test_slurp(FILE *f);

/* What gen writes, NUL-terminated (malloc'd). */
char *bs_test_generated(void (*gen)(FILE *out));

/* The text of the file at path (e.g. "docs/strategies.md") between the
 * lines begin and end (the markers as they stand in the file), malloc'd;
 * fails the test when the file or a marker is missing.  Run from the
 * repository root. */
char *bs_test_doc_block(const char *path, const char *begin, const char *end);

#endif
