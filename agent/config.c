// SPDX-License-Identifier: Apache-2.0
/*
 * The agent's command line on argp: one option table is the parser, the
 * --help/--usage text and (through "(default X)" in each doc string) what
 * docs/agent.md's flag table is checked against.  Every default is written
 * once, below, and used both to fill the config and, string-ized, in the
 * doc.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/types.h>

#include "agent/config.h"
#include "bpf/events.h"
#include "bpf/detect_shared.h"
#include "strategies/inject.h"
#include "strategies/methods.h"

/* ---- defaults: the only place each is written ------------------------- */
#define DEF_NRI_SOCKET "/var/run/nri/nri.sock"
#define DEF_PLUGIN_IDX "10"
#define DEF_INJECT     "projected"
#define DEF_DETECT     "open"
#define DEF_ATTACH     "auto"
#define DEF_TEMPLATE   "aws-access-key"
#define DEF_TOKEN                                                              \
	"/var/run/secrets/eks.amazonaws.com/access_key_token=" DEF_TEMPLATE
#define DEF_STATE_DIR  BS_DEFAULT_STATE_DIR
#define DEF_HOOK_DIR   BS_DEFAULT_HOOK_DIR
#define DEF_EXCLUDE_NS "kube-system"
#define DEF_AGG_MS     1000
#define DEF_RESPOND    "none"
#define DEF_SCOPE      "container"
#define DEF_RS_WINDOW  BS_RS_WINDOW_DEFAULT
#define DEF_STATS_MS   0
#define DEF_LOG_LEVEL  "info"
#define DEF_WH_TIMEOUT 2000
#define DEF_WH_RETRIES 3
#define DEF_SINK_QUEUE 1024
#define DEF_KUBE_SA    "/var/run/secrets/kubernetes.io/serviceaccount"
#define DEF_KUBE_TOKEN DEF_KUBE_SA "/token"
#define DEF_KUBE_CA    DEF_KUBE_SA "/ca.crt"

#define STR_(x) #x
#define STR(x)	STR_(x)

enum {
	OPT_HELP = '?', /* argp's own key for it, so -? works as usual */
	OPT_SOCKET = 256,
	OPT_IDX,
	OPT_INJECT,
	OPT_DETECT,
	OPT_ATTACH,
	OPT_TOKEN,
	OPT_STATE,
	OPT_HOOK,
	OPT_FAILCLOSED,
	OPT_EXCLUDE,
	OPT_EVENTS,
	OPT_NODE,
	OPT_AGG,
	OPT_WINDOW,
	OPT_STATS,
	OPT_LOG,
	OPT_METRICS,
	OPT_WEBHOOK,
	OPT_WH_TOKEN,
	OPT_WH_CA,
	OPT_WH_TIMEOUT,
	OPT_WH_RETRIES,
	OPT_SINK_QUEUE,
	OPT_KUBE_API,
	OPT_KUBE_TOKEN,
	OPT_KUBE_CA,
	OPT_RESPOND,
	OPT_SCOPE,
	OPT_USAGE,
};

enum { G_NRI = 1, G_INJECT, G_DETECT, G_OUTPUT, G_SINKS, G_HELP = -1 };

static const struct argp_option options[] = {
	{ NULL, 0, NULL, 0, "Runtime (NRI):", G_NRI },
	{ "nri-socket", OPT_SOCKET, "PATH", 0,
	  "NRI socket; NRI_PLUGIN_SOCKET=fd (a plugin the runtime launched) "
	  "wins when set (default " DEF_NRI_SOCKET ")",
	  G_NRI },
	{ "plugin-idx", OPT_IDX, "NN", 0,
	  "NRI plugin index, two digits (default " DEF_PLUGIN_IDX ")", G_NRI },

	{ NULL, 0, NULL, 0, "Injection:", G_INJECT },
	{ "inject", OPT_INJECT, "bind|ocihook|projected|none", 0,
	  "how the token gets into the container (default " DEF_INJECT ")",
	  G_INJECT },
	{ "token", OPT_TOKEN, "PATH[=TEMPLATE]", 0,
	  "token path, repeatable; TEMPLATE is aws-access-key, k8s-sa-token, "
	  "eks-irsa, generic or file:CONTENT_FILE (default " DEF_TOKEN ")",
	  G_INJECT },
	{ "state-dir", OPT_STATE, "DIR", 0,
	  "token files (default " DEF_STATE_DIR ")", G_INJECT },
	{ "hook-dir", OPT_HOOK, "DIR", 0,
	  "OCI hook binary dir, must not be noexec (default " DEF_HOOK_DIR ")",
	  G_INJECT },
	{ "fail-closed", OPT_FAILCLOSED, NULL, 0,
	  "an injection failure fails the container (default off)", G_INJECT },
	{ "exclude-namespace", OPT_EXCLUDE, "NS", 0,
	  "skip pods of NS, repeatable; giving it replaces the default "
	  "(default " DEF_EXCLUDE_NS ")",
	  G_INJECT },

	{ NULL, 0, NULL, 0, "Detection:", G_DETECT },
	{ "detect", OPT_DETECT, "open|readscan|fanotify|auto|none", 0,
	  "how an access is noticed; auto: fanotify, else open "
	  "(default " DEF_DETECT ")",
	  G_DETECT },
	{ "attach", OPT_ATTACH, "auto|lsm|fentry|kprobe|tracepoint", 0,
	  "BPF backend; auto tries lsm, fentry, kprobe, tracepoint "
	  "(default " DEF_ATTACH ")",
	  G_DETECT },
	{ "readscan-window", OPT_WINDOW, "64|128|256", 0,
	  "bytes of a token one read must return for readscan "
	  "(default " STR(DEF_RS_WINDOW) ")",
	  G_DETECT },
	{ "aggregate-ms", OPT_AGG, "N", 0,
	  "fold repeats per token and accessor over N ms "
	  "(default " STR(DEF_AGG_MS) ")",
	  G_DETECT },
	{ "respond", OPT_RESPOND, "none|kill|deny", 0,
	  "what to do to an accessor: kill it before the access returns, or "
	  "deny the access, where the detector can (default " DEF_RESPOND ")",
	  G_DETECT },
	{ "respond-scope", OPT_SCOPE, "container|node", 0,
	  "respond only to processes of the token's container, or to any "
	  "but the agent and the runtime (default " DEF_SCOPE ")",
	  G_DETECT },

	{ NULL, 0, NULL, 0, "Output:", G_OUTPUT },
	{ "events", OPT_EVENTS, "FILE", 0, "alert JSON lines (default stdout)",
	  G_OUTPUT },
	{ "node", OPT_NODE, "NAME", 0, "node name in alerts (default hostname)",
	  G_OUTPUT },
	{ "stats-interval-ms", OPT_STATS, "N", 0,
	  "periodic stats lines, 0: only the one at exit "
	  "(default " STR(DEF_STATS_MS) ")",
	  G_OUTPUT },
	{ "log-level", OPT_LOG, "error|warn|info|debug", 0,
	  "what goes to stderr (default " DEF_LOG_LEVEL ")", G_OUTPUT },

	{ NULL, 0, NULL, 0, "Alert sinks and metrics:", G_SINKS },
	{ "metrics-addr", OPT_METRICS, "HOST:PORT", 0,
	  "serve Prometheus metrics at http://HOST:PORT/metrics "
	  "(default off)",
	  G_SINKS },
	{ "webhook", OPT_WEBHOOK, "[FORMAT=]URL", 0,
	  "POST each alert to URL, repeatable; FORMAT is beesting, falco or "
	  "alertmanager (default none)",
	  G_SINKS },
	{ "webhook-token-file", OPT_WH_TOKEN, "FILE", 0,
	  "send the token in FILE as Authorization: Bearer to the --webhook "
	  "given before it; before any --webhook: to every webhook "
	  "(default none)",
	  G_SINKS },
	{ "webhook-ca", OPT_WH_CA, "FILE", 0,
	  "CA bundle for the https --webhook given before it; before any "
	  "--webhook: for every webhook (default system CA store)",
	  G_SINKS },
	{ "webhook-timeout-ms", OPT_WH_TIMEOUT, "N", 0,
	  "per-attempt timeout of a webhook POST "
	  "(default " STR(DEF_WH_TIMEOUT) ")",
	  G_SINKS },
	{ "webhook-retries", OPT_WH_RETRIES, "N", 0,
	  "retries of a failed POST, with doubling back-off "
	  "(default " STR(DEF_WH_RETRIES) ")",
	  G_SINKS },
	{ "sink-queue", OPT_SINK_QUEUE, "N", 0,
	  "alerts each webhook or metrics sink queues before it drops "
	  "(default " STR(DEF_SINK_QUEUE) ")",
	  G_SINKS },
	{ "kube-api", OPT_KUBE_API, "URL|in-cluster", 0,
	  "post an Event and annotate the pod whose token was read "
	  "(default off)",
	  G_SINKS },
	{ "kube-token-file", OPT_KUBE_TOKEN, "FILE", 0,
	  "bearer token for --kube-api (default " DEF_KUBE_TOKEN ")", G_SINKS },
	{ "kube-ca", OPT_KUBE_CA, "FILE", 0,
	  "CA of the API server (default " DEF_KUBE_CA ")", G_SINKS },

	/* argp's own two, in its wording; ARGP_NO_HELP keeps it from
	 * printing (and exiting) inside the parse */
	{ "help", OPT_HELP, NULL, 0, "give this help list", G_HELP },
	{ "usage", OPT_USAGE, NULL, 0, "give a short usage message", G_HELP },
	{ 0 },
};

struct parse_ctx {
	struct bs_agent_config *c;
	size_t n_excl;
};

/* argp_error() (message plus "Try --help"), as EINVAL for argp_parse. */
static int __attribute__((format(printf, 2, 3)))
bad(struct argp_state *st, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	argp_error(st, "%s", msg);
	return EINVAL;
}

static int copy_str(struct argp_state *st, char *dst, size_t n, const char *src,
		    const char *what)
{
	if (strlen(src) >= n)
		return bad(st, "%s too long", what);
	strcpy(dst, src);
	return 0;
}

static int valid_token_path(const char *p)
{
	if (p[0] != '/' || strstr(p, "//") || strstr(p, "/../") ||
	    strstr(p, "/./"))
		return 0;
	size_t n = strlen(p);

	if (n < 2 || p[n - 1] == '/' || (n >= 3 && !strcmp(p + n - 3, "/..")) ||
	    (n >= 2 && !strcmp(p + n - 2, "/.")))
		return 0;
	return 1;
}

int bs_token_spec_parse(struct bs_token_spec *spec, const char *arg)
{
	const char *eq = strchr(arg, '=');
	size_t plen = eq ? (size_t)(eq - arg) : strlen(arg);
	const char *tmpl = eq ? eq + 1 : DEF_TEMPLATE;

	memset(spec, 0, sizeof(*spec));
	if (plen == 0 || plen >= sizeof(spec->path))
		return -EINVAL;
	memcpy(spec->path, arg, plen);
	if (!valid_token_path(spec->path))
		return -EINVAL;
	if (!strncmp(tmpl, "file:", 5)) {
		if (!tmpl[5] || strlen(tmpl + 5) >= sizeof(spec->content_file))
			return -EINVAL;
		strcpy(spec->template_name, "file");
		strcpy(spec->content_file, tmpl + 5);
		return 0;
	}
	if (strcmp(tmpl, "aws-access-key") && strcmp(tmpl, "k8s-sa-token") &&
	    strcmp(tmpl, "eks-irsa") && strcmp(tmpl, "generic"))
		return -EINVAL;
	strcpy(spec->template_name, tmpl);
	return 0;
}

static const char *const wh_formats[] = {
	[BS_WH_BEESTING] = "beesting",
	[BS_WH_FALCO] = "falco",
	[BS_WH_ALERTMANAGER] = "alertmanager",
};

const char *bs_webhook_format_name(enum bs_webhook_format f)
{
	return (size_t)f < sizeof(wh_formats) / sizeof(wh_formats[0])
		       ? wh_formats[f]
		       : "?";
}

int bs_webhook_parse(struct bs_webhook_config *w, const char *arg)
{
	const char *url = arg;

	memset(w, 0, sizeof(*w));
	/* a URL's own '=' (in its query) is after its "://" */
	for (size_t i = 0; i < sizeof(wh_formats) / sizeof(wh_formats[0]);
	     i++) {
		size_t n = strlen(wh_formats[i]);

		if (!strncmp(arg, wh_formats[i], n) && arg[n] == '=') {
			w->format = (enum bs_webhook_format)i;
			url = arg + n + 1;
			break;
		}
	}
	if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8))
		return -EINVAL;
	if (strlen(url) >= sizeof(w->url) || strpbrk(url, " \t\r\n"))
		return -EINVAL;
	strcpy(w->url, url);
	return 0;
}

/* The hook binary ships next to the agent binary. */
static void hook_src_default(char *buf, size_t n)
{
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	buf[0] = 0;
	if (len <= 0)
		return;
	exe[len] = 0;
	slash = strrchr(exe, '/');
	if (slash)
		*slash = 0;
	if (strlen(exe) + sizeof("/beesting-hook") > n)
		return; /* too long: --inject=ocihook will say so at init */
	strcpy(buf, exe);
	strcat(buf, "/beesting-hook");
}

static int level_from_name(const char *s, enum bs_log_level *out)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };

	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i])) {
			*out = (enum bs_log_level)i;
			return 0;
		}
	return -EINVAL;
}

static void set_defaults(struct bs_agent_config *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->nri_socket, DEF_NRI_SOCKET);
	strcpy(c->plugin_idx, DEF_PLUGIN_IDX);
	strcpy(c->inject, DEF_INJECT);
	strcpy(c->detect, DEF_DETECT);
	bs_attach_parse(DEF_ATTACH, &c->attach);
	if (gethostname(c->node, sizeof(c->node) - 1))
		strcpy(c->node, "unknown");
	c->aggregate_ms = DEF_AGG_MS;
	c->respond = (enum bs_respond)bs_respond_parse(DEF_RESPOND);
	c->respond_node = !strcmp(DEF_SCOPE, "node");
	c->rs_window = DEF_RS_WINDOW;
	c->stats_interval_ms = DEF_STATS_MS;
	c->webhook_timeout_ms = DEF_WH_TIMEOUT;
	c->webhook_retries = DEF_WH_RETRIES;
	c->sink_queue = DEF_SINK_QUEUE;
	strcpy(c->kube_token_file, DEF_KUBE_TOKEN);
	strcpy(c->kube_ca, DEF_KUBE_CA);
	level_from_name(DEF_LOG_LEVEL, &c->log_level);
	strcpy(c->inject_cfg.state_dir, DEF_STATE_DIR);
	strcpy(c->inject_cfg.hook_dir, DEF_HOOK_DIR);
	strcpy(c->exclude_ns[0], DEF_EXCLUDE_NS);
	hook_src_default(c->inject_cfg.hook_src,
			 sizeof(c->inject_cfg.hook_src));
}

static int parse_u64(struct argp_state *st, const char *s, uint64_t *out,
		     const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || end == s || s[0] == '-')
		return bad(st, "bad %s '%s'", what, s);
	*out = v;
	return 0;
}

static int one_of(struct argp_state *st, const char *s, const char *const *set,
		  const char *what)
{
	for (; *set; set++)
		if (!strcmp(s, *set))
			return 0;
	return bad(st, "bad %s '%s'", what, s);
}

static int add_exclude(struct argp_state *st, struct parse_ctx *p,
		       const char *ns)
{
	struct bs_agent_config *c = p->c;

	if (!c->exclude_set) {
		c->exclude_set = true;
		p->n_excl = 0;
	}
	if (p->n_excl == BS_MAX_EXCLUDE_NS)
		return bad(st, "too many --exclude-namespace");
	return copy_str(st, c->exclude_ns[p->n_excl++], BS_NAME_LEN, ns,
			"--exclude-namespace");
}

static int add_token(struct argp_state *st, struct bs_agent_config *c,
		     const char *arg)
{
	struct bs_inject_config *ic = &c->inject_cfg;

	if (ic->n_tokens == BS_MAX_TOKEN_PATHS)
		return bad(st, "at most %d --token", BS_MAX_TOKEN_PATHS);
	if (bs_token_spec_parse(&ic->tokens[ic->n_tokens], arg))
		return bad(
			st,
			"bad --token '%.64s' (absolute normalized path, "
			"template aws-access-key|k8s-sa-token|eks-irsa|generic|"
			"file:F)",
			arg);
	ic->n_tokens++;
	return 0;
}

static int add_webhook(struct argp_state *st, struct bs_agent_config *c,
		       const char *arg)
{
	if (c->n_webhooks == BS_MAX_WEBHOOKS)
		return bad(st, "at most %d --webhook", BS_MAX_WEBHOOKS);
	if (bs_webhook_parse(&c->webhooks[c->n_webhooks], arg))
		return bad(st,
			   "bad --webhook '%.64s' ([beesting|falco|"
			   "alertmanager=]http(s)://...)",
			   arg);
	c->n_webhooks++;
	return 0;
}

/* --webhook-token-file/--webhook-ca: for the --webhook just before, or
 * (before any) every webhook's default.  Once per webhook. */
static int webhook_cred(struct argp_state *st, struct bs_agent_config *c,
			bool token, const char *a)
{
	const char *flag = token ? "--webhook-token-file" : "--webhook-ca";
	struct bs_webhook_config *w;
	bool *set;

	if (!c->n_webhooks)
		return token ? copy_str(st, c->webhook_token_file,
					sizeof(c->webhook_token_file), a, flag)
			     : copy_str(st, c->webhook_ca,
					sizeof(c->webhook_ca), a, flag);
	w = &c->webhooks[c->n_webhooks - 1];
	set = token ? &w->token_set : &w->ca_set;
	if (*set)
		return bad(st, "%s given twice after --webhook %.64s", flag,
			   w->url);
	*set = true;
	return token ? copy_str(st, w->token_file, sizeof(w->token_file), a,
				flag)
		     : copy_str(st, w->ca, sizeof(w->ca), a, flag);
}

const char *bs_webhook_token_file(const struct bs_agent_config *c, size_t i)
{
	return c->webhooks[i].token_set ? c->webhooks[i].token_file
					: c->webhook_token_file;
}

const char *bs_webhook_ca(const struct bs_agent_config *c, size_t i)
{
	return c->webhooks[i].ca_set ? c->webhooks[i].ca : c->webhook_ca;
}

/* HOST:PORT with a port; HOST may be empty (any) or [v6]. */
static int parse_hostport(struct argp_state *st, char *dst, size_t n,
			  const char *a)
{
	const char *colon = strrchr(a, ':');
	uint64_t port = 0;

	if (!colon || !colon[1] ||
	    parse_u64(st, colon + 1, &port, "--metrics-addr port"))
		return colon ? EINVAL
			     : bad(st, "--metrics-addr takes HOST:PORT");
	if (port > 65535)
		return bad(st, "--metrics-addr port %llu out of range",
			   (unsigned long long)port);
	return copy_str(st, dst, n, a, "--metrics-addr");
}

static int parse_window(struct argp_state *st, const char *s, uint32_t *out)
{
	uint64_t v = 0;

	if (parse_u64(st, s, &v, "--readscan-window"))
		return EINVAL;
	if (v > BS_RS_WINDOW_MAX || !bs_rs_window_valid((unsigned int)v))
		return bad(st, "--readscan-window takes 64, 128 or 256");
	*out = (uint32_t)v;
	return 0;
}

static int parse_respond(struct argp_state *st, struct bs_agent_config *c,
			 const char *a)
{
	int r = bs_respond_parse(a);

	if (r < 0)
		return bad(st, "--respond takes none, kill or deny");
	c->respond = (enum bs_respond)r;
	return 0;
}

static int parse_idx(struct argp_state *st, char *dst, const char *a)
{
	if (strlen(a) != 2 || a[0] < '0' || a[0] > '9' || a[1] < '0' ||
	    a[1] > '9')
		return bad(st, "--plugin-idx takes 00-99");
	strcpy(dst, a);
	return 0;
}

static int parse_choice(struct argp_state *st, char *dst, size_t n,
			const char *a, const char *const *set, const char *what)
{
	if (one_of(st, a, set, what))
		return EINVAL;
	return copy_str(st, dst, n, a, what);
}

/* --help/--usage: note it and stop; the program prints it. */
static int want_help(struct argp_state *st, struct bs_agent_config *c,
		     unsigned int flags)
{
	c->help = flags;
	st->next = st->argc;
	return 0;
}

static int apply_sink_value(struct argp_state *st, struct bs_agent_config *c,
			    int key, const char *a)
{
	switch (key) {
	case OPT_METRICS:
		return parse_hostport(st, c->metrics_addr,
				      sizeof(c->metrics_addr), a);
	case OPT_WEBHOOK:
		return add_webhook(st, c, a);
	case OPT_WH_TOKEN:
	case OPT_WH_CA:
		return webhook_cred(st, c, key == OPT_WH_TOKEN, a);
	case OPT_WH_TIMEOUT:
		return parse_u64(st, a, &c->webhook_timeout_ms,
				 "--webhook-timeout-ms");
	case OPT_WH_RETRIES:
		return parse_u64(st, a, &c->webhook_retries,
				 "--webhook-retries");
	case OPT_SINK_QUEUE:
		if (parse_u64(st, a, &c->sink_queue, "--sink-queue"))
			return EINVAL;
		if (!c->sink_queue || c->sink_queue > 1000000)
			return bad(st, "--sink-queue takes 1-1000000");
		return 0;
	case OPT_KUBE_API:
		if (strcmp(a, "in-cluster") && strncmp(a, "http://", 7) &&
		    strncmp(a, "https://", 8))
			return bad(st, "--kube-api takes http(s)://... or "
				       "in-cluster");
		return copy_str(st, c->kube_api, sizeof(c->kube_api), a,
				"--kube-api");
	case OPT_KUBE_TOKEN:
		return copy_str(st, c->kube_token_file,
				sizeof(c->kube_token_file), a,
				"--kube-token-file");
	case OPT_KUBE_CA:
		return copy_str(st, c->kube_ca, sizeof(c->kube_ca), a,
				"--kube-ca");
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static int apply_value(struct argp_state *st, struct parse_ctx *p, int key,
		       const char *a)
{
	static const char *const injects[] = { "bind", "ocihook", "projected",
					       "none", NULL };
	static const char *const detects[] = { "open", "readscan", "fanotify",
					       "auto", "none",	   NULL };
	struct bs_agent_config *c = p->c;
	struct bs_inject_config *ic = &c->inject_cfg;

	switch (key) {
	case OPT_SOCKET:
		return copy_str(st, c->nri_socket, sizeof(c->nri_socket), a,
				"--nri-socket");
	case OPT_IDX:
		return parse_idx(st, c->plugin_idx, a);
	case OPT_INJECT:
		return parse_choice(st, c->inject, sizeof(c->inject), a,
				    injects, "--inject");
	case OPT_DETECT:
		return parse_choice(st, c->detect, sizeof(c->detect), a,
				    detects, "--detect");
	case OPT_ATTACH:
		if (bs_attach_parse(a, &c->attach))
			return bad(st, "bad --attach '%s'", a);
		return 0;
	case OPT_TOKEN:
		return add_token(st, c, a);
	case OPT_STATE:
		return copy_str(st, ic->state_dir, sizeof(ic->state_dir), a,
				"--state-dir");
	case OPT_HOOK:
		return copy_str(st, ic->hook_dir, sizeof(ic->hook_dir), a,
				"--hook-dir");
	case OPT_EXCLUDE:
		return add_exclude(st, p, a);
	case OPT_EVENTS:
		return copy_str(st, c->events_path, sizeof(c->events_path), a,
				"--events");
	case OPT_NODE:
		return copy_str(st, c->node, sizeof(c->node), a, "--node");
	case OPT_AGG:
		return parse_u64(st, a, &c->aggregate_ms, "--aggregate-ms");
	case OPT_WINDOW:
		return parse_window(st, a, &c->rs_window);
	case OPT_STATS:
		return parse_u64(st, a, &c->stats_interval_ms,
				 "--stats-interval-ms");
	case OPT_LOG:
		if (level_from_name(a, &c->log_level))
			return bad(st, "bad --log-level '%s'", a);
		return 0;
	case OPT_RESPOND:
		return parse_respond(st, c, a);
	case OPT_SCOPE:
		if (strcmp(a, "container") && strcmp(a, "node"))
			return bad(st,
				   "--respond-scope takes container or node");
		c->respond_node = !strcmp(a, "node");
		return 0;
	default:
		return apply_sink_value(st, c, key, a);
	}
}

static error_t parse_opt(int key, char *arg, struct argp_state *st)
{
	struct parse_ctx *p = st->input;

	switch (key) {
	case OPT_HELP:
		return want_help(st, p->c, ARGP_HELP_STD_HELP);
	case OPT_USAGE:
		return want_help(st, p->c, ARGP_HELP_USAGE);
	case OPT_FAILCLOSED:
		p->c->inject_cfg.fail_closed = true;
		return 0;
	case ARGP_KEY_ARG:
		return bad(st, "unexpected argument '%s'", arg);
	default:
		if (key >= OPT_SOCKET && key < OPT_USAGE)
			return apply_value(st, p, key, arg);
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp agent_argp = {
	.options = options,
	.parser = parse_opt,
	.doc = "Beesting node agent: plants honeytoken files into containers "
	       "through NRI and reports every access to them, caught with "
	       "eBPF, as JSON lines.",
};

const struct argp *bs_agent_argp(void)
{
	return &agent_argp;
}

/* Defaults the user did not replace, and the NULL-terminated list view. */
static void finish(struct parse_ctx *p)
{
	struct bs_agent_config *c = p->c;
	struct bs_inject_config *ic = &c->inject_cfg;

	if (ic->n_tokens == 0)
		bs_token_spec_parse(&ic->tokens[ic->n_tokens++], DEF_TOKEN);
	for (size_t i = 0; i < p->n_excl; i++)
		c->exclude_ptrs[i] = c->exclude_ns[i];
	c->exclude_ptrs[p->n_excl] = NULL;
	ic->exclude_ns = c->exclude_ptrs;
}

int bs_agent_config_parse(struct bs_agent_config *c, int argc, char **argv)
{
	struct parse_ctx p = { .c = c, .n_excl = 1 };

	set_defaults(c);
	/* NO_EXIT: errors come back as a return code; NO_HELP: --help and
	 * --usage are ours, printed by the program, not in here */
	if (argp_parse(&agent_argp, argc, argv, ARGP_NO_EXIT | ARGP_NO_HELP,
		       NULL, &p))
		return -EINVAL;
	if (c->help)
		return 1;
	finish(&p);
	return 0;
}

void bs_agent_config_help(const struct bs_agent_config *c, FILE *f)
{
	unsigned int flags = c->help ? c->help : ARGP_HELP_STD_HELP;

	/* argp_help() itself never exits; the EXIT bits are for
	 * argp_state_help() but keep them off all the same */
	flags &= ~(unsigned int)(ARGP_HELP_EXIT_ERR | ARGP_HELP_EXIT_OK);
	argp_help(&agent_argp, f, flags, (char *)"beesting");
}
