/* SPDX-License-Identifier: Apache-2.0 */
/*
 * behaviour.h — `--mode learn|monitor|protect` of `bulkhead sensor run` and `sensor replay`:
 * the options, the store and audit writer the baselines live in, the behaviour controller
 * (src/runtime/runtime.h) and the built-in baseline rules added to the alerting rules.
 */
#pragma once

#include <getopt.h>

#include "cli/alerts.h"
#include "cli/cli.h"
#include "runtime/exehash.h"
#include "runtime/runtime.h"

struct cli_behaviour {
	const char *mode;	      /* --mode; NULL = no baselines */
	int64_t learn_for, stable_for; /* --learn-for, --stable-for (seconds) */
	bool dry_run;		      /* --dry-run */
	const char *pattern;	      /* --workload-pattern */
	bool host;		      /* --host-workload */
	bool no_exec_guard;	      /* --no-exec-guard: protect mode without fanotify */
	/* after setup */
	bool active;
	struct cli_audit audit; /* the store of the baselines and this process's audit writer */
	struct baseline_workload_opts wopts;
	bool wopts_ready;
	struct exehash_cache *hashes;
	struct rt *rt;
	int64_t last_tick;
};

#define CLI_BEHAVIOUR_OPTIONS                                                                \
	{ "mode", required_argument, NULL, 0x110 },                                         \
	{ "learn-for", required_argument, NULL, 0x111 },                                    \
	{ "stable-for", required_argument, NULL, 0x112 },                                   \
	{ "dry-run", no_argument, NULL, 0x113 },                                            \
	{ "workload-pattern", required_argument, NULL, 0x114 },                             \
	{ "host-workload", no_argument, NULL, 0x115 },                                      \
	{ "no-exec-guard", no_argument, NULL, 0x116 }

/* The usage lines of these options (a literal, spliced into the commands' usage). */
#define CLI_BEHAVIOUR_USAGE                                                                    \
	"  --mode MODE         behaviour baselines per workload (docs/baseline.md): learn (record\n" \
	"                      what each workload does), monitor (alert on deviations), protect\n"   \
	"                      (also block them where the kernel can); the default for workloads\n"  \
	"                      without a mode set by 'bulkhead baseline mode'. A workload without\n"  \
	"                      a baseline learns first. Baselines are kept in the store (--store,\n"  \
	"                      $BULKHEAD_STORE, else the default store)\n"                            \
	"  --learn-for SECS    learning ends this long after it began (default 3600)\n"             \
	"  --stable-for SECS   ... or once no new fact came for this long (default 600)\n"          \
	"  --dry-run           protect mode reports what it would block and blocks nothing\n"        \
	"  --workload-pattern RE  container name to workload: a POSIX extended regex with one\n"     \
	"                      group (default strips a trailing -N, _N or .N replica suffix)\n"      \
	"  --host-workload     host processes are one workload \"host\" (default: not watched)\n"    \
	"  --no-exec-guard     protect mode kills non-baseline executables at exec (BPF) but does\n"  \
	"                      not deny them before they start (fanotify): each exec of a\n"         \
	"                      protected container then costs no round trip to the sensor\n"

/* Handle one option: 1 consumed, 0 not ours, < 0 error (logged). */
int cli_behaviour_option(struct cli_behaviour *b, int opt, const char *arg);

/*
 * With --mode: open the store (al->store, else $BULKHEAD_STORE, else the default store),
 * start the controller and put the built-in baseline rules in front of al's rules (call
 * before cli_alerting_setup). hooks: the sensor's enforcement (NULL members in replay).
 * CLI_EXIT_OK or an exit code after one error line. Without --mode: nothing, CLI_EXIT_OK.
 */
int cli_behaviour_setup(struct cli_behaviour *b, struct cli_ctx *ctx, struct cli_alerting *al,
			const struct rt_hooks *hooks);

/*
 * One event before the rules see it (live: hash the executable of exec events). now: unix
 * seconds. 0 or -errno (the controller's).
 */
int cli_behaviour_event(struct cli_behaviour *b, struct bh_event *ev, bool live, int64_t now);

/* Periodic work, at most once a second (cheap to call more often). */
void cli_behaviour_tick(struct cli_behaviour *b, int64_t now);

/* Save, log the counters, close. CLI_EXIT_OK or an exit code (a baseline not saved). Calling
 * it again does nothing. */
int cli_behaviour_done(struct cli_behaviour *b);
/* For _cleanup_: cli_behaviour_done without its result. */
void cli_behaviour_cleanup(struct cli_behaviour *b);
