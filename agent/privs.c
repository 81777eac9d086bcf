// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "agent/privs.h"
#include "lib/log.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

/* Every capability the agent uses, and what goes without it. */
static const struct cap_use {
	int cap;
	const char *name;
	unsigned int uses;   /* enum bs_priv_use */
	unsigned int before; /* needed only before this kernel (maj<<8|min) */
	const char *disables;
} cap_uses[] = {
	{ CAP_BPF, "CAP_BPF", BS_USE_DETECT, 0,
	  "BPF detection loads only with CAP_SYS_ADMIN, and arming tokens "
	  "fails once that is dropped after start" },
	{ CAP_PERFMON, "CAP_PERFMON", BS_USE_DETECT, 0,
	  "the tracing BPF programs of every --attach backend load only with "
	  "CAP_SYS_ADMIN" },
	{ CAP_SYS_ADMIN, "CAP_SYS_ADMIN", BS_USE_DETECT | BS_USE_PROJECTED, 0,
	  "securityfs cannot be mounted to read the active LSMs (--attach "
	  "auto may not find lsm); without CAP_BPF+CAP_PERFMON, or before "
	  "kernel 5.8, no BPF detection at all; projected cannot mount its "
	  "tmpfs (file bind mounts instead)" },
	/* 5.11 charges BPF memory to the memcg instead of RLIMIT_MEMLOCK */
	{ CAP_SYS_RESOURCE, "CAP_SYS_RESOURCE", BS_USE_DETECT, 5 << 8 | 11,
	  "the memlock limit cannot be raised for BPF maps (kernels before "
	  "5.11 need it)" },
	{ CAP_SYS_PTRACE, "CAP_SYS_PTRACE", BS_USE_OCIHOOK, 0,
	  "ocihook inode discovery and resync through /proc/<pid>/root will "
	  "fail" },
	{ CAP_DAC_READ_SEARCH, "CAP_DAC_READ_SEARCH", BS_USE_OCIHOOK, 0,
	  "ocihook tokens under container directories the agent's uid cannot "
	  "search will not be found" },
	{ CAP_SYS_CHROOT, "CAP_SYS_CHROOT", BS_USE_PROJECTED, 0,
	  "projected cannot enter the node's mount namespace: every token "
	  "gets a file bind mount" },
	{ CAP_DAC_OVERRIDE, "CAP_DAC_OVERRIDE", BS_USE_INJECT, 0,
	  "state-dir and hook-dir entries not owned by the agent's uid "
	  "cannot be replaced or removed" },
	{ CAP_SETPCAP, "CAP_SETPCAP", BS_USE_DROP, 0,
	  "the bounding set cannot be reduced after start (the other sets "
	  "still are, and no_new_privs is set)" },
};

uint64_t bs_privs_kept_mask(void)
{
	return (1ull << CAP_BPF) | (1ull << CAP_SYS_PTRACE) |
	       (1ull << CAP_DAC_READ_SEARCH) | (1ull << CAP_DAC_OVERRIDE);
}

uint64_t bs_privs_kept_mask_for(unsigned int uses)
{
	uint64_t keep = bs_privs_kept_mask();

	/* projected mounts (fsopen, setns into the node's mount ns) at
	 * every CreateContainer and RemoveContainer */
	if (uses & BS_USE_PROJECTED)
		keep |= 1ull << CAP_SYS_ADMIN | 1ull << CAP_SYS_CHROOT;
	return keep;
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

/* capget() of this thread's sets, two 32-bit halves each. */
static int caps_get(struct __user_cap_header_struct *hdr,
		    struct __user_cap_data_struct d[2])
{
	*hdr = (struct __user_cap_header_struct){
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	memset(d, 0, 2 * sizeof(*d));
	return syscall(SYS_capget, hdr, d) ? -errno : 0;
}

int bs_privs_mask(uint64_t effective, uint64_t permitted, uint64_t inheritable)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct d[2];
	int err = caps_get(&hdr, d);

	if (err)
		return err;
	for (int i = 0; i < 2; i++) {
		d[i].effective &= (uint32_t)(effective >> (32 * i));
		d[i].permitted &= (uint32_t)(permitted >> (32 * i));
		d[i].inheritable &= (uint32_t)(inheritable >> (32 * i));
	}
	return syscall(SYS_capset, &hdr, d) ? -errno : 0;
}

int bs_privs_drop_after_start(void)
{
	return bs_privs_drop_after_start_for(0);
}

int bs_privs_drop_after_start_for(unsigned int uses)
{
	uint64_t keep = bs_privs_kept_mask_for(uses);
	int err, bnd;

	/* Ambient caps would survive an exec; we never want that. */
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	/* Without CAP_SETPCAP (EPERM) the other sets and no_new_privs still
	 * keep an exec from regaining anything. */
	bnd = drop_bounding(keep);
	err = bnd == -EPERM ? 0 : bnd;
	if (!err)
		err = bs_privs_mask(keep, keep, 0);
	if (!err && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		err = -errno;
	if (err)
		bs_warn("could not drop capabilities: %s", strerror(-err));
	else
		bs_info("capabilities reduced to bpf, sys_ptrace, "
			"dac_read_search, dac_override%s%s",
			uses & BS_USE_PROJECTED ? ", sys_admin, sys_chroot"
						: "",
			bnd ? " (bounding set unchanged: no CAP_SETPCAP)" : "");
	return err ? err : bnd;
}

unsigned int bs_privs_uses(const char *inject, const char *detect)
{
	unsigned int u = BS_USE_DROP;

	if (detect && strcmp(detect, "none"))
		u |= BS_USE_DETECT;
	if (inject && strcmp(inject, "none"))
		u |= BS_USE_INJECT;
	if (inject && !strcmp(inject, "ocihook"))
		u |= BS_USE_OCIHOOK;
	if (inject && !strcmp(inject, "projected"))
		u |= BS_USE_PROJECTED;
	return u;
}

/* Running kernel as major<<8|minor (0 when unknown: every entry counts). */
static unsigned int kernel_version(void)
{
	struct utsname u;
	unsigned int maj, min;

	if (uname(&u) || sscanf(u.release, "%u.%u", &maj, &min) != 2)
		return 0;
	return maj << 8 | min;
}

static int effective_caps(uint64_t *eff)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct d[2];
	int err = caps_get(&hdr, d);

	if (!err)
		*eff = (uint64_t)d[1].effective << 32 | d[0].effective;
	return err;
}

int bs_privs_report(unsigned int uses, uint64_t *missing)
{
	unsigned int kver = kernel_version();
	int last = last_cap(), n = 0, err;
	uint64_t eff = 0, miss = 0;

	if (missing)
		*missing = 0;
	err = effective_caps(&eff);
	if (err) {
		bs_warn("cannot read the capability sets: %s", strerror(-err));
		return err;
	}
	for (size_t i = 0; i < sizeof(cap_uses) / sizeof(cap_uses[0]); i++) {
		const struct cap_use *c = &cap_uses[i];

		/* a capability the kernel does not have is not missing:
		 * before 5.8 CAP_SYS_ADMIN covers CAP_BPF/CAP_PERFMON */
		if (!(c->uses & uses) || c->cap > last ||
		    (eff & (1ull << c->cap)) ||
		    (c->before && kver >= c->before))
			continue;
		miss |= 1ull << c->cap;
		bs_warn("missing %s: %s", c->name, c->disables);
		n++;
	}
	if (!n)
		bs_info("capabilities: every one the agent uses is present");
	if (missing)
		*missing = miss;
	return 0;
}
