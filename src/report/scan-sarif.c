/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan-sarif.c — vulnerability findings as SARIF 2.1.0 (OASIS), the format code-scanning
 * services ingest: one reportingDescriptor (rule) per vulnerability id with its
 * `security-severity` (the CVSS score, or a representative score for the rating), one
 * result per finding located at the package database or file that declared the package,
 * with a stable partial fingerprint so that services can track a finding across runs.
 */
#include "bulkhead/report.h"
#include "common/finding.h"
#include "report/sbom-common.h"
#include "report/scan-common.h"

static const char *level_of(enum vuln_severity s)
{
	switch (s) {
	case VULN_SEV_CRITICAL:
	case VULN_SEV_HIGH:
		return "error";
	case VULN_SEV_MEDIUM:
		return "warning";
	default:
		return "note";
	}
}

/* GitHub's convention: critical > 9.0, high 7.0-8.9, medium 4.0-6.9, low 0.1-3.9. */
static double security_severity(const struct vuln_finding *x)
{
	if (x->score >= 0)
		return x->score;
	static const double rep[_VULN_SEV_MAX] = { 0.0, 0.0, 2.0, 5.5, 8.0, 9.5 };
	return rep[x->severity];
}

static int rule_json(const struct vuln_finding *x, json_t **ret)
{
	_cleanup_buf_ struct buf help, uri, score;
	buf_init(&help, 0);
	buf_init(&uri, 0);
	buf_init(&score, 0);
	int r = buf_printf(&help, "%s: %s\nSeverity: %s (%s)\nAdvisories: ", x->id,
			   x->summary ? x->summary : "(no title)", vuln_severity_name(x->severity),
			   x->severity_source);
	for (size_t i = 0; r >= 0 && i < x->advisories.n; i++)
		r = buf_printf(&help, "%s%s", i ? ", " : "", x->advisories.v[i]);
	if (r >= 0)
		r = x->references.n ? buf_puts(&uri, x->references.v[0])
				    : buf_printf(&uri, "https://osv.dev/vulnerability/%s",
						 x->advisories.n ? x->advisories.v[0] : x->id);
	if (r >= 0)
		r = buf_printf(&score, "%.1f", security_severity(x));
	if (r < 0)
		return r;
	_cleanup_json_ json_t *o = json_object();
	json_t *tags = json_array();
	if (!o || !tags) {
		json_decref(tags);
		return -ENOMEM;
	}
	r = sbom_append_str(tags, "vulnerability");
	if (r >= 0)
		r = sbom_append_str(tags, "security");
	if (r >= 0)
		r = sbom_append_str(tags, vuln_severity_name(x->severity));
	if (r >= 0 && x->kev)
		r = sbom_append_str(tags, "known-exploited");
	if (r >= 0)
		r = sbom_set_str(o, "id", x->id);
	if (r >= 0)
		r = sbom_set_str(o, "name", x->pkg->distro ? "OsPackageVulnerability"
							   : "LanguagePackageVulnerability");
	if (r >= 0)
		r = bh_json_set_new(o, "shortDescription",
				    json_pack("{s:o}", "text",
					      sbom_json_string(x->summary ? x->summary : x->id)));
	if (r >= 0)
		r = bh_json_set_new(o, "fullDescription",
				    json_pack("{s:o}", "text", sbom_json_string(buf_str(&help))));
	if (r >= 0)
		r = sbom_set_str(o, "helpUri", buf_str(&uri));
	if (r >= 0)
		r = bh_json_set_new(o, "help",
				    json_pack("{s:o}", "text", sbom_json_string(buf_str(&help))));
	if (r >= 0)
		r = bh_json_set_new(o, "defaultConfiguration",
				    json_pack("{s:s}", "level", level_of(x->severity)));
	if (r >= 0)
		r = bh_json_set_new(o, "properties",
				    json_pack("{s:s, s:s, s:o}", "security-severity", buf_str(&score),
					      "precision", "very-high", "tags", tags));
	else
		json_decref(tags);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(o);
	return 0;
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

static int result_json(const struct img *img, const struct vuln_finding *x, size_t rule_index,
		       json_t **ret)
{
	char fp[48];
	_cleanup_buf_ struct buf msg, where, uri;
	buf_init(&msg, 0);
	buf_init(&where, 0);
	buf_init(&uri, 0);
	int r = scan_finding_id(img, x, fp, sizeof(fp));
	if (r >= 0)
		r = scan_message(x, &msg);
	if (r >= 0)
		r = buf_printf(&where, "%s: %s@%s", sbom_image_name(img),
			       x->pkg->name ? x->pkg->name : "", x->installed ? x->installed : "");
	if (r < 0)
		return r;
	/* artifactLocation URIs are relative references: the path in the image without '/'. */
	const char *path = x->pkg->location ? x->pkg->location : "";
	while (*path == '/')
		path++;
	r = put_uri_path(&uri, *path ? path : "image");
	if (r < 0)
		return r;
	json_t *o = json_pack(
		"{s:o, s:I, s:s, s:{s:o}, s:[{s:{s:{s:o, s:s}, s:{s:i, s:i}}, s:{s:o}}], s:{s:s}}",
		"ruleId", sbom_json_string(x->id), "ruleIndex", (json_int_t)rule_index, "level",
		level_of(x->severity), "message", "text", sbom_json_string(buf_str(&msg)),
		"locations", "physicalLocation", "artifactLocation", "uri",
		json_string(buf_str(&uri)), "uriBaseId", "ROOTPATH", "region",
		"startLine", 1, "startColumn", 1, "message", "text",
		sbom_json_string(buf_str(&where)), "partialFingerprints", "bulkheadFindingId/v1", fp);
	if (!o)
		return -ENOMEM;
	/* Exploitation data (CISA KEV, EPSS) in the result's property bag, as in the evidence. */
	if (x->kev_known || x->epss) {
		json_t *props = json_object();
		r = props ? bh_json_set_new(o, "properties", props) : -ENOMEM;
		if (r >= 0)
			r = scan_intel_json(x, props);
		if (r < 0) {
			json_decref(o);
			return r;
		}
	}
	*ret = o;
	return 0;
}

int report_scan_sarif(const struct img *img, const struct scan_results *s, FILE *f)
{
	const struct vuln_report *v = s->vuln;
	_cleanup_json_ json_t *rules = json_array(), *results = json_array();
	if (!rules || !results)
		return -ENOMEM;
	struct strv rule_ids = { 0 };
	int r = 0;
	for (size_t i = 0; r >= 0 && i < v->n; i++) {
		const struct vuln_finding *x = &v->v[i];
		if (x->vex || !x->id)
			continue;
		size_t idx;
		for (idx = 0; idx < rule_ids.n; idx++)
			if (streq(rule_ids.v[idx], x->id))
				break;
		if (idx == rule_ids.n) {
			json_t *rule = NULL;
			r = strv_push(&rule_ids, x->id);
			if (r >= 0)
				r = rule_json(x, &rule);
			if (r >= 0)
				r = bh_json_append_new(rules, rule);
		}
		json_t *res = NULL;
		if (r >= 0)
			r = result_json(img, x, idx, &res);
		if (r >= 0)
			r = bh_json_append_new(results, res);
	}
	if (r >= 0)
		r = report_findings_sarif_append(s->other, "ROOTPATH", rules, &rule_ids, results);
	strv_done(&rule_ids);
	if (r < 0)
		return r;
	json_t *doc = json_pack(
		"{s:s, s:s, s:[{s:{s:{s:s, s:s, s:s, s:O}}, s:O, s:{s:{s:s}}}]}", "$schema",
		"https://json.schemastore.org/sarif-2.1.0.json", "version", "2.1.0", "runs", "tool",
		"driver", "name", "bulkhead", "version", BULKHEAD_VERSION, "informationUri",
		"https://github.com/bulkhead-sec/bulkhead", "rules", rules, "results", results,
		"originalUriBaseIds", "ROOTPATH", "uri", "file:///");
	if (!doc)
		return -ENOMEM;
	r = bh_json_dump_file(doc, f);
	json_decref(doc);
	return r;
}
