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
#include "cli/cli.h"
#include "common/event.h"
#include "common/fileio.h"
#include "common/limits.h"

const char cmd_sensor_replay_usage[] =
	"usage: bulkhead sensor replay FILE --rules FILE... [--output json|text]\n"
	"                              [--alerts SINK]... [--min-priority P] [--all-matches]\n"
	"                              [--report-rules]\n"
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
	"\n"
	"Malformed event lines are skipped with a warning naming FILE:LINE and counted.\n"
	"Exit codes: 0 success, 2 usage error, unreadable FILE or rules that do not load, 3\n"
	"runtime error.\n";

struct replay {
	struct rule_set *set;
	struct alert_sink **sinks;
	size_t n_sinks;
	uint64_t alerts;
};

static int on_match(const struct rule *r, const struct bh_event *ev, void *userdata)
{
	struct replay *rp = userdata;
	rp->alerts++;
	for (size_t i = 0; i < rp->n_sinks; i++)
		(void)alert_sink_emit(rp->sinks[i], rp->set, r, ev);
	return 0;
}

int cmd_sensor_replay(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "rules", required_argument, NULL, 'r' },
		{ "output", required_argument, NULL, 'o' },
		{ "alerts", required_argument, NULL, 'a' },
		{ "min-priority", required_argument, NULL, 'p' },
		{ "all-matches", no_argument, NULL, 'A' },
		{ "report-rules", no_argument, NULL, 'R' },
		{ "limit", required_argument, NULL, 'L' },
		{ 0 },
	};
	struct strv rules = { 0 }, sink_specs = { 0 };
	enum alert_format fmt = ALERT_JSON;
	bool all = false, report = false, have_prio = false;
	enum rule_priority min_prio = RULE_PRIO_DEBUG;
	int c, ret = CLI_EXIT_OK;
	while (ret == CLI_EXIT_OK && (c = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
		bool handled;
		switch (c) {
		case 'h':
			fputs(cmd_sensor_replay_usage, stdout);
			strv_done(&rules);
			strv_done(&sink_specs);
			return CLI_EXIT_OK;
		case 'r':
			if (strv_push(&rules, optarg) < 0)
				ret = CLI_EXIT_RUNTIME;
			break;
		case 'o':
			if (streq(optarg, "json"))
				fmt = ALERT_JSON;
			else if (streq(optarg, "text"))
				fmt = ALERT_TEXT;
			else {
				log_error("unknown output '%s' (json, text)", optarg);
				ret = CLI_EXIT_INPUT;
			}
			break;
		case 'a':
			if (strv_push(&sink_specs, optarg) < 0)
				ret = CLI_EXIT_RUNTIME;
			break;
		case 'p':
			if (rule_priority_parse(optarg, &min_prio) < 0) {
				log_error("unknown priority '%s' (emergency, alert, critical, error, "
					  "warning, notice, informational, debug)",
					  optarg);
				ret = CLI_EXIT_INPUT;
			}
			have_prio = true;
			break;
		case 'A':
			all = true;
			break;
		case 'R':
			report = true;
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
	if (ret == CLI_EXIT_OK && rules.n == 0) {
		log_error("no rules: give at least one --rules FILE");
		ret = CLI_EXIT_INPUT;
	}
	struct replay rp = { 0 };
	if (ret == CLI_EXIT_OK && !(rp.set = rule_set_new(&ctx->limits)))
		ret = CLI_EXIT_RUNTIME;
	if (ret == CLI_EXIT_OK) {
		struct bh_diag diag = { 0 };
		int r = rule_set_load_files(rp.set, (const char *const *)rules.v, rules.n, &diag);
		if (r < 0) {
			char msg[1200];
			if (!diag.message[0])
				bh_diag_set(&diag, rules.v[0], 0, 0, "%s", strerror(-r));
			bh_diag_format(&diag, msg, sizeof(msg));
			log_error("%s", msg);
			ret = cli_exit_for_errno(r);
		}
	}
	if (ret == CLI_EXIT_OK) {
		if (report)
			(void)rule_set_report(rp.set, stderr);
		if (have_prio)
			rule_set_set_min_priority(rp.set, min_prio);
		rule_set_set_match_all(rp.set, all);
		if (sink_specs.n == 0 && strv_push(&sink_specs, "stdout") < 0)
			ret = CLI_EXIT_RUNTIME;
	}
	if (ret == CLI_EXIT_OK && !(rp.sinks = calloc(sink_specs.n, sizeof(*rp.sinks))))
		ret = CLI_EXIT_RUNTIME;
	for (size_t i = 0; ret == CLI_EXIT_OK && i < sink_specs.n; i++) {
		int r = alert_sink_open(sink_specs.v[i], fmt, &rp.sinks[i]);
		if (r < 0) {
			if (r == -EINVAL)
				log_error("unknown alert sink '%s' (stdout, file:PATH, syslog, http(s)://...)",
					  sink_specs.v[i]);
			else
				log_error_errno(r, "%s: cannot open: %m", sink_specs.v[i]);
			ret = cli_exit_for_errno(r);
		} else
			rp.n_sinks++;
	}
	/* Read the stream line by line: a recording can be far larger than memory. */
	const char *path = ret == CLI_EXIT_OK ? argv[optind] : NULL;
	FILE *in = NULL;
	if (path) {
		in = streq(path, "-") ? stdin : fopen(path, "re");
		if (!in) {
			log_error_errno(-errno, "%s: cannot open: %m", path);
			ret = cli_exit_for_errno(-errno);
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
		r = rule_set_eval(rp.set, &ev, on_match, &rp);
		bh_event_done(&ev);
		if (r < 0) {
			log_error_errno(r, "rule evaluation failed: %m");
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
		uint64_t failed_total = 0;
		for (size_t i = 0; i < rp.n_sinks; i++) {
			uint64_t sent, failed;
			alert_sink_stats(rp.sinks[i], &sent, &failed);
			failed_total += failed;
		}
		log_info("%s: %llu events, %llu malformed lines skipped, %llu alerts%s", path,
			 (unsigned long long)events, (unsigned long long)bad,
			 (unsigned long long)rp.alerts, failed_total ? " (some not delivered)" : "");
		if (bad > 10)
			log_warning("%s: %llu malformed lines skipped in all", path, (unsigned long long)bad);
	}
	for (size_t i = 0; i < rp.n_sinks; i++)
		alert_sink_free(rp.sinks[i]);
	free(rp.sinks);
	rule_set_free(rp.set);
	strv_done(&rules);
	strv_done(&sink_specs);
	return ret;
}
