// SPDX-License-Identifier: Apache-2.0
/*
 * The agent under what a real runtime does, with real runc containers and
 * our runtime side sending what containerd 1.7 sends (nri/cri.c):
 *  - ocihook tokens are armed although PostCreateContainer carries no pid
 *    (the first pid comes with StartContainer, before the workload runs);
 *  - the accessor is named when the agent sits in a private cgroup
 *    namespace below the victims' cgroups (as a non-privileged pod's agent
 *    does on cgroup v2), where the victims' cgroup paths read "/../...".
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/reliability/rel_env.h"
#include "tests/support/rel_suite.h"

#define READY_MS  15000
#define ACCEPT_MS 10000
#define ALERT_MS  5000

static struct rel_env env;
static char cg_dir[256];

static void setup(void)
{
	rel_suite_init(&env, "runtime");
}

static void teardown(void)
{
	rel_env_fini(&env);
	if (cg_dir[0])
		rmdir(cg_dir); /* empty once the agent is gone */
	cg_dir[0] = '\0';
}

TestSuite(agent_runtime, .init = setup, .fini = teardown, .timeout = 90);

static bool ready(struct rel_env *e, void *arg)
{
	(void)arg;
	return e->ready;
}

static void agent_up(const struct rel_agent_args *a)
{
	int err;

	cr_assert_eq(rel_listen(&env), 0);
	cr_assert_eq(rel_agent_start(&env, a), 0);
	err = rel_wait(&env, ready, NULL, READY_MS);
	cr_assert_eq(err, 0, "agent not ready: %s (log %s)", strerror(-err),
		     env.log);
	cr_assert_eq(rel_accept(&env, ACCEPT_MS, NULL, 0), 0);
}

struct alert_q {
	const char *token_ctr, *accessor_ctr;
};

static bool has_alert(struct rel_env *e, void *arg)
{
	const struct alert_q *q = arg;

	return rel_alert_for(e, q->token_ctr, q->accessor_ctr) != NULL;
}

/* One real container up, its token read inside it; the alert must name
 * the container as both the token's and the accessor's. */
static void cat_alerts_with_attribution(void)
{
	struct bs_nri_pod *c = calloc(1, sizeof(*c));
	struct alert_q any, named;
	int err;

	cr_assert_not_null(c);
	cr_assert_eq(rel_ctr_new(&env, c, 0, true), 0);
	err = rel_ctr_up(&env, c);
	cr_assert_eq(err, 0, "container up: %s", strerror(-err));
	err = rel_ctr_touch(&env, c);
	cr_assert_eq(err, 0, "cat of the token in the container: %s",
		     strerror(-err));
	any = (struct alert_q){ c->id, NULL };
	named = (struct alert_q){ c->id, c->id };
	err = rel_wait(&env, has_alert, &any, ALERT_MS);
	cr_expect_eq(err, 0, "no alert for the token of %s (log %s)", c->id,
		     env.log);
	if (!err)
		cr_expect_eq(
			rel_wait(&env, has_alert, &named, ALERT_MS), 0,
			"the alert does not name the accessor's container %s",
			c->id);
	rel_ctr_down(&env, c, true);
	free(c);
}

static bool gap_reported(struct rel_env *e, void *arg)
{
	return rel_stat(e, "arm_gap_us_max", arg) && *(uint64_t *)arg > 0;
}

Test(agent_runtime, ocihook_armed_without_a_pid_at_post_create)
{
	const struct rel_agent_args a = { .inject = "ocihook",
					  .aggregate_ms = 1 };
	uint64_t gap = 0;

	agent_up(&a);
	cat_alerts_with_attribution();
	cr_expect_eq(rel_log_count(&env, "not found"), 0,
		     "the agent could not locate a token (log %s)", env.log);
	cr_expect_eq(rel_wait(&env, gap_reported, &gap, ALERT_MS), 0,
		     "no create -> armed gap in the stats lines");
	cr_log_info("ocihook create -> armed (StartContainer): %llu us",
		    (unsigned long long)gap);
}

/* fanotify on real runc containers: the accessor, read from /proc while
 * it waits, is named by its container (cgroup id / mount namespace). */
Test(agent_runtime, fanotify_bind_names_the_container)
{
	const struct rel_agent_args a = { .detect = "fanotify",
					  .aggregate_ms = 1 };

	agent_up(&a);
	cat_alerts_with_attribution();
}

/* ocihook tokens are located through /proc/<pid>/root and marked there. */
Test(agent_runtime, fanotify_ocihook_names_the_container)
{
	const struct rel_agent_args a = { .inject = "ocihook",
					  .detect = "fanotify",
					  .aggregate_ms = 1 };

	agent_up(&a);
	cat_alerts_with_attribution();
	cr_expect_eq(rel_log_count(&env, "arm token"), 0,
		     "a token could not be marked (log %s)", env.log);
}

/* Where cgroup v2 is mounted (hybrid hosts: /sys/fs/cgroup/unified). */
static const char *cgroup2_root(void)
{
	static const char *const roots[] = { "/sys/fs/cgroup/unified",
					     "/sys/fs/cgroup" };
	char path[128];

	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/cgroup.procs", roots[i]);
		if (access(path, W_OK) == 0)
			return roots[i];
	}
	return NULL;
}

static bool cgroup_ns_differs(pid_t pid)
{
	char mine[64], theirs[64], path[64];
	ssize_t a, b;

	snprintf(path, sizeof(path), "/proc/%d/ns/cgroup", (int)pid);
	a = readlink("/proc/self/ns/cgroup", mine, sizeof(mine) - 1);
	b = readlink(path, theirs, sizeof(theirs) - 1);
	if (a <= 0 || b <= 0)
		return false;
	mine[a] = theirs[b] = '\0';
	return strcmp(mine, theirs) != 0;
}

Test(agent_runtime, accessor_named_from_a_private_cgroup_namespace)
{
	const char *root = cgroup2_root();
	struct rel_agent_args a = { .aggregate_ms = 1 };

	if (!root)
		cr_skip_test(
			"no writable cgroup v2 hierarchy to put the agent in");
	snprintf(cg_dir, sizeof(cg_dir), "%s/bs-agent-ns-%d", root,
		 (int)getpid());
	cr_assert(mkdir(cg_dir, 0755) == 0 || errno == EEXIST, "mkdir %s: %s",
		  cg_dir, strerror(errno));
	a.cgroup_ns_dir = cg_dir;
	agent_up(&a);
	cr_assert(cgroup_ns_differs(env.agent.pid),
		  "the agent is not in a cgroup namespace of its own");
	cat_alerts_with_attribution();
}
