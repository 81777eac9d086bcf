// SPDX-License-Identifier: Apache-2.0
#include <sys/sysmacros.h>

#include "strategies/token.h"

/* glibc packs major/minor differently from the kernel's internal s_dev,
 * which is what BPF programs read from inode->i_sb->s_dev. */
uint64_t bs_dev_to_kernel(uint64_t st_dev)
{
	uint64_t maj = major(st_dev), min = minor(st_dev);

	return (maj << 20) | (min & 0xfffff);
}
