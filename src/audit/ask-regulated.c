/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ask-regulated.c — `audit ask regulated-data`: the workloads that handle data an auditor
 * cares about — they mount Secrets (secret and projected volumes, envFrom secretRef,
 * env valueFrom secretKeyRef), persistent, network or host storage (persistentVolumeClaim,
 * StatefulSet volumeClaimTemplates, nfs/iscsi/csi/… volumes, hostPath), or carry a
 * data-classification label (on the workload, its pod template or its Namespace) — and for
 * each: from where it can be reached under the NetworkPolicies (k8s/netpol.h reach: which
 * workloads, namespaces, the outside), whether it is exposed outside the cluster (exposure:
 * LoadBalancer, NodePort, Ingress, hostNetwork, hostPort), and the open findings the store
 * holds for it from `k8s check --store` runs.
 */
#include <stdio.h>
#include <string.h>

#include "audit/ask.h"
#include "common/json.h"
#include "k8s/netpol.h"

static const struct audit_ask_label default_labels[] = {
    {"data-classification", "confidential"}, {"data-classification", "restricted"},
    {"data-classification", "pci"},	     {"data-classification", "phi"},
    {"data-classification", "pii"},
};

/* Volume sources whose data lives outside the pod (network, cloud and CSI storage). */
static const char *const network_sources[] = {
    "awsElasticBlockStore",
    "azureDisk",
    "azureFile",
    "cephfs",
    "cinder",
    "csi",
    "fc",
    "flocker",
    "gcePersistentDisk",
    "glusterfs",
    "iscsi",
    "nfs",
    "photonPersistentDisk",
    "portworxVolume",
    "quobyte",
    "rbd",
    "scaleIO",
    "storageos",
    "vsphereVolume",
};

struct regulated {
	struct audit_ask_doc *d;
	const struct k8s_manifests *m;
	const struct audit_ask_opts *o;
	json_t *by_id; /* workload id -> answer (regulated workloads only) */
	struct buf tmp;
};

static json_t *json_at(json_t *v, const char *path)
{
	struct span in = span_from(path), tok;
	while (v && span_next_token(&in, '.', &tok) == 0) {
		char key[64];
		if (tok.len >= sizeof(key) || !json_is_object(v))
			return NULL;
		memcpy(key, tok.ptr, tok.len);
		key[tok.len] = '\0';
		v = json_object_get(v, key);
	}
	return v;
}

/* One reason the workload handles regulated data; evidence: the object it names, if any. */
static int add_data(struct regulated *x, json_t *a, const char *type, const char *name,
		    const char *detail, const char *obj_kind, const char *ns)
{
	json_t *data = json_object_get(a, "data"), *v;
	size_t i;
	json_array_foreach(data, i, v) if (streq_ptr(bh_json_str(v, "type"), type) &&
					   streq_ptr(bh_json_str(v, "name"), name) &&
					   streq_ptr(bh_json_str(v, "detail"), detail)) return 0;
	if (bh_json_append_new(data, json_pack("{s:s, s:s, s:s}", "type", type, "name",
					       name ? name : "", "detail", detail)) < 0)
		return -ENOMEM;
	if (!obj_kind || !name)
		return 0;
	const struct k8s_object *o = k8s_manifests_find(x->m, obj_kind, ns, name);
	return o ? audit_ask_ev_manifest(x->d, o, json_object_get(a, "evidence")) : 0;
}

static bool label_value_matches(const char *want, const char *have)
{
	return !want || span_eq_nocase(span_from(want), span_from(have ? have : ""));
}

static int labels_check(struct regulated *x, json_t *a, const struct k8s_kv *kv, size_t n,
			const char *where, const struct k8s_object *evobj)
{
	const struct audit_ask_label *labels = x->o->n_labels ? x->o->labels : default_labels;
	size_t n_labels = x->o->n_labels ? x->o->n_labels : ARRAY_SIZE(default_labels);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n_labels; j++) {
			if (!streq(kv[i].key, labels[j].key) ||
			    !label_value_matches(labels[j].value, kv[i].value))
				continue;
			buf_clear(&x->tmp);
			int r =
			    buf_printf(&x->tmp, "%s=%s", kv[i].key, kv[i].value ? kv[i].value : "");
			r = r ?: add_data(x, a, "label", buf_str(&x->tmp), where, NULL, NULL);
			if (r == 0 && json_is_null(json_object_get(a, "classification")))
				r = json_object_set_new(
				    a, "classification",
				    json_string(kv[i].value ? kv[i].value : ""));
			if (r == 0 && evobj)
				r = audit_ask_ev_manifest(x->d, evobj,
							  json_object_get(a, "evidence"));
			if (r < 0)
				return r;
			break;
		}
	return 0;
}

static int volumes_check(struct regulated *x, json_t *a, const char *ns, json_t *vols)
{
	size_t i, j;
	json_t *v, *src;
	int r = 0;
	json_array_foreach(vols, i, v)
	{
		const char *vname = bh_json_str(v, "name");
		buf_clear(&x->tmp);
		if (buf_printf(&x->tmp, "volume %s", vname ? vname : "?") < 0)
			return -ENOMEM;
		const char *detail = buf_str(&x->tmp);
		json_t *o;
		if ((o = bh_json_obj(v, "secret")))
			r = add_data(x, a, "secret", bh_json_str(o, "secretName"), detail, "Secret",
				     ns);
		else if ((o = bh_json_obj(v, "projected")))
			json_array_foreach(bh_json_arr(o, "sources"), j, src)
			{
				json_t *sec = bh_json_obj(src, "secret");
				if (sec && r == 0)
					r = add_data(x, a, "secret", bh_json_str(sec, "name"),
						     detail, "Secret", ns);
			}
		else if ((o = bh_json_obj(v, "persistentVolumeClaim")))
			r = add_data(x, a, "persistent-volume", bh_json_str(o, "claimName"), detail,
				     "PersistentVolumeClaim", ns);
		else if ((o = bh_json_obj(v, "hostPath")))
			r = add_data(x, a, "host-path", bh_json_str(o, "path"), detail, NULL, NULL);
		else
			for (size_t k = 0; k < ARRAY_SIZE(network_sources); k++)
				if (bh_json_obj(v, network_sources[k])) {
					r = add_data(x, a, "network-volume", network_sources[k],
						     detail, NULL, NULL);
					break;
				}
		if (r < 0)
			return r;
	}
	return 0;
}

static int env_check(struct regulated *x, json_t *a, const char *ns, json_t *pod)
{
	static const char *const lists[] = {"initContainers", "containers", "ephemeralContainers"};
	for (size_t l = 0; l < ARRAY_SIZE(lists); l++) {
		size_t i, j;
		json_t *c, *e;
		json_array_foreach(bh_json_arr(pod, lists[l]), i, c)
		{
			const char *cname = bh_json_str(c, "name");
			json_array_foreach(bh_json_arr(c, "envFrom"), j, e)
			{
				json_t *ref = bh_json_obj(e, "secretRef");
				if (!ref)
					continue;
				buf_clear(&x->tmp);
				int r = buf_printf(&x->tmp, "container %s envFrom",
						   cname ? cname : "?");
				r = r
					?: add_data(x, a, "secret", bh_json_str(ref, "name"),
						    buf_str(&x->tmp), "Secret", ns);
				if (r < 0)
					return r;
			}
			json_array_foreach(bh_json_arr(c, "env"), j, e)
			{
				json_t *ref = json_at(e, "valueFrom.secretKeyRef");
				if (!json_is_object(ref))
					continue;
				buf_clear(&x->tmp);
				const char *var = bh_json_str(e, "name");
				int r = buf_printf(&x->tmp, "container %s env %s",
						   cname ? cname : "?", var ? var : "?");
				r = r
					?: add_data(x, a, "secret", bh_json_str(ref, "name"),
						    buf_str(&x->tmp), "Secret", ns);
				if (r < 0)
					return r;
			}
		}
	}
	return 0;
}

/* The answer of workload i if it handles regulated data (*ret NULL otherwise, a new object). */
static int workload_check(struct regulated *x, const struct k8s_net_workload *w, json_t **ret)
{
	const struct k8s_object *o = w->obj;
	*ret = NULL;
	_cleanup_json_ json_t *a =
	    json_pack("{s:s, s:s, s:s, s:s, s:[], s:n, s:{s:b, s:b, s:[], s:[]}, s:[], s:[], s:[]}",
		      "workload", "", "kind", o->kind_name, "name", o->name, "namespace", w->ns,
		      "data", "classification", "reachable_from", "external", false, "everywhere",
		      false, "workloads", "namespaces", "exposed", "findings", "evidence");
	if (!a)
		return -ENOMEM;
	json_t *pod = json_at(o->raw, o->pod_path);
	int r = volumes_check(x, a, w->ns, bh_json_arr(pod, "volumes"));
	r = r ?: env_check(x, a, w->ns, pod);
	size_t i;
	json_t *v;
	json_array_foreach(json_at(o->raw, "spec.volumeClaimTemplates"), i, v)
	{
		const char *name = bh_json_str(json_object_get(v, "metadata"), "name");
		r = r
			?: add_data(x, a, "persistent-volume", name, "volumeClaimTemplate", NULL,
				    NULL);
	}
	r = r ?: labels_check(x, a, o->labels, o->n_labels, "workload", NULL);
	r = r ?: labels_check(x, a, w->labels, w->n_labels, "pod template", NULL);
	const struct k8s_object *nso = k8s_manifests_find_namespace(x->m, w->ns);
	if (nso)
		r = r ?: labels_check(x, a, nso->labels, nso->n_labels, "namespace", nso);
	if (r < 0)
		return r;
	if (json_array_size(json_object_get(a, "data")) == 0)
		return 0;
	_cleanup_buf_ struct buf id;
	buf_init(&id, 0);
	json_t *refs = json_object_get(a, "evidence");
	/* the workload's own object first */
	_cleanup_json_ json_t *mine = json_array();
	r = mine ? audit_ask_ev_manifest(x->d, o, mine) : -ENOMEM;
	r = r ?: json_array_insert(refs, 0, json_array_get(mine, 0)) < 0 ? -ENOMEM : 0;
	/* (drop a duplicate the data references may have added) */
	for (size_t k = 1; r == 0 && k < json_array_size(refs); k++)
		if (json_equal(json_array_get(refs, k), json_array_get(refs, 0)))
			(void)json_array_remove(refs, k--);
	r = r ?: buf_printf(&id, "%s/%s/%s", o->kind_name, w->ns, o->name);
	r = r ?: bh_json_set_str(a, "workload", buf_str(&id));
	if (r < 0)
		return r;
	*ret = TAKE_PTR(a);
	return 0;
}

/* The edges into each workload: edge indexes in[start[w] .. start[w + 1]). */
struct in_edges {
	size_t *start, *idx;
};

static int in_edges_build(const struct k8s_net_report *rep, struct in_edges *ret)
{
	size_t *start = calloc(rep->n_wl + 2, sizeof(*start));
	size_t *idx = calloc(rep->n_edges ? rep->n_edges : 1, sizeof(*idx));
	if (!start || !idx) {
		free(start);
		free(idx);
		return -ENOMEM;
	}
	for (size_t i = 0; i < rep->n_edges; i++)
		if (rep->edges[i].to < rep->n_wl)
			start[rep->edges[i].to + 2]++;
	for (size_t w = 2; w < rep->n_wl + 2; w++)
		start[w] += start[w - 1];
	for (size_t i = 0; i < rep->n_edges; i++)
		if (rep->edges[i].to < rep->n_wl)
			idx[start[rep->edges[i].to + 1]++] = i;
	*ret = (struct in_edges){start, idx};
	return 0;
}

/* Fill reachable_from and exposed of answer a for workload wi. */
static int reach_fill(struct regulated *x, json_t *a, const struct k8s_net_report *rep, size_t wi,
		      const struct in_edges *in, const struct k8s_exposure_report *exp,
		      json_t *n_counts)
{
	json_t *rf = json_object_get(a, "reachable_from");
	struct strv wls = {0}, nss = {0};
	bool external = false;
	char id[600];
	int r = 0;
	for (size_t k = in->start[wi]; r == 0 && k < in->start[wi + 1]; k++) {
		const struct k8s_net_edge *e = &rep->edges[in->idx[k]];
		if (e->from == wi)
			continue;
		if (e->from == K8S_NET_EXTERNAL) {
			external = true;
			continue;
		}
		k8s_net_workload_id(rep, e->from, id, sizeof(id));
		r = strv_push_uniq(&wls, id) ?: strv_push_uniq(&nss, rep->wl[e->from].ns);
	}
	strv_sort_uniq(&wls);
	strv_sort_uniq(&nss);
	bool everywhere = external && rep->n_wl > 0 && wls.n + 1 >= rep->n_wl;
	for (size_t i = 0; r == 0 && i < wls.n; i++)
		r = bh_json_append_str(json_object_get(rf, "workloads"), wls.v[i]);
	for (size_t i = 0; r == 0 && i < nss.n; i++)
		r = bh_json_append_str(json_object_get(rf, "namespaces"), nss.v[i]);
	strv_done(&wls);
	strv_done(&nss);
	if (r == 0 && (json_object_set_new(rf, "external", json_boolean(external)) < 0 ||
		       json_object_set_new(rf, "everywhere", json_boolean(everywhere)) < 0))
		r = -ENOMEM;
	bool exposed = false;
	for (size_t i = 0; r == 0 && i < exp->n; i++) {
		const struct k8s_exposure *e = &exp->e[i];
		if (e->wl == K8S_NET_EXTERNAL || e->wl >= exp->n_wl ||
		    exp->wl[e->wl].obj != rep->wl[wi].obj)
			continue;
		exposed = true;
		r = bh_json_append_new(
		    json_object_get(a, "exposed"),
		    json_pack("{s:s, s:s}", "via", e->via, "detail", e->detail ? e->detail : ""));
	}
	static const char *const keys[] = {"exposed", "reachable_from_external",
					   "reachable_from_everywhere"};
	const bool on[] = {exposed, external, everywhere};
	for (size_t k = 0; r == 0 && k < ARRAY_SIZE(keys); k++)
		if (on[k] &&
		    json_object_set_new(
			n_counts, keys[k],
			json_integer(json_integer_value(json_object_get(n_counts, keys[k])) + 1)) <
			0)
			r = -ENOMEM;
	return r;
}

static int on_finding(void *u, const struct store_finding_state *f)
{
	struct regulated *x = u;
	if (!f->run_kind || strncmp(f->run_kind, "k8s-check", 9) != 0)
		return 0;
	if (x->o->cluster && !streq_ptr(f->cluster, x->o->cluster))
		return 0;
	const char *target = bh_json_str(json_object_get(f->finding, "target"), "name");
	json_t *a = target ? json_object_get(x->by_id, target) : NULL;
	if (!a)
		return 0;
	json_t *ids = json_object_get(a, "findings"), *v;
	size_t i;
	json_array_foreach(ids, i, v) if (streq_ptr(json_string_value(v), f->id)) return 0;
	json_t *refs = json_object_get(a, "evidence");
	int r = bh_json_append_str(ids, f->id);
	r = r ?: audit_ask_ev_finding(x->d, f, refs);
	return r
		   ?: audit_ask_ev_run(x->d, f->last_run_id, f->run_kind, f->last_seen,
				       f->target_name, refs);
}

int audit_ask_regulated(struct audit_ask_doc *d, const struct k8s_manifests *m, struct store *s,
			const struct audit_ask_opts *o, struct bh_diag *reterr_diag)
{
	struct regulated x = {.d = d, .m = m, .o = o, .by_id = json_object()};
	buf_init(&x.tmp, 0);
	struct k8s_net_report rep = {0};
	struct k8s_exposure_report exp = {0};
	json_t *counts = json_pack(
	    "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "workloads", (json_int_t)0, "regulated",
	    (json_int_t)0, "exposed", (json_int_t)0, "reachable_from_external", (json_int_t)0,
	    "reachable_from_everywhere", (json_int_t)0, "secrets", (json_int_t)0, "volumes",
	    (json_int_t)0, "labelled", (json_int_t)0);
	int r = x.by_id && counts ? 0 : -ENOMEM;
	r = r ?: k8s_net_reach(m, &rep);
	r = r ?: k8s_net_exposure(m, &exp);
	struct in_edges in = {0};
	r = r ?: in_edges_build(&rep, &in);
	for (size_t i = 0; r == 0 && i < rep.n_wl; i++) {
		json_t *a = NULL;
		r = workload_check(&x, &rep.wl[i], &a);
		if (r < 0 || !a)
			continue;
		r = reach_fill(&x, a, &rep, i, &in, &exp, counts);
		bool has[3] = {false, false, false};
		size_t j;
		json_t *v;
		json_array_foreach(json_object_get(a, "data"), j, v)
		{
			const char *t = bh_json_str(v, "type");
			has[0] |= streq_ptr(t, "secret");
			has[1] |= streq_ptr(t, "persistent-volume") || streq_ptr(t, "host-path") ||
				  streq_ptr(t, "network-volume");
			has[2] |= streq_ptr(t, "label");
		}
		static const char *const keys[] = {"secrets", "volumes", "labelled"};
		for (size_t k = 0; r == 0 && k < 3; k++)
			if (has[k] &&
			    json_object_set_new(
				counts, keys[k],
				json_integer(json_integer_value(json_object_get(counts, keys[k])) +
					     1)) < 0)
				r = -ENOMEM;
		if (r == 0 && json_object_set(x.by_id, bh_json_str(a, "workload"), a) < 0)
			r = -ENOMEM;
		if (r == 0 && json_array_append(d->answers, a) < 0)
			r = -ENOMEM;
		json_decref(a);
	}
	if (r == 0 && s) {
		struct store_finding_query q = {.open_only = true};
		r = store_findings_foreach(s, &q, on_finding, &x);
		if (r < 0)
			bh_diag_set(reterr_diag, store_name(s), 0, 0,
				    "cannot read the findings: %s", store_errmsg(s));
	}
	if (r == 0 &&
	    (json_object_set_new(counts, "workloads", json_integer((json_int_t)rep.n_wl)) < 0 ||
	     json_object_set_new(counts, "regulated",
				 json_integer((json_int_t)json_array_size(d->answers))) < 0 ||
	     json_object_update(d->summary, counts) < 0))
		r = -ENOMEM;
	free(in.start);
	free(in.idx);
	json_decref(counts);
	json_decref(x.by_id);
	buf_done(&x.tmp);
	k8s_net_report_done(&rep);
	k8s_exposure_report_done(&exp);
	return r;
}
