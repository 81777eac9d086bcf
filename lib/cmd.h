/* SPDX-License-Identifier: Apache-2.0 */
/* Running other programs: an argv with a timeout and captured output, or a
 * shell command line. */
#ifndef BS_LIB_CMD_H
#define BS_LIB_CMD_H

#include <stddef.h>
#include <sys/types.h>

/* Run argv with stdin from /dev/null, stdout+stderr into out, killing it
 * after timeout_ms.  Returns 0 (then *status is the exit code, or 128+sig)
 * or -errno (-ETIMEDOUT). */
int bs_cmd_run(const char *const *argv, int timeout_ms, char *out, size_t cap,
	       int *status);

/* Start argv[0] with stdout and stderr appended to log (they stay ours
 * when log cannot be opened).  The child's pid, or -1 with errno set. */
pid_t bs_cmd_spawn(char *const argv[], const char *log);

/* Run a shell command line; returns its exit status or -errno. Output
 * goes to out (up to len) when out is not NULL, else to our stderr. */
int bs_run_cmd(const char *cmd, char *out, size_t len);

#endif
