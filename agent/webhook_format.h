/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Webhook bodies for one alert:
 *   beesting      the alert JSON line itself (docs/agent.md "Output")
 *   falco         Falco's JSON output (time, rule, priority, output,
 *                 output_fields, hostname, source, tags)
 *   alertmanager  a one-alert array for Alertmanager's POST /api/v2/alerts
 */
#ifndef BS_AGENT_WEBHOOK_FORMAT_H
#define BS_AGENT_WEBHOOK_FORMAT_H

#include <stddef.h>

#include "agent/config.h"
#include "agent/sink.h"

#define BS_FALCO_RULE	"Honeytoken accessed"
#define BS_AM_ALERTNAME "HoneytokenAccessed"

/* A malloc'd NUL-terminated body, *len its length; NULL on ENOMEM. */
char *bs_webhook_body(enum bs_webhook_format f, const struct bs_alert *a,
		      const char *hostname, size_t *len);

#endif
