/* SPDX-License-Identifier: Apache-2.0 */
/* Formatting into fixed buffers without silent truncation. */
#ifndef BS_LIB_FMT_H
#define BS_LIB_FMT_H

#include <stddef.h>

/* snprintf that reports truncation: 0 or -ENAMETOOLONG. */
int bs_fmt(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Append printf output to buf at *off as far as it fits.  *off advances by
 * the full length even when it does not fit: *off >= len after a series
 * of bs_put()s means the result was cut. */
void bs_put(char *buf, size_t len, size_t *off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
