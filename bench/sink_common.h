/* SPDX-License-Identifier: Apache-2.0 */
/* What sink-bench and sink-load share: where they read the agent from and
 * write their rows to. */
#ifndef BS_BENCH_SINK_COMMON_H
#define BS_BENCH_SINK_COMMON_H

#include <microhttpd.h>
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

/* A stand-in receiver's access handler, before it counts a request: false
 * while microhttpd is still delivering it (the handler answers MHD_YES),
 * true once it is all in. */
bool bs_sink_req_complete(size_t *upload_size, void **con_cls);

/* Answer 200 with the static text body. */
enum MHD_Result bs_sink_reply(struct MHD_Connection *conn, const char *body);

#endif
