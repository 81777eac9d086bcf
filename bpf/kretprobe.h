/* SPDX-License-Identifier: Apache-2.0 */
#ifndef BS_BPF_KRETPROBE_H
#define BS_BPF_KRETPROBE_H

#include <stddef.h>
#include <sys/types.h>

struct bpf_link;
struct bpf_program;

/* Calls of one function a kretprobe can follow at once.  A call that
 * starts while every slot is held by a call still in flight (a process
 * asleep in it: a read of an idle pipe or socket) loses its return.
 * libbpf's kretprobes (perf_event_open) get the kernel's default: one
 * per CPU on older kernels built without CONFIG_PREEMPTION (5.10), where
 * one reader asleep on a one-CPU machine hides every other read, and
 * max(10, 2 per CPU) on newer ones.
 * 4096 is the most tracefs accepts (KRETPROBE_MAXACTIVE_MAX). */
#define BS_KRETPROBE_MAXACTIVE 4096

/* The tracefs group of our kprobe events. */
#define BS_KRETPROBE_GROUP "beesting"

/* Attaches prog as a return probe of func through a tracefs kprobe event
 * with room for maxactive calls; its name is written to event (removed
 * with bs_kretprobe_remove() once the link is destroyed).  Returns the
 * link, or NULL with errno set and event empty. */
struct bpf_link *bs_kretprobe_attach(const struct bpf_program *prog,
				     const char *func, unsigned maxactive,
				     char *event, size_t len);
/* Removes an event of bs_kretprobe_attach(); "" is a no-op.  Returns 0 or
 * -errno. */
int bs_kretprobe_remove(char *event);

/* The pid in the name of one of our events ("FUNC_PID_SEQ"), 0 when the
 * name is not one of ours. */
pid_t bs_kretprobe_event_pid(const char *event);
/* Removes the events of ours an agent killed before it could remove them
 * left: those named by a pid that is gone, or by our own pid (an earlier
 * agent with the same pid in a pid namespace of its own: its names are
 * the ones we would pick, and an attach under a taken name fails).  The
 * kernel keeps (EBUSY) every event still attached.  Call it before
 * bs_kretprobe_attach().  Returns how many were removed, or -errno when
 * kprobe_events cannot be read. */
int bs_kretprobe_prune(void);

#endif
