/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-scan.c — `bulkhead scan TARGET`: read and catalogue the image, match its packages
 * against the vulnerability database, apply VEX, render, and turn --fail-on into the
 * exit code. Output is all-or-nothing, as for sbom.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>

#include "bulkhead/image.h"
#include "bulkhead/report.h"
#include "cli/cli.h"
#include "common/fileio.h"
#include "common/limits.h"
#include "vuln/match.h"
#include "vuln/vex.h"

const char cmd_scan_usage[] =
	"usage: bulkhead scan TARGET [--scanners vuln] [--db FILE] [--vex FILE]...\n"
	"                     [--format table|json|sarif|cyclonedx] [-o FILE]\n"
	"                     [--fail-on SEVERITY] [--ignore-unfixed] [--platform P]\n"
	"                     [--limit NAME=VALUE]...\n"
	"\n"
	"Find known vulnerabilities in every package of a container image, offline, from the\n"
	"database that `bulkhead db import|update` builds. Packages are matched by exact\n"
	"identity (distro packages by source package and release, language packages by\n"
	"normalised name) and versions are compared the way each ecosystem orders them.\n"
	"\n"
	"  --scanners LIST        vuln (the default and, for now, the only scanner)\n"
	"  --db FILE              vulnerability database (see 'bulkhead help db')\n"
	"  --vex FILE             OpenVEX or CycloneDX VEX document; not_affected and fixed\n"
	"                         statements suppress findings (repeatable)\n"
	"  -f, --format FORMAT    table (default), json (bulkhead.scan/v1), sarif (2.1.0),\n"
	"                         cyclonedx (CycloneDX 1.6 with vulnerabilities)\n"
	"  -o, --output FILE      write to FILE (atomically) instead of stdout\n"
	"  --fail-on SEVERITY     exit 1 when a finding is at or above SEVERITY\n"
	"                         (critical, high, medium, low, info, unknown)\n"
	"  --ignore-unfixed       leave out vulnerabilities that have no fixed version\n"
	"  --platform P           pick P from a multi-platform index (default linux/amd64)\n"
	"\n"
	"Exit codes: 0 no finding at or above --fail-on (or no --fail-on), 1 findings at or\n"
	"above it, 2 usage or input error (nothing is written), 3 runtime error.\n";

enum scan_format { FMT_TABLE, FMT_JSON, FMT_SARIF, FMT_CYCLONEDX };

static int parse_scanners(const char *list)
{
	struct span in = span_from(list), tok;
	while (span_next_token(&in, ',', &tok) == 0) {
		tok = span_trim(tok);
		if (span_eq_str(tok, "vuln"))
			continue;
		if (span_eq_str(tok, "secret") || span_eq_str(tok, "config"))
			log_error("the %.*s scanner is not available in this version; available: vuln",
				  (int)tok.len, tok.ptr);
		else
			log_error("unknown scanner '%.*s' (available: vuln)", (int)tok.len, tok.ptr);
		return -EINVAL;
	}
	return 0;
}

static int load_vex(const char *path, struct cli_ctx *ctx, struct vuln_report *rep)
{
	_cleanup_buf_ struct buf data;
	buf_init(&data, (size_t)ctx->limits.input_max_bytes);
	int r = bh_read_file_at(AT_FDCWD, path, 0, (size_t)ctx->limits.input_max_bytes, &data);
	if (r < 0) {
		if (r == -E2BIG)
			log_error("%s: larger than %llu bytes (input-max-bytes)", path,
				  (unsigned long long)ctx->limits.input_max_bytes);
		else
			log_error_errno(r, "%s: cannot read: %m", path);
		return cli_exit_for_errno(r);
	}
	struct bh_diag diag = { 0 };
	_cleanup_(vuln_vex_doc_freep) struct vuln_vex_doc *doc = NULL;
	r = vuln_vex_parse(buf_span(&data), &ctx->limits, path, &doc, &diag);
	if (r < 0) {
		char msg[1200];
		if (!diag.message[0])
			bh_diag_set(&diag, path, 0, 0, "%s", strerror(-r));
		bh_diag_format(&diag, msg, sizeof(msg));
		log_error("%s", msg);
		return cli_exit_for_errno(r);
	}
	r = vuln_vex_apply(doc, rep);
	if (r < 0) {
		log_error_errno(r, "%s: cannot apply: %m", path);
		return CLI_EXIT_RUNTIME;
	}
	return 0;
}

struct scan_render {
	enum scan_format fmt;
	const struct img *img;
	const struct vuln_report *rep;
};

static int scan_render(void *u, FILE *f)
{
	const struct scan_render *x = u;
	switch (x->fmt) {
	case FMT_JSON:
		return report_scan_json(x->img, x->rep, f);
	case FMT_SARIF:
		return report_scan_sarif(x->img, x->rep, f);
	case FMT_CYCLONEDX:
		return report_scan_cyclonedx(x->img, x->rep, f);
	default:
		return report_scan_table(x->img, x->rep, f);
	}
}

int cmd_scan(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "scanners", required_argument, NULL, 's' },
		{ "db", required_argument, NULL, 'd' },
		{ "vex", required_argument, NULL, 'x' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "fail-on", required_argument, NULL, 'F' },
		{ "ignore-unfixed", no_argument, NULL, 'U' },
		{ "platform", required_argument, NULL, 'p' },
		{ "limit", required_argument, NULL, 'L' },
		{ 0 },
	};
	enum scan_format fmt = FMT_TABLE;
	const char *out_path = NULL, *platform = NULL, *db_opt = NULL;
	struct strv vex = { 0 };
	bool fail_on_set = false;
	enum vuln_severity fail_on = VULN_SEV_UNKNOWN;
	struct vuln_match_opts mo = { 0 };
	int c, ret = CLI_EXIT_OK;
	while ((c = getopt_long(argc, argv, "hf:o:", opts, NULL)) >= 0) {
		bool handled;
		switch (c) {
		case 'h':
			fputs(cmd_scan_usage, stdout);
			strv_done(&vex);
			return CLI_EXIT_OK;
		case 's':
			if (parse_scanners(optarg) < 0)
				ret = CLI_EXIT_INPUT;
			break;
		case 'd':
			db_opt = optarg;
			break;
		case 'x':
			if (strv_push(&vex, optarg) < 0)
				ret = CLI_EXIT_RUNTIME;
			break;
		case 'f':
			if (streq(optarg, "table"))
				fmt = FMT_TABLE;
			else if (streq(optarg, "json"))
				fmt = FMT_JSON;
			else if (streq(optarg, "sarif"))
				fmt = FMT_SARIF;
			else if (streq(optarg, "cyclonedx") || streq(optarg, "cyclonedx-json"))
				fmt = FMT_CYCLONEDX;
			else {
				log_error("unknown format '%s' (table, json, sarif, cyclonedx)", optarg);
				ret = CLI_EXIT_INPUT;
			}
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'F':
			if (vuln_severity_from_name(optarg, &fail_on) < 0) {
				log_error("unknown severity '%s' (critical, high, medium, low, info, "
					  "unknown)",
					  optarg);
				ret = CLI_EXIT_INPUT;
			}
			fail_on_set = true;
			break;
		case 'U':
			mo.ignore_unfixed = true;
			break;
		case 'p':
			platform = optarg;
			break;
		case 'L':
			if (cli_common_option(ctx, c, optarg, &handled) < 0)
				ret = CLI_EXIT_INPUT;
			break;
		default:
			fputs(cmd_scan_usage, stderr);
			ret = CLI_EXIT_INPUT;
			break;
		}
		if (ret != CLI_EXIT_OK)
			break;
	}
	if (ret == CLI_EXIT_OK && optind + 1 != argc) {
		log_error(optind >= argc ? "missing TARGET (see 'bulkhead help scan')"
					 : "too many arguments (see 'bulkhead help scan')");
		ret = CLI_EXIT_INPUT;
	}
	_cleanup_free_ char *db_path = NULL;
	if (ret == CLI_EXIT_OK) {
		int r = db_opt ? ((db_path = strdup(db_opt)) ? 0 : -ENOMEM)
			       : vuln_db_default_path(&db_path);
		if (r < 0) {
			log_error("no default database location (set BULKHEAD_HOME or HOME, or use "
				  "--db FILE)");
			ret = CLI_EXIT_INPUT;
		}
	}
	/* Open the database first: a missing one is the most likely mistake, and cheap. */
	_cleanup_(vuln_db_freep) struct vuln_db *db = NULL;
	if (ret == CLI_EXIT_OK) {
		struct bh_diag diag = { 0 };
		int r = vuln_db_open(db_path, &db, &diag);
		if (r < 0) {
			char msg[1200];
			bh_diag_format(&diag, msg, sizeof(msg));
			log_error("%s", msg);
			ret = cli_exit_for_errno(r);
		}
	}
	_cleanup_(img_freep) struct img *img = NULL;
	if (ret == CLI_EXIT_OK)
		ret = cli_open_image(ctx, argv[optind], platform, &img);
	struct vuln_report rep = { 0 };
	if (ret == CLI_EXIT_OK) {
		int r = vuln_match_image(db, img, &mo, &rep);
		if (r < 0) {
			log_error_errno(r, "%s: cannot read the vulnerability database: %m", db_path);
			ret = r == -ENOMEM ? CLI_EXIT_RUNTIME : CLI_EXIT_INPUT;
		}
	}
	for (size_t i = 0; ret == CLI_EXIT_OK && i < vex.n; i++)
		ret = load_vex(vex.v[i], ctx, &rep);
	strv_done(&vex);

	if (ret == CLI_EXIT_OK) {
		struct scan_render sr = { .fmt = fmt, .img = img, .rep = &rep };
		ret = cli_write_output(out_path, scan_render, &sr);
	}
	if (ret == CLI_EXIT_OK && fail_on_set && vuln_report_count_at_least(&rep, fail_on) > 0)
		ret = CLI_EXIT_FINDINGS;
	vuln_report_done(&rep);
	return ret;
}
