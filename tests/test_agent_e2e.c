// SPDX-License-Identifier: Apache-2.0
/*
 * The whole agent, end to end, with real parts: the beesting binary is
 * started as a child, our NRI runtime side admits it over a unix socket,
 * CreateContainer returns the bind-mount adjustment, and opening the token
 * file makes the real BPF program emit an alert JSON line.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent/privs.h"
#include "nri/runtime.h"
#include "tests/support/json_check.h"
#include "tests/support/procfs.h"
#include "tests/support/sink_env.h"

#define TOKEN "/var/run/secrets/eks.amazonaws.com/access_key_token"

static char dir[] = "/run/bs-e2e-XXXXXX";
static char sock[128], events[128], state[128], hookdir[128];
static pid_t agent = -1;
static struct bs_nri_runtime *rt;

static const struct bs_kv pod_ann[] = { { "team", "blue" } };
static const struct bs_pod pod = {
	.id = "pod-e2e-1",
	.name = "victim",
	.uid = "uid-1",
	.ns = "default",
	.annotations = pod_ann,
	.n_annotations = 1,
};
static const struct bs_container ctr = {
	.id = "0123456789abcdef0123456789abcdef",
	.pod_id = "pod-e2e-1",
	.name = "app",
	.state = BS_CTR_CREATED,
};

static const char *build_dir(void)
{
	const char *b = getenv("BUILD");

	return b && *b ? b : "build";
}

static void start_agent_caps(const char *inject, const char *detect,
			     bool no_sys_admin)
{
	char bin[256];

	snprintf(bin, sizeof(bin), "%s/beesting", build_dir());
	if (access(bin, X_OK))
		cr_skip_test("%s not built", bin);
	agent = fork();
	cr_assert_geq(agent, 0);
	if (agent == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 2);
		/* root's exec gets the bounding set: take it out there */
		if (no_sys_admin &&
		    prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0))
			_exit(126);
		execl(bin, bin, "--nri-socket", sock, "--state-dir", state,
		      "--hook-dir", hookdir, "--events", events, "--inject",
		      inject, "--detect", detect, "--attach", "auto",
		      "--aggregate-ms", "0", "--node", "e2e-node", NULL);
		_exit(127);
	}
}

static void start_agent_detect(const char *inject, const char *detect)
{
	start_agent_caps(inject, detect, false);
}

static void start_agent(const char *inject)
{
	start_agent_detect(inject, "open");
}

static void setup(void)
{
	const struct bs_nri_runtime_config rc = { .socket_path = sock };

	cr_assert_not_null(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/nri.sock", dir);
	snprintf(events, sizeof(events), "%s/events.jsonl", dir);
	snprintf(state, sizeof(state), "%s/state", dir);
	snprintf(hookdir, sizeof(hookdir), "%s/hook", dir);
	rt = bs_nri_runtime_new(&rc);
	cr_assert_not_null(rt, "runtime side: %s", strerror(errno));
}

static void teardown(void)
{
	char cmd[256];

	if (agent > 0) {
		kill(agent, SIGKILL);
		waitpid(agent, NULL, 0);
	}
	if (rt)
		bs_nri_runtime_free(rt);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		fprintf(stderr, "cleanup of %s failed\n", dir);
}

static FILE *open_events(void)
{
	FILE *f = NULL;

	for (int i = 0; i < 500 && !f; i++) {
		f = fopen(events, "r");
		if (!f)
			usleep(20000);
	}
	cr_assert_not_null(f, "agent wrote no events file");
	return f;
}

/* Read a file from a child with a recognisable comm. */
static void read_as(const char *comm, const char *path)
{
	pid_t p = fork();

	cr_assert_geq(p, 0);
	if (p == 0) {
		char buf[256];
		int fd;

		prctl(PR_SET_NAME, comm);
		fd = open(path, O_RDONLY);
		if (fd < 0 || read(fd, buf, sizeof(buf)) < 0)
			_exit(1);
		_exit(0);
	}
	int st;

	waitpid(p, &st, 0);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "reader failed");
}

/* The agent's ready line, or the test fails. */
static json_t *ready_line(FILE *ev)
{
	json_t *j = sink_wait_line(ev, "ready", 10000);

	cr_assert_not_null(j, "agent never became ready");
	return j;
}

/* ev's ready line names detect and backend. */
static void expect_ready_in(FILE *ev, const char *detect, const char *backend)
{
	json_t *j = ready_line(ev);

	bs_expect_jstrs(j, "detect", detect, "backend", backend, NULL);
	json_decref(j);
}

static const char *token_source(const struct bs_adjust *adj)
{
	for (size_t i = 0; i < adj->n_mounts; i++)
		if (!strcmp(adj->mounts[i].destination, TOKEN))
			return adj->mounts[i].source;
	return NULL;
}

/* RemoveContainer takes the token file away; then the test's own ends. */
static void remove_container(const char *src, struct bs_adjust *adj, FILE *ev)
{
	cr_assert_eq(bs_nri_runtime_state_change(rt, BS_EV_REMOVE_CONTAINER,
						 &pod, &ctr),
		     0);
	cr_expect_neq(access(src, F_OK), 0, "token file left behind");
	bs_adjust_free(adj);
	fclose(ev);
}

TestSuite(agent_e2e, .init = setup, .fini = teardown, .timeout = 60);

Test(agent_e2e, bind_open_alert_names_pod_and_accessor)
{
	struct bs_adjust adj;
	const char *src;
	struct stat st;
	json_t *j;
	FILE *ev;
	int err;

	start_agent("bind");
	ev = open_events();
	j = ready_line(ev);
	cr_expect_str_eq(json_string_value(json_object_get(j, "backend")),
			 "tracepoint", "the only backend this kernel allows");
	json_decref(j);
	err = bs_nri_runtime_accept(rt, 10000, NULL, 0, NULL, 0);
	cr_assert_eq(err, 0, "agent did not register: %s", strerror(-err));

	bs_adjust_init(&adj);
	err = bs_nri_runtime_create_container(rt, &pod, &ctr, &adj);
	cr_assert_eq(err, 0, "CreateContainer: %s", strerror(-err));
	src = token_source(&adj);
	cr_assert_not_null(src, "no bind mount at %s", TOKEN);
	cr_assert_eq(stat(src, &st), 0, "token file %s: %s", src,
		     strerror(errno));
	cr_expect_eq(st.st_mode & 0777, 0444);

	/* negatives first: stat and access must not alert */
	cr_assert_eq(access(src, R_OK), 0);
	read_as("bs-e2e-reader", src);
	j = sink_wait_line(ev, "alert", 5000);
	cr_assert_not_null(j, "no alert for an open of the token");
	json_t *tok = json_object_get(j, "token");
	json_t *acc = json_object_get(j, "accessor");

	bs_expect_jstrs(tok, "pod", "victim", "namespace", "default",
			"container", "app", NULL);
	cr_expect_str_eq(json_string_value(json_object_get(tok, "path")),
			 TOKEN);
	cr_expect_str_eq(json_string_value(json_object_get(acc, "comm")),
			 "bs-e2e-reader", "stat/access raised an alert first?");
	cr_expect_str_eq(json_string_value(json_object_get(j, "method")),
			 "open");
	cr_expect_str_eq(json_string_value(json_object_get(j, "node")),
			 "e2e-node");
	json_decref(j);

	remove_container(src, &adj, ev);
}

Test(agent_e2e, excluded_namespace_and_opt_out_get_no_token)
{
	static const struct bs_kv optout[] = { { "beesting.io/inject",
						 "false" } };
	struct bs_pod sys = pod, opted = pod;
	struct bs_adjust adj;
	FILE *ev;

	sys.ns = "kube-system";
	opted.annotations = optout;
	opted.n_annotations = 1;
	start_agent("bind");
	ev = open_events();
	json_decref(sink_wait_line(ev, "ready", 10000));
	cr_assert_eq(bs_nri_runtime_accept(rt, 10000, NULL, 0, NULL, 0), 0);
	bs_adjust_init(&adj);
	cr_assert_eq(bs_nri_runtime_create_container(rt, &sys, &ctr, &adj), 0);
	cr_expect_null(token_source(&adj), "kube-system got a token");
	bs_adjust_free(&adj);
	bs_adjust_init(&adj);
	cr_assert_eq(bs_nri_runtime_create_container(rt, &opted, &ctr, &adj),
		     0);
	cr_expect_null(token_source(&adj), "opted-out pod got a token");
	bs_adjust_free(&adj);
	fclose(ev);
}

Test(agent_e2e, sigterm_writes_final_stats_and_exits_zero)
{
	int st;
	FILE *ev;
	json_t *j;

	start_agent("bind");
	ev = open_events();
	json_decref(sink_wait_line(ev, "ready", 10000));
	cr_assert_eq(bs_nri_runtime_accept(rt, 10000, NULL, 0, NULL, 0), 0);
	kill(agent, SIGTERM);
	cr_assert_eq(waitpid(agent, &st, 0), agent);
	agent = -1;
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "exit status %d", st);
	j = sink_wait_line(ev, "stats", 2000);
	cr_assert_not_null(j, "no final stats line");
	cr_expect(json_is_integer(json_object_get(j, "ringbuf_drops")));
	cr_expect_eq(json_integer_value(json_object_get(j, "nri_requests")) > 0,
		     1);
	json_decref(j);
	fclose(ev);
}

Test(agent_e2e, capabilities_are_dropped_after_start)
{
	FILE *ev;

	start_agent("bind");
	ev = open_events();
	json_decref(sink_wait_line(ev, "ready", 10000));
	/* the drop follows the ready line: wait for NRI to be served */
	cr_assert_eq(bs_nri_runtime_accept(rt, 10000, NULL, 0, NULL, 0), 0);
	cr_expect_eq(bs_test_status_hex(agent, "CapEff") &
			     ~bs_privs_kept_mask(),
		     0, "effective caps %llx beyond the kept set",
		     (unsigned long long)bs_test_status_hex(agent, "CapEff"));
	cr_expect_eq(bs_test_status_hex(agent, "CapBnd") &
			     ~bs_privs_kept_mask(),
		     0, "bounding set not reduced");
	cr_expect_eq(bs_test_status_hex(agent, "NoNewPrivs"), 1);
	cr_expect_neq(bs_test_status_hex(agent, "CapEff") & (1ull << 39), 0,
		      "CAP_BPF kept for map updates");
	fclose(ev);
}

/* fanotify: no BPF; the token is marked at CreateContainer, after the
 * capabilities were dropped (inode marks need no CAP_SYS_ADMIN). */
Test(agent_e2e, bind_fanotify_alert_names_pod_and_accessor)
{
	struct bs_adjust adj;
	const char *src;
	json_t *j, *acc;
	FILE *ev;

	start_agent_detect("bind", "fanotify");
	ev = open_events();
	expect_ready_in(ev, "fanotify", "fanotify");
	cr_assert_eq(bs_nri_runtime_accept(rt, 10000, NULL, 0, NULL, 0), 0);
	bs_adjust_init(&adj);
	cr_assert_eq(bs_nri_runtime_create_container(rt, &pod, &ctr, &adj), 0);
	src = token_source(&adj);
	cr_assert_not_null(src, "no bind mount at %s", TOKEN);
	cr_assert_eq(access(src, R_OK), 0);
	read_as("bs-fan-reader", src);
	j = sink_wait_line(ev, "alert", 5000);
	cr_assert_not_null(j, "no alert for an open of the token");
	acc = json_object_get(j, "accessor");
	bs_expect_jstrs(j, "backend", "fanotify", "method", "open", NULL);
	bs_expect_jstrs(acc, "comm", "bs-fan-reader", NULL);
	cr_expect_eq(json_integer_value(json_object_get(acc, "ppid")),
		     getpid());
	cr_expect_str_eq(json_string_value(json_object_get(
				 json_object_get(j, "token"), "pod")),
			 "victim");
	json_decref(j);
	remove_container(src, &adj, ev);
}

static void expect_ready(const char *detect, const char *backend)
{
	FILE *ev = open_events();

	expect_ready_in(ev, detect, backend);
	fclose(ev);
}

/* --detect=auto takes fanotify where it can start... */
Test(agent_e2e, detect_auto_picks_fanotify)
{
	start_agent_detect("bind", "auto");
	expect_ready("fanotify", "fanotify");
}

/* ...and open on the best BPF backend where it cannot (no
 * CAP_SYS_ADMIN: fanotify_init says EPERM). */
Test(agent_e2e, detect_auto_falls_back_to_open_without_cap_sys_admin)
{
	start_agent_caps("bind", "auto", true);
	expect_ready("open", "tracepoint");
}

/* The ready line names the readscan window in use (which a kernel that
 * refuses the one asked for makes another: test_detect_readscan). */
Test(agent_e2e, ready_line_names_the_readscan_window)
{
	FILE *ev;
	json_t *j;

	start_agent_detect("bind", "readscan");
	ev = open_events();
	j = ready_line(ev);
	bs_expect_jstrs(j, "detect", "readscan", NULL);
	cr_expect_eq(json_integer_value(json_object_get(j, "readscan_window")),
		     256);
	json_decref(j);
	fclose(ev);
}
