/* SPDX-License-Identifier: (GPL-2.0 OR Apache-2.0) */
/*
 * Kernel-side pieces shared by detect_open.bpf.c and readscan.bpf.c: the
 * ring buffer, the per-CPU counters, the agent filter and the aggregation
 * that folds repeated accesses of one token by one process into one event.
 * Include after vmlinux.h and the libbpf headers.
 */
#ifndef BS_DETECT_COMMON_BPF_H
#define BS_DETECT_COMMON_BPF_H

#include "bpf/events.h"
#include "bpf/detect_shared.h"

/* Set by user space before load. */
const volatile __u32 bs_agent_tgid = 0;
const volatile __u64 bs_aggregate_ns = 0;
const volatile __u32 bs_backend = BS_ATTACH_AUTO; /* set at load */
/* --respond: the action asked, whether this program can give it (deny
 * only where a hook's return value refuses the access) and the scope */
const volatile __u32 bs_respond = BS_RESPOND_NONE;
const volatile __u32 bs_respond_able = 0;
const volatile __u32 bs_respond_node = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} bs_events SEC(".maps");

/* Per-CPU so hot paths (partial scans, folded floods) never bounce a line. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BS_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} bs_counters SEC(".maps");

/* LRU: an attacker spraying processes only evicts old entries, which at
 * worst costs an extra event, never a lost one. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct bs_agg_key);
	__type(value, struct bs_agg_val);
} bs_agg SEC(".maps");

static __always_inline void bs_count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&bs_counters, &idx);

	if (v)
		*v += 1;
}

static __always_inline bool bs_is_agent(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == bs_agent_tgid;
}

static __always_inline __u32 bs_current_mntns(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	return BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
}

/* Is the current task one to respond to?  Inside the token's container
 * (its cgroup or its mount namespace) always; outside only with scope
 * node, and never the runtime there. */
static __always_inline __u32 bs_respond_scope(const struct bs_token_ref *ref)
{
	char comm[BS_COMM_LEN];

	if (ref->cgroup_id && bpf_get_current_cgroup_id() == ref->cgroup_id)
		return BS_RR_DONE;
	if (ref->mntns_ino && bs_current_mntns() == ref->mntns_ino)
		return BS_RR_DONE;
	if (!bs_respond_node)
		return BS_RR_OUT_OF_SCOPE;
	bpf_get_current_comm(comm, sizeof(comm));
	return bs_runtime_comm(comm) ? BS_RR_RUNTIME : BS_RR_DONE;
}

struct bs_resp {
	__u8 action, result;
	__s16 err;
};

/* Decide and give the response, before any folding: every access of a
 * token is answered and counted, not only the reported ones.  kill is a
 * SIGKILL to the current process now, so it dies before this syscall
 * gets back to user space; deny is the caller's (an LSM hook returns
 * -EPERM when this says DONE). */
static __always_inline struct bs_resp
bs_respond_to(const struct bs_token_ref *ref)
{
	struct bs_resp r = { .action = bs_respond };
	long err;

	if (r.action == BS_RESPOND_NONE)
		return r;
	r.result = bs_respond_scope(ref);
	if (r.result == BS_RR_DONE && !bs_respond_able)
		r.result = BS_RR_UNSUPPORTED;
	if (r.result == BS_RR_DONE && r.action == BS_RESPOND_KILL) {
		err = bpf_send_signal(9 /* SIGKILL */);
		if (err) {
			r.result = BS_RR_FAILED;
			r.err = (__s16)err;
		}
	}
	bs_count(bs_resp_counter(r.action, r.result));
	return r;
}

/* Returns the number of accesses this event stands for, or 0 when the
 * access was folded into an earlier event of the same interval. */
static __always_inline __u32 bs_agg_take(__u32 token_id, __u32 tgid, __u64 now)
{
	struct bs_agg_key k = { .token_id = token_id, .tgid = tgid };
	struct bs_agg_val nv = { .last_ns = now }, *v;
	__u32 folded;

	if (!bs_aggregate_ns)
		return 1;
	v = bpf_map_lookup_elem(&bs_agg, &k);
	if (v && now - v->last_ns < bs_aggregate_ns) {
		__sync_fetch_and_add(&v->folded, 1);
		v->last_fold_ns = now;
		bs_count(BS_CNT_AGGREGATED);
		return 0;
	}
	if (!v) {
		bpf_map_update_elem(&bs_agg, &k, &nv, BPF_ANY);
		return 1;
	}
	/* take what was folded without an xchg (not in the v1 ISA); adds
	 * racing in between stay for the next event */
	folded = *(volatile __u32 *)&v->folded;
	__sync_fetch_and_add(&v->folded, -folded);
	v->last_ns = now;
	return folded + 1;
}

/* Keep the window's first event: user space reports what was folded into
 * it once the window is over and no later access carried the count. */
static __always_inline void bs_agg_remember(__u32 token_id,
					    const struct bs_event *e)
{
	struct bs_agg_key k = { .token_id = token_id, .tgid = e->tgid };
	struct bs_agg_val *v;

	if (!bs_aggregate_ns)
		return;
	v = bpf_map_lookup_elem(&bs_agg, &k);
	if (v)
		__builtin_memcpy(&v->ev, e, sizeof(*e));
}

static __always_inline void bs_emit(__u32 token_id, __u32 method, __u64 dev,
				    __u64 ino, __u32 flags, __u32 scanned,
				    struct bs_resp r)
{
	__u64 id = bpf_get_current_pid_tgid(), now = bpf_ktime_get_ns();
	struct task_struct *task;
	struct bs_event *e;
	__u32 count;

	count = bs_agg_take(token_id, id >> 32, now);
	if (!count)
		return;
	e = bpf_ringbuf_reserve(&bs_events, sizeof(*e), 0);
	if (!e) {
		bs_count(BS_CNT_RB_DROPS);
		return;
	}
	task = (struct task_struct *)bpf_get_current_task();
	e->ts_ns = now;
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->dev = dev;
	e->ino = ino;
	e->token_id = token_id;
	e->method = method;
	e->backend = bs_backend;
	e->flags = flags | (count > 1 ? BS_EVF_AGGREGATED : 0);
	e->tid = (__u32)id;
	e->tgid = id >> 32;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->count = count;
	e->scanned = scanned;
	/* names the container whatever cgroup namespace the agent is in */
	e->mntns_ino = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
	e->respond = r.action;
	e->respond_result = r.result;
	e->respond_err = r.err;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bs_agg_remember(token_id, e);
	bpf_ringbuf_submit(e, 0);
}

/* x86-64 syscall registers: args are still intact at sys_exit because the
 * kernel never writes them back, so one sys_exit hook sees both the
 * arguments and the result (no enter/exit map needed). */
#define BS_USER32_CS 0x23 /* ia32 syscalls use other numbers: skipped */

#endif
