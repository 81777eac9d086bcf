// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "agent/alert.h"
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

static void put(char *buf, size_t n, size_t *off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void put(char *buf, size_t n, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (*off >= n)
		return;
	va_start(ap, fmt);
	w = vsnprintf(buf + *off, n - *off, fmt, ap);
	va_end(ap);
	*off += w > 0 ? (size_t)w : 0;
}

void bs_json_str(char *buf, size_t n, size_t *off, const char *s)
{
	put(buf, n, off, "\"");
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
		if (*p == '"' || *p == '\\')
			put(buf, n, off, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			/* comm and names are bytes, not UTF-8: escape */
			put(buf, n, off, "\\u%04x", *p);
		else
			put(buf, n, off, "%c", *p);
	}
	put(buf, n, off, "\"");
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

static void put_flags(char *buf, size_t n, size_t *off, uint32_t flags)
{
	const char *sep = "";

	put(buf, n, off, "\"flags\":[");
	if (flags & BS_EVF_PARTIAL_SCAN) {
		put(buf, n, off, "%s\"partial_scan\"", sep);
		sep = ",";
	}
	if (flags & BS_EVF_AGGREGATED)
		put(buf, n, off, "%s\"aggregated\"", sep);
	put(buf, n, off, "],");
}

static void put_field(char *buf, size_t n, size_t *off, const char *key,
		      const char *val)
{
	put(buf, n, off, "\"%s\":", key);
	if (val)
		bs_json_str(buf, n, off, val);
	else
		put(buf, n, off, "null");
}

/* The container a token lives in and the one an accessor runs in are
 * described alike; NULL fields are JSON null. */
static void put_identity(char *buf, size_t n, size_t *off, const char *id,
			 const char *pod, const char *ns, const char *name)
{
	put_field(buf, n, off, "container_id", id);
	put(buf, n, off, ",");
	put_field(buf, n, off, "pod", pod);
	put(buf, n, off, ",");
	put_field(buf, n, off, "namespace", ns);
	put(buf, n, off, ",");
	put_field(buf, n, off, "container", name);
}

static void put_token(char *buf, size_t n, size_t *off,
		      const struct bs_event *ev, const struct bs_token *t)
{
	put(buf, n, off, "\"token\":{\"id\":%u,", ev->token_id);
	put_field(buf, n, off, "path", t ? t->path : NULL);
	put(buf, n, off, ",");
	if (t)
		put_identity(buf, n, off, t->container_id, t->pod, t->ns,
			     t->container);
	else
		put_identity(buf, n, off, NULL, NULL, NULL, NULL);
	put(buf, n, off, "},");
}

static void put_accessor(char *buf, size_t n, size_t *off,
			 const struct bs_event *ev, const struct bs_ctr_info *a)
{
	char comm[BS_COMM_LEN + 1];

	memcpy(comm, ev->comm, BS_COMM_LEN);
	comm[BS_COMM_LEN] = 0;
	put(buf, n, off,
	    "\"accessor\":{\"pid\":%u,\"tgid\":%u,\"ppid\":%u,\"uid\":%u,",
	    ev->pid, ev->tgid, ev->ppid, ev->uid);
	put_field(buf, n, off, "comm", comm);
	put(buf, n, off, ",\"cgroup_id\":%llu,",
	    (unsigned long long)ev->cgroup_id);
	if (a)
		put_identity(buf, n, off, a->id, a->pod, a->ns, a->name);
	else
		put_identity(buf, n, off, NULL, NULL, NULL, NULL);
	put(buf, n, off, "},");
}

/* The access's wall time: now minus the event's age. */
static int64_t event_real_ns(const struct bs_event *ev, int64_t now_mono_ns,
			     int64_t now_real_ns, int64_t *age_out)
{
	int64_t age = now_mono_ns - (int64_t)ev->ts_ns;

	if (age < 0)
		age = 0;
	if (age_out)
		*age_out = age;
	return now_real_ns - age;
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

void bs_alert_describe(struct bs_alert *a, const char *json, size_t len,
		       const struct bs_alert_meta *m, const struct bs_event *ev,
		       const struct bs_token *t, const struct bs_ctr_info *acc,
		       int64_t now_mono_ns, int64_t now_real_ns)
{
	memset(a, 0, sizeof(*a));
	a->json = json;
	a->len = len;
	a->real_ns = event_real_ns(ev, now_mono_ns, now_real_ns, NULL);
	bs_format_time(a->time, sizeof(a->time), a->real_ns);
	memcpy(a->comm, ev->comm, BS_COMM_LEN);
	a->node = or_empty(m->node);
	a->method = bs_method_name(ev->method);
	a->token_id = ev->token_id;
	a->count = ev->count ? ev->count : 1;
	a->pid = ev->tgid;
	a->uid = ev->uid;
	a->path = t ? t->path : "";
	a->container_id = t ? t->container_id : "";
	a->pod = t ? t->pod : "";
	a->ns = t ? t->ns : "";
	a->container = t ? t->container : "";
	a->acc_pod = acc ? or_empty(acc->pod) : "";
	a->acc_ns = acc ? or_empty(acc->ns) : "";
	a->acc_container = acc ? or_empty(acc->name) : "";
}

int bs_alert_format(char *buf, size_t n, const struct bs_alert_meta *m,
		    const struct bs_event *ev, const struct bs_token *token,
		    const struct bs_ctr_info *acc, int64_t now_mono_ns,
		    int64_t now_real_ns)
{
	char when[48];
	size_t off = 0;
	int64_t age;

	bs_format_time(when, sizeof(when),
		       event_real_ns(ev, now_mono_ns, now_real_ns, &age));
	put(buf, n, &off, "{\"type\":\"alert\",\"time\":\"%s\",", when);
	put_field(buf, n, &off, "node", m->node);
	put(buf, n, &off, ",");
	put_field(buf, n, &off, "inject", m->inject);
	put(buf, n, &off, ",");
	put_field(buf, n, &off, "detect", m->detect);
	put(buf, n, &off, ",\"backend\":\"%s\",\"method\":\"%s\",\"count\":%u,",
	    bs_attach_name((enum bs_attach)ev->backend),
	    bs_method_name(ev->method), ev->count ? ev->count : 1);
	put_flags(buf, n, &off, ev->flags);
	if (ev->flags & BS_EVF_PARTIAL_SCAN)
		put(buf, n, &off, "\"scanned\":%u,", ev->scanned);
	put_token(buf, n, &off, ev, token);
	put_accessor(buf, n, &off, ev, acc);
	put(buf, n, &off, "\"latency_us\":%lld}\n", (long long)(age / 1000));
	if (off >= n)
		return -ENOSPC;
	return (int)off;
}
