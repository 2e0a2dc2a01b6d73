/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-sensor-replay.c — `bulkhead sensor replay FILE --rules RULES...`: evaluate Falco
 * rules over a recorded event stream (JSON lines, src/common/event.h), offline — for
 * forensics, and for testing rules on machines without BPF. Alerts go to the same sinks
 * as `sensor run`.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>

#include "cli/alerts.h"
#include "cli/behaviour.h"
#include "cli/cli.h"
#include "cli/sensor-resources.h"
#include "common/event.h"
#include "common/fileio.h"
#include "common/limits.h"

const char cmd_sensor_replay_usage[] =
	"usage: bulkhead sensor replay FILE --rules FILE... [--output json|text]\n"
	"                              [--alerts SINK]... [--min-priority P] [--all-matches]\n"
	"                              [--report-rules] [--store SPEC [--cluster NAME]]\n"
	"       bulkhead sensor replay FILE --mode learn|monitor|protect [--rules FILE...] ...\n"
	"       bulkhead sensor replay FILE --resources [--rules FILE...] ...\n"
	"\n"
	"Evaluate Falco rules over a recorded event stream (JSON lines, as `bulkhead sensor\n"
	"record` writes them; FILE '-' reads stdin). Rules files are loaded in order, unchanged\n"
	"Falco syntax (lists, macros, append/override, exceptions); a rule that needs a field\n"
	"bulkhead does not provide is skipped and --report-rules names the field.\n"
	"\n"
	"  --rules FILE        a Falco rules file (repeatable; at least one)\n"
	"  --output FORMAT     json (Falco's JSON alert, default) or text\n"
	"  --alerts SINK       stdout (default), file:PATH, syslog, or an http(s):// URL that\n"
	"                      receives each JSON alert as a POST (Falcosidekick); repeatable\n"
	"  --min-priority P    drop rules below P (emergency ... debug)\n"
	"  --all-matches       fire every matching rule, not only the first (Falco's default)\n"
	"  --report-rules      print, per rule, loaded / skipped with the reason, to stderr\n"
	"  --store SPEC        record every alert in this store (default $BULKHEAD_STORE), as\n"
	"                      `sensor run --store` does: a run of kind \"runtime\" and a\n"
	"                      \"runtime.alert\" audit record per alert\n"
	"  --cluster NAME      the cluster name of the recorded runs\n"
	CLI_BEHAVIOUR_USAGE
	"\n"
	"With --mode, the events go through the behaviour baselines first (time is the events'\n"
	"own; protect mode cannot block anything in a replay: it reports as monitor does, and\n"
	"the kernel's recorded bh_action decisions are kept); the built-in baseline rules are\n"
	"loaded before the --rules files, which are then optional.\n"
	"With --resources, the built-in resource rules (rules/bulkhead_resources.yaml) are\n"
	"loaded before the --rules files (after the baseline rules): the stream's\n"
	"container_stats events (recorded with `sensor record --resources`) and connect events\n"
	"are evaluated as `sensor run --resources` evaluates them (docs/resources.md).\n"
	"\n"
	"Malformed event lines are skipped with a warning naming FILE:LINE and counted.\n"
	"Exit codes: 0 success, 2 usage error, unreadable FILE or rules that do not load, 3\n"
	"runtime error.\n";

int cmd_sensor_replay(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "output", required_argument, NULL, 'o' },
		{ "limit", required_argument, NULL, 'L' },
		CLI_ALERTING_OPTIONS,
		CLI_BEHAVIOUR_OPTIONS,
		{ "resources", no_argument, NULL, 0x120 },
		{ 0 },
	};
	struct cli_alerting al = { .format = ALERT_JSON, .record_wait = true };
	struct cli_behaviour bh = { 0 };
	struct cli_resources res = { 0 };
	int c, ret = CLI_EXIT_OK;
	while (ret == CLI_EXIT_OK && (c = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
		bool handled;
		int r = cli_alerting_option(&al, c, optarg);
		if (r == 0)
			r = cli_behaviour_option(&bh, c, optarg);
		if (r == 0)
			r = cli_resources_option(&res, c, optarg);
		if (r != 0) {
			if (r < 0)
				ret = r == -ENOMEM ? CLI_EXIT_RUNTIME : CLI_EXIT_INPUT;
			continue;
		}
		switch (c) {
		case 'h':
			fputs(cmd_sensor_replay_usage, stdout);
			cli_alerting_done(&al);
			return CLI_EXIT_OK;
		case 'o':
			if (streq(optarg, "json"))
				al.format = ALERT_JSON;
			else if (streq(optarg, "text"))
				al.format = ALERT_TEXT;
			else {
				log_error("unknown output '%s' (json, text)", optarg);
				ret = CLI_EXIT_INPUT;
			}
			break;
		case 'L':
			if (cli_common_option(ctx, c, optarg, &handled) < 0)
				ret = CLI_EXIT_INPUT;
			break;
		default:
			fputs(cmd_sensor_replay_usage, stderr);
			ret = CLI_EXIT_INPUT;
			break;
		}
	}
	if (ret == CLI_EXIT_OK && optind + 1 != argc) {
		log_error(optind >= argc ? "missing FILE (see 'bulkhead sensor replay --help')"
					 : "too many arguments (see 'bulkhead sensor replay --help')");
		ret = CLI_EXIT_INPUT;
	}
	if (ret == CLI_EXIT_OK && al.rules.n == 0 && !bh.mode && !res.enabled) {
		log_error("no rules: give at least one --rules FILE (or --mode, --resources)");
		ret = CLI_EXIT_INPUT;
	}
	if (ret == CLI_EXIT_OK)
		ret = cli_behaviour_setup(&bh, ctx, &al, NULL);
	if (ret == CLI_EXIT_OK)
		ret = cli_resources_setup(&res, &al, ctx, 'p');
	if (ret == CLI_EXIT_OK)
		ret = cli_alerting_setup(&al, ctx);
	/* Read the stream line by line: a recording can be far larger than memory. */
	const char *path = ret == CLI_EXIT_OK ? argv[optind] : NULL;
	FILE *in = NULL;
	if (path) {
		in = streq(path, "-") ? stdin : fopen(path, "re");
		if (!in) {
			int r = -errno;
			log_error_errno(r, "%s: cannot open: %m", path);
			ret = cli_exit_for_errno(r);
		}
	}
	uint64_t events = 0, bad = 0;
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	ssize_t n;
	while (in && ret == CLI_EXIT_OK && (n = getline(&line, &cap, in)) >= 0) {
		lineno++;
		struct span l = span_trim(span_make(line, (size_t)n));
		if (l.len == 0)
			continue;
		struct bh_event ev;
		struct bh_diag diag = { 0 };
		int r = bh_event_from_json(l, &ctx->limits, streq(path, "-") ? "stdin" : path, lineno,
					   &ev, &diag);
		if (r == -ENOMEM) {
			ret = CLI_EXIT_RUNTIME;
			break;
		}
		if (r < 0) {
			char msg[1200];
			bh_diag_format(&diag, msg, sizeof(msg));
			if (bad++ < 10)
				log_warning("skipping %s", msg);
			continue;
		}
		events++;
		/* container_stats events (--resources) are no behaviour */
		r = streq(ev.type, "container_stats")
			? 0
			: cli_behaviour_event(&bh, &ev, false, (int64_t)(ev.ts / 1000000000u));
		if (r >= 0)
			r = cli_alerting_eval(&al, &ev);
		bh_event_done(&ev);
		if (r < 0) {
			log_error_errno(r, "evaluation failed: %m");
			ret = CLI_EXIT_RUNTIME;
		}
	}
	if (in && ferror(in) && ret == CLI_EXIT_OK) {
		log_error("%s: read error", path);
		ret = CLI_EXIT_INPUT;
	}
	free(line);
	if (in && in != stdin)
		fclose(in);
	if (path && ret == CLI_EXIT_OK) {
		log_info("%s: %llu events, %llu malformed lines skipped, %llu alerts%s", path,
			 (unsigned long long)events, (unsigned long long)bad,
			 (unsigned long long)al.alerts,
			 cli_alerting_failures(&al) ? " (some not delivered)" : "");
		if (bad > 10)
			log_warning("%s: %llu malformed lines skipped in all", path, (unsigned long long)bad);
	}
	int bret = cli_behaviour_done(&bh);
	if (ret == CLI_EXIT_OK)
		ret = bret;
	if (cli_alerting_stop_recording(&al) < 0 && ret == CLI_EXIT_OK)
		ret = CLI_EXIT_RUNTIME;
	cli_alerting_done(&al);
	cli_resources_done(&res);
	return ret;
}
