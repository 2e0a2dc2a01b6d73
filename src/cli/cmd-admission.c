/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-admission.c — `bulkhead admission serve`: the options of the validating admission
 * webhook; the server itself is admission-server.c, the decision src/admission/decision.c.
 */
#include <getopt.h>
#include <stdio.h>

#include "admission/server.h"
#include "cli/cli.h"

#define ADM_DEFAULT_MAX_CONNECTIONS 256
#define ADM_DEFAULT_TIMEOUT	    10
#define ADM_DEFAULT_MAX_BODY	    ((uint64_t)3 << 20)

const char cmd_admission_usage[] =
    "usage: bulkhead admission serve --listen ADDR --cert FILE --key FILE [--policy FILE]\n"
    "                                [--fail-closed] [--max-connections N] [--timeout SECONDS]\n"
    "                                [--max-body BYTES] [--threads N] [--log-decisions]\n"
    "                                [--store SPEC [--cluster NAME]] [--limit NAME=VALUE]...\n"
    "\n"
    "Serve a Kubernetes validating admission webhook over HTTPS (TLS 1.2 or later,\n"
    "HTTP/1.1 with keep-alive). POST /validate takes an AdmissionReview\n"
    "(admission.k8s.io/v1) and answers it: objects that violate an enforced rule of the\n"
    "policy are denied with the violated rules in status.message, warned rules become\n"
    "warnings, and auditAnnotations carry the rule ids. Kinds that are not checked are\n"
    "allowed. GET /healthz answers \"ok\"; GET /metrics gives Prometheus metrics.\n"
    "\n"
    "  --listen ADDR          HOST:PORT, [IPV6]:PORT or :PORT (all IPv4 addresses); port 0\n"
    "                         picks a free port. The log says \"listening on\n"
    "                         https://HOST:PORT\" with the real port\n"
    "  --cert FILE            PEM certificate chain (server certificate first)\n"
    "  --key FILE             PEM private key of the certificate\n"
    "  --policy FILE          the admission policy (docs/admission-policy.md): levels and\n"
    "                         rules enforced, audited and warned per namespace. Without\n"
    "                         it baseline is enforced and restricted warned everywhere.\n"
    "                         SIGHUP reloads it; an invalid file keeps the running policy\n"
    "  --fail-closed          deny objects that cannot be evaluated (default: allow them)\n"
    "  --max-connections N    connections served at once (default 256); up to N (at most\n"
    "                         64) more are answered 503, later ones wait in the backlog\n"
    "  --timeout SECONDS      idle timeout of a connection, TLS handshake and each read\n"
    "                         and write (default 10)\n"
    "  --max-body BYTES       largest request body (default 3M; K/M suffixes); more is 413\n"
    "  --threads N            worker threads, 1 to 64, each with its own event loop and\n"
    "                         listening socket (SO_REUSEPORT: the kernel spreads new\n"
    "                         connections). Default: --limit threads=N when set, else one\n"
    "                         per online CPU, at most 16\n"
    "  --log-decisions        one JSON line per decision on stdout (time, uid, verdict,\n"
    "                         rule counts, seconds)\n"
    "  --store SPEC           record every decision in this store (default $BULKHEAD_STORE;\n"
    "                         without either nothing is recorded): a run of kind\n"
    "                         \"admission\" with the violated rules as findings and an\n"
    "                         \"admission.decision\" audit record. Written by a background\n"
    "                         thread in batches; while PostgreSQL is unreachable they wait\n"
    "                         in the spool (docs/design/store.md)\n"
    "  --cluster NAME         the cluster name of the recorded runs\n"
    "\n"
    "Signals: SIGHUP reloads --policy; SIGTERM and SIGINT stop accepting, give open\n"
    "connections up to 5 seconds and exit 0.\n"
    "\n"
    "Exit codes: 0 stopped by a signal, 2 usage error or unusable certificate, key,\n"
    "policy or store (one line), 3 runtime error (cannot listen, out of memory, decisions\n"
    "that could not be recorded).\n";

static int admission_serve(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"listen", required_argument, NULL, 'l'},
	    {"cert", required_argument, NULL, 'c'},
	    {"key", required_argument, NULL, 'k'},
	    {"policy", required_argument, NULL, 'p'},
	    {"fail-closed", no_argument, NULL, 'F'},
	    {"max-connections", required_argument, NULL, 'm'},
	    {"timeout", required_argument, NULL, 't'},
	    {"max-body", required_argument, NULL, 'b'},
	    {"log-decisions", no_argument, NULL, 'D'},
	    {"threads", required_argument, NULL, 'T'},
	    {"limit", required_argument, NULL, 'L'},
	    {"store", required_argument, NULL, 'S'},
	    {"cluster", required_argument, NULL, 'K'},
	    {0},
	};
	struct adm_serve_opts o = {
	    .max_connections = ADM_DEFAULT_MAX_CONNECTIONS,
	    .timeout = ADM_DEFAULT_TIMEOUT,
	    .max_body = ADM_DEFAULT_MAX_BODY,
	};
	const char *store = NULL;
	uint64_t v;
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
		bool handled;
		switch (c) {
		case 'h':
			fputs(cmd_admission_usage, stdout);
			return CLI_EXIT_OK;
		case 'l':
			o.listen = optarg;
			break;
		case 'c':
			o.cert = optarg;
			break;
		case 'k':
			o.key = optarg;
			break;
		case 'p':
			o.policy = optarg;
			break;
		case 'F':
			o.fail_closed = true;
			break;
		case 'D':
			o.log_decisions = true;
			break;
		case 'S':
			store = optarg;
			break;
		case 'K':
			if (!*optarg) {
				log_error("--cluster needs a name");
				return CLI_EXIT_INPUT;
			}
			o.cluster = optarg;
			break;
		case 'm':
			if (parse_u64(span_from(optarg), 10, 100000, &v) < 0 || v == 0) {
				log_error("--max-connections '%s': expected 1 to 100000", optarg);
				return CLI_EXIT_INPUT;
			}
			o.max_connections = (unsigned)v;
			break;
		case 't':
			if (parse_u64(span_from(optarg), 10, 3600, &v) < 0 || v == 0) {
				log_error("--timeout '%s': expected 1 to 3600 seconds", optarg);
				return CLI_EXIT_INPUT;
			}
			o.timeout = (unsigned)v;
			break;
		case 'b':
			if (bh_parse_size(span_from(optarg), &v) < 0 || v == 0 ||
			    v > ((uint64_t)1 << 30)) {
				log_error("--max-body '%s': expected 1 byte to 1G", optarg);
				return CLI_EXIT_INPUT;
			}
			o.max_body = v;
			break;
		case 'T':
			if (parse_u64(span_from(optarg), 10, ADM_SERVE_THREADS_MAX, &v) < 0 ||
			    v == 0) {
				log_error("--threads '%s': expected 1 to %u", optarg,
					  ADM_SERVE_THREADS_MAX);
				return CLI_EXIT_INPUT;
			}
			o.threads = (unsigned)v;
			break;
		case 'L':
			if (cli_common_option(ctx, c, optarg, &handled) < 0)
				return CLI_EXIT_INPUT;
			break;
		default:
			fputs(cmd_admission_usage, stderr);
			return CLI_EXIT_INPUT;
		}
	}
	if (optind < argc) {
		log_error("unexpected argument '%s' (see 'bulkhead help admission')", argv[optind]);
		return CLI_EXIT_INPUT;
	}
	if (!o.listen || !o.cert || !o.key) {
		log_error(
		    "--listen, --cert and --key are required (see 'bulkhead help admission')");
		return CLI_EXIT_INPUT;
	}
	o.store = cli_store_spec(store);
	if (o.cluster && !o.store) {
		log_error("--cluster needs --store (or BULKHEAD_STORE)");
		return CLI_EXIT_INPUT;
	}
	return cli_exit_for_errno(adm_serve(&o, &ctx->limits));
}

int cmd_admission(int argc, char **argv, struct cli_ctx *ctx)
{
	if (argc < 2 || streq(argv[1], "--help") || streq(argv[1], "-h")) {
		fputs(cmd_admission_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_EXIT_INPUT : CLI_EXIT_OK;
	}
	if (streq(argv[1], "serve"))
		return admission_serve(argc - 1, argv + 1, ctx);
	log_error("unknown admission command '%s' (see 'bulkhead help admission')", argv[1]);
	return CLI_EXIT_INPUT;
}
