// SPDX-License-Identifier: Apache-2.0
/* The peer tools (auditd, fatrace) as the run's detector, through
 * harness/peers.sh: start and stop one per victim, and count their records
 * for the token around each attack. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/peers.h"
#include "lib/clock.h"
#include "lib/cmd.h"
#include "lib/fmt.h"

#define PEER_SETTLE_MS 300 /* auditd/fatrace write asynchronously */

/* Peers: count the tool's records for the token before and after. */
static long peer_count(struct bs_bench *b, const struct bs_victim *v,
		       const char *outfile)
{
	char cmd[3 * BS_PATH_LEN], out[64];
	int rc;

	snprintf(cmd, sizeof(cmd), "'%s/harness/peers.sh' count %s '%s' '%s'",
		 b->cfg.srcdir, b->cfg.detect, outfile, v->token_host_path);
	rc = bs_run_cmd(cmd, out, sizeof(out));
	return rc == 0 ? strtol(out, NULL, 10) : -1;
}

static void peer_outfile(struct bs_bench *b, const struct bs_victim *v,
			 char *buf, size_t len)
{
	/* scratch: the counts, not the tool's output, are the result */
	bs_fmt(buf, len, "/tmp/beesting-peer-%d-%s-%s.log", getpid(),
	       b->cfg.detect, v->ctr_name);
}

int bs_peer_attack(struct bs_bench *b, struct bs_victim *v,
		   const struct bs_method *m, struct bs_attack_outcome *o,
		   int *rc)
{
	char out[BS_PATH_LEN + 64];
	long before, after;
	int64_t t0;
	int err;

	peer_outfile(b, v, out, sizeof(out));
	before = peer_count(b, v, out);
	t0 = bs_now_ns();
	err = b->ops->attack(b, v, m, rc);
	if (err)
		return err;
	bs_nap_ms(PEER_SETTLE_MS);
	after = peer_count(b, v, out);
	o->alerts = (before >= 0 && after > before) ? (unsigned)(after - before)
						    : 0;
	o->latency_us = o->alerts ? (double)(bs_now_ns() - t0) / 1000.0 : -1;
	return 0;
}

int bs_peer_start(struct bs_bench *b, const struct bs_victim *v)
{
	char cmd[4 * BS_PATH_LEN], out[512], file[BS_PATH_LEN + 64];
	int rc;

	peer_outfile(b, v, file, sizeof(file));
	snprintf(cmd, sizeof(cmd),
		 "'%s/harness/peers.sh' start %s '%s' '%s' 2>&1", b->cfg.srcdir,
		 b->cfg.detect, v->token_host_path, file);
	rc = bs_run_cmd(cmd, out, sizeof(out));
	if (rc == 3) {
		out[strcspn(out, "\n")] = '\0';
		bs_fmt(b->unavailable, sizeof(b->unavailable), "%s", out);
		fprintf(stderr, "%s unavailable here: %s\n", b->cfg.detect,
			out);
		return -EOPNOTSUPP;
	}
	if (rc != 0)
		return bs_bench_break(b, -EIO, "peers.sh start %s: exit %d: %s",
				      b->cfg.detect, rc, out);
	return 0;
}

void bs_peer_stop(struct bs_bench *b, const struct bs_victim *v)
{
	char cmd[2 * BS_PATH_LEN], file[BS_PATH_LEN + 64];

	snprintf(cmd, sizeof(cmd), "'%s/harness/peers.sh' stop %s >&2",
		 b->cfg.srcdir, b->cfg.detect);
	bs_run_cmd(cmd, NULL, 0);
	peer_outfile(b, v, file, sizeof(file));
	unlink(file);
}
