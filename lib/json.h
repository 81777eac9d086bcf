/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON strings from bytes.  Names and comm are bytes, not UTF-8, so every
 * byte outside printable ASCII is rewritten; the two ways differ only in
 * how:
 *   bs_json_str()    \u00XX (the byte read as Latin-1): the alert stream
 *                    and the agent's other lines; no byte is lost.
 *   bs_json_ascii()  '?': the webhook and kube bodies, read by people.
 */
#ifndef BS_LIB_JSON_H
#define BS_LIB_JSON_H

#include <jansson.h>
#include <stddef.h>

/* Append s (NULL: "") as a JSON string literal, quotes included, to buf
 * at *off, as bs_put() does (*off >= n afterwards: cut). */
void bs_json_str(char *buf, size_t n, size_t *off, const char *s);

/* A jansson string of s's first 511 bytes, '?' for every byte outside
 * printable ASCII; NULL on ENOMEM. */
json_t *bs_json_ascii(const char *s);

#endif
