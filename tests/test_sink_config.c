// SPDX-License-Identifier: Apache-2.0
/* The sink flags: defaults, --webhook's FORMAT= prefix, bad values. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <string.h>

#include "agent/config.h"

static struct bs_agent_config cfg;

static int parse(char **argv)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	return bs_agent_config_parse(&cfg, argc, argv);
}

#define PARSE(...) parse((char *[]){ "beesting", __VA_ARGS__, NULL })

Test(sink_config, off_by_default)
{
	cr_assert_eq(parse((char *[]){ "beesting", NULL }), 0);
	cr_expect_str_eq(cfg.metrics_addr, "");
	cr_expect_eq(cfg.n_webhooks, 0);
	cr_expect_eq(cfg.webhook_timeout_ms, 2000);
	cr_expect_eq(cfg.webhook_retries, 3);
	cr_expect_eq(cfg.sink_queue, 1024);
	cr_expect_str_eq(cfg.webhook_token_file, "");
	cr_expect_str_eq(cfg.webhook_ca, "");
}

Test(sink_config, webhook_formats_and_urls)
{
	cr_assert_eq(PARSE("--webhook", "http://a/x?k=v", "--webhook",
			   "falco=https://b:8443/", "--webhook",
			   "alertmanager=http://am:9093/api/v2/alerts",
			   "--webhook", "beesting=http://c/", "--metrics-addr",
			   "[::1]:9477", "--webhook-token-file", "/t",
			   "--webhook-ca", "/ca.pem", "--webhook-timeout-ms",
			   "50", "--webhook-retries", "0", "--sink-queue", "8"),
		     0);
	cr_assert_eq(cfg.n_webhooks, 4);
	cr_expect_eq(cfg.webhooks[0].format, BS_WH_BEESTING);
	cr_expect_str_eq(cfg.webhooks[0].url, "http://a/x?k=v");
	cr_expect_eq(cfg.webhooks[1].format, BS_WH_FALCO);
	cr_expect_str_eq(cfg.webhooks[1].url, "https://b:8443/");
	cr_expect_eq(cfg.webhooks[2].format, BS_WH_ALERTMANAGER);
	cr_expect_eq(cfg.webhooks[3].format, BS_WH_BEESTING);
	cr_expect_str_eq(cfg.metrics_addr, "[::1]:9477");
	/* after the last --webhook: that one's, not everyone's */
	cr_expect_str_eq(cfg.webhook_token_file, "");
	cr_expect_str_eq(cfg.webhook_ca, "");
	cr_expect_str_eq(bs_webhook_token_file(&cfg, 3), "/t");
	cr_expect_str_eq(bs_webhook_ca(&cfg, 3), "/ca.pem");
	cr_expect_str_eq(bs_webhook_token_file(&cfg, 0), "");
	cr_expect_eq(cfg.webhook_timeout_ms, 50);
	cr_expect_eq(cfg.webhook_retries, 0);
	cr_expect_eq(cfg.sink_queue, 8);
	cr_expect_str_eq(bs_webhook_format_name(BS_WH_ALERTMANAGER),
			 "alertmanager");
}

/* Before any --webhook: every webhook's default; after one: its own, "" =
 * none even when a default is set. */
Test(sink_config, token_and_ca_per_webhook)
{
	cr_assert_eq(PARSE("--webhook-token-file", "/all", "--webhook-ca",
			   "/all.pem", "--webhook", "http://a/", "--webhook",
			   "http://b/", "--webhook-token-file", "/b",
			   "--webhook-ca", "/b.pem", "--webhook", "http://c/",
			   "--webhook-token-file", ""),
		     0);
	cr_assert_eq(cfg.n_webhooks, 3);
	cr_expect_str_eq(bs_webhook_token_file(&cfg, 0), "/all");
	cr_expect_str_eq(bs_webhook_ca(&cfg, 0), "/all.pem");
	cr_expect_str_eq(bs_webhook_token_file(&cfg, 1), "/b");
	cr_expect_str_eq(bs_webhook_ca(&cfg, 1), "/b.pem");
	cr_expect_str_eq(bs_webhook_token_file(&cfg, 2), "");
	cr_expect_str_eq(bs_webhook_ca(&cfg, 2), "/all.pem");

	/* the single-webhook forms: either order */
	cr_assert_eq(
		PARSE("--webhook", "http://a/", "--webhook-token-file", "/t"),
		0);
	cr_expect_str_eq(bs_webhook_token_file(&cfg, 0), "/t");
	cr_assert_eq(
		PARSE("--webhook-token-file", "/t", "--webhook", "http://a/"),
		0);
	cr_expect_str_eq(bs_webhook_token_file(&cfg, 0), "/t");
}

Test(sink_config, a_second_token_for_one_webhook_is_refused,
     .init = cr_redirect_stderr)
{
	cr_expect_eq(PARSE("--webhook", "http://a/", "--webhook-token-file",
			   "/1", "--webhook-token-file", "/2"),
		     -EINVAL);
	cr_expect_eq(PARSE("--webhook", "http://a/", "--webhook-ca", "/1",
			   "--webhook-ca", "/2"),
		     -EINVAL);
}

Test(sink_config, bad_values_are_refused, .init = cr_redirect_stderr)
{
	static const char *const bad[][2] = {
		{ "--webhook", "ftp://x/" },
		{ "--webhook", "splunk=http://x/" },
		{ "--webhook", "falco=" },
		{ "--webhook", "http://a b/" },
		{ "--metrics-addr", "9477" },
		{ "--metrics-addr", "host:" },
		{ "--metrics-addr", ":70000" },
		{ "--metrics-addr", ":-1" },
		{ "--sink-queue", "0" },
		{ "--webhook-retries", "x" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_expect_eq(PARSE((char *)bad[i][0], (char *)bad[i][1]),
			     -EINVAL, "%s %s accepted", bad[i][0], bad[i][1]);
}

Test(sink_config, too_many_webhooks, .init = cr_redirect_stderr)
{
	char *argv[2 * BS_MAX_WEBHOOKS + 4] = { "beesting" };
	int n = 1;

	for (int i = 0; i <= BS_MAX_WEBHOOKS; i++) {
		argv[n++] = "--webhook";
		argv[n++] = "http://x/";
	}
	argv[n] = NULL;
	cr_expect_eq(parse(argv), -EINVAL);
}
