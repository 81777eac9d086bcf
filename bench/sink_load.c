// SPDX-License-Identifier: Apache-2.0
/*
 * sink-load: the agent with every sink on, at RATE alerts per second for
 * SECONDS.  The real agent (bind + open, --aggregate-ms 0 so that each open
 * of the token is one alert) writes --events to a file and POSTs to three
 * webhooks (beesting and falco shapes to receivers here, the alertmanager
 * shape to a real Alertmanager when Debian's is installed, else to a
 * receiver here), serves /metrics (scraped here once a second) and sends
 * Events and annotations to a stand-in API server here.  The agent's RSS and
 * CPU are sampled once a second; at the end every sink must account for
 * every alert line: delivered + dropped + failed = alerts, exactly.
 * Appends rows to RESULTS/sinks.csv (commit,metric,unit,n,p50,p99; for a
 * count p50 = p99 = the count).
 *
 *   sink-load [-s SECONDS] [-R RATE] [-r RESULTS] [-c COMMIT] [-b BUILD]
 */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <microhttpd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/sink_common.h"
#include "harness/agentproc.h"
#include "harness/runtime/nri_victim.h"
#include "lib/clock.h"
#include "lib/cmd.h"
#include "lib/csv.h"
#include "lib/net.h"
#include "lib/stats.h"
#include "nri/runtime.h"

#define TOKEN	"/var/run/secrets/eks.amazonaws.com/access_key_token"
#define N_SINKS 5

#define STAND_IN                                                               \
	"{\"kind\":\"Status\",\"status\":\"Success\",\"message\":"             \
	"\"beesting sink-load stand-in: not a real receiver or "               \
	"kube-apiserver\"}"

/* A receiver here: counts what arrives, answers 200 with the stand-in. */
struct rx {
	struct MHD_Daemon *d;
	int port;
	unsigned long n; /* requests, read after the daemon stopped */
};

static enum MHD_Result on_req(void *cls, struct MHD_Connection *conn,
			      const char *url, const char *method,
			      const char *version, const char *data,
			      size_t *size, void **con_cls)
{
	struct rx *r = cls;

	(void)url, (void)method, (void)version, (void)data;
	if (!bs_sink_req_complete(size, con_cls))
		return MHD_YES;
	__atomic_add_fetch(&r->n, 1, __ATOMIC_RELAXED);
	return bs_sink_reply(conn, STAND_IN);
}

static int rx_start(struct rx *r)
{
	r->port = bs_free_tcp_port();
	r->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD,
				(uint16_t)r->port, NULL, NULL, on_req, r,
				MHD_OPTION_END);
	return r->d ? 0 : -EADDRINUSE;
}

static void rx_stop(struct rx *r)
{
	if (r->d)
		MHD_stop_daemon(r->d);
	r->d = NULL;
}

struct ctx {
	struct bs_agent_dirs rd;
	char maddr[32], murl[64];
	char wh[3][96], kube[64];
	struct rx rx_bee, rx_falco, rx_am, rx_kube;
	pid_t agent, am;
	struct bs_nri_runtime *rt;
};

static const char *const sink_names[N_SINKS] = { "webhook0", "webhook1",
						 "webhook2", "metrics",
						 "kube" };

static void stop_pid(pid_t p)
{
	if (p <= 0)
		return;
	kill(p, SIGTERM);
	waitpid(p, NULL, 0);
}

static long http_get(CURL *c, const char *url, struct bs_membuf *b)
{
	long code = -1;

	b->p = NULL;
	b->n = 0;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, bs_membuf_append);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	return code;
}

/* A real Alertmanager on loopback when installed; 0 = started. */
static int start_alertmanager(struct ctx *x, int port)
{
	static const char bin[] = "/usr/bin/prometheus-alertmanager";
	char cfg[192], a_cfg[256], a_data[256], a_listen[64], log[192];
	char url[96];
	struct bs_membuf b;
	CURL *c;
	FILE *f;

	if (access(bin, X_OK))
		return -ENOENT;
	snprintf(cfg, sizeof(cfg), "%s/am.yml", x->rd.dir);
	f = fopen(cfg, "w");
	if (!f)
		return -errno;
	fputs("route:\n  receiver: none\nreceivers:\n  - name: none\n", f);
	fclose(f);
	snprintf(a_cfg, sizeof(a_cfg), "--config.file=%s", cfg);
	snprintf(a_data, sizeof(a_data), "--storage.path=%s/am", x->rd.dir);
	snprintf(a_listen, sizeof(a_listen),
		 "--web.listen-address=127.0.0.1:%d", port);
	snprintf(log, sizeof(log), "%s/am.log", x->rd.dir);
	{
		char *const argv[] = { (char *)bin,
				       a_cfg,
				       a_data,
				       a_listen,
				       "--cluster.listen-address=",
				       NULL };

		x->am = bs_cmd_spawn(argv, log);
	}
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/-/ready", port);
	c = curl_easy_init();
	for (int i = 0; c && i < 100; i++) {
		long code = http_get(c, url, &b);

		free(b.p);
		if (code == 200) {
			curl_easy_cleanup(c);
			return 0;
		}
		usleep(100000);
	}
	curl_easy_cleanup(c);
	return -ETIMEDOUT;
}

static int setup(struct ctx *x, int *real_am)
{
	struct bs_nri_runtime_config rc = { .socket_path = x->rd.sock };
	int mp = bs_free_tcp_port(), amp = bs_free_tcp_port(), err;

	err = bs_agent_dirs_make(&x->rd, "/run/bs-sinkload-XXXXXX");
	if (err)
		return err;
	snprintf(x->maddr, sizeof(x->maddr), "127.0.0.1:%d", mp);
	snprintf(x->murl, sizeof(x->murl), "http://127.0.0.1:%d/metrics", mp);
	if (rx_start(&x->rx_bee) || rx_start(&x->rx_falco) ||
	    rx_start(&x->rx_kube))
		return -EADDRINUSE;
	snprintf(x->wh[0], sizeof(x->wh[0]), "beesting=http://127.0.0.1:%d/",
		 x->rx_bee.port);
	snprintf(x->wh[1], sizeof(x->wh[1]), "falco=http://127.0.0.1:%d/",
		 x->rx_falco.port);
	*real_am = !start_alertmanager(x, amp);
	if (*real_am) {
		snprintf(x->wh[2], sizeof(x->wh[2]),
			 "alertmanager=http://127.0.0.1:%d/api/v2/alerts", amp);
	} else {
		fprintf(stderr, "sink-load: no Alertmanager (make deps); "
				"its shape goes to a receiver here\n");
		if (rx_start(&x->rx_am))
			return -EADDRINUSE;
		snprintf(x->wh[2], sizeof(x->wh[2]),
			 "alertmanager=http://127.0.0.1:%d/", x->rx_am.port);
	}
	snprintf(x->kube, sizeof(x->kube), "http://127.0.0.1:%d",
		 x->rx_kube.port);
	x->rt = bs_nri_runtime_new(&rc);
	return x->rt ? 0 : -ENOMEM;
}

static int start_agent(struct ctx *x, const char *bin)
{
	char log[192];
	char *const argv[] = {
		(char *)bin,   "--nri-socket",	 x->rd.sock,
		"--state-dir", x->rd.state,	 "--hook-dir",
		x->rd.hook,    "--events",	 x->rd.events,
		"--inject",    "bind",		 "--detect",
		"open",	       "--aggregate-ms", "0",
		"--node",      "bench",		 "--webhook",
		x->wh[0],      "--webhook",	 x->wh[1],
		"--webhook",   x->wh[2],	 "--metrics-addr",
		x->maddr,      "--kube-api",	 x->kube,
		"--log-level", "warn",		 NULL
	};

	snprintf(log, sizeof(log), "%s/agent.log", x->rd.dir);
	x->agent = bs_cmd_spawn(argv, log);
	if (x->agent < 0)
		return -errno;
	return bs_nri_runtime_accept(x->rt, 10000, NULL, 0, NULL, 0);
}

/* A "Vm...:" line of /proc/pid/status in KiB; -1 when gone. */
static long status_kib(pid_t pid, const char *key)
{
	char path[64], line[256];
	size_t n = strlen(key);
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) &&
		    sscanf(line + n, " %ld", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib;
}

/* utime+stime of pid in clock ticks; -1 when gone. */
static long cpu_ticks(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	p = strrchr(buf, ')'); /* comm may hold spaces */
	if (!p || sscanf(p + 2,
			 "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			 "%lu %lu",
			 &ut, &st) != 2)
		return -1;
	return (long)(ut + st);
}

/* One value out of a scrape: the sample line "name{labels} V" or "name V". */
static long metric(const char *text, const char *series)
{
	size_t n = strlen(series);
	const char *p = text;

	while (p && *p) {
		if (!strncmp(p, series, n) && p[n] == ' ')
			return strtol(p + n + 1, NULL, 10);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -1;
}

struct tally {
	long alerts, drops, write_errors;
	long delivered[N_SINKS], dropped[N_SINKS], failed[N_SINKS];
	long queued[N_SINKS];
};

static int scrape_tally(CURL *c, const char *url, struct tally *t)
{
	static const char *const kinds[N_SINKS] = { "webhook", "webhook",
						    "webhook", "metrics",
						    "kube" };
	struct bs_membuf b;
	char s[160];

	memset(t, 0, sizeof(*t));
	if (http_get(c, url, &b) != 200 || !b.p) {
		free(b.p);
		return -EIO;
	}
	t->alerts = metric(b.p, "beesting_alert_lines_total");
	t->drops = metric(b.p, "beesting_ringbuf_drops_total");
	t->write_errors = metric(b.p, "beesting_alert_write_errors_total");
	for (int i = 0; i < N_SINKS; i++) {
#define SINK(field, name)                                                      \
	snprintf(s, sizeof(s), name "{sink=\"%s\",kind=\"%s\"}",               \
		 sink_names[i], kinds[i]);                                     \
	t->field[i] = metric(b.p, s)
		SINK(delivered, "beesting_sink_delivered_total");
		SINK(dropped, "beesting_sink_dropped_total");
		SINK(failed, "beesting_sink_failed_total");
		SINK(queued, "beesting_sink_queue_length");
#undef SINK
	}
	free(b.p);
	return 0;
}

/* Every open became an alert line or a counted drop, and every sink is
 * done with every line.  The agent hands an alert to the sinks before it
 * counts the line, so only once all lines are counted is this final. */
static int drained(const struct tally *t, long seen)
{
	if (t->alerts + t->drops < seen)
		return 0;
	for (int i = 0; i < N_SINKS; i++)
		if (t->queued[i] != 0 ||
		    t->delivered[i] + t->dropped[i] + t->failed[i] < t->alerts)
			return 0;
	return 1;
}

struct load {
	long opens, open_errors;
	double elapsed_s; /* of the opens: the rate they reached */
	struct bs_samples rss, cpu;
	long hwm_kib;
};

/* RATE opens a second on an absolute schedule; a sample each second. */
static int drive(struct ctx *x, const char *src, int secs, int rate,
		 struct load *l, CURL *c)
{
	const long tck = sysconf(_SC_CLK_TCK);
	const int64_t step = 1000000000LL / rate;
	int64_t t0 = bs_now_ns(), next_sample = t0 + 1000000000LL;
	long last_cpu = cpu_ticks(x->agent);
	struct tally t;

	for (long i = 0; i < (long)secs * rate; i++) {
		int64_t due = t0 + i * step, now = bs_now_ns();
		char b[64];
		int fd;

		if (due > now) {
			struct timespec ts = { 0, (long)(due - now) };

			nanosleep(&ts, NULL);
		}
		fd = open(src, O_RDONLY);
		if (fd < 0 || read(fd, b, sizeof(b)) < 0)
			l->open_errors++;
		if (fd >= 0)
			close(fd);
		l->opens++;
		if (bs_now_ns() >= next_sample) {
			long cpu = cpu_ticks(x->agent),
			     rss = status_kib(x->agent, "VmRSS:");

			if (cpu < 0 || rss < 0)
				return -ESRCH;
			bs_samples_add(&l->rss, (double)rss);
			bs_samples_add(&l->cpu,
				       100.0 * (double)(cpu - last_cpu) / tck);
			last_cpu = cpu;
			next_sample += 1000000000LL;
			/* what a Prometheus scraping every second costs */
			scrape_tally(c, x->murl, &t);
		}
	}
	l->elapsed_s = (double)(bs_now_ns() - t0) / 1e9;
	return 0;
}

struct row {
	char name[64];
	const char *unit;
	long n;
	double p50, p99;
};

#define MAX_ROWS (16 + 4 * N_SINKS)

static void add(struct row *r, size_t *n, const char *name, const char *unit,
		long cnt, double p50, double p99)
{
	struct row *x = &r[(*n)++];

	snprintf(x->name, sizeof(x->name), "%s", name);
	x->unit = unit;
	x->n = cnt;
	x->p50 = p50;
	x->p99 = p99;
}

/* A count: p50 = p99 = the count. */
static void add_count(struct row *r, size_t *n, const char *name, long cnt,
		      long v)
{
	add(r, n, name, "alerts", cnt, (double)v, (double)v);
}

/* The rows; returns 1 when an alert is unaccounted for. */
static int make_rows(int secs, const struct load *l, const struct tally *t,
		     struct row *r, size_t *n)
{
	const long seen = l->opens - l->open_errors;
	const double rate = (double)l->opens / l->elapsed_s;
	char name[64];
	int lost = seen != t->alerts + t->drops;

	add(r, n, "load_agent_rss", "KiB", (long)l->rss.n,
	    bs_samples_median(&l->rss), bs_samples_quantile(&l->rss, 0.99));
	add(r, n, "load_agent_rss_peak", "KiB", secs, (double)l->hwm_kib,
	    (double)l->hwm_kib);
	add(r, n, "load_agent_cpu", "%core", (long)l->cpu.n,
	    bs_samples_median(&l->cpu), bs_samples_quantile(&l->cpu, 0.99));
	add(r, n, "load_rate", "alerts/s", secs, rate, rate);
	add_count(r, n, "load_opens", secs, l->opens);
	add_count(r, n, "load_alerts", secs, t->alerts);
	add_count(r, n, "load_ringbuf_drops", secs, t->drops);
	add_count(r, n, "load_stream_write_errors", secs, t->write_errors);
	/* every open is an alert line or a counted ring-buffer drop */
	add_count(r, n, "load_detect_unaccounted", secs,
		  seen - t->alerts - t->drops);
	for (int i = 0; i < N_SINKS; i++) {
		long acc = t->delivered[i] + t->dropped[i] + t->failed[i];
		const struct {
			const char *what;
			long v;
		} c[] = { { "delivered", t->delivered[i] },
			  { "dropped", t->dropped[i] },
			  { "failed", t->failed[i] },
			  { "unaccounted", t->alerts - acc } };

		lost |= acc != t->alerts;
		for (size_t k = 0; k < sizeof(c) / sizeof(c[0]); k++) {
			snprintf(name, sizeof(name), "load_%s_%s",
				 sink_names[i], c[k].what);
			add_count(r, n, name, t->alerts, c[k].v);
		}
	}
	return lost;
}

/* 0, 1 when an alert is unaccounted for (rows are written anyway), or
 * -errno. */
static int write_rows(const char *results, const char *commit, int secs,
		      const struct load *l, const struct tally *t)
{
	static const char *const header[] = { "commit", "metric", "unit",
					      "n",	"p50",	  "p99" };
	struct row rows[MAX_ROWS];
	struct bs_csv csv = { 0 };
	size_t n = 0;
	char path[512];
	int err, lost;

	lost = make_rows(secs, l, t, rows, &n);
	snprintf(path, sizeof(path), "%s/sinks.csv", results);
	err = bs_csv_open(&csv, path, header, 6);
	for (size_t i = 0; !err && i < n; i++) {
		char nn[24], a[32], b[32];
		const char *f[6] = { commit, rows[i].name, rows[i].unit, nn, a,
				     b };

		snprintf(nn, sizeof(nn), "%ld", rows[i].n);
		snprintf(a, sizeof(a), "%.1f", rows[i].p50);
		snprintf(b, sizeof(b), "%.1f", rows[i].p99);
		printf("%s,%s,%s,%s,%s,%s\n", f[0], f[1], f[2], f[3], f[4],
		       f[5]);
		err = bs_csv_write(&csv, f, 6);
	}
	bs_csv_close(&csv);
	return err ? err : lost;
}

static void cleanup(struct ctx *x)
{
	stop_pid(x->agent);
	stop_pid(x->am);
	if (x->rt)
		bs_nri_runtime_free(x->rt);
	rx_stop(&x->rx_bee);
	rx_stop(&x->rx_falco);
	rx_stop(&x->rx_am);
	rx_stop(&x->rx_kube);
	bs_agent_dirs_remove(&x->rd);
}

/* After the load: queues empty and every sink caught up (up to 60 s). */
static int settle(struct ctx *x, CURL *c, long seen, struct tally *t)
{
	for (int i = 0; i < 600; i++) {
		if (!scrape_tally(c, x->murl, t) && drained(t, seen))
			return 0;
		usleep(100000);
	}
	return scrape_tally(c, x->murl, t);
}

static int run(struct ctx *x, const char *bin, int secs, int rate,
	       struct load *l, struct tally *t)
{
	char src[512];
	struct tally t0;
	int real_am = 0, err;
	CURL *c;

	err = setup(x, &real_am);
	if (!err)
		err = start_agent(x, bin);
	if (!err)
		err = bs_nri_victim_token(x->rt, TOKEN, src, sizeof(src));
	if (err)
		return err;
	c = curl_easy_init();
	if (!c)
		return -ENOMEM;
	for (int i = 0; i < 200 && scrape_tally(c, x->murl, &t0); i++)
		usleep(20000);
	err = drive(x, src, secs, rate, l, c);
	if (!err)
		err = settle(x, c, l->opens - l->open_errors, t);
	l->hwm_kib = status_kib(x->agent, "VmHWM:");
	curl_easy_cleanup(c);
	printf("sink-load: %d s at %d/s, alertmanager %s; receivers got "
	       "beesting %lu, falco %lu, kube %lu requests\n",
	       secs, rate, real_am ? "real" : "stand-in",
	       __atomic_load_n(&x->rx_bee.n, __ATOMIC_RELAXED),
	       __atomic_load_n(&x->rx_falco.n, __ATOMIC_RELAXED),
	       __atomic_load_n(&x->rx_kube.n, __ATOMIC_RELAXED));
	return err;
}

int main(int argc, char **argv)
{
	struct bs_sink_where w = BS_SINK_WHERE_DEFAULT;
	struct ctx x = { .agent = -1, .am = -1 };
	struct load l = { 0 };
	struct tally t = { 0 };
	int secs = 10, rate = 1000, opt, err;
	char bin[256];

	while ((opt = getopt(argc, argv, "s:R:r:c:b:")) != -1) {
		if (opt == 's')
			secs = atoi(optarg);
		else if (opt == 'R')
			rate = atoi(optarg);
		else if (!bs_sink_where_opt(opt, &w))
			return 2;
	}
	if (secs <= 0 || rate <= 0 || rate > 100000)
		return 2;
	snprintf(bin, sizeof(bin), "%s/beesting", w.build);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	err = run(&x, bin, secs, rate, &l, &t);
	if (!err)
		err = write_rows(w.results, w.commit, secs, &l, &t);
	cleanup(&x);
	bs_samples_free(&l.rss);
	bs_samples_free(&l.cpu);
	if (err < 0)
		fprintf(stderr, "sink-load: %s\n", strerror(-err));
	else if (err)
		fprintf(stderr, "sink-load: a sink does not account for every "
				"alert (see the *_unaccounted rows)\n");
	if (l.hwm_kib >= 32L * 1024)
		fprintf(stderr,
			"sink-load: peak RSS %ld KiB misses the "
			"32 MiB target\n",
			l.hwm_kib);
	return err ? 1 : 0;
}
