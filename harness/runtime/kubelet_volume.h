/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A reference volume built the way the kubelet builds a service-account
 * (secret/projected) volume, to validate the recon against: a tmpfs with
 * default options (root 1777), AtomicWriter's layout (name -> ..data/name,
 * ..data -> ..YYYY_MM_DD_HH_MM_SS.N, that dir 0755), files 0644 (the
 * default defaultMode), root-owned, all written at once; the token a JWT
 * for the pod it is mounted in.  What the kubelet does is in
 * pkg/volume/util/atomic_writer.go and pkg/volume/emptydir.
 */
#ifndef BS_HARNESS_KUBELET_VOLUME_H
#define BS_HARNESS_KUBELET_VOLUME_H

#include <stddef.h>
#include <time.h>

#define BS_KVOL_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

struct bs_kvol_pod {
	const char *ns;
	const char *pod_name; /* the container's hostname */
	const char *pod_uid;
	const char *sa_name;
	const char *node_name;
};

/* A service-account token as the API server issues it: RS256 header with
 * a kid, the kubernetes.io claims of pod, exp = iat + ttl_s, a 256-byte
 * signature.  Length, or -ENOSPC/-errno. */
int bs_kvol_sa_token(const struct bs_kvol_pod *pod, time_t iat, long ttl_s,
		     char *out, size_t cap);

struct bs_kvol_file {
	const char *name; /* no '/', no leading ".." */
	const char *data;
	size_t len;
};

/* Mounts a tmpfs on dir (an existing empty directory) and writes the
 * files in AtomicWriter's layout.  0 or -errno (nothing left mounted). */
int bs_kvol_make_files(const char *dir, const struct bs_kvol_file *files,
		       size_t n);
/* The service-account volume of pod: token, ca.crt, namespace. */
int bs_kvol_make(const char *dir, const struct bs_kvol_pod *pod);
/* Unmounts it; 0 when nothing was mounted. */
int bs_kvol_remove(const char *dir);
/* The kubelet's part of the OCI config (config.json at config): vol
 * bind-mounted read-only at dest, the hostname the pod's name (NULL:
 * unchanged). */
int bs_kvol_oci_mount(const char *config, const char *vol, const char *dest,
		      const char *hostname);

#endif
