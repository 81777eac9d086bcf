/* SPDX-License-Identifier: Apache-2.0 */
/*
 * README blocks that a table of the code generates (methods, tells): the
 * tests compare them with what the table prints.
 */
#ifndef BS_TESTS_README_BLOCK_H
#define BS_TESTS_README_BLOCK_H

#include <stdio.h>

/* All of f, NUL-terminated (malloc'd); fails the test on ENOMEM. */
char *bs_test_slurp(FILE *f);

/* README.md's text between the lines begin and end (the markers
 * as they stand in README), malloc'd; fails the test when README or a marker is missing.
 * Run from the repository root. */
char *bs_test_readme_block(const char *begin, const char *end);

#endif
