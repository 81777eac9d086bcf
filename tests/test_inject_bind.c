// SPDX-License-Identifier: Apache-2.0
/* "bind" strategy against real runc containers with a busybox rootfs. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/support/inject_support.h"

#define AWS "/root/.aws/credentials"
#define SA  "/var/run/secrets/kubernetes.io/serviceaccount/token"

static struct bs_itest T;

static void setup(void)
{
	cr_assert_eq(bs_it_setup(&T, &bs_inject_bind_ops), 0);
}

static void teardown(void)
{
	bs_it_teardown(&T);
}

/* The container sees exactly the record's content at path, read-only, on
 * the record's inode. */
static void check_token(const char *path)
{
	bs_it_check_token(&T, path, 0, NULL);
}

Test(inject_bind, plants_readonly_tokens, .init = setup, .fini = teardown)
{
	char out[256];

	bs_it_start_clean(&T);
	cr_assert_eq(bs_token_store_count(T.ctx.store), 2);
	check_token(AWS);
	check_token(SA);
	cr_assert_eq(
		bs_it_sh(&T,
			 "grep -c ' /root/.aws/credentials .*ro,' /proc/mounts",
			 out, sizeof(out)),
		0, "%s", out);
}

Test(inject_bind, two_containers_differ, .init = setup, .fini = teardown)
{
	struct bs_token a, b;
	char first_id[64];
	int rc;

	bs_it_start(&T, &rc);
	cr_assert(bs_it_find(&T, AWS, &a));
	snprintf(first_id, sizeof(first_id), "%s", T.run.id);
	bs_it_stop(&T);
	cr_assert_eq(bs_it_bundle(&T, "prod"), 0);
	cr_assert_eq(bs_it_run(&T, &rc), 0);
	cr_assert(bs_it_find(&T, AWS, &b));
	cr_assert_str_neq(first_id, T.run.id);
	cr_assert_neq(a.id, b.id);
	cr_assert(a.content_len != b.content_len ||
		  memcmp(a.content, b.content, a.content_len));
	cr_assert(memcmp(a.digest, b.digest, sizeof(a.digest)));
	check_token(AWS);
}

Test(inject_bind, annotation_path_added, .init = setup, .fini = teardown)
{
	int rc;

	bs_it_need_runc(&T);
	cr_assert_eq(bs_it_init(&T), 0);
	bs_it_annotate(&T, "beesting.io/token-path",
		       "/run/secrets/db/password");
	cr_assert_eq(bs_it_bundle(&T, "prod"), 0);
	cr_assert_eq(bs_it_run(&T, &rc), 0);
	cr_assert_eq(bs_token_store_count(T.ctx.store), 3);
	check_token("/run/secrets/db/password");
}

Test(inject_bind, hostile_annotation_paths_ignored, .init = setup,
     .fini = teardown)
{
	static char huge[10 * 1024 + 2];
	const char *bad[] = { "/run/secrets/../../etc/shadow",
			      "run/secrets/x",
			      "/etc/passwd",
			      "/run/secrets//x",
			      "/run/secrets/x/",
			      "/run/secrets/./x",
			      "/run/secrets/a b",
			      huge };
	struct bs_token tok;
	char out[256];
	int rc;

	bs_it_need_runc(&T);
	memset(huge, 'a', sizeof(huge) - 1);
	memcpy(huge, "/run/secrets/", 13);
	cr_assert_eq(bs_it_init(&T), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct bs_inject_plan plan;

		T.n_ann = 0;
		bs_it_annotate(&T, "beesting.io/token-path", bad[i]);
		T.ctr.id = "plan-only";
		cr_assert_eq(bs_inject_plan(&T.ctx, &T.pod, &T.ctr, &plan), 0);
		cr_assert_eq(plan.n, 2, "bad path %zu accepted", i);
	}
	/* And a container with the worst of them still starts. */
	T.n_ann = 0;
	bs_it_annotate(&T, "beesting.io/token-path", huge);
	cr_assert_eq(bs_it_bundle(&T, "prod"), 0);
	cr_assert_eq(bs_it_run(&T, &rc), 0);
	cr_assert_eq(rc, 0);
	cr_assert_eq(bs_token_store_count(T.ctx.store), 2);
	cr_assert_not(bs_it_find(&T, huge, &tok));
	cr_assert_eq(bs_it_sh(&T, "true", out, sizeof(out)), 0);
	check_token(AWS);
}

Test(inject_bind, opt_out_and_excluded_ns, .init = setup, .fini = teardown)
{
	static const char *const excl[] = { "kube-system", NULL };
	struct bs_inject_plan plan;

	cr_assert_eq(bs_it_init(&T), 0);
	T.cfg.exclude_ns = excl;
	T.ctr.id = "c1";
	T.pod.ns = "kube-system";
	cr_assert_eq(bs_inject_plan(&T.ctx, &T.pod, &T.ctr, &plan), 1);
	T.pod.ns = "prod";
	bs_it_annotate(&T, "beesting.io/inject", "false");
	cr_assert_eq(bs_inject_create(&T.ctx, &T.pod, &T.ctr, &T.adj), 0);
	cr_assert(bs_adjust_is_empty(&T.adj));
	cr_assert_eq(T.ctx.n_skipped, 2);
	cr_assert_eq(bs_token_store_count(T.ctx.store), 0);
}

Test(inject_bind, bad_container_id_fails_open, .init = setup, .fini = teardown)
{
	const char *ids[] = { "../evil", "a/b", "", "..", "x y" };

	cr_assert_eq(bs_it_init(&T), 0);
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		T.ctr.id = ids[i];
		cr_assert_eq(bs_inject_create(&T.ctx, &T.pod, &T.ctr, &T.adj),
			     0);
		cr_assert(bs_adjust_is_empty(&T.adj));
	}
	cr_assert_eq(T.ctx.n_failed, 5);
	cr_assert_eq(bs_token_store_count(T.ctx.store), 0);
}

/* A failed injection: no token, container starts, n_failed counted. */
static void expect_fail_open(void)
{
	char out[256];
	int rc;

	cr_assert_eq(bs_it_bundle(&T, "prod"), 0);
	cr_assert_eq(bs_it_run(&T, &rc), 0, "container did not start");
	cr_assert_eq(rc, 0);
	cr_assert_eq(T.ctx.n_failed, 1);
	cr_assert_eq(T.ctx.n_injected, 0);
	cr_assert_eq(bs_token_store_count(T.ctx.store), 0);
	cr_assert_neq(bs_it_sh(&T, "cat " AWS, out, sizeof(out)), 0);
	cr_assert_eq(bs_it_sh(&T, "true", out, sizeof(out)), 0);
}

Test(inject_bind, state_dir_is_a_file, .init = setup, .fini = teardown)
{
	int fd;

	bs_it_need_runc(&T);
	fd = open(T.cfg.state_dir, O_WRONLY | O_CREAT | O_EXCL, 0600);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(bs_it_init(&T), 0);
	expect_fail_open();
}

Test(inject_bind, state_dir_read_only, .init = setup, .fini = teardown)
{
	bs_it_need_runc(&T);
	cr_assert_eq(mkdir(T.cfg.state_dir, 0700), 0);
	if (mount("tmpfs", T.cfg.state_dir, "tmpfs", MS_RDONLY, "size=1m"))
		cr_skip_test("cannot mount tmpfs: %s", strerror(errno));
	snprintf(T.mnt, sizeof(T.mnt), "%s", T.cfg.state_dir);
	cr_assert_eq(bs_it_init(&T), 0);
	expect_fail_open();
}

Test(inject_bind, planted_symlink_not_followed, .init = setup, .fini = teardown)
{
	char p[700], victim[600], buf[16];
	int fd;

	bs_it_prepare(&T);
	snprintf(victim, sizeof(victim), "%s/victim", T.dir);
	fd = open(victim, O_WRONLY | O_CREAT | O_EXCL, 0600);
	cr_assert_geq(fd, 0);
	close(fd);
	snprintf(p, sizeof(p), "%s/tokens/%s", T.cfg.state_dir, T.run.id);
	cr_assert_eq(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/tokens/%s/0", T.cfg.state_dir, T.run.id);
	cr_assert_eq(symlink(victim, p), 0);
	/* bundle is already made; expect_fail_open would make another. */
	{
		char out[256];
		int rc;

		cr_assert_eq(bs_it_run(&T, &rc), 0);
		cr_assert_eq(rc, 0);
		cr_assert_eq(T.ctx.n_failed, 1);
		cr_assert_neq(bs_it_sh(&T, "cat " AWS, out, sizeof(out)), 0);
	}
	fd = open(victim, O_RDONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(read(fd, buf, sizeof(buf)), 0, "symlink target written");
	close(fd);
}

Test(inject_bind, fail_closed_returns_error, .init = setup, .fini = teardown)
{
	int fd;

	fd = open(T.cfg.state_dir, O_WRONLY | O_CREAT | O_EXCL, 0600);
	cr_assert_geq(fd, 0);
	close(fd);
	T.cfg.fail_closed = true;
	cr_assert_eq(bs_it_init(&T), 0);
	T.ctr.id = "c1";
	cr_assert_lt(bs_inject_create(&T.ctx, &T.pod, &T.ctr, &T.adj), 0);
	cr_assert(bs_adjust_is_empty(&T.adj));
	cr_assert_eq(T.ctx.n_failed, 1);
}

Test(inject_bind, remove_and_sync, .init = setup, .fini = teardown)
{
	struct bs_container ctrs[2] = { { 0 } };
	struct bs_token tok;
	struct stat st;
	char p[700];

	cr_assert_eq(bs_it_init(&T), 0);
	T.ctr.id = "keep";
	T.ctr.pod_id = "pod-1";
	T.ctr.name = "app";
	cr_assert_eq(bs_inject_create(&T.ctx, &T.pod, &T.ctr, &T.adj), 0);
	cr_assert_eq(T.adj.n_mounts, 2);
	cr_assert_eq(T.adj.n_annotations, 1);
	cr_assert_str_eq(T.adj.annotations[0].key, "beesting.io/token-id");
	T.ctr.id = "gone";
	cr_assert_eq(bs_inject_create(&T.ctx, &T.pod, &T.ctr, &T.adj), 0);
	T.ctr.id = "removed";
	cr_assert_eq(bs_inject_create(&T.ctx, &T.pod, &T.ctr, &T.adj), 0);
	cr_assert_eq(bs_token_store_count(T.ctx.store), 6);
	cr_assert_eq(bs_inject_remove(&T.ctx, &T.ctr), 0);
	cr_assert_eq(bs_token_store_count(T.ctx.store), 4);
	snprintf(p, sizeof(p), "%s/tokens/removed", T.cfg.state_dir);
	cr_assert_neq(stat(p, &st), 0);

	/* Agent restart: empty store, only "keep" still runs. */
	bs_token_store_free(T.ctx.store);
	T.ctx.store = bs_token_store_new(64);
	ctrs[0].id = "keep";
	ctrs[0].pod_id = "pod-1";
	ctrs[0].name = "app";
	cr_assert_eq(bs_inject_sync(&T.ctx, NULL, 0, ctrs, 1), 0);
	cr_assert_eq(bs_token_store_count(T.ctx.store), 2);
	T.ctr.id = "keep";
	cr_assert(bs_it_find(&T, AWS, &tok));
	cr_assert(tok.have_inode);
	cr_assert_str_eq(tok.template_name, "aws-access-key");
	cr_assert_eq(stat(tok.host_path, &st), 0);
	cr_assert_eq(bs_dev_to_kernel(st.st_dev), tok.dev);
	cr_assert_eq(st.st_ino, tok.ino);
	snprintf(p, sizeof(p), "%s/tokens/gone", T.cfg.state_dir);
	cr_assert_neq(stat(p, &st), 0, "state of a gone container kept");
}

Test(inject_none, plants_nothing)
{
	struct bs_inject_config cfg = { 0 };
	struct bs_inject_ctx ctx = { .cfg = &cfg };
	struct bs_container c = { .id = "c1" };
	struct bs_adjust a;

	bs_adjust_init(&a);
	ctx.store = bs_token_store_new(4);
	cr_assert_eq(bs_inject_init(&ctx, bs_inject_find("none")), 0);
	cr_assert_eq(bs_inject_create(&ctx, NULL, &c, &a), 0);
	cr_assert_eq(bs_inject_locate(&ctx, &c), 0);
	cr_assert(bs_adjust_is_empty(&a));
	cr_assert_eq(bs_token_store_count(ctx.store), 0);
	bs_inject_fini(&ctx);
	bs_token_store_free(ctx.store);
}
