/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A real containerd >= 1.7 (with its runc shim, ctr and crictl) for the
 * `containerd` suite, found on PATH or in $BEESTING_CONTAINERD, and run
 * on its own root, state, sockets and cgroup parent under one temp dir.
 *
 * It runs in a private mount namespace held by a guardian process, with
 * a fresh tmpfs on /run: the shims put their sockets in /run/containerd
 * whatever the config says, and a runtime the machine already runs must
 * never see ours.  The guardian outlives containerd (so a restarted one
 * finds its shims) and kills everything in the namespace when told to,
 * or when the test process dies.
 */
#ifndef BS_TESTS_CONTAINERD_ENV_H
#define BS_TESTS_CONTAINERD_ENV_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#define CTRD_PATH 256

enum ctrd_tool { CTRD_CONTAINERD, CTRD_SHIM, CTRD_CTR, CTRD_CRICTL, CTRD_N };

struct ctrd {
	char bin[CTRD_N][CTRD_PATH];
	char bindir[CTRD_PATH]; /* first on the PATH containerd gets */
	char version[64];
	char dir[64]; /* /var/tmp/bs-ctrd-XXXXXX */
	char sock[128];
	char nri_sock[128];
	char config[128];
	char crictl_cfg[128];
	char log[128];
	char cgparent[64]; /* cgroup parent of our pods, one name */
	pid_t guard;	   /* holds the mount namespace */
	pid_t pid;	   /* containerd */
};

/* Look for the four binaries and check containerd's version. 0 when all
 * are there; else -ENOENT with a reason in why (for cr_skip_test). */
int ctrd_find(struct ctrd *c, char *why, size_t len);
/* Temp dir, guardian, config, crictl config. */
int ctrd_setup(struct ctrd *c);
/* A process outside the namespace (the agent) the guardian kills too
 * if the test process dies before its teardown. */
int ctrd_adopt(const struct ctrd *c, pid_t pid);
/* Start containerd and wait for its socket and CRI. */
int ctrd_start(struct ctrd *c, int timeout_ms);
/* SIGTERM containerd and wait; its shims and containers go on. */
int ctrd_stop(struct ctrd *c, int timeout_ms);
/* Build the busybox OCI archive and import it as the pause and victim
 * images (CTRD_IMAGE, CTRD_PAUSE) into the k8s.io namespace. */
int ctrd_import_images(struct ctrd *c);
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

/* One pod with one container, host network, through CRI. */
struct ctrd_pod {
	const char *name;
	const char *ns;
	const char *container;
	json_t *annotations; /* borrowed; NULL: none */
	char pod_id[80];
	char ctr_id[80];
	char err[512];
};

int ctrd_run_pod(struct ctrd *c, struct ctrd_pod *p);
/* "CONTAINER_RUNNING" etc. into state; 0 on success. */
int ctrd_ctr_state(const struct ctrd *c, const char *id, char *state,
		   size_t len);
/* Pid of the container's init process as containerd reports it. */
int ctrd_ctr_pid(const struct ctrd *c, const char *id);

/* Events file of the agent, read line by line. */
struct ctrd_events {
	FILE *f;
	char path[CTRD_PATH];
};

int ctrd_events_open(struct ctrd_events *e, const char *path);
void ctrd_events_close(struct ctrd_events *e);
/* Next line of that type (any when NULL) for which match (if set) says
 * yes, within ms; NULL on timeout.  Caller decrefs. */
json_t *ctrd_events_wait(struct ctrd_events *e, const char *type,
			 bool (*match)(json_t *ev, const void *arg),
			 const void *arg, int ms);
/* Count lines holding needle in a text file (agent log). */
int ctrd_count_in_file(const char *path, const char *needle);

#endif
