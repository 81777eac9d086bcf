// SPDX-License-Identifier: Apache-2.0
/* Injection test fixture (see inject_support.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "harness/runtime/oci.h"
#include "lib/fs.h"
#include "inject_support.h"
#include "tests/support/shell.h"

const char *bs_it_hook_src(void)
{
	return bs_test_built("beesting-hook");
}

int bs_it_setup(struct bs_itest *t, const struct bs_inject_ops *ops)
{
	memset(t, 0, sizeof(*t));
	snprintf(t->dir, sizeof(t->dir), "/tmp/bs-inject-XXXXXX");
	if (!mkdtemp(t->dir)) {
		t->dir[0] = '\0';
		return -errno;
	}
	t->ops = ops;
	snprintf(t->cfg.state_dir, sizeof(t->cfg.state_dir), "%s/state",
		 t->dir);
	snprintf(t->cfg.hook_dir, sizeof(t->cfg.hook_dir), "%s/bin", t->dir);
	snprintf(t->cfg.hook_src, sizeof(t->cfg.hook_src), "%s",
		 bs_it_hook_src());
	snprintf(t->cfg.tokens[0].path, sizeof(t->cfg.tokens[0].path),
		 "/root/.aws/credentials");
	snprintf(t->cfg.tokens[0].template_name,
		 sizeof(t->cfg.tokens[0].template_name), "aws-access-key");
	snprintf(t->cfg.tokens[1].path, sizeof(t->cfg.tokens[1].path),
		 "/var/run/secrets/kubernetes.io/serviceaccount/token");
	snprintf(t->cfg.tokens[1].template_name,
		 sizeof(t->cfg.tokens[1].template_name), "k8s-sa-token");
	t->cfg.n_tokens = 2;
	/* projected: runc runs in the test's mount namespace */
	t->cfg.node_pid = getpid();
	t->ctx.cfg = &t->cfg;
	t->ctx.store = bs_token_store_new(1024);
	bs_adjust_init(&t->adj);
	return t->ctx.store ? 0 : -ENOMEM;
}

int bs_it_init(struct bs_itest *t)
{
	int err = bs_inject_init(&t->ctx, t->ops);

	t->inited = !err;
	return err;
}

int bs_it_bundle(struct bs_itest *t, const char *ns)
{
	int err = bs_runc_bundle(&t->run, t->dir, NULL);

	if (err)
		return err;
	t->pod.id = "pod-0123456789";
	t->pod.name = "web-7f9c";
	t->pod.uid = "uid-1";
	t->pod.ns = ns;
	t->pod.annotations = t->ann;
	t->pod.n_annotations = t->n_ann;
	t->ctr.id = t->run.id;
	t->ctr.pod_id = t->pod.id;
	t->ctr.name = "app";
	t->ctr.state = BS_CTR_CREATED;
	return 0;
}

void bs_it_annotate(struct bs_itest *t, const char *key, const char *value)
{
	if (t->n_ann == BS_IT_MAX_ANN)
		return;
	t->ann[t->n_ann].key = key;
	t->ann[t->n_ann].value = value;
	t->n_ann++;
	t->pod.annotations = t->ann;
	t->pod.n_annotations = t->n_ann;
}

int bs_it_run(struct bs_itest *t, int *create_rc)
{
	int err;

	bs_adjust_reset(&t->adj);
	*create_rc = bs_inject_create(&t->ctx, &t->pod, &t->ctr, &t->adj);
	err = bs_oci_apply_file(t->run.config, &t->adj);
	if (!err)
		err = bs_runc_create(&t->run);
	if (err)
		return err;
	t->ctr.pid = (uint32_t)t->run.pid;
	bs_inject_locate(&t->ctx, &t->ctr);
	t->ctr.state = BS_CTR_RUNNING;
	return bs_runc_start(&t->run);
}

int bs_it_sh(struct bs_itest *t, const char *cmd, char *out, size_t cap)
{
	const char *argv[] = { "sh", "-c", cmd, NULL };
	int st = -1;

	if (bs_runc_exec(&t->run, argv, out, cap, &st))
		return -1;
	return st;
}

void bs_it_stop(struct bs_itest *t)
{
	bs_runc_cleanup(&t->run);
	memset(&t->run, 0, sizeof(t->run));
}

/* Lazily unmount what a test left mounted below dir (projected's tmpfs
 * of containers it did not remove), deepest first. */
static void unmount_below(const char *dir)
{
	char line[4096], mp[64][512];
	size_t n = 0, len = strlen(dir);
	FILE *f = fopen("/proc/self/mountinfo", "re");

	while (f && n < 64 && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %*s %*s %511s", mp[n]) == 1 &&
		    !strncmp(mp[n], dir, len) && mp[n][len] == '/')
			n++;
	if (f)
		fclose(f);
	while (n--)
		umount2(mp[n], MNT_DETACH);
}

void bs_it_teardown(struct bs_itest *t)
{
	bs_it_stop(t);
	if (t->inited)
		bs_inject_fini(&t->ctx);
	t->inited = false;
	bs_adjust_free(&t->adj);
	bs_token_store_free(t->ctx.store);
	t->ctx.store = NULL;
	if (t->mnt[0])
		umount2(t->mnt, MNT_DETACH);
	if (t->dir[0] && geteuid() == 0)
		unmount_below(t->dir);
	if (t->dir[0])
		bs_rm_rf(t->dir);
	t->dir[0] = '\0';
}

struct find_arg {
	const char *ctr;
	const char *path;
	struct bs_token *out;
};

static int find_fn(const struct bs_token *tok, void *arg)
{
	struct find_arg *a = arg;

	if (strcmp(tok->container_id, a->ctr) || strcmp(tok->path, a->path))
		return 0;
	memcpy(a->out, tok, sizeof(*tok));
	return 1;
}

int bs_it_find(struct bs_itest *t, const char *path, struct bs_token *out)
{
	struct find_arg a = { t->ctr.id ? t->ctr.id : "", path, out };

	return bs_token_store_each(t->ctx.store, find_fn, &a) == 1;
}
