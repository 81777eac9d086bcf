/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Apply a struct bs_adjust to an OCI runtime config (config.json) the way
 * containerd applies an NRI adjustment: mounts added or replaced by
 * destination and then ordered by path depth (then destination), hooks
 * appended to their lists, env entries replaced or appended, annotations
 * set.  Used by the local harness in place of a container runtime.
 */
#ifndef BS_HARNESS_OCI_H
#define BS_HARNESS_OCI_H

#include <jansson.h>

#include "nri/adjust.h"

/* Both return 0 or -errno (-EINVAL when the config is not an OCI object). */
int bs_oci_apply(json_t *config, const struct bs_adjust *adj);
int bs_oci_apply_file(const char *config_path, const struct bs_adjust *adj);

/* OCI hooks list name of a kind ("createContainer", ...), NULL if unknown. */
const char *bs_oci_hook_list(enum bs_hook_kind kind);

#endif
