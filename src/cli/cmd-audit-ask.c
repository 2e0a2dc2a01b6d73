/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-audit-ask.c — `bulkhead audit ask admins|regulated-data|segregation|remediation`:
 * options, the manifests and the store, one call into src/audit/ask.h, rendering. What each
 * answer means is ask.h's (and docs/man/bulkhead-audit-ask.md's).
 */
#include <getopt.h>
#include <stdio.h>

#include "audit/ask.h"
#include "audit/audit.h"
#include "cli/cli.h"
#include "common/json.h"
#include "common/timeutil.h"
#include "k8s/k8s.h"
#include "store/store.h"

const char cmd_audit_ask_usage[] =
    "usage: bulkhead audit ask admins PATH... [--store S] [--format table|json] [-o FILE]\n"
    "       bulkhead audit ask regulated-data PATH... [--label KEY[=VALUE]]... [--store S]\n"
    "       bulkhead audit ask segregation PATH... [--env-label KEY]... [--prod-values LIST]\n"
    "                                      [--dev-values LIST]\n"
    "       bulkhead audit ask remediation [--store S] [--deadline SEV=DUR,...] [--as-of T]\n"
    "\n"
    "Answer an auditor's question from Kubernetes manifests (PATH: files or directories, as\n"
    "'bulkhead k8s' reads them) and the store, with evidence ids into both: manifest:FILE:LINE,\n"
    "finding:ID, run:N, audit:SEQ (see 'bulkhead audit log').\n"
    "\n"
    "  admins          subjects with access to management functions (cluster-admin\n"
    "                  equivalents, escalate/bind, impersonate, Secrets read, pods/exec,\n"
    "                  nodes/proxy, RBAC and admission configuration writes, token minting)\n"
    "                  from RBAC, and who used them per the imported API audit events\n"
    "                  ('bulkhead audit import-k8s')\n"
    "  regulated-data  workloads that mount Secrets or persistent, network or host volumes,\n"
    "                  or carry a data-classification label; from where each is reachable\n"
    "                  and whether it is exposed outside the cluster\n"
    "  segregation     namespaces without default-deny, cross-namespace flows, workloads\n"
    "                  reachable from everywhere, prod/dev mixing\n"
    "  remediation     every vulnerability finding recorded by 'bulkhead scan --store': first\n"
    "                  seen, fixed at, time to remediate, open past the severity's deadline\n"
    "\n"
    "  -s, --store S          SQLite file or postgres://... (default $BULKHEAD_STORE, else the\n"
    "                         store in $BULKHEAD_HOME or ~/.local/share/bulkhead); optional for\n"
    "                         admins, regulated-data and segregation unless named\n"
    "  -f, --format F         table (default) or json (bulkhead.audit-ask/v1)\n"
    "  -o, --output FILE      write to FILE (atomically) instead of stdout\n"
    "      --label KEY[=VALUE]  a label marking regulated data (repeatable; default\n"
    "                         data-classification=confidential|restricted|pci|phi|pii)\n"
    "      --env-label KEY    a label naming the environment (repeatable; default env,\n"
    "                         environment, app.kubernetes.io/environment)\n"
    "      --prod-values LIST label values / namespace-name words meaning prod\n"
    "                         (default prod,production,prd,live)\n"
    "      --dev-values LIST  ... meaning dev (default dev,development,develop,test,testing,\n"
    "                         qa,staging,stage,sandbox)\n"
    "      --deadline LIST    SEV=DUR,... with DUR N[smhdw] or none (default critical=15d,\n"
    "                         high=30d,medium=90d,low=180d)\n"
    "      --as-of T          answer as of T: RFC 3339 time, YYYY-MM-DD or 30d back (default now)\n"
    "      --cluster NAME     only store runs of this cluster ('k8s check --cluster')\n"
    "      --limit N=V        override an input limit (see 'bulkhead help limits')\n"
    "\n"
    "Exit codes: 0 answered, 1 remediation: findings open past their deadline, 2 usage or\n"
    "input error (unknown question, missing store, malformed manifests), 3 runtime error.\n";

enum {
	OPT_LABEL = 0x100,
	OPT_ENV_LABEL,
	OPT_PROD,
	OPT_DEV,
	OPT_DEADLINE,
	OPT_AS_OF,
	OPT_CLUSTER,
};

struct ask_args {
	enum audit_ask_question q;
	const char *store, *out_path;
	bool json;
	struct audit_ask_opts o;
	struct strv label_text, env_keys, prod, dev;
	struct audit_ask_label *labels;
	size_t n_labels, cap_labels;
	const char *cluster;
	char **paths;
	int n_paths;
};

static void ask_args_done(struct ask_args *a)
{
	strv_done(&a->label_text);
	strv_done(&a->env_keys);
	strv_done(&a->prod);
	strv_done(&a->dev);
	free(a->labels);
}

/* "a,b,c" appended to l (lower-cased comparisons happen later). 0, -EBADMSG (empty), -ENOMEM. */
static int split_list(const char *s, struct strv *l)
{
	struct span in = span_from(s), tok;
	while (span_next_token(&in, ',', &tok) == 0) {
		tok = span_trim(tok);
		if (!tok.len)
			return -EBADMSG;
		char *v = span_dup(tok);
		if (!v || strv_push_take(l, v) < 0)
			return -ENOMEM;
	}
	return l->n ? 0 : -EBADMSG;
}

static int add_label(struct ask_args *a, const char *arg)
{
	const char *eq = strchr(arg, '=');
	struct span key = eq ? span_make(arg, (size_t)(eq - arg)) : span_from(arg);
	if (!key.len || (eq && !eq[1])) {
		log_error("'--label %s' is not KEY or KEY=VALUE", arg);
		return CLI_EXIT_INPUT;
	}
	char *k = span_dup(key);
	if (!k || strv_push_take(&a->label_text, k) < 0 ||
	    (eq && strv_push(&a->label_text, eq + 1) < 0) ||
	    GROW(a->labels, a->n_labels, a->cap_labels) < 0) {
		log_error("out of memory");
		return CLI_EXIT_RUNTIME;
	}
	/* the strings move when label_text grows: point at them once parsing is done */
	a->labels[a->n_labels++] = (struct audit_ask_label){.key = NULL, .value = eq ? "" : NULL};
	return 0;
}

/* Point the labels at their strings in label_text (KEY, then VALUE when there is one). */
static void labels_fix(struct ask_args *a)
{
	size_t t = 0;
	for (size_t i = 0; i < a->n_labels; i++) {
		bool has_value = a->labels[i].value != NULL;
		a->labels[i].key = a->label_text.v[t++];
		if (has_value)
			a->labels[i].value = a->label_text.v[t++];
	}
}

static int parse_args(int argc, char **argv, struct cli_ctx *ctx, struct ask_args *a)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"store", required_argument, NULL, 's'},
	    {"format", required_argument, NULL, 'f'},
	    {"output", required_argument, NULL, 'o'},
	    {"label", required_argument, NULL, OPT_LABEL},
	    {"env-label", required_argument, NULL, OPT_ENV_LABEL},
	    {"prod-values", required_argument, NULL, OPT_PROD},
	    {"dev-values", required_argument, NULL, OPT_DEV},
	    {"deadline", required_argument, NULL, OPT_DEADLINE},
	    {"as-of", required_argument, NULL, OPT_AS_OF},
	    {"cluster", required_argument, NULL, OPT_CLUSTER},
	    {"limit", required_argument, NULL, 'L'},
	    {0},
	};
	const char *as_of = NULL, *deadline = NULL;
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "hs:f:o:", opts, NULL)) >= 0) {
		bool handled;
		int r = 0;
		switch (c) {
		case 'h':
			fputs(cmd_audit_ask_usage, stdout);
			return -1;
		case 's':
			a->store = optarg;
			break;
		case 'f':
			if (streq(optarg, "json") || streq(optarg, "table"))
				a->json = streq(optarg, "json");
			else {
				log_error("unknown format '%s' (table, json)", optarg);
				return CLI_EXIT_INPUT;
			}
			break;
		case 'o':
			a->out_path = optarg;
			break;
		case OPT_LABEL:
			r = add_label(a, optarg);
			if (r)
				return r;
			break;
		case OPT_ENV_LABEL:
			if (!*optarg || strv_push(&a->env_keys, optarg) < 0) {
				log_error("'--env-label %s': empty or out of memory", optarg);
				return CLI_EXIT_INPUT;
			}
			break;
		case OPT_PROD:
		case OPT_DEV:
			r = split_list(optarg, c == OPT_PROD ? &a->prod : &a->dev);
			if (r < 0) {
				log_error("'--%s %s' is not a comma-separated list of values",
					  c == OPT_PROD ? "prod-values" : "dev-values", optarg);
				return r == -ENOMEM ? CLI_EXIT_RUNTIME : CLI_EXIT_INPUT;
			}
			break;
		case OPT_DEADLINE:
			deadline = optarg;
			break;
		case OPT_AS_OF:
			as_of = optarg;
			break;
		case OPT_CLUSTER:
			a->cluster = optarg;
			break;
		case 'L':
			if (cli_common_option(ctx, c, optarg, &handled) < 0)
				return CLI_EXIT_INPUT;
			break;
		default:
			fputs(cmd_audit_ask_usage, stderr);
			return CLI_EXIT_INPUT;
		}
	}
	/* argv[0] is "ask"; the question is the first operand */
	if (optind >= argc) {
		log_error("missing question: admins, regulated-data, segregation or remediation "
			  "(see 'bulkhead audit ask --help')");
		return CLI_EXIT_INPUT;
	}
	if (audit_ask_question_parse(argv[optind], &a->q) < 0) {
		log_error("unknown question '%s': admins, regulated-data, segregation or "
			  "remediation",
			  argv[optind]);
		return CLI_EXIT_INPUT;
	}
	a->paths = argv + optind + 1;
	a->n_paths = argc - optind - 1;
	if (a->q == AUDIT_ASK_REMEDIATION && a->n_paths > 0) {
		log_error("remediation reads only the store: unexpected PATH '%s'", a->paths[0]);
		return CLI_EXIT_INPUT;
	}
	if (a->q != AUDIT_ASK_REMEDIATION && a->n_paths == 0) {
		log_error("missing PATH: '%s' reads Kubernetes manifests (files or directories)",
			  audit_ask_question_name(a->q));
		return CLI_EXIT_INPUT;
	}

	int64_t now = (int64_t)bh_now(NULL);
	audit_ask_opts_init(&a->o, now);
	a->o.cluster = a->cluster;
	if (as_of) {
		int64_t us;
		if (audit_parse_since(span_from(as_of), now * 1000000, &us) < 0 || us <= 0) {
			log_error("'--as-of %s' is not an RFC 3339 time, a date YYYY-MM-DD or a "
				  "duration back from now (30m, 24h, 7d)",
				  as_of);
			return CLI_EXIT_INPUT;
		}
		a->o.now = us / 1000000;
		if (a->o.now <= 0)
			a->o.now = 1;
	}
	if (deadline) {
		struct bh_diag diag = {0};
		if (audit_ask_parse_deadlines(span_from(deadline), a->o.deadline, &diag) < 0) {
			log_error("--deadline: %s", diag.message);
			return CLI_EXIT_INPUT;
		}
	}
	labels_fix(a);
	a->o.labels = a->labels;
	a->o.n_labels = a->n_labels;
	a->o.env_keys = (const char *const *)a->env_keys.v;
	a->o.n_env_keys = a->env_keys.n;
	a->o.prod_values = (const char *const *)a->prod.v;
	a->o.n_prod_values = a->prod.n;
	a->o.dev_values = (const char *const *)a->dev.v;
	a->o.n_dev_values = a->dev.n;
	a->o.paths = (const char *const *)a->paths;
	a->o.n_paths = (size_t)a->n_paths;
	return 0;
}

/*
 * Open the store read-only: --store, else $BULKHEAD_STORE, else the default. A store that
 * does not exist is an input error when it was named or is needed (remediation); otherwise
 * the answer goes without store evidence. 0 (*ret may stay NULL) or an exit code.
 */
static int open_store(struct cli_ctx *ctx, const struct ask_args *a, struct store **ret)
{
	const char *spec = cli_store_spec(a->store);
	bool named = spec != NULL;
	_cleanup_free_ char *def = NULL;
	if (!spec) {
		int r = store_default_spec(&def);
		if (r == -ENOMEM) {
			log_error("out of memory");
			return CLI_EXIT_RUNTIME;
		}
		if (r < 0) {
			if (a->q != AUDIT_ASK_REMEDIATION)
				return 0;
			log_error("no store: give --store or set BULKHEAD_STORE (or HOME)");
			return CLI_EXIT_INPUT;
		}
		spec = def;
	}
	struct bh_diag diag = {0};
	int r =
	    store_open(spec, &ctx->limits, STORE_OPEN_EXISTING | STORE_OPEN_READONLY, ret, &diag);
	if (r == -ENOENT) {
		if (!named && a->q != AUDIT_ASK_REMEDIATION) {
			log_notice("no store at '%s': answering from the manifests alone", spec);
			return 0;
		}
		log_error(
		    "store '%s' does not exist: record into it first ('bulkhead scan --store', "
		    "'bulkhead k8s check --store', 'bulkhead audit import-k8s')",
		    spec);
		return CLI_EXIT_INPUT;
	}
	if (r < 0)
		return cli_fail_diag(r, &diag, spec);
	return 0;
}

static int render(void *u, FILE *f)
{
	const struct ask_args *a = ((const void *const *)u)[0];
	const json_t *doc = ((const void *const *)u)[1];
	return a->json ? audit_ask_write_json(doc, f) : audit_ask_write_table(doc, f);
}

int cmd_audit_ask(int argc, char **argv, struct cli_ctx *ctx)
{
	struct ask_args a = {0};
	int ret = parse_args(argc, argv, ctx, &a);
	if (ret) {
		ask_args_done(&a);
		return ret < 0 ? CLI_EXIT_OK : ret;
	}
	struct k8s_manifests m = {0};
	_cleanup_(store_closep) struct store *s = NULL;
	if (a.n_paths > 0) {
		ret = cli_k8s_load(ctx, a.paths, a.n_paths, &m);
		for (size_t i = 0; ret == CLI_EXIT_OK && i < m.notes.n; i++)
			log_notice("note: %s", m.notes.v[i]);
	}
	if (ret == CLI_EXIT_OK)
		ret = open_store(ctx, &a, &s);
	_cleanup_json_ json_t *doc = NULL;
	if (ret == CLI_EXIT_OK) {
		struct bh_diag diag = {0};
		int r = audit_ask(a.q, &m, s, &a.o, &doc, &diag);
		if (r == -ENOMEM) {
			log_error("out of memory");
			ret = CLI_EXIT_RUNTIME;
		} else if (r < 0)
			ret = cli_fail_diag(r, &diag, s ? store_name(s) : "manifests");
	}
	if (ret == CLI_EXIT_OK) {
		const void *u[2] = {&a, doc};
		ret = cli_write_output(a.out_path, render, u);
	}
	if (ret == CLI_EXIT_OK && a.q == AUDIT_ASK_REMEDIATION &&
	    json_integer_value(json_object_get(json_object_get(doc, "summary"), "overdue")) > 0)
		ret = CLI_EXIT_FINDINGS;
	k8s_manifests_done(&m);
	ask_args_done(&a);
	return ret;
}
