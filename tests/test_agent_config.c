// SPDX-License-Identifier: Apache-2.0
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <string.h>

#include "agent/config.h"

#define ARGV(...) ((char *[]){ "beesting", __VA_ARGS__, NULL })
#define ARGC(v)	  ((int)(sizeof(v) / sizeof((v)[0])) - 1)

static struct bs_agent_config cfg;

Test(config, defaults)
{
	char *argv[] = { "beesting", NULL };

	cr_assert_eq(bs_agent_config_parse(&cfg, 1, argv), 0);
	cr_expect_str_eq(cfg.nri_socket, "/var/run/nri/nri.sock");
	cr_expect_str_eq(cfg.inject, "projected");
	cr_expect_str_eq(cfg.detect, "open");
	cr_expect_eq(cfg.attach, BS_ATTACH_AUTO);
	cr_expect_eq(cfg.inject_cfg.n_tokens, 1);
	cr_expect_str_eq(cfg.inject_cfg.tokens[0].path,
			 "/var/run/secrets/eks.amazonaws.com/access_key_token");
	cr_expect_str_eq(cfg.inject_cfg.tokens[0].template_name,
			 "aws-access-key");
	cr_expect_str_eq(cfg.inject_cfg.exclude_ns[0], "kube-system");
	cr_expect_null(cfg.inject_cfg.exclude_ns[1]);
	cr_expect_eq(cfg.rs_window, 256);
}

Test(config, every_flag)
{
	char **argv = ARGV(
		"--nri-socket", "/tmp/n.sock", "--plugin-idx", "05", "--inject",
		"ocihook", "--detect", "readscan", "--attach", "tracepoint",
		"--token", "/a/b=generic", "--token", "/c/d=file:/etc/hostname",
		"--fail-closed", "--exclude-namespace", "x",
		"--exclude-namespace", "y", "--events", "/tmp/e", "--node", "n",
		"--aggregate-ms", "5", "--stats-interval-ms", "7",
		"--readscan-window", "128", "--log-level", "debug",
		"--state-dir", "/s", "--hook-dir", "/h");
	int argc = 0;

	while (argv[argc])
		argc++;
	cr_assert_eq(bs_agent_config_parse(&cfg, argc, argv), 0);
	cr_expect_str_eq(cfg.plugin_idx, "05");
	cr_expect_str_eq(cfg.inject, "ocihook");
	cr_expect_eq(cfg.attach, BS_ATTACH_TRACEPOINT);
	cr_expect_eq(cfg.inject_cfg.n_tokens, 2);
	cr_expect_str_eq(cfg.inject_cfg.tokens[1].template_name, "file");
	cr_expect_str_eq(cfg.inject_cfg.tokens[1].content_file,
			 "/etc/hostname");
	cr_expect(cfg.inject_cfg.fail_closed);
	cr_expect_str_eq(cfg.inject_cfg.exclude_ns[0], "x");
	cr_expect_str_eq(cfg.inject_cfg.exclude_ns[1], "y");
	cr_expect_null(cfg.inject_cfg.exclude_ns[2]);
	cr_expect_eq(cfg.aggregate_ms, 5);
	cr_expect_eq(cfg.rs_window, 128);
	cr_expect_eq(cfg.log_level, BS_LOG_DEBUG);
}

static void expect_rejected(char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	cr_expect_lt(bs_agent_config_parse(&cfg, argc, argv), 0,
		     "accepted %s %s", argv[1], argv[2] ? argv[2] : "");
}

Test(config, bad_values_are_rejected)
{
	expect_rejected(ARGV("--plugin-idx", "100"));
	expect_rejected(ARGV("--plugin-idx", "a1"));
	expect_rejected(ARGV("--inject", "magic"));
	expect_rejected(ARGV("--detect", ""));
	expect_rejected(ARGV("--attach", "uprobe"));
	expect_rejected(ARGV("--token", "relative/path"));
	expect_rejected(ARGV("--token", "/a/../etc/shadow"));
	expect_rejected(ARGV("--token", "/a//b"));
	expect_rejected(ARGV("--token", "/a/b/"));
	expect_rejected(ARGV("--token", "/a=nope"));
	expect_rejected(ARGV("--token", "/a=file:"));
	expect_rejected(ARGV("--aggregate-ms", "-1"));
	expect_rejected(ARGV("--aggregate-ms", "12x"));
	expect_rejected(ARGV("--readscan-window", "100"));
	expect_rejected(ARGV("--readscan-window", "0"));
	expect_rejected(ARGV("--readscan-window", "4294967360"));
	expect_rejected(ARGV("--log-level", "loud"));
	expect_rejected(ARGV("--bogus"));
	expect_rejected(ARGV("positional"));
}

Test(config, overlong_values_are_rejected)
{
	static char big[8192];

	memset(big, 'a', sizeof(big) - 1);
	big[0] = '/';
	expect_rejected(ARGV("--token", big));
	expect_rejected(ARGV("--node", big));
	expect_rejected(ARGV("--nri-socket", big));
}

static int parse(char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	return bs_agent_config_parse(&cfg, argc, argv);
}

Test(config, equals_form_and_separate_argument_agree)
{
	cr_assert_eq(parse(ARGV("--inject=ocihook", "--aggregate-ms=0",
				"--token=/a/b=k8s-sa-token",
				"--exclude-namespace=x")),
		     0);
	cr_expect_str_eq(cfg.inject, "ocihook");
	cr_expect_eq(cfg.aggregate_ms, 0);
	cr_expect_str_eq(cfg.inject_cfg.tokens[0].path, "/a/b");
	cr_expect_str_eq(cfg.inject_cfg.tokens[0].template_name,
			 "k8s-sa-token");
	cr_expect_str_eq(cfg.inject_cfg.exclude_ns[0], "x");
	cr_expect_null(cfg.inject_cfg.exclude_ns[1]);
}

/* The parse only notes --help/--usage; printing is the program's. */
Test(config, help_and_usage_are_asked_not_printed, .init = cr_redirect_stdout)
{
	cr_expect_eq(parse(ARGV("--help")), 1);
	cr_expect_eq(cfg.help, ARGP_HELP_STD_HELP);
	cr_expect_eq(parse(ARGV("-?")), 1);
	cr_expect_eq(parse(ARGV("--usage")), 1);
	cr_expect_eq(cfg.help, ARGP_HELP_USAGE);
	/* as before: --help ends the parse, what follows is not looked at */
	cr_expect_eq(parse(ARGV("--help", "--bogus")), 1);
	cr_expect_eq(parse(ARGV("--inject", "bind")), 0);
	cr_expect_eq(cfg.help, 0);
	cr_expect_eq(parse(ARGV("--inject=projected")), 0);
	cr_expect_str_eq(cfg.inject, "projected");
	cr_expect_eq(parse(ARGV("--token=/var/run/secrets/eks.amazonaws.com/"
				"serviceaccount/token=eks-irsa")),
		     0);
	cr_expect_str_eq(cfg.inject_cfg.tokens[0].template_name, "eks-irsa");
	fflush(stdout);
	cr_expect_stdout_eq_str("");
}

Test(config, bad_value_says_which_and_why, .init = cr_redirect_stderr)
{
	cr_expect_eq(parse(ARGV("--inject", "magic")), -EINVAL);
	fflush(stderr);
	cr_expect_stderr_eq_str("beesting: bad --inject 'magic'\n"
				"Try `beesting --help' or `beesting --usage' "
				"for more information.\n");
}
