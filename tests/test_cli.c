// SPDX-License-Identifier: Apache-2.0
/*
 * The testbed tools' option parser (lib/cli.h): each kind stores what it
 * should, a bad value names its entry, an unknown option or a missing
 * argument names none, and what is not an option stays in argv.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "lib/cli.h"

struct t {
	const char *str;
	char buf[8];
	char pick[16];
	int n;
	long big;
	bool on, off;
	int twice;
};

static const char *const picks[] = { "open", "fanotify", NULL };

static int twice(const char *arg, void *field)
{
	if (!strcmp(arg, "x"))
		return -EINVAL;
	*(int *)field = 2 * (int)strlen(arg);
	return 0;
}

static const struct bs_cli_opt opts[] = {
	{ "str", .off = offsetof(struct t, str), .key = 's' },
	{ "buf", BS_CLI_BUF, BS_CLI_FIELD(struct t, buf) },
	{ "pick", BS_CLI_BUF, BS_CLI_FIELD(struct t, pick), .choices = picks },
	{ "n", BS_CLI_INT, offsetof(struct t, n), .lo = 1, .hi = 100,
	  .key = 'n' },
	{ "big", BS_CLI_LONG, offsetof(struct t, big), .lo = -5,
	  .hi = LONG_MAX },
	{ "on", BS_CLI_SET, .off = offsetof(struct t, on) },
	{ "off", BS_CLI_CLEAR, .off = offsetof(struct t, off) },
	{ "twice", BS_CLI_FN, offsetof(struct t, twice), .fn = twice },
	{ 0 },
};

/* Parses the NULL-ended words (argv[0] added) into *t, t->off set first. */
static int parse(struct t *t, const struct bs_cli_opt **bad, char **words)
{
	static char *argv[16];
	int argc = 1;

	argv[0] = "prog";
	for (; words[argc - 1]; argc++)
		argv[argc] = words[argc - 1];
	argv[argc] = NULL;
	memset(t, 0, sizeof(*t));
	t->off = true;
	opterr = 0; /* getopt's own message is not what is checked here */
	return bs_cli_parse(argc, argv, opts, t, bad);
}

#define WORDS(...) ((char *[]){ __VA_ARGS__, NULL })

Test(cli, every_kind_stores)
{
	const struct bs_cli_opt *bad = opts;
	struct t t;

	cr_assert_eq(parse(&t, &bad,
			   WORDS("-s", "a", "--buf", "1234567", "--pick",
				 "fanotify", "-n", "100", "--big", "-5", "--on",
				 "--off", "--twice", "abc")),
		     0);
	cr_expect_null(bad);
	cr_expect_str_eq(t.str, "a");
	cr_expect_str_eq(t.buf, "1234567");
	cr_expect_str_eq(t.pick, "fanotify");
	cr_expect_eq(t.n, 100);
	cr_expect_eq(t.big, -5);
	cr_expect(t.on);
	cr_expect_not(t.off);
	cr_expect_eq(t.twice, 6);
	/* the long form of a keyed option, and a later value wins */
	cr_assert_eq(
		parse(&t, NULL, WORDS("--str", "b", "--n", "1", "-n", "7")), 0);
	cr_expect_str_eq(t.str, "b");
	cr_expect_eq(t.n, 7);
}

Test(cli, bad_values_name_their_entry)
{
	static const struct {
		const char *opt, *value;
	} cases[] = {
		{ "--buf", "12345678" }, /* no room for the NUL */
		{ "--pick", "readscan" },
		{ "--n", "0" },
		{ "--n", "101" },
		{ "--n", "5x" },
		{ "--n", "" },
		{ "--big", "-6" },
		{ "--big", "9223372036854775808" },
		{ "--twice", "x" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bs_cli_opt *bad = NULL;
		struct t t;

		cr_expect_eq(parse(&t, &bad,
				   WORDS((char *)cases[i].opt,
					 (char *)cases[i].value)),
			     -EINVAL, "%s '%s' taken", cases[i].opt,
			     cases[i].value);
		cr_expect(bad && !strcmp(bad->name, cases[i].opt + 2),
			  "%s '%s': entry %s", cases[i].opt, cases[i].value,
			  bad ? bad->name : "none");
	}
}

Test(cli, unknown_or_missing_names_none)
{
	const struct bs_cli_opt *bad = opts;
	struct t t;

	cr_expect_eq(parse(&t, &bad, WORDS("--nope")), -EINVAL);
	cr_expect_null(bad);
	bad = opts;
	cr_expect_eq(parse(&t, &bad, WORDS("--n")), -EINVAL);
	cr_expect_null(bad);
	/* the first error stops the parse: what follows is not read */
	cr_expect_eq(parse(&t, NULL, WORDS("--n", "0", "--on")), -EINVAL);
	cr_expect_not(t.on);
}

Test(cli, operands_stay_in_argv)
{
	static char *argv[] = { "prog", "--on", "rest", "more", NULL };
	struct t t = { 0 };

	cr_assert_eq(bs_cli_parse(4, argv, opts, &t, NULL), 0);
	cr_expect(t.on);
	cr_assert_eq(optind, 2);
	cr_expect_str_eq(argv[optind], "rest");
}

Test(cli, table_too_large)
{
	static struct bs_cli_opt many[34];
	static char names[33][8];
	static char *argv[] = { "prog", NULL };
	struct t t;

	for (int i = 0; i < 33; i++) {
		snprintf(names[i], sizeof(names[i]), "o%d", i);
		many[i] = (struct bs_cli_opt){ .name = names[i],
					       .kind = BS_CLI_SET,
					       .off = offsetof(struct t, on) };
	}
	cr_expect_eq(bs_cli_parse(1, argv, many, &t, NULL), -E2BIG);
	many[32].name = NULL; /* 32 entries: the most */
	cr_expect_eq(bs_cli_parse(1, argv, many, &t, NULL), 0);
}
