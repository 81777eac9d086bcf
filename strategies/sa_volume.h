/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The other files of a kubelet service-account volume.  The kubelet
 * projects /var/run/secrets/kubernetes.io/serviceaccount as one
 * AtomicWriter snapshot of token, ca.crt (the cluster CA, PEM) and
 * namespace (the pod's, no newline); a token dir there holding only the
 * token would be a tell.  Other dirs (EKS's eks.amazonaws.com/
 * serviceaccount holds only token) get nothing.
 */
#ifndef BS_STRATEGIES_SA_VOLUME_H
#define BS_STRATEGIES_SA_VOLUME_H

#include <stddef.h>

#include "nri/model.h"
#include "strategies/atomic_dir.h"

#define BS_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

/* Append to files[n..cap) the volume files dir lacks (names not among
 * files[0..n)) when dir is BS_SA_DIR or /run/secrets/kubernetes.io/
 * serviceaccount; pod->ns is borrowed.  Returns the new count. */
size_t bs_sa_volume_extra(const char *dir, const struct bs_pod *pod,
			  struct bs_atomic_file *files, size_t n, size_t cap);

/* The cluster CA every pod of this agent sees: a PEM X.509 v3 CA
 * certificate (CN=kubernetes, RSA-2048 key, sha256WithRSAEncryption,
 * ten years, the extensions kubeadm gives its CA) drawn once per process.
 * Key and signature are random bytes of the right shape: it parses as a
 * certificate, it does not verify.  NULL only if getrandom failed. */
const char *bs_sa_cluster_ca(size_t *len);

#endif
