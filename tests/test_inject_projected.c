// SPDX-License-Identifier: Apache-2.0
/* "projected" strategy: kubelet-shaped tmpfs token dirs, real runc. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/detect_suite.h"
#include "harness/runtime/oci.h"
#include "lib/fs.h"
#include "strategies/atomic_dir.h"
#include "strategies/tokgen.h"
#include "tests/support/inject_support.h"

#define AWS    "/root/.aws/credentials"
#define SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"
#define SA     SA_DIR "/token"
#define IRSA   "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"

static struct bs_itest T;

static void setup(void)
{
	cr_assert_eq(bs_it_setup(&T, &bs_inject_projected_ops), 0);
}

static void teardown(void)
{
	bs_it_teardown(&T);
}

static void need_root(void)
{
	if (geteuid() != 0)
		cr_skip_test("needs root to mount");
}

/* A "prod" container whose spec already mounts mv (with opts), as a
 * kubelet volume would, and whose NRI view says so; it must start. */
static void run_with_spec_mount(struct bs_mount_view *mv,
				const char *const *opts)
{
	struct bs_adjust spec;
	int rc;

	bs_it_prepare(&T);
	bs_adjust_init(&spec);
	cr_assert_eq(bs_adjust_add_mount(&spec, mv->destination, mv->type,
					 mv->source, opts),
		     0);
	cr_assert_eq(bs_oci_apply_file(T.run.config, &spec), 0);
	bs_adjust_free(&spec);
	T.ctr.mounts = mv;
	T.ctr.n_mounts = 1;
	cr_assert_eq(bs_it_run(&T, &rc), 0, "container did not start");
	cr_assert_eq(rc, 0);
}

/* tmpfs mounts in this (the node's) namespace below the test's dir. */
static int host_mounts(void)
{
	char line[4096], mp[2048], fstype[64];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int n = 0;

	cr_assert(f);
	while (fgets(line, sizeof(line), f)) {
		const char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*s %*s %*s %*s %2047s", mp) != 1 ||
		    sscanf(sep, " - %63s", fstype) != 1)
			continue;
		if (!strncmp(mp, T.dir, strlen(T.dir)) &&
		    !strcmp(fstype, "tmpfs") && !strstr(mp, "/state/tokens"))
			n++;
	}
	fclose(f);
	return n;
}

static const struct bs_adj_mount *adj_mount(const char *dest)
{
	for (size_t i = 0; i < T.adj.n_mounts; i++)
		if (!strcmp(T.adj.mounts[i].destination, dest))
			return &T.adj.mounts[i];
	return NULL;
}

/* The container's mountinfo line for mount point mp, fields split. */
static void ctr_mountinfo(const char *mp, char *root, char *opts, char *fstype,
			  char *source, char *super)
{
	char cmd[300], out[4096], m[512];
	const char *sep;

	snprintf(cmd, sizeof(cmd), "grep ' %s ' /proc/self/mountinfo", mp);
	cr_assert_eq(bs_it_sh(&T, cmd, out, sizeof(out)), 0, "no mount at %s",
		     mp);
	cr_assert_eq(
		sscanf(out, "%*s %*s %*s %511s %511s %511s", root, m, opts), 3,
		"%s", out);
	sep = strstr(out, " - ");
	cr_assert(sep, "%s", out);
	cr_assert_eq(sscanf(sep, " - %63s %63s %511s", fstype, source, super),
		     3, "%s", out);
}

Test(inject_projected, kubelet_layout_in_container, .init = setup,
     .fini = teardown)
{
	char root[512], opts[512], fstype[64], source[64], super[512];
	char out[4096];
	const struct bs_adj_mount *m;
	struct bs_token tok;

	bs_it_start_clean(&T);
	/* /root/.aws is no secrets dir: covering it could hide the image's
	 * files, so that token gets bind's file mount */
	cr_assert_eq(T.ctx.n_fallback, 1);
	cr_assert(adj_mount(AWS), "no file mount for %s", AWS);
	m = adj_mount(SA_DIR);
	cr_assert(m, "no directory mount at %s", SA_DIR);
	cr_assert_null(adj_mount(SA));
	cr_assert_str_eq(m->type, "bind");
	cr_assert_eq(m->n_options, 3);
	cr_assert_str_eq(m->options[0], "rbind");
	cr_assert_str_eq(m->options[1], "rprivate");
	cr_assert_str_eq(m->options[2], "ro");
	cr_assert_eq(host_mounts(), 1);

	bs_it_check_token(&T, SA, 0644, &tok);
	bs_it_check_token(&T, AWS, 0, NULL);
	/* token -> ..data/token, ..data -> ..<UTC ts>.<n>, dir 0755 */
	cr_assert_eq(bs_it_sh(&T, "readlink " SA, out, sizeof(out)), 0);
	cr_assert_str_eq(out, "..data/token\n");
	cr_assert_eq(
		bs_it_sh(&T, "readlink " SA_DIR "/..data", out, sizeof(out)),
		0);
	out[strcspn(out, "\n")] = '\0';
	cr_assert(bs_atomic_ts_valid(out), "..data -> %s", out);
	cr_assert(strstr(tok.host_path, out), "armed %s, not in %s",
		  tok.host_path, out);
	{
		char cmd[300];
		unsigned long long ino = 0;

		snprintf(cmd, sizeof(cmd),
			 "stat -c '%%a %%i' " SA_DIR
			 "/%.40s; stat -c %%a " SA_DIR "/%.40s/token",
			 out, out);
		cr_assert_eq(bs_it_sh(&T, cmd, out, sizeof(out)), 0, "%s", out);
		cr_assert_eq(sscanf(out, "755 %llu\n644\n", &ino), 1, "%s",
			     out);
	}
	/* the mountinfo line a kubelet projected volume has */
	ctr_mountinfo(SA_DIR, root, opts, fstype, source, super);
	/* private, as containerd makes a volume: no peer group to show */
	cr_assert_neq(bs_it_sh(&T,
			       "grep ' " SA_DIR " ' /proc/self/mountinfo | "
			       "grep -q -e shared: -e master:",
			       out, sizeof(out)),
		      0, "propagation tag on the token dir");
	cr_assert_str_eq(root, "/");
	cr_assert_str_eq(fstype, "tmpfs");
	cr_assert_str_eq(source, "tmpfs");
	cr_assert_eq(strncmp(opts, "ro,", 3), 0, "%s", opts);
	cr_assert_null(strstr(opts, "noexec"), "%s", opts);
	cr_assert_eq(strncmp(super, "rw,size=", 8), 0, "%s", super);
	cr_assert_null(strstr(super, "nr_inodes"), "%s", super);
	/* nothing in the projected line names the agent or its state dir */
	cr_assert_neq(bs_it_sh(&T,
			       "grep ' " SA_DIR
			       " ' /proc/self/mountinfo | grep -q -e beesting "
			       "-e state -e projected",
			       out, sizeof(out)),
		      0);
	cr_assert_neq(bs_it_sh(&T, "echo x > " SA_DIR "/new", out, sizeof(out)),
		      0, "token dir writable");
}

/* The kubelet's service-account volume holds ca.crt, namespace and token
 * in one snapshot; EKS's serviceaccount dir only token. */
Test(inject_projected, sa_dir_holds_ca_and_namespace, .init = setup,
     .fini = teardown)
{
	char out[4096], cmd[600], pem[] = "/tmp/bs-ca-XXXXXX";
	int rc, fd;

	bs_it_need_runc(&T);
	cr_assert_eq(bs_it_init(&T), 0);
	snprintf(T.cfg.tokens[0].path, sizeof(T.cfg.tokens[0].path), IRSA);
	snprintf(T.cfg.tokens[0].template_name,
		 sizeof(T.cfg.tokens[0].template_name), "eks-irsa");
	cr_assert_eq(bs_it_bundle(&T, "prod"), 0);
	cr_assert_eq(bs_it_run(&T, &rc), 0);
	cr_assert_eq(rc, 0);
	cr_assert_eq(bs_it_sh(&T,
			      "cd " SA_DIR " && ls -A && readlink ca.crt && "
			      "readlink namespace && cat namespace",
			      out, sizeof(out)),
		     0, "%s", out);
	cr_assert(strstr(out, "..data\nca.crt\nnamespace\ntoken\n"), "%s", out);
	cr_assert(strstr(out, "..data/ca.crt\n..data/namespace\nprod"), "%s",
		  out);
	/* EKS's dir: token only */
	cr_assert_eq(bs_it_sh(&T,
			      "ls -A /var/run/secrets/eks.amazonaws.com/"
			      "serviceaccount",
			      out, sizeof(out)),
		     0, "%s", out);
	cr_assert_eq(strncmp(out, "..", 2), 0, "%s", out);
	cr_assert(strstr(out, "..data\ntoken\n"), "%s", out);
	cr_assert_null(strstr(out, "ca.crt"), "%s", out);
	/* the CA parses as an X.509 CA certificate named kubernetes */
	cr_assert_eq(bs_it_sh(&T, "cat " SA_DIR "/ca.crt", out, sizeof(out)),
		     0);
	fd = mkstemp(pem);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, out, strlen(out)), (ssize_t)strlen(out));
	close(fd);
	if (access("/usr/bin/openssl", X_OK) == 0) {
		snprintf(cmd, sizeof(cmd),
			 "openssl x509 -in %s -noout -subject -ext "
			 "basicConstraints 2>&1 | tr -d ' ' | grep -q "
			 "'CA:TRUE' && openssl x509 -in %s -noout -subject | "
			 "grep -q 'CN.*=.*kubernetes'",
			 pem, pem);
		cr_expect_eq(system(cmd), 0, "not an X.509 CA: %s", out);
	}
	unlink(pem);
}

/* A spec mount at the token's directory (a real projected volume), below
 * it or above it: no directory mount, bind's file mount, counted. */
Test(inject_projected, spec_mount_collision_falls_back, .init = setup,
     .fini = teardown)
{
	static const char *const tmpfs_opts[] = { "nosuid", "nodev", NULL };
	struct bs_mount_view mv = { .destination = SA_DIR,
				    .type = "tmpfs",
				    .source = "tmpfs" };
	const struct bs_adj_mount *m;

	run_with_spec_mount(&mv, tmpfs_opts);
	cr_assert_eq(T.ctx.n_fallback, 2);
	cr_assert_null(adj_mount(SA_DIR));
	m = adj_mount(SA);
	cr_assert(m, "no file mount for %s", SA);
	cr_assert_eq(host_mounts(), 0);
	bs_it_check_token(&T, SA, 0, NULL);
}

/* A spec mount at exactly the token path (the workload's own token
 * volume, a subPath mount): that token is left out, said and counted;
 * the container starts with the others. */
Test(inject_projected, spec_mount_at_token_path_skipped_counted, .init = setup,
     .fini = teardown)
{
	struct bs_mount_view mv = { .destination = SA,
				    .type = "bind",
				    .source = "/etc/hostname" };
	static const char *const opts[] = { "rbind", "ro", NULL };
	struct bs_token t;
	char out[256];

	run_with_spec_mount(&mv, opts);
	cr_assert_eq(T.ctx.n_spec_mount_skipped, 1);
	cr_assert_eq(T.ctx.n_failed, 0);
	cr_assert_null(adj_mount(SA), "a mount over the spec's own at %s", SA);
	cr_assert_null(adj_mount(SA_DIR), "a dir mount over the spec's");
	cr_assert_eq(bs_it_find(&T, SA, &t), 0, "a record for %s", SA);
	bs_it_check_token(&T, AWS, 0, NULL);
	/* the workload's own file is still what it sees there */
	cr_assert_eq(bs_it_sh(&T, "cat " SA, out, sizeof(out)), 0);
	cr_assert_null(strstr(out, "eyJ"), "%s", out);
}

/* A hostile beesting.io/token-path: refused, said and counted; the
 * container starts with the configured tokens. */
Test(inject_projected, hostile_annotation_refused_counted, .init = setup,
     .fini = teardown)
{
	static const char *const bad[] = { "/run/secrets/../../etc/shadow",
					   "relative/token", "/etc/passwd",
					   "/run/secrets//x" };
	int rc;

	bs_it_prepare(&T);
	bs_it_annotate(&T, "beesting.io/token-path", bad[0]);
	cr_assert_eq(bs_it_run(&T, &rc), 0, "container did not start");
	cr_assert_eq(rc, 0);
	cr_assert_eq(T.ctx.n_annotation_refused, 1);
	cr_assert_eq(T.ctx.n_failed, 0);
	bs_it_check_token(&T, SA, 0644, NULL);
	for (size_t i = 0; i < T.adj.n_mounts; i++)
		cr_assert_null(strstr(T.adj.mounts[i].destination, "/etc"),
			       "%s", T.adj.mounts[i].destination);
	/* the others are refused alike, without a container */
	bs_it_stop(&T);
	for (size_t i = 1; i < sizeof(bad) / sizeof(bad[0]); i++) {
		T.ctr.id = "plan-only-0123";
		T.n_ann = 0;
		bs_it_annotate(&T, "beesting.io/token-path", bad[i]);
		bs_adjust_reset(&T.adj);
		cr_assert_eq(bs_inject_create(&T.ctx, &T.pod, &T.ctr, &T.adj),
			     0);
		cr_assert_eq(bs_inject_remove(&T.ctx, &T.ctr), 0);
	}
	cr_assert_eq(T.ctx.n_annotation_refused, 4);
}

/* Create only (no container): which paths get a directory mount. */
static size_t dir_mounts_for(const char *mount_dest, const char *ann)
{
	struct bs_mount_view mv = { .destination = mount_dest };
	size_t n = 0;

	T.ctr.id = "plan-only-0123";
	T.ctr.pod_id = "pod-1";
	T.ctr.mounts = mount_dest ? &mv : NULL;
	T.ctr.n_mounts = mount_dest ? 1 : 0;
	T.n_ann = 0;
	if (ann)
		bs_it_annotate(&T, "beesting.io/token-path", ann);
	bs_adjust_reset(&T.adj);
	cr_assert_eq(bs_inject_create(&T.ctx, &T.pod, &T.ctr, &T.adj), 0);
	for (size_t i = 0; i < T.adj.n_mounts; i++)
		n += strstr(T.adj.mounts[i].source, "/projected/") != NULL;
	cr_assert_eq(bs_inject_remove(&T.ctx, &T.ctr), 0);
	T.ctr.mounts = NULL;
	T.ctr.n_mounts = 0;
	return n;
}

Test(inject_projected, which_dirs_are_covered, .init = setup, .fini = teardown)
{
	need_root();
	cr_assert_eq(bs_it_init(&T), 0);
	T.pod.ns = "prod";
	cr_assert_eq(dir_mounts_for(NULL, NULL), 1);
	cr_assert_eq(dir_mounts_for(SA_DIR, NULL), 0, "at the dir");
	cr_assert_eq(dir_mounts_for(SA_DIR "/sub", NULL), 0, "below the dir");
	cr_assert_eq(dir_mounts_for("/var/run/secrets", NULL), 0, "above");
	cr_assert_eq(
		dir_mounts_for("/var/run/secrets/kubernetes.io/serviceaccountx",
			       NULL),
		1, "a sibling is no collision");
	/* annotation paths: a reserved name, a dir that is a secrets root */
	cr_assert_eq(dir_mounts_for(NULL, "/run/secrets/db/..data"), 1);
	cr_assert_eq(dir_mounts_for(NULL, "/run/secrets/password"), 1);
	/* a hostile annotation path is refused before any of this */
	cr_assert_eq(dir_mounts_for(NULL, "/run/secrets/../../etc/x"), 1);
	cr_assert_eq(dir_mounts_for(NULL, "/run/secrets/db/password"), 2);
	cr_assert_eq(host_mounts(), 0, "remove left a mount");
}

/* The image has a file or a link at the token path: the directory mount
 * covers it; the token is ours, the host's file untouched. */
Test(inject_projected, image_file_or_link_covered, .init = setup,
     .fini = teardown)
{
	char p[700], out[256];
	struct stat before, after;
	int rc;

	bs_it_prepare(&T);
	snprintf(p, sizeof(p), "%s" SA_DIR, T.run.rootfs);
	cr_assert_eq(bs_mkdir_p(p, 0755), 0);
	snprintf(p, sizeof(p), "%s" SA, T.run.rootfs);
	cr_assert_eq(symlink("/etc/passwd", p), 0);
	cr_assert_eq(stat("/etc/passwd", &before), 0);
	cr_assert_eq(bs_it_run(&T, &rc), 0, "container did not start");
	bs_it_check_token(&T, SA, 0644, NULL);
	cr_assert_eq(stat("/etc/passwd", &after), 0);
	cr_assert_eq(before.st_mtime, after.st_mtime);
	cr_assert_eq(before.st_size, after.st_size);
	cr_assert_eq(bs_it_sh(&T, "true", out, sizeof(out)), 0);
}

Test(inject_projected, remove_unmounts, .init = setup, .fini = teardown)
{
	char p[700], id[128];
	struct stat st;
	int rc;

	bs_it_start(&T, &rc);
	cr_assert_eq(host_mounts(), 1);
	snprintf(id, sizeof(id), "%s", T.ctr.id);
	bs_it_stop(&T); /* clears T.run, which T.ctr.id points into */
	T.ctr.id = id;
	cr_assert_eq(bs_inject_remove(&T.ctx, &T.ctr), 0);
	cr_assert_eq(host_mounts(), 0, "tmpfs left after remove");
	snprintf(p, sizeof(p), "%s/projected/%s", T.cfg.state_dir, T.ctr.id);
	cr_assert_neq(stat(p, &st), 0, "%s left", p);
	cr_assert_eq(bs_token_store_count(T.ctx.store), 0);
}

/* 200 create/remove cycles (NRI only; the mounts are the same): no mount,
 * directory or record left. */
Test(inject_projected, churn_leaves_nothing, .init = setup, .fini = teardown)
{
	char id[64], p[700];
	struct dirent *de;
	DIR *d;
	int left = 0;

	need_root();
	cr_assert_eq(bs_it_init(&T), 0);
	T.pod.ns = "prod";
	T.pod.id = "pod-1";
	for (int i = 0; i < 200; i++) {
		snprintf(id, sizeof(id), "churn-%04d", i);
		T.ctr.id = id;
		T.ctr.pod_id = "pod-1";
		bs_adjust_reset(&T.adj);
		cr_assert_eq(bs_inject_create(&T.ctx, &T.pod, &T.ctr, &T.adj),
			     0);
		if (i % 50 == 0)
			cr_assert_eq(host_mounts(), 1, "cycle %d", i);
		cr_assert_eq(bs_inject_remove(&T.ctx, &T.ctr), 0);
	}
	cr_assert_eq(T.ctx.n_injected, 200);
	cr_assert_eq(host_mounts(), 0);
	cr_assert_eq(bs_token_store_count(T.ctx.store), 0);
	snprintf(p, sizeof(p), "%s/projected", T.cfg.state_dir);
	d = opendir(p);
	cr_assert(d);
	while ((de = readdir(d)))
		left += de->d_name[0] != '.';
	closedir(d);
	cr_assert_eq(left, 0);
}

/* Agent restart: the running container's tokens are adopted (same inode,
 * in its tmpfs), the tmpfs of a container that is gone is removed. */
Test(inject_projected, sync_adopts_and_prunes, .init = setup, .fini = teardown)
{
	struct bs_token before, after;
	struct bs_container c, gone;
	int rc;

	bs_it_start(&T, &rc);
	cr_assert(bs_it_find(&T, SA, &before));
	c = T.ctr;
	gone = T.ctr;
	gone.id = "gone-container-1";
	bs_adjust_reset(&T.adj);
	cr_assert_eq(bs_inject_create(&T.ctx, &T.pod, &gone, &T.adj), 0);
	cr_assert_eq(host_mounts(), 2);
	/* restart: records lost, mounts and state stay */
	bs_token_store_free(T.ctx.store);
	T.ctx.store = bs_token_store_new(64);
	bs_inject_fini(&T.ctx);
	cr_assert_eq(bs_inject_init(&T.ctx, T.ops), 0);
	cr_assert_eq(bs_inject_sync(&T.ctx, &T.pod, 1, &c, 1), 0);
	cr_assert_eq(host_mounts(), 1, "the gone container's tmpfs stayed");
	cr_assert_eq(bs_token_store_count(T.ctx.store), 2);
	cr_assert(bs_it_find(&T, SA, &after));
	cr_assert(after.have_inode);
	cr_assert_eq(after.ino, before.ino);
	cr_assert_eq(after.dev, before.dev);
	cr_assert_str_eq(after.host_path, before.host_path);
	bs_it_check_token(&T, SA, 0644, NULL);
	bs_it_check_token(&T, AWS, 0, NULL);
}

static bool adj_env(const char *key, char *val, size_t cap)
{
	for (size_t i = 0; i < T.adj.n_env; i++)
		if (!strcmp(T.adj.env[i].key, key)) {
			snprintf(val, cap, "%s", T.adj.env[i].value);
			return true;
		}
	return false;
}

static void irsa_config(void)
{
	snprintf(T.cfg.tokens[0].path, sizeof(T.cfg.tokens[0].path), IRSA);
	snprintf(T.cfg.tokens[0].template_name,
		 sizeof(T.cfg.tokens[0].template_name), "eks-irsa");
	T.cfg.n_tokens = 1;
}

/* An eks-irsa fixture and a container id in namespace prod, no runc. */
static void irsa_ctr(const char *id)
{
	need_root();
	irsa_config();
	cr_assert_eq(bs_it_init(&T), 0);
	T.pod.ns = "prod";
	T.ctr.id = id;
	T.ctr.pod_id = "pod-1";
}

/* eks-irsa: the token plus the env a pod identity webhook adds. */
Test(inject_projected, irsa_token_and_env, .init = setup, .fini = teardown)
{
	const struct bs_aws_cluster *cl = bs_aws_cluster();
	char out[4096], want[200];
	int rc;

	bs_it_need_runc(&T);
	irsa_config();
	cr_assert_eq(bs_it_init(&T), 0);
	cr_assert_eq(bs_it_bundle(&T, "prod"), 0);
	cr_assert_eq(bs_it_run(&T, &rc), 0);
	cr_assert_eq(T.adj.n_env, 5);
	cr_assert(adj_env("AWS_WEB_IDENTITY_TOKEN_FILE", out, sizeof(out)));
	cr_assert_str_eq(out, IRSA);
	cr_assert(
		adj_mount("/var/run/secrets/eks.amazonaws.com/serviceaccount"));
	bs_it_check_token(&T, IRSA, 0644, NULL);
	cr_assert_eq(bs_it_sh(&T,
			      "echo $AWS_ROLE_ARN $AWS_WEB_IDENTITY_TOKEN_FILE "
			      "$AWS_REGION $AWS_DEFAULT_REGION "
			      "$AWS_STS_REGIONAL_ENDPOINTS",
			      out, sizeof(out)),
		     0);
	snprintf(want, sizeof(want),
		 "arn:aws:iam::%s:role/prod-default-role " IRSA
		 " %s %s regional\n",
		 cl->account, cl->region, cl->region);
	cr_assert_str_eq(out, want);
	cr_assert_eq(T.ctx.n_irsa_skipped, 0);
}

/* A real IRSA pod: its own token and env stay; counted. */
Test(inject_projected, real_irsa_pod_left_alone, .init = setup,
     .fini = teardown)
{
	static const char *const env[] = {
		"PATH=/bin", "AWS_ROLE_ARN=arn:aws:iam::111122223333:role/x"
	};
	char v[64];

	irsa_ctr("irsa-real-1");
	T.ctr.env = env;
	T.ctr.n_env = 2;
	cr_assert_eq(bs_inject_create(&T.ctx, &T.pod, &T.ctr, &T.adj), 0);
	cr_assert_eq(T.ctx.n_irsa_skipped, 1);
	cr_assert_eq(T.adj.n_env, 0);
	cr_assert_eq(T.adj.n_mounts, 0);
	cr_assert_eq(bs_token_store_count(T.ctx.store), 0);
	/* only a region of its own: token planted, no env over it */
	{
		static const char *const env2[] = { "AWS_REGION=eu-west-3" };

		T.ctr.id = "region-only-1";
		T.ctr.env = env2;
		T.ctr.n_env = 1;
		bs_adjust_reset(&T.adj);
		cr_assert_eq(bs_inject_create(&T.ctx, &T.pod, &T.ctr, &T.adj),
			     0);
		cr_assert_eq(T.ctx.n_irsa_skipped, 1);
		cr_assert_not(adj_env("AWS_ROLE_ARN", v, sizeof(v)));
		cr_assert_eq(bs_token_store_count(T.ctx.store), 1);
		cr_assert_eq(bs_inject_remove(&T.ctx, &T.ctr), 0);
	}
}

/* Detection follows the layout: the armed inode is the file in the
 * timestamped dir, reached through token -> ..data/token. */
static void detect_through_links(const char *detect, const char *reader)
{
	static struct bs_dtest d;
	struct bs_token tok;
	char cmd[300], out[4096];
	const char *paths[] = { SA, SA_DIR "/..data/token" };
	int rc, err;

	bs_it_start(&T, &rc);
	cr_assert(bs_it_find(&T, SA, &tok));
	memset(&d, 0, sizeof(d));
	err = bs_dtest_start(&d, detect, BS_ATTACH_AUTO, (uint32_t)getpid(), 0);
	if (err)
		cr_skip_test("%s detection does not start here: %s", detect,
			     strerror(-err));
	d.tok = tok;
	cr_assert_eq(bs_dtest_arm(&d), 0);
	for (size_t i = 0; i < 2; i++) {
		d.n_evs = 0;
		snprintf(cmd, sizeof(cmd), reader, paths[i]);
		cr_assert_eq(bs_it_sh(&T, cmd, out, sizeof(out)), 0, "%s", out);
		cr_expect(bs_dtest_wait(&d, 3000, 0), "%s: no alert for %s",
			  detect, paths[i]);
	}
	bs_dtest_stop(&d);
}

Test(inject_projected, open_alerts_through_links, .init = setup,
     .fini = teardown)
{
	detect_through_links("open", "cat %s >/dev/null");
}

/* dd: busybox cat copies with sendfile, which readscan cannot see */
Test(inject_projected, readscan_alerts_through_links, .init = setup,
     .fini = teardown)
{
	detect_through_links("readscan",
			     "dd if=%s of=/dev/null bs=4096 2>/dev/null");
}

/* A failure after the tmpfs is attached (here: no room for the IRSA env)
 * fails open and takes the mounts with the records. */
Test(inject_projected, late_failure_unmounts, .init = setup, .fini = teardown)
{
	char k[16];

	irsa_ctr("late-fail-1");
	for (int i = 0; i < BS_ADJ_MAX_ITEMS - 2; i++) {
		snprintf(k, sizeof(k), "K%d", i);
		cr_assert_eq(bs_adjust_add_env(&T.adj, k, "v"), 0);
	}
	cr_assert_eq(bs_inject_create(&T.ctx, &T.pod, &T.ctr, &T.adj), 0);
	cr_assert_eq(T.ctx.n_failed, 1);
	cr_assert(bs_adjust_is_empty(&T.adj));
	cr_assert_eq(bs_token_store_count(T.ctx.store), 0);
	cr_assert_eq(host_mounts(), 0, "tmpfs left after a failed create");
}

/* The image links a directory of the token path to an absolute host-ish
 * path: runc resolves the mount point inside the rootfs, the container
 * starts, the token is reachable, the host's directory is untouched. */
Test(inject_projected, image_dir_link_stays_in_rootfs, .init = setup,
     .fini = teardown)
{
	char p[700], out[256];
	struct stat st;
	int rc;

	bs_it_prepare(&T);
	snprintf(p, sizeof(p), "%s/var/run/secrets", T.run.rootfs);
	cr_assert_eq(bs_mkdir_p(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/var/run/secrets/kubernetes.io",
		 T.run.rootfs);
	cr_assert_eq(symlink("/etc/bs-projected-victim", p), 0);
	cr_assert_eq(bs_it_run(&T, &rc), 0, "container did not start");
	cr_assert_eq(rc, 0);
	bs_it_check_token(&T, SA, 0644, NULL);
	cr_assert_neq(stat("/etc/bs-projected-victim", &st), 0,
		      "mount point made on the host");
	cr_assert_eq(bs_it_sh(&T, "true", out, sizeof(out)), 0);
}
