/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-k8s.c — `bulkhead k8s check PATH...`: load the manifests (files, directories,
 * multi-document YAML, JSON, Lists), evaluate the Pod Security Standards of every Pod and
 * workload template at the level the flags or the namespace labels select, plus the hardening
 * checks (BH-K8S-HARD-NNN), and report.
 * Any finding makes the exit code 1; bad input is exit 2 with one line naming file:line.
 */
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "common/json.h"
#include "common/timeutil.h"
#include "k8s/check.h"
#include "store/store.h"

const char cmd_k8s_usage[] =
    "usage: bulkhead k8s check PATH... [--level baseline|restricted] [--version vX.Y]\n"
    "                          [--only pss|hardening] [--format table|json] [-o FILE]\n"
    "                          [--store SPEC] [--cluster NAME] [--limit NAME=VALUE]...\n"
    "       bulkhead k8s who-can VERB RESOURCE [-n NS] PATH...     (see 'k8s who-can --help')\n"
    "       bulkhead k8s rbac PATH... [--format table|json]        (see 'k8s rbac --help')\n"
    "       bulkhead k8s reach PATH... [--format table|json|dot]   (see 'k8s reach --help')\n"
    "       bulkhead k8s exposure PATH... [--format table|json]  (see 'k8s exposure --help')\n"
    "\n"
    "Check Kubernetes manifests against the Pod Security Standards, control by control as\n"
    "Pod Security Admission evaluates them. PATH is a file (YAML with any number of\n"
    "documents, or JSON; `List` kinds are expanded) or a directory, searched recursively\n"
    "for *.yaml, *.yml and *.json. Pods and the pod templates of Deployments, StatefulSets,\n"
    "DaemonSets, ReplicaSets, Jobs, CronJobs, ReplicationControllers and PodTemplates are\n"
    "checked; other kinds are loaded and unknown kinds are ignored with a note. Secret and\n"
    "ConfigMap values are never kept or printed.\n"
    "\n"
    "  --level LEVEL          baseline or restricted (privileged checks nothing). Without\n"
    "                         it each object gets the pod-security.kubernetes.io/enforce\n"
    "                         level of its Namespace when that Namespace is among the\n"
    "                         inputs (and its enforce-version), else baseline\n"
    "  --version vX.Y         the policy version (default latest): controls follow the\n"
    "                         rules of that Kubernetes version\n"
    "  --only CHECKS          comma-separated: pss (the Pod Security Standards) and/or\n"
    "                         hardening (BH-K8S-HARD-NNN: resources, probes, images,\n"
    "                         service-account tokens, host mounts, secrets in env, ...);\n"
    "                         default: both. Where both cover the same control, the Pod\n"
    "                         Security Standards finding is reported, not both\n"
    "  -f, --format FORMAT    table (default) or json (bulkhead.k8s-check/v1)\n"
    "  -o, --output FILE      write to FILE (atomically) instead of stdout\n"
    "  --store SPEC           record the result in the store (SQLite file or postgres://…;\n"
    "                         default $BULKHEAD_STORE, else not recorded) with audit\n"
    "                         records for findings first seen and resolved\n"
    "  --cluster NAME         the cluster the manifests describe, for the store (default)\n"
    "\n"
    "An object (or its pod template) annotated bulkhead.dev/ignore: \"BH-K8S-HARD-003,...\"\n"
    "does not report those rules; the JSON lists them under \"suppressed\".\n"
    "\n"
    "Exit codes: 0 nothing violates, 1 something violates, 2 usage or input error (one\n"
    "line naming file:line), 3 runtime error.\n";

enum k8s_format { K8S_FMT_TABLE, K8S_FMT_JSON };

int cli_k8s_load(struct cli_ctx *ctx, char *const *paths, int n, struct k8s_manifests *m)
{
	for (int i = 0; i < n; i++) {
		struct bh_diag diag = {0};
		int r = k8s_manifests_load_path(m, paths[i], &ctx->limits, &diag);
		if (r == -ENOMEM) {
			log_error_errno(r, "%s: %m", paths[i]);
			return CLI_EXIT_RUNTIME;
		}
		if (r < 0)
			return cli_fail_diag(r, &diag, paths[i]);
	}
	return 0;
}

struct check_render {
	bool json;
	const struct k8s_manifests *m;
	const struct k8s_check_opts *co;
	const struct k8s_check_report *rep;
};

static int check_render(void *u, FILE *f)
{
	const struct check_render *x = u;
	return x->json ? k8s_check_report_json(x->m, x->co, x->rep, f)
		       : k8s_check_report_table(x->m, x->rep, f);
}

/* Which recorded run (scope) a k8s check finding belongs to. */
static bool is_pss(const json_t *f)
{
	const char *id = bh_json_str(json_object_get(f, "rule"), "id");
	return id && strncmp(id, "BH-K8S-PSS-", 11) == 0;
}
static bool is_hardening(const json_t *f)
{
	return !is_pss(f);
}

static int k8s_check(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},	       {"level", required_argument, NULL, 'l'},
	    {"version", required_argument, NULL, 'V'}, {"only", required_argument, NULL, 'O'},
	    {"format", required_argument, NULL, 'f'},  {"output", required_argument, NULL, 'o'},
	    {"limit", required_argument, NULL, 'L'},   {"store", required_argument, NULL, 'T'},
	    {"cluster", required_argument, NULL, 'C'}, {0},
	};
	struct k8s_check_opts co = {0};
	const char *store_opt = NULL, *cluster = "default";
	bool only_set = false;
	enum k8s_format fmt = K8S_FMT_TABLE;
	const char *out_path = NULL;
	int c, ret = CLI_EXIT_OK;
	optind = 0;
	while (ret == CLI_EXIT_OK && (c = getopt_long(argc, argv, "hf:o:", opts, NULL)) >= 0) {
		bool handled;
		switch (c) {
		case 'h':
			fputs(cmd_k8s_usage, stdout);
			return CLI_EXIT_OK;
		case 'l':
			if (k8s_pss_level_from_name(optarg, &co.level) < 0) {
				log_error("unknown level '%s' (privileged, baseline, restricted)",
					  optarg);
				ret = CLI_EXIT_INPUT;
			}
			co.has_level = true;
			break;
		case 'V':
			if (k8s_pss_version_parse(optarg, &co.minor) < 0) {
				log_error("invalid version '%s' (vX.Y such as v1.30, or latest)",
					  optarg);
				ret = CLI_EXIT_INPUT;
			}
			co.has_version = true;
			break;
		case 'O': {
			struct span in = span_from(optarg), tok;
			bool pss = false, hard = false;
			while (ret == CLI_EXIT_OK && span_next_token(&in, ',', &tok) == 0) {
				tok = span_trim(tok);
				if (span_eq_str(tok, "pss"))
					pss = true;
				else if (span_eq_str(tok, "hardening"))
					hard = true;
				else {
					log_error("unknown checks '%.*s' (pss, hardening)",
						  (int)tok.len, tok.ptr);
					ret = CLI_EXIT_INPUT;
				}
			}
			if (ret == CLI_EXIT_OK && !pss && !hard) {
				log_error("--only needs pss, hardening or both");
				ret = CLI_EXIT_INPUT;
			}
			only_set = true;
			co.no_pss = !pss;
			co.hardening = hard;
			break;
		}
		case 'f':
			if (streq(optarg, "table"))
				fmt = K8S_FMT_TABLE;
			else if (streq(optarg, "json"))
				fmt = K8S_FMT_JSON;
			else {
				log_error("unknown format '%s' (table, json)", optarg);
				ret = CLI_EXIT_INPUT;
			}
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'T':
			store_opt = optarg;
			break;
		case 'C':
			if (cli_cluster_option(optarg) < 0)
				ret = CLI_EXIT_INPUT;
			cluster = optarg;
			break;
		case 'L':
			if (cli_common_option(ctx, c, optarg, &handled) < 0)
				ret = CLI_EXIT_INPUT;
			break;
		default:
			fputs(cmd_k8s_usage, stderr);
			ret = CLI_EXIT_INPUT;
			break;
		}
	}
	if (ret != CLI_EXIT_OK)
		return ret;
	if (!only_set)
		co.hardening = true;
	if (optind >= argc) {
		log_error("missing PATH (see 'bulkhead help k8s')");
		return CLI_EXIT_INPUT;
	}

	struct k8s_manifests m = {0};
	ret = cli_k8s_load(ctx, argv + optind, argc - optind, &m);
	struct k8s_check_report rep = {0};
	if (ret == CLI_EXIT_OK) {
		for (size_t i = 0; i < m.notes.n; i++)
			log_notice("note: %s", m.notes.v[i]);
		int r = k8s_check_run(&m, &co, &rep);
		if (r < 0) {
			log_error_errno(r, "cannot evaluate the manifests: %m");
			ret = CLI_EXIT_RUNTIME;
		}
		for (size_t i = 0; ret == CLI_EXIT_OK && i < rep.notes.n; i++)
			log_notice("note: %s", rep.notes.v[i]);
	}
	const char *store_spec = cli_store_spec(store_opt);
	if (ret == CLI_EXIT_OK && store_spec) {
		struct check_render jr = { .json = true, .m = &m, .co = &co, .rep = &rep };
		struct store_run run = {
			.kind = "k8s-check",
			.time = (int64_t)bh_now(NULL),
			.target = { .type = "cluster", .name = cluster, .cluster = cluster },
			.tool = "bulkhead " BULKHEAD_VERSION,
		};
		struct cli_record_part parts[2];
		size_t n = 0;
		if (!co.no_pss)
			parts[n++] = (struct cli_record_part){ "k8s-check.pss", is_pss };
		if (co.hardening)
			parts[n++] = (struct cli_record_part){ "k8s-check.hardening", is_hardening };
		ret = cli_record(ctx, store_spec, &run, check_render, &jr, parts, n);
	}
	if (ret == CLI_EXIT_OK) {
		struct check_render cr = { .json = fmt == K8S_FMT_JSON, .m = &m, .co = &co, .rep = &rep };
		ret = cli_write_output(out_path, check_render, &cr);
	}
	if (ret == CLI_EXIT_OK && rep.n > 0)
		ret = CLI_EXIT_FINDINGS;
	k8s_check_report_done(&rep);
	k8s_manifests_done(&m);
	return ret;
}

int cmd_k8s(int argc, char **argv, struct cli_ctx *ctx)
{
	if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
		fputs(cmd_k8s_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_EXIT_INPUT : CLI_EXIT_OK;
	}
	if (streq(argv[1], "check"))
		return k8s_check(argc - 1, argv + 1, ctx);
	if (streq(argv[1], "who-can"))
		return cmd_k8s_who_can(argc - 1, argv + 1, ctx);
	if (streq(argv[1], "rbac"))
		return cmd_k8s_rbac(argc - 1, argv + 1, ctx);
	if (streq(argv[1], "reach"))
		return cmd_k8s_reach(argc - 1, argv + 1, ctx);
	if (streq(argv[1], "exposure"))
		return cmd_k8s_exposure(argc - 1, argv + 1, ctx);
	log_error("unknown k8s command '%s' (see 'bulkhead help k8s')", argv[1]);
	return CLI_EXIT_INPUT;
}
