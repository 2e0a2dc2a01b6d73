/* SPDX-License-Identifier: Apache-2.0 */
/* alerts.h — alert sinks for `bulkhead sensor` (see alerts.c). */
#pragma once

#include <getopt.h>

#include "bulkhead/event.h"
#include "cli/cli.h"
#include "common/common.h"
#include "common/strv.h"
#include "rules/rules.h"

struct audit_recorder;

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

/*
 * Rules plus sinks, as `sensor run --rules` and `sensor replay` use them. Options are
 * collected with cli_alerting_option() while parsing (--rules, --alerts, --min-priority,
 * --all-matches, --report-rules, --store, --cluster), then cli_alerting_setup() loads the
 * rules and opens the sinks (default: stdout) and, with --store (or BULKHEAD_STORE), starts the
 * recorder (src/audit/recorder.h) that puts every alert into the store: a run of kind
 * "runtime" with one finding of kind "runtime" and a "runtime.alert" audit record. The event
 * loop only copies the alert into the recorder's queue; cli_alerting_done() drains it.
 */
struct cli_alerting {
	struct strv rules, sinks;
	enum alert_format format;
	bool all, report, have_prio;
	enum rule_priority min_prio;
	const char *store, *cluster; /* --store, --cluster (borrowed from argv) */
	bool record_wait;	     /* replay: wait for the store instead of dropping alerts */
	/* rules loaded before the --rules files (the built-in baseline rules), or NULL */
	const char *builtin_name, *builtin_data;
	size_t builtin_len;
	/* after setup */
	struct rule_set *set;
	struct alert_sink **open;
	size_t n_open;
	uint64_t alerts;
	struct audit_recorder *rec; /* with a store */
	char hostname[256];
	uint64_t record_failed;	    /* alerts that could not be copied for the store */
};

/* getopt long options for those flags (values 0x100..0x104), to splice into a table. */
#define CLI_ALERTING_OPTIONS                                                                 \
	{ "rules", required_argument, NULL, 0x100 },                                        \
	{ "alerts", required_argument, NULL, 0x101 },                                       \
	{ "min-priority", required_argument, NULL, 0x102 },                                 \
	{ "all-matches", no_argument, NULL, 0x103 },                                        \
	{ "report-rules", no_argument, NULL, 0x104 },                                       \
	{ "store", required_argument, NULL, 0x105 },                                        \
	{ "cluster", required_argument, NULL, 0x106 }

/* Handle one of those options: 1 consumed, 0 not ours, < 0 error (logged). */
int cli_alerting_option(struct cli_alerting *a, int opt, const char *arg);
/* Load the rules and open the sinks. 0, or an exit code (> 0) after logging the error. */
int cli_alerting_setup(struct cli_alerting *a, struct cli_ctx *ctx);
/*
 * Load the same rules files again into a new set and switch to it (SIGHUP). On any error
 * the running set stays as it was and the error is logged. 0 or -errno.
 */
int cli_alerting_reload(struct cli_alerting *a, struct cli_ctx *ctx);
/* Evaluate one event and deliver its alerts. 0 or -errno (evaluation failure). */
int cli_alerting_eval(struct cli_alerting *a, const struct bh_event *ev);
/* Delivery failures over all sinks. */
uint64_t cli_alerting_failures(const struct cli_alerting *a);
/*
 * Stop the recorder (drain its queue: at most 10 s, then spool or give up) and log what it
 * recorded. 0, or -EIO when alerts were not recorded. Called by cli_alerting_done() too.
 */
int cli_alerting_stop_recording(struct cli_alerting *a);
void cli_alerting_done(struct cli_alerting *a);

/* Falco priority to finding severity: emergency/alert/critical critical, error high, warning
 * medium, notice low, informational/debug info. */
const char *alert_priority_severity(enum rule_priority p);
