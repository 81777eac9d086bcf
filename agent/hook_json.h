/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small, bounded JSON reader for the static binaries (beesting-hook and
 * beesting-attack's token checks), so they link without libjansson: it
 * validates one whole document (RFC 8259: strict grammar, UTF-8, escapes,
 * no \u0000, nesting at most BS_HJ_MAX_DEPTH) and returns the value at a
 * path of object keys, e.g. {"root", "path"} for an OCI config's
 * root.path.  No allocation.
 */
#ifndef BS_AGENT_HOOK_JSON_H
#define BS_AGENT_HOOK_JSON_H

#include <stddef.h>

#define BS_HJ_MAX_DEPTH 64
#define BS_HJ_MAX_KEYS	8

struct bs_hj_error {
	const char *why; /* static text, NULL when the document is valid */
	size_t off;	 /* byte offset where it went wrong */
};

/*
 * Find the string at keys[0..nkeys) in doc[0..len) and decode it into out
 * (NUL-terminated, outsz bytes at most with the NUL).  Returns 0, -EINVAL
 * when doc is not valid JSON or a key on the path appears twice in one
 * object (err says why and where), -ENOENT when the path is absent or its
 * value is not a string, -ENAMETOOLONG when the string does not fit.
 */
int bs_hj_get_string(const char *doc, size_t len, const char *const *keys,
		     size_t nkeys, char *out, size_t outsz,
		     struct bs_hj_error *err);

/*
 * The same walk, giving the value's text as it stands in doc: a string's
 * bytes between its quotes (escapes not decoded), any other value whole.
 * nkeys 0 is the document itself, so this also just validates a document.
 * Returns 0 with *val, *vlen set, -EINVAL or -ENOENT as above.
 */
int bs_hj_get_raw(const char *doc, size_t len, const char *const *keys,
		  size_t nkeys, const char **val, size_t *vlen,
		  struct bs_hj_error *err);

#endif
