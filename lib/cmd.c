// SPDX-License-Identifier: Apache-2.0
/* Running other programs (see cmd.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cmd.h"

static int wait_timeout(pid_t pid, int timeout_ms, int *status)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	int ws = 0, err = 0;

	if (pfd >= 0) {
		struct pollfd p = { .fd = pfd, .events = POLLIN };
		int r;

		do {
			r = poll(&p, 1, timeout_ms);
		} while (r < 0 && errno == EINTR);
		if (r == 0) {
			kill(pid, SIGKILL);
			err = -ETIMEDOUT;
		}
		close(pfd);
	}
	while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
		;
	if (status)
		*status = WIFEXITED(ws)	    ? WEXITSTATUS(ws)
			  : WIFSIGNALED(ws) ? 128 + WTERMSIG(ws)
					    : -1;
	return err;
}

int bs_cmd_run(const char *const *argv, int timeout_ms, char *out, size_t cap,
	       int *status)
{
	int mfd, nfd, err;
	pid_t pid;

	if (status)
		*status = -1;
	if (out && cap)
		out[0] = '\0';
	/* A memfd, not a pipe: runc create hands its stdio to the container,
	 * which would keep a pipe open forever. */
	mfd = memfd_create("bs-cmd", MFD_CLOEXEC);
	if (mfd < 0)
		return -errno;
	nfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (nfd < 0) {
		err = -errno;
		close(mfd);
		return err;
	}
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(mfd);
		close(nfd);
		return err;
	}
	if (pid == 0) {
		if (dup2(nfd, 0) < 0 || dup2(mfd, 1) < 0 || dup2(mfd, 2) < 0)
			_exit(126);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(nfd);
	err = wait_timeout(pid, timeout_ms, status);
	if (out && cap) {
		ssize_t n = pread(mfd, out, cap - 1, 0);

		out[n > 0 ? n : 0] = '\0';
	}
	close(mfd);
	return err;
}

int bs_run_cmd(const char *cmd, char *out, size_t len)
{
	FILE *p;
	size_t n = 0;
	int st;

	if (!out)
		st = system(cmd);
	else {
		p = popen(cmd, "r");
		if (!p)
			return -errno;
		while (n + 1 < len) {
			size_t r = fread(out + n, 1, len - 1 - n, p);

			if (r == 0)
				break;
			n += r;
		}
		out[n] = '\0';
		/* drain the rest so the child does not die of SIGPIPE */
		while (fgetc(p) != EOF)
			;
		st = pclose(p);
	}
	if (st < 0)
		return -errno;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

pid_t bs_cmd_spawn(char *const argv[], const char *log)
{
	pid_t p = fork();

	if (p == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
			      0644);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	return p;
}
