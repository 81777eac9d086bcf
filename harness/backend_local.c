// SPDX-License-Identifier: Apache-2.0
/*
 * Local backend: a fresh directory laid out as a node for the agent (the
 * engine runs it) with its own NRI socket, state and hook dirs; pods and
 * containers through our NRI runtime side and runc, as containerd makes
 * them (harness/runtime/nri_pods.h), with the attack tool copied into
 * each.  Verifies afterwards that nothing was left behind.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "harness/runtime/kubelet_volume.h"
#include "harness/runtime/nri_pods.h"
#include "harness/scenario.h"
#include "lib/clock.h"
#include "lib/cmd.h"
#include "lib/fmt.h"
#include "lib/fs.h"
#include "lib/log.h"

#define READY_TIMEOUT_MS  30000
#define ACCEPT_TIMEOUT_MS 20000
#define NRI_TIMEOUT_MS	  5000
#define OTHER_FILE	  "/etc/other.txt"
#define ATTACK_IN_CTR	  "/beesting-attack"
#define REF_POD		  "reference-0"

struct bs_local {
	char dir[BS_PATH_LEN]; /* everything of this run lives below */
	char run[BS_PATH_LEN]; /* a tmpfs, as /run on a node */
	char opt[BS_PATH_LEN];
	char bundles[BS_PATH_LEN];
	char id_prefix[32];	 /* container ids: <prefix>-<n> */
	struct bs_nri_pods pods; /* our runtime side and its containers */
};

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
	struct bs_bench_agent *a = &b->agent;
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
	if (bs_fmt(a->state_dir, sizeof(a->state_dir), "%s/beesting", l->run) ||
	    bs_fmt(a->hook_dir, sizeof(a->hook_dir), "%s/beesting", l->opt))
		return -ENAMETOOLONG;
	if (mkdir(a->state_dir, 0755) || mkdir(a->hook_dir, 0755))
		return -errno;
	/* a unix socket path must fit sun_path (108) */
	if (bs_fmt(a->nri_socket, 108, "%s/nri.sock", l->dir) ||
	    bs_fmt(a->events, sizeof(a->events), "%s/events.jsonl", l->dir) ||
	    bs_fmt(a->log, sizeof(a->log), "%s/agent.log", l->dir))
		return -ENAMETOOLONG;
	/* harness/runtime/runc.c names containers bs-<pid>-<seq>-<rand> */
	snprintf(l->id_prefix, sizeof(l->id_prefix), "bs-%d-", getpid());
	return 0;
}

/* Our NRI runtime side on the agent's socket (before the agent starts). */
static int nri_listen(struct bs_bench *b, struct bs_local *l)
{
	struct bs_nri_runtime_config cfg = {
		.socket_path = b->agent.nri_socket,
		.runtime_name = "beesting-harness",
		.request_timeout_ms = NRI_TIMEOUT_MS,
	};

	l->pods.rt = bs_nri_runtime_new(&cfg);
	if (!l->pods.rt)
		return bs_bench_break(b, -errno, "NRI runtime side on %s: %s",
				      b->agent.nri_socket, strerror(errno));
	return 0;
}

/* The attack tool goes into the rootfs (a copy: the container cannot
 * touch our binary), plus a decoy for the "other" method. */
#define DECOY "not a token, just a file\n"

static int stock_rootfs(struct bs_bench *b, const struct bs_runc *rc)
{
	char src[BS_PATH_LEN + 32], dst[512];
	const char *argv[] = { "cp", src, dst, NULL };
	int st, err;

	snprintf(src, sizeof(src), "%s/beesting-attack", b->cfg.build);
	if (bs_fmt(dst, sizeof(dst), "%s%s", rc->rootfs, ATTACK_IN_CTR))
		return -ENAMETOOLONG;
	err = bs_cmd_run(argv, 10000, NULL, 0, &st);
	if (err || st != 0)
		return err ? err : -EIO;
	if (bs_fmt(dst, sizeof(dst), "%s%s", rc->rootfs, OTHER_FILE))
		return -ENAMETOOLONG;
	return bs_write_file(dst, DECOY, sizeof(DECOY) - 1, 0644);
}

/* Where the token's file is on the host: the mount's source, or (a hook
 * writes it in the container) the same path in the rootfs. */
static void token_host_path(const struct bs_nri_pod *c, struct bs_victim *v)
{
	if (c->token_host[0])
		snprintf(v->token_host_path, sizeof(v->token_host_path), "%s",
			 c->token_host);
	else
		bs_fmt(v->token_host_path, sizeof(v->token_host_path), "%s%s",
		       c->rc.rootfs, v->token_path);
}

/* Create and start pod + container v.  via_nri: send every NRI event and
 * apply the plugin's adjustment; false = the same without the agent.
 * *start_ms gets create -> running. */
static int ctr_up(struct bs_bench *b, struct bs_local *l, struct bs_victim *v,
		  bool via_nri, double *start_ms)
{
	struct bs_nri_pod_spec s = {
		.pod_name = v->pod_name,
		.name = v->ctr_name,
		.token_path = v->token_path,
		.tmp_base = l->bundles,
		.real = true,
		.via_nri = via_nri,
	};
	struct bs_nri_pod *c = calloc(1, sizeof(*c));
	int64_t t0;
	int err;

	if (!c)
		return -ENOMEM;
	err = bs_nri_pod_new(&l->pods, c, &s);
	if (!err) {
		err = stock_rootfs(b, &c->rc);
		if (err)
			bs_nri_pod_down(&l->pods, c, false);
	}
	if (err) {
		free(c);
		return bs_bench_break(b, err, "make bundle under %s: %s",
				      l->bundles, strerror(-err));
	}
	snprintf(v->ctr_id, sizeof(v->ctr_id), "%s", c->id);
	snprintf(v->pod_id, sizeof(v->pod_id), "%s", c->pod_id);
	v->priv = c;
	v->up = true;
	t0 = bs_now_ns();
	err = bs_nri_pod_up(&l->pods, c);
	*start_ms = (double)(bs_now_ns() - t0) / 1e6;
	if (via_nri && c->pod_running)
		bs_samples_add(&b->agent.nri_create_us, c->create_us);
	if (err)
		return bs_bench_break(b, err, "%s", c->why);
	if (via_nri)
		token_host_path(c, v);
	/* after the timed part: one gap sample per container the agent saw;
	 * the first stats line after bring-up may have been written before
	 * the arming, the second one was not */
	if (via_nri)
		bs_bench_wait_armed(b, 2, false);
	return 0;
}

static int ctr_down(struct bs_bench *b, struct bs_local *l, struct bs_victim *v)
{
	struct bs_nri_pod *c = v->priv;
	int err;

	if (!c)
		return 0;
	err = bs_nri_pod_down(&l->pods, c, true);
	if (err)
		bs_bench_break(b, err, "%s", c->why);
	free(c);
	v->priv = NULL;
	v->up = false;
	return err;
}

/* Runs the attack tool in c; 126+: runc could not run it at all. */
static int exec_tool(struct bs_runc *rc, const char *const *argv, char *out,
		     size_t len, int *status)
{
	int err = bs_runc_exec(rc, argv, out, len, status);

	if (!err && *status >= 126) {
		bs_err("runc exec %s in %s: status %d: %.300s", argv[1], rc->id,
		       *status, out);
		err = -EIO;
	}
	return err;
}

static int l_setup(struct bs_bench *b)
{
	struct bs_local *l = b->priv;
	int err = make_dirs(b, l);

	if (err)
		return bs_bench_break(b, err, "make run dir under %s: %s",
				      l->dir, strerror(-err));
	fprintf(stderr, "local backend: run dir %s\n", l->dir);
	return nri_listen(b, l);
}

/* Admit the agent as a plugin and complete the handshake. */
static int l_connect(struct bs_bench *b)
{
	struct bs_local *l = b->priv;
	int err = bs_nri_runtime_accept(l->pods.rt, ACCEPT_TIMEOUT_MS, NULL, 0,
					NULL, 0);

	if (err) {
		bs_agent_dump_log(&b->agent.proc, 20);
		return bs_bench_break(b, err,
				      "NRI handshake with the agent "
				      "failed: %s",
				      strerror(-err));
	}
	/* the protocol mode comes from $BEESTING_NRI_VERSION (v0.4 default) */
	fprintf(stderr, "NRI v0.%d: plugin %s admitted\n",
		bs_nri_runtime_nri_version(l->pods.rt),
		bs_nri_runtime_plugin_name(l->pods.rt, 0) ?: "?");
	return 0;
}

static int l_victim_up(struct bs_bench *b, struct bs_victim *v, int idx)
{
	double ms;

	snprintf(v->pod_name, sizeof(v->pod_name), "victim-%d", idx);
	snprintf(v->ctr_name, sizeof(v->ctr_name), "app-%d", idx);
	return ctr_up(b, b->priv, v, true, &ms);
}

/* Run beesting-attack in v (host_bind_source: on the host). */
static int l_attack(struct bs_bench *b, struct bs_victim *v,
		    const struct bs_method *m, int *rc)
{
	struct bs_nri_pod *c = v->priv;
	char out[1024], bin[BS_PATH_LEN + 32];
	int err;

	*rc = 2;
	if (!strcmp(m->name, "host_bind_source")) {
		const char *argv[] = { bin, m->name, v->token_host_path, NULL };

		snprintf(bin, sizeof(bin), "%s/beesting-attack", b->cfg.build);
		if (!v->token_host_path[0])
			return 0; /* nothing on the host to read */
		err = bs_cmd_run(argv, BS_RUNC_TIMEOUT_MS, out, sizeof(out),
				 rc);
	} else {
		const char *argv[] = { ATTACK_IN_CTR, m->name,	  v->token_path,
				       "--other",     OTHER_FILE, NULL };

		err = exec_tool(&c->rc, argv, out, sizeof(out), rc);
	}
	if (*rc == 2)
		bs_warn("attack %s: usage error: %s", m->name, out);
	return err;
}

static int l_recon(struct bs_bench *b, struct bs_victim *v, char *out,
		   size_t len, int *rc)
{
	const char *argv[] = { ATTACK_IN_CTR, "recon", v->token_path, NULL };
	struct bs_nri_pod *c = v->priv;

	(void)b;
	return exec_tool(&c->rc, argv, out, len, rc);
}

/* The recon in a container made without the agent that mounts a
 * kubelet-built service-account volume (kubelet_volume.h). */
static int l_reference(struct bs_bench *b, char *out, size_t len, int *rc)
{
	struct bs_local *l = b->priv;
	const char *argv[] = { ATTACK_IN_CTR, "recon", BS_KVOL_SA_DIR "/token",
			       NULL };
	char vol[BS_PATH_LEN + 16], uid[40];
	struct bs_kvol_pod pod = { "default", REF_POD, uid, "default",
				   "bench-node" };
	struct bs_runc c;
	int err;

	memset(&c, 0, sizeof(c));
	bs_nri_pod_uid(uid);
	if (bs_fmt(vol, sizeof(vol), "%s/refvol", l->dir))
		return -ENAMETOOLONG;
	if (mkdir(vol, 0755) && errno != EEXIST)
		return -errno;
	err = bs_kvol_make(vol, &pod);
	if (err) {
		rmdir(vol);
		return err;
	}
	/* /tmp, not the run dir: no container rootfs path names the agent */
	err = bs_runc_bundle(&c, NULL, NULL);
	if (!err)
		err = stock_rootfs(b, &c);
	if (!err)
		err = bs_kvol_oci_mount(c.config, vol, BS_KVOL_SA_DIR, REF_POD);
	if (!err)
		err = bs_runc_create(&c);
	if (!err)
		err = bs_runc_start(&c);
	if (!err)
		err = exec_tool(&c, argv, out, len, rc);
	bs_runc_cleanup(&c);
	bs_kvol_remove(vol);
	rmdir(vol);
	if (err)
		bs_warn("reference volume recon: %s", strerror(-err));
	return err;
}

static int l_victim_down(struct bs_bench *b, struct bs_victim *v)
{
	return ctr_down(b, b->priv, v);
}

/* One container of a start pair: the NRI path with the adjustment
 * applied, or the same container without the agent. */
static int l_start_one(struct bs_bench *b, int i, bool with, double *ms)
{
	struct bs_local *l = b->priv;
	struct bs_victim v;
	int err, down;

	memset(&v, 0, sizeof(v));
	snprintf(v.token_path, sizeof(v.token_path), "%s",
		 bs_bench_token(b->cfg.inject));
	snprintf(v.pod_name, sizeof(v.pod_name), "start-%d", i);
	snprintf(v.ctr_name, sizeof(v.ctr_name), "start-%d", i);
	err = ctr_up(b, l, &v, with, ms);
	if (!v.up)
		return err;
	down = ctr_down(b, l, &v);
	return err ? err : down;
}

static int l_release(struct bs_bench *b)
{
	struct bs_local *l = b->priv;

	/* victims are down already (the engine takes each one down) */
	if (l->pods.rt) {
		bs_nri_runtime_free(l->pods.rt);
		l->pods.rt = NULL;
	}
	return 0;
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

	if (!l->dir[0])
		return 0;
	ctrs = bs_nri_pods_reap(&l->pods);
	procs = count_procs(l->id_prefix);
	cgroups = count_cgroups(l->id_prefix);
	/* tokens the agent planted and did not remove */
	files = count_files(b->agent.state_dir);
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
	return ctrs + procs + cgroups + mounts + files;
}

const struct bs_backend_ops bs_backend_local = {
	.name = "local",
	.ready_ms = READY_TIMEOUT_MS,
	.setup = l_setup,
	.connect = l_connect,
	.victim_up = l_victim_up,
	.attack = l_attack,
	.recon = l_recon,
	.reference = l_reference,
	.victim_down = l_victim_down,
	.start_one = l_start_one,
	.release = l_release,
	.leftovers = l_leftovers,
	.priv_size = sizeof(struct bs_local),
};
