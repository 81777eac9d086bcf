// SPDX-License-Identifier: Apache-2.0
/* Pods and containers through NRI, the way containerd drives them
 * (nri_pods.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/runtime/nri_pods.h"
#include "harness/runtime/oci.h"
#include "lib/clock.h"
#include "lib/fmt.h"
#include "lib/log.h"

static int fail(struct bs_nri_pod *c, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct bs_nri_pod *c, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	return err;
}

static void track(struct bs_nri_pods *n, struct bs_nri_pod *c, bool add)
{
	for (int i = 0; i < BS_NRI_PODS_MAX; i++) {
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

void bs_nri_pod_uid(char out[40])
{
	int fd = open("/proc/sys/kernel/random/uuid", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, out, 36) : -1;

	out[n == 36 ? 36 : 0] = '\0';
	if (fd >= 0)
		close(fd);
}

static int fill_models(struct bs_nri_pod *c)
{
	int err;

	snprintf(c->pod_id, sizeof(c->pod_id), "pod-%s", c->id);
	bs_nri_pod_uid(c->pod_uid);
	/* runc without linux.cgroupsPath puts the container at /<id> */
	snprintf(c->cgroups_path, sizeof(c->cgroups_path), "/%s", c->id);
	c->pod = (struct bs_pod){
		.id = c->pod_id,
		.name = c->pod_name,
		.uid = c->pod_uid,
		.ns = "default",
		.cgroup_parent = "",
	};
	c->ctr = (struct bs_container){
		.id = c->id,
		.pod_id = c->pod_id,
		.name = c->name,
		.state = BS_CTR_UNKNOWN,
		.cgroups_path = c->cgroups_path,
	};
	/* on Kubernetes a pod's hostname is its name: the recon checks a
	 * token's pod claim against it */
	err = c->real ? bs_runc_set_hostname(&c->rc, c->pod_name) : 0;
	return err ? err : bs_cri_ctr_init(&c->cri, &c->pod, &c->ctr);
}

int bs_nri_pod_new(struct bs_nri_pods *n, struct bs_nri_pod *c,
		   const struct bs_nri_pod_spec *s)
{
	int err = 0;

	memset(c, 0, sizeof(*c));
	c->real = s->real;
	c->via_nri = s->via_nri;
	snprintf(c->name, sizeof(c->name), "%s", s->name);
	snprintf(c->pod_name, sizeof(c->pod_name), "%s", s->pod_name);
	snprintf(c->token_path, sizeof(c->token_path), "%s", s->token_path);
	if (c->real) {
		err = bs_runc_bundle(&c->rc, s->tmp_base, NULL);
		if (err)
			return fail(c, err, "make bundle under %s: %s",
				    s->tmp_base ? s->tmp_base : "/tmp",
				    strerror(-err));
		track(n, c, true);
		snprintf(c->id, sizeof(c->id), "%s", c->rc.id);
	} else {
		snprintf(c->id, sizeof(c->id), "rel-%d-%d", (int)getpid(),
			 s->n);
	}
	err = fill_models(c);
	if (err && c->real) {
		bs_runc_cleanup(&c->rc);
		track(n, c, false);
	}
	return err ? fail(c, err, "pod %s: %s", c->pod_name, strerror(-err))
		   : 0;
}

/* A plugin error on a notification is only logged by runtimes. */
static int notified(struct bs_nri_pod *c, int err, const char *what)
{
	if (err && err != -EREMOTEIO)
		return fail(c, err, "NRI %s: %s", what, strerror(-err));
	return 0;
}

static int runc_step(struct bs_nri_pod *c, int err, const char *what)
{
	if (err)
		return fail(c, err, "runc %s %s failed: %s", what, c->rc.id,
			    strerror(-err));
	return 0;
}

/* The token's path on the host: the bind source of its file mount, or
 * (projected) <source of the mount at its directory>/<name>. */
static void note_token(struct bs_nri_pod *c, const struct bs_adjust *adj)
{
	const char *leaf = strrchr(c->token_path, '/');
	size_t dlen = leaf ? (size_t)(leaf - c->token_path) : 0;

	c->token_host[0] = '\0';
	for (size_t i = 0; i < adj->n_mounts; i++) {
		const char *d = adj->mounts[i].destination;

		if (!strcmp(d, c->token_path)) {
			snprintf(c->token_host, sizeof(c->token_host), "%s",
				 adj->mounts[i].source);
			return;
		}
		if (leaf && strlen(d) == dlen &&
		    !strncmp(d, c->token_path, dlen)) {
			bs_fmt(c->token_host, sizeof(c->token_host), "%s%s",
			       adj->mounts[i].source, leaf);
			return;
		}
	}
}

/* CreateContainer through the plugins, adjustment into config.json. */
static int nri_create(struct bs_nri_pods *n, struct bs_nri_pod *c)
{
	struct bs_adjust *adj = calloc(1, sizeof(*adj));
	int64_t t0;
	int err;

	if (!adj)
		return fail(c, -ENOMEM, "out of memory");
	bs_adjust_init(adj);
	t0 = bs_now_ns();
	err = bs_cri_create(n->rt, &c->cri, adj);
	c->create_us = (double)(bs_now_ns() - t0) / 1e3;
	if (err) {
		fail(c, err,
		     "CreateContainer for %s failed (the plugin failed the "
		     "container): %s",
		     c->name, strerror(-err));
		goto out;
	}
	c->created = true;
	note_token(c, adj);
	err = c->real ? bs_oci_apply_file(c->rc.config, adj) : 0;
	if (err)
		fail(c, err, "apply the adjustment to %s: %s", c->rc.config,
		     strerror(-err));
out:
	bs_adjust_free(adj);
	free(adj);
	return err;
}

int bs_nri_pod_up(struct bs_nri_pods *n, struct bs_nri_pod *c)
{
	uint32_t pid;
	int err = 0;

	if (c->via_nri) {
		err = notified(c, bs_cri_run_pod(n->rt, &c->pod),
			       "RunPodSandbox");
		c->pod_running = !err;
		if (!err)
			err = nri_create(n, c);
	}
	if (!err && c->real) {
		err = runc_step(c, bs_runc_create(&c->rc), "create");
		c->created = c->created || !err;
	}
	pid = c->real ? (uint32_t)c->rc.pid : 0;
	if (!err && c->via_nri)
		err = notified(c, bs_cri_post_create(n->rt, &c->cri),
			       "PostCreateContainer");
	if (!err && c->via_nri)
		err = notified(c, bs_cri_start(n->rt, &c->cri, pid),
			       "StartContainer");
	if (!err && c->real)
		err = runc_step(c, bs_runc_start(&c->rc), "start");
	if (!err && c->via_nri)
		err = notified(c, bs_cri_post_start(n->rt, &c->cri),
			       "PostStartContainer");
	c->up = !err;
	return err;
}

int bs_nri_pod_down(struct bs_nri_pods *n, struct bs_nri_pod *c, bool notify)
{
	bool nri = notify && c->via_nri && n->rt;
	int err = 0, e2;

	if (nri && c->created)
		err = notified(c, bs_cri_stop(n->rt, &c->cri), "StopContainer");
	if (c->real && c->created) {
		bs_runc_kill(&c->rc, SIGKILL);
		e2 = bs_runc_delete(&c->rc);
		if (e2)
			bs_warn("runc delete %s: %s", c->rc.id, strerror(-e2));
	}
	if (nri && c->created) {
		e2 = notified(c, bs_cri_remove(n->rt, &c->cri),
			      "RemoveContainer");
		err = err ? err : e2;
	}
	if (nri && c->pod_running) {
		e2 = notified(c, bs_cri_stop_pod(n->rt, &c->pod),
			      "StopPodSandbox");
		err = err ? err : e2;
		e2 = notified(c, bs_cri_remove_pod(n->rt, &c->pod),
			      "RemovePodSandbox");
		err = err ? err : e2;
	}
	if (c->real) {
		bs_runc_cleanup(&c->rc);
		track(n, c, false);
	}
	bs_cri_ctr_fini(&c->cri);
	c->created = false;
	c->pod_running = false;
	c->up = false;
	return err;
}

int bs_nri_pods_reap(struct bs_nri_pods *n)
{
	int count = 0;

	for (int i = 0; i < BS_NRI_PODS_MAX; i++) {
		if (!n->live[i])
			continue;
		bs_warn("left behind: container %s", n->live[i]->rc.id);
		bs_runc_cleanup(&n->live[i]->rc);
		n->live[i] = NULL;
		count++;
	}
	return count;
}
