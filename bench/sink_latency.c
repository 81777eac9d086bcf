// SPDX-License-Identifier: Apache-2.0
/*
 * sink-bench: how long after an access of a token the alert reaches a
 * webhook receiver, the Prometheus counter and the Kubernetes API.  The
 * real agent (bind + open) runs as a child with --webhook to a
 * libmicrohttpd receiver here, --metrics-addr, and --kube-api to a stand-in
 * API server here (it answers as one and says it is a stand-in); each of N
 * opens of the token is timed to the POST's arrival (taken in the
 * receiver), to the Event's POST arriving at the stand-in, and to the first
 * /metrics scrape that shows the counter moved (polled back to back: a
 * scraper's interval adds to this).  Appends p50/p99 rows to
 * RESULTS/sinks.csv.
 *
 *   sink-bench [-n N] [-r RESULTS] [-c COMMIT] [-b BUILD]
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench/sink_common.h"
#include "harness/agentproc.h"
#include "harness/runtime/nri_victim.h"
#include "lib/clock.h"
#include "lib/csv.h"
#include "lib/net.h"
#include "lib/stats.h"
#include "nri/runtime.h"

#define TOKEN "/var/run/secrets/eks.amazonaws.com/access_key_token"

#define STAND_IN                                                               \
	"{\"kind\":\"Status\",\"status\":\"Success\",\"message\":"             \
	"\"beesting sink-bench stand-in: not a real kube-apiserver\"}"

/* Requests whose URL ends in suffix ("" = all): how many, the last when. */
struct recv {
	pthread_mutex_t lock;
	const char *suffix;
	int n;
	int64_t last_ns;
};

static struct recv rx = { PTHREAD_MUTEX_INITIALIZER, "", 0, 0 };
static struct recv rx_kube = { PTHREAD_MUTEX_INITIALIZER, "/events", 0, 0 };

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

static enum MHD_Result on_req(void *cls, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      const char *version, const char *data,
			      size_t *size, void **con_cls)
{
	struct recv *rv = cls;

	(void)method, (void)version, (void)data;
	if (!bs_sink_req_complete(size, con_cls))
		return MHD_YES;
	pthread_mutex_lock(&rv->lock);
	if (ends_with(url, rv->suffix)) {
		rv->n++;
		rv->last_ns = bs_now_ns();
	}
	pthread_mutex_unlock(&rv->lock);
	return bs_sink_reply(conn, STAND_IN);
}

/* The victim's alert counter in one scrape; -1 when unreachable. */
static long scrape(CURL *c, const char *url)
{
	static const char series[] =
		"beesting_alerts_total{namespace=\"default\",pod=\"victim\","
		"container=\"app\",method=\"open\"} ";
	struct bs_membuf b = { 0 };
	long v = -1;
	char *s;

	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, bs_membuf_append);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 2000L);
	if (curl_easy_perform(c) == CURLE_OK && b.p) {
		s = strstr(b.p, series);
		v = s ? strtol(s + sizeof(series) - 1, NULL, 10) : 0;
	}
	free(b.p);
	return v;
}

struct ctx {
	struct bs_agent_dirs rd;
	char hook_url[64], maddr[32], metrics_url[64], kube_url[64];
	struct bs_agent agent;
	struct bs_nri_runtime *rt;
	struct MHD_Daemon *d, *kd;
};

static int start_agent(struct ctx *x, const char *bin)
{
	x->agent.pid = fork();
	if (x->agent.pid < 0)
		return -errno;
	if (x->agent.pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execl(bin, bin, "--nri-socket", x->rd.sock, "--state-dir",
		      x->rd.state, "--hook-dir", x->rd.hook, "--events",
		      x->rd.events, "--inject", "bind", "--detect", "open",
		      "--aggregate-ms", "0", "--node", "bench", "--webhook",
		      x->hook_url, "--metrics-addr", x->maddr, "--kube-api",
		      x->kube_url, NULL);
		_exit(127);
	}
	return bs_nri_runtime_accept(x->rt, 10000, NULL, 0, NULL, 0);
}

static int wait_recv(struct recv *rv, int want, int64_t *at)
{
	int64_t deadline = bs_now_ns() + 5000000000LL;
	int ok;

	pthread_mutex_lock(&rv->lock);
	while (rv->n < want && bs_now_ns() < deadline) {
		pthread_mutex_unlock(&rv->lock);
		usleep(50);
		pthread_mutex_lock(&rv->lock);
	}
	ok = rv->n >= want;
	*at = rv->last_ns;
	pthread_mutex_unlock(&rv->lock);
	return ok ? 0 : -ETIMEDOUT;
}

static int measure(struct ctx *x, const char *src, int n, struct bs_samples *wh,
		   struct bs_samples *met, struct bs_samples *ev)
{
	CURL *c = curl_easy_init();
	int err = 0;

	if (!c)
		return -ENOMEM;
	/* the agent is up once /metrics answers */
	for (int i = 0; i < 200 && scrape(c, x->metrics_url) < 0; i++)
		usleep(20000);
	for (int i = 1; i <= n && !err; i++) {
		char b[64];
		int64_t t0, t_wh = 0, t_met = 0, t_ev = 0;
		int fd;

		usleep(2000); /* one access at a time */
		t0 = bs_now_ns();
		fd = open(src, O_RDONLY);
		if (fd < 0 || read(fd, b, sizeof(b)) < 0)
			err = -errno;
		if (fd >= 0)
			close(fd);
		while (!err && !t_met) {
			long v = scrape(c, x->metrics_url);

			if (v >= i)
				t_met = bs_now_ns();
			else if (bs_now_ns() - t0 > 5000000000LL)
				err = -ETIMEDOUT;
		}
		if (!err)
			err = wait_recv(&rx, i, &t_wh);
		if (!err)
			err = wait_recv(&rx_kube, i, &t_ev);
		if (!err) {
			bs_samples_add(met, (double)(t_met - t0) / 1000.0);
			bs_samples_add(wh, (double)(t_wh - t0) / 1000.0);
			bs_samples_add(ev, (double)(t_ev - t0) / 1000.0);
		}
	}
	curl_easy_cleanup(c);
	return err;
}

static int write_rows(const char *results, const char *commit, int n,
		      struct bs_samples *wh, struct bs_samples *met,
		      struct bs_samples *ev)
{
	static const char *const header[] = { "commit", "metric", "unit",
					      "n",	"p50",	  "p99" };
	struct bs_samples *s[] = { wh, met, ev };
	const char *names[] = { "access_to_webhook_received",
				"access_to_metric_incremented",
				"access_to_event_posted_standin" };
	struct bs_csv csv = { 0 };
	char path[512];
	int err;

	snprintf(path, sizeof(path), "%s/sinks.csv", results);
	err = bs_csv_open(&csv, path, header, 6);
	for (int i = 0; !err && i < 3; i++) {
		char nn[16], p50[32], p99[32];
		const char *row[6] = { commit, names[i], "us", nn, p50, p99 };

		snprintf(nn, sizeof(nn), "%d", n);
		snprintf(p50, sizeof(p50), "%.1f",
			 bs_samples_quantile(s[i], 0.5));
		snprintf(p99, sizeof(p99), "%.1f",
			 bs_samples_quantile(s[i], 0.99));
		printf("%s,%s,%s,%s,%s,%s\n", row[0], row[1], row[2], row[3],
		       row[4], row[5]);
		err = bs_csv_write(&csv, row, 6);
	}
	bs_csv_close(&csv);
	return err;
}

static void cleanup(struct ctx *x)
{
	bs_agent_stop(&x->agent, 5000);
	if (x->rt)
		bs_nri_runtime_free(x->rt);
	if (x->d)
		MHD_stop_daemon(x->d);
	if (x->kd)
		MHD_stop_daemon(x->kd);
	bs_agent_dirs_remove(&x->rd);
}

static int setup(struct ctx *x)
{
	struct bs_nri_runtime_config rc = { .socket_path = x->rd.sock };
	int hp = bs_free_tcp_port(), mp = bs_free_tcp_port();
	int kp = bs_free_tcp_port(), err;

	err = bs_agent_dirs_make(&x->rd, "/run/bs-sinkbench-XXXXXX");
	if (err)
		return err;
	snprintf(x->hook_url, sizeof(x->hook_url), "http://127.0.0.1:%d/", hp);
	snprintf(x->maddr, sizeof(x->maddr), "127.0.0.1:%d", mp);
	snprintf(x->metrics_url, sizeof(x->metrics_url),
		 "http://127.0.0.1:%d/metrics", mp);
	snprintf(x->kube_url, sizeof(x->kube_url), "http://127.0.0.1:%d", kp);
	x->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, (uint16_t)hp,
				NULL, NULL, on_req, &rx, MHD_OPTION_END);
	x->kd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, (uint16_t)kp,
				 NULL, NULL, on_req, &rx_kube, MHD_OPTION_END);
	x->rt = bs_nri_runtime_new(&rc);
	return x->d && x->kd && x->rt ? 0 : -ENOMEM;
}

int main(int argc, char **argv)
{
	struct bs_sink_where w = BS_SINK_WHERE_DEFAULT;
	struct bs_samples wh = { 0 }, met = { 0 }, ev = { 0 };
	struct ctx x = { .agent = { .pid = -1, .exit_status = -1 } };
	char bin[256], src[512];
	int n = 200, opt, err;

	while ((opt = getopt(argc, argv, "n:r:c:b:")) != -1) {
		if (opt == 'n')
			n = atoi(optarg);
		else if (!bs_sink_where_opt(opt, &w))
			return 2;
	}
	if (n <= 0)
		return 2;
	snprintf(bin, sizeof(bin), "%s/beesting", w.build);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	err = setup(&x);
	if (!err)
		err = start_agent(&x, bin);
	if (!err)
		err = bs_nri_victim_token(x.rt, TOKEN, src, sizeof(src));
	if (!err)
		err = measure(&x, src, n, &wh, &met, &ev);
	if (!err)
		err = write_rows(w.results, w.commit, n, &wh, &met, &ev);
	cleanup(&x);
	bs_samples_free(&wh);
	bs_samples_free(&met);
	bs_samples_free(&ev);
	if (getenv("BEESTING_KUBECONFIG"))
		fprintf(stderr, "sink-bench: the Event row is the stand-in's; "
				"a real cluster's Event latency is not "
				"measured here\n");
	if (err)
		fprintf(stderr, "sink-bench: %s\n", strerror(-err));
	return err ? 1 : 0;
}
