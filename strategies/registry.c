// SPDX-License-Identifier: Apache-2.0
/* Name -> strategy lookup, and the --attach names. */
#include <errno.h>
#include <string.h>

#include "strategies/inject.h"
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

static const char *const attach_names[] = {
	[BS_ATTACH_AUTO] = "auto",
	[BS_ATTACH_LSM] = "lsm",
	[BS_ATTACH_FENTRY] = "fentry",
	[BS_ATTACH_KPROBE] = "kprobe",
	[BS_ATTACH_TRACEPOINT] = "tracepoint",
	[BS_ATTACH_FANOTIFY] = "fanotify",
};

const char *bs_attach_name(enum bs_attach a)
{
	if ((size_t)a < ARRAY_LEN(attach_names))
		return attach_names[a];
	return "unknown";
}

int bs_attach_parse(const char *s, enum bs_attach *out)
{
	for (size_t i = 0; s && i < ARRAY_LEN(attach_names); i++)
		if (!strcmp(attach_names[i], s)) {
			*out = (enum bs_attach)i;
			return 0;
		}
	return -EINVAL;
}
