// SPDX-License-Identifier: Apache-2.0
/* The agent as a child process and its JSON event lines (agentproc.h). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/agentproc.h"
#include "lib/clock.h"
#include "lib/fs.h"
#include "lib/log.h"
#include "lib/proc.h"

#define MAX_ARGS 40

static void push(const char **argv, int *n, const char *a, const char *b)
{
	if (*n + 2 >= MAX_ARGS)
		return;
	argv[(*n)++] = a;
	if (b)
		argv[(*n)++] = b;
}

/* Child side: into dir's cgroup, then a cgroup namespace rooted there. */
static int private_cgroup_ns(const char *dir)
{
	int err = bs_cgroup_join(dir);

	if (!err && unshare(CLONE_NEWCGROUP))
		err = -errno;
	return err;
}

/* Child side: wire stdio and exec; never returns. */
static void exec_agent(const struct bs_agent_opts *o, const char **argv)
{
	int null = open("/dev/null", O_RDWR);
	int log = open(o->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		       0644);

	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
	}
	if (log >= 0)
		dup2(log, STDERR_FILENO);
	if (o->cgroup_ns_dir) {
		int err = private_cgroup_ns(o->cgroup_ns_dir);

		if (err) {
			fprintf(stderr, "cgroup namespace at %s: %s\n",
				o->cgroup_ns_dir, strerror(-err));
			_exit(126);
		}
	}
	execv(o->bin, (char *const *)argv);
	fprintf(stderr, "exec %s: %s\n", o->bin, strerror(errno));
	_exit(127);
}

int bs_agent_dirs_make(struct bs_agent_dirs *d, const char *tmpl)
{
	snprintf(d->dir, sizeof(d->dir), "%s", tmpl);
	if (!mkdtemp(d->dir))
		return -errno;
	snprintf(d->sock, sizeof(d->sock), "%s/nri.sock", d->dir);
	snprintf(d->events, sizeof(d->events), "%s/events", d->dir);
	snprintf(d->state, sizeof(d->state), "%s/state", d->dir);
	snprintf(d->hook, sizeof(d->hook), "%s/hook", d->dir);
	return 0;
}

void bs_agent_dirs_remove(const struct bs_agent_dirs *d)
{
	if (*d->dir && bs_rm_rf(d->dir))
		fprintf(stderr, "cleanup of %s failed\n", d->dir);
}

int bs_agent_spawn(struct bs_agent *a, const struct bs_agent_opts *o)
{
	const char *argv[MAX_ARGS];
	char agg[16], stats[16];
	int n = 0, fd;

	memset(a, 0, sizeof(*a));
	a->pid = -1;
	a->exit_status = -1;
	snprintf(a->log_path, sizeof(a->log_path), "%s", o->log_path);
	if (access(o->bin, X_OK) != 0)
		return -errno;
	/* the file exists before the agent writes: the tail can open it now */
	fd = open(o->events_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		  0644);
	if (fd < 0)
		return -errno;
	close(fd);
	snprintf(agg, sizeof(agg), "%d", o->aggregate_ms);
	snprintf(stats, sizeof(stats), "%d", o->stats_interval_ms);
	push(argv, &n, o->bin, NULL);
	push(argv, &n, "--nri-socket", o->nri_socket);
	push(argv, &n, "--inject", o->inject);
	push(argv, &n, "--detect", o->detect);
	push(argv, &n, "--attach", o->attach);
	if (o->token && o->token[0])
		push(argv, &n, "--token", o->token);
	push(argv, &n, "--state-dir", o->state_dir);
	push(argv, &n, "--hook-dir", o->hook_dir);
	push(argv, &n, "--events", o->events_path);
	if (o->aggregate_ms >= 0)
		push(argv, &n, "--aggregate-ms", agg);
	push(argv, &n, "--stats-interval-ms", stats);
	if (o->respond)
		push(argv, &n, "--respond", o->respond);
	if (o->respond_scope)
		push(argv, &n, "--respond-scope", o->respond_scope);
	push(argv, &n, "--log-level", "info");
	argv[n] = NULL;

	a->pid = fork();
	if (a->pid < 0)
		return -errno;
	if (a->pid == 0)
		exec_agent(o, argv);
	return 0;
}

bool bs_agent_alive(struct bs_agent *a)
{
	int st;
	pid_t r;

	if (a->pid <= 0)
		return false;
	r = waitpid(a->pid, &st, WNOHANG);
	if (r == 0)
		return true;
	if (r == a->pid)
		a->exit_status = st;
	a->pid = -1;
	return false;
}

int bs_agent_stop(struct bs_agent *a, int timeout_ms)
{
	int64_t deadline = bs_now_ns() + (int64_t)timeout_ms * 1000000;
	struct timespec nap = { 0, 20L * 1000000 };
	int st;

	if (a->pid <= 0)
		goto done;
	kill(a->pid, SIGTERM);
	while (bs_now_ns() < deadline) {
		if (waitpid(a->pid, &st, WNOHANG) == a->pid) {
			a->exit_status = st;
			a->pid = -1;
			goto done;
		}
		nanosleep(&nap, NULL);
	}
	bs_warn("agent %d ignored SIGTERM for %d ms: killing it", a->pid,
		timeout_ms);
	kill(a->pid, SIGKILL);
	waitpid(a->pid, &st, 0);
	a->exit_status = st;
	a->pid = -1;
	return -ETIMEDOUT;
done:
	if (a->exit_status == -1)
		return 0;
	/* SIGTERM is how we asked it to go: dying of it is not a failure */
	if (WIFSIGNALED(a->exit_status) && WTERMSIG(a->exit_status) == SIGTERM)
		return 0;
	return WIFEXITED(a->exit_status) && WEXITSTATUS(a->exit_status) == 0
		       ? 0
		       : -EIO;
}

int bs_agent_sample(struct bs_agent *a, long *rss_kib, uint64_t *ticks)
{
	char path[64], buf[4096], *p;
	unsigned long long ut, st;
	ssize_t n;

	if (a->pid <= 0)
		return -ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/status", a->pid);
	n = bs_read_small(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	p = strstr(buf, "VmRSS:");
	*rss_kib = p ? strtol(p + 6, NULL, 10) : 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", a->pid);
	n = bs_read_small(path, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	/* comm may hold spaces and parens: fields restart after the last ')' */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2,
			 "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			 "%llu %llu",
			 &ut, &st) != 2)
		return -EPROTO;
	*ticks = ut + st;
	if (*rss_kib > a->max_rss_kib)
		a->max_rss_kib = *rss_kib;
	return 0;
}

int bs_agent_cpu_begin(struct bs_agent *a)
{
	long rss;

	a->t0_ns = bs_now_ns();
	return bs_agent_sample(a, &rss, &a->ticks0);
}

int bs_agent_cpu_end(struct bs_agent *a, double *cpu_pct)
{
	long hz = sysconf(_SC_CLK_TCK), rss;
	uint64_t ticks;
	double secs;
	int err = bs_agent_sample(a, &rss, &ticks);

	if (err)
		return err;
	secs = (double)(bs_now_ns() - a->t0_ns) / 1e9;
	if (secs <= 0 || hz <= 0)
		return -EINVAL;
	*cpu_pct = 100.0 * (double)(ticks - a->ticks0) / (double)hz / secs;
	return 0;
}

void bs_agent_dump_log(const struct bs_agent *a, int lines)
{
	char cmd[BS_PATH_LEN + 32];

	/* tail(1) is simpler than a ring of lines and always there */
	snprintf(cmd, sizeof(cmd), "tail -n %d '%s' >&2", lines, a->log_path);
	fprintf(stderr, "---- last agent log lines (%s) ----\n", a->log_path);
	if (system(cmd) != 0)
		fprintf(stderr, "(no agent log)\n");
}

/* ---- events ------------------------------------------------------------ */

static void copy_str(char *dst, size_t len, json_t *v)
{
	const char *s = json_is_string(v) ? json_string_value(v) : "";

	snprintf(dst, len, "%s", s);
}

static uint64_t get_u64(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_integer(v) && json_integer_value(v) > 0
		       ? (uint64_t)json_integer_value(v)
		       : 0;
}

/* "2026-11-22T14:07:58.512345678Z" -> ns since the epoch; 0 if not. */
static int64_t parse_time(json_t *v)
{
	const char *s = json_string_value(v);
	struct tm tm = { 0 };
	char frac[16] = "";
	int64_t ns = 0;

	if (!s ||
	    sscanf(s, "%d-%d-%dT%d:%d:%d.%15[0-9]Z", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, frac) < 6)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	for (size_t i = 0, n = strlen(frac); i < 9; i++)
		ns = ns * 10 + (i < n ? frac[i] - '0' : 0);
	return (int64_t)timegm(&tm) * 1000000000 + ns;
}

/* A "token" or "accessor" that is missing or no object leaves its fields
 * empty: json_object_get of a non-object is NULL. */
static void parse_alert(json_t *root, struct bs_agent_event *ev)
{
	json_t *tok = json_object_get(root, "token");
	json_t *acc = json_object_get(root, "accessor");
	json_t *lat = json_object_get(root, "latency_us");
	const struct {
		json_t *obj;
		const char *key;
		char *dst;
		size_t len;
	} strs[] = {
		{ root, "method", ev->method, sizeof(ev->method) },
		{ root, "backend", ev->backend, sizeof(ev->backend) },
		{ tok, "path", ev->token_path, sizeof(ev->token_path) },
		{ tok, "container_id", ev->token_ctr, sizeof(ev->token_ctr) },
		{ tok, "pod", ev->token_pod, sizeof(ev->token_pod) },
		{ acc, "comm", ev->comm, sizeof(ev->comm) },
		{ acc, "container_id", ev->accessor_ctr,
		  sizeof(ev->accessor_ctr) },
	};

	ev->type = BS_EVT_ALERT;
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		copy_str(strs[i].dst, strs[i].len,
			 json_object_get(strs[i].obj, strs[i].key));
	ev->count = (uint32_t)get_u64(root, "count");
	ev->latency_us = json_is_integer(lat) ? json_integer_value(lat) : -1;
	ev->time_ns = parse_time(json_object_get(root, "time"));
	ev->token_id = (uint32_t)get_u64(tok, "id");
	ev->tgid = (uint32_t)get_u64(acc, "tgid");
}

int bs_agent_event_parse(const char *line, struct bs_agent_event *ev)
{
	json_t *root = json_loads(line, JSON_REJECT_DUPLICATES, NULL);
	const char *type;

	memset(ev, 0, sizeof(*ev));
	ev->latency_us = -1;
	ev->seen_ns = bs_now_ns();
	if (!json_is_object(root)) {
		json_decref(root);
		return -EINVAL;
	}
	type = json_string_value(json_object_get(root, "type"));
	if (!type) {
		ev->type = BS_EVT_OTHER;
	} else if (!strcmp(type, "alert")) {
		parse_alert(root, ev);
	} else if (!strcmp(type, "ready")) {
		ev->type = BS_EVT_READY;
		copy_str(ev->backend, sizeof(ev->backend),
			 json_object_get(root, "backend"));
		copy_str(ev->blind_spots, sizeof(ev->blind_spots),
			 json_object_get(root, "blind_spots"));
	} else if (!strcmp(type, "stats")) {
		ev->type = BS_EVT_STATS;
		ev->alerts = get_u64(root, "alerts");
		ev->ringbuf_drops = get_u64(root, "ringbuf_drops");
		ev->inject_failed = get_u64(root, "inject_failed");
		/* agents without "armed" report "tokens": the closest */
		ev->arm_gap_us_last = get_u64(root, "arm_gap_us_last");
		ev->armed = json_object_get(root, "armed")
				    ? get_u64(root, "armed")
				    : get_u64(root, "tokens");
	}
	json_decref(root);
	return 0;
}

int bs_evtail_open(struct bs_evtail *t, const char *path)
{
	memset(t, 0, sizeof(*t));
	t->fd = open(path, O_RDONLY | O_CLOEXEC);
	return t->fd < 0 ? -errno : 0;
}

void bs_evtail_close(struct bs_evtail *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
}

/* Take one line out of the buffer into line; false when none complete. */
static bool take_line(struct bs_evtail *t, char *line, size_t len)
{
	char *nl = memchr(t->buf, '\n', t->len);
	size_t n;

	if (!nl) {
		/* a line longer than the buffer is not an event: drop it */
		if (t->len == sizeof(t->buf)) {
			t->len = 0;
			t->bad_lines++;
		}
		return false;
	}
	n = (size_t)(nl - t->buf);
	if (n >= len) {
		t->bad_lines++;
		line[0] = '\0';
	} else {
		memcpy(line, t->buf, n);
		line[n] = '\0';
	}
	t->len -= n + 1;
	memmove(t->buf, nl + 1, t->len);
	return true;
}

int bs_evtail_next(struct bs_evtail *t, struct bs_agent_event *ev)
{
	static char line[sizeof(((struct bs_evtail *)0)->buf)];

	for (;;) {
		ssize_t n;

		while (take_line(t, line, sizeof(line))) {
			if (line[0] && bs_agent_event_parse(line, ev) == 0)
				return 1;
			t->bad_lines++;
		}
		if (t->fd < 0 || t->len == sizeof(t->buf))
			return 0;
		n = pread(t->fd, t->buf + t->len, sizeof(t->buf) - t->len,
			  (off_t)t->off);
		if (n <= 0)
			return 0;
		t->len += (size_t)n;
		t->off += (uint64_t)n;
	}
}

int bs_agent_state_tmpfs(const char *dir)
{
	if (mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "size=64m,mode=0755"))
		return -errno;
	return 0;
}

int bs_agent_state_tmpfs_off(const char *dir)
{
	if (umount2(dir, MNT_DETACH) && errno != EINVAL)
		return -errno;
	return 0;
}

void *bs_agent_last_stats(const char *events_path)
{
	json_t *last = NULL;
	char *line = NULL;
	size_t cap = 0;
	FILE *f = fopen(events_path, "re");

	if (!f)
		return NULL;
	while (getline(&line, &cap, f) > 0) {
		json_t *o;
		const char *t;

		if (!strstr(line, "\"stats\""))
			continue;
		o = json_loads(line, 0, NULL);
		t = json_string_value(json_object_get(o, "type"));
		if (t && !strcmp(t, "stats")) {
			json_decref(last);
			last = o;
		} else {
			json_decref(o);
		}
	}
	free(line);
	fclose(f);
	return last;
}
