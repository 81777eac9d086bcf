/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a cluster says about an alert, for the kube sink suite: the kubectl
 * calls the real-cluster test makes and the reading of their JSON (an
 * EventList, a Pod).  The readers run everywhere, on documents of the
 * shape kubectl prints; the calls (tests/support/shell.h) only where
 * BEESTING_KUBECONFIG is set.
 */
#ifndef BS_TEST_KUBE_CHECK_H
#define BS_TEST_KUBE_CHECK_H

#include <stddef.h>

/* The command that lists a pod's HoneytokenAccessed Events as JSON. */
int kube_events_cmd(char *buf, size_t n, const char *ns, const char *pod);
/* The command that prints a pod as JSON. */
int kube_pod_cmd(char *buf, size_t n, const char *ns, const char *pod);

/* In an EventList: the Warning HoneytokenAccessed Events on pod, their
 * count fields added up into *count (NULL: not wanted).  The number of
 * such Events, or -EINVAL when doc is no EventList. */
int kube_events_find(const char *doc, const char *pod, long *count);

/* In a Pod document: annotation key into out.  1 found, 0 not there,
 * -EINVAL when doc is no Pod. */
int kube_pod_annotation(const char *doc, const char *key, char *out, size_t n);
/* The same for a label. */
int kube_pod_label(const char *doc, const char *key, char *out, size_t n);

#endif
