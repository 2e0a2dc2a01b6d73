/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rbac.c — the RBAC model built from manifests, the authorizer's decision, who-can and the
 * RBAC findings (see rbac.h). Rule matching follows the Kubernetes RBAC authorizer:
 * VerbMatches, APIGroupMatches, ResourceMatches (with "* /sub" subresource wildcards),
 * ResourceNameMatches, NonResourceURLMatches and the subject appliesTo rules.
 */
#include "k8s/rbac.h"

#include <stdarg.h>

#include "common/common.h"
#include "common/json.h"

#define RBAC_GROUP "rbac.authorization.k8s.io"

static void rule_done(struct k8s_rbac_rule *x)
{
	free(x->verbs);
	free(x->api_groups);
	free(x->resources);
	free(x->resource_names);
	free(x->urls);
}

void k8s_rbac_done(struct k8s_rbac *r)
{
	for (size_t i = 0; i < r->n_roles; i++) {
		for (size_t j = 0; j < r->roles[i].n_rules; j++)
			rule_done(&r->roles[i].rules[j]);
		free(r->roles[i].rules);
		free(r->roles[i].eff);
	}
	free(r->roles);
	for (size_t i = 0; i < r->n_bindings; i++)
		free(r->bindings[i].subjects);
	free(r->bindings);
	free(r->workloads);
	free(r->service_accounts);
	strv_done(&r->namespaces);
	strv_done(&r->notes);
	*r = (struct k8s_rbac){0};
}

static int bad(const struct k8s_object *o, struct bh_diag *d, const char *what)
{
	bh_diag_set(d, o->path, o->line, 0, "%s/%s: %s", o->kind_name, o->name, what);
	return -EBADMSG;
}

/* A list of strings under key (absent or null: empty). */
static int str_list(const json_t *obj, const char *key, const char ***ret, size_t *ret_n)
{
	*ret = NULL;
	*ret_n = 0;
	json_t *a = json_object_get(obj, key);
	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a))
		return -EBADMSG;
	size_t n = json_array_size(a);
	if (n == 0)
		return 0;
	const char **v = reallocarray(NULL, n, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(a, i));
		if (!s) {
			free(v);
			return -EBADMSG;
		}
		v[i] = s;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

static int parse_rules(const struct k8s_object *o, struct k8s_rbac_role *role, struct bh_diag *d)
{
	json_t *rules = json_object_get(o->raw, "rules");
	if (!rules || json_is_null(rules))
		return 0;
	if (!json_is_array(rules))
		return bad(o, d, "rules must be a list");
	size_t n = json_array_size(rules);
	if (n == 0)
		return 0;
	role->rules = calloc(n, sizeof(*role->rules));
	if (!role->rules)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		json_t *ru = json_array_get(rules, i);
		if (!json_is_object(ru))
			return bad(o, d, "each rule must be a mapping");
		struct k8s_rbac_rule *x = &role->rules[i];
		role->n_rules = i + 1;
		int r = str_list(ru, "verbs", &x->verbs, &x->n_verbs);
		if (r >= 0)
			r = str_list(ru, "apiGroups", &x->api_groups, &x->n_api_groups);
		if (r >= 0)
			r = str_list(ru, "resources", &x->resources, &x->n_resources);
		if (r >= 0)
			r = str_list(ru, "resourceNames", &x->resource_names, &x->n_resource_names);
		if (r >= 0)
			r = str_list(ru, "nonResourceURLs", &x->urls, &x->n_urls);
		if (r == -EBADMSG)
			return bad(o, d, "rule fields must be lists of strings");
		if (r < 0)
			return r;
	}
	return 0;
}

static int add_role(struct k8s_rbac *r, const struct k8s_object *o, bool is_cluster,
		    struct bh_diag *d)
{
	if (GROW(r->roles, r->n_roles, r->cap_roles) < 0)
		return -ENOMEM;
	struct k8s_rbac_role *role = &r->roles[r->n_roles++];
	*role = (struct k8s_rbac_role){
	    .obj = o,
	    .is_cluster = is_cluster,
	    .namespace_ = is_cluster ? "" : k8s_object_namespace(o),
	    .name = o->name,
	};
	int ret = parse_rules(o, role, d);
	if (ret < 0)
		return ret;
	json_t *agg = json_object_get(o->raw, "aggregationRule");
	if (is_cluster && agg && !json_is_null(agg)) {
		if (!json_is_object(agg))
			return bad(o, d, "aggregationRule must be a mapping");
		json_t *sel = json_object_get(agg, "clusterRoleSelectors");
		if (sel && !json_is_null(sel) && !json_is_array(sel))
			return bad(o, d, "aggregationRule.clusterRoleSelectors must be a list");
		role->is_aggregated = true;
		role->selectors = sel;
	} else {
		/* Enforced rules are the written ones. */
		if (role->n_rules > 0) {
			role->eff = reallocarray(NULL, role->n_rules, sizeof(*role->eff));
			if (!role->eff)
				return -ENOMEM;
			for (size_t i = 0; i < role->n_rules; i++)
				role->eff[i] = &role->rules[i];
			role->n_eff = role->cap_eff = role->n_rules;
		}
	}
	if (!is_cluster && strv_push_uniq(&r->namespaces, role->namespace_) < 0)
		return -ENOMEM;
	return 0;
}

static bool subject_kind_from(const char *s, enum k8s_rbac_subject_kind *ret)
{
	static const char *const names[_K8S_SUBJ_MAX] = {"User", "Group", "ServiceAccount"};
	for (size_t i = 0; i < _K8S_SUBJ_MAX; i++)
		if (streq(s, names[i])) {
			*ret = (enum k8s_rbac_subject_kind)i;
			return true;
		}
	return false;
}

static int add_binding(struct k8s_rbac *r, const struct k8s_object *o, bool is_cluster,
		       struct bh_diag *d)
{
	if (GROW(r->bindings, r->n_bindings, r->cap_bindings) < 0)
		return -ENOMEM;
	struct k8s_rbac_binding *b = &r->bindings[r->n_bindings++];
	*b = (struct k8s_rbac_binding){
	    .obj = o,
	    .is_cluster = is_cluster,
	    .namespace_ = is_cluster ? "" : k8s_object_namespace(o),
	    .name = o->name,
	};
	json_t *ref = json_object_get(o->raw, "roleRef");
	b->role_kind = bh_json_str(ref, "kind");
	b->role_name = bh_json_str(ref, "name");
	if (!json_is_object(ref) || !b->role_kind || !b->role_name)
		return bad(o, d, "roleRef must name a kind and a name");
	json_t *subs = json_object_get(o->raw, "subjects");
	if (subs && !json_is_null(subs) && !json_is_array(subs))
		return bad(o, d, "subjects must be a list");
	size_t n = subs ? json_array_size(subs) : 0;
	if (n > 0) {
		b->subjects = calloc(n, sizeof(*b->subjects));
		if (!b->subjects)
			return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *s = json_array_get(subs, i);
		const char *kind = bh_json_str(s, "kind"), *name = bh_json_str(s, "name");
		const char *ns = bh_json_str(s, "namespace");
		if (!kind || !name)
			return bad(o, d, "each subject must have a kind and a name");
		struct k8s_rbac_subject *x = &b->subjects[b->n_subjects];
		if (!subject_kind_from(kind, &x->kind)) {
			_cleanup_buf_ struct buf note;
			buf_init(&note, 0);
			if (buf_printf(&note, "%s:%u: %s/%s: ignoring subject of unknown kind '%s'",
				       o->path, o->line, o->kind_name, o->name, kind) < 0 ||
			    strv_push(&r->notes, buf_str(&note)) < 0)
				return -ENOMEM;
			continue;
		}
		x->name = name;
		x->namespace_ = "";
		if (x->kind == K8S_SUBJ_SERVICEACCOUNT) {
			/* appliesTo defaults the namespace to the binding's (none for CRBs). */
			x->namespace_ = ns && ns[0] ? ns : b->namespace_;
			if (!x->namespace_[0]) {
				_cleanup_buf_ struct buf note;
				buf_init(&note, 0);
				if (buf_printf(&note,
					       "%s:%u: %s/%s: service account subject '%s' has no "
					       "namespace and matches nobody",
					       o->path, o->line, o->kind_name, o->name, name) < 0 ||
				    strv_push(&r->notes, buf_str(&note)) < 0)
					return -ENOMEM;
			} else if (strv_push_uniq(&r->namespaces, x->namespace_) < 0)
				return -ENOMEM;
		}
		b->n_subjects++;
	}
	if (!is_cluster && strv_push_uniq(&r->namespaces, b->namespace_) < 0)
		return -ENOMEM;
	return 0;
}

static const json_t *json_at_path(const json_t *v, const char *path)
{
	struct span in = span_from(path), tok;
	while (v && span_next_token(&in, '.', &tok) == 0) {
		char key[64];
		if (tok.len >= sizeof(key))
			return NULL;
		memcpy(key, tok.ptr, tok.len);
		key[tok.len] = '\0';
		v = json_object_get(v, key);
	}
	return v;
}

static int add_workload(struct k8s_rbac *r, const struct k8s_object *o)
{
	const json_t *spec = json_at_path(o->raw, o->pod_path ? o->pod_path : "spec");
	const char *sa = bh_json_str(spec, "serviceAccountName");
	if (!sa || !sa[0])
		sa = bh_json_str(spec, "serviceAccount"); /* deprecated alias */
	if (!sa || !sa[0])
		sa = "default";
	json_t *am = json_object_get(spec, "automountServiceAccountToken");
	if (GROW(r->workloads, r->n_workloads, r->cap_workloads) < 0)
		return -ENOMEM;
	r->workloads[r->n_workloads++] = (struct k8s_rbac_workload){
	    .obj = o,
	    .service_account = sa,
	    .automount_disabled = json_is_false(am),
	};
	return strv_push_uniq(&r->namespaces, k8s_object_namespace(o));
}

static int role_cmp(const void *pa, const void *pb)
{
	const struct k8s_rbac_role *a = pa, *b = pb;
	if (a->is_cluster != b->is_cluster)
		return a->is_cluster ? 1 : -1;
	int c = strcmp(a->namespace_, b->namespace_);
	if (c == 0)
		c = strcmp(a->name, b->name);
	if (c == 0) /* duplicates: manifest order, the last one wins */
		c = a->obj < b->obj ? -1 : a->obj > b->obj;
	return c;
}

const struct k8s_rbac_role *k8s_rbac_find_role(const struct k8s_rbac *r, bool is_cluster,
					       const char *namespace_, const char *name)
{
	if (is_cluster)
		namespace_ = "";
	size_t lo = 0, hi = r->n_roles;
	/* Upper bound of the key: the last equal element is at hi - 1. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct k8s_rbac_role *x = &r->roles[mid];
		int c = x->is_cluster != is_cluster ? (x->is_cluster ? 1 : -1) : 0;
		if (c == 0)
			c = strcmp(x->namespace_, namespace_);
		if (c == 0)
			c = strcmp(x->name, name);
		if (c <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	const struct k8s_rbac_role *x = &r->roles[lo - 1];
	if (x->is_cluster == is_cluster && streq(x->namespace_, namespace_) && streq(x->name, name))
		return x;
	return NULL;
}

/* Label selector (matchLabels, matchExpressions) against an object's labels. */
static const char *label_of(const struct k8s_object *o, const char *key)
{
	for (size_t i = 0; i < o->n_labels; i++)
		if (streq(o->labels[i].key, key))
			return o->labels[i].value;
	return NULL;
}

static bool in_values(const json_t *values, const char *v)
{
	size_t i;
	json_t *x;
	json_array_foreach(values, i, x)
	{
		const char *s = json_string_value(x);
		if (s && streq(s, v))
			return true;
	}
	return false;
}

/* 1 match, 0 no match, -EBADMSG invalid selector (matches nothing). */
static int selector_matches(const json_t *sel, const struct k8s_object *o)
{
	if (!json_is_object(sel))
		return -EBADMSG;
	json_t *ml = json_object_get(sel, "matchLabels");
	const char *k;
	json_t *v;
	if (ml && !json_is_null(ml)) {
		if (!json_is_object(ml))
			return -EBADMSG;
		json_object_foreach(ml, k, v)
		{
			const char *want = json_string_value(v), *have = label_of(o, k);
			if (!want)
				return -EBADMSG;
			if (!have || !streq(have, want))
				return 0;
		}
	}
	json_t *me = json_object_get(sel, "matchExpressions");
	if (me && !json_is_null(me)) {
		if (!json_is_array(me))
			return -EBADMSG;
		size_t i;
		json_t *e;
		json_array_foreach(me, i, e)
		{
			const char *key = bh_json_str(e, "key"), *op = bh_json_str(e, "operator");
			json_t *values = json_object_get(e, "values");
			if (!key || !op)
				return -EBADMSG;
			const char *have = label_of(o, key);
			bool has_values = json_is_array(values) && json_array_size(values) > 0;
			bool ok;
			if (streq(op, "In") || streq(op, "NotIn")) {
				if (!has_values)
					return -EBADMSG;
				bool in = have && in_values(values, have);
				ok = streq(op, "In") ? in : !in;
			} else if (streq(op, "Exists") || streq(op, "DoesNotExist")) {
				if (has_values)
					return -EBADMSG;
				ok = streq(op, "Exists") ? have != NULL : have == NULL;
			} else
				return -EBADMSG;
			if (!ok)
				return 0;
		}
	}
	return 1;
}

static int eff_add(struct k8s_rbac_role *role, const struct k8s_rbac_rule *x, bool *changed)
{
	for (size_t i = 0; i < role->n_eff; i++)
		if (role->eff[i] == x)
			return 0;
	if (GROW(role->eff, role->n_eff, role->cap_eff) < 0)
		return -ENOMEM;
	role->eff[role->n_eff++] = x;
	*changed = true;
	return 0;
}

/* The aggregation controller, run until nothing changes (nested aggregation). */
static int aggregate(struct k8s_rbac *r)
{
	bool any = false;
	for (size_t i = 0; i < r->n_roles; i++) {
		struct k8s_rbac_role *role = &r->roles[i];
		if (!role->is_aggregated)
			continue;
		any = true;
		size_t j;
		json_t *sel;
		json_array_foreach(role->selectors, j, sel)
		{
			if (selector_matches(sel, role->obj) == -EBADMSG) {
				_cleanup_buf_ struct buf note;
				buf_init(&note, 0);
				if (buf_printf(
					&note,
					"%s:%u: ClusterRole/%s: invalid clusterRoleSelectors[%zu]"
					" matches nothing",
					role->obj->path, role->obj->line, role->name, j) < 0 ||
				    strv_push(&r->notes, buf_str(&note)) < 0)
					return -ENOMEM;
			}
		}
	}
	for (size_t round = 0; any && round <= r->n_roles; round++) {
		bool changed = false;
		for (size_t i = 0; i < r->n_roles; i++) {
			struct k8s_rbac_role *role = &r->roles[i];
			if (!role->is_aggregated)
				continue;
			size_t j;
			json_t *sel;
			json_array_foreach(role->selectors, j, sel)
			{
				for (size_t k = 0; k < r->n_roles; k++) {
					struct k8s_rbac_role *src = &r->roles[k];
					if (!src->is_cluster || streq(src->name, role->name) ||
					    selector_matches(sel, src->obj) != 1)
						continue;
					/* Only the surviving duplicate of a name counts. */
					if (k8s_rbac_find_role(r, true, "", src->name) != src)
						continue;
					for (size_t e = 0; e < src->n_eff; e++) {
						int ret = eff_add(role, src->eff[e], &changed);
						if (ret < 0)
							return ret;
					}
				}
			}
		}
		if (!changed)
			break;
	}
	return 0;
}

int k8s_rbac_build(struct k8s_rbac *r, const struct k8s_manifests *m, struct bh_diag *reterr_diag)
{
	struct bh_diag dummy;
	struct bh_diag *d = reterr_diag ? reterr_diag : &dummy;
	int ret = 0;
	for (size_t i = 0; ret >= 0 && i < m->n; i++) {
		const struct k8s_object *o = &m->objs[i];
		if (o->has_pod) {
			ret = add_workload(r, o);
			continue;
		}
		if (o->kind != K8S_KIND_KNOWN || !o->kind_name)
			continue;
		if (streq(o->kind_name, "Role"))
			ret = add_role(r, o, false, d);
		else if (streq(o->kind_name, "ClusterRole"))
			ret = add_role(r, o, true, d);
		else if (streq(o->kind_name, "RoleBinding"))
			ret = add_binding(r, o, false, d);
		else if (streq(o->kind_name, "ClusterRoleBinding"))
			ret = add_binding(r, o, true, d);
		else if (streq(o->kind_name, "ServiceAccount")) {
			ret = GROW(r->service_accounts, r->n_service_accounts,
				   r->cap_service_accounts);
			if (ret >= 0) {
				r->service_accounts[r->n_service_accounts++] = o;
				ret = strv_push_uniq(&r->namespaces, k8s_object_namespace(o));
			}
		}
	}
	if (ret < 0)
		return ret;
	if (r->n_roles > 1)
		qsort(r->roles, r->n_roles, sizeof(*r->roles), role_cmp);
	ret = aggregate(r);
	if (ret < 0)
		return ret;
	for (size_t i = 0; i < r->n_bindings; i++) {
		struct k8s_rbac_binding *b = &r->bindings[i];
		bool to_cluster = streq(b->role_kind, "ClusterRole");
		if (to_cluster || (!b->is_cluster && streq(b->role_kind, "Role")))
			b->role = k8s_rbac_find_role(r, to_cluster, b->namespace_, b->role_name);
		if (!b->role) {
			_cleanup_buf_ struct buf note;
			buf_init(&note, 0);
			if (buf_printf(&note, "%s:%u: %s/%s: roleRef %s/%s is not among the inputs",
				       b->obj->path, b->obj->line, b->obj->kind_name, b->name,
				       b->role_kind, b->role_name) < 0 ||
			    strv_push(&r->notes, buf_str(&note)) < 0)
				return -ENOMEM;
		}
	}
	strv_sort_uniq(&r->namespaces);
	return 0;
}

/* ---- the authorizer ---- */

static bool list_has(const char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (streq(v[i], s))
			return true;
	return false;
}

static bool match_or_star(const char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (streq(v[i], "*") || streq(v[i], s))
			return true;
	return false;
}

static bool resource_matches(const struct k8s_rbac_rule *x, const char *resource, const char *sub)
{
	size_t rl = strlen(resource), sl = sub ? strlen(sub) : 0;
	for (size_t i = 0; i < x->n_resources; i++) {
		const char *rr = x->resources[i];
		size_t n = strlen(rr);
		if (streq(rr, "*"))
			return true;
		/* rr == resource or resource + "/" + sub */
		if (sl == 0) {
			if (n == rl && memcmp(rr, resource, rl) == 0)
				return true;
			continue;
		}
		if (n == rl + 1 + sl && memcmp(rr, resource, rl) == 0 && rr[rl] == '/' &&
		    memcmp(rr + rl + 1, sub, sl) == 0)
			return true;
		/* "*" + "/" + sub */
		if (n == sl + 2 && rr[0] == '*' && rr[1] == '/' && memcmp(rr + 2, sub, sl) == 0)
			return true;
	}
	return false;
}

static bool url_matches(const struct k8s_rbac_rule *x, const char *url)
{
	for (size_t i = 0; i < x->n_urls; i++) {
		const char *u = x->urls[i];
		if (streq(u, "*") || streq(u, url))
			return true;
		size_t n = strlen(u);
		if (n > 0 && u[n - 1] == '*') {
			while (n > 0 && u[n - 1] == '*')
				n--;
			if (strncmp(url, u, n) == 0)
				return true;
		}
	}
	return false;
}

bool k8s_rbac_rule_allows(const struct k8s_rbac_rule *x, const struct k8s_rbac_request *req)
{
	if (!match_or_star(x->verbs, x->n_verbs, req->verb))
		return false;
	if (req->url)
		return url_matches(x, req->url);
	if (!match_or_star(x->api_groups, x->n_api_groups, req->api_group ? req->api_group : ""))
		return false;
	if (!resource_matches(x, req->resource, req->subresource))
		return false;
	if (x->n_resource_names == 0)
		return true;
	return list_has(x->resource_names, x->n_resource_names, req->name ? req->name : "");
}

bool k8s_rbac_role_allows(const struct k8s_rbac_role *role, const struct k8s_rbac_request *req)
{
	if (!role)
		return false;
	for (size_t i = 0; i < role->n_eff; i++)
		if (k8s_rbac_rule_allows(role->eff[i], req))
			return true;
	return false;
}

bool k8s_rbac_subject_applies(const struct k8s_rbac_subject *s, const char *binding_ns,
			      const struct k8s_rbac_user *u)
{
	switch (s->kind) {
	case K8S_SUBJ_USER:
		return u->name && streq(u->name, s->name);
	case K8S_SUBJ_GROUP:
		return list_has(u->groups, u->n_groups, s->name);
	case K8S_SUBJ_SERVICEACCOUNT: {
		const char *ns = s->namespace_[0] ? s->namespace_ : binding_ns;
		if (!ns[0] || !u->name)
			return false;
		/* system:serviceaccount:NS:NAME */
		static const char pfx[] = "system:serviceaccount:";
		size_t pl = sizeof(pfx) - 1, nl = strlen(ns);
		return strncmp(u->name, pfx, pl) == 0 && strncmp(u->name + pl, ns, nl) == 0 &&
		       u->name[pl + nl] == ':' && streq(u->name + pl + nl + 1, s->name);
	}
	case _K8S_SUBJ_MAX:
		break;
	}
	return false;
}

static bool binding_in_scope(const struct k8s_rbac_binding *b, const char *ns)
{
	return b->is_cluster || (ns && ns[0] && streq(b->namespace_, ns));
}

bool k8s_rbac_allows(const struct k8s_rbac *r, const struct k8s_rbac_user *u,
		     const struct k8s_rbac_request *req,
		     const struct k8s_rbac_binding **ret_binding)
{
	const char *ns = req->url ? "" : req->namespace_;
	/* ClusterRoleBindings first, then the RoleBindings of the namespace, as RBAC visits. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < r->n_bindings; i++) {
			const struct k8s_rbac_binding *b = &r->bindings[i];
			if (b->is_cluster != (pass == 0) || !binding_in_scope(b, ns))
				continue;
			bool applies = false;
			for (size_t j = 0; !applies && j < b->n_subjects; j++)
				applies =
				    k8s_rbac_subject_applies(&b->subjects[j], b->namespace_, u);
			if (applies && k8s_rbac_role_allows(b->role, req)) {
				if (ret_binding)
					*ret_binding = b;
				return true;
			}
		}
	return false;
}

int k8s_rbac_who_can(const struct k8s_rbac *r, const struct k8s_rbac_request *req,
		     bool any_namespace, bool cluster_scoped, struct k8s_rbac_grant **ret_grants,
		     size_t *ret_n)
{
	const char *ns = req->url ? "" : (req->namespace_ ? req->namespace_ : "");
	bool all_rb = !ns[0] && any_namespace && !req->url && !cluster_scoped;
	struct k8s_rbac_grant *g = NULL;
	size_t n = 0, cap = 0;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < r->n_bindings; i++) {
			const struct k8s_rbac_binding *b = &r->bindings[i];
			if (b->is_cluster != (pass == 0))
				continue;
			if (!b->is_cluster && !all_rb && !binding_in_scope(b, ns))
				continue;
			if (!k8s_rbac_role_allows(b->role, req))
				continue;
			for (size_t j = 0; j < b->n_subjects; j++) {
				const struct k8s_rbac_subject *s = &b->subjects[j];
				if (s->kind == K8S_SUBJ_SERVICEACCOUNT && !s->namespace_[0])
					continue;
				if (GROW(g, n, cap) < 0) {
					free(g);
					return -ENOMEM;
				}
				g[n++] = (struct k8s_rbac_grant){.subject = s, .binding = b};
			}
		}
	*ret_grants = g;
	*ret_n = n;
	return 0;
}

static const struct {
	const char *resource, *group;
	bool cluster_scoped;
} known_resources[] = {
    {"bindings", "", false},
    {"componentstatuses", "", true},
    {"configmaps", "", false},
    {"endpoints", "", false},
    {"events", "", false},
    {"limitranges", "", false},
    {"namespaces", "", true},
    {"nodes", "", true},
    {"persistentvolumeclaims", "", false},
    {"persistentvolumes", "", true},
    {"pods", "", false},
    {"podtemplates", "", false},
    {"replicationcontrollers", "", false},
    {"resourcequotas", "", false},
    {"secrets", "", false},
    {"serviceaccounts", "", false},
    {"services", "", false},
    {"users", "", true},
    {"groups", "", true},
    {"mutatingwebhookconfigurations", "admissionregistration.k8s.io", true},
    {"validatingwebhookconfigurations", "admissionregistration.k8s.io", true},
    {"validatingadmissionpolicies", "admissionregistration.k8s.io", true},
    {"customresourcedefinitions", "apiextensions.k8s.io", true},
    {"apiservices", "apiregistration.k8s.io", true},
    {"controllerrevisions", "apps", false},
    {"daemonsets", "apps", false},
    {"deployments", "apps", false},
    {"replicasets", "apps", false},
    {"statefulsets", "apps", false},
    {"tokenreviews", "authentication.k8s.io", true},
    {"userextras", "authentication.k8s.io", true},
    {"uids", "authentication.k8s.io", true},
    {"localsubjectaccessreviews", "authorization.k8s.io", false},
    {"selfsubjectaccessreviews", "authorization.k8s.io", true},
    {"selfsubjectrulesreviews", "authorization.k8s.io", true},
    {"subjectaccessreviews", "authorization.k8s.io", true},
    {"horizontalpodautoscalers", "autoscaling", false},
    {"cronjobs", "batch", false},
    {"jobs", "batch", false},
    {"certificatesigningrequests", "certificates.k8s.io", true},
    {"leases", "coordination.k8s.io", false},
    {"endpointslices", "discovery.k8s.io", false},
    {"ingressclasses", "networking.k8s.io", true},
    {"ingresses", "networking.k8s.io", false},
    {"networkpolicies", "networking.k8s.io", false},
    {"runtimeclasses", "node.k8s.io", true},
    {"poddisruptionbudgets", "policy", false},
    {"clusterrolebindings", RBAC_GROUP, true},
    {"clusterroles", RBAC_GROUP, true},
    {"rolebindings", RBAC_GROUP, false},
    {"roles", RBAC_GROUP, false},
    {"priorityclasses", "scheduling.k8s.io", true},
    {"csidrivers", "storage.k8s.io", true},
    {"csinodes", "storage.k8s.io", true},
    {"storageclasses", "storage.k8s.io", true},
    {"volumeattachments", "storage.k8s.io", true},
};

bool k8s_rbac_resource_group(const char *resource, const char **ret_group, bool *ret_cluster_scoped)
{
	for (size_t i = 0; i < ARRAY_SIZE(known_resources); i++)
		if (streq(known_resources[i].resource, resource)) {
			*ret_group = known_resources[i].group;
			*ret_cluster_scoped = known_resources[i].cluster_scoped;
			return true;
		}
	return false;
}

int k8s_rbac_subject_user(const struct k8s_rbac_subject *s, struct buf *name_buf,
			  struct buf *group_buf, const char **groups, struct k8s_rbac_user *ret_u)
{
	buf_clear(name_buf);
	buf_clear(group_buf);
	struct k8s_rbac_user u = {.groups = groups};
	switch (s->kind) {
	case K8S_SUBJ_USER:
		u.name = s->name;
		if (streq(s->name, "system:anonymous"))
			groups[u.n_groups++] = "system:unauthenticated";
		else
			groups[u.n_groups++] = "system:authenticated";
		break;
	case K8S_SUBJ_GROUP:
		u.name = "";
		groups[u.n_groups++] = s->name;
		break;
	case K8S_SUBJ_SERVICEACCOUNT:
		if (buf_printf(name_buf, "system:serviceaccount:%s:%s", s->namespace_, s->name) <
			0 ||
		    buf_printf(group_buf, "system:serviceaccounts:%s", s->namespace_) < 0)
			return -ENOMEM;
		u.name = buf_str(name_buf);
		groups[u.n_groups++] = "system:serviceaccounts";
		groups[u.n_groups++] = buf_str(group_buf);
		groups[u.n_groups++] = "system:authenticated";
		break;
	case _K8S_SUBJ_MAX:
		return -EINVAL;
	}
	*ret_u = u;
	return 0;
}

/* ---- findings ---- */

enum {
	CHK_ADMIN,
	CHK_NS_ADMIN,
	CHK_ESCALATE,
	CHK_IMPERSONATE,
	CHK_WORKLOAD_CREATE,
	CHK_TOKEN,
	CHK_NODES_PROXY,
	CHK_SECRETS_CLUSTER,
	CHK_SECRETS_NS,
	CHK_EXEC,
	CHK_POWERFUL_WORKLOAD,
	CHK_RBAC_WRITE,
	_CHK_MAX,
};

static const struct k8s_rbac_check checks[_CHK_MAX] = {
    [CHK_ADMIN] = {"BH-K8S-RBAC-001", K8S_RBAC_CRITICAL,
		   "Cluster-admin-equivalent: any verb on any resource in every namespace",
		   "Bind a role listing only the verbs and resources the subject needs; keep "
		   "cluster-admin for break-glass identities",
		   "CIS-K8S-1.9:5.1.1"},
    [CHK_NS_ADMIN] = {"BH-K8S-RBAC-002", K8S_RBAC_HIGH, "Any verb on any resource in a namespace",
		      "Replace the wildcard role with one naming the needed verbs and resources",
		      "CIS-K8S-1.9:5.1.3"},
    [CHK_ESCALATE] = {"BH-K8S-RBAC-003", K8S_RBAC_HIGH,
		      "Privilege escalation: escalate or bind on roles",
		      "Remove the escalate and bind verbs (and wildcards covering them) on roles "
		      "and clusterroles",
		      "CIS-K8S-1.9:5.1.8"},
    [CHK_IMPERSONATE] = {"BH-K8S-RBAC-004", K8S_RBAC_HIGH,
			 "Impersonation of users, groups or service accounts",
			 "Remove the impersonate verb, or restrict it with resourceNames",
			 "CIS-K8S-1.9:5.1.8"},
    [CHK_WORKLOAD_CREATE] = {"BH-K8S-RBAC-005", K8S_RBAC_HIGH,
			     "Can create pods or workloads in a namespace whose service "
			     "accounts are powerful",
			     "Move the powerful service accounts to a namespace of their own, or "
			     "remove the create permission on pods and workload controllers",
			     "CIS-K8S-1.9:5.1.4"},
    [CHK_TOKEN] = {"BH-K8S-RBAC-006", K8S_RBAC_HIGH,
		   "Can mint service account tokens (serviceaccounts/token create)",
		   "Remove create on serviceaccounts/token", NULL},
    [CHK_NODES_PROXY] = {"BH-K8S-RBAC-007", K8S_RBAC_HIGH,
			 "Access to nodes/proxy (the kubelet API: exec in any pod on the node)",
			 "Remove nodes/proxy from the role; use the metrics endpoints instead",
			 "CIS-K8S-1.9:5.1.8"},
    [CHK_SECRETS_CLUSTER] = {"BH-K8S-RBAC-008", K8S_RBAC_HIGH,
			     "Can read Secrets in every namespace",
			     "Limit get/list/watch on secrets to the namespaces, and with "
			     "resourceNames to the Secrets, that are needed",
			     "CIS-K8S-1.9:5.1.2"},
    [CHK_SECRETS_NS] = {"BH-K8S-RBAC-009", K8S_RBAC_MEDIUM, "Can read Secrets in a namespace",
			"Restrict get/list/watch on secrets with resourceNames",
			"CIS-K8S-1.9:5.1.2"},
    [CHK_EXEC] = {"BH-K8S-RBAC-010", K8S_RBAC_MEDIUM,
		  "Can exec or attach into containers (pods/exec, pods/attach)",
		  "Remove pods/exec and pods/attach; use ephemeral debugging under review", NULL},
    [CHK_POWERFUL_WORKLOAD] = {"BH-K8S-RBAC-011", K8S_RBAC_HIGH,
			       "Workload runs under a powerful service account",
			       "Give the workload its own service account with only what it "
			       "needs, or set automountServiceAccountToken: false",
			       "CIS-K8S-1.9:5.1.6"},
    [CHK_RBAC_WRITE] = {"BH-K8S-RBAC-012", K8S_RBAC_HIGH,
			"Can create or change role bindings or roles cluster-wide",
			"Remove create/update/patch on clusterroles and clusterrolebindings",
			"CIS-K8S-1.9:5.1.8"},
};

const struct k8s_rbac_check *k8s_rbac_checks(size_t *ret_n)
{
	*ret_n = ARRAY_SIZE(checks);
	return checks;
}

const char *k8s_rbac_severity_name(enum k8s_rbac_severity s)
{
	static const char *const names[_K8S_RBAC_SEVERITY_MAX] = {"info", "low", "medium", "high",
								  "critical"};
	return s < _K8S_RBAC_SEVERITY_MAX ? names[s] : "unknown";
}

void k8s_rbac_report_done(struct k8s_rbac_report *rep)
{
	for (size_t i = 0; i < rep->n; i++) {
		free(rep->f[i].subject);
		free(rep->f[i].scope);
		free(rep->f[i].message);
	}
	free(rep->f);
	*rep = (struct k8s_rbac_report){0};
}

/* A principal: one distinct subject, and the bindings that apply to it. */
struct principal {
	struct k8s_rbac_subject s;
	size_t *direct; /* bindings naming this subject (or its user name) */
	size_t n_direct, cap_direct;
	size_t *eff; /* bindings applying through its groups too */
	size_t n_eff, cap_eff;
	bool is_powerful;
	const char *why; /* static: the first powerful check id */
};

static int subj_cmp(const struct k8s_rbac_subject *a, const struct k8s_rbac_subject *b)
{
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	int c = strcmp(a->namespace_, b->namespace_);
	return c ? c : strcmp(a->name, b->name);
}

static int principal_cmp(const void *pa, const void *pb)
{
	return subj_cmp(&((const struct principal *)pa)->s, &((const struct principal *)pb)->s);
}

struct analysis {
	const struct k8s_rbac *r;
	struct k8s_rbac_report *rep;
	struct principal *p;
	size_t n, cap;
	/* per namespace of r->namespaces: its first two powerful service accounts */
	const struct principal *(*victims)[2];
};

static struct principal *find_principal(struct analysis *a, const struct k8s_rbac_subject *s)
{
	size_t lo = 0, hi = a->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = subj_cmp(&a->p[mid].s, s);
		if (c == 0)
			return &a->p[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int add_principal(struct analysis *a, enum k8s_rbac_subject_kind kind, const char *ns,
			 const char *name)
{
	if (GROW(a->p, a->n, a->cap) < 0)
		return -ENOMEM;
	a->p[a->n++] = (struct principal){.s = {.kind = kind, .name = name, .namespace_ = ns}};
	return 0;
}

static int idx_push(size_t **v, size_t *n, size_t *cap, size_t x)
{
	if (*n > 0 && (*v)[*n - 1] == x)
		return 0;
	if (GROW(*v, *n, *cap) < 0)
		return -ENOMEM;
	(*v)[(*n)++] = x;
	return 0;
}

static bool is_everyone(const struct k8s_rbac_subject *s)
{
	if (s->kind == K8S_SUBJ_GROUP)
		return streq(s->name, "system:authenticated") ||
		       streq(s->name, "system:unauthenticated") ||
		       streq(s->name, "system:serviceaccounts");
	return s->kind == K8S_SUBJ_USER && streq(s->name, "system:anonymous");
}

struct sidx {
	const struct k8s_rbac_subject *s;
	size_t b;
};

static int sidx_cmp(const void *pa, const void *pb)
{
	const struct sidx *a = pa, *b = pb;
	int c = subj_cmp(a->s, b->s);
	return c ? c : (a->b < b->b ? -1 : a->b > b->b);
}

static int size_cmp(const void *pa, const void *pb)
{
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	return a < b ? -1 : a > b;
}

static void sort_uniq(size_t *v, size_t *n)
{
	if (*n < 2)
		return;
	qsort(v, *n, sizeof(*v), size_cmp);
	size_t out = 1;
	for (size_t i = 1; i < *n; i++)
		if (v[i] != v[out - 1])
			v[out++] = v[i];
	*n = out;
}

/* Append the bindings of every index entry for subject s. */
static int idx_collect(const struct sidx *idx, size_t n, const struct k8s_rbac_subject *s,
		       size_t **v, size_t *nv, size_t *cap)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (subj_cmp(idx[mid].s, s) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < n && subj_cmp(idx[lo].s, s) == 0; lo++) {
		int r = idx_push(v, nv, cap, idx[lo].b);
		if (r < 0)
			return r;
	}
	return 0;
}

static int collect_principals(struct analysis *a)
{
	const struct k8s_rbac *r = a->r;
	int ret;
	for (size_t i = 0; i < r->n_bindings; i++)
		for (size_t j = 0; j < r->bindings[i].n_subjects; j++) {
			const struct k8s_rbac_subject *s = &r->bindings[i].subjects[j];
			if (s->kind == K8S_SUBJ_SERVICEACCOUNT && !s->namespace_[0])
				continue;
			ret = add_principal(a, s->kind, s->namespace_, s->name);
			if (ret < 0)
				return ret;
		}
	for (size_t i = 0; i < r->n_service_accounts; i++) {
		const struct k8s_object *o = r->service_accounts[i];
		ret = add_principal(a, K8S_SUBJ_SERVICEACCOUNT, k8s_object_namespace(o), o->name);
		if (ret < 0)
			return ret;
	}
	for (size_t i = 0; i < r->n_workloads; i++) {
		const struct k8s_rbac_workload *w = &r->workloads[i];
		ret = add_principal(a, K8S_SUBJ_SERVICEACCOUNT, k8s_object_namespace(w->obj),
				    w->service_account);
		if (ret < 0)
			return ret;
	}
	if (a->n > 1)
		qsort(a->p, a->n, sizeof(*a->p), principal_cmp);
	size_t out = 0;
	for (size_t i = 0; i < a->n; i++)
		if (out == 0 || subj_cmp(&a->p[out - 1].s, &a->p[i].s) != 0)
			a->p[out++] = a->p[i];
	a->n = out;

	/* Direct bindings: the subject itself; for service accounts also a User subject
	 * naming its user name. Effective: through its implied groups as well, except the
	 * groups of everybody (reported once, at the group). Looked up in a sorted index. */
	size_t n_idx = 0;
	for (size_t i = 0; i < r->n_bindings; i++)
		n_idx += r->bindings[i].n_subjects;
	struct sidx *idx = n_idx ? reallocarray(NULL, n_idx, sizeof(*idx)) : NULL;
	if (n_idx && !idx)
		return -ENOMEM;
	n_idx = 0;
	for (size_t i = 0; i < r->n_bindings; i++)
		for (size_t j = 0; j < r->bindings[i].n_subjects; j++)
			idx[n_idx++] = (struct sidx){&r->bindings[i].subjects[j], i};
	if (n_idx > 1)
		qsort(idx, n_idx, sizeof(*idx), sidx_cmp);
	_cleanup_buf_ struct buf nb;
	buf_init(&nb, 0);
	ret = 0;
	for (size_t i = 0; ret >= 0 && i < a->n; i++) {
		struct principal *p = &a->p[i];
		ret = idx_collect(idx, n_idx, &p->s, &p->direct, &p->n_direct, &p->cap_direct);
		if (ret >= 0 && p->s.kind == K8S_SUBJ_SERVICEACCOUNT) {
			buf_clear(&nb);
			ret = buf_printf(&nb, "system:serviceaccount:%s:%s", p->s.namespace_,
					 p->s.name);
			struct k8s_rbac_subject u = {K8S_SUBJ_USER, buf_str(&nb), ""};
			if (ret >= 0)
				ret = idx_collect(idx, n_idx, &u, &p->direct, &p->n_direct,
						  &p->cap_direct);
			buf_clear(&nb);
			if (ret >= 0)
				ret = buf_printf(&nb, "system:serviceaccounts:%s", p->s.namespace_);
			struct k8s_rbac_subject g = {K8S_SUBJ_GROUP, buf_str(&nb), ""};
			for (size_t k = 0; ret >= 0 && k < p->n_direct; k++)
				ret = idx_push(&p->eff, &p->n_eff, &p->cap_eff, p->direct[k]);
			if (ret >= 0)
				ret = idx_collect(idx, n_idx, &g, &p->eff, &p->n_eff, &p->cap_eff);
		} else
			for (size_t k = 0; ret >= 0 && k < p->n_direct; k++)
				ret = idx_push(&p->eff, &p->n_eff, &p->cap_eff, p->direct[k]);
		if (ret >= 0) {
			sort_uniq(p->direct, &p->n_direct);
			sort_uniq(p->eff, &p->n_eff);
		}
	}
	free(idx);
	return ret < 0 ? ret : 0;
}

/* The first binding of list that allows req (CRBs, then RoleBindings of req's namespace;
 * with ns_from_binding, each RoleBinding is asked in its own namespace). */
static const struct k8s_rbac_binding *eval(const struct k8s_rbac *r, const size_t *list, size_t n,
					   const struct k8s_rbac_request *req,
					   bool rolebindings_only)
{
	const char *ns = req->namespace_ ? req->namespace_ : "";
	for (size_t i = 0; i < n; i++) {
		const struct k8s_rbac_binding *b = &r->bindings[list[i]];
		if (rolebindings_only ? b->is_cluster : !binding_in_scope(b, ns))
			continue;
		if (rolebindings_only && ns[0] && !streq(b->namespace_, ns))
			continue;
		if (k8s_rbac_role_allows(b->role, req))
			return b;
	}
	return NULL;
}

static int subject_str(const struct k8s_rbac_subject *s, char **ret)
{
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	int r = s->kind == K8S_SUBJ_SERVICEACCOUNT
		    ? buf_printf(&b, "ServiceAccount/%s/%s", s->namespace_, s->name)
		    : buf_printf(&b, "%s/%s", s->kind == K8S_SUBJ_USER ? "User" : "Group", s->name);
	if (r < 0)
		return r;
	*ret = buf_take(&b);
	return *ret ? 0 : -ENOMEM;
}

static int add_finding(struct analysis *a, int chk, const struct k8s_rbac_subject *s,
		       const char *ns, const struct k8s_rbac_binding *b,
		       const struct k8s_object *obj, const char *fmt, ...) _printf_(7, 8);

static int add_finding(struct analysis *a, int chk, const struct k8s_rbac_subject *s,
		       const char *ns, const struct k8s_rbac_binding *b,
		       const struct k8s_object *obj, const char *fmt, ...)
{
	struct k8s_rbac_report *rep = a->rep;
	if (GROW(rep->f, rep->n, rep->cap) < 0)
		return -ENOMEM;
	struct k8s_rbac_finding *f = &rep->f[rep->n];
	*f = (struct k8s_rbac_finding){
	    .check = &checks[chk],
	    .severity = checks[chk].severity,
	    .binding = b,
	    .obj = obj ? obj : (b ? b->obj : NULL),
	};
	if (s && is_everyone(s) && f->severity >= K8S_RBAC_MEDIUM)
		f->severity = K8S_RBAC_CRITICAL;
	_cleanup_buf_ struct buf scope, msg;
	buf_init(&scope, 0);
	buf_init(&msg, 0);
	int r = ns && ns[0] ? buf_printf(&scope, "namespace %s", ns) : buf_puts(&scope, "cluster");
	va_list ap;
	va_start(ap, fmt);
	if (r >= 0)
		r = buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	if (r >= 0 && b)
		r = buf_printf(&msg, " (%s/%s%s%s -> %s/%s)", b->obj->kind_name,
			       b->namespace_[0] ? b->namespace_ : "", b->namespace_[0] ? "/" : "",
			       b->name, b->role_kind, b->role_name);
	if (r < 0)
		return r;
	if (s && (r = subject_str(s, &f->subject)) < 0)
		return r;
	f->scope = buf_take(&scope);
	f->message = buf_take(&msg);
	rep->n++; /* the finding owns what it holds from here on */
	if (!f->scope || !f->message)
		return -ENOMEM;
	return 0;
}

static const char *const workload_resources[][2] = {
    {"", "pods"},
    {"apps", "deployments"},
    {"apps", "daemonsets"},
    {"apps", "statefulsets"},
    {"apps", "replicasets"},
    {"batch", "jobs"},
    {"batch", "cronjobs"},
    {"", "replicationcontrollers"},
};

/* Checks 001-004, 006-010, 012 on one principal's direct bindings (power is reported where
 * it is granted); is_powerful from its effective bindings. */
static int check_principal(struct analysis *a, struct principal *p, bool report)
{
	const struct k8s_rbac *r = a->r;
	const size_t *list = report ? p->direct : p->eff;
	size_t n = report ? p->n_direct : p->n_eff;
	const struct k8s_rbac_subject *s = &p->s;
	const struct k8s_rbac_binding *b;
	int ret = 0;
	bool admin = false;
#define HIT(chk, ns, bind, ...)                                                                    \
	do {                                                                                       \
		if (!report) {                                                                     \
			if (checks[chk].severity >= K8S_RBAC_HIGH && !p->is_powerful) {            \
				p->is_powerful = true;                                             \
				p->why = checks[chk].title;                                        \
			}                                                                          \
		} else if ((ret = add_finding(a, chk, s, ns, bind, NULL, __VA_ARGS__)) < 0)        \
			return ret;                                                                \
	} while (0)
#define REQ(v, g, res, sub, nsv) ((struct k8s_rbac_request){v, g, res, sub, "", nsv, NULL})

	struct k8s_rbac_request q = REQ("*", "*", "*", "", "");
	if ((b = eval(r, list, n, &q, false))) {
		admin = true;
		HIT(CHK_ADMIN, "", b, "%s can do anything to every resource in every namespace",
		    s->name);
	}
	/* Namespace-scoped checks ask each RoleBinding in its own namespace. */
	struct strv admin_ns = {0};
	for (size_t i = 0; !admin && i < n; i++) {
		const struct k8s_rbac_binding *rb = &r->bindings[list[i]];
		if (rb->is_cluster)
			continue;
		bool seen = false;
		for (size_t k = 0; k < i; k++)
			seen |= !r->bindings[list[k]].is_cluster &&
				streq(r->bindings[list[k]].namespace_, rb->namespace_);
		if (seen)
			continue;
		q = REQ("*", "*", "*", "", rb->namespace_);
		if ((b = eval(r, list, n, &q, true))) {
			if (strv_push(&admin_ns, rb->namespace_) < 0) {
				strv_done(&admin_ns);
				return -ENOMEM;
			}
			if (!report && !p->is_powerful) {
				p->is_powerful = true;
				p->why = checks[CHK_NS_ADMIN].title;
			} else if (report &&
				   (ret = add_finding(a, CHK_NS_ADMIN, s, rb->namespace_, b, NULL,
						      "%s can do anything to every "
						      "resource in namespace %s",
						      s->name, rb->namespace_)) < 0) {
				strv_done(&admin_ns);
				return ret;
			}
		}
	}
	if (admin)
		return 0;

	/* Verb-specific checks, cluster-wide first, then per namespace. */
	static const char *const esc_verbs[] = {"escalate", "bind"};
	static const char *const esc_res[] = {"clusterroles", "roles"};
	static const char *const imp_res[][2] = {{"", "users"},
						 {"", "groups"},
						 {"", "serviceaccounts"},
						 {"authentication.k8s.io", "userextras"},
						 {"authentication.k8s.io", "uids"}};
	static const char *const read_verbs[] = {"get", "list", "watch"};
	static const char *const rbac_write[][2] = {
	    {"create", "clusterrolebindings"}, {"update", "clusterrolebindings"},
	    {"patch", "clusterrolebindings"},  {"create", "clusterroles"},
	    {"update", "clusterroles"},	       {"patch", "clusterroles"}};

	/* Each pass: cluster scope ("") then each namespace of a RoleBinding. */
	struct strv scopes = {0};
	ret = strv_push(&scopes, "");
	for (size_t i = 0; ret >= 0 && i < n; i++)
		if (!r->bindings[list[i]].is_cluster &&
		    !strv_contains(&admin_ns, r->bindings[list[i]].namespace_))
			ret = strv_push_uniq(&scopes, r->bindings[list[i]].namespace_);
	strv_done(&admin_ns);
	if (ret < 0) {
		strv_done(&scopes);
		return ret;
	}
	bool secrets_cluster = false, exec_cluster = false, esc_cluster = false,
	     token_cluster = false, imp_cluster = false;
	for (size_t si = 0; si < scopes.n; si++) {
		const char *ns = scopes.v[si];
		bool rb_only = ns[0] != 0;
		bool esc_hit = rb_only && esc_cluster;
		for (size_t v = 0; !esc_hit && v < ARRAY_SIZE(esc_verbs); v++) {
			/* In a namespace only Roles exist: clusterroles are cluster-scoped. */
			for (size_t k = rb_only ? 1 : 0; !esc_hit && k < ARRAY_SIZE(esc_res); k++) {
				q = REQ(esc_verbs[v], RBAC_GROUP, esc_res[k], "", ns);
				if ((b = eval(r, list, n, &q, rb_only))) {
					esc_cluster |= !rb_only;
					esc_hit = true;
					HIT(CHK_ESCALATE, ns, b, "%s can %s %s%s%s", s->name,
					    esc_verbs[v], esc_res[k],
					    rb_only ? " in namespace " : "", ns);
				}
			}
		}
		for (size_t k = 0; k < ARRAY_SIZE(imp_res) && !(rb_only && imp_cluster); k++) {
			/* users, groups, userextras, uids are cluster-scoped */
			if (rb_only && !streq(imp_res[k][1], "serviceaccounts"))
				continue;
			q = REQ("impersonate", imp_res[k][0], imp_res[k][1], "", ns);
			if ((b = eval(r, list, n, &q, rb_only))) {
				imp_cluster |= !rb_only;
				HIT(CHK_IMPERSONATE, ns, b, "%s can impersonate %s%s%s", s->name,
				    imp_res[k][1], rb_only ? " in namespace " : "", ns);
				break;
			}
		}
		if (!(rb_only && token_cluster)) {
			q = REQ("create", "", "serviceaccounts", "token", ns);
			if ((b = eval(r, list, n, &q, rb_only))) {
				token_cluster |= !rb_only;
				HIT(CHK_TOKEN, ns, b,
				    "%s can create tokens for service accounts%s%s", s->name,
				    rb_only ? " in namespace " : "", ns);
			}
		}
		if (!rb_only) {
			static const char *const proxy_verbs[] = {"get", "create"};
			for (size_t v = 0; v < ARRAY_SIZE(proxy_verbs); v++) {
				q = REQ(proxy_verbs[v], "", "nodes", "proxy", "");
				if ((b = eval(r, list, n, &q, false))) {
					HIT(CHK_NODES_PROXY, "", b, "%s can %s nodes/proxy",
					    s->name, proxy_verbs[v]);
					break;
				}
			}
			for (size_t v = 0; v < ARRAY_SIZE(rbac_write); v++) {
				q = REQ(rbac_write[v][0], RBAC_GROUP, rbac_write[v][1], "", "");
				if ((b = eval(r, list, n, &q, false))) {
					HIT(CHK_RBAC_WRITE, "", b, "%s can %s %s", s->name,
					    rbac_write[v][0], rbac_write[v][1]);
					break;
				}
			}
		}
		if (!(rb_only && secrets_cluster))
			for (size_t v = 0; v < ARRAY_SIZE(read_verbs); v++) {
				q = REQ(read_verbs[v], "", "secrets", "", ns);
				if ((b = eval(r, list, n, &q, rb_only))) {
					if (!rb_only) {
						secrets_cluster = true;
						HIT(CHK_SECRETS_CLUSTER, "", b,
						    "%s can %s secrets in every namespace", s->name,
						    read_verbs[v]);
					} else
						HIT(CHK_SECRETS_NS, ns, b,
						    "%s can %s secrets in namespace %s", s->name,
						    read_verbs[v], ns);
					break;
				}
			}
		if (!(rb_only && exec_cluster)) {
			static const char *const subs[] = {"exec", "attach"};
			bool hit = false;
			for (size_t k = 0; !hit && k < ARRAY_SIZE(subs); k++) {
				static const char *const ev[] = {"create", "get"};
				for (size_t v = 0; !hit && v < ARRAY_SIZE(ev); v++) {
					q = REQ(ev[v], "", "pods", subs[k], ns);
					if ((b = eval(r, list, n, &q, rb_only))) {
						hit = true;
						exec_cluster |= !rb_only;
						HIT(CHK_EXEC, ns, b, "%s can %s pods/%s%s%s",
						    s->name, ev[v], subs[k],
						    rb_only ? " in namespace "
							    : " in every namespace",
						    ns);
					}
				}
			}
		}
	}
	strv_done(&scopes);
	return 0;
#undef HIT
#undef REQ
}

static ssize_t ns_index(const struct strv *l, const char *ns)
{
	size_t lo = 0, hi = l->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(l->v[mid], ns);
		if (c == 0)
			return (ssize_t)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int index_victims(struct analysis *a)
{
	size_t n = a->r->namespaces.n;
	if (n == 0)
		return 0;
	a->victims = calloc(n, sizeof(*a->victims));
	if (!a->victims)
		return -ENOMEM;
	for (size_t i = 0; i < a->n; i++) {
		const struct principal *p = &a->p[i];
		if (!p->is_powerful || p->s.kind != K8S_SUBJ_SERVICEACCOUNT)
			continue;
		ssize_t k = ns_index(&a->r->namespaces, p->s.namespace_);
		if (k < 0)
			continue;
		if (!a->victims[k][0])
			a->victims[k][0] = p;
		else if (!a->victims[k][1])
			a->victims[k][1] = p;
	}
	return 0;
}

/* A powerful service account of namespace number ni other than self, or NULL. */
static const struct principal *powerful_sa_in(struct analysis *a, size_t ni,
					      const struct principal *self)
{
	if (!a->victims)
		return NULL;
	return a->victims[ni][0] != self ? a->victims[ni][0] : a->victims[ni][1];
}

static int check_workload_create(struct analysis *a, struct principal *p)
{
	const struct k8s_rbac *r = a->r;
	if (p->is_powerful) /* nothing to gain */
		return 0;
	/* A ClusterRoleBinding granting it everywhere is one finding at cluster scope. */
	const struct k8s_rbac_binding *cluster_b = NULL;
	const char *cluster_res = NULL, *first_ns = NULL;
	const struct principal *first_victim = NULL;
	size_t n_cluster = 0;
	for (size_t ni = 0; ni < r->namespaces.n; ni++) {
		const char *ns = r->namespaces.v[ni];
		const struct principal *victim = powerful_sa_in(a, ni, p);
		if (!victim)
			continue;
		for (size_t k = 0; k < ARRAY_SIZE(workload_resources); k++) {
			struct k8s_rbac_request q = {"create",
						     workload_resources[k][0],
						     workload_resources[k][1],
						     "",
						     "",
						     ns,
						     NULL};
			const struct k8s_rbac_binding *b =
			    eval(r, p->direct, p->n_direct, &q, false);
			if (!b)
				continue;
			if (b->is_cluster) {
				if (!cluster_b) {
					cluster_b = b;
					cluster_res = workload_resources[k][1];
					first_ns = ns;
					first_victim = victim;
				}
				n_cluster++;
				break;
			}
			int ret = add_finding(a, CHK_WORKLOAD_CREATE, &p->s, ns, b, NULL,
					      "%s can create %s in namespace %s, whose service "
					      "account %s is powerful (%s)",
					      p->s.name, workload_resources[k][1], ns,
					      victim->s.name, victim->why);
			if (ret < 0)
				return ret;
			break;
		}
	}
	if (!cluster_b)
		return 0;
	return add_finding(a, CHK_WORKLOAD_CREATE, &p->s, "", cluster_b, NULL,
			   "%s can create %s in every namespace; %zu namespace%s powerful service "
			   "accounts, e.g. %s in %s (%s)",
			   p->s.name, cluster_res, n_cluster, n_cluster == 1 ? " has" : "s have",
			   first_victim->s.name, first_ns, first_victim->why);
}

/* Most severe first, then by rule, subject, scope and message: a deterministic order. */
static int finding_cmp(const void *pa, const void *pb)
{
	const struct k8s_rbac_finding *a = pa, *b = pb;
	if (a->severity != b->severity)
		return a->severity > b->severity ? -1 : 1;
	int c = strcmp(a->check->id, b->check->id);
	if (!c)
		c = strcmp(a->subject ? a->subject : "", b->subject ? b->subject : "");
	if (!c)
		c = strcmp(a->scope, b->scope);
	if (!c)
		c = strcmp(a->message, b->message);
	return c;
}

int k8s_rbac_analyze(const struct k8s_rbac *r, struct k8s_rbac_report *rep)
{
	struct analysis a = {.r = r, .rep = rep};
	int ret = collect_principals(&a);
	for (size_t i = 0; ret >= 0 && i < a.n; i++)
		ret = check_principal(&a, &a.p[i], false);
	for (size_t i = 0; ret >= 0 && i < a.n; i++)
		ret = check_principal(&a, &a.p[i], true);
	if (ret >= 0)
		ret = index_victims(&a);
	for (size_t i = 0; ret >= 0 && i < a.n; i++)
		ret = check_workload_create(&a, &a.p[i]);
	for (size_t i = 0; ret >= 0 && i < r->n_workloads; i++) {
		const struct k8s_rbac_workload *w = &r->workloads[i];
		struct k8s_rbac_subject s = {K8S_SUBJ_SERVICEACCOUNT, w->service_account,
					     k8s_object_namespace(w->obj)};
		const struct principal *p = find_principal(&a, &s);
		if (!p || !p->is_powerful)
			continue;
		bool automount_off = w->automount_disabled;
		for (size_t k = 0; !automount_off && k < r->n_service_accounts; k++) {
			const struct k8s_object *o = r->service_accounts[k];
			if (streq(o->name, s.name) &&
			    streq(k8s_object_namespace(o), s.namespace_) &&
			    !json_object_get(json_at_path(w->obj->raw, w->obj->pod_path
									   ? w->obj->pod_path
									   : "spec"),
					     "automountServiceAccountToken"))
				automount_off = json_is_false(
				    json_object_get(o->raw, "automountServiceAccountToken"));
		}
		ret = add_finding(&a, CHK_POWERFUL_WORKLOAD, &s, s.namespace_, NULL, w->obj,
				  "%s/%s/%s runs as service account %s, which is powerful (%s)%s",
				  w->obj->kind_name, s.namespace_, w->obj->name, s.name, p->why,
				  automount_off ? "; its token is not mounted" : "");
		if (ret >= 0 && automount_off)
			rep->f[rep->n - 1].severity = K8S_RBAC_MEDIUM;
	}
	if (ret >= 0 && rep->n > 1)
		qsort(rep->f, rep->n, sizeof(*rep->f), finding_cmp);
	rep->n_subjects = a.n;
	for (size_t i = 0; i < a.n; i++) {
		free(a.p[i].direct);
		free(a.p[i].eff);
	}
	free(a.p);
	free(a.victims);
	return ret < 0 ? ret : 0;
}
