// SPDX-License-Identifier: Apache-2.0
/* Per-program load check for the kernel matrix (see verify.h). */
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "tests/vm/verify.h"

#define VLOG_SIZE (1u << 20) /* verifier log of one program */
#define VLOG_TAIL 2048	     /* printed: the verdict is at the end */

static char vlog[VLOG_SIZE];
static char msgs[2048]; /* libbpf's warnings for the current program */
static size_t msgs_len;

/* Keep libbpf's own warnings (BTF, relocations) to print after the verdict
 * line; the verifier log itself goes to vlog. */
static int keep_warnings(enum libbpf_print_level lvl, const char *fmt,
			 va_list ap)
{
	int n;

	if (lvl != LIBBPF_WARN || msgs_len >= sizeof(msgs) - 1)
		return 0;
	n = vsnprintf(msgs + msgs_len, sizeof(msgs) - msgs_len, fmt, ap);
	if (n > 0)
		msgs_len += (size_t)n;
	if (msgs_len > sizeof(msgs) - 1)
		msgs_len = sizeof(msgs) - 1;
	return n;
}

static void print_tail(const char *log)
{
	size_t len = strnlen(log, VLOG_SIZE);
	const char *p = log;

	if (len > VLOG_TAIL) {
		p = log + len - VLOG_TAIL;
		/* start at a line boundary */
		const char *nl = strchr(p, '\n');

		p = nl ? nl + 1 : p;
	}
	fputs(p, stdout);
	if (len && log[len - 1] != '\n')
		putchar('\n');
}

/* Loads program number idx of path alone: 0, -errno, or 1 when there is
 * no such program (end of the object). */
static int load_one(const char *path, int idx, char *name, size_t name_len)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_program *prog, *want = NULL;
	int i = 0, err;

	if (!obj)
		return errno ? -errno : -EINVAL;
	for (prog = bpf_object__next_program(obj, NULL); prog;
	     prog = bpf_object__next_program(obj, prog), i++) {
		if (i == idx)
			want = prog;
		bpf_program__set_autoload(prog, i == idx);
	}
	if (!want) {
		bpf_object__close(obj);
		return 1;
	}
	snprintf(name, name_len, "%s", bpf_program__name(want));
	vlog[0] = '\0';
	msgs[0] = '\0';
	msgs_len = 0;
	bpf_program__set_log_buf(want, vlog, sizeof(vlog));
	bpf_program__set_log_level(want, 1);
	err = bpf_object__load(obj);
	bpf_object__close(obj);
	return err;
}

static int verify_object(const char *path, char *path_copy)
{
	const char *base = basename(path_copy);
	char name[128] = "";
	int failed = 0;

	for (int idx = 0;; idx++) {
		int err = load_one(path, idx, name, sizeof(name));

		if (err == 1)
			break;
		if (err && idx == 0 && !name[0]) {
			printf("verify %s - FAIL %s\n", base, strerror(-err));
			return 1;
		}
		printf("verify %s %s %s%s\n", base, name, err ? "FAIL " : "OK",
		       err ? strerror(-err) : "");
		if (err) {
			failed = 1;
			fputs(msgs, stdout);
			print_tail(vlog);
		}
		name[0] = '\0';
	}
	return failed;
}

int vm_verify_main(int argc, char **argv)
{
	libbpf_print_fn_t old = libbpf_set_print(keep_warnings);
	int failed = 0;

	for (int i = 1; i < argc; i++) {
		char copy[512];

		snprintf(copy, sizeof(copy), "%s", argv[i]);
		failed |= verify_object(argv[i], copy);
	}
	fflush(stdout);
	libbpf_set_print(old);
	return failed;
}
