// SPDX-License-Identifier: Apache-2.0
/* NRI protocol versions (see version.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "nri/version.h"

/* "[v]MAJ.MIN[.PATCH...]" -> its three numbers (patch 0 if absent). */
static int parse3(const char *s, long v[3])
{
	char *end;

	if (!s)
		return -EINVAL;
	if (*s == 'v')
		s++;
	for (int i = 0; i < 3; i++) {
		v[i] = 0;
		if (i == 2 && *s != '.')
			return 0;
		if (i && *s++ != '.')
			return -EINVAL;
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v[i] = strtol(s, &end, 10);
		s = end;
	}
	return 0;
}

int bs_nri_version_parse(const char *s)
{
	long v[3];

	if (parse3(s, v) || v[0] != 0 || v[1] < 1 || v[1] > 99)
		return -EINVAL;
	return (int)v[1];
}

/* NRI embedded by a containerd release (go.mod of each tag). */
static int containerd_nri(const long v[3])
{
	static const struct {
		long maj, min, patch; /* first release of the row */
		int nri;
	} rows[] = {
		{ 1, 7, 0, 3 },	 { 1, 7, 7, 4 },  { 1, 7, 14, 6 },
		{ 1, 7, 26, 8 }, { 2, 0, 0, 8 },  { 2, 2, 0, 10 },
		{ 2, 2, 1, 11 }, { 2, 3, 0, 12 },
	};
	int nri = 0;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (v[0] > rows[i].maj ||
		    (v[0] == rows[i].maj &&
		     (v[1] > rows[i].min ||
		      (v[1] == rows[i].min && v[2] >= rows[i].patch))))
			nri = rows[i].nri;
	return nri;
}

int bs_nri_version_infer(const char *runtime_name, const char *runtime_version,
			 const char *nri_version)
{
	long v[3];
	int n = nri_version && *nri_version ? bs_nri_version_parse(nri_version)
					    : -EINVAL;

	if (n > 0)
		return n;
	if (runtime_name && !strcmp(runtime_name, "containerd") &&
	    !parse3(runtime_version, v))
		return containerd_nri(v);
	return 0;
}

uint32_t bs_nri_valid_events(int minor)
{
	return minor >= 10 ? BS_NRI_EVENTS_V0_10 : BS_NRI_EVENTS_V0_2;
}

static const struct {
	int minor;
	const char *containerd;
} modes[] = {
	{ 4, "v1.7.13" }, { 8, "v2.0.0" },  { 10, "v2.2.0" },
	{ 11, "v2.2.1" }, { 12, "v2.3.0" },
};

int bs_nri_mode_check(int minor)
{
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (modes[i].minor == minor)
			return minor;
	return -EINVAL;
}

const char *bs_nri_mode_runtime_version(int minor)
{
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (modes[i].minor == minor)
			return modes[i].containerd;
	return "v0";
}

int bs_nri_mode_from_env(void)
{
	const char *s = getenv(BS_NRI_MODE_ENV);
	int m;

	if (!s || !*s)
		return BS_NRI_MODE_DEFAULT;
	m = bs_nri_mode_check(bs_nri_version_parse(s));
	if (m < 0)
		bs_err("%s=%.32s: not one of v0.4 v0.8 v0.10 v0.11 v0.12",
		       BS_NRI_MODE_ENV, s);
	return m;
}
