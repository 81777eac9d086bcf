// SPDX-License-Identifier: Apache-2.0
/* Criterion checks shared by the injection suites (only they link this). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tests/support/inject_support.h"

void bs_it_need_runc(struct bs_itest *t)
{
	if (geteuid() != 0 || !bs_runc_available())
		cr_skip_test("needs root, runc and busybox-static");
	if (t->ops == &bs_inject_ocihook_ops && access(t->cfg.hook_src, X_OK))
		cr_skip_test("hook binary %s not built", t->cfg.hook_src);
}

void bs_it_prepare(struct bs_itest *t)
{
	bs_it_need_runc(t);
	cr_assert_eq(bs_it_init(t), 0);
	cr_assert_eq(bs_it_bundle(t, "prod"), 0);
}

void bs_it_start(struct bs_itest *t, int *create_rc)
{
	bs_it_prepare(t);
	cr_assert_eq(bs_it_run(t, create_rc), 0);
}

void bs_it_start_clean(struct bs_itest *t)
{
	int rc;

	bs_it_start(t, &rc);
	cr_assert_eq(rc, 0, "create: %d", rc);
	cr_assert_eq(t->ctx.n_injected, 1);
	cr_assert_eq(t->ctx.n_failed, 0);
}

void bs_it_check_token(struct bs_itest *t, const char *path, unsigned int mode,
		       struct bs_token *out)
{
	struct bs_token tok;
	char cmd[600], out_sh[8192], want[16];
	unsigned long long udev = 0, ino = 0;

	cr_assert(bs_it_find(t, path, &tok), "no record for %s", path);
	cr_assert(tok.have_inode, "inode of %s not learnt at post-create",
		  path);
	snprintf(cmd, sizeof(cmd), "cat %s", path);
	cr_assert_eq(bs_it_sh(t, cmd, out_sh, sizeof(out_sh)), 0, "%s", out_sh);
	cr_assert_eq(strlen(out_sh), tok.content_len);
	cr_assert_eq(memcmp(out_sh, tok.content, tok.content_len), 0);
	/* -L: a projected token is a link to the real file */
	snprintf(cmd, sizeof(cmd), "stat -L -c '%%d %%i %%a' %s", path);
	cr_assert_eq(bs_it_sh(t, cmd, out_sh, sizeof(out_sh)), 0, "%s", out_sh);
	cr_assert_eq(sscanf(out_sh, "%llu %llu", &udev, &ino), 2);
	cr_assert_eq(bs_dev_to_kernel(udev), tok.dev);
	cr_assert_eq(ino, tok.ino);
	if (mode) {
		snprintf(want, sizeof(want), " %o", mode);
		cr_assert(strstr(out_sh, want), "mode: %s", out_sh);
	}
	if (!t->token_writable) {
		snprintf(cmd, sizeof(cmd), "echo x >> %s", path);
		cr_assert_neq(bs_it_sh(t, cmd, out_sh, sizeof(out_sh)), 0,
			      "token writable from the container");
	}
	if (out)
		*out = tok;
}
