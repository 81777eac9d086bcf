/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Alert formatter: one bs_event (+ what the agent knows about the token and
 * the accessor's container) -> one JSON line.  The JSON shape is a public
 * interface, documented in docs/agent.md; keep it stable.
 */
#ifndef BS_AGENT_ALERT_H
#define BS_AGENT_ALERT_H

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

/* Append s as a JSON string literal (with quotes) to buf at *off. */
void bs_json_str(char *buf, size_t n, size_t *off, const char *s);

/* Writes a NUL-terminated line ending in '\n' into buf.  token and acc may
 * be NULL (token already removed; accessor not in a known container).
 * now_mono_ns/now_real_ns convert the event's monotonic time to wall time.
 * Returns the length, or -ENOSPC when buf is too small. */
int bs_alert_format(char *buf, size_t n, const struct bs_alert_meta *m,
		    const struct bs_event *ev, const struct bs_token *token,
		    const struct bs_ctr_info *acc, int64_t now_mono_ns,
		    int64_t now_real_ns);

/* One alert as the sinks see it: the JSON line (formatted once, the public
 * interface) and the fields other output formats and metrics are made of.
 * Strings are never NULL ("" when unknown); they point into the caller's
 * data (bs_alert_dup() makes an owned copy). */
struct bs_alert {
	const char *json; /* the line, ending in '\n' */
	size_t len;
	int64_t real_ns; /* when the access happened (CLOCK_REALTIME) */
	char time[48];	 /* the same, RFC 3339 */
	char comm[BS_COMM_LEN + 1];
	const char *node, *method;
	uint32_t token_id, count, pid, uid;
	/* the token's container: the pod that was compromised */
	const char *path, *container_id, *pod, *ns, *container;
	/* the accessor's container, "" for the host */
	const char *acc_pod, *acc_ns, *acc_container;
};

/* Fill a for json (from bs_alert_format() with the same arguments). */
void bs_alert_describe(struct bs_alert *a, const char *json, size_t len,
		       const struct bs_alert_meta *m, const struct bs_event *ev,
		       const struct bs_token *token,
		       const struct bs_ctr_info *acc, int64_t now_mono_ns,
		       int64_t now_real_ns);

/* RFC 3339 UTC time with nanoseconds. */
void bs_format_time(char *buf, size_t n, int64_t real_ns);

#endif
