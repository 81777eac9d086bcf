/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Small helpers for local test servers and HTTP clients: a free loopback
 * port, and a growing buffer shaped as a libcurl write callback.
 */
#ifndef BS_LIB_NET_H
#define BS_LIB_NET_H

#include <stddef.h>

/* A TCP port on 127.0.0.1 that was free a moment ago, or -1. */
int bs_free_tcp_port(void);

struct bs_membuf {
	char *p; /* NUL-terminated, malloc'd; free() it */
	size_t n;
};

/* Append sz * n bytes to arg (a struct bs_membuf); returns the bytes taken,
 * 0 on ENOMEM (which makes libcurl stop). */
size_t bs_membuf_append(char *p, size_t sz, size_t n, void *arg);

#endif
