// SPDX-License-Identifier: Apache-2.0
/* Name -> strategy lookup, and the --attach names. */
#include <errno.h>
#include <string.h>

#include "strategies/inject.h"
#include "strategies/methods.h"
#include "strategies/strategy.h"

extern const struct bs_detect_ops bs_detect_open_ops, bs_detect_readscan_ops,
	bs_detect_fanotify_ops, bs_detect_none_ops;

/* plants nothing: the baseline for the benchmarks */
static const struct bs_inject_ops inject_none = { .name = "none" };

static const struct bs_inject_ops *const injects[] = {
	&bs_inject_bind_ops,
	&bs_inject_ocihook_ops,
	&bs_inject_projected_ops,
	&inject_none,
};

static const struct bs_detect_ops *const detects[] = {
	&bs_detect_open_ops,
	&bs_detect_readscan_ops,
	&bs_detect_fanotify_ops,
	&bs_detect_none_ops,
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

const struct bs_inject_ops *bs_inject_find(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_LEN(injects); i++)
		if (!strcmp(injects[i]->name, name))
			return injects[i];
	return NULL;
}

const struct bs_detect_ops *bs_detect_find(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_LEN(detects); i++)
		if (!strcmp(detects[i]->name, name))
			return detects[i];
	return NULL;
}

int bs_attach_parse(const char *s, enum bs_attach *out)
{
	for (int i = 0; s && i < BS_ATTACH_MAX; i++)
		if (!strcmp(bs_attach_name((enum bs_attach)i), s)) {
			*out = (enum bs_attach)i;
			return 0;
		}
	return -EINVAL;
}
