/* SPDX-License-Identifier: Apache-2.0 */
/* Small SHA-256 (FIPS 180-4) for token digests; no external crypto lib. */
#ifndef BS_STRATEGIES_SHA256_H
#define BS_STRATEGIES_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define BS_SHA256_LEN 32

struct bs_sha256 {
	uint32_t h[8];
	uint64_t len; /* bytes hashed so far */
	uint8_t buf[64];
	size_t n; /* bytes pending in buf */
};

void bs_sha256_init(struct bs_sha256 *c);
void bs_sha256_update(struct bs_sha256 *c, const void *data, size_t len);
void bs_sha256_final(struct bs_sha256 *c, uint8_t out[BS_SHA256_LEN]);
/* One-shot helper. */
void bs_sha256(const void *data, size_t len, uint8_t out[BS_SHA256_LEN]);
/* Lower-case hex into out (at least 65 bytes). */
void bs_sha256_hex(const uint8_t d[BS_SHA256_LEN], char *out);

#endif
