// SPDX-License-Identifier: Apache-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "agent/metrics.h"
#include "lib/grow.h"
#include "lib/log.h"

struct series {
	char *ns, *pod, *container, *method; /* one allocation, ns first */
	uint64_t n;
};

struct bs_metrics {
	pthread_mutex_t lock;
	struct series *s;
	size_t n, cap;
	uint64_t unlabelled;
	struct MHD_Daemon *d;
	int port;
	bs_metrics_collect_fn collect;
	void *arg;
};

void bs_prom_head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* sep (the '{' before the first label, ',' before the others), then
 * name="…" with \, " and newline escaped, as the format asks. */
void bs_prom_label(FILE *f, char sep, const char *name, const char *v)
{
	fprintf(f, "%c%s=\"", sep, name);
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(f, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
	fputc('"', f);
}

static struct series *find_or_add(struct bs_metrics *m,
				  const struct bs_alert *a)
{
	size_t l1 = strlen(a->ns) + 1, l2 = strlen(a->pod) + 1,
	       l3 = strlen(a->container) + 1, l4 = strlen(a->method) + 1;
	struct series *s;
	char *p;

	/* linear: alerts are rare, series few */
	for (size_t i = 0; i < m->n; i++) {
		s = &m->s[i];
		if (!strcmp(s->ns, a->ns) && !strcmp(s->pod, a->pod) &&
		    !strcmp(s->container, a->container) &&
		    !strcmp(s->method, a->method))
			return s;
	}
	if (m->n == BS_METRICS_MAX_SERIES)
		return NULL;
	s = bs_grow(m->s, &m->cap, m->n, sizeof(*s), 16);
	if (!s)
		return NULL;
	m->s = s;
	p = malloc(l1 + l2 + l3 + l4);
	if (!p)
		return NULL;
	s = &m->s[m->n++];
	s->ns = memcpy(p, a->ns, l1);
	s->pod = memcpy(p + l1, a->pod, l2);
	s->container = memcpy(p + l1 + l2, a->container, l3);
	s->method = memcpy(p + l1 + l2 + l3, a->method, l4);
	s->n = 0;
	return s;
}

static int metrics_deliver(void *impl, const struct bs_alert *a)
{
	struct bs_metrics *m = impl;
	struct series *s;

	pthread_mutex_lock(&m->lock);
	s = find_or_add(m, a);
	if (s)
		s->n += a->count;
	else
		m->unlabelled += a->count;
	pthread_mutex_unlock(&m->lock);
	return 0;
}

static void write_alerts(struct bs_metrics *m, FILE *f)
{
	bs_prom_head(f, "beesting_alerts_total", "counter",
		     "Accesses to honeytokens (folded repeats counted), by the "
		     "token's namespace, pod and container and the method");
	pthread_mutex_lock(&m->lock);
	for (size_t i = 0; i < m->n; i++) {
		struct series *s = &m->s[i];

		fputs("beesting_alerts_total", f);
		bs_prom_label(f, '{', "namespace", s->ns);
		bs_prom_label(f, ',', "pod", s->pod);
		bs_prom_label(f, ',', "container", s->container);
		bs_prom_label(f, ',', "method", s->method);
		fprintf(f, "} %" PRIu64 "\n", s->n);
	}
	bs_prom_head(f, "beesting_alerts_unlabelled_total", "counter",
		     "Accesses counted past the label series limit");
	fprintf(f, "beesting_alerts_unlabelled_total %" PRIu64 "\n",
		m->unlabelled);
	pthread_mutex_unlock(&m->lock);
}

char *bs_metrics_render(struct bs_metrics *m, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		return NULL;
	write_alerts(m, f);
	if (m->collect)
		m->collect(f, m->arg);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int code,
			     const char *type, char *body, size_t len,
			     enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	ret = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct bs_metrics *m = cls;
	static char not_found[] = "try /metrics\n";
	size_t len = 0;
	char *body;

	(void)version;
	(void)upload;
	(void)upload_size;
	(void)con_cls;
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain",
			     not_found, sizeof(not_found) - 1,
			     MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/metrics"))
		return reply(conn, MHD_HTTP_NOT_FOUND, "text/plain", not_found,
			     sizeof(not_found) - 1, MHD_RESPMEM_PERSISTENT);
	body = bs_metrics_render(m, &len);
	if (!body)
		return MHD_NO;
	return reply(conn, MHD_HTTP_OK,
		     "text/plain; version=0.0.4; charset=utf-8", body, len,
		     MHD_RESPMEM_MUST_FREE);
}

/* HOST:PORT -> sockaddr; an empty or "*" host listens on all of IPv6+v4. */
static int resolve(const char *addr, struct sockaddr_storage *ss, int *v6)
{
	const struct addrinfo hints = { .ai_family = AF_UNSPEC,
					.ai_socktype = SOCK_STREAM,
					.ai_flags =
						AI_PASSIVE | AI_NUMERICSERV };
	char host[128];
	const char *colon = strrchr(addr, ':');
	struct addrinfo *res;
	size_t hl;
	int err;

	if (!colon || (size_t)(colon - addr) >= sizeof(host))
		return -EINVAL;
	hl = (size_t)(colon - addr);
	memcpy(host, addr, hl);
	host[hl] = 0;
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = 0;
	}
	err = getaddrinfo(*host && strcmp(host, "*") ? host : NULL, colon + 1,
			  &hints, &res);
	if (err)
		return -EADDRNOTAVAIL;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*v6 = res->ai_family == AF_INET6;
	freeaddrinfo(res);
	return 0;
}

struct bs_metrics *bs_metrics_start(const char *addr, bs_metrics_collect_fn fn,
				    void *arg)
{
	struct sockaddr_storage ss = { 0 };
	const union MHD_DaemonInfo *info;
	struct bs_metrics *m;
	int v6 = 0, err;

	err = resolve(addr, &ss, &v6);
	if (err) {
		bs_err("--metrics-addr %s: cannot resolve", addr);
		errno = -err;
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	pthread_mutex_init(&m->lock, NULL);
	m->collect = fn;
	m->arg = arg;
	m->d = MHD_start_daemon(
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
			(v6 ? MHD_USE_DUAL_STACK : 0),
		0, NULL, NULL, on_request, m, MHD_OPTION_SOCK_ADDR,
		(struct sockaddr *)&ss, MHD_OPTION_CONNECTION_TIMEOUT, 10u,
		MHD_OPTION_CONNECTION_LIMIT, 32u, MHD_OPTION_END);
	if (!m->d) {
		err = errno ? errno : EADDRINUSE;
		bs_err("--metrics-addr %s: cannot listen: %s", addr,
		       strerror(err));
		pthread_mutex_destroy(&m->lock);
		free(m);
		errno = err;
		return NULL;
	}
	info = MHD_get_daemon_info(m->d, MHD_DAEMON_INFO_BIND_PORT);
	m->port = info ? info->port : 0;
	return m;
}

int bs_metrics_port(const struct bs_metrics *m)
{
	return m->port;
}

static void metrics_stop(void *impl)
{
	struct bs_metrics *m = impl;

	if (m && m->d)
		MHD_stop_daemon(m->d); /* waits for a scrape in flight */
	if (m)
		m->d = NULL;
}

static void metrics_free(void *impl)
{
	struct bs_metrics *m = impl;

	if (!m)
		return;
	metrics_stop(m);
	for (size_t i = 0; i < m->n; i++)
		free(m->s[i].ns);
	free(m->s);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

const struct bs_sink_ops bs_sink_metrics_ops = {
	.kind = "metrics",
	.deliver = metrics_deliver,
	.stop = metrics_stop,
	.free = metrics_free,
};
