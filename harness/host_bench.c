// SPDX-License-Identifier: Apache-2.0
/* The host micro-benchmarks a run ends with (detect-bench, nri-rtt): their
 * CSV rows pass through into the run's overhead rows. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/host_bench.h"
#include "lib/cmd.h"
#include "lib/csv.h"

static bool have_metric(const struct bs_bench *b, const char *metric)
{
	for (size_t i = 0; i < b->n_ovh; i++)
		if (!strcmp(b->ovh[i].metric, metric))
			return true;
	return false;
}

/* Host micro-benchmarks of the detection (detect-bench, nri-rtt): their
 * rows are passed through, metric names + suffix.  A missing program is
 * reported, not fatal. */
static void pass_through(struct bs_bench *b, const char *prog, const char *args,
			 const char *suffix)
{
	char cmd[2 * BS_PATH_LEN], out[8192], *save = NULL;
	int rc;

	snprintf(cmd, sizeof(cmd), "%s/%s", b->cfg.build, prog);
	if (access(cmd, X_OK) != 0) {
		fprintf(stderr, "%s not built: its metrics are skipped\n",
			prog);
		return;
	}
	snprintf(cmd, sizeof(cmd), "timeout 180 '%s/%s' %s", b->cfg.build, prog,
		 args);
	b->step++;
	bs_progress(b, "overhead: %s %s", prog, args);
	rc = bs_run_cmd(cmd, out, sizeof(out));
	if (rc != 0) {
		fprintf(stderr, "%s exited %d: its metrics are skipped\n", prog,
			rc);
		return;
	}
	for (char *l = strtok_r(out, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		char *f[8], metric[64];
		double base, med, p99;

		if (l[0] == '#' || bs_csv_split(l, f, 8) != 7 ||
		    !strcmp(f[0], "metric"))
			continue;
		base = f[3][0] ? strtod(f[3], NULL) : NAN;
		med = f[4][0] ? strtod(f[4], NULL) : NAN;
		p99 = f[5][0] ? strtod(f[5], NULL) : NAN;
		/* a metric the engine measured in the containers keeps its
		 * name; the micro-benchmark's own figure gets a prefix */
		snprintf(metric, sizeof(metric), "%s%s%s",
			 have_metric(b, f[0]) && !*suffix ? "bench_" : "", f[0],
			 suffix);
		bs_bench_overhead(b, metric, f[1], strtoul(f[2], NULL, 10),
				  base, med, p99);
	}
}

void bs_host_benchmarks(struct bs_bench *b)
{
	char args[128];

	if (!b->peer) {
		snprintf(args, sizeof(args),
			 "--detect %s --attach %s --tokens 64 --iters 50000",
			 b->cfg.detect, b->cfg.attach);
		pass_through(b, "detect-bench", args, "");
		/* the same with 1 and with a full map: does cost grow? */
		snprintf(args, sizeof(args),
			 "--detect %s --attach %s --tokens 1 --iters 50000",
			 b->cfg.detect, b->cfg.attach);
		pass_through(b, "detect-bench", args, "_1tok");
		/* fanotify's pause takes every mark off and puts it back:
		 * 20 blocks instead of 200, or 65,536 marks would outlast
		 * the timeout */
		snprintf(args, sizeof(args),
			 "--detect %s --attach %s --tokens 65536 --iters "
			 "50000%s",
			 b->cfg.detect, b->cfg.attach,
			 strcmp(b->cfg.detect, "fanotify") ? ""
							   : " --blocks 20");
		pass_through(b, "detect-bench", args, "_65536tok");
		/* fanotify: a permission mark turns the notify hooks on for
		 * the token's whole filesystem; on a tmpfs of its own the
		 * benchmark file's filesystem is left alone.  And the
		 * accessor's delay with the agent's default folding, a flood
		 * of one token, kill -9 of a listener holding an accessor. */
		if (!strcmp(b->cfg.detect, "fanotify")) {
			pass_through(b, "detect-bench",
				     "--detect fanotify --tokens 64 --iters "
				     "50000 --token-fs tmpfs",
				     "_tmpfs");
			pass_through(b, "detect-bench",
				     "--detect fanotify --tokens 1 --iters "
				     "50000 --aggregate-ms 1000 --flood "
				     "1000000 --failopen 20",
				     "_agg1000");
		}
		/* readscan's window: fewer bytes per token, more samples */
		for (int w = 64; !strcmp(b->cfg.detect, "readscan") && w < 256;
		     w *= 2) {
			char suffix[16];

			snprintf(args, sizeof(args),
				 "--detect readscan --attach %s --tokens 64 "
				 "--iters 50000 --window %d",
				 b->cfg.attach, w);
			snprintf(suffix, sizeof(suffix), "_w%d", w);
			pass_through(b, "detect-bench", args, suffix);
		}
	}
	/* the peers on the same workload: running and watching the token in
	 * the "on" blocks, stopped in the others; one token
	 * (docs/results-schema.md) */
	if (b->peer) {
		char peer_args[BS_PATH_LEN + 96];

		snprintf(peer_args, sizeof(peer_args),
			 "--peer %s --peer-script '%s/harness/peers.sh' "
			 "--iters 50000",
			 b->cfg.detect, b->cfg.srcdir);
		pass_through(b, "detect-bench", peer_args, "");
	}
	pass_through(b, "nri-rtt", "-n 2000", "");
}
