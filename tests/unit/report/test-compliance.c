/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-compliance.c — the compliance evaluator (src/report/compliance.c) over a real SQLite
 * store filled through store_record_run(): pass / fail / not assessed per control, evidence
 * ids pointing into the store, findings resolved by a later run, run capabilities from run
 * kinds and summaries, rules that decide controls without citing them, the tables, the JSON
 * document and HTML escaping.
 */
#include <stdio.h>

#include "common/json.h"
#include "report/compliance.h"
#include "store/store.h"
#include "tap.h"

static struct store *open_store(const char *name)
{
	const char *path = tap_tmp_path(name);
	ASSERT_NOT_NULL(path);
	(void)unlink(path);
	struct bh_limits lim;
	bh_limits_default(&lim);
	struct store *s = NULL;
	struct bh_diag d = {0};
	int r = store_open(path, &lim, 0, &s, &d);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "store_open: %s: %s", strerror(-r), d.message);
	return s;
}

/* A finding citing refs (comma-separated, may be ""). */
static json_t *finding(const char *id, const char *kind, const char *sev, const char *rule,
		       const char *refs, const char *message)
{
	json_t *f = json_pack("{s:s, s:s, s:s, s:s, s:{s:s}, s:{s:s, s:s}, s:s, s:[]}", "schema",
			      "bulkhead.finding/v1", "id", id, "kind", kind, "severity", sev,
			      "rule", "id", rule, "target", "type", "workload", "name",
			      "ns/Deployment/web", "message", message, "compliance");
	ASSERT_NOT_NULL(f);
	struct span in = span_from(refs), tok;
	while (span_next_token(&in, ',', &tok) == 0) {
		char ref[64];
		ASSERT_OK(xsnprintf(ref, sizeof(ref), "%.*s", SPAN_ARG(tok)));
		ASSERT_OK(bh_json_append_str(json_object_get(f, "compliance"), ref));
	}
	return f;
}

/* Record a run of kind with the findings (taken) and summary (taken, may be NULL). */
static int64_t record(struct store *s, const char *kind, int64_t t, json_t *findings,
		      json_t *summary)
{
	struct store_run run = {
	    .kind = kind,
	    .time = t,
	    .target = {.type = "image", .name = "registry.example/app:1.0", .digest = "sha256:abc"},
	    .tool = "bulkhead test",
	    .summary = summary,
	};
	if (!findings)
		findings = json_array();
	struct store_record_result res = {0};
	struct bh_diag d = {0};
	int r = store_record_run(s, &run, findings, &res, &d);
	json_decref(findings);
	if (summary)
		json_decref(summary);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "store_record_run: %s: %s", strerror(-r), d.message);
	int64_t id = res.run_id;
	store_record_result_done(&res);
	return id;
}

static json_t *one(json_t *f)
{
	json_t *a = json_array();
	ASSERT_NOT_NULL(a);
	ASSERT_OK(json_array_append_new(a, f));
	return a;
}

static const struct compliance_result *control(const struct compliance_report *rep, const char *id)
{
	for (size_t i = 0; i < rep->n; i++)
		if (streq(rep->c[i].def->id, id))
			return &rep->c[i];
	tap_fail(__FILE__, __LINE__, "no control %s", id);
}

static void eval(struct store *s, enum compliance_framework fw, struct compliance_report *rep)
{
	ASSERT_OK(compliance_evaluate(s, fw, 1700000000, rep));
}

TEST(tables_complete)
{
	size_t n;
	const struct compliance_control_def *d = compliance_controls(COMPLIANCE_NIST_800_190, &n);
	static const unsigned per_group[] = {5, 3, 5, 5, 5};
	ASSERT_EQ(n, 23);
	size_t k = 0;
	for (unsigned g = 0; g < 5; g++)
		for (unsigned i = 1; i <= per_group[g]; i++, k++) {
			char id[16];
			ASSERT_OK(xsnprintf(id, sizeof(id), "4.%u.%u", g + 1, i));
			ASSERT_STREQ(d[k].id, id);
		}
	for (int fw = 0; fw < _COMPLIANCE_FRAMEWORK_MAX; fw++) {
		d = compliance_controls((enum compliance_framework)fw, &n);
		ASSERT_TRUE(n > 0);
		for (size_t i = 0; i < n; i++) {
			ASSERT_TRUE(d[i].title && *d[i].title && d[i].group && *d[i].group);
			/* Every control says how it is assessed, or what bulkhead cannot see. */
			ASSERT_TRUE(d[i].how || d[i].other);
			ASSERT_EQ(d[i].how != NULL, d[i].assessors != NULL);
			for (size_t j = 0; j < i; j++)
				ASSERT_FALSE(streq(d[i].id, d[j].id));
		}
	}
	d = compliance_controls(COMPLIANCE_CIS_K8S, &n);
	bool seen[8] = {0};
	for (size_t i = 0; i < n; i++) {
		ASSERT_TRUE(strncmp(d[i].id, "5.", 2) == 0);
		seen[d[i].id[2] - '0'] = true;
	}
	ASSERT_TRUE(seen[1] && seen[2] && seen[3] && seen[7]);
}

TEST(names)
{
	enum compliance_framework fw;
	ASSERT_OK(compliance_framework_from_name("nist-800-190", &fw));
	ASSERT_EQ(fw, COMPLIANCE_NIST_800_190);
	ASSERT_OK(compliance_framework_from_name("cis-k8s", &fw));
	ASSERT_EQ(fw, COMPLIANCE_CIS_K8S);
	ASSERT_ERR(compliance_framework_from_name("pci-dss", &fw), -EINVAL);
	ASSERT_STREQ(compliance_status_name(COMPLIANCE_NOT_ASSESSED), "not_assessed");
}

TEST(empty_store_not_assessed)
{
	_cleanup_(store_closep) struct store *s = open_store("empty.db");
	struct compliance_report rep = {0};
	eval(s, COMPLIANCE_NIST_800_190, &rep);
	ASSERT_EQ(rep.count[COMPLIANCE_NOT_ASSESSED], rep.n);
	const struct compliance_result *x = control(&rep, "4.1.4");
	ASSERT_EQ(x->status, COMPLIANCE_NOT_ASSESSED);
	ASSERT_NOT_NULL(strstr(x->why, "--scanners secret"));
	x = control(&rep, "4.2.1");
	ASSERT_NOT_NULL(strstr(x->why, "Not assessed by bulkhead"));
	compliance_report_done(&rep);
}

TEST(pass_fail_not_assessed)
{
	_cleanup_(store_closep) struct store *s = open_store("pfn.db");
	int64_t vuln = record(s, "scan.vuln", 1000, NULL, NULL);
	int64_t sec = record(s, "scan.secret", 1001,
			     one(finding("f-secret-1", "secret", "high", "BH-SECRET-001",
					 "NIST-800-190:4.1.4", "AWS key in /etc/app/credentials")),
			     NULL);
	struct compliance_report rep = {0};
	eval(s, COMPLIANCE_NIST_800_190, &rep);
	const struct compliance_result *x = control(&rep, "4.1.1");
	ASSERT_EQ(x->status, COMPLIANCE_PASS);
	ASSERT_EQ(x->n_runs_total, 1);
	ASSERT_EQ(x->runs[0].run_id, vuln);
	ASSERT_STREQ(x->runs[0].kind, "scan.vuln");
	x = control(&rep, "4.1.4");
	ASSERT_EQ(x->status, COMPLIANCE_FAIL);
	ASSERT_EQ(x->n_ev, 1);
	ASSERT_STREQ(x->ev[0].finding_id, "f-secret-1");
	ASSERT_EQ(x->ev[0].run_id, sec);
	ASSERT_STREQ(x->ev[0].rule, "BH-SECRET-001");
	ASSERT_STREQ(x->ev[0].target, "ns/Deployment/web");
	ASSERT_NOT_NULL(strstr(x->why, "BH-SECRET-001"));
	ASSERT_EQ(control(&rep, "4.1.2")->status, COMPLIANCE_NOT_ASSESSED);
	ASSERT_EQ(rep.count[COMPLIANCE_PASS], 1);
	ASSERT_EQ(rep.count[COMPLIANCE_FAIL], 1);
	ASSERT_EQ(rep.count[COMPLIANCE_PASS] + rep.count[COMPLIANCE_FAIL] +
		      rep.count[COMPLIANCE_NOT_ASSESSED],
		  rep.n);
	compliance_report_done(&rep);

	/* The next secret scan of the same image no longer sees it: resolved, so pass. */
	record(s, "scan.secret", 2000, NULL, NULL);
	eval(s, COMPLIANCE_NIST_800_190, &rep);
	x = control(&rep, "4.1.4");
	ASSERT_EQ(x->status, COMPLIANCE_PASS);
	ASSERT_EQ(x->n_ev, 0);
	ASSERT_EQ(x->n_runs_total, 2);
	ASSERT_EQ(x->runs[0].time, 2000); /* newest first */
	compliance_report_done(&rep);
}

TEST(finding_fails_control_without_assessing_run)
{
	/* A hardening finding cites 4.1.5; no signature scan ran: still fail, and says so. */
	_cleanup_(store_closep) struct store *s = open_store("nosig.db");
	record(s, "k8s-check.hardening", 1000,
	       one(finding("f-latest", "misconfiguration", "medium", "BH-K8S-HARD-007",
			   "CIS-K8S-1.9:5.5.1,NIST-800-190:4.1.5,NIST-800-190:4.2.2",
			   "image uses the latest tag")),
	       NULL);
	struct compliance_report rep = {0};
	eval(s, COMPLIANCE_NIST_800_190, &rep);
	const struct compliance_result *x = control(&rep, "4.1.5");
	ASSERT_EQ(x->status, COMPLIANCE_FAIL);
	ASSERT_NOT_NULL(strstr(x->why, "--require-signature"));
	ASSERT_EQ(control(&rep, "4.2.2")->status, COMPLIANCE_FAIL);
	/* 4.3.4 is assessed by the same hardening run and nothing cites it. */
	ASSERT_EQ(control(&rep, "4.3.4")->status, COMPLIANCE_PASS);
	compliance_report_done(&rep);
	eval(s, COMPLIANCE_CIS_K8S, &rep);
	ASSERT_EQ(control(&rep, "5.5.1")->status, COMPLIANCE_FAIL);
	ASSERT_EQ(control(&rep, "5.7.4")->status, COMPLIANCE_PASS);
	ASSERT_EQ(control(&rep, "5.1.1")->status, COMPLIANCE_NOT_ASSESSED);
	compliance_report_done(&rep);
}

TEST(rules_without_citation)
{
	/* PSS-001 cites nothing; its message says which host namespace. */
	_cleanup_(store_closep) struct store *s = open_store("pss.db");
	record(s, "k8s-check.pss", 1000,
	       one(finding("f-hostnet", "misconfiguration", "high", "BH-K8S-PSS-001", "",
			   "ns/Deployment/web violates PodSecurity \"baseline:latest\": Host "
			   "Namespaces (hostNetwork=true)")),
	       NULL);
	struct compliance_report rep = {0};
	eval(s, COMPLIANCE_CIS_K8S, &rep);
	ASSERT_EQ(control(&rep, "5.2.5")->status, COMPLIANCE_FAIL);
	ASSERT_EQ(control(&rep, "5.2.3")->status, COMPLIANCE_PASS);
	ASSERT_EQ(control(&rep, "5.2.4")->status, COMPLIANCE_PASS);
	/* Restricted-only controls are not assessed by a baseline PSS run. */
	ASSERT_EQ(control(&rep, "5.2.7")->status, COMPLIANCE_NOT_ASSESSED);
	compliance_report_done(&rep);
	eval(s, COMPLIANCE_NIST_800_190, &rep);
	ASSERT_EQ(control(&rep, "4.4.3")->status, COMPLIANCE_FAIL); /* BH-K8S-PSS-* */
	ASSERT_EQ(control(&rep, "4.5.5")->status, COMPLIANCE_PASS);
	compliance_report_done(&rep);
}

TEST(cis_any_edition_and_resolution_scope)
{
	_cleanup_(store_closep) struct store *s = open_store("cis.db");
	record(s, "k8s-check.hardening", 1000,
	       one(finding("f-priv", "misconfiguration", "critical", "BH-K8S-HARD-015",
			   "CIS-K8S-1.8:5.2.2", "privileged container")),
	       NULL);
	/* NIST-800-190:5.2.2 or CIS-DOCKER refs must not count for CIS Kubernetes. */
	record(s, "scan.config", 1001,
	       one(finding("f-docker", "misconfiguration", "low", "BH-IMG-009",
			   "CIS-DOCKER-1.6:5.2.6,NIST-800-190:5.2.6", "x")),
	       NULL);
	struct compliance_report rep = {0};
	eval(s, COMPLIANCE_CIS_K8S, &rep);
	ASSERT_EQ(control(&rep, "5.2.2")->status, COMPLIANCE_FAIL);
	ASSERT_EQ(control(&rep, "5.2.2")->ev[0].sev_rank, 5);
	ASSERT_EQ(control(&rep, "5.2.6")->status, COMPLIANCE_PASS);
	compliance_report_done(&rep);
}

TEST(network_controls_from_reach_runs)
{
	/* NIST 4.3.3, 4.4.2 and CIS 5.3.2 are decided by k8s-reach runs; 5.3.1 never is. */
	_cleanup_(store_closep) struct store *s = open_store("reach.db");
	struct compliance_report rep = {0};
	record(s, "k8s-exposure", 900, NULL, NULL); /* assesses nothing */
	eval(s, COMPLIANCE_NIST_800_190, &rep);
	ASSERT_EQ(control(&rep, "4.3.3")->status, COMPLIANCE_NOT_ASSESSED);
	ASSERT_NOT_NULL(strstr(control(&rep, "4.3.3")->why, "bulkhead k8s reach"));
	ASSERT_EQ(control(&rep, "4.4.2")->status, COMPLIANCE_NOT_ASSESSED);
	compliance_report_done(&rep);

	json_t *f = json_array();
	ASSERT_NOT_NULL(f);
	ASSERT_OK(
	    json_array_append_new(f, finding("n-1", "network", "medium", "BH-K8S-NET-001",
					     "NIST-800-190:4.3.3", "no default-deny ingress")));
	ASSERT_OK(json_array_append_new(f, finding("n-5", "network", "medium", "BH-K8S-NET-005",
						   "CIS-K8S-1.9:5.3.2", "no NetworkPolicy")));
	int64_t run = record(s, "k8s-reach", 1000, f, NULL);
	eval(s, COMPLIANCE_NIST_800_190, &rep);
	const struct compliance_result *x = control(&rep, "4.3.3");
	ASSERT_EQ(x->status, COMPLIANCE_FAIL);
	ASSERT_EQ(x->n_ev, 1);
	ASSERT_STREQ(x->ev[0].finding_id, "n-1");
	ASSERT_EQ(x->ev[0].run_id, run);
	ASSERT_EQ(control(&rep, "4.4.2")->status, COMPLIANCE_PASS);
	ASSERT_EQ(control(&rep, "4.4.2")->n_runs_total, 1);
	compliance_report_done(&rep);
	eval(s, COMPLIANCE_CIS_K8S, &rep);
	ASSERT_EQ(control(&rep, "5.3.2")->status, COMPLIANCE_FAIL);
	ASSERT_STREQ(control(&rep, "5.3.2")->ev[0].rule, "BH-K8S-NET-005");
	ASSERT_EQ(control(&rep, "5.3.1")->status, COMPLIANCE_NOT_ASSESSED);
	compliance_report_done(&rep);

	/* The next reach run of the cluster sees default-deny everywhere: all pass. */
	record(s, "k8s-reach", 2000, NULL, NULL);
	eval(s, COMPLIANCE_NIST_800_190, &rep);
	ASSERT_EQ(control(&rep, "4.3.3")->status, COMPLIANCE_PASS);
	ASSERT_EQ(control(&rep, "4.3.3")->runs[0].time, 2000);
	compliance_report_done(&rep);
	eval(s, COMPLIANCE_CIS_K8S, &rep);
	ASSERT_EQ(control(&rep, "5.3.2")->status, COMPLIANCE_PASS);
	ASSERT_EQ(control(&rep, "5.3.1")->status, COMPLIANCE_NOT_ASSESSED);
	compliance_report_done(&rep);
}

TEST(capabilities)
{
	struct strv caps = {0};
	_cleanup_json_ json_t *sum =
	    json_pack("{s:[s, s], s:s}", "scanners", "vuln", "secret", "part", "scan.vuln");
	ASSERT_OK(compliance_run_capabilities("scan", sum, &caps));
	ASSERT_TRUE(strv_contains(&caps, "scan"));
	ASSERT_TRUE(strv_contains(&caps, "scan.vuln"));
	ASSERT_TRUE(strv_contains(&caps, "scan.secret"));
	ASSERT_FALSE(strv_contains(&caps, "scan.config"));
	strv_done(&caps);
	/* A part's run kind says what it is; the summary's list names the whole scan. */
	ASSERT_OK(compliance_run_capabilities("scan.vuln", sum, &caps));
	ASSERT_EQ(caps.n, 1);
	strv_done(&caps);
	_cleanup_json_ json_t *k =
	    json_pack("{s:{s:s, s:s}}", "policy", "level", "restricted", "checks", "pss,hardening");
	ASSERT_OK(compliance_run_capabilities("k8s-check", k, &caps));
	ASSERT_TRUE(strv_contains(&caps, "k8s-check.pss"));
	ASSERT_TRUE(strv_contains(&caps, "k8s-check.hardening"));
	ASSERT_TRUE(strv_contains(&caps, "k8s-check.pss-restricted"));
	strv_done(&caps);
	_cleanup_json_ json_t *b = json_pack("{s:s}", "level", "baseline");
	ASSERT_OK(compliance_run_capabilities("k8s-check.pss", b, &caps));
	ASSERT_FALSE(strv_contains(&caps, "k8s-check.pss-restricted"));
	strv_done(&caps);
	ASSERT_OK(compliance_run_capabilities(NULL, NULL, &caps));
	ASSERT_EQ(caps.n, 0);
}

TEST(restricted_level_from_summary)
{
	_cleanup_(store_closep) struct store *s = open_store("restricted.db");
	record(s, "k8s-check.pss", 1000, NULL, json_pack("{s:s}", "level", "restricted"));
	struct compliance_report rep = {0};
	eval(s, COMPLIANCE_CIS_K8S, &rep);
	ASSERT_EQ(control(&rep, "5.2.7")->status, COMPLIANCE_PASS);
	ASSERT_EQ(control(&rep, "5.7.2")->status, COMPLIANCE_PASS);
	ASSERT_EQ(control(&rep, "5.2.8")->status, COMPLIANCE_NOT_ASSESSED); /* hardening only */
	compliance_report_done(&rep);
	/* A whole-scan run without parts, as an older recorder wrote it. */
	record(s, "scan", 1001, NULL, json_pack("{s:[s]}", "scanners", "config"));
	eval(s, COMPLIANCE_NIST_800_190, &rep);
	ASSERT_EQ(control(&rep, "4.1.2")->status, COMPLIANCE_PASS);
	ASSERT_EQ(control(&rep, "4.1.1")->status, COMPLIANCE_NOT_ASSESSED);
	compliance_report_done(&rep);
}

TEST(evidence_order_and_many_runs)
{
	_cleanup_(store_closep) struct store *s = open_store("order.db");
	json_t *a = json_array();
	ASSERT_OK(json_array_append_new(a, finding("f-b", "vulnerability", "low", "CVE-2024-0002",
						   "NIST-800-190:4.1.1", "low one")));
	ASSERT_OK(
	    json_array_append_new(a, finding("f-a", "vulnerability", "critical", "CVE-2024-0001",
					     "NIST-800-190:4.1.1", "critical one")));
	ASSERT_OK(
	    json_array_append_new(a, finding("f-c", "vulnerability", "critical", "CVE-2023-0009",
					     "NIST-800-190:4.1.1", "critical two")));
	record(s, "scan.vuln", 1000, a, NULL);
	for (int i = 0; i < 12; i++)
		record(s, "scan.config", 2000 + i, NULL, NULL);
	struct compliance_report rep = {0};
	eval(s, COMPLIANCE_NIST_800_190, &rep);
	const struct compliance_result *x = control(&rep, "4.1.1");
	ASSERT_EQ(x->n_ev, 3);
	ASSERT_STREQ(x->ev[0].rule, "CVE-2023-0009");
	ASSERT_STREQ(x->ev[1].rule, "CVE-2024-0001");
	ASSERT_STREQ(x->ev[2].rule, "CVE-2024-0002");
	x = control(&rep, "4.1.2");
	ASSERT_EQ(x->n_runs_total, 12);
	ASSERT_EQ(x->n_runs, COMPLIANCE_MAX_RUN_REFS);
	ASSERT_EQ(x->runs[0].time, 2011);
	compliance_report_done(&rep);
}

TEST(json_document)
{
	_cleanup_(store_closep) struct store *s = open_store("json.db");
	int64_t run = record(s, "scan.secret", 1000,
			     one(finding("f-1", "secret", "high", "BH-SECRET-003",
					 "NIST-800-190:4.1.4", "token in env")),
			     NULL);
	struct compliance_report rep = {0};
	eval(s, COMPLIANCE_NIST_800_190, &rep);
	_cleanup_json_ json_t *doc = NULL;
	ASSERT_OK(compliance_report_json(&rep, &doc));
	ASSERT_STREQ(bh_json_str(doc, "schema"), "bulkhead.compliance/v1");
	ASSERT_STREQ(bh_json_str(doc, "framework"), "nist-800-190");
	ASSERT_STREQ(bh_json_str(doc, "generated"), "2023-11-14T22:13:20Z");
	ASSERT_NOT_NULL(bh_json_str(doc, "store"));
	json_t *sum = json_object_get(doc, "summary");
	ASSERT_EQ(json_integer_value(json_object_get(sum, "fail")), 1);
	ASSERT_EQ(json_integer_value(json_object_get(sum, "pass")), 0);
	ASSERT_EQ(json_integer_value(json_object_get(sum, "not_assessed")), 22);
	json_t *controls = json_object_get(doc, "controls");
	ASSERT_EQ(json_array_size(controls), 23);
	json_t *c = json_array_get(controls, 3);
	ASSERT_STREQ(bh_json_str(c, "id"), "4.1.4");
	ASSERT_STREQ(bh_json_str(c, "status"), "fail");
	json_t *ev = json_array_get(json_object_get(c, "evidence"), 0);
	ASSERT_STREQ(bh_json_str(ev, "finding_id"), "f-1");
	ASSERT_EQ(json_integer_value(json_object_get(ev, "run_id")), run);
	ASSERT_STREQ(bh_json_str(ev, "severity"), "high");
	ASSERT_STREQ(bh_json_str(json_array_get(controls, 0), "how_to_assess"),
		     "bulkhead scan IMAGE --scanners vuln --store S");
	compliance_report_done(&rep);
}

TEST(html_escapes_everything)
{
	struct buf b;
	buf_init(&b, 0);
	ASSERT_OK(compliance_html_escape(&b, "<a href=\"x\">Tom & 'Jerry'</a>\x01\x1b[0m"));
	ASSERT_STREQ(buf_str(&b),
		     "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;[0m");
	buf_done(&b);

	_cleanup_(store_closep) struct store *s = open_store("html.db");
	record(s, "scan.secret", 1000,
	       one(finding("<img src=x onerror=alert(1)>", "secret", "high", "BH-<b>SECRET</b>",
			   "NIST-800-190:4.1.4", "</td><script>alert('x')</script>")),
	       NULL);
	struct compliance_report rep = {0};
	eval(s, COMPLIANCE_NIST_800_190, &rep);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	ASSERT_NOT_NULL(f);
	ASSERT_OK(compliance_report_html(&rep, f));
	ASSERT_EQ(fclose(f), 0);
	ASSERT_NULL(strstr(text, "<script"));
	ASSERT_NULL(strstr(text, "<img"));
	ASSERT_NULL(strstr(text, "<b>SECRET"));
	ASSERT_NOT_NULL(strstr(text, "&lt;/td&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
	ASSERT_NOT_NULL(strstr(text, "id=\"count-fail\""));
	ASSERT_NOT_NULL(strstr(text, "id=\"c-4-1-4\""));
	ASSERT_NOT_NULL(strstr(text, "2023-11-14T22:13:20Z"));
	ASSERT_NOT_NULL(strstr(text, "@media print"));
	/* Self-contained: nothing loaded from elsewhere. */
	ASSERT_NULL(strstr(text, "src=\"http"));
	ASSERT_NULL(strstr(text, "<link"));
	/* Deterministic: the same report renders byte for byte the same. */
	char *again = NULL;
	size_t len2 = 0;
	f = open_memstream(&again, &len2);
	ASSERT_NOT_NULL(f);
	ASSERT_OK(compliance_report_html(&rep, f));
	ASSERT_EQ(fclose(f), 0);
	ASSERT_EQ(len, len2);
	ASSERT_TRUE(memcmp(text, again, len) == 0);
	free(text);
	free(again);
	compliance_report_done(&rep);
}
