/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-ask.c — `audit ask` (src/audit/ask.h): the four answers over small synthetic manifests
 * and a SQLite store filled through store_record_run() and the audit writer (Kubernetes API
 * audit events through audit_k8s_event_parse(), as `audit import-k8s` appends them), the
 * option parsers, and the invariant that every evidence reference an answer names is
 * described in the document's evidence list.
 */
#include <stdio.h>

#include "audit/ask.h"
#include "audit/audit.h"
#include "common/json.h"
#include "tap.h"

#define DAY ((int64_t)86400)
#define T0  ((int64_t)1700000000)

static void load(struct k8s_manifests *m, const char *yaml)
{
	struct bh_limits l;
	bh_limits_default(&l);
	struct bh_diag d = {0};
	int r = k8s_manifests_load_buf(m, "t.yaml", span_from(yaml), &l, &d);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "load: %s (line %u)", d.message, d.line);
}

static struct store *store_new(const char *name)
{
	struct bh_limits l;
	bh_limits_default(&l);
	const char *p = tap_tmp_path(name);
	ASSERT_NOT_NULL(p);
	(void)unlink(p);
	struct store *s = NULL;
	struct bh_diag d = {0};
	int r = store_open(p, &l, 0, &s, &d);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "store_open: %s", d.message);
	return s;
}

/* Every "evidence" array anywhere under v names only described references. */
static void check_refs(const json_t *doc, const json_t *v)
{
	const json_t *ev = json_object_get(doc, "evidence");
	if (json_is_object(v)) {
		const char *k;
		json_t *x;
		json_object_foreach((json_t *)v, k, x)
		{
			if (streq(k, "evidence") && json_is_array(x) && v != doc) {
				size_t i, j;
				json_t *ref, *e;
				json_array_foreach(x, i, ref)
				{
					bool found = false;
					json_array_foreach(ev, j, e) found |= streq_ptr(
					    bh_json_str(e, "ref"), json_string_value(ref));
					if (!found)
						tap_fail(__FILE__, __LINE__,
							 "reference '%s' undescribed",
							 json_string_value(ref));
				}
			} else if (!streq(k, "evidence"))
				check_refs(doc, x);
		}
	} else if (json_is_array(v)) {
		size_t i;
		json_t *x;
		json_array_foreach((json_t *)v, i, x) check_refs(doc, x);
	}
}

static json_t *ask(enum audit_ask_question q, const struct k8s_manifests *m, struct store *s,
		   const struct audit_ask_opts *o)
{
	json_t *doc = NULL;
	struct bh_diag d = {0};
	int r = audit_ask(q, m, s, o, &doc, &d);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "audit_ask: %s: %s", strerror(-r), d.message);
	ASSERT_STREQ(bh_json_str(doc, "schema"), AUDIT_ASK_SCHEMA);
	ASSERT_STREQ(bh_json_str(doc, "question"), audit_ask_question_name(q));
	check_refs(doc, doc);
	/* the table renders and names every answer's first column */
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	ASSERT_NOT_NULL(f);
	ASSERT_OK(audit_ask_write_table(doc, f));
	ASSERT_EQ(fclose(f), 0);
	ASSERT_TRUE(len > 0);
	free(text);
	return doc;
}

static const json_t *answer(const json_t *doc, const char *key, const char *value)
{
	size_t i;
	json_t *a;
	json_array_foreach(json_object_get(doc, "answers"), i,
			   a) if (streq_ptr(bh_json_str(a, key), value)) return a;
	return NULL;
}

static const json_t *find_in(const json_t *arr, const char *k1, const char *v1)
{
	size_t i;
	json_t *a;
	json_array_foreach(arr, i, a) if (streq_ptr(bh_json_str(a, k1), v1)) return a;
	return NULL;
}

static bool has_str(const json_t *arr, const char *s)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) if (streq_ptr(json_string_value(v), s)) return true;
	return false;
}

static long long summary_int(const json_t *doc, const char *key)
{
	return (long long)json_integer_value(json_object_get(json_object_get(doc, "summary"), key));
}

/* ---- options ----------------------------------------------------------------------------- */

TEST(parse_question_and_durations)
{
	enum audit_ask_question q;
	ASSERT_OK(audit_ask_question_parse("regulated-data", &q));
	ASSERT_EQ(q, AUDIT_ASK_REGULATED_DATA);
	ASSERT_ERR(audit_ask_question_parse("admin", &q), -EINVAL);
	ASSERT_ERR(audit_ask_question_parse(NULL, &q), -EINVAL);
	int64_t v;
	ASSERT_OK(audit_ask_parse_duration(span_from("15d"), &v));
	ASSERT_EQ(v, 15 * DAY);
	ASSERT_OK(audit_ask_parse_duration(span_from("36h"), &v));
	ASSERT_EQ(v, 36 * 3600);
	ASSERT_OK(audit_ask_parse_duration(span_from("2w"), &v));
	ASSERT_EQ(v, 14 * DAY);
	ASSERT_ERR(audit_ask_parse_duration(span_from("0d"), &v), -EBADMSG);
	ASSERT_ERR(audit_ask_parse_duration(span_from("d"), &v), -EBADMSG);
	ASSERT_ERR(audit_ask_parse_duration(span_from("7"), &v), -EBADMSG);
	ASSERT_ERR(audit_ask_parse_duration(span_from("-7d"), &v), -EBADMSG);
	ASSERT_ERR(audit_ask_parse_duration(span_from("99999999999999w"), &v), -E2BIG);

	struct audit_ask_opts o;
	audit_ask_opts_init(&o, T0);
	ASSERT_EQ(o.deadline[AUDIT_ASK_CRITICAL], 15 * DAY);
	ASSERT_EQ(o.deadline[AUDIT_ASK_LOW], 180 * DAY);
	ASSERT_OK(audit_ask_parse_deadlines(span_from("critical=7d, HIGH=14d,low=none"), o.deadline,
					    NULL));
	ASSERT_EQ(o.deadline[AUDIT_ASK_CRITICAL], 7 * DAY);
	ASSERT_EQ(o.deadline[AUDIT_ASK_HIGH], 14 * DAY);
	ASSERT_EQ(o.deadline[AUDIT_ASK_MEDIUM], 90 * DAY);
	ASSERT_EQ(o.deadline[AUDIT_ASK_LOW], 0);
	struct bh_diag d = {0};
	ASSERT_ERR(audit_ask_parse_deadlines(span_from("critical=7d,urgent=1d"), o.deadline, &d),
		   -EBADMSG);
	ASSERT_TRUE(strstr(d.message, "urgent") != NULL);
	ASSERT_EQ(o.deadline[AUDIT_ASK_CRITICAL], 7 * DAY); /* unchanged on failure */
	ASSERT_ERR(audit_ask_parse_deadlines(span_from("high=soon"), o.deadline, &d), -EBADMSG);
	ASSERT_ERR(audit_ask_parse_deadlines(span_from(""), o.deadline, &d), -EBADMSG);
	ASSERT_ERR(audit_ask(AUDIT_ASK_REMEDIATION, NULL, NULL, &o, &(json_t *){NULL}, NULL),
		   -EINVAL);
}

/* ---- admins ------------------------------------------------------------------------------ */

static const char rbac_yaml[] =
    "apiVersion: rbac.authorization.k8s.io/v1\n"
    "kind: ClusterRole\n"
    "metadata: {name: cluster-admin}\n"
    "rules:\n"
    "- {apiGroups: ['*'], resources: ['*'], verbs: ['*']}\n"
    "---\n"
    "apiVersion: rbac.authorization.k8s.io/v1\n"
    "kind: ClusterRoleBinding\n"
    "metadata: {name: ops-admin}\n"
    "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\n"
    "subjects: [{kind: Group, name: ops, apiGroup: rbac.authorization.k8s.io}]\n"
    "---\n"
    "apiVersion: rbac.authorization.k8s.io/v1\n"
    "kind: Role\n"
    "metadata: {name: debugger, namespace: team-a}\n"
    "rules:\n"
    "- {apiGroups: [''], resources: [pods/exec, secrets], verbs: [create, get]}\n"
    "---\n"
    "apiVersion: rbac.authorization.k8s.io/v1\n"
    "kind: RoleBinding\n"
    "metadata: {name: ci-debug, namespace: team-a}\n"
    "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: debugger}\n"
    "subjects: [{kind: ServiceAccount, name: deployer, namespace: ci}]\n"
    "---\n"
    "apiVersion: rbac.authorization.k8s.io/v1\n"
    "kind: ClusterRole\n"
    "metadata: {name: rbac-manager}\n"
    "rules:\n"
    "- {apiGroups: [rbac.authorization.k8s.io], resources: [rolebindings, clusterroles],\n"
    "   verbs: [create, bind, escalate]}\n"
    "- {apiGroups: [admissionregistration.k8s.io], resources: [validatingwebhookconfigurations],\n"
    "   verbs: [patch]}\n"
    "- {apiGroups: [''], resources: [users], verbs: [impersonate]}\n"
    "- {apiGroups: [''], resources: [nodes/proxy], verbs: [get]}\n"
    "---\n"
    "apiVersion: rbac.authorization.k8s.io/v1\n"
    "kind: ClusterRoleBinding\n"
    "metadata: {name: alice-rbac}\n"
    "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: rbac-manager}\n"
    "subjects: [{kind: User, name: alice}]\n"
    "---\n"
    "apiVersion: rbac.authorization.k8s.io/v1\n"
    "kind: ClusterRole\n"
    "metadata: {name: viewer}\n"
    "rules: [{apiGroups: [''], resources: [pods], verbs: [get, list]}]\n"
    "---\n"
    "apiVersion: rbac.authorization.k8s.io/v1\n"
    "kind: ClusterRoleBinding\n"
    "metadata: {name: bob-view}\n"
    "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: viewer}\n"
    "subjects: [{kind: User, name: bob}]\n";

/* Kubernetes API audit events, imported as `audit import-k8s` does. */
static const char *const events[] = {
    "{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"auditID\":\"e1\","
    "\"stage\":\"ResponseStarted\",\"verb\":\"create\",\"user\":{\"username\":"
    "\"system:serviceaccount:ci:deployer\",\"groups\":[\"system:serviceaccounts\"]},"
    "\"objectRef\":{\"resource\":\"pods\",\"subresource\":\"exec\",\"namespace\":\"team-a\","
    "\"name\":\"web-1\"},\"responseStatus\":{\"code\":101},"
    "\"stageTimestamp\":\"2024-03-01T10:00:00Z\"}",
    "{\"kind\":\"Event\",\"auditID\":\"e2\",\"stage\":\"ResponseStarted\",\"verb\":\"create\","
    "\"user\":{\"username\":\"system:serviceaccount:ci:deployer\"},\"objectRef\":{\"resource\":"
    "\"pods\",\"subresource\":\"exec\",\"namespace\":\"team-a\",\"name\":\"web-2\"},"
    "\"stageTimestamp\":\"2024-03-02T11:00:00Z\"}",
    "{\"kind\":\"Event\",\"auditID\":\"e3\",\"stage\":\"ResponseComplete\",\"verb\":\"create\","
    "\"user\":{\"username\":\"alice\",\"groups\":[\"ops\",\"system:authenticated\"]},"
    "\"objectRef\":{\"resource\":\"rolebindings\",\"apiGroup\":\"rbac.authorization.k8s.io\","
    "\"namespace\":\"team-b\",\"name\":\"x\"},\"responseStatus\":{\"code\":403},"
    "\"stageTimestamp\":\"2024-03-03T12:00:00Z\"}",
    "{\"kind\":\"Event\",\"auditID\":\"e4\",\"stage\":\"ResponseComplete\",\"verb\":\"create\","
    "\"user\":{\"username\":\"minikube-user\",\"groups\":[\"system:masters\","
    "\"system:authenticated\"]},\"objectRef\":{\"resource\":\"clusterrolebindings\","
    "\"apiGroup\":\"rbac.authorization.k8s.io\",\"name\":\"all-admin\"},"
    "\"responseStatus\":{\"code\":201},\"stageTimestamp\":\"2024-03-04T13:00:00Z\"}",
    "{\"kind\":\"Event\",\"auditID\":\"e5\",\"stage\":\"ResponseComplete\",\"verb\":\"create\","
    "\"user\":{\"username\":\"bob\"},\"objectRef\":{\"resource\":\"configmaps\","
    "\"namespace\":\"team-a\",\"name\":\"c\"},\"stageTimestamp\":\"2024-03-05T13:00:00Z\"}",
};

static void import_events(struct store *s)
{
	struct bh_limits l;
	bh_limits_default(&l);
	struct audit_writer w;
	audit_writer_init(&w, s, NULL, NULL);
	for (size_t i = 0; i < ARRAY_SIZE(events); i++) {
		struct audit_k8s_event e = {0};
		struct bh_diag d = {0};
		int r = audit_k8s_event_parse(span_from(events[i]), &l, &e, &d);
		if (r < 0)
			tap_fail(__FILE__, __LINE__, "event %zu: %s", i, d.message);
		ASSERT_TRUE(e.is_change);
		ASSERT_OK(audit_append(&w, "k8s.api", e.target, e.username, e.payload, NULL));
		audit_k8s_event_done(&e);
	}
	ASSERT_OK(audit_writer_done(&w));
}

static size_t count_fn(const json_t *a, const char *fn)
{
	size_t n = 0, i;
	json_t *g;
	json_array_foreach(json_object_get(a, "grants"), i, g) n +=
	    streq_ptr(bh_json_str(g, "function"), fn);
	return n;
}

TEST(admins_rbac_only)
{
	struct k8s_manifests m = {0};
	load(&m, rbac_yaml);
	struct audit_ask_opts o;
	audit_ask_opts_init(&o, T0);
	_cleanup_json_ json_t *doc = ask(AUDIT_ASK_ADMINS, &m, NULL, &o);

	const json_t *ops = answer(doc, "subject_id", "Group/ops");
	ASSERT_NOT_NULL(ops);
	const json_t *g = find_in(json_object_get(ops, "grants"), "function", "cluster-admin");
	ASSERT_NOT_NULL(g);
	ASSERT_STREQ(bh_json_str(g, "scope"), "cluster");
	ASSERT_STREQ(bh_json_str(g, "binding"), "ClusterRoleBinding/ops-admin");
	ASSERT_STREQ(bh_json_str(g, "role"), "ClusterRole/cluster-admin");
	/* the binding at line 7 (its document starts there), the role at line 1 */
	ASSERT_TRUE(has_str(json_object_get(g, "evidence"), "manifest:t.yaml:7"));
	ASSERT_TRUE(has_str(json_object_get(g, "evidence"), "manifest:t.yaml:1"));
	ASSERT_EQ(count_fn(ops, "namespace-admin"), 0); /* implied by cluster-admin */
	ASSERT_EQ(count_fn(ops, "secrets-read"), 1);
	ASSERT_EQ(count_fn(ops, "admission-config-write"), 1);

	const json_t *sa = answer(doc, "subject_id", "ServiceAccount/ci/deployer");
	ASSERT_NOT_NULL(sa);
	g = find_in(json_object_get(sa, "grants"), "function", "pods-exec");
	ASSERT_NOT_NULL(g);
	ASSERT_STREQ(bh_json_str(g, "scope"), "namespace team-a");
	ASSERT_STREQ(bh_json_str(g, "role"), "Role/team-a/debugger");
	ASSERT_EQ(count_fn(sa, "secrets-read"), 1);
	ASSERT_EQ(count_fn(sa, "cluster-admin"), 0);
	ASSERT_EQ(json_array_size(json_object_get(sa, "grants")), 2);

	const json_t *alice = answer(doc, "subject_id", "User/alice");
	ASSERT_NOT_NULL(alice);
	static const char *const fns[] = {"escalate-bind", "rbac-write", "admission-config-write",
					  "impersonate", "nodes-proxy"};
	for (size_t i = 0; i < ARRAY_SIZE(fns); i++)
		if (count_fn(alice, fns[i]) != 1)
			tap_fail(__FILE__, __LINE__, "alice lacks %s", fns[i]);
	ASSERT_EQ(count_fn(alice, "secrets-read"), 0);
	ASSERT_NULL(answer(doc, "subject_id", "User/bob"));
	ASSERT_EQ(summary_int(doc, "subjects"), 3);
	ASSERT_EQ(summary_int(doc, "audit_records"), 0);
	ASSERT_FALSE(
	    json_is_true(json_object_get(json_object_get(doc, "summary"), "audit_log_read")));
	k8s_manifests_done(&m);
}

TEST(admins_with_audit_log)
{
	struct k8s_manifests m = {0};
	load(&m, rbac_yaml);
	_cleanup_(store_closep) struct store *s = store_new("admins.db");
	import_events(s);
	struct audit_ask_opts o;
	audit_ask_opts_init(&o, T0);
	_cleanup_json_ json_t *doc = ask(AUDIT_ASK_ADMINS, &m, s, &o);

	ASSERT_EQ(summary_int(doc, "audit_records"), 5);
	ASSERT_EQ(summary_int(doc, "audit_records_matched"), 4);
	const json_t *sa = answer(doc, "subject_id", "ServiceAccount/ci/deployer");
	ASSERT_NOT_NULL(sa);
	const json_t *u = find_in(json_object_get(sa, "used"), "function", "pods-exec");
	ASSERT_NOT_NULL(u);
	ASSERT_STREQ(bh_json_str(u, "verb"), "create");
	ASSERT_STREQ(bh_json_str(u, "resource"), "pods/exec");
	ASSERT_EQ(json_integer_value(json_object_get(u, "count")), 2);
	ASSERT_EQ(json_integer_value(json_object_get(u, "denied")), 0);
	ASSERT_STREQ(bh_json_str(u, "first"), "2024-03-01T10:00:00Z");
	ASSERT_STREQ(bh_json_str(u, "last"), "2024-03-02T11:00:00Z");
	ASSERT_TRUE(has_str(json_object_get(u, "evidence"), "audit:1"));
	ASSERT_TRUE(has_str(json_object_get(u, "evidence"), "audit:2"));
	ASSERT_STREQ(bh_json_str(u, "explained_by"), "RoleBinding/team-a/ci-debug");

	const json_t *alice = answer(doc, "subject_id", "User/alice");
	u = find_in(json_object_get(alice, "used"), "function", "rbac-write");
	ASSERT_NOT_NULL(u);
	ASSERT_EQ(json_integer_value(json_object_get(u, "denied")), 1);
	ASSERT_TRUE(has_str(json_object_get(alice, "via_groups"), "ops"));

	/* a system:masters member: a superuser without any binding among the manifests */
	const json_t *mk = answer(doc, "subject_id", "User/minikube-user");
	ASSERT_NOT_NULL(mk);
	const json_t *g = find_in(json_object_get(mk, "grants"), "binding", "Group/system:masters");
	ASSERT_NOT_NULL(g);
	ASSERT_STREQ(bh_json_str(g, "function"), "cluster-admin");
	ASSERT_TRUE(has_str(json_object_get(g, "evidence"), "audit:4"));
	ASSERT_TRUE(has_str(json_object_get(mk, "via_groups"), "system:masters"));
	u = find_in(json_object_get(mk, "used"), "function", "rbac-write");
	ASSERT_STREQ(bh_json_str(u, "resource"), "clusterrolebindings");
	ASSERT_STREQ(bh_json_str(u, "explained_by"), "Group/system:masters");

	ASSERT_NULL(answer(doc, "subject_id", "User/bob")); /* a configmap is no management */
	ASSERT_EQ(summary_int(doc, "subjects_used"), 3);
	/* the evidence describes the records */
	const json_t *ev = find_in(json_object_get(doc, "evidence"), "ref", "audit:4");
	ASSERT_NOT_NULL(ev);
	ASSERT_STREQ(bh_json_str(ev, "kind"), "k8s.api");
	ASSERT_STREQ(bh_json_str(ev, "actor"), "minikube-user");
	ASSERT_EQ(json_integer_value(json_object_get(ev, "seq")), 4);
	k8s_manifests_done(&m);
}

TEST(admins_bad_rbac)
{
	struct k8s_manifests m = {0};
	load(&m, "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n"
		 "metadata: {name: x}\nrules: 7\n");
	struct audit_ask_opts o;
	audit_ask_opts_init(&o, T0);
	json_t *doc = NULL;
	struct bh_diag d = {0};
	ASSERT_ERR(audit_ask(AUDIT_ASK_ADMINS, &m, NULL, &o, &doc, &d), -EBADMSG);
	ASSERT_NULL(doc);
	ASSERT_TRUE(d.message[0] != '\0');
	k8s_manifests_done(&m);
}

/* ---- regulated-data and segregation ------------------------------------------------------ */

static const char net_yaml[] =
    "apiVersion: v1\nkind: Namespace\n"
    "metadata: {name: pay, labels: {data-classification: PCI, env: prod}}\n"
    "---\n"
    "apiVersion: v1\nkind: Namespace\nmetadata: {name: dev}\n"
    "---\n"
    "apiVersion: v1\nkind: Secret\nmetadata: {name: db-creds, namespace: pay}\n"
    "data: {password: aHVudGVyMg==}\n"
    "---\n"
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: pay}\n"
    "spec:\n"
    "  selector: {matchLabels: {app: api}}\n"
    "  template:\n"
    "    metadata: {labels: {app: api}}\n"
    "    spec:\n"
    "      volumes: [{name: creds, secret: {secretName: db-creds}}]\n"
    "      containers:\n"
    "      - name: c\n"
    "        image: api:1\n"
    "        env: [{name: API_KEY, valueFrom: {secretKeyRef: {name: api-key, key: k}}}]\n"
    "---\n"
    "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db, namespace: pay}\n"
    "spec:\n"
    "  selector: {matchLabels: {app: db}}\n"
    "  serviceName: db\n"
    "  template:\n"
    "    metadata: {labels: {app: db}}\n"
    "    spec: {containers: [{name: pg, image: postgres:16}]}\n"
    "  volumeClaimTemplates: [{metadata: {name: data}}]\n"
    "---\n"
    "apiVersion: v1\nkind: Pod\nmetadata: {name: canary, namespace: pay, labels: {env: dev}}\n"
    "spec: {containers: [{name: c, image: x:1}]}\n"
    "---\n"
    "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: dev, labels: {app: web}}\n"
    "spec: {containers: [{name: c, image: x:1}]}\n"
    "---\n"
    "apiVersion: v1\nkind: Pod\nmetadata: {name: cache, namespace: dev}\n"
    "spec:\n"
    "  volumes: [{name: v, hostPath: {path: /var/cache}}]\n"
    "  containers: [{name: c, image: x:1, envFrom: [{secretRef: {name: cache-env}}]}]\n"
    "---\n"
    "apiVersion: v1\nkind: Service\nmetadata: {name: api-lb, namespace: pay}\n"
    "spec: {type: LoadBalancer, selector: {app: api}, ports: [{port: 443}]}\n"
    "---\n"
    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
    "metadata: {name: default-deny, namespace: pay}\n"
    "spec: {podSelector: {}, policyTypes: [Ingress]}\n"
    "---\n"
    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
    "metadata: {name: api-open, namespace: pay}\n"
    "spec: {podSelector: {matchLabels: {app: api}}, ingress: [{}]}\n"
    "---\n"
    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
    "metadata: {name: db-from-api, namespace: pay}\n"
    "spec:\n"
    "  podSelector: {matchLabels: {app: db}}\n"
    "  ingress: [{from: [{podSelector: {matchLabels: {app: api}}}]}]\n";

static const json_t *data_item(const json_t *a, const char *type, const char *name)
{
	size_t i;
	json_t *d;
	json_array_foreach(json_object_get(a, "data"), i,
			   d) if (streq_ptr(bh_json_str(d, "type"), type) &&
				  streq_ptr(bh_json_str(d, "name"), name)) return d;
	return NULL;
}

static void record_check_finding(struct store *s, const char *target, char *ret_id, size_t size)
{
	_cleanup_json_ json_t *findings =
	    json_pack("[{s:s, s:s, s:s, s:s, s:{s:s}, s:{s:s, s:s}, s:s}]", "schema",
		      "bulkhead.finding/v1", "id", "0123456789abcdef0123456789abcdef", "kind",
		      "misconfiguration", "severity", "high", "rule", "id", "BH-K8S-HARD-015",
		      "target", "type", "workload", "name", target, "message", "privileged");
	ASSERT_NOT_NULL(findings);
	struct store_run run = {
	    .kind = "k8s-check.hardening",
	    .time = T0,
	    .target = {.type = "cluster", .name = "prod-eu", .cluster = "prod-eu"},
	    .tool = "test"};
	struct store_record_result res = {0};
	ASSERT_OK(store_record_run(s, &run, findings, &res, NULL));
	store_record_result_done(&res);
	ASSERT_OK(xsnprintf(ret_id, size, "0123456789abcdef0123456789abcdef"));
}

TEST(regulated_data)
{
	struct k8s_manifests m = {0};
	load(&m, net_yaml);
	_cleanup_(store_closep) struct store *s = store_new("regulated.db");
	char fid[64];
	record_check_finding(s, "Deployment/pay/api", fid, sizeof(fid));
	struct audit_ask_opts o;
	audit_ask_opts_init(&o, T0);
	_cleanup_json_ json_t *doc = ask(AUDIT_ASK_REGULATED_DATA, &m, s, &o);

	const json_t *api = answer(doc, "workload", "Deployment/pay/api");
	ASSERT_NOT_NULL(api);
	ASSERT_NOT_NULL(data_item(api, "secret", "db-creds"));
	ASSERT_NOT_NULL(data_item(api, "secret", "api-key"));
	ASSERT_NOT_NULL(data_item(api, "label", "data-classification=PCI"));
	ASSERT_STREQ(bh_json_str(api, "classification"), "PCI");
	const json_t *ev = json_object_get(api, "evidence");
	ASSERT_STREQ(json_string_value(json_array_get(ev, 0)), "manifest:t.yaml:14");
	ASSERT_TRUE(has_str(ev, "manifest:t.yaml:9")); /* the Secret */
	ASSERT_TRUE(has_str(ev, "manifest:t.yaml:1")); /* the labelled Namespace */
	const json_t *rf = json_object_get(api, "reachable_from");
	ASSERT_TRUE(json_is_true(json_object_get(rf, "external")));
	ASSERT_TRUE(json_is_true(json_object_get(rf, "everywhere")));
	ASSERT_TRUE(has_str(json_object_get(rf, "namespaces"), "dev"));
	ASSERT_NOT_NULL(find_in(json_object_get(api, "exposed"), "via", "LoadBalancer"));
	/* the store's open k8s-check finding about it */
	ASSERT_TRUE(has_str(json_object_get(api, "findings"), fid));
	char ref[96];
	ASSERT_OK(xsnprintf(ref, sizeof(ref), "finding:%s", fid));
	ASSERT_TRUE(has_str(ev, ref));

	const json_t *db = answer(doc, "workload", "StatefulSet/pay/db");
	ASSERT_NOT_NULL(db);
	ASSERT_NOT_NULL(data_item(db, "persistent-volume", "data"));
	rf = json_object_get(db, "reachable_from");
	ASSERT_FALSE(json_is_true(json_object_get(rf, "external")));
	ASSERT_FALSE(json_is_true(json_object_get(rf, "everywhere")));
	ASSERT_EQ(json_array_size(json_object_get(rf, "workloads")), 1);
	ASSERT_TRUE(has_str(json_object_get(rf, "workloads"), "Deployment/pay/api"));
	ASSERT_EQ(json_array_size(json_object_get(db, "exposed")), 0);
	ASSERT_EQ(json_array_size(json_object_get(db, "findings")), 0);

	const json_t *cache = answer(doc, "workload", "Pod/dev/cache");
	ASSERT_NOT_NULL(cache);
	ASSERT_NOT_NULL(data_item(cache, "host-path", "/var/cache"));
	ASSERT_NOT_NULL(data_item(cache, "secret", "cache-env"));
	ASSERT_TRUE(json_is_null(json_object_get(cache, "classification")));

	ASSERT_NULL(answer(doc, "workload", "Pod/dev/web"));
	/* canary is in the PCI namespace: labelled through it */
	ASSERT_NOT_NULL(answer(doc, "workload", "Pod/pay/canary"));
	ASSERT_EQ(summary_int(doc, "workloads"), 5);
	ASSERT_EQ(summary_int(doc, "regulated"), 4);
	ASSERT_EQ(summary_int(doc, "exposed"), 1);
	ASSERT_EQ(summary_int(doc, "secrets"), 2);
	ASSERT_EQ(summary_int(doc, "labelled"), 3);

	/* a configured label replaces the default one */
	struct audit_ask_label lab[] = {{"app", "WEB"}};
	o.labels = lab;
	o.n_labels = 1;
	_cleanup_json_ json_t *doc2 = ask(AUDIT_ASK_REGULATED_DATA, &m, NULL, &o);
	ASSERT_NOT_NULL(data_item(answer(doc2, "workload", "Pod/dev/web"), "label", "app=web"));
	ASSERT_NULL(data_item(answer(doc2, "workload", "Deployment/pay/api"), "label",
			      "data-classification=PCI"));
	ASSERT_NULL(answer(doc2, "workload", "Pod/pay/canary"));
	k8s_manifests_done(&m);
}

TEST(segregation)
{
	struct k8s_manifests m = {0};
	load(&m, net_yaml);
	struct audit_ask_opts o;
	audit_ask_opts_init(&o, T0);
	_cleanup_json_ json_t *doc = ask(AUDIT_ASK_SEGREGATION, &m, NULL, &o);

	const json_t *pay = NULL, *dev = NULL;
	size_t i;
	json_t *a;
	json_array_foreach(json_object_get(doc, "answers"), i, a)
	{
		if (!streq_ptr(bh_json_str(a, "check"), "namespace"))
			continue;
		if (streq_ptr(bh_json_str(a, "namespace"), "pay"))
			pay = a;
		if (streq_ptr(bh_json_str(a, "namespace"), "dev"))
			dev = a;
	}
	ASSERT_NOT_NULL(pay);
	ASSERT_NOT_NULL(dev);
	ASSERT_STREQ(bh_json_str(pay, "env"), "prod");
	ASSERT_STREQ(bh_json_str(dev, "env"), "dev"); /* from the name */
	ASSERT_TRUE(json_is_true(json_object_get(json_object_get(pay, "default_deny"), "ingress")));
	ASSERT_FALSE(json_is_true(json_object_get(json_object_get(pay, "default_deny"), "egress")));
	ASSERT_FALSE(
	    json_is_true(json_object_get(json_object_get(dev, "default_deny"), "ingress")));
	ASSERT_EQ(json_integer_value(json_object_get(pay, "workloads")), 3);
	/* web and cache reach api: 2 flows in; pay's three reach web and cache: 6 out */
	ASSERT_EQ(json_integer_value(json_object_get(pay, "inbound_cross_namespace")), 2);
	ASSERT_EQ(json_integer_value(json_object_get(pay, "outbound_cross_namespace")), 6);
	ASSERT_EQ(json_integer_value(json_object_get(pay, "from_external")), 1);
	ASSERT_TRUE(has_str(json_object_get(pay, "evidence"), "manifest:t.yaml:1"));
	ASSERT_TRUE(has_str(json_object_get(pay, "evidence"), "manifest:t.yaml:61"));

	const json_t *in = NULL, *every_api = NULL, *mixed = NULL;
	json_array_foreach(json_object_get(doc, "answers"), i, a)
	{
		const char *c = bh_json_str(a, "check");
		if (streq_ptr(c, "cross-namespace") && streq_ptr(bh_json_str(a, "from"), "dev"))
			in = a;
		if (streq_ptr(c, "reachable-from-everywhere") &&
		    streq_ptr(bh_json_str(a, "workload"), "Deployment/pay/api"))
			every_api = a;
		if (streq_ptr(c, "env-mixing") && streq_ptr(bh_json_str(a, "kind"), "namespace"))
			mixed = a;
		ASSERT_FALSE(streq_ptr(c, "reachable-from-everywhere") &&
			     streq_ptr(bh_json_str(a, "workload"), "StatefulSet/pay/db"));
	}
	ASSERT_NOT_NULL(in);
	ASSERT_STREQ(bh_json_str(in, "to"), "pay");
	ASSERT_EQ(json_integer_value(json_object_get(in, "flows")), 2);
	ASSERT_TRUE(json_is_true(json_object_get(in, "env_mixing")));
	ASSERT_NOT_NULL(every_api);
	ASSERT_NOT_NULL(mixed);
	ASSERT_STREQ(bh_json_str(mixed, "namespace"), "pay");
	ASSERT_TRUE(has_str(json_object_get(mixed, "dev"), "Pod/pay/canary"));
	ASSERT_TRUE(has_str(json_object_get(mixed, "prod"), "StatefulSet/pay/db"));

	ASSERT_EQ(summary_int(doc, "namespaces"), 2);
	ASSERT_EQ(summary_int(doc, "without_default_deny_ingress"), 1);
	ASSERT_EQ(summary_int(doc, "without_default_deny_egress"), 2);
	ASSERT_EQ(summary_int(doc, "cross_namespace_flows"), 8);
	ASSERT_EQ(summary_int(doc, "env_mixing_namespaces"), 1);
	ASSERT_TRUE(summary_int(doc, "env_mixing_flows") > 0);
	ASSERT_EQ(summary_int(doc, "reachable_from_everywhere"), 3);

	/* environments configured: nothing is prod any more */
	const char *const prod[] = {"live"};
	o.prod_values = prod;
	o.n_prod_values = 1;
	_cleanup_json_ json_t *doc2 = ask(AUDIT_ASK_SEGREGATION, &m, NULL, &o);
	ASSERT_EQ(summary_int(doc2, "env_mixing_namespaces"), 0);
	ASSERT_EQ(summary_int(doc2, "env_mixing_flows"), 0);
	k8s_manifests_done(&m);
}

/* ---- remediation ------------------------------------------------------------------------- */

static json_t *vuln_pkg(const char *id, const char *cve, const char *sev, const char *pkg)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:{s:s}, s:{s:s, s:s}, s:{s:s, s:s}, s:s}", "schema",
			 "bulkhead.finding/v1", "id", id, "kind", "vulnerability", "severity", sev,
			 "rule", "id", cve, "target", "type", "image", "name", "app:1", "location",
			 "package", pkg, "path", "/var/lib/dpkg/status", "message", "vulnerable");
}

static json_t *vuln(const char *id, const char *cve, const char *sev)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:{s:s}, s:{s:s, s:s}, s:{s:s}, s:s, s:s}", "schema",
			 "bulkhead.finding/v1", "id", id, "kind", "vulnerability", "severity", sev,
			 "rule", "id", cve, "target", "type", "image", "name", "app:1", "location",
			 "package", "openssl@3.0.1", "message", "vulnerable", "remediation",
			 "upgrade to 3.0.9");
}

/* Record a scan of app:1 at time t with the findings, and the audit records cli_record writes. */
static int64_t scan(struct store *s, int64_t t, json_t *findings_take)
{
	_cleanup_json_ json_t *findings = findings_take;
	struct store_run run = {.kind = "scan.vuln",
				.time = t,
				.target = {.type = "image", .name = "app:1", .digest = "sha256:ab"},
				.tool = "test"};
	struct store_record_result res = {0};
	ASSERT_OK(store_record_run(s, &run, findings, &res, NULL));
	struct audit_writer w;
	audit_writer_init(&w, s, NULL, NULL);
	for (size_t i = 0; i < res.n_new + res.n_resolved; i++) {
		bool is_new = i < res.n_new;
		const char *id = is_new ? res.new_ids[i] : res.resolved_ids[i - res.n_new];
		_cleanup_json_ json_t *p = json_pack(
		    "{s:s, s:I, s:s, s:s, s:s}", "finding", id, "run", (json_int_t)res.run_id,
		    "run_kind", "scan.vuln", "target_type", "image", "kind", "vulnerability");
		ASSERT_OK(audit_append(&w, is_new ? "finding.new" : "finding.resolved", "app:1",
				       "bulkhead scan", p, NULL));
	}
	ASSERT_OK(audit_writer_done(&w));
	int64_t id = res.run_id;
	store_record_result_done(&res);
	return id;
}

TEST(remediation)
{
	_cleanup_(store_closep) struct store *s = store_new("remediation.db");
	int64_t r1 = scan(
	    s, T0,
	    json_pack("[o, o, o, {s:s, s:s, s:s, s:s, s:{s:s}}]",
		      vuln("f1", "CVE-2024-0001", "critical"), vuln("f2", "CVE-2024-0002", "high"),
		      vuln("f3", "CVE-2024-0003", "low"), "schema", "bulkhead.finding/v1", "id",
		      "s1", "kind", "secret", "severity", "high", "rule", "id", "aws-key"));
	int64_t r2 = scan(s, T0 + 5 * DAY,
			  json_pack("[o, o]", vuln("f1", "CVE-2024-0001", "critical"),
				    vuln("f3", "CVE-2024-0003", "low")));
	int64_t r3 = scan(s, T0 + 20 * DAY,
			  json_pack("[o, o]", vuln("f3", "CVE-2024-0003", "low"),
				    vuln("f4", "CVE-2024-0004", "critical")));
	ASSERT_TRUE(r1 > 0 && r2 > r1 && r3 > r2);

	struct audit_ask_opts o;
	audit_ask_opts_init(&o, T0 + 40 * DAY);
	_cleanup_json_ json_t *doc = ask(AUDIT_ASK_REMEDIATION, NULL, s, &o);
	ASSERT_EQ(json_array_size(json_object_get(doc, "answers")), 4); /* not the secret */
	const json_t *f2 = answer(doc, "finding", "f2");
	ASSERT_NOT_NULL(f2);
	ASSERT_STREQ(bh_json_str(f2, "status"), "fixed");
	ASSERT_STREQ(bh_json_str(f2, "rule"), "CVE-2024-0002");
	ASSERT_STREQ(bh_json_str(f2, "package"), "openssl@3.0.1");
	ASSERT_EQ(json_integer_value(json_object_get(f2, "time_to_remediate_seconds")), 5 * DAY);
	ASSERT_EQ(json_integer_value(json_object_get(f2, "first_run")), r1);
	ASSERT_EQ(json_integer_value(json_object_get(f2, "fixed_run")), r2);
	const json_t *ev = json_object_get(f2, "evidence");
	ASSERT_TRUE(has_str(ev, "finding:f2"));
	char ref[40];
	ASSERT_OK(xsnprintf(ref, sizeof(ref), "run:%lld", (long long)r2));
	ASSERT_TRUE(has_str(ev, ref));
	size_t n_audit = 0, i;
	json_t *v;
	json_array_foreach(ev, i, v) n_audit += strncmp(json_string_value(v), "audit:", 6) == 0;
	ASSERT_EQ(n_audit, 2); /* finding.new and finding.resolved */
	const json_t *rd = find_in(json_object_get(doc, "evidence"), "ref", ref);
	ASSERT_STREQ(bh_json_str(rd, "kind"), "scan.vuln");
	ASSERT_STREQ(bh_json_str(rd, "target"), "app:1");

	const json_t *f1 = answer(doc, "finding", "f1");
	ASSERT_STREQ(bh_json_str(f1, "status"), "fixed-late");
	ASSERT_EQ(json_integer_value(json_object_get(f1, "time_to_remediate_seconds")), 20 * DAY);
	const json_t *f3 = answer(doc, "finding", "f3");
	ASSERT_STREQ(bh_json_str(f3, "status"), "open");
	ASSERT_TRUE(json_is_null(json_object_get(f3, "fixed_at")));
	ASSERT_EQ(json_integer_value(json_object_get(f3, "age_seconds")), 40 * DAY);
	const json_t *f4 = answer(doc, "finding", "f4");
	ASSERT_STREQ(bh_json_str(f4, "status"), "overdue");
	ASSERT_EQ(json_integer_value(json_object_get(f4, "first_run")), r3);
	ASSERT_EQ(summary_int(doc, "findings"), 4);
	ASSERT_EQ(summary_int(doc, "fixed"), 2);
	ASSERT_EQ(summary_int(doc, "fixed_late"), 1);
	ASSERT_EQ(summary_int(doc, "open"), 2);
	ASSERT_EQ(summary_int(doc, "overdue"), 1);
	const json_t *crit = json_object_get(
	    json_object_get(json_object_get(doc, "summary"), "by_severity"), "critical");
	ASSERT_EQ(json_integer_value(json_object_get(crit, "median_ttr_seconds")), 20 * DAY);
	ASSERT_EQ(json_integer_value(json_object_get(crit, "total")), 2);

	/* as of day 10: f4 not yet seen, f1 still open and within 15 days */
	audit_ask_opts_init(&o, T0 + 10 * DAY);
	_cleanup_json_ json_t *doc2 = ask(AUDIT_ASK_REMEDIATION, NULL, s, &o);
	ASSERT_EQ(summary_int(doc2, "findings"), 3);
	ASSERT_STREQ(bh_json_str(answer(doc2, "finding", "f1"), "status"), "open");
	ASSERT_TRUE(json_is_null(json_object_get(answer(doc2, "finding", "f1"), "fixed_run")));
	ASSERT_EQ(summary_int(doc2, "overdue"), 0);
	/* … with a 7-day deadline for critical */
	ASSERT_OK(audit_ask_parse_deadlines(span_from("critical=7d"), o.deadline, NULL));
	_cleanup_json_ json_t *doc3 = ask(AUDIT_ASK_REMEDIATION, NULL, s, &o);
	ASSERT_STREQ(bh_json_str(answer(doc3, "finding", "f1"), "status"), "overdue");
	ASSERT_EQ(summary_int(doc3, "overdue"), 1);
}

TEST(remediation_empty_store)
{
	_cleanup_(store_closep) struct store *s = store_new("empty.db");
	struct audit_ask_opts o;
	audit_ask_opts_init(&o, T0);
	_cleanup_json_ json_t *doc = ask(AUDIT_ASK_REMEDIATION, NULL, s, &o);
	ASSERT_EQ(json_array_size(json_object_get(doc, "answers")), 0);
	ASSERT_EQ(summary_int(doc, "findings"), 0);
}

/* A rebuilt image gives its findings new ids: the same vulnerability (rule, package name, path)
 * still present is one answer, not a fix; gone and back later is a second episode. */
TEST(remediation_rebuilt_image)
{
	_cleanup_(store_closep) struct store *s = store_new("rebuilt.db");
	int64_t r1 = scan(s, T0, json_pack("[o]", vuln_pkg("a1", "CVE-X", "high", "libx@1.0")));
	int64_t r2 =
	    scan(s, T0 + 3 * DAY, json_pack("[o]", vuln_pkg("a2", "CVE-X", "high", "libx@1.1")));
	struct audit_ask_opts o;
	audit_ask_opts_init(&o, T0 + 4 * DAY);
	_cleanup_json_ json_t *doc = ask(AUDIT_ASK_REMEDIATION, NULL, s, &o);
	ASSERT_EQ(json_array_size(json_object_get(doc, "answers")), 1);
	const json_t *a = answer(doc, "finding", "a2");
	ASSERT_NOT_NULL(a);
	ASSERT_STREQ(bh_json_str(a, "status"), "open");
	ASSERT_EQ(json_integer_value(json_object_get(a, "age_seconds")), 4 * DAY);
	ASSERT_EQ(json_integer_value(json_object_get(a, "first_run")), r1);
	ASSERT_TRUE(has_str(json_object_get(a, "findings"), "a1"));
	ASSERT_TRUE(has_str(json_object_get(a, "evidence"), "finding:a1"));
	ASSERT_STREQ(bh_json_str(a, "package"), "libx@1.1");

	int64_t r3 = scan(s, T0 + 9 * DAY, json_pack("[]"));
	int64_t r4 =
	    scan(s, T0 + 20 * DAY, json_pack("[o]", vuln_pkg("a3", "CVE-X", "high", "libx@1.0")));
	ASSERT_TRUE(r2 > r1 && r4 > r3);
	audit_ask_opts_init(&o, T0 + 21 * DAY);
	_cleanup_json_ json_t *doc2 = ask(AUDIT_ASK_REMEDIATION, NULL, s, &o);
	ASSERT_EQ(json_array_size(json_object_get(doc2, "answers")), 2);
	a = answer(doc2, "finding", "a2");
	ASSERT_STREQ(bh_json_str(a, "status"), "fixed");
	ASSERT_EQ(json_integer_value(json_object_get(a, "time_to_remediate_seconds")), 9 * DAY);
	ASSERT_EQ(json_integer_value(json_object_get(a, "first_run")), r1);
	ASSERT_EQ(json_integer_value(json_object_get(a, "fixed_run")), r3);
	a = answer(doc2, "finding", "a3");
	ASSERT_STREQ(bh_json_str(a, "status"), "open");
	ASSERT_EQ(json_integer_value(json_object_get(a, "first_run")), r4);
	/* first-seen order */
	ASSERT_STREQ(bh_json_str(json_array_get(json_object_get(doc2, "answers"), 0), "finding"),
		     "a2");
}
