// SPDX-License-Identifier: Apache-2.0
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/cmd.h"
#include "lib/net.h"
#include "tests/support/sink_env.h"

#define TOKEN "/var/run/secrets/eks.amazonaws.com/access_key_token"

static const struct bs_pod pod = {
	.id = "pod-sink-1",
	.name = "victim",
	.uid = "uid-1",
	.ns = "default",
};
static const struct bs_container ctr = {
	.id = "0123456789abcdef0123456789abcdef",
	.pod_id = "pod-sink-1",
	.name = "app",
	.state = BS_CTR_CREATED,
};

void sink_env_setup(struct sink_env *e)
{
	const struct bs_nri_runtime_config rc = { .socket_path = e->sock };

	memset(e, 0, sizeof(*e));
	e->agent = -1;
	strcpy(e->dir, "/run/bs-sink-XXXXXX");
	cr_assert_not_null(mkdtemp(e->dir));
	snprintf(e->sock, sizeof(e->sock), "%s/nri.sock", e->dir);
	snprintf(e->events, sizeof(e->events), "%s/events.jsonl", e->dir);
	snprintf(e->state, sizeof(e->state), "%s/state", e->dir);
	snprintf(e->hookdir, sizeof(e->hookdir), "%s/hook", e->dir);
	e->rt = bs_nri_runtime_new(&rc);
	cr_assert_not_null(e->rt, "runtime side: %s", strerror(errno));
}

void sink_env_teardown(struct sink_env *e)
{
	char cmd[256];

	if (e->agent > 0) {
		kill(e->agent, SIGKILL);
		waitpid(e->agent, NULL, 0);
	}
	if (e->ev)
		fclose(e->ev);
	if (e->rt)
		bs_nri_runtime_free(e->rt);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", e->dir);
	if (*e->dir && system(cmd))
		fprintf(stderr, "cleanup of %s failed\n", e->dir);
}

void sink_env_stop(struct sink_env *e)
{
	sink_env_teardown(e);
	memset(e, 0, sizeof(*e));
	e->agent = -1;
}

void sink_env_expect_no_failed(struct sink_env *e, int ms)
{
	json_t *st = sink_env_wait_line(e, "stats", ms);

	cr_assert_not_null(st, "no stats line");
	cr_expect_eq(json_integer_value(json_object_get(st, "sink_failed")), 0);
	json_decref(st);
}

static const char *build_dir(void)
{
	const char *b = getenv("BUILD");

	return b && *b ? b : "build";
}

void sink_env_start_agent(struct sink_env *e, const char *const *extra)
{
	const char *base[] = { "--nri-socket",
			       e->sock,
			       "--state-dir",
			       e->state,
			       "--hook-dir",
			       e->hookdir,
			       "--events",
			       e->events,
			       "--inject",
			       "bind",
			       "--detect",
			       "open",
			       "--aggregate-ms",
			       "0",
			       "--node",
			       "sink-node",
			       "--stats-interval-ms",
			       "200" };
	const size_t nb = sizeof(base) / sizeof(base[0]);
	char bin[256], log[192];
	const char *argv[64];
	size_t n = 0;
	json_t *j;
	int err;

	snprintf(bin, sizeof(bin), "%s/beesting", build_dir());
	if (access(bin, X_OK))
		cr_skip_test("%s not built", bin);
	argv[n++] = bin;
	for (size_t i = 0; i < nb; i++)
		argv[n++] = base[i];
	for (; extra && *extra && n < 63; extra++)
		argv[n++] = *extra;
	argv[n] = NULL;
	snprintf(log, sizeof(log), "%s/agent.log", e->dir);
	e->agent = sink_daemon_start(log, (char *const *)argv);
	for (int i = 0; i < 500 && !e->ev; i++) {
		e->ev = fopen(e->events, "r");
		if (!e->ev)
			usleep(20000);
	}
	cr_assert_not_null(e->ev, "agent wrote no events file (see %s)", log);
	j = sink_env_wait_line(e, "ready", 10000);
	cr_assert_not_null(j, "agent never became ready");
	json_decref(j);
	err = bs_nri_runtime_accept(e->rt, 10000, NULL, 0, NULL, 0);
	cr_assert_eq(err, 0, "agent did not register: %s", strerror(-err));
}

void sink_env_create(struct sink_env *e)
{
	struct bs_adjust adj;
	int err;

	bs_adjust_init(&adj);
	err = bs_nri_runtime_create_container(e->rt, &pod, &ctr, &adj);
	cr_assert_eq(err, 0, "CreateContainer: %s", strerror(-err));
	for (size_t i = 0; i < adj.n_mounts; i++)
		if (!strcmp(adj.mounts[i].destination, TOKEN))
			snprintf(e->token_src, sizeof(e->token_src), "%s",
				 adj.mounts[i].source);
	bs_adjust_free(&adj);
	cr_assert(*e->token_src, "no token mount");
}

void sink_env_read_token(struct sink_env *e, const char *comm)
{
	pid_t p = fork();
	int st;

	cr_assert_geq(p, 0);
	if (p == 0) {
		char buf[256];
		int fd;

		prctl(PR_SET_NAME, comm);
		fd = open(e->token_src, O_RDONLY);
		if (fd < 0 || read(fd, buf, sizeof(buf)) < 0)
			_exit(1);
		_exit(0);
	}
	waitpid(p, &st, 0);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "reader failed");
}

json_t *sink_env_wait_line(struct sink_env *e, const char *type, int ms)
{
	return sink_wait_line(e->ev, type, ms);
}

json_t *sink_wait_line(FILE *f, const char *type, int ms)
{
	char line[8192];

	for (int waited = 0; waited <= ms; waited += 20) {
		while (fgets(line, sizeof(line), f)) {
			json_t *j = json_loads(line, 0, NULL);
			const char *t =
				json_string_value(json_object_get(j, "type"));

			if (t && !strcmp(t, type))
				return j;
			json_decref(j);
		}
		clearerr(f);
		usleep(20000);
	}
	return NULL;
}

int sink_free_port(void)
{
	return bs_free_tcp_port();
}

long sink_http_get(const char *url, char **body)
{
	struct bs_membuf b = { 0 };
	CURL *c = curl_easy_init();
	long code = -1;

	if (!c)
		return -1;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, bs_membuf_append);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	if (body)
		*body = b.p;
	else
		free(b.p);
	return code;
}

const char *sink_which(const char *prog)
{
	static char path[256];
	static const char *const dirs[] = { "/usr/bin", "/usr/sbin",
					    "/usr/local/bin", NULL };

	for (const char *const *d = dirs; *d; d++) {
		snprintf(path, sizeof(path), "%s/%s", *d, prog);
		if (!access(path, X_OK))
			return path;
	}
	return NULL;
}

pid_t sink_daemon_start(const char *log, char *const argv[])
{
	pid_t p = bs_cmd_spawn(argv, log);

	cr_assert_geq(p, 0);
	return p;
}

void sink_daemon_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (int i = 0; i < 100; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		usleep(50000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* ---- the receiver --------------------------------------------------- */

#define STAND_IN                                                               \
	"{\"kind\":\"Status\",\"status\":\"Success\",\"message\":"             \
	"\"beesting test stand-in: not a real receiver or kube-apiserver\"}"

struct upload {
	char *p;
	size_t n;
};

static void note(struct recv_srv *r, struct MHD_Connection *conn,
		 const char *method, const char *url, struct upload *u)
{
	const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						       "Authorization");
	const char *ct = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     "Content-Type");

	pthread_mutex_lock(&r->lock);
	if (r->n < RECV_MAX) {
		r->bodies[r->n] = u->p ? u->p : strdup("");
		snprintf(r->auth[r->n], sizeof(r->auth[0]), "%s",
			 auth ? auth : "");
		snprintf(r->ctype[r->n], sizeof(r->ctype[0]), "%s",
			 ct ? ct : "");
		snprintf(r->method[r->n], sizeof(r->method[0]), "%s", method);
		snprintf(r->url[r->n], sizeof(r->url[0]), "%s", url);
		u->p = NULL;
	}
	r->n++;
	pthread_cond_broadcast(&r->cond);
	if (r->mode == RECV_HANG)
		while (!r->released)
			pthread_cond_wait(&r->cond, &r->lock);
	pthread_mutex_unlock(&r->lock);
}

static enum MHD_Result on_req(void *cls, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      const char *version, const char *data,
			      size_t *size, void **con_cls)
{
	struct recv_srv *r = cls;
	struct upload *u = *con_cls;
	struct MHD_Response *resp;
	enum MHD_Result ret;

	(void)version;
	if (!u) {
		*con_cls = calloc(1, sizeof(*u));
		return *con_cls ? MHD_YES : MHD_NO;
	}
	if (*size) {
		char *q = realloc(u->p, u->n + *size + 1);

		if (!q)
			return MHD_NO;
		memcpy(q + u->n, data, *size);
		u->n += *size;
		q[u->n] = 0;
		u->p = q;
		*size = 0;
		return MHD_YES;
	}
	note(r, conn, method, url, u);
	resp = MHD_create_response_from_buffer(
		sizeof(STAND_IN) - 1, (void *)STAND_IN, MHD_RESPMEM_PERSISTENT);
	ret = MHD_queue_response(conn, r->mode == RECV_500 ? 500 : 200, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void on_done(void *cls, struct MHD_Connection *conn, void **con_cls,
		    enum MHD_RequestTerminationCode toe)
{
	struct upload *u = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (u)
		free(u->p);
	free(u);
	*con_cls = NULL;
}

static void recv_init(struct recv_srv *r, enum recv_mode mode)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	r->mode = mode;
	r->port = sink_free_port();
}

int recv_start_tls(struct recv_srv *r, enum recv_mode mode, const char *key,
		   const char *cert)
{
	recv_init(r, mode);
	r->daemon = MHD_start_daemon(
		MHD_USE_THREAD_PER_CONNECTION |
			MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_TLS,
		(uint16_t)r->port, NULL, NULL, on_req, r,
		MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL,
		MHD_OPTION_HTTPS_MEM_KEY, key, MHD_OPTION_HTTPS_MEM_CERT, cert,
		MHD_OPTION_END);
	return r->daemon ? 0 : -EINVAL;
}

int recv_start(struct recv_srv *r, enum recv_mode mode)
{
	recv_init(r, mode);
	/* a thread per connection: a hanging answer holds only its own */
	r->daemon = MHD_start_daemon(
		MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD,
		(uint16_t)r->port, NULL, NULL, on_req, r,
		MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL, MHD_OPTION_END);
	return r->daemon ? 0 : -EADDRINUSE;
}

int recv_wait(struct recv_srv *r, int n, int ms)
{
	struct timespec ts = bs_deadline_ms(ms);
	int got;

	pthread_mutex_lock(&r->lock);
	while (r->n < n && !pthread_cond_timedwait(&r->cond, &r->lock, &ts))
		;
	got = r->n;
	pthread_mutex_unlock(&r->lock);
	return got;
}

void recv_stop(struct recv_srv *r)
{
	pthread_mutex_lock(&r->lock);
	r->released = 1;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	if (r->daemon)
		MHD_stop_daemon(r->daemon);
	for (int i = 0; i < r->n && i < RECV_MAX; i++)
		free(r->bodies[i]);
	pthread_cond_destroy(&r->cond);
	pthread_mutex_destroy(&r->lock);
}
