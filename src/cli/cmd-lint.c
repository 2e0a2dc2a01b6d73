/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-lint.c — `bulkhead lint Dockerfile...`: parse each Dockerfile (src/checks/dockerfile.c),
 * run the BH-DF rules over it and report the findings as a table, bulkhead.lint/v1 JSON or
 * SARIF 2.1.0. A file that does not parse is exit 2 with one line naming file:line:column,
 * and nothing is written.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <getopt.h>
#include <stdio.h>
#include <strings.h>

#include "bulkhead/report.h"
#include "checks/dockerfile.h"
#include "cli/cli.h"
#include "common/fileio.h"
#include "common/timeutil.h"
#include "store/store.h"

const char cmd_lint_usage[] =
    "usage: bulkhead lint [OPTIONS] DOCKERFILE...\n"
    "       bulkhead lint --list-rules\n"
    "\n"
    "Lint Dockerfiles: a full parser (parser directives, continuations, heredocs, exec and\n"
    "shell form, ARG/ENV substitution, stages) and the BH-DF-NNN rules, each mapped to its\n"
    "hadolint DLxxxx code where hadolint has one (docs/dockerfile-rules.md). DOCKERFILE '-'\n"
    "reads standard input.\n"
    "\n"
    "  -f, --format FORMAT       table (default), json (bulkhead.lint/v1) or sarif (2.1.0)\n"
    "  -o, --output FILE         write to FILE (atomically) instead of stdout\n"
    "      --fail-on SEVERITY    exit 1 only for findings at or above SEVERITY\n"
    "                            (info, low, medium, high, critical; default info: any)\n"
    "      --ignore ID[,ID...]   do not report these rules (BH-DF-NNN or hadolint DLxxxx);\n"
    "                            repeatable\n"
    "      --allowed-registry R  base images must come from R (repeatable; '*.example.com'\n"
    "                            matches subdomains); enables BH-DF-041 (hadolint DL3026)\n"
    "      --list-rules          print the rules and exit\n"
    "      --store SPEC          record the result in the store (run kind lint, target the\n"
    "                            Dockerfiles named; default $BULKHEAD_STORE, else not\n"
    "                            recorded)\n"
    "      --limit NAME=VALUE    override a parser limit (see 'bulkhead help limits')\n"
    "\n"
    "A comment '# bulkhead ignore=BH-DF-007,BH-DF-012' (or '# hadolint ignore=DL3008') on the\n"
    "lines directly above an instruction suppresses those rules for that instruction; the\n"
    "number of suppressed findings is reported.\n"
    "\n"
    "Exit codes: 0 nothing at or above the threshold, 1 findings at or above it, 2 usage or\n"
    "input error (an unparsable Dockerfile: one line FILE:LINE:COLUMN: reason), 3 runtime\n"
    "error.\n";

enum lint_format { LINT_TABLE, LINT_JSON, LINT_SARIF };

struct lint_render {
	enum lint_format fmt;
	const struct bh_findings *l;
};

static int lint_render(void *u, FILE *f)
{
	const struct lint_render *x = u;
	switch (x->fmt) {
	case LINT_JSON: {
		/* no document target: each finding names its own Dockerfile */
		struct report_target t = {.type = "dockerfile", .name = NULL};
		return report_findings_json("bulkhead.lint/v1", &t, x->l, f);
	}
	case LINT_SARIF:
		return report_findings_sarif(x->l, f);
	default:
		return report_findings_table(x->l, "Dockerfile", f);
	}
}

static void list_rules(FILE *f)
{
	fprintf(f, "%-10s %-8s %-9s %s\n", "RULE", "HADOLINT", "SEVERITY", "TITLE");
	for (size_t i = 0; i < df_rule_count(); i++) {
		const struct df_rule *r = df_rule_at(i);
		fprintf(f, "%-10s %-8s %-9s %s\n", r->id, r->hadolint ? r->hadolint : "-",
			bh_severity_name(r->severity), r->title);
	}
}

static int add_ignores(struct strv *ids, const char *arg)
{
	struct span in = span_from(arg), tok;
	while (span_next_token(&in, ',', &tok) == 0) {
		tok = span_trim(tok);
		if (!tok.len)
			continue;
		_cleanup_free_ char *id = span_dup(tok);
		if (!id)
			return log_error_errno(-ENOMEM, "out of memory");
		if (!df_rule_find(id)) {
			if (strncasecmp(id, "DL", 2) == 0 || strncasecmp(id, "SC", 2) == 0) {
				log_warning("no bulkhead rule corresponds to '%s', ignoring", id);
				continue;
			}
			log_error("unknown rule '%s' (see 'bulkhead lint --list-rules')", id);
			return -EINVAL;
		}
		if (strv_push(ids, id) < 0)
			return log_error_errno(-ENOMEM, "out of memory");
	}
	return 0;
}

static int lint_one(struct cli_ctx *ctx, const char *path, const struct df_lint_opts *o,
		    struct bh_findings *all)
{
	_cleanup_buf_ struct buf text;
	buf_init(&text, (size_t)MIN(ctx->limits.input_max_bytes, (uint64_t)SIZE_MAX - 1) + 1);
	size_t max = (size_t)MIN(ctx->limits.input_max_bytes, (uint64_t)SIZE_MAX - 1);
	int r = streq(path, "-") ? bh_read_fd(STDIN_FILENO, max, &text)
				 : bh_read_file_at(AT_FDCWD, path, 0, max, &text);
	if (r == -E2BIG) {
		log_error("%s: file is larger than %" PRIu64 " bytes (limit input-max-bytes)", path,
			  ctx->limits.input_max_bytes);
		return CLI_EXIT_INPUT;
	}
	if (r < 0) {
		log_error_errno(r, "cannot read '%s': %m", path);
		return cli_exit_for_errno(r);
	}
	struct bh_diag diag = {0};
	_cleanup_(df_freep) struct dockerfile *df = NULL;
	r = df_parse(buf_span(&text), &ctx->limits, path, &df, &diag);
	if (r == -ENOMEM) {
		log_error_errno(r, "%s: %m", path);
		return CLI_EXIT_RUNTIME;
	}
	if (r < 0)
		return cli_fail_diag(r, &diag, path);
	struct bh_findings l = {0};
	r = df_lint(df, path, o, &l);
	if (r >= 0)
		r = bh_findings_move(all, &l);
	bh_findings_done(&l);
	if (r < 0) {
		log_error_errno(r, "%s: %m", path);
		return CLI_EXIT_RUNTIME;
	}
	return CLI_EXIT_OK;
}

int cmd_lint(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"format", required_argument, NULL, 'f'},
	    {"output", required_argument, NULL, 'o'},
	    {"fail-on", required_argument, NULL, 'F'},
	    {"ignore", required_argument, NULL, 'I'},
	    {"allowed-registry", required_argument, NULL, 'R'},
	    {"list-rules", no_argument, NULL, 'l'},
	    {"limit", required_argument, NULL, 'L'},
	    {"store", required_argument, NULL, 'T'},
	    {0},
	};
	enum lint_format fmt = LINT_TABLE;
	enum bh_severity fail_on = BH_SEV_INFO;
	const char *out_path = NULL, *store_opt = NULL;
	struct strv ignore = {0}, registries = {0};
	bool list = false;
	int c, ret = CLI_EXIT_OK;
	optind = 0;
	while (ret == CLI_EXIT_OK && (c = getopt_long(argc, argv, "hf:o:", opts, NULL)) >= 0) {
		bool handled;
		switch (c) {
		case 'h':
			fputs(cmd_lint_usage, stdout);
			strv_done(&ignore);
			strv_done(&registries);
			return CLI_EXIT_OK;
		case 'f':
			if (streq(optarg, "table"))
				fmt = LINT_TABLE;
			else if (streq(optarg, "json"))
				fmt = LINT_JSON;
			else if (streq(optarg, "sarif"))
				fmt = LINT_SARIF;
			else {
				log_error("unknown format '%s' (table, json, sarif)", optarg);
				ret = CLI_EXIT_INPUT;
			}
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'F':
			if (bh_severity_from_name(optarg, &fail_on) < 0 ||
			    fail_on == BH_SEV_UNKNOWN) {
				log_error(
				    "unknown severity '%s' (info, low, medium, high, critical)",
				    optarg);
				ret = CLI_EXIT_INPUT;
			}
			break;
		case 'I': {
			int r = add_ignores(&ignore, optarg);
			if (r < 0)
				ret = r == -ENOMEM ? CLI_EXIT_RUNTIME : CLI_EXIT_INPUT;
			break;
		}
		case 'R':
			if (!*optarg || strv_push(&registries, optarg) < 0) {
				log_error("--allowed-registry needs a registry name");
				ret = CLI_EXIT_INPUT;
			}
			break;
		case 'l':
			list = true;
			break;
		case 'T':
			store_opt = optarg;
			break;
		case 'L':
			if (cli_common_option(ctx, c, optarg, &handled) < 0)
				ret = CLI_EXIT_INPUT;
			break;
		default:
			fputs(cmd_lint_usage, stderr);
			ret = CLI_EXIT_INPUT;
			break;
		}
	}
	if (ret == CLI_EXIT_OK && list) {
		list_rules(stdout);
		strv_done(&ignore);
		strv_done(&registries);
		return CLI_EXIT_OK;
	}
	if (ret == CLI_EXIT_OK && optind >= argc) {
		log_error("missing DOCKERFILE (see 'bulkhead help lint')");
		ret = CLI_EXIT_INPUT;
	}
	int nstdin = 0;
	for (int i = optind; ret == CLI_EXIT_OK && i < argc; i++)
		nstdin += streq(argv[i], "-");
	if (nstdin > 1) {
		log_error("standard input ('-') can be read only once");
		ret = CLI_EXIT_INPUT;
	}
	struct bh_findings all = {0};
	struct df_lint_opts o = {.ignore = &ignore, .allowed_registries = &registries};
	for (int i = optind; ret == CLI_EXIT_OK && i < argc; i++)
		ret = lint_one(ctx, argv[i], &o, &all);
	if (ret == CLI_EXIT_OK)
		bh_findings_sort(&all);
	const char *store_spec = cli_store_spec(store_opt);
	if (ret == CLI_EXIT_OK && store_spec) {
		/* The scope of the findings' state: the set of Dockerfiles linted together. */
		_cleanup_buf_ struct buf names;
		buf_init(&names, 0);
		for (int i = optind; ret == CLI_EXIT_OK && i < argc; i++)
			if (buf_printf(&names, "%s%s", i > optind ? "," : "", argv[i]) < 0)
				ret = CLI_EXIT_RUNTIME;
		struct lint_render jr = {.fmt = LINT_JSON, .l = &all};
		struct store_run run = {
		    .kind = "lint",
		    .time = (int64_t)bh_now(NULL),
		    .target = {.type = "dockerfile", .name = buf_str(&names)},
		    .tool = "bulkhead " BULKHEAD_VERSION,
		};
		if (ret == CLI_EXIT_OK)
			ret = cli_record(ctx, store_spec, &run, lint_render, &jr, NULL, 0);
	}
	if (ret == CLI_EXIT_OK) {
		struct lint_render lr = {.fmt = fmt, .l = &all};
		ret = cli_write_output(out_path, lint_render, &lr);
	}
	if (ret == CLI_EXIT_OK && bh_findings_count_at_least(&all, fail_on) > 0)
		ret = CLI_EXIT_FINDINGS;
	bh_findings_done(&all);
	strv_done(&ignore);
	strv_done(&registries);
	return ret;
}
