// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "agent/alert.h"
#include "lib/fmt.h"
#include "lib/json.h"
#include "strategies/methods.h"
#include "strategies/strategy.h"

const char *bs_method_name(uint32_t method)
{
	static const char *const names[BS_M_MAX] = {
		[BS_M_UNKNOWN] = "unknown",
		[BS_M_OPEN] = "open",
		[BS_M_OPENAT2] = "openat2",
		[BS_M_OPEN_BY_HANDLE] = "open_by_handle",
		[BS_M_READ] = "read",
		[BS_M_MMAP] = "mmap",
		[BS_M_SENDFILE] = "sendfile",
		[BS_M_SPLICE] = "splice",
		[BS_M_COPY_FILE_RANGE] = "copy_file_range",
		[BS_M_IO_URING] = "io_uring",
		[BS_M_EXEC] = "exec",
	};

	return method < BS_M_MAX && names[method] ? names[method] : "unknown";
}

void bs_format_time(char *buf, size_t n, int64_t real_ns)
{
	time_t sec = (time_t)(real_ns / 1000000000);
	struct tm tm;
	char date[32];

	gmtime_r(&sec, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, n, "%s.%09" PRId64 "Z", date, real_ns % 1000000000);
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

void bs_alert_build(struct bs_alert *a, const struct bs_alert_meta *m,
		    const struct bs_event *ev, const struct bs_token *t,
		    const struct bs_ctr_info *acc, int64_t now_mono_ns,
		    int64_t now_real_ns)
{
	/* the access's wall time: now minus the event's age */
	int64_t age = now_mono_ns - (int64_t)ev->ts_ns;

	if (age < 0)
		age = 0;
	memset(a, 0, sizeof(*a));
	a->real_ns = now_real_ns - age;
	bs_format_time(a->time, sizeof(a->time), a->real_ns);
	a->latency_us = age / 1000;
	a->node = or_empty(m->node);
	a->inject = or_empty(m->inject);
	a->detect = or_empty(m->detect);
	a->backend = bs_attach_name((enum bs_attach)ev->backend);
	a->method = bs_method_name(ev->method);
	a->count = ev->count ? ev->count : 1;
	a->flags = ev->flags;
	a->scanned = ev->scanned;
	a->respond = ev->respond;
	a->respond_result = ev->respond_result;
	a->respond_err = ev->respond_err;
	a->token_id = ev->token_id;
	a->have_token = t != NULL;
	a->path = t ? t->path : "";
	a->container_id = t ? t->container_id : "";
	a->pod = t ? t->pod : "";
	a->ns = t ? t->ns : "";
	a->container = t ? t->container : "";
	a->tid = ev->tid;
	a->tgid = ev->tgid;
	a->ppid = ev->ppid;
	a->uid = ev->uid;
	a->cgroup_id = ev->cgroup_id;
	memcpy(a->comm, ev->comm, BS_COMM_LEN);
	a->have_accessor = acc != NULL;
	a->acc_id = acc ? acc->id : "";
	a->acc_pod = acc ? acc->pod : "";
	a->acc_ns = acc ? acc->ns : "";
	a->acc_container = acc ? acc->name : "";
}

static void put_flags(char *buf, size_t n, size_t *off, uint32_t flags)
{
	const char *sep = "";

	bs_put(buf, n, off, "\"flags\":[");
	if (flags & BS_EVF_PARTIAL_SCAN) {
		bs_put(buf, n, off, "%s\"partial_scan\"", sep);
		sep = ",";
	}
	if (flags & BS_EVF_AGGREGATED)
		bs_put(buf, n, off, "%s\"aggregated\"", sep);
	bs_put(buf, n, off, "],");
}

/* "key":"val", or "key":null when the record does not know it. */
static void put_field(char *buf, size_t n, size_t *off, const char *key,
		      const char *val, bool known)
{
	bs_put(buf, n, off, "\"%s\":", key);
	if (known)
		bs_json_str(buf, n, off, val);
	else
		bs_put(buf, n, off, "null");
}

/* The container a token lives in and the one an accessor runs in are
 * described alike. */
static void put_identity(char *buf, size_t n, size_t *off, const char *id,
			 const char *pod, const char *ns, const char *name,
			 bool known)
{
	put_field(buf, n, off, "container_id", id, known);
	bs_put(buf, n, off, ",");
	put_field(buf, n, off, "pod", pod, known);
	bs_put(buf, n, off, ",");
	put_field(buf, n, off, "namespace", ns, known);
	bs_put(buf, n, off, ",");
	put_field(buf, n, off, "container", name, known);
}

static void put_token(char *buf, size_t n, size_t *off,
		      const struct bs_alert *a)
{
	bs_put(buf, n, off, "\"token\":{\"id\":%u,", a->token_id);
	put_field(buf, n, off, "path", a->path, a->have_token);
	bs_put(buf, n, off, ",");
	put_identity(buf, n, off, a->container_id, a->pod, a->ns, a->container,
		     a->have_token);
	bs_put(buf, n, off, "},");
}

static void put_accessor(char *buf, size_t n, size_t *off,
			 const struct bs_alert *a)
{
	bs_put(buf, n, off,
	       "\"accessor\":{\"pid\":%u,\"tgid\":%u,\"ppid\":%u,\"uid\":%u,",
	       a->tid, a->tgid, a->ppid, a->uid);
	put_field(buf, n, off, "comm", a->comm, true);
	bs_put(buf, n, off, ",\"cgroup_id\":%llu,",
	       (unsigned long long)a->cgroup_id);
	put_identity(buf, n, off, a->acc_id, a->acc_pod, a->acc_ns,
		     a->acc_container, a->have_accessor);
	bs_put(buf, n, off, "},");
}

/* --respond's outcome (only when one was asked): the action, its result,
 * the error of a failed one, and whether the accessor can now tell the
 * bait from a file (a denied or killed access gives it away). */
static void put_response(char *buf, size_t n, size_t *off,
			 const struct bs_alert *a)
{
	if (a->respond == BS_RESPOND_NONE)
		return;
	bs_put(buf, n, off,
	       ",\"response\":{\"action\":\"%s\",\"result\":\"%s\"",
	       bs_respond_name(a->respond),
	       bs_respond_result_name(a->respond_result));
	if (a->respond_result == BS_RR_FAILED)
		bs_put(buf, n, off, ",\"error\":\"%s\"",
		       strerror(-a->respond_err));
	bs_put(buf, n, off, ",\"revealed\":%s}",
	       a->respond_result == BS_RR_DONE ? "true" : "false");
}

int bs_alert_json(char *buf, size_t n, const struct bs_alert *a)
{
	size_t off = 0;

	bs_put(buf, n, &off, "{\"type\":\"alert\",\"time\":\"%s\",", a->time);
	put_field(buf, n, &off, "node", a->node, true);
	bs_put(buf, n, &off, ",");
	put_field(buf, n, &off, "inject", a->inject, true);
	bs_put(buf, n, &off, ",");
	put_field(buf, n, &off, "detect", a->detect, true);
	bs_put(buf, n, &off,
	       ",\"backend\":\"%s\",\"method\":\"%s\",\"count\":%u,",
	       a->backend, a->method, a->count);
	put_flags(buf, n, &off, a->flags);
	if (a->flags & BS_EVF_PARTIAL_SCAN)
		bs_put(buf, n, &off, "\"scanned\":%u,", a->scanned);
	put_token(buf, n, &off, a);
	put_accessor(buf, n, &off, a);
	bs_put(buf, n, &off, "\"latency_us\":%lld", (long long)a->latency_us);
	put_response(buf, n, &off, a);
	bs_put(buf, n, &off, "}\n");
	if (off >= n)
		return -ENOSPC;
	return (int)off;
}
