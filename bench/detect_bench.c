// SPDX-License-Identifier: Apache-2.0
/*
 * detect-bench: what a detection strategy costs the rest of the machine.
 *
 *   detect-bench --detect open|readscan|fanotify|none
 *                --attach auto|...|tracepoint [--tokens N] [--iters N]
 *                [--window 64|128|256] [--token-fs shared|tmpfs]
 *                [--aggregate-ms N] [--flood N] [--failopen N]
 *                [--blocks N]  (even, <= 200: fewer on/off switches)
 *   detect-bench --peer auditd|fatrace [--peer-script PATH] [--iters N]
 *
 * One process, one set of files, alternating blocks with the programs
 * attached and detached (maps stay loaded and armed), so drift of the
 * machine hits both sides alike.  Measures open+close and 4 KiB pread of a
 * NON-token file (cycling through 256 pages of printable random data), and the time from just before open() of the token to the
 * ring-buffer callback.  The token's own open+read, detector off and on
 * (token_open_read_ns; fanotify blocks the accessor until it answered),
 * is measured the same way.  Tokens sit beside the non-token file
 * (--token-fs shared) or on a tmpfs of their own (tmpfs): a fanotify
 * permission mark turns the notify hooks on for its whole filesystem.
 * fanotify's extra tokens are real files (it marks inodes by path).
 * --aggregate-ms folds repeats as the agent does (its default is 1000):
 * no alert latency then, most accesses are folded.
 * --flood N: N opens of the token in a row, off vs on, and whether the
 * alerts' counts add up to N.  --failopen N (fanotify): N times, a
 * stopped listener process holds an accessor of the token blocked and is
 * killed -9; how long until the accessor goes on.
 * --peer: no detector of ours; the peer tool runs watching the token in
 * the "on" blocks and is stopped in the others (harness/peers.sh, as the
 * harness runs it).  Starting and stopping takes about a second, so the
 * peer's workload runs in PEER_BLOCKS longer blocks.
 * Prints "# attach=<backend used>" and CSV rows without header:
 * metric,unit,n,baseline_median,median,p99,ratio
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/peer_toggle.h"
#include "bpf/events.h"
#include "bpf/hookfloor.skel.h"
#include "harness/detect_suite.h"
#include "lib/cli.h"
#include "lib/clock.h"
#include "lib/fs.h"
#include "lib/log.h"
#include "lib/stats.h"
#include "strategies/detect_common.h"
#include "strategies/detect_fanotify.h"
#include "strategies/strategy.h"

#define BLOCKS		    200
#define PEER_BLOCKS	    20
#define MAX_LATENCY_SAMPLES 2000

struct bench {
	const struct bs_detect_ops *ops;
	struct bs_detect_config cfg;
	struct bs_detect_ctx ctx;
	char dir[64], plain[96], token[128], tokdir[96];
	bool tok_tmpfs; /* tokens on a tmpfs of their own */
	long tok_files; /* extra token files made (fanotify) */
	struct bs_token tok;
	int64_t t_open;	    /* set just before opening the token */
	int64_t t_event;    /* set by the callback */
	uint64_t count_sum; /* accesses the token's events stand for */
	uint64_t n_events;  /* events of the token */
	long tokens, iters; /* --tokens, --iters */
	long flood, failopen;
	int blocks;		    /* --blocks: 0 = BLOCKS (PEER_BLOCKS) */
	struct bs_peer_toggle peer; /* peer.tool set: --peer */
};

static void on_event(const struct bs_event *ev, void *arg)
{
	struct bench *b = arg;

	if (ev->token_id != b->tok.id)
		return;
	if (!b->t_event)
		b->t_event = bs_now_ns();
	b->count_sum += ev->count;
	b->n_events++;
}

/* Printable pseudo-random bytes: scans see realistic data, not zeros. */
static void fill(unsigned char *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (unsigned char)(33 + (seed >> 16) % 94);
	}
}

/* pread cycles through this many different 4 KiB pages: a scanner's
 * false hits depend on the bytes, one fixed page would be luck. */
#define PAGES 256

static int make_files(struct bench *b)
{
	static unsigned char buf[4096 * PAGES];
	int err;

	strcpy(b->dir, "/tmp/bs-dbench-XXXXXX");
	if (!mkdtemp(b->dir))
		return -errno;
	snprintf(b->plain, sizeof(b->plain), "%s/plain", b->dir);
	snprintf(b->tokdir, sizeof(b->tokdir), "%s/tok", b->dir);
	if (mkdir(b->tokdir, 0700))
		return -errno;
	if (b->tok_tmpfs && mount("tmpfs", b->tokdir, "tmpfs",
				  MS_NOSUID | MS_NODEV, "mode=0700"))
		return -errno;
	snprintf(b->token, sizeof(b->token), "%s/token", b->tokdir);
	fill(buf, sizeof(buf), 1);
	err = bs_write_file(b->plain, buf, sizeof(buf), 0600);
	memset(&b->tok, 0, sizeof(b->tok));
	b->tok.id = 1;
	b->tok.content_len = BS_RS_WINDOW_MAX;
	fill(b->tok.content, b->tok.content_len, (uint32_t)getpid());
	return err ? err : bs_dtest_token_file(&b->tok, b->token, 0600);
}

static void extra_path(const struct bench *b, long i, char *p, size_t n)
{
	snprintf(p, n, "%s/t%ld", b->tokdir, i);
}

static void remove_files(struct bench *b)
{
	char p[128];

	for (long i = 1; i <= b->tok_files; i++) {
		extra_path(b, i, p, sizeof(p));
		unlink(p);
	}
	unlink(b->plain);
	unlink(b->token);
	if (b->tok_tmpfs)
		umount2(b->tokdir, MNT_DETACH);
	rmdir(b->tokdir);
	rmdir(b->dir);
}

/* fanotify marks inodes through a path: extra token i is a real file. */
static int extra_file(struct bench *b, long i, struct bs_token *t)
{
	struct stat st;
	int err;

	extra_path(b, i, t->host_path, sizeof(t->host_path));
	err = bs_write_file(t->host_path, t->content, t->content_len, 0600);
	if (err)
		return err;
	b->tok_files = i;
	if (stat(t->host_path, &st))
		return -errno;
	t->dev = bs_dev_to_kernel(st.st_dev);
	t->ino = st.st_ino;
	return 0;
}

static bool is_fanotify(const struct bench *b)
{
	return !strcmp(b->ops->name, "fanotify");
}

/* Detach (paused) or re-attach the detector, its tokens kept armed. */
static int pause_detector(struct bench *b, bool paused)
{
	if (b->peer.tool)
		return bs_peer_toggle(&b->peer, !paused);
	if (is_fanotify(b))
		return bs_fan_pause(&b->ctx, paused);
	return bs_det_pause(&b->ctx, paused);
}

/* The real token plus up to n-1 that never match anything here.  A
 * strategy that refuses more (-ENOSPC: readscan's capacity) is measured
 * with what it took; the tokens_armed row says how many. */
static int arm_tokens(struct bench *b, long n)
{
	struct bs_token *t = malloc(sizeof(*t));
	int err = b->ops->arm(&b->ctx, &b->tok);
	long i;

	if (!t)
		return -ENOMEM;
	*t = b->tok;
	t->dev = 1;
	for (i = 1; i < n && !err; i++) {
		t->id = (uint32_t)i + 1;
		t->ino = 1000000 + (uint64_t)i;
		fill(t->content, t->content_len, (uint32_t)i * 7919u + 17);
		err = is_fanotify(b) ? extra_file(b, i, t) : 0;
		if (!err)
			err = b->ops->arm(&b->ctx, t);
	}
	free(t);
	if (err == -ENOSPC && i > 1) {
		i--;
		err = 0;
	}
	if (!err)
		printf("tokens_armed,count,1,,%ld,%ld,\n", i, i);
	return err;
}

static int sample_open_close(struct bs_samples *s, const char *path)
{
	int64_t t0 = bs_now_ns(), t1;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -errno;
	close(fd);
	t1 = bs_now_ns();
	return bs_samples_add(s, (double)(t1 - t0));
}

static int sample_pread(struct bs_samples *s, int fd)
{
	static unsigned int page;
	char buf[4096];
	off_t off = (off_t)(page++ % PAGES) * 4096;
	int64_t t0 = bs_now_ns(), t1;

	if (pread(fd, buf, sizeof(buf), off) != sizeof(buf))
		return -EIO;
	t1 = bs_now_ns();
	return bs_samples_add(s, (double)(t1 - t0));
}

/* open + read of up to len bytes + close: what an accessor does. */
static int read_once(const char *path, size_t len)
{
	char buf[BS_RS_WINDOW_MAX];
	int fd = open(path, O_RDONLY);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len < sizeof(buf) ? len : sizeof(buf));
	err = n < 0 ? -errno : 0;
	close(fd);
	return err;
}

/* Open (and read: readscan needs the bytes) the token, wait for the event. */
static int sample_alert(struct bench *b, struct bs_samples *s)
{
	int64_t deadline;
	int err;

	b->t_event = 0;
	b->t_open = bs_now_ns();
	err = read_once(b->token, 256);
	if (err)
		return err;
	deadline = b->t_open + 1000000000;
	while (!b->t_event && bs_now_ns() < deadline)
		b->ops->poll(&b->ctx, 10);
	if (!b->t_event)
		return -ETIMEDOUT;
	return bs_samples_add(s, (double)(b->t_event - b->t_open) / 1000.0);
}

/* open + read + close of the token: what an accessor of it pays. */
static int sample_token(struct bs_samples *s, const char *path)
{
	int64_t t0 = bs_now_ns(), t1;
	int err = read_once(path, BS_RS_WINDOW_MAX);

	if (err)
		return err;
	t1 = bs_now_ns();
	return bs_samples_add(s, (double)(t1 - t0));
}

static void row(const char *metric, const char *unit,
		const struct bs_samples *base, const struct bs_samples *on)
{
	double med = bs_samples_median(on);

	if (!base) {
		printf("%s,%s,%zu,,%.3f,%.3f,\n", metric, unit, on->n, med,
		       bs_samples_quantile(on, 0.99));
		return;
	}
	printf("%s,%s,%zu,%.1f,%.1f,%.1f,%.3f\n", metric, unit, on->n,
	       bs_samples_median(base), med, bs_samples_quantile(on, 0.99),
	       med / bs_samples_median(base));
}

/* Modes interleaved block by block: 0 nothing attached, 1 the detector,
 * 2 (tracepoint backend only) an empty program on the same hook. */
enum { M_OFF, M_ON, M_FLOOR, M_MODES };

static struct hookfloor_bpf *floor_open(struct bench *b)
{
	struct hookfloor_bpf *f;

	if (b->ctx.backend != BS_ATTACH_TRACEPOINT)
		return NULL;
	f = hookfloor_bpf__open_and_load();
	if (!f)
		bs_warn("detect-bench: hook floor program did not load");
	return f;
}

static int set_mode(struct bench *b, struct hookfloor_bpf *f, int mode)
{
	int err = pause_detector(b, mode != M_ON);

	if (err || !f)
		return err;
	if (mode == M_FLOOR)
		return hookfloor_bpf__attach(f);
	hookfloor_bpf__detach(f);
	return 0;
}

/* What the detector adds to one access of the token: each attached sample
 * minus the detached median (the samples are not paired), in µs. */
static int delay_row(const struct bs_samples *off, const struct bs_samples *on)
{
	struct bs_samples d = { 0 };
	double base = bs_samples_median(off);
	int err = 0;

	for (size_t i = 0; i < on->n && !err; i++)
		err = bs_samples_add(&d, (on->v[i] - base) / 1000.0);
	if (!err)
		row("accessor_delay_us", "us", NULL, &d);
	bs_samples_free(&d);
	return err;
}

/* The token's accessor, detector off and on, blocks interleaved. */
static int measure_token(struct bench *b, long iters)
{
	struct bs_samples s[2] = { 0 };
	int blocks = b->blocks ? b->blocks : BLOCKS;
	long per_block = iters / blocks;
	int err = 0;

	if (per_block < 1)
		per_block = 1;
	for (int blk = 0; blk < blocks && !err; blk++) {
		int on = blk % 2;

		err = pause_detector(b, !on);
		for (long i = 0; i < per_block && !err; i++)
			err = sample_token(&s[on], b->token);
		b->ops->poll(&b->ctx, 0); /* nothing piles up */
	}
	if (!err)
		err = pause_detector(b, false);
	if (!err) {
		row("token_open_read_ns", "ns", &s[0], &s[1]);
		row("token_open_read_off_ns", "ns", NULL, &s[0]);
		err = delay_row(&s[0], &s[1]);
	}
	bs_samples_free(&s[0]);
	bs_samples_free(&s[1]);
	return err;
}

static int flood_run(struct bench *b, struct bs_samples *s, long n)
{
	int err = 0;

	for (long i = 0; i < n && !err; i++) {
		err = sample_open_close(s, b->token);
		if (!(i & 1023))
			b->ops->poll(&b->ctx, 0); /* the hand-over queue */
	}
	return err;
}

/* n opens of the token in a row: their cost, and every one counted. */
static int measure_flood(struct bench *b, long n)
{
	struct bs_samples s[2] = { 0 };
	int64_t end;
	int err = pause_detector(b, true);

	if (!err)
		err = flood_run(b, &s[0], n);
	if (!err)
		err = pause_detector(b, false);
	/* windows of earlier phases end and are reported before counting */
	end = bs_now_ns() + 2 * (int64_t)b->cfg.aggregate_ns + 50000000;
	while (bs_now_ns() < end)
		b->ops->poll(&b->ctx, 20);
	b->count_sum = b->n_events = 0;
	if (!err)
		err = flood_run(b, &s[1], n);
	/* folded windows are reported once they end */
	end = bs_now_ns() + 3 * (int64_t)b->cfg.aggregate_ns + 1000000000;
	while (!err && b->count_sum < (uint64_t)n && bs_now_ns() < end)
		b->ops->poll(&b->ctx, 20);
	if (!err) {
		struct bs_detect_stats st;

		b->ops->stats(&b->ctx, &st);
		row("flood_open_close_ns", "ns", &s[0], &s[1]);
		printf("flood_counted,count,%ld,,%llu,%llu,\n", n,
		       (unsigned long long)b->count_sum,
		       (unsigned long long)b->count_sum);
		printf("flood_alerts,count,%ld,,%llu,%llu,\n", n,
		       (unsigned long long)b->n_events,
		       (unsigned long long)b->n_events);
		printf("flood_dropped,count,%ld,,%llu,%llu,\n", n,
		       (unsigned long long)st.ringbuf_drops,
		       (unsigned long long)st.ringbuf_drops);
	}
	bs_samples_free(&s[0]);
	bs_samples_free(&s[1]);
	return err;
}

/* Child: a fanotify detector of its own armed on the token; says so on
 * fd and waits to be killed. */
static void listener(struct bench *b, int fd)
{
	struct bs_detect_config cfg = b->cfg;
	struct bs_detect_ctx ctx = { .cfg = &cfg };

	cfg.on_event = NULL;
	bs_log_set_level(BS_LOG_WARN); /* 20 listeners: one start line each */
	if (b->ops->start(&ctx) || b->ops->arm(&ctx, &b->tok) ||
	    write(fd, "r", 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

static pid_t reader(const char *path)
{
	pid_t pid = fork();
	char buf[64];
	int fd;

	if (pid)
		return pid;
	fd = open(path, O_RDONLY);
	_exit(fd < 0 || read(fd, buf, sizeof(buf)) < 0);
}

static int reap(pid_t pid, int *status)
{
	return waitpid(pid, status, 0) == pid ? 0 : -errno;
}

/* One kill -9 of a stopped listener holding an accessor blocked. */
static int failopen_one(struct bench *b, struct bs_samples *s)
{
	int p[2], status = 0, err = 0;
	pid_t lis, acc;
	int64_t t0;
	char c;

	if (pipe(p))
		return -errno;
	fflush(NULL);
	lis = fork();
	if (lis == 0)
		listener(b, p[1]);
	close(p[1]);
	if (lis < 0 || read(p[0], &c, 1) != 1) {
		close(p[0]);
		if (lis > 0)
			kill(lis, SIGKILL), reap(lis, &status);
		return -ECHILD;
	}
	close(p[0]);
	kill(lis, SIGSTOP);
	acc = reader(b->token);
	usleep(20000);
	if (acc < 0 || waitpid(acc, &status, WNOHANG) != 0)
		err = -EAGAIN; /* not blocked: nothing to measure */
	t0 = bs_now_ns();
	kill(lis, SIGKILL);
	if (!err && !(err = reap(acc, &status)))
		err = bs_samples_add(s, (double)(bs_now_ns() - t0) / 1000.0);
	reap(lis, &status);
	return err;
}

static int measure_failopen(struct bench *b, long n)
{
	struct bs_samples s = { 0 };
	int err = pause_detector(b, true); /* only the listener's marks */

	for (long i = 0; i < n && !err; i++)
		err = failopen_one(b, &s);
	if (!err)
		err = pause_detector(b, false);
	if (!err)
		row("failopen_us", "us", NULL, &s);
	bs_samples_free(&s);
	return err;
}

static int measure(struct bench *b, long iters)
{
	struct bs_samples oc[M_MODES] = { 0 }, pr[M_MODES] = { 0 }, lat = { 0 };
	struct hookfloor_bpf *f = floor_open(b);
	int modes = f ? M_MODES : M_FLOOR;
	int blocks = b->blocks	    ? b->blocks
		     : b->peer.tool ? PEER_BLOCKS
				    : BLOCKS;
	long per_block = iters / (blocks / 2);
	int fd = open(b->plain, O_RDONLY), err = 0;

	if (fd < 0) {
		hookfloor_bpf__destroy(f);
		return -errno;
	}
	if (per_block < 1)
		per_block = 1;
	for (int blk = 0; blk < blocks * modes / 2 && !err; blk++) {
		int mode = blk % modes;

		err = set_mode(b, f, mode);
		for (long i = 0; i < per_block && !err; i++) {
			err = sample_open_close(&oc[mode], b->plain);
			if (!err)
				err = sample_pread(&pr[mode], fd);
		}
		b->ops->poll(&b->ctx, 0); /* keep the ring buffer empty */
	}
	if (!err)
		err = set_mode(b, f, M_ON);
	hookfloor_bpf__destroy(f);
	if (!err) {
		row("open_close_ns", "ns", &oc[M_OFF], &oc[M_ON]);
		row("pread_4k_ns", "ns", &pr[M_OFF], &pr[M_ON]);
	}
	if (!err && oc[M_FLOOR].n) {
		row("hook_floor_open_close_ns", "ns", &oc[M_OFF], &oc[M_FLOOR]);
		row("hook_floor_pread_4k_ns", "ns", &pr[M_OFF], &pr[M_FLOOR]);
	}
	if (!err && strcmp(b->ops->name, "none"))
		err = measure_token(b, iters / 5);
	for (long i = 0;
	     !err && strcmp(b->ops->name, "none") && !b->cfg.aggregate_ns &&
	     i < iters / 10 && i < MAX_LATENCY_SAMPLES;
	     i++)
		err = sample_alert(b, &lat);
	close(fd);
	if (lat.n)
		row("alert_latency_us", "us", NULL, &lat);
	if (!err && b->flood && strcmp(b->ops->name, "none"))
		err = measure_flood(b, b->flood);
	if (!err && b->failopen && is_fanotify(b))
		err = measure_failopen(b, b->failopen);
	for (int i = 0; i < M_MODES; i++) {
		bs_samples_free(&oc[i]);
		bs_samples_free(&pr[i]);
	}
	bs_samples_free(&lat);
	return err;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: detect-bench --detect "
		"open|readscan|fanotify|none "
		"[--attach auto|lsm|fentry|kprobe|tracepoint] [--tokens N] "
		"[--iters N] [--window 64|128|256] "
		"[--token-fs shared|tmpfs] [--aggregate-ms N] [--flood N] "
		"[--failopen N] [--blocks N]\n"
		"       detect-bench --peer auditd|fatrace "
		"[--peer-script PATH] [--iters N]\n");
}

static int opt_detect(const char *arg, void *field)
{
	const struct bs_detect_ops **ops = field;

	*ops = bs_detect_find(arg);
	return *ops ? 0 : -EINVAL;
}

static int opt_attach(const char *arg, void *field)
{
	return bs_attach_parse(arg, field);
}

static int opt_window(const char *arg, void *field)
{
	uint32_t *w = field;
	char *end;

	*w = (uint32_t)strtoul(arg, &end, 10);
	return *end || !bs_rs_window_valid(*w) ? -EINVAL : 0;
}

static int opt_token_fs(const char *arg, void *field)
{
	if (strcmp(arg, "shared") && strcmp(arg, "tmpfs"))
		return -EINVAL;
	*(bool *)field = !strcmp(arg, "tmpfs");
	return 0;
}

static int opt_aggregate_ms(const char *arg, void *field)
{
	char *end;

	*(uint64_t *)field = strtoull(arg, &end, 10) * 1000000ull;
	return *end || arg[0] == '-' ? -EINVAL : 0;
}

/* the whole bench: a peer is measured with no detector of ours */
static int opt_peer(const char *arg, void *field)
{
	struct bench *b = field;

	if (strcmp(arg, "auditd") && strcmp(arg, "fatrace"))
		return -EINVAL;
	b->peer.tool = arg;
	b->ops = bs_detect_find("none");
	return 0;
}

static const struct bs_cli_opt opts[] = {
	{ "detect", BS_CLI_FN, offsetof(struct bench, ops), .fn = opt_detect },
	{ "attach", BS_CLI_FN, offsetof(struct bench, cfg.attach),
	  .fn = opt_attach },
	{ "tokens", BS_CLI_LONG, offsetof(struct bench, tokens), .lo = 1,
	  .hi = BS_MAX_TOKENS },
	{ "iters", BS_CLI_LONG, offsetof(struct bench, iters), .lo = 1,
	  .hi = BS_SAMPLES_MAX },
	{ "window", BS_CLI_FN, offsetof(struct bench, cfg.rs_window),
	  .fn = opt_window },
	{ "token-fs", BS_CLI_FN, offsetof(struct bench, tok_tmpfs),
	  .fn = opt_token_fs },
	{ "aggregate-ms", BS_CLI_FN, offsetof(struct bench, cfg.aggregate_ns),
	  .fn = opt_aggregate_ms },
	{ "flood", BS_CLI_LONG, offsetof(struct bench, flood),
	  .hi = BS_SAMPLES_MAX },
	{ "failopen", BS_CLI_LONG, offsetof(struct bench, failopen),
	  .hi = LONG_MAX },
	{ "peer", BS_CLI_FN, 0, .fn = opt_peer },
	{ "peer-script", .off = offsetof(struct bench, peer.script) },
	/* and even (parse): on and off blocks come in pairs */
	{ "blocks", BS_CLI_INT, offsetof(struct bench, blocks), .lo = 2,
	  .hi = BLOCKS },
	{ 0 },
};

static int parse(int argc, char **argv, struct bench *b)
{
	if (bs_cli_parse(argc, argv, opts, b, NULL) || !b->ops || b->blocks % 2)
		return -EINVAL;
	/* a peer watches one token: it has no map of ours to fill */
	if (b->peer.tool && (b->tokens != 1 || strcmp(b->ops->name, "none")))
		return -EINVAL;
	return 0;
}

/* Start, arm, measure, stop; the files are removed whatever happened. */
static int run(struct bench *b, long tokens, long iters)
{
	int err = b->ops->start(&b->ctx);

	if (err) {
		remove_files(b);
		return err;
	}
	printf("# attach=%s\n# token_fs=%s\n",
	       strcmp(b->ops->name, "none") ? bs_attach_name(b->ctx.backend)
					    : "none",
	       b->tok_tmpfs ? "tmpfs" : "shared");
	if (b->peer.tool)
		printf("# peer=%s\n", b->peer.tool);
	err = arm_tokens(b, tokens);
	if (err)
		bs_err("detect-bench: arming %ld tokens: %s", tokens,
		       strerror(-err));
	else if ((err = measure(b, iters)))
		bs_err("detect-bench: measuring: %s", strerror(-err));
	if (b->peer.tool)
		bs_peer_toggle(&b->peer, false);
	b->ops->stop(&b->ctx);
	remove_files(b);
	return err;
}

/* --peer auditd: measured in a child forked after auditing was enabled
 * once, or the kernel would not audit it at all (peer_toggle.h). */
static int run_peer(struct bench *b, long tokens, long iters)
{
	int err, status;
	pid_t pid;

	snprintf(b->peer.token, sizeof(b->peer.token), "%s", b->token);
	snprintf(b->peer.out, sizeof(b->peer.out), "%s/peer.log", b->dir);
	if (!b->peer.script)
		b->peer.script = "harness/peers.sh";
	err = bs_peer_prime(&b->peer);
	if (err) {
		remove_files(b);
		return err;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		err = run(b, tokens, iters);
		fflush(NULL); /* _exit does not */
		_exit(err ? 1 : 0);
	}
	if (pid < 0) {
		err = -errno;
		remove_files(b);
		return err;
	}
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -EIO;
}

int main(int argc, char **argv)
{
	static struct bench b = { .tokens = 1, .iters = 100000 };
	int err;

	if (parse(argc, argv, &b)) {
		usage();
		return 2;
	}
	b.cfg.on_event = on_event;
	b.cfg.on_event_arg = &b;
	b.cfg.max_tokens = BS_MAX_TOKENS;
	b.ctx.cfg = &b.cfg;
	err = make_files(&b);
	if (err) {
		bs_err("detect-bench: temp files: %s", strerror(-err));
		remove_files(&b);
		return 1;
	}
	err = b.peer.tool ? run_peer(&b, b.tokens, b.iters)
			  : run(&b, b.tokens, b.iters);
	return err ? 1 : 0;
}
