/* SPDX-License-Identifier: Apache-2.0 */
/*
 * For the sink suites: the real agent as a child with extra flags, our
 * NRI runtime side to give it a container, a real read of the token (the
 * BPF program sees it), the agent's --events lines; and the real daemons
 * (prometheus, alertmanager) and a small libmicrohttpd receiver the
 * alerts go to.
 */
#ifndef BS_TEST_SINK_ENV_H
#define BS_TEST_SINK_ENV_H

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/types.h>

#include "nri/runtime.h"

struct sink_env {
	char dir[64];
	char sock[128], events[128], state[128], hookdir[128];
	pid_t agent;
	struct bs_nri_runtime *rt;
	FILE *ev;
	char token_src[512];
};

/* Fresh dir and runtime side; agent not started. */
void sink_env_setup(struct sink_env *e);
void sink_env_teardown(struct sink_env *e);
/* Teardown inside a test: e is left empty, the suite's fini has nothing
 * to do. */
void sink_env_stop(struct sink_env *e);
/* The next stats line (within ms) says no sink delivery failed. */
void sink_env_expect_no_failed(struct sink_env *e, int ms);
/* Start beesting (bind + open) with extra flags (NULL-terminated), wait
 * for ready and registration; skips when the binary is not built. */
void sink_env_start_agent(struct sink_env *e, const char *const *extra);
/* CreateContainer for pod default/victim container app; the token's
 * host path lands in e->token_src. */
void sink_env_create(struct sink_env *e);
/* Read the token as a child named comm. */
void sink_env_read_token(struct sink_env *e, const char *comm);
/* Next --events line of type, waiting up to ms; NULL on timeout. */
json_t *sink_env_wait_line(struct sink_env *e, const char *type, int ms);
/* The same from any events file f. */
json_t *sink_wait_line(FILE *f, const char *type, int ms);

/* A free TCP port on 127.0.0.1 (bound, then released). */
int sink_free_port(void);
/* GET url into a malloc'd body; the HTTP code or -1. */
long sink_http_get(const char *url, char **body);
/* Path of an installed program, or NULL. */
const char *sink_which(const char *prog);

/* A daemon as a child, stderr+stdout to log. */
pid_t sink_daemon_start(const char *log, char *const argv[]);
void sink_daemon_stop(pid_t pid);

/* The test's HTTP receiver.  Every answer's body says it is a test
 * stand-in (for a webhook receiver or the Kubernetes API server). */
enum recv_mode { RECV_OK, RECV_500, RECV_HANG };

#define RECV_MAX 64

struct recv_srv {
	enum recv_mode mode;
	void *daemon;
	int port;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int released; /* RECV_HANG: answer now */
	int n;	      /* requests seen */
	char *bodies[RECV_MAX];
	char auth[RECV_MAX][256];
	char ctype[RECV_MAX][64];
	char method[RECV_MAX][16];
	char url[RECV_MAX][256];
};

int recv_start(struct recv_srv *r, enum recv_mode mode);
/* The same over TLS with the PEM key and certificate (kept by the caller). */
int recv_start_tls(struct recv_srv *r, enum recv_mode mode, const char *key,
		   const char *cert);
/* Wait until n requests arrived (up to ms); the count. */
int recv_wait(struct recv_srv *r, int n, int ms);
void recv_stop(struct recv_srv *r);

#endif
