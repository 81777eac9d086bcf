// SPDX-License-Identifier: Apache-2.0
/* detect-bench --peer: start/stop a peer tool through harness/peers.sh. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench/peer_toggle.h"
#include "lib/cmd.h"
#include "lib/log.h"

int bs_peer_toggle(struct bs_peer_toggle *t, bool on)
{
	char cmd[512], out[512];
	int rc;

	if (t->on == on)
		return 0;
	if (on)
		snprintf(cmd, sizeof(cmd), "'%s' start %s '%s' '%s' 2>&1",
			 t->script, t->tool, t->token, t->out);
	else
		snprintf(cmd, sizeof(cmd), "'%s' stop %s 2>&1", t->script,
			 t->tool);
	rc = bs_run_cmd(cmd, out, sizeof(out));
	if (rc != 0) {
		out[strcspn(out, "\n")] = '\0';
		bs_err("detect-bench: peers.sh %s %s: exit %d: %s",
		       on ? "start" : "stop", t->tool, rc, out);
		return rc == 3 ? -EOPNOTSUPP : -EIO;
	}
	t->on = on;
	if (!on)
		unlink(t->out);
	return 0;
}

int bs_peer_prime(struct bs_peer_toggle *t)
{
	int err;

	if (strcmp(t->tool, "auditd"))
		return 0;
	err = bs_peer_toggle(t, true);
	return err ? err : bs_peer_toggle(t, false);
}
