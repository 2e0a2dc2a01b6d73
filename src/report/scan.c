/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan.c — vulnerability scan results as a terminal table (grouped by package) and as
 * bulkhead.scan/v1 JSON in the finding model of DESIGN.md (docs/schema/scan.schema.json).
 */
#include "bulkhead/report.h"
#include "common/finding.h"
#include "common/hash.h"
#include "common/timeutil.h"
#include "report/sbom-common.h"
#include "report/scan-common.h"
#include "report/texttable.h"

/* ---- table ---------------------------------------------------------------------- */

enum { COL_PKG, COL_INSTALLED, COL_FIXED, COL_SEV, COL_KEV, COL_ID, COL_TITLE, _COLS };
static const char *const titles[_COLS] = { "PACKAGE", "INSTALLED", "FIXED", "SEVERITY",
					   "KEV", "VULNERABILITY", "TITLE" };
/* Without a finding listed in the KEV catalog the KEV column is left out. */
static const char *const titles_no_kev[_COLS - 1] = { "PACKAGE", "INSTALLED", "FIXED",
						      "SEVERITY", "VULNERABILITY", "TITLE" };

static int vuln_table(const struct img *img, const struct vuln_report *v, FILE *f)
{
	size_t n_kev = 0;
	for (size_t i = 0; i < v->n; i++)
		if (!v->v[i].vex && v->v[i].kev)
			n_kev++;
	size_t ncols = n_kev ? _COLS : _COLS - 1;
	struct text_table t;
	text_table_init(&t, ncols, n_kev ? titles : titles_no_kev);
	_cleanup_buf_ struct buf name, title;
	buf_init(&name, 0);
	buf_init(&title, 0);
	int r = 0;
	const struct pkg *prev = NULL;
	size_t shown = 0;
	for (size_t i = 0; i < v->n && r >= 0; i++) {
		const struct vuln_finding *x = &v->v[i];
		if (x->vex)
			continue;
		shown++;
		/* Grouped by package: the package cells only on its first row. */
		bool first = x->pkg != prev;
		prev = x->pkg;
		r = sbom_pkg_display_name(x->pkg, &name);
		buf_clear(&title);
		if (r >= 0 && x->summary) {
			struct span s = span_from(x->summary);
			r = buf_append_span(&title, span_slice(s, 0, 80));
			if (r >= 0 && s.len > 80)
				r = buf_puts(&title, "…");
		}
		const char *row[_COLS] = {
			first ? buf_str(&name) : "",
			first ? x->installed : "",
			x->fixed ? x->fixed : "-",
			vuln_severity_name(x->severity),
			x->kev ? "KEV" : "",
			x->id,
			buf_str(&title),
		};
		if (!n_kev) /* no KEV column: the cells after it move left */
			for (size_t k = COL_KEV; k + 1 < _COLS; k++)
				row[k] = row[k + 1];
		if (r >= 0)
			r = text_table_add_row(&t, row);
	}
	if (r >= 0 && t.nrows > 0)
		text_table_print(&t, ncols, f);
	text_table_done(&t);
	if (r < 0)
		return r;
	size_t count[_VULN_SEV_MAX] = { 0 };
	for (size_t i = 0; i < v->n; i++)
		if (!v->v[i].vex)
			count[v->v[i].severity]++;
	_cleanup_buf_ struct buf line;
	buf_init(&line, 0);
	r = buf_printf(&line, "%s%zu vulnerabilit%s (critical %zu, high %zu, medium %zu, low %zu, "
			      "info %zu, unknown %zu) in %zu packages of %s",
		       t.nrows ? "\n" : "", shown, shown == 1 ? "y" : "ies",
		       count[VULN_SEV_CRITICAL], count[VULN_SEV_HIGH], count[VULN_SEV_MEDIUM],
		       count[VULN_SEV_LOW], count[VULN_SEV_INFO], count[VULN_SEV_UNKNOWN],
		       v->packages, sbom_image_name(img));
	if (r >= 0 && n_kev)
		r = buf_printf(&line, "; %zu known to be exploited (CISA KEV)", n_kev);
	if (r >= 0 && v->suppressed)
		r = buf_printf(&line, "; %zu suppressed by VEX", v->suppressed);
	if (r >= 0 && v->unmatched)
		r = buf_printf(&line, "; %zu packages of ecosystems or distributions not covered",
			       v->unmatched);
	if (r >= 0 && v->bad_versions)
		r = buf_printf(&line, "; %zu packages with versions their ecosystem cannot order",
			       v->bad_versions);
	if (r < 0)
		return r;
	_cleanup_free_ char *safe = sbom_sanitize(buf_str(&line), NULL);
	if (!safe)
		return -ENOMEM;
	fprintf(f, "%s\n", safe);
	return ferror(f) ? -EIO : 0;
}

int report_scan_table(const struct img *img, const struct scan_results *s, FILE *f)
{
	int r = 0;
	bool any = false;
	if (s->scanners & SCAN_VULN) {
		r = vuln_table(img, s->vuln, f);
		any = true;
	}
	if (r >= 0 && (s->scanners & ~SCAN_VULN)) {
		if (any)
			fputc('\n', f);
		r = report_findings_table(s->other,
					  (s->scanners & ~SCAN_VULN) == SCAN_SECRET   ? "secret"
					  : (s->scanners & ~SCAN_VULN) == SCAN_CONFIG ? "configuration"
										      : "secret and configuration",
					  f);
	}
	for (size_t i = 0; r >= 0 && i < s->notes.n; i++) {
		_cleanup_free_ char *safe = sbom_sanitize(s->notes.v[i], NULL);
		if (!safe)
			return -ENOMEM;
		fprintf(f, "note: %s\n", safe);
	}
	return r < 0 ? r : ferror(f) ? -EIO : 0;
}

/* ---- JSON (finding model) --------------------------------------------------------- */

int scan_finding_id(const struct img *img, const struct vuln_finding *x, char *out, size_t size)
{
	/* Stable: kind + rule + target + location (package identity and where it was found). */
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	const char *digest = sbom_image_digest(img);
	int r = buf_printf(&b, "vulnerability\n%s\n%s\n%s\n%s", x->id ? x->id : "",
			   digest ? digest : sbom_image_name(img), x->pkg->purl ? x->pkg->purl : "",
			   x->pkg->location ? x->pkg->location : "");
	char hex[BH_DIGEST_STR_LEN + 1];
	if (r >= 0)
		r = bh_sha256_str(b.ptr, b.len, hex);
	if (r < 0)
		return r;
	/* 32 hex digits (128 bits) are unique enough and short enough to read. */
	const char *digits = strchr(hex, ':') ? strchr(hex, ':') + 1 : hex;
	return xsnprintf(out, size, "%.32s", digits);
}

int scan_message(const struct vuln_finding *x, struct buf *b)
{
	int r = sbom_pkg_display_name(x->pkg, b);
	if (r >= 0)
		r = buf_printf(b, " %s is affected by %s", x->installed ? x->installed : "",
			       x->id ? x->id : "");
	if (r >= 0)
		r = x->fixed ? buf_printf(b, "; upgrade to %s or later", x->fixed)
			     : buf_puts(b, "; no fixed version is known yet");
	return r;
}

/* Text from the image or the advisories: invalid UTF-8 is replaced, NULL is null. */
static json_t *str_or_null(const char *s)
{
	return s ? sbom_json_string(s) : json_null();
}

static int strv_to_json(const struct strv *l, json_t **ret)
{
	json_t *a = json_array();
	if (!a)
		return -ENOMEM;
	for (size_t i = 0; i < l->n; i++)
		if (sbom_append_str(a, l->v[i]) < 0) {
			json_decref(a);
			return -ENOMEM;
		}
	*ret = a;
	return 0;
}

int scan_intel_json(const struct vuln_finding *x, json_t *o)
{
	int r = 0;
	if (x->kev_known)
		r = bh_json_set_new(o, "known_exploited", json_boolean(x->kev != NULL));
	const struct vuln_kev *k = x->kev;
	if (r >= 0 && k)
		r = bh_json_set_new(o, "kev",
				    json_pack("{s:o, s:o, s:o, s:b, s:o}", "cve",
					      sbom_json_string(k->cve), "date_added",
					      sbom_json_string(k->date_added), "due_date",
					      sbom_json_string(k->due_date), "known_ransomware",
					      k->known_ransomware, "required_action",
					      sbom_json_string(k->required_action)));
	const struct vuln_epss *e = x->epss;
	if (r >= 0 && e)
		r = bh_json_set_new(o, "epss",
				    json_pack("{s:o, s:f, s:f, s:o}", "cve",
					      sbom_json_string(e->cve), "score", e->score,
					      "percentile", e->percentile, "date",
					      str_or_null(e->date)));
	return r;
}

static int finding_json(const struct img *img, const struct vuln_finding *x, const char *now,
			json_t *into)
{
	char id[48];
	_cleanup_buf_ struct buf msg, pkgid;
	buf_init(&msg, 0);
	buf_init(&pkgid, 0);
	int r = scan_finding_id(img, x, id, sizeof(id));
	if (r >= 0)
		r = scan_message(x, &msg);
	if (r >= 0)
		r = sbom_pkg_display_name(x->pkg, &pkgid);
	if (r >= 0)
		r = buf_printf(&pkgid, "@%s", x->pkg->version ? x->pkg->version : "");
	if (r < 0)
		return r;
	_cleanup_json_ json_t *o = json_object();
	json_t *refs = NULL, *ids = NULL, *advs = NULL;
	if (!o || strv_to_json(&x->references, &refs) < 0)
		return -ENOMEM;
	if (strv_to_json(&x->ids, &ids) < 0 || strv_to_json(&x->advisories, &advs) < 0) {
		json_decref(refs);
		json_decref(ids);
		return -ENOMEM;
	}
	const struct pkg *p = x->pkg;
	int layer = p->layer;
	const char *layer_digest = layer >= 0 && (size_t)layer < img->n_layers
					   ? img->layers[layer].digest
					   : NULL;
	const char *digest = sbom_image_digest(img);
	r = sbom_set_str(o, "schema", "bulkhead.finding/v1");
	if (r >= 0)
		r = sbom_set_str(o, "id", id);
	if (r >= 0)
		r = sbom_set_str(o, "kind", "vulnerability");
	if (r >= 0)
		r = sbom_set_str(o, "severity", vuln_severity_name(x->severity));
	if (r >= 0)
		r = bh_json_set_new(o, "rule",
				    json_pack("{s:o, s:o, s:o}", "id", sbom_json_string(x->id), "title",
					      str_or_null(x->summary), "refs", refs));
	else
		json_decref(refs);
	if (r >= 0)
		r = bh_json_set_new(o, "target",
				    json_pack("{s:s, s:o, s:o}", "type", "image", "name",
					      sbom_json_string(sbom_image_name(img)), "digest",
					      str_or_null(digest)));
	if (r >= 0)
		r = bh_json_set_new(o, "location",
				    json_pack("{s:o, s:o, s:o}", "path", str_or_null(p->location),
					      "layer", str_or_null(layer_digest), "package",
					      sbom_json_string(buf_str(&pkgid))));
	if (r >= 0)
		r = sbom_set_str(o, "message", buf_str(&msg));
	json_t *ev = json_object();
	if (r >= 0)
		r = bh_json_set_new(o, "evidence", ev);
	else
		json_decref(ev);
	if (r >= 0)
		r = bh_json_set_new(ev, "ids", ids);
	else
		json_decref(ids);
	if (r >= 0)
		r = bh_json_set_new(ev, "advisories", advs);
	else
		json_decref(advs);
	if (r >= 0)
		r = bh_json_set_new(ev, "package",
				    json_pack("{s:o, s:s, s:o, s:o}", "name", sbom_json_string(p->name),
					      "type", pkg_type_purl(p->type), "purl",
					      str_or_null(p->purl), "version", sbom_json_string(p->version)));
	if (r >= 0)
		r = bh_json_set_new(ev, "installed", str_or_null(x->installed));
	if (r >= 0)
		r = bh_json_set_new(ev, "fixed", str_or_null(x->fixed));
	if (r >= 0)
		r = sbom_set_str(ev, "severity_source", x->severity_source);
	if (r >= 0)
		r = bh_json_set_new(ev, "cvss",
				    x->cvss_vector ? json_pack("{s:o, s:f}", "vector",
							       sbom_json_string(x->cvss_vector),
							       "score", x->score)
						   : json_null());
	if (r >= 0)
		r = bh_json_set_new(ev, "published", str_or_null(x->published));
	if (r >= 0)
		r = bh_json_set_new(ev, "modified", str_or_null(x->modified));
	if (r >= 0)
		r = scan_intel_json(x, ev);
	if (r >= 0 && x->vex)
		r = bh_json_set_new(ev, "vex",
				    json_pack("{s:o, s:o, s:o, s:o}", "status",
					      sbom_json_string(x->vex->status),
					      "justification", str_or_null(x->vex->justification),
					      "statement", str_or_null(x->vex->statement), "source",
					      str_or_null(x->vex->source)));
	if (r >= 0) {
		_cleanup_buf_ struct buf rem;
		buf_init(&rem, 0);
		r = x->fixed ? buf_printf(&rem, "upgrade %s to %s or later", p->name ? p->name : "",
					  x->fixed)
			     : buf_puts(&rem, "no fixed version is known; mitigate or accept the risk");
		if (r >= 0)
			r = sbom_set_str(o, "remediation", buf_str(&rem));
	}
	/* NIST SP 800-190 4.1.1: image vulnerabilities. */
	if (r >= 0)
		r = bh_json_set_new(o, "compliance", json_pack("[s]", "NIST-800-190:4.1.1"));
	if (r >= 0)
		r = sbom_set_str(o, "first_seen", now);
	if (r >= 0)
		r = sbom_set_str(o, "last_seen", now);
	if (r < 0)
		return r;
	return bh_json_append_new(into, TAKE_PTR(o));
}

struct json_stream {
	const struct img *img;
	const struct scan_results *s;
	struct report_target t;
	const char *now;
};

static int fill_finding(void *userdata, size_t i, json_t *into)
{
	const struct json_stream *js = userdata;
	if (i < js->s->vuln->n)
		return finding_json(js->img, &js->s->vuln->v[i], js->now, into);
	json_t *o;
	int r = report_finding_json(&js->s->other->v[i - js->s->vuln->n], &js->t, js->now, &o);
	return r < 0 ? r : bh_json_append_new(into, o);
}

static json_t *scanners_json(unsigned scanners)
{
	static const char *const names[] = { "vuln", "secret", "config" };
	json_t *a = json_array();
	for (unsigned i = 0; a && i < ARRAY_SIZE(names); i++)
		if ((scanners & (1u << i)) && json_array_append_new(a, json_string(names[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

int report_scan_json(const struct img *img, const struct scan_results *s, FILE *f)
{
	const struct vuln_report *v = s->vuln;
	char now[32];
	int r = bh_format_rfc3339(bh_now(NULL), now, sizeof(now));
	if (r < 0)
		return r;
	_cleanup_json_ json_t *doc = json_object();
	if (!doc)
		return -ENOMEM;
	size_t count[_VULN_SEV_MAX] = { 0 };
	for (size_t i = 0; i < v->n; i++)
		if (!v->v[i].vex)
			count[v->v[i].severity]++;
	_Static_assert((int)BH_SEV_CRITICAL == (int)VULN_SEV_CRITICAL &&
			       (int)_BH_SEV_MAX == (int)_VULN_SEV_MAX,
		       "finding and vulnerability severities share their values");
	for (size_t i = 0; i < s->other->n; i++)
		count[s->other->v[i].severity < _BH_SEV_MAX ? s->other->v[i].severity : 0]++;
	const char *digest = sbom_image_digest(img);
	r = sbom_set_str(doc, "schema", "bulkhead.scan/v1");
	if (r >= 0)
		r = sbom_set_str(doc, "generator", "bulkhead " BULKHEAD_VERSION);
	if (r >= 0)
		r = sbom_set_str(doc, "scanned", now);
	if (r >= 0)
		r = bh_json_set_new(doc, "scanners", scanners_json(s->scanners));
	if (r >= 0)
		r = bh_json_set_new(doc, "target",
				    json_pack("{s:s, s:o, s:o, s:o}", "type", "image", "name",
					      sbom_json_string(sbom_image_name(img)), "digest",
					      str_or_null(digest), "os", str_or_null(img->os.pretty_name)));
	if (r >= 0)
		r = bh_json_set_new(doc, "db", json_pack("{s:o}", "built", str_or_null(v->db_built)));
	if (r >= 0)
		r = bh_json_set_new(
			doc, "summary",
			json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "critical",
				  (json_int_t)count[VULN_SEV_CRITICAL], "high",
				  (json_int_t)count[VULN_SEV_HIGH], "medium",
				  (json_int_t)count[VULN_SEV_MEDIUM], "low", (json_int_t)count[VULN_SEV_LOW],
				  "info", (json_int_t)count[VULN_SEV_INFO], "unknown",
				  (json_int_t)count[VULN_SEV_UNKNOWN], "suppressed",
				  (json_int_t)v->suppressed, "suppressed_by_allowlist",
				  (json_int_t)s->other->suppressed, "packages", (json_int_t)v->packages,
				  "packages_not_covered", (json_int_t)v->unmatched,
				  "packages_bad_version", (json_int_t)v->bad_versions));
	json_t *notes = json_array();
	for (size_t i = 0; notes && r >= 0 && i < s->notes.n; i++)
		r = sbom_append_str(notes, s->notes.v[i]);
	if (r >= 0)
		r = bh_json_set_new(doc, "notes", notes);
	else
		json_decref(notes);
	if (r >= 0)
		r = bh_json_set_new(doc, "findings", json_array());
	if (r < 0)
		return r;
	struct json_stream js = {
		.img = img,
		.s = s,
		.t = { .type = "image", .name = sbom_image_name(img), .digest = digest },
		.now = now,
	};
	const struct bh_json_stream streams[] = { { "findings", v->n + s->other->n, fill_finding,
						    &js } };
	return bh_json_dump_file_streamed(doc, streams, ARRAY_SIZE(streams), f);
}
