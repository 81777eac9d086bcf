// SPDX-License-Identifier: Apache-2.0
#include <string.h>

#include "nri/model.h"

const char *bs_kv_get(const struct bs_kv *kv, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (kv[i].key && strcmp(kv[i].key, key) == 0)
			return kv[i].value ? kv[i].value : "";
	return NULL;
}
