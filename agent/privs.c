// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "agent/log.h"
#include "agent/privs.h"

#ifndef CAP_BPF
#define CAP_BPF 39
#endif

uint64_t bs_privs_kept_mask(void)
{
	return (1ull << CAP_BPF) | (1ull << CAP_SYS_PTRACE) |
	       (1ull << CAP_DAC_READ_SEARCH) | (1ull << CAP_DAC_OVERRIDE);
}

static int last_cap(void)
{
	int n = 0;

	/* PR_CAPBSET_READ fails with EINVAL past the kernel's last cap. */
	while (n < 64 && prctl(PR_CAPBSET_READ, n, 0, 0, 0) >= 0)
		n++;
	return n - 1;
}

static int drop_bounding(uint64_t keep)
{
	int last = last_cap();

	for (int c = 0; c <= last; c++) {
		if (keep & (1ull << c))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) && errno != EINVAL)
			return -errno;
	}
	return 0;
}

static int set_caps(uint64_t keep)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	for (int i = 0; i < 2; i++) {
		uint32_t k = (uint32_t)(keep >> (32 * i));

		data[i].effective &= k;
		data[i].permitted &= k;
		data[i].inheritable = 0;
	}
	if (syscall(SYS_capset, &hdr, data))
		return -errno;
	return 0;
}

int bs_privs_drop_after_start(void)
{
	uint64_t keep = bs_privs_kept_mask();
	int err;

	/* Ambient caps would survive an exec; we never want that. */
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	err = drop_bounding(keep);
	if (!err)
		err = set_caps(keep);
	if (!err && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		err = -errno;
	if (err)
		bs_warn("could not drop capabilities: %s", strerror(-err));
	else
		bs_info("capabilities reduced to bpf, sys_ptrace, "
			"dac_read_search, dac_override");
	return err;
}
