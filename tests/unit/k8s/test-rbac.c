/* SPDX-License-Identifier: Apache-2.0 */
/* RBAC: the authorizer's semantics, who-can and the findings (src/k8s/rbac.c). */
#include "k8s/rbac.h"
#include "tap.h"

struct env {
	struct k8s_manifests m;
	struct k8s_rbac r;
};

static void env_load(struct env *e, const char *path)
{
	*e = (struct env){0};
	struct bh_limits l;
	bh_limits_default(&l);
	struct bh_diag d = {0};
	int r = k8s_manifests_load_path(&e->m, path, &l, &d);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "%s: %s", path, d.message);
	r = k8s_rbac_build(&e->r, &e->m, &d);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "%s: build: %s", path, d.message);
}

static void env_fixture(struct env *e, const char *name)
{
	char rel[128];
	ASSERT_OK(xsnprintf(rel, sizeof(rel), "tests/fixtures/k8s/rbac/%s", name));
	env_load(e, tap_src_path(rel));
}

static void env_done(struct env *e)
{
	k8s_rbac_done(&e->r);
	k8s_manifests_done(&e->m);
}

/* Can the user named name (with groups, NULL-terminated) do verb on group/resource[/sub]? */
static bool can(const struct env *e, const char *user, const char *const *groups, const char *verb,
		const char *group, const char *resource, const char *sub, const char *name,
		const char *ns)
{
	size_t n = 0;
	while (groups && groups[n])
		n++;
	struct k8s_rbac_user u = {user, groups, n};
	struct k8s_rbac_request q = {verb, group, resource, sub, name, ns, NULL};
	return k8s_rbac_allows(&e->r, &u, &q, NULL);
}

static bool can_url(const struct env *e, const char *user, const char *const *groups,
		    const char *verb, const char *url)
{
	size_t n = 0;
	while (groups && groups[n])
		n++;
	struct k8s_rbac_user u = {user, groups, n};
	struct k8s_rbac_request q = {.verb = verb, .url = url};
	return k8s_rbac_allows(&e->r, &u, &q, NULL);
}

static const char *const authed[] = {"system:authenticated", NULL};

TEST(rule_wildcards_subresources_names)
{
	struct env e;
	env_fixture(&e, "rules.yaml");
	/* "*" verbs */
	ASSERT_TRUE(can(&e, "wanda", authed, "delete", "", "configmaps", "", "", "x"));
	ASSERT_TRUE(can(&e, "wanda", authed, "deletecollection", "", "configmaps", "", "", ""));
	ASSERT_FALSE(can(&e, "wanda", authed, "get", "", "secrets", "", "", "x"));
	/* a plain resource does not cover its subresources, nor another group */
	ASSERT_FALSE(can(&e, "wanda", authed, "get", "", "configmaps", "status", "", "x"));
	ASSERT_FALSE(can(&e, "wanda", authed, "get", "apps", "configmaps", "", "", "x"));
	/* "*\/scale" matches the scale subresource of anything, not the resource itself */
	ASSERT_TRUE(can(&e, "scaler", authed, "update", "apps", "deployments", "scale", "", "x"));
	ASSERT_TRUE(
	    can(&e, "scaler", authed, "update", "", "replicationcontrollers", "scale", "", "x"));
	ASSERT_FALSE(can(&e, "scaler", authed, "update", "apps", "deployments", "", "", "x"));
	ASSERT_FALSE(can(&e, "scaler", authed, "update", "apps", "deployments", "status", "", "x"));
	ASSERT_FALSE(can(&e, "scaler", authed, "get", "apps", "deployments", "scale", "", "x"));
	/* pods/exec */
	ASSERT_TRUE(can(&e, "debugger", authed, "create", "", "pods", "exec", "p", "x"));
	ASSERT_FALSE(can(&e, "debugger", authed, "create", "", "pods", "", "", "x"));
	ASSERT_FALSE(can(&e, "debugger", authed, "create", "", "pods", "attach", "p", "x"));
	/* resourceNames: only that name; a list (no name) is not allowed */
	ASSERT_TRUE(can(&e, "certbot", authed, "get", "", "secrets", "", "tls-cert", "x"));
	ASSERT_FALSE(can(&e, "certbot", authed, "get", "", "secrets", "", "other", "x"));
	ASSERT_FALSE(can(&e, "certbot", authed, "get", "", "secrets", "", "", "x"));
	/* ClusterRoleBindings grant cluster-scoped (namespace "") requests */
	ASSERT_TRUE(can(&e, "wanda", authed, "list", "", "configmaps", "", "", ""));
	/* users are matched by name only */
	ASSERT_FALSE(can(&e, "Wanda", authed, "get", "", "configmaps", "", "", "x"));
	env_done(&e);
}

TEST(non_resource_urls)
{
	struct env e;
	env_fixture(&e, "rules.yaml");
	static const char *const anon[] = {"system:unauthenticated", NULL};
	ASSERT_TRUE(can_url(&e, "system:anonymous", anon, "get", "/healthz"));
	ASSERT_FALSE(can_url(&e, "system:anonymous", anon, "get", "/healthz/ready"));
	ASSERT_FALSE(can_url(&e, "system:anonymous", anon, "post", "/healthz"));
	ASSERT_TRUE(can_url(&e, "system:anonymous", anon, "get", "/metrics/cadvisor"));
	ASSERT_TRUE(can_url(&e, "system:anonymous", anon, "get", "/metrics/"));
	ASSERT_FALSE(can_url(&e, "system:anonymous", anon, "get", "/metrics"));
	ASSERT_FALSE(can_url(&e, "bob", authed, "get", "/healthz"));
	/* a nonResourceURLs rule grants no resource */
	ASSERT_FALSE(can(&e, "system:anonymous", anon, "get", "", "healthz", "", "", ""));
	/* the rule matcher directly: "*" and "prefix*" (every trailing * trimmed) */
	const char *urls[] = {"/api/**"}, *verbs[] = {"get"};
	struct k8s_rbac_rule x = {.verbs = verbs, .n_verbs = 1, .urls = urls, .n_urls = 1};
	struct k8s_rbac_request q = {.verb = "get", .url = "/api/"};
	ASSERT_TRUE(k8s_rbac_rule_allows(&x, &q));
	q.url = "/apis";
	ASSERT_FALSE(k8s_rbac_rule_allows(&x, &q));
	env_done(&e);
}

TEST(aggregation)
{
	struct env e;
	env_fixture(&e, "aggregation.yaml");
	const struct k8s_rbac_role *mon = k8s_rbac_find_role(&e.r, true, "", "monitoring");
	ASSERT_NOT_NULL(mon);
	ASSERT_TRUE(mon->is_aggregated);
	ASSERT_EQ(mon->n_eff, 2);
	ASSERT_TRUE(can(&e, "mona", authed, "list", "", "pods", "", "", "x"));
	ASSERT_TRUE(can(&e, "mona", authed, "get", "", "services", "", "", "x"));
	/* the written rules of an aggregated role are replaced, labels must match exactly */
	ASSERT_FALSE(can(&e, "mona", authed, "delete", "", "nodes", "", "", ""));
	ASSERT_FALSE(can(&e, "mona", authed, "get", "", "secrets", "", "", "x"));
	/* nested aggregation (through monitoring-copy) and matchExpressions In / Exists */
	ASSERT_TRUE(can(&e, "allie", authed, "list", "", "pods", "", "", "x"));
	ASSERT_TRUE(can(&e, "allie", authed, "get", "", "services", "", "", "x"));
	ASSERT_TRUE(can(&e, "allie", authed, "patch", "apps", "deployments", "", "", "x"));
	ASSERT_FALSE(can(&e, "allie", authed, "get", "", "secrets", "", "", "x"));
	env_done(&e);
}

TEST(binding_scope_and_subjects)
{
	struct env e;
	env_fixture(&e, "bindings.yaml");
	/* RoleBinding -> ClusterRole: only inside the binding's namespace */
	ASSERT_TRUE(can(&e, "alice", authed, "get", "", "pods", "", "", "team-a"));
	ASSERT_FALSE(can(&e, "alice", authed, "get", "", "pods", "", "", "team-b"));
	ASSERT_FALSE(can(&e, "alice", authed, "list", "", "pods", "", "", ""));
	/* SA subject without namespace: the binding's */
	static const char *const sa_a[] = {"system:serviceaccounts",
					   "system:serviceaccounts:team-a", "system:authenticated",
					   NULL};
	ASSERT_TRUE(can(&e, "system:serviceaccount:team-a:builder", sa_a, "get", "", "pods", "", "",
			"team-a"));
	/* SA subject with its own namespace: that SA, granted in the binding's namespace */
	static const char *const sa_t[] = {"system:serviceaccounts", "system:serviceaccounts:tools",
					   "system:authenticated", NULL};
	ASSERT_TRUE(
	    can(&e, "system:serviceaccount:tools:ci", sa_t, "list", "", "pods", "", "", "team-a"));
	ASSERT_FALSE(
	    can(&e, "system:serviceaccount:tools:ci", sa_t, "list", "", "pods", "", "", "tools"));
	ASSERT_FALSE(
	    can(&e, "system:serviceaccount:team-a:ci", sa_a, "list", "", "pods", "", "", "team-a"));
	ASSERT_FALSE(can(&e, "system:serviceaccount:team-c:builder", authed, "get", "", "pods", "",
			 "", "team-a"));
	/* system:serviceaccounts:<ns> group */
	static const char *const sa_b[] = {"system:serviceaccounts",
					   "system:serviceaccounts:team-b", "system:authenticated",
					   NULL};
	ASSERT_TRUE(
	    can(&e, "system:serviceaccount:team-b:x", sa_b, "watch", "", "pods", "", "", "team-a"));
	/* Role resolved in the binding's namespace (team-a's cm-writer only deletes) */
	ASSERT_TRUE(can(&e, "anyone", authed, "create", "", "configmaps", "", "", "team-b"));
	ASSERT_FALSE(can(&e, "anyone", authed, "create", "", "configmaps", "", "", "team-a"));
	ASSERT_FALSE(
	    can(&e, "system:anonymous", NULL, "create", "", "configmaps", "", "", "team-b"));
	/* system:serviceaccounts; a CRB SA subject without namespace matches nobody */
	ASSERT_TRUE(
	    can(&e, "system:serviceaccount:team-b:x", sa_b, "list", "", "events", "", "", ""));
	ASSERT_FALSE(can(&e, "alice", authed, "list", "", "events", "", "", ""));
	ASSERT_FALSE(can(&e, "nobody", authed, "list", "", "events", "", "", ""));
	/* notes: the SA without namespace and the dangling roleRef */
	bool saw_dangling = false, saw_nobody = false;
	for (size_t i = 0; i < e.r.notes.n; i++) {
		saw_dangling |= strstr(e.r.notes.v[i], "does-not-exist") != NULL;
		saw_nobody |= strstr(e.r.notes.v[i], "'nobody'") != NULL;
	}
	ASSERT_TRUE(saw_dangling);
	ASSERT_TRUE(saw_nobody);
	/* subject_user: a service account's implied identity */
	struct k8s_rbac_subject s = {K8S_SUBJ_SERVICEACCOUNT, "builder", "team-a"};
	_cleanup_buf_ struct buf nb, gb;
	buf_init(&nb, 0);
	buf_init(&gb, 0);
	const char *groups[4];
	struct k8s_rbac_user u;
	ASSERT_OK(k8s_rbac_subject_user(&s, &nb, &gb, groups, &u));
	ASSERT_STREQ(u.name, "system:serviceaccount:team-a:builder");
	ASSERT_EQ(u.n_groups, 3);
	ASSERT_STREQ(u.groups[1], "system:serviceaccounts:team-a");
	env_done(&e);
}

static bool has_grant(const struct k8s_rbac_grant *g, size_t n, const char *subject,
		      const char *binding)
{
	for (size_t i = 0; i < n; i++)
		if (streq(g[i].subject->name, subject) && streq(g[i].binding->name, binding))
			return true;
	return false;
}

TEST(who_can)
{
	struct env e;
	env_fixture(&e, "bindings.yaml");
	struct k8s_rbac_grant *g;
	size_t n;
	struct k8s_rbac_request q = {"get", "", "pods", "", "", "team-a", NULL};
	ASSERT_OK(k8s_rbac_who_can(&e.r, &q, false, false, &g, &n));
	ASSERT_EQ(n, 4);
	ASSERT_TRUE(has_grant(g, n, "alice", "read-pods"));
	ASSERT_TRUE(has_grant(g, n, "ci", "read-pods"));
	ASSERT_STREQ(g[2].subject->namespace_, "tools");
	ASSERT_TRUE(has_grant(g, n, "builder", "read-pods"));
	ASSERT_STREQ(g[1].subject->namespace_, "team-a");
	free(g);
	q.namespace_ = "team-b";
	ASSERT_OK(k8s_rbac_who_can(&e.r, &q, false, false, &g, &n));
	ASSERT_EQ(n, 0);
	free(g);
	/* any namespace: RoleBindings everywhere count; cluster-scoped resources: not */
	q.namespace_ = "";
	ASSERT_OK(k8s_rbac_who_can(&e.r, &q, true, false, &g, &n));
	ASSERT_EQ(n, 4);
	free(g);
	ASSERT_OK(k8s_rbac_who_can(&e.r, &q, true, true, &g, &n));
	ASSERT_EQ(n, 0);
	free(g);
	q = (struct k8s_rbac_request){"list", "", "events", "", "", "", NULL};
	ASSERT_OK(k8s_rbac_who_can(&e.r, &q, false, false, &g, &n));
	ASSERT_EQ(n, 1); /* the group; the namespace-less SA is dropped */
	ASSERT_EQ(g[0].subject->kind, K8S_SUBJ_GROUP);
	free(g);
	/* resource table */
	const char *grp;
	bool cs;
	ASSERT_TRUE(k8s_rbac_resource_group("deployments", &grp, &cs));
	ASSERT_STREQ(grp, "apps");
	ASSERT_FALSE(cs);
	ASSERT_TRUE(k8s_rbac_resource_group("nodes", &grp, &cs));
	ASSERT_TRUE(cs);
	ASSERT_FALSE(k8s_rbac_resource_group("widgets", &grp, &cs));
	env_done(&e);
}

static const struct k8s_rbac_finding *find(const struct k8s_rbac_report *rep, const char *id,
					   const char *subject, const char *scope)
{
	for (size_t i = 0; i < rep->n; i++) {
		const struct k8s_rbac_finding *f = &rep->f[i];
		if (streq(f->check->id, id) && (!subject || streq_ptr(f->subject, subject)) &&
		    (!scope || streq(f->scope, scope)))
			return f;
	}
	return NULL;
}

TEST(findings)
{
	struct env e;
	env_fixture(&e, "escalation.yaml");
	struct k8s_rbac_report rep = {0};
	ASSERT_OK(k8s_rbac_analyze(&e.r, &rep));
	const struct k8s_rbac_finding *f;
	ASSERT_NOT_NULL(f = find(&rep, "BH-K8S-RBAC-001", "ServiceAccount/ops/god", "cluster"));
	ASSERT_EQ(f->severity, K8S_RBAC_CRITICAL);
	ASSERT_STREQ(f->binding->name, "god-mode");
	/* admin in a namespace, granted to everyone: raised to critical */
	ASSERT_NOT_NULL(
	    f = find(&rep, "BH-K8S-RBAC-002", "Group/system:authenticated", "namespace sandbox"));
	ASSERT_EQ(f->severity, K8S_RBAC_CRITICAL);
	ASSERT_NOT_NULL(find(&rep, "BH-K8S-RBAC-003", "User/mallory", "cluster"));
	ASSERT_NOT_NULL(find(&rep, "BH-K8S-RBAC-004", "User/mallory", "cluster"));
	ASSERT_NOT_NULL(find(&rep, "BH-K8S-RBAC-006", "User/mallory", "cluster"));
	ASSERT_NOT_NULL(find(&rep, "BH-K8S-RBAC-007", "User/mallory", "cluster"));
	ASSERT_NOT_NULL(find(&rep, "BH-K8S-RBAC-008", "User/auditor", "cluster"));
	ASSERT_NOT_NULL(find(&rep, "BH-K8S-RBAC-012", "User/rbac-admin", "cluster"));
	ASSERT_NULL(find(&rep, "BH-K8S-RBAC-012", "User/mallory", NULL));
	ASSERT_NULL(find(&rep, "BH-K8S-RBAC-008", "User/mallory", NULL));
	ASSERT_NOT_NULL(find(&rep, "BH-K8S-RBAC-009", "ServiceAccount/shop/web", "namespace shop"));
	ASSERT_NULL(find(&rep, "BH-K8S-RBAC-008", "ServiceAccount/shop/web", NULL));
	/* ci can create deployments in ops, where god lives */
	ASSERT_NOT_NULL(f = find(&rep, "BH-K8S-RBAC-005", "User/ci", "namespace ops"));
	ASSERT_TRUE(strstr(f->message, "god") != NULL);
	/* the operator Deployment runs as god; the plain Pod runs as default, not powerful */
	ASSERT_NOT_NULL(f = find(&rep, "BH-K8S-RBAC-011", "ServiceAccount/ops/god", NULL));
	ASSERT_STREQ(f->obj->name, "operator");
	size_t n11 = 0;
	for (size_t i = 0; i < rep.n; i++)
		n11 += streq(rep.f[i].check->id, "BH-K8S-RBAC-011");
	ASSERT_EQ(n11, 1);
	/* no finding for the harmless */
	ASSERT_NULL(find(&rep, "BH-K8S-RBAC-001", "User/mallory", NULL));
	ASSERT_NULL(find(&rep, "BH-K8S-RBAC-003", "ServiceAccount/ops/god", NULL));
	k8s_rbac_report_done(&rep);
	env_done(&e);

	/* exec: pods/exec create */
	env_fixture(&e, "rules.yaml");
	ASSERT_OK(k8s_rbac_analyze(&e.r, &rep));
	ASSERT_NOT_NULL(find(&rep, "BH-K8S-RBAC-010", "User/debugger", "cluster"));
	ASSERT_NULL(find(&rep, "BH-K8S-RBAC-008", "User/certbot", NULL)); /* one name only */
	k8s_rbac_report_done(&rep);
	env_done(&e);
}

TEST(bad_shapes)
{
	static const char *const bad[] = {
	    "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r}\n"
	    "rules: {verbs: [get]}\n",
	    "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r}\n"
	    "rules: [{verbs: get}]\n",
	    "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r}\n"
	    "rules: [{verbs: [1]}]\n",
	    "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b}\n"
	    "subjects: []\n",
	    "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b}\n"
	    "roleRef: {kind: Role, name: r}\nsubjects: [{kind: User}]\n",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct k8s_manifests m = {0};
		struct k8s_rbac r = {0};
		struct bh_limits l;
		bh_limits_default(&l);
		struct bh_diag d = {0};
		ASSERT_OK(k8s_manifests_load_buf(&m, "b.yaml", span_from(bad[i]), &l, &d));
		ASSERT_ERR(k8s_rbac_build(&r, &m, &d), -EBADMSG);
		ASSERT_TRUE(strstr(d.message, "/") != NULL);
		k8s_rbac_done(&r);
		k8s_manifests_done(&m);
	}
}

/* kube-prometheus (shared test data): SOURCES.md says kube-state-metrics lists and watches
 * secrets cluster-wide and prometheus-operator manages secrets and pods. */
TEST(kube_prometheus)
{
	const char *dir = tap_shared_path("k8s/manifests/kube-prometheus");
	if (!dir)
		TEST_SKIP("shared test data absent");
	struct env e;
	env_load(&e, dir);
	struct k8s_rbac_grant *g;
	size_t n;
	struct k8s_rbac_request q = {"list", "", "secrets", "", "", "", NULL};
	ASSERT_OK(k8s_rbac_who_can(&e.r, &q, false, false, &g, &n));
	ASSERT_TRUE(has_grant(g, n, "kube-state-metrics", "kube-state-metrics"));
	ASSERT_TRUE(has_grant(g, n, "prometheus-operator", "prometheus-operator"));
	free(g);
	q.verb = "watch";
	q.namespace_ = "kube-system";
	ASSERT_OK(k8s_rbac_who_can(&e.r, &q, false, false, &g, &n));
	ASSERT_TRUE(has_grant(g, n, "kube-state-metrics", "kube-state-metrics"));
	free(g);
	q.verb = "delete";
	ASSERT_OK(k8s_rbac_who_can(&e.r, &q, false, false, &g, &n));
	ASSERT_TRUE(has_grant(g, n, "prometheus-operator", "prometheus-operator"));
	ASSERT_FALSE(has_grant(g, n, "kube-state-metrics", "kube-state-metrics"));
	free(g);
	q = (struct k8s_rbac_request){"delete", "", "pods", "", "", "monitoring", NULL};
	ASSERT_OK(k8s_rbac_who_can(&e.r, &q, false, false, &g, &n));
	ASSERT_TRUE(has_grant(g, n, "prometheus-operator", "prometheus-operator"));
	free(g);
	struct k8s_rbac_report rep = {0};
	ASSERT_OK(k8s_rbac_analyze(&e.r, &rep));
	ASSERT_NOT_NULL(find(&rep, "BH-K8S-RBAC-008",
			     "ServiceAccount/monitoring/kube-state-metrics", "cluster"));
	ASSERT_NOT_NULL(find(&rep, "BH-K8S-RBAC-008",
			     "ServiceAccount/monitoring/prometheus-operator", "cluster"));
	const struct k8s_rbac_finding *f =
	    find(&rep, "BH-K8S-RBAC-011", "ServiceAccount/monitoring/kube-state-metrics", NULL);
	ASSERT_NOT_NULL(f);
	ASSERT_STREQ(f->obj->kind_name, "Deployment");
	ASSERT_NULL(find(&rep, "BH-K8S-RBAC-001", NULL, NULL));
	k8s_rbac_report_done(&rep);
	env_done(&e);
}
