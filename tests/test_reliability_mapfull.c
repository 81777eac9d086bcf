// SPDX-License-Identifier: Apache-2.0
/* A full token map: arming one token more than the map holds fails with
 * -ENOSPC, is counted (map_full, arm_failed) and logged, and the container
 * is still created. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/core.h"
#include "harness/reliability/rel_env.h"
#include "harness/runtime/runc.h"
#include "lib/fs.h"

static char dir[64] = "/tmp/bs-rel-mapfull-XXXXXX";
static struct bs_agent_config cfg;
static struct bs_core core;
static FILE *events;
static bool core_up;

static void setup(void)
{
	char state[128], hooks[128];
	/* bind: a state file per token; projected would leave a tmpfs
	 * mounted for the container this test never removes */
	char *argv[] = { "beesting", "--inject",    "bind", "--state-dir",
			 state,	     "--hook-dir",  hooks,  "--token",
			 REL_TOKEN,  "--log-level", "warn", NULL };

	if (geteuid() != 0)
		cr_skip_test("needs root for BPF");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(hooks, sizeof(hooks), "%s/hooks", dir);
	cr_assert_eq(bs_agent_config_parse(&cfg, 11, argv), 0);
	events = tmpfile();
	cr_assert_not_null(events);
	cr_assert_eq(bs_core_init(&core, &cfg, events), 0,
		     "detection does not start here");
	core_up = true;
}

static void teardown(void)
{
	if (core_up)
		bs_core_fini(&core);
	if (events)
		fclose(events);
	bs_rm_rf(dir);
}

TestSuite(reliability_mapfull, .init = setup, .fini = teardown, .timeout = 120);

/* Run fn with stderr going into a file; return what it wrote. */
static void capture_create(char *log, size_t cap, int *rc,
			   struct bs_adjust *adj)
{
	struct bs_pod pod = { .id = "pod-full",
			      .name = "full",
			      .ns = "default",
			      .uid = "uid-full" };
	struct bs_container ctr = { .id = "ctr-full",
				    .pod_id = "pod-full",
				    .name = "app" };
	char path[128];
	int fd, saved;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/stderr", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	cr_assert_geq(fd, 0);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	*rc = bs_core_create(&core, &pod, &ctr, adj);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, log, cap - 1, 0);
	log[n > 0 ? n : 0] = '\0';
	close(fd);
}

Test(reliability_mapfull, one_more_than_the_map_holds)
{
	struct bs_token *t = calloc(1, sizeof(*t));
	struct bs_detect_stats ds;
	struct bs_adjust adj;
	char log[4096];
	int err = 0, rc;
	uint32_t i;

	cr_assert_not_null(t);
	t->have_inode = true;
	t->dev = 0xfffff; /* no such device: these never match a real file */
	for (i = 0; i < BS_MAX_TOKENS && !err; i++) {
		t->id = 1000000 + i;
		t->ino = i + 1;
		err = core.det->arm(&core.dctx, t);
	}
	cr_assert_eq(err, 0, "arm %u of %d failed: %s", i, BS_MAX_TOKENS,
		     strerror(-err));
	t->id = 2000000;
	t->ino = BS_MAX_TOKENS + 1;
	cr_expect_eq(core.det->arm(&core.dctx, t), -ENOSPC,
		     "arming past the map's capacity did not fail with ENOSPC");
	free(t);

	/* a real container now: its token cannot be armed, it still starts */
	bs_adjust_init(&adj);
	capture_create(log, sizeof(log), &rc, &adj);
	cr_expect_eq(rc, 0, "container creation failed on a full map");
	cr_expect_geq(core.st.arm_failed, 1, "arm_failed not counted");
	cr_expect_not_null(strstr(log, "No space left"),
			   "no log line for the failed arm: '%s'", log);
	core.det->stats(&core.dctx, &ds);
	cr_expect_geq(ds.map_full, 2, "map_full = %llu",
		      (unsigned long long)ds.map_full);
	bs_adjust_free(&adj);
}
