// SPDX-License-Identifier: Apache-2.0
/*
 * beesting-attack: touch a honeytoken (or a decoy) by one access method.
 *
 *   beesting-attack --list [--markdown]
 *   beesting-attack <method> <token-path> [--other FILE] [--print] [--fd N]
 *   beesting-attack recon <token-path>...
 *   beesting-attack --tells [--markdown]
 *
 * The methods are the attack entries of the table (strategies/methods.h),
 * the accesses those of harness/attack/access.c.  Runs inside busybox
 * containers, so it is linked statically, libc only.  Exit status: 0 the
 * access succeeded, 1 the access itself failed, 2 usage error.  With
 * --print the bytes read go to stdout unchanged (tests compare them);
 * otherwise one summary line "ok <method> <bytes>" is printed.  --list
 * prints "<name> <alert|none> <description>" per method; --list --markdown
 * the docs/strategies.md table of methods and blind spots.  recon checks
 * the tells of harness/attack/tells.h over the paths, as an unprivileged
 * attacker in the container can, and prints
 * "<tell>,<0|1|unknown>,<evidence>" per tell (exit 0); --tells lists
 * "<tell> <what it checks>", --markdown the docs/strategies.md table.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "harness/attack/access.h"
#include "harness/attack/tells.h"
#include "strategies/methods.h"

#define EXIT_OPFAIL 1
#define EXIT_USAGE  2

struct opts {
	const char *method;
	const char *path;
	const char *other;
	int fd; /* --fd: inherited descriptor, -1 if none */
	int print;
	const char *argv0;
};

static struct opts g;

/* --print: every byte a method obtains goes to stdout unchanged. */
static int print_bytes(void *arg, const void *buf, size_t n)
{
	const char *p = buf;

	(void)arg;
	while (n > 0) {
		ssize_t w = write(STDOUT_FILENO, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			fprintf(stderr,
				"beesting-attack: %s: write stdout: %s\n",
				g.method, strerror(w < 0 ? errno : EIO));
			return -EIO;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* inherited_fd: the parent opened the token; an exec'd copy of us reads
 * the descriptor it inherited. */
static int spawn_reader(struct bs_access_ctx *ctx, int fd)
{
	char num[16];
	char *argv[7];
	int argc = 0;

	snprintf(num, sizeof(num), "%d", fd);
	argv[argc++] = (char *)g.argv0;
	argv[argc++] = "inherited_fd";
	argv[argc++] = (char *)ctx->path;
	argv[argc++] = "--fd";
	argv[argc++] = num;
	if (g.print)
		argv[argc++] = "--print";
	argv[argc] = NULL;
	execv("/proc/self/exe", argv);
	/* no /proc in the container: fall back to our own name */
	execv(g.argv0, argv);
	fprintf(stderr, "beesting-attack: %s: exec %s: %s\n", g.method, g.argv0,
		strerror(errno));
	return -errno;
}

static void list_methods(void)
{
	for (size_t i = 0; i < BS_ACC_MAX; i++) {
		const struct bs_access *m = &bs_access_methods[i];

		if (m->tools & BS_ACC_ATTACK)
			printf("%s %s %s\n", m->name, bs_access_expect_name(m),
			       m->desc);
	}
}

static int usage(const char *why)
{
	if (why)
		fprintf(stderr, "beesting-attack: %s\n", why);
	fprintf(stderr, "usage: beesting-attack --list [--markdown]\n"
			"       beesting-attack <method> <token-path> [--other "
			"FILE] [--print] [--fd N]\n"
			"       beesting-attack recon <token-path>...\n"
			"       beesting-attack --tells [--markdown]\n"
			"methods:");
	for (size_t i = 0; i < BS_ACC_MAX; i++)
		if (bs_access_methods[i].tools & BS_ACC_ATTACK)
			fprintf(stderr, " %s", bs_access_methods[i].name);
	fprintf(stderr, "\n");
	return EXIT_USAGE;
}

static int parse_fd(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < 0 || v > INT_MAX)
		return -1;
	return (int)v;
}

static int parse_args(int argc, char **argv)
{
	int pos = 0;

	g.fd = -1;
	g.argv0 = argv[0];
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--print") == 0) {
			g.print = 1;
		} else if (strcmp(a, "--other") == 0 && i + 1 < argc) {
			g.other = argv[++i];
		} else if (strcmp(a, "--fd") == 0 && i + 1 < argc) {
			g.fd = parse_fd(argv[++i]);
			if (g.fd < 0)
				return usage("--fd needs a descriptor number");
		} else if (a[0] == '-' && a[1] == '-') {
			return usage("unknown or incomplete option");
		} else if (pos == 0) {
			g.method = a;
			pos++;
		} else if (pos == 1) {
			g.path = a;
			pos++;
		} else {
			return usage("too many arguments");
		}
	}
	return 0;
}

static int run(const struct bs_access *m)
{
	struct bs_access_ctx ctx;

	bs_access_ctx_init(&ctx, g.path);
	ctx.other = g.other;
	ctx.fd = g.fd;
	ctx.emit = g.print ? print_bytes : NULL;
	ctx.child = spawn_reader;
	if (bs_access_run(m, &ctx)) {
		/* empty: a child or the sink already said why */
		if (ctx.err[0])
			fprintf(stderr, "beesting-attack: %s: %s\n", m->name,
				ctx.err);
		return EXIT_OPFAIL;
	}
	if (!g.print && !ctx.by_child)
		printf("ok %s %zu\n", m->name, ctx.total);
	return 0;
}

/* The attacker's view: every tell over the paths, one CSV line each. */
static int recon(int argc, char **argv)
{
	struct bs_tell_result r[BS_TELL_MAX];

	if (argc < 1)
		return usage("recon needs at least one token path");
	bs_recon((const char *const *)argv, (size_t)argc, r);
	for (size_t i = 0; i < BS_TELL_MAX; i++)
		printf("%s,%s,%s\n", bs_tells[i].name,
		       bs_tell_visible_name(r[i].visible), r[i].evidence);
	return fflush(stdout) ? EXIT_OPFAIL : 0;
}

static int list_tells(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[2], "--markdown") == 0)
		bs_tells_markdown(stdout);
	else if (argc != 2)
		return usage("--tells takes only --markdown");
	else
		for (size_t i = 0; i < BS_TELL_MAX; i++)
			printf("%s %s\n", bs_tells[i].name, bs_tells[i].checks);
	return 0;
}

int main(int argc, char **argv)
{
	const struct bs_access *m;

	/* One name for the accessor whatever exec path was used (the
	 * inherited_fd child comes back through /proc/self/exe, "exe"), so
	 * alerts can be matched to the attack by comm. */
	prctl(PR_SET_NAME, "beesting-attack", 0, 0, 0);
	if (argc >= 2 && strcmp(argv[1], "--list") == 0) {
		if (argc == 3 && strcmp(argv[2], "--markdown") == 0)
			bs_access_markdown(stdout);
		else if (argc == 2)
			list_methods();
		else
			return usage("--list takes only --markdown");
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "--tells") == 0)
		return list_tells(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "recon") == 0)
		return recon(argc - 2, argv + 2);
	if (parse_args(argc, argv))
		return EXIT_USAGE;
	if (!g.method || !g.path || !*g.path)
		return usage("need a method and a token path");
	m = bs_access_find_in(g.method, BS_ACC_ATTACK);
	if (!m)
		return usage("unknown method");
	if (m->id == BS_ACC_OTHER && !g.other)
		return usage("method other needs --other FILE");
	if (g.fd >= 0 && m->id != BS_ACC_INHERITED_FD)
		return usage("--fd is only for inherited_fd");
	return run(m);
}
