// SPDX-License-Identifier: Apache-2.0
/*
 * Local backend: the agent as a child process with its own NRI socket,
 * state and hook dirs in a fresh directory; pods and containers through
 * local_ctr.c.  Verifies afterwards that nothing was left behind.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "harness/local.h"
#include "lib/clock.h"
#include "lib/cmd.h"
#include "lib/fmt.h"
#include "lib/log.h"

#define READY_TIMEOUT_MS  30000
#define ACCEPT_TIMEOUT_MS 20000
#define STOP_TIMEOUT_MS	  5000

static struct bs_local local_state;

/* The hook dir and bundles need a filesystem that allows exec. */
static const char *exec_base(const char *build)
{
	static const char *const cands[] = { "/tmp", "/var/tmp", "/run", NULL };
	struct statvfs sv;

	for (int i = 0; cands[i]; i++)
		if (statvfs(cands[i], &sv) == 0 && !(sv.f_flag & ST_NOEXEC) &&
		    access(cands[i], W_OK) == 0)
			return cands[i];
	return build;
}

/* The run dir is laid out as a node is: the state dir a plain dir in a
 * tmpfs at run/ (as /run/beesting sits in /run), the hooks in
 * opt/beesting, so what a container can see of them (the token mount's
 * root, stealth.csv) is what it sees on a node; the run dir's own name
 * and the bundles' (the containers' rootfs paths) do not name the agent. */
static int make_dirs(struct bs_bench *b, struct bs_local *l)
{
	const char *sub[] = { "run", "opt", "bundles" };
	char *dst[] = { l->run, l->opt, l->bundles };
	int err;

	if (bs_fmt(l->dir, sizeof(l->dir), "%s/bsbench.XXXXXX",
		   exec_base(b->cfg.build)))
		return -ENAMETOOLONG;
	if (!mkdtemp(l->dir))
		return -errno;
	for (int i = 0; i < 3; i++) {
		if (bs_fmt(dst[i], BS_PATH_LEN, "%s/%s", l->dir, sub[i]))
			return -ENAMETOOLONG;
		if (mkdir(dst[i], 0755) != 0)
			return -errno;
	}
	err = bs_agent_state_tmpfs(l->run);
	if (err)
		bs_warn("%s stays on disk: tmpfs: %s", l->run, strerror(-err));
	if (bs_fmt(l->state, sizeof(l->state), "%s/beesting", l->run) ||
	    bs_fmt(l->hooks, sizeof(l->hooks), "%s/beesting", l->opt))
		return -ENAMETOOLONG;
	if (mkdir(l->state, 0755) || mkdir(l->hooks, 0755))
		return -errno;
	/* a unix socket path must fit sun_path (108) */
	if (bs_fmt(l->sock, 108, "%s/nri.sock", l->dir) ||
	    bs_fmt(l->events, sizeof(l->events), "%s/events.jsonl", l->dir) ||
	    bs_fmt(l->log, sizeof(l->log), "%s/agent.log", l->dir))
		return -ENAMETOOLONG;
	/* harness/runtime/runc.c names containers bs-<pid>-<seq>-<rand> */
	snprintf(l->id_prefix, sizeof(l->id_prefix), "bs-%d-", getpid());
	return 0;
}

static int start_agent(struct bs_bench *b, struct bs_local *l)
{
	char bin[BS_PATH_LEN + 16], token[BS_PATH_LEN + 40];
	struct bs_agent_opts o = {
		.bin = bin,
		.nri_socket = l->sock,
		.inject = b->cfg.inject,
		/* peers: the agent only injects, the peer tool detects */
		.detect = b->peer ? "none" : b->cfg.detect,
		.attach = b->cfg.attach,
		.token = token,
		.state_dir = l->state,
		.hook_dir = l->hooks,
		.events_path = l->events,
		.log_path = l->log,
		.aggregate_ms = -1,
		/* one gap sample per victim (wait_armed) costs <= 2 lines */
		.stats_interval_ms = 250,
	};
	int err;

	snprintf(bin, sizeof(bin), "%s/beesting", b->cfg.build);
	snprintf(token, sizeof(token), "%s=%s", bs_bench_token(b->cfg.inject),
		 bs_bench_template(b->cfg.inject));
	err = bs_agent_spawn(&l->agent, &o);
	if (err)
		return bs_bench_break(b, err, "start agent %s: %s", bin,
				      strerror(-err));
	l->agent_started = true;
	err = bs_evtail_open(&l->tail, l->events);
	if (err)
		return bs_bench_break(b, err, "open %s: %s", l->events,
				      strerror(-err));
	l->tail_open = true;
	return 0;
}

static int wait_ready(struct bs_bench *b, struct bs_local *l)
{
	int64_t deadline = bs_now_ns() + READY_TIMEOUT_MS * 1000000LL;
	struct bs_agent_event ev;

	while (bs_now_ns() < deadline) {
		while (bs_evtail_next(&l->tail, &ev) == 1) {
			if (ev.type != BS_EVT_READY)
				continue;
			snprintf(b->attach_reported, sizeof(b->attach_reported),
				 "%s", ev.backend[0] ? ev.backend : "none");
			snprintf(b->blind_spots, sizeof(b->blind_spots), "%s",
				 ev.blind_spots);
			return 0;
		}
		if (!bs_agent_alive(&l->agent)) {
			bs_agent_dump_log(&l->agent, 20);
			return bs_bench_break(b, -ESRCH,
					      "the agent exited "
					      "before it was ready");
		}
		usleep(20000);
	}
	bs_agent_dump_log(&l->agent, 20);
	return bs_bench_break(b, -ETIMEDOUT,
			      "no ready line from the agent "
			      "within %d ms",
			      READY_TIMEOUT_MS);
}

static int l_setup(struct bs_bench *b)
{
	struct bs_local *l = &local_state;
	int err;

	memset(l, 0, sizeof(*l));
	b->priv = l;
	err = make_dirs(b, l);
	if (err)
		return bs_bench_break(b, err, "make run dir under %s: %s",
				      l->dir, strerror(-err));
	fprintf(stderr, "local backend: run dir %s\n", l->dir);
	err = bs_local_nri_listen(b, l);
	if (!err)
		err = start_agent(b, l);
	if (!err)
		err = wait_ready(b, l);
	if (!err)
		err = bs_local_nri_accept(b, l, ACCEPT_TIMEOUT_MS);
	if (!err && bs_agent_cpu_begin(&l->agent))
		bs_warn("cannot sample the agent's CPU time");
	return err;
}

static void sample_rss(struct bs_local *l)
{
	uint64_t ticks;
	long rss;

	if (bs_agent_sample(&l->agent, &rss, &ticks) == 0)
		bs_samples_add(&l->rss_kib, (double)rss);
}

static int l_victim_up(struct bs_bench *b, struct bs_victim *v, int idx)
{
	struct bs_local *l = b->priv;
	double ms;
	int err;

	snprintf(v->pod_name, sizeof(v->pod_name), "victim-%d", idx);
	snprintf(v->ctr_name, sizeof(v->ctr_name), "app-%d", idx);
	err = bs_local_ctr_up(b, l, v, true, &ms);
	sample_rss(l);
	return err;
}

static int l_attack(struct bs_bench *b, struct bs_victim *v,
		    const struct bs_method *m, int *rc)
{
	return bs_local_ctr_attack(b, b->priv, v, m, rc);
}

static int l_recon(struct bs_bench *b, struct bs_victim *v, char *out,
		   size_t len, int *rc)
{
	return bs_local_ctr_recon(b, b->priv, v, out, len, rc);
}

static int l_reference(struct bs_bench *b, char *out, size_t len, int *rc)
{
	return bs_local_ctr_reference(b, b->priv, out, len, rc);
}

static int l_next_event(struct bs_bench *b, struct bs_agent_event *ev)
{
	struct bs_local *l = b->priv;

	return l && l->tail_open ? bs_evtail_next(&l->tail, ev) : 0;
}

static int l_victim_down(struct bs_bench *b, struct bs_victim *v)
{
	struct bs_local *l = b->priv;

	sample_rss(l);
	return bs_local_ctr_down(b, l, v);
}

static bool l_alive(struct bs_bench *b)
{
	struct bs_local *l = b->priv;

	return l && bs_agent_alive(&l->agent);
}

/* container_start_ms: the same container made with the agent (NRI path,
 * adjustment applied) and without, alternating ABBA so drift cancels. */
static int start_pairs(struct bs_bench *b, struct bs_local *l)
{
	struct bs_samples base = { 0 }, treat = { 0 };
	int err = 0;

	for (int i = 0; i < 2 * b->cfg.start_pairs && !err; i++) {
		bool with = (i % 4 == 0 || i % 4 == 3);
		struct bs_victim v;
		double ms = 0;

		memset(&v, 0, sizeof(v));
		snprintf(v.token_path, sizeof(v.token_path), "%s",
			 bs_bench_token(b->cfg.inject));
		snprintf(v.pod_name, sizeof(v.pod_name), "start-%d", i);
		snprintf(v.ctr_name, sizeof(v.ctr_name), "start-%d", i);
		err = bs_local_ctr_up(b, l, &v, with, &ms);
		if (!err)
			bs_samples_add(with ? &treat : &base, ms);
		if (v.up) {
			int down = bs_local_ctr_down(b, l, &v);

			err = err ? err : down;
		}
		if (!err && !bs_agent_alive(&l->agent))
			err = bs_bench_break(b, -ESRCH, "the agent died");
	}
	if (!err)
		bs_bench_overhead_samples(b, "container_start_ms", "ms", &base,
					  &treat);
	bs_samples_free(&base);
	bs_samples_free(&treat);
	return err;
}

static int l_overhead(struct bs_bench *b)
{
	struct bs_local *l = b->priv;
	double cpu;
	int err;

	b->step++;
	bs_progress(b, "overhead: container_start_ms, %d pairs",
		    b->cfg.start_pairs);
	err = start_pairs(b, l);
	if (err)
		return err;
	bs_bench_overhead_samples(b, "nri_create_us", "us", NULL,
				  &l->nri_create_us);
	bs_bench_overhead_samples(b, "token_armed_us", "us", NULL,
				  &l->token_armed_us);
	bs_bench_agent_nri_rows(b, l->events);
	sample_rss(l);
	bs_bench_overhead_samples(b, "agent_rss_kib", "KiB", NULL, &l->rss_kib);
	if (bs_agent_cpu_end(&l->agent, &cpu) == 0)
		bs_bench_overhead(b, "agent_cpu_pct", "%", 1, NAN, cpu, NAN);
	return 0;
}

static int l_teardown(struct bs_bench *b)
{
	struct bs_local *l = b->priv;
	int err = 0;

	if (!l)
		return 0;
	/* victims are down already (the engine takes each one down) */
	bs_local_nri_close(l);
	if (l->agent_started) {
		err = bs_agent_stop(&l->agent, STOP_TIMEOUT_MS);
		if (err == -ETIMEDOUT)
			err = bs_bench_break(b, err,
					     "the agent did not stop "
					     "on SIGTERM");
		else if (err)
			bs_warn("agent exit status %d", l->agent.exit_status);
		err = err == -ETIMEDOUT ? err : 0;
		l->agent_started = false;
	}
	if (l->tail_open)
		bs_evtail_close(&l->tail);
	l->tail_open = false;
	return err;
}

/* Mounts below our run dir (bind-mounted tokens, rootfs). */
static int count_mounts(const char *dir, bool detach)
{
	char line[4096], mnt[4096];
	size_t n = strlen(dir);
	int count = 0;
	FILE *f = fopen("/proc/self/mountinfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    strncmp(mnt, dir, n) != 0)
			continue;
		count++;
		if (detach && umount2(mnt, MNT_DETACH) != 0)
			bs_warn("umount %s: %s", mnt, strerror(errno));
	}
	fclose(f);
	return count;
}

/* Processes still in a cgroup named after our containers. */
static int count_procs(const char *prefix)
{
	char path[300], buf[1024];
	struct dirent *de;
	int count = 0;
	DIR *d = opendir("/proc");

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		FILE *f;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cgroup", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && strstr(buf, prefix)) {
			bs_warn("left behind: process %s (%s)", de->d_name,
				strtok(buf, "\n"));
			count++;
		}
		fclose(f);
	}
	closedir(d);
	return count;
}

static int count_files(const char *dir)
{
	char cmd[BS_PATH_LEN + 64], out[32];

	snprintf(cmd, sizeof(cmd), "find '%s' -type f 2>/dev/null | wc -l",
		 dir);
	return bs_run_cmd(cmd, out, sizeof(out)) == 0 ? atoi(out) : 0;
}

static int count_cgroups(const char *prefix)
{
	char cmd[256], out[32];

	snprintf(cmd, sizeof(cmd),
		 "find /sys/fs/cgroup -type d -name '*%s*' "
		 "2>/dev/null | wc -l",
		 prefix);
	return bs_run_cmd(cmd, out, sizeof(out)) == 0 ? atoi(out) : 0;
}

static int l_leftovers(struct bs_bench *b)
{
	struct bs_local *l = b->priv;
	int ctrs, mounts, procs, files, cgroups;
	char cmd[BS_PATH_LEN + 16];

	if (!l || !l->dir[0])
		return 0;
	ctrs = bs_local_ctr_leftovers(l);
	procs = count_procs(l->id_prefix);
	cgroups = count_cgroups(l->id_prefix);
	/* tokens the agent planted and did not remove */
	files = count_files(l->state);
	bs_agent_state_tmpfs_off(l->run);
	mounts = count_mounts(l->dir, true);
	fprintf(stderr,
		"leftovers: %d containers, %d processes, %d cgroups, "
		"%d mounts, %d token/state files\n",
		ctrs, procs, cgroups, mounts, files);
	if (count_mounts(l->dir, false) == 0) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", l->dir);
		bs_run_cmd(cmd, NULL, 0);
	} else {
		bs_warn("mounts remain below %s: not removing it", l->dir);
	}
	bs_samples_free(&l->rss_kib);
	bs_samples_free(&l->nri_create_us);
	bs_samples_free(&l->token_armed_us);
	return ctrs + procs + cgroups + mounts + files;
}

const struct bs_backend_ops bs_backend_local = {
	.name = "local",
	.setup = l_setup,
	.victim_up = l_victim_up,
	.attack = l_attack,
	.recon = l_recon,
	.reference = l_reference,
	.next_event = l_next_event,
	.victim_down = l_victim_down,
	.overhead = l_overhead,
	.agent_alive = l_alive,
	.teardown = l_teardown,
	.leftovers = l_leftovers,
};
