// SPDX-License-Identifier: Apache-2.0
/*
 * Static runner for the kernel matrix: runs inside the QEMU guest, started
 * by tests/vm/init once per backend x detect configuration.
 *
 *   runner probe --attach lsm|fentry|kprobe|tracepoint [--break-case NAME]
 *                [--case NAME] [--kernel NAME] [--detect D] [--csv FILE]
 *        (the suite's options, harness/case_opts.h; the last three unused)
 *        the built-in probe (bpf/vmprobe.bpf.c): validates the pipeline
 *   runner suite ARGS...   bs_detect_suite_main(ARGS) (when built with it)
 *   runner has-suite       exit 0 when the detection suite is linked in
 *   runner verify OBJ...   load each BPF program alone (verify.h)
 *   runner exit CODE       report CODE through isa-debug-exit and power off
 *
 * probe and suite print the same lines:
 *   case <name> backend=<b> expect=<alert|none|blind> got=<0|1> PASS|FAIL|BLIND
 *   N passed, N failed, N skipped
 * and return 0 (all passed), 1 (a case failed) or 2 (backend did not start).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "bpf/tracefs.h"
#include "bpf/vmprobe.skel.h"
#include "harness/case_opts.h"
#include "tests/vm/verify.h"

#ifdef BS_HAVE_DETECT_SUITE
#include "harness/detect_suite.h"
#endif

#define DEBUG_EXIT_PORT 0xf4
#define PROBE_DIR	"/tmp/bsvm"

struct probe_case {
	const char *name;
	bool expect_alert;
	int (*run)(void);
};

static int open_close(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static int case_open(void)
{
	return open_close(PROBE_DIR "/token");
}

static int case_bind(void)
{
	return open_close(PROBE_DIR "/bind");
}

static int case_symlink(void)
{
	return open_close(PROBE_DIR "/link");
}

static int case_other(void)
{
	return open_close(PROBE_DIR "/other");
}

/* stat() reaches the inode without opening it: no open-based alert. */
static int case_stat(void)
{
	struct stat st;

	return stat(PROBE_DIR "/token", &st) ? -errno : 0;
}

static const struct probe_case probe_cases[] = {
	{ "open", true, case_open },	   { "bind_mount", true, case_bind },
	{ "symlink", true, case_symlink }, { "other_file", false, case_other },
	{ "stat_only", false, case_stat },
};

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n < 0 ? -errno : 0;
}

/* Token, a decoy, a bind mount of the token and a symlink to it. */
static int probe_setup(struct stat *token)
{
	int err;

	if (mkdir(PROBE_DIR, 0700) && errno != EEXIST)
		return -errno;
	err = write_file(PROBE_DIR "/token", "AKIAVMPROBETOKEN\n");
	if (!err)
		err = write_file(PROBE_DIR "/other", "nothing here\n");
	if (!err)
		err = write_file(PROBE_DIR "/bind", "");
	if (err)
		return err;
	umount2(PROBE_DIR "/bind", MNT_DETACH);
	if (mount(PROBE_DIR "/token", PROBE_DIR "/bind", NULL, MS_BIND, NULL))
		return -errno;
	unlink(PROBE_DIR "/link");
	if (symlink("token", PROBE_DIR "/link"))
		return -errno;
	return stat(PROBE_DIR "/token", token) ? -errno : 0;
}

static void probe_teardown(void)
{
	umount2(PROBE_DIR "/bind", MNT_DETACH);
	unlink(PROBE_DIR "/bind");
	unlink(PROBE_DIR "/link");
	unlink(PROBE_DIR "/token");
	unlink(PROBE_DIR "/other");
	rmdir(PROBE_DIR);
}

static struct bpf_program *probe_prog(struct vmprobe_bpf *skel, const char *a)
{
	if (!strcmp(a, "lsm"))
		return skel->progs.probe_lsm;
	if (!strcmp(a, "fentry"))
		return skel->progs.probe_fentry;
	if (!strcmp(a, "kprobe"))
		return skel->progs.probe_kprobe;
	if (!strcmp(a, "tracepoint"))
		return skel->progs.probe_tracepoint;
	return NULL;
}

/* Load only the program for the requested backend; 0 or -errno. */
static int probe_start(struct vmprobe_bpf **out, const char *attach,
		       const struct stat *token)
{
	struct vmprobe_bpf *skel;
	struct bpf_program *prog, *want;
	int err;

	if (!strcmp(attach, "tracepoint") && (err = bs_tracefs_ensure()))
		return err;
	skel = vmprobe_bpf__open();
	if (!skel)
		return errno ? -errno : -ENOMEM;
	want = probe_prog(skel, attach);
	if (!want) {
		vmprobe_bpf__destroy(skel);
		return -EINVAL;
	}
	for (prog = bpf_object__next_program(skel->obj, NULL); prog;
	     prog = bpf_object__next_program(skel->obj, prog))
		bpf_program__set_autoload(prog, prog == want);
	skel->rodata->target_dev =
		(__u64)major(token->st_dev) << 20 | minor(token->st_dev);
	skel->rodata->target_ino = token->st_ino;
	err = vmprobe_bpf__load(skel);
	if (!err)
		err = vmprobe_bpf__attach(skel);
	if (err) {
		vmprobe_bpf__destroy(skel);
		return err;
	}
	*out = skel;
	return 0;
}

static int probe_run_cases(struct vmprobe_bpf *skel,
			   const struct bs_case_opts *o)
{
	int passed = 0, failed = 0;

	for (size_t i = 0; i < sizeof(probe_cases) / sizeof(probe_cases[0]);
	     i++) {
		const struct probe_case *c = &probe_cases[i];
		bool expect = c->expect_alert;
		bool got, ok;
		int err;

		if (o->only && strcmp(o->only, c->name) != 0)
			continue;
		/* --break-case: flip the expectation so the case must fail */
		if (o->break_case && !strcmp(o->break_case, c->name))
			expect = !expect;
		skel->bss->hits = 0;
		err = c->run();
		got = skel->bss->hits > 0;
		if (err)
			fprintf(stderr, "probe: case %s: %s\n", c->name,
				strerror(-err));
		ok = !err && got == expect;
		printf("case %s backend=%s expect=%s got=%d %s\n", c->name,
		       o->attach, expect ? "alert" : "none", got,
		       ok ? "PASS" : "FAIL");
		ok ? passed++ : failed++;
	}
	printf("%d passed, %d failed, 0 skipped\n", passed, failed);
	return failed ? 1 : 0;
}

/* The suite's options (tests/vm/init passes both the same); the probe
 * reads --attach, --break-case and --case. */
static int probe_main(int argc, char **argv)
{
	struct bs_case_opts o = { .attach = "tracepoint" };
	struct vmprobe_bpf *skel = NULL;
	struct stat token = { 0 };
	int err, rc;

	if (bs_case_opts_parse(argc, argv, &o))
		return 2;
	err = probe_setup(&token);
	if (!err)
		err = probe_start(&skel, o.attach, &token);
	if (err || !skel) {
		fprintf(stderr, "probe: backend %s did not start: %s\n",
			o.attach, strerror(-err));
		probe_teardown();
		return 2;
	}
	rc = probe_run_cases(skel, &o);
	vmprobe_bpf__destroy(skel);
	probe_teardown();
	return rc;
}

/* Wait until the serial ports sent everything: qemu stops at once. */
static void drain_serial(void)
{
	static const char *const ttys[] = { "/dev/ttyS0", "/dev/ttyS1" };

	for (size_t i = 0; i < sizeof(ttys) / sizeof(ttys[0]); i++) {
		int fd = open(ttys[i], O_WRONLY | O_NOCTTY | O_CLOEXEC);

		if (fd >= 0) {
			tcdrain(fd);
			close(fd);
		}
	}
}

/* QEMU's isa-debug-exit turns the byte into exit status (code << 1) | 1.
 * Power off if the device is missing: the host then sees a plain 0. */
static int exit_main(int argc, char **argv)
{
	long code = argc > 1 ? strtol(argv[1], NULL, 0) : 1;

	fflush(NULL);
	sync();
	drain_serial();
	if (ioperm(DEBUG_EXIT_PORT, 4, 1) == 0)
		outb((unsigned char)code, DEBUG_EXIT_PORT);
	else
		perror("runner: ioperm");
	reboot(RB_POWER_OFF);
	return 1;
}

static int suite_main(int argc, char **argv)
{
#ifdef BS_HAVE_DETECT_SUITE
	return bs_detect_suite_main(argc, argv);
#else
	(void)argc;
	(void)argv;
	fprintf(stderr, "runner: built without the detection suite\n");
	return 2;
#endif
}

static int silent_libbpf(enum libbpf_print_level lvl, const char *fmt,
			 va_list ap)
{
	/* keep load failures visible, drop libbpf's debug chatter */
	return lvl == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	libbpf_set_print(silent_libbpf);
	if (!strcmp(cmd, "probe"))
		return probe_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "suite"))
		return suite_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "verify"))
		return vm_verify_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "exit"))
		return exit_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "has-suite")) {
#ifdef BS_HAVE_DETECT_SUITE
		return 0;
#else
		return 1;
#endif
	}
	fprintf(stderr, "usage: %s probe|suite|verify|exit|has-suite ...\n",
		argv[0]);
	return 2;
}
