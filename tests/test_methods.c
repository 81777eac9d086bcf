// SPDX-License-Identifier: Apache-2.0
/*
 * The access-method table (strategies/methods.h) is the one source: the
 * docs/strategies.md block, beesting-attack --list/--markdown, the detection
 * suite's case list and the strategies' ready-line blind spots must all say
 * what it says.
 */
#include <criterion/criterion.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/detect_suite.h"
#include "strategies/methods.h"
#include "strategies/strategy.h"
#include "tests/support/detect_check.h"
#include "tests/support/doc_block.h"

#define DOC   "docs/strategies.md"
#define BEGIN "<!-- methods:begin -->\n"
#define END   "<!-- methods:end -->\n"

/* $(BUILD) from the test binary's path ($(BUILD)/tests/test_methods). */
static void build_dir(char *out, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	cr_assert_gt(n, 0);
	exe[n] = '\0';
	snprintf(out, len, "%s", dirname(dirname(exe)));
}

static char *run(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	char *out;

	cr_assert_not_null(p, "%s", cmd);
	out = bs_test_slurp(p);
	cr_assert_eq(pclose(p), 0, "%s failed", cmd);
	return out;
}

Test(methods, doc_block_is_the_table)
{
	char *block = bs_test_doc_block(DOC, BEGIN, END),
	     *want = bs_test_generated(bs_access_markdown);

	cr_expect_str_eq(block, want,
			 DOC
			 "'s methods block differs from the table: "
			 "replace it with `beesting-attack --list --markdown`");
	free(block);
	free(want);
}

Test(methods, attack_tool_prints_the_table)
{
	char build[PATH_MAX], cmd[PATH_MAX + 64], *out,
		*want = bs_test_generated(bs_access_markdown);
	char line[256], *p, *save = NULL;
	size_t i = 0;

	build_dir(build, sizeof(build));
	snprintf(cmd, sizeof(cmd), "%s/beesting-attack", build);
	if (access(cmd, X_OK))
		cr_skip_test("%s not built", cmd);
	snprintf(cmd, sizeof(cmd), "%s/beesting-attack --list --markdown",
		 build);
	out = run(cmd);
	cr_expect_str_eq(out, want);
	free(out);
	snprintf(cmd, sizeof(cmd), "%s/beesting-attack --list", build);
	out = run(cmd);
	/* --list: the attack methods, in table order, nothing else */
	for (p = strtok_r(out, "\n", &save); p;
	     p = strtok_r(NULL, "\n", &save)) {
		while (i < BS_ACC_MAX &&
		       !(bs_access_methods[i].tools & BS_ACC_ATTACK))
			i++;
		cr_assert_lt(i, BS_ACC_MAX, "extra line '%s'", p);
		snprintf(line, sizeof(line), "%s %s %s",
			 bs_access_methods[i].name,
			 bs_access_expect_name(&bs_access_methods[i]),
			 bs_access_methods[i].desc);
		cr_expect_str_eq(p, line);
		i++;
	}
	while (i < BS_ACC_MAX && !(bs_access_methods[i].tools & BS_ACC_ATTACK))
		i++;
	cr_expect_eq(i, BS_ACC_MAX, "--list stops before %s",
		     i < BS_ACC_MAX ? bs_access_methods[i].name : "");
	free(out);
	free(want);
}

#define NAME(n) #n,
static const char *const suite_cases[] = { BS_DCASE_NAMES(NAME) };

Test(methods, suite_case_list_is_the_table)
{
	size_t n = 0;

	for (size_t i = 0; i < BS_ACC_MAX; i++) {
		if (!(bs_access_methods[i].tools & BS_ACC_SUITE))
			continue;
		cr_assert_lt(n, sizeof(suite_cases) / sizeof(suite_cases[0]),
			     "BS_DCASE_NAMES lacks %s",
			     bs_access_methods[i].name);
		cr_expect_str_eq(suite_cases[n], bs_access_methods[i].name,
				 "BS_DCASE_NAMES[%zu]", n);
		n++;
	}
	cr_expect_eq(n, sizeof(suite_cases) / sizeof(suite_cases[0]),
		     "BS_DCASE_NAMES has more cases than the table");
}

static bool known_strategy(const char *s)
{
	return !strcmp(s, "open") || !strcmp(s, "readscan") ||
	       !strcmp(s, "fanotify");
}

Test(methods, entries_are_well_formed)
{
	for (size_t i = 0; i < BS_ACC_MAX; i++) {
		const struct bs_access *m = &bs_access_methods[i];

		cr_assert_not_null(m->name, "entry %zu has no name", i);
		cr_expect_eq(m->id, (enum bs_access_id)i, "%s: id", m->name);
		cr_expect(m->desc && *m->desc, "%s: no description", m->name);
		cr_expect(m->tools &&
				  !(m->tools & ~(BS_ACC_ATTACK | BS_ACC_SUITE)),
			  "%s: tools", m->name);
		cr_expect_eq(bs_access_find(m->name), m, "%s: name not unique",
			     m->name);
		cr_expect(!m->open_method || m->pre_open,
			  "%s: an open method only matters for a pre-opened fd",
			  m->name);
		for (size_t k = 0; k < BS_ACC_MAX_BLIND && m->blind[k].strategy;
		     k++) {
			const struct bs_access_blind *b = &m->blind[k];

			cr_expect(m->expect_alert,
				  "%s: a negative has no "
				  "blind spot",
				  m->name);
			cr_expect(known_strategy(b->strategy),
				  "%s: strategy %s", m->name, b->strategy);
			cr_expect(b->attach && !(b->attach & ~(BS_ACC_BK_ALL |
							       BS_ACC_BK_FAN)),
				  "%s: backend mask %#x", m->name, b->attach);
			cr_expect(b->reason && *b->reason, "%s: no reason",
				  m->name);
			cr_expect(!b->if_pre_open || m->pre_open,
				  "%s: blind only pre-opened, never pre-opened",
				  m->name);
		}
	}
	for (size_t i = 0; i < bs_access_n_limits; i++)
		cr_expect(known_strategy(bs_access_limits[i].strategy) &&
				  bs_access_limits[i].attach &&
				  bs_access_limits[i].what &&
				  bs_access_limits[i].reason,
			  "limit %zu", i);
	cr_expect_null(bs_access_find("no_such_method"));
	cr_expect_null(bs_access_find_in("busybox_cat", BS_ACC_ATTACK));
	cr_expect_not_null(bs_access_find_in("busybox_cat", BS_ACC_SUITE));
}

Test(methods, blind_lookup)
{
	cr_expect_not_null(bs_access_blind("readscan", BS_ATTACH_TRACEPOINT,
					   "mmap", false));
	cr_expect_null(
		bs_access_blind("open", BS_ATTACH_TRACEPOINT, "mmap", true));
	/* the suite's fd kept from before arming, not the attack tool's */
	cr_expect_not_null(
		bs_access_blind("open", BS_ATTACH_LSM, "sendfile", true));
	cr_expect_null(
		bs_access_blind("open", BS_ATTACH_LSM, "sendfile", false));
	cr_expect_null(bs_access_blind("open", BS_ATTACH_TRACEPOINT, "sendfile",
				       true));
	cr_expect_null(bs_access_blind("readscan", BS_ATTACH_TRACEPOINT, "cat",
				       false));
	cr_expect_null(bs_access_blind("none", BS_ATTACH_LSM, "cat", false));
	cr_expect_null(bs_access_blind("open", BS_ATTACH_MAX, "cat", false));
}

/* name as a whole word of the first len bytes of text */
static bool word_in(const char *text, size_t len, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = text; (p = strstr(p, name)) && p + n <= text + len;
	     p += n)
		if ((p == text || p[-1] == ' ') &&
		    (p + n == text + len || strchr(",; ", p[n])))
			return true;
	return false;
}

/* Where the limits start in a ready text: methods come first. */
static size_t methods_part(const char *t, const char *strategy,
			   enum bs_attach a)
{
	for (size_t i = 0; i < bs_access_n_limits; i++) {
		const struct bs_access_limit *l = &bs_access_limits[i];
		const char *p;

		if (!strcmp(l->strategy, strategy) &&
		    (l->attach & BS_ACC_BK(a)) && (p = strstr(t, l->what)))
			return (size_t)(p - t);
	}
	return strlen(t);
}

/* Every blind spot of the table shows in the ready text of each backend
 * it applies to, and in no other; the text is never cut short. */
Test(methods, ready_text_comes_from_the_table)
{
	static const char *const strategies[] = { "open", "readscan",
						  "fanotify" };

	for (size_t s = 0; s < 3; s++)
		for (int a = BS_ATTACH_LSM; a < BS_ATTACH_MAX; a++) {
			const char *t = bs_access_blind_spots(strategies[s], a);

			size_t part = methods_part(t, strategies[s], a);

			cr_expect_lt(strlen(t), 500, "%s/%s: %s", strategies[s],
				     bs_attach_name(a), t);
			for (size_t i = 0; i < BS_ACC_MAX; i++) {
				const char *n = bs_access_methods[i].name;
				bool blind = bs_access_blind(strategies[s], a,
							     n, true);

				cr_expect_eq(word_in(t, part, n), blind,
					     "%s/%s: %s in '%s'", strategies[s],
					     bs_attach_name(a), n, t);
			}
			for (size_t i = 0; i < bs_access_n_limits; i++) {
				const struct bs_access_limit *l =
					&bs_access_limits[i];
				bool mine = false;

				/* two limits may say the same (ia32) */
				for (size_t j = 0; j < bs_access_n_limits; j++)
					mine |= !strcmp(bs_access_limits[j]
								.what,
							l->what) &&
						!strcmp(bs_access_limits[j]
								.strategy,
							strategies[s]) &&
						(bs_access_limits[j].attach &
						 BS_ACC_BK(a));

				cr_expect_eq(strstr(t, l->what) != NULL, mine,
					     "%s/%s: '%s' in '%s'",
					     strategies[s], bs_attach_name(a),
					     l->what, t);
			}
		}
	cr_expect_str_eq(bs_access_blind_spots("none", BS_ATTACH_LSM), "");
}

/* The docs name backends as --attach does. */
Test(methods, markdown_spells_backends_as_attach)
{
	char *md = bs_test_generated(bs_access_markdown), want[64];

	snprintf(want, sizeof(want), "(%s, %s, %s",
		 bs_attach_name(BS_ATTACH_LSM),
		 bs_attach_name(BS_ATTACH_FENTRY),
		 bs_attach_name(BS_ATTACH_KPROBE));
	cr_expect_not_null(strstr(md, want), "no '%s' in the table", want);
	snprintf(want, sizeof(want), "readscan (%s)",
		 bs_attach_name(BS_ATTACH_TRACEPOINT));
	cr_expect_not_null(strstr(md, want), "no '%s' in the table", want);
	free(md);
}

/* A started strategy reports the table's text (needs BPF: root). */
Test(methods, strategy_ready_text_is_the_table)
{
	struct bs_dtest *d;
	int err;

	bs_dcheck_need_root();
	d = calloc(1, sizeof(*d));
	cr_assert_not_null(d);
	err = bs_dtest_start(d, "open", BS_ATTACH_AUTO, 0, 0);
	cr_assert_eq(err, 0, "start: %s", strerror(-err));
	cr_expect_str_eq(d->ctx.blind_spots,
			 bs_access_blind_spots("open", d->ctx.backend));
	bs_dtest_stop(d);
	free(d);
}

Test(methods, kernel_release_parses)
{
	cr_expect_eq(bs_kver_parse("6.1.0-57-cloud-amd64"), BS_KVER(6, 1));
	cr_expect_eq(bs_kver_parse("6.12.117+deb12-cloud-amd64"),
		     BS_KVER(6, 12));
	cr_expect_eq(bs_kver_parse("6.18.44-fc"), BS_KVER(6, 18));
	cr_expect_gt(bs_kver_parse("6.14.0"), bs_kver_parse("6.9.12"));
	cr_expect_eq(bs_kver_parse("garbage"), 0);
	cr_expect_eq(bs_kver_parse(""), 0);
	cr_expect_eq(bs_kver_parse(NULL), 0);
	cr_expect_eq(bs_kver_parse("6.300"), 0);
}

/* fanotify's pre-opened-fd blind spot came with Linux 6.14 and is in
 * Debian's 6.12 (the kernel matrix's 6.1 guest alerts on those reads, its
 * 6.12 guest does not); mmap stays blind everywhere: page-ins raise no
 * permission event. */
Test(methods, fanotify_pre_fd_blind_spot_follows_the_kernel)
{
	static const char *const pre_fd[] = { "inherited_fd", "sendfile",
					      "splice", "copy_file_range" };
	const enum bs_attach f = BS_ATTACH_FANOTIFY;

	cr_assert_neq(bs_kver_running(), 0, "uname release not parsed");
	for (size_t i = 0; i < sizeof(pre_fd) / sizeof(pre_fd[0]); i++) {
		const char *n = pre_fd[i];

		cr_expect_null(bs_access_blind_at("fanotify", f, n, true,
						  BS_KVER(6, 1)),
			       "%s on 6.1", n);
		cr_expect_null(bs_access_blind_at("fanotify", f, n, true,
						  BS_KVER(6, 11)),
			       "%s on 6.11", n);
		cr_expect_not_null(bs_access_blind_at("fanotify", f, n, true,
						      BS_KVER(6, 12)),
				   "%s on 6.12", n);
		cr_expect_not_null(
			bs_access_blind_at("fanotify", f, n, true, 0),
			"%s on an unknown kernel", n);
		cr_expect_null(bs_access_blind_at("fanotify", f, n, false,
						  BS_KVER(6, 14)),
			       "%s opened after arming", n);
	}
	cr_expect_not_null(
		bs_access_blind_at("fanotify", f, "mmap", true, BS_KVER(6, 1)));
	/* the BPF strategies' blind spots hold on every kernel */
	cr_expect_not_null(bs_access_blind_at(
		"open", BS_ATTACH_LSM, "inherited_fd", true, BS_KVER(6, 1)));
}

/* Before 5.19 io_uring_complete carries no request, so the tracepoint
 * backend of "open" cannot tell an io_uring open (the matrix's 5.10
 * guest); from 6.1 on it alerts, and the hook backends see it anyway. */
Test(methods, io_uring_tracepoint_blind_spot_ends_at_5_19)
{
	const enum bs_attach tp = BS_ATTACH_TRACEPOINT;

	cr_expect_not_null(bs_access_blind_at("open", tp, "io_uring", false,
					      BS_KVER(5, 10)));
	cr_expect_not_null(bs_access_blind_at("open", tp, "io_uring", false,
					      BS_KVER(5, 18)));
	cr_expect_null(bs_access_blind_at("open", tp, "io_uring", false,
					  BS_KVER(5, 19)));
	cr_expect_null(bs_access_blind_at("open", tp, "io_uring", false,
					  BS_KVER(6, 1)));
	cr_expect_not_null(bs_access_blind_at("open", tp, "io_uring", false, 0),
			   "an unknown kernel keeps every blind spot");
	cr_expect_null(bs_access_blind_at("open", BS_ATTACH_LSM, "io_uring",
					  false, BS_KVER(5, 10)));
}
