// SPDX-License-Identifier: Apache-2.0
/* Reliability scenarios: restarts, churn, flood (rel_scen.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/reliability/rel_scen.h"
#include "lib/clock.h"
#include "lib/fs.h"
#include "lib/stats.h"

#define READY_MS  15000
#define ACCEPT_MS 15000
#define ALERT_MS  5000

int rel_fail(struct rel_why *w, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->text, sizeof(w->text), fmt, ap);
	va_end(ap);
	return err ? err : -EIO;
}

bool rel_is_ready(struct rel_env *e, void *arg)
{
	(void)arg;
	return e->ready;
}

/* Runtime listening, agent up and admitted with these containers. */
static int bring_up(struct rel_env *e, const struct rel_agent_args *a,
		    struct bs_nri_pod *ctrs, size_t n, struct rel_why *w)
{
	int err;

	if (!e->pods.rt && (err = rel_listen(e)))
		return rel_fail(w, err, "listen on %s: %s", e->run.sock,
				strerror(-err));
	err = rel_agent_start(e, a);
	if (err)
		return rel_fail(w, err, "spawn %s: %s", e->bin, strerror(-err));
	err = rel_wait(e, rel_is_ready, NULL, READY_MS);
	if (err)
		return rel_fail(w, err, "agent not ready: %s (log %s)",
				strerror(-err), e->log);
	err = rel_accept(e, ACCEPT_MS, ctrs, n);
	if (err)
		return rel_fail(w, err, "agent not admitted: %s",
				strerror(-err));
	return 0;
}

struct alert_q {
	const char *token_ctr;
	const char *accessor_ctr;
	uint64_t min_lines;
};

static bool has_alert(struct rel_env *e, void *arg)
{
	struct alert_q *q = arg;
	const struct rel_alert *a =
		rel_alert_for(e, q->token_ctr, q->accessor_ctr);

	return a && a->lines >= q->min_lines;
}

/* Alert lines about the token of container id so far. */
static uint64_t lines_of(struct rel_env *e, const char *id)
{
	const struct rel_alert *a;

	rel_pump(e);
	a = rel_alert_for(e, id, NULL);
	return a ? a->lines : 0;
}

static int wait_alert(struct rel_env *e, const char *tc, const char *ac,
		      uint64_t min_lines, int ms)
{
	struct alert_q q = { tc, ac, min_lines };

	return rel_wait(e, has_alert, &q, ms);
}

/* Tear down whatever is still up, through NRI when the agent listens. */
static void all_down(struct rel_env *e, struct bs_nri_pod *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (c[i].up || c[i].real)
			rel_ctr_down(e, &c[i], c[i].up && e->pods.rt);
}

/* What a scenario does with the agent up (detect as asked) and room for
 * its containers; r is the scenario's record. */
typedef int (*pods_body)(struct rel_env *e, void *r,
			 const struct rel_agent_args *a, struct bs_nri_pod *c,
			 struct rel_why *w);

/* n container slots, the agent up, body, then whatever is still up torn
 * down. */
static int with_pods(struct rel_env *e, const char *detect, size_t n,
		     pods_body body, void *r, struct rel_why *w)
{
	const struct rel_agent_args a = { .detect = detect };
	struct bs_nri_pod *c = calloc(n, sizeof(*c));
	int err;

	if (!c)
		return rel_fail(w, -ENOMEM, "out of memory");
	err = bring_up(e, &a, NULL, 0, w);
	if (!err)
		err = body(e, r, &a, c, w);
	all_down(e, c, n);
	free(c);
	return err;
}

static bool state_has(const char *state, const char *id)
{
	char path[BS_PATH_LEN];

	snprintf(path, sizeof(path), "%s/tokens/%s", state, id);
	return access(path, F_OK) == 0;
}

/* ---- agent restart ---------------------------------------------------- */

/* Child: open and read path, exit 0 when both worked. */
static pid_t spawn_reader(const char *path)
{
	pid_t pid = fork();

	if (pid == 0) {
		char buf[64];
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		_exit(fd >= 0 && read(fd, buf, sizeof(buf)) >= 0 ? 0 : 1);
	}
	return pid;
}

/* fanotify fails open: stop the agent, let a reader block on a token,
 * kill -9 the agent and time the reader's release. */
static int kill_with_blocked_reader(struct rel_env *e, struct rel_restart *r,
				    const char *path, struct rel_why *w)
{
	int64_t t0;
	int st = 0;
	pid_t pid;

	kill(e->agent.pid, SIGSTOP);
	pid = spawn_reader(path);
	if (pid < 0)
		return rel_fail(w, -errno, "fork: %s", strerror(errno));
	rel_sleep_ms(200);
	r->blocked = waitpid(pid, &st, WNOHANG) == 0;
	t0 = bs_now_ns();
	rel_agent_kill9(e);
	if (r->blocked)
		waitpid(pid, &st, 0);
	r->released_ms = rel_ms_since(t0);
	r->accessor_ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
	return 0;
}

static int restart_body(struct rel_env *e, void *arg,
			const struct rel_agent_args *a, struct bs_nri_pod *c,
			struct rel_why *w)
{
	struct rel_restart *r = arg;
	int n = r->n, left = r->n - r->n_removed, err;

	for (int i = 0; i < n; i++) {
		err = rel_ctr_new(e, &c[i], i, true);
		if (!err)
			err = rel_ctr_up(e, &c[i]);
		if (err)
			return rel_fail(w, err, "container %d up: %s", i,
					strerror(-err));
		if (!c[i].token_host[0])
			return rel_fail(w, -ENOENT, "container %d got no token",
					i);
	}
	err = rel_wait_stat_eq(e, "tokens", (uint64_t)n, ALERT_MS);
	if (err)
		return rel_fail(w, err, "first agent never showed %d tokens",
				n);

	if (a->detect && !strcmp(a->detect, "fanotify"))
		err = kill_with_blocked_reader(e, r, c[n - 1].token_host, w);
	else
		rel_agent_kill9(e);
	if (err)
		return err;
	for (int i = 0; i < r->n_removed; i++)
		rel_ctr_down(e, &c[i], false);

	err = bring_up(e, a, c, (size_t)n, w);
	if (err)
		return err;
	r->sync_ms = rel_ms_since(e->spawn_ns);
	err = rel_wait_stat_eq(e, "tokens", (uint64_t)left, ALERT_MS);
	r->rearm_ms = rel_ms_since(e->spawn_ns);
	rel_stat(e, "tokens", &r->tokens);
	if (err)
		return rel_fail(w, err,
				"restarted agent shows %llu tokens, want %d",
				(unsigned long long)r->tokens, left);

	r->state_entries = rel_state_entries(e->run.state);
	for (int i = 0; i < r->n_removed; i++)
		r->stale_left += state_has(e->run.state, c[i].id);
	for (int i = r->n_removed; i < n; i++) {
		err = rel_ctr_touch(e, &c[i]);
		if (err)
			return rel_fail(w, err, "cat token in %s: %s", c[i].id,
					strerror(-err));
	}
	for (int i = r->n_removed; i < n; i++)
		r->touched_alerted +=
			!wait_alert(e, c[i].id, NULL, 1, ALERT_MS);
	return 0;
}

int rel_run_restart(struct rel_env *e, struct rel_restart *r, struct rel_why *w)
{
	return with_pods(e, r->detect, (size_t)r->n, restart_body, r, w);
}

/* ---- runtime restart -------------------------------------------------- */

static bool reconnects_seen(struct rel_env *e, void *arg)
{
	uint64_t v;

	(void)arg;
	return rel_stat(e, "nri_reconnects", &v) && v >= 1;
}

static int rt_restart_body(struct rel_env *e, void *arg,
			   const struct rel_agent_args *a, struct bs_nri_pod *c,
			   struct rel_why *w)
{
	struct rel_rt_restart *r = arg;
	uint64_t before;
	int64_t t0;
	int err;

	(void)a;
	err = rel_ctr_new(e, &c[0], 0, true);
	if (!err)
		err = rel_ctr_up(e, &c[0]);
	if (!err)
		err = rel_ctr_touch(e, &c[0]);
	if (err)
		return rel_fail(w, err, "first container: %s", strerror(-err));
	if (wait_alert(e, c[0].id, NULL, 1, ALERT_MS))
		return rel_fail(w, -ETIMEDOUT, "no alert before the restart");
	r->pid_before = e->agent.pid;

	rel_unlisten(e);
	rel_sleep_ms(r->down_ms);
	err = rel_listen(e);
	if (err)
		return rel_fail(w, err, "listen again: %s", strerror(-err));
	t0 = bs_now_ns();
	err = rel_accept(e, ACCEPT_MS, c, 1);
	r->reconnect_ms = rel_ms_since(t0);
	rel_pump(e);
	r->pid_after = e->agent.pid;
	if (err)
		return rel_fail(w, err, "agent did not come back: %s",
				strerror(-err));
	rel_wait(e, reconnects_seen, NULL, ALERT_MS);
	rel_stat(e, "nri_reconnects", &r->nri_reconnects);

	err = rel_ctr_new(e, &c[1], 1, true);
	if (!err)
		err = rel_ctr_up(e, &c[1]);
	if (err)
		return rel_fail(w, err, "container after restart: %s",
				strerror(-err));
	r->new_ctr_token = c[1].token_host[0] != '\0';
	if (!rel_ctr_touch(e, &c[1]))
		r->new_ctr_alert = !wait_alert(e, c[1].id, NULL, 1, ALERT_MS);
	before = lines_of(e, c[0].id);
	if (!rel_ctr_touch(e, &c[0]))
		r->old_ctr_alert =
			!wait_alert(e, c[0].id, NULL, before + 1, ALERT_MS);
	return 0;
}

int rel_run_rt_restart(struct rel_env *e, struct rel_rt_restart *r,
		       struct rel_why *w)
{
	return with_pods(e, r->detect, 2, rt_restart_body, r, w);
}

/* ---- churn ------------------------------------------------------------ */

static int agent_mounts(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/mountinfo", pid);
	return rel_count_lines(path);
}

static void churn_sample(struct rel_env *e, int *fds, long *rss, int *mounts,
			 int *amounts, int *smounts)
{
	*fds = rel_count_fds(e->agent.pid);
	*rss = rel_rss_kib(e->agent.pid);
	*mounts = rel_count_lines("/proc/self/mountinfo");
	*amounts = agent_mounts(e->agent.pid);
	*smounts = rel_mounts_below(e->agent.pid, e->run.state);
}

static const struct rel_agent_args *inject_args(struct rel_agent_args *a,
						const char *inject)
{
	memset(a, 0, sizeof(*a));
	a->inject = inject;
	return a;
}

static int churn_body(struct rel_env *e, struct rel_churn *r,
		      struct bs_samples *lat, struct rel_why *w)
{
	struct bs_nri_pod *c = calloc(1, sizeof(*c));
	int err = 0;

	if (!c)
		return rel_fail(w, -ENOMEM, "out of memory");
	for (int i = 0; i < r->cycles && !err; i++) {
		bool real = r->real_every > 0 && i % r->real_every == 0;
		int derr;

		if (i == r->warm) {
			/* the agent has settled after warm cycles */
			rel_wait_stat_eq(e, "tokens", 0, ALERT_MS);
			churn_sample(e, &r->fds_warm, &r->rss_warm,
				     &r->mounts_warm, &r->agent_mounts_warm,
				     &r->state_mounts_warm);
		}
		err = rel_ctr_new(e, c, i, real);
		if (!err)
			err = rel_ctr_up(e, c);
		if (err) {
			err = rel_fail(w, err, "cycle %d: up: %s", i,
				       strerror(-err));
		} else {
			r->no_token += !c->token_host[0];
			bs_samples_add(lat, c->create_us);
		}
		derr = rel_ctr_down(e, c, true);
		if (derr && !err)
			err = rel_fail(w, derr, "cycle %d: down: %s", i,
				       strerror(-derr));
		if (rel_pump(e) == -ESRCH)
			err = rel_fail(w, -ESRCH, "agent died at cycle %d", i);
	}
	free(c);
	return err;
}

int rel_run_churn(struct rel_env *e, struct rel_churn *r, struct rel_why *w)
{
	struct bs_samples lat = { 0 };
	struct rel_agent_args a;
	char dir[BS_PATH_LEN];
	int64_t t0;
	int err;

	if (r->warm <= 0 || r->warm >= r->cycles)
		r->warm = r->cycles / 10;
	err = bring_up(e, inject_args(&a, r->inject), NULL, 0, w);
	t0 = bs_now_ns();
	if (!err)
		err = churn_body(e, r, &lat, w);
	r->seconds = rel_ms_since(t0) / 1e3;
	if (!err) {
		if (rel_wait_stat_eq(e, "tokens", 0, ALERT_MS))
			rel_stat(e, "tokens", &r->tokens_end);
		rel_stat(e, "armed", &r->armed_end);
		churn_sample(e, &r->fds_end, &r->rss_end, &r->mounts_end,
			     &r->agent_mounts_end, &r->state_mounts_end);
		r->state_entries = rel_state_entries(e->run.state);
		snprintf(dir, sizeof(dir), "%s/projected", e->run.state);
		r->mount_dirs_end = rel_dir_entries(dir);
		/* bind makes no such dir */
		if (r->mount_dirs_end == -ENOENT)
			r->mount_dirs_end = 0;
		r->create_p50_us = bs_samples_quantile(&lat, 0.5);
		r->create_p99_us = bs_samples_quantile(&lat, 0.99);
	}
	bs_samples_free(&lat);
	return err;
}

/* ---- memory per container -------------------------------------------- */

struct mem_sample {
	long shmem, slab, rss; /* KiB */
};

static void mem_sample(struct rel_env *e, struct mem_sample *m)
{
	m->shmem = rel_meminfo_kib("Shmem");
	m->slab = rel_meminfo_kib("Slab");
	m->rss = rel_rss_kib(e->agent.pid);
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* n containers up (NRI only), sampled, torn down. */
static int mem_round(struct rel_env *e, struct rel_mem *r, struct bs_nri_pod *c,
		     double *d, struct rel_why *w)
{
	struct mem_sample before, up;
	int err = 0, i;

	/* a stats line with no token: the last round's are all gone */
	rel_wait_stat_eq(e, "tokens", 0, ALERT_MS);
	mem_sample(e, &before);
	for (i = 0; i < r->n && !err; i++) {
		err = rel_ctr_new(e, &c[i], i, false);
		if (!err)
			err = rel_ctr_up(e, &c[i]);
	}
	if (!err && rel_wait_stat_eq(e, "tokens", (uint64_t)r->n, ALERT_MS))
		err = rel_fail(w, -ETIMEDOUT, "stats never showed %d tokens",
			       r->n);
	if (!err) {
		mem_sample(e, &up);
		rel_stat(e, "tokens", &r->tokens_up);
		r->state_mounts_up =
			rel_mounts_below(e->agent.pid, e->run.state);
		d[0] = (double)(up.shmem - before.shmem) / r->n;
		d[1] = (double)(up.slab - before.slab) / r->n;
		d[2] = (double)(up.rss - before.rss) / r->n;
	} else if (!w->text[0]) {
		rel_fail(w, err, "container %d up: %s", i, strerror(-err));
	}
	for (int k = 0; k < i; k++)
		if (c[k].up)
			rel_ctr_down(e, &c[k], true);
	r->state_mounts_after = rel_mounts_below(e->agent.pid, e->run.state);
	return err;
}

int rel_run_mem(struct rel_env *e, struct rel_mem *r, struct rel_why *w)
{
	struct bs_nri_pod *c = calloc((size_t)r->n, sizeof(*c));
	double *d = calloc((size_t)r->reps * 3 + 3, sizeof(*d));
	struct rel_agent_args a;
	int err = 0;

	if (!c || !d) {
		free(c);
		free(d);
		return rel_fail(w, -ENOMEM, "out of memory");
	}
	/* token files on a tmpfs, as the agent's default state dir is on a
	 * node: they count in Shmem too (rel_env_fini unmounts it) */
	if (bs_mkdir_p(e->run.state, 0700) ||
	    mount("tmpfs", e->run.state, "tmpfs", 0, "mode=0700"))
		err = rel_fail(w, -errno, "tmpfs on %s: %s", e->run.state,
			       strerror(errno));
	if (!err)
		err = bring_up(e, inject_args(&a, r->inject), NULL, 0, w);
	/* one warm-up round: the agent's allocator and caches settle */
	if (!err)
		err = mem_round(e, r, c, d, w);
	for (int k = 0; k < r->reps && !err; k++)
		err = mem_round(e, r, c, d + 3 * (size_t)k, w);
	if (!err) {
		double col[3][64];
		int n = r->reps < 64 ? r->reps : 64;

		for (int k = 0; k < n; k++)
			for (int j = 0; j < 3; j++)
				col[j][k] = d[3 * k + j];
		for (int j = 0; j < 3; j++)
			qsort(col[j], (size_t)n, sizeof(double), cmp_dbl);
		r->shmem_kib = col[0][n / 2];
		r->slab_kib = col[1][n / 2];
		r->rss_kib = col[2][n / 2];
	}
	free(c);
	free(d);
	return err;
}

/* ---- flood ------------------------------------------------------------ */

struct flood_shm {
	volatile int done; /* parent: the checks are over */
	volatile uint64_t opens;
};

/* Child: open+close until at least `min` opens and the parent is done. */
static void flood_child(const char *path, uint64_t min, struct flood_shm *s)
{
	uint64_t i = 0;

	while (i < min || !s->done) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		if (fd >= 0)
			close(fd);
		i++;
		if (!(i & 1023))
			s->opens = i;
	}
	s->opens = i;
	_exit(0);
}

static int flood_checks(struct rel_env *e, struct rel_flood *r,
			struct bs_nri_pod *c, struct rel_why *w)
{
	uint64_t before;

	/* NRI stays responsive: a create mid-flood */
	r->create_rc = rel_ctr_new(e, &c[2], 2, false);
	if (!r->create_rc)
		r->create_rc = rel_ctr_up(e, &c[2]);
	r->create_during_us = c[2].create_us;
	r->create_got_token = c[2].token_host[0] != '\0';
	/* a second container's read is not lost in the noise */
	before = lines_of(e, c[1].id);
	if (rel_ctr_touch(e, &c[1]))
		return rel_fail(w, -EIO, "cat in the second container failed");
	r->second_alert = !wait_alert(e, c[1].id, NULL, before + 1, ALERT_MS);
	return 0;
}

/* Alerts about the flooded token (accessor: the host) until their counts
 * stop growing. */
static void flood_tally(struct rel_env *e, struct rel_flood *r, const char *id)
{
	uint64_t last = UINT64_MAX;

	for (int quiet = 0; quiet < 3;) {
		const struct rel_alert *a;

		rel_sleep_ms(500);
		rel_pump(e);
		a = rel_alert_for(e, id, NULL);
		r->alert_lines = a ? a->lines : 0;
		r->alert_count = a ? a->count : 0;
		quiet = r->alert_count == last ? quiet + 1 : 0;
		last = r->alert_count;
	}
	r->have_drops = rel_stat(e, "ringbuf_drops", &r->ringbuf_drops);
	rel_stat(e, "aggregated", &r->aggregated);
}

static int flood_body(struct rel_env *e, void *arg,
		      const struct rel_agent_args *a, struct bs_nri_pod *c,
		      struct rel_why *w)
{
	struct rel_flood *r = arg;
	struct flood_shm *s;
	int64_t t0;
	pid_t pid;
	int err = 0;

	(void)a;
	for (int i = 0; i < 2 && !err; i++) {
		err = rel_ctr_new(e, &c[i], i, true);
		if (!err)
			err = rel_ctr_up(e, &c[i]);
	}
	if (err)
		return rel_fail(w, err, "containers up: %s", strerror(-err));
	if (!c[0].token_host[0])
		return rel_fail(w, -ENOENT, "flood target got no token");
	s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s == MAP_FAILED)
		return rel_fail(w, -errno, "mmap");
	t0 = bs_now_ns();
	pid = fork();
	if (pid == 0)
		flood_child(c[0].token_host, r->opens, s);
	if (pid < 0) {
		munmap(s, sizeof(*s));
		return rel_fail(w, -errno, "fork");
	}
	rel_sleep_ms(20);
	err = flood_checks(e, r, c, w);
	s->done = 1;
	waitpid(pid, NULL, 0);
	r->flood_s = rel_ms_since(t0) / 1e3;
	r->opens = s->opens;
	munmap(s, sizeof(*s));
	flood_tally(e, r, c[0].id);
	r->alive = rel_pump(e) == 0;
	return err;
}

int rel_run_flood(struct rel_env *e, struct rel_flood *r, struct rel_why *w)
{
	return with_pods(e, r->detect, 3, flood_body, r, w);
}
