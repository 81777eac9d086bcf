// SPDX-License-Identifier: Apache-2.0
/* What sink-bench and sink-load share (bench/sink_common.h). */
#include <unistd.h>

#include "bench/sink_common.h"

bool bs_sink_where_opt(int opt, struct bs_sink_where *w)
{
	if (opt == 'r')
		w->results = optarg;
	else if (opt == 'c')
		w->commit = optarg;
	else if (opt == 'b')
		w->build = optarg;
	else
		return false;
	return true;
}
