/* SPDX-License-Identifier: Apache-2.0 */
/* What sink-bench and sink-load share: where they read the agent from and
 * write their rows to. */
#ifndef BS_BENCH_SINK_COMMON_H
#define BS_BENCH_SINK_COMMON_H

#include <stdbool.h>

struct bs_sink_where {
	const char *results; /* -r: the folder of sinks.csv */
	const char *commit;  /* -c: the commit column */
	const char *build;   /* -b: the build dir holding beesting */
};

#define BS_SINK_WHERE_DEFAULT                                                  \
	{                                                                      \
		.results = "results", .commit = "unknown", .build = "build"    \
	}

/* Take getopt's opt when it is -r, -c or -b (optarg its value): true when
 * it was one of them. */
bool bs_sink_where_opt(int opt, struct bs_sink_where *w);

#endif
