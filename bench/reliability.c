// SPDX-License-Identifier: Apache-2.0
/*
 * reliability-bench: the long versions of the reliability scenarios
 * (harness/reliability/rel_scen.h) with their figures appended to
 * <results>/reliability.csv.
 *
 *   reliability-bench [--results DIR] [--commit ID] [--only NAME]
 *     NAME: restart restart_fanotify rtrestart churn churn_projected
 *           memory_bind memory_projected flood flood_fanotify faults
 *                     [--containers N] [--cycles N] [--opens N]
 *                     [--mem-containers N]
 *
 * Every scenario writes a "pass" row (1/0, the failed checks in the note)
 * so a broken run is visible in the CSV, not only on the terminal.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness/reliability/rel_scen.h"
#include "lib/cli.h"
#include "lib/csv.h"

struct opts {
	const char *results;
	const char *commit;
	const char *only;
	int containers;
	int cycles;
	long opens;
	int mem_containers;
};

struct out {
	struct bs_csv csv;
	char run_id[64];
	const char *commit;
	const char *scenario;
	char notes[1024];   /* failed checks of the current scenario */
	int failed;	    /* scenarios that failed */
	struct rel_env env; /* the current scenario's dirs, agent, pods */
	struct rel_why why; /* why it did not run to the end */
};

static void row(struct out *o, const char *metric, const char *unit,
		double value, const char *note)
{
	char v[64];
	const char *f[7] = { o->run_id, o->commit, o->scenario, metric,
			     unit,	v,	   note };

	snprintf(v, sizeof(v), "%.3f", value);
	/* integers without the decimals */
	if (value == (double)(long long)value)
		snprintf(v, sizeof(v), "%lld", (long long)value);
	if (bs_csv_write(&o->csv, f, 7))
		fprintf(stderr, "reliability: cannot write a row\n");
	printf("  %-16s %-24s %12s %s\n", o->scenario, metric, v, unit);
}

/* Record a check; failed ones go into the scenario's note. */
static void check(struct out *o, bool ok, const char *fmt, ...)
{
	size_t n = strlen(o->notes);
	va_list ap;

	if (ok || n + 4 >= sizeof(o->notes))
		return;
	if (n) {
		o->notes[n++] = ';';
		o->notes[n++] = ' ';
	}
	va_start(ap, fmt);
	vsnprintf(o->notes + n, sizeof(o->notes) - n, fmt, ap);
	va_end(ap);
}

/* A scenario's start: its name on the rows, no failed checks yet, fresh
 * temp dirs.  0, or -errno: it is skipped (said on stderr). */
static int begin(struct out *o, const char *scenario, const char *tag)
{
	int err;

	o->scenario = scenario;
	o->notes[0] = '\0';
	o->why.text[0] = '\0';
	printf("==> %s\n", scenario);
	err = rel_env_init(&o->env, tag);
	if (err)
		fprintf(stderr, "reliability: temp dirs: %s\n", strerror(-err));
	return err;
}

static void finish(struct out *o, int err)
{
	if (err)
		check(o, false, "did not run to the end: %s", o->why.text);
	row(o, "pass", "bool", o->notes[0] ? 0 : 1, o->notes);
	if (o->notes[0]) {
		o->failed++;
		printf("  FAILED: %s\n", o->notes);
	}
}

/* The fanotify variant's extra rows: the reader blocked at the kill. */
static void blocked_rows(struct out *o, const struct rel_restart *r)
{
	row(o, "reader_blocked", "bool", r->blocked,
	    "a reader waited on a token of the stopped agent");
	row(o, "reader_ok", "bool", r->accessor_ok,
	    "its open+read succeeded after the kill");
	row(o, "reader_released_ms", "ms", r->released_ms,
	    "kill -9 -> the blocked reader done");
	check(o, r->blocked && r->accessor_ok, "blocked reader not released");
}

static void run_restart(struct out *o, const struct opts *op,
			const char *detect)
{
	struct rel_restart r = { .n = op->containers,
				 .n_removed = 5,
				 .detect = detect };
	int err, left = r.n - r.n_removed;

	if (begin(o, detect ? "agent_restart_fanotify" : "agent_restart",
		  "restart"))
		return;
	err = rel_run_restart(&o->env, &r, &o->why);
	rel_env_fini(&o->env);
	row(o, "containers", "count", r.n, "real runc containers");
	row(o, "removed_while_down", "count", r.n_removed, "");
	row(o, "sync_ms", "ms", r.sync_ms,
	    "agent spawn -> Synchronize answered");
	row(o, "rearm_ms", "ms", r.rearm_ms,
	    "agent spawn -> stats line shows every token (200 ms stats "
	    "period)");
	row(o, "tokens_after", "count", (double)r.tokens, "stats tokens");
	row(o, "alerted_after", "count", r.touched_alerted,
	    "survivors whose token read raised an alert");
	row(o, "stale_token_dirs", "count", r.stale_left,
	    "token dirs of containers removed while the agent was down");
	check(o, r.tokens == (uint64_t)left, "tokens %llu != %d",
	      (unsigned long long)r.tokens, left);
	check(o, r.touched_alerted == left, "%d/%d alerted", r.touched_alerted,
	      left);
	check(o, r.stale_left == 0, "%d stale token dirs", r.stale_left);
	if (detect)
		blocked_rows(o, &r);
	finish(o, err);
}

static void run_rt_restart(struct out *o)
{
	struct rel_rt_restart r = { .down_ms = 1500 };
	int err;

	if (begin(o, "runtime_restart", "rtrestart"))
		return;
	err = rel_run_rt_restart(&o->env, &r, &o->why);
	rel_env_fini(&o->env);
	row(o, "socket_down_ms", "ms", r.down_ms, "");
	row(o, "reconnect_ms", "ms", r.reconnect_ms,
	    "new listen -> plugin admitted (agent back-off)");
	row(o, "same_pid", "bool", r.pid_after == r.pid_before, "");
	row(o, "nri_reconnects", "count", (double)r.nri_reconnects, "stats");
	row(o, "new_container_token", "bool", r.new_ctr_token, "");
	row(o, "new_container_alert", "bool", r.new_ctr_alert, "");
	row(o, "old_container_alert", "bool", r.old_ctr_alert, "");
	check(o, r.pid_after == r.pid_before, "agent pid changed");
	check(o, r.new_ctr_token && r.new_ctr_alert,
	      "new container not covered");
	check(o, r.old_ctr_alert, "old container no longer alerts");
	finish(o, err);
}

/* scenario "churn" (bind) or "churn_<inject>" */
static void run_churn(struct out *o, const struct opts *op, const char *inject)
{
	static char name[32];
	struct rel_churn r = { .cycles = op->cycles,
			       .real_every = 20,
			       .inject = inject };
	double growth;
	int err;

	snprintf(name, sizeof(name), "churn%s%s",
		 strcmp(inject, "bind") ? "_" : "",
		 strcmp(inject, "bind") ? inject : "");
	if (begin(o, name, "churn"))
		return;
	err = rel_run_churn(&o->env, &r, &o->why);
	rel_env_fini(&o->env);
	growth = r.rss_warm > 0 ? 100.0 * (double)(r.rss_end - r.rss_warm) /
					  (double)r.rss_warm
				: 0;
	row(o, "cycles", "count", r.cycles,
	    "create/post-create/start/stop/remove via NRI; every 20th a real "
	    "runc container");
	row(o, "seconds", "s", r.seconds, "");
	row(o, "create_p50_us", "us", r.create_p50_us, "CreateContainer RTT");
	row(o, "create_p99_us", "us", r.create_p99_us, "CreateContainer RTT");
	row(o, "rss_warm_kib", "KiB", (double)r.rss_warm, "after warm-up");
	row(o, "rss_end_kib", "KiB", (double)r.rss_end, "");
	row(o, "rss_growth_pct", "%", growth, "");
	row(o, "fds_warm", "count", r.fds_warm, "/proc/<agent>/fd");
	row(o, "fds_end", "count", r.fds_end, "");
	row(o, "host_mounts_delta", "count", r.mounts_end - r.mounts_warm, "");
	row(o, "agent_mounts_delta", "count",
	    r.agent_mounts_end - r.agent_mounts_warm, "");
	row(o, "state_mounts_warm", "count", r.state_mounts_warm,
	    "mounts below the state dir, agent's mount ns, after warm-up");
	row(o, "state_mounts_end", "count", r.state_mounts_end,
	    "mounts below the state dir, agent's mount ns");
	row(o, "token_dirs_end", "count", r.state_entries, "<state>/tokens");
	row(o, "mount_dirs_end", "count", r.mount_dirs_end,
	    "<state>/projected");
	row(o, "tokens_end", "count", (double)r.tokens_end, "stats tokens");
	row(o, "armed_end", "count", (double)r.armed_end,
	    "stats armed (detection map entries)");
	row(o, "no_token", "count", r.no_token, "creations without a token");
	check(o, growth <= 10.0, "RSS grew %.1f %%", growth);
	check(o, r.fds_end == r.fds_warm, "fds %d -> %d", r.fds_warm,
	      r.fds_end);
	/* the host-wide tables move with the machine's other jobs: only the
	 * state dir's mounts are the agent's */
	check(o, r.state_mounts_end == 0, "%d mounts left below the state dir",
	      r.state_mounts_end);
	check(o, r.mount_dirs_end == 0, "%d mount dirs left", r.mount_dirs_end);
	check(o, r.state_entries == 0 && r.tokens_end == 0 && r.armed_end == 0,
	      "tokens leaked");
	check(o, r.no_token == 0, "%d creations without a token", r.no_token);
	finish(o, err);
}

/* scenario "memory_<inject>" */
static void run_mem(struct out *o, const struct opts *op, const char *inject)
{
	static char name[32];
	struct rel_mem r = { .n = op->mem_containers,
			     .reps = 5,
			     .inject = inject };
	int err;

	snprintf(name, sizeof(name), "memory_%s", inject);
	if (begin(o, name, "mem"))
		return;
	err = rel_run_mem(&o->env, &r, &o->why);
	rel_env_fini(&o->env);
	row(o, "containers", "count", r.n,
	    "NRI-only containers up at once; median of 5 rounds");
	row(o, "mem_per_container_kib", "KiB", r.shmem_kib + r.slab_kib,
	    "kernel: /proc/meminfo (Shmem + Slab) delta / containers");
	row(o, "shmem_per_container_kib", "KiB", r.shmem_kib,
	    "/proc/meminfo Shmem delta / containers (tmpfs pages)");
	row(o, "slab_per_container_kib", "KiB", r.slab_kib,
	    "/proc/meminfo Slab delta / containers (inodes dentries "
	    "superblocks mounts)");
	row(o, "rss_per_container_kib", "KiB", r.rss_kib,
	    "agent VmRSS delta / containers");
	row(o, "state_mounts_up", "count", r.state_mounts_up,
	    "mounts below the state dir with the containers up");
	check(o, r.tokens_up == (uint64_t)r.n, "tokens %llu != %d",
	      (unsigned long long)r.tokens_up, r.n);
	check(o, r.state_mounts_after == 0, "%d mounts left",
	      r.state_mounts_after);
	finish(o, err);
}

static void run_flood(struct out *o, const struct opts *op, const char *detect)
{
	struct rel_flood r = { .opens = op->opens, .detect = detect };
	int err;

	if (begin(o, detect ? "flood_fanotify" : "flood", "flood"))
		return;
	err = rel_run_flood(&o->env, &r, &o->why);
	rel_env_fini(&o->env);
	row(o, "opens", "count", (double)r.opens,
	    "open+close of one token, host");
	row(o, "flood_s", "s", r.flood_s, "");
	row(o, "opens_per_s", "1/s",
	    r.flood_s > 0 ? (double)r.opens / r.flood_s : 0, "");
	row(o, "create_during_us", "us", r.create_during_us,
	    "NRI CreateContainer RTT mid-flood");
	row(o, "alert_lines", "count", (double)r.alert_lines, "flooded token");
	row(o, "alert_count_sum", "count", (double)r.alert_count,
	    "sum of the alerts' count fields");
	row(o, "aggregated", "count", (double)r.aggregated, "stats");
	row(o, "ringbuf_drops", "count", (double)r.ringbuf_drops, "stats");
	row(o, "second_container_alert", "bool", r.second_alert, "");
	check(o, r.alive, "agent died");
	check(o, r.create_rc == 0 && r.create_got_token,
	      "create mid-flood failed");
	check(o, r.second_alert, "second container's read lost");
	check(o, r.have_drops, "no ringbuf_drops in stats");
	check(o, r.alert_lines * 100 < r.opens, "not aggregated");
	/* fanotify waits for every answer: nothing may be missing */
	check(o,
	      detect ? r.alert_count == r.opens
		     : r.alert_count + r.ringbuf_drops >= r.opens * 9 / 10,
	      "alert counts sum to %llu of %llu opens",
	      (unsigned long long)r.alert_count, (unsigned long long)r.opens);
	finish(o, err);
}

static void run_faults(struct out *o)
{
	struct rel_badstate b = { 0 };
	struct rel_nobtf n = { 0 };
	struct rel_garbage g = { 0 };
	int err;

	if (begin(o, "fault_state_file", "faults"))
		return;
	err = rel_run_badstate(&o->env, "file", &b, &o->why);
	rel_env_fini(&o->env);
	row(o, "container_started", "bool", b.ctr_started, "");
	row(o, "inject_failed", "count", (double)b.inject_failed, "stats");
	check(o,
	      b.ctr_started && b.adj_empty && b.inject_failed > 0 &&
		      b.log_lines > 0,
	      "not a clean fail-open");
	finish(o, err);

	if (begin(o, "fault_no_btf", "faults"))
		return;
	err = rel_run_nobtf(&o->env, &n, &o->why);
	rel_env_fini(&o->env);
	row(o, "exit_status", "code", n.exited ? n.status : -1, "");
	row(o, "startup_ms", "ms", n.ms, "until it gave up");
	row(o, "mentions_btf", "bool", n.btf_lines > 0, "");
	check(o, n.exited && n.status > 0 && n.status < 128, "bad exit");
	check(o, n.btf_lines > 0, "error does not mention BTF");
	finish(o, err);

	if (begin(o, "fault_hostile_runtime", "faults"))
		return;
	err = rel_run_garbage(&o->env, &g, &o->why);
	rel_env_fini(&o->env);
	for (int i = 0; i < REL_GARBAGE_CASES && g.name[i]; i++) {
		char m[64];

		snprintf(m, sizeof(m), "%s_handled", g.name[i]);
		row(o, m, "bool", g.dropped[i] || g.answered[i],
		    g.dropped[i]    ? "dropped"
		    : g.answered[i] ? "error reply"
				    : "");
		check(o, g.dropped[i] || g.answered[i], "%s ignored",
		      g.name[i]);
	}
	row(o, "served_after", "bool", g.served_after, "");
	check(o, g.served_after && g.pid_after == g.pid_before,
	      "not serving afterwards");
	finish(o, err);
}

/* bounded: each container is a real runc container */
static const struct bs_cli_opt opts[] = {
	{ "results", .off = offsetof(struct opts, results) },
	{ "commit", .off = offsetof(struct opts, commit) },
	{ "only", .off = offsetof(struct opts, only) },
	{ "containers", BS_CLI_INT, offsetof(struct opts, containers), .lo = 6,
	  .hi = REL_MAX_LIVE - 8 },
	{ "cycles", BS_CLI_INT, offsetof(struct opts, cycles), .lo = 10,
	  .hi = 1000000 },
	{ "opens", BS_CLI_LONG, offsetof(struct opts, opens), .lo = 1000,
	  .hi = LONG_MAX },
	{ "mem-containers", BS_CLI_INT, offsetof(struct opts, mem_containers),
	  .lo = 10, .hi = 4000 },
	{ 0 },
};

static int parse(struct opts *o, int argc, char **argv)
{
	const struct bs_cli_opt *bad;
	int err;

	*o = (struct opts){ .results = "results",
			    .commit = "unknown",
			    .containers = 50,
			    .cycles = 1000,
			    .opens = 1000000,
			    .mem_containers = 200 };
	err = bs_cli_parse(argc, argv, opts, o, &bad);
	if (bad)
		fprintf(stderr, "reliability: values out of range\n");
	return err;
}

static bool want(const struct opts *o, const char *name)
{
	return !o->only || !strcmp(o->only, name);
}

int main(int argc, char **argv)
{
	static const char *const hdr[] = { "run_id", "commit", "scenario",
					   "metric", "unit",   "value",
					   "note" };
	static struct out o;
	struct opts op;
	char path[BS_PATH_LEN];
	const char *why;
	int err;

	if (parse(&op, argc, argv))
		return 2;
	why = rel_missing();
	if (why) {
		fprintf(stderr, "reliability: %s\n", why);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/reliability.csv", op.results);
	err = bs_csv_open(&o.csv, path, hdr, 7);
	if (err) {
		fprintf(stderr, "reliability: %s: %s\n", path, strerror(-err));
		return 1;
	}
	snprintf(o.run_id, sizeof(o.run_id), "rel-%lld-%d",
		 (long long)time(NULL), (int)getpid());
	o.commit = op.commit;
	if (want(&op, "restart"))
		run_restart(&o, &op, NULL);
	if (want(&op, "restart_fanotify"))
		run_restart(&o, &op, "fanotify");
	if (want(&op, "rtrestart"))
		run_rt_restart(&o);
	if (want(&op, "churn"))
		run_churn(&o, &op, "bind");
	if (want(&op, "churn_projected"))
		run_churn(&o, &op, "projected");
	if (want(&op, "memory_bind"))
		run_mem(&o, &op, "bind");
	if (want(&op, "memory_projected"))
		run_mem(&o, &op, "projected");
	if (want(&op, "flood"))
		run_flood(&o, &op, NULL);
	if (want(&op, "flood_fanotify"))
		run_flood(&o, &op, "fanotify");
	if (want(&op, "faults"))
		run_faults(&o);
	bs_csv_close(&o.csv);
	printf("reliability: %d scenario(s) failed; rows in %s\n", o.failed,
	       path);
	return o.failed ? 1 : 0;
}
