/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Honeytoken content templates.  Every call draws fresh randomness
 * (getrandom), so each container gets content that names it once the agent
 * maps the content back to its token record.
 */
#ifndef BS_STRATEGIES_TOKGEN_H
#define BS_STRATEGIES_TOKGEN_H

#include <stddef.h>
#include <stdint.h>

/* Identity the JWT templates (k8s-sa-token, eks-irsa) write into their
 * claims.  NULL or invalid names fall back to "default" (ns, service
 * account) or to a random name/uid (pod). */
struct bs_tokgen_who {
	const char *ns;
	const char *service_account;
	const char *pod;
	const char *pod_uid;
};

/* The AWS identity every token of this agent shares, as one cluster's
 * pods do: drawn once per process (region, 12-digit account, EKS OIDC
 * issuer id of 32 upper-case hex). */
struct bs_aws_cluster {
	char region[24];
	char account[13];
	char oidc_id[33];
};
const struct bs_aws_cluster *bs_aws_cluster(void);

/* Access key id of prefix ("AKIA"/"ASIA") + 16 chars of [A-Z2-7] whose
 * chars 5..16 decode to account (12 digits) as AWS's do: base32 of 10
 * bytes whose first 48 bits are 1, account (40 bits), 7 random bits.
 * out: at least 21 bytes.  0 or -errno. */
int bs_tokgen_aws_key_id(const char *prefix, const char *account, char *out,
			 size_t cap);
/* The account a key id encodes, or -EINVAL (old-format or bad id). */
long long bs_tokgen_aws_account(const char *key_id);

/* IRSA env values of an eks-irsa token for who: the role ARN
 * arn:aws:iam::<account>:role/<name> and the region.  0 or -errno. */
struct bs_irsa_env {
	char role_arn[160];
	char region[24];
};
int bs_tokgen_irsa_env(const struct bs_tokgen_who *who,
		       struct bs_irsa_env *out);

/* The node the JWT templates' kubernetes.io.node claim names, as the
 * kubelet's tokens do since Kubernetes 1.30 (the agent's --node; unset:
 * the hostname).  Its uid is drawn once per process, as one node has one.
 * Call before the first token. */
void bs_tokgen_set_node(const char *name);

/* Known template names, for config validation. */
int bs_tokgen_known(const char *template_name);

/* Templates: aws-access-key, k8s-sa-token, eks-irsa, generic, file.
 * Generate content for template_name into out (cap bytes, at most
 * BS_CONTENT_MAX used).  content_file is read for template "file" only.
 * Returns the content length or -errno (-EINVAL unknown template,
 * -EFBIG file larger than BS_CONTENT_MAX or cap). */
int bs_tokgen(const char *template_name, const struct bs_tokgen_who *who,
	      const char *content_file, uint8_t *out, size_t cap);

/* Fill buf with len random bytes from getrandom(); 0 or -errno. */
int bs_random(void *buf, size_t len);

/* base64 (url=0, with padding) or base64url (url=1, no padding) of in into
 * out (cap bytes incl. NUL).  Returns the length or -ENOSPC. */
int bs_base64(const uint8_t *in, size_t len, int url, char *out, size_t cap);

/* k8s name check: [a-z0-9.-], starts/ends alnum, 1..253 bytes. */
int bs_k8s_name_valid(const char *s);

#endif
