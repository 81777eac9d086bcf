// SPDX-License-Identifier: Apache-2.0
/*
 * docs/agent.md's "The agent" section against the agent's argp option
 * table: every option (but argp's own --help/--usage) has a row in the flag
 * table with the default its doc string names, every row is an option, and
 * the synopsis is what `beesting --usage` prints.  Run from the repo root
 * (as make test does).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/config.h"

#define DOC	 "docs/agent.md"
#define MAX_ROWS 64

struct row {
	char flag[64];
	char def[256];
	int seen;
};

static char *doc;
static char *section; /* "# The agent" up to the first "## " heading */
static struct row rows[MAX_ROWS];
static int n_rows;

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t n = 0;

	if (!f)
		return NULL;
	if (getdelim(&buf, &n, '\0', f) < 0) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* Copy a table cell, trimmed and without its backticks. */
static void cell(char *dst, size_t n, const char *s, size_t len)
{
	size_t j = 0;

	while (len && *s == ' ')
		s++, len--;
	while (len && s[len - 1] == ' ')
		len--;
	for (size_t i = 0; i < len && j + 1 < n; i++)
		if (s[i] != '`')
			dst[j++] = s[i];
	dst[j] = 0;
}

/* "| `--flag` | default | meaning |" rows of the section's flag table. */
static void parse_rows(void)
{
	for (char *l = section; l && *l;
	     l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		char *c1, *c2, *c3, name[sizeof(rows[0].flag)];

		if (strncmp(l, "| `--", 5))
			continue;
		c1 = l + 1;
		c2 = strchr(c1, '|');
		cr_assert_not_null(c2, "bad row: %.60s", l);
		c3 = strchr(c2 + 1, '|');
		cr_assert_not_null(c3, "bad row: %.60s", l);
		cr_assert_lt(n_rows, MAX_ROWS);
		cell(name, sizeof(name), c1, c2 - c1);
		cr_assert(!strncmp(name, "--", 2), "bad row: %.60s", l);
		strcpy(rows[n_rows].flag, name + 2);
		cell(rows[n_rows].def, sizeof(rows[0].def), c2 + 1,
		     c3 - c2 - 1);
		n_rows++;
	}
}

static void setup(void)
{
	char *end;

	doc = slurp(DOC);
	cr_assert_not_null(doc, DOC " not found: run from the repo root");
	section = strncmp(doc, "# The agent\n", 12) ? NULL : doc;
	cr_assert_not_null(section, DOC " does not start with \"# The agent\"");
	end = strstr(section, "\n## ");
	if (end)
		end[1] = 0;
	n_rows = 0;
	parse_rows();
}

static void teardown(void)
{
	free(doc);
}

static bool argp_own(const struct argp_option *o)
{
	return !strcmp(o->name, "help") || !strcmp(o->name, "usage");
}

static bool table_end(const struct argp_option *o)
{
	return !o->name && !o->key && !o->doc;
}

/* X out of the doc's "(default X)". */
static void doc_default(const struct argp_option *o, char *dst, size_t n)
{
	const char *p = o->doc ? strstr(o->doc, "(default ") : NULL;
	const char *e;

	cr_assert_not_null(p, "--%s: doc names no \"(default X)\"", o->name);
	p += strlen("(default ");
	e = strchr(p, ')');
	cr_assert_not_null(e, "--%s: unterminated \"(default\"", o->name);
	cr_assert_lt((size_t)(e - p), n);
	memcpy(dst, p, e - p);
	dst[e - p] = 0;
}

static struct row *find_row(const char *flag)
{
	for (int i = 0; i < n_rows; i++)
		if (!strcmp(rows[i].flag, flag))
			return &rows[i];
	return NULL;
}

TestSuite(agent_usage, .init = setup, .fini = teardown);

Test(agent_usage, doc_table_has_every_option_with_its_default)
{
	const struct argp_option *o;
	int n_opts = 0;

	cr_assert_gt(n_rows, 0, "no | `--flag` | rows in The agent");
	for (o = bs_agent_argp()->options; !table_end(o); o++) {
		char def[256];
		struct row *r;

		if (!o->name || argp_own(o))
			continue; /* group header, argp's own */
		n_opts++;
		doc_default(o, def, sizeof(def));
		r = find_row(o->name);
		cr_expect_not_null(r, "--%s (default %s) missing in " DOC,
				   o->name, def);
		if (!r)
			continue;
		cr_expect_eq(r->seen, 0, "--%s: two " DOC " rows", o->name);
		r->seen++;
		cr_expect_str_eq(r->def, def,
				 "--%s: " DOC " says %s, --help %s", o->name,
				 r->def, def);
	}
	for (int i = 0; i < n_rows; i++)
		cr_expect_eq(rows[i].seen, 1, DOC " row --%s is no option",
			     rows[i].flag);
	cr_expect_eq(n_rows, n_opts);
}

static char *help_text(unsigned int flags)
{
	struct bs_agent_config c = { .help = flags };
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	cr_assert_not_null(f);
	bs_agent_config_help(&c, f);
	fclose(f);
	return buf;
}

/* The indented block between the heading and the flag table. */
static char *doc_synopsis(void)
{
	char *out = calloc(1, strlen(section) + 1);
	char *l = strchr(section, '\n') + 1;

	cr_assert_not_null(out);
	for (; *l && strncmp(l, "| ", 2); l = strchr(l, '\n') + 1) {
		char *nl = strchr(l, '\n');

		if (!nl)
			break;
		if (!strncmp(l, "    ", 4))
			strncat(out, l + 4, nl + 1 - (l + 4));
	}
	return out;
}

Test(agent_usage, doc_synopsis_is_usage_output)
{
	char *usage, *syn;

	unsetenv("ARGP_HELP_FMT"); /* argp's layout knobs: the defaults */
	usage = help_text(ARGP_HELP_USAGE);
	syn = doc_synopsis();
	cr_expect_str_eq(syn, usage, DOC " synopsis:\n%s\n--usage:\n%s", syn,
			 usage);
	free(usage);
	free(syn);
}

Test(agent_usage, help_lists_every_option)
{
	char *help = help_text(ARGP_HELP_STD_HELP);
	const struct argp_option *o;
	char want[80];

	for (o = bs_agent_argp()->options; !table_end(o); o++) {
		if (!o->name)
			continue;
		snprintf(want, sizeof(want), "--%s", o->name);
		cr_expect_not_null(strstr(help, want), "--help lacks %s", want);
	}
	cr_expect_not_null(strstr(help, "(default kube-system)"), "%s", help);
	free(help);
}
