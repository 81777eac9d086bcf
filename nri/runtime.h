/* SPDX-License-Identifier: Apache-2.0 */
/*
 * NRI runtime side (the server role containerd plays), for tests, the
 * benchmark and the harness's local backend.  It listens on a unix socket,
 * admits plugins one at a time (RegisterPlugin -> Configure -> Synchronize,
 * as containerd does) and delivers events to the subscribed plugins in
 * plugin-index order, synchronously, each call bounded by the request
 * timeout.  A plugin that times out, hangs up or breaks the protocol is
 * dropped and the event goes on without it (containerd's behaviour).
 *
 * Simplifications: no ownership/conflict checks between plugins' adjustments
 * (they are appended in order) and later plugins do not see earlier ones'
 * changes; notifications always use StateChange (valid for every plugin);
 * plugin-initiated UpdateContainers is answered (nothing failed) only while
 * a call is in progress.  Single-threaded: one caller at a time.
 */
#ifndef BS_NRI_RUNTIME_H
#define BS_NRI_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "nri/adjust.h"
#include "nri/model.h"

#define BS_NRI_RT_MAX_PLUGINS 8

struct bs_nri_runtime_config {
	const char *socket_path;     /* required; a stale file is replaced */
	const char *runtime_name;    /* NULL: "beesting-harness" */
	const char *runtime_version; /* NULL: "v0" */
	int request_timeout_ms;	     /* <= 0: 2000 */
	int registration_timeout_ms; /* <= 0: 5000 */
	size_t sync_chunk; /* max pods+containers per Synchronize; 0: one */
};

struct bs_nri_runtime_stats {
	uint64_t calls;	      /* requests sent to plugins */
	uint64_t drops;	      /* plugins dropped (timeout, EOF, protocol) */
	uint64_t last_rtt_us; /* latest request -> reply round trip */
	uint64_t max_rtt_us;
};

struct bs_nri_runtime;

/* Listen on cfg->socket_path (parent dir created 0700).  NULL + errno. */
struct bs_nri_runtime *
bs_nri_runtime_new(const struct bs_nri_runtime_config *cfg);
/* Wait up to timeout_ms for one plugin and admit it, synchronising the
 * given pods and containers.  0, -ETIMEDOUT (nobody came), -EPROTO/-EINVAL
 * (plugin rejected: bad name/idx, bad event mask, failed sync), -ENOSPC. */
int bs_nri_runtime_accept(struct bs_nri_runtime *rt, int timeout_ms,
			  const struct bs_pod *pods, size_t n_pods,
			  const struct bs_container *ctrs, size_t n_ctrs);
size_t bs_nri_runtime_n_plugins(const struct bs_nri_runtime *rt);
/* Name of the i-th admitted plugin in call order, or NULL. */
const char *bs_nri_runtime_plugin_name(const struct bs_nri_runtime *rt,
				       size_t i);

/* CreateContainer to every subscribed plugin; their adjustments are
 * appended to out (initialised by the caller).  0, or -EREMOTEIO when a
 * plugin answered with an error status (containerd fails the creation). */
int bs_nri_runtime_create_container(struct bs_nri_runtime *rt,
				    const struct bs_pod *pod,
				    const struct bs_container *ctr,
				    struct bs_adjust *out);
/* CreateContainer of ctr, and into src the host source of the mount the
 * plugins added at dest: 0, -ENOENT when they added none there, or the
 * create's error. */
int bs_nri_runtime_mount_source(struct bs_nri_runtime *rt,
				const struct bs_pod *pod,
				const struct bs_container *ctr,
				const char *dest, char *src, size_t n);
/* StopContainer to the subscribed plugins; 0 or -EREMOTEIO. */
int bs_nri_runtime_stop_container(struct bs_nri_runtime *rt,
				  const struct bs_pod *pod,
				  const struct bs_container *ctr);
/* Any notification event (not CREATE/UPDATE/STOP_CONTAINER: -EINVAL) as
 * StateChange; ctr NULL for pod events.  Plugin errors are only logged (as
 * containerd does for notifications); returns 0 or -EREMOTEIO. */
int bs_nri_runtime_state_change(struct bs_nri_runtime *rt, enum bs_nri_event ev,
				const struct bs_pod *pod,
				const struct bs_container *ctr);
void bs_nri_runtime_stats(const struct bs_nri_runtime *rt,
			  struct bs_nri_runtime_stats *out);
/* Disconnect every plugin (they see EOF), keep listening. */
void bs_nri_runtime_drop_all(struct bs_nri_runtime *rt);
/* Close everything and unlink the socket. */
void bs_nri_runtime_free(struct bs_nri_runtime *rt);

#endif
