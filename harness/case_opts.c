// SPDX-License-Identifier: Apache-2.0
/* The detection-case runners' options (see case_opts.h). */
#include <stddef.h>

#include "harness/case_opts.h"
#include "lib/cli.h"

/* all text (BS_CLI_STR, the kind 0) */
static const struct bs_cli_opt case_opts[] = {
	{ "detect", .off = offsetof(struct bs_case_opts, detect) },
	{ "attach", .off = offsetof(struct bs_case_opts, attach) },
	{ "csv", .off = offsetof(struct bs_case_opts, csv) },
	{ "kernel", .off = offsetof(struct bs_case_opts, kernel) },
	{ "break-case", .off = offsetof(struct bs_case_opts, break_case) },
	{ "case", .off = offsetof(struct bs_case_opts, only) },
	{ 0 },
};

int bs_case_opts_parse(int argc, char **argv, struct bs_case_opts *o)
{
	return bs_cli_parse(argc, argv, case_opts, o, NULL);
}
