// SPDX-License-Identifier: Apache-2.0
/* CRI-O as a kind of the private runtime (harness/runtime/crio.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fs.h"
#include "harness/runtime/crio.h"

#define CRIO_MIN_MINOR 30 /* NRI on by default from 1.30 */
#define IMPORT_MS      120000

static const char crio_hint[] =
	"no CRI-O: set BEESTING_CRIO to the directory of crio (>= 1.30), "
	"pinns and crictl (conmon and skopeo: make deps)";

/* One tool: in dir (crictl also on PATH), or on PATH when dir is NULL. */
static int need(const char *name, const char *dir, bool path_too, char *out,
		char *why, size_t len)
{
	if (!ctrd_find_bin(name, dir, path_too, out))
		return 0;
	snprintf(why, len, "%s (%s not found in %s)", crio_hint, name,
		 dir ? dir : "PATH");
	return -ENOENT;
}

int crio_find(struct ctrd *c, char *why, size_t len)
{
	const char *dir = getenv("BEESTING_CRIO");
	char out[512], *argv[] = { c->bin[CRIO_CRIO], "--version", NULL };

	memset(c, 0, sizeof(*c));
	c->guard = c->pid = -1;
	c->kind = CTRD_KIND_CRIO;
	if (!dir || !*dir) {
		snprintf(why, len, "%s", crio_hint);
		return -ENOENT;
	}
	if (need("crio", dir, false, c->bin[CRIO_CRIO], why, len) ||
	    need("pinns", dir, false, c->bin[CRIO_PINNS], why, len) ||
	    need("crictl", dir, true, c->bin[CTRD_CRICTL], why, len) ||
	    need("skopeo", NULL, false, c->bin[CRIO_SKOPEO], why, len) ||
	    need("conmon", NULL, false, c->conmon, why, len))
		return -ENOENT;
	snprintf(c->bindir, sizeof(c->bindir), "%s", dir);
	/* "crio version 1.36.3" */
	if (ctrd_run(argv, out, sizeof(out), 10000) != 0 ||
	    ctrd_parse_version(out, &c->major, &c->minor, c->version,
			       sizeof(c->version)) ||
	    c->major < 1 || (c->major == 1 && c->minor < CRIO_MIN_MINOR)) {
		out[strcspn(out, "\n")] = '\0';
		snprintf(why, len, "%s (%s --version says \"%.80s\")",
			 crio_hint, c->bin[CRIO_CRIO], out);
		return -ENOENT;
	}
	return 0;
}

static const char *const crio_dirs[] = { "crio.conf.d", "hooks",    "logs",
					 "nri-plugins", "nri-conf", "cni",
					 "cni/conf",	"cni/bin",  "keys" };

int crio_prepare(const struct ctrd *c)
{
	static const char policy[] =
		"{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}\n";
	char path[CTRD_PATH];

	for (size_t i = 0; i < sizeof(crio_dirs) / sizeof(crio_dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", c->dir, crio_dirs[i]);
		if (mkdir(path, 0755) && errno != EEXIST)
			return -errno;
	}
	snprintf(path, sizeof(path), "%s/policy.json", c->dir);
	return bs_write_file(path, policy, sizeof(policy) - 1, 0644);
}

/* --name=<dir>/<leaf> into buf; the pointer is argv's. */
static char *flag(char *buf, size_t len, const char *name, const char *dir,
		  const char *leaf)
{
	snprintf(buf, len, "--%s=%s%s%s", name, dir, leaf ? "/" : "",
		 leaf ? leaf : "");
	return buf;
}

void crio_exec(const struct ctrd *c)
{
	/* every path crio would otherwise take from the host goes under
	 * our dir (or our private /run) */
	static const char *const leafs[][2] = {
		{ "config-dir", "crio.conf.d" },
		{ "root", "root" },
		{ "runroot", "runroot" },
		{ "hooks-dir", "hooks" },
		{ "log-dir", "logs" },
		{ "nri-plugin-dir", "nri-plugins" },
		{ "nri-plugin-config-dir", "nri-conf" },
		{ "cni-config-dir", "cni/conf" },
		{ "cni-plugin-dir", "cni/bin" },
		{ "decryption-keys-path", "keys" },
		{ "signature-policy", "policy.json" },
		{ "version-file", "version" },
		{ "version-file-persist", "version-persist" },
		{ "clean-shutdown-file", "clean.shutdown" },
		{ "irqbalance-config-file", "irqbalance" },
	};
	enum { N_LEAF = sizeof(leafs) / sizeof(leafs[0]) };
	static char bufs[N_LEAF + 8][CTRD_PATH + 64];
	char *argv[N_LEAF + 32];
	size_t n = 0, b = 0;

	argv[n++] = (char *)c->bin[CRIO_CRIO];
	argv[n++] = "--config=/dev/null";
	for (size_t i = 0; i < N_LEAF; i++, b++)
		argv[n++] = flag(bufs[b], sizeof(bufs[b]), leafs[i][0], c->dir,
				 leafs[i][1]);
	argv[n++] = flag(bufs[b], sizeof(bufs[b]), "listen", c->sock, NULL);
	b++;
	argv[n++] =
		flag(bufs[b], sizeof(bufs[b]), "nri-listen", c->nri_sock, NULL);
	b++;
	argv[n++] = flag(bufs[b], sizeof(bufs[b]), "conmon", c->conmon, NULL);
	b++;
	argv[n++] = flag(bufs[b], sizeof(bufs[b]), "pinns-path",
			 c->bin[CRIO_PINNS], NULL);
	b++;
	argv[n++] = "--runtimes=runc:/usr/sbin/runc:/run/bs-crio-runc:oci";
	argv[n++] = "--default-runtime=runc";
	argv[n++] = "--storage-driver=vfs";
	argv[n++] = "--cgroup-manager=cgroupfs";
	argv[n++] = "--conmon-cgroup=pod";
	argv[n++] = "--enable-nri";
	argv[n++] = "--nri-plugin-registration-timeout=10s";
	argv[n++] = "--nri-plugin-request-timeout=5s";
	/* no iptables/nft here: without this crio will not start */
	argv[n++] = "--disable-hostport-mapping";
	/* pods then have no pause process: pod and container each ask for
	 * their own pid namespace (cri_pods.c does) */
	argv[n++] = "--drop-infra-ctr=true";
	argv[n++] = "--pause-image=" CTRD_PAUSE;
	argv[n++] = "--stream-address=127.0.0.1";
	argv[n++] = "--stream-port=0";
	argv[n++] = "--log-level=info";
	argv[n] = NULL;
	execv(argv[0], argv);
}

int crio_copy_image(const struct ctrd *c, const char *layout, const char *ref)
{
	char src[CTRD_PATH * 2], dst[CTRD_PATH * 3], out[8192];
	char *argv[] = { (char *)c->bin[CRIO_SKOPEO],
			 "--insecure-policy",
			 "copy",
			 "--quiet",
			 src,
			 dst,
			 NULL };
	int r;

	/* skopeo finds the image by its org.opencontainers.image.ref.name */
	snprintf(src, sizeof(src), "oci:%s:%s", layout, ref);
	snprintf(dst, sizeof(dst),
		 "containers-storage:[vfs@%s/root+%s/runroot]%s", c->dir,
		 c->dir, ref);
	r = ctrd_run(argv, out, sizeof(out), IMPORT_MS);
	if (r) {
		fprintf(stderr, "skopeo copy %s: exit %d: %s\n", ref, r, out);
		return r < 0 ? r : -EIO;
	}
	return 0;
}
