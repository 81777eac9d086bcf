// SPDX-License-Identifier: Apache-2.0
/*
 * --respond through the whole agent, on real runc containers driven by our
 * NRI runtime side as containerd 1.7 drives them (the token's container
 * identity is learned at StartContainer): a `cat` of the token inside the
 * container is killed before it prints a byte (kill) or refused with EPERM
 * (fanotify deny), `stat` inside it and a read from the host (outside the
 * container, scope container) are untouched; the alert line carries the
 * response, the stats line counts it.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/reliability/rel_env.h"

#define READY_MS  15000
#define ACCEPT_MS 10000
#define ALERT_MS  5000

static struct rel_env env;

static void setup(void)
{
	const char *why = rel_missing();

	if (why)
		cr_skip_test("%s", why);
	if (!bs_runc_available())
		cr_skip_test("runc or busybox-static missing");
	cr_assert_eq(rel_env_init(&env, "respond"), 0);
}

static void teardown(void)
{
	rel_env_fini(&env);
}

TestSuite(respond_agent, .init = setup, .fini = teardown, .timeout = 120);

static bool ready(struct rel_env *e, void *arg)
{
	(void)arg;
	return e->ready;
}

static struct bs_nri_pod *up(const char *detect, const char *respond)
{
	const struct rel_agent_args a = { .detect = detect,
					  .respond = respond,
					  .aggregate_ms = 1 };
	struct bs_nri_pod *c = calloc(1, sizeof(*c));
	int err;

	cr_assert_not_null(c);
	cr_assert_eq(rel_listen(&env), 0);
	cr_assert_eq(rel_agent_start(&env, &a), 0);
	err = rel_wait(&env, ready, NULL, READY_MS);
	cr_assert_eq(err, 0, "agent not ready: %s (log %s)", strerror(-err),
		     env.log);
	cr_assert_eq(rel_accept(&env, ACCEPT_MS, NULL, 0), 0);
	cr_assert_eq(rel_ctr_new(&env, c, 0, true), 0);
	err = rel_ctr_up(&env, c);
	cr_assert_eq(err, 0, "container up: %s", strerror(-err));
	return c;
}

static void down(struct bs_nri_pod *c)
{
	rel_ctr_down(&env, c, true);
	free(c);
}

/* cmd on the token in the container exits want; out gets its output. */
static void expect_in_ctr(struct bs_nri_pod *c, const char *cmd, int want,
			  char *out, size_t cap)
{
	const char *argv[] = { cmd, REL_TOKEN, NULL };
	int st = -1, err;

	out[0] = '\0';
	err = bs_runc_exec(&c->rc, argv, out, cap, &st);
	cr_assert_eq(err, 0, "runc exec %s: %s", cmd, strerror(-err));
	cr_expect_eq(st, want, "%s in the container: status %d, want %d: %s",
		     cmd, st, want, out);
}

/* The events file's first alert whose response result is `result`. */
static json_t *alert_with(const char *result)
{
	char line[8192];
	json_t *found = NULL;
	FILE *f = fopen(env.run.events, "re");

	cr_assert_not_null(f);
	while (!found && fgets(line, sizeof(line), f)) {
		json_t *j = json_loads(line, 0, NULL), *r;

		r = json_object_get(j, "response");
		if (r && !strcmp(json_string_value(json_object_get(r, "result"))
					 ?: "",
				 result))
			found = json_incref(j);
		json_decref(j);
	}
	fclose(f);
	return found;
}

struct want {
	const char *result;
	json_t *alert;
};

static bool has_alert(struct rel_env *e, void *arg)
{
	struct want *w = arg;

	rel_pump(e);
	w->alert = alert_with(w->result);
	return w->alert != NULL;
}

static json_t *wait_alert(const char *result)
{
	struct want w = { result, NULL };

	cr_expect_eq(rel_wait(&env, has_alert, &w, ALERT_MS), 0,
		     "no alert with response result %s (log %s)", result,
		     env.log);
	return w.alert;
}

/* An alert with response result comes, its response says action and
 * revealed, its accessor (unless ctr_id is NULL) the container ctr_id. */
static void expect_alert(const char *result, const char *action, bool revealed,
			 const char *ctr_id)
{
	json_t *a = wait_alert(result), *r;

	if (!a)
		return; /* wait_alert said so */
	r = json_object_get(a, "response");
	cr_assert_not_null(r);
	cr_expect_str_eq(json_string_value(json_object_get(r, "action")),
			 action);
	cr_expect_eq(json_is_true(json_object_get(r, "revealed")), revealed);
	if (ctr_id)
		cr_expect_str_eq(
			json_string_value(json_object_get(
				json_object_get(a, "accessor"), "container_id"))
				?: "",
			ctr_id);
	json_decref(a);
}

static bool counted(struct rel_env *e, void *arg)
{
	uint64_t v = 0;

	(void)arg;
	return rel_stat(e, "responses_done", &v) && v >= 1;
}

Test(respond_agent, kill_in_the_container_before_a_byte)
{
	struct bs_nri_pod *c = up("open", "kill");
	char out[1024];

	/* stat only: nothing happens to it */
	expect_in_ctr(c, "stat", 0, out, sizeof(out));
	expect_in_ctr(c, "cat", 128 + 9, out, sizeof(out)); /* killed */
	cr_expect_eq(strlen(out), 0, "the killed cat printed %zu bytes: %.64s",
		     strlen(out), out);
	expect_alert("done", "kill", true, c->id);
	cr_expect_eq(rel_wait(&env, counted, NULL, ALERT_MS), 0,
		     "responses_done not counted in the stats line");
	down(c);
}

/* scope container: the host reading the bind source is outside the
 * token's container: it reads in full, the alert says out_of_scope. */
Test(respond_agent, host_reader_outside_the_container_untouched)
{
	struct bs_nri_pod *c = up("open", "kill");
	char buf[4096];
	pid_t pid;
	int st, p[2];
	ssize_t n = 0;

	cr_assert(c->token_host[0], "no bind source");
	cr_assert_eq(pipe(p), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int fd = open(c->token_host, O_RDONLY);
		ssize_t k;

		close(p[0]);
		while (fd >= 0 && (k = read(fd, buf, sizeof(buf))) > 0)
			if (write(p[1], buf, (size_t)k) != k)
				_exit(2);
		_exit(fd < 0);
	}
	close(p[1]);
	for (ssize_t k; (k = read(p[0], buf + n, sizeof(buf) - (size_t)n)) > 0;)
		n += k;
	close(p[0]);
	cr_assert_eq(waitpid(pid, &st, 0), pid);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		  "host reader hurt: %#x", st);
	cr_expect_gt(n, 100, "host reader got %zd bytes", n);
	expect_alert("out_of_scope", "kill", false, NULL);
	down(c);
}

Test(respond_agent, fanotify_deny_gives_eperm_in_the_container)
{
	struct bs_nri_pod *c = up("fanotify", "deny");
	char out[1024];

	expect_in_ctr(c, "cat", 1, out, sizeof(out));
	cr_expect_not_null(strstr(out, "not permitted"),
			   "cat did not get EPERM: %s", out);
	expect_alert("done", "deny", true, NULL);
	down(c);
}
