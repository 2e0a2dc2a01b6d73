/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ask-admins.c — `audit ask admins`: every subject (User, Group, ServiceAccount) that RBAC
 * lets reach a management function, and from the Kubernetes API audit events imported into
 * the audit log (records of kind "k8s.api", written by `audit import-k8s`) who actually used
 * one: verb and resource, how often, when last, the records' seq numbers.
 *
 * A management function is a set of requests; a subject has it when the RBAC authorizer
 * (k8s/rbac.h who-can) allows any one of them, at cluster scope for cluster resources or in
 * some namespace for namespaced ones (a RoleBinding limits it to its namespace: the grant's
 * scope says so). The imported events are changes only (create, update, patch, delete), so
 * reads (get secrets) never show up as used; exec and attach do (a create on pods/exec).
 * Members of system:masters are superusers without any RBAC binding: a user the events show
 * in that group gets a cluster-admin grant naming the group.
 */
#include <stdio.h>

#include "audit/ask.h"
#include "audit/audit.h"
#include "common/json.h"
#include "k8s/rbac.h"

#define RBAC   "rbac.authorization.k8s.io"
#define ADMREG "admissionregistration.k8s.io"
/* audit seq references kept per usage row; the count covers the rest */
#define USE_REFS_MAX 100

struct mgmt_req {
	const char *verb, *group, *resource, *sub;
	bool cluster; /* cluster-scoped request: only ClusterRoleBindings grant it */
};

struct mgmt_fn {
	const char *id, *title;
	bool wildcard;		 /* a "*" request: never matched against single events */
	struct mgmt_req req[20]; /* ends at verb NULL (keep one spare) */
};

static const struct mgmt_fn functions[] = {
    {"cluster-admin",
     "any verb on any resource in every namespace",
     true,
     {{"*", "*", "*", NULL, true}}},
    {"namespace-admin",
     "any verb on any resource in a namespace",
     true,
     {{"*", "*", "*", NULL, false}}},
    {"escalate-bind",
     "escalate or bind roles (grant more than one holds)",
     false,
     {{"escalate", RBAC, "clusterroles", NULL, true},
      {"bind", RBAC, "clusterroles", NULL, true},
      {"escalate", RBAC, "roles", NULL, false},
      {"bind", RBAC, "roles", NULL, false}}},
    {"impersonate",
     "impersonate users, groups or service accounts",
     false,
     {{"impersonate", "", "users", NULL, true},
      {"impersonate", "", "groups", NULL, true},
      {"impersonate", "", "serviceaccounts", NULL, false},
      {"impersonate", "authentication.k8s.io", "userextras", NULL, true},
      {"impersonate", "authentication.k8s.io", "uids", NULL, true}}},
    {"secrets-read",
     "read Secrets",
     false,
     {{"get", "", "secrets", NULL, false},
      {"list", "", "secrets", NULL, false},
      {"watch", "", "secrets", NULL, false}}},
    {"pods-exec",
     "exec or attach into containers",
     false,
     {{"create", "", "pods", "exec", false},
      {"get", "", "pods", "exec", false},
      {"create", "", "pods", "attach", false},
      {"get", "", "pods", "attach", false}}},
    {"nodes-proxy",
     "the kubelet API through nodes/proxy",
     false,
     {{"get", "", "nodes", "proxy", true}, {"create", "", "nodes", "proxy", true}}},
    {"rbac-write",
     "create or change roles and role bindings",
     false,
     {{"create", RBAC, "clusterroles", NULL, true},
      {"update", RBAC, "clusterroles", NULL, true},
      {"patch", RBAC, "clusterroles", NULL, true},
      {"delete", RBAC, "clusterroles", NULL, true},
      {"create", RBAC, "clusterrolebindings", NULL, true},
      {"update", RBAC, "clusterrolebindings", NULL, true},
      {"patch", RBAC, "clusterrolebindings", NULL, true},
      {"delete", RBAC, "clusterrolebindings", NULL, true},
      {"create", RBAC, "roles", NULL, false},
      {"update", RBAC, "roles", NULL, false},
      {"patch", RBAC, "roles", NULL, false},
      {"delete", RBAC, "roles", NULL, false},
      {"create", RBAC, "rolebindings", NULL, false},
      {"update", RBAC, "rolebindings", NULL, false},
      {"patch", RBAC, "rolebindings", NULL, false},
      {"delete", RBAC, "rolebindings", NULL, false}}},
    {"admission-config-write",
     "create or change admission webhooks and policies",
     false,
     {{"create", ADMREG, "validatingwebhookconfigurations", NULL, true},
      {"update", ADMREG, "validatingwebhookconfigurations", NULL, true},
      {"patch", ADMREG, "validatingwebhookconfigurations", NULL, true},
      {"delete", ADMREG, "validatingwebhookconfigurations", NULL, true},
      {"create", ADMREG, "mutatingwebhookconfigurations", NULL, true},
      {"update", ADMREG, "mutatingwebhookconfigurations", NULL, true},
      {"patch", ADMREG, "mutatingwebhookconfigurations", NULL, true},
      {"delete", ADMREG, "mutatingwebhookconfigurations", NULL, true},
      {"create", ADMREG, "validatingadmissionpolicies", NULL, true},
      {"update", ADMREG, "validatingadmissionpolicies", NULL, true},
      {"patch", ADMREG, "validatingadmissionpolicies", NULL, true},
      {"delete", ADMREG, "validatingadmissionpolicies", NULL, true}}},
    {"token-create",
     "mint service account tokens",
     false,
     {{"create", "", "serviceaccounts", "token", false}}},
};

struct admins {
	struct audit_ask_doc *d;
	const struct k8s_manifests *m;
	const struct bh_limits *limits;
	json_t *subjects; /* subject id -> answer object */
	int64_t n_records, n_matched;
	struct buf id, tmp;
};

static int subject_id(const struct k8s_rbac_subject *s, struct buf *b)
{
	buf_clear(b);
	switch (s->kind) {
	case K8S_SUBJ_USER:
		return buf_printf(b, "User/%s", s->name);
	case K8S_SUBJ_GROUP:
		return buf_printf(b, "Group/%s", s->name);
	case K8S_SUBJ_SERVICEACCOUNT:
		return buf_printf(b, "ServiceAccount/%s/%s", s->namespace_, s->name);
	case _K8S_SUBJ_MAX:
		break;
	}
	return -EINVAL;
}

/* The answer of subject id, made on first use. Borrowed from x->subjects. */
static int answer_get(struct admins *x, const char *id, const char *kind, const char *name,
		      const char *ns, json_t **ret)
{
	json_t *a = json_object_get(x->subjects, id);
	if (!a) {
		a = json_pack("{s:s, s:{s:s, s:s, s:s}, s:[], s:[], s:[], s:[]}", "subject_id", id,
			      "subject", "kind", kind, "name", name, "namespace", ns, "grants",
			      "used", "via_groups", "evidence");
		if (!a || json_object_set_new(x->subjects, id, a) < 0)
			return -ENOMEM;
	}
	*ret = a;
	return 0;
}

static int add_grant(struct admins *x, const struct mgmt_fn *fn, const struct k8s_rbac_grant *g)
{
	static const char *const kinds[_K8S_SUBJ_MAX] = {"User", "Group", "ServiceAccount"};
	const struct k8s_rbac_binding *b = g->binding;
	json_t *a;
	int r = subject_id(g->subject, &x->id);
	r = r
		?: answer_get(x, buf_str(&x->id), kinds[g->subject->kind], g->subject->name,
			      g->subject->namespace_, &a);
	if (r < 0)
		return r;
	buf_clear(&x->tmp);
	r = b->is_cluster ? buf_printf(&x->tmp, "ClusterRoleBinding/%s", b->name)
			  : buf_printf(&x->tmp, "RoleBinding/%s/%s", b->namespace_, b->name);
	if (r < 0)
		return r;
	json_t *grants = json_object_get(a, "grants");
	size_t i;
	json_t *v;
	json_array_foreach(grants, i,
			   v) if (streq_ptr(bh_json_str(v, "function"), fn->id) &&
				  streq_ptr(bh_json_str(v, "binding"), buf_str(&x->tmp))) return 0;
	/* a RoleBinding's role: Role in its namespace, or a ClusterRole */
	_cleanup_buf_ struct buf role, scope;
	buf_init(&role, 0);
	buf_init(&scope, 0);
	r = streq_ptr(b->role_kind, "Role")
		? buf_printf(&role, "Role/%s/%s", b->namespace_, b->role_name)
		: buf_printf(&role, "%s/%s", b->role_kind ? b->role_kind : "?", b->role_name);
	r = r
		?: b->is_cluster ? buf_puts(&scope, "cluster")
				 : buf_printf(&scope, "namespace %s", b->namespace_);
	if (r < 0)
		return r;
	json_t *gj = json_pack("{s:s, s:s, s:s, s:s, s:s, s:[]}", "function", fn->id, "title",
			       fn->title, "scope", buf_str(&scope), "binding", buf_str(&x->tmp),
			       "role", buf_str(&role), "evidence");
	if (!gj || bh_json_append_new(grants, gj) < 0)
		return -ENOMEM;
	json_t *refs = json_object_get(gj, "evidence"), *all = json_object_get(a, "evidence");
	r = audit_ask_ev_manifest(x->d, b->obj, refs) ?: audit_ask_ev_manifest(x->d, b->obj, all);
	if (r == 0 && b->role && b->role->obj)
		r = audit_ask_ev_manifest(x->d, b->role->obj, refs)
			?: audit_ask_ev_manifest(x->d, b->role->obj, all);
	return r;
}

static int rbac_grants(struct admins *x, const struct k8s_rbac *rb)
{
	for (size_t f = 0; f < ARRAY_SIZE(functions); f++)
		for (const struct mgmt_req *q = functions[f].req; q->verb; q++) {
			struct k8s_rbac_request req = {
			    .verb = q->verb,
			    .api_group = q->group,
			    .resource = q->resource,
			    .subresource = q->sub,
			    .namespace_ = "",
			};
			struct k8s_rbac_grant *g = NULL;
			size_t n = 0;
			int r = k8s_rbac_who_can(rb, &req, !q->cluster, q->cluster, &g, &n);
			for (size_t i = 0; r == 0 && i < n; i++) {
				/* a cluster-wide grant of everything is cluster-admin already */
				if (streq(functions[f].id, "namespace-admin") &&
				    g[i].binding->is_cluster)
					continue;
				r = add_grant(x, &functions[f], &g[i]);
			}
			free(g);
			if (r < 0)
				return r;
		}
	return 0;
}

/* ---- usage from the imported API audit events ---------------------------------------------- */

struct event {
	const char *user, *verb, *resource, *sub, *group, *as, *time;
	const json_t *groups;
	bool denied;
};

static bool req_matches(const struct mgmt_req *q, const struct event *e)
{
	return streq(q->verb, e->verb) && streq(q->resource, e->resource) &&
	       streq(q->sub ? q->sub : "", e->sub ? e->sub : "") &&
	       streq(q->group, e->group ? e->group : "");
}

static int add_use(struct admins *x, json_t *a, const char *fn, const char *verb,
		   const char *resource, const struct event *e, const struct store_audit_row *row)
{
	json_t *used = json_object_get(a, "used"), *u = NULL, *v;
	size_t i;
	json_array_foreach(used, i, v) if (streq_ptr(bh_json_str(v, "function"), fn) &&
					   streq_ptr(bh_json_str(v, "verb"), verb) &&
					   streq_ptr(bh_json_str(v, "resource"), resource))
	{
		u = v;
		break;
	}
	/* the event's own time when it has one, else when it was imported */
	int64_t us = row->time;
	if (e->time)
		(void)audit_parse_rfc3339(span_from(e->time), &us);
	_cleanup_json_ json_t *when = audit_ask_time_json(us / 1000000);
	if (!when)
		return -ENOMEM;
	if (!u) {
		u = json_pack("{s:s, s:s, s:s, s:I, s:I, s:O, s:O, s:[], s:[]}", "function", fn,
			      "verb", verb, "resource", resource, "count", (json_int_t)0, "denied",
			      (json_int_t)0, "first", when, "last", when, "seqs", "evidence");
		if (!u || bh_json_append_new(used, u) < 0)
			return -ENOMEM;
	}
	const char *first = bh_json_str(u, "first"), *last = bh_json_str(u, "last");
	const char *w = json_string_value(when);
	if (w && first && strcmp(w, first) < 0 && json_object_set(u, "first", when) < 0)
		return -ENOMEM;
	if (w && last && strcmp(w, last) > 0 && json_object_set(u, "last", when) < 0)
		return -ENOMEM;
	json_int_t count = json_integer_value(json_object_get(u, "count")) + 1;
	json_int_t denied = json_integer_value(json_object_get(u, "denied")) + e->denied;
	if (json_object_set_new(u, "count", json_integer(count)) < 0 ||
	    json_object_set_new(u, "denied", json_integer(denied)) < 0)
		return -ENOMEM;
	if (e->as && bh_json_set_str(u, "as", e->as) < 0)
		return -ENOMEM;
	if (json_array_size(json_object_get(u, "seqs")) >= USE_REFS_MAX)
		return 0;
	if (bh_json_append_new(json_object_get(u, "seqs"), json_integer(row->seq)) < 0)
		return -ENOMEM;
	int r = audit_ask_ev_audit(x->d, row->seq, row->time, row->kind, row->actor, row->target,
				   json_object_get(u, "evidence"));
	return r
		   ?: audit_ask_ev_audit(x->d, row->seq, row->time, row->kind, row->actor,
					 row->target, json_object_get(a, "evidence"));
}

/* The user's groups that hold grants (or system:masters) into via_groups. */
static int note_groups(struct admins *x, json_t *a, const struct event *e,
		       const struct store_audit_row *row)
{
	json_t *via = json_object_get(a, "via_groups");
	size_t i, j;
	json_t *g, *v;
	json_array_foreach(e->groups, i, g)
	{
		const char *name = json_string_value(g);
		if (!name)
			continue;
		bool masters = streq(name, "system:masters");
		buf_clear(&x->id);
		if (buf_printf(&x->id, "Group/%s", name) < 0)
			return -ENOMEM;
		if (!masters && !json_object_get(x->subjects, buf_str(&x->id)))
			continue;
		bool listed = false;
		json_array_foreach(via, j, v) listed |= streq_ptr(json_string_value(v), name);
		if (!listed && bh_json_append_str(via, name) < 0)
			return -ENOMEM;
		if (!masters)
			continue;
		json_t *grants = json_object_get(a, "grants"), *gj = NULL;
		json_array_foreach(grants, j, v) if (streq_ptr(bh_json_str(v, "binding"),
							       "Group/system:masters")) gj = v;
		if (!gj) {
			gj = json_pack("{s:s, s:s, s:s, s:s, s:s, s:[]}", "function",
				       "cluster-admin", "title", functions[0].title, "scope",
				       "cluster", "binding", "Group/system:masters", "role",
				       "(built-in superuser group, not RBAC)", "evidence");
			if (!gj || bh_json_append_new(grants, gj) < 0)
				return -ENOMEM;
		}
		if (json_array_size(json_object_get(gj, "evidence")) < USE_REFS_MAX) {
			int r = audit_ask_ev_audit(x->d, row->seq, row->time, row->kind, row->actor,
						   row->target, json_object_get(gj, "evidence"));
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int on_record(void *u, const struct store_audit_row *row)
{
	struct admins *x = u;
	if (!streq_ptr(row->kind, "k8s.api"))
		return 0;
	x->n_records++;
	_cleanup_json_ json_t *p = NULL;
	if (bh_json_parse(span_from(row->payload ? row->payload : ""), x->limits, "audit record",
			  &p, NULL) < 0 ||
	    !json_is_object(p))
		return 0; /* `audit verify` reports records that are not what we wrote */
	struct event e = {
	    .user = bh_json_str(p, "user"),
	    .verb = bh_json_str(p, "verb"),
	    .resource = bh_json_str(p, "resource"),
	    .sub = bh_json_str(p, "subresource"),
	    .group = bh_json_str(p, "api_group"),
	    .as = bh_json_str(p, "impersonated_user"),
	    .time = bh_json_str(p, "time"),
	    .groups = json_object_get(p, "groups"),
	};
	if (!e.user || !e.verb || !e.resource)
		return 0;
	const json_t *code = json_object_get(p, "code");
	e.denied = (json_is_integer(code) && json_integer_value(code) >= 400) ||
		   streq_ptr(bh_json_str(p, "decision"), "forbid");

	_cleanup_buf_ struct buf id, res;
	buf_init(&id, 0);
	buf_init(&res, 0);
	const char *kind = "User", *name = e.user, *ns = "";
	_cleanup_free_ char *sa = NULL;
	int r;
	if (strncmp(e.user, "system:serviceaccount:", 22) == 0 && strchr(e.user + 22, ':')) {
		sa = strdup(e.user + 22);
		if (!sa)
			return -ENOMEM;
		char *colon = strchr(sa, ':');
		*colon = '\0';
		kind = "ServiceAccount";
		ns = sa;
		name = colon + 1;
		r = buf_printf(&id, "ServiceAccount/%s/%s", ns, name);
	} else
		r = buf_printf(&id, "User/%s", name);
	r = r ?: buf_printf(&res, "%s%s%s", e.resource, e.sub ? "/" : "", e.sub ? e.sub : "");
	if (r < 0)
		return r;

	bool matched = false;
	json_t *a = json_object_get(x->subjects, buf_str(&id));
	for (size_t f = 0; f < ARRAY_SIZE(functions); f++) {
		if (functions[f].wildcard)
			continue;
		bool hit = false;
		for (const struct mgmt_req *q = functions[f].req; q->verb && !hit; q++)
			hit = req_matches(q, &e);
		if (streq(functions[f].id, "impersonate") && e.as)
			hit = true;
		if (!hit)
			continue;
		if (!a && (r = answer_get(x, buf_str(&id), kind, name, ns, &a)) < 0)
			return r;
		bool imp = streq(functions[f].id, "impersonate") && e.as;
		r = add_use(x, a, functions[f].id, imp ? "impersonate" : e.verb,
			    imp ? (strncmp(e.as, "system:serviceaccount:", 22) == 0
				       ? "serviceaccounts"
				       : "users")
				: buf_str(&res),
			    &e, row);
		if (r < 0)
			return r;
		matched = true;
	}
	if (!matched)
		return 0;
	x->n_matched++;
	return note_groups(x, a, &e, row);
}

/*
 * For each use of a, the grant that explains it: one for the same function, else a
 * cluster-admin one (everything), else a namespace-admin one; "explained_by" names its
 * binding, or is null: access used that the manifests do not grant (another binding, a
 * changed role, or manifests that are not what runs).
 */
static int explain_uses(json_t *a)
{
	static const char *const fallbacks[] = {NULL, "cluster-admin", "namespace-admin"};
	size_t i, j;
	json_t *u, *g;
	json_array_foreach(json_object_get(a, "used"), i, u)
	{
		const char *by = NULL;
		for (size_t k = 0; !by && k < ARRAY_SIZE(fallbacks); k++) {
			const char *fn = fallbacks[k] ? fallbacks[k] : bh_json_str(u, "function");
			json_array_foreach(json_object_get(a, "grants"), j,
					   g) if (!by && streq_ptr(bh_json_str(g, "function"), fn))
			    by = bh_json_str(g, "binding");
		}
		if (json_object_set_new(u, "explained_by", by ? json_string(by) : json_null()) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int key_cmp(const void *pa, const void *pb)
{
	return strcmp(*(char *const *)pa, *(char *const *)pb);
}

int audit_ask_admins(struct audit_ask_doc *d, const struct k8s_manifests *m, struct store *s,
		     const struct audit_ask_opts *o, struct bh_diag *reterr_diag)
{
	(void)o;
	struct bh_limits limits;
	bh_limits_default(&limits);
	struct admins x = {.d = d, .m = m, .limits = &limits, .subjects = json_object()};
	buf_init(&x.id, 0);
	buf_init(&x.tmp, 0);
	struct k8s_rbac rb = {0};
	const char **keys = NULL;
	int r = x.subjects ? k8s_rbac_build(&rb, m, reterr_diag) : -ENOMEM;
	r = r ?: rbac_grants(&x, &rb);
	if (r == 0 && s) {
		r = store_audit_foreach(s, 1, on_record, &x);
		if (r < 0)
			bh_diag_set(reterr_diag, store_name(s), 0, 0,
				    "cannot read the audit log: %s", store_errmsg(s));
	}

	/* answers in subject order */
	size_t n = json_object_size(x.subjects), k = 0;
	if (r == 0 && n && !(keys = calloc(n, sizeof(*keys))))
		r = -ENOMEM;
	const char *key;
	json_t *a;
	if (r == 0)
		json_object_foreach(x.subjects, key, a) keys[k++] = key;
	if (r == 0 && n > 1)
		qsort(keys, n, sizeof(*keys), key_cmp);
	json_t *by_fn = json_object();
	int64_t n_used = 0;
	if (!by_fn && r == 0)
		r = -ENOMEM;
	for (size_t f = 0; r == 0 && f < ARRAY_SIZE(functions); f++)
		if (json_object_set_new(by_fn, functions[f].id, json_integer(0)) < 0)
			r = -ENOMEM;
	for (size_t i = 0; r == 0 && i < n; i++) {
		a = json_object_get(x.subjects, keys[i]);
		n_used += json_array_size(json_object_get(a, "used")) > 0;
		r = explain_uses(a);
		for (size_t f = 0; r == 0 && f < ARRAY_SIZE(functions); f++) {
			bool has = false;
			size_t j;
			json_t *v;
			json_array_foreach(json_object_get(a, "grants"), j, v) has |=
			    streq_ptr(bh_json_str(v, "function"), functions[f].id);
			if (has &&
			    json_object_set_new(by_fn, functions[f].id,
						json_integer(json_integer_value(json_object_get(
								 by_fn, functions[f].id)) +
							     1)) < 0)
				r = -ENOMEM;
		}
		if (r == 0 && json_array_append(d->answers, a) < 0)
			r = -ENOMEM;
	}
	if (r == 0) {
		json_t *fns = json_array();
		for (size_t f = 0; fns && f < ARRAY_SIZE(functions); f++)
			if (bh_json_append_new(fns, json_pack("{s:s, s:s}", "id", functions[f].id,
							      "title", functions[f].title)) < 0) {
				json_decref(fns);
				fns = NULL;
			}
		if (!fns ||
		    json_object_update_new(
			d->summary,
			json_pack("{s:I, s:I, s:o, s:I, s:I, s:b, s:o}", "subjects", (json_int_t)n,
				  "subjects_used", (json_int_t)n_used, "by_function",
				  json_incref(by_fn), "audit_records", (json_int_t)x.n_records,
				  "audit_records_matched", (json_int_t)x.n_matched,
				  "audit_log_read", s != NULL, "functions", fns)) < 0)
			r = -ENOMEM;
	}
	json_decref(by_fn);
	free(keys);
	json_decref(x.subjects);
	buf_done(&x.id);
	buf_done(&x.tmp);
	k8s_rbac_done(&rb);
	return r;
}
