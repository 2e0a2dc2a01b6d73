/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cyclonedx.c — CycloneDX 1.6 JSON (https://cyclonedx.org/docs/1.6/json/) of a catalogued
 * image. Mapping:
 *   metadata.component   the image: type "container", name = repo tag / reference / path,
 *                        version = manifest (else config) digest, purl pkg:oci/...
 *   components[]         one "operating-system" component for img->os, then one "library"
 *                        per package in list order (bom-ref unique, purl, licenses, ...)
 *   dependencies[]       one entry per component; dependsOn resolved from pkg->depends
 *                        within the same ecosystem (sbom-common.c), unresolved names
 *                        (virtual packages) left out
 *   properties           "bulkhead:*" names: package-type, found-by, location,
 *                        layer-digest, layer-diff-id, source-name, source-version,
 *                        checksum (when not a hex digest CycloneDX hashes can hold)
 * Licences: all listed SPDX ids and names -> [{license:{id|name}}]; as soon as one is an
 * expression the whole set becomes the single {expression} the schema allows (names turn
 * into LicenseRef- ids there).
 * Keys are written in the schema's order; nothing depends on the clock or randomness
 * except timestamp and serialNumber, which SOURCE_DATE_EPOCH fixes.
 */
#include "bulkhead/report.h"
#include "bulkhead/vuln.h"
#include "common/json.h"
#include "report/sbom-common.h"

static bool str_empty(const char *s)
{
	return !s || !*s;
}

/* {key: value} with value from untrusted text; NULL on OOM. */
static json_t *named(const char *key, const char *value)
{
	json_t *o = json_object();
	if (o && sbom_set_str(o, key, value) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* {outer: {key: value}}; NULL on OOM. */
static json_t *named2(const char *outer, const char *key, const char *value)
{
	json_t *in = named(key, value), *o = in ? json_object() : NULL;
	if (!o || bh_json_set_new(o, outer, in) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* "sha256:<hex>" and friends -> CycloneDX hash object; NULL when not representable. */
static json_t *hash_from_checksum(const char *checksum)
{
	static const struct {
		const char *prefix, *alg;
		size_t hexlen;
	} algs[] = {
	    {"sha1:", "SHA-1", 40},	 {"sha256:", "SHA-256", 64}, {"sha384:", "SHA-384", 96},
	    {"sha512:", "SHA-512", 128}, {"md5:", "MD5", 32},
	};
	struct span s = span_from(checksum ? checksum : "");
	for (size_t i = 0; i < ARRAY_SIZE(algs); i++) {
		if (!span_startswith(s, algs[i].prefix))
			continue;
		struct span hex =
		    span_slice(s, strlen(algs[i].prefix), s.len - strlen(algs[i].prefix));
		if (hex.len != algs[i].hexlen)
			return NULL;
		for (size_t k = 0; k < hex.len; k++)
			if (!ascii_isxdigit((unsigned char)hex.ptr[k]))
				return NULL;
		_cleanup_free_ char *content = span_dup(hex);
		if (!content)
			return NULL;
		for (char *c = content; *c; c++)
			*c = (char)ascii_tolower((unsigned char)*c);
		return json_pack("{s:s, s:s}", "alg", algs[i].alg, "content", content);
	}
	return NULL;
}

static int add_licenses(const struct sbom_ctx *c, const struct pkg *p, json_t *comp)
{
	if (p->licenses.n == 0)
		return 0;
	bool any_expr = false;
	int r = 0;
	for (size_t k = 0; k < p->licenses.n; k++) {
		_cleanup_free_ char *norm = NULL;
		r = sbom_license_classify(p->licenses.v[k], &norm);
		if (r < 0)
			return r;
		if (r == SBOM_LIC_EXPR)
			any_expr = true;
	}
	json_t *arr = json_array();
	if (!arr)
		return -ENOMEM;
	if (any_expr) {
		_cleanup_free_ char *expr = NULL;
		r = sbom_license_expression(c, p, &expr);
		if (r >= 0 && expr)
			r = bh_json_append_new(arr, json_pack("{s:s}", "expression", expr));
	} else {
		struct strv seen = {0};
		for (size_t k = 0; k < p->licenses.n && r >= 0; k++) {
			_cleanup_free_ char *norm = NULL;
			const char *v = p->licenses.v[k];
			r = sbom_license_classify(v, &norm);
			if (r < 0)
				break;
			if (str_empty(v))
				continue;
			bool is_id = r == SBOM_LIC_ID;
			const char *text = is_id ? norm : v;
			/* a licence listed twice is one licence */
			if (strv_contains(&seen, text)) {
				r = 0;
				continue;
			}
			r = strv_push(&seen, text);
			if (r >= 0)
				r = bh_json_append_new(
				    arr, named2("license", is_id ? "id" : "name", text));
		}
		strv_done(&seen);
	}
	if (r < 0 || json_array_size(arr) == 0) {
		json_decref(arr);
		return r < 0 ? r : 0;
	}
	return bh_json_set_new(comp, "licenses", arr);
}

static int add_component(const struct sbom_ctx *c, size_t i, json_t *components)
{
	const struct img *img = c->img;
	const struct pkg *p = img->pkgs.items[i];
	_cleanup_json_ json_t *o = json_object();
	if (!o)
		return -ENOMEM;
	int r = sbom_set_str(o, "type", "library");
	if (r >= 0)
		r = sbom_set_str(o, "bom-ref", c->refs[i]);
	if (r >= 0 && !str_empty(p->supplier))
		r = bh_json_set_new(o, "supplier", named("name", p->supplier));
	if (r >= 0 && !str_empty(p->namespace) && (p->type == PKG_MAVEN || p->type == PKG_NPM)) {
		/* CycloneDX group: maven groupId, npm scope with its '@' */
		if (p->type == PKG_NPM && p->namespace[0] != '@') {
			_cleanup_buf_ struct buf g;
			buf_init(&g, 0);
			r = buf_printf(&g, "@%s", p->namespace);
			if (r >= 0)
				r = sbom_set_str(o, "group", buf_str(&g));
		} else
			r = sbom_set_str(o, "group", p->namespace);
	}
	if (r >= 0)
		r = sbom_set_str(o, "name", p->name ? p->name : "");
	if (r >= 0)
		r = sbom_set_str_opt(o, "version", p->version);
	if (r >= 0)
		r = sbom_set_str_opt(o, "description", p->description);
	json_t *hash = hash_from_checksum(p->checksum);
	if (r >= 0 && hash)
		r = bh_json_set_new(o, "hashes", json_pack("[o]", hash));
	else if (hash)
		json_decref(hash);
	if (r >= 0)
		r = add_licenses(c, p, o);
	if (r >= 0)
		r = sbom_set_str_opt(o, "purl", p->purl);
	if (r >= 0 && !str_empty(p->homepage)) {
		json_t *ext = named("url", p->homepage);
		r = ext ? sbom_set_str(ext, "type", "website") : -ENOMEM;
		if (r >= 0)
			r = bh_json_set_new(o, "externalReferences", json_pack("[o]", ext));
		else
			json_decref(ext);
	}
	if (r < 0)
		return r;

	json_t *props = json_array();
	if (!props)
		return -ENOMEM;
	const struct img_layer *layer =
	    (p->layer >= 0 && (size_t)p->layer < img->n_layers) ? &img->layers[p->layer] : NULL;
	r = sbom_add_property(props, "bulkhead:package-type", pkg_type_purl(p->type));
	if (r >= 0)
		r = sbom_add_property(props, "bulkhead:found-by", p->found_by);
	if (r >= 0)
		r = sbom_add_property(props, "bulkhead:location", p->location);
	if (r >= 0 && layer)
		r = sbom_add_property(props, "bulkhead:layer-digest", layer->digest);
	if (r >= 0 && layer)
		r = sbom_add_property(props, "bulkhead:layer-diff-id", layer->diff_id);
	if (r >= 0)
		r = sbom_add_property(props, "bulkhead:source-name", p->source_name);
	if (r >= 0)
		r = sbom_add_property(props, "bulkhead:source-version", p->source_version);
	if (r >= 0 && !hash && !str_empty(p->checksum))
		r = sbom_add_property(props, "bulkhead:checksum", p->checksum);
	if (r >= 0 && json_array_size(props) > 0)
		r = bh_json_set_new(o, "properties", props);
	else
		json_decref(props);
	if (r < 0)
		return r;
	return bh_json_append_new(components, TAKE_PTR(o));
}

static int metadata_component(const struct sbom_ctx *c, json_t **ret)
{
	const struct img *img = c->img;
	const char *digest = sbom_image_digest(img);
	_cleanup_json_ json_t *o = json_object();
	if (!o)
		return -ENOMEM;
	int r = sbom_set_str(o, "type", "container");
	if (r >= 0)
		r = sbom_set_str(o, "bom-ref", "bulkhead:image");
	if (r >= 0)
		r = sbom_set_str(o, "name", c->name);
	if (r >= 0)
		r = sbom_set_str_opt(o, "version", digest);
	if (r >= 0 && !str_empty(img->manifest_digest)) {
		json_t *h = hash_from_checksum(img->manifest_digest);
		if (h)
			r = bh_json_set_new(o, "hashes", json_pack("[o]", h));
	}
	_cleanup_free_ char *purl = NULL;
	if (r >= 0)
		r = sbom_image_purl(img, digest, &purl);
	if (r >= 0)
		r = sbom_set_str_opt(o, "purl", purl);
	if (r < 0)
		return r;
	json_t *props = json_array();
	if (!props)
		return -ENOMEM;
	r = sbom_add_property(props, "bulkhead:image:config-digest", img->config_digest);
	if (r >= 0)
		r = sbom_add_property(props, "bulkhead:image:architecture",
				      img->config.architecture);
	if (r >= 0)
		r = sbom_add_property(props, "bulkhead:image:os", img->config.os);
	if (r >= 0)
		r = sbom_add_property(props, "bulkhead:image:variant", img->config.variant);
	if (r >= 0)
		r = sbom_add_property(props, "bulkhead:image:created", img->config.created);
	for (size_t i = 0; i < img->repo_tags.n && r >= 0; i++)
		r = sbom_add_property(props, "bulkhead:image:tag", img->repo_tags.v[i]);
	if (r >= 0 && json_array_size(props) > 0)
		r = bh_json_set_new(o, "properties", props);
	else
		json_decref(props);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(o);
	return 0;
}

#define OS_REF "bulkhead:os"

static int os_component(const struct img *img, json_t *components)
{
	if (str_empty(img->os.id))
		return 0;
	json_t *o = json_object();
	int r = sbom_set_str(o, "type", "operating-system");
	if (r >= 0)
		r = sbom_set_str(o, "bom-ref", OS_REF);
	if (r >= 0)
		r = sbom_set_str(o, "name", img->os.id);
	if (r >= 0)
		r = sbom_set_str_opt(o, "version", img->os.version_id);
	if (r >= 0)
		r = sbom_set_str_opt(o, "description", img->os.pretty_name);
	if (r < 0) {
		json_decref(o);
		return r;
	}
	return bh_json_append_new(components, o);
}

/* The dependencies entry of package i (a CycloneDX "dependencies" array element). */
static int dependency(const struct sbom_ctx *c, size_t i, json_t *deps)
{
	json_t *d = named("ref", c->refs[i]);
	if (!d)
		return -ENOMEM;
	int r = 0;
	if (c->deps[i].n > 0) {
		json_t *on = json_array();
		for (size_t k = 0; k < c->deps[i].n && r >= 0; k++)
			r = sbom_append_str(on, c->refs[c->deps[i].to[k]]);
		if (r >= 0)
			r = bh_json_set_new(d, "dependsOn", on);
		else
			json_decref(on);
	}
	if (r < 0) {
		json_decref(d);
		return r;
	}
	return bh_json_append_new(deps, d);
}

static int fill_component(void *userdata, size_t i, json_t *into)
{
	return add_component(userdata, i, into);
}

static int fill_dependency(void *userdata, size_t i, json_t *into)
{
	return dependency(userdata, i, into);
}

static int build(const struct sbom_ctx *c, json_t **ret)
{
	_cleanup_json_ json_t *doc = json_object();
	if (!doc)
		return -ENOMEM;
	_cleanup_buf_ struct buf serial;
	buf_init(&serial, 0);
	int r = buf_printf(&serial, "urn:uuid:%s", c->uuid);
	if (r >= 0)
		r = sbom_set_str(doc, "$schema", "http://cyclonedx.org/schema/bom-1.6.schema.json");
	if (r >= 0)
		r = sbom_set_str(doc, "bomFormat", "CycloneDX");
	if (r >= 0)
		r = sbom_set_str(doc, "specVersion", "1.6");
	if (r >= 0)
		r = sbom_set_str(doc, "serialNumber", buf_str(&serial));
	if (r >= 0)
		r = bh_json_set_new(doc, "version", json_integer(1));
	if (r < 0)
		return r;

	json_t *meta = json_object();
	r = bh_json_set_new(doc, "metadata", meta);
	if (r >= 0)
		r = sbom_set_str(meta, "timestamp", c->timestamp);
	if (r >= 0)
		r = bh_json_set_new(meta, "tools",
				    json_pack("{s:[{s:s, s:s, s:s}]}", "components", "type",
					      "application", "name", "bulkhead", "version",
					      BULKHEAD_VERSION));
	json_t *root = NULL;
	if (r >= 0)
		r = metadata_component(c, &root);
	if (r >= 0)
		r = bh_json_set_new(meta, "component", root);
	if (r < 0)
		return r;

	/* Packages are added while writing (report_cyclonedx): only the OS goes in here. */
	json_t *components = json_array();
	r = bh_json_set_new(doc, "components", components);
	if (r >= 0)
		r = os_component(c->img, components);
	json_t *deps = json_array();
	if (r >= 0)
		r = bh_json_set_new(doc, "dependencies", deps);
	else
		json_decref(deps);
	if (r >= 0 && !str_empty(c->img->os.id))
		r = bh_json_append_new(deps, named("ref", OS_REF));
	if (r < 0)
		return r;
	*ret = TAKE_PTR(doc);
	return 0;
}

/* ---- vulnerabilities (scan --format cyclonedx) ------------------------------------ */

/* CycloneDX analysis from a VEX status (OpenVEX and CycloneDX VEX vocabularies). */
static const char *cdx_state(const char *status)
{
	if (streq(status, "not_affected") || streq(status, "false_positive"))
		return streq(status, "false_positive") ? "false_positive" : "not_affected";
	if (streq(status, "fixed") || streq(status, "resolved"))
		return "resolved";
	if (streq(status, "affected") || streq(status, "exploitable"))
		return "exploitable";
	return "in_triage";
}

static const char *cdx_justification(const char *j)
{
	static const char *const map[][2] = {
		{ "component_not_present", "code_not_present" },
		{ "vulnerable_code_not_present", "code_not_present" },
		{ "vulnerable_code_not_in_execute_path", "code_not_reachable" },
		{ "vulnerable_code_cannot_be_controlled_by_adversary", "requires_environment" },
		{ "inline_mitigations_already_exist", "protected_by_mitigating_control" },
	};
	static const char *const cdx[] = {
		"code_not_present",	  "code_not_reachable",	    "requires_configuration",
		"requires_dependency",	  "requires_environment",   "protected_by_compiler",
		"protected_at_runtime",	  "protected_at_perimeter", "protected_by_mitigating_control",
	};
	if (!j)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (streq(j, map[i][0]))
			return map[i][1];
	for (size_t i = 0; i < ARRAY_SIZE(cdx); i++)
		if (streq(j, cdx[i]))
			return cdx[i];
	return NULL;
}

static const char *cdx_method(const char *vector)
{
	if (!vector)
		return "other";
	if (!strncmp(vector, "CVSS:4.0/", 9))
		return "CVSSv4";
	if (!strncmp(vector, "CVSS:3.1/", 9))
		return "CVSSv31";
	if (!strncmp(vector, "CVSS:3.0/", 9))
		return "CVSSv3";
	return "CVSSv2";
}

struct vuln_stream {
	const struct sbom_ctx *c;
	const struct vuln_report *v;
};

static int osv_source(const char *id, json_t **ret)
{
	_cleanup_buf_ struct buf url;
	buf_init(&url, 0);
	int r = buf_puts(&url, "https://osv.dev/vulnerability/");
	if (r >= 0)
		r = sbom_purl_put(&url, span_from(id), false);
	if (r < 0)
		return r;
	*ret = json_pack("{s:s, s:s}", "name", "OSV", "url", buf_str(&url));
	return *ret ? 0 : -ENOMEM;
}

static int vulnerability(const struct sbom_ctx *c, const struct vuln_finding *x, size_t i,
			 json_t *into)
{
	_cleanup_json_ json_t *o = json_object();
	if (!o)
		return -ENOMEM;
	_cleanup_buf_ struct buf ref;
	buf_init(&ref, 0);
	int r = buf_printf(&ref, "bulkhead:vulnerability:%zu:%s", i, x->id ? x->id : "");
	json_t *src = NULL;
	if (r >= 0)
		r = sbom_set_str(o, "bom-ref", buf_str(&ref));
	if (r >= 0)
		r = sbom_set_str(o, "id", x->id);
	if (r >= 0)
		r = osv_source(x->advisories.n ? x->advisories.v[0] : x->id, &src);
	if (r >= 0)
		r = bh_json_set_new(o, "source", src);
	/* The vulnerability's other ids (aliases and the matched OSV records). */
	json_t *refs = json_array();
	if (r >= 0)
		r = bh_json_set_new(o, "references", refs);
	else
		json_decref(refs);
	for (size_t k = 1; r >= 0 && k < x->ids.n; k++) {
		json_t *s = NULL, *e;
		r = osv_source(x->ids.v[k], &s);
		if (r >= 0) {
			e = json_pack("{s:o, s:o}", "id", sbom_json_string(x->ids.v[k]), "source", s);
			r = bh_json_append_new(refs, e);
		}
	}
	if (r >= 0 && json_array_size(refs) == 0)
		r = json_object_del(o, "references") < 0 ? -ENOMEM : 0;
	json_t *rating = json_object();
	if (r >= 0)
		r = bh_json_set_new(o, "ratings", json_pack("[o]", rating));
	else
		json_decref(rating);
	if (r >= 0)
		r = bh_json_set_new(rating, "source", json_pack("{s:s}", "name", x->severity_source));
	if (r >= 0 && x->score >= 0)
		r = bh_json_set_new(rating, "score", json_real(x->score));
	if (r >= 0)
		r = sbom_set_str(rating, "severity", vuln_severity_name(x->severity));
	if (r >= 0 && x->cvss_vector) {
		r = sbom_set_str(rating, "method", cdx_method(x->cvss_vector));
		if (r >= 0)
			r = sbom_set_str(rating, "vector", x->cvss_vector);
	}
	if (r >= 0)
		r = sbom_set_str_opt(o, "description", x->summary);
	json_t *adv = json_array();
	if (r >= 0)
		r = bh_json_set_new(o, "advisories", adv);
	else
		json_decref(adv);
	for (size_t k = 0; r >= 0 && k < x->references.n; k++)
		r = bh_json_append_new(adv, json_pack("{s:o}", "url", sbom_json_string(x->references.v[k])));
	if (r >= 0 && json_array_size(adv) == 0)
		r = json_object_del(o, "advisories") < 0 ? -ENOMEM : 0;
	if (r >= 0)
		r = sbom_set_str_opt(o, "published", x->published);
	if (r >= 0)
		r = sbom_set_str_opt(o, "updated", x->modified);
	if (r >= 0 && x->fixed) {
		_cleanup_buf_ struct buf rec;
		buf_init(&rec, 0);
		r = buf_printf(&rec, "Upgrade %s to %s or later.", x->pkg->name ? x->pkg->name : "",
			       x->fixed);
		if (r >= 0)
			r = sbom_set_str(o, "recommendation", buf_str(&rec));
	}
	if (r >= 0 && x->vex) {
		json_t *an = json_object();
		r = bh_json_set_new(o, "analysis", an);
		if (r >= 0)
			r = sbom_set_str(an, "state", cdx_state(x->vex->status));
		if (r >= 0)
			r = sbom_set_str_opt(an, "justification", cdx_justification(x->vex->justification));
		if (r >= 0)
			r = sbom_set_str_opt(an, "detail", x->vex->statement);
	}
	if (r >= 0)
		r = bh_json_set_new(
			o, "affects",
			json_pack("[{s:o, s:[{s:o, s:s}]}]", "ref", sbom_json_string(c->refs[x->pkg_index]),
				  "versions", "version", sbom_json_string(x->installed), "status",
				  "affected"));
	if (r < 0)
		return r;
	return bh_json_append_new(into, TAKE_PTR(o));
}

static int fill_vulnerability(void *userdata, size_t i, json_t *into)
{
	const struct vuln_stream *s = userdata;
	return vulnerability(s->c, &s->v->v[i], i, into);
}

static int render(const struct img *img, const struct vuln_report *v, FILE *f)
{
	struct sbom_ctx c;
	int r = sbom_ctx_init(&c, img, "cyclonedx");
	if (r < 0)
		return r;
	_cleanup_json_ json_t *doc = NULL;
	r = build(&c, &doc);
	if (r >= 0 && v)
		r = bh_json_set_new(doc, "vulnerabilities", json_array());
	if (r >= 0) {
		struct vuln_stream vs = { .c = &c, .v = v };
		const struct bh_json_stream streams[] = {
			{ "components", c.n, fill_component, &c },
			{ "dependencies", c.n, fill_dependency, &c },
			{ "vulnerabilities", v ? v->n : 0, fill_vulnerability, &vs },
		};
		r = bh_json_dump_file_streamed(doc, streams, ARRAY_SIZE(streams), f);
	}
	sbom_ctx_done(&c);
	return r;
}

int report_cyclonedx(const struct img *img, FILE *f)
{
	return render(img, NULL, f);
}

int report_scan_cyclonedx(const struct img *img, const struct vuln_report *v, FILE *f)
{
	return render(img, v, f);
}
