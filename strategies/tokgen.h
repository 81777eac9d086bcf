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

/* Identity the k8s-sa-token template writes into its claims.  NULL or
 * invalid names fall back to "default". */
struct bs_tokgen_who {
	const char *ns;
	const char *service_account;
};

/* Known template names, for config validation. */
int bs_tokgen_known(const char *template_name);

/* Generate content for template_name into out (cap bytes, at most
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
