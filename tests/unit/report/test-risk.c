/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-risk.c — the risk model (src/report/risk.c): image reference normalisation, the
 * environment rules, and whole runs over small manifests with a SQLite store filled through
 * store_record_run() (scan.vuln findings of an image, a scan.config run, runtime alerts):
 * which scan stands for which image (by name, by digest), the factor values and their
 * evidence, what is unknown, and the ranking; vulnerable packages in use from behaviour
 * baselines put with store_baseline_put() (exact, merged-/usr and owner-rule matches, never
 * loaded, cut file lists, scans without package files, invalid documents, no baseline).
 */
#include <stdio.h>

#include "common/json.h"
#include "k8s/k8s.h"
#include "report/risk.h"
#include "runtime/baseline.h"
#include "store/store.h"
#include "tap.h"

static void norm(const char *ref, const char *want_name, const char *want_digest)
{
	_cleanup_free_ char *name = NULL, *digest = NULL;
	ASSERT_OK(risk_image_normalize(ref, &name, &digest));
	ASSERT_STREQ(name, want_name);
	if (want_digest)
		ASSERT_STREQ(digest, want_digest);
	else
		ASSERT_NULL(digest);
}

TEST(normalize)
{
	norm("nginx", "docker.io/library/nginx:latest", NULL);
	norm("nginx:1.25", "docker.io/library/nginx:1.25", NULL);
	norm("docker.io/nginx:1.25", "docker.io/library/nginx:1.25", NULL);
	norm("index.docker.io/library/nginx:1.25", "docker.io/library/nginx:1.25", NULL);
	norm("acme/api", "docker.io/acme/api:latest", NULL);
	norm("Registry.Example.com/shop/api:1.0", "registry.example.com/shop/api:1.0", NULL);
	norm("localhost:5000/x", "localhost:5000/x:latest", NULL);
	norm("ghcr.io/acme/api:v1@sha256:abc", "ghcr.io/acme/api:v1", "sha256:abc");
	norm("redis@sha256:0123", "docker.io/library/redis", "sha256:0123");
	char *n = NULL, *d = NULL;
	ASSERT_ERR(risk_image_normalize("", &n, &d), -EINVAL);
	ASSERT_ERR(risk_image_normalize("x@", &n, &d), -EINVAL);
	ASSERT_ERR(risk_image_normalize("x@nocolon", &n, &d), -EINVAL);
	ASSERT_ERR(risk_image_normalize("x:", &n, &d), -EINVAL);
	ASSERT_ERR(risk_image_normalize("a b", &n, &d), -EINVAL);
	ASSERT_ERR(risk_image_normalize("reg.io/", &n, &d), -EINVAL);
	ASSERT_NULL(n);
}

static enum risk_env env(const struct risk_opts *o, const char *ns, const char *lk, const char *lv,
			 bool on_ns)
{
	struct k8s_kv kv = {lk, lv};
	_cleanup_free_ char *why = NULL;
	enum risk_env e = risk_environment(o, ns, lk && !on_ns ? &kv : NULL, lk && !on_ns,
					   lk && on_ns ? &kv : NULL, lk && on_ns, &why);
	ASSERT_NOT_NULL(why);
	return e;
}

TEST(environment)
{
	struct risk_opts o = {0};
	ASSERT_EQ(env(&o, "shop-prod", NULL, NULL, false), RISK_ENV_PROD);
	ASSERT_EQ(env(&o, "production", NULL, NULL, false), RISK_ENV_PROD);
	ASSERT_EQ(env(&o, "payments_staging", NULL, NULL, false), RISK_ENV_DEV);
	ASSERT_EQ(env(&o, "team.dev", NULL, NULL, false), RISK_ENV_DEV);
	ASSERT_EQ(env(&o, "shop", NULL, NULL, false), RISK_ENV_UNKNOWN);
	/* "products" is not "prod": whole words only. */
	ASSERT_EQ(env(&o, "products", NULL, NULL, false), RISK_ENV_UNKNOWN);
	ASSERT_EQ(env(&o, "shop", "environment", "Production", true), RISK_ENV_PROD);
	ASSERT_EQ(env(&o, "shop", "environment", "test", false), RISK_ENV_DEV);
	/* The label wins over the name; another key is not read. */
	ASSERT_EQ(env(&o, "shop-dev", "environment", "prod", true), RISK_ENV_PROD);
	ASSERT_EQ(env(&o, "shop", "env", "prod", true), RISK_ENV_UNKNOWN);
	o.env_label = "env";
	ASSERT_EQ(env(&o, "shop", "env", "prod", true), RISK_ENV_PROD);
	/* Patterns first. */
	const char *prod[] = {"pay*"}, *dev[] = {"shop-*"};
	o.prod = prod;
	o.n_prod = 1;
	o.dev = dev;
	o.n_dev = 1;
	ASSERT_EQ(env(&o, "payments-dev", NULL, NULL, false), RISK_ENV_PROD);
	ASSERT_EQ(env(&o, "shop-prod", NULL, NULL, false), RISK_ENV_DEV);
}

/* ---- whole runs ----------------------------------------------------------------------- */

static const char manifests[] =
    "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n"
    "    environment: production\n"
    "---\n"
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: shop\n"
    "spec:\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n"
    "      labels: {app: api}\n    spec:\n      containers:\n"
    "      - name: api\n        image: registry.example.com/shop/api:1.0\n"
    "---\n"
    "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\n  namespace: shop\n"
    "spec:\n  type: LoadBalancer\n  selector: {app: api}\n  ports:\n  - port: 80\n"
    "---\n"
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: shop-dev\n"
    "spec:\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n"
    "      labels: {app: api}\n    spec:\n      containers:\n"
    "      - name: api\n        image: registry.example.com/shop/api:1.0\n"
    "        securityContext: {runAsNonRoot: true, capabilities: {drop: [ALL]}}\n"
    "---\n"
    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n"
    "  name: deny\n  namespace: shop-dev\nspec:\n  podSelector: {}\n"
    "  policyTypes: [Ingress]\n"
    "---\n"
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: tools\n  namespace: shop-dev\n"
    "spec:\n  hostPID: true\n  containers:\n  - name: t\n    image: busybox\n"
    "    securityContext: {privileged: true, runAsUser: 0}\n"
    "---\n"
    "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: pinned\n  namespace: ops\n"
    "spec:\n  selector:\n    matchLabels: {app: pinned}\n  template:\n    metadata:\n"
    "      labels: {app: pinned}\n    spec:\n      serviceAccountName: agent\n"
    "      containers:\n      - name: p\n"
    "        image: quay.io/ops/agent:2@sha256:feed\n"
    "---\n"
    "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n"
    "  name: agent-admin\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole,"
    " name: admin-all}\nsubjects:\n- {kind: ServiceAccount, name: agent, namespace: ops}\n"
    "---\n"
    "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n"
    "  name: admin-all\nrules:\n- {apiGroups: ['*'], resources: ['*'], verbs: ['*']}\n"
    "---\n"
    "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: api-123\n  namespace: shop\n"
    "  ownerReferences:\n  - {apiVersion: apps/v1, kind: Deployment, name: api,"
    " controller: true}\nspec:\n  selector:\n    matchLabels: {app: api}\n  template:\n"
    "    metadata:\n      labels: {app: api}\n    spec:\n      containers:\n"
    "      - name: api\n        image: registry.example.com/shop/api:1.0\n";

static json_t *vuln(const char *id, const char *cve, const char *sev, const char *fixed, int kev)
{
	json_t *ev = json_pack("{s:s?}", "fixed", fixed);
	ASSERT_NOT_NULL(ev);
	if (kev >= 0)
		ASSERT_OK(json_object_set_new(ev, "known_exploited", json_boolean(kev)));
	json_t *f = json_pack("{s:s, s:s, s:s, s:{s:s}, s:o}", "id", id, "kind", "vulnerability",
			      "severity", sev, "rule", "id", cve, "evidence", ev);
	ASSERT_NOT_NULL(f);
	return f;
}

static int64_t record(struct store *s, const char *kind, int64_t t, const char *type,
		      const char *name, const char *digest, const char *ns, const char *wl,
		      json_t *findings)
{
	struct store_run run = {.kind = kind,
				.time = t,
				.target = {.type = type,
					   .name = name,
					   .digest = digest,
					   .namespace = ns,
					   .workload = wl},
				.tool = "test"};
	struct store_record_result res = {0};
	struct bh_diag d = {0};
	int r = store_record_run(s, &run, findings, &res, &d);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "store_record_run: %s: %s", strerror(-r), d.message);
	json_decref(findings);
	int64_t id = res.run_id;
	store_record_result_done(&res);
	return id;
}

static struct store *new_store(const char *name)
{
	const char *p = tap_tmp_path(name);
	ASSERT_NOT_NULL(p);
	struct store *s = NULL;
	struct bh_diag d = {0};
	int r = store_open(p, NULL, 0, &s, &d);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "store_open: %s: %s", strerror(-r), d.message);
	return s;
}

static const struct risk_workload *find(const struct risk_report *rep, const char *ns,
					const char *name, size_t *ret_rank)
{
	for (size_t i = 0; i < rep->n; i++)
		if (streq(rep->w[i].ns, ns) && streq(rep->w[i].obj->name, name)) {
			if (ret_rank)
				*ret_rank = i;
			return &rep->w[i];
		}
	tap_fail(__FILE__, __LINE__, "workload %s/%s not ranked", ns, name);
}

static bool near(double a, double b)
{
	return a - b < 1e-6 && b - a < 1e-6;
}

static bool has_ev(const struct risk_factor *f, const char *ref)
{
	for (size_t i = 0; i < f->n_ev; i++)
		if (streq(f->ev[i].ref, ref))
			return true;
	return false;
}

static void load_buf(struct k8s_manifests *m, const char *name, const char *text)
{
	struct bh_limits l;
	bh_limits_default(&l);
	struct bh_diag d = {0};
	ASSERT_OK(k8s_manifests_load_buf(m, name, span_from(text), &l, &d));
}

static void load(struct k8s_manifests *m)
{
	load_buf(m, "risk.yaml", manifests);
}

TEST(run_with_store)
{
	struct k8s_manifests m = {0};
	load(&m);
	_cleanup_(store_closep) struct store *s = new_store("a.db");
	int64_t now = 1700000000;
	/* An older scan of the image, then the latest: only the latest's findings count. */
	record(s, "scan.vuln", now - 100, "image", "registry.example.com/shop/api:1.0",
	       "sha256:old", NULL, NULL,
	       json_pack("[o]", vuln("f-old", "CVE-2000-1", "critical", NULL, 0)));
	json_t *fs = json_pack("[o, o, o]", vuln("f-crit", "CVE-2024-1", "critical", "1.2", 1),
			       vuln("f-high", "CVE-2024-2", "high", NULL, 0),
			       vuln("f-low", "CVE-2024-3", "low", "2.0", 0));
	int64_t latest = record(s, "scan.vuln", now - 50, "image",
				"registry.example.com/shop/api:1.0", "sha256:new", NULL, NULL, fs);
	/* The pinned image, scanned under another name with the same digest. */
	int64_t pinned =
	    record(s, "scan.vuln", now - 40, "image", "mirror.local/agent:x", "sha256:feed", NULL,
		   NULL, json_pack("[o]", vuln("f-med", "CVE-2024-4", "medium", NULL, -1)));
	/* busybox's configuration: USER root. */
	json_t *cfg = json_pack("[{s:s, s:s, s:s, s:{s:s}}]", "id", "cfg-root", "kind", "config",
				"severity", "unknown", "rule", "id", "BH-IMG-001");
	int64_t cfg_run =
	    record(s, "scan.config", now - 30, "image", "busybox:latest", NULL, NULL, NULL, cfg);
	(void)cfg_run;
	/* A runtime alert on a pod of shop/api. */
	json_t *alert = json_pack("[{s:s, s:s, s:s, s:{s:s}}]", "id", "alert-1", "kind", "runtime",
				  "severity", "high", "rule", "id", "Terminal shell in container");
	record(s, "runtime", now - 20, "container", "shop/api-7d9f8b6c5-x2x4z", NULL, "shop",
	       "Pod/api-7d9f8b6c5-x2x4z", alert);

	struct risk_opts o = {.now = now};
	struct risk_report rep = {0};
	struct bh_diag d = {0};
	ASSERT_OK(risk_run(&m, s, &o, &rep, &d));
	/* The owned ReplicaSet is not a workload of its own. */
	ASSERT_EQ(rep.n, 4);
	ASSERT_TRUE(rep.has_runtime);

	size_t rank_prod, rank_dev;
	const struct risk_workload *api = find(&rep, "shop", "api", &rank_prod);
	const struct risk_workload *dev = find(&rep, "shop-dev", "api", &rank_dev);
	/* Same image, same vulnerabilities: the exposed production one ranks above. */
	ASSERT_EQ(rank_prod, 0);
	ASSERT_TRUE(rank_dev > rank_prod);
	ASSERT_TRUE(api->score > dev->score + 20);
	ASSERT_EQ(api->env, RISK_ENV_PROD);
	ASSERT_EQ(dev->env, RISK_ENV_DEV);

	const struct risk_factor *sev = &api->f[RISK_F_VULN_SEVERITY];
	/* critical 10 + high 4 + low 0.25 = 14.25 points -> 14.25 / 24.25 */
	ASSERT_TRUE(near(sev->value, 14.25 / 24.25));
	ASSERT_TRUE(sev->assessed);
	ASSERT_TRUE(has_ev(sev, "f-crit") && has_ev(sev, "f-high") && !has_ev(sev, "f-old"));
	char run_ref[32];
	(void)xsnprintf(run_ref, sizeof(run_ref), "%lld", (long long)latest);
	ASSERT_TRUE(has_ev(sev, run_ref));
	ASSERT_TRUE(near(api->f[RISK_F_VULN_FIXABLE].value, 10.25 / 20.25));
	ASSERT_TRUE(near(api->f[RISK_F_VULN_EXPLOITED].value, 1));
	ASSERT_TRUE(api->f[RISK_F_VULN_EXPLOITED].assessed);
	ASSERT_TRUE(has_ev(&api->f[RISK_F_VULN_EXPLOITED], "f-crit"));
	ASSERT_TRUE(near(api->f[RISK_F_NOT_SCANNED].value, 0));
	ASSERT_TRUE(near(api->f[RISK_F_EXTERNAL].value, 1));
	ASSERT_TRUE(near(api->f[RISK_F_ENVIRONMENT].value, 1));
	/* The alert of pod api-7d9f8b6c5-x2x4z: high = 3 points -> 3 / 8. */
	ASSERT_TRUE(near(api->f[RISK_F_RUNTIME_ALERTS].value, 3.0 / 8.0));
	ASSERT_TRUE(has_ev(&api->f[RISK_F_RUNTIME_ALERTS], "alert-1"));
	ASSERT_TRUE(near(dev->f[RISK_F_RUNTIME_ALERTS].value, 0));
	ASSERT_TRUE(dev->f[RISK_F_RUNTIME_ALERTS].assessed);
	/* Isolated by a default-deny ingress policy; not exposed. */
	ASSERT_TRUE(near(dev->f[RISK_F_REACH].value, 0));
	ASSERT_TRUE(near(dev->f[RISK_F_EXTERNAL].value, 0));
	ASSERT_TRUE(near(dev->f[RISK_F_ROOT].value, 0));
	ASSERT_TRUE(near(dev->f[RISK_F_CAPABILITIES].value, 0));

	/* Digest match, and no known-exploitation field: not in the data. */
	const struct risk_workload *ag = find(&rep, "ops", "pinned", NULL);
	(void)xsnprintf(run_ref, sizeof(run_ref), "%lld", (long long)pinned);
	ASSERT_TRUE(has_ev(&ag->f[RISK_F_VULN_SEVERITY], run_ref));
	ASSERT_TRUE(has_ev(&ag->f[RISK_F_VULN_SEVERITY], "f-med"));
	ASSERT_FALSE(ag->f[RISK_F_VULN_EXPLOITED].assessed);
	ASSERT_TRUE(near(ag->f[RISK_F_VULN_EXPLOITED].unknown, 8));
	ASSERT_TRUE(strstr(ag->f[RISK_F_VULN_EXPLOITED].detail, "not in the data") != NULL);
	/* Its service account is bound to a wildcard ClusterRole. */
	ASSERT_TRUE(near(ag->f[RISK_F_RBAC].value, 1));
	ASSERT_TRUE(has_ev(&ag->f[RISK_F_RBAC], "risk.yaml:90"));

	/* busybox: never scanned for vulnerabilities; privileged, hostPID, root. */
	const struct risk_workload *t = find(&rep, "shop-dev", "tools", NULL);
	ASSERT_TRUE(near(t->f[RISK_F_NOT_SCANNED].value, 1));
	ASSERT_TRUE(near(t->f[RISK_F_NOT_SCANNED].unknown, 27));
	ASSERT_FALSE(t->f[RISK_F_VULN_SEVERITY].assessed);
	ASSERT_TRUE(near(t->f[RISK_F_PRIVILEGED].value, 1));
	ASSERT_TRUE(near(t->f[RISK_F_HOST_NAMESPACES].value, 1));
	ASSERT_TRUE(near(t->f[RISK_F_ROOT].value, 1));
	ASSERT_TRUE(has_ev(&t->f[RISK_F_PRIVILEGED], "risk.yaml:61"));
	/* Vulnerable packages in use: not scanned, and no baseline anyway. */
	ASSERT_FALSE(t->f[RISK_F_VULN_IN_USE].assessed);
	ASSERT_TRUE(near(t->f[RISK_F_VULN_IN_USE].unknown, 4));
	ASSERT_FALSE(api->f[RISK_F_VULN_IN_USE].assessed);
	ASSERT_TRUE(strstr(api->f[RISK_F_VULN_IN_USE].detail, "no behaviour baseline") != NULL);

	/* Every score is the sum of its contributions. */
	for (size_t i = 0; i < rep.n; i++) {
		double sum = 0;
		for (size_t k = 0; k < _RISK_F_MAX; k++)
			sum += rep.w[i].f[k].contribution;
		ASSERT_TRUE(near(sum, rep.w[i].score));
		ASSERT_TRUE(rep.w[i].score >= 0 && rep.w[i].score <= 100);
		if (i)
			ASSERT_TRUE(rep.w[i - 1].score >= rep.w[i].score);
	}

	/* Renderings. */
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	ASSERT_NOT_NULL(f);
	ASSERT_OK(risk_report_json(&rep, 0, f));
	ASSERT_EQ(fclose(f), 0);
	json_error_t err;
	json_t *doc = json_loadb(text, len, 0, &err);
	free(text);
	ASSERT_NOT_NULL(doc);
	ASSERT_STREQ(bh_json_str(doc, "schema"), "bulkhead.risk/v1");
	ASSERT_EQ(json_array_size(json_object_get(doc, "workloads")), 4);
	json_t *w0 = json_array_get(json_object_get(doc, "workloads"), 0);
	ASSERT_STREQ(bh_json_str(w0, "workload"), "Deployment/api");
	ASSERT_STREQ(bh_json_str(w0, "namespace"), "shop");
	ASSERT_EQ(json_array_size(json_object_get(w0, "factors")), _RISK_F_MAX);
	double wsum = 0;
	json_t *weights = json_object_get(json_object_get(doc, "model"), "weights");
	const char *k;
	json_t *v;
	json_object_foreach(weights, k, v)
	{
		wsum += json_number_value(v);
	}
	ASSERT_TRUE(near(wsum, 100));
	json_decref(doc);

	f = open_memstream(&text, &len);
	ASSERT_NOT_NULL(f);
	ASSERT_OK(risk_report_table(&rep, 2, f));
	ASSERT_EQ(fclose(f), 0);
	ASSERT_TRUE(strstr(text, "Deployment/shop/api") != NULL);
	ASSERT_TRUE(strstr(text, "Pod/shop-dev/tools") == NULL || rank_dev < 2);
	ASSERT_TRUE(strstr(text, "4 workloads ranked") != NULL);
	free(text);

	risk_report_done(&rep);
	k8s_manifests_done(&m);
}

TEST(run_without_store)
{
	struct k8s_manifests m = {0};
	load(&m);
	struct risk_opts o = {.now = 1700000000};
	struct risk_report rep = {0};
	struct bh_diag d = {0};
	ASSERT_OK(risk_run(&m, NULL, &o, &rep, &d));
	ASSERT_EQ(rep.n, 4);
	ASSERT_FALSE(rep.has_runtime);
	ASSERT_NULL(rep.store_name);
	for (size_t i = 0; i < rep.n; i++) {
		const struct risk_workload *w = &rep.w[i];
		ASSERT_TRUE(near(w->f[RISK_F_NOT_SCANNED].value, 1));
		ASSERT_FALSE(w->f[RISK_F_RUNTIME_ALERTS].assessed);
		ASSERT_TRUE(strstr(w->f[RISK_F_RUNTIME_ALERTS].detail, "no runtime data") != NULL);
		/* Vulnerability 27 (not scanned) + exploitation 8 + runtime 10 at least. */
		ASSERT_TRUE(w->unknown >= 45 - 1e-9);
	}
	ASSERT_TRUE(rep.notes.n > 0 && strstr(rep.notes.v[0], "no store") != NULL);
	risk_report_done(&rep);
	k8s_manifests_done(&m);
}

/* ---- vulnerable packages in use ------------------------------------------------------ */

static const char in_use_manifests[] =
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n"
    "spec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n"
    "      labels: {app: web}\n    spec:\n      containers:\n"
    "      - name: web\n        image: registry.example.com/shop/web:1.0\n"
    "---\n"
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: other\n  namespace: shop\n"
    "spec:\n  selector:\n    matchLabels: {app: other}\n  template:\n    metadata:\n"
    "      labels: {app: other}\n    spec:\n      containers:\n"
    "      - name: web\n        image: registry.example.com/shop/web:1.0\n"
    "---\n"
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: db-0\n  namespace: shop\n"
    "spec:\n  containers:\n  - name: db\n    image: db:1\n"
    "---\n"
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: legacy\n  namespace: shop\n"
    "spec:\n  selector:\n    matchLabels: {app: legacy}\n  template:\n    metadata:\n"
    "      labels: {app: legacy}\n    spec:\n      containers:\n"
    "      - name: l\n        image: legacy:1\n";

/* A vulnerability of package pkg ("name@version") with its recorded files (NULL: none). */
static json_t *pvuln(const char *id, const char *sev, const char *pkg, json_t *files, int omitted)
{
	json_t *ev = json_object();
	ASSERT_NOT_NULL(ev);
	if (files)
		ASSERT_OK(json_object_set_new(ev, "package_files", files));
	if (omitted)
		ASSERT_OK(json_object_set_new(ev, "package_files_omitted", json_integer(omitted)));
	json_t *f = json_pack("{s:s, s:s, s:s, s:{s:s}, s:{s:s, s:s}, s:o}", "id", id, "kind",
			      "vulnerability", "severity", sev, "rule", "id", id, "location",
			      "path", "/var/lib/dpkg/status", "package", pkg, "evidence", ev);
	ASSERT_NOT_NULL(f);
	return f;
}

/* Suppressed by a VEX statement: not a vulnerability of the image. */
static json_t *vexed(json_t *f)
{
	ASSERT_OK(json_object_set_new(json_object_get(f, "evidence"), "vex",
				      json_pack("{s:s}", "status", "not_affected")));
	return f;
}

/* Put a baseline of workload with the facts "TYPE PATH" (NULL-terminated). */
static void put_baseline(struct store *s, const char *workload, const char *const *facts)
{
	_cleanup_(baseline_freep) struct baseline *b = NULL;
	ASSERT_OK(baseline_new(workload, BASELINE_MONITOR, 1700000000, NULL, &b));
	for (size_t i = 0; facts[i]; i++) {
		const char *sp = strchr(facts[i], ' ');
		ASSERT_NOT_NULL(sp);
		char type[32];
		ASSERT_TRUE((size_t)(sp - facts[i]) < sizeof(type));
		memcpy(type, facts[i], (size_t)(sp - facts[i]));
		type[sp - facts[i]] = '\0';
		int t = baseline_type_from_name(type);
		ASSERT_TRUE(t >= 0);
		struct baseline_fact f = {.a = (char *)(sp + 1)};
		ASSERT_OK(baseline_insert_fact(b, (enum baseline_type)t, &f));
	}
	_cleanup_buf_ struct buf doc;
	buf_init(&doc, 0);
	ASSERT_OK(baseline_export(b, &doc));
	ASSERT_OK(store_baseline_put(s, workload, 1700000000, "monitor", buf_str(&doc), NULL));
}

static const struct risk_evidence *ev_detail(const struct risk_factor *f, const char *ref,
					     const char *prefix)
{
	for (size_t i = 0; i < f->n_ev; i++)
		if (f->ev[i].type == RISK_EV_BASELINE && streq(f->ev[i].ref, ref) &&
		    f->ev[i].detail && strncmp(f->ev[i].detail, prefix, strlen(prefix)) == 0)
			return &f->ev[i];
	return NULL;
}

TEST(vuln_in_use)
{
	struct k8s_manifests m = {0};
	load_buf(&m, "in-use.yaml", in_use_manifests);
	_cleanup_(store_closep) struct store *s = new_store("in-use.db");
	int64_t now = 1700000000;
	record(
	    s, "scan.vuln", now - 50, "image", "registry.example.com/shop/web:1.0", "sha256:aaa",
	    NULL, NULL,
	    json_pack(
		"[o, o, o, o, o]",
		pvuln("f-zlib", "critical", "zlib1g@1.2",
		      json_pack("[s, s]", "/lib/x86_64-linux-gnu/libz.so.1",
				"/usr/share/doc/zlib1g/copyright"),
		      0),
		pvuln("f-bash", "high", "bash@5.2",
		      json_pack("[s, s]", "/bin/bash", "/usr/share/man/man1/bash.1.gz"), 0),
		pvuln("f-perl", "medium", "perl@5.36", json_pack("[s]", "/usr/bin/perl5.36"), 900),
		pvuln("f-none", "low", "meta@1", NULL, 0),
		vexed(pvuln("f-vex", "critical", "bash@5.2", json_pack("[s]", "/bin/bash"), 0))));
	record(s, "scan.vuln", now - 40, "image", "db:1", NULL, NULL, NULL,
	       json_pack("[o]", pvuln("f-db", "high", "dbsrv@3",
				      json_pack("[s]", "/usr/sbin/db-server"), 0)));
	record(s, "scan.vuln", now - 30, "image", "legacy:1", NULL, NULL, NULL,
	       json_pack("[o]", pvuln("f-old", "critical", "old@1", NULL, 0)));
	/* web by the digest of its scan: zlib read through /usr (merged /usr), bash never run. */
	static const char *const web[] = {"file_read /usr/lib/x86_64-linux-gnu/libz.so.1",
					  "exec /usr/bin/python3", "file_read /etc/hosts", NULL};
	put_baseline(s, "k8s:shop/web@sha256:aaa", web);
	/* db-0 (a bare Pod, owner "db") by reference: its server ran. */
	static const char *const db[] = {"exec /usr/sbin/db-server", NULL};
	put_baseline(s, "k8s:shop/db@docker.io/library/db:1", db);
	static const char *const legacy[] = {"exec /usr/bin/old", NULL};
	put_baseline(s, "k8s:shop/legacy@legacy:1", legacy);
	/* Not this workload: another namespace, another image, another form, invalid. */
	put_baseline(s, "k8s:other/web@sha256:aaa", db);
	put_baseline(s, "k8s:shop/web@sha256:bbb", db);
	put_baseline(s, "container:web@registry.example.com/shop/web:1.0", db);
	ASSERT_OK(store_baseline_put(s, "k8s:shop/other@sha256:aaa", now, "learn",
				     "{\"schema\": \"nope\"}", NULL));

	struct risk_opts o = {.now = now};
	struct risk_report rep = {0};
	struct bh_diag d = {0};
	ASSERT_OK(risk_run(&m, s, &o, &rep, &d));
	ASSERT_EQ(rep.n, 4);
	ASSERT_EQ(rep.n_baselines, 3);

	const struct risk_workload *w = find(&rep, "shop", "web", NULL);
	const struct risk_factor *u = &w->f[RISK_F_VULN_IN_USE];
	ASSERT_TRUE(u->assessed);
	/* Used: zlib (critical, 10 points); never loaded: bash (high, 4); unknown: perl (cut
	 * short, medium 1) and meta (no files, low 0.25). */
	ASSERT_TRUE(near(u->value, 10.0 / 20.0));
	ASSERT_TRUE(near(u->unknown, 4 * 1.25 / 15.25));
	const struct risk_evidence *e =
	    ev_detail(u, "k8s:shop/web@sha256:aaa#1", "in use: zlib1g@1.2: ");
	ASSERT_NOT_NULL(e);
	ASSERT_TRUE(strstr(e->detail, "/lib/x86_64-linux-gnu/libz.so.1 (file_read)") != NULL);
	ASSERT_NOT_NULL(ev_detail(u, "k8s:shop/web@sha256:aaa#1", "not loaded: bash@5.2"));
	ASSERT_NULL(ev_detail(u, "k8s:shop/web@sha256:aaa#1", "not loaded: perl"));
	ASSERT_TRUE(strstr(u->detail, "1 of 4 vulnerable packages in use") != NULL);
	ASSERT_TRUE(strstr(u->detail, "2 of unknown use") != NULL);
	/* Severity: bash's 4 points count x0.25; f-vex is not counted. */
	const struct risk_factor *sev = &w->f[RISK_F_VULN_SEVERITY];
	ASSERT_TRUE(near(sev->value, 12.25 / 22.25));
	ASSERT_FALSE(has_ev(sev, "f-vex"));
	ASSERT_TRUE(strstr(sev->detail, "never loaded count x0.25") != NULL);

	/* Same image, no valid baseline (its one is not a document): not assessed. */
	const struct risk_workload *ot = find(&rep, "shop", "other", NULL);
	ASSERT_FALSE(ot->f[RISK_F_VULN_IN_USE].assessed);
	ASSERT_TRUE(near(ot->f[RISK_F_VULN_IN_USE].unknown, 4));
	ASSERT_TRUE(near(ot->f[RISK_F_VULN_IN_USE].value, 0));
	ASSERT_TRUE(strstr(ot->f[RISK_F_VULN_IN_USE].detail, "no behaviour baseline") != NULL);
	ASSERT_TRUE(near(ot->f[RISK_F_VULN_SEVERITY].value, 15.25 / 25.25));
	/* The used critical vulnerability makes web rank above it on that factor alone. */
	ASSERT_TRUE(w->f[RISK_F_VULN_IN_USE].contribution > 1.9);
	bool noted = false;
	for (size_t i = 0; i < rep.notes.n; i++)
		noted |= strstr(rep.notes.v[i], "k8s:shop/other@sha256:aaa#1 in the store is not a "
						"valid") != NULL;
	ASSERT_TRUE(noted);

	/* A bare Pod by its owner name and the image by reference. */
	const struct risk_workload *db0 = find(&rep, "shop", "db-0", NULL);
	ASSERT_TRUE(db0->f[RISK_F_VULN_IN_USE].assessed);
	ASSERT_TRUE(near(db0->f[RISK_F_VULN_IN_USE].value, 4.0 / 14.0));
	ASSERT_NOT_NULL(ev_detail(&db0->f[RISK_F_VULN_IN_USE],
				  "k8s:shop/db@docker.io/library/db:1#1",
				  "in use: dbsrv@3: /usr/sbin/db-server (exec)"));

	/* A baseline, but the scan lists no package files. */
	const struct risk_workload *lg = find(&rep, "shop", "legacy", NULL);
	ASSERT_FALSE(lg->f[RISK_F_VULN_IN_USE].assessed);
	ASSERT_TRUE(near(lg->f[RISK_F_VULN_IN_USE].unknown, 4));
	ASSERT_TRUE(strstr(lg->f[RISK_F_VULN_IN_USE].detail, "lists no package files") != NULL);

	/* JSON: the baseline evidence and the summary. */
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	ASSERT_NOT_NULL(f);
	ASSERT_OK(risk_report_json(&rep, 0, f));
	ASSERT_EQ(fclose(f), 0);
	ASSERT_TRUE(strstr(text, "\"type\": \"baseline\"") != NULL);
	ASSERT_TRUE(strstr(text, "\"baselines_matched\": 3") != NULL);
	ASSERT_TRUE(strstr(text, "\"vuln-in-use\"") != NULL);
	free(text);

	risk_report_done(&rep);
	k8s_manifests_done(&m);
}

TEST(bad_rbac)
{
	struct k8s_manifests m = {0};
	static const char bad[] = "apiVersion: rbac.authorization.k8s.io/v1\n"
				  "kind: ClusterRoleBinding\nmetadata:\n  name: x\nroleRef: 3\n";
	load_buf(&m, "bad.yaml", bad);
	struct bh_diag d = {0};
	struct risk_opts o = {.now = 1};
	struct risk_report rep = {0};
	ASSERT_ERR(risk_run(&m, NULL, &o, &rep, &d), -EBADMSG);
	ASSERT_TRUE(strstr(d.source, "bad.yaml") != NULL);
	risk_report_done(&rep);
	k8s_manifests_done(&m);
}
