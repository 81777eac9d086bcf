/* SPDX-License-Identifier: (GPL-2.0 OR Apache-2.0) */
/*
 * The one header shared by every BPF program and user space: map keys,
 * values and the ring-buffer event.  Kernel side includes vmlinux.h first,
 * user side includes <linux/types.h>; both see the same layout.
 */
#ifndef BS_BPF_EVENTS_H
#define BS_BPF_EVENTS_H

#define BS_COMM_LEN    16
#define BS_TOKEN_MAX   512   /* bytes of token content readscan can match */
#define BS_PATTERN_LEN 16    /* bytes of a token readscan looks for */
#define BS_MAX_TOKENS  65536 /* capacity of the token maps */

/* Device numbers are in the kernel's s_dev encoding: major << 20 | minor. */
struct bs_inode_key {
	__u64 dev;
	__u64 ino;
};

struct bs_token_ref {
	__u32 token_id; /* id in the user-space token store, never 0 */
	__u32 flags;
	/* the token's container, for --respond-scope=container: its cgroup
	 * v2 id and mount namespace inode, 0 until the agent knows them */
	__u64 cgroup_id;
	__u32 mntns_ino;
	__u32 _pad;
};

/* How the token was reached, as the event reports it (agent/alert.c names
 * them).  Stable: the alert JSON names these.  Not the harness's access
 * methods (strategies/methods.h): "ev" keeps the two apart. */
enum bs_ev_method {
	BS_M_UNKNOWN = 0,
	BS_M_OPEN = 1, /* open/openat/creat/file_open hook */
	BS_M_OPENAT2 = 2,
	BS_M_OPEN_BY_HANDLE = 3,
	BS_M_READ = 4, /* readscan: token bytes returned by a read */
	BS_M_MMAP = 5,
	BS_M_SENDFILE = 6,
	BS_M_SPLICE = 7,
	BS_M_COPY_FILE_RANGE = 8,
	BS_M_IO_URING = 9,
	BS_M_EXEC = 10,
	BS_M_MAX,
};

/* The attach backends: what --attach asks for, what the ready line and
 * every event report.  The one encoding for BPF and user space; names in
 * strategies/registry.c.  Stable: the alert JSON names these.  AUTO is only
 * ever asked for (pick the best); no program reports it. */
enum bs_attach {
	BS_ATTACH_AUTO = 0,
	BS_ATTACH_LSM = 1,
	BS_ATTACH_FENTRY = 2,
	BS_ATTACH_KPROBE = 3,
	BS_ATTACH_TRACEPOINT = 4,
	BS_ATTACH_FANOTIFY = 5, /* no BPF: fanotify permission events */
	BS_ATTACH_MAX,
};

/* --respond: what the detector does to an accessor.  Stable: the alert
 * JSON and the metrics name these (agent/alert.c). */
enum bs_respond {
	BS_RESPOND_NONE = 0, /* report only */
	BS_RESPOND_KILL = 1, /* SIGKILL before the access returns */
	BS_RESPOND_DENY = 2, /* the access fails with EPERM */
	BS_RESPOND_MAX,
};

/* What came of a response (names in agent/alert.c). */
enum bs_respond_result {
	BS_RR_NONE = 0,		/* no response asked */
	BS_RR_DONE = 1,		/* killed / denied */
	BS_RR_FAILED = 2,	/* the kernel refused it (respond_err) */
	BS_RR_OUT_OF_SCOPE = 3, /* accessor outside the token's container */
	BS_RR_RUNTIME = 4,	/* the container runtime (scope node) */
	BS_RR_UNSUPPORTED = 5,	/* this detector/backend cannot give it */
	BS_RR_MAX,
};

#define BS_EVF_PARTIAL_SCAN (1u << 0) /* readscan looked at part of the read */
#define BS_EVF_AGGREGATED   (1u << 1) /* count > 1: repeats folded together */

struct bs_event {
	__u64 ts_ns;	 /* bpf_ktime_get_ns() at the access */
	__u64 cgroup_id; /* accessor's cgroup v2 id */
	__u64 dev; /* file reached (s_dev encoding), 0 for readscan hits */
	__u64 ino;
	__u32 token_id;
	__u32 method;  /* enum bs_ev_method */
	__u32 backend; /* enum bs_attach */
	__u32 flags;   /* BS_EVF_* */
	__u32 tid;     /* thread id (alert JSON: accessor "pid") */
	__u32 tgid;    /* process id */
	__u32 ppid;
	__u32 uid;
	__u32 count;	     /* accesses folded into this event (>= 1) */
	__u32 scanned;	     /* readscan: bytes scanned of this read */
	__u32 mntns_ino;     /* accessor's mount namespace (inode of ns/mnt) */
	__u8 respond;	     /* enum bs_respond asked for this access */
	__u8 respond_result; /* enum bs_respond_result */
	__s16 respond_err;   /* -errno when respond_result is FAILED */
	char comm[BS_COMM_LEN];
};

#endif
