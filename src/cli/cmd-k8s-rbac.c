/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-k8s-rbac.c — `bulkhead k8s who-can VERB RESOURCE PATH...` (every subject the RBAC
 * authorizer allows a request, with the binding and role granting it) and `bulkhead k8s rbac
 * PATH...` (the RBAC findings BH-K8S-RBAC-001..012). Both load manifests as `k8s check` does.
 * Exit codes: 0 (who-can: always on success; rbac: no finding), 1 (rbac: findings), 2 usage or
 * input error (one line naming file:line), 3 runtime error.
 */
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "common/hash.h"
#include "common/json.h"
#include "common/timeutil.h"
#include "k8s/rbac.h"
#include "store/store.h"

const char cmd_k8s_who_can_usage[] =
    "usage: bulkhead k8s who-can VERB RESOURCE PATH... [-n NAMESPACE] [--subresource SUB]\n"
    "                            [--name NAME] [--format table|json] [-o FILE]\n"
    "\n"
    "List every subject (User, Group, ServiceAccount) that the Kubernetes RBAC authorizer\n"
    "allows VERB on RESOURCE, with the binding and the role that grant it, from the Roles,\n"
    "ClusterRoles (aggregated ones included), RoleBindings and ClusterRoleBindings in PATH\n"
    "(files or directories, as for `bulkhead k8s check`).\n"
    "\n"
    "RESOURCE is a plural resource name (pods, secrets, deployments), optionally qualified\n"
    "by its API group (deployments.apps, prometheuses.monitoring.coreos.com; required for\n"
    "resources bulkhead does not know), optionally with a subresource (pods/exec); `*` for\n"
    "every resource of every group; or a non-resource URL starting with / (/metrics).\n"
    "\n"
    "  -n, --namespace NS     decide for a request in namespace NS: ClusterRoleBindings and\n"
    "                         the RoleBindings of NS. Without it, grants in any namespace are\n"
    "                         listed (RoleBindings of every namespace, scope column) except\n"
    "                         for cluster-scoped resources and non-resource URLs, which only\n"
    "                         ClusterRoleBindings can grant\n"
    "      --subresource SUB  the subresource (same as RESOURCE/SUB)\n"
    "      --name NAME        the object's name (rules with resourceNames match only it)\n"
    "  -f, --format FORMAT    table (default) or json (bulkhead.k8s-who-can/v1)\n"
    "  -o, --output FILE      write to FILE (atomically) instead of stdout\n"
    "\n"
    "Exit codes: 0 success (whether or not anybody can), 2 usage or input error, 3 runtime\n"
    "error.\n";

const char cmd_k8s_rbac_usage[] =
    "usage: bulkhead k8s rbac PATH... [--format table|json] [-o FILE] [--store SPEC]\n"
    "                         [--cluster NAME]\n"
    "\n"
    "Report risky RBAC grants in the manifests in PATH: subjects with cluster-admin power,\n"
    "escalation paths, who can read Secrets, and workloads running under powerful service\n"
    "accounts. Each finding names the binding and role that grant the power.\n"
    "\n"
    "  BH-K8S-RBAC-001 critical  any verb on any resource in every namespace\n"
    "  BH-K8S-RBAC-002 high      any verb on any resource in a namespace\n"
    "  BH-K8S-RBAC-003 high      escalate or bind on roles/clusterroles\n"
    "  BH-K8S-RBAC-004 high      impersonate users, groups, service accounts\n"
    "  BH-K8S-RBAC-005 high      create pods or workloads where a service account is powerful\n"
    "  BH-K8S-RBAC-006 high      create serviceaccounts/token\n"
    "  BH-K8S-RBAC-007 high      nodes/proxy\n"
    "  BH-K8S-RBAC-008 high      read Secrets in every namespace\n"
    "  BH-K8S-RBAC-009 medium    read Secrets in a namespace\n"
    "  BH-K8S-RBAC-010 medium    pods/exec or pods/attach\n"
    "  BH-K8S-RBAC-011 high      workload runs under a powerful service account\n"
    "  BH-K8S-RBAC-012 high      create/update/patch clusterroles or clusterrolebindings\n"
    "\n"
    "Grants to everybody (system:authenticated, system:unauthenticated,\n"
    "system:serviceaccounts, system:anonymous) are raised to critical. A service account is\n"
    "powerful when it holds a high or critical permission itself (directly or through\n"
    "system:serviceaccounts:NS); grants to everybody are reported once, at the group.\n"
    "\n"
    "  -f, --format FORMAT    table (default) or json (bulkhead.k8s-rbac/v1)\n"
    "  -o, --output FILE      write to FILE (atomically) instead of stdout\n"
    "  --store SPEC           record the result in the store (run kind k8s-rbac; default\n"
    "                         $BULKHEAD_STORE, else not recorded)\n"
    "  --cluster NAME         the cluster the manifests describe, for the store (default)\n"
    "\n"
    "Exit codes: 0 no finding, 1 findings, 2 usage or input error (one line naming\n"
    "file:line), 3 runtime error.\n";

enum rbac_format { RBAC_FMT_TABLE, RBAC_FMT_JSON };

/* Load every PATH and build the RBAC model; an exit code (0 on success). */
static int load_all(char **paths, int n, struct cli_ctx *ctx, struct k8s_manifests *m,
		    struct k8s_rbac *r)
{
	int ex = cli_k8s_load(ctx, paths, n, m);
	if (ex)
		return ex;
	for (size_t i = 0; i < m->notes.n; i++)
		log_notice("note: %s", m->notes.v[i]);
	struct bh_diag diag = {0};
	int ret = k8s_rbac_build(r, m, &diag);
	if (ret == -ENOMEM) {
		log_error_errno(ret, "cannot build the RBAC model: %m");
		return CLI_EXIT_RUNTIME;
	}
	if (ret < 0)
		return cli_fail_diag(ret, &diag, "manifests");
	for (size_t i = 0; i < r->notes.n; i++)
		log_notice("note: %s", r->notes.v[i]);
	return CLI_EXIT_OK;
}

/* Parse the common options; *ret_exit set (and -1 returned) when the command must end. */
static int parse_format(const char *arg, enum rbac_format *fmt)
{
	if (streq(arg, "table"))
		*fmt = RBAC_FMT_TABLE;
	else if (streq(arg, "json"))
		*fmt = RBAC_FMT_JSON;
	else {
		log_error("unknown format '%s' (table, json)", arg);
		return -EINVAL;
	}
	return 0;
}

static const char *subject_kind_name(enum k8s_rbac_subject_kind k)
{
	return k == K8S_SUBJ_USER ? "User" : k == K8S_SUBJ_GROUP ? "Group" : "ServiceAccount";
}

static int subject_label(const struct k8s_rbac_subject *s, struct buf *b)
{
	if (s->kind == K8S_SUBJ_SERVICEACCOUNT)
		return buf_printf(b, "ServiceAccount/%s/%s", s->namespace_, s->name);
	return buf_printf(b, "%s/%s", subject_kind_name(s->kind), s->name);
}

static int binding_label(const struct k8s_rbac_binding *bd, struct buf *b)
{
	if (bd->is_cluster)
		return buf_printf(b, "ClusterRoleBinding/%s", bd->name);
	return buf_printf(b, "RoleBinding/%s/%s", bd->namespace_, bd->name);
}

static int role_label(const struct k8s_rbac_binding *bd, struct buf *b)
{
	if (streq(bd->role_kind, "Role"))
		return buf_printf(b, "Role/%s/%s", bd->namespace_, bd->role_name);
	return buf_printf(b, "%s/%s", bd->role_kind, bd->role_name);
}

struct who_can_args {
	struct k8s_rbac_request req;
	bool any_namespace, cluster_scoped;
	char *resource_buf, *group_buf; /* owned */
};

/* RESOURCE[.GROUP][/SUB], "*" or /url. 0 or an exit code. */
static int parse_resource(const char *arg, struct who_can_args *w)
{
	if (arg[0] == '/') {
		w->req.url = arg;
		return CLI_EXIT_OK;
	}
	struct span in = span_from(arg), res, sub = {0};
	if (!span_cut(in, '/', &res, &sub))
		res = in;
	else if (sub.len == 0 || span_index(sub, '/') >= 0) {
		log_error("invalid resource '%s' (RESOURCE[.GROUP][/SUBRESOURCE])", arg);
		return CLI_EXIT_INPUT;
	}
	struct span name = res, group = {0};
	ssize_t dot = span_index(res, '.');
	if (dot >= 0) {
		name = span_slice(res, 0, (size_t)dot);
		group = span_slice(res, (size_t)dot + 1, res.len - (size_t)dot - 1);
	}
	if (name.len == 0 || (dot >= 0 && group.len == 0)) {
		log_error("invalid resource '%s' (RESOURCE[.GROUP][/SUBRESOURCE])", arg);
		return CLI_EXIT_INPUT;
	}
	w->resource_buf = span_dup(name);
	if (!w->resource_buf)
		return CLI_EXIT_RUNTIME;
	w->req.resource = w->resource_buf;
	if (sub.len > 0) {
		/* borrowed from argv: the slash-terminated tail is NUL-terminated there */
		w->req.subresource = sub.ptr;
	}
	if (dot >= 0) {
		w->group_buf = span_dup(group);
		if (!w->group_buf)
			return CLI_EXIT_RUNTIME;
		w->req.api_group = w->group_buf;
		w->cluster_scoped = false;
		const char *g;
		bool cs;
		if (k8s_rbac_resource_group(w->req.resource, &g, &cs) && streq(g, w->group_buf))
			w->cluster_scoped = cs;
	} else if (streq(w->req.resource, "*"))
		w->req.api_group = "*";
	else if (!k8s_rbac_resource_group(w->req.resource, &w->req.api_group, &w->cluster_scoped)) {
		log_error("unknown resource '%s': name its API group as RESOURCE.GROUP "
			  "(e.g. %s.example.com)",
			  w->req.resource, w->req.resource);
		return CLI_EXIT_INPUT;
	}
	return CLI_EXIT_OK;
}

static int grant_cmp(const void *pa, const void *pb)
{
	const struct k8s_rbac_grant *a = pa, *b = pb;
	if (a->subject->kind != b->subject->kind)
		return a->subject->kind < b->subject->kind ? -1 : 1;
	int c = strcmp(a->subject->namespace_, b->subject->namespace_);
	if (!c)
		c = strcmp(a->subject->name, b->subject->name);
	if (!c && a->binding->is_cluster != b->binding->is_cluster)
		c = a->binding->is_cluster ? -1 : 1;
	if (!c)
		c = strcmp(a->binding->namespace_, b->binding->namespace_);
	if (!c)
		c = strcmp(a->binding->name, b->binding->name);
	return c;
}

static int who_can_table(const struct k8s_rbac_grant *g, size_t n, const struct who_can_args *w,
			 FILE *f)
{
	size_t width[3] = {strlen("SUBJECT"), strlen("SCOPE"), strlen("BINDING")};
	_cleanup_buf_ struct buf s, b, ro;
	buf_init(&s, 0);
	buf_init(&b, 0);
	buf_init(&ro, 0);
	for (size_t i = 0; i < n; i++) {
		buf_clear(&s);
		buf_clear(&b);
		if (subject_label(g[i].subject, &s) < 0 || binding_label(g[i].binding, &b) < 0)
			return -ENOMEM;
		width[0] = MAX(width[0], s.len);
		width[1] =
		    MAX(width[1], g[i].binding->is_cluster ? strlen("cluster")
							   : strlen(g[i].binding->namespace_));
		width[2] = MAX(width[2], b.len);
	}
	if (n > 0 && fprintf(f, "%-*s  %-*s  %-*s  %s\n", (int)width[0], "SUBJECT", (int)width[1],
			     "SCOPE", (int)width[2], "BINDING", "ROLE") < 0)
		return -EIO;
	for (size_t i = 0; i < n; i++) {
		buf_clear(&s);
		buf_clear(&b);
		buf_clear(&ro);
		if (subject_label(g[i].subject, &s) < 0 || binding_label(g[i].binding, &b) < 0 ||
		    role_label(g[i].binding, &ro) < 0)
			return -ENOMEM;
		if (fprintf(f, "%-*s  %-*s  %-*s  %s\n", (int)width[0], buf_str(&s), (int)width[1],
			    g[i].binding->is_cluster ? "cluster" : g[i].binding->namespace_,
			    (int)width[2], buf_str(&b), buf_str(&ro)) < 0)
			return -EIO;
	}
	const struct k8s_rbac_request *q = &w->req;
	const char *ns = q->namespace_ && q->namespace_[0] ? q->namespace_ : NULL;
	_cleanup_buf_ struct buf d;
	buf_init(&d, 0);
	int r = buf_printf(&d, "%s %s", q->verb, q->url ? q->url : q->resource);
	if (r >= 0 && q->subresource && q->subresource[0])
		r = buf_printf(&d, "/%s", q->subresource);
	if (r >= 0 && q->api_group && q->api_group[0])
		r = buf_printf(&d, " (group %s)", q->api_group);
	if (r >= 0 && q->name && q->name[0])
		r = buf_printf(&d, " named %s", q->name);
	if (r >= 0)
		r = ns ? buf_printf(&d, " in namespace %s", ns)
		       : buf_puts(&d,
				  q->url || w->cluster_scoped ? " (cluster)" : " in any namespace");
	if (r < 0)
		return r;
	if (fprintf(f, "%zu grant%s: %s\n", n, n == 1 ? "" : "s", buf_str(&d)) < 0)
		return -EIO;
	return 0;
}

static int who_can_json(const struct k8s_rbac_grant *g, size_t n, const struct who_can_args *w,
			const struct k8s_rbac *r, const struct k8s_manifests *m, FILE *f)
{
	const struct k8s_rbac_request *q = &w->req;
	_cleanup_json_ json_t *doc = json_pack(
	    "{s:s, s:{s:s, s:s}, s:{s:s}, s:{s:I, s:I, s:I, s:I}, s:[], s:[], s:[]}", "schema",
	    "bulkhead.k8s-who-can/v1", "tool", "name", "bulkhead", "version", BULKHEAD_VERSION,
	    "request", "verb", q->verb, "summary", "files", (json_int_t)m->n_files, "objects",
	    (json_int_t)m->n, "bindings", (json_int_t)r->n_bindings, "grants", (json_int_t)n,
	    "subjects", "notes", "findings");
	if (!doc)
		return -ENOMEM;
	json_t *req = json_object_get(doc, "request");
	int ret = 0;
	if (q->url)
		ret = bh_json_set_str(req, "nonResourceURL", q->url);
	else {
		ret = bh_json_set_str(req, "apiGroup", q->api_group);
		if (ret >= 0)
			ret = bh_json_set_str(req, "resource", q->resource);
		if (ret >= 0)
			ret = bh_json_set_str_opt(req, "subresource", q->subresource);
		if (ret >= 0)
			ret = bh_json_set_str_opt(req, "name", q->name);
		if (ret >= 0)
			ret =
			    q->namespace_ && q->namespace_[0]
				? bh_json_set_str(req, "namespace", q->namespace_)
				: bh_json_set_str(req, "scope",
						  w->cluster_scoped ? "cluster" : "any-namespace");
	}
	if (ret < 0)
		return ret;
	json_t *subjects = json_object_get(doc, "subjects"), *notes = json_object_get(doc, "notes");
	for (size_t i = 0; i < m->notes.n; i++)
		if (bh_json_append_str(notes, m->notes.v[i]) < 0)
			return -ENOMEM;
	for (size_t i = 0; i < r->notes.n; i++)
		if (bh_json_append_str(notes, r->notes.v[i]) < 0)
			return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct k8s_rbac_subject *s = g[i].subject;
		const struct k8s_rbac_binding *b = g[i].binding;
		json_t *x = json_pack(
		    "{s:s, s:s, s:{s:s, s:s, s:s, s:s, s:I}, s:{s:s, s:s}, s:s}", "kind",
		    subject_kind_name(s->kind), "name", s->name, "binding", "kind",
		    b->obj->kind_name, "name", b->name, "namespace", b->namespace_, "path",
		    b->obj->path, "line", (json_int_t)b->obj->line, "role", "kind", b->role_kind,
		    "name", b->role_name, "scope", b->is_cluster ? "cluster" : "namespace");
		if (!x)
			return -ENOMEM;
		if (s->kind == K8S_SUBJ_SERVICEACCOUNT &&
		    bh_json_set_str(x, "namespace", s->namespace_) < 0) {
			json_decref(x);
			return -ENOMEM;
		}
		if (bh_json_append_new(subjects, x) < 0)
			return -ENOMEM;
	}
	return bh_json_dump_file(doc, f);
}

struct who_can_render {
	const struct k8s_rbac_grant *g;
	size_t n;
	const struct who_can_args *w;
	const struct k8s_rbac *r;
	const struct k8s_manifests *m;
	enum rbac_format fmt;
};

static int who_can_render(void *u, FILE *f)
{
	struct who_can_render *x = u;
	return x->fmt == RBAC_FMT_JSON ? who_can_json(x->g, x->n, x->w, x->r, x->m, f)
				       : who_can_table(x->g, x->n, x->w, f);
}

int cmd_k8s_who_can(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"namespace", required_argument, NULL, 'n'},
	    {"subresource", required_argument, NULL, 'S'},
	    {"name", required_argument, NULL, 'N'},
	    {"format", required_argument, NULL, 'f'},
	    {"output", required_argument, NULL, 'o'},
	    {"limit", required_argument, NULL, 'L'},
	    {0},
	};
	enum rbac_format fmt = RBAC_FMT_TABLE;
	const char *out_path = NULL, *ns = NULL, *subres = NULL, *name = NULL;
	int c, ret = CLI_EXIT_OK;
	optind = 0;
	while (ret == CLI_EXIT_OK && (c = getopt_long(argc, argv, "hn:f:o:", opts, NULL)) >= 0) {
		bool handled;
		switch (c) {
		case 'h':
			fputs(cmd_k8s_who_can_usage, stdout);
			return CLI_EXIT_OK;
		case 'n':
			ns = optarg;
			break;
		case 'S':
			subres = optarg;
			break;
		case 'N':
			name = optarg;
			break;
		case 'f':
			if (parse_format(optarg, &fmt) < 0)
				ret = CLI_EXIT_INPUT;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'L':
			if (cli_common_option(ctx, c, optarg, &handled) < 0)
				ret = CLI_EXIT_INPUT;
			break;
		default:
			fputs(cmd_k8s_who_can_usage, stderr);
			ret = CLI_EXIT_INPUT;
			break;
		}
	}
	if (ret != CLI_EXIT_OK)
		return ret;
	if (argc - optind < 3) {
		log_error(
		    "usage: who-can VERB RESOURCE PATH... (see 'bulkhead k8s who-can --help')");
		return CLI_EXIT_INPUT;
	}
	struct who_can_args w = {.req = {.verb = argv[optind], .name = name ? name : ""}};
	ret = parse_resource(argv[optind + 1], &w);
	if (ret == CLI_EXIT_OK && subres) {
		if (w.req.url || (w.req.subresource && !streq(w.req.subresource, subres))) {
			log_error("--subresource '%s' conflicts with '%s'", subres,
				  argv[optind + 1]);
			ret = CLI_EXIT_INPUT;
		} else
			w.req.subresource = subres;
	}
	if (ret == CLI_EXIT_OK && w.req.url && (ns || name)) {
		log_error("a non-resource URL has no namespace or name");
		ret = CLI_EXIT_INPUT;
	}
	if (ret == CLI_EXIT_OK && !w.req.verb[0]) {
		log_error("empty verb");
		ret = CLI_EXIT_INPUT;
	}
	if (ret == CLI_EXIT_OK && ns && w.cluster_scoped) {
		log_error("%s is cluster-scoped: drop -n", w.req.resource);
		ret = CLI_EXIT_INPUT;
	}
	w.req.namespace_ = ns ? ns : "";
	w.any_namespace = !ns;
	if (!w.req.subresource)
		w.req.subresource = "";

	struct k8s_manifests m = {0};
	struct k8s_rbac r = {0};
	struct k8s_rbac_grant *g = NULL;
	size_t n = 0;
	if (ret == CLI_EXIT_OK)
		ret = load_all(argv + optind + 2, argc - optind - 2, ctx, &m, &r);
	if (ret == CLI_EXIT_OK) {
		int e = k8s_rbac_who_can(&r, &w.req, w.any_namespace, w.cluster_scoped, &g, &n);
		if (e < 0) {
			log_error_errno(e, "cannot evaluate: %m");
			ret = CLI_EXIT_RUNTIME;
		} else if (n > 1)
			qsort(g, n, sizeof(*g), grant_cmp);
	}
	if (ret == CLI_EXIT_OK) {
		struct who_can_render x = {g, n, &w, &r, &m, fmt};
		ret = cli_write_output(out_path, who_can_render, &x);
	}
	free(g);
	free(w.resource_buf);
	free(w.group_buf);
	k8s_rbac_done(&r);
	k8s_manifests_done(&m);
	return ret;
}

/* ---- rbac ---- */

static int finding_json(const struct k8s_rbac_finding *x, json_t *into)
{
	const struct k8s_object *o = x->obj;
	char hex[BH_DIGEST_STR_LEN + 1], id[40];
	_cleanup_buf_ struct buf idsrc;
	buf_init(&idsrc, 0);
	int r = buf_printf(&idsrc, "rbac\n%s\n%s\n%s\n%s\n%s:%u", x->check->id,
			   x->subject ? x->subject : "", x->scope, x->message, o ? o->path : "",
			   o ? o->line : 0);
	if (r >= 0)
		r = bh_sha256_str(idsrc.ptr, idsrc.len, hex);
	if (r >= 0)
		r = xsnprintf(id, sizeof(id), "%.32s", hex + 7);
	if (r < 0)
		return r;
	json_t *f =
	    json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:[s]}, s:{s:s, s:s}, s:{s:s, s:I}, s:s, "
		      "s:{s:s, s:s}, s:s, s:[]}",
		      "schema", "bulkhead.finding/v1", "id", id, "kind", "rbac", "severity",
		      k8s_rbac_severity_name(x->severity), "rule", "id", x->check->id, "title",
		      x->check->title, "refs",
		      "https://kubernetes.io/docs/concepts/security/rbac-good-practices/", "target",
		      "type", "cluster", "name", x->subject ? x->subject : "", "location", "path",
		      o ? o->path : "", "line", (json_int_t)(o ? o->line : 0), "message",
		      x->message, "evidence", "subject", x->subject ? x->subject : "", "scope",
		      x->scope, "remediation", x->check->remediation, "compliance");
	if (!f)
		return -ENOMEM;
	json_t *ev = json_object_get(f, "evidence");
	_cleanup_buf_ struct buf bl, rl;
	buf_init(&bl, 0);
	buf_init(&rl, 0);
	r = 0;
	if (x->binding) {
		r = binding_label(x->binding, &bl);
		if (r >= 0)
			r = role_label(x->binding, &rl);
		if (r >= 0)
			r = bh_json_set_str(ev, "binding", buf_str(&bl));
		if (r >= 0)
			r = bh_json_set_str(ev, "role", buf_str(&rl));
	} else if (o) {
		r = buf_printf(&bl, "%s/%s/%s", o->kind_name, k8s_object_namespace(o), o->name);
		if (r >= 0)
			r = bh_json_set_str(ev, "workload", buf_str(&bl));
	}
	if (r >= 0 && x->check->ref)
		r = bh_json_append_str(json_object_get(f, "compliance"), x->check->ref);
	if (r < 0) {
		json_decref(f);
		return r;
	}
	return bh_json_append_new(into, f);
}

struct rbac_render {
	const struct k8s_rbac_report *rep;
	const struct k8s_rbac *r;
	const struct k8s_manifests *m;
	enum rbac_format fmt;
};

static int rbac_json(const struct rbac_render *x, FILE *f)
{
	size_t n_sev[_K8S_RBAC_SEVERITY_MAX] = {0};
	for (size_t i = 0; i < x->rep->n; i++)
		n_sev[x->rep->f[i].severity]++;
	_cleanup_json_ json_t *doc = json_pack(
	    "{s:s, s:{s:s, s:s}, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I}}, "
	    "s:[], s:[]}",
	    "schema", "bulkhead.k8s-rbac/v1", "tool", "name", "bulkhead", "version",
	    BULKHEAD_VERSION, "summary", "files", (json_int_t)x->m->n_files, "objects",
	    (json_int_t)x->m->n, "roles", (json_int_t)x->r->n_roles, "bindings",
	    (json_int_t)x->r->n_bindings, "subjects", (json_int_t)x->rep->n_subjects, "findings",
	    (json_int_t)x->rep->n, "severity", "critical", (json_int_t)n_sev[K8S_RBAC_CRITICAL],
	    "high", (json_int_t)n_sev[K8S_RBAC_HIGH], "medium", (json_int_t)n_sev[K8S_RBAC_MEDIUM],
	    "low", (json_int_t)n_sev[K8S_RBAC_LOW], "notes", "findings");
	if (!doc)
		return -ENOMEM;
	json_t *notes = json_object_get(doc, "notes"), *findings = json_object_get(doc, "findings");
	for (size_t i = 0; i < x->m->notes.n; i++)
		if (bh_json_append_str(notes, x->m->notes.v[i]) < 0)
			return -ENOMEM;
	for (size_t i = 0; i < x->r->notes.n; i++)
		if (bh_json_append_str(notes, x->r->notes.v[i]) < 0)
			return -ENOMEM;
	for (size_t i = 0; i < x->rep->n; i++) {
		int r = finding_json(&x->rep->f[i], findings);
		if (r < 0)
			return r;
	}
	return bh_json_dump_file(doc, f);
}

static int rbac_table(const struct rbac_render *x, FILE *f)
{
	for (size_t i = 0; i < x->rep->n; i++) {
		const struct k8s_rbac_finding *fd = &x->rep->f[i];
		char sev[16];
		const char *s = k8s_rbac_severity_name(fd->severity);
		size_t k = 0;
		for (; s[k] && k < sizeof(sev) - 1; k++)
			sev[k] = (char)(s[k] >= 'a' && s[k] <= 'z' ? s[k] - 32 : s[k]);
		sev[k] = '\0';
		if (fprintf(f, "%s:%u: %s %s %s [%s] %s\n", fd->obj ? fd->obj->path : "-",
			    fd->obj ? fd->obj->line : 0, sev, fd->check->id,
			    fd->subject ? fd->subject : "-", fd->scope, fd->message) < 0)
			return -EIO;
	}
	if (fprintf(f, "%zu finding%s (%zu subject%s, %zu binding%s, %zu role%s)\n", x->rep->n,
		    x->rep->n == 1 ? "" : "s", x->rep->n_subjects,
		    x->rep->n_subjects == 1 ? "" : "s", x->r->n_bindings,
		    x->r->n_bindings == 1 ? "" : "s", x->r->n_roles,
		    x->r->n_roles == 1 ? "" : "s") < 0)
		return -EIO;
	return 0;
}

static int rbac_render(void *u, FILE *f)
{
	struct rbac_render *x = u;
	return x->fmt == RBAC_FMT_JSON ? rbac_json(x, f) : rbac_table(x, f);
}

int cmd_k8s_rbac(int argc, char **argv, struct cli_ctx *ctx)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"format", required_argument, NULL, 'f'},
	    {"output", required_argument, NULL, 'o'},
	    {"limit", required_argument, NULL, 'L'},
	    {"store", required_argument, NULL, 'T'},
	    {"cluster", required_argument, NULL, 'C'},
	    {0},
	};
	enum rbac_format fmt = RBAC_FMT_TABLE;
	const char *out_path = NULL, *store_opt = NULL, *cluster = "default";
	int c, ret = CLI_EXIT_OK;
	optind = 0;
	while (ret == CLI_EXIT_OK && (c = getopt_long(argc, argv, "hf:o:", opts, NULL)) >= 0) {
		bool handled;
		switch (c) {
		case 'h':
			fputs(cmd_k8s_rbac_usage, stdout);
			return CLI_EXIT_OK;
		case 'f':
			if (parse_format(optarg, &fmt) < 0)
				ret = CLI_EXIT_INPUT;
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
			fputs(cmd_k8s_rbac_usage, stderr);
			ret = CLI_EXIT_INPUT;
			break;
		}
	}
	if (ret != CLI_EXIT_OK)
		return ret;
	if (optind >= argc) {
		log_error("missing PATH (see 'bulkhead k8s rbac --help')");
		return CLI_EXIT_INPUT;
	}
	struct k8s_manifests m = {0};
	struct k8s_rbac r = {0};
	struct k8s_rbac_report rep = {0};
	ret = load_all(argv + optind, argc - optind, ctx, &m, &r);
	if (ret == CLI_EXIT_OK) {
		int e = k8s_rbac_analyze(&r, &rep);
		if (e < 0) {
			log_error_errno(e, "cannot analyse the RBAC objects: %m");
			ret = CLI_EXIT_RUNTIME;
		}
	}
	const char *store_spec = cli_store_spec(store_opt);
	if (ret == CLI_EXIT_OK && store_spec) {
		struct rbac_render jx = {&rep, &r, &m, RBAC_FMT_JSON};
		struct store_run run = {
		    .kind = "k8s-rbac",
		    .time = (int64_t)bh_now(NULL),
		    .target = {.type = "cluster", .name = cluster, .cluster = cluster},
		    .tool = "bulkhead " BULKHEAD_VERSION,
		};
		ret = cli_record(ctx, store_spec, &run, rbac_render, &jx, NULL, 0);
	}
	if (ret == CLI_EXIT_OK) {
		struct rbac_render x = {&rep, &r, &m, fmt};
		ret = cli_write_output(out_path, rbac_render, &x);
	}
	if (ret == CLI_EXIT_OK && rep.n > 0)
		ret = CLI_EXIT_FINDINGS;
	k8s_rbac_report_done(&rep);
	k8s_rbac_done(&r);
	k8s_manifests_done(&m);
	return ret;
}
