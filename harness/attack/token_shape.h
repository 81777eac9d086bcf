/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a token's content looks like to someone who knows the real thing:
 * base64url, AWS access key ids (and the account id they encode), JWTs
 * with a minimal JSON claim lookup.  libc only: the recon in the static
 * attack tool and the reference volume builder share it.
 */
#ifndef BS_HARNESS_TOKEN_SHAPE_H
#define BS_HARNESS_TOKEN_SHAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* RFC 4648 section 5, no padding ('=' tolerated at the end on decode).
 * Return the bytes written (encode: without the NUL it adds), -EINVAL for
 * bad input, -ENOSPC when out is too small. */
int bs_b64url_encode(const void *in, size_t len, char *out, size_t cap);
int bs_b64url_decode(const char *in, size_t len, unsigned char *out,
		     size_t cap);

/* "AKIA"/"ASIA" + 16 of [A-Z2-7]. */
bool bs_aws_key_id_valid(const char *id, size_t len);
/* The account id a valid key id encodes (base32 of the 16 characters:
 * bits 1..40 of the first 6 bytes, as described by Tal Be'ery, "A short
 * note on AWS KEY ID", 2023).  0, -EINVAL for an invalid id, -ENODATA for
 * the old AKIAI.../AKIAJ... ids, which encode no account. */
int bs_aws_key_account(const char *id, uint64_t *account);
/* Why an account is a known tell ("canarytokens.org", "zero", ...), or
 * NULL when it is not one we know. */
const char *bs_aws_account_flag(uint64_t account);

/* What the recon knows about the pod it runs in; NULL/"" = unknown. */
struct bs_pod_facts {
	const char *ns;
	const char *pod_name;
	const char *pod_uid;
};

/* Is tok (header.payload.signature) a JWT a kubelet would mount for this
 * pod: each part base64url, header and payload JSON objects, a signing
 * alg, exp in the future, iat/nbf not in the future, and the
 * kubernetes.io claims (when present) naming this pod (a pod_name that is
 * the token's node.name is a host-network pod's hostname, the node's: no
 * pod name to check).  0 plausible, 1
 * not (why says which check), -EINVAL not a JWT at all (why too). */
int bs_jwt_check(const char *tok, size_t len, const struct bs_pod_facts *pod,
		 time_t now, char *why, size_t why_len);

#endif
