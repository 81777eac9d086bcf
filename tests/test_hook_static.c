// SPDX-License-Identifier: Apache-2.0
/*
 * beesting-hook on a node that has nothing but a kernel: the built binary
 * has no ELF interpreter and needs no shared object, and it plants a token
 * when run in an empty root (a chroot holding only the hook, its content
 * file and a bundle) with the OCI state on stdin, as runc runs it.  Bad
 * input never makes it exit non-zero, and it always says why.
 */
#include <criterion/criterion.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/inject_support.h"

#define TOKEN	"/root/.aws/credentials"
#define CONTENT "[default]\naws_access_key_id = ASIAEXAMPLE\n"
#define STATE                                                                  \
	"{\"ociVersion\":\"1.0.2\",\"id\":\"c1\",\"status\":\"creating\","     \
	"\"pid\":4242,\"bundle\":\"/bundle\",\"annotations\":"                 \
	"{\"io.kubernetes.cri.container-type\":\"container\"}}"
#define CONFIG                                                                 \
	"{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"sh\"],"            \
	"\"env\":[\"PATH=/bin\"],\"cwd\":\"/\"},\"root\":{\"path\":"           \
	"\"rootfs\",\"readonly\":false},\"hostname\":\"h\",\"mounts\":["       \
	"{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"}],"  \
	"\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}}"

static char root[] = "/tmp/bs-hookroot-XXXXXX";
static char err_text[8192];

static void path_in(char *buf, size_t n, const char *rel)
{
	snprintf(buf, n, "%s%s", root, rel);
}

static void write_file(const char *rel, const char *text, mode_t mode)
{
	char p[512];
	int fd;

	path_in(p, sizeof(p), rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	cr_assert_geq(fd, 0, "%s: %s", p, strerror(errno));
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* The text of the file at path p (absolute), cut to cap - 1. */
static void read_text(const char *p, char *buf, size_t cap)
{
	int fd = open(p, O_RDONLY);
	ssize_t n;

	cr_assert_geq(fd, 0, "%s", p);
	n = read(fd, buf, cap - 1);
	close(fd);
	cr_assert_geq(n, 0);
	buf[n] = '\0';
}

static void make_dir(const char *rel)
{
	char p[512];

	path_in(p, sizeof(p), rel);
	cr_assert_eq(mkdir(p, 0755), 0, "%s: %s", p, strerror(errno));
}

static void copy_hook(void)
{
	const char *src = bs_it_hook_src();
	char p[512], buf[65536];
	ssize_t n;
	int in, out;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		cr_skip_test("hook binary %s not built", src);
	path_in(p, sizeof(p), "/beesting-hook");
	out = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	cr_assert_geq(out, 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		cr_assert_eq(write(out, buf, (size_t)n), n);
	cr_assert_eq(n, 0);
	close(in);
	close(out);
}

/* The empty root: the hook, a content file, /bundle/{config.json,rootfs}.
 * No /lib, /usr, /dev, /proc, /etc. */
static void setup(void)
{
	if (geteuid() != 0)
		cr_skip_test("chroot and a mount namespace need root");
	cr_assert_not_null(mkdtemp(root));
	copy_hook();
	write_file("/content", CONTENT, 0600);
	make_dir("/bundle");
	make_dir("/bundle/rootfs");
	write_file("/bundle/config.json", CONFIG, 0644);
}

static void teardown(void)
{
	char cmd[128];

	if (strchr(root, 'X'))
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd))
		fprintf(stderr, "cleanup of %s failed\n", root);
}

struct run {
	const char *state; /* on stdin */
	const char *cwd;   /* in the chroot; runc gives hooks the rootfs */
	bool ro_rootfs;	   /* /bundle/rootfs read-only (bind, own ns) */
};

static void child(const struct run *r, int in, int errfd, char **argv)
{
	char *const envp[] = { NULL };
	char p[512];

	/* The hook's read-only bind must not leak into the test's mounts. */
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		_exit(126);
	path_in(p, sizeof(p), "/bundle/rootfs");
	if (r->ro_rootfs &&
	    (mount(p, p, NULL, MS_BIND, NULL) ||
	     mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL)))
		_exit(126);
	if (chroot(root) || chdir(r->cwd ? r->cwd : "/"))
		_exit(126);
	dup2(in, STDIN_FILENO);
	dup2(errfd, STDERR_FILENO);
	execve("/beesting-hook", argv, envp);
	_exit(127);
}

/* Run the hook in the empty root; its stderr lands in err_text. */
static int run_hook(const struct run *r, const char *const *args)
{
	char *argv[16] = { "beesting-hook" };
	char errp[512];
	int pfd[2], errfd, status;
	size_t n = 1;
	ssize_t got;
	pid_t pid;

	for (; args && *args && n < 15; args++)
		argv[n++] = (char *)*args;
	snprintf(errp, sizeof(errp), "%s.stderr", root);
	errfd = open(errp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	cr_assert_geq(errfd, 0);
	cr_assert_eq(pipe(pfd), 0);
	/* state fits the pipe buffer: written before the hook runs */
	cr_assert_eq(write(pfd[1], r->state, strlen(r->state)),
		     (ssize_t)strlen(r->state));
	close(pfd[1]);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		child(r, pfd[0], errfd, argv);
	close(pfd[0]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	got = pread(errfd, err_text, sizeof(err_text) - 1, 0);
	err_text[got > 0 ? got : 0] = '\0';
	close(errfd);
	unlink(errp);
	cr_assert(WIFEXITED(status), "hook killed by signal %d",
		  WTERMSIG(status));
	cr_assert_neq(WEXITSTATUS(status), 126, "test child setup failed");
	cr_assert_neq(WEXITSTATUS(status), 127,
		      "hook could not be executed in the empty root");
	return WEXITSTATUS(status);
}

static const char *const plant_args[] = { "--path", TOKEN, "--content-file",
					  "/content", NULL };

static void check_token(const char *rootfs_rel)
{
	char p[512], buf[256];
	struct stat st;

	snprintf(p, sizeof(p), "%s%s" TOKEN, root, rootfs_rel);
	cr_assert_eq(lstat(p, &st), 0, "no token at %s: %s", p,
		     strerror(errno));
	cr_assert(S_ISREG(st.st_mode));
	cr_assert_eq(st.st_mode & 07777, 0444, "mode %o", st.st_mode & 07777);
	cr_assert_eq(st.st_uid, 0);
	read_text(p, buf, sizeof(buf));
	cr_assert_str_eq(buf, CONTENT);
	/* parents made on the way, 0755 */
	snprintf(p, sizeof(p), "%s%s/root/.aws", root, rootfs_rel);
	cr_assert_eq(lstat(p, &st), 0);
	cr_assert(S_ISDIR(st.st_mode));
	cr_assert_eq(st.st_mode & 07777, 0755);
}

static void no_token(void)
{
	char p[512];
	struct stat st;

	path_in(p, sizeof(p), "/bundle/rootfs" TOKEN);
	cr_assert_neq(lstat(p, &st), 0, "a token was planted at %s", p);
}

/* ---- the binary ------------------------------------------------------ */

Test(hook_static, no_interpreter_no_needed_libraries)
{
	const char *bin = bs_it_hook_src();
	static unsigned char img[16 << 20];
	const Elf64_Ehdr *eh = (const void *)img;
	size_t len = 0;
	ssize_t n;
	int fd, dynamic = 0;

	fd = open(bin, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		cr_skip_test("hook binary %s not built", bin);
	while ((n = read(fd, img + len, sizeof(img) - len)) > 0)
		len += (size_t)n;
	close(fd);
	cr_assert_lt(len, sizeof(img), "hook larger than 16 MiB");
	cr_assert_geq(len, sizeof(*eh));
	cr_assert_eq(memcmp(eh->e_ident, ELFMAG, SELFMAG), 0, "not ELF");
	cr_assert_eq(eh->e_ident[EI_CLASS], ELFCLASS64);
	cr_assert_eq(eh->e_phentsize, sizeof(Elf64_Phdr));
	cr_assert_leq(eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr),
		      len);
	cr_assert_gt(eh->e_phnum, 0);
	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph =
			(const void *)(img + eh->e_phoff + i * sizeof(*ph));

		cr_expect_neq(ph->p_type, PT_INTERP,
			      "PT_INTERP: needs a dynamic loader on the node");
		if (ph->p_type != PT_DYNAMIC)
			continue;
		/* static-pie has one, but it must need nothing */
		dynamic++;
		cr_assert_leq(ph->p_offset + ph->p_filesz, len);
		for (size_t o = 0; o + sizeof(Elf64_Dyn) <= ph->p_filesz;
		     o += sizeof(Elf64_Dyn)) {
			const Elf64_Dyn *d =
				(const void *)(img + ph->p_offset + o);

			if (d->d_tag == DT_NULL)
				break;
			cr_expect_neq(d->d_tag, DT_NEEDED,
				      "DT_NEEDED: needs a shared library");
		}
	}
	cr_log_info("hook %s: %zu bytes, %d PT_DYNAMIC", bin, len, dynamic);
}

/* ---- in an empty root ------------------------------------------------ */

Test(hook_static, plants_token_in_empty_root, .init = setup, .fini = teardown)
{
	const struct run r = { .state = STATE, .cwd = "/bundle/rootfs" };

	cr_assert_eq(run_hook(&r, plant_args), 0);
	cr_assert_str_empty(err_text, "hook said: %s", err_text);
	check_token("/bundle/rootfs");
}

/* The root is found from the bundle, not the cwd; escapes are decoded. */
Test(hook_static, root_from_escaped_bundle_not_cwd, .init = setup,
     .fini = teardown)
{
	const struct run r = {
		.state = "{\"pid\":1,\"bundle\":\"\\/bund\\u006ce\","
			 "\"annotations\":{\"bundle\":\"/nope\"}}",
		.cwd = "/",
	};

	cr_assert_eq(run_hook(&r, plant_args), 0);
	cr_assert_str_empty(err_text, "hook said: %s", err_text);
	check_token("/bundle/rootfs");
}

Test(hook_static, absolute_root_path, .init = setup, .fini = teardown)
{
	const struct run r = { .state = STATE, .cwd = "/" };

	write_file("/bundle/config.json",
		   "{\"root\":{\"path\":\"/bundle/rootfs\"}}", 0644);
	cr_assert_eq(run_hook(&r, plant_args), 0);
	cr_assert_str_empty(err_text, "hook said: %s", err_text);
	check_token("/bundle/rootfs");
}

/* ---- bad input: exit 0, a reason on stderr --------------------------- */

Test(hook_static, garbage_state_falls_back_to_cwd, .init = setup,
     .fini = teardown)
{
	const struct run r = { .state = "{\"bundle\":\"/bundle\"",
			       .cwd = "/bundle/rootfs" };

	cr_assert_eq(run_hook(&r, plant_args), 0);
	cr_assert(strstr(err_text, "state on stdin: not valid JSON"),
		  "stderr: %s", err_text);
	cr_assert(strstr(err_text, "using the cwd"), "stderr: %s", err_text);
	check_token("/bundle/rootfs");
}

Test(hook_static, empty_state_and_binary_stdin, .init = setup, .fini = teardown)
{
	const struct run empty = { .state = "", .cwd = "/bundle/rootfs" };
	const struct run bin = { .state = "\x7f"
					  "ELF\x01\xff",
				 .cwd = "/" };

	cr_assert_eq(run_hook(&empty, NULL), 0);
	cr_assert(strstr(err_text, "value expected at byte 0"), "stderr: %s",
		  err_text);
	cr_assert(strstr(err_text, "nothing to plant"), "stderr: %s", err_text);
	cr_assert_eq(run_hook(&bin, plant_args), 0);
	cr_assert(strstr(err_text, "not valid JSON"), "stderr: %s", err_text);
}

Test(hook_static, bundle_without_config, .init = setup, .fini = teardown)
{
	const struct run r = { .state = STATE, .cwd = "/bundle/rootfs" };
	char p[512];

	path_in(p, sizeof(p), "/bundle/config.json");
	cr_assert_eq(unlink(p), 0);
	cr_assert_eq(run_hook(&r, plant_args), 0);
	cr_assert(strstr(err_text, "/bundle/config.json: No such file"),
		  "stderr: %s", err_text);
	check_token("/bundle/rootfs");
}

Test(hook_static, root_path_not_a_string, .init = setup, .fini = teardown)
{
	const struct run r = { .state = STATE, .cwd = "/bundle/rootfs" };

	write_file("/bundle/config.json", "{\"root\":{\"path\":7}}", 0644);
	cr_assert_eq(run_hook(&r, plant_args), 0);
	cr_assert(strstr(err_text, "no string \"root.path\""), "stderr: %s",
		  err_text);
	check_token("/bundle/rootfs");
}

Test(hook_static, missing_arguments, .init = setup, .fini = teardown)
{
	const struct run r = { .state = STATE };
	const char *const no_content[] = { "--path", TOKEN, NULL };
	const char *const dangling[] = { "--path", NULL };

	cr_assert_eq(run_hook(&r, NULL), 0);
	cr_assert(strstr(err_text, "nothing to plant"), "stderr: %s", err_text);
	cr_assert_eq(run_hook(&r, no_content), 0);
	cr_assert(strstr(err_text, TOKEN ": no --content-file"), "stderr: %s",
		  err_text);
	cr_assert_eq(run_hook(&r, dangling), 0);
	cr_assert(strstr(err_text, "ignoring argument --path"), "stderr: %s",
		  err_text);
	no_token();
}

Test(hook_static, content_file_missing, .init = setup, .fini = teardown)
{
	const struct run r = { .state = STATE };
	const char *const args[] = { "--path", TOKEN, "--content-file", "/nope",
				     NULL };

	cr_assert_eq(run_hook(&r, args), 0);
	cr_assert(strstr(err_text, TOKEN ": token not planted: No such file"),
		  "stderr: %s", err_text);
	no_token();
}

Test(hook_static, read_only_rootfs, .init = setup, .fini = teardown)
{
	const struct run r = { .state = STATE, .ro_rootfs = true };

	cr_assert_eq(run_hook(&r, plant_args), 0);
	cr_assert(strstr(err_text,
			 TOKEN ": token not planted: Read-only file system"),
		  "stderr: %s", err_text);
	no_token();
}

Test(hook_static, parent_is_a_file, .init = setup, .fini = teardown)
{
	const struct run r = { .state = STATE };

	write_file("/bundle/rootfs/root", "x", 0644);
	cr_assert_eq(run_hook(&r, plant_args), 0);
	cr_assert(
		strstr(err_text, TOKEN ": token not planted: Not a directory"),
		"stderr: %s", err_text);
}

/* O_EXCL: an existing file (the image's) is never overwritten. */
Test(hook_static, existing_file_kept, .init = setup, .fini = teardown)
{
	const struct run r = { .state = STATE };
	char p[512], buf[32];

	make_dir("/bundle/rootfs/root");
	make_dir("/bundle/rootfs/root/.aws");
	write_file("/bundle/rootfs" TOKEN, "image's own", 0600);
	cr_assert_eq(run_hook(&r, plant_args), 0);
	cr_assert(strstr(err_text, TOKEN ": token not planted: File exists"),
		  "stderr: %s", err_text);
	path_in(p, sizeof(p), "/bundle/rootfs" TOKEN);
	read_text(p, buf, sizeof(buf));
	cr_assert_str_eq(buf, "image's own");
}

/* A symlinked parent planted by the image is not followed. */
Test(hook_static, symlinked_parent_not_followed, .init = setup,
     .fini = teardown)
{
	const struct run r = { .state = STATE };
	char p[512];
	struct stat st;

	make_dir("/elsewhere");
	make_dir("/bundle/rootfs/root");
	path_in(p, sizeof(p), "/bundle/rootfs/root/.aws");
	cr_assert_eq(symlink("/elsewhere", p), 0);
	cr_assert_eq(run_hook(&r, plant_args), 0);
	cr_assert(strstr(err_text, TOKEN ": token not planted:"), "stderr: %s",
		  err_text);
	path_in(p, sizeof(p), "/elsewhere/credentials");
	cr_assert_neq(lstat(p, &st), 0, "followed the link");
}
