/* SPDX-License-Identifier: Apache-2.0 */
/* Size limits every layer shares: ids, names and paths of pods, containers
 * and tokens.  Longer input is refused, never truncated. */
#ifndef BS_LIB_LIMITS_H
#define BS_LIB_LIMITS_H

#define BS_ID_LEN      128  /* container/pod ids (64 hex in practice) */
#define BS_NAME_LEN    254  /* k8s names: 253 + NUL */
#define BS_PATH_LEN    512  /* token paths; longer ones are refused */
#define BS_CONTENT_MAX 4096 /* token content */

#endif
