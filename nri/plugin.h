/* SPDX-License-Identifier: Apache-2.0 */
/*
 * NRI plugin side: connects to the runtime's NRI socket (or uses the fd a
 * runtime handed over in NRI_PLUGIN_SOCKET), registers, and serves the
 * Plugin service on logical conn 1.  Protobuf never leaks out: handlers see
 * nri/model.h views (valid during the call only) and fill a bs_adjust.
 *
 * Single-threaded: call connect/process/run from one thread.  Only
 * bs_nri_plugin_stats() may be called from another thread.
 */
#ifndef BS_NRI_PLUGIN_H
#define BS_NRI_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include "nri/adjust.h"
#include "nri/model.h"

#define BS_NRI_DEFAULT_SOCKET "/var/run/nri/nri.sock"
#define BS_NRI_EVENTS_V1      0x07FFu /* what every runtime (NRI <= v0.9) knows */

struct bs_nri_handlers {
	void *arg;
	/* BS_EV_MASK() bits we subscribe to; bits outside 0x07FF are dropped
	 * (with a warning).  0: all of 0x07FF.  The runtime always gets an
	 * explicit mask within what its NRI version knows (never 0, which
	 * means "everything" there, validation included from NRI v0.10). */
	uint32_t events;
	/* Once per connection, with the complete pod/container set (split
	 * syncs are gathered first).  An error is logged; we still reply OK. */
	int (*synchronize)(void *arg, const struct bs_pod *pods, size_t n_pods,
			   const struct bs_container *ctrs, size_t n_ctrs);
	/* Fill adj (already initialised).  A non-zero return makes the reply
	 * an UNKNOWN status, which fails the container creation: the handler
	 * decides fail-open (return 0 with an empty adj) vs fail-closed, and
	 * logs why (the plugin does not log it again). */
	int (*create_container)(void *arg, const struct bs_pod *pod,
				const struct bs_container *ctr,
				struct bs_adjust *adj);
	/* Every other event (StateChange, dedicated v0.12 methods,
	 * UpdateContainer, StopContainer).  ctr is NULL for pod events.
	 * Errors are logged, never sent back (a notification cannot undo). */
	int (*event)(void *arg, enum bs_nri_event ev, const struct bs_pod *pod,
		     const struct bs_container *ctr);
};

struct bs_nri_plugin_config {
	const char *socket_path; /* NULL: BS_NRI_DEFAULT_SOCKET */
	const char *name;	 /* NULL: "beesting"; [A-Za-z0-9_.+-]+ */
	const char *idx;	 /* NULL: "10"; two digits */
	int backoff_max_ms;	 /* reconnect back-off cap; <= 0: 5000 */
};

#define BS_NRI_CREATE_WINDOW  1024
#define BS_NRI_CREATE_BUCKETS 12

struct bs_nri_stats {
	uint64_t requests;	  /* runtime requests served */
	uint64_t errors;	  /* error replies + connection errors */
	uint64_t reconnects;	  /* successful connects after the first */
	uint64_t last_handler_us; /* latest handler call */
	uint64_t max_handler_us;
	/* CreateContainer as the runtime waits on it (decode, handler,
	 * encode; not the send), over the last BS_NRI_CREATE_WINDOW requests */
	uint64_t creates; /* requests in the window */
	uint64_t create_p50_us;
	uint64_t create_p99_us;
	/* every CreateContainer since start, as a histogram: create_hist[i]
	 * counts requests <= bs_nri_create_bounds_us[i] and above the bound
	 * before (not cumulative); create_count - their sum is above all */
	uint64_t create_count;
	uint64_t create_sum_us;
	uint64_t create_hist[BS_NRI_CREATE_BUCKETS];
	/* from the latest Configure */
	uint32_t runtime_nri; /* NRI minor version: 12 = v0.12; 0 unknown */
	uint32_t events;      /* the mask we subscribed with */
	/* pods + containers of a split Synchronize past what one may hold
	 * (64 parts, 64 MiB), not handed to synchronize() (also an error) */
	uint64_t sync_skipped;
};

extern const uint32_t bs_nri_create_bounds_us[BS_NRI_CREATE_BUCKETS];

struct bs_nri_plugin;

/* NULL with errno set (EINVAL for a bad name/idx/handler set, ENOMEM). */
struct bs_nri_plugin *bs_nri_plugin_new(const struct bs_nri_plugin_config *cfg,
					const struct bs_nri_handlers *h);
/* Dial (or take the inherited NRI_PLUGIN_SOCKET fd, once) and send
 * RegisterPlugin without waiting for its reply.  0 or negative errno. */
int bs_nri_plugin_connect(struct bs_nri_plugin *p);
/* The connected socket for poll(POLLIN), or -1. */
int bs_nri_plugin_fd(struct bs_nri_plugin *p);
/* Read what is available, dispatch, reply.  0; -ECONNRESET on EOF; other
 * negative errno on protocol errors.  On any error the connection is
 * already closed and its state dropped: connect again. */
int bs_nri_plugin_process(struct bs_nri_plugin *p);
/* connect + serve; on EOF/error reconnect with exponential back-off (each
 * reconnect logged) until *stop is set (checked every 100 ms).  Returns 0,
 * or the error when an inherited fd (pre-launched plugin) is lost. */
int bs_nri_plugin_run(struct bs_nri_plugin *p, volatile int *stop);
void bs_nri_plugin_stats(struct bs_nri_plugin *p, struct bs_nri_stats *out);
/* Closes the connection too. */
void bs_nri_plugin_free(struct bs_nri_plugin *p);

/* Feed raw runtime->plugin bytes to a plugin with no socket (fuzzing):
 * replies are dropped.  0 or the negative errno that would close it. */
int bs_nri_plugin_feed(struct bs_nri_plugin *p, const uint8_t *buf, size_t n);

#endif
