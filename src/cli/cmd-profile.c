/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-profile.c — `bulkhead profile export WORKLOAD[#VERSION] --seccomp|--netpol|--unused`:
 * what a workload's behaviour baseline (the store, or a bulkhead.baseline/v1 file) says it
 * needs, as an OCI seccomp profile, a Kubernetes NetworkPolicy, or the packages of its image
 * it never used. The documents are made by src/runtime/profile.c; this file loads, parses
 * options and writes.
 */
#include <getopt.h>
#include <fcntl.h>
#include <stdio.h>

#include "bulkhead/image.h"
#include "bulkhead/pkg.h"
#include "cli/cli.h"
#include "common/fileio.h"
#include "common/json.h"
#include "runtime/baseline.h"
#include "runtime/profile.h"
#include "store/store.h"

const char cmd_profile_usage[] =
    "usage: bulkhead profile export WORKLOAD[#VERSION] --seccomp [--arch LIST] [--exact]\n"
    "       bulkhead profile export WORKLOAD[#VERSION] --netpol [--namespace NS]\n"
    "                              [--selector KEY=VALUE]... [--name NAME] [--dns cluster|peers]\n"
    "       bulkhead profile export WORKLOAD[#VERSION] --unused --image TARGET\n"
    "                              [--platform OS/ARCH] [--format table|json]\n"
    "       (every form also takes -o FILE, --store SPEC and --limit NAME=VALUE)\n"
    "\n"
    "Turn the behaviour baseline a workload learnt (`bulkhead sensor run --mode learn`, see\n"
    "'bulkhead baseline') into what it needs and nothing more. WORKLOAD is a workload id as\n"
    "'bulkhead baseline list' shows it, latest version or #VERSION, or a bulkhead.baseline/v1\n"
    "file (a name starting with '/' or './', or ending in '.json').\n"
    "\n"
    "  --seccomp     an OCI seccomp profile (Podman/Docker --security-opt seccomp=FILE, runc,\n"
    "                Kubernetes localhost profiles): every other syscall fails with EPERM; it\n"
    "                allows the learnt syscalls plus the ones the container runtime makes\n"
    "                after it applied the profile (docs/man/bulkhead-profile.md lists them)\n"
    "    --arch LIST   architectures (comma-separated: x86_64, x86, x32, aarch64, arm,\n"
    "                  ppc64le, s390x, riscv64, mips64el; default x86_64,x86,x32)\n"
    "    --exact       only the learnt syscalls, none added for the runtime\n"
    "  --netpol      a Kubernetes NetworkPolicy (YAML): ingress on the listening ports,\n"
    "                egress to each peer address and port, DNS to the cluster DNS\n"
    "    --namespace NS       the policy's namespace (default: NS of k8s:NS/OWNER workloads)\n"
    "    --selector KEY=VALUE the pods' labels (repeatable; default\n"
    "                         app.kubernetes.io/name=OWNER)\n"
    "    --name NAME          the policy's name (default bulkhead-OWNER)\n"
    "    --dns cluster|peers  port-53 peers become one rule to the cluster DNS pods\n"
    "                         (kube-system, k8s-app=kube-dns; default) or stay addresses\n"
    "  --unused      the packages of the image none of whose files the workload executed\n"
    "                or opened: what could be removed from it\n"
    "    --image TARGET       the workload's image (oci:DIR[:TAG], docker-archive:FILE,\n"
    "                         dir:ROOTFS)\n"
    "    --format table|json  a table (default) or bulkhead.profile-unused/v1\n"
    "  -o, --output FILE  write to FILE (atomically) instead of stdout\n"
    "  --store SPEC       the store (default $BULKHEAD_STORE, else the default store)\n"
    "\n"
    "Exit codes: 0 done, 2 usage or input error (unknown workload or version, a baseline\n"
    "without the facts the document needs, a bad option), 3 runtime error.\n";

enum prof_kind {
	PROF_NONE,
	PROF_SECCOMP,
	PROF_NETPOL,
	PROF_UNUSED,
};

struct prof_opts {
	enum prof_kind kind;
	int n_kinds;
	const char *store, *out, *image, *platform, *name, *ns;
	bool json, exact, dns_set;
	enum profile_dns dns;
	struct strv arches;
	struct strv selector;
};

static int render_buf(void *u, FILE *f)
{
	const struct buf *b = u;
	return fwrite(b->ptr ? b->ptr : "", 1, b->len, f) == b->len ? 0 : -EIO;
}

/* ---- --seccomp -------------------------------------------------------------------------- */

static int export_seccomp(const struct prof_opts *o, const struct baseline *b, struct buf *out)
{
	_cleanup_free_ const char **arches = NULL;
	if (o->arches.n) {
		arches = calloc(o->arches.n, sizeof(*arches));
		if (!arches)
			return log_error("out of memory"), CLI_EXIT_RUNTIME;
		for (size_t i = 0; i < o->arches.n; i++) {
			arches[i] = profile_seccomp_arch(o->arches.v[i]);
			if (!arches[i]) {
				log_error(
				    "unknown architecture '%s' (x86_64, x86, x32, aarch64, arm, "
				    "ppc64le, s390x, riscv64, mips64el)",
				    o->arches.v[i]);
				return CLI_EXIT_INPUT;
			}
		}
	}
	struct profile_seccomp_opts so = {
	    .arches = arches, .n_arches = o->arches.n, .exact = o->exact};
	struct profile_seccomp_stats st;
	int r = profile_seccomp(b, &so, out, &st);
	if (r == -ENOENT) {
		log_error("no syscalls learnt for %s; run the sensor with --mode learn (it records "
			  "each container's syscalls) before exporting a seccomp profile",
			  b->workload);
		return CLI_EXIT_INPUT;
	}
	if (r == -EINVAL) {
		log_error("--arch names an architecture twice");
		return CLI_EXIT_INPUT;
	}
	if (r < 0) {
		log_error_errno(r, "cannot make the seccomp profile: %m");
		return CLI_EXIT_RUNTIME;
	}
	if (st.skipped)
		log_warning("%zu learnt syscall%s without a name (syscall_N) left out: the profile "
			    "denies %s",
			    st.skipped, st.skipped == 1 ? "" : "s",
			    st.skipped == 1 ? "it" : "them");
	if (b->sets[BASELINE_SYSCALL].overflow)
		log_warning("%s: the baseline's syscall set is incomplete (a limit was reached)",
			    b->workload);
	log_info("%s: %zu learnt syscalls, %zu added for the container runtime", b->workload,
		 st.learnt, st.added);
	return CLI_EXIT_OK;
}

/* ---- --netpol ----------------------------------------------------------------------------- */

static int export_netpol(const struct prof_opts *o, const struct baseline *b, uint64_t version,
			 struct buf *out)
{
	struct profile_netpol_opts no = {
	    .name = o->name,
	    .namespace = o->ns,
	    .selector = (const char *const *)o->selector.v,
	    .n_selector = o->selector.n,
	    .dns = o->dns,
	    .version = version,
	};
	const char *why = NULL;
	int r = profile_netpol(b, &no, out, &why);
	if (r == -EINVAL) {
		log_error("%s: %s", b->workload, why);
		return CLI_EXIT_INPUT;
	}
	if (r < 0) {
		log_error_errno(r, "cannot make the NetworkPolicy: %m");
		return CLI_EXIT_RUNTIME;
	}
	if (b->sets[BASELINE_PEER].overflow || b->sets[BASELINE_LISTEN].overflow)
		log_warning("%s: the baseline's network facts are incomplete (a limit was "
			    "reached): the policy may block flows the workload makes",
			    b->workload);
	return CLI_EXIT_OK;
}

/* ---- --unused ----------------------------------------------------------------------------- */

static int resolve_in_image(void *u, const char *path, struct buf *ret)
{
	const struct img *img = u;
	while (*path == '/')
		path++;
	if (!*path)
		return -ENOENT;
	const struct img_file *f = NULL;
	int r = img_fs_resolve(img->fs, path, &f);
	if (r < 0)
		return -ENOENT; /* absent, a loop, too deep: compared as written */
	return buf_putc(ret, '/') ?: buf_puts(ret, f->path);
}

/* The file a package without a file list is (a Go or Rust binary, a jar), or NULL. */
static char *pkg_own_file(const struct pkg *p)
{
	if (!p->location || p->location[0] != '/')
		return NULL;
	if (p->type == PKG_GOLANG || p->type == PKG_CARGO)
		return strdup(p->location);
	if (p->type == PKG_MAVEN) {
		/* "/app/x.war:WEB-INF/lib/y.jar": the archive on disk holds it */
		const char *c = strchr(p->location, ':');
		return c ? span_dup(span_make(p->location, (size_t)(c - p->location)))
			 : strdup(p->location);
	}
	return NULL;
}

/* An npm package is its directory (where its package.json is). */
static char *pkg_own_dir(const struct pkg *p)
{
	if (p->type != PKG_NPM || !p->location || p->location[0] != '/')
		return NULL;
	const char *s = strrchr(p->location, '/');
	return s && s != p->location && streq(s, "/package.json")
		   ? span_dup(span_make(p->location, (size_t)(s - p->location)))
		   : NULL;
}

static int export_unused(struct cli_ctx *ctx, const struct prof_opts *o, const struct baseline *b,
			 struct buf *out)
{
	_cleanup_(img_freep) struct img *img = NULL;
	int ret = cli_open_image(ctx, o->image, o->platform, NULL, &img);
	if (ret != 0)
		return ret;
	size_t n = img->pkgs.n;
	_cleanup_free_ struct profile_pkg *pp = calloc(n ? n : 1, sizeof(*pp));
	_cleanup_free_ char **own = calloc(n ? n : 1, sizeof(*own));
	_cleanup_free_ char **dirs = calloc(n ? n : 1, sizeof(*dirs));
	int r = pp && own && dirs ? 0 : -ENOMEM;
	for (size_t i = 0; r >= 0 && i < n; i++) {
		const struct pkg *p = img->pkgs.items[i];
		pp[i] = (struct profile_pkg){.name = p->name,
					     .version = p->version,
					     .type = pkg_type_purl(p->type),
					     .files = (const char *const *)p->files.v,
					     .n_files = p->files.n};
		if (p->files.n == 0) {
			own[i] = pkg_own_file(p);
			dirs[i] = pkg_own_dir(p);
			if (own[i]) {
				pp[i].files = (const char *const *)&own[i];
				pp[i].n_files = 1;
			}
			pp[i].dir = dirs[i];
		}
	}
	_cleanup_(profile_usage_freep) struct profile_usage *pu = NULL;
	if (r >= 0)
		r = profile_unused(b, pp, n, resolve_in_image, img, &pu);
	if (r >= 0) {
		if (o->json) {
			_cleanup_json_ json_t *doc = NULL;
			r = profile_usage_to_json(pu, o->image, &doc);
			if (r >= 0)
				r = bh_json_dump_buf(doc, out);
		} else
			r = profile_usage_to_text(pu, out);
	}
	for (size_t i = 0; own && dirs && i < n; i++) {
		free(own[i]);
		free(dirs[i]);
	}
	if (r < 0) {
		log_error_errno(r, "cannot list the unused packages: %m");
		return CLI_EXIT_RUNTIME;
	}
	if (pu->incomplete)
		log_warning("%s: the baseline is incomplete (a fact limit was reached): a package "
			    "listed as unused may have been used",
			    b->workload);
	return CLI_EXIT_OK;
}

/* ---- the command ------------------------------------------------------------------------- */

static int set_kind(struct prof_opts *o, enum prof_kind k)
{
	if (o->kind != k)
		o->n_kinds++;
	o->kind = k;
	return 0;
}

static int add_list(struct strv *l, const char *arg)
{
	struct span rest = span_from(arg), tok;
	while (rest.len) {
		if (!span_cut(rest, ',', &tok, &rest)) {
			tok = rest;
			rest = span_make(rest.ptr + rest.len, 0);
		}
		tok = span_trim(tok);
		if (tok.len == 0)
			continue;
		char *s = span_dup(tok);
		if (!s || strv_push_take(l, s) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct cli_ctx *ctx, struct prof_opts *o,
		      const char **ret_ref)
{
	enum {
		OPT_SECCOMP = 256,
		OPT_NETPOL,
		OPT_UNUSED,
		OPT_ARCH,
		OPT_EXACT,
		OPT_NS,
		OPT_SEL,
		OPT_NAME,
		OPT_DNS,
		OPT_IMAGE,
		OPT_PLATFORM
	};
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"seccomp", no_argument, NULL, OPT_SECCOMP},
	    {"netpol", no_argument, NULL, OPT_NETPOL},
	    {"unused", no_argument, NULL, OPT_UNUSED},
	    {"arch", required_argument, NULL, OPT_ARCH},
	    {"exact", no_argument, NULL, OPT_EXACT},
	    {"namespace", required_argument, NULL, OPT_NS},
	    {"selector", required_argument, NULL, OPT_SEL},
	    {"name", required_argument, NULL, OPT_NAME},
	    {"dns", required_argument, NULL, OPT_DNS},
	    {"image", required_argument, NULL, OPT_IMAGE},
	    {"platform", required_argument, NULL, OPT_PLATFORM},
	    {"format", required_argument, NULL, 'f'},
	    {"output", required_argument, NULL, 'o'},
	    {"store", required_argument, NULL, 'T'},
	    {"limit", required_argument, NULL, 'L'},
	    {0},
	};
	bool format_set = false, handled;
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "hf:o:", opts, NULL)) >= 0) {
		switch (c) {
		case 'h':
			fputs(cmd_profile_usage, stdout);
			return -1;
		case OPT_SECCOMP:
			set_kind(o, PROF_SECCOMP);
			break;
		case OPT_NETPOL:
			set_kind(o, PROF_NETPOL);
			break;
		case OPT_UNUSED:
			set_kind(o, PROF_UNUSED);
			break;
		case OPT_ARCH:
			if (add_list(&o->arches, optarg) < 0)
				return log_error("out of memory"), CLI_EXIT_RUNTIME;
			break;
		case OPT_EXACT:
			o->exact = true;
			break;
		case OPT_NS:
			o->ns = optarg;
			break;
		case OPT_SEL:
			if (strv_push(&o->selector, optarg) < 0)
				return log_error("out of memory"), CLI_EXIT_RUNTIME;
			break;
		case OPT_NAME:
			o->name = optarg;
			break;
		case OPT_DNS:
			if (streq(optarg, "cluster"))
				o->dns = PROFILE_DNS_CLUSTER;
			else if (streq(optarg, "peers"))
				o->dns = PROFILE_DNS_PEERS;
			else {
				log_error("unknown --dns '%s' (cluster, peers)", optarg);
				return CLI_EXIT_INPUT;
			}
			o->dns_set = true;
			break;
		case OPT_IMAGE:
			o->image = optarg;
			break;
		case OPT_PLATFORM:
			o->platform = optarg;
			break;
		case 'f':
			if (streq(optarg, "json"))
				o->json = true;
			else if (!streq(optarg, "table") && !streq(optarg, "text")) {
				log_error("unknown format '%s' (table, json)", optarg);
				return CLI_EXIT_INPUT;
			}
			format_set = true;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'T':
			o->store = optarg;
			break;
		case 'L':
			if (cli_common_option(ctx, c, optarg, &handled) < 0)
				return CLI_EXIT_INPUT;
			break;
		default:
			fputs(cmd_profile_usage, stderr);
			return CLI_EXIT_INPUT;
		}
	}
	if (optind >= argc || !streq(argv[optind], "export")) {
		log_error(optind >= argc ? "'profile' needs a subcommand: export"
					 : "unknown profile command '%s' (export)",
			  optind < argc ? argv[optind] : "");
		return CLI_EXIT_INPUT;
	}
	if (argc - optind != 2) {
		log_error("'profile export' takes one WORKLOAD (see 'bulkhead profile --help')");
		return CLI_EXIT_INPUT;
	}
	*ret_ref = argv[optind + 1];
	if (o->n_kinds != 1) {
		log_error(o->n_kinds
			      ? "--seccomp, --netpol and --unused exclude each other: give one"
			      : "say what to export: --seccomp, --netpol or --unused");
		return CLI_EXIT_INPUT;
	}
	const char *misplaced = NULL;
	if (o->kind != PROF_SECCOMP && (o->arches.n || o->exact))
		misplaced = o->exact ? "--exact" : "--arch";
	else if (o->kind != PROF_NETPOL && (o->ns || o->selector.n || o->name || o->dns_set))
		misplaced = o->ns	    ? "--namespace"
			    : o->selector.n ? "--selector"
			    : o->name	    ? "--name"
					    : "--dns";
	else if (o->kind != PROF_UNUSED && (o->image || o->platform || format_set))
		misplaced = o->image ? "--image" : o->platform ? "--platform" : "--format";
	if (misplaced) {
		log_error("%s does not go with --%s", misplaced,
			  o->kind == PROF_SECCOMP  ? "seccomp"
			  : o->kind == PROF_NETPOL ? "netpol"
						   : "unused");
		return CLI_EXIT_INPUT;
	}
	if (o->kind == PROF_UNUSED && !o->image) {
		log_error("--unused needs --image TARGET (the workload's image)");
		return CLI_EXIT_INPUT;
	}
	return CLI_EXIT_OK;
}

int cmd_profile(int argc, char **argv, struct cli_ctx *ctx)
{
	struct prof_opts o = {0};
	const char *ref = NULL;
	int ret = parse_args(argc, argv, ctx, &o, &ref);
	if (ret != CLI_EXIT_OK) {
		strv_done(&o.arches);
		strv_done(&o.selector);
		return ret < 0 ? CLI_EXIT_OK : ret;
	}
	_cleanup_(baseline_freep) struct baseline *b = NULL;
	uint64_t version = 0;
	if (cli_baseline_is_file_ref(ref))
		ret = cli_baseline_load_file(ctx, ref, &b);
	else {
		_cleanup_(store_closep) struct store *s = NULL;
		int64_t v = 0;
		ret = cli_baseline_open_store(ctx, o.store, &s);
		if (ret == CLI_EXIT_OK)
			ret = cli_baseline_load_stored(ctx, s, ref, &b, &v);
		version = (uint64_t)v;
	}
	_cleanup_buf_ struct buf doc;
	buf_init(&doc, 0);
	if (ret == CLI_EXIT_OK) {
		if (!version)
			version = b->version;
		switch (o.kind) {
		case PROF_SECCOMP:
			ret = export_seccomp(&o, b, &doc);
			break;
		case PROF_NETPOL:
			ret = export_netpol(&o, b, version, &doc);
			break;
		default:
			ret = export_unused(ctx, &o, b, &doc);
			break;
		}
	}
	if (ret == CLI_EXIT_OK)
		ret = cli_write_output(o.out, render_buf, &doc);
	strv_done(&o.arches);
	strv_done(&o.selector);
	return ret;
}
