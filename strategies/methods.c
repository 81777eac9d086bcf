// SPDX-License-Identifier: Apache-2.0
/* The access-method table (methods.h) and its lookups. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "strategies/methods.h"

#define ALL   BS_ACC_BK_ALL
#define HOOKS BS_ACC_BK_HOOKS
#define TP    BS_ACC_BK(BS_ATTACH_TRACEPOINT)
#define FAN   BS_ACC_BK_FAN
#define BOTH  (BS_ACC_ATTACK | BS_ACC_SUITE)

/* Shared reasons: one text per cause, however many methods it covers. */
static const char R_PRE_FD[] =
	"the fd was opened before arming (or by an unwatched process): "
	"reading it is not an open; whoever opened it alerts";
static const char R_FD_CALLS[] =
	"on an fd opened before arming only the tracepoint backend checks "
	"fd-based syscalls";
static const char R_NO_READ[] =
	"the bytes never reach a user buffer through a read";
static const char R_URING[] =
	"io_uring reads bypass the read syscalls and vfs_read";
static const char R_SHORT[] =
	"each read returns fewer bytes than a token window";
static const char R_VEC_HOOK[] =
	"vectored reads (readv, preadv) do not go through vfs_read";
static const char R_VEC_TP[] =
	"only the first iovec is scanned, and it holds 16 bytes: fewer than "
	"a window";
static const char R_IA32[] = "the hook is the x86-64 syscall exit";
static const char R_FAN_PRE_FD[] =
	"the kernel decides at open whether a file raises permission events: "
	"an fd opened before the mark never does (Linux 6.14, and Debian's "
	"6.12; 6.1 checks each read)";
static const char R_URING_OLD_TP[] =
	"before 5.19 the io_uring_complete tracepoint carries no request: "
	"which operation completed is unknown";
static const char R_FAN_MMAP[] =
	"page-ins of a mapping raise no permission event, and the mapped fd "
	"was opened before the mark";

/* clang-format off */
#define OPEN_PRE_FD  { "open", ALL, true, R_PRE_FD }
#define OPEN_FD_CALL { "open", HOOKS, true, R_FD_CALLS }
#define FAN_PRE_FD   { "fanotify", FAN, true, R_FAN_PRE_FD, BS_KVER(6, 12) }
/* clang-format on */

const struct bs_access bs_access_methods[BS_ACC_MAX] = {
	[BS_ACC_CAT] = { "cat", BS_ACC_CAT, "open(2) + read(2)", true, BOTH },
	[BS_ACC_BUSYBOX_CAT] = { "busybox_cat", BS_ACC_BUSYBOX_CAT,
				 "/bin/busybox cat FILE > /dev/null (it copies "
				 "with sendfile)",
				 true, BS_ACC_SUITE,
				 .blind = { { "readscan", ALL, false,
					      "busybox cat copies with "
					      "sendfile: the bytes never "
					      "reach a user buffer" } } },
	[BS_ACC_CAT_PIPE] = { "cat_pipe", BS_ACC_CAT_PIPE,
			      "busybox cat FILE | busybox wc -c (pipefail: "
			      "fails as cat does)",
			      true, BS_ACC_SUITE },
	[BS_ACC_RELPATH] = { "relpath", BS_ACC_RELPATH,
			     "chdir to the token dir, open ../dir/name", true,
			     BOTH },
	[BS_ACC_SYMLINK] = { "symlink", BS_ACC_SYMLINK,
			     "open through a symlink made in $TMPDIR or /tmp",
			     true, BOTH },
	[BS_ACC_PROCROOT] = { "procroot", BS_ACC_PROCROOT,
			      "open /proc/self/root/<path>", true, BOTH },
	[BS_ACC_INHERITED_FD] = { "inherited_fd", BS_ACC_INHERITED_FD,
				  "parent opens, exec'd child reads the "
				  "inherited fd",
				  true, BOTH, .pre_open = true,
				  .blind = { OPEN_PRE_FD, FAN_PRE_FD } },
	[BS_ACC_OPENAT2] = { "openat2", BS_ACC_OPENAT2,
			     "raw openat2(2) with RESOLVE_NO_MAGICLINKS", true,
			     BOTH },
	[BS_ACC_HARDLINK] = { "hardlink", BS_ACC_HARDLINK,
			      "link(2) into /tmp, read the link (EXDEV/EPERM = "
			      "op failed)",
			      true, BOTH },
	[BS_ACC_RENAME_READ] = { "rename_read", BS_ACC_RENAME_READ,
				 "rename(2) in place, read, rename back (EBUSY "
				 "= op failed)",
				 true, BOTH },
	[BS_ACC_MMAP] = { "mmap",
			  BS_ACC_MMAP,
			  "mmap(2) PROT_READ and copy out",
			  true,
			  BOTH,
			  true,
			  BS_M_MMAP,
			  { { "readscan", ALL, false,
			      "the bytes come from a mapping, not from a "
			      "read" },
			    { "fanotify", FAN, true, R_FAN_MMAP } } },
	[BS_ACC_SENDFILE] = { "sendfile",
			      BS_ACC_SENDFILE,
			      "sendfile(2) into a pipe, read the pipe",
			      true,
			      BOTH,
			      true,
			      BS_M_SENDFILE,
			      { OPEN_FD_CALL, FAN_PRE_FD } },
	[BS_ACC_SPLICE] = { "splice",
			    BS_ACC_SPLICE,
			    "splice(2) into a pipe, read the pipe",
			    true,
			    BOTH,
			    true,
			    BS_M_SPLICE,
			    { OPEN_FD_CALL, FAN_PRE_FD } },
	[BS_ACC_COPY_FILE_RANGE] = { "copy_file_range",
				     BS_ACC_COPY_FILE_RANGE,
				     "copy_file_range(2) into a temp file or "
				     "memfd, read it back",
				     true,
				     BOTH,
				     true,
				     BS_M_COPY_FILE_RANGE,
				     { OPEN_FD_CALL, FAN_PRE_FD } },
	[BS_ACC_READV] = { "readv", BS_ACC_READV,
			   "readv(2) with two iovecs (16 bytes, then the rest)",
			   true, BOTH,
			   .blind = { { "readscan", HOOKS, false, R_VEC_HOOK },
				      { "readscan", TP, false, R_VEC_TP } } },
	[BS_ACC_PREAD] = { "pread", BS_ACC_PREAD,
			   "pread(2) at explicit offsets", true, BOTH },
	[BS_ACC_IO_URING] = { "io_uring", BS_ACC_IO_URING,
			      "raw io_uring IORING_OP_OPENAT + IORING_OP_READ",
			      true, BOTH,
			      .blind = { { "readscan", ALL, false, R_URING },
					 { "open", TP, false, R_URING_OLD_TP,
					   .before = BS_KVER(5, 19) } } },
	[BS_ACC_ONEBYTE] = { "onebyte", BS_ACC_ONEBYTE,
			     "read(2) one byte at a time", true, BOTH,
			     .blind = { { "readscan", ALL, false, R_SHORT } } },
	[BS_ACC_HOST_BIND_SOURCE] = { "host_bind_source",
				      BS_ACC_HOST_BIND_SOURCE,
				      "read the bind-mount source on the host "
				      "(path given)",
				      true, BS_ACC_ATTACK },
	[BS_ACC_STAT] = { "stat", BS_ACC_STAT, "stat(2) only", false, BOTH },
	[BS_ACC_LS] = { "ls", BS_ACC_LS,
			"lstat + readdir of the parent and lstat of the entry, "
			"like "
			"ls -l",
			false, BOTH },
	[BS_ACC_ACCESS] = { "access", BS_ACC_ACCESS, "access(2) R_OK", false,
			    BOTH },
	[BS_ACC_OTHER] = { "other", BS_ACC_OTHER,
			   "open + read --other FILE, not the token", false,
			   BOTH },
};

const struct bs_access_limit bs_access_limits[] = {
	{ "open", HOOKS, "exec of the token",
	  "tokens are mode 0444: the exec is refused before any open hook" },
	{ "open", TP, "ia32 syscalls", R_IA32 },
	{ "open", TP, "io_uring direct (fixed-file) opens",
	  "the file never enters the fd table the hook looks in" },
	{ "open", TP, "kernel-internal opens (exec, nfsd)",
	  "no syscall of the accessor returns their fd" },
	{ "readscan", ALL,
	  "reads returning fewer token bytes than the window (256 by default: "
	  "head -c 100), tokens split across reads, tokens shorter than the "
	  "window",
	  "the scan matches one whole window within one read" },
	{ "readscan", ALL, "bytes past 4096 of one read",
	  "only the first 4096 bytes of a read are copied out and scanned" },
	{ "readscan", ALL,
	  "sendfile, splice, copy_file_range to a file or socket", R_NO_READ },
	{ "readscan", TP, "ia32 syscalls", R_IA32 },
	{ "fanotify", FAN, "accesses while the agent is down",
	  "with no listener the kernel allows every access unseen: it fails "
	  "open" },
	{ "fanotify", FAN, "page-ins of a mapping",
	  "faults raise no permission event; the open before the mmap does" },
};

const size_t bs_access_n_limits =
	sizeof(bs_access_limits) / sizeof(bs_access_limits[0]);

const struct bs_access *bs_access_find_in(const char *name, unsigned tools)
{
	for (size_t i = 0; name && i < BS_ACC_MAX; i++)
		if ((bs_access_methods[i].tools & tools) &&
		    !strcmp(bs_access_methods[i].name, name))
			return &bs_access_methods[i];
	return NULL;
}

const struct bs_access *bs_access_find(const char *name)
{
	return bs_access_find_in(name, BS_ACC_ATTACK | BS_ACC_SUITE);
}

unsigned bs_kver_parse(const char *release)
{
	unsigned major, minor;

	if (!release || sscanf(release, "%u.%u", &major, &minor) != 2 ||
	    minor > 255)
		return 0;
	return BS_KVER(major, minor);
}

static unsigned kver;
static pthread_once_t kver_once = PTHREAD_ONCE_INIT;

static void read_kver(void)
{
	struct utsname u;

	kver = uname(&u) ? 0 : bs_kver_parse(u.release);
}

unsigned bs_kver_running(void)
{
	pthread_once(&kver_once, read_kver);
	return kver;
}

/* A blind spot bounded by kernel versions holds on an unknown one. */
static bool holds_on(const struct bs_access_blind *b, unsigned kver)
{
	return !kver || ((!b->since || kver >= b->since) &&
			 (!b->before || kver < b->before));
}

static const char *blind_on(const struct bs_access *m, const char *strategy,
			    enum bs_attach a, bool pre_opened, unsigned kver)
{
	for (const struct bs_access_blind *b = m->blind;
	     b < m->blind + BS_ACC_MAX_BLIND && b->strategy; b++)
		if (!strcmp(b->strategy, strategy) &&
		    (b->attach & BS_ACC_BK(a)) &&
		    (pre_opened || !b->if_pre_open) && holds_on(b, kver))
			return b->reason;
	return NULL;
}

static const char *blind_of(const struct bs_access *m, const char *strategy,
			    enum bs_attach a, bool pre_opened)
{
	return blind_on(m, strategy, a, pre_opened, bs_kver_running());
}

const char *bs_access_blind_at(const char *strategy, enum bs_attach a,
			       const char *name, bool pre_opened, unsigned kver)
{
	const struct bs_access *m = bs_access_find(name);

	if (!m || !strategy || (unsigned)a >= BS_ATTACH_MAX)
		return NULL;
	return blind_on(m, strategy, a, pre_opened, kver);
}

const char *bs_access_blind(const char *strategy, enum bs_attach a,
			    const char *name, bool pre_opened)
{
	return bs_access_blind_at(strategy, a, name, pre_opened,
				  bs_kver_running());
}

const char *bs_access_expect_name(const struct bs_access *m)
{
	return m->expect_alert ? "alert" : "none";
}

/* ---- the ready line's text ------------------------------------------- */

static const char *const strategies[] = { "open", "readscan", "fanotify" };

#define N_STRATEGIES (sizeof(strategies) / sizeof(strategies[0]))
#define TEXT_LEN     512

static char texts[N_STRATEGIES][BS_ATTACH_MAX][TEXT_LEN];
static pthread_once_t texts_once = PTHREAD_ONCE_INIT;

static void put(char *buf, size_t *len, const char *sep, const char *s)
{
	int n = snprintf(buf + *len, TEXT_LEN - *len, "%s%s", *len ? sep : "",
			 s);

	if (n > 0)
		*len = *len + (size_t)n < TEXT_LEN ? *len + (size_t)n
						   : TEXT_LEN - 1;
}

/* Names of the methods blind with (pre) or without an fd kept from
 * before arming, as one comma list. */
static void put_methods(char *buf, size_t *len, const char *strategy,
			enum bs_attach a, bool pre)
{
	bool first = true;

	for (size_t i = 0; i < BS_ACC_MAX; i++) {
		const struct bs_access *m = &bs_access_methods[i];
		const char *plain = blind_of(m, strategy, a, false);

		if (pre ? plain || !blind_of(m, strategy, a, true) : !plain)
			continue;
		put(buf, len, first ? "; " : ", ", m->name);
		first = false;
	}
	if (pre && !first)
		put(buf, len, "", " on an fd opened before arming");
}

static void build_text(char *buf, const char *strategy, enum bs_attach a)
{
	size_t len = 0;

	put_methods(buf, &len, strategy, a, false);
	put_methods(buf, &len, strategy, a, true);
	for (size_t i = 0; i < bs_access_n_limits; i++) {
		const struct bs_access_limit *l = &bs_access_limits[i];

		if (!strcmp(l->strategy, strategy) &&
		    (l->attach & BS_ACC_BK(a)))
			put(buf, &len, "; ", l->what);
	}
}

static void build_texts(void)
{
	for (size_t s = 0; s < N_STRATEGIES; s++)
		for (int a = 0; a < BS_ATTACH_MAX; a++)
			build_text(texts[s][a], strategies[s],
				   (enum bs_attach)a);
}

const char *bs_access_blind_spots(const char *strategy, enum bs_attach a)
{
	pthread_once(&texts_once, build_texts);
	for (size_t s = 0; strategy && s < N_STRATEGIES; s++)
		if (!strcmp(strategies[s], strategy) &&
		    (unsigned)a < BS_ATTACH_MAX)
			return texts[s][a];
	return "";
}

/* ---- the docs/strategies.md block ------------------------------------ */

/* Backend names as --attach spells them (bs_attach_parse reads them too).
 * Here, not in registry.c: the static attack tool links this file alone. */
static const char *const attach_names[BS_ATTACH_MAX] = {
	[BS_ATTACH_AUTO] = "auto",
	[BS_ATTACH_LSM] = "lsm",
	[BS_ATTACH_FENTRY] = "fentry",
	[BS_ATTACH_KPROBE] = "kprobe",
	[BS_ATTACH_TRACEPOINT] = "tracepoint",
	[BS_ATTACH_FANOTIFY] = "fanotify",
};

const char *bs_attach_name(enum bs_attach a)
{
	if ((unsigned)a < BS_ATTACH_MAX)
		return attach_names[a];
	return "unknown";
}

/* Markdown cell text: a literal '|' would end the cell. */
static void cell(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputc('\\', out);
		fputc(*s, out);
	}
}

static void backends(FILE *out, unsigned mask)
{
	const char *sep = "";

	if (mask == ALL) {
		fputs("all", out);
		return;
	}
	for (int a = BS_ATTACH_LSM; a < BS_ATTACH_MAX; a++)
		if (mask & BS_ACC_BK(a)) {
			fprintf(out, "%s%s", sep, attach_names[a]);
			sep = ", ";
		}
}

static void method_row(FILE *out, const struct bs_access *m)
{
	const char *by = m->tools == BOTH	    ? "attack, suite"
			 : m->tools & BS_ACC_ATTACK ? "attack"
						    : "suite";
	const char *sep = "";

	fprintf(out, "| `%s` | ", m->name);
	cell(out, m->desc);
	fprintf(out, " | %s | %s%s | ", bs_access_expect_name(m), by,
		m->pre_open ? " (suite: fd opened before arming)" : "");
	for (const struct bs_access_blind *b = m->blind;
	     b < m->blind + BS_ACC_MAX_BLIND && b->strategy; b++) {
		fprintf(out, "%s%s (", sep, b->strategy);
		backends(out, b->attach);
		if (b->if_pre_open)
			fputs(", fd opened before arming", out);
		if (b->since)
			fprintf(out, ", Linux >= %u.%u", b->since >> 8,
				b->since & 0xff);
		if (b->before)
			fprintf(out, ", Linux < %u.%u", b->before >> 8,
				b->before & 0xff);
		fputs("): ", out);
		cell(out, b->reason);
		sep = "; ";
	}
	fputs(*sep ? " |\n" : "— |\n", out);
}

void bs_access_markdown(FILE *out)
{
	fputs("| method | what it does | expected | run by | blind spots |\n"
	      "|---|---|---|---|---|\n",
	      out);
	for (size_t i = 0; i < BS_ACC_MAX; i++)
		method_row(out, &bs_access_methods[i]);
	fputs("\nBlind spots no method above exercises:\n\n"
	      "| strategy | backend | not seen | why |\n"
	      "|---|---|---|---|\n",
	      out);
	for (size_t i = 0; i < bs_access_n_limits; i++) {
		const struct bs_access_limit *l = &bs_access_limits[i];

		fprintf(out, "| %s | ", l->strategy);
		backends(out, l->attach);
		fputs(" | ", out);
		cell(out, l->what);
		fputs(" | ", out);
		cell(out, l->reason);
		fputs(" |\n", out);
	}
	fputs("\nWhat `--respond` can do, per detector and backend (the "
	      "others: nothing; an access it cannot respond to is reported and "
	      "counted as `unsupported`):\n\n",
	      out);
	bs_respond_markdown(out);
}

/* ---- responses ------------------------------------------------------- */

const char *bs_respond_name(unsigned action)
{
	static const char *const n[BS_RESPOND_MAX] = { "none", "kill", "deny" };

	return action < BS_RESPOND_MAX ? n[action] : "?";
}

const char *bs_respond_result_name(unsigned result)
{
	static const char *const n[BS_RR_MAX] = {
		[BS_RR_NONE] = "none",
		[BS_RR_DONE] = "done",
		[BS_RR_FAILED] = "failed",
		[BS_RR_OUT_OF_SCOPE] = "out_of_scope",
		[BS_RR_RUNTIME] = "runtime",
		[BS_RR_UNSUPPORTED] = "unsupported",
	};

	return result < BS_RR_MAX ? n[result] : "?";
}

int bs_respond_parse(const char *s)
{
	for (unsigned a = 0; s && a < BS_RESPOND_MAX; a++)
		if (!strcmp(s, bs_respond_name(a)))
			return (int)a;
	return -1;
}

struct respond_row {
	const char *strategy;
	unsigned attach; /* BS_ACC_BK() mask */
	unsigned action;
	enum bs_respond_cap cap;
	const char *how;
};

static const char R_KILL_HOOK[] =
	"SIGKILL from the BPF program at the open (or mmap) hook: the "
	"process dies before the syscall returns, so it never reads";
static const char R_KILL_TP[] =
	"SIGKILL from the BPF program at the open's syscall exit (io_uring: "
	"at the completion): the fd exists but the process dies before it "
	"gets back to user space";
static const char R_NO_DENY_TRACE[] =
	"a tracing program cannot change the syscall's result: reported and "
	"counted as unsupported";

static const struct respond_row respond_rows[] = {
	{ "open", HOOKS, BS_RESPOND_KILL, BS_RCAP_YES, R_KILL_HOOK },
	{ "open", TP, BS_RESPOND_KILL, BS_RCAP_YES, R_KILL_TP },
	{ "open", BS_ACC_BK(BS_ATTACH_LSM), BS_RESPOND_DENY, BS_RCAP_YES,
	  "lsm/file_open and lsm/mmap_file return -EPERM: the open or mmap "
	  "fails" },
	{ "open",
	  BS_ACC_BK(BS_ATTACH_FENTRY) | BS_ACC_BK(BS_ATTACH_KPROBE) | TP,
	  BS_RESPOND_DENY, BS_RCAP_NO, R_NO_DENY_TRACE },
	{ "readscan", ALL, BS_RESPOND_KILL, BS_RCAP_AFTER,
	  "SIGKILL at the read's exit: the bytes are already in the reader's "
	  "buffer (the killed thread never runs again, but another thread or "
	  "a shared mapping may see them first)" },
	{ "readscan", ALL, BS_RESPOND_DENY, BS_RCAP_NO,
	  "the bytes are seen only once the read has returned them: reported "
	  "and counted as unsupported" },
	{ "fanotify", FAN, BS_RESPOND_KILL, BS_RCAP_YES,
	  "SIGKILL (tgkill) while the accessor waits on the permission "
	  "event, then FAN_DENY: the open or read never completes" },
	{ "fanotify", FAN, BS_RESPOND_DENY, BS_RCAP_YES,
	  "FAN_DENY: the open or read fails with EPERM" },
};

static const struct respond_row *respond_row(const char *strategy,
					     enum bs_attach a, unsigned action)
{
	for (size_t i = 0; strategy && (unsigned)a < BS_ATTACH_MAX &&
			   i < sizeof(respond_rows) / sizeof(respond_rows[0]);
	     i++) {
		const struct respond_row *r = &respond_rows[i];

		if (!strcmp(r->strategy, strategy) &&
		    (r->attach & BS_ACC_BK(a)) && r->action == action)
			return r;
	}
	return NULL;
}

enum bs_respond_cap bs_respond_cap(const char *strategy, enum bs_attach a,
				   unsigned action)
{
	const struct respond_row *r = respond_row(strategy, a, action);

	return r ? r->cap : BS_RCAP_NO;
}

const char *bs_respond_how(const char *strategy, enum bs_attach a,
			   unsigned action)
{
	const struct respond_row *r = respond_row(strategy, a, action);

	return r ? r->how : "";
}

void bs_respond_markdown(FILE *out)
{
	static const char *const cap[] = { "no", "yes", "after the read" };

	fputs("| detector | backend | `--respond` | given | how |\n"
	      "|---|---|---|---|---|\n",
	      out);
	for (size_t i = 0; i < sizeof(respond_rows) / sizeof(respond_rows[0]);
	     i++) {
		const struct respond_row *r = &respond_rows[i];

		fprintf(out, "| %s | ", r->strategy);
		backends(out, r->attach);
		fprintf(out, " | %s | %s | ", bs_respond_name(r->action),
			cap[r->cap]);
		cell(out, r->how);
		fputs(" |\n", out);
	}
}
