// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/verifier_stats.h"

#define LOG_LEVEL_STATS 4 /* BPF_LOG_STATS */

int bs_verifier_info_has_count(void)
{
	struct utsname u;
	unsigned int major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return 0;
	return major > 5 || (major == 5 && minor >= 16);
}

void bs_verifier_log_stats(struct bpf_program *p, char *log, size_t size)
{
	log[0] = '\0';
	bpf_program__set_log_buf(p, log, size);
	bpf_program__set_log_level(p, LOG_LEVEL_STATS);
}

long bs_verifier_parse_log(const char *log)
{
	const char *at = log ? strstr(log, "processed ") : NULL;
	char *end;
	long n;

	if (!at)
		return -ENODATA;
	n = strtol(at + strlen("processed "), &end, 10);
	if (end == at + strlen("processed ") || strncmp(end, " insns", 6))
		return -ENODATA;
	return n;
}

long bs_verifier_insns(const struct bpf_program *p, const char *log)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	int fd = bpf_program__fd(p);

	memset(&info, 0, sizeof(info));
	/* a kernel before 5.16 returns a shorter info, without the field */
	if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len) &&
	    len >= offsetof(struct bpf_prog_info, verified_insns) +
			    sizeof(info.verified_insns) &&
	    info.verified_insns)
		return info.verified_insns;
	return bs_verifier_parse_log(log);
}
