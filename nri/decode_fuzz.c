// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: runtime->plugin bytes through the plugin side's whole
 * receive path (mux reassembly, ttrpc, envelopes, NRI protobuf decode,
 * model conversion, handlers, reply encoding) with no socket.  The first
 * input byte picks the read size, so reassembly across reads is exercised.
 */
#include <stddef.h>
#include <stdint.h>

#include "lib/log.h"
#include "nri/plugin.h"

static int h_sync(void *arg, const struct bs_pod *pods, size_t np,
		  const struct bs_container *ctrs, size_t nc)
{
	(void)arg;
	for (size_t i = 0; i < np; i++)
		(void)bs_kv_get(pods[i].annotations, pods[i].n_annotations,
				"x");
	for (size_t i = 0; i < nc; i++)
		(void)bs_kv_get(ctrs[i].labels, ctrs[i].n_labels, "x");
	return 0;
}

static int h_create(void *arg, const struct bs_pod *pod,
		    const struct bs_container *ctr, struct bs_adjust *adj)
{
	(void)arg;
	(void)pod;
	return bs_adjust_add_mount(adj, "/token", "bind", ctr->id, NULL);
}

static int h_event(void *arg, enum bs_nri_event ev, const struct bs_pod *pod,
		   const struct bs_container *ctr)
{
	(void)arg;
	(void)ev;
	(void)pod;
	(void)ctr;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bs_nri_handlers h = { .events = 0x07FF,
				     .synchronize = h_sync,
				     .create_container = h_create,
				     .event = h_event };
	struct bs_nri_plugin *p;
	size_t chunk;

	if (!size)
		return 0;
	bs_log_set_level(BS_LOG_ERR);
	p = bs_nri_plugin_new(NULL, &h);
	if (!p)
		return 0;
	chunk = (size_t)(data[0] % 64) * 97 + 1;
	data++;
	size--;
	while (size) {
		size_t n = size < chunk ? size : chunk;

		if (bs_nri_plugin_feed(p, data, n))
			break;
		data += n;
		size -= n;
	}
	bs_nri_plugin_free(p);
	return 0;
}
