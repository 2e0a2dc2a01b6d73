/* SPDX-License-Identifier: Apache-2.0 */
/* alerts.h — alert sinks for `bulkhead sensor` (see alerts.c). */
#pragma once

#include "bulkhead/event.h"
#include "common/common.h"
#include "rules/rules.h"

enum alert_format { ALERT_JSON, ALERT_TEXT };

struct alert_sink;

/*
 * spec: "stdout" (or "-"), "file:PATH" (appended), "syslog", or an http(s):// URL (JSON
 * POST per alert, Falcosidekick-compatible; always JSON). 0, -EINVAL (unknown spec),
 * -errno (file), -ENOMEM.
 */
int alert_sink_open(const char *spec, enum alert_format format, struct alert_sink **ret);
void alert_sink_free(struct alert_sink *s);
DEFINE_CLEANUP(struct alert_sink *, alert_sink_free)

/* Deliver one alert. 0, or -errno (counted; the first failure of a sink is logged). */
int alert_sink_emit(struct alert_sink *s, struct rule_set *set, const struct rule *r,
		    const struct bh_event *ev);
void alert_sink_stats(const struct alert_sink *s, uint64_t *ret_sent, uint64_t *ret_failed);
