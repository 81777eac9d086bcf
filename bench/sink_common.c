// SPDX-License-Identifier: Apache-2.0
/* What sink-bench and sink-load share (bench/sink_common.h). */
#include <string.h>
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

bool bs_sink_req_complete(size_t *upload_size, void **con_cls)
{
	/* the first call only announces the request; later ones hand over
	 * its body in pieces, ending with an empty one */
	if (!*con_cls) {
		*con_cls = (void *)1;
		return false;
	}
	if (*upload_size) {
		*upload_size = 0;
		return false;
	}
	return true;
}

enum MHD_Result bs_sink_reply(struct MHD_Connection *conn, const char *body)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret = MHD_queue_response(conn, 200, r);

	MHD_destroy_response(r);
	return ret;
}
