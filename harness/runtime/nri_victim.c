// SPDX-License-Identifier: Apache-2.0
#include "harness/runtime/nri_victim.h"

int bs_nri_victim_token(struct bs_nri_runtime *rt, const char *token, char *src,
			size_t n)
{
	static const struct bs_pod pod = {
		.id = "p1", .name = "victim", .uid = "u1", .ns = "default"
	};
	static const struct bs_container ctr = {
		.id = "0123456789abcdef0123456789abcdef",
		.pod_id = "p1",
		.name = "app",
		.state = BS_CTR_CREATED,
	};

	return bs_nri_runtime_mount_source(rt, &pod, &ctr, token, src, n);
}
