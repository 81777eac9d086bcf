// SPDX-License-Identifier: Apache-2.0
/* Pods and containers through NRI, the way containerd drives them
 * (nri/cri.c decides what each message carries). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/runtime/oci.h"
#include "harness/reliability/rel_env.h"
#include "lib/clock.h"
#include "nri/cri.h"

static void track(struct rel_env *e, struct rel_ctr *c, bool add)
{
	for (int i = 0; i < REL_MAX_LIVE; i++) {
		if (add && !e->live[i]) {
			e->live[i] = c;
			return;
		}
		if (!add && e->live[i] == c) {
			e->live[i] = NULL;
			return;
		}
	}
}

static int fill_models(struct rel_ctr *c)
{
	snprintf(c->pod_id, sizeof(c->pod_id), "pod-%s", c->id);
	snprintf(c->pod_uid, sizeof(c->pod_uid), "uid-%s", c->id);
	/* runc without linux.cgroupsPath puts the container at /<id> */
	snprintf(c->cgpath, sizeof(c->cgpath), "/%s", c->id);
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
		.cgroups_path = c->cgpath,
	};
	return bs_cri_ctr_init(&c->cri, &c->pod, &c->ctr);
}

int rel_ctr_new(struct rel_env *e, struct rel_ctr *c, int n, bool real)
{
	int err;

	memset(c, 0, sizeof(*c));
	c->real = real;
	snprintf(c->name, sizeof(c->name), "app");
	snprintf(c->pod_name, sizeof(c->pod_name), "victim-%d", n);
	if (real) {
		err = bs_runc_bundle(&c->rc, e->dir, NULL);
		if (err)
			return err;
		track(e, c, true);
		snprintf(c->id, sizeof(c->id), "%s", c->rc.id);
	} else {
		snprintf(c->id, sizeof(c->id), "rel-%d-%d", (int)getpid(), n);
	}
	err = fill_models(c);
	if (err && real) {
		bs_runc_cleanup(&c->rc);
		track(e, c, false);
	}
	return err;
}

/* a plugin error on a notification is only logged by runtimes */
static int notified(int err)
{
	return err == -EREMOTEIO ? 0 : err;
}

/* The token's path on the host: the bind source of its file mount, or
 * (projected) <source of the mount at its directory>/<name>. */
static void note_token(struct rel_ctr *c, const struct bs_adjust *adj)
{
	const char *name = strrchr(REL_TOKEN, '/');
	size_t dlen = (size_t)(name - REL_TOKEN);

	c->token_host[0] = '\0';
	for (size_t i = 0; i < adj->n_mounts; i++) {
		const char *d = adj->mounts[i].destination;

		if (!strcmp(d, REL_TOKEN))
			snprintf(c->token_host, sizeof(c->token_host), "%s",
				 adj->mounts[i].source);
		else if (strlen(d) == dlen && !strncmp(d, REL_TOKEN, dlen))
			snprintf(c->token_host, sizeof(c->token_host), "%.*s%s",
				 (int)(sizeof(c->token_host) - 64),
				 adj->mounts[i].source, name);
	}
}

static int create(struct rel_env *e, struct rel_ctr *c)
{
	struct bs_adjust *adj = calloc(1, sizeof(*adj));
	int64_t t0;
	int err;

	if (!adj)
		return -ENOMEM;
	bs_adjust_init(adj);
	t0 = bs_now_ns();
	err = bs_cri_create(e->rt, &c->cri, adj);
	c->create_us = (double)(bs_now_ns() - t0) / 1e3;
	if (!err) {
		note_token(c, adj);
		if (c->real)
			err = bs_oci_apply_file(c->rc.config, adj);
	}
	bs_adjust_free(adj);
	free(adj);
	return err;
}

int rel_ctr_up(struct rel_env *e, struct rel_ctr *c)
{
	int err = notified(bs_cri_run_pod(e->rt, &c->pod));

	if (!err)
		err = create(e, c);
	if (!err && c->real)
		err = bs_runc_create(&c->rc);
	if (!err)
		err = notified(bs_cri_post_create(e->rt, &c->cri));
	if (!err)
		err = notified(bs_cri_start(e->rt, &c->cri,
					    c->real ? (uint32_t)c->rc.pid : 0));
	if (!err && c->real)
		err = bs_runc_start(&c->rc);
	if (!err)
		err = notified(bs_cri_post_start(e->rt, &c->cri));
	c->up = !err;
	return err;
}

int rel_ctr_down(struct rel_env *e, struct rel_ctr *c, bool via_nri)
{
	int err = 0, e2;

	if (via_nri)
		err = notified(bs_cri_stop(e->rt, &c->cri));
	if (c->real) {
		bs_runc_cleanup(&c->rc);
		track(e, c, false);
	}
	if (via_nri) {
		e2 = notified(bs_cri_remove(e->rt, &c->cri));
		err = err ? err : e2;
		e2 = notified(bs_cri_stop_pod(e->rt, &c->pod));
		err = err ? err : e2;
		e2 = notified(bs_cri_remove_pod(e->rt, &c->pod));
		err = err ? err : e2;
	}
	bs_cri_ctr_fini(&c->cri);
	c->up = false;
	return err;
}

int rel_ctr_touch(struct rel_env *e, struct rel_ctr *c)
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
