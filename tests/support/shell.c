// SPDX-License-Identifier: Apache-2.0
#include <criterion/criterion.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/shell.h"

int bs_test_sh(char *out, size_t cap, const char *fmt, ...)
{
	char cmd[4096];
	size_t len = 0, n;
	va_list ap;
	FILE *p;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	cr_assert_not_null(p, "popen %s", cmd);
	while (len + 1 < cap && (n = fread(out + len, 1, cap - 1 - len, p)) > 0)
		len += n;
	out[len] = '\0';
	while (fread(cmd, 1, sizeof(cmd), p) > 0)
		;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int bs_expect_sh(int want, const char *has, char *out, size_t cap,
		 const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = bs_test_sh(out, cap, "%s", cmd);
	cr_expect_eq(st, want, "%s: exit %d, want %d:\n%s", cmd, st, want, out);
	if (has)
		cr_expect_not_null(strstr(out, has), "%s: no \"%s\" in:\n%s",
				   cmd, has, out);
	return st;
}

const char *bs_test_built(const char *name)
{
	static char path[PATH_MAX];
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return "";
	exe[n] = '\0';
	/* <build>/tests/test_x -> <build> */
	for (int i = 0; i < 2; i++) {
		slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
	}
	snprintf(path, sizeof(path), "%.4000s/%s", exe, name);
	return path;
}
