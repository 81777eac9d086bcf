// SPDX-License-Identifier: Apache-2.0
/*
 * The recon (beesting-attack recon) in real runc containers: on a volume
 * built as the kubelet builds one it must see no tell; on a token the bind
 * strategy planted from a disk state dir it must see the identity,
 * single-file, disk and layout tells; bad content (expired or garbage JWT,
 * a JWT for another pod, canary and zero-account AWS keys) must show as
 * content tells on an otherwise kubelet-like volume.  Plus the content
 * shapes themselves and docs/strategies.md's tell table.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/hook_json.h"
#include "harness/runtime/kubelet_volume.h"
#include "harness/runtime/runc.h"
#include "harness/attack/tells.h"
#include "harness/attack/token_shape.h"
#include "lib/fs.h"
#include "tests/support/inject_support.h"
#include "tests/support/doc_block.h"

#define OUT_CAP	    8192
#define TOOL_IN_CTR "/beesting-attack"
#define POD	    "web-7f9c"
#define DOC	    "docs/strategies.md"
#define BEGIN	    "<!-- tells:begin -->\n"
#define END	    "<!-- tells:end -->"
#define CANARY_KEY  "AKIASP2TPHJSQH3FJRUX" /* TruffleHog's canary fixture */
#define ZERO_KEY    "AKIAQAAAAAAAAAAAAAAA" /* encodes account 0 */
#define GOOD_SECRET "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEYab"

static char tool[PATH_MAX];

static void find_tool(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct stat st;

	cr_assert_gt(n, 0);
	exe[n] = '\0';
	/* <build>/tests/test_recon -> <build>/beesting-attack */
	snprintf(tool, sizeof(tool), "%.4000s/beesting-attack",
		 dirname(dirname(exe)));
	if (stat(tool, &st) || !(st.st_mode & S_IXUSR))
		cr_skip_test("%s not built", tool);
}

static void need_root_runc(void)
{
	if (geteuid() != 0)
		cr_skip_test("needs root (tmpfs, runc)");
	if (!bs_runc_available())
		cr_skip_test("runc or busybox-static missing");
	find_tool();
}

static void copy_tool(const char *rootfs)
{
	char cmd[3 * PATH_MAX];

	snprintf(cmd, sizeof(cmd), "cp '%s' '%s%s'", tool, rootfs, TOOL_IN_CTR);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

/* One tell's "visible" in the recon's output ("" when missing). */
static const char *visible(const char *out, const char *tell, char *ev,
			   size_t cap)
{
	static char v[16];
	char key[64];
	const char *p;

	snprintf(key, sizeof(key), "%s,", tell);
	v[0] = '\0';
	ev[0] = '\0';
	for (p = out; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (strncmp(p, key, strlen(key)))
			continue;
		p += strlen(key);
		sscanf(p, "%15[^,],%*s", v);
		snprintf(ev, cap, "%.*s", (int)strcspn(p, "\n"), p);
		break;
	}
	return v;
}

static void expect_tell(const char *out, const char *tell, const char *want)
{
	char ev[256];
	const char *got = visible(out, tell, ev, sizeof(ev));

	cr_expect_str_eq(got, want, "tell %s: %s, want %s (%s)\nrecon:\n%s",
			 tell, got, want, ev, out);
}

/* ---- pure parts ------------------------------------------------------ */

Test(recon_shape, aws_key_accounts)
{
	uint64_t a = 1;

	cr_assert_eq(bs_aws_key_account(CANARY_KEY, &a), 0);
	cr_expect_eq(a, 171436882533ull, "decoded %llu", (unsigned long long)a);
	cr_expect_str_eq(bs_aws_account_flag(a), "canarytokens.org");
	cr_assert_eq(bs_aws_key_account(ZERO_KEY, &a), 0);
	cr_expect_eq(a, 0);
	cr_expect_eq(bs_aws_key_account("AKIAIOSFODNN7EXAMPLE", &a), -ENODATA);
	cr_expect_eq(bs_aws_key_account("AKIA0000000000000000", &a), -EINVAL);
	cr_expect_eq(bs_aws_key_account("AKIASP2TPHJSQH3FJRU", &a), -EINVAL);
	cr_expect_null(bs_aws_account_flag(171436882534ull));
}

Test(recon_shape, base64url_and_json)
{
	const char *path[] = { "kubernetes.io", "pod", "name" }, *v;
	const char json[] =
		"{\"a\":[1,{\"b\":2}],\"kubernetes.io\":{\"pod\":"
		"{\"uid\":\"u\",\"name\":\"p\\\"x\"}},\"n\":-1.5e3}";
	unsigned char back[16];
	char enc[32];
	size_t vl;

	cr_assert_eq(bs_b64url_encode("\xfb\xff\x01", 3, enc, sizeof(enc)), 4);
	cr_expect_str_eq(enc, "-_8B");
	cr_assert_eq(bs_b64url_decode(enc, 4, back, sizeof(back)), 3);
	cr_expect_eq(memcmp(back, "\xfb\xff\x01", 3), 0);
	cr_expect_eq(bs_b64url_decode("ab+c", 4, back, sizeof(back)), -EINVAL);
	cr_assert_eq(bs_hj_get_raw(json, strlen(json), path, 3, &v, &vl, NULL),
		     0);
	cr_expect_eq(vl, 4);
	cr_expect_eq(strncmp(v, "p\\\"x", 4), 0);
	cr_expect_eq(bs_hj_get_raw(json, strlen(json), path, 2, &v, &vl, NULL),
		     0);
	cr_expect_eq(bs_hj_get_raw("{\"a\":1,}", 8, path, 1, &v, &vl, NULL),
		     -EINVAL);
	cr_expect_eq(bs_hj_get_raw("{\"a\":1}", 7, path, 1, &v, &vl, NULL),
		     -ENOENT);
}

Test(recon_shape, jwt_checks)
{
	struct bs_kvol_pod pod = { "default", POD, "", "default", "n1" };
	struct bs_pod_facts me = { "default", POD, NULL };
	time_t now = time(NULL);
	char tok[4096], why[128];
	int n;

	n = bs_kvol_sa_token(&pod, now, 3600, tok, sizeof(tok));
	cr_assert_gt(n, 0);
	cr_expect_eq(bs_jwt_check(tok, (size_t)n, &me, now, why, sizeof(why)),
		     0, "%s", why);
	/* expired */
	cr_expect_eq(
		bs_jwt_check(tok, (size_t)n, &me, now + 3601, why, sizeof(why)),
		1);
	cr_expect_not_null(strstr(why, "exp"), "%s", why);
	/* issued for another pod */
	me.pod_name = "other";
	cr_expect_eq(bs_jwt_check(tok, (size_t)n, &me, now, why, sizeof(why)),
		     1);
	cr_expect_not_null(strstr(why, "pod.name"), "%s", why);
	/* a host-network pod: its hostname is the node's, the token's
	 * node.name; the pod name cannot be told from it */
	me.pod_name = "n1";
	cr_expect_eq(bs_jwt_check(tok, (size_t)n, &me, now, why, sizeof(why)),
		     0, "%s", why);
	me.ns = "kube-system";
	me.pod_name = POD;
	cr_expect_eq(bs_jwt_check(tok, (size_t)n, &me, now, why, sizeof(why)),
		     1);
	/* a broken signature part */
	tok[n - 3] = '*';
	me.ns = "default";
	cr_expect_eq(bs_jwt_check(tok, (size_t)n, &me, now, why, sizeof(why)),
		     1);
	cr_expect_eq(bs_jwt_check("eyJhbGciOi", 10, &me, now, why, sizeof(why)),
		     -EINVAL);
}

Test(recon_table, doc_block_is_the_table)
{
	char *block = bs_test_doc_block(DOC, BEGIN, END),
	     *want = bs_test_generated(bs_tells_markdown);

	cr_expect_str_eq(
		block, want,
		DOC "'s tells block differs from the table: "
		    "replace it with `beesting-attack --tells --markdown`");
	free(block);
	free(want);
}

Test(recon_table, attack_tool_prints_the_table)
{
	char cmd[PATH_MAX + 32], *out,
		*want = bs_test_generated(bs_tells_markdown);
	FILE *p;

	find_tool();
	snprintf(cmd, sizeof(cmd), "'%s' --tells --markdown", tool);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	out = bs_test_slurp(p);
	cr_assert_eq(pclose(p), 0);
	cr_expect_str_eq(out, want);
	free(out);
	free(want);
}

/* ---- in containers ---------------------------------------------------- */

/* A container mounting kubelet-built volumes: the service-account one,
 * and one per extra volume below /vols/<name>. */
struct refctr {
	char dir[64];
	struct bs_runc rc;
	char vols[6][PATH_MAX];
	int n_vols;
};

static struct refctr R;

static void ref_teardown(void)
{
	bs_runc_cleanup(&R.rc);
	for (int i = 0; i < R.n_vols; i++) {
		bs_kvol_remove(R.vols[i]);
		rmdir(R.vols[i]);
	}
	if (R.dir[0])
		bs_rm_rf(R.dir);
	memset(&R, 0, sizeof(R));
}

static const char *new_vol(void)
{
	char *v = R.vols[R.n_vols], dir[sizeof(R.dir)];

	cr_assert_lt(R.n_vols, 6);
	memcpy(dir, R.dir, sizeof(dir));
	snprintf(v, PATH_MAX, "%s/vol%d", dir, R.n_vols);
	cr_assert_eq(mkdir(v, 0755), 0);
	R.n_vols++;
	return v;
}

static void ref_bundle(void)
{
	struct bs_kvol_pod pod = { "default", POD,
				   "3c5fd1e2-8a7b-4c1d-9e2f-0a1b2c3d4e5f",
				   "default", "node-1" };
	const char *vol;

	need_root_runc();
	/* no "beesting" in any path the container can see */
	snprintf(R.dir, sizeof(R.dir), "/tmp/bs-recon-XXXXXX");
	cr_assert_not_null(mkdtemp(R.dir));
	cr_assert_eq(bs_runc_bundle(&R.rc, R.dir, NULL), 0);
	copy_tool(R.rc.rootfs);
	vol = new_vol();
	cr_assert_eq(bs_kvol_make(vol, &pod), 0);
	cr_assert_eq(bs_kvol_oci_mount(R.rc.config, vol, BS_KVOL_SA_DIR, POD),
		     0);
}

static void ref_extra(const char *dest, const struct bs_kvol_file *f, size_t n)
{
	const char *vol = new_vol();

	cr_assert_eq(bs_kvol_make_files(vol, f, n), 0);
	cr_assert_eq(bs_kvol_oci_mount(R.rc.config, vol, dest, NULL), 0);
}

/* The host side of the last extra volume's file name (for touching). */
static void last_vol_file(const char *name, char *out, size_t cap)
{
	snprintf(out, cap, "%s/..data/%s", R.vols[R.n_vols - 1], name);
}

static void ref_start(void)
{
	cr_assert_eq(bs_runc_create(&R.rc), 0);
	cr_assert_eq(bs_runc_start(&R.rc), 0);
}

static char *recon_in(struct bs_runc *rc, const char *path)
{
	static char out[OUT_CAP];
	const char *argv[] = { TOOL_IN_CTR, "recon", path, NULL };
	int st = -1;

	cr_assert_eq(bs_runc_exec(rc, argv, out, sizeof(out), &st), 0);
	cr_assert_eq(st, 0, "recon exit %d: %s", st, out);
	return out;
}

/* recon on path in rc: each "tell=want" of tells (space-separated) as
 * expect_tell checks it, and says (NULL: not checked) in its report. */
static void expect_recon(struct bs_runc *rc, const char *path,
			 const char *tells, const char *says)
{
	const char *out = recon_in(rc, path), *p = tells;
	char tell[32], want[16];
	int n;

	while (sscanf(p, " %31[^= ]=%15s%n", tell, want, &n) == 2) {
		expect_tell(out, tell, want);
		p += n;
	}
	cr_assert_eq(p[strspn(p, " ")], '\0', "bad tells at \"%s\"", p);
	if (says)
		cr_expect_not_null(strstr(out, says), "%s: no \"%s\" in:\n%s",
				   path, says, out);
}

TestSuite(recon_ctr, .fini = ref_teardown, .timeout = 60);

Test(recon_ctr, reference_volume_shows_no_tell)
{
	char *out;

	ref_bundle();
	ref_start();
	out = recon_in(&R.rc, BS_KVOL_SA_DIR "/token");
	for (size_t i = 0; i < BS_TELL_MAX; i++)
		expect_tell(out, bs_tells[i].name, "0");
	/* the other files of the volume are clean as well */
	expect_recon(&R.rc, BS_KVOL_SA_DIR "/namespace", "layout=0 meta=0",
		     NULL);
}

Test(recon_ctr, bad_content_on_a_kubelet_volume)
{
	struct bs_kvol_pod other = { "default", "another-pod", "", "default",
				     "node-1" };
	static char expired[4096], foreign[4096];
	const char *garbage = "eyJhbGciOiJSUzI1NiJ9.not-json-at-all.c2ln";
	const char canary[] = "[default]\naws_access_key_id = " CANARY_KEY
			      "\naws_secret_access_key = " GOOD_SECRET "\n";
	const char zero[] = "[default]\naws_access_key_id = " ZERO_KEY
			    "\naws_secret_access_key = " GOOD_SECRET "\n";
	/* each file alone: only its content tell, the volume is kubelet's */
	static const struct {
		const char *path, *tells, *says;
	} seen[] = {
		{ "/vols/jwt/expired",
		  "jwt=1 layout=0 single_file_mount=0 disk_fs=0 meta=0",
		  "in the past" },
		{ "/vols/jwt/foreign", "jwt=1", "pod.name another-pod" },
		{ "/vols/jwt/token", "jwt=1", NULL },
		{ "/vols/aws/canary", "aws_key=1 jwt=0", "canarytokens.org" },
		{ "/vols/aws/zero", "aws_key=1", "000000000000" },
		{ "/vols/meta/old", "meta=1", "backdated" },
		{ "/vols/mode/plain", "meta=1", "odd 0600" },
		/* the kubelet's own token next to them stays clean, but the
		 * web-identity token lacks its environment */
		{ BS_KVOL_SA_DIR "/token", "jwt=0 aws_key=0 env=1",
		  "AWS_WEB_IDENTITY_TOKEN_FILE unset" },
	};
	int ne, nf;

	ref_bundle();
	ne = bs_kvol_sa_token(&other, time(NULL) - 7200, 3600, expired,
			      sizeof(expired));
	nf = bs_kvol_sa_token(&other, time(NULL), 3600, foreign,
			      sizeof(foreign));
	cr_assert(ne > 0 && nf > 0);
	{
		struct bs_kvol_file jwts[] = {
			{ "expired", expired, (size_t)ne },
			{ "foreign", foreign, (size_t)nf },
			{ "token", garbage, strlen(garbage) },
		};
		struct bs_kvol_file keys[] = {
			{ "canary", canary, sizeof(canary) - 1 },
			{ "zero", zero, sizeof(zero) - 1 },
		};

		struct bs_kvol_file eks[] = {
			{ "token", foreign, (size_t)nf },
		};

		ref_extra("/vols/jwt", jwts, 3);
		ref_extra("/vols/aws", keys, 2);
		/* no AWS_ROLE_ARN / AWS_WEB_IDENTITY_TOKEN_FILE in pid 1 */
		struct bs_kvol_file meta[] = {
			{ "old", "a", 1 },
			{ "plain", "c", 1 },
		};
		struct bs_kvol_file modes[] = {
			{ "odd", "b", 1 },
			{ "plain", "c", 1 },
		};
		struct timespec back[2] = { { time(NULL) - 86400, 0 },
					    { time(NULL) - 86400, 0 } };
		char host[PATH_MAX + 32];

		ref_extra("/var/run/secrets/eks.amazonaws.com/serviceaccount",
			  eks, 1);
		/* written by the kubelet, then touched: a day back, 0600 */
		ref_extra("/vols/meta", meta, 2);
		last_vol_file("old", host, sizeof(host));
		cr_assert_eq(utimensat(AT_FDCWD, host, back, 0), 0);
		ref_extra("/vols/mode", modes, 2);
		last_vol_file("odd", host, sizeof(host));
		cr_assert_eq(chmod(host, 0600), 0);
	}
	ref_start();
	for (size_t i = 0; i < sizeof(seen) / sizeof(seen[0]); i++)
		expect_recon(&R.rc, seen[i].path, seen[i].tells, seen[i].says);
}

/* The bind strategy as the agent runs it, its state dir on disk where the
 * agent's old default was (/var/lib/beesting). */
static struct bs_itest T;

static void bind_teardown(void)
{
	bs_it_teardown(&T);
}

TestSuite(recon_bind, .fini = bind_teardown, .timeout = 60);

Test(recon_bind, bind_token_from_a_disk_state_dir)
{
	char cmd[PATH_MAX];
	struct stat st;
	int create_rc = -1;

	need_root_runc();
	cr_assert_eq(bs_it_setup(&T, &bs_inject_bind_ops), 0);
	snprintf(T.cfg.state_dir, sizeof(T.cfg.state_dir),
		 "%s/var/lib/beesting", T.dir);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", T.cfg.state_dir);
	cr_assert_eq(system(cmd), 0);
	cr_assert_eq(stat(T.cfg.state_dir, &st), 0);
	cr_assert_eq(bs_it_init(&T), 0);
	cr_assert_eq(bs_it_bundle(&T, "default"), 0);
	copy_tool(T.run.rootfs);
	cr_assert_eq(bs_it_run(&T, &create_rc), 0);
	cr_assert_eq(create_rc, 0);
	expect_recon(
		&T.run, "/root/.aws/credentials",
		"agent_name=1 single_file_mount=1 disk_fs=1 layout=1 env=0",
		"/var/lib/beesting");
	/* the agent's own SA-token decoy, the same way */
	expect_recon(&T.run, BS_KVOL_SA_DIR "/token",
		     "single_file_mount=1 layout=1", NULL);
}
