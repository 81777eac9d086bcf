// SPDX-License-Identifier: Apache-2.0
/*
 * nri-rtt: CreateContainer round trips through the real NRI stack (our
 * runtime side -> unix socket -> our plugin side in a thread -> handler
 * adding one mount -> reply -> decoded adjustment).  Prints one CSV row
 * without header: metric,unit,n,baseline_median,median,p99,ratio
 *
 *   nri-rtt [-n N] [-d DIR]
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "lib/stats.h"
#include "nri/plugin.h"
#include "nri/runtime.h"

#define WARMUP 50

static int add_mount(void *arg, const struct bs_pod *pod,
		     const struct bs_container *ctr, struct bs_adjust *adj)
{
	static const char *const opts[] = { "rbind", "ro", NULL };

	(void)arg;
	(void)pod;
	return bs_adjust_add_mount(adj, "/var/run/secrets/token", "bind",
				   ctr->id, (const char **)opts);
}

struct runner {
	struct bs_nri_plugin *p;
	volatile int stop;
};

static void *run_plugin(void *arg)
{
	struct runner *r = arg;

	bs_nri_plugin_run(r->p, &r->stop);
	return NULL;
}

static int measure(struct bs_nri_runtime *rt, long n, struct bs_samples *s)
{
	struct bs_pod pod = {
		.id = "p", .name = "bench", .uid = "u", .ns = "default"
	};
	struct bs_container ctr = { .id = "c0ffee",
				    .pod_id = "p",
				    .name = "app" };
	struct bs_adjust *adj = malloc(sizeof(*adj));
	int err = adj ? 0 : -ENOMEM;

	for (long i = 0; i < n + WARMUP && !err; i++) {
		int64_t t0 = bs_now_ns();

		bs_adjust_init(adj);
		err = bs_nri_runtime_create_container(rt, &pod, &ctr, adj);
		if (!err && adj->n_mounts != 1)
			err = -EPROTO;
		bs_adjust_free(adj);
		if (!err && i >= WARMUP)
			err = bs_samples_add(s, (bs_now_ns() - t0) / 1000.0);
	}
	free(adj);
	return err;
}

static int parse_args(int argc, char **argv, long *n, const char **dir)
{
	int c;

	while ((c = getopt(argc, argv, "n:d:")) != -1) {
		if (c == 'n') {
			char *end;

			*n = strtol(optarg, &end, 10);
			if (*end || *n < 1 || *n > BS_SAMPLES_MAX)
				return -EINVAL;
		} else if (c == 'd') {
			*dir = optarg;
		} else {
			return -EINVAL;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct bs_nri_handlers h = { .events =
					     BS_EV_MASK(BS_EV_CREATE_CONTAINER),
				     .create_container = add_mount };
	struct bs_nri_runtime_config rcfg = { 0 };
	struct bs_nri_plugin_config pcfg = { 0 };
	char tmpl[] = "/tmp/bs-nri-rtt-XXXXXX", sock[256];
	struct bs_samples s = { 0 };
	struct bs_nri_runtime *rt;
	const char *dir = NULL;
	struct runner r = { 0 };
	pthread_t th;
	long n = 2000;
	int err;

	if (parse_args(argc, argv, &n, &dir)) {
		fprintf(stderr, "usage: %s [-n N (1..%d)] [-d DIR]\n", argv[0],
			BS_SAMPLES_MAX);
		return 2;
	}
	bs_log_set_level(BS_LOG_WARN);
	if (!dir && !(dir = mkdtemp(tmpl))) {
		bs_err("nri-rtt: mkdtemp: %s", strerror(errno));
		return 1;
	}
	snprintf(sock, sizeof(sock), "%s/nri.sock", dir);
	rcfg.socket_path = pcfg.socket_path = sock;
	rt = bs_nri_runtime_new(&rcfg);
	r.p = bs_nri_plugin_new(&pcfg, &h);
	if (!rt || !r.p || pthread_create(&th, NULL, run_plugin, &r)) {
		bs_err("nri-rtt: setup failed");
		return 1;
	}
	err = bs_nri_runtime_accept(rt, 5000, NULL, 0, NULL, 0);
	if (!err)
		err = measure(rt, n, &s);
	r.stop = 1;
	pthread_join(th, NULL);
	bs_nri_plugin_free(r.p);
	bs_nri_runtime_free(rt);
	if (dir == tmpl)
		rmdir(tmpl);
	if (err) {
		bs_err("nri-rtt: %s", strerror(-err));
		bs_samples_free(&s);
		return 1;
	}
	printf("nri_create_us,us,%zu,,%.1f,%.1f,\n", s.n, bs_samples_median(&s),
	       bs_samples_quantile(&s, 0.99));
	bs_samples_free(&s);
	return 0;
}
