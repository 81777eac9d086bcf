// SPDX-License-Identifier: Apache-2.0
/*
 * The start-up capability report (agent/privs.c): with a capability taken
 * away, one line names it and what it disables, only for what the agent
 * was asked to do, and the agent still starts.  The first tests call the
 * function in a child whose effective set was reduced with capset(); the
 * last one runs the real agent with capabilities removed from its bounding
 * set before exec, as a least-privilege pod spec would.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/privs.h"
#include "tests/support/procfs.h"
#include "tests/support/shell.h"

#define CAP_PERFMON_ 38
#define CAP_BPF_     39
#define PTRACE_LINE                                                            \
	"warn missing CAP_SYS_PTRACE: ocihook inode discovery and resync "     \
	"through /proc/<pid>/root will fail"

static char dir[] = "/tmp/bs-privs-XXXXXX";
static char logp[PATH_MAX], text[16384];
static pid_t agent = -1;

static void setup(void)
{
	if (geteuid() != 0)
		cr_skip_test(
			"needs root: the report is about root's capabilities");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(logp, sizeof(logp), "%s/stderr", dir);
}

static void teardown(void)
{
	char cmd[PATH_MAX + 16];

	if (agent > 0) {
		kill(agent, SIGKILL);
		waitpid(agent, NULL, 0);
	}
	if (strchr(dir, 'X'))
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		fprintf(stderr, "cleanup of %s failed\n", dir);
}

static const char *read_log(void)
{
	ssize_t n = 0;
	int fd = open(logp, O_RDONLY | O_CLOEXEC);

	text[0] = '\0';
	if (fd >= 0) {
		n = read(fd, text, sizeof(text) - 1);
		close(fd);
	}
	text[n > 0 ? n : 0] = '\0';
	return text;
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* Run bs_privs_report(uses) in a child without caps; its log lands in
 * text.  Returns the missing mask it reported. */
static uint64_t report_without(uint64_t caps, unsigned int uses)
{
	int pfd[2], status;
	uint64_t miss = ~0ull;
	pid_t pid;

	cr_assert_eq(pipe(pfd), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int fd = open(logp, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		/* caps out of the effective set only (permitted kept), as
		 * a runtime does for a container whose spec leaves them out */
		if (fd < 0 || dup2(fd, STDERR_FILENO) < 0 ||
		    bs_privs_mask(~caps, ~0ull, ~0ull))
			_exit(3);
		if (bs_privs_report(uses, &miss))
			_exit(4);
		_exit(write(pfd[1], &miss, sizeof(miss)) == sizeof(miss) ? 0
									 : 5);
	}
	close(pfd[1]);
	cr_assert_eq(read(pfd[0], &miss, sizeof(miss)), (ssize_t)sizeof(miss),
		     "child reported nothing");
	close(pfd[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "child status %d", status);
	read_log();
	return miss;
}

static const unsigned int ALL =
	BS_USE_DETECT | BS_USE_INJECT | BS_USE_OCIHOOK | BS_USE_DROP;

/* What this machine already lacks (nothing here; a container might). */
static uint64_t baseline(void)
{
	return report_without(0, ALL);
}

Test(privs_report, names_the_missing_capability, .init = setup,
     .fini = teardown)
{
	uint64_t base = baseline() & ~(1ull << CAP_SYS_PTRACE);
	uint64_t miss = report_without(1ull << CAP_SYS_PTRACE, ALL);

	cr_assert_eq(miss, base | 1ull << CAP_SYS_PTRACE, "missing %llx",
		     (unsigned long long)miss);
	cr_assert(strstr(text, PTRACE_LINE), "log: %s", text);
	cr_assert_eq(count(text, "missing CAP_"), __builtin_popcountll(miss),
		     "log: %s", text);
}

Test(privs_report, full_set_says_so, .init = setup, .fini = teardown)
{
	uint64_t base = baseline();

	if (base)
		cr_skip_test("this machine already lacks capabilities %llx",
			     (unsigned long long)base);
	cr_assert(strstr(text, "info capabilities: every one the agent uses "
			       "is present"),
		  "log: %s", text);
	cr_assert_eq(count(text, "missing"), 0, "log: %s", text);
}

/* Only what was asked for counts: bind + open do not use ptrace. */
Test(privs_report, only_for_what_is_used, .init = setup, .fini = teardown)
{
	unsigned int bind_open = bs_privs_uses("bind", "open");
	uint64_t base =
		baseline() & ~(1ull << CAP_SYS_PTRACE | 1ull << CAP_BPF_);

	cr_assert_eq(bind_open, BS_USE_DETECT | BS_USE_INJECT | BS_USE_DROP);
	cr_assert_eq(bs_privs_uses("ocihook", "none"),
		     BS_USE_INJECT | BS_USE_OCIHOOK | BS_USE_DROP);
	cr_assert_eq(bs_privs_uses("none", "none"), BS_USE_DROP);
	cr_assert_eq(report_without(1ull << CAP_SYS_PTRACE, bind_open) & ~base,
		     0);
	cr_assert_eq(count(text, "missing CAP_SYS_PTRACE"), 0, "log: %s", text);
	/* but detection does use CAP_BPF */
	cr_assert_eq(report_without(1ull << CAP_BPF_, bind_open) & ~base,
		     1ull << CAP_BPF_);
	cr_assert(strstr(text, "warn missing CAP_BPF: BPF detection"),
		  "log: %s", text);
}

/* projected mounts at every create/remove: it keeps what that needs,
 * and says what goes without CAP_SYS_CHROOT. */
Test(privs_report, projected_keeps_mount_caps, .init = setup, .fini = teardown)
{
	unsigned int u = bs_privs_uses("projected", "open");
	uint64_t keep = bs_privs_kept_mask_for(u);

	cr_assert_eq(u, BS_USE_DETECT | BS_USE_INJECT | BS_USE_PROJECTED |
				BS_USE_DROP);
	cr_assert(keep & 1ull << CAP_SYS_ADMIN);
	cr_assert(keep & 1ull << CAP_SYS_CHROOT);
	cr_assert_eq(keep & ~(1ull << CAP_SYS_ADMIN | 1ull << CAP_SYS_CHROOT),
		     bs_privs_kept_mask());
	cr_assert_eq(bs_privs_kept_mask_for(bs_privs_uses("bind", "open")),
		     bs_privs_kept_mask());
	report_without(1ull << CAP_SYS_CHROOT, u);
	cr_assert(strstr(text, "missing CAP_SYS_CHROOT: projected"), "log: %s",
		  text);
	report_without(1ull << CAP_SYS_CHROOT, bs_privs_uses("bind", "open"));
	cr_assert_eq(count(text, "CAP_SYS_CHROOT"), 0, "log: %s", text);
}

Test(privs_report, several_missing_one_line_each, .init = setup,
     .fini = teardown)
{
	uint64_t caps = 1ull << CAP_BPF_ | 1ull << CAP_PERFMON_ |
			1ull << CAP_SYS_ADMIN | 1ull << CAP_SETPCAP |
			1ull << CAP_DAC_OVERRIDE;
	uint64_t base = baseline() & ~caps;

	cr_assert_eq(report_without(caps, ALL), base | caps);
	cr_assert_eq(count(text, "missing CAP_"),
		     5 + __builtin_popcountll(base), "log: %s", text);
	cr_assert(strstr(text, "missing CAP_PERFMON: "), "log: %s", text);
	cr_assert(strstr(text, "missing CAP_SYS_ADMIN: securityfs"), "log: %s",
		  text);
	cr_assert(strstr(text, "missing CAP_SETPCAP: the bounding set"),
		  "log: %s", text);
	cr_assert(strstr(text, "missing CAP_DAC_OVERRIDE: state-dir"),
		  "log: %s", text);
}

/* ---- the real agent -------------------------------------------------- */

/* No CAP_SYS_PTRACE and no CAP_SETPCAP in the bounding set before exec:
 * the agent says so, still starts, and still drops what it can. */
Test(privs_report, agent_reports_and_keeps_running, .init = setup,
     .fini = teardown)
{
	const char *bin = bs_test_built("beesting");
	char sock[PATH_MAX], st[PATH_MAX], hook[PATH_MAX], ev[PATH_MAX];
	uint64_t eff, want, base;
	int status;

	if (access(bin, X_OK))
		cr_skip_test("%s not built", bin);
	base = baseline() & ~(1ull << CAP_SYS_PTRACE | 1ull << CAP_SETPCAP);
	snprintf(sock, sizeof(sock), "%s/no-nri.sock", dir);
	snprintf(st, sizeof(st), "%s/state", dir);
	snprintf(hook, sizeof(hook), "%s/hook", dir);
	snprintf(ev, sizeof(ev), "%s/events", dir);
	agent = fork();
	cr_assert_geq(agent, 0);
	if (agent == 0) {
		int fd = open(logp, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd < 0 || dup2(fd, STDERR_FILENO) < 0 ||
		    prctl(PR_CAPBSET_DROP, CAP_SYS_PTRACE, 0, 0, 0) ||
		    prctl(PR_CAPBSET_DROP, CAP_SETPCAP, 0, 0, 0))
			_exit(126);
		execl(bin, bin, "--nri-socket", sock, "--inject", "ocihook",
		      "--detect", "none", "--state-dir", st, "--hook-dir", hook,
		      "--events", ev, "--log-level", "info", NULL);
		_exit(127);
	}
	for (int i = 0; i < 250 && !strstr(read_log(), "capabilities reduced");
	     i++)
		usleep(20000);
	cr_expect(strstr(text, PTRACE_LINE), "log: %s", text);
	cr_expect(strstr(text, "missing CAP_SETPCAP: the bounding set"),
		  "log: %s", text);
	cr_expect_eq(count(text, "missing CAP_"),
		     2 + __builtin_popcountll(base), "log: %s", text);
	cr_expect(strstr(text, "(bounding set unchanged: no CAP_SETPCAP)"),
		  "log: %s", text);
	cr_assert_eq(waitpid(agent, &status, WNOHANG), 0,
		     "agent exited (status %d); log: %s", status, text);
	/* kept set minus what it never had; an exec gains nothing */
	eff = bs_test_status_hex(agent, "CapEff");
	want = bs_privs_kept_mask() & ~(1ull << CAP_SYS_PTRACE) & ~base;
	cr_expect_eq(eff, want, "CapEff %llx want %llx",
		     (unsigned long long)eff, (unsigned long long)want);
	cr_expect_eq(bs_test_status_hex(agent, "CapPrm"), want);
	cr_expect_eq(bs_test_status_hex(agent, "NoNewPrivs"), 1);
	kill(agent, SIGTERM);
	cr_assert_eq(waitpid(agent, &status, 0), agent);
	agent = -1;
}
