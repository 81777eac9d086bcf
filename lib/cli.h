/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Command-line options from a table: each entry names a flag, how its
 * argument is read and the field it goes to; one getopt_long loop reads
 * them all (the testbed's tools, not the agent: its argp table is its
 * own).
 */
#ifndef BS_LIB_CLI_H
#define BS_LIB_CLI_H

#include <stddef.h>

enum bs_cli_kind {
	BS_CLI_STR,   /* const char *: the argument itself */
	BS_CLI_BUF,   /* char[size]: a copy; longer, or not in choices: bad */
	BS_CLI_INT,   /* int in [lo, hi], the whole argument in decimal */
	BS_CLI_LONG,  /* long in [lo, hi], likewise */
	BS_CLI_SET,   /* bool, takes no argument: true */
	BS_CLI_CLEAR, /* bool, takes no argument: false */
	BS_CLI_FN,    /* fn(arg, field) reads it: 0, or negative when bad */
};

struct bs_cli_opt {
	const char *name; /* --name; NULL ends the table */
	enum bs_cli_kind kind;
	size_t off;  /* the field: offsetof() in the struct parsed into */
	long lo, hi; /* BS_CLI_INT, BS_CLI_LONG: the range */
	size_t size; /* BS_CLI_BUF: the field's size */
	const char *const *choices; /* BS_CLI_BUF: NULL-ended; NULL: any */
	int (*fn)(const char *arg, void *field);
	char key; /* -key as well; 0: long only */
};

/* A field's offset and size, for BS_CLI_BUF entries. */
#define BS_CLI_FIELD(type, field)                                              \
	offsetof(type, field), .size = sizeof(((type *)0)->field)

/* Reads argv (from optind 1) into dst, in order, up to the first error:
 * 0; or -EINVAL with *bad (when bad is not NULL) NULL for an unknown option
 * or a missing argument (getopt said which on stderr), or naming the entry
 * whose argument (optarg) was bad.  Arguments that are not options are
 * left at argv[optind..]; -E2BIG for a table of over 32 entries. */
int bs_cli_parse(int argc, char **argv, const struct bs_cli_opt *opts,
		 void *dst, const struct bs_cli_opt **bad);

#endif
