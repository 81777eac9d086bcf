// SPDX-License-Identifier: Apache-2.0
/*
 * Local backend, container side: pods and containers the way containerd
 * makes them with NRI, on runc with busybox-static bundles.
 *
 *   RunPodSandbox -> CreateContainer (plugin adjusts) -> apply the
 *   adjustment to config.json -> runc create -> PostCreateContainer (no
 *   pid, as containerd 1.7) -> StartContainer (pid) -> runc start ->
 *   PostStartContainer ... and back: StopContainer -> runc kill/delete ->
 *   RemoveContainer -> Stop/Remove PodSandbox.  What each message carries
 *   is nri/cri.c's, checked against containerd's captures.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/runtime/kubelet_volume.h"
#include "harness/local.h"
#include "harness/runtime/oci.h"
#include "harness/runtime/runc.h"
#include "lib/clock.h"
#include "lib/cmd.h"
#include "lib/fmt.h"
#include "lib/fs.h"
#include "lib/log.h"
#include "nri/cri.h"
#include "nri/runtime.h"

#define NRI_TIMEOUT_MS 5000
#define ARM_WAIT_MS    3000
#define MAX_LIVE       8
#define OTHER_FILE     "/etc/other.txt"
#define ATTACK_IN_CTR  "/beesting-attack"
#define REF_POD	       "reference-0"

/* One pod with one container. */
struct lctr {
	struct bs_runc rc;
	struct bs_pod pod;
	struct bs_container ctr;
	struct bs_cri_ctr cri; /* what the runtime side reports */
	char pod_id[BS_ID_LEN];
	char pod_uid[BS_ID_LEN];
	char cgroups_path[BS_ID_LEN];
	bool via_nri;
	bool pod_running;
	bool created;
};

struct lnri {
	struct bs_nri_runtime *rt;
	struct lctr *live[MAX_LIVE]; /* not yet torn down: for leftovers */
};

static struct lnri lnri_state;

int bs_local_nri_listen(struct bs_bench *b, struct bs_local *l)
{
	struct bs_nri_runtime_config cfg = {
		.socket_path = l->sock,
		.runtime_name = "beesting-harness",
		.request_timeout_ms = NRI_TIMEOUT_MS,
	};
	struct lnri *n = &lnri_state;

	memset(n, 0, sizeof(*n));
	n->rt = bs_nri_runtime_new(&cfg);
	if (!n->rt)
		return bs_bench_break(b, -errno, "NRI runtime side on %s: %s",
				      l->sock, strerror(errno));
	l->nri = n;
	return 0;
}

int bs_local_nri_accept(struct bs_bench *b, struct bs_local *l, int timeout_ms)
{
	struct lnri *n = l->nri;
	int err = bs_nri_runtime_accept(n->rt, timeout_ms, NULL, 0, NULL, 0);

	if (err) {
		bs_agent_dump_log(&l->agent, 20);
		return bs_bench_break(b, err,
				      "NRI handshake with the agent "
				      "failed: %s",
				      strerror(-err));
	}
	/* the protocol mode comes from $BEESTING_NRI_VERSION (v0.4 default) */
	fprintf(stderr, "NRI v0.%d: plugin %s admitted\n",
		bs_nri_runtime_nri_version(n->rt),
		bs_nri_runtime_plugin_name(n->rt, 0) ?: "?");
	return 0;
}

void bs_local_nri_close(struct bs_local *l)
{
	struct lnri *n = l->nri;

	if (!n || !n->rt)
		return;
	bs_nri_runtime_free(n->rt);
	n->rt = NULL;
}

static void track(struct lnri *n, struct lctr *c, bool add)
{
	for (int i = 0; i < MAX_LIVE; i++) {
		if (add && !n->live[i]) {
			n->live[i] = c;
			return;
		}
		if (!add && n->live[i] == c) {
			n->live[i] = NULL;
			return;
		}
	}
}

/* The attack tool goes into the rootfs (a copy: the container cannot
 * touch our binary), plus a decoy for the "other" method. */
#define DECOY "not a token, just a file\n"

static int stock_rootfs(struct bs_bench *b, struct lctr *c)
{
	char src[BS_PATH_LEN + 32], dst[512];
	const char *argv[] = { "cp", src, dst, NULL };
	int st, err;

	snprintf(src, sizeof(src), "%s/beesting-attack", b->cfg.build);
	if (bs_fmt(dst, sizeof(dst), "%s%s", c->rc.rootfs, ATTACK_IN_CTR))
		return -ENAMETOOLONG;
	err = bs_cmd_run(argv, 10000, NULL, 0, &st);
	if (err || st != 0)
		return err ? err : -EIO;
	if (bs_fmt(dst, sizeof(dst), "%s%s", c->rc.rootfs, OTHER_FILE))
		return -ENAMETOOLONG;
	return bs_write_file(dst, DECOY, sizeof(DECOY) - 1, 0644);
}

/* A pod uid is a random UUID, as the API server's. */
static void pod_uid(char out[40])
{
	int fd = open("/proc/sys/kernel/random/uuid", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, out, 36) : -1;

	out[n == 36 ? 36 : 0] = '\0';
	if (fd >= 0)
		close(fd);
}

static int fill_models(struct lctr *c, const struct bs_victim *v)
{
	int err;

	snprintf(c->pod_id, sizeof(c->pod_id), "pod-%s", c->rc.id);
	pod_uid(c->pod_uid);
	/* runc without linux.cgroupsPath puts the container at /<id> */
	snprintf(c->cgroups_path, sizeof(c->cgroups_path), "/%s", c->rc.id);
	c->pod = (struct bs_pod){
		.id = c->pod_id,
		.name = v->pod_name,
		.uid = c->pod_uid,
		.ns = "default",
		.cgroup_parent = "",
	};
	c->ctr = (struct bs_container){
		.id = c->rc.id,
		.pod_id = c->pod_id,
		.name = v->ctr_name,
		.state = BS_CTR_UNKNOWN,
		.cgroups_path = c->cgroups_path,
	};
	/* on Kubernetes a pod's hostname is its name: the recon checks a
	 * token's pod claim against it */
	err = bs_runc_set_hostname(&c->rc, v->pod_name);
	return err ? err : bs_cri_ctr_init(&c->cri, &c->pod, &c->ctr);
}

/* Where the token's file is on the host: the bind source, the file in a
 * bind-mounted directory (projected), or (a hook writes it in the
 * container) the same path in the rootfs. */
static void token_host_path(struct lctr *c, const struct bs_adjust *adj,
			    struct bs_victim *v)
{
	const char *leaf = strrchr(v->token_path, '/');
	size_t dlen = leaf ? (size_t)(leaf - v->token_path) : 0;

	for (size_t i = 0; i < adj->n_mounts; i++) {
		const char *d = adj->mounts[i].destination;

		if (!strcmp(d, v->token_path)) {
			snprintf(v->token_host_path, sizeof(v->token_host_path),
				 "%s", adj->mounts[i].source);
			return;
		}
		if (leaf && strlen(d) == dlen &&
		    !strncmp(d, v->token_path, dlen)) {
			bs_fmt(v->token_host_path, sizeof(v->token_host_path),
			       "%s%s", adj->mounts[i].source, leaf);
			return;
		}
	}
	bs_fmt(v->token_host_path, sizeof(v->token_host_path), "%s%s",
	       c->rc.rootfs, v->token_path);
}

/* Notifications cannot fail a container: a plugin error is logged. */
static int notified(struct bs_bench *b, int err, const char *what)
{
	if (err && err != -EREMOTEIO)
		return bs_bench_break(b, err, "NRI %s: %s", what,
				      strerror(-err));
	return 0;
}

/* CreateContainer through the plugins, adjustment into config.json. */
static int nri_create(struct bs_bench *b, struct bs_local *l, struct lctr *c,
		      struct bs_victim *v)
{
	struct lnri *n = l->nri;
	struct bs_adjust *adj = calloc(1, sizeof(*adj));
	int64_t t0;
	int err;

	if (!adj)
		return -ENOMEM;
	bs_adjust_init(adj);
	t0 = bs_now_ns();
	err = bs_cri_create(n->rt, &c->cri, adj);
	bs_samples_add(&l->nri_create_us, (double)(bs_now_ns() - t0) / 1000.0);
	if (err) {
		err = bs_bench_break(b, err,
				     "CreateContainer for %s failed "
				     "(the plugin failed the container): %s",
				     v->ctr_name, strerror(-err));
		goto out;
	}
	token_host_path(c, adj, v);
	err = bs_oci_apply_file(c->rc.config, adj);
	if (err)
		err = bs_bench_break(b, err, "apply the adjustment to %s: %s",
				     c->rc.config, strerror(-err));
out:
	bs_adjust_free(adj);
	free(adj);
	return err;
}

static int runc_step(struct bs_bench *b, int err, const char *what,
		     const struct lctr *c)
{
	if (err)
		return bs_bench_break(b, err, "runc %s %s failed: %s", what,
				      c->rc.id, strerror(-err));
	return 0;
}

/* Everything from CreateContainer to running. */
static int bring_up(struct bs_bench *b, struct bs_local *l, struct lctr *c,
		    struct bs_victim *v)
{
	struct lnri *n = l->nri;
	int err = 0;

	if (c->via_nri) {
		err = notified(b, bs_cri_run_pod(n->rt, &c->pod),
			       "RunPodSandbox");
		c->pod_running = !err;
		if (!err)
			err = nri_create(b, l, c, v);
	}
	if (err)
		return err;
	err = runc_step(b, bs_runc_create(&c->rc), "create", c);
	if (err)
		return err;
	c->created = true;
	if (c->via_nri) {
		err = notified(b, bs_cri_post_create(n->rt, &c->cri),
			       "PostCreateContainer");
		if (!err)
			err = notified(b,
				       bs_cri_start(n->rt, &c->cri,
						    (uint32_t)c->rc.pid),
				       "StartContainer");
	}
	if (!err)
		err = runc_step(b, bs_runc_start(&c->rc), "start", c);
	if (err)
		return err;
	if (c->via_nri)
		err = notified(b, bs_cri_post_start(n->rt, &c->cri),
			       "PostStartContainer");
	return err;
}

/* The victim's create -> armed gap, from the agent's stats lines: the
 * first line after bring-up may have been written before the arming, the
 * second one was not (bounded; a miss is a result). */
static void wait_armed(struct bs_bench *b, struct bs_local *l)
{
	int64_t deadline = bs_now_ns() + ARM_WAIT_MS * 1000000LL;
	struct bs_agent_event ev;
	int seen = 0;

	if (b->peer)
		return;
	while (bs_now_ns() < deadline && bs_agent_alive(&l->agent)) {
		while (bs_evtail_next(&l->tail, &ev) == 1)
			if (ev.type == BS_EVT_STATS && ev.armed > 0 &&
			    ++seen == 2) {
				bs_samples_add(&l->token_armed_us,
					       (double)ev.arm_gap_us_last);
				return;
			}
		usleep(20000);
	}
	bs_warn("no armed token reported within %d ms", ARM_WAIT_MS);
}

int bs_local_ctr_up(struct bs_bench *b, struct bs_local *l, struct bs_victim *v,
		    bool via_nri, double *start_ms)
{
	struct lctr *c = calloc(1, sizeof(*c));
	int64_t t0;
	int err;

	if (!c)
		return -ENOMEM;
	c->via_nri = via_nri;
	err = bs_runc_bundle(&c->rc, l->bundles, NULL);
	if (!err)
		err = stock_rootfs(b, c);
	if (!err)
		err = fill_models(c, v);
	if (err) {
		bs_runc_cleanup(&c->rc);
		free(c);
		return bs_bench_break(b, err, "make bundle under %s: %s",
				      l->bundles, strerror(-err));
	}
	snprintf(v->ctr_id, sizeof(v->ctr_id), "%s", c->rc.id);
	snprintf(v->pod_id, sizeof(v->pod_id), "%s", c->pod_id);
	v->priv = c;
	v->up = true;
	track(l->nri, c, true);
	t0 = bs_now_ns();
	err = bring_up(b, l, c, v);
	*start_ms = (double)(bs_now_ns() - t0) / 1e6;
	/* after the timed part: one gap sample per container the agent saw */
	if (!err && via_nri)
		wait_armed(b, l);
	return err;
}

int bs_local_ctr_attack(struct bs_bench *b, struct bs_local *l,
			struct bs_victim *v, const struct bs_method *m, int *rc)
{
	struct lctr *c = v->priv;
	char out[1024], bin[BS_PATH_LEN + 32];
	int err;

	(void)l;
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

		err = bs_runc_exec(&c->rc, argv, out, sizeof(out), rc);
		/* 126+: runc could not run the tool at all */
		if (!err && *rc >= 126) {
			bs_err("runc exec %s in %s: status %d: %s", m->name,
			       c->rc.id, *rc, out);
			err = -EIO;
		}
	}
	if (*rc == 2)
		bs_warn("attack %s: usage error: %s", m->name, out);
	return err;
}

static int exec_tool(struct lctr *c, const char *const *argv, char *out,
		     size_t len, int *rc)
{
	int err = bs_runc_exec(&c->rc, argv, out, len, rc);

	/* 126+: runc could not run the tool at all */
	if (!err && *rc >= 126) {
		bs_err("runc exec %s in %s: status %d: %.300s", argv[1],
		       c->rc.id, *rc, out);
		err = -EIO;
	}
	return err;
}

int bs_local_ctr_recon(struct bs_bench *b, struct bs_local *l,
		       struct bs_victim *v, char *out, size_t len, int *rc)
{
	const char *argv[] = { ATTACK_IN_CTR, "recon", v->token_path, NULL };

	(void)b;
	(void)l;
	return exec_tool(v->priv, argv, out, len, rc);
}

int bs_local_ctr_reference(struct bs_bench *b, struct bs_local *l, char *out,
			   size_t len, int *rc)
{
	const char *argv[] = { ATTACK_IN_CTR, "recon", BS_KVOL_SA_DIR "/token",
			       NULL };
	char vol[BS_PATH_LEN + 16], uid[40];
	struct bs_kvol_pod pod = { "default", REF_POD, uid, "default",
				   "bench-node" };
	struct lctr c;
	int err;

	memset(&c, 0, sizeof(c));
	pod_uid(uid);
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
	err = bs_runc_bundle(&c.rc, NULL, NULL);
	if (!err)
		err = stock_rootfs(b, &c);
	if (!err)
		err = bs_kvol_oci_mount(c.rc.config, vol, BS_KVOL_SA_DIR,
					REF_POD);
	if (!err)
		err = bs_runc_create(&c.rc);
	if (!err)
		err = bs_runc_start(&c.rc);
	if (!err)
		err = exec_tool(&c, argv, out, len, rc);
	bs_runc_cleanup(&c.rc);
	bs_kvol_remove(vol);
	rmdir(vol);
	if (err)
		bs_warn("reference volume recon: %s", strerror(-err));
	return err;
}

int bs_local_ctr_down(struct bs_bench *b, struct bs_local *l,
		      struct bs_victim *v)
{
	struct lnri *n = l->nri;
	struct lctr *c = v->priv;
	int err = 0;

	if (!c)
		return 0;
	if (c->via_nri && c->created && n->rt && bs_cri_stop(n->rt, &c->cri))
		bs_warn("StopContainer %s: the plugin returned an error",
			c->rc.id);
	if (c->created) {
		bs_runc_kill(&c->rc, SIGKILL);
		err = bs_runc_delete(&c->rc);
		if (err)
			bs_warn("runc delete %s: %s", c->rc.id, strerror(-err));
	}
	if (c->via_nri && n->rt) {
		if (c->created)
			notified(b, bs_cri_remove(n->rt, &c->cri),
				 "RemoveContainer");
		if (c->pod_running) {
			notified(b, bs_cri_stop_pod(n->rt, &c->pod),
				 "StopPodSandbox");
			notified(b, bs_cri_remove_pod(n->rt, &c->pod),
				 "RemovePodSandbox");
		}
	}
	bs_cri_ctr_fini(&c->cri);
	bs_runc_cleanup(&c->rc);
	track(n, c, false);
	free(c);
	v->priv = NULL;
	v->up = false;
	return 0;
}

int bs_local_ctr_leftovers(struct bs_local *l)
{
	struct lnri *n = l->nri;
	int count = 0;

	if (!n)
		return 0;
	for (int i = 0; i < MAX_LIVE; i++) {
		if (!n->live[i])
			continue;
		bs_warn("left behind: container %s", n->live[i]->rc.id);
		bs_runc_cleanup(&n->live[i]->rc);
		bs_cri_ctr_fini(&n->live[i]->cri);
		free(n->live[i]);
		n->live[i] = NULL;
		count++;
	}
	return count;
}
