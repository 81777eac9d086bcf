/* SPDX-License-Identifier: Apache-2.0 */
/* Big-endian u32 fields, as both the mux and the ttrpc headers use them. */
#ifndef BS_NRI_BE32_H
#define BS_NRI_BE32_H

#include <stdint.h>

static inline uint32_t bs_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void bs_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

#endif
