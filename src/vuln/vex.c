/* SPDX-License-Identifier: Apache-2.0 */
/* vex.c — see vex.h. */
#include "common/json.h"
#include "vuln/vex.h"

struct stmt {
	struct strv ids;      /* vulnerability name and aliases */
	struct strv products; /* purls or bom-refs the statement is about; empty = all */
	char *status;         /* normalised to OpenVEX vocabulary */
	char *justification;
	char *statement;
};

struct vuln_vex_doc {
	char *source;
	struct stmt *v;
	size_t n, cap;
};

static void stmt_done(struct stmt *s)
{
	strv_done(&s->ids);
	strv_done(&s->products);
	free(s->status);
	free(s->justification);
	free(s->statement);
}

void vuln_vex_doc_free(struct vuln_vex_doc *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		stmt_done(&d->v[i]);
	free(d->v);
	free(d->source);
	free(d);
}

/* Like strdup_opt(), an empty string counting as absent (VEX fields are often ""). */
static int strdup_opt_nonempty(const char *s, char **ret)
{
	return strdup_opt(s && *s ? s : NULL, ret);
}

static int add_stmt(struct vuln_vex_doc *d, struct stmt *s)
{
	if (GROW(d->v, d->n, d->cap) < 0) {
		stmt_done(s);
		return -ENOMEM;
	}
	d->v[d->n++] = *s;
	return 0;
}

/* ---- OpenVEX ---------------------------------------------------------------------- */

static bool openvex_status(const char *s)
{
	return s && (streq(s, "not_affected") || streq(s, "affected") || streq(s, "fixed") ||
		     streq(s, "under_investigation"));
}

/* A product entry: a string (v0.0.1) or an object with @id and identifiers.purl (v0.2.0). */
static int product_ids(const json_t *p, struct strv *out)
{
	if (json_is_string(p))
		return strv_push(out, json_string_value(p));
	if (!json_is_object(p))
		return -EBADMSG;
	const char *id = bh_json_str(p, "@id");
	json_t *idents = bh_json_obj(p, "identifiers");
	const char *purl = idents ? bh_json_str(idents, "purl") : NULL;
	int r = 0;
	if (id)
		r = strv_push(out, id);
	if (r >= 0 && purl)
		r = strv_push(out, purl);
	if (r >= 0 && !id && !purl)
		r = -EBADMSG;
	return r;
}

static bool is_image_purl(const char *s)
{
	return !strncmp(s, "pkg:oci/", 8) || !strncmp(s, "pkg:docker/", 11);
}

static int parse_openvex(const json_t *doc, struct vuln_vex_doc *d, struct bh_diag *diag)
{
	json_t *stmts = bh_json_arr(doc, "statements");
	if (!stmts) {
		bh_diag_set(diag, d->source, 0, 0, "OpenVEX document without 'statements'");
		return -EBADMSG;
	}
	size_t i;
	json_t *js;
	json_array_foreach(stmts, i, js) {
		struct stmt s = { 0 };
		int r = 0;
		json_t *v = json_object_get(js, "vulnerability");
		if (json_is_string(v))
			r = strv_push(&s.ids, json_string_value(v));
		else if (json_is_object(v)) {
			const char *name = bh_json_str(v, "name");
			if (name)
				r = strv_push(&s.ids, name);
			size_t k;
			json_t *a;
			json_array_foreach(bh_json_arr(v, "aliases"), k, a)
				if (r >= 0 && json_is_string(a))
					r = strv_push(&s.ids, json_string_value(a));
		}
		const char *status = bh_json_str(js, "status");
		if (r >= 0 && (s.ids.n == 0 || !openvex_status(status))) {
			bh_diag_set(diag, d->source, 0, 0,
				    "statement %zu: %s", i,
				    s.ids.n == 0 ? "no vulnerability name"
						 : "status is not not_affected, affected, fixed or "
						   "under_investigation");
			r = -EBADMSG;
		}
		/* Subcomponents name the packages inside a product (the image); a product that is
		 * the image itself, without subcomponents, covers every package in it. */
		size_t k;
		json_t *p;
		json_array_foreach(bh_json_arr(js, "products"), k, p) {
			if (r < 0)
				break;
			json_t *subs = json_is_object(p) ? bh_json_arr(p, "subcomponents") : NULL;
			if (subs && json_array_size(subs) > 0) {
				size_t m;
				json_t *sc;
				json_array_foreach(subs, m, sc)
					if (r >= 0)
						r = product_ids(sc, &s.products);
			} else {
				struct strv ids = { 0 };
				r = product_ids(p, &ids);
				bool image = false;
				for (size_t m = 0; r >= 0 && m < ids.n; m++)
					image |= is_image_purl(ids.v[m]);
				for (size_t m = 0; r >= 0 && !image && m < ids.n; m++)
					r = strv_push(&s.products, ids.v[m]);
				strv_done(&ids);
				if (image) {
					/* about the whole image: drop narrower products, cover all */
					strv_done(&s.products);
					break;
				}
			}
		}
		if (r == -EBADMSG && !diag->message[0])
			bh_diag_set(diag, d->source, 0, 0, "statement %zu: malformed product", i);
		if (r >= 0)
			r = strdup_opt_nonempty(status, &s.status);
		if (r >= 0)
			r = strdup_opt_nonempty(bh_json_str(js, "justification"), &s.justification);
		if (r >= 0)
			r = strdup_opt_nonempty(bh_json_str(js, "impact_statement")
					    ? bh_json_str(js, "impact_statement")
					    : bh_json_str(js, "status_notes"),
				    &s.statement);
		if (r >= 0 && streq(status, "not_affected") && !s.justification && !s.statement) {
			bh_diag_set(diag, d->source, 0, 0,
				    "statement %zu: not_affected needs a justification or an "
				    "impact_statement (OpenVEX)",
				    i);
			r = -EBADMSG;
		}
		if (r < 0) {
			stmt_done(&s);
			return r;
		}
		if ((r = add_stmt(d, &s)) < 0)
			return r;
	}
	return 0;
}

/* ---- CycloneDX VEX -------------------------------------------------------------- */

static const char *from_cdx_state(const char *s)
{
	if (!s)
		return NULL;
	if (streq(s, "not_affected") || streq(s, "false_positive"))
		return "not_affected";
	if (streq(s, "resolved") || streq(s, "resolved_with_pedigree"))
		return "fixed";
	if (streq(s, "exploitable"))
		return "affected";
	if (streq(s, "in_triage"))
		return "under_investigation";
	return NULL;
}

static int parse_cyclonedx(const json_t *doc, struct vuln_vex_doc *d, struct bh_diag *diag)
{
	json_t *vulns = bh_json_arr(doc, "vulnerabilities");
	if (!vulns) {
		bh_diag_set(diag, d->source, 0, 0, "CycloneDX document without 'vulnerabilities'");
		return -EBADMSG;
	}
	size_t i;
	json_t *jv;
	json_array_foreach(vulns, i, jv) {
		json_t *an = bh_json_obj(jv, "analysis");
		const char *id = bh_json_str(jv, "id");
		if (!an)
			continue; /* a vulnerability without analysis states nothing */
		const char *status = from_cdx_state(bh_json_str(an, "state"));
		if (!id || !status) {
			bh_diag_set(diag, d->source, 0, 0, "vulnerability %zu: %s", i,
				    !id ? "no id" : "unknown analysis state");
			return -EBADMSG;
		}
		struct stmt s = { 0 };
		int r = strv_push(&s.ids, id);
		size_t k;
		json_t *x;
		json_array_foreach(bh_json_arr(jv, "references"), k, x)
			if (r >= 0 && bh_json_str(x, "id"))
				r = strv_push(&s.ids, bh_json_str(x, "id"));
		json_array_foreach(bh_json_arr(jv, "affects"), k, x) {
			const char *ref = bh_json_str(x, "ref");
			if (r >= 0 && ref) {
				/* BOM-Link "urn:cdx:serial/version#bom-ref": keep the bom-ref part */
				const char *hash = !strncmp(ref, "urn:cdx:", 8) ? strchr(ref, '#') : NULL;
				r = strv_push(&s.products, hash ? hash + 1 : ref);
			}
		}
		if (r >= 0)
			r = strdup_opt_nonempty(status, &s.status);
		if (r >= 0)
			r = strdup_opt_nonempty(bh_json_str(an, "justification"), &s.justification);
		if (r >= 0)
			r = strdup_opt_nonempty(bh_json_str(an, "detail"), &s.statement);
		if (r < 0) {
			stmt_done(&s);
			return r;
		}
		if ((r = add_stmt(d, &s)) < 0)
			return r;
	}
	return 0;
}

int vuln_vex_parse(struct span data, const struct bh_limits *limits, const char *source,
		   struct vuln_vex_doc **ret, struct bh_diag *reterr_diag)
{
	struct bh_diag local = { 0 };
	struct bh_diag *diag = reterr_diag ? reterr_diag : &local;
	json_t *doc = NULL;
	int r = bh_json_parse(data, limits, source, &doc, diag);
	if (r < 0)
		return r;
	struct vuln_vex_doc *d = calloc(1, sizeof(*d));
	if (!d || !(d->source = strdup(source))) {
		free(d);
		json_decref(doc);
		return -ENOMEM;
	}
	const char *ctx = bh_json_str(doc, "@context");
	if (ctx && !strncmp(ctx, "https://openvex.dev/ns", 22))
		r = parse_openvex(doc, d, diag);
	else if (streq_ptr(bh_json_str(doc, "bomFormat"), "CycloneDX"))
		r = parse_cyclonedx(doc, d, diag);
	else {
		bh_diag_set(diag, source, 0, 0,
			    "not a VEX document (neither OpenVEX @context nor CycloneDX bomFormat)");
		r = -EBADMSG;
	}
	json_decref(doc);
	if (r < 0) {
		vuln_vex_doc_free(d);
		return r;
	}
	*ret = d;
	return 0;
}

/* ---- applying ------------------------------------------------------------------- */

/* purl without qualifiers and subpath, percent-decoded, into out. */
static int purl_core(const char *purl, struct buf *out)
{
	buf_clear(out);
	int r = 0;
	for (const char *p = purl; *p && *p != '?' && *p != '#' && r >= 0; p++) {
		if (p[0] == '%' && ascii_isxdigit(p[1]) && ascii_isxdigit(p[2])) {
			unsigned v = 0;
			for (int k = 1; k <= 2; k++)
				v = v * 16 + (unsigned)(ascii_isdigit(p[k]) ? p[k] - '0'
									    : (p[k] | 0x20) - 'a' + 10);
			r = buf_putc(out, (char)v);
			p += 2;
		} else
			r = buf_putc(out, *p);
	}
	return r;
}

static bool product_matches(const char *prod, const struct pkg *p, struct buf *a, struct buf *b)
{
	if (p->bom_ref && streq(prod, p->bom_ref))
		return true;
	if (!p->purl || strncmp(prod, "pkg:", 4) != 0)
		return false;
	if (purl_core(prod, a) < 0 || purl_core(p->purl, b) < 0)
		return false;
	const char *sa = buf_str(a), *sb = buf_str(b);
	if (streq(sa, sb))
		return true;
	/* A statement purl without a version covers every version of the package. */
	const char *a_slash = strrchr(sa, '/'), *a_at = strrchr(sa, '@');
	if (a_at && (!a_slash || a_at > a_slash))
		return false;
	const char *b_slash = strrchr(sb, '/'), *b_at = strrchr(sb, '@');
	if (!b_at || (b_slash && b_at < b_slash))
		return false;
	return a->len == (size_t)(b_at - sb) && !memcmp(sa, sb, a->len);
}

static bool stmt_applies(const struct stmt *s, const struct vuln_finding *f, struct buf *a,
			 struct buf *b)
{
	bool id = false;
	for (size_t i = 0; i < s->ids.n && !id; i++)
		id = strv_contains(&f->ids, s->ids.v[i]) || strv_contains(&f->advisories, s->ids.v[i]);
	if (!id)
		return false;
	if (s->products.n == 0)
		return true;
	for (size_t i = 0; i < s->products.n; i++)
		if (product_matches(s->products.v[i], f->pkg, a, b))
			return true;
	return false;
}

int vuln_vex_apply(const struct vuln_vex_doc *d, struct vuln_report *rep)
{
	_cleanup_buf_ struct buf a, b;
	buf_init(&a, 1 << 16);
	buf_init(&b, 1 << 16);
	for (size_t i = 0; i < rep->n; i++) {
		struct vuln_finding *f = &rep->v[i];
		/* The last applicable statement of the document wins (statements are in time
		 * order in OpenVEX). */
		const struct stmt *hit = NULL;
		for (size_t k = 0; k < d->n; k++)
			if (stmt_applies(&d->v[k], f, &a, &b))
				hit = &d->v[k];
		if (!hit)
			continue;
		bool suppress = streq(hit->status, "not_affected") || streq(hit->status, "fixed");
		if (!suppress) {
			/* affected / under_investigation: an earlier document's suppression ends */
			if (f->vex)
				rep->suppressed--;
			vuln_vex_free(f->vex);
			f->vex = NULL;
			continue;
		}
		struct vuln_vex *v = calloc(1, sizeof(*v));
		if (!v || strdup_opt_nonempty(hit->status, &v->status) < 0 ||
		    strdup_opt_nonempty(hit->justification, &v->justification) < 0 ||
		    strdup_opt_nonempty(hit->statement, &v->statement) < 0 || strdup_opt_nonempty(d->source, &v->source) < 0) {
			vuln_vex_free(v);
			return -ENOMEM;
		}
		if (!f->vex)
			rep->suppressed++;
		vuln_vex_free(f->vex);
		f->vex = v;
	}
	return 0;
}
