/* SPDX-License-Identifier: Apache-2.0 */
/*
 * NRI protocol versions, as the minor number of containerd/nri v0.<minor>.
 *
 * What changes on the wire per version (from containerd/nri's api.proto and
 * pkg/adaptation at each tag; docs in ../shared/nri-protocol.md):
 *   >= 7   Configure names the runtime's timeouts; Synchronize is split
 *          (`more`) when one message would pass 4 MiB.
 *   >= 10  event bits 12-14 (UpdatePodSandbox, PostUpdatePodSandbox,
 *          ValidateContainerAdjustment): mask 0 then means "all" = 0x3FFF.
 *   >= 12  one RPC per event (RunPodSandbox, PostCreateContainer, ...),
 *          StateChange only after the plugin answered UNIMPLEMENTED;
 *          NRI_version in RegisterPlugin/Configure; plugin names limited
 *          to [A-Za-z0-9_.+-].
 */
#ifndef BS_NRI_VERSION_H
#define BS_NRI_VERSION_H

#include <stdint.h>

#define BS_NRI_EVENTS_V0_2  0x07FFu /* events 1-11: every runtime */
#define BS_NRI_EVENTS_V0_10 0x3FFFu /* events 1-14 */

/* The newest protocol our plugin speaks, sent in RegisterPlugin's
 * NRI_version (v0.12+ runtimes log it; older ones skip the field). */
#define BS_NRI_PLUGIN_NRI_VERSION "v0.12.0"

/* The NRI versions our runtime side can speak (harness modes). */
#define BS_NRI_MODE_DEFAULT 4 /* containerd 1.7.13, ../shared/nri-golden */
#define BS_NRI_MODE_ENV	    "BEESTING_NRI_VERSION"

/* "v0.12.0", "0.12", "v0.8" -> 12, 8; -EINVAL for anything else. */
int bs_nri_version_parse(const char *s);
/*
 * The runtime's NRI minor version from what Configure says: NRI_version
 * when set (v0.12+), else inferred from runtime name and version the way
 * NRI's own table does (containerd releases).  0 when unknown.
 */
int bs_nri_version_infer(const char *runtime_name, const char *runtime_version,
			 const char *nri_version);
/* Event bits a runtime of that version accepts in ConfigureResponse
 * (0 = unknown: the bits every version knows). */
uint32_t bs_nri_valid_events(int minor);

/* Runtime-side modes: 4, 8, 10, 11, 12 (else -EINVAL). */
int bs_nri_mode_check(int minor);
/* A mode from BS_NRI_MODE_ENV, else BS_NRI_MODE_DEFAULT; -EINVAL (logged)
 * for a value that names no mode. */
int bs_nri_mode_from_env(void);
/* The containerd release a mode stands for, e.g. "v2.3.0". */
const char *bs_nri_mode_runtime_version(int minor);

#endif
