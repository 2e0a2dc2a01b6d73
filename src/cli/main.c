/* SPDX-License-Identifier: Apache-2.0 */
/*
 * main.c — the `bulkhead` command table (git.c style): global options, dispatch to
 * cmd_<name>(), `help`, `--version`. No business logic lives here.
 */
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "common/fileio.h"

static const struct cli_command commands[] = {
	{ "sbom", cmd_sbom, "list every package in a container image (CycloneDX, SPDX)",
	  cmd_sbom_usage },
	{ "scan", cmd_scan, "find known vulnerabilities in a container image", cmd_scan_usage },
	{ "db", cmd_db, "build, update and inspect the vulnerability database", cmd_db_usage },
	{ "sensor", cmd_sensor, "watch processes, files and connections with eBPF; Falco rules",
	  cmd_sensor_usage },
	{ "k8s", cmd_k8s, "Kubernetes posture: Pod Security, hardening, RBAC, reachability",
	  cmd_k8s_usage },
	{ "admission", cmd_admission, "serve a Kubernetes validating admission webhook (HTTPS)",
	  cmd_admission_usage },
	{ "lint", cmd_lint, "lint Dockerfiles (hadolint-compatible rule codes, SARIF)",
	  cmd_lint_usage },
	{ "sign", cmd_sign, "sign an image's manifest digest (cosign simple signing, ECDSA P-256)",
	  cmd_sign_usage },
	{ "verify", cmd_verify, "verify an image's signature against a public key",
	  cmd_verify_usage },
	{ "audit", cmd_audit, "tamper-evident audit log: verify, log, export, import Kubernetes audit events", cmd_audit_usage },
	{ "risk", cmd_risk, "rank deployments by risk in context (vulnerabilities, exposure, privilege, environment, runtime)", cmd_risk_usage },
	{ "baseline", cmd_baseline, "behaviour baselines of workloads: list, show, export, import, diff, switch mode", cmd_baseline_usage },
	{ "profile", cmd_profile, "export a seccomp profile, a NetworkPolicy or unused packages from a workload's baseline", cmd_profile_usage },
	{ "report", cmd_report, "compliance reports (NIST SP 800-190, CIS Kubernetes) from the store", cmd_report_usage },
};

static const char main_usage[] =
	"usage: bulkhead [--verbose|--quiet] [--limit NAME=VALUE]... COMMAND [ARGS]\n"
	"       bulkhead --version\n"
	"       bulkhead help [COMMAND|limits]\n"
	"\n"
	"Exit codes: 0 nothing at or above the threshold, 1 findings at or above it,\n"
	"2 usage or input error, 3 runtime error.\n"
	"\n"
	"Commands:\n";

static void print_main_usage(FILE *f)
{
	fputs(main_usage, f);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\nRun 'bulkhead help COMMAND' for a command's options, 'bulkhead help limits' for "
	      "input limits.\n",
	      f);
}

static const struct cli_command *find_command(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (streq(commands[i].name, name))
			return &commands[i];
	return NULL;
}

int cli_exit_for_errno(int r)
{
	switch (r) {
	case 0:
		return CLI_EXIT_OK;
	case -ENOENT:
	case -EBADMSG:
	case -E2BIG:
	case -EOPNOTSUPP:
	case -EINVAL:
	case -ELOOP:
	case -ENOTDIR:
	case -EISDIR:
	case -EACCES:
	case -EPERM:
	case -EPROTO:
	case -ENAMETOOLONG:
	case -EFBIG:
	case -EILSEQ:
	case -EPROTONOSUPPORT:
		return CLI_EXIT_INPUT;
	default:
		return CLI_EXIT_RUNTIME;
	}
}

int cli_write_output(const char *out_path, int (*render)(void *u, FILE *f), void *u)
{
	struct bh_output out;
	int r = bh_output_open(&out, out_path);
	if (r < 0) {
		log_error_errno(r, "cannot create output '%s': %m", out_path);
		return cli_exit_for_errno(r);
	}
	r = render(u, out.f);
	if (r < 0) {
		bh_output_abort(&out);
		log_error_errno(r, "cannot render the results: %m");
		return CLI_EXIT_RUNTIME;
	}
	if ((r = bh_output_commit(&out)) < 0) {
		log_error_errno(r, "cannot write output '%s': %m", out_path ? out_path : "-");
		return CLI_EXIT_RUNTIME;
	}
	return CLI_EXIT_OK;
}

int cli_fail_diag(int r, struct bh_diag *diag, const char *source)
{
	char msg[1200];
	if (!diag->message[0])
		bh_diag_set(diag, source, 0, 0, "%s", strerror(-r));
	bh_diag_format(diag, msg, sizeof(msg));
	log_error("%s", msg);
	return cli_exit_for_errno(r);
}

int cli_cluster_option(const char *arg)
{
	if (!*arg || strlen(arg) > 253) {
		log_error("--cluster: a name of 1-253 characters");
		return -EINVAL;
	}
	return 0;
}

int cli_common_option(struct cli_ctx *ctx, int opt, const char *arg, bool *ret_handled)
{
	*ret_handled = false;
	if (opt != 'L')
		return 0;
	*ret_handled = true;
	int r = bh_limits_set(&ctx->limits, arg);
	if (r == -EINVAL)
		return log_error_errno(r, "unknown limit or bad syntax in '--limit %s' (see 'bulkhead help limits')",
				       arg);
	if (r < 0)
		return log_error_errno(r, "value out of range in '--limit %s' (see 'bulkhead help limits')",
				       arg);
	return 0;
}

static int cmd_help(const char *topic)
{
	if (!topic) {
		print_main_usage(stdout);
		return CLI_EXIT_OK;
	}
	if (streq(topic, "limits")) {
		puts("Input limits (--limit NAME=VALUE or BULKHEAD_LIMIT_NAME=VALUE; sizes take K/M/G/T):");
		bh_limits_print(stdout);
		return CLI_EXIT_OK;
	}
	const struct cli_command *c = find_command(topic);
	if (!c) {
		log_error("unknown command '%s' (see 'bulkhead help')", topic);
		return CLI_EXIT_INPUT;
	}
	fputs(c->usage, stdout);
	return CLI_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct cli_ctx ctx;
	bh_limits_default(&ctx.limits);
	if (bh_limits_from_env(&ctx.limits) < 0)
		return CLI_EXIT_INPUT;

	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "limit", required_argument, NULL, 'L' },
		{ 0 },
	};
	int c;
	/* '+' stops at the first non-option: the command name. */
	while ((c = getopt_long(argc, argv, "+hVvq", opts, NULL)) >= 0) {
		bool handled;
		switch (c) {
		case 'h':
			print_main_usage(stdout);
			return CLI_EXIT_OK;
		case 'V':
			printf("bulkhead %s\n", BULKHEAD_VERSION);
			return CLI_EXIT_OK;
		case 'v':
			log_set_level(log_get_level() == LOG_LVL_INFO ? LOG_LVL_DEBUG : LOG_LVL_INFO);
			break;
		case 'q':
			log_set_level(LOG_LVL_ERROR);
			break;
		case 'L':
			if (cli_common_option(&ctx, c, optarg, &handled) < 0)
				return CLI_EXIT_INPUT;
			break;
		default:
			print_main_usage(stderr);
			return CLI_EXIT_INPUT;
		}
	}
	if (optind >= argc) {
		print_main_usage(stderr);
		return CLI_EXIT_INPUT;
	}
	const char *name = argv[optind];
	if (streq(name, "help"))
		return cmd_help(optind + 1 < argc ? argv[optind + 1] : NULL);
	if (streq(name, "version")) {
		printf("bulkhead %s\n", BULKHEAD_VERSION);
		return CLI_EXIT_OK;
	}
	const struct cli_command *cmd = find_command(name);
	if (!cmd) {
		log_error("unknown command '%s' (see 'bulkhead help')", name);
		return CLI_EXIT_INPUT;
	}
	/* The command sees argv[0] = its name, like git builtins; optind = 0 resets getopt. */
	int first = optind;
	optind = 0;
	return cmd->fn(argc - first, argv + first, &ctx);
}
