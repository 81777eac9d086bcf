/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who touched a token, read from /proc while the fanotify permission
 * event holds the accessor blocked (its /proc entries cannot go away or
 * be reused before we answer, short of a SIGKILL).
 */
#ifndef BS_STRATEGIES_FANOTIFY_PROC_H
#define BS_STRATEGIES_FANOTIFY_PROC_H

#include <linux/types.h>
#include <stdint.h>

#include "bpf/events.h"

/* Fills ev->pid (= tid), tgid, ppid, uid, comm, cgroup_id and mntns_ino
 * of thread tid.  Fields it cannot read stay 0; returns 0 when the status
 * file was read, -errno when the thread is gone. */
int bs_fan_attribute(uint32_t tid, struct bs_event *ev);

#endif
