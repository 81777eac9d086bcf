// SPDX-License-Identifier: Apache-2.0
/* Formatting into fixed buffers (see fmt.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "lib/fmt.h"

int bs_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

void bs_put(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (*off >= len)
		return;
	va_start(ap, fmt);
	w = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	*off += w > 0 ? (size_t)w : 0;
}
