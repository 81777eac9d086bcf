// SPDX-License-Identifier: Apache-2.0
/* The alert JSON line is a public interface: check its shape field by field
 * through a real JSON parser, and that hostile bytes stay inside strings. */
#include <criterion/criterion.h>
#include <errno.h>
#include <jansson.h>
#include <string.h>

#include "agent/alert.h"
#include "strategies/strategy.h"
#include "tests/support/json_check.h"

static const struct bs_alert_meta meta = { "node-1", "bind", "open" };

static struct bs_event sample_event(void)
{
	struct bs_event ev = {
		.ts_ns = 1000000000ull,
		.cgroup_id = 77,
		.token_id = 5,
		.method = BS_M_OPEN,
		.backend = BS_ATTACH_TRACEPOINT,
		.tid = 10,
		.tgid = 11,
		.ppid = 1,
		.uid = 0,
		.count = 1,
	};

	memcpy(ev.comm, "cat", 4);
	return ev;
}

/* Token in container abc (pod victim, container app), read from container
 * def (namespace evil, container sh); each test adds path, namespace and
 * the accessor's pod. */
static void victim_and_accessor(struct bs_token *t, struct bs_ctr_info *acc)
{
	strcpy(t->container_id, "abc");
	strcpy(t->pod, "victim");
	strcpy(t->container, "app");
	strcpy(acc->id, "def");
	strcpy(acc->ns, "evil");
	strcpy(acc->name, "sh");
}

static json_t *format_and_parse(const struct bs_event *ev,
				const struct bs_token *t,
				const struct bs_ctr_info *acc)
{
	char line[4096];
	json_error_t jerr;
	struct bs_alert a;
	int n;

	bs_alert_build(&a, &meta, ev, t, acc, 2000000000ll,
		       1700000000000000000ll);
	n = bs_alert_json(line, sizeof(line), &a);

	cr_assert_gt(n, 0);
	cr_assert_eq(line[n - 1], '\n', "one line per alert");
	cr_assert_null(memchr(line, '\n', (size_t)n - 1),
		       "no newline inside the alert");
	json_t *j = json_loads(line, 0, &jerr);

	cr_assert_not_null(j, "invalid JSON: %s in %s", jerr.text, line);
	return j;
}

Test(alert, fields_of_a_known_token_and_container)
{
	struct bs_event ev = sample_event();
	struct bs_token t = { .id = 5 };
	struct bs_ctr_info acc = { .cgroup_id = 77 };

	victim_and_accessor(&t, &acc);
	strcpy(t.path, "/var/run/secrets/eks.amazonaws.com/access_key_token");
	strcpy(t.ns, "default");
	strcpy(acc.pod, "attacker");
	json_t *j = format_and_parse(&ev, &t, &acc);

	bs_expect_jstrs(j, "type", "alert", "node", "node-1", "method", "open",
			"backend", "tracepoint", NULL);
	json_t *tok = json_object_get(j, "token");
	cr_expect_str_eq(json_string_value(json_object_get(tok, "pod")),
			 "victim");
	cr_expect_str_eq(json_string_value(json_object_get(tok, "namespace")),
			 "default");
	cr_expect_eq(json_integer_value(json_object_get(tok, "id")), 5);
	json_t *a = json_object_get(j, "accessor");
	cr_expect_str_eq(json_string_value(json_object_get(a, "comm")), "cat");
	cr_expect_str_eq(json_string_value(json_object_get(a, "pod")),
			 "attacker");
	cr_expect_eq(json_integer_value(json_object_get(a, "tgid")), 11);
	cr_expect_eq(json_integer_value(json_object_get(a, "cgroup_id")), 77);
	/* event 1 s old at formatting time */
	cr_expect_eq(json_integer_value(json_object_get(j, "latency_us")),
		     1000000);
	cr_expect_str_eq(json_string_value(json_object_get(j, "time")),
			 "2023-11-14T22:13:19.000000000Z");
	json_decref(j);
}

Test(alert, host_accessor_and_removed_token_are_null)
{
	struct bs_event ev = sample_event();
	json_t *j = format_and_parse(&ev, NULL, NULL);

	cr_expect(json_is_null(
		json_object_get(json_object_get(j, "token"), "path")));
	cr_expect(json_is_null(json_object_get(json_object_get(j, "accessor"),
					       "container_id")));
	json_decref(j);
}

Test(alert, hostile_comm_is_escaped)
{
	struct bs_event ev = sample_event();
	json_t *j;

	memcpy(ev.comm, "a\"b\\c\n\x01\xff}{", 11);
	j = format_and_parse(&ev, NULL, NULL);
	cr_expect_str_eq(json_string_value(json_object_get(
				 json_object_get(j, "accessor"), "comm")),
			 "a\"b\\c\n\x01\xc3\xbf}{");
	json_decref(j);
}

Test(alert, partial_scan_and_aggregation_flags)
{
	struct bs_event ev = sample_event();
	json_t *j;

	ev.method = BS_M_READ;
	ev.flags = BS_EVF_PARTIAL_SCAN | BS_EVF_AGGREGATED;
	ev.count = 42;
	ev.scanned = 4096;
	j = format_and_parse(&ev, NULL, NULL);
	json_t *flags = json_object_get(j, "flags");
	cr_expect_eq(json_array_size(flags), 2);
	cr_expect_str_eq(json_string_value(json_array_get(flags, 0)),
			 "partial_scan");
	cr_expect_eq(json_integer_value(json_object_get(j, "count")), 42);
	cr_expect_eq(json_integer_value(json_object_get(j, "scanned")), 4096);
	cr_expect_str_eq(json_string_value(json_object_get(j, "method")),
			 "read");
	json_decref(j);
}

Test(alert, small_buffer_is_an_error_not_an_overflow)
{
	struct bs_event ev = sample_event();
	char small[64];
	struct bs_alert a;

	bs_alert_build(&a, &meta, &ev, NULL, NULL, 0, 0);
	cr_expect_eq(bs_alert_json(small, sizeof(small), &a), -ENOSPC);
}

Test(alert, method_and_backend_names_are_stable)
{
	cr_expect_str_eq(bs_method_name(BS_M_COPY_FILE_RANGE),
			 "copy_file_range");
	cr_expect_str_eq(bs_method_name(9999), "unknown");
	cr_expect_str_eq(bs_attach_name(BS_ATTACH_LSM), "lsm");
	cr_expect_str_eq(bs_attach_name((enum bs_attach)77), "unknown");
}

/* The whole line, byte for byte, as the formatter wrote it before the
 * alert record existed: the record may change, the line may not. */
Test(alert, line_is_byte_for_byte_stable)
{
	static const char want_known[] =
		"{\"type\":\"alert\",\"time\":\"2023-11-14T22:13:19."
		"000000000Z\","
		"\"node\":\"node-1\",\"inject\":\"bind\",\"detect\":\"open\","
		"\"backend\":\"tracepoint\",\"method\":\"read\",\"count\":1,"
		"\"flags\":[\"partial_scan\",\"aggregated\"],\"scanned\":4096,"
		"\"token\":{\"id\":5,\"path\":\"/var/run/secrets/"
		"x\\u007f\\\"y\","
		"\"container_id\":\"abc\",\"pod\":\"victim\",\"namespace\":"
		"\"\","
		"\"container\":\"app\"},\"accessor\":{\"pid\":10,\"tgid\":11,"
		"\"ppid\":1,\"uid\":3,\"comm\":"
		"\"a\\\"b\\\\c\\u000a\\u0001\\u00ff}{\","
		"\"cgroup_id\":77,\"container_id\":\"def\","
		"\"pod\":\"att\\u0009acker\",\"namespace\":\"evil\","
		"\"container\":\"sh\"},\"latency_us\":1000000}\n";
	static const char want_unknown[] =
		"{\"type\":\"alert\",\"time\":\"2023-11-14T22:13:20."
		"123456789Z\","
		"\"node\":\"node-1\",\"inject\":\"bind\",\"detect\":\"open\","
		"\"backend\":\"tracepoint\",\"method\":\"read\",\"count\":7,"
		"\"flags\":[],\"token\":{\"id\":5,\"path\":null,"
		"\"container_id\":null,\"pod\":null,\"namespace\":null,"
		"\"container\":null},\"accessor\":{\"pid\":10,\"tgid\":11,"
		"\"ppid\":1,\"uid\":3,\"comm\":"
		"\"a\\\"b\\\\c\\u000a\\u0001\\u00ff}{\","
		"\"cgroup_id\":77,\"container_id\":null,\"pod\":null,"
		"\"namespace\":null,\"container\":null},\"latency_us\":0}\n";
	struct bs_event ev = sample_event();
	struct bs_token t = { .id = 5 };
	struct bs_ctr_info acc = { .cgroup_id = 77 };
	struct bs_alert a;
	char line[4096];

	ev.method = BS_M_READ;
	ev.uid = 3;
	ev.count = 0; /* an event is at least one access */
	ev.flags = BS_EVF_PARTIAL_SCAN | BS_EVF_AGGREGATED;
	ev.scanned = 4096;
	memcpy(ev.comm, "a\"b\\c\n\x01\xff}{", 11);
	victim_and_accessor(&t, &acc);
	strcpy(t.path, "/var/run/secrets/x\x7f\"y");
	strcpy(acc.pod, "att\tacker");
	bs_alert_build(&a, &meta, &ev, &t, &acc, 2000000000ll,
		       1700000000000000000ll);
	cr_assert_gt(bs_alert_json(line, sizeof(line), &a), 0);
	cr_expect_str_eq(line, want_known);
	/* the sinks' view of the same record */
	cr_expect_eq(a.tid, 10);
	cr_expect_eq(a.tgid, 11);
	cr_expect_str_eq(a.acc_pod, "att\tacker");
	cr_expect_str_eq(a.time, "2023-11-14T22:13:19.000000000Z");

	ev.flags = 0;
	ev.count = 7;
	bs_alert_build(&a, &meta, &ev, NULL, NULL, 500, 1700000000123456789ll);
	cr_assert_gt(bs_alert_json(line, sizeof(line), &a), 0);
	cr_expect_str_eq(line, want_unknown);
	cr_expect_str_eq(a.pod, "", "unknown is \"\" for the sinks");
	cr_expect_str_eq(a.acc_pod, "");
}
