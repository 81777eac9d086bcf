// SPDX-License-Identifier: Apache-2.0
/*
 * The agent's command line on argp: one option table is the parser, the
 * --help/--usage text and (through "(default X)" in each doc string) what
 * docs/agent.md's flag table is checked against.  A second table, opts[],
 * says for each option how its value is checked and where it is stored;
 * parse_opt() applies it.  Every default is written once, below, and used
 * both to fill the config and, string-ized, in the doc.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
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

static const char *const injects[] = { "bind", "ocihook", "projected", "none",
				       NULL };
static const char *const detects[] = { "open", "readscan", "fanotify",
				       "auto", "none",	   NULL };
/* indexed by enum bs_log_level */
static const char *const log_levels[] = { "error", "warn", "info", "debug",
					  NULL };
/* indexed by respond_node */
static const char *const scopes[] = { "container", "node", NULL };

struct parse_ctx {
	struct bs_agent_config *c;
	size_t n_excl;
	const char *name; /* the option being applied, for errors */
};

/* What a value must be beyond its type, and what its error says. */
struct rule {
	const char *const *names;    /* one of these; a number: its index */
	bool (*ok)(const char *a);   /* a string's own check */
	int (*value)(const char *a); /* a name's number; < 0: none */
	bool (*num_ok)(uint64_t v);  /* a number's own check */
	/* a list: its items' parser, where its size_t count is, the most */
	int (*parse)(void *item, const char *a);
	size_t count, max;
	const char *takes; /* "--X takes ...", a list's: the hint */
};

/* One option (by argp key): what applies its value, and where to. */
struct opt {
	int key;
	int (*set)(struct argp_state *st, struct parse_ctx *p,
		   const struct opt *o, const char *a);
	/* the field in struct bs_agent_config; a list's: its array and the
	 * size of an item */
	size_t off, size;
	const struct rule *rule; /* NULL: any value of the field's type */
};

#define FIELD(m)                                                               \
	.off = offsetof(struct bs_agent_config, m),                            \
	.size = sizeof(((struct bs_agent_config *)0)->m)
#define ITEMS(arr)                                                             \
	.off = offsetof(struct bs_agent_config, arr),                          \
	.size = sizeof(((struct bs_agent_config *)0)->arr[0])

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

/* "--X takes ..." where the rule says what X takes, else
 * "bad --X 'VALUE'". */
static int bad_value(struct argp_state *st, const struct parse_ctx *p,
		     const struct rule *r, const char *a)
{
	if (r->takes)
		return bad(st, "--%s takes %s", p->name, r->takes);
	return bad(st, "bad --%s '%s'", p->name, a);
}

static int copy_str(struct argp_state *st, char *dst, size_t n, const char *src,
		    const char *name)
{
	if (strlen(src) >= n)
		return bad(st, "--%s too long", name);
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

static int name_index(const char *const *names, const char *s)
{
	for (int i = 0; names[i]; i++)
		if (!strcmp(s, names[i]))
			return i;
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
	c->log_level = (enum bs_log_level)name_index(log_levels, DEF_LOG_LEVEL);
	strcpy(c->inject_cfg.state_dir, DEF_STATE_DIR);
	strcpy(c->inject_cfg.hook_dir, DEF_HOOK_DIR);
	strcpy(c->exclude_ns[0], DEF_EXCLUDE_NS);
	hook_src_default(c->inject_cfg.hook_src,
			 sizeof(c->inject_cfg.hook_src));
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || end == s || s[0] == '-')
		return -EINVAL;
	*out = v;
	return 0;
}

/* ---- the rules -------------------------------------------------------- */

static bool two_digits(const char *a)
{
	return strlen(a) == 2 && a[0] >= '0' && a[0] <= '9' && a[1] >= '0' &&
	       a[1] <= '9';
}

static bool http_or_in_cluster(const char *a)
{
	return !strcmp(a, "in-cluster") || !strncmp(a, "http://", 7) ||
	       !strncmp(a, "https://", 8);
}

static bool window_ok(uint64_t v)
{
	return v <= BS_RS_WINDOW_MAX && bs_rs_window_valid((unsigned int)v);
}

static bool sink_queue_ok(uint64_t v)
{
	return v && v <= 1000000;
}

static int attach_value(const char *a)
{
	enum bs_attach at;

	return bs_attach_parse(a, &at) ? -EINVAL : (int)at;
}

static int token_item(void *item, const char *a)
{
	return bs_token_spec_parse(item, a);
}

static int webhook_item(void *item, const char *a)
{
	return bs_webhook_parse(item, a);
}

static const struct rule plugin_idx = { .ok = two_digits, .takes = "00-99" };
static const struct rule inject = { .names = injects };
static const struct rule detect = { .names = detects };
static const struct rule attach = { .value = attach_value };
static const struct rule tokens = {
	.parse = token_item,
	.count = offsetof(struct bs_agent_config, inject_cfg.n_tokens),
	.max = BS_MAX_TOKEN_PATHS,
	.takes = "absolute normalized path, template "
		 "aws-access-key|k8s-sa-token|eks-irsa|generic|file:F",
};
static const struct rule window = { .num_ok = window_ok,
				    .takes = "64, 128 or 256" };
static const struct rule respond = { .value = bs_respond_parse,
				     .takes = "none, kill or deny" };
static const struct rule scope = { .names = scopes,
				   .takes = "container or node" };
static const struct rule log_level = { .names = log_levels };
static const struct rule host_port = { .takes = "HOST:PORT" };
static const struct rule webhooks = {
	.parse = webhook_item,
	.count = offsetof(struct bs_agent_config, n_webhooks),
	.max = BS_MAX_WEBHOOKS,
	.takes = "[beesting|falco|alertmanager=]http(s)://...",
};
static const struct rule sink_queue = { .num_ok = sink_queue_ok,
					.takes = "1-1000000" };
static const struct rule kube_api = { .ok = http_or_in_cluster,
				      .takes = "http(s)://... or in-cluster" };
static const struct rule any;

/* ---- the setters ------------------------------------------------------ */

static const struct rule *rule_of(const struct opt *o)
{
	return o->rule ? o->rule : &any;
}

static void *field(const struct parse_ctx *p, const struct opt *o)
{
	return (char *)p->c + o->off;
}

/* A string: one of the rule's names, or what its check passes. */
static int set_str(struct argp_state *st, struct parse_ctx *p,
		   const struct opt *o, const char *a)
{
	const struct rule *r = rule_of(o);

	if (r->names ? name_index(r->names, a) < 0 : r->ok && !r->ok(a))
		return bad_value(st, p, r, a);
	return copy_str(st, field(p, o), o->size, a, p->name);
}

/* A bool, a uint32_t (or enum) or a uint64_t field, by its size; a
 * field of another size is never written past. */
static void store_num(void *f, size_t size, uint64_t v)
{
	uint32_t v32 = (uint32_t)v;
	bool b = v != 0;

	if (size == sizeof(b))
		memcpy(f, &b, size);
	else if (size == sizeof(v32))
		memcpy(f, &v32, size);
	else if (size == sizeof(v))
		memcpy(f, &v, size);
}

_Static_assert(sizeof(enum bs_attach) == sizeof(uint32_t) &&
		       sizeof(enum bs_respond) == sizeof(uint32_t) &&
		       sizeof(enum bs_log_level) == sizeof(uint32_t),
	       "store_num stores an enum as a uint32_t");

/* A number: a name's (its index in the rule's names, or the rule's
 * value), or a whole number the rule's check passes. */
static int set_num(struct argp_state *st, struct parse_ctx *p,
		   const struct opt *o, const char *a)
{
	const struct rule *r = rule_of(o);
	uint64_t v = 0;
	int n;

	if (r->names || r->value) {
		n = r->names ? name_index(r->names, a) : r->value(a);
		if (n < 0)
			return bad_value(st, p, r, a);
		v = (uint64_t)n;
	} else if (parse_u64(a, &v)) {
		return bad(st, "bad --%s '%s'", p->name, a);
	} else if (r->num_ok && !r->num_ok(v)) {
		return bad_value(st, p, r, a);
	}
	store_num(field(p, o), o->size, v);
	return 0;
}

static int set_flag(struct argp_state *st, struct parse_ctx *p,
		    const struct opt *o, const char *a)
{
	(void)st;
	(void)a;
	store_num(field(p, o), o->size, 1);
	return 0;
}

/* One more item of a repeatable option's list. */
static int add_item(struct argp_state *st, struct parse_ctx *p,
		    const struct opt *o, const char *a)
{
	const struct rule *r = rule_of(o);
	size_t *n = (size_t *)((char *)p->c + r->count);

	if (*n == r->max)
		return bad(st, "at most %zu --%s", r->max, p->name);
	if (r->parse((char *)field(p, o) + *n * o->size, a))
		return bad(st, "bad --%s '%.64s' (%s)", p->name, a, r->takes);
	(*n)++;
	return 0;
}

/* The first --exclude-namespace replaces the default. */
static int add_exclude(struct argp_state *st, struct parse_ctx *p,
		       const struct opt *o, const char *ns)
{
	struct bs_agent_config *c = p->c;

	if (!c->exclude_set) {
		c->exclude_set = true;
		p->n_excl = 0;
	}
	if (p->n_excl == BS_MAX_EXCLUDE_NS)
		return bad(st, "too many --%s", p->name);
	return copy_str(st, (char *)field(p, o) + p->n_excl++ * o->size,
			o->size, ns, p->name);
}

/* --webhook-token-file/--webhook-ca: for the --webhook just before, or
 * (before any) every webhook's default, the option's field.  Once per
 * webhook. */
static int set_webhook_cred(struct argp_state *st, struct parse_ctx *p,
			    const struct opt *o, const char *a)
{
	struct bs_agent_config *c = p->c;
	bool token = o->key == OPT_WH_TOKEN;
	struct bs_webhook_config *w;
	bool *set;

	if (!c->n_webhooks)
		return set_str(st, p, o, a);
	w = &c->webhooks[c->n_webhooks - 1];
	set = token ? &w->token_set : &w->ca_set;
	if (*set)
		return bad(st, "--%s given twice after --webhook %.64s",
			   p->name, w->url);
	*set = true;
	return token ? copy_str(st, w->token_file, sizeof(w->token_file), a,
				p->name)
		     : copy_str(st, w->ca, sizeof(w->ca), a, p->name);
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
static int set_hostport(struct argp_state *st, struct parse_ctx *p,
			const struct opt *o, const char *a)
{
	const char *colon = strrchr(a, ':');
	uint64_t port = 0;

	if (!colon)
		return bad_value(st, p, rule_of(o), a);
	if (parse_u64(colon + 1, &port))
		return bad(st, "bad --%s port '%s'", p->name, colon + 1);
	if (port > 65535)
		return bad(st, "--%s port %llu out of range", p->name,
			   (unsigned long long)port);
	return set_str(st, p, o, a);
}

/* --help/--usage: note it and stop; the program prints it. */
static int want_help(struct argp_state *st, struct parse_ctx *p,
		     const struct opt *o, const char *a)
{
	(void)a;
	store_num(field(p, o), o->size,
		  o->key == OPT_HELP ? ARGP_HELP_STD_HELP : ARGP_HELP_USAGE);
	st->next = st->argc;
	return 0;
}

static const struct opt opts[] = {
	{ OPT_SOCKET, set_str, FIELD(nri_socket) },
	{ OPT_IDX, set_str, FIELD(plugin_idx), &plugin_idx },
	{ OPT_INJECT, set_str, FIELD(inject), &inject },
	{ OPT_DETECT, set_str, FIELD(detect), &detect },
	{ OPT_ATTACH, set_num, FIELD(attach), &attach },
	{ OPT_TOKEN, add_item, ITEMS(inject_cfg.tokens), &tokens },
	{ OPT_STATE, set_str, FIELD(inject_cfg.state_dir) },
	{ OPT_HOOK, set_str, FIELD(inject_cfg.hook_dir) },
	{ OPT_FAILCLOSED, set_flag, FIELD(inject_cfg.fail_closed) },
	{ OPT_EXCLUDE, add_exclude, ITEMS(exclude_ns) },
	{ OPT_EVENTS, set_str, FIELD(events_path) },
	{ OPT_NODE, set_str, FIELD(node) },
	{ OPT_AGG, set_num, FIELD(aggregate_ms) },
	{ OPT_WINDOW, set_num, FIELD(rs_window), &window },
	{ OPT_STATS, set_num, FIELD(stats_interval_ms) },
	{ OPT_LOG, set_num, FIELD(log_level), &log_level },
	{ OPT_METRICS, set_hostport, FIELD(metrics_addr), &host_port },
	{ OPT_WEBHOOK, add_item, ITEMS(webhooks), &webhooks },
	{ OPT_WH_TOKEN, set_webhook_cred, FIELD(webhook_token_file) },
	{ OPT_WH_CA, set_webhook_cred, FIELD(webhook_ca) },
	{ OPT_WH_TIMEOUT, set_num, FIELD(webhook_timeout_ms) },
	{ OPT_WH_RETRIES, set_num, FIELD(webhook_retries) },
	{ OPT_SINK_QUEUE, set_num, FIELD(sink_queue), &sink_queue },
	{ OPT_KUBE_API, set_str, FIELD(kube_api), &kube_api },
	{ OPT_KUBE_TOKEN, set_str, FIELD(kube_token_file) },
	{ OPT_KUBE_CA, set_str, FIELD(kube_ca) },
	{ OPT_RESPOND, set_num, FIELD(respond), &respond },
	{ OPT_SCOPE, set_num, FIELD(respond_node), &scope },
	{ OPT_HELP, want_help, FIELD(help) },
	{ OPT_USAGE, want_help, FIELD(help) },
};

/* The long name of the option with this key, for errors. */
static const char *opt_name(int key)
{
	for (const struct argp_option *o = options; o->name || o->doc; o++)
		if (o->name && o->key == key)
			return o->name;
	return "?";
}

static error_t parse_opt(int key, char *arg, struct argp_state *st)
{
	struct parse_ctx *p = st->input;

	if (key == ARGP_KEY_ARG)
		return bad(st, "unexpected argument '%s'", arg);
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		if (opts[i].key == key) {
			p->name = opt_name(key);
			return opts[i].set(st, p, &opts[i], arg);
		}
	return ARGP_ERR_UNKNOWN;
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
