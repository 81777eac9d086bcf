/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The options of a detection-case runner, read the same way by the suite
 * (harness/detect_suite.c) and the kernel matrix's built-in probe
 * (tests/vm/runner.c), which tests/vm/init calls with the same argv:
 *   --detect D --attach B [--csv FILE] [--kernel NAME] [--break-case NAME]
 *   [--case NAME]
 * As text: each runner checks the values it uses.  Needs only lib/cli.o,
 * so the probe still links without the rest of the library.
 */
#ifndef BS_HARNESS_CASE_OPTS_H
#define BS_HARNESS_CASE_OPTS_H

struct bs_case_opts {
	const char *detect, *attach, *csv, *kernel, *break_case, *only;
};

/* Reads argv into o, whose defaults the caller set: 0, or -EINVAL for an
 * unknown option or a missing argument (getopt said which). */
int bs_case_opts_parse(int argc, char **argv, struct bs_case_opts *o);

#endif
