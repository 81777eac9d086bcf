/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A real containerd >= 1.7 (with its runc shim, ctr and crictl), found on
 * PATH or in $BEESTING_CONTAINERD, run on its own root, state, sockets and
 * cgroup parent under one temp dir: the `containerd` test suite and the
 * harness's containerd backend both use it.
 *
 * It runs in a private mount namespace held by a guardian process, with
 * a fresh tmpfs on /run: the shims put their sockets in /run/containerd
 * whatever the config says, and a runtime the machine already runs must
 * never see ours.  The guardian outlives containerd (so a restarted one
 * finds its shims) and kills everything in the namespace when told to,
 * or when the process that made it dies.
 */
#ifndef BS_HARNESS_CONTAINERD_H
#define BS_HARNESS_CONTAINERD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define CTRD_PATH 256

/* The same four slots serve CRI-O (harness/runtime/crio.h): the daemon,
 * its namespace helper, the image tool, crictl. */
enum ctrd_tool {
	CTRD_CONTAINERD,
	CTRD_SHIM,
	CTRD_CTR,
	CTRD_CRICTL,
	CTRD_N,
	CRIO_CRIO = CTRD_CONTAINERD,
	CRIO_PINNS = CTRD_SHIM,
	CRIO_SKOPEO = CTRD_CTR,
};

enum ctrd_kind { CTRD_KIND_CONTAINERD, CTRD_KIND_CRIO };

struct ctrd {
	enum ctrd_kind kind;
	char bin[CTRD_N][CTRD_PATH];
	char conmon[CTRD_PATH]; /* CRI-O only */
	char bindir[CTRD_PATH]; /* first on the PATH containerd gets */
	char version[64];
	int major, minor; /* release line: 1.7, 2.0, ... */
	char dir[64];	  /* /var/tmp/bs-ctrd-XXXXXX */
	char sock[128];
	char nri_sock[128];
	char config[128];
	char crictl_cfg[128];
	char log[128];
	char cgparent[64]; /* cgroup parent of our pods, one name */
	pid_t guard;	   /* holds the mount namespace */
	pid_t pid;	   /* containerd */
};

#define CTRD_MAX_RUNTIMES 8

/* "containerd" or "cri-o": what logs and results call the runtime. */
const char *ctrd_name(const struct ctrd *c);
/* name in dir, else (dir NULL, or path_too) on PATH; 0 or -ENOENT. */
int ctrd_find_bin(const char *name, const char *dir, bool path_too, char *out);
/* The first "[v]M.N..." word of a --version output: M, N and the word. */
int ctrd_parse_version(const char *s, int *maj, int *min, char *ver,
		       size_t len);

/* The directories $BEESTING_CONTAINERD names, ':' between them (one per
 * containerd version to test); 0 when unset (PATH is then searched). */
int ctrd_dirs(char dirs[][CTRD_PATH], int max);
/* Look for the four binaries in dir (NULL: on PATH; crictl, which serves
 * every version, is also looked for on PATH) and check containerd's
 * version. 0 when all are there; else -ENOENT with a reason in why (for
 * cr_skip_test). */
int ctrd_find_in(struct ctrd *c, const char *dir, char *why, size_t len);
/* The first directory of $BEESTING_CONTAINERD, or PATH. */
int ctrd_find(struct ctrd *c, char *why, size_t len);
/* Every containerd $BEESTING_CONTAINERD names (or the one on PATH), at
 * most max; how many were found.  why: the reason the last one that was
 * not found gave. */
int ctrd_find_all(struct ctrd *list, int max, char *why, size_t len);
/* The first one found of release line major.minor; minor < 0 asks for
 * any line after major.-minor.  -ENOENT with the reason (and what was
 * found) in why. */
int ctrd_find_line(struct ctrd *c, int major, int minor, char *why, size_t len);
/* Temp dir, guardian, config, crictl config (either kind). */
int ctrd_setup(struct ctrd *c);
/* A process outside the namespace (the agent) the guardian kills too
 * if our process dies before its teardown. */
int ctrd_adopt(const struct ctrd *c, pid_t pid);
/* Start containerd and wait for its socket and CRI. */
int ctrd_start(struct ctrd *c, int timeout_ms);
/* SIGTERM containerd and wait; its shims and containers go on. */
int ctrd_stop(struct ctrd *c, int timeout_ms);
/* A file put into the victim image: a copy of the host file src, or
 * text when src is NULL; dst is absolute in the image, its parent dirs
 * are made. */
struct ctrd_file {
	const char *src;
	const char *text;
	const char *dst;
	unsigned mode;
};

/* Build the busybox OCI archive (harness/runtime/containerd_image.c: /bin with
 * busybox applets, /tmp, plus the n extra files) and import it as the
 * pause and victim images (CTRD_IMAGE, CTRD_PAUSE) into the k8s.io
 * namespace. */
int ctrd_import_images(struct ctrd *c, const struct ctrd_file *extra, size_t n);
/* Pods away, containerd and every process of our namespace killed,
 * cgroups and the temp dir removed (kept, with the logs, when
 * BEESTING_CONTAINERD_KEEP is set).  Safe to call at any point. */
void ctrd_teardown(struct ctrd *c);
/* Print the last lines of containerd's log. */
void ctrd_dump_log(const struct ctrd *c, int lines);

#define CTRD_IMAGE "docker.io/library/busybox:latest"
#define CTRD_PAUSE "beesting.test/pause:1"

/* Run argv (argv[0] a path or a name on PATH), output in out. Exit code,
 * -ETIMEDOUT (killed) or -errno. */
int ctrd_run(char *const argv[], char *out, size_t len, int timeout_ms);
/* Run crictl (or ctr) with our endpoints; args end with NULL. Output
 * (stdout, then stderr) in out. Returns the exit code, or -errno. */
int ctrd_crictl(const struct ctrd *c, char *out, size_t len, ...);
int ctrd_ctr(const struct ctrd *c, char *out, size_t len, ...);

#endif
