/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A real CRI-O >= 1.30 as a kind of the private runtime of
 * harness/runtime/containerd.h: the same guardian, mount namespace,
 * start/stop, crictl and teardown; what differs is here.  CRI-O runs from
 * flags alone (no crio.conf: every path under the temp dir, vfs storage,
 * cgroupfs, conmon, pinns, runc, no infra container, no host-port
 * mapping as there is no iptables/nft here), and images go into its
 * containers/storage with skopeo.  Its directory ($BEESTING_CRIO) holds
 * crio and pinns (crictl there or on PATH); conmon, skopeo and runc come
 * from Debian (make deps).
 */
#ifndef BS_HARNESS_CRIO_H
#define BS_HARNESS_CRIO_H

#include <stddef.h>

#include "harness/runtime/containerd.h"

/* The CRI-O $BEESTING_CRIO names, kind CTRD_KIND_CRIO, ready for
 * ctrd_setup.  -ENOENT with the reason in why (for cr_skip_test). */
int crio_find(struct ctrd *c, char *why, size_t len);
/* For ctrd_setup: the directories and the signature policy crio wants. */
int crio_prepare(const struct ctrd *c);
/* In the child ctrd_start forks, inside the namespace: exec crio with
 * our flags.  Returns only on failure. */
void crio_exec(const struct ctrd *c);
/* Copy image ref from the OCI layout dir into crio's storage. */
int crio_copy_image(const struct ctrd *c, const char *layout, const char *ref);

#endif
