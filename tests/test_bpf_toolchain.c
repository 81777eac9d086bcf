// SPDX-License-Identifier: Apache-2.0
/* Proves the BPF toolchain works on this kernel: the skeleton built from
 * bpf/selftest.bpf.c loads, attaches through a tracepoint and fires. */
#include <criterion/criterion.h>
#include <errno.h>
#include <unistd.h>

#include "bpf/kretprobe.h"
#include "bpf/selftest.skel.h"
#include "bpf/tracefs.h"

Test(bpf_toolchain, tracepoint_loads_attaches_and_fires)
{
	struct selftest_bpf *skel = selftest_bpf__open();
	int err = bs_tracefs_ensure();

	if (err)
		cr_skip_test("tracefs unavailable (%s): no tracepoints",
			     strerror(-err));
	cr_assert_not_null(skel, "open skeleton: %s", strerror(errno));
	skel->rodata->target_tgid = (__u32)getpid();
	err = selftest_bpf__load(skel);
	if (err == -EPERM)
		cr_skip_test(
			"BPF load needs CAP_BPF/CAP_SYS_ADMIN: not root here");
	cr_assert_eq(err, 0, "load: %s", strerror(-err));
	cr_assert_eq(selftest_bpf__attach(skel), 0, "attach tracepoint");
	for (int i = 0; i < 5; i++)
		(void)getpgid(0);
	cr_expect_geq(skel->bss->hits, 5, "tracepoint fired %llu times",
		      (unsigned long long)skel->bss->hits);
	selftest_bpf__destroy(skel);
}

/* Our kretprobe event names are FUNC_PID_SEQ; the pid says whose. */
Test(bpf_toolchain, kretprobe_event_names)
{
	static const struct {
		const char *name;
		pid_t pid;
	} cases[] = {
		{ "vfs_read_1234_0", 1234 },
		{ "vfs_read_1_17", 1 },
		{ "f_7_4294967295", 7 },
		{ "vfs_read_0_1", 0 },
		{ "vfs_read__1", 0 },
		{ "vfs_read_12x_1", 0 },
		{ "vfs_read_12_", 0 },
		{ "vfs_read_12_3x", 0 },
		{ "12_3", 0 },
		{ "_12_3", 0 },
		{ "other", 0 },
		{ "", 0 },
		{ "f_99999999999_1", 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_expect_eq(bs_kretprobe_event_pid(cases[i].name),
			     cases[i].pid, "%s: %d", cases[i].name,
			     (int)bs_kretprobe_event_pid(cases[i].name));
}
