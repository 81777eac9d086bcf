/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The alert record: one bs_event (+ what the agent knows about the token
 * and the accessor's container) -> one struct bs_alert -> the JSON line.
 * The JSON shape is a public interface, documented in docs/agent.md; keep
 * it stable.
 */
#ifndef BS_AGENT_ALERT_H
#define BS_AGENT_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/types.h>

#include "agent/containers.h"
#include "bpf/events.h"
#include "strategies/token.h"

struct bs_alert_meta {
	const char *node;
	const char *inject;
	const char *detect;
};

const char *bs_method_name(uint32_t method);

/*
 * One alert, built once by the core (bs_alert_build) from the detection
 * event, the token store and the container table; every sink renders it:
 * the stream its JSON line (bs_alert_json, the public interface), the
 * webhooks their bodies, the kube sink an Event and a pod annotation, the
 * metrics endpoint its counters.  Strings are never NULL ("" when unknown,
 * rendered as JSON null where have_token / have_accessor is false); they
 * point into the builder's arguments (bs_alert_dup() makes an owned copy).
 */
struct bs_alert {
	const char *json; /* the stream's line, ending in '\n' (NULL: none) */
	size_t len;
	int64_t real_ns;    /* when the access happened (CLOCK_REALTIME) */
	char time[48];	    /* the same, RFC 3339 */
	int64_t latency_us; /* access -> alert built */
	/* who saw it */
	const char *node, *inject, *detect, *backend;
	/* how: method, accesses folded in, BS_EVF_* flags, bytes scanned */
	const char *method;
	uint32_t count, flags, scanned;
	/* the token and its container: the pod that was compromised */
	uint32_t token_id;
	bool have_token; /* false: it left the store */
	const char *path, *container_id, *pod, *ns, *container;
	/* the accessor: thread (JSON "pid") and process (JSON "tgid") ids as
	 * in bpf/events.h, its parent, uid, comm, cgroup and container */
	uint32_t tid, tgid, ppid, uid;
	uint64_t cgroup_id;
	char comm[BS_COMM_LEN + 1];
	bool have_accessor; /* false: the host, or a container not known */
	const char *acc_id, *acc_pod, *acc_ns, *acc_container;
	/* --respond: enum bs_respond, enum bs_respond_result, -errno */
	uint8_t respond, respond_result;
	int16_t respond_err;
};

/* Build a (json NULL) from one event.  token and acc may be NULL (token
 * already removed; accessor not in a known container).  now_mono_ns /
 * now_real_ns convert the event's monotonic time to wall time. */
void bs_alert_build(struct bs_alert *a, const struct bs_alert_meta *m,
		    const struct bs_event *ev, const struct bs_token *token,
		    const struct bs_ctr_info *acc, int64_t now_mono_ns,
		    int64_t now_real_ns);

/* The alert stream's JSON line of a (docs/agent.md "Output"): a NUL-terminated
 * line ending in '\n' in buf.  Returns the length, or -ENOSPC when buf is
 * too small. */
int bs_alert_json(char *buf, size_t n, const struct bs_alert *a);

/* RFC 3339 UTC time with nanoseconds. */
void bs_format_time(char *buf, size_t n, int64_t real_ns);

#endif
