/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-report.c — `bulkhead report compliance`: open the store read-only, evaluate a
 * framework's controls over its runs and open findings (src/report/compliance.c), render
 * a table, bulkhead.compliance/v1 JSON or one self-contained HTML page. No logic of its own.
 */
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "common/json.h"
#include "common/timeutil.h"
#include "report/compliance.h"
#include "store/store.h"

const char cmd_report_usage[] =
    "usage: bulkhead report compliance --framework nist-800-190|cis-k8s\n"
    "                                  [--format table|json|html] [--store S] [-o FILE]\n"
    "\n"
    "Report every control of a framework as pass, fail or not assessed, from what the store\n"
    "holds (runs recorded by scan, k8s check, k8s rbac, lint, admission and sensor with\n"
    "--store):\n"
    "  nist-800-190  NIST SP 800-190 section 4: the countermeasures 4.1.1-4.5.5\n"
    "  cis-k8s       CIS Kubernetes Benchmark v1.9 section 5 (RBAC and service accounts, Pod\n"
    "                Security Standards, network policies, secrets, admission, general)\n"
    "A control fails when an open finding cites it (each is listed with its finding id and\n"
    "the run that last saw it), passes when a recorded run assesses it and no open finding\n"
    "cites it, and is not assessed otherwise (the report says what would assess it).\n"
    "docs/compliance.md lists which runs and rules decide each control.\n"
    "\n"
    "  --framework NAME       nist-800-190 or cis-k8s (required)\n"
    "  -f, --format FORMAT    table (default), json (bulkhead.compliance/v1) or html (one\n"
    "                         self-contained printable page)\n"
    "  -s, --store S          SQLite file or postgres://... (default $BULKHEAD_STORE, else the\n"
    "                         store in $BULKHEAD_HOME or ~/.local/share/bulkhead)\n"
    "  -o, --output FILE      write to FILE (atomically) instead of stdout\n"
    "\n"
    "Exit codes: 0 no control fails, 1 at least one control fails, 2 usage or input error\n"
    "(missing or foreign store), 3 runtime error.\n";

enum report_format { REPORT_TABLE, REPORT_JSON, REPORT_HTML };

struct report_render {
	enum report_format fmt;
	const struct compliance_report *rep;
};

static int render_table(const struct compliance_report *rep, FILE *f)
{
	fprintf(f, "%s\nstore: %s\n\n", compliance_framework_title(rep->fw), rep->store);
	fprintf(f, "%-8s %-13s %5s  %s\n", "CONTROL", "STATUS", "OPEN", "TITLE");
	for (size_t i = 0; i < rep->n; i++) {
		const struct compliance_result *x = &rep->c[i];
		fprintf(f, "%-8s %-13s %5zu  %s\n", x->def->id, compliance_status_name(x->status),
			x->n_ev, x->def->title);
	}
	fprintf(f, "\n%zu controls: %zu pass, %zu fail, %zu not assessed\n", rep->n,
		rep->count[COMPLIANCE_PASS], rep->count[COMPLIANCE_FAIL],
		rep->count[COMPLIANCE_NOT_ASSESSED]);
	return ferror(f) ? -EIO : 0;
}

static int report_render(void *u, FILE *f)
{
	const struct report_render *x = u;
	switch (x->fmt) {
	case REPORT_JSON: {
		_cleanup_json_ json_t *doc = NULL;
		int r = compliance_report_json(x->rep, &doc);
		return r < 0 ? r : bh_json_dump_file(doc, f);
	}
	case REPORT_HTML:
		return compliance_report_html(x->rep, f);
	default:
		return render_table(x->rep, f);
	}
}

static int report_compliance(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"framework", required_argument, NULL, 'F'},
	    {"format", required_argument, NULL, 'f'},
	    {"store", required_argument, NULL, 's'},
	    {"output", required_argument, NULL, 'o'},
	    {"limit", required_argument, NULL, 'L'},
	    {0},
	};
	enum compliance_framework fw = COMPLIANCE_NIST_800_190;
	bool fw_set = false;
	enum report_format fmt = REPORT_TABLE;
	const char *store_opt = NULL, *out_path = NULL;
	int c, ret = CLI_EXIT_OK;
	optind = 0;
	while (ret == CLI_EXIT_OK && (c = getopt_long(argc, argv, "hf:s:o:", opts, NULL)) >= 0) {
		bool handled;
		switch (c) {
		case 'h':
			fputs(cmd_report_usage, stdout);
			return CLI_EXIT_OK;
		case 'F':
			if (compliance_framework_from_name(optarg, &fw) < 0) {
				log_error("unknown framework '%s' (nist-800-190, cis-k8s)", optarg);
				ret = CLI_EXIT_INPUT;
			}
			fw_set = true;
			break;
		case 'f':
			if (streq(optarg, "table"))
				fmt = REPORT_TABLE;
			else if (streq(optarg, "json"))
				fmt = REPORT_JSON;
			else if (streq(optarg, "html"))
				fmt = REPORT_HTML;
			else {
				log_error("unknown format '%s' (table, json, html)", optarg);
				ret = CLI_EXIT_INPUT;
			}
			break;
		case 's':
			store_opt = optarg;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'L':
			if (cli_common_option(ctx, c, optarg, &handled) < 0)
				ret = CLI_EXIT_INPUT;
			break;
		default:
			fputs(cmd_report_usage, stderr);
			ret = CLI_EXIT_INPUT;
			break;
		}
	}
	if (ret != CLI_EXIT_OK)
		return ret;
	if (optind != argc) {
		log_error("too many arguments (see 'bulkhead help report')");
		return CLI_EXIT_INPUT;
	}
	if (!fw_set) {
		log_error("--framework is required (nist-800-190, cis-k8s)");
		return CLI_EXIT_INPUT;
	}

	_cleanup_free_ char *def = NULL;
	const char *spec = store_opt;
	int r;
	if (!spec) {
		if ((r = store_default_spec(&def)) < 0) {
			log_error_errno(r, "cannot find the default store (set --store or "
					   "BULKHEAD_STORE): %m");
			return cli_exit_for_errno(r);
		}
		spec = def;
	}
	struct bh_diag diag = {0};
	_cleanup_(store_closep) struct store *s = NULL;
	r = store_open(spec, &ctx->limits, STORE_OPEN_EXISTING | STORE_OPEN_READONLY, &s, &diag);
	if (r < 0)
		return cli_fail_diag(r, &diag, spec);

	struct compliance_report rep = {0};
	r = compliance_evaluate(s, fw, (int64_t)bh_now(NULL), &rep);
	if (r < 0) {
		log_error_errno(r, "%s: cannot read the store: %m", store_name(s));
		return r == -ENOMEM ? CLI_EXIT_RUNTIME : cli_exit_for_errno(r);
	}
	struct report_render rr = {.fmt = fmt, .rep = &rep};
	ret = cli_write_output(out_path, report_render, &rr);
	if (ret == CLI_EXIT_OK && rep.count[COMPLIANCE_FAIL] > 0)
		ret = CLI_EXIT_FINDINGS;
	compliance_report_done(&rep);
	return ret;
}

int cmd_report(int argc, char **argv, struct cli_ctx *ctx)
{
	if (argc >= 2 &&
	    (streq(argv[1], "--help") || streq(argv[1], "-h") || streq(argv[1], "help"))) {
		fputs(cmd_report_usage, stdout);
		return CLI_EXIT_OK;
	}
	if (argc < 2 || !streq(argv[1], "compliance")) {
		if (argc < 2)
			log_error("missing report (see 'bulkhead help report')");
		else
			log_error("unknown report '%s' (compliance)", argv[1]);
		fputs(cmd_report_usage, stderr);
		return CLI_EXIT_INPUT;
	}
	return report_compliance(argc - 1, argv + 1, ctx);
}
