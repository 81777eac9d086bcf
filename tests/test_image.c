// SPDX-License-Identifier: Apache-2.0
/*
 * The agent image archive (`make image`, kind/image.py), checked without
 * Docker or containerd: deterministic, its OCI index/manifest/config/layer
 * digests and sizes agree (kind/check.py image), and the agent runs from
 * the unpacked layer alone under real runc (so every library it links and
 * the ELF interpreter are in it).  Run from the repository root.
 */
#include <criterion/criterion.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/runtime/runc.h"
#include "lib/cmd.h"
#include "lib/fs.h"
#include "tests/support/shell.h"

#define PY "/usr/bin/python3"

static char build[1024];
static char dir[] = "/tmp/bs-image-XXXXXX";
static char tar_path[sizeof(dir) + 16];

static void setup(void)
{
	char exe[PATH_MAX], out[2048];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (access("kind/image.py", R_OK))
		cr_skip_test("kind/image.py not found: run from the repo root");
	if (access(PY, X_OK))
		cr_skip_test(PY " not installed");
	cr_assert_gt(n, 0);
	exe[n] = '\0';
	/* this binary is $(BUILD)/tests/test_image */
	snprintf(build, sizeof(build), "%s", dirname(dirname(exe)));
	for (const char *b = "beesting\0beesting-hook\0beesting-attack\0"; *b;
	     b += strlen(b) + 1) {
		snprintf(exe, sizeof(exe), "%s/%s", build, b);
		if (access(exe, X_OK))
			cr_skip_test("%s not built (make BUILD=%s)", exe,
				     build);
	}
	strcpy(dir, "/tmp/bs-image-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(tar_path, sizeof(tar_path), "%s/a.tar", dir);
	cr_assert_eq(bs_test_sh(out, sizeof(out),
				PY " kind/image.py %s %s 2>&1", build,
				tar_path),
		     0, "image.py: %s", out);
}

static void teardown(void)
{
	if (dir[sizeof(dir) - 2] != 'X')
		bs_rm_rf(dir);
}

Test(image, deterministic, .init = setup, .fini = teardown)
{
	char out[2048];

	cr_assert_eq(bs_test_sh(out, sizeof(out),
				PY
				" kind/image.py %s %s/b.tar >/dev/null 2>&1 && "
				"cmp %s %s/b.tar 2>&1",
				build, dir, tar_path, dir),
		     0, "two builds differ: %s", out);
}

Test(image, digests_sizes_and_binaries, .init = setup, .fini = teardown)
{
	char out[4096];
	int st;

	st = bs_test_sh(out, sizeof(out), PY " kind/check.py image %s 2>&1",
			tar_path);
	cr_expect_eq(st, 0, "check.py image:\n%s", out);
	/* the checker notices another name ... */
	st = bs_test_sh(out, sizeof(out),
			PY " kind/check.py image %s other:1 2>&1", tar_path);
	cr_expect_eq(st, 1, "wrong ref accepted: %s", out);
	/* ... and a layer that is not the one the manifest names */
	bs_expect_sh(
		1, "layer digest", out, sizeof(out),
		"cd %s && mkdir x && cd x && tar xf ../a.tar && "
		"for f in blobs/sha256/*; do [ $(stat -c %%s $f) -gt 100000 ] "
		"&& echo >> $f; done; tar cf ../bad.tar * && cd .. && " PY
		" %s/kind/check.py image bad.tar 2>&1",
		dir, getcwd((char[PATH_MAX]){ 0 }, PATH_MAX));
}

Test(image, ref_selects_the_name, .init = setup, .fini = teardown)
{
	char out[4096];

	cr_assert_eq(bs_test_sh(out, sizeof(out),
				PY " kind/image.py %s %s/r.tar "
				   "reg.example:5000/bs/agent:v2 "
				   ">/dev/null 2>&1 && " PY
				   " kind/check.py image %s/r.tar "
				   "reg.example:5000/bs/agent:v2 2>&1",
				build, dir, dir),
		     0, "%s", out);
}

/* Unpack the layer into an empty rootfs and run argv there with runc. */
static void run_in_image(const char *const *argv, const char *want)
{
	struct bs_runc c;
	char out[8192], layer[256];
	int st, err;

	if (!bs_runc_available())
		cr_skip_test("runc or busybox-static not installed");
	cr_assert_eq(
		bs_test_sh(layer, sizeof(layer),
			   "tar -xOf %s manifest.json | " PY
			   " -c 'import json,sys; print(json.load(sys.stdin)[0]"
			   "[\"Layers\"][0], end=\"\")'",
			   tar_path),
		0);
	cr_assert_eq(bs_runc_bundle(&c, dir, argv), 0);
	/* nothing but the image: the test rootfs's busybox goes */
	cr_assert_eq(bs_rm_rf(c.rootfs), 0);
	cr_assert_eq(mkdir(c.rootfs, 0755), 0);
	cr_assert_eq(bs_test_sh(out, sizeof(out),
				"tar -xOf %s %s | tar -x -C %s 2>&1", tar_path,
				layer, c.rootfs),
		     0, "unpack: %s", out);
	{
		const char *run[] = { "runc",	  "--root", c.state, "run",
				      "--bundle", c.bundle, c.id,    NULL };

		err = bs_cmd_run(run, BS_RUNC_TIMEOUT_MS, out, sizeof(out),
				 &st);
	}
	bs_runc_cleanup(&c);
	cr_assert_eq(err, 0, "runc run: %s", strerror(-err));
	cr_expect_eq(st, 0, "%s exit %d:\n%s", argv[0], st, out);
	cr_expect_not_null(strstr(out, want), "%s", out);
}

Test(image, agent_runs_from_image_rootfs, .init = setup, .fini = teardown)
{
	const char *argv[] = { "/usr/local/bin/beesting", "--help", NULL };

	run_in_image(argv, "--inject");
}

Test(image, attack_tool_and_copy_applet, .init = setup, .fini = teardown)
{
	/* what the victims' init container does */
	const char *argv[] = { "/bin/sh", "-c",
			       "cp /usr/local/bin/beesting-attack /tmp/ && "
			       "/tmp/beesting-attack --list",
			       NULL };

	run_in_image(argv, "alert");
}
