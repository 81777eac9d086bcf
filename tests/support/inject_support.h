/* SPDX-License-Identifier: Apache-2.0 */
/* Shared fixture for the injection tests: a temp state/hook dir, a token
 * store, one pod/container description and a runc container to run it in. */
#ifndef BS_TESTS_INJECT_SUPPORT_H
#define BS_TESTS_INJECT_SUPPORT_H

#include <stdbool.h>

#include "harness/runtime/runc.h"
#include "strategies/inject.h"

#define BS_IT_MAX_ANN 4

struct bs_itest {
	char dir[256];	       /* temp dir, removed at teardown */
	char mnt[BS_PATH_LEN]; /* a tmpfs a test mounted, or "" */
	struct bs_inject_config cfg;
	struct bs_inject_ctx ctx;
	const struct bs_inject_ops *ops;
	bool inited;
	bool token_writable; /* ocihook: a plain file, root may write it */
	struct bs_adjust adj;
	struct bs_runc run;
	struct bs_pod pod;
	struct bs_container ctr;
	struct bs_kv ann[BS_IT_MAX_ANN];
	size_t n_ann;
};

/* Temp dirs, default config (two tokens: /root/.aws/credentials as
 * aws-access-key, .../serviceaccount/token as k8s-sa-token), a store.
 * Does not init the strategy. */
int bs_it_setup(struct bs_itest *t, const struct bs_inject_ops *ops);
/* bs_inject_init(). */
int bs_it_init(struct bs_itest *t);
/* Bundle for a new container and fill pod/ctr (namespace ns). */
int bs_it_bundle(struct bs_itest *t, const char *ns);
void bs_it_annotate(struct bs_itest *t, const char *key, const char *value);
/* bs_inject_create, apply adj to config.json, runc create,
 * bs_inject_locate with the real pid, runc start.  *create_rc gets create()'s return. */
int bs_it_run(struct bs_itest *t, int *create_rc);
/* runc exec sh -c cmd; returns the exit status, out gets the output. */
int bs_it_sh(struct bs_itest *t, const char *cmd, char *out, size_t cap);
/* Delete the container and its bundle (the fixture can run another). */
void bs_it_stop(struct bs_itest *t);
void bs_it_teardown(struct bs_itest *t);

/* The first record of container id with this path, 0 if none. */
int bs_it_find(struct bs_itest *t, const char *path, struct bs_token *out);
/* Path of the built beesting-hook next to the test binary's dir. */
const char *bs_it_hook_src(void);

/* Criterion side (inject_check.c; a skip or failure ends the calling
 * test).  Skip unless root, runc and busybox-static are here (and, for
 * ocihook, the built hook). */
void bs_it_need_runc(struct bs_itest *t);
/* bs_it_need_runc, bs_it_init, a "prod" bundle. */
void bs_it_prepare(struct bs_itest *t);
/* bs_it_prepare and the container run (bs_it_run). */
void bs_it_start(struct bs_itest *t, int *create_rc);
/* bs_it_start, and create() planted for the container with no failure. */
void bs_it_start_clean(struct bs_itest *t);

/* Criterion checks (inject_check.c; a failure ends the calling test): the
 * container sees exactly the record's content at path, on the record's
 * inode, and cannot write it (unless t->token_writable); mode (octal, 0: not checked) is what stat
 * shows.  out (may be NULL) gets the record. */
void bs_it_check_token(struct bs_itest *t, const char *path, unsigned int mode,
		       struct bs_token *out);

#endif
