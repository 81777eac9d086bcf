/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The attacker's view: a fixed table of tells, things an unprivileged
 * process inside the victim can check that give a honeytoken away because
 * a kubelet-mounted secret or projected token does not show them.  The
 * recon (`beesting-attack recon PATH...`) runs every tell over the paths;
 * the harness writes the results to results/stealth.csv and the
 * docs/strategies.md tell table is bs_tells_markdown()'s output
 * (tests/test_recon.c).
 *
 * libc only: linked into the static attack tool.
 */
#ifndef BS_HARNESS_TELLS_H
#define BS_HARNESS_TELLS_H

#include <stddef.h>
#include <stdio.h>

enum bs_tell_id {
	BS_TELL_AGENT_NAME,
	BS_TELL_AGENT_HOOK,
	BS_TELL_SINGLE_FILE,
	BS_TELL_DISK_FS,
	BS_TELL_LAYOUT,
	BS_TELL_META,
	BS_TELL_AWS_KEY,
	BS_TELL_JWT,
	BS_TELL_ENV,
	BS_TELL_MAX,
};

struct bs_tell {
	enum bs_tell_id id;
	const char *name;
	const char *checks;  /* what the recon looks at */
	const char *kubelet; /* why a kubelet-mounted secret does not show it */
};

extern const struct bs_tell bs_tells[BS_TELL_MAX];

#define BS_TELL_UNKNOWN	 (-1) /* cannot be checked here: never 0 then */
#define BS_TELL_EVIDENCE 160

struct bs_tell_result {
	int visible;			 /* 0, 1 or BS_TELL_UNKNOWN */
	char evidence[BS_TELL_EVIDENCE]; /* CSV-safe: no , " or newlines */
};

/* Every tell over the token paths; a tell is visible when it is for any
 * path (evidence: the first such path's). */
void bs_recon(const char *const *paths, size_t n,
	      struct bs_tell_result out[BS_TELL_MAX]);
/* "0", "1", "unknown" */
const char *bs_tell_visible_name(int visible);
const struct bs_tell *bs_tell_find(const char *name);
/* Makes s CSV-safe in place: , -> ; " -> ' controls -> space. */
void bs_tell_clean(char *s);
/* The docs/strategies.md block: one row per tell. */
void bs_tells_markdown(FILE *out);

#endif
