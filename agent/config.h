/* SPDX-License-Identifier: Apache-2.0 */
/* The agent's command line: one argp option table (agent/config.c) gives
 * the parsing, the defaults and the --help/--usage text. */
#ifndef BS_AGENT_CONFIG_H
#define BS_AGENT_CONFIG_H

#include <argp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/log.h"
#include "strategies/strategy.h"

#define BS_MAX_EXCLUDE_NS 32
#define BS_MAX_WEBHOOKS	  8

enum bs_webhook_format {
	BS_WH_BEESTING,	    /* our alert JSON, as on --events */
	BS_WH_FALCO,	    /* Falco's program output JSON */
	BS_WH_ALERTMANAGER, /* Alertmanager /api/v2/alerts body */
};

struct bs_webhook_config {
	enum bs_webhook_format format;
	char url[BS_PATH_LEN];
	/* --webhook-token-file/--webhook-ca given after this --webhook (and
	 * before the next); unset: the ones given before any --webhook */
	char token_file[BS_PATH_LEN];
	char ca[BS_PATH_LEN];
	bool token_set, ca_set;
};

struct bs_agent_config {
	char nri_socket[BS_PATH_LEN];
	char plugin_idx[3];
	char inject[16];
	char detect[16];
	enum bs_attach attach;
	char events_path[BS_PATH_LEN]; /* "" = stdout */
	char node[BS_NAME_LEN];
	uint64_t aggregate_ms;
	uint32_t rs_window;	 /* readscan window, bytes */
	enum bs_respond respond; /* --respond */
	bool respond_node;	 /* --respond-scope=node */
	uint64_t stats_interval_ms;
	enum bs_log_level log_level;
	char metrics_addr[128]; /* "" = no metrics endpoint */
	struct bs_webhook_config webhooks[BS_MAX_WEBHOOKS];
	size_t n_webhooks;
	/* given before any --webhook: every webhook's default */
	char webhook_token_file[BS_PATH_LEN]; /* bearer token; "" = none */
	char webhook_ca[BS_PATH_LEN];	      /* "" = system CA store */
	uint64_t webhook_timeout_ms;
	uint64_t webhook_retries;
	uint64_t sink_queue;	    /* alerts each queued sink holds */
	char kube_api[BS_PATH_LEN]; /* "" = off; URL or "in-cluster" */
	char kube_token_file[BS_PATH_LEN];
	char kube_ca[BS_PATH_LEN];
	struct bs_inject_config inject_cfg;
	/* storage behind inject_cfg.exclude_ns (NULL-terminated) */
	char exclude_ns[BS_MAX_EXCLUDE_NS][BS_NAME_LEN];
	const char *exclude_ptrs[BS_MAX_EXCLUDE_NS + 1];
	bool exclude_set;  /* user gave --exclude-namespace: drop the default */
	unsigned int help; /* ARGP_HELP_* flags --help/--usage asked for */
};

/* Fill defaults, then apply argv.  Returns 0, 1 when --help or --usage was
 * asked for (print it with bs_agent_config_help()), or -EINVAL after
 * printing what is wrong to stderr.  Never exits. */
int bs_agent_config_parse(struct bs_agent_config *c, int argc, char **argv);

/* Print what --help/--usage asked for (c->help) to f. */
void bs_agent_config_help(const struct bs_agent_config *c, FILE *f);

/* The option table behind both, for tests that hold docs/agent.md to it.  Each
 * option's doc ends its default as "(default X)". */
const struct argp *bs_agent_argp(void);

/* Parse one --webhook [FORMAT=]URL value. -EINVAL when bad. */
int bs_webhook_parse(struct bs_webhook_config *w, const char *arg);
const char *bs_webhook_format_name(enum bs_webhook_format f);
/* Webhook i's bearer token file and CA bundle: its own, else the default;
 * "" = none / the system CA store. */
const char *bs_webhook_token_file(const struct bs_agent_config *c, size_t i);
const char *bs_webhook_ca(const struct bs_agent_config *c, size_t i);

/* Parse one --token PATH[=TEMPLATE] value into spec. -EINVAL when bad. */
int bs_token_spec_parse(struct bs_token_spec *spec, const char *arg);

#endif
