/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The network and exposure findings of src/k8s/netpol.c (k8s_net_findings(),
 * k8s_exposure_findings()) over small manifests: which rule fires for which namespace or
 * workload, isolation computed by k8s_net_reach(), compliance references, evidence with
 * file:line and its cap, ids that survive moving a manifest, and the rule table.
 */
#include "common/json.h"
#include "k8s/netpol.h"
#include "tap.h"

struct nf {
	struct k8s_manifests m;
	struct k8s_net_report rep;
	json_t *f; /* the findings */
};

static void nf_run(struct nf *x, const char *text)
{
	struct bh_limits l;
	bh_limits_default(&l);
	*x = (struct nf){0};
	struct bh_diag d = {0};
	int r = k8s_manifests_load_buf(&x->m, "n.yaml", span_from(text), &l, &d);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "load: %d %s", r, d.message);
	ASSERT_OK(k8s_net_reach(&x->m, &x->rep));
	x->f = json_array();
	ASSERT_NOT_NULL(x->f);
	ASSERT_OK(k8s_net_findings(&x->m, &x->rep, x->f));
}

static void nf_done(struct nf *x)
{
	json_decref(x->f);
	k8s_net_report_done(&x->rep);
	k8s_manifests_done(&x->m);
}

/* The finding of rule for target name, or NULL. */
static json_t *find(const json_t *f, const char *rule, const char *target)
{
	size_t i;
	json_t *v;
	json_array_foreach(f, i, v)
	{
		if (streq(bh_json_str(json_object_get(v, "rule"), "id"), rule) &&
		    streq(bh_json_str(json_object_get(v, "target"), "name"), target))
			return v;
	}
	return NULL;
}

static const char *ref0(const json_t *v)
{
	return json_string_value(json_array_get(json_object_get(v, "compliance"), 0));
}

#define DEPLOY(ns, name, app)                                                                      \
	"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: " name ", namespace: " ns "}\n"   \
	"spec:\n  selector: {matchLabels: {app: " app "}}\n  template:\n"                          \
	"    metadata: {labels: {app: " app "}}\n"                                                 \
	"    spec: {containers: [{name: c, image: x}]}\n---\n"

#define DENY(ns)                                                                                   \
	"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"                                  \
	"metadata: {name: deny, namespace: " ns "}\n"                                              \
	"spec: {podSelector: {}, policyTypes: [Ingress, Egress]}\n---\n"

TEST(namespace_without_any_policy)
{
	struct nf x;
	nf_run(&x, DEPLOY("a", "web", "web") "apiVersion: v1\nkind: Namespace\n"
					     "metadata: {name: empty}\n");
	ASSERT_EQ(json_array_size(x.f), 3); /* the namespace without workloads has none */
	json_t *v = find(x.f, "BH-K8S-NET-005", "Namespace/a");
	ASSERT_NOT_NULL(v);
	ASSERT_STREQ(ref0(v), "CIS-K8S-1.9:5.3.2");
	ASSERT_STREQ(bh_json_str(v, "kind"), "network");
	ASSERT_STREQ(bh_json_str(json_object_get(v, "target"), "type"), "cluster");
	/* No Namespace object: the location is the namespace's first workload. */
	ASSERT_STREQ(bh_json_str(json_object_get(v, "location"), "path"), "n.yaml");
	ASSERT_EQ(json_integer_value(json_object_get(json_object_get(v, "location"), "line")), 1);
	json_t *ev = json_object_get(v, "evidence");
	ASSERT_NULL(json_object_get(ev, "namespace_manifest"));
	ASSERT_STREQ(bh_json_str(json_array_get(json_object_get(ev, "unisolated"), 0), "id"),
		     "Deployment/a/web");
	ASSERT_STREQ(ref0(find(x.f, "BH-K8S-NET-001", "Namespace/a")), "NIST-800-190:4.3.3");
	ASSERT_STREQ(ref0(find(x.f, "BH-K8S-NET-002", "Namespace/a")), "NIST-800-190:4.4.2");
	ASSERT_NULL(find(x.f, "BH-K8S-NET-005", "Namespace/empty"));
	nf_done(&x);
}

TEST(default_deny_clears_the_namespace)
{
	struct nf x;
	nf_run(&x, DEPLOY("a", "web", "web") DENY("a"));
	ASSERT_EQ(json_array_size(x.f), 0);
	ASSERT_TRUE(x.rep.wl[0].ingress_isolated && x.rep.wl[0].egress_isolated);
	ASSERT_EQ(x.rep.ns[0].n_policies, 1);
	nf_done(&x);
}

TEST(ingress_only_policy)
{
	/* A policy without egress rules and without policyTypes isolates ingress only. */
	struct nf x;
	nf_run(&x, DEPLOY("a", "web", "web") DEPLOY(
		       "a", "db",
		       "db") "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
			     "metadata: {name: db-in, namespace: a}\n"
			     "spec: {podSelector: {matchLabels: {app: db}},\n"
			     "  ingress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]}\n");
	ASSERT_NULL(find(x.f, "BH-K8S-NET-005", "Namespace/a"));
	json_t *v = find(x.f, "BH-K8S-NET-001", "Namespace/a");
	ASSERT_NOT_NULL(v);
	json_t *ev = json_object_get(v, "evidence");
	ASSERT_EQ(json_integer_value(json_object_get(ev, "workloads")), 2);
	ASSERT_EQ(json_integer_value(json_object_get(ev, "unisolated_total")), 1);
	ASSERT_STREQ(bh_json_str(json_array_get(json_object_get(ev, "unisolated"), 0), "id"),
		     "Deployment/a/web");
	ASSERT_STREQ(bh_json_str(json_array_get(json_object_get(ev, "policies"), 0), "id"),
		     "NetworkPolicy/a/db-in");
	v = find(x.f, "BH-K8S-NET-002", "Namespace/a");
	ASSERT_EQ(
	    json_integer_value(json_object_get(json_object_get(v, "evidence"), "unisolated_total")),
	    2);
	/* db is isolated and admits only web: no workload finding. */
	ASSERT_NULL(find(x.f, "BH-K8S-NET-003", "Deployment/a/db"));
	ASSERT_EQ(json_array_size(x.f), 2);
	nf_done(&x);
}

TEST(isolated_but_open_workload)
{
	struct nf x;
	nf_run(&x,
	       DEPLOY("a", "web", "web") DENY(
		   "a") "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
			"metadata: {name: open, namespace: a}\n"
			"spec: {podSelector: {matchLabels: {app: web}}, policyTypes: [Ingress, "
			"Egress],\n"
			"  ingress: [{}], egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}]}]}\n---\n"
	       /* a port limits the opening: not every port, no finding */
	       DEPLOY("b", "api", "api") DENY(
		   "b") "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
			"metadata: {name: some, namespace: b}\n"
			"spec: {podSelector: {}, policyTypes: [Ingress, Egress],\n"
			"  ingress: [{ports: [{port: 80}]}], egress: [{ports: [{port: 443}]}]}\n");
	ASSERT_EQ(json_array_size(x.f), 2);
	json_t *in = find(x.f, "BH-K8S-NET-003", "Deployment/a/web");
	json_t *out = find(x.f, "BH-K8S-NET-004", "Deployment/a/web");
	ASSERT_NOT_NULL(in);
	ASSERT_NOT_NULL(out);
	ASSERT_STREQ(ref0(in), "NIST-800-190:4.3.3");
	ASSERT_STREQ(ref0(out), "NIST-800-190:4.4.2");
	ASSERT_STREQ(bh_json_str(in, "severity"), "medium");
	ASSERT_STREQ(bh_json_str(out, "severity"), "low");
	ASSERT_STREQ(bh_json_str(json_object_get(in, "target"), "type"), "workload");
	/* The policies that select it for that direction: open (ingress) — deny selects too. */
	json_t *pols = json_object_get(json_object_get(in, "evidence"), "policies");
	ASSERT_EQ(json_array_size(pols), 2);
	ASSERT_STREQ(bh_json_str(json_array_get(pols, 0), "id"), "NetworkPolicy/a/deny");
	ASSERT_STREQ(bh_json_str(json_array_get(pols, 1), "id"), "NetworkPolicy/a/open");
	nf_done(&x);
}

TEST(ids_stable_across_files_and_lines)
{
	struct nf a, b;
	nf_run(&a, DEPLOY("a", "web", "web"));
	nf_run(&b,
	       "# a comment moves everything down\n"
	       "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: z}\n---\n" DEPLOY(
		   "a", "web", "web"));
	ASSERT_EQ(json_array_size(a.f), json_array_size(b.f));
	for (size_t i = 0; i < json_array_size(a.f); i++) {
		json_t *x = json_array_get(a.f, i), *y = json_array_get(b.f, i);
		ASSERT_STREQ(bh_json_str(x, "id"), bh_json_str(y, "id"));
		ASSERT_TRUE(
		    json_integer_value(json_object_get(json_object_get(x, "location"), "line")) !=
		    json_integer_value(json_object_get(json_object_get(y, "location"), "line")));
	}
	/* Distinct rules and targets: distinct ids. */
	ASSERT_FALSE(streq(bh_json_str(json_array_get(a.f, 0), "id"),
			   bh_json_str(json_array_get(a.f, 1), "id")));
	nf_done(&a);
	nf_done(&b);
}

TEST(evidence_is_capped)
{
	struct buf text;
	buf_init(&text, 0);
	for (int i = 0; i < 25; i++)
		ASSERT_OK(buf_printf(&text,
				     "apiVersion: v1\nkind: Pod\nmetadata: {name: p%d, namespace: "
				     "big}\nspec: {containers: [{name: c, image: x}]}\n---\n",
				     i));
	struct nf x;
	nf_run(&x, buf_str(&text));
	json_t *ev = json_object_get(find(x.f, "BH-K8S-NET-001", "Namespace/big"), "evidence");
	ASSERT_EQ(json_array_size(json_object_get(ev, "unisolated")), 20);
	ASSERT_EQ(json_integer_value(json_object_get(ev, "unisolated_total")), 25);
	ASSERT_EQ(json_integer_value(json_object_get(ev, "workloads")), 25);
	nf_done(&x);
	buf_done(&text);
}

TEST(exposure_findings)
{
	struct bh_limits l;
	bh_limits_default(&l);
	struct k8s_manifests m = {0};
	struct bh_diag d = {0};
	ASSERT_OK(k8s_manifests_load_buf(
	    &m, "e.yaml",
	    span_from(DEPLOY("w", "web", "web") "apiVersion: v1\nkind: Service\n"
						"metadata: {name: lb, namespace: w}\n"
						"spec: {type: LoadBalancer, selector: {app: web},\n"
						"  ports: [{port: 443}]}\n---\n"
						"apiVersion: v1\nkind: Service\n"
						"metadata: {name: none, namespace: w}\n"
						"spec: {type: NodePort, selector: {app: nothing},\n"
						"  ports: [{port: 80}]}\n"),
	    &l, &d));
	struct k8s_exposure_report e = {0};
	ASSERT_OK(k8s_net_exposure(&m, &e));
	ASSERT_EQ(e.n, 2);
	_cleanup_json_ json_t *f = json_array();
	ASSERT_NOT_NULL(f);
	ASSERT_OK(k8s_exposure_findings(&e, f));
	ASSERT_EQ(json_array_size(f), 1); /* the Service selecting nothing exposes nothing */
	json_t *v = json_array_get(f, 0);
	ASSERT_STREQ(bh_json_str(v, "kind"), "exposure");
	ASSERT_STREQ(bh_json_str(json_object_get(v, "rule"), "id"), "BH-K8S-EXP-001");
	ASSERT_STREQ(bh_json_str(json_object_get(v, "target"), "name"), "Deployment/w/web");
	ASSERT_STREQ(bh_json_str(json_object_get(v, "evidence"), "via"), "LoadBalancer");
	ASSERT_EQ(json_array_size(json_object_get(v, "compliance")), 0);
	ASSERT_NOT_NULL(strstr(bh_json_str(v, "message"), "Service/w/lb 443/TCP"));
	k8s_exposure_report_done(&e);
	k8s_manifests_done(&m);
}

TEST(rule_table)
{
	size_t n;
	const struct k8s_net_rule *r = k8s_net_rules(&n);
	ASSERT_EQ(n, 8);
	for (size_t i = 0; i < n; i++) {
		ASSERT_TRUE(strncmp(r[i].id, "BH-K8S-", 7) == 0);
		ASSERT_TRUE(*r[i].title && *r[i].remediation);
		ASSERT_TRUE(streq(r[i].severity, "medium") || streq(r[i].severity, "low") ||
			    streq(r[i].severity, "info"));
		for (size_t j = 0; j < i; j++)
			ASSERT_FALSE(streq(r[i].id, r[j].id));
	}
}
