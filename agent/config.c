// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/types.h>

#include "agent/config.h"
#include "bpf/events.h"
#include "bpf/detect_shared.h"

#define DEFAULT_TOKEN "/var/run/secrets/eks.amazonaws.com/access_key_token"

static const char usage[] =
	"usage: beesting [options]\n"
	"  --nri-socket PATH        NRI socket (default /var/run/nri/nri.sock;\n"
	"                           NRI_PLUGIN_SOCKET=fd wins when set)\n"
	"  --plugin-idx NN          NRI plugin index, two digits (default 10)\n"
	"  --inject bind|ocihook|none   injection strategy (default bind)\n"
	"  --detect open|readscan|none  detection strategy (default open)\n"
	"  --attach auto|lsm|fentry|kprobe|tracepoint  BPF backend (default auto)\n"
	"  --token PATH[=TEMPLATE]  token path, repeatable; TEMPLATE is\n"
	"                           aws-access-key (default), k8s-sa-token,\n"
	"                           generic or file:CONTENT_FILE\n"
	"  --state-dir DIR          token files (default /var/lib/beesting)\n"
	"  --hook-dir DIR           hook binary dir, must be exec (default /opt/beesting/bin)\n"
	"  --fail-closed            injection failure fails the container\n"
	"  --exclude-namespace NS   skip pods of NS, repeatable (default kube-system)\n"
	"  --events FILE            alert JSON lines (default stdout)\n"
	"  --node NAME              node name in alerts (default hostname)\n"
	"  --aggregate-ms N         fold repeats per token+accessor (default 1000)\n"
	"  --readscan-window N      bytes of a token one read must return for\n"
	"                           readscan: 64, 128 or 256 (default 256)\n"
	"  --stats-interval-ms N    periodic stats lines (default 0: at exit)\n"
	"  --log-level error|warn|info|debug\n";

static int copy_str(char *dst, size_t n, const char *src, const char *what)
{
	if (strlen(src) >= n) {
		fprintf(stderr, "beesting: %s too long\n", what);
		return -EINVAL;
	}
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
	const char *tmpl = eq ? eq + 1 : "aws-access-key";

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
	    strcmp(tmpl, "generic"))
		return -EINVAL;
	strcpy(spec->template_name, tmpl);
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

static void set_defaults(struct bs_agent_config *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->nri_socket, "/var/run/nri/nri.sock");
	strcpy(c->plugin_idx, "10");
	strcpy(c->inject, "bind");
	strcpy(c->detect, "open");
	c->attach = BS_ATTACH_AUTO;
	if (gethostname(c->node, sizeof(c->node) - 1))
		strcpy(c->node, "unknown");
	c->aggregate_ms = 1000;
	c->rs_window = BS_RS_WINDOW_DEFAULT;
	c->log_level = BS_LOG_INFO;
	strcpy(c->inject_cfg.state_dir, "/var/lib/beesting");
	strcpy(c->inject_cfg.hook_dir, "/opt/beesting/bin");
	strcpy(c->exclude_ns[0], "kube-system");
	hook_src_default(c->inject_cfg.hook_src, sizeof(c->inject_cfg.hook_src));
}

static int parse_u64(const char *s, uint64_t *out, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || end == s || s[0] == '-') {
		fprintf(stderr, "beesting: bad %s '%s'\n", what, s);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_level(const char *s, enum bs_log_level *out)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };

	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i])) {
			*out = (enum bs_log_level)i;
			return 0;
		}
	fprintf(stderr, "beesting: bad --log-level '%s'\n", s);
	return -EINVAL;
}

static int one_of(const char *s, const char *const *set, const char *what)
{
	for (; *set; set++)
		if (!strcmp(s, *set))
			return 0;
	fprintf(stderr, "beesting: bad %s '%s'\n", what, s);
	return -EINVAL;
}

static int add_exclude(struct bs_agent_config *c, const char *ns, size_t *n)
{
	if (!c->exclude_set) {
		c->exclude_set = true;
		*n = 0;
	}
	if (*n == BS_MAX_EXCLUDE_NS) {
		fprintf(stderr, "beesting: too many --exclude-namespace\n");
		return -EINVAL;
	}
	return copy_str(c->exclude_ns[(*n)++], BS_NAME_LEN, ns,
			"--exclude-namespace");
}

static int add_token(struct bs_agent_config *c, const char *arg)
{
	struct bs_inject_config *ic = &c->inject_cfg;

	if (ic->n_tokens == BS_MAX_TOKEN_PATHS) {
		fprintf(stderr, "beesting: at most %d --token\n",
			BS_MAX_TOKEN_PATHS);
		return -EINVAL;
	}
	if (bs_token_spec_parse(&ic->tokens[ic->n_tokens], arg)) {
		fprintf(stderr,
			"beesting: bad --token '%s' (absolute normalized path, "
			"template aws-access-key|k8s-sa-token|generic|file:F)\n",
			arg);
		return -EINVAL;
	}
	ic->n_tokens++;
	return 0;
}

static int parse_window(const char *s, uint32_t *out)
{
	uint64_t v;

	if (parse_u64(s, &v, "--readscan-window"))
		return -EINVAL;
	if (v > BS_RS_WINDOW_MAX || !bs_rs_window_valid((unsigned int)v)) {
		fprintf(stderr, "beesting: --readscan-window takes 64, 128 or "
			"256\n");
		return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

enum {
	OPT_SOCKET = 256, OPT_IDX, OPT_INJECT, OPT_DETECT, OPT_ATTACH,
	OPT_TOKEN, OPT_STATE, OPT_HOOK, OPT_FAILCLOSED, OPT_EXCLUDE,
	OPT_EVENTS, OPT_NODE, OPT_AGG, OPT_WINDOW, OPT_STATS, OPT_LOG,
	OPT_HELP,
};

static const struct option opts[] = {
	{ "nri-socket", required_argument, NULL, OPT_SOCKET },
	{ "plugin-idx", required_argument, NULL, OPT_IDX },
	{ "inject", required_argument, NULL, OPT_INJECT },
	{ "detect", required_argument, NULL, OPT_DETECT },
	{ "attach", required_argument, NULL, OPT_ATTACH },
	{ "token", required_argument, NULL, OPT_TOKEN },
	{ "state-dir", required_argument, NULL, OPT_STATE },
	{ "hook-dir", required_argument, NULL, OPT_HOOK },
	{ "fail-closed", no_argument, NULL, OPT_FAILCLOSED },
	{ "exclude-namespace", required_argument, NULL, OPT_EXCLUDE },
	{ "events", required_argument, NULL, OPT_EVENTS },
	{ "node", required_argument, NULL, OPT_NODE },
	{ "aggregate-ms", required_argument, NULL, OPT_AGG },
	{ "readscan-window", required_argument, NULL, OPT_WINDOW },
	{ "stats-interval-ms", required_argument, NULL, OPT_STATS },
	{ "log-level", required_argument, NULL, OPT_LOG },
	{ "help", no_argument, NULL, OPT_HELP },
	{ 0 },
};

static int apply_opt(struct bs_agent_config *c, int o, const char *a,
		     size_t *n_excl)
{
	static const char *const injects[] = { "bind", "ocihook", "none", NULL };
	static const char *const detects[] = { "open", "readscan", "none", NULL };

	switch (o) {
	case OPT_SOCKET:
		return copy_str(c->nri_socket, sizeof(c->nri_socket), a,
				"--nri-socket");
	case OPT_IDX:
		if (strlen(a) != 2 || a[0] < '0' || a[0] > '9' || a[1] < '0' ||
		    a[1] > '9') {
			fprintf(stderr, "beesting: --plugin-idx takes 00-99\n");
			return -EINVAL;
		}
		strcpy(c->plugin_idx, a);
		return 0;
	case OPT_INJECT:
		if (one_of(a, injects, "--inject"))
			return -EINVAL;
		return copy_str(c->inject, sizeof(c->inject), a, "--inject");
	case OPT_DETECT:
		if (one_of(a, detects, "--detect"))
			return -EINVAL;
		return copy_str(c->detect, sizeof(c->detect), a, "--detect");
	case OPT_ATTACH:
		if (bs_attach_parse(a, &c->attach)) {
			fprintf(stderr, "beesting: bad --attach '%s'\n", a);
			return -EINVAL;
		}
		return 0;
	case OPT_TOKEN:
		return add_token(c, a);
	case OPT_STATE:
		return copy_str(c->inject_cfg.state_dir,
				sizeof(c->inject_cfg.state_dir), a, "--state-dir");
	case OPT_HOOK:
		return copy_str(c->inject_cfg.hook_dir,
				sizeof(c->inject_cfg.hook_dir), a, "--hook-dir");
	case OPT_FAILCLOSED:
		c->inject_cfg.fail_closed = true;
		return 0;
	case OPT_EXCLUDE:
		return add_exclude(c, a, n_excl);
	case OPT_EVENTS:
		return copy_str(c->events_path, sizeof(c->events_path), a,
				"--events");
	case OPT_NODE:
		return copy_str(c->node, sizeof(c->node), a, "--node");
	case OPT_AGG:
		return parse_u64(a, &c->aggregate_ms, "--aggregate-ms");
	case OPT_WINDOW:
		return parse_window(a, &c->rs_window);
	case OPT_STATS:
		return parse_u64(a, &c->stats_interval_ms, "--stats-interval-ms");
	case OPT_LOG:
		return parse_level(a, &c->log_level);
	default:
		return -EINVAL;
	}
}

int bs_agent_config_parse(struct bs_agent_config *c, int argc, char **argv)
{
	size_t n_excl = 1;
	int o, err;

	set_defaults(c);
	optind = 1;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o == OPT_HELP) {
			fputs(usage, stdout);
			return 1;
		}
		if (o == '?') {
			fputs(usage, stderr);
			return -EINVAL;
		}
		err = apply_opt(c, o, optarg, &n_excl);
		if (err)
			return err;
	}
	if (optind < argc) {
		fprintf(stderr, "beesting: unexpected argument '%s'\n",
			argv[optind]);
		return -EINVAL;
	}
	if (c->inject_cfg.n_tokens == 0)
		bs_token_spec_parse(&c->inject_cfg.tokens[c->inject_cfg.n_tokens++],
				    DEFAULT_TOKEN);
	for (size_t i = 0; i < n_excl; i++)
		c->exclude_ptrs[i] = c->exclude_ns[i];
	c->exclude_ptrs[n_excl] = NULL;
	c->inject_cfg.exclude_ns = c->exclude_ptrs;
	return 0;
}
