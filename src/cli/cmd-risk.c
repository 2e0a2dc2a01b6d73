/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-risk.c — `bulkhead risk PATH...`: load the manifests as the k8s commands do, open the
 * store read-only, score every workload (src/report/risk.c, docs/risk-model.md) and print
 * the ranking. A store named by --store or BULKHEAD_STORE must exist (exit 2 otherwise: a
 * typo must not silently drop the vulnerability data); the default store may be absent,
 * and then the ranking says the store-based factors were not assessed.
 */
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "common/timeutil.h"
#include "k8s/k8s.h"
#include "report/risk.h"
#include "store/store.h"

const char cmd_risk_usage[] =
    "usage: bulkhead risk PATH... [--store SPEC | --no-store] [--format table|json] [-o FILE]\n"
    "                     [--env-label KEY] [--prod PATTERN]... [--dev PATTERN]...\n"
    "                     [--top N] [--fail-above SCORE] [--limit NAME=VALUE]...\n"
    "\n"
    "Rank the workloads of Kubernetes manifests (Deployments, StatefulSets, DaemonSets,\n"
    "Jobs, CronJobs, bare Pods; ReplicaSets and ReplicationControllers without an owner)\n"
    "by risk in context. Each score (0-100) is the sum of weighted factors, and every\n"
    "factor is shown with its value, weight, contribution and evidence:\n"
    "  vulnerability  open findings of the latest scan.vuln run of each image in the store\n"
    "                 (severity, fix available, known exploitation where the data has it)\n"
    "  exposure       LoadBalancer / NodePort / Ingress / externalIPs Services, hostNetwork,\n"
    "                 hostPort; NetworkPolicy reachability from outside and other namespaces\n"
    "  privilege      privileged, host namespaces, host mounts, capabilities, root, RBAC\n"
    "                 power of the service account\n"
    "  environment    production or not (patterns, label, namespace name)\n"
    "  runtime        alerts of runs of kind runtime in the store (last 30 days); the\n"
    "                 vulnerable packages whose files the workload's behaviour baselines\n"
    "                 in the store show executed or opened (vulnerabilities of packages\n"
    "                 never loaded weigh less)\n"
    "UNKNOWN is the points the data could not assess (an image never scanned, no runtime\n"
    "data, no baseline). The model, its weights and its limits: docs/risk-model.md.\n"
    "\n"
    "Images are matched to scans by reference (docker.io/library/ and :latest implied) and\n"
    "by digest when the pod spec pins one (`bulkhead scan --store` records them).\n"
    "\n"
    "  --store SPEC           the store (SQLite file or postgres://...; default\n"
    "                         $BULKHEAD_STORE, else the default store). A store named here or\n"
    "                         in BULKHEAD_STORE must exist; a missing default store is noted\n"
    "  --no-store             read no store: vulnerability and runtime factors are unknown\n"
    "  -f, --format FORMAT    table (default) or json (bulkhead.risk/v1)\n"
    "  -o, --output FILE      write to FILE (atomically) instead of stdout\n"
    "  --env-label KEY        label naming the environment on the workload or its Namespace\n"
    "                         (default environment); prod/production/live = production,\n"
    "                         dev/test/staging/qa/... = not production\n"
    "  --prod PATTERN         namespaces matching the shell pattern are production (repeat)\n"
    "  --dev PATTERN          namespaces matching the shell pattern are not production\n"
    "  --top N                show the N highest only\n"
    "  --fail-above SCORE     exit 1 when a workload scores SCORE or more\n"
    "\n"
    "Exit codes: 0 ranked (and nothing at or above --fail-above), 1 a workload at or above\n"
    "--fail-above, 2 usage or input error (bad manifest: one line naming file:line; a named\n"
    "store that is missing or not a store), 3 runtime error.\n";

struct risk_render {
	bool json;
	size_t top;
	const struct risk_report *rep;
};

static int risk_render(void *u, FILE *f)
{
	const struct risk_render *x = u;
	return x->json ? risk_report_json(x->rep, x->top, f) : risk_report_table(x->rep, x->top, f);
}

/* Open the store for reading: 0 with *ret (NULL when the default store is absent) or an
 * exit code. */
static int open_store(struct cli_ctx *ctx, const char *opt, struct store **ret)
{
	*ret = NULL;
	const char *spec = cli_store_spec(opt);
	_cleanup_free_ char *def = NULL;
	if (!spec) {
		int r = store_default_spec(&def);
		if (r < 0) {
			log_notice(
			    "no default store (%s): vulnerability and runtime factors are not "
			    "assessed",
			    strerror(-r));
			return CLI_EXIT_OK;
		}
		spec = def;
	}
	struct bh_diag diag = {0};
	int r =
	    store_open(spec, &ctx->limits, STORE_OPEN_EXISTING | STORE_OPEN_READONLY, ret, &diag);
	if (r == -ENOENT && def) {
		log_notice("no store at '%s': vulnerability and runtime factors are not assessed",
			   def);
		*ret = NULL;
		return CLI_EXIT_OK;
	}
	if (r < 0)
		return cli_fail_diag(r, &diag, spec);
	return CLI_EXIT_OK;
}

int cmd_risk(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},	      {"format", required_argument, NULL, 'f'},
	    {"output", required_argument, NULL, 'o'}, {"store", required_argument, NULL, 'T'},
	    {"no-store", no_argument, NULL, 'N'},     {"env-label", required_argument, NULL, 'E'},
	    {"prod", required_argument, NULL, 'P'},   {"dev", required_argument, NULL, 'D'},
	    {"top", required_argument, NULL, 't'},    {"fail-above", required_argument, NULL, 'F'},
	    {"limit", required_argument, NULL, 'L'},  {0},
	};
	bool json = false, no_store = false, fail_set = false;
	const char *out_path = NULL, *store_opt = NULL;
	uint64_t top = 0, fail_above = 0;
	struct risk_opts ro = {0};
	struct strv prod = {0}, dev = {0};
	int c, ret = CLI_EXIT_OK;
	optind = 0;
	while (ret == CLI_EXIT_OK && (c = getopt_long(argc, argv, "hf:o:", opts, NULL)) >= 0) {
		bool handled;
		switch (c) {
		case 'h':
			fputs(cmd_risk_usage, stdout);
			strv_done(&prod);
			strv_done(&dev);
			return CLI_EXIT_OK;
		case 'f':
			if (streq(optarg, "table") || streq(optarg, "json"))
				json = streq(optarg, "json");
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
		case 'N':
			no_store = true;
			break;
		case 'E':
			if (!*optarg) {
				log_error("--env-label needs a label key");
				ret = CLI_EXIT_INPUT;
			}
			ro.env_label = optarg;
			break;
		case 'P':
		case 'D':
			if (strv_push(c == 'P' ? &prod : &dev, optarg) < 0) {
				log_error("out of memory");
				ret = CLI_EXIT_RUNTIME;
			}
			break;
		case 't':
		case 'F':
			if (parse_u64(span_from(optarg), 10, c == 't' ? 1000000000 : 100,
				      c == 't' ? &top : &fail_above) < 0) {
				log_error("bad value '%s' for --%s (%s)", optarg,
					  c == 't' ? "top" : "fail-above",
					  c == 't' ? "a count" : "a score from 0 to 100");
				ret = CLI_EXIT_INPUT;
			}
			fail_set |= c == 'F';
			break;
		case 'L':
			if (cli_common_option(ctx, c, optarg, &handled) < 0)
				ret = CLI_EXIT_INPUT;
			break;
		default:
			fputs(cmd_risk_usage, stderr);
			ret = CLI_EXIT_INPUT;
			break;
		}
	}
	if (ret == CLI_EXIT_OK && optind >= argc) {
		log_error("missing PATH (see 'bulkhead risk --help')");
		ret = CLI_EXIT_INPUT;
	}
	if (ret == CLI_EXIT_OK && no_store && store_opt) {
		log_error("--store and --no-store exclude each other");
		ret = CLI_EXIT_INPUT;
	}
	ro.prod = (const char *const *)prod.v;
	ro.n_prod = prod.n;
	ro.dev = (const char *const *)dev.v;
	ro.n_dev = dev.n;
	ro.now = (int64_t)bh_now(NULL);

	struct k8s_manifests m = {0};
	_cleanup_(store_closep) struct store *s = NULL;
	struct risk_report rep = {0};
	if (ret == CLI_EXIT_OK)
		ret = cli_k8s_load(ctx, argv + optind, argc - optind, &m);
	for (size_t i = 0; ret == CLI_EXIT_OK && i < m.notes.n; i++)
		log_notice("note: %s", m.notes.v[i]);
	if (ret == CLI_EXIT_OK && !no_store)
		ret = open_store(ctx, store_opt, &s);
	if (ret == CLI_EXIT_OK) {
		struct bh_diag diag = {0};
		int r = risk_run(&m, s, &ro, &rep, &diag);
		if (r == -ENOMEM || (r < 0 && !diag.message[0] && s)) {
			log_error_errno(r, "cannot rank the workloads: %s%s%m",
					s ? store_errmsg(s) : "",
					s && *store_errmsg(s) ? ": " : "");
			ret = CLI_EXIT_RUNTIME;
		} else if (r < 0) {
			ret = cli_fail_diag(r, &diag, "manifests");
		}
	}
	if (ret == CLI_EXIT_OK) {
		struct risk_render rr = {.json = json, .top = (size_t)top, .rep = &rep};
		ret = cli_write_output(out_path, risk_render, &rr);
	}
	if (ret == CLI_EXIT_OK && fail_set)
		for (size_t i = 0; i < rep.n; i++)
			if (rep.w[i].score >= (double)fail_above) {
				ret = CLI_EXIT_FINDINGS;
				break;
			}
	risk_report_done(&rep);
	k8s_manifests_done(&m);
	strv_done(&prod);
	strv_done(&dev);
	return ret;
}
