/* SPDX-License-Identifier: Apache-2.0 */
/*
 * compliance.c — the compliance evaluator over the store and its two renderers
 * (bulkhead.compliance/v1 JSON and one printable HTML page). compliance.h states the
 * pass / fail / not assessed rule; compliance-tables.c holds the controls.
 * It must not read input files or write the store.
 */
#include <stdio.h>
#include <time.h>

#include "common/finding.h"
#include "common/json.h"
#include "common/timeutil.h"
#include "report/compliance.h"
#include "store/store.h"

int compliance_framework_from_name(const char *name, enum compliance_framework *ret)
{
	if (streq(name, "nist-800-190") || streq(name, "nist"))
		*ret = COMPLIANCE_NIST_800_190;
	else if (streq(name, "cis-k8s") || streq(name, "cis-kubernetes"))
		*ret = COMPLIANCE_CIS_K8S;
	else
		return -EINVAL;
	return 0;
}

const char *compliance_framework_name(enum compliance_framework fw)
{
	return fw == COMPLIANCE_CIS_K8S ? "cis-k8s" : "nist-800-190";
}

const char *compliance_framework_title(enum compliance_framework fw)
{
	return fw == COMPLIANCE_CIS_K8S
		   ? "CIS Kubernetes Benchmark v1.9, section 5 (policies)"
		   : "NIST SP 800-190 Application Container Security Guide (September 2017), "
		     "section 4 (countermeasures)";
}

const char *compliance_status_name(enum compliance_status s)
{
	static const char *const names[_COMPLIANCE_STATUS_MAX] = {"pass", "fail", "not_assessed"};
	return s < _COMPLIANCE_STATUS_MAX ? names[s] : "unknown";
}

/* ---- run capabilities ----------------------------------------------------------------- */

/* Push kind.X for each X of v (an array of strings or one comma-separated string). */
static int push_parts(const char *kind, const json_t *v, struct strv *caps)
{
	struct strv names = {0};
	int r = 0;
	if (json_is_string(v)) {
		struct span in = span_from(json_string_value(v)), tok;
		while (r >= 0 && span_next_token(&in, ',', &tok) == 0) {
			tok = span_trim(tok);
			_cleanup_free_ char *s = strndup(tok.ptr, tok.len);
			r = s ? strv_push(&names, s) : -ENOMEM;
		}
	} else if (json_is_array(v)) {
		size_t i;
		const json_t *e;
		json_array_foreach(v, i, e) if (r >= 0 && json_is_string(e)) r =
		    strv_push(&names, json_string_value(e));
	}
	for (size_t i = 0; r >= 0 && i < names.n; i++) {
		if (!*names.v[i])
			continue;
		_cleanup_buf_ struct buf b;
		buf_init(&b, 256);
		r = buf_printf(&b, "%s.%s", kind, names.v[i]);
		if (r >= 0)
			r = strv_push_uniq(caps, buf_str(&b));
	}
	strv_done(&names);
	return r;
}

int compliance_run_capabilities(const char *kind, const json_t *summary, struct strv *caps)
{
	if (!kind || !*kind)
		return 0;
	int r = strv_push_uniq(caps, kind);
	if (r >= 0 && !strchr(kind, '.')) {
		r = push_parts(kind, json_object_get(summary, "scanners"), caps);
		if (r >= 0)
			r = push_parts(kind, json_object_get(summary, "checks"), caps);
		if (r >= 0)
			r = push_parts(
			    kind, json_object_get(json_object_get(summary, "policy"), "checks"),
			    caps);
	}
	const char *level = bh_json_str(summary, "level");
	if (!level)
		level = bh_json_str(json_object_get(summary, "policy"), "level");
	if (r >= 0 && level && streq(level, "restricted") && strv_contains(caps, "k8s-check.pss"))
		r = strv_push_uniq(caps, "k8s-check.pss-restricted");
	return r;
}

/* ---- matching findings to controls ------------------------------------------------------ */

/* Does the reference ("NIST-800-190:4.1.4", "CIS-K8S-1.9:5.2.2") name control id of fw? */
static bool ref_matches(enum compliance_framework fw, const char *ref, const char *id)
{
	const char *colon = strchr(ref, ':');
	if (!colon || !streq(colon + 1, id))
		return false;
	struct span head = {ref, (size_t)(colon - ref)};
	if (fw == COMPLIANCE_NIST_800_190)
		return span_eq_str(head, "NIST-800-190");
	/* Any edition of the benchmark: section numbers of section 5 are stable since 1.6. */
	return span_startswith(head, "CIS-K8S-") || span_eq_str(head, "CIS-K8S");
}

static bool rule_matches(const char *spec, const char *rule, const char *kind, const char *msg)
{
	if (strncmp(spec, "kind:", 5) == 0)
		return kind && streq(spec + 5, kind);
	if (!rule)
		return false;
	size_t n = strlen(spec);
	const char *tilde = strchr(spec, '~');
	if (tilde)
		return strncmp(rule, spec, (size_t)(tilde - spec)) == 0 &&
		       rule[tilde - spec] == '\0' && msg && strstr(msg, tilde + 1);
	if (n && spec[n - 1] == '*')
		return strncmp(rule, spec, n - 1) == 0;
	return streq(rule, spec);
}

static bool finding_cites(enum compliance_framework fw, const struct compliance_control_def *d,
			  const json_t * compl, const char *rule, const char *kind, const char *msg)
{
	size_t i;
	const json_t *e;
	json_array_foreach(compl, i,
			   e) if (json_is_string(e) &&
				  ref_matches(fw, json_string_value(e), d->id)) return true;
	for (size_t k = 0; d->rules && d->rules[k]; k++)
		if (rule_matches(d->rules[k], rule, kind, msg))
			return true;
	return false;
}

static int sev_rank(const char *s)
{
	enum bh_severity v;
	return s && bh_severity_from_name(s, &v) >= 0 ? (int)v : 0;
}

/* ---- evaluation ------------------------------------------------------------------------- */

struct eval {
	struct compliance_report *rep;
	struct strv caps;
};

static void run_ref_done(struct compliance_run_ref *x)
{
	free(x->kind);
	free(x->target);
	*x = (struct compliance_run_ref){0};
}

static int on_run(void *u, const struct store_run_row *row)
{
	struct eval *e = u;
	for (size_t i = 0; i < e->caps.n; i++)
		free(e->caps.v[i]);
	e->caps.n = 0;
	int r = compliance_run_capabilities(row->kind, row->summary, &e->caps);
	if (r < 0)
		return r;
	for (size_t c = 0; c < e->rep->n; c++) {
		struct compliance_result *x = &e->rep->c[c];
		bool hit = false;
		for (size_t a = 0; !hit && x->def->assessors && x->def->assessors[a]; a++)
			hit = strv_contains(&e->caps, x->def->assessors[a]);
		if (!hit)
			continue;
		x->n_runs_total++;
		/* Runs arrive newest first: the first ones are the ones to show. */
		if (x->n_runs >= COMPLIANCE_MAX_RUN_REFS)
			continue;
		struct compliance_run_ref *ref = &x->runs[x->n_runs];
		ref->run_id = row->id;
		ref->time = row->time;
		ref->kind = strdup(row->kind ? row->kind : "");
		ref->target = strdup(row->target_name ? row->target_name : "");
		if (!ref->kind || !ref->target) {
			run_ref_done(ref);
			return -ENOMEM;
		}
		x->n_runs++;
	}
	return 0;
}

static void evidence_done(struct compliance_evidence *v)
{
	free(v->finding_id);
	free(v->rule);
	free(v->severity);
	free(v->target);
	free(v->message);
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

static int on_finding(void *u, const struct store_finding_state *f)
{
	struct eval *e = u;
	const json_t *compl = json_object_get(f->finding, "compliance");
	const char *msg = bh_json_str(f->finding, "message");
	const char *rule =
	    f->rule_id ? f->rule_id : bh_json_str(json_object_get(f->finding, "rule"), "id");
	/* The finding's own target (a workload) is more precise than its run's (the cluster). */
	const char *target = bh_json_str(json_object_get(f->finding, "target"), "name");
	if (!target || !*target)
		target = f->target_name;
	for (size_t c = 0; c < e->rep->n; c++) {
		struct compliance_result *x = &e->rep->c[c];
		if (!finding_cites(e->rep->fw, x->def, compl, rule, f->kind, msg))
			continue;
		if (GROW(x->ev, x->n_ev, x->cap_ev) < 0)
			return -ENOMEM;
		struct compliance_evidence v = {
		    .finding_id = dup_or_empty(f->id),
		    .rule = dup_or_empty(rule),
		    .severity = dup_or_empty(f->severity),
		    .target = dup_or_empty(target),
		    .message = dup_or_empty(msg),
		    .run_id = f->last_run_id,
		    .sev_rank = sev_rank(f->severity),
		};
		if (!v.finding_id || !v.rule || !v.severity || !v.target || !v.message) {
			evidence_done(&v);
			return -ENOMEM;
		}
		x->ev[x->n_ev++] = v;
	}
	return 0;
}

static int cmp_evidence(const void *pa, const void *pb)
{
	const struct compliance_evidence *a = pa, *b = pb;
	int r;
	if (a->sev_rank != b->sev_rank)
		return a->sev_rank > b->sev_rank ? -1 : 1;
	if ((r = strcmp(a->rule, b->rule)) || (r = strcmp(a->target, b->target)) ||
	    (r = strcmp(a->finding_id, b->finding_id)))
		return r;
	return a->run_id < b->run_id ? -1 : a->run_id > b->run_id;
}

/* The one or two sentences of "why" for x, once evidence and runs are in. */
static int explain(struct compliance_result *x, struct buf *b)
{
	int r;
	if (x->n_ev) {
		x->status = COMPLIANCE_FAIL;
		r = buf_printf(b, "%zu open finding%s cite%s this control (rule%s ", x->n_ev,
			       x->n_ev == 1 ? "" : "s", x->n_ev == 1 ? "s" : "",
			       x->n_ev == 1 ? "" : "s");
		/* Distinct rules in evidence order (most severe first), at most five named. */
		struct strv rules = {0};
		for (size_t i = 0; r >= 0 && i < x->n_ev; i++)
			r = strv_push_uniq(&rules, x->ev[i].rule);
		for (size_t i = 0; r >= 0 && i < rules.n && i < 5; i++)
			r = buf_printf(b, "%s%s", i ? ", " : "", rules.v[i]);
		if (r >= 0 && rules.n > 5)
			r = buf_printf(b, " and %zu more", rules.n - 5);
		strv_done(&rules);
		if (r >= 0)
			r = buf_puts(b, ")");
		if (r >= 0 && x->n_runs_total == 0 && x->def->how)
			r = buf_printf(b, "; no run that assesses it in full is recorded (%s)",
				       x->def->how);
		else if (r >= 0 && !x->def->how && x->def->other)
			r = buf_printf(b, "; %s", x->def->other);
		return r < 0 ? r : buf_puts(b, ".");
	}
	if (x->n_runs_total) {
		x->status = COMPLIANCE_PASS;
		const struct compliance_run_ref *n = &x->runs[0];
		char when[32];
		r = bh_format_rfc3339((time_t)n->time, when, sizeof(when));
		if (r < 0)
			return r;
		return buf_printf(
		    b,
		    "Assessed by %zu recorded run%s (newest: %s run %lld on '%s' at %s) "
		    "and no open finding cites it.",
		    x->n_runs_total, x->n_runs_total == 1 ? "" : "s", n->kind, (long long)n->run_id,
		    n->target, when);
	}
	x->status = COMPLIANCE_NOT_ASSESSED;
	if (x->def->how)
		return buf_printf(b, "No run in the store assesses it: run %s.", x->def->how);
	return buf_printf(b, "Not assessed by bulkhead: %s.",
			  x->def->other ? x->def->other : "no check covers it");
}

void compliance_report_done(struct compliance_report *r)
{
	if (!r)
		return;
	for (size_t c = 0; c < r->n; c++) {
		struct compliance_result *x = &r->c[c];
		free(x->why);
		for (size_t i = 0; i < x->n_ev; i++)
			evidence_done(&x->ev[i]);
		free(x->ev);
		for (size_t i = 0; i < x->n_runs; i++)
			run_ref_done(&x->runs[i]);
	}
	free(r->c);
	free(r->store);
	*r = (struct compliance_report){0};
}

int compliance_evaluate(struct store *s, enum compliance_framework fw, int64_t now,
			struct compliance_report *ret)
{
	size_t n;
	const struct compliance_control_def *defs = compliance_controls(fw, &n);
	if (!defs)
		return -EINVAL;
	struct compliance_report rep = {.fw = fw, .generated = now, .n = n};
	rep.store = strdup(store_name(s));
	rep.c = calloc(n, sizeof(*rep.c));
	if (!rep.store || !rep.c) {
		compliance_report_done(&rep);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		rep.c[i].def = &defs[i];
	struct eval e = {.rep = &rep};
	int r = store_runs_foreach(s, NULL, 0, on_run, &e);
	strv_done(&e.caps);
	if (r >= 0) {
		const struct store_finding_query q = {.open_only = true};
		r = store_findings_foreach(s, &q, on_finding, &e);
	}
	for (size_t i = 0; r >= 0 && i < n; i++) {
		struct compliance_result *x = &rep.c[i];
		if (x->n_ev > 1)
			qsort(x->ev, x->n_ev, sizeof(*x->ev), cmp_evidence);
		_cleanup_buf_ struct buf b;
		buf_init(&b, 0);
		r = explain(x, &b);
		if (r >= 0) {
			x->why = buf_take(&b);
			r = x->why ? 0 : -ENOMEM;
		}
		if (r >= 0)
			rep.count[x->status]++;
	}
	if (r < 0) {
		compliance_report_done(&rep);
		return r;
	}
	*ret = rep;
	return 0;
}

/* ---- JSON ------------------------------------------------------------------------------ */

static int rfc3339(int64_t t, char out[32])
{
	return bh_format_rfc3339((time_t)t, out, 32);
}

static json_t *control_json(const struct compliance_result *x)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", x->def->id, "group", x->def->group,
			      "title", x->def->title, "status", compliance_status_name(x->status),
			      "why", x->why ? x->why : "");
	json_t *ev = json_array(), *runs = json_array(), *assessors = json_array();
	int r = o && ev && runs && assessors ? 0 : -ENOMEM;
	for (size_t i = 0; r >= 0 && i < x->n_ev; i++) {
		const struct compliance_evidence *v = &x->ev[i];
		json_t *e = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s}", "finding_id", v->finding_id,
				      "run_id", (json_int_t)v->run_id, "rule", v->rule, "severity",
				      v->severity, "target", v->target, "message", v->message);
		r = e ? bh_json_append_new(ev, e) : -ENOMEM;
	}
	for (size_t i = 0; r >= 0 && i < x->n_runs; i++) {
		char when[32];
		r = rfc3339(x->runs[i].time, when);
		json_t *e = r < 0
				? NULL
				: json_pack("{s:I, s:s, s:s, s:s}", "run_id",
					    (json_int_t)x->runs[i].run_id, "kind", x->runs[i].kind,
					    "target", x->runs[i].target, "time", when);
		r = r < 0 ? r : e ? bh_json_append_new(runs, e) : -ENOMEM;
	}
	for (size_t i = 0; r >= 0 && x->def->assessors && x->def->assessors[i]; i++)
		r = bh_json_append_str(assessors, x->def->assessors[i]);
	if (r >= 0) {
		r = bh_json_set_new(o, "evidence", ev);
		ev = NULL;
	}
	if (r >= 0) {
		r = bh_json_set_new(o, "assessed_by", runs);
		runs = NULL;
	}
	if (r >= 0)
		r = bh_json_set_new(o, "assessing_runs", json_integer((json_int_t)x->n_runs_total));
	if (r >= 0) {
		r = bh_json_set_new(o, "assessors", assessors);
		assessors = NULL;
	}
	if (r >= 0 && x->status == COMPLIANCE_NOT_ASSESSED && x->def->how)
		r = bh_json_set_str(o, "how_to_assess", x->def->how);
	if (ev)
		json_decref(ev);
	if (runs)
		json_decref(runs);
	if (assessors)
		json_decref(assessors);
	if (r < 0 && o) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

int compliance_report_json(const struct compliance_report *rep, json_t **ret)
{
	char gen[32];
	int r = rfc3339(rep->generated, gen);
	if (r < 0)
		return r;
	_cleanup_json_ json_t *doc = json_pack(
	    "{s:s, s:{s:s, s:s}, s:s, s:s, s:s, s:s, s:{s:I, s:I, s:I, s:I}, s:[]}", "schema",
	    "bulkhead.compliance/v1", "tool", "name", "bulkhead", "version", BULKHEAD_VERSION,
	    "framework", compliance_framework_name(rep->fw), "framework_title",
	    compliance_framework_title(rep->fw), "generated", gen, "store", rep->store, "summary",
	    "pass", (json_int_t)rep->count[COMPLIANCE_PASS], "fail",
	    (json_int_t)rep->count[COMPLIANCE_FAIL], "not_assessed",
	    (json_int_t)rep->count[COMPLIANCE_NOT_ASSESSED], "total", (json_int_t)rep->n,
	    "controls");
	if (!doc)
		return -ENOMEM;
	json_t *controls = json_object_get(doc, "controls");
	for (size_t i = 0; i < rep->n; i++) {
		json_t *c = control_json(&rep->c[i]);
		if (!c || bh_json_append_new(controls, c) < 0)
			return -ENOMEM;
	}
	*ret = TAKE_PTR(doc);
	return 0;
}

/* ---- HTML ------------------------------------------------------------------------------ */

int compliance_html_escape(struct buf *b, const char *s)
{
	_cleanup_buf_ struct buf t;
	buf_init(&t, b->max ? b->max : 0);
	int r = 0;
	for (const unsigned char *p = (const unsigned char *)s; r >= 0 && *p; p++) {
		switch (*p) {
		case '&':
			r = buf_puts(&t, "&amp;");
			break;
		case '<':
			r = buf_puts(&t, "&lt;");
			break;
		case '>':
			r = buf_puts(&t, "&gt;");
			break;
		case '"':
			r = buf_puts(&t, "&quot;");
			break;
		case '\'':
			r = buf_puts(&t, "&#39;");
			break;
		default:
			/* Control bytes (but tab and newline) never reach the page. */
			if (*p < 0x20 && *p != '\t' && *p != '\n')
				break;
			r = buf_putc(&t, (char)*p);
		}
	}
	return r < 0 ? r : buf_append(b, t.ptr ? t.ptr : "", t.len);
}

/* Shown per control in HTML; the JSON carries all of them. */
#define HTML_MAX_EVIDENCE 200

static const char html_css[] =
    "*{box-sizing:border-box}"
    "body{font:14px/1.45 -apple-system,'Segoe UI',Roboto,'DejaVu Sans',Arial,sans-serif;"
    "color:#1b1f24;margin:0 auto;max-width:1100px;padding:24px}"
    "h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;margin:28px 0 8px;"
    "border-bottom:2px solid #d0d7de;padding-bottom:4px}h3{font-size:15px;margin:0 0 6px}"
    ".meta{color:#57606a;margin:0 0 16px}.meta code{font-size:12px}"
    "table{border-collapse:collapse;width:100%;margin:8px 0}"
    "th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}"
    "th{background:#f6f8fa}td.num{text-align:right;font-variant-numeric:tabular-nums}"
    "table.counts{width:auto;min-width:320px}"
    ".badge{display:inline-block;min-width:96px;text-align:center;border-radius:10px;"
    "padding:1px 8px;font-size:12px;font-weight:600;color:#fff}"
    ".badge.pass{background:#1a7f37}.badge.fail{background:#cf222e}"
    ".badge.not_assessed{background:#6e7781}"
    ".control{border:1px solid #d0d7de;border-left:6px solid #6e7781;border-radius:4px;"
    "padding:10px 14px;margin:10px 0}"
    ".control.pass{border-left-color:#1a7f37}.control.fail{border-left-color:#cf222e}"
    ".why{margin:4px 0}.runs{color:#57606a;font-size:13px;margin:4px 0}"
    "table.ev td{font-size:12px}table.ev td.id{font-family:monospace;word-break:break-all}"
    ".sev-critical,.sev-high{color:#cf222e;font-weight:600}.sev-medium{color:#9a6700}"
    ".more{color:#57606a;font-style:italic}"
    "a{color:#0969da;text-decoration:none}"
    "footer{color:#57606a;font-size:12px;margin-top:24px}"
    "@page{size:A4;margin:14mm}"
    "@media print{body{max-width:none;padding:0;font-size:11px}"
    "a{color:inherit}.control{break-inside:avoid-page}"
    "h2.group{break-before:page}table.ev{break-inside:auto}tr{break-inside:avoid}"
    ".badge{-webkit-print-color-adjust:exact;print-color-adjust:exact}}";

/* The page is built in memory (all-or-nothing); the first error sticks in r. */
struct html {
	struct buf b;
	int r;
};

static void h_raw(struct html *h, const char *s)
{
	if (h->r >= 0)
		h->r = buf_puts(&h->b, s);
}

static void h_text(struct html *h, const char *s)
{
	if (h->r >= 0)
		h->r = compliance_html_escape(&h->b, s ? s : "");
}

static void h_num(struct html *h, long long v)
{
	if (h->r >= 0)
		h->r = buf_printf(&h->b, "%lld", v);
}

/* "4.1.1" → "c-4-1-1": an anchor with only safe characters. */
static void h_anchor(struct html *h, const char *id)
{
	h_raw(h, "c-");
	for (const char *p = id; h->r >= 0 && *p; p++)
		h->r = buf_putc(&h->b, ascii_isalnum(*p) ? *p : '-');
}

static const char *status_label(enum compliance_status s)
{
	return s == COMPLIANCE_PASS ? "Pass" : s == COMPLIANCE_FAIL ? "Fail" : "Not assessed";
}

static void h_badge(struct html *h, enum compliance_status s)
{
	h_raw(h, "<span class=\"badge ");
	h_raw(h, compliance_status_name(s));
	h_raw(h, "\">");
	h_raw(h, status_label(s));
	h_raw(h, "</span>");
}

static void h_control(struct html *h, const struct compliance_result *x)
{
	h_raw(h, "<section class=\"control ");
	h_raw(h, compliance_status_name(x->status));
	h_raw(h, "\" id=\"");
	h_anchor(h, x->def->id);
	h_raw(h, "\"><h3>");
	h_badge(h, x->status);
	h_raw(h, " ");
	h_text(h, x->def->id);
	h_raw(h, " ");
	h_text(h, x->def->title);
	h_raw(h, "</h3><p class=\"why\">");
	h_text(h, x->why);
	h_raw(h, "</p>");
	if (x->n_runs) {
		h_raw(h, "<p class=\"runs\">Assessed by: ");
		for (size_t i = 0; i < x->n_runs; i++) {
			char when[32];
			if (h->r >= 0)
				h->r = rfc3339(x->runs[i].time, when);
			h_raw(h, i ? "; " : "");
			h_text(h, x->runs[i].kind);
			h_raw(h, " run ");
			h_num(h, x->runs[i].run_id);
			h_raw(h, " on &#39;");
			h_text(h, x->runs[i].target);
			h_raw(h, "&#39; (");
			h_text(h, h->r >= 0 ? when : "");
			h_raw(h, ")");
		}
		if (x->n_runs_total > x->n_runs) {
			h_raw(h, "; and ");
			h_num(h, (long long)(x->n_runs_total - x->n_runs));
			h_raw(h, " older");
		}
		h_raw(h, "</p>");
	}
	if (x->n_ev) {
		h_raw(h,
		      "<table class=\"ev\"><thead><tr><th>Severity</th><th>Rule</th><th>Target</th>"
		      "<th>Finding</th><th>Finding id</th><th>Run</th></tr></thead><tbody>");
		for (size_t i = 0; i < x->n_ev && i < HTML_MAX_EVIDENCE; i++) {
			const struct compliance_evidence *v = &x->ev[i];
			h_raw(h, "<tr><td class=\"sev-");
			h_text(h, v->severity);
			h_raw(h, "\">");
			h_text(h, v->severity);
			h_raw(h, "</td><td>");
			h_text(h, v->rule);
			h_raw(h, "</td><td>");
			h_text(h, v->target);
			h_raw(h, "</td><td>");
			h_text(h, v->message);
			h_raw(h, "</td><td class=\"id\">");
			h_text(h, v->finding_id);
			h_raw(h, "</td><td class=\"num\">");
			h_num(h, v->run_id);
			h_raw(h, "</td></tr>");
		}
		h_raw(h, "</tbody></table>");
		if (x->n_ev > HTML_MAX_EVIDENCE) {
			h_raw(h, "<p class=\"more\">… and ");
			h_num(h, (long long)(x->n_ev - HTML_MAX_EVIDENCE));
			h_raw(h, " more findings (all of them are in --format json).</p>");
		}
	}
	h_raw(h, "</section>\n");
}

int compliance_report_html(const struct compliance_report *rep, FILE *f)
{
	char gen[32];
	int r = rfc3339(rep->generated, gen);
	if (r < 0)
		return r;
	struct html h = {.r = 0};
	buf_init(&h.b, 0);
	const char *title = compliance_framework_title(rep->fw);
	h_raw(&h, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		  "<title>Compliance report: ");
	h_text(&h, title);
	h_raw(&h, "</title><style>");
	h_raw(&h, html_css);
	h_raw(&h, "</style></head>\n<body>\n<header><h1>Compliance report</h1><p class=\"meta\">");
	h_text(&h, title);
	h_raw(&h, "<br>Store: <code>");
	h_text(&h, rep->store);
	h_raw(&h, "</code> · Generated: ");
	h_text(&h, gen);
	h_raw(&h, " · bulkhead " BULKHEAD_VERSION "</p></header>\n");

	/* Summary: counts per status, then every control in one table linking to its section. */
	h_raw(&h, "<section id=\"summary\"><h2>Summary</h2><table class=\"counts\"><thead><tr>"
		  "<th>Status</th><th>Controls</th></tr></thead><tbody>");
	static const enum compliance_status order[] = {COMPLIANCE_FAIL, COMPLIANCE_PASS,
						       COMPLIANCE_NOT_ASSESSED};
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		h_raw(&h, "<tr id=\"count-");
		h_raw(&h, compliance_status_name(order[i]));
		h_raw(&h, "\"><td>");
		h_badge(&h, order[i]);
		h_raw(&h, "</td><td class=\"num\">");
		h_num(&h, (long long)rep->count[order[i]]);
		h_raw(&h, "</td></tr>");
	}
	h_raw(&h, "<tr><th>Total</th><th class=\"num\">");
	h_num(&h, (long long)rep->n);
	h_raw(&h, "</th></tr></tbody></table>\n<table class=\"overview\"><thead><tr><th>Control"
		  "</th><th>Title</th><th>Status</th><th>Open findings</th></tr></thead><tbody>");
	for (size_t i = 0; i < rep->n; i++) {
		const struct compliance_result *x = &rep->c[i];
		h_raw(&h, "<tr><td><a href=\"#");
		h_anchor(&h, x->def->id);
		h_raw(&h, "\">");
		h_text(&h, x->def->id);
		h_raw(&h, "</a></td><td>");
		h_text(&h, x->def->title);
		h_raw(&h, "</td><td>");
		h_badge(&h, x->status);
		h_raw(&h, "</td><td class=\"num\">");
		h_num(&h, (long long)x->n_ev);
		h_raw(&h, "</td></tr>");
	}
	h_raw(&h, "</tbody></table></section>\n");

	/* One section per group, one block per control. */
	const char *group = NULL;
	for (size_t i = 0; i < rep->n; i++) {
		const struct compliance_result *x = &rep->c[i];
		if (!group || !streq(group, x->def->group)) {
			if (group)
				h_raw(&h, "</section>\n");
			group = x->def->group;
			h_raw(&h, "<section class=\"group\"><h2 class=\"group\">");
			h_text(&h, group);
			h_raw(&h, "</h2>\n");
		}
		h_control(&h, x);
	}
	if (group)
		h_raw(&h, "</section>\n");
	h_raw(&h, "<footer>pass: at least one recorded run assesses the control and no open "
		  "finding cites it · fail: open findings cite it (finding id and the run that "
		  "last saw it) · not assessed: no recorded run assesses it. The mapping is in "
		  "docs/compliance.md.</footer>\n</body></html>\n");
	r = h.r;
	if (r >= 0 && fwrite(h.b.ptr, 1, h.b.len, f) != h.b.len)
		r = -EIO;
	buf_done(&h.b);
	return r;
}
