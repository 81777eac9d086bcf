/* SPDX-License-Identifier: Apache-2.0 */
/* Formatting into fixed buffers without silent truncation. */
#ifndef BS_LIB_FMT_H
#define BS_LIB_FMT_H

#include <stddef.h>

/* snprintf that reports truncation: 0 or -ENAMETOOLONG. */
int bs_fmt(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
