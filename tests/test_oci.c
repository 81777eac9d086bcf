// SPDX-License-Identifier: Apache-2.0
/* bs_adjust -> OCI config.json, as containerd applies NRI adjustments. */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness/runtime/oci.h"
#include "harness/runtime/runc.h"

static const char *base =
	"{\"ociVersion\":\"1.0.2\",\"process\":{\"env\":[\"PATH=/"
	"bin\",\"A=1\"]},"
	"\"mounts\":[{\"destination\":\"/"
	"proc\",\"type\":\"proc\",\"source\":\"proc\"},"
	"{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"shm\"},"
	"{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\"},"
	"{\"destination\":\"/etc/hosts\",\"type\":\"bind\",\"source\":\"/"
	"x\"}]}";

static const char *dest(json_t *cfg, size_t i)
{
	return json_string_value(json_object_get(
		json_array_get(json_object_get(cfg, "mounts"), i),
		"destination"));
}

Test(oci, mounts_replaced_and_sorted)
{
	const char *ro[] = { "rbind", "ro", NULL };
	struct bs_adjust a;
	json_t *cfg = json_loads(base, 0, NULL), *m;

	bs_adjust_init(&a);
	cr_assert_eq(bs_adjust_add_mount(&a, "/root/.aws/credentials", "bind",
					 "/s/0", ro),
		     0);
	cr_assert_eq(bs_adjust_add_mount(&a, "/etc/hosts", "bind", "/s/1", ro),
		     0);
	cr_assert_eq(bs_oci_apply(cfg, &a), 0);
	cr_assert_eq(json_array_size(json_object_get(cfg, "mounts")), 5);
	cr_assert_str_eq(dest(cfg, 0), "/dev");
	cr_assert_str_eq(dest(cfg, 1), "/proc");
	cr_assert_str_eq(dest(cfg, 2), "/dev/shm");
	cr_assert_str_eq(dest(cfg, 3), "/etc/hosts");
	cr_assert_str_eq(dest(cfg, 4), "/root/.aws/credentials");
	m = json_array_get(json_object_get(cfg, "mounts"), 3);
	cr_assert_str_eq(json_string_value(json_object_get(m, "source")),
			 "/s/1");
	cr_assert_str_eq(json_string_value(json_array_get(
				 json_object_get(m, "options"), 1)),
			 "ro");
	bs_adjust_free(&a);
	json_decref(cfg);
}

Test(oci, hooks_env_annotations)
{
	const char *args[] = { "beesting-hook", "--path", "/p", NULL };
	struct bs_adjust a;
	json_t *cfg = json_loads(base, 0, NULL), *h, *env;

	bs_adjust_init(&a);
	cr_assert_eq(bs_adjust_add_hook(&a, BS_HOOK_CREATE_CONTAINER, "/h",
					args, NULL, 5),
		     0);
	cr_assert_eq(bs_adjust_add_hook(&a, BS_HOOK_CREATE_CONTAINER, "/h2",
					NULL, NULL, 0),
		     0);
	cr_assert_eq(bs_adjust_add_env(&a, "A", "2"), 0);
	cr_assert_eq(bs_adjust_add_env(&a, "B", "3"), 0);
	cr_assert_eq(
		bs_adjust_add_annotation(&a, "beesting.io/token-id", "1,2"), 0);
	cr_assert_eq(bs_oci_apply(cfg, &a), 0);
	h = json_object_get(json_object_get(cfg, "hooks"), "createContainer");
	cr_assert_eq(json_array_size(h), 2);
	cr_assert_str_eq(json_string_value(
				 json_object_get(json_array_get(h, 0), "path")),
			 "/h");
	cr_assert_eq(
		json_array_size(json_object_get(json_array_get(h, 0), "args")),
		3);
	cr_assert_eq(json_integer_value(
			     json_object_get(json_array_get(h, 0), "timeout")),
		     5);
	cr_assert_str_eq(json_string_value(
				 json_object_get(json_array_get(h, 1), "path")),
			 "/h2");
	env = json_object_get(json_object_get(cfg, "process"), "env");
	cr_assert_eq(json_array_size(env), 3);
	cr_assert_str_eq(json_string_value(json_array_get(env, 1)), "A=2");
	cr_assert_str_eq(json_string_value(json_array_get(env, 2)), "B=3");
	cr_assert_str_eq(json_string_value(json_object_get(
				 json_object_get(cfg, "annotations"),
				 "beesting.io/token-id")),
			 "1,2");
	bs_adjust_free(&a);
	json_decref(cfg);
}

Test(oci, rejects_non_object_and_round_trips_file)
{
	char path[] = "/tmp/bs-oci-XXXXXX";
	struct bs_adjust a;
	json_t *arr = json_array(), *cfg;
	int fd;

	bs_adjust_init(&a);
	cr_assert_eq(bs_oci_apply(arr, &a), -EINVAL);
	json_decref(arr);
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, base, strlen(base)), (ssize_t)strlen(base));
	close(fd);
	cr_assert_eq(bs_adjust_add_annotation(&a, "k", "v"), 0);
	cr_assert_eq(bs_oci_apply_file(path, &a), 0);
	cfg = json_load_file(path, 0, NULL);
	cr_assert(cfg);
	cr_assert_str_eq(json_string_value(json_object_get(
				 json_object_get(cfg, "annotations"), "k")),
			 "v");
	json_decref(cfg);
	unlink(path);
	bs_adjust_free(&a);
}

Test(runc_harness, bundle_config_has_no_oom_score_adj)
{
	struct bs_runc r;
	json_t *cfg;

	cr_assert_eq(bs_runc_bundle(&r, NULL, NULL), 0);
	cfg = json_load_file(r.config, 0, NULL);
	cr_assert(cfg);
	cr_assert_null(json_object_get(json_object_get(cfg, "process"),
				       "oomScoreAdj"));
	json_decref(cfg);
	cr_assert_eq(access(r.rootfs, F_OK), 0);
	bs_runc_cleanup(&r);
	cr_assert_neq(access(r.bundle, F_OK), 0);
}

Test(runc_harness, run_exec_delete)
{
	struct bs_runc r;
	char out[256];
	const char *argv[] = { "sh", "-c", "echo hi; exit 3", NULL };
	int st = -1;

	if (geteuid() != 0 || !bs_runc_available())
		cr_skip_test("needs root, runc and busybox-static");
	cr_assert_eq(bs_runc_bundle(&r, NULL, NULL), 0);
	cr_assert_eq(bs_runc_create(&r), 0);
	cr_assert_gt(r.pid, 0);
	cr_assert_eq(bs_runc_start(&r), 0);
	cr_assert_eq(bs_runc_exec(&r, argv, out, sizeof(out), &st), 0);
	cr_assert_eq(st, 3);
	cr_assert_str_eq(out, "hi\n");
	cr_assert_eq(bs_runc_kill(&r, 9), 0);
	bs_runc_cleanup(&r);
	cr_assert_neq(access(r.bundle, F_OK), 0);
}
