/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ask-segregation.c — `audit ask segregation`: how well the workloads are kept apart, from
 * the NetworkPolicy reachability analysis (k8s/netpol.h reach). Answers, each with a
 * "check":
 *   namespace                  per namespace: environment, workloads, whether a policy
 *                              selecting all its pods isolates ingress and egress (default
 *                              deny), flows in from and out to other namespaces, from outside
 *   cross-namespace            allowed flows between two namespaces (workload pairs)
 *   reachable-from-everywhere  workloads every other workload and the outside may connect to
 *   env-mixing                 a namespace holding both prod and dev workloads, or allowed
 *                              flows between a prod and a dev workload
 * The environment of a workload is its (pod template or own) environment label, else its
 * Namespace's, else a word of the namespace name ("shop-prod" -> prod); which label keys and
 * values mean prod and dev is configurable (struct audit_ask_opts).
 */
#include <stdio.h>
#include <string.h>

#include "audit/ask.h"
#include "common/json.h"
#include "k8s/netpol.h"

#define EXAMPLES_MAX 3

static const char *const default_env_keys[] = {"env", "environment",
					       "app.kubernetes.io/environment"};
static const char *const default_prod[] = {"prod", "production", "prd", "live"};
static const char *const default_dev[] = {"dev", "development", "develop", "test",   "testing",
					  "qa",	 "staging",	"stage",   "sandbox"};

struct seg {
	struct audit_ask_doc *d;
	const struct k8s_manifests *m;
	const struct audit_ask_opts *o;
	const struct k8s_net_report *rep;
	const char **env; /* per workload: "prod", "dev" or NULL */
};

static bool in_list(struct span v, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (span_eq_nocase(v, span_from(list[i])))
			return true;
	return false;
}

static const char *classify(const struct seg *x, struct span v)
{
	const struct audit_ask_opts *o = x->o;
	if (o->n_prod_values ? in_list(v, o->prod_values, o->n_prod_values)
			     : in_list(v, default_prod, ARRAY_SIZE(default_prod)))
		return "prod";
	if (o->n_dev_values ? in_list(v, o->dev_values, o->n_dev_values)
			    : in_list(v, default_dev, ARRAY_SIZE(default_dev)))
		return "dev";
	return NULL;
}

static const char *env_of_labels(const struct seg *x, const struct k8s_kv *kv, size_t n)
{
	const char *const *keys = x->o->n_env_keys ? x->o->env_keys : default_env_keys;
	size_t n_keys = x->o->n_env_keys ? x->o->n_env_keys : ARRAY_SIZE(default_env_keys);
	for (size_t k = 0; k < n_keys; k++)
		for (size_t i = 0; i < n; i++)
			if (streq(kv[i].key, keys[k]) && kv[i].value) {
				const char *e = classify(x, span_from(kv[i].value));
				if (e)
					return e;
			}
	return NULL;
}

static const char *env_of_namespace(const struct seg *x, const char *ns)
{
	const struct k8s_object *o = k8s_manifests_find_namespace(x->m, ns);
	const char *e = o ? env_of_labels(x, o->labels, o->n_labels) : NULL;
	if (e)
		return e;
	/* words of the name */
	struct span name = span_from(ns);
	size_t start = 0;
	for (size_t i = 0; i <= name.len; i++)
		if (i == name.len || name.ptr[i] == '-' || name.ptr[i] == '_' ||
		    name.ptr[i] == '.') {
			if (i > start && (e = classify(x, span_slice(name, start, i - start))))
				return e;
			start = i + 1;
		}
	return NULL;
}

/* Whether a NetworkPolicy selects every pod of its namespace (an empty podSelector). */
static bool selects_all(const struct k8s_object *o)
{
	json_t *sel = json_object_get(json_object_get(o->raw, "spec"), "podSelector");
	if (!sel || json_is_null(sel))
		return true;
	return json_is_object(sel) && json_object_size(bh_json_obj(sel, "matchLabels")) == 0 &&
	       json_array_size(bh_json_arr(sel, "matchExpressions")) == 0;
}

static int inc(json_t *o, const char *key)
{
	return json_object_set_new(
		   o, key, json_integer(json_integer_value(json_object_get(o, key)) + 1)) < 0
		   ? -ENOMEM
		   : 0;
}

/* Append the values of obj to arr in key order. */
static int append_sorted(json_t *obj, json_t *arr)
{
	struct strv keys = {0};
	const char *k;
	json_t *v;
	int r = 0;
	json_object_foreach(obj, k, v) if (r == 0) r = strv_push(&keys, k);
	strv_sort_uniq(&keys);
	for (size_t i = 0; r == 0 && i < keys.n; i++)
		if (json_array_append(arr, json_object_get(obj, keys.v[i])) < 0)
			r = -ENOMEM;
	strv_done(&keys);
	return r;
}

/* The aggregate item under key in agg, made by proto (taken) on first use. */
static json_t *agg_get(json_t *agg, const char *key, json_t *proto)
{
	json_t *a = json_object_get(agg, key);
	if (a) {
		json_decref(proto);
		return a;
	}
	if (!proto || json_object_set_new(agg, key, proto) < 0)
		return NULL;
	return proto;
}

/* Count one flow into item a, with the two workloads as an example while there is room. */
static int agg_flow(struct seg *x, json_t *a, size_t from, size_t to)
{
	int r = inc(a, "flows");
	json_t *ex = json_object_get(a, "examples");
	if (r < 0 || json_array_size(ex) >= EXAMPLES_MAX)
		return r;
	char f[600], t[600];
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	k8s_net_workload_id(x->rep, from, f, sizeof(f));
	k8s_net_workload_id(x->rep, to, t, sizeof(t));
	r = buf_printf(&b, "%s -> %s", f, t);
	r = r ?: bh_json_append_str(ex, buf_str(&b));
	json_t *refs = json_object_get(a, "evidence");
	r = r ?: audit_ask_ev_manifest(x->d, x->rep->wl[from].obj, refs);
	return r ?: audit_ask_ev_manifest(x->d, x->rep->wl[to].obj, refs);
}

static int ns_name_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct k8s_net_ns *)elem)->name);
}

static int namespaces(struct seg *x, json_t *summary)
{
	const struct k8s_net_report *rep = x->rep;
	/* per namespace (rep->ns is sorted by name): workloads, flows in, out, from outside */
	size_t n = rep->n_ns;
	_cleanup_free_ size_t *wl_ns = calloc(rep->n_wl ? rep->n_wl : 1, sizeof(*wl_ns));
	_cleanup_free_ json_int_t *cnt = calloc(n ? 4 * n : 1, sizeof(*cnt));
	if (!wl_ns || !cnt)
		return -ENOMEM;
	for (size_t w = 0; w < rep->n_wl; w++) {
		const struct k8s_net_ns *hit =
		    bsearch(rep->wl[w].ns, rep->ns, n, sizeof(*rep->ns), ns_name_cmp);
		wl_ns[w] = hit ? (size_t)(hit - rep->ns) : SIZE_MAX;
		if (hit)
			cnt[4 * wl_ns[w]]++;
	}
	for (size_t e = 0; e < rep->n_edges; e++) {
		const struct k8s_net_edge *ed = &rep->edges[e];
		if (ed->to >= rep->n_wl || wl_ns[ed->to] == SIZE_MAX)
			continue;
		size_t to = wl_ns[ed->to];
		if (ed->from == K8S_NET_EXTERNAL) {
			cnt[4 * to + 3]++;
			continue;
		}
		size_t from = ed->from < rep->n_wl ? wl_ns[ed->from] : SIZE_MAX;
		if (from == to || from == SIZE_MAX)
			continue;
		cnt[4 * to + 1]++;
		cnt[4 * from + 2]++;
	}
	for (size_t i = 0; i < n; i++) {
		const struct k8s_net_ns *ns = &rep->ns[i];
		const char *env = env_of_namespace(x, ns->name);
		json_t *a = json_pack(
		    "{s:s, s:s, s:s?, s:I, s:{s:b, s:b}, s:I, s:I, s:I, s:[]}", "check",
		    "namespace", "namespace", ns->name, "env", env, "workloads", cnt[4 * i],
		    "default_deny", "ingress", ns->ingress_isolated, "egress", ns->egress_isolated,
		    "inbound_cross_namespace", cnt[4 * i + 1], "outbound_cross_namespace",
		    cnt[4 * i + 2], "from_external", cnt[4 * i + 3], "evidence");
		if (!a || bh_json_append_new(x->d->answers, a) < 0)
			return -ENOMEM;
		json_t *refs = json_object_get(a, "evidence");
		const struct k8s_object *nso = k8s_manifests_find_namespace(x->m, ns->name);
		int r = nso ? audit_ask_ev_manifest(x->d, nso, refs) : 0;
		for (size_t j = 0; r == 0 && j < x->m->n; j++) {
			const struct k8s_object *o = &x->m->objs[j];
			if (streq(o->kind_name, "NetworkPolicy") &&
			    streq(k8s_object_namespace(o), ns->name) && selects_all(o))
				r = audit_ask_ev_manifest(x->d, o, refs);
		}
		if (r == 0 && !ns->ingress_isolated)
			r = inc(summary, "without_default_deny_ingress");
		if (r == 0 && !ns->egress_isolated)
			r = inc(summary, "without_default_deny_egress");
		if (r < 0)
			return r;
	}
	return 0;
}

static int flows(struct seg *x, json_t *summary, json_t *cross, json_t *mixing)
{
	const struct k8s_net_report *rep = x->rep;
	_cleanup_buf_ struct buf key;
	buf_init(&key, 0);
	for (size_t e = 0; e < rep->n_edges; e++) {
		const struct k8s_net_edge *ed = &rep->edges[e];
		int r = 0;
		if (ed->to == K8S_NET_EXTERNAL)
			continue;
		if (ed->from == K8S_NET_EXTERNAL) {
			r = inc(summary, "external_flows");
			if (r < 0)
				return r;
			continue;
		}
		r = inc(summary, "flows");
		const char *fns = rep->wl[ed->from].ns, *tns = rep->wl[ed->to].ns;
		const char *fenv = x->env[ed->from], *tenv = x->env[ed->to];
		bool mix = fenv && tenv && !streq(fenv, tenv);
		if (r == 0 && !streq(fns, tns)) {
			buf_clear(&key);
			r = inc(summary, "cross_namespace_flows")
				?: buf_printf(&key, "%s\t%s", fns, tns);
			json_t *a =
			    r ? NULL
			      : agg_get(cross, buf_str(&key),
					json_pack("{s:s, s:s, s:s, s:I, s:b, s:[], s:[]}", "check",
						  "cross-namespace", "from", fns, "to", tns,
						  "flows", (json_int_t)0, "env_mixing", false,
						  "examples", "evidence"));
			if (r == 0 && !a)
				r = -ENOMEM;
			r = r ?: agg_flow(x, a, ed->from, ed->to);
			if (r == 0 && mix && json_object_set_new(a, "env_mixing", json_true()) < 0)
				r = -ENOMEM;
		}
		if (r == 0 && mix) {
			buf_clear(&key);
			r = inc(summary, "env_mixing_flows")
				?: buf_printf(&key, "flow\t%s\t%s\t%s\t%s", fns, fenv, tns, tenv);
			json_t *a =
			    r ? NULL
			      : agg_get(mixing, buf_str(&key),
					json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:[], "
						  "s:[]}",
						  "check", "env-mixing", "kind", "flow", "from",
						  fns, "from_env", fenv, "to", tns, "to_env", tenv,
						  "flows", (json_int_t)0, "examples", "evidence"));
			if (r == 0 && !a)
				r = -ENOMEM;
			r = r ?: agg_flow(x, a, ed->from, ed->to);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int everywhere(struct seg *x, json_t *summary)
{
	const struct k8s_net_report *rep = x->rep;
	size_t *from_wl = rep->n_wl ? calloc(rep->n_wl, sizeof(*from_wl)) : NULL;
	bool *from_ext = rep->n_wl ? calloc(rep->n_wl, sizeof(*from_ext)) : NULL;
	int r = rep->n_wl && (!from_wl || !from_ext) ? -ENOMEM : 0;
	for (size_t e = 0; r == 0 && e < rep->n_edges; e++) {
		const struct k8s_net_edge *ed = &rep->edges[e];
		if (ed->to == K8S_NET_EXTERNAL || ed->from == ed->to)
			continue;
		if (ed->from == K8S_NET_EXTERNAL)
			from_ext[ed->to] = true;
		else
			from_wl[ed->to]++;
	}
	for (size_t w = 0; r == 0 && w < rep->n_wl; w++) {
		if (!from_ext[w] || from_wl[w] + 1 < rep->n_wl)
			continue;
		char id[600];
		k8s_net_workload_id(rep, w, id, sizeof(id));
		json_t *a = json_pack("{s:s, s:s, s:s, s:I, s:b, s:[]}", "check",
				      "reachable-from-everywhere", "workload", id, "namespace",
				      rep->wl[w].ns, "from_workloads", (json_int_t)from_wl[w],
				      "external", true, "evidence");
		if (!a || bh_json_append_new(x->d->answers, a) < 0)
			r = -ENOMEM;
		r = r
			?: audit_ask_ev_manifest(x->d, rep->wl[w].obj,
						 json_object_get(a, "evidence"));
		r = r ?: inc(summary, "reachable_from_everywhere");
	}
	free(from_wl);
	free(from_ext);
	return r;
}

/* Namespaces holding both prod and dev workloads. */
static int mixed_namespaces(struct seg *x, json_t *summary)
{
	const struct k8s_net_report *rep = x->rep;
	for (size_t i = 0; i < rep->n_ns; i++) {
		const char *ns = rep->ns[i].name;
		_cleanup_json_ json_t *a =
		    json_pack("{s:s, s:s, s:s, s:[], s:[], s:[]}", "check", "env-mixing", "kind",
			      "namespace", "namespace", ns, "prod", "dev", "evidence");
		if (!a)
			return -ENOMEM;
		int r = 0;
		for (size_t w = 0; r == 0 && w < rep->n_wl; w++) {
			if (!x->env[w] || !streq(rep->wl[w].ns, ns))
				continue;
			char id[600];
			k8s_net_workload_id(rep, w, id, sizeof(id));
			r = bh_json_append_str(json_object_get(a, x->env[w]), id);
		}
		if (r < 0)
			return r;
		if (!json_array_size(json_object_get(a, "prod")) ||
		    !json_array_size(json_object_get(a, "dev")))
			continue;
		json_t *refs = json_object_get(a, "evidence");
		for (size_t w = 0; r == 0 && w < rep->n_wl; w++)
			if (x->env[w] && streq(rep->wl[w].ns, ns))
				r = audit_ask_ev_manifest(x->d, rep->wl[w].obj, refs);
		r = r ?: inc(summary, "env_mixing_namespaces");
		if (r == 0 && json_array_append(x->d->answers, a) < 0)
			r = -ENOMEM;
		if (r < 0)
			return r;
	}
	return 0;
}

int audit_ask_segregation(struct audit_ask_doc *d, const struct k8s_manifests *m,
			  const struct audit_ask_opts *o)
{
	struct k8s_net_report rep = {0};
	struct seg x = {.d = d, .m = m, .o = o, .rep = &rep};
	json_t *summary =
	    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "namespaces",
		      (json_int_t)0, "without_default_deny_ingress", (json_int_t)0,
		      "without_default_deny_egress", (json_int_t)0, "workloads", (json_int_t)0,
		      "flows", (json_int_t)0, "cross_namespace_flows", (json_int_t)0,
		      "external_flows", (json_int_t)0, "reachable_from_everywhere", (json_int_t)0,
		      "env_mixing_flows", (json_int_t)0, "env_mixing_namespaces", (json_int_t)0);
	json_t *cross = json_object(), *mixing = json_object();
	int r = summary && cross && mixing ? 0 : -ENOMEM;
	r = r ?: k8s_net_reach(m, &rep);
	if (r == 0 && rep.n_wl && !(x.env = calloc(rep.n_wl, sizeof(*x.env))))
		r = -ENOMEM;
	for (size_t w = 0; r == 0 && w < rep.n_wl; w++) {
		const struct k8s_net_workload *wl = &rep.wl[w];
		x.env[w] = env_of_labels(&x, wl->labels, wl->n_labels);
		if (!x.env[w])
			x.env[w] = env_of_labels(&x, wl->obj->labels, wl->obj->n_labels);
		if (!x.env[w])
			x.env[w] = env_of_namespace(&x, wl->ns);
	}
	r = r ?: namespaces(&x, summary);
	r = r ?: flows(&x, summary, cross, mixing);
	r = r ?: append_sorted(cross, d->answers);
	r = r ?: everywhere(&x, summary);
	r = r ?: mixed_namespaces(&x, summary);
	r = r ?: append_sorted(mixing, d->answers);
	if (r == 0 &&
	    (json_object_set_new(summary, "namespaces", json_integer((json_int_t)rep.n_ns)) < 0 ||
	     json_object_set_new(summary, "workloads", json_integer((json_int_t)rep.n_wl)) < 0 ||
	     json_object_update(d->summary, summary) < 0))
		r = -ENOMEM;
	free(x.env);
	json_decref(summary);
	json_decref(cross);
	json_decref(mixing);
	k8s_net_report_done(&rep);
	return r;
}
