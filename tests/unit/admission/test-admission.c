/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The admission decision (src/admission/decision.c): AdmissionReview v1 requests in, responses
 * parsed back and asserted field by field; the policy loader's errors with their lines.
 */
#include <stdio.h>

#include "common/json.h"
#include "admission/admission.h"
#include "tap.h"

static struct bh_limits lim(void)
{
	struct bh_limits l;
	bh_limits_default(&l);
	return l;
}

/* A request body for object (JSON text, or NULL for none). */
static char *mkreq(const char *uid, const char *op, const char *kind, const char *group,
		   const char *sub, const char *ns, const char *object, const char *old)
{
	struct buf b;
	buf_init(&b, 0);
	ASSERT_OK(
	    buf_printf(&b,
		       "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
		       "\"request\":{\"uid\":\"%s\",\"kind\":{\"group\":\"%s\",\"version\":"
		       "\"v1\",\"kind\":\"%s\"},\"resource\":{\"group\":\"%s\",\"version\":"
		       "\"v1\",\"resource\":\"x\"},\"subResource\":\"%s\",\"namespace\":\"%s\","
		       "\"operation\":\"%s\",\"userInfo\":{\"username\":\"alice\","
		       "\"groups\":[\"dev\"]},\"dryRun\":false",
		       uid, group, kind, group, sub, ns, op));
	if (object)
		ASSERT_OK(buf_printf(&b, ",\"object\":%s", object));
	if (old)
		ASSERT_OK(buf_printf(&b, ",\"oldObject\":%s", old));
	ASSERT_OK(buf_puts(&b, "}}"));
	return buf_take(&b);
}

#define POD(meta, spec)                                                                            \
	"{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"" meta                \
	"},\"spec\":" spec "}"

/* Passes restricted. */
#define GOOD_SPEC                                                                                  \
	"{\"securityContext\":{\"runAsNonRoot\":true,\"seccompProfile\":{\"type\":"                \
	"\"RuntimeDefault\"}},\"containers\":[{\"name\":\"c\",\"image\":\"nginx:1.25\","           \
	"\"securityContext\":{\"allowPrivilegeEscalation\":false,\"capabilities\":{\"drop\":"      \
	"[\"ALL\"]}}}]}"
/* Passes baseline, not restricted. */
#define PLAIN_SPEC "{\"containers\":[{\"name\":\"c\",\"image\":\"nginx:1.25\"}]}"
/* Violates baseline (privileged). */
#define PRIV_SPEC                                                                                  \
	"{\"containers\":[{\"name\":\"c\",\"image\":\"nginx:1.25\",\"securityContext\":"           \
	"{\"privileged\":true}}]}"

struct result {
	int r;
	json_t *doc;  /* the whole response document */
	json_t *resp; /* borrowed: doc.response */
	struct adm_decision dec;
	struct bh_diag diag;
	char *text;
};

static void result_done(struct result *x)
{
	if (x->doc)
		json_decref(x->doc);
	free(x->text);
	*x = (struct result){0};
}

static struct result review_full(const struct adm_policy *p, bool fail_closed, const char *body,
				 const struct bh_limits *l)
{
	struct result x = {0};
	struct adm_opts o = {.fail_closed = fail_closed};
	struct buf out;
	buf_init(&out, 0);
	x.r = adm_review(p, &o, span_from(body), l, &out, &x.dec, &x.diag);
	if (x.r == 0) {
		json_error_t err;
		x.doc = json_loads(buf_str(&out), JSON_REJECT_DUPLICATES, &err);
		if (!x.doc)
			tap_fail(__FILE__, __LINE__, "response is not JSON: %s", err.text);
		ASSERT_STREQ(bh_json_str(x.doc, "apiVersion"), "admission.k8s.io/v1");
		ASSERT_STREQ(bh_json_str(x.doc, "kind"), "AdmissionReview");
		x.resp = bh_json_obj(x.doc, "response");
		ASSERT_NOT_NULL(x.resp);
		ASSERT_TRUE(json_is_boolean(json_object_get(x.resp, "allowed")));
		ASSERT_NULL(strchr(buf_str(&out), '\n'));
		x.text = buf_take(&out);
	} else
		buf_done(&out);
	return x;
}

/* Review body (taken) under p. */
static struct result review(const struct adm_policy *p, bool fail_closed, char *body)
{
	struct bh_limits l = lim();
	struct result x = review_full(p, fail_closed, body, &l);
	free(body);
	return x;
}

static bool allowed(const struct result *x)
{
	return json_is_true(json_object_get(x->resp, "allowed"));
}

/* Whether the comma-separated audit annotation key lists id. */
static bool audit_has(const struct result *x, const char *key, const char *id)
{
	const char *v = bh_json_str(bh_json_obj(x->resp, "auditAnnotations"), key);
	if (!v)
		return false;
	struct span in = span_from(v), tok;
	while (span_next_token(&in, ',', &tok) == 0)
		if (span_eq_str(tok, id))
			return true;
	return false;
}

/* The warning starting with prefix, or NULL. */
static const char *warning_with(const struct result *x, const char *prefix)
{
	json_t *w = bh_json_arr(x->resp, "warnings"), *it;
	size_t i;
	json_array_foreach(w, i, it)
	{
		const char *s = json_string_value(it);
		if (s && span_startswith(span_from(s), prefix))
			return s;
	}
	return NULL;
}

static struct adm_policy *policy(const char *text)
{
	struct bh_limits l = lim();
	struct adm_policy *p = NULL;
	struct bh_diag d = {0};
	int r = adm_policy_load_buf("policy.yaml", span_from(text), &l, &p, &d);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "policy: %d %s:%u: %s", r, d.source, d.line,
			 d.message);
	return p;
}

TEST(default_allows_plain_pod)
{
	struct adm_policy *p = adm_policy_default();
	ASSERT_NOT_NULL(p);
	struct result x = review(
	    p, false, mkreq("u-1", "CREATE", "Pod", "", "", "app", POD("", GOOD_SPEC), NULL));
	ASSERT_OK(x.r);
	ASSERT_TRUE(allowed(&x));
	ASSERT_EQ(x.dec.verdict, ADM_ALLOW);
	ASSERT_EQ(x.dec.n_enforced + x.dec.n_warned + x.dec.n_audited, 0);
	ASSERT_STREQ(bh_json_str(x.resp, "uid"), "u-1");
	ASSERT_NULL(json_object_get(x.resp, "status"));
	ASSERT_NULL(json_object_get(x.resp, "warnings"));
	ASSERT_STREQ(bh_json_str(bh_json_obj(x.resp, "auditAnnotations"), "policy"),
		     "enforce=baseline:latest,audit=privileged:latest,warn=restricted:latest,"
		     "hardening=off,scope=defaults");
	result_done(&x);
	adm_policy_free(p);
}

TEST(default_denies_privileged_pod)
{
	struct adm_policy *p = adm_policy_default();
	struct result x = review(
	    p, false, mkreq("abc-123", "CREATE", "Pod", "", "", "app", POD("", PRIV_SPEC), NULL));
	ASSERT_OK(x.r);
	ASSERT_FALSE(allowed(&x));
	ASSERT_EQ(x.dec.verdict, ADM_DENY);
	ASSERT_EQ(x.dec.n_enforced, 1);
	ASSERT_STREQ(bh_json_str(x.resp, "uid"), "abc-123");
	json_t *st = bh_json_obj(x.resp, "status");
	ASSERT_NOT_NULL(st);
	ASSERT_EQ(json_integer_value(json_object_get(st, "code")), 403);
	ASSERT_STREQ(bh_json_str(st, "reason"), "Forbidden");
	const char *msg = bh_json_str(st, "message");
	ASSERT_NOT_NULL(msg);
	ASSERT_TRUE(span_startswith(span_from(msg), "Pod/p violates"));
	ASSERT_NOT_NULL(strstr(msg, "BH-K8S-PSS-002 (Privileged Containers: "));
	ASSERT_TRUE(audit_has(&x, "enforced", "BH-K8S-PSS-002"));
	/* Enforced rules are not warned again; restricted-only rules are. */
	ASSERT_FALSE(audit_has(&x, "warned", "BH-K8S-PSS-002"));
	ASSERT_NULL(warning_with(&x, "BH-K8S-PSS-002"));
	ASSERT_TRUE(audit_has(&x, "warned", "BH-K8S-PSS-015"));
	result_done(&x);
	adm_policy_free(p);
}

TEST(default_warns_restricted_only_violations)
{
	struct adm_policy *p = adm_policy_default();
	struct result x =
	    review(p, false, mkreq("u", "CREATE", "Pod", "", "", "app", POD("", PLAIN_SPEC), NULL));
	ASSERT_OK(x.r);
	ASSERT_TRUE(allowed(&x));
	ASSERT_EQ(x.dec.verdict, ADM_ALLOW);
	ASSERT_EQ(x.dec.n_enforced, 0);
	ASSERT_TRUE(x.dec.n_warned >= 3);
	const char *w = warning_with(&x, "BH-K8S-PSS-015: Running as Non-root: ");
	ASSERT_NOT_NULL(w);
	ASSERT_NOT_NULL(warning_with(&x, "BH-K8S-PSS-014: "));
	ASSERT_TRUE(audit_has(&x, "warned", "BH-K8S-PSS-015"));
	ASSERT_NULL(json_object_get(bh_json_obj(x.resp, "auditAnnotations"), "enforced"));
	json_t *ws = bh_json_arr(x.resp, "warnings"), *it;
	size_t i;
	ASSERT_EQ(json_array_size(ws), x.dec.n_warned);
	json_array_foreach(ws, i, it) ASSERT_TRUE(json_string_length(it) <= 256);
	result_done(&x);
	adm_policy_free(p);
}

TEST(skips_delete_connect_other_kinds_and_subresources)
{
	struct adm_policy *p = adm_policy_default();
	static const struct {
		const char *op, *kind, *group, *sub;
	} cases[] = {
	    {"DELETE", "Pod", "", ""},
	    {"CONNECT", "Pod", "", "exec"},
	    {"UPDATE", "Pod", "", "status"},
	    {"CREATE", "Pod", "", "binding"},
	    {"CREATE", "Service", "", ""},
	    {"CREATE", "Deployment", "extensions.example", ""},
	    {"UPDATE", "Deployment", "apps", "scale"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct result x = review(p, true,
					 mkreq("s", cases[i].op, cases[i].kind, cases[i].group,
					       cases[i].sub, "app", POD("", PRIV_SPEC), NULL));
		ASSERT_OK(x.r);
		ASSERT_TRUE(allowed(&x));
		ASSERT_EQ(x.dec.verdict, ADM_ALLOW_SKIPPED);
		ASSERT_STREQ(bh_json_str(x.resp, "uid"), "s");
		ASSERT_NULL(json_object_get(x.resp, "auditAnnotations"));
		result_done(&x);
	}
	/* DELETE carries no object at all. */
	struct result x =
	    review(p, false, mkreq("d", "DELETE", "Pod", "", "", "app", NULL, POD("", PRIV_SPEC)));
	ASSERT_OK(x.r);
	ASSERT_EQ(x.dec.verdict, ADM_ALLOW_SKIPPED);
	result_done(&x);
	/* The ephemeralcontainers subresource is evaluated. */
	x = review(p, false,
		   mkreq("e", "UPDATE", "Pod", "", "ephemeralcontainers", "app", POD("", PRIV_SPEC),
			 POD("", PRIV_SPEC)));
	ASSERT_OK(x.r);
	ASSERT_EQ(x.dec.verdict, ADM_DENY);
	result_done(&x);
	adm_policy_free(p);
}

TEST(workload_templates_are_evaluated)
{
	struct adm_policy *p = adm_policy_default();
	const char *dep =
	    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\"},"
	    "\"spec\":{\"template\":{\"metadata\":{\"labels\":{\"a\":\"b\"}},\"spec\":" PRIV_SPEC
	    "}}}";
	struct result x =
	    review(p, false, mkreq("w", "CREATE", "Deployment", "apps", "", "app", dep, NULL));
	ASSERT_OK(x.r);
	ASSERT_EQ(x.dec.verdict, ADM_DENY);
	const char *msg = bh_json_str(bh_json_obj(x.resp, "status"), "message");
	ASSERT_TRUE(span_startswith(span_from(msg), "Deployment/web violates"));
	ASSERT_TRUE(audit_has(&x, "enforced", "BH-K8S-PSS-002"));
	result_done(&x);
	const char *cron =
	    "{\"apiVersion\":\"batch/"
	    "v1\",\"kind\":\"CronJob\",\"metadata\":{\"generateName\":\"nightly-\"},"
	    "\"spec\":{\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":{\"hostNetwork\":true,"
	    "\"containers\":[{\"name\":\"c\",\"image\":\"x:1\"}]}}}}}}";
	x = review(p, false, mkreq("c", "CREATE", "CronJob", "batch", "", "app", cron, NULL));
	ASSERT_OK(x.r);
	ASSERT_EQ(x.dec.verdict, ADM_DENY);
	msg = bh_json_str(bh_json_obj(x.resp, "status"), "message");
	ASSERT_TRUE(span_startswith(span_from(msg), "CronJob/nightly-* violates"));
	ASSERT_TRUE(audit_has(&x, "enforced", "BH-K8S-PSS-001"));
	result_done(&x);
	adm_policy_free(p);
}

TEST(update_without_pod_spec_change_is_skipped)
{
	struct adm_policy *p = adm_policy_default();
	struct result x =
	    review(p, false,
		   mkreq("u", "UPDATE", "Pod", "", "", "app",
			 POD(",\"labels\":{\"new\":\"1\"}", PRIV_SPEC), POD("", PRIV_SPEC)));
	ASSERT_OK(x.r);
	ASSERT_EQ(x.dec.verdict, ADM_ALLOW_SKIPPED);
	result_done(&x);
	/* The image changed: evaluated. */
	const char *old = POD("", "{\"containers\":[{\"name\":\"c\",\"image\":\"nginx:1.24\","
				  "\"securityContext\":{\"privileged\":true}}]}");
	x = review(p, false, mkreq("u", "UPDATE", "Pod", "", "", "app", POD("", PRIV_SPEC), old));
	ASSERT_OK(x.r);
	ASSERT_EQ(x.dec.verdict, ADM_DENY);
	result_done(&x);
	/* A security annotation changed: evaluated. */
	x = review(p, false,
		   mkreq("u", "UPDATE", "Pod", "", "", "app",
			 POD(",\"annotations\":{\"container.apparmor.security.beta.kubernetes.io/"
			     "c\":\"unconfined\"}",
			     GOOD_SPEC),
			 POD("", GOOD_SPEC)));
	ASSERT_OK(x.r);
	ASSERT_EQ(x.dec.verdict, ADM_DENY);
	ASSERT_TRUE(audit_has(&x, "enforced", "BH-K8S-PSS-006"));
	result_done(&x);
	/* No oldObject: evaluated. */
	x = review(p, false, mkreq("u", "UPDATE", "Pod", "", "", "app", POD("", PRIV_SPEC), NULL));
	ASSERT_EQ(x.dec.verdict, ADM_DENY);
	result_done(&x);
	adm_policy_free(p);
}

static const char *const POLICY =
    "apiVersion: bulkhead.dev/v1\n"
    "kind: AdmissionPolicy\n"
    "defaults:\n"
    "  enforce: baseline\n"
    "  enforce-version: v1.30\n"
    "  warn: restricted\n"
    "  audit: restricted\n"
    "  hardening: off\n"
    "rules:\n"
    "  - id: BH-K8S-HARD-007\n"
    "    action: enforce\n"
    "  - {id: bh-k8s-pss-015, action: off}\n"
    "namespaces:\n"
    "  - names: [kube-system, \"team-*\"]\n"
    "    enforce: privileged\n"
    "    warn: baseline\n"
    "  - names: [strict]\n"
    "    enforce: restricted\n"
    "    hardening: warn\n"
    "    rules:\n"
    "      - {id: BH-K8S-PSS-002, action: warn}\n"
    "exemptions:\n"
    "  namespaces: [\"ci-*\"]\n"
    "  usernames: [\"system:serviceaccount:kube-system:replicaset-controller\"]\n";

TEST(policy_describe)
{
	struct adm_policy *p = policy(POLICY);
	char d[256];
	adm_policy_describe(p, d, sizeof(d));
	ASSERT_STREQ(d, "default: enforce baseline:v1.30, audit restricted, warn restricted; "
			"2 namespace overrides; 3 rule overrides; 2 exemptions");
	adm_policy_free(p);
	p = adm_policy_default();
	adm_policy_describe(p, d, sizeof(d));
	ASSERT_STREQ(d, "default: enforce baseline, warn restricted");
	adm_policy_describe(p, d, 10);
	ASSERT_STREQ(d, "default: ");
	adm_policy_free(p);
}

TEST(policy_namespace_override)
{
	struct adm_policy *p = policy(POLICY);
	/* team-a: privileged enforced; baseline warned. */
	struct result x = review(
	    p, false, mkreq("n", "CREATE", "Pod", "", "", "team-a", POD("", PRIV_SPEC), NULL));
	ASSERT_OK(x.r);
	ASSERT_TRUE(allowed(&x));
	ASSERT_EQ(x.dec.verdict, ADM_ALLOW);
	ASSERT_NOT_NULL(warning_with(&x, "BH-K8S-PSS-002: Privileged Containers: "));
	ASSERT_STREQ(bh_json_str(bh_json_obj(x.resp, "auditAnnotations"), "policy"),
		     "enforce=privileged:v1.30,audit=restricted:latest,warn=baseline:latest,"
		     "hardening=off,scope=namespaces[0]");
	ASSERT_TRUE(audit_has(&x, "audited", "BH-K8S-PSS-014"));
	/* PSS-015 is off everywhere. */
	ASSERT_FALSE(audit_has(&x, "audited", "BH-K8S-PSS-015"));
	result_done(&x);
	/* The same pod elsewhere is denied. */
	x = review(p, false,
		   mkreq("n", "CREATE", "Pod", "", "", "other", POD("", PRIV_SPEC), NULL));
	ASSERT_EQ(x.dec.verdict, ADM_DENY);
	result_done(&x);
	/* strict: PSS-002 is only warned, but restricted is enforced. */
	x = review(p, false,
		   mkreq("n", "CREATE", "Pod", "", "", "strict", POD("", PRIV_SPEC), NULL));
	ASSERT_EQ(x.dec.verdict, ADM_DENY);
	ASSERT_TRUE(audit_has(&x, "warned", "BH-K8S-PSS-002"));
	ASSERT_FALSE(audit_has(&x, "enforced", "BH-K8S-PSS-002"));
	ASSERT_TRUE(audit_has(&x, "enforced", "BH-K8S-PSS-014"));
	/* hardening: warn; HARD-015 duplicates PSS-002 (as strong): not reported again. */
	ASSERT_TRUE(audit_has(&x, "warned", "BH-K8S-HARD-001"));
	ASSERT_FALSE(audit_has(&x, "warned", "BH-K8S-HARD-015"));
	result_done(&x);
	adm_policy_free(p);
}

TEST(rule_override_enforces_a_hardening_rule)
{
	struct adm_policy *p = policy(POLICY);
	const char *pod = POD(
	    "",
	    "{\"securityContext\":{\"runAsNonRoot\":true,\"seccompProfile\":{\"type\":"
	    "\"RuntimeDefault\"}},\"containers\":[{\"name\":\"c\",\"image\":\"nginx:latest\","
	    "\"securityContext\":{\"allowPrivilegeEscalation\":false,\"capabilities\":{\"drop\":"
	    "[\"ALL\"]}}}]}");
	struct result x = review(p, false, mkreq("h", "CREATE", "Pod", "", "", "app", pod, NULL));
	ASSERT_OK(x.r);
	ASSERT_EQ(x.dec.verdict, ADM_DENY);
	ASSERT_EQ(x.dec.n_enforced, 1);
	ASSERT_TRUE(audit_has(&x, "enforced", "BH-K8S-HARD-007"));
	/* Hardening is otherwise off. */
	ASSERT_FALSE(audit_has(&x, "warned", "BH-K8S-HARD-001"));
	const char *msg = bh_json_str(bh_json_obj(x.resp, "status"), "message");
	ASSERT_NOT_NULL(strstr(msg, "BH-K8S-HARD-007 (Image uses the \"latest\" tag: "));
	result_done(&x);
	/* An overridden PSS rule no mode evaluates (restricted PSS-017 under privileged/baseline)
	 */
	struct adm_policy *q = policy("apiVersion: bulkhead.dev/v1\nkind: AdmissionPolicy\n"
				      "defaults: {enforce: privileged, warn: privileged}\n"
				      "rules: [{id: BH-K8S-PSS-017, action: enforce}]\n");
	x = review(q, false, mkreq("h", "CREATE", "Pod", "", "", "app", POD("", PLAIN_SPEC), NULL));
	ASSERT_EQ(x.dec.verdict, ADM_DENY);
	ASSERT_EQ(x.dec.n_enforced, 1);
	ASSERT_TRUE(audit_has(&x, "enforced", "BH-K8S-PSS-017"));
	ASSERT_EQ(x.dec.n_warned + x.dec.n_audited, 0);
	result_done(&x);
	adm_policy_free(q);
	adm_policy_free(p);
}

TEST(exemptions)
{
	struct adm_policy *p = policy(POLICY);
	struct result x =
	    review(p, true, mkreq("x", "CREATE", "Pod", "", "", "ci-42", POD("", PRIV_SPEC), NULL));
	ASSERT_OK(x.r);
	ASSERT_TRUE(allowed(&x));
	ASSERT_EQ(x.dec.verdict, ADM_ALLOW_SKIPPED);
	ASSERT_STREQ(bh_json_str(bh_json_obj(x.resp, "auditAnnotations"), "exempt"), "namespace");
	result_done(&x);
	char *body = mkreq("x", "CREATE", "Pod", "", "", "app", POD("", PRIV_SPEC), NULL);
	char *at = strstr(body, "alice");
	ASSERT_NOT_NULL(at);
	const char *sa = "system:serviceaccount:kube-system:replicaset-controller";
	struct buf b;
	buf_init(&b, 0);
	ASSERT_OK(buf_append(&b, body, (size_t)(at - body)));
	ASSERT_OK(buf_printf(&b, "%s%s", sa, at + 5));
	free(body);
	x = review(p, false, buf_take(&b));
	ASSERT_OK(x.r);
	ASSERT_EQ(x.dec.verdict, ADM_ALLOW_SKIPPED);
	ASSERT_STREQ(bh_json_str(bh_json_obj(x.resp, "auditAnnotations"), "exempt"), "username");
	result_done(&x);
	adm_policy_free(p);
}

TEST(ignore_annotation)
{
	struct adm_policy *p = adm_policy_default();
	struct result x = review(
	    p, false,
	    mkreq(
		"i", "CREATE", "Pod", "", "", "app",
		POD(",\"annotations\":{\"bulkhead.dev/ignore\":\"BH-K8S-PSS-002, bh-k8s-pss-015\"}",
		    PRIV_SPEC),
		NULL));
	ASSERT_OK(x.r);
	ASSERT_TRUE(allowed(&x));
	ASSERT_EQ(x.dec.verdict, ADM_ALLOW);
	ASSERT_EQ(x.dec.n_enforced, 0);
	ASSERT_TRUE(audit_has(&x, "ignored", "BH-K8S-PSS-002"));
	ASSERT_TRUE(audit_has(&x, "ignored", "BH-K8S-PSS-015"));
	ASSERT_FALSE(audit_has(&x, "warned", "BH-K8S-PSS-015"));
	ASSERT_NULL(warning_with(&x, "BH-K8S-PSS-015"));
	ASSERT_TRUE(audit_has(&x, "warned", "BH-K8S-PSS-014"));
	result_done(&x);
	adm_policy_free(p);
}

TEST(fail_open_and_fail_closed)
{
	struct adm_policy *p = adm_policy_default();
	const char *bad = POD("", "{\"containers\":\"oops\"}");
	struct result x = review(p, false, mkreq("f", "CREATE", "Pod", "", "", "app", bad, NULL));
	ASSERT_OK(x.r);
	ASSERT_TRUE(allowed(&x));
	ASSERT_EQ(x.dec.verdict, ADM_ALLOW_FAIL_OPEN);
	const char *w = warning_with(&x, "bulkhead could not evaluate Pod/p: ");
	ASSERT_NOT_NULL(w);
	ASSERT_NOT_NULL(strstr(w, "spec.containers"));
	ASSERT_NOT_NULL(strstr(w, "allowed (fail-open)"));
	ASSERT_NOT_NULL(bh_json_str(bh_json_obj(x.resp, "auditAnnotations"), "error"));
	ASSERT_NULL(json_object_get(x.resp, "status"));
	result_done(&x);
	x = review(p, true, mkreq("f", "CREATE", "Pod", "", "", "app", bad, NULL));
	ASSERT_OK(x.r);
	ASSERT_FALSE(allowed(&x));
	ASSERT_EQ(x.dec.verdict, ADM_DENY_FAIL_CLOSED);
	json_t *st = bh_json_obj(x.resp, "status");
	ASSERT_EQ(json_integer_value(json_object_get(st, "code")), 403);
	ASSERT_NOT_NULL(strstr(bh_json_str(st, "message"), "denied (fail-closed)"));
	result_done(&x);
	/* No object, an object of another kind. */
	x = review(p, true, mkreq("f", "CREATE", "Pod", "", "", "app", "[1]", NULL));
	ASSERT_EQ(x.dec.verdict, ADM_DENY_FAIL_CLOSED);
	result_done(&x);
	x = review(p, false, mkreq("f", "CREATE", "Pod", "", "", "app", NULL, NULL));
	ASSERT_EQ(x.dec.verdict, ADM_ALLOW_FAIL_OPEN);
	result_done(&x);
	x = review(p, false,
		   mkreq("f", "CREATE", "Pod", "", "", "app",
			 "{\"apiVersion\":\"v1\",\"kind\":\"Service\"}", NULL));
	ASSERT_EQ(x.dec.verdict, ADM_ALLOW_FAIL_OPEN);
	ASSERT_NOT_NULL(strstr(warning_with(&x, "bulkhead could not"), "kind \"Service\""));
	result_done(&x);
	adm_policy_free(p);
}

TEST(env_values_are_not_disclosed)
{
	struct adm_policy *p = policy("apiVersion: bulkhead.dev/v1\nkind: AdmissionPolicy\n"
				      "defaults: {hardening: enforce}\n");
	const char *pod = POD("", "{\"containers\":[{\"name\":\"c\",\"image\":\"x:1\",\"env\":"
				  "[{\"name\":\"DB_PASSWORD\",\"value\":\"hunter2-s3cr3t\"}]}]}");
	struct result x = review(p, false, mkreq("s", "CREATE", "Pod", "", "", "app", pod, NULL));
	ASSERT_OK(x.r);
	ASSERT_EQ(x.dec.verdict, ADM_DENY);
	ASSERT_TRUE(audit_has(&x, "enforced", "BH-K8S-HARD-028"));
	ASSERT_NOT_NULL(strstr(x.text, "DB_PASSWORD"));
	ASSERT_NULL(strstr(x.text, "hunter2"));
	/* The message stays bounded however many rules fire. */
	ASSERT_TRUE(strlen(bh_json_str(bh_json_obj(x.resp, "status"), "message")) <= 3100);
	result_done(&x);
	adm_policy_free(p);
}

TEST(malformed_bodies)
{
	struct adm_policy *p = adm_policy_default();
	static const struct {
		const char *body;
		int err;
		const char *msg;
	} cases[] = {
	    {"not json", -EBADMSG, "invalid JSON"},
	    {"", -EBADMSG, "invalid JSON"},
	    {"[]", -EBADMSG, "the body is not a JSON object"},
	    {"{\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"1\"}}", -EBADMSG,
	     "apiVersion is missing"},
	    {"{\"apiVersion\":\"admission.k8s.io/v1beta1\",\"kind\":\"AdmissionReview\"}", -EBADMSG,
	     "apiVersion is not"},
	    {"{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"Pod\"}", -EBADMSG,
	     "kind is not \"AdmissionReview\""},
	    {"{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}", -EBADMSG,
	     "request is missing"},
	    {"{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{}}",
	     -EBADMSG, "request.uid is missing"},
	    {"{\"apiVersion\":\"admission.k8s.io/"
	     "v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":7}}",
	     -EBADMSG, "request.uid is not a string"},
	    {"{\"apiVersion\":\"admission.k8s.io/"
	     "v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"1\"}}",
	     -EBADMSG, "request.kind is missing"},
	    {"{\"apiVersion\":\"admission.k8s.io/"
	     "v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"1\",\"kind\":{\"kind\":"
	     "\"Pod\"}}}",
	     -EBADMSG, "request.operation is missing"},
	    {"{\"apiVersion\":\"admission.k8s.io/"
	     "v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"1\",\"kind\":{\"kind\":"
	     "\"Pod\"},\"operation\":\"CREATE\",\"namespace\":3}}",
	     -EBADMSG, "request.namespace is not a string"},
	    {"{\"apiVersion\":\"admission.k8s.io/v1\",\"apiVersion\":\"admission.k8s.io/v1\"}",
	     -EBADMSG, "invalid JSON"},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct bh_limits l = lim();
		struct result x = review_full(p, false, cases[i].body, &l);
		if (x.r != cases[i].err)
			tap_fail(__FILE__, __LINE__, "case %zu: %d, expected %d", i, x.r,
				 cases[i].err);
		if (!strstr(x.diag.message, cases[i].msg))
			tap_fail(__FILE__, __LINE__, "case %zu: message \"%s\"", i, x.diag.message);
		result_done(&x);
	}
	/* Deep nesting and size past the limits. */
	struct bh_limits l = lim();
	l.json_max_depth = 16;
	struct buf b;
	buf_init(&b, 0);
	for (int i = 0; i < 40; i++)
		ASSERT_OK(buf_puts(&b, "{\"a\":"));
	ASSERT_OK(buf_puts(&b, "1"));
	for (int i = 0; i < 40; i++)
		ASSERT_OK(buf_putc(&b, '}'));
	struct result x = review_full(p, false, buf_str(&b), &l);
	ASSERT_EQ(x.r, -E2BIG);
	ASSERT_NOT_NULL(strstr(x.diag.message, "json-max-depth"));
	buf_done(&b);
	char *body = mkreq("big", "CREATE", "Pod", "", "", "app", POD("", GOOD_SPEC), NULL);
	l = lim();
	l.input_max_bytes = strlen(body) - 1;
	x = review_full(p, false, body, &l);
	ASSERT_EQ(x.r, -E2BIG);
	l.input_max_bytes = strlen(body);
	x = review_full(p, false, body, &l);
	ASSERT_OK(x.r);
	result_done(&x);
	free(body);
	adm_policy_free(p);
}

TEST(response_buffer_limit)
{
	struct adm_policy *p = adm_policy_default();
	char *body = mkreq("u", "CREATE", "Pod", "", "", "app", POD("", PLAIN_SPEC), NULL);
	struct bh_limits l = lim();
	struct buf out;
	buf_init(&out, 32);
	struct adm_decision dec = {.verdict = ADM_DENY};
	ASSERT_ERR(adm_review(p, NULL, span_from(body), &l, &out, &dec, NULL), -E2BIG);
	buf_done(&out);
	/* A reused buffer is replaced, not appended to; opts may be NULL. */
	buf_init(&out, 0);
	ASSERT_OK(buf_puts(&out, "stale"));
	ASSERT_OK(adm_review(p, NULL, span_from(body), &l, &out, &dec, NULL));
	ASSERT_EQ(buf_str(&out)[0], '{');
	ASSERT_EQ(dec.verdict, ADM_ALLOW);
	buf_done(&out);
	free(body);
	adm_policy_free(p);
}

TEST(verdict_names)
{
	ASSERT_STREQ(adm_verdict_name(ADM_ALLOW), "allow");
	ASSERT_STREQ(adm_verdict_name(ADM_DENY), "deny");
	ASSERT_STREQ(adm_verdict_name(ADM_ALLOW_SKIPPED), "skip");
	ASSERT_STREQ(adm_verdict_name(ADM_ALLOW_FAIL_OPEN), "error-allow");
	ASSERT_STREQ(adm_verdict_name(ADM_DENY_FAIL_CLOSED), "error-deny");
}

/* Load text; expect err with a message containing msg at line. */
static void policy_err(const char *text, int err, unsigned line, const char *msg, int at)
{
	struct bh_limits l = lim();
	struct adm_policy *p = NULL;
	struct bh_diag d = {0};
	int r = adm_policy_load_buf("p.yaml", span_from(text), &l, &p, &d);
	if (r != err || d.line != line || !strstr(d.message, msg))
		tap_fail(__FILE__, at, "got %d at line %u \"%s\", expected %d at %u \"%s\"", r,
			 d.line, d.message, err, line, msg);
	ASSERT_STREQ(d.source, "p.yaml");
	ASSERT_NULL(p);
}

#define HEAD "apiVersion: bulkhead.dev/v1\nkind: AdmissionPolicy\n"

TEST(policy_errors)
{
	policy_err(HEAD "defaults:\n  enforse: baseline\n", -EBADMSG, 4,
		   "defaults: unknown field \"enforse\"", __LINE__);
	policy_err(
	    HEAD "defaults:\n  enforce: baseline\n  warn: superstrict\n", -EBADMSG, 5,
	    "defaults.warn: expected privileged, baseline or restricted, not \"superstrict\"",
	    __LINE__);
	policy_err(HEAD
		   "rules:\n  - id: BH-K8S-HARD-001\n    action: warn\n  - id: BH-K8S-HARD-999\n"
		   "    action: warn\n",
		   -EBADMSG, 6, "rules[1].id: unknown rule id \"BH-K8S-HARD-999\"", __LINE__);
	policy_err(HEAD "rules:\n  - {id: BH-K8S-HARD-001, action: block}\n", -EBADMSG, 4,
		   "policy.rules[0].action: expected enforce, warn, audit or off", __LINE__);
	policy_err(HEAD "rules:\n  - {id: BH-K8S-HARD-001, action: warn}\n  - {id: "
			"bh-k8s-hard-001, action: off}\n",
		   -EBADMSG, 5, "listed twice", __LINE__);
	policy_err(HEAD "defaults: {enforce-version: \"1.30\"}\n", -EBADMSG, 3,
		   "defaults.enforce-version: expected \"latest\" or \"v1.Y\"", __LINE__);
	policy_err(HEAD "namespaces:\n  - enforce: baseline\n", -EBADMSG, 3,
		   "namespaces[0]: names is missing", __LINE__);
	policy_err(HEAD "namespaces:\n  - names: [a]\n    warn: restricted\n    colour: red\n",
		   -EBADMSG, 6, "namespaces[0]: unknown field \"colour\"", __LINE__);
	policy_err(HEAD "namespaces:\n  - names: []\n", -EBADMSG, 4, "names is empty", __LINE__);
	policy_err(HEAD "exemptions:\n  runtimeClasses: [x]\n", -EBADMSG, 4,
		   "exemptions: unknown field \"runtimeClasses\"", __LINE__);
	policy_err(HEAD "exemptions:\n  usernames: [\"\"]\n", -EBADMSG, 4, "usernames[0]",
		   __LINE__);
	policy_err("apiVersion: bulkhead.dev/v2\nkind: AdmissionPolicy\n", -EBADMSG, 1,
		   "apiVersion: expected", __LINE__);
	policy_err("apiVersion: bulkhead.dev/v1\nkind: Policy\n", -EBADMSG, 2, "kind: expected",
		   __LINE__);
	policy_err("apiVersion: bulkhead.dev/v1\n", -EBADMSG, 1, "kind: expected", __LINE__);
	policy_err(HEAD "---\n" HEAD, -EBADMSG, 4, "exactly one policy document, found 2",
		   __LINE__);
	policy_err("", -EBADMSG, 1, "found 0", __LINE__);
	policy_err("- a\n", -EBADMSG, 1, "not a mapping", __LINE__);
	policy_err(HEAD "defaults: {enforce: [x\n", -EBADMSG, 4, "", __LINE__);
	policy_err(HEAD "rules: {id: x}\n", -EBADMSG, 3, "policy.rules: expected a list", __LINE__);
	policy_err(HEAD "defaults: {rules: []}\nrules: []\n", -EBADMSG, 3,
		   "either at the top or under defaults", __LINE__);
	policy_err(HEAD "defaults: {hardening: on}\n", -EBADMSG, 3, "defaults.hardening: expected",
		   __LINE__);
}

TEST(policy_json_and_file)
{
	struct adm_policy *p =
	    policy("{\"apiVersion\":\"bulkhead.dev/v1\",\"kind\":\"AdmissionPolicy\","
		   "\"defaults\":{\"enforce\":\"restricted\",\"hardening\":\"audit\"}}");
	char d[256];
	adm_policy_describe(p, d, sizeof(d));
	ASSERT_STREQ(d, "default: enforce restricted, warn restricted, hardening audit");
	adm_policy_free(p);

	struct bh_limits l = lim();
	struct bh_diag diag = {0};
	ASSERT_OK(adm_policy_load(tap_src_path("tests/k8s/admission/policy.yaml"), &l, &p, &diag));
	adm_policy_describe(p, d, sizeof(d));
	ASSERT_STREQ(d, "default: enforce baseline, audit restricted, warn restricted, hardening "
			"audit; 1 namespace override; 2 rule overrides; 1 exemption");
	struct result x = review(
	    p, false, mkreq("f", "CREATE", "Pod", "", "", "kube-system", POD("", PRIV_SPEC), NULL));
	ASSERT_EQ(x.dec.verdict, ADM_ALLOW);
	result_done(&x);
	adm_policy_free(p);

	p = NULL;
	ASSERT_ERR(
	    adm_policy_load(tap_src_path("tests/k8s/admission/bad-rule.yaml"), &l, &p, &diag),
	    -EBADMSG);
	ASSERT_EQ(diag.line, 8);
	ASSERT_NOT_NULL(strstr(diag.source, "bad-rule.yaml"));
	ASSERT_NOT_NULL(strstr(diag.message, "unknown rule id \"BH-K8S-PSS-999\""));
	ASSERT_ERR(adm_policy_load(tap_src_path("tests/k8s/admission/absent.yaml"), &l, &p, &diag),
		   -ENOENT);
	ASSERT_NULL(p);
	l.input_max_bytes = 16;
	ASSERT_ERR(adm_policy_load(tap_src_path("tests/k8s/admission/policy.yaml"), &l, &p, &diag),
		   -E2BIG);
}
