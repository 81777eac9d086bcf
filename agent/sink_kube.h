/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Kubernetes sink: for an alert on a known pod, a Warning Event
 * (reason HoneytokenAccessed) on that pod and the pod annotation
 * beesting.io/compromised (a JSON merge patch), through the API server's
 * REST API (agent/http_client.c).  Alerts whose token has no pod are
 * skipped (delivered: there is nothing to annotate).
 */
#ifndef BS_AGENT_SINK_KUBE_H
#define BS_AGENT_SINK_KUBE_H

#include <stddef.h>

#include "agent/sink.h"

#define BS_KUBE_REASON	   "HoneytokenAccessed"
#define BS_KUBE_ANNOTATION "beesting.io/compromised"
/* the quarantine label: what a NetworkPolicy or admission policy selects */
#define BS_KUBE_LABEL	  "beesting.io/compromised"
#define BS_KUBE_LABEL_VAL "true"
#define BS_KUBE_SA_DIR	  "/var/run/secrets/kubernetes.io/serviceaccount"

struct bs_kube_opts {
	const char *api;	/* base URL, or "in-cluster" */
	const char *token_file; /* "" = none; a missing default is skipped */
	const char *ca_file;	/* "" = system store; likewise */
	long timeout_ms;
	unsigned int retries;
	const char *node;
};

struct bs_kube;

/* Resolves "in-cluster" from KUBERNETES_SERVICE_HOST/PORT.  0 or -errno
 * (logged). */
int bs_kube_new(const struct bs_kube_opts *o, struct bs_kube **out);

/* Request bodies (malloc'd JSON), for the tests too. */
char *bs_kube_event_body(const struct bs_alert *a, const char *node);
char *bs_kube_patch_body(const struct bs_alert *a);

extern const struct bs_sink_ops bs_sink_kube_ops;

#endif
