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
 * It speaks one NRI protocol version (config nri_version; nri/version.h
 * lists what changes), each the way containerd's embedded NRI does:
 *   4   containerd 1.7.7-1.7.13: Configure {name, version}; one Synchronize
 *       (a state past 4 MiB fails the plugin); notifications as StateChange;
 *       plugin name only non-empty; valid events 0x07FF
 *   8   containerd 1.7.26+/2.0/2.1: + timeouts (ms) in Configure; a
 *       Synchronize past 4 MiB is resent in `more` chunks
 *   10, 11  containerd 2.2: + valid events 0x3FFF (mask 0 = all of them)
 *   12  containerd 2.3: + NRI_version in Configure; one RPC per event,
 *       StateChange for a plugin that answered UNIMPLEMENTED (from then on);
 *       plugin names [A-Za-z0-9_.+-] only
 * In every mode a message is sent as a Go runtime writes it: a first frame
 * of at most 4096 bytes, the rest in one frame.
 *
 * Simplifications: no ownership/conflict checks between plugins' adjustments
 * (they are appended in order) and later plugins do not see earlier ones'
 * changes; no UpdatePodSandbox/validation calls; plugin-initiated
 * UpdateContainers is answered (nothing failed) only while a call is in
 * progress.  Single-threaded: one caller at a time.
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
	const char *runtime_version; /* NULL: the mode's containerd release */
	/* NRI protocol mode: 4, 8, 10, 11 or 12 (v0.4 ... v0.12); 0: from
	 * $BEESTING_NRI_VERSION, else 4.  Anything else: EINVAL. */
	int nri_version;
	int request_timeout_ms;	     /* <= 0: 2000 */
	int registration_timeout_ms; /* <= 0: 5000 */
	size_t sync_chunk; /* max pods+containers per Synchronize; 0: one */
};

struct bs_nri_runtime_stats {
	uint64_t calls;	      /* requests sent to plugins */
	uint64_t drops;	      /* plugins dropped (timeout, EOF, protocol) */
	uint64_t last_rtt_us; /* latest request -> reply round trip */
	uint64_t max_rtt_us;
	uint64_t fallbacks; /* v0.12 event RPCs resent as StateChange */
	uint64_t syncs;	    /* Synchronize messages sent (split: several) */
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
/* The protocol mode in use (4, 8, 10, 11, 12). */
int bs_nri_runtime_nri_version(const struct bs_nri_runtime *rt);
/* Event mask the i-th plugin subscribed with (0 if no such plugin). */
uint32_t bs_nri_runtime_plugin_events(const struct bs_nri_runtime *rt,
				      size_t i);
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
 * StateChange, or in mode 12 as its own RPC; ctr NULL for pod events.  Plugin errors are only logged (as
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
