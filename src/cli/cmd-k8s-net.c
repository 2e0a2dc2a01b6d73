/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-k8s-net.c — `bulkhead k8s reach PATH...` (which workloads may connect to which, on
 * which ports, under the NetworkPolicies among the inputs; namespaces without a
 * default-deny policy) and `bulkhead k8s exposure PATH...` (workloads reachable from
 * outside the cluster). Bad input is exit 2 with one line naming file:line.
 */
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "k8s/netpol.h"

const char cmd_k8s_reach_usage[] =
    "usage: bulkhead k8s reach PATH... [--format table|json|dot] [-o FILE]\n"
    "                          [--limit NAME=VALUE]...\n"
    "\n"
    "Compute which workloads may connect to which, and on which ports, following\n"
    "NetworkPolicy semantics: pod and namespace selectors (matchLabels, matchExpressions),\n"
    "ipBlock with except, ports, named ports and endPort, policyTypes, and the default\n"
    "allow of pods no policy selects. A workload stands for the pods of its template\n"
    "(Pods, Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs,\n"
    "ReplicationControllers). Traffic needs egress allowed at the source and ingress\n"
    "allowed at the destination. \"(external)\" is everything outside the cluster; ipBlock\n"
    "peers match only it, since pod addresses are not known before anything runs.\n"
    "Namespaces where no policy selects all pods for ingress and egress are listed as\n"
    "lacking a default-deny policy. Namespace labels come from the Namespace objects among\n"
    "the inputs, plus kubernetes.io/metadata.name.\n"
    "\n"
    "  -f, --format FORMAT    table (default), json (bulkhead.k8s-reach/v1) or dot\n"
    "  -o, --output FILE      write to FILE (atomically) instead of stdout\n"
    "\n"
    "Exit codes: 0 done, 2 usage or input error, 3 runtime error.\n";

const char cmd_k8s_exposure_usage[] =
    "usage: bulkhead k8s exposure PATH... [--format table|json] [-o FILE]\n"
    "                             [--limit NAME=VALUE]...\n"
    "\n"
    "List the workloads reachable from outside the cluster: selected by a Service of type\n"
    "LoadBalancer or NodePort or with externalIPs, behind an Ingress backend Service, on\n"
    "the host network (hostNetwork) or with a hostPort. Services and Ingress backends that\n"
    "select no workload among the inputs are listed with \"-\".\n"
    "\n"
    "  -f, --format FORMAT    table (default) or json (bulkhead.k8s-exposure/v1)\n"
    "  -o, --output FILE      write to FILE (atomically) instead of stdout\n"
    "\n"
    "Exit codes: 0 nothing exposed, 1 something exposed, 2 usage or input error, 3 runtime\n"
    "error.\n";

enum net_cmd { NET_REACH, NET_EXPOSURE };

struct net_render {
	enum net_cmd cmd;
	enum k8s_net_format fmt;
	const struct k8s_net_report *rep;
	const struct k8s_exposure_report *exp;
};

static int net_render(void *u, FILE *f)
{
	const struct net_render *x = u;
	return x->cmd == NET_REACH ? k8s_net_reach_write(x->rep, x->fmt, f)
				   : k8s_exposure_write(x->exp, x->fmt == K8S_NET_FMT_JSON, f);
}

static int net_run(enum net_cmd cmd, int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"format", required_argument, NULL, 'f'},
	    {"output", required_argument, NULL, 'o'},
	    {"limit", required_argument, NULL, 'L'},
	    {0},
	};
	const char *usage = cmd == NET_REACH ? cmd_k8s_reach_usage : cmd_k8s_exposure_usage;
	enum k8s_net_format fmt = K8S_NET_FMT_TABLE;
	const char *out_path = NULL;
	int c, ret = CLI_EXIT_OK;
	optind = 0;
	while (ret == CLI_EXIT_OK && (c = getopt_long(argc, argv, "hf:o:", opts, NULL)) >= 0) {
		bool handled;
		switch (c) {
		case 'h':
			fputs(usage, stdout);
			return CLI_EXIT_OK;
		case 'f':
			if (streq(optarg, "table"))
				fmt = K8S_NET_FMT_TABLE;
			else if (streq(optarg, "json"))
				fmt = K8S_NET_FMT_JSON;
			else if (streq(optarg, "dot") && cmd == NET_REACH)
				fmt = K8S_NET_FMT_DOT;
			else {
				log_error("unknown format '%s' (%s)", optarg,
					  cmd == NET_REACH ? "table, json, dot" : "table, json");
				ret = CLI_EXIT_INPUT;
			}
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'L':
			if (cli_common_option(ctx, c, optarg, &handled) < 0)
				ret = CLI_EXIT_INPUT;
			break;
		default:
			fputs(usage, stderr);
			ret = CLI_EXIT_INPUT;
			break;
		}
	}
	if (ret != CLI_EXIT_OK)
		return ret;
	if (optind >= argc) {
		log_error("missing PATH (see 'bulkhead k8s %s --help')",
			  cmd == NET_REACH ? "reach" : "exposure");
		return CLI_EXIT_INPUT;
	}

	struct k8s_manifests m = {0};
	ret = cli_k8s_load(ctx, argv + optind, argc - optind, &m);
	struct k8s_net_report rep = {0};
	struct k8s_exposure_report exp = {0};
	if (ret == CLI_EXIT_OK) {
		for (size_t i = 0; i < m.notes.n; i++)
			log_notice("note: %s", m.notes.v[i]);
		int r = cmd == NET_REACH ? k8s_net_reach(&m, &rep) : k8s_net_exposure(&m, &exp);
		if (r < 0) {
			log_error_errno(r, "cannot evaluate the manifests: %m");
			ret = CLI_EXIT_RUNTIME;
		}
		for (size_t i = 0; ret == CLI_EXIT_OK && i < rep.notes.n; i++)
			log_notice("note: %s", rep.notes.v[i]);
	}
	if (ret == CLI_EXIT_OK) {
		struct net_render nr = { .cmd = cmd, .fmt = fmt, .rep = &rep, .exp = &exp };
		ret = cli_write_output(out_path, net_render, &nr);
	}
	if (ret == CLI_EXIT_OK && cmd == NET_EXPOSURE && exp.n > 0)
		ret = CLI_EXIT_FINDINGS;
	k8s_net_report_done(&rep);
	k8s_exposure_report_done(&exp);
	k8s_manifests_done(&m);
	return ret;
}

int cmd_k8s_reach(int argc, char **argv, struct cli_ctx *ctx)
{
	return net_run(NET_REACH, argc, argv, ctx);
}

int cmd_k8s_exposure(int argc, char **argv, struct cli_ctx *ctx)
{
	return net_run(NET_EXPOSURE, argc, argv, ctx);
}
