/* SPDX-License-Identifier: Apache-2.0 */
/*
 * findings.c — the findings of the non-vulnerability evaluators (src/common/finding.h) as
 * bulkhead.finding/v1 JSON, a terminal table and SARIF 2.1.0 results. Every string from an
 * input (paths, messages) goes through sbom_json_string / sbom_sanitize, so invalid UTF-8
 * and control characters never reach the output raw.
 */
#include "bulkhead/report.h"
#include "common/finding.h"
#include "common/json.h"
#include "common/timeutil.h"
#include "report/sbom-common.h"
#include "report/texttable.h"

static json_t *str_or_null(const char *s)
{
	return s ? sbom_json_string(s) : json_null();
}

static json_t *strv_json(const struct strv *l)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < l->n; i++)
		if (sbom_append_str(a, l->v[i]) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *uint_or_null(uint32_t v)
{
	return v ? json_integer(v) : json_null();
}

int report_finding_json(const struct bh_finding *x, const struct report_target *t,
			const char *now, json_t **ret)
{
	const char *tname = t->name ? t->name : (x->path ? x->path : "");
	char id[33];
	int r = bh_finding_id(x, t->digest ? t->digest : tname, id);
	if (r < 0)
		return r;
	json_t *o = json_pack(
		"{s:s, s:s, s:s, s:s, s:{s:o, s:o, s:o}, s:{s:s, s:o, s:o}, s:{s:o, s:o, s:o, s:o, "
		"s:o}, s:o, s:o, s:o, s:o, s:s, s:s}",
		"schema", "bulkhead.finding/v1", "id", id, "kind", x->kind, "severity",
		bh_severity_name(x->severity), "rule", "id", sbom_json_string(x->rule_id), "title",
		str_or_null(x->rule_title), "refs", strv_json(&x->refs), "target", "type", t->type,
		"name", sbom_json_string(tname), "digest", str_or_null(t->digest), "location",
		"path", str_or_null(x->path), "line", uint_or_null(x->line), "column",
		uint_or_null(x->column), "layer", str_or_null(x->layer), "package",
		str_or_null(x->package), "message", sbom_json_string(x->message), "evidence",
		x->evidence ? json_incref(x->evidence) : json_object(), "remediation",
		str_or_null(x->remediation), "compliance", strv_json(&x->compliance), "first_seen",
		now, "last_seen", now);
	if (!o)
		return -ENOMEM;
	*ret = o;
	return 0;
}

int report_findings_json_append(const struct bh_findings *l, const struct report_target *t,
				const char *now, json_t *arr)
{
	for (size_t i = 0; i < l->n; i++) {
		json_t *o;
		int r = report_finding_json(&l->v[i], t, now, &o);
		if (r < 0 || (r = bh_json_append_new(arr, o)) < 0)
			return r;
	}
	return 0;
}

static json_t *summary_json(const struct bh_findings *l)
{
	size_t count[_BH_SEV_MAX] = { 0 };
	for (size_t i = 0; i < l->n; i++)
		count[l->v[i].severity < _BH_SEV_MAX ? l->v[i].severity : BH_SEV_UNKNOWN]++;
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "critical",
			 (json_int_t)count[BH_SEV_CRITICAL], "high", (json_int_t)count[BH_SEV_HIGH],
			 "medium", (json_int_t)count[BH_SEV_MEDIUM], "low",
			 (json_int_t)count[BH_SEV_LOW], "info", (json_int_t)count[BH_SEV_INFO],
			 "unknown", (json_int_t)count[BH_SEV_UNKNOWN], "suppressed",
			 (json_int_t)l->suppressed);
}

int report_findings_json(const char *schema, const struct report_target *t,
			 const struct bh_findings *l, FILE *f)
{
	char now[32];
	int r = bh_format_rfc3339(bh_now(NULL), now, sizeof(now));
	if (r < 0)
		return r;
	_cleanup_json_ json_t *doc = json_object();
	json_t *arr = json_array();
	if (!doc || !arr) {
		json_decref(arr);
		return -ENOMEM;
	}
	r = sbom_set_str(doc, "schema", schema);
	if (r >= 0)
		r = sbom_set_str(doc, "generator", "bulkhead " BULKHEAD_VERSION);
	if (r >= 0)
		r = sbom_set_str(doc, "scanned", now);
	if (r >= 0 && t->name)
		r = bh_json_set_new(doc, "target",
				    json_pack("{s:s, s:o, s:o}", "type", t->type, "name",
					      sbom_json_string(t->name), "digest",
					      str_or_null(t->digest)));
	if (r >= 0)
		r = bh_json_set_new(doc, "summary", summary_json(l));
	if (r >= 0)
		r = report_findings_json_append(l, t, now, arr);
	if (r >= 0)
		r = bh_json_set_new(doc, "findings", arr);
	else
		json_decref(arr);
	if (r < 0)
		return r;
	return bh_json_dump_file(doc, f);
}

/* ---- table ------------------------------------------------------------------------ */

enum { COL_SEV, COL_RULE, COL_WHERE, COL_MSG, _COLS };
static const char *const titles[_COLS] = { "SEVERITY", "RULE", "LOCATION", "MESSAGE" };

static int where(const struct bh_finding *x, struct buf *b)
{
	buf_clear(b);
	int r = 0;
	if (x->path)
		r = buf_puts(b, x->path);
	if (r >= 0 && x->line)
		r = x->column ? buf_printf(b, ":%u:%u", x->line, x->column)
			      : buf_printf(b, ":%u", x->line);
	if (r >= 0 && x->layer) {
		/* "sha256:" and 12 hex digits: enough to tell layers apart in a table. */
		const char *c = strchr(x->layer, ':');
		r = buf_printf(b, "%s(layer %.12s)", b->len ? " " : "", c ? c + 1 : x->layer);
	}
	if (r >= 0 && !b->len)
		r = buf_puts(b, x->package ? x->package : "-");
	return r;
}

int report_findings_table(const struct bh_findings *l, const char *what, FILE *f)
{
	struct text_table t;
	text_table_init(&t, _COLS, titles);
	_cleanup_buf_ struct buf loc;
	buf_init(&loc, 0);
	int r = 0;
	for (size_t i = 0; i < l->n && r >= 0; i++) {
		const struct bh_finding *x = &l->v[i];
		r = where(x, &loc);
		const char *row[_COLS] = { bh_severity_name(x->severity), x->rule_id, buf_str(&loc),
					   x->message };
		if (r >= 0)
			r = text_table_add_row(&t, row);
	}
	if (r >= 0 && t.nrows > 0)
		text_table_print(&t, _COLS, f);
	text_table_done(&t);
	if (r < 0)
		return r;
	size_t count[_BH_SEV_MAX] = { 0 };
	for (size_t i = 0; i < l->n; i++)
		count[l->v[i].severity < _BH_SEV_MAX ? l->v[i].severity : BH_SEV_UNKNOWN]++;
	fprintf(f, "%s%zu %s finding%s (critical %zu, high %zu, medium %zu, low %zu, info %zu)",
		l->n ? "\n" : "", l->n, what, l->n == 1 ? "" : "s", count[BH_SEV_CRITICAL],
		count[BH_SEV_HIGH], count[BH_SEV_MEDIUM], count[BH_SEV_LOW], count[BH_SEV_INFO]);
	if (l->suppressed)
		fprintf(f, "; %zu suppressed", l->suppressed);
	fputc('\n', f);
	return ferror(f) ? -EIO : 0;
}

/* ---- SARIF ------------------------------------------------------------------------- */

static const char *level_of(enum bh_severity s)
{
	return s >= BH_SEV_HIGH ? "error" : s == BH_SEV_MEDIUM ? "warning" : "note";
}

/* GitHub's convention: critical > 9.0, high 7.0-8.9, medium 4.0-6.9, low 0.1-3.9. */
static const char *security_severity(enum bh_severity s)
{
	static const char *const rep[_BH_SEV_MAX] = { "0.0", "0.0", "2.0", "5.5", "8.0", "9.5" };
	return rep[s < _BH_SEV_MAX ? s : 0];
}

/* A path as a relative URI reference: RFC 3986 unreserved characters and '/' stay. */
static int put_uri_path(struct buf *b, const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	int r = 0;
	for (const unsigned char *p = (const unsigned char *)path; *p && r >= 0; p++) {
		if (ascii_isalnum(*p) || strchr("-._~/", *p))
			r = buf_putc(b, (char)*p);
		else
			r = buf_printf(b, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
	}
	return r;
}

static json_t *rule_json(const struct bh_finding *x)
{
	json_t *tags = json_pack("[s, s]", "security", x->kind);
	json_t *o = json_pack("{s:o, s:o, s:{s:o}, s:{s:s}, s:{s:s, s:s, s:o}}", "id",
			      sbom_json_string(x->rule_id), "name",
			      sbom_json_string(x->rule_title ? x->rule_title : x->rule_id),
			      "shortDescription", "text",
			      sbom_json_string(x->rule_title ? x->rule_title : x->rule_id),
			      "defaultConfiguration", "level", level_of(x->severity), "properties",
			      "security-severity", security_severity(x->severity), "precision",
			      "high", "tags", tags ? tags : json_array());
	if (o && x->remediation &&
	    bh_json_set_new(o, "help", json_pack("{s:o}", "text",
						  sbom_json_string(x->remediation))) < 0) {
		json_decref(o);
		return NULL;
	}
	for (size_t i = 0; o && i < x->refs.n; i++)
		if (strncmp(x->refs.v[i], "https://", 8) == 0) {
			if (sbom_set_str(o, "helpUri", x->refs.v[i]) < 0) {
				json_decref(o);
				return NULL;
			}
			break;
		}
	return o;
}

static json_t *result_json(const struct bh_finding *x, size_t rule_index, const char *uri_base)
{
	char fp[33];
	_cleanup_buf_ struct buf uri;
	buf_init(&uri, 0);
	const char *path = x->path ? x->path : "";
	if (uri_base)
		while (*path == '/')
			path++;
	/* Findings about the image config (no file) point at the image itself. */
	if (bh_finding_id(x, "", fp) < 0 || put_uri_path(&uri, *path ? path : "image") < 0)
		return NULL;
	json_t *art = json_pack("{s:s}", "uri", buf_str(&uri));
	if (art && uri_base && bh_json_set_new(art, "uriBaseId", json_string(uri_base)) < 0) {
		json_decref(art);
		return NULL;
	}
	json_t *region = json_pack("{s:i}", "startLine", x->line ? (int)x->line : 1);
	if (region && x->column && bh_json_set_new(region, "startColumn", json_integer(x->column)) < 0) {
		json_decref(region);
		region = NULL;
	}
	if (!art || !region) {
		json_decref(art);
		json_decref(region);
		return NULL;
	}
	return json_pack("{s:o, s:I, s:s, s:{s:o}, s:[{s:{s:o, s:o}}], s:{s:s}}", "ruleId",
			 sbom_json_string(x->rule_id), "ruleIndex", (json_int_t)rule_index, "level",
			 level_of(x->severity), "message", "text", sbom_json_string(x->message),
			 "locations", "physicalLocation", "artifactLocation", art, "region", region,
			 "partialFingerprints", "bulkheadFindingId/v1", fp);
}

int report_findings_sarif_append(const struct bh_findings *l, const char *uri_base,
				 json_t *rules, struct strv *rule_ids, json_t *results)
{
	int r = 0;
	for (size_t i = 0; r >= 0 && i < l->n; i++) {
		const struct bh_finding *x = &l->v[i];
		size_t idx;
		for (idx = 0; idx < rule_ids->n; idx++)
			if (streq(rule_ids->v[idx], x->rule_id))
				break;
		if (idx == rule_ids->n) {
			r = strv_push(rule_ids, x->rule_id);
			if (r >= 0)
				r = bh_json_append_new(rules, rule_json(x));
		}
		if (r >= 0)
			r = bh_json_append_new(results, result_json(x, idx, uri_base));
	}
	return r;
}

int report_findings_sarif(const struct bh_findings *l, FILE *f)
{
	_cleanup_json_ json_t *rules = json_array(), *results = json_array();
	if (!rules || !results)
		return -ENOMEM;
	struct strv ids = { 0 };
	int r = report_findings_sarif_append(l, NULL, rules, &ids, results);
	strv_done(&ids);
	if (r < 0)
		return r;
	json_t *doc = json_pack("{s:s, s:s, s:[{s:{s:{s:s, s:s, s:s, s:O}}, s:O}]}", "$schema",
				"https://json.schemastore.org/sarif-2.1.0.json", "version", "2.1.0",
				"runs", "tool", "driver", "name", "bulkhead", "version",
				BULKHEAD_VERSION, "informationUri",
				"https://github.com/bulkhead-sec/bulkhead", "rules", rules, "results",
				results);
	if (!doc)
		return -ENOMEM;
	r = bh_json_dump_file(doc, f);
	json_decref(doc);
	return r;
}
