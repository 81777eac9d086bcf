// SPDX-License-Identifier: Apache-2.0
/* "ocihook" strategy: the real beesting-hook run by real runc. */
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
	cr_assert_eq(bs_it_setup(&T, &bs_inject_ocihook_ops), 0);
	T.token_writable = true; /* no self bind: a plain 0444 file */
}

static void teardown(void)
{
	bs_it_teardown(&T);
}

/* Also: a hook-made file is 0444 and has its creation time. */
static void check_token(const char *path)
{
	struct bs_token tok;

	bs_it_check_token(&T, path, 0444, &tok);
	cr_assert_gt(tok.created_ns, 0);
}

Test(inject_ocihook, hook_installed, .init = setup, .fini = teardown)
{
	char p[700];
	struct stat st;

	bs_it_need_runc(&T);
	cr_assert_eq(bs_it_init(&T), 0);
	snprintf(p, sizeof(p), "%s/beesting-hook", T.cfg.hook_dir);
	cr_assert_eq(stat(p, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0755);
}

Test(inject_ocihook, noexec_hook_dir_refused, .init = setup, .fini = teardown)
{
	if (geteuid() != 0)
		cr_skip_test("needs root to mount");
	cr_assert_eq(mkdir(T.cfg.hook_dir, 0755), 0);
	if (mount("tmpfs", T.cfg.hook_dir, "tmpfs", MS_NOEXEC, "size=4m"))
		cr_skip_test("cannot mount tmpfs: %s", strerror(errno));
	snprintf(T.mnt, sizeof(T.mnt), "%s", T.cfg.hook_dir);
	cr_assert_eq(bs_it_init(&T), -EACCES);
}

Test(inject_ocihook, missing_hook_src_refused, .init = setup, .fini = teardown)
{
	snprintf(T.cfg.hook_src, sizeof(T.cfg.hook_src), "%s/nope", T.dir);
	cr_assert_lt(bs_it_init(&T), 0);
}

Test(inject_ocihook, plants_tokens_in_container, .init = setup,
     .fini = teardown)
{
	char out[256];

	bs_it_start_clean(&T);
	cr_assert_eq(T.adj.n_hooks, 2);
	cr_assert_eq(T.adj.n_mounts, 0);
	check_token(AWS);
	check_token(SA);
	/* A plain file of the root: no mount line names it (a self bind
	 * would be a line no real pod has). */
	cr_assert_neq(bs_it_sh(&T,
			       "grep -q ' /root/.aws/credentials ' "
			       "/proc/self/mountinfo",
			       out, sizeof(out)),
		      0, "token has a mount");
	cr_assert_neq(
		bs_it_sh(&T,
			 "grep -q serviceaccount/token /proc/self/mountinfo",
			 out, sizeof(out)),
		0, "token has a mount");
	/* Nothing in the mount table names the agent. */
	cr_assert_neq(bs_it_sh(&T, "grep -q beesting /proc/self/mountinfo", out,
			       sizeof(out)),
		      0);
}

/* What docs/strategies.md says a root workload can do to the plain file: the
 * armed inode is the one it overwrites in place (still watched); a rename
 * keeps the inode (still watched); a delete loses the token. */
Test(inject_ocihook, workload_can_modify_plain_file, .init = setup,
     .fini = teardown)
{
	struct bs_token tok;
	char out[256];
	unsigned long long ino = 0;
	int rc;

	bs_it_start(&T, &rc);
	cr_assert(bs_it_find(&T, AWS, &tok));
	cr_assert_eq(
		bs_it_sh(&T,
			 "mv " AWS
			 " /root/.aws/moved && stat -c %i /root/.aws/moved",
			 out, sizeof(out)),
		0, "%s", out);
	cr_assert_eq(sscanf(out, "%llu", &ino), 1);
	cr_assert_eq(ino, tok.ino, "rename changed the inode");
	cr_assert_eq(bs_it_sh(&T, "rm /root/.aws/moved", out, sizeof(out)), 0,
		     "%s", out);
}

Test(inject_ocihook, two_containers_differ, .init = setup, .fini = teardown)
{
	struct bs_token a, b;
	int rc;

	bs_it_start(&T, &rc);
	cr_assert(bs_it_find(&T, SA, &a));
	bs_it_stop(&T);
	cr_assert_eq(bs_it_bundle(&T, "staging"), 0);
	cr_assert_eq(bs_it_run(&T, &rc), 0);
	cr_assert(bs_it_find(&T, SA, &b));
	cr_assert(memcmp(a.digest, b.digest, sizeof(a.digest)));
	cr_assert_str_eq(b.ns, "staging");
	check_token(SA);
}

/* A hostile image links the token's directory to the host-looking /etc:
 * the hook must not follow it, the container must still start. */
Test(inject_ocihook, planted_symlink_in_image, .init = setup, .fini = teardown)
{
	char p[700], out[256];
	struct bs_token tok;
	struct stat st;
	int rc;

	bs_it_prepare(&T);
	snprintf(p, sizeof(p), "%s/root/.aws", T.run.rootfs);
	cr_assert_eq(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/root/.aws/credentials", T.run.rootfs);
	cr_assert_eq(symlink("/etc/beesting-victim", p), 0);
	cr_assert_eq(bs_it_run(&T, &rc), 0, "container did not start");
	cr_assert_eq(rc, 0);
	cr_assert_eq(T.ctx.n_failed, 1);
	cr_assert_not(bs_it_find(&T, AWS, &tok), "planted file armed");
	cr_assert_neq(stat("/etc/beesting-victim", &st), 0);
	snprintf(p, sizeof(p), "%s/etc/beesting-victim", T.run.rootfs);
	cr_assert_neq(stat(p, &st), 0);
	/* The other token is fine. */
	check_token(SA);
	cr_assert_eq(bs_it_sh(&T, "true", out, sizeof(out)), 0);
}

Test(inject_ocihook, state_dir_unusable_fails_open, .init = setup,
     .fini = teardown)
{
	char out[256];
	int fd, rc;

	bs_it_need_runc(&T);
	fd = open(T.cfg.state_dir, O_WRONLY | O_CREAT | O_EXCL, 0600);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(bs_it_init(&T), 0);
	cr_assert_eq(bs_it_bundle(&T, "prod"), 0);
	cr_assert_eq(bs_it_run(&T, &rc), 0);
	cr_assert_eq(rc, 0);
	cr_assert_eq(T.ctx.n_failed, 1);
	cr_assert_eq(T.adj.n_hooks, 0);
	cr_assert_neq(bs_it_sh(&T, "cat " AWS, out, sizeof(out)), 0);
}

Test(inject_ocihook, sync_restats_running_container, .init = setup,
     .fini = teardown)
{
	struct bs_token before, after;
	struct bs_container c;
	int rc;

	bs_it_start(&T, &rc);
	cr_assert(bs_it_find(&T, AWS, &before));
	bs_token_store_free(T.ctx.store);
	T.ctx.store = bs_token_store_new(64);
	c = T.ctr;
	cr_assert_eq(bs_inject_sync(&T.ctx, &T.pod, 1, &c, 1), 0);
	cr_assert_eq(bs_token_store_count(T.ctx.store), 2);
	cr_assert(bs_it_find(&T, AWS, &after));
	cr_assert(after.have_inode);
	cr_assert_eq(after.ino, before.ino);
	cr_assert_eq(after.dev, before.dev);
	cr_assert_eq(memcmp(after.digest, before.digest, 32), 0);
	cr_assert_str_eq(after.pod, "web-7f9c");
}
