/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spdx.c — SPDX 2.3 JSON of a catalogued image. Mapping:
 *   packages[0]           the image: SPDXRef-DocumentRoot-Image-<name>, primaryPackagePurpose
 *                         CONTAINER, versionInfo = manifest (else config) digest, purl
 *                         pkg:oci/... when the image has a repository name
 *   packages[1]           img->os when known: SPDXRef-OperatingSystem-<id>, OPERATING_SYSTEM
 *   packages[2..]         one per package, in list order: SPDXRef-Package-<type>-<name>-<hash>
 *                         (only [A-Za-z0-9.-]), LIBRARY, purl in externalRefs, where it was
 *                         found in sourceInfo, licenseDeclared as one SPDX expression
 *   hasExtractedLicensingInfos  one LicenseRef- per licence name that is not an SPDX id
 *   relationships         DOCUMENT DESCRIBES image; image CONTAINS os and every package;
 *                         package DEPENDS_ON package (resolution shared with CycloneDX)
 * downloadLocation, licenseConcluded and copyrightText are NOASSERTION: we did not look.
 * documentNamespace is https://spdx.org/spdxdocs/bulkhead-<name>-<uuid> (the form the SPDX
 * specification suggests for tools without a domain); the UUID is random, or derived from
 * the content when SOURCE_DATE_EPOCH is set.
 */
#include "bulkhead/report.h"
#include "common/json.h"
#include "report/sbom-common.h"

#define NOASSERTION "NOASSERTION"

static bool str_empty(const char *s)
{
	return !s || !*s;
}

/* "sha1:<hex>" -> {"algorithm":"SHA1","checksumValue":"<hex>"}; NULL when not a hex digest. */
static json_t *checksum_obj(const char *checksum)
{
	static const struct {
		const char *prefix, *alg;
		size_t hexlen;
	} algs[] = {
	    {"sha1:", "SHA1", 40},	{"sha256:", "SHA256", 64}, {"sha384:", "SHA384", 96},
	    {"sha512:", "SHA512", 128}, {"md5:", "MD5", 32},
	};
	struct span s = span_from(checksum ? checksum : "");
	for (size_t i = 0; i < ARRAY_SIZE(algs); i++) {
		size_t pl = strlen(algs[i].prefix);
		if (!span_startswith(s, algs[i].prefix) || s.len - pl != algs[i].hexlen)
			continue;
		char hex[129];
		for (size_t k = 0; k < algs[i].hexlen; k++) {
			char c = s.ptr[pl + k];
			if (!ascii_isxdigit((unsigned char)c))
				return NULL;
			hex[k] = (char)ascii_tolower((unsigned char)c);
		}
		hex[algs[i].hexlen] = '\0';
		return json_pack("{s:s, s:s}", "algorithm", algs[i].alg, "checksumValue", hex);
	}
	return NULL;
}

static int set_purl_ref(json_t *pkg, const char *purl)
{
	if (str_empty(purl))
		return 0;
	json_t *ref = json_object();
	int r = ref ? 0 : -ENOMEM;
	if (r >= 0)
		r = sbom_set_str(ref, "referenceCategory", "PACKAGE-MANAGER");
	if (r >= 0)
		r = sbom_set_str(ref, "referenceType", "purl");
	if (r >= 0)
		r = sbom_set_str(ref, "referenceLocator", purl);
	if (r < 0) {
		json_decref(ref);
		return r;
	}
	return bh_json_set_new(pkg, "externalRefs", json_pack("[o]", ref));
}

/* SPDX agent syntax: "Organization: Name (email)" from "Name <email>", one line. */
static int supplier_str(const char *s, struct buf *b)
{
	if (str_empty(s))
		return buf_puts(b, NOASSERTION);
	int r = buf_puts(b, "Organization: ");
	for (; *s && r >= 0; s++) {
		char c = *s;
		if (c == '<')
			c = '(';
		else if (c == '>')
			c = ')';
		else if ((unsigned char)c < 0x20 || c == 0x7f)
			c = ' ';
		r = buf_putc(b, c);
	}
	return r;
}

static int common_fields(json_t *o, const char *name, const char *spdxid, const char *version)
{
	int r = sbom_set_str(o, "name", name);
	if (r >= 0)
		r = sbom_set_str(o, "SPDXID", spdxid);
	if (r >= 0)
		r = sbom_set_str_opt(o, "versionInfo", version);
	return r;
}

static int tail_fields(json_t *o, const char *license_declared)
{
	int r = sbom_set_str(o, "licenseConcluded", NOASSERTION);
	if (r >= 0)
		r = sbom_set_str(o, "licenseDeclared",
				 license_declared ? license_declared : NOASSERTION);
	if (r >= 0)
		r = sbom_set_str(o, "copyrightText", NOASSERTION);
	return r;
}

static int package(const struct sbom_ctx *c, size_t i, json_t *packages)
{
	const struct pkg *p = c->img->pkgs.items[i];
	_cleanup_json_ json_t *o = json_object();
	if (!o)
		return -ENOMEM;
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	int r = common_fields(o, p->name ? p->name : "", c->spdxids[i], p->version);
	if (r >= 0)
		r = supplier_str(p->supplier, &b);
	if (r >= 0)
		r = sbom_set_str(o, "supplier", buf_str(&b));
	if (r >= 0)
		r = sbom_set_str(o, "downloadLocation", NOASSERTION);
	if (r >= 0)
		r = bh_json_set_new(o, "filesAnalyzed", json_false());
	if (r >= 0 && p->homepage &&
	    (span_startswith(span_from(p->homepage), "https://") ||
	     span_startswith(span_from(p->homepage), "http://")))
		r = sbom_set_str(o, "homepage", p->homepage);
	json_t *sum = checksum_obj(p->checksum);
	if (r >= 0 && sum)
		r = bh_json_set_new(o, "checksums", json_pack("[o]", sum));
	else if (sum)
		json_decref(sum);

	if (r >= 0 && (p->found_by || p->location)) {
		const char *layer = sbom_pkg_layer_digest(c->img, p);
		buf_clear(&b);
		r = buf_printf(&b, "acquired package info from the %s cataloger",
			       p->found_by ? p->found_by : "bulkhead");
		if (r >= 0 && p->location)
			r = buf_printf(&b, ": %s", p->location);
		if (r >= 0 && layer)
			r = buf_printf(&b, " (layer %s)", layer);
		if (r >= 0)
			r = sbom_set_str(o, "sourceInfo", buf_str(&b));
	}
	_cleanup_free_ char *expr = NULL;
	if (r >= 0)
		r = sbom_license_expression(c, p, &expr);
	if (r >= 0)
		r = tail_fields(o, expr);
	if (r >= 0)
		r = sbom_set_str_opt(o, "description", p->description);
	if (r >= 0)
		r = set_purl_ref(o, p->purl);
	if (r >= 0)
		r = sbom_set_str(o, "primaryPackagePurpose", "LIBRARY");
	if (r < 0)
		return r;
	return bh_json_append_new(packages, TAKE_PTR(o));
}

static int root_package(const struct sbom_ctx *c, const char *spdxid, json_t *packages)
{
	const struct img *img = c->img;
	const char *digest = sbom_image_digest(img);
	_cleanup_json_ json_t *o = json_object();
	if (!o)
		return -ENOMEM;
	int r = common_fields(o, c->name, spdxid, digest);
	if (r >= 0)
		r = sbom_set_str(o, "supplier", NOASSERTION);
	if (r >= 0)
		r = sbom_set_str(o, "downloadLocation", NOASSERTION);
	if (r >= 0)
		r = bh_json_set_new(o, "filesAnalyzed", json_false());
	json_t *sum = checksum_obj(img->manifest_digest);
	if (r >= 0 && sum)
		r = bh_json_set_new(o, "checksums", json_pack("[o]", sum));
	else if (sum)
		json_decref(sum);
	if (r >= 0)
		r = tail_fields(o, NULL);
	_cleanup_free_ char *purl = NULL;
	if (r >= 0)
		r = sbom_image_purl(img, digest, &purl);
	if (r >= 0)
		r = set_purl_ref(o, purl);
	if (r >= 0)
		r = sbom_set_str(o, "primaryPackagePurpose", "CONTAINER");
	if (r < 0)
		return r;
	return bh_json_append_new(packages, TAKE_PTR(o));
}

static int os_package(const struct img *img, const char *spdxid, json_t *packages)
{
	_cleanup_json_ json_t *o = json_object();
	if (!o)
		return -ENOMEM;
	int r = common_fields(o, img->os.id, spdxid, img->os.version_id);
	if (r >= 0)
		r = sbom_set_str(o, "supplier", NOASSERTION);
	if (r >= 0)
		r = sbom_set_str(o, "downloadLocation", NOASSERTION);
	if (r >= 0)
		r = bh_json_set_new(o, "filesAnalyzed", json_false());
	if (r >= 0)
		r = tail_fields(o, NULL);
	if (r >= 0)
		r = sbom_set_str_opt(o, "description", img->os.pretty_name);
	if (r >= 0)
		r = sbom_set_str(o, "primaryPackagePurpose", "OPERATING_SYSTEM");
	if (r < 0)
		return r;
	return bh_json_append_new(packages, TAKE_PTR(o));
}

static int relationship(json_t *rels, const char *from, const char *type, const char *to)
{
	json_t *o = json_object();
	int r = o ? 0 : -ENOMEM;
	if (r >= 0)
		r = sbom_set_str(o, "spdxElementId", from);
	if (r >= 0)
		r = sbom_set_str(o, "relatedSpdxElement", to);
	if (r >= 0)
		r = sbom_set_str(o, "relationshipType", type);
	if (r < 0) {
		json_decref(o);
		return r;
	}
	return bh_json_append_new(rels, o);
}

static int extracted_licenses(const struct sbom_ctx *c, json_t *doc)
{
	if (c->n_licrefs == 0)
		return 0;
	json_t *arr = json_array();
	int r = bh_json_set_new(doc, "hasExtractedLicensingInfos", arr);
	for (size_t i = 0; i < c->n_licrefs && r >= 0; i++) {
		json_t *o = json_object();
		r = o ? 0 : -ENOMEM;
		if (r >= 0)
			r = sbom_set_str(o, "licenseId", c->licrefs[i].id);
		if (r >= 0)
			r = sbom_set_str(o, "extractedText", c->licrefs[i].name);
		if (r >= 0)
			r = sbom_set_str(o, "name", c->licrefs[i].name);
		if (r >= 0)
			r = bh_json_append_new(arr, o);
		else
			json_decref(o);
	}
	return r;
}

static int build(const struct sbom_ctx *c, json_t **ret, char **root_id_out)
{
	const struct img *img = c->img;
	_cleanup_json_ json_t *doc = json_object();
	if (!doc)
		return -ENOMEM;
	_cleanup_buf_ struct buf ns, root_id, os_id;
	buf_init(&ns, 0);
	buf_init(&root_id, 0);
	buf_init(&os_id, 0);
	int r = buf_puts(&ns, "https://spdx.org/spdxdocs/bulkhead-");
	if (r >= 0)
		r = sbom_put_idstring(&ns, c->name);
	if (r >= 0)
		r = buf_printf(&ns, "-%s", c->uuid);
	if (r >= 0)
		r = buf_puts(&root_id, "SPDXRef-DocumentRoot-Image-");
	if (r >= 0)
		r = sbom_put_idstring(&root_id, c->name);
	bool has_os = !str_empty(img->os.id);
	if (r >= 0 && has_os) {
		r = buf_puts(&os_id, "SPDXRef-OperatingSystem-");
		if (r >= 0)
			r = sbom_put_idstring(&os_id, img->os.id);
	}
	if (r < 0)
		return r;

	r = sbom_set_str(doc, "spdxVersion", "SPDX-2.3");
	if (r >= 0)
		r = sbom_set_str(doc, "dataLicense", "CC0-1.0");
	if (r >= 0)
		r = sbom_set_str(doc, "SPDXID", "SPDXRef-DOCUMENT");
	if (r >= 0)
		r = sbom_set_str(doc, "name", c->name);
	if (r >= 0)
		r = sbom_set_str(doc, "documentNamespace", buf_str(&ns));
	json_t *ci = json_object();
	if (r >= 0)
		r = bh_json_set_new(doc, "creationInfo", ci);
	else
		json_decref(ci);
	if (r >= 0)
		r = sbom_set_str(ci, "licenseListVersion", sbom_spdx_list_version());
	if (r >= 0)
		r = bh_json_set_new(ci, "creators",
				    json_pack("[s]", "Tool: bulkhead-" BULKHEAD_VERSION));
	if (r >= 0)
		r = sbom_set_str(ci, "created", c->timestamp);
	if (r < 0)
		return r;

	json_t *packages = json_array();
	r = bh_json_set_new(doc, "packages", packages);
	if (r >= 0)
		r = root_package(c, buf_str(&root_id), packages);
	if (r >= 0 && has_os)
		r = os_package(img, buf_str(&os_id), packages);
	/* Packages and their relationships are added while writing (report_spdx). */
	if (r >= 0)
		r = extracted_licenses(c, doc);
	if (r < 0)
		return r;

	json_t *rels = json_array();
	r = bh_json_set_new(doc, "relationships", rels);
	if (r >= 0)
		r = relationship(rels, "SPDXRef-DOCUMENT", "DESCRIBES", buf_str(&root_id));
	if (r >= 0 && has_os)
		r = relationship(rels, buf_str(&root_id), "CONTAINS", buf_str(&os_id));
	if (r >= 0 && !(*root_id_out = buf_take(&root_id)))
		r = -ENOMEM;
	if (r < 0)
		return r;
	*ret = TAKE_PTR(doc);
	return 0;
}

struct spdx_stream {
	const struct sbom_ctx *c;
	const char *root_id;
};

static int fill_package(void *userdata, size_t i, json_t *into)
{
	const struct spdx_stream *s = userdata;
	return package(s->c, i, into);
}

/* Steps 0..n-1: the root CONTAINS package i; steps n..2n-1: package i-n DEPENDS_ON. */
static int fill_relationship(void *userdata, size_t step, json_t *into)
{
	const struct spdx_stream *s = userdata;
	const struct sbom_ctx *c = s->c;
	if (step < c->n)
		return relationship(into, s->root_id, "CONTAINS", c->spdxids[step]);
	size_t i = step - c->n;
	int r = 0;
	for (size_t k = 0; k < c->deps[i].n && r >= 0; k++)
		r = relationship(into, c->spdxids[i], "DEPENDS_ON", c->spdxids[c->deps[i].to[k]]);
	return r;
}

int report_spdx(const struct img *img, FILE *f)
{
	struct sbom_ctx c;
	int r = sbom_ctx_init(&c, img, "spdx");
	if (r < 0)
		return r;
	r = sbom_ctx_spdxids(&c);
	if (r < 0) {
		sbom_ctx_done(&c);
		return r;
	}
	_cleanup_json_ json_t *doc = NULL;
	_cleanup_free_ char *root_id = NULL;
	r = build(&c, &doc, &root_id);
	if (r >= 0) {
		struct spdx_stream s = { .c = &c, .root_id = root_id };
		const struct bh_json_stream streams[] = {
			{ "packages", c.n, fill_package, &s },
			{ "relationships", 2 * c.n, fill_relationship, &s },
		};
		r = bh_json_dump_file_streamed(doc, streams, ARRAY_SIZE(streams), f);
	}
	sbom_ctx_done(&c);
	return r;
}
