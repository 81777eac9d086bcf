// SPDX-License-Identifier: Apache-2.0
/* Table-driven option parsing for the testbed's tools (see cli.h). */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cli.h"

#define MAX_OPTS  32
#define LONG_ONLY 256 /* getopt_long's val of entry i: LONG_ONLY + i */

static int read_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < lo || v > hi)
		return -EINVAL;
	*out = v;
	return 0;
}

static bool is_choice(const char *s, const char *const *set)
{
	for (; set && *set; set++)
		if (!strcmp(s, *set))
			return true;
	return !set;
}

static int read_buf(const struct bs_cli_opt *o, const char *arg, char *buf)
{
	size_t n = strlen(arg);

	if (n >= o->size || !is_choice(arg, o->choices))
		return -EINVAL;
	memcpy(buf, arg, n + 1);
	return 0;
}

static int assign(const struct bs_cli_opt *o, const char *arg, void *field)
{
	long v;

	switch (o->kind) {
	case BS_CLI_STR:
		*(const char **)field = arg;
		return 0;
	case BS_CLI_BUF:
		return read_buf(o, arg, field);
	case BS_CLI_INT:
	case BS_CLI_LONG:
		if (read_long(arg, o->lo, o->hi, &v))
			return -EINVAL;
		if (o->kind == BS_CLI_INT)
			*(int *)field = (int)v;
		else
			*(long *)field = v;
		return 0;
	case BS_CLI_SET:
	case BS_CLI_CLEAR:
		*(bool *)field = o->kind == BS_CLI_SET;
		return 0;
	case BS_CLI_FN:
		return o->fn(arg, field) ? -EINVAL : 0;
	}
	return -EINVAL;
}

static bool takes_arg(const struct bs_cli_opt *o)
{
	return o->kind != BS_CLI_SET && o->kind != BS_CLI_CLEAR;
}

/* getopt_long's tables from ours; the number of entries or -E2BIG. */
static int build(const struct bs_cli_opt *opts, struct option *lo, char *shorts)
{
	int n = 0;

	for (; opts[n].name; n++) {
		if (n == MAX_OPTS)
			return -E2BIG;
		lo[n] = (struct option){
			opts[n].name,
			takes_arg(&opts[n]) ? required_argument : no_argument,
			NULL, opts[n].key ? opts[n].key : LONG_ONLY + n
		};
		if (opts[n].key) {
			*shorts++ = opts[n].key;
			if (takes_arg(&opts[n]))
				*shorts++ = ':';
		}
	}
	lo[n] = (struct option){ 0 };
	*shorts = '\0';
	return n;
}

static const struct bs_cli_opt *entry(const struct bs_cli_opt *opts, int n,
				      int val)
{
	if (val >= LONG_ONLY && val < LONG_ONLY + n)
		return &opts[val - LONG_ONLY];
	for (int i = 0; i < n; i++)
		if (opts[i].key && opts[i].key == val)
			return &opts[i];
	return NULL;
}

int bs_cli_parse(int argc, char **argv, const struct bs_cli_opt *opts,
		 void *dst, const struct bs_cli_opt **bad)
{
	const struct bs_cli_opt *unused;
	struct option lo[MAX_OPTS + 1];
	char shorts[2 * MAX_OPTS + 1];
	const struct bs_cli_opt *o;
	int n = build(opts, lo, shorts), val;

	if (!bad)
		bad = &unused;
	*bad = NULL;
	if (n < 0)
		return n;
	optind = 1;
	while ((val = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		o = entry(opts, n, val);
		if (!o)
			return -EINVAL;
		if (assign(o, optarg, (char *)dst + o->off)) {
			*bad = o;
			return -EINVAL;
		}
	}
	return 0;
}
