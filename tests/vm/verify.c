// SPDX-License-Identifier: Apache-2.0
/* Per-program load check for the kernel matrix (see verify.h). */
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "bpf/verifier_stats.h"
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

/* Sets the read-only u32 `name` (a const volatile of .rodata) before load;
 * -ENOENT when the object has none. */
static int set_rodata_u32(struct bpf_object *obj, const char *name,
			  uint32_t value)
{
	const struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *map = bpf_object__find_map_by_name(obj, ".rodata");
	size_t size = 0;
	const char *data = map ? bpf_map__initial_value(map, &size) : NULL;
	char copy[4096];
	int id = btf ? btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC)
		     : -ENOENT;
	const struct btf_type *sec = id > 0 ? btf__type_by_id(btf, id) : NULL;
	const struct btf_var_secinfo *v;

	if (!sec || !data)
		return -ENOENT;
	v = btf_var_secinfos(sec);
	for (int i = 0; i < btf_vlen(sec); i++, v++) {
		const struct btf_type *t = btf__type_by_id(btf, v->type);

		if (strcmp(btf__name_by_offset(btf, t->name_off), name) ||
		    v->size != sizeof(value) || v->offset + v->size > size)
			continue;
		if (size > sizeof(copy))
			return -E2BIG;
		memcpy(copy, data, size);
		memcpy(copy + v->offset, &value, sizeof(value));
		return bpf_map__set_initial_value(map, copy, size);
	}
	return -ENOENT;
}

/* The configurations a program is loaded in: readscan's windows (what
 * the agent may set), else the object's defaults. */
struct config {
	const char *var; /* NULL: defaults */
	uint32_t value;
	const char *label;
};

static const struct config configs[] = {
	{ "bs_rs_window", 64, "window=64" },
	{ "bs_rs_window", 128, "window=128" },
	{ "bs_rs_window", 256, "window=256" },
	{ NULL, 0, "-" },
};

/* Loads program number idx of path alone in configuration cfg at log
 * level lvl: 0, -errno, 1 when there is no such program (end of the
 * object), 2 when the object has no such configuration.  *insns: what the
 * verifier processed. */
static int load_one(const char *path, int idx, const struct config *cfg,
		    int lvl, char *name, size_t name_len, long *insns)
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
	if (!want || (cfg->var && set_rodata_u32(obj, cfg->var, cfg->value))) {
		bpf_object__close(obj);
		return want ? 2 : 1;
	}
	snprintf(name, name_len, "%s", bpf_program__name(want));
	vlog[0] = '\0';
	msgs[0] = '\0';
	msgs_len = 0;
	bpf_program__set_log_buf(want, vlog, sizeof(vlog));
	bpf_program__set_log_level(want, lvl);
	err = bpf_object__load(obj);
	*insns = err ? bs_verifier_parse_log(vlog)
		     : bs_verifier_insns(want, vlog);
	bpf_object__close(obj);
	return err;
}

/* One line per program x configuration:
 *   verify <object> <program> <config> OK|OVER|FAIL insns=N share=F [why]
 * OVER: loaded, but past BS_VERIFIER_BUDGET (a quarter of the limit). */
static int verify_one(const char *path, const char *base, int idx,
		      const struct config *cfg)
{
	char name[128] = "";
	long insns = -ENODATA;
	int err = load_one(path, idx, cfg, 4, name, sizeof(name), &insns);
	const char *verdict;

	/* E2BIG: past the limit itself */
	if (err == -E2BIG || (!err && insns >= BS_VERIFIER_BUDGET))
		verdict = "OVER";
	else
		verdict = err || insns < 0 ? "FAIL" : "OK";

	if (err == 1 || err == 2)
		return err;
	if (err && idx == 0 && !name[0]) {
		printf("verify %s - %s FAIL %s\n", base, cfg->label,
		       strerror(-err));
		return 3;
	}
	if (insns >= 0)
		printf("verify %s %s %s %s insns=%ld share=%.4f%s%s\n", base,
		       name, cfg->label, verdict, insns,
		       (double)insns / BS_VERIFIER_LIMIT, err ? " " : "",
		       err ? strerror(-err) : "");
	else
		printf("verify %s %s %s %s insns=- share=-%s%s\n", base, name,
		       cfg->label, verdict, err ? " " : "",
		       err ? strerror(-err) : "");
	if (!err && insns < 0)
		printf("  (no count: neither prog info nor log has it)\n");
	if (err) {
		fputs(msgs, stdout);
		/* the stats-level log has no reason: load again for it */
		load_one(path, idx, cfg, 1, name, sizeof(name), &insns);
		print_tail(vlog);
	}
	/* FAIL (a hook or helper this kernel lacks) is for the suite to
	 * judge; the budget is judged here */
	return !strcmp(verdict, "OVER") ? -1 : 0;
}

static int verify_object(const char *path, char *path_copy)
{
	const char *base = basename(path_copy);
	int failed = 0;

	for (int idx = 0;; idx++) {
		bool windowed = false; /* then "-" is one of the windows */

		for (size_t c = 0; c < sizeof(configs) / sizeof(configs[0]);
		     c++) {
			int r;

			if (!configs[c].var && windowed)
				continue;
			r = verify_one(path, base, idx, &configs[c]);
			if (r == 1)
				return failed; /* no program idx */
			if (r == 3)
				return 1; /* the object itself */
			if (r == 2)
				continue; /* no such variable */
			windowed |= configs[c].var != NULL;
			failed |= r < 0;
		}
	}
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
