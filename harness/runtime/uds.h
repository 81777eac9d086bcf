/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unix stream sockets for the harness's stand-ins (the NRI relay, a
 * runtime that misbehaves): listen on a path, dial one.
 */
#ifndef BS_HARNESS_UDS_H
#define BS_HARNESS_UDS_H

/* Listen on path (an old socket file there is removed first): the fd or
 * -errno (-ENAMETOOLONG when path does not fit a socket address). */
int bs_uds_listen(const char *path);
/* Connect to path: the fd or -errno. */
int bs_uds_dial(const char *path);

#endif
