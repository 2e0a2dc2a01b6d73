/* SPDX-License-Identifier: Apache-2.0 */
/*
 * NetworkPolicy building blocks and reachability (src/k8s/netpol.c, src/k8s/reach.c): label
 * selectors, CIDRs, port sets, each semantic point of the NetworkPolicy API on small
 * manifests, the netpol-recipes from the shared test data, and exposure.
 */
#include "common/json.h"
#include "k8s/netpol.h"
#include "tap.h"

static struct bh_limits lim(void)
{
	struct bh_limits l;
	bh_limits_default(&l);
	return l;
}

/* ---- selectors ---- */

static int sel_eval(const char *sel_json, const struct k8s_kv *labels, size_t n)
{
	struct bh_limits l = lim();
	_cleanup_json_ json_t *j = NULL;
	if (!streq(sel_json, "null"))
		ASSERT_OK(bh_json_parse(span_from(sel_json), &l, "sel", &j, NULL));
	struct k8s_selector s;
	int r = k8s_selector_parse(j, &s);
	if (r < 0)
		return r;
	bool m = k8s_selector_matches(&s, labels, n);
	k8s_selector_done(&s);
	return m;
}

TEST(selector_match_labels_and_expressions)
{
	static const struct k8s_kv lb[] = {{"app", "web"}, {"tier", "front"}};
	ASSERT_EQ(sel_eval("{}", lb, 2), 1);
	ASSERT_EQ(sel_eval("null", lb, 2), 1);
	ASSERT_EQ(sel_eval("{\"matchLabels\":{\"app\":\"web\"}}", lb, 2), 1);
	ASSERT_EQ(sel_eval("{\"matchLabels\":{\"app\":\"web\",\"x\":\"y\"}}", lb, 2), 0);
	ASSERT_EQ(sel_eval("{\"matchLabels\":null}", lb, 2), 1);
	ASSERT_EQ(sel_eval("{\"matchExpressions\":[{\"key\":\"app\",\"operator\":\"In\","
			   "\"values\":[\"api\",\"web\"]}]}",
			   lb, 2),
		  1);
	ASSERT_EQ(sel_eval("{\"matchExpressions\":[{\"key\":\"app\",\"operator\":\"NotIn\","
			   "\"values\":[\"web\"]}]}",
			   lb, 2),
		  0);
	/* A missing key satisfies NotIn and DoesNotExist, and fails In and Exists. */
	ASSERT_EQ(sel_eval("{\"matchExpressions\":[{\"key\":\"env\",\"operator\":\"NotIn\","
			   "\"values\":[\"prod\"]}]}",
			   lb, 2),
		  1);
	ASSERT_EQ(sel_eval("{\"matchExpressions\":[{\"key\":\"env\",\"operator\":\"In\","
			   "\"values\":[\"prod\"]}]}",
			   lb, 2),
		  0);
	ASSERT_EQ(
	    sel_eval("{\"matchExpressions\":[{\"key\":\"tier\",\"operator\":\"Exists\"}]}", lb, 2),
	    1);
	ASSERT_EQ(
	    sel_eval("{\"matchExpressions\":[{\"key\":\"env\",\"operator\":\"Exists\"}]}", lb, 2),
	    0);
	ASSERT_EQ(sel_eval("{\"matchExpressions\":[{\"key\":\"env\","
			   "\"operator\":\"DoesNotExist\"}]}",
			   lb, 2),
		  1);
	ASSERT_EQ(sel_eval("{\"matchExpressions\":[{\"key\":\"app\","
			   "\"operator\":\"DoesNotExist\"}]}",
			   lb, 2),
		  0);
	/* matchLabels AND matchExpressions */
	ASSERT_EQ(sel_eval("{\"matchLabels\":{\"app\":\"web\"},\"matchExpressions\":[{\"key\":"
			   "\"tier\",\"operator\":\"NotIn\",\"values\":[\"front\"]}]}",
			   lb, 2),
		  0);
	/* An empty selector matches a pod without labels; a non-empty one does not. */
	ASSERT_EQ(sel_eval("{}", NULL, 0), 1);
	ASSERT_EQ(sel_eval("{\"matchLabels\":{\"a\":\"b\"}}", NULL, 0), 0);
}

TEST(selector_invalid)
{
	static const char *const bad[] = {
	    "[]",
	    "{\"matchLabels\":[]}",
	    "{\"matchLabels\":{\"a\":1}}",
	    "{\"matchExpressions\":{}}",
	    "{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"Near\",\"values\":[\"x\"]}]}",
	    "{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\"}]}",
	    "{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\",\"values\":[]}]}",
	    "{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"Exists\",\"values\":[\"x\"]}]}",
	    "{\"matchExpressions\":[{\"operator\":\"Exists\"}]}",
	    "{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\",\"values\":[1]}]}",
	    "{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"in\",\"values\":[\"x\"]}]}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		ASSERT_ERR(sel_eval(bad[i], NULL, 0), -EBADMSG);
}

/* ---- CIDRs ---- */

static const char *cidr_fmt(const char *in)
{
	static char out[80];
	struct k8s_cidr c;
	if (k8s_cidr_parse(span_from(in), &c) < 0)
		return "ERR";
	ASSERT_OK(k8s_cidr_format(&c, out, sizeof(out)));
	return out;
}

TEST(cidr_parse_format)
{
	ASSERT_STREQ(cidr_fmt("10.0.0.0/8"), "10.0.0.0/8");
	ASSERT_STREQ(cidr_fmt("10.1.2.3/8"), "10.0.0.0/8");
	ASSERT_STREQ(cidr_fmt("192.168.1.129/25"), "192.168.1.128/25");
	ASSERT_STREQ(cidr_fmt("0.0.0.0/0"), "0.0.0.0/0");
	ASSERT_STREQ(cidr_fmt("1.2.3.4/32"), "1.2.3.4/32");
	ASSERT_STREQ(cidr_fmt("::/0"), "::/0");
	ASSERT_STREQ(cidr_fmt("2001:db8::/32"), "2001:db8::/32");
	ASSERT_STREQ(cidr_fmt("2001:DB8:0:0:1:0:0:1/128"), "2001:db8::1:0:0:1/128");
	ASSERT_STREQ(cidr_fmt("2001:db8:ffff::1/48"), "2001:db8:ffff::/48");
	ASSERT_STREQ(cidr_fmt("::1/128"), "::1/128");
	ASSERT_STREQ(cidr_fmt("fe80::/10"), "fe80::/10");
	ASSERT_STREQ(cidr_fmt("::ffff:10.0.0.1/128"), "::ffff:a00:1/128");
	ASSERT_STREQ(cidr_fmt("1:0:0:2:0:0:0:3/128"), "1:0:0:2::3/128");
	ASSERT_STREQ(cidr_fmt("1:2:3:4:5:6:7:8/64"), "1:2:3:4::/64");
	static const char *const bad[] = {
	    "",
	    "10.0.0.0",
	    "10.0.0.0/",
	    "10.0.0.0/33",
	    "10.0.0.256/8",
	    "10.0.0/8",
	    "10.0.0.0.0/8",
	    "01.2.3.4/8",
	    "10.0.0.0/08",
	    "1.2.3.4/-1",
	    "a.b.c.d/8",
	    "10..0.0/8",
	    "::/129",
	    ":::/0",
	    "1::2::3/64",
	    "1:2:3:4:5:6:7:8:9/64",
	    "12345::/16",
	    "1:2:3:4:5:6:7/64",
	    "fe80::%eth0/64",
	    "1:/16",
	    "/8",
	    "10.0.0.0/8/8",
	    ":1::/16",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (!streq(cidr_fmt(bad[i]), "ERR"))
			tap_fail(__FILE__, __LINE__, "'%s' parsed as %s", bad[i], cidr_fmt(bad[i]));
}

static struct k8s_cidr C(const char *s) {
	struct k8s_cidr c;
	ASSERT_OK(k8s_cidr_parse(span_from(s), &c));
	return c;
}

TEST(cidr_contains_covered)
{
	struct k8s_cidr a = C("10.0.0.0/8"), b = C("10.1.0.0/16"), v6 = C("::/0");
	ASSERT_TRUE(k8s_cidr_contains(&a, &b));
	ASSERT_FALSE(k8s_cidr_contains(&b, &a));
	ASSERT_TRUE(k8s_cidr_contains(&a, &a));
	ASSERT_FALSE(k8s_cidr_contains(&v6, &a));
	struct k8s_cidr c24 = C("10.0.0.0/24");
	struct k8s_cidr halves[] = {C("10.0.0.0/25"), C("10.0.0.128/25")};
	ASSERT_TRUE(k8s_cidr_covered(&c24, halves, 2));
	ASSERT_FALSE(k8s_cidr_covered(&c24, halves, 1));
	ASSERT_FALSE(k8s_cidr_covered(&c24, NULL, 0));
	struct k8s_cidr quarters[] = {C("10.0.0.0/26"), C("10.0.0.64/26"), C("10.0.0.128/25")};
	ASSERT_TRUE(k8s_cidr_covered(&c24, quarters, 3));
	struct k8s_cidr holes[] = {C("10.0.0.0/26"), C("10.0.0.128/25")};
	ASSERT_FALSE(k8s_cidr_covered(&c24, holes, 2));
	struct k8s_cidr all6 = C("::/0");
	struct k8s_cidr h6[] = {C("::/1"), C("8000::/1")};
	ASSERT_TRUE(k8s_cidr_covered(&all6, h6, 2));
	struct k8s_cidr h6b[] = {C("::/1"), C("8000::/2")};
	ASSERT_FALSE(k8s_cidr_covered(&all6, h6b, 2));
}

/* ---- port sets ---- */

static const char *ps_fmt(const struct k8s_port_set *s)
{
	static char out[256];
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	ASSERT_OK(k8s_port_set_format(s, &b));
	ASSERT_OK(xsnprintf(out, sizeof(out), "%s", buf_str(&b)));
	return out;
}

TEST(port_sets)
{
	struct k8s_port_set a = {0}, b = {0}, c = {0};
	ASSERT_STREQ(ps_fmt(&a), "");
	ASSERT_OK(k8s_port_set_add(&a, K8S_PROTO_TCP, 80, 80));
	ASSERT_OK(k8s_port_set_add(&a, K8S_PROTO_TCP, 8000, 8080));
	ASSERT_OK(k8s_port_set_add(&a, K8S_PROTO_TCP, 81, 81));
	ASSERT_OK(k8s_port_set_add(&a, K8S_PROTO_UDP, 53, 53));
	ASSERT_OK(k8s_port_set_add(&a, K8S_PROTO_TCP, 8080, 8090));
	ASSERT_STREQ(ps_fmt(&a), "TCP/80-81,TCP/8000-8090,UDP/53");
	ASSERT_TRUE(k8s_port_set_contains(&a, K8S_PROTO_TCP, 8085));
	ASSERT_FALSE(k8s_port_set_contains(&a, K8S_PROTO_UDP, 80));
	ASSERT_OK(k8s_port_set_add(&b, K8S_PROTO_TCP, 1, 65535));
	ASSERT_STREQ(ps_fmt(&b), "TCP/all");
	ASSERT_OK(k8s_port_set_intersect(&a, &b, &c));
	ASSERT_STREQ(ps_fmt(&c), "TCP/80-81,TCP/8000-8090");
	k8s_port_set_done(&c);
	ASSERT_OK(k8s_port_set_add_all(&b));
	ASSERT_TRUE(k8s_port_set_is_all(&b));
	ASSERT_STREQ(ps_fmt(&b), "all");
	ASSERT_ERR(k8s_port_set_add(&b, K8S_PROTO_TCP, 9, 8), -EINVAL);
	k8s_port_set_done(&a);
	k8s_port_set_done(&b);
}

/* ---- reachability ---- */

struct world {
	struct k8s_manifests m;
	struct k8s_net_report rep;
};

static void world_load(struct world *w, const char *text)
{
	struct bh_limits l = lim();
	*w = (struct world){0};
	struct bh_diag d = {0};
	int r = k8s_manifests_load_buf(&w->m, "w.yaml", span_from(text), &l, &d);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "load: %d %s", r, d.message);
}

static void world_run(struct world *w)
{
	ASSERT_OK(k8s_net_reach(&w->m, &w->rep));
}

static void world_done(struct world *w)
{
	k8s_net_report_done(&w->rep);
	k8s_manifests_done(&w->m);
}

/* The ports from may use to reach to ("" when none); ids are Kind/ns/name or "(external)". */
static const char *reach(const struct world *w, const char *from, const char *to)
{
	char a[600], b[600];
	bool found_from = streq(from, "(external)"), found_to = streq(to, "(external)");
	for (size_t i = 0; i < w->rep.n_wl; i++) {
		k8s_net_workload_id(&w->rep, i, a, sizeof(a));
		found_from |= streq(a, from);
		found_to |= streq(a, to);
	}
	if (!found_from || !found_to)
		tap_fail(__FILE__, __LINE__, "no workload %s or %s", from, to);
	for (size_t i = 0; i < w->rep.n_edges; i++) {
		k8s_net_workload_id(&w->rep, w->rep.edges[i].from, a, sizeof(a));
		k8s_net_workload_id(&w->rep, w->rep.edges[i].to, b, sizeof(b));
		if (streq(a, from) && streq(b, to))
			return ps_fmt(&w->rep.edges[i].ports);
	}
	return "";
}

static const struct k8s_net_ns *ns_of(const struct world *w, const char *name)
{
	for (size_t i = 0; i < w->rep.n_ns; i++)
		if (streq(w->rep.ns[i].name, name))
			return &w->rep.ns[i];
	tap_fail(__FILE__, __LINE__, "no namespace %s", name);
}

#define POD(ns, name, labels, ports)                                                               \
	"---\napiVersion: v1\nkind: Pod\nmetadata: {name: \"" name "\", namespace: " ns            \
	", labels: " labels "}\nspec:\n  containers: [{name: c, image: x:1, ports: " ports "}]\n"
#define NP(ns, name, spec)                                                                         \
	"---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: " name       \
	", namespace: " ns "}\nspec: " spec "\n"

#define TWO_PODS POD("a", "x", "{app: x}", "[]") POD("a", "y", "{app: \"y\"}", "[]")

TEST(reach_no_policy_allows_all)
{
	struct world w;
	world_load(&w, TWO_PODS POD("b", "z", "{app: z}", "[]"));
	world_run(&w);
	ASSERT_STREQ(reach(&w, "Pod/a/x", "Pod/a/y"), "all");
	ASSERT_STREQ(reach(&w, "Pod/a/x", "Pod/b/z"), "all");
	ASSERT_STREQ(reach(&w, "Pod/a/x", "Pod/a/x"), "all");
	ASSERT_STREQ(reach(&w, "(external)", "Pod/b/z"), "all");
	ASSERT_STREQ(reach(&w, "Pod/b/z", "(external)"), "all");
	ASSERT_FALSE(ns_of(&w, "a")->ingress_isolated);
	ASSERT_FALSE(ns_of(&w, "a")->egress_isolated);
	world_done(&w);
}

TEST(reach_deny_all_ingress_to_one)
{
	struct world w;
	world_load(&w, TWO_PODS NP("a", "deny", "{podSelector: {matchLabels: {app: \"y\"}}}"));
	world_run(&w);
	ASSERT_STREQ(reach(&w, "Pod/a/x", "Pod/a/y"), "");
	ASSERT_STREQ(reach(&w, "(external)", "Pod/a/y"), "");
	ASSERT_STREQ(reach(&w, "Pod/a/y", "Pod/a/x"), "all"); /* egress not isolated */
	ASSERT_STREQ(reach(&w, "Pod/a/y", "(external)"), "all");
	ASSERT_FALSE(ns_of(&w, "a")->ingress_isolated); /* not every pod selected */
	world_done(&w);
}

TEST(reach_policy_types_default)
{
	struct world w;
	/* Egress rules present and no policyTypes: Ingress and Egress, so y gets no ingress. */
	world_load(&w, TWO_PODS NP("a", "p",
				   "{podSelector: {matchLabels: {app: \"y\"}}, egress: [{to: "
				   "[{podSelector: {matchLabels: {app: x}}}]}]}"));
	world_run(&w);
	ASSERT_STREQ(reach(&w, "Pod/a/y", "Pod/a/x"), "all");
	ASSERT_STREQ(reach(&w, "Pod/a/y", "(external)"), "");
	ASSERT_STREQ(reach(&w, "Pod/a/x", "Pod/a/y"), "");
	world_done(&w);
	/* policyTypes [Egress] only: ingress stays open. */
	world_load(
	    &w, TWO_PODS NP("a", "p",
			    "{podSelector: {matchLabels: {app: \"y\"}}, policyTypes: [Egress]}"));
	world_run(&w);
	ASSERT_STREQ(reach(&w, "Pod/a/x", "Pod/a/y"), "all");
	ASSERT_STREQ(reach(&w, "Pod/a/y", "Pod/a/x"), "");
	world_done(&w);
}

TEST(reach_empty_and_missing_from)
{
	struct world w;
	/* A rule without from (only ports) and a rule with from: [] both match every source. */
	world_load(&w, TWO_PODS POD("b", "z", "{app: z}", "[]")
			   NP("a", "p1",
			      "{podSelector: {matchLabels: {app: \"y\"}}, ingress: [{ports: "
			      "[{port: 80}]}]}")
			       NP("a", "p2",
				  "{podSelector: {matchLabels: {app: x}}, ingress: [{from: "
				  "[]}]}"));
	world_run(&w);
	ASSERT_STREQ(reach(&w, "Pod/b/z", "Pod/a/y"), "TCP/80");
	ASSERT_STREQ(reach(&w, "(external)", "Pod/a/y"), "TCP/80");
	ASSERT_STREQ(reach(&w, "Pod/b/z", "Pod/a/x"), "all");
	ASSERT_STREQ(reach(&w, "(external)", "Pod/a/x"), "all");
	world_done(&w);
	/* ingress: [] with Ingress: nothing. */
	world_load(&w, TWO_PODS NP("a", "p", "{podSelector: {}, ingress: []}"));
	world_run(&w);
	ASSERT_STREQ(reach(&w, "Pod/a/x", "Pod/a/y"), "");
	ASSERT_TRUE(ns_of(&w, "a")->ingress_isolated);
	ASSERT_FALSE(ns_of(&w, "a")->egress_isolated);
	world_done(&w);
}

#define NS(name, labels)                                                                           \
	"---\napiVersion: v1\nkind: Namespace\nmetadata: {name: " name ", labels: " labels "}\n"

TEST(reach_namespace_and_pod_selectors)
{
	struct world w;
	const char *base = NS("prod", "{purpose: production}") NS("ops", "{team: operations}")
	    POD("prod", "web", "{app: web}", "[]") POD("prod", "cache", "{app: cache}", "[]")
		POD("ops", "mon", "{type: monitoring}", "[]")
		    POD("ops", "shell", "{type: shell}", "[]")
			POD("dev", "mon", "{type: monitoring}", "[]");
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	/* namespaceSelector AND podSelector in one peer */
	ASSERT_OK(buf_printf(&b, "%s%s", base,
			     NP("prod", "and",
				"{podSelector: {matchLabels: {app: web}}, ingress: "
				"[{from: [{namespaceSelector: {matchLabels: {team: "
				"operations}}, podSelector: {matchLabels: {type: "
				"monitoring}}}]}]}")));
	world_load(&w, buf_str(&b));
	world_run(&w);
	ASSERT_STREQ(reach(&w, "Pod/ops/mon", "Pod/prod/web"), "all");
	ASSERT_STREQ(reach(&w, "Pod/ops/shell", "Pod/prod/web"), "");
	ASSERT_STREQ(reach(&w, "Pod/dev/mon", "Pod/prod/web"), "");
	ASSERT_STREQ(reach(&w, "Pod/prod/cache", "Pod/prod/web"), "");
	world_done(&w);
	/* two peers: OR */
	buf_clear(&b);
	ASSERT_OK(buf_printf(&b, "%s%s", base,
			     NP("prod", "or",
				"{podSelector: {matchLabels: {app: web}}, ingress: "
				"[{from: [{namespaceSelector: {matchLabels: {team: "
				"operations}}}, {podSelector: {matchLabels: {type: "
				"monitoring}}}]}]}")));
	world_load(&w, buf_str(&b));
	world_run(&w);
	ASSERT_STREQ(reach(&w, "Pod/ops/mon", "Pod/prod/web"), "all");
	ASSERT_STREQ(reach(&w, "Pod/ops/shell", "Pod/prod/web"), "all");
	/* podSelector alone means pods of the policy's own namespace */
	ASSERT_STREQ(reach(&w, "Pod/dev/mon", "Pod/prod/web"), "");
	ASSERT_STREQ(reach(&w, "Pod/prod/cache", "Pod/prod/web"), "");
	world_done(&w);
	/* namespaceSelector {} = every namespace; kubernetes.io/metadata.name is implicit */
	buf_clear(&b);
	ASSERT_OK(
	    buf_printf(&b, "%s%s%s", base,
		       NP("prod", "all-ns",
			  "{podSelector: {matchLabels: {app: web}}, ingress: [{from: "
			  "[{namespaceSelector: {}}]}]}"),
		       NP("prod", "by-name",
			  "{podSelector: {matchLabels: {app: cache}}, ingress: [{from: "
			  "[{namespaceSelector: {matchExpressions: [{key: "
			  "kubernetes.io/metadata.name, operator: In, values: [dev]}]}}]}]}")));
	world_load(&w, buf_str(&b));
	world_run(&w);
	ASSERT_STREQ(reach(&w, "Pod/dev/mon", "Pod/prod/web"), "all");
	ASSERT_STREQ(reach(&w, "Pod/ops/shell", "Pod/prod/web"), "all");
	ASSERT_STREQ(reach(&w, "(external)", "Pod/prod/web"), "");
	ASSERT_STREQ(reach(&w, "Pod/dev/mon", "Pod/prod/cache"), "all");
	ASSERT_STREQ(reach(&w, "Pod/ops/mon", "Pod/prod/cache"), "");
	world_done(&w);
}

TEST(reach_policy_only_applies_in_its_namespace)
{
	struct world w;
	world_load(&w, POD("a", "x", "{app: x}", "[]") POD("b", "x", "{app: x}", "[]")
			   NP("a", "deny", "{podSelector: {}}"));
	world_run(&w);
	ASSERT_STREQ(reach(&w, "Pod/b/x", "Pod/a/x"), "");
	ASSERT_STREQ(reach(&w, "Pod/a/x", "Pod/b/x"), "all");
	ASSERT_TRUE(ns_of(&w, "a")->ingress_isolated);
	ASSERT_FALSE(ns_of(&w, "b")->ingress_isolated);
	world_done(&w);
}

TEST(reach_ip_block)
{
	struct world w;
	world_load(&w, TWO_PODS NP("a", "ext",
				   "{podSelector: {matchLabels: {app: \"y\"}}, ingress: "
				   "[{from: [{ipBlock: {cidr: 0.0.0.0/0, except: "
				   "[10.0.0.0/8]}}]}]}")
			   NP("a", "none",
			      "{podSelector: {matchLabels: {app: x}}, ingress: [{from: "
			      "[{ipBlock: {cidr: 10.0.0.0/24, except: [10.0.0.0/25, "
			      "10.0.0.128/25]}}]}]}"));
	world_run(&w);
	ASSERT_STREQ(reach(&w, "(external)", "Pod/a/y"), "all");
	ASSERT_STREQ(reach(&w, "Pod/a/x", "Pod/a/y"), "");    /* pods are not matched by ipBlock */
	ASSERT_STREQ(reach(&w, "(external)", "Pod/a/x"), ""); /* except covers the whole CIDR */
	world_done(&w);
	/* Egress to an IPv6 block only. */
	world_load(&w, TWO_PODS NP("a", "eg",
				   "{podSelector: {matchLabels: {app: x}}, "
				   "policyTypes: [Egress], egress: [{to: [{ipBlock: "
				   "{cidr: '2001:db8::/32'}}], ports: [{port: 443}]}]}"));
	world_run(&w);
	ASSERT_STREQ(reach(&w, "Pod/a/x", "(external)"), "TCP/443");
	ASSERT_STREQ(reach(&w, "Pod/a/x", "Pod/a/y"), "");
	world_done(&w);
}

TEST(reach_ports_named_endport_protocol)
{
	struct world w;
	world_load(&w, POD("a", "x", "{app: x}", "[]")
			   POD("a", "y", "{app: \"y\"}",
			       "[{name: http, containerPort: 8080}, {name: dns, "
			       "containerPort: 53, protocol: UDP}]")
			       NP("a", "p",
				  "{podSelector: {matchLabels: {app: \"y\"}}, ingress: [{ports: "
				  "[{port: http}, {port: dns, protocol: UDP}, {port: missing}, "
				  "{port: 9000, endPort: 9010}, {protocol: SCTP}]}]}"));
	world_run(&w);
	ASSERT_STREQ(reach(&w, "Pod/a/x", "Pod/a/y"), "TCP/8080,TCP/9000-9010,UDP/53,SCTP/all");
	world_done(&w);
	/* A named port with the wrong protocol does not resolve. */
	world_load(
	    &w, POD("a", "x", "{app: x}", "[]")
		    POD("a", "y", "{app: \"y\"}", "[{name: dns, containerPort: 53, protocol: UDP}]")
			NP("a", "p",
			   "{podSelector: {matchLabels: {app: \"y\"}}, ingress: [{ports: "
			   "[{port: dns}]}]}"));
	world_run(&w);
	ASSERT_STREQ(reach(&w, "Pod/a/x", "Pod/a/y"), "");
	world_done(&w);
}

TEST(reach_needs_egress_and_ingress)
{
	struct world w;
	/* x may send to y on 80-90, y accepts 85-100 from x: the result is 85-90. */
	world_load(&w, TWO_PODS NP("a", "eg",
				   "{podSelector: {matchLabels: {app: x}}, policyTypes: "
				   "[Egress], egress: [{to: [{podSelector: {matchLabels: "
				   "{app: \"y\"}}}], ports: [{port: 80, endPort: 90}]}]}")
			   NP("a", "in",
			      "{podSelector: {matchLabels: {app: \"y\"}}, ingress: [{from: "
			      "[{podSelector: {matchLabels: {app: x}}}], ports: [{port: 85, "
			      "endPort: 100}]}]}"));
	world_run(&w);
	ASSERT_STREQ(reach(&w, "Pod/a/x", "Pod/a/y"), "TCP/85-90");
	ASSERT_STREQ(reach(&w, "Pod/a/y", "Pod/a/x"), "all");
	ASSERT_STREQ(reach(&w, "Pod/a/x", "Pod/a/x"), ""); /* egress of x does not allow x */
	world_done(&w);
}

TEST(reach_union_over_policies)
{
	struct world w;
	world_load(&w, TWO_PODS NP("a", "p1",
				   "{podSelector: {matchLabels: {app: \"y\"}}, ingress: "
				   "[{ports: [{port: 80}]}]}")
			   NP("a", "p2",
			      "{podSelector: {matchExpressions: [{key: app, operator: "
			      "NotIn, values: [x]}]}, ingress: [{ports: [{port: 443}]}]}")
			       NP("a", "p3", "{podSelector: {}, policyTypes: [Ingress]}"));
	world_run(&w);
	ASSERT_STREQ(reach(&w, "Pod/a/x", "Pod/a/y"), "TCP/80,TCP/443");
	ASSERT_STREQ(reach(&w, "Pod/a/y", "Pod/a/x"), "");
	world_done(&w);
}

TEST(reach_workload_templates_and_fixture)
{
	struct world w = {0};
	struct bh_limits l = lim();
	struct bh_diag d = {0};
	ASSERT_OK(k8s_manifests_load_path(&w.m, tap_src_path("tests/fixtures/k8s/net/shop.yaml"),
					  &l, &d));
	world_run(&w);
	ASSERT_EQ(w.rep.n_wl, 5);
	ASSERT_STREQ(reach(&w, "(external)", "Deployment/shop/frontend"), "TCP/8080");
	ASSERT_STREQ(reach(&w, "Deployment/shop/frontend", "Deployment/shop/api"), "TCP/5000");
	ASSERT_STREQ(reach(&w, "Deployment/shop/api", "StatefulSet/shop/db"), "TCP/5432");
	ASSERT_STREQ(reach(&w, "Deployment/shop/frontend", "StatefulSet/shop/db"), "");
	ASSERT_STREQ(reach(&w, "Deployment/shop/api", "Deployment/kube-system/coredns"),
		     "TCP/53,UDP/53");
	ASSERT_STREQ(reach(&w, "Pod/dev/toolbox", "Deployment/shop/api"), "");
	ASSERT_STREQ(reach(&w, "Pod/dev/toolbox", "Deployment/kube-system/coredns"), "all");
	ASSERT_STREQ(reach(&w, "StatefulSet/shop/db", "(external)"), "");
	ASSERT_TRUE(ns_of(&w, "shop")->ingress_isolated && ns_of(&w, "shop")->egress_isolated);
	ASSERT_FALSE(ns_of(&w, "dev")->ingress_isolated);
	ASSERT_FALSE(ns_of(&w, "kube-system")->egress_isolated);
	world_done(&w);
}

TEST(reach_malformed_policy_noted)
{
	struct world w;
	world_load(&w, TWO_PODS NP("a", "bad",
				   "{podSelector: {}, ingress: [{from: [{ipBlock: "
				   "{cidr: 10.0.0.0/8, except: [11.0.0.0/16]}}]}]}"));
	world_run(&w);
	ASSERT_EQ(w.rep.notes.n, 1);
	ASSERT_TRUE(strstr(w.rep.notes.v[0], "NetworkPolicy a/bad") != NULL);
	ASSERT_STREQ(reach(&w, "Pod/a/x", "Pod/a/y"), "all");
	world_done(&w);
}

/* ---- the recipes (ahmetb/kubernetes-network-policy-recipes), one assertion set each ---- */

static const char recipe_world[] = NS("default", "{}") NS("prod", "{purpose: production}") NS(
    "ops", "{team: operations}") NS("kube-system", "{}") POD("default", "web", "{app: web}", "[]")
    POD("default", "api", "{app: bookstore, role: api}", "[]")
	POD("default", "search", "{app: bookstore, role: search}", "[]")
	    POD("default", "db", "{app: bookstore, role: db}", "[]")
		POD("default", "inv", "{app: inventory, role: web}", "[]")
		    POD("default", "apiserver", "{app: apiserver}",
			"[{containerPort: 5000}, {containerPort: 8080}]")
			POD("default", "mon", "{role: monitoring}", "[]")
			    POD("default", "foo", "{app: foo}", "[]")
				POD("prod", "client", "{app: client}", "[]")
				    POD("ops", "prom", "{type: monitoring}", "[]")
					POD("ops", "shell", "{type: shell}", "[]")
					    POD("kube-system", "dns", "{k8s-app: kube-dns}", "[]");

static void recipe_load(struct world *w, const char *name)
{
	char rel[256];
	ASSERT_OK(xsnprintf(rel, sizeof(rel), "k8s/manifests/netpol-recipes/%s", name));
	const char *path = tap_shared_path(rel);
	if (!path)
		TEST_SKIP("shared netpol-recipes absent");
	world_load(w, recipe_world);
	struct bh_limits l = lim();
	struct bh_diag d = {0};
	ASSERT_OK(k8s_manifests_load_path(&w->m, path, &l, &d));
	world_run(w);
	ASSERT_EQ(w->rep.notes.n, 0);
}

#define R(a, b) reach(&w, a, b)

TEST(recipes)
{
	struct world w;
	recipe_load(&w, "01-deny-all-traffic-to-an-application.yaml");
	ASSERT_STREQ(R("Pod/default/api", "Pod/default/web"), "");
	ASSERT_STREQ(R("(external)", "Pod/default/web"), "");
	ASSERT_STREQ(R("Pod/default/web", "Pod/default/api"), "all");
	world_done(&w);

	recipe_load(&w, "02-limit-traffic-to-an-application.yaml");
	ASSERT_STREQ(R("Pod/default/search", "Pod/default/api"), "all");
	ASSERT_STREQ(R("Pod/default/web", "Pod/default/api"), "");
	ASSERT_STREQ(R("Pod/prod/client", "Pod/default/api"), "");
	world_done(&w);

	recipe_load(&w, "02a-allow-all-traffic-to-an-application.yaml");
	ASSERT_STREQ(R("Pod/prod/client", "Pod/default/web"), "all");
	ASSERT_STREQ(R("(external)", "Pod/default/web"), "all");
	world_done(&w);

	recipe_load(&w, "03-deny-all-non-whitelisted-traffic-in-the-namespace.yaml");
	ASSERT_STREQ(R("Pod/default/api", "Pod/default/db"), "");
	ASSERT_STREQ(R("Pod/ops/prom", "Pod/default/mon"), "");
	ASSERT_STREQ(R("Pod/default/api", "Pod/ops/prom"), "all");
	ASSERT_TRUE(ns_of(&w, "default")->ingress_isolated);
	ASSERT_FALSE(ns_of(&w, "default")->egress_isolated);
	world_done(&w);

	recipe_load(&w, "04-deny-traffic-from-other-namespaces.yaml");
	ASSERT_STREQ(R("Pod/default/api", "Pod/default/web"), "all");
	ASSERT_STREQ(R("Pod/prod/client", "Pod/default/web"), "");
	ASSERT_STREQ(R("Pod/ops/prom", "Pod/default/db"), "");
	world_done(&w);

	recipe_load(&w, "05-allow-traffic-from-all-namespaces.yaml");
	ASSERT_STREQ(R("Pod/prod/client", "Pod/default/web"), "all");
	ASSERT_STREQ(R("Pod/ops/shell", "Pod/default/web"), "all");
	ASSERT_STREQ(R("(external)", "Pod/default/web"), "");
	world_done(&w);

	recipe_load(&w, "06-allow-traffic-from-a-namespace.yaml");
	ASSERT_STREQ(R("Pod/prod/client", "Pod/default/web"), "all");
	ASSERT_STREQ(R("Pod/ops/prom", "Pod/default/web"), "");
	ASSERT_STREQ(R("Pod/default/api", "Pod/default/web"), "");
	world_done(&w);

	recipe_load(&w, "07-allow-traffic-from-some-pods-in-another-namespace.yaml");
	ASSERT_STREQ(R("Pod/ops/prom", "Pod/default/web"), "all");
	ASSERT_STREQ(R("Pod/ops/shell", "Pod/default/web"), "");
	ASSERT_STREQ(R("Pod/default/mon", "Pod/default/web"), "");
	world_done(&w);

	recipe_load(&w, "08-allow-external-traffic.yaml");
	ASSERT_STREQ(R("(external)", "Pod/default/web"), "all");
	world_done(&w);

	recipe_load(&w, "09-allow-traffic-only-to-a-port.yaml");
	ASSERT_STREQ(R("Pod/default/mon", "Pod/default/apiserver"), "TCP/5000");
	ASSERT_STREQ(R("Pod/default/web", "Pod/default/apiserver"), "");
	world_done(&w);

	recipe_load(&w, "10-allowing-traffic-with-multiple-selectors.yaml");
	ASSERT_STREQ(R("Pod/default/search", "Pod/default/db"), "all");
	ASSERT_STREQ(R("Pod/default/api", "Pod/default/db"), "all");
	ASSERT_STREQ(R("Pod/default/inv", "Pod/default/db"), "all");
	ASSERT_STREQ(R("Pod/default/web", "Pod/default/db"), "");
	world_done(&w);

	recipe_load(&w, "11-deny-egress-traffic-from-an-application-1.yaml");
	ASSERT_STREQ(R("Pod/default/foo", "Pod/default/web"), "");
	ASSERT_STREQ(R("Pod/default/foo", "(external)"), "");
	ASSERT_STREQ(R("Pod/default/web", "Pod/default/foo"), "all");
	world_done(&w);

	recipe_load(&w, "11-deny-egress-traffic-from-an-application-2.yaml");
	ASSERT_STREQ(R("Pod/default/foo", "Pod/kube-system/dns"), "TCP/53,UDP/53");
	ASSERT_STREQ(R("Pod/default/foo", "Pod/default/web"), "");
	ASSERT_STREQ(R("Pod/default/web", "Pod/default/foo"), "all");
	world_done(&w);

	recipe_load(&w, "12-deny-all-non-whitelisted-traffic-from-the-namespace.yaml");
	ASSERT_STREQ(R("Pod/default/web", "Pod/default/api"), "");
	ASSERT_STREQ(R("Pod/default/web", "(external)"), "");
	ASSERT_STREQ(R("Pod/prod/client", "Pod/default/web"), "all");
	ASSERT_TRUE(ns_of(&w, "default")->egress_isolated);
	ASSERT_FALSE(ns_of(&w, "default")->ingress_isolated);
	world_done(&w);

	recipe_load(&w, "14-deny-external-egress-traffic.yaml");
	ASSERT_STREQ(R("Pod/default/foo", "(external)"), "");
	ASSERT_STREQ(R("Pod/default/foo", "Pod/kube-system/dns"), "TCP/53,UDP/53");
	ASSERT_STREQ(R("Pod/default/web", "(external)"), "all");
	world_done(&w);
}

/* ---- exposure ---- */

static bool has_exposure(const struct k8s_exposure_report *e, const char *wl, const char *via,
			 const char *detail_part)
{
	for (size_t i = 0; i < e->n; i++) {
		const struct k8s_exposure *x = &e->e[i];
		if (!streq(x->via, via) || !strstr(x->detail, detail_part))
			continue;
		if (!wl && x->wl == K8S_NET_EXTERNAL)
			return true;
		if (wl && x->wl != K8S_NET_EXTERNAL) {
			const struct k8s_object *o = e->wl[x->wl].obj;
			char id[600];
			ASSERT_OK(xsnprintf(id, sizeof(id), "%s/%s/%s", o->kind_name,
					    e->wl[x->wl].ns, o->name));
			if (streq(id, wl))
				return true;
		}
	}
	return false;
}

TEST(exposure_fixture)
{
	struct k8s_manifests m = {0};
	struct bh_limits l = lim();
	struct bh_diag d = {0};
	ASSERT_OK(k8s_manifests_load_path(&m, tap_src_path("tests/fixtures/k8s/net/exposure.yaml"),
					  &l, &d));
	struct k8s_exposure_report e = {0};
	ASSERT_OK(k8s_net_exposure(&m, &e));
	ASSERT_TRUE(has_exposure(&e, "Deployment/web/shopfront", "LoadBalancer",
				 "Service/web/shopfront-lb 443/TCP"));
	ASSERT_TRUE(has_exposure(&e, "Deployment/web/admin", "NodePort", "(nodePort 30080)"));
	ASSERT_TRUE(has_exposure(&e, "Deployment/web/blog", "Ingress",
				 "Ingress/web/blog -> Service/web/blog"));
	ASSERT_TRUE(has_exposure(&e, "DaemonSet/infra/agent", "hostNetwork", "hostNetwork"));
	ASSERT_TRUE(has_exposure(&e, "Pod/infra/debug", "hostPort", "hostPort 2222"));
	ASSERT_EQ(e.n, 5); /* web/internal (ClusterIP, no Ingress) is not exposed */
	k8s_exposure_report_done(&e);
	k8s_manifests_done(&m);
}

TEST(exposure_k8s_examples)
{
	const char *path = tap_shared_path("k8s/manifests/k8s-examples");
	if (!path)
		TEST_SKIP("shared k8s-examples absent");
	struct k8s_manifests m = {0};
	struct bh_limits l = lim();
	struct bh_diag d = {0};
	ASSERT_OK(k8s_manifests_load_path(&m, path, &l, &d));
	struct k8s_exposure_report e = {0};
	ASSERT_OK(k8s_net_exposure(&m, &e));
	ASSERT_TRUE(has_exposure(&e, "ReplicationController/default/es", "LoadBalancer",
				 "Service/default/elasticsearch 9200/TCP,9300/TCP"));
	ASSERT_TRUE(has_exposure(&e, NULL, "LoadBalancer", "Service/default/web 80/TCP"));
	ASSERT_TRUE(has_exposure(&e, NULL, "NodePort", "Service/default/selenium-hub"));
	ASSERT_TRUE(has_exposure(&e, "Deployment/default/frontend", "NodePort",
				 "Service/default/frontend 80/TCP"));
	ASSERT_TRUE(has_exposure(&e, "ReplicationController/default/my-nginx", "NodePort",
				 "Service/default/nginxsvc 80/TCP,443/TCP"));
	ASSERT_TRUE(has_exposure(&e, "DaemonSet/default/newrelic-infra-agent", "hostNetwork",
				 "hostNetwork"));
	ASSERT_TRUE(
	    has_exposure(&e, "Deployment/default/tf-serving", "Ingress",
			 "Ingress/default/tf-serving-ingress -> Service/default/tf-serving"));
	/* redis is ClusterIP only */
	for (size_t i = 0; i < e.n; i++)
		if (e.e[i].wl != K8S_NET_EXTERNAL)
			ASSERT_TRUE(strstr(e.wl[e.e[i].wl].obj->name, "redis") == NULL);
	k8s_exposure_report_done(&e);
	k8s_manifests_done(&m);
}
