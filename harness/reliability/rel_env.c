// SPDX-License-Identifier: Apache-2.0
/* Reliability fixture: agent process, runtime side, events reader. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/reliability/rel_env.h"
#include "lib/clock.h"
#include "lib/fs.h"

double rel_ms_since(int64_t t0_ns)
{
	return (double)(bs_now_ns() - t0_ns) / 1e6;
}

void rel_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int rel_find_build(char *out, size_t len)
{
	char exe[BS_PATH_LEN];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *dir;

	if (n < 0)
		return -errno;
	exe[n] = '\0';
	dir = dirname(exe);
	/* suites live in $(BUILD)/tests, benchmarks in $(BUILD) */
	if (!strcmp(basename(dir), "tests"))
		dir = dirname(dir);
	if ((size_t)snprintf(out, len, "%s", dir) >= len)
		return -ENAMETOOLONG;
	return 0;
}

const char *rel_missing(void)
{
	static char why[BS_PATH_LEN + 64];
	char build[BS_PATH_LEN], path[BS_PATH_LEN + 32];
	const char *bins[] = { "beesting", "beesting-attack" };

	if (rel_find_build(build, sizeof(build)))
		return "cannot find the build dir";
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", build, bins[i]);
		if (access(path, X_OK)) {
			snprintf(why, sizeof(why), "%s is not built yet", path);
			return why;
		}
	}
	if (!bs_runc_available())
		return "runc or busybox-static missing";
	return NULL;
}

int rel_env_init(struct rel_env *e, const char *tag)
{
	char tmpl[sizeof(e->run.dir)];
	int err;

	memset(e, 0, sizeof(*e));
	e->ev_fd = -1;
	e->agent.pid = -1;
	snprintf(tmpl, sizeof(tmpl), "/tmp/bs-rel-%s-XXXXXX", tag);
	err = bs_agent_dirs_make(&e->run, tmpl);
	if (err)
		return err;
	snprintf(e->log, sizeof(e->log), "%s/agent.log", e->run.dir);
	if (mkdir(e->run.hook, 0755))
		return -errno;
	if (rel_find_build(e->build, sizeof(e->build)))
		return -ENOENT;
	snprintf(e->bin, sizeof(e->bin), "%s/beesting", e->build);
	return 0;
}

static void reset_events(struct rel_env *e)
{
	if (e->ev_fd >= 0)
		close(e->ev_fd);
	e->ev_fd = -1;
	e->ev_off = 0;
	e->ev_len = 0;
	e->ready = false;
	json_decref(e->stats);
	e->stats = NULL;
	e->n_stats = 0;
	e->n_alerts = 0;
	e->alert_lines = 0;
}

/* Lazily unmount what a failed run left mounted below dir (projected's
 * tmpfs), newest first, so that rm -rf removes the tree and the machine
 * keeps no mount of ours. */
static void unmount_below(const char *dir)
{
	char line[4096], mp[2048];
	char(*mps)[256] = calloc(4096, sizeof(*mps));
	size_t n = strlen(dir), k = 0;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	while (f && mps && k < 4096 && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %*s %*s %2047s", mp) == 1 &&
		    !strncmp(mp, dir, n) && mp[n] == '/' && strlen(mp) < 256)
			snprintf(mps[k++], sizeof(mps[0]), "%s", mp);
	if (f)
		fclose(f);
	while (k--)
		umount2(mps[k], MNT_DETACH | UMOUNT_NOFOLLOW);
	free(mps);
}

void rel_env_fini(struct rel_env *e)
{
	if (e->agent.pid > 0) {
		kill(e->agent.pid, SIGKILL);
		waitpid(e->agent.pid, NULL, 0);
		e->agent.pid = -1;
	}
	bs_nri_pods_reap(&e->pods);
	rel_unlisten(e);
	reset_events(e);
	if (e->run.dir[0] && !getenv("REL_KEEP")) {
		unmount_below(e->run.dir);
		bs_rm_rf(e->run.dir);
	}
	e->run.dir[0] = '\0';
}

int rel_listen(struct rel_env *e)
{
	struct bs_nri_runtime_config cfg = {
		.socket_path = e->run.sock,
		.request_timeout_ms = REL_NRI_TIMEOUT_MS,
		.registration_timeout_ms = REL_NRI_TIMEOUT_MS,
	};

	e->pods.rt = bs_nri_runtime_new(&cfg);
	return e->pods.rt ? 0 : -errno;
}

void rel_unlisten(struct rel_env *e)
{
	if (e->pods.rt)
		bs_nri_runtime_free(e->pods.rt);
	e->pods.rt = NULL;
}

int rel_agent_start(struct rel_env *e, const struct rel_agent_args *a)
{
	struct bs_agent_opts o = {
		.bin = e->bin,
		.nri_socket = e->run.sock,
		.inject = a && a->inject ? a->inject : "bind",
		.detect = a && a->detect ? a->detect : "open",
		.attach = "auto",
		.token = REL_TOKEN,
		.state_dir = a && a->state_dir ? a->state_dir : e->run.state,
		.hook_dir = e->run.hook,
		.events_path = e->run.events,
		.log_path = e->log,
		.aggregate_ms = a && a->aggregate_ms ? a->aggregate_ms : 1000,
		.stats_interval_ms = a && a->stats_ms ? a->stats_ms : 200,
		.cgroup_ns_dir = a ? a->cgroup_ns_dir : NULL,
		.respond = a ? a->respond : NULL,
		.respond_scope = a ? a->respond_scope : NULL,
	};
	int err;

	reset_events(e);
	e->spawn_ns = bs_now_ns();
	err = bs_agent_spawn(&e->agent, &o);
	if (err)
		return err;
	e->agent_spawned = true;
	e->ev_fd = open(e->run.events, O_RDONLY | O_CLOEXEC);
	return e->ev_fd < 0 ? -errno : 0;
}

int rel_agent_stop(struct rel_env *e)
{
	if (e->agent.pid <= 0)
		return 0;
	return bs_agent_stop(&e->agent, 3000);
}

void rel_agent_kill9(struct rel_env *e)
{
	if (e->agent.pid > 0) {
		kill(e->agent.pid, SIGKILL);
		waitpid(e->agent.pid, &e->agent.exit_status, 0);
		e->agent.pid = -1;
	}
	if (e->pods.rt)
		bs_nri_runtime_drop_all(e->pods.rt);
}

int rel_accept(struct rel_env *e, int timeout_ms, struct bs_nri_pod *ctrs,
	       size_t n)
{
	struct bs_pod *pods = calloc(n + 1, sizeof(*pods));
	struct bs_container *cs = calloc(n + 1, sizeof(*cs));
	size_t k = 0;
	int err;

	if (!pods || !cs) {
		free(pods);
		free(cs);
		return -ENOMEM;
	}
	struct bs_cri_view *views = calloc(n + 1, sizeof(*views));

	err = views ? 0 : -ENOMEM;
	for (size_t i = 0; i < n && !err; i++) {
		if (!ctrs[i].up)
			continue;
		/* as the runtime reports a running container: adjusted view */
		err = bs_cri_view_build(&ctrs[i].cri, &views[k]);
		pods[k] = ctrs[i].pod;
		cs[k] = views[k].ctr;
		k += !err;
	}
	if (!err)
		err = bs_nri_runtime_accept(e->pods.rt, timeout_ms, pods, k, cs,
					    k);
	for (size_t i = 0; views && i < k; i++)
		bs_cri_view_free(&views[i]);
	free(views);
	free(pods);
	free(cs);
	return err;
}

int rel_ctr_new(struct rel_env *e, struct bs_nri_pod *c, int n, bool real)
{
	char pod[32];
	struct bs_nri_pod_spec s = {
		.pod_name = pod,
		.name = "app",
		.token_path = REL_TOKEN,
		.tmp_base = e->run.dir,
		.real = real,
		.via_nri = true,
		.n = n,
	};

	snprintf(pod, sizeof(pod), "victim-%d", n);
	return bs_nri_pod_new(&e->pods, c, &s);
}

int rel_ctr_up(struct rel_env *e, struct bs_nri_pod *c)
{
	return bs_nri_pod_up(&e->pods, c);
}

int rel_ctr_down(struct rel_env *e, struct bs_nri_pod *c, bool via_nri)
{
	return bs_nri_pod_down(&e->pods, c, via_nri);
}

int rel_ctr_touch(struct rel_env *e, struct bs_nri_pod *c)
{
	const char *argv[] = { "cat", REL_TOKEN, NULL };
	char out[512];
	int st = -1, fd, err;

	(void)e;
	if (!c->real) {
		if (!c->token_host[0])
			return -ENOENT;
		fd = open(c->token_host, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		close(fd);
		return 0;
	}
	err = bs_runc_exec(&c->rc, argv, out, sizeof(out), &st);
	if (err)
		return err;
	return st == 0 ? 0 : -EIO;
}

/* ---- events ---------------------------------------------------------- */

static const char *jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static void note_alert(struct rel_env *e, json_t *j)
{
	const char *tc = jstr(json_object_get(j, "token"), "container_id");
	const char *ac = jstr(json_object_get(j, "accessor"), "container_id");
	json_int_t cnt = json_integer_value(json_object_get(j, "count"));
	size_t i;

	e->alert_lines++;
	for (i = 0; i < e->n_alerts; i++)
		if (!strcmp(e->alerts[i].token_ctr, tc) &&
		    !strcmp(e->alerts[i].accessor_ctr, ac))
			break;
	if (i == e->n_alerts) {
		if (i == REL_MAX_ALERTS)
			return;
		e->n_alerts++;
		snprintf(e->alerts[i].token_ctr, BS_ID_LEN, "%s", tc);
		snprintf(e->alerts[i].accessor_ctr, BS_ID_LEN, "%s", ac);
		e->alerts[i].lines = e->alerts[i].count = 0;
	}
	e->alerts[i].lines++;
	e->alerts[i].count += cnt > 0 ? (uint64_t)cnt : 1;
}

static void take_line(struct rel_env *e, const char *line)
{
	json_t *j = json_loads(line, 0, NULL);
	const char *type = jstr(j, "type");

	if (!strcmp(type, "ready")) {
		e->ready = true;
	} else if (!strcmp(type, "stats")) {
		json_decref(e->stats);
		e->stats = json_incref(j);
		e->n_stats++;
	} else if (!strcmp(type, "alert")) {
		note_alert(e, j);
	}
	json_decref(j);
}

int rel_pump(struct rel_env *e)
{
	bool alive = e->agent.pid > 0 && bs_agent_alive(&e->agent);
	ssize_t n;

	if (e->ev_fd < 0)
		return -EBADF;
	for (;;) {
		char *nl;

		n = pread(e->ev_fd, e->ev_buf + e->ev_len,
			  sizeof(e->ev_buf) - 1 - e->ev_len, (off_t)e->ev_off);
		if (n <= 0)
			break;
		e->ev_off += (uint64_t)n;
		e->ev_len += (size_t)n;
		e->ev_buf[e->ev_len] = '\0';
		while ((nl = memchr(e->ev_buf, '\n', e->ev_len))) {
			*nl = '\0';
			take_line(e, e->ev_buf);
			e->ev_len -= (size_t)(nl + 1 - e->ev_buf);
			memmove(e->ev_buf, nl + 1, e->ev_len);
		}
		/* a line longer than the buffer is not ours: drop it */
		if (e->ev_len == sizeof(e->ev_buf) - 1)
			e->ev_len = 0;
	}
	return alive ? 0 : -ESRCH;
}

int rel_wait(struct rel_env *e, rel_pred pred, void *arg, int timeout_ms)
{
	int64_t end = bs_now_ns() + (int64_t)timeout_ms * 1000000;

	for (;;) {
		int err = rel_pump(e);

		if (pred(e, arg))
			return 0;
		if (err)
			return err;
		if (bs_now_ns() > end)
			return -ETIMEDOUT;
		rel_sleep_ms(10);
	}
}

bool rel_stat(struct rel_env *e, const char *key, uint64_t *out)
{
	json_t *v = e->stats ? json_object_get(e->stats, key) : NULL;

	if (!json_is_integer(v))
		return false;
	*out = (uint64_t)json_integer_value(v);
	return true;
}

struct stat_eq {
	const char *key;
	uint64_t want;
	uint64_t after; /* only stats lines counted after this */
};

static bool stat_eq(struct rel_env *e, void *arg)
{
	struct stat_eq *s = arg;
	uint64_t v;

	return e->n_stats > s->after && rel_stat(e, s->key, &v) && v == s->want;
}

int rel_wait_stat_eq(struct rel_env *e, const char *key, uint64_t want,
		     int timeout_ms)
{
	struct stat_eq s = { key, want, 0 };

	rel_pump(e);
	s.after = e->n_stats;
	return rel_wait(e, stat_eq, &s, timeout_ms);
}

const struct rel_alert *rel_alert_for(struct rel_env *e, const char *token_ctr,
				      const char *accessor_ctr)
{
	for (size_t i = 0; i < e->n_alerts; i++)
		if (!strcmp(e->alerts[i].token_ctr, token_ctr) &&
		    (!accessor_ctr ||
		     !strcmp(e->alerts[i].accessor_ctr, accessor_ctr)))
			return &e->alerts[i];
	return NULL;
}

int rel_log_count(struct rel_env *e, const char *needle)
{
	FILE *f = fopen(e->log, "re");
	char line[2048];
	int n = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (strcasestr(line, needle))
			n++;
	fclose(f);
	return n;
}

/* ---- /proc figures --------------------------------------------------- */

static int count_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

int rel_count_fds(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	return count_dir(path);
}

long rel_rss_kib(pid_t pid)
{
	char path[64], line[256];
	FILE *f;
	long kib = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6))
			kib = strtol(line + 6, NULL, 10);
	fclose(f);
	return kib;
}

int rel_count_lines(const char *path)
{
	FILE *f = fopen(path, "re");
	int n = 0, c;

	if (!f)
		return -errno;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

int rel_state_entries(const char *state)
{
	char path[BS_PATH_LEN];

	snprintf(path, sizeof(path), "%s/tokens", state);
	return count_dir(path);
}

int rel_dir_entries(const char *path)
{
	return count_dir(path);
}

int rel_mounts_below(pid_t pid, const char *dir)
{
	char path[64], line[4096], mp[2048];
	size_t n = strlen(dir);
	FILE *f;
	int mounts = 0;

	snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	/* field 5 is the mount point (octal escapes never hide a '/') */
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %*s %*s %2047s", mp) == 1 &&
		    !strncmp(mp, dir, n) && mp[n] == '/')
			mounts++;
	fclose(f);
	return mounts;
}

long rel_meminfo_kib(const char *key)
{
	char line[256];
	size_t n = strlen(key);
	FILE *f = fopen("/proc/meminfo", "re");
	long kib = -1;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			kib = strtol(line + n + 1, NULL, 10);
	fclose(f);
	return kib;
}
