/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sensor-resources.h — `--resources` of `bulkhead sensor run|record|replay`
 * (docs/resources.md): a sampler that reads the cgroups of every container the sensor has
 * seen every --resource-interval seconds and emits a synthetic "container_stats" event per
 * container, and the built-in rules (rules/bulkhead_resources.yaml) that turn those events
 * and connect events into alerts (cryptomining, cloud metadata access, fork bombs, memory
 * near its limit).
 *
 * The sampler asks the rule set two questions through the rules' own macros, so both are
 * tuned where the rules are: is this interval busy (macro bh_cpu_busy, evaluated on the
 * container_stats event being built) and is this TCP peer a mining pool (macro
 * bh_mining_pool_peer, evaluated on a connect event to the peer).
 */
#pragma once

#include <getopt.h>

#include "cli/alerts.h"
#include "cli/cli.h"
#include "runtime/resources.h"

struct cli_rsrc_ct;

struct cli_resources {
	bool enabled;	      /* --resources */
	uint64_t interval_ms; /* --resource-interval (default 5 s) */
	/* after setup */
	bool sampling;		 /* run/record (not replay) */
	struct cli_alerting *al; /* run: its rule set answers the questions (borrowed) */
	struct rule_set *own;	 /* record: the built-in rules answer them */
	char *builtin;		 /* the built-in rules joined with the baseline rules, or NULL */
	bool have_mounts;
	struct rsrc_mounts mounts;
	struct cli_rsrc_ct **cts;
	size_t n_cts, cap_cts;
	uint64_t last_ms;		  /* monotonic ms of the last sampling round */
	const struct rule_set *cache_set; /* the set the peer verdicts came from */
	struct cli_rsrc_verdict *cache;
	size_t n_cache;
	bool seen_fork; /* the sensor reports forks (clone events) */
	bool warned_full, warned_busy, warned_peer;
	uint64_t emitted;
};

/* clang-format off */
#define CLI_RESOURCES_OPTIONS                                                                      \
	{ "resources", no_argument, NULL, 0x120 },                                                 \
	{ "resource-interval", required_argument, NULL, 0x121 }
/* clang-format on */

#define CLI_RESOURCES_USAGE                                                                        \
	"  --resources         resource and network signals (docs/resources.md): sample the\n"     \
	"                      cgroups of every container seen (CPU, memory, pids) into\n"         \
	"                      \"container_stats\" events and load the built-in rules\n"           \
	"                      rules/bulkhead_resources.yaml (cryptomining, cloud metadata\n"      \
	"                      access, fork bombs, memory near its limit) before --rules\n"        \
	"  --resource-interval S  seconds between samples (default 5)\n"

/* Handle one option: 1 consumed, 0 not ours, < 0 error (logged). */
int cli_resources_option(struct cli_resources *res, int opt, const char *arg);

/*
 * With --resources (nothing otherwise, CLI_EXIT_OK). Call after cli_behaviour_setup and
 * before cli_alerting_setup. mode: 'r' run (the built-in rules go in front of al's rules and
 * the sampler uses al's rule set), 'w' record (no alerting: the sampler loads the built-in
 * rules for itself), 'p' replay (only the rules; nothing is sampled). CLI_EXIT_OK or an exit
 * code after one error line.
 */
int cli_resources_setup(struct cli_resources *res, struct cli_alerting *al, struct cli_ctx *ctx,
			char mode);

/*
 * One sensor event: learn the container and its cgroup, count its forks, note its connects
 * to mining pools. Never fails (what cannot be learnt is learnt from a later event).
 */
void cli_resources_event(struct cli_resources *res, const struct bh_event *ev);

/*
 * When the interval has passed: sample every container and hand each container_stats event
 * to fn (the same callback type as sensor_session_poll's; the event is freed after it).
 * The number of events emitted, or fn's error.
 */
int cli_resources_tick(struct cli_resources *res, int (*fn)(const struct bh_event *, void *),
		       void *userdata);

void cli_resources_done(struct cli_resources *res);
