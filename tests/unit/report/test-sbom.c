/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-sbom.c — the SBOM renderers (CycloneDX 1.6, SPDX 2.3, bulkhead.sbom/v1, table) on
 * a hand-built struct img, plus the shared helpers (licence classification, dependency
 * resolution, sanitising). Documents are parsed back with bh_json_parse() and checked
 * for the invariants consumers rely on (unique bom-refs / SPDXIDs, every reference
 * resolvable, determinism under SOURCE_DATE_EPOCH).
 *
 * With BH_SBOM_OUT_DIR set, test write_documents also writes every document into that
 * directory for tests/e2e/t-sbom-schema.sh to validate against the official schemas.
 */
#include <stdio.h>

#include "bulkhead/report.h"
#include "common/json.h"
#include "report/sbom-common.h"
#include "tap.h"

#define DIGEST_M  "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define DIGEST_C  "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define DIGEST_L0 "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DIGEST_L1 "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* ---- a hand-built image ---------------------------------------------------------------- */

static struct pkg *add(struct img *img, enum pkg_type t, const char *ns, const char *name,
		       const char *version, const char *location, int layer)
{
	struct pkg *p = pkg_new(t);
	ASSERT_NOT_NULL(p);
	ASSERT_OK(pkg_set(&p->namespace, ns));
	ASSERT_OK(pkg_set(&p->name, name));
	ASSERT_OK(pkg_set(&p->version, version));
	ASSERT_OK(pkg_set(&p->location, location));
	p->layer = layer;
	ASSERT_OK(pkg_list_add_take(&img->pkgs, p));
	return p;
}

static void strv_add(struct strv *v, const char *const *items)
{
	for (; *items; items++)
		ASSERT_OK(strv_push(v, *items));
}

#define STRV(v, ...) strv_add((v), (const char *const[]){__VA_ARGS__, NULL})

static void deb(struct pkg *p, const char *arch, const char *src)
{
	ASSERT_OK(pkg_set(&p->arch, arch));
	ASSERT_OK(pkg_set(&p->distro, "debian-12"));
	ASSERT_OK(pkg_set(&p->source_name, src));
	p->found_by = "dpkg";
}

static void fixture_free(struct img *img)
{
	free(img->target.path);
	free(img->target.reference);
	free(img->target.original);
	free(img->manifest_digest);
	free(img->config_digest);
	strv_done(&img->repo_tags);
	free(img->config.architecture);
	free(img->config.os);
	free(img->config.user);
	free(img->config.created);
	strv_done(&img->config.env);
	strv_done(&img->config.entrypoint);
	strv_done(&img->config.cmd);
	strv_done(&img->config.exposed_ports);
	strv_done(&img->config.labels);
	for (size_t i = 0; i < img->n_layers; i++) {
		free(img->layers[i].digest);
		free(img->layers[i].diff_id);
		free(img->layers[i].media_type);
		free(img->layers[i].created_by);
	}
	free(img->layers);
	free(img->os.id);
	free(img->os.version_id);
	free(img->os.codename);
	free(img->os.pretty_name);
	pkg_list_done(&img->pkgs);
	free(img);
}

DEFINE_CLEANUP(struct img *, fixture_free)

static char *xstrdup(const char *s)
{
	char *c = strdup(s);
	ASSERT_NOT_NULL(c);
	return c;
}

/* Indices into the package list of the fixture, in list order. */
enum {
	I_LIBC6,
	I_LIBGCC,
	I_LIBCRYPT,
	I_EXPRESS,
	I_DEBUG2,
	I_DEBUG4,
	I_BABEL,
	I_JINJA,
	I_MARKUPSAFE,
	I_LOG4J,
	I_TOML,
	I_HOSTILE,
	I_TWIN_A,
	I_TWIN_B,
	N_FIXTURE,
};

static struct img *fixture(void)
{
	struct img *img = calloc(1, sizeof(*img));
	ASSERT_NOT_NULL(img);
	img->target.kind = IMG_KIND_OCI;
	img->target.path = xstrdup("/tmp/app-oci");
	img->target.reference = xstrdup("1.0");
	img->target.original = xstrdup("oci:/tmp/app-oci:1.0");
	img->manifest_digest = xstrdup(DIGEST_M);
	img->config_digest = xstrdup(DIGEST_C);
	STRV(&img->repo_tags, "registry.example.com:5000/team/app:1.0");
	img->config.architecture = xstrdup("amd64");
	img->config.os = xstrdup("linux");
	img->config.user = xstrdup("app");
	img->config.created = xstrdup("2024-01-02T03:04:05Z");
	STRV(&img->config.env, "PATH=/usr/local/bin:/usr/bin", "NODE_ENV=production");
	STRV(&img->config.entrypoint, "/usr/bin/node");
	STRV(&img->config.cmd, "server.js");
	STRV(&img->config.exposed_ports, "8080/tcp");
	STRV(&img->config.labels, "org.opencontainers.image.title=app", "weird=a=b", "\xff=bad");
	img->layers = calloc(2, sizeof(*img->layers));
	ASSERT_NOT_NULL(img->layers);
	img->n_layers = 2;
	img->layers[0] = (struct img_layer){
	    .digest = xstrdup(DIGEST_L0),
	    .diff_id =
		xstrdup("sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"),
	    .media_type = xstrdup("application/vnd.oci.image.layer.v1.tar+gzip"),
	    .size = 29000000,
	    .created_by = xstrdup("/bin/sh -c #(nop) ADD file:abc in / "),
	};
	img->layers[1] = (struct img_layer){
	    .digest = xstrdup(DIGEST_L1),
	    .diff_id =
		xstrdup("sha256:dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"),
	    .size = 1234,
	};
	img->os.id = xstrdup("debian");
	img->os.version_id = xstrdup("12");
	img->os.codename = xstrdup("bookworm");
	img->os.pretty_name = xstrdup("Debian GNU/Linux 12 (bookworm)");

	struct pkg *p;
	p = add(img, PKG_DEB, "debian", "libc6", "2.36-9+deb12u4", "/var/lib/dpkg/status", 0);
	deb(p, "amd64", "glibc");
	STRV(&p->licenses, "LGPL-2.1-or-later", "GPL-2", "lgpl-2.1-OR-later");
	STRV(&p->depends, "libgcc-s1", "libcrypt1:any", "libc6", "gcc-12-base", "libgcc-s1");
	STRV(&p->files, "/lib/x86_64-linux-gnu/libc.so.6", "/usr/share/doc/libc6/copyright");
	ASSERT_OK(pkg_set(&p->supplier, "GNU Libc Maintainers <debian-glibc@lists.debian.org>"));
	ASSERT_OK(pkg_set(&p->description, "GNU C Library: Shared libraries"));
	ASSERT_OK(pkg_set(&p->homepage, "https://www.gnu.org/software/libc/libc.html"));
	p = add(img, PKG_DEB, "debian", "libgcc-s1", "12.2.0-14", "/var/lib/dpkg/status", 0);
	deb(p, "amd64", "gcc-12");
	ASSERT_OK(pkg_set(&p->source_version, "12.2.0-14+deb12u1"));
	STRV(&p->licenses, "GPL-3.0-or-later with GCC-exception-3.1");
	STRV(&p->depends, "gcc-12-base", "libc6");
	p = add(img, PKG_DEB, "debian", "libcrypt1", "1:4.4.33-2", "/var/lib/dpkg/status", 0);
	deb(p, "amd64", "libxcrypt");
	STRV(&p->licenses, "LGPL-2.1-or-later", "BSD-3-Clause OR MIT", "public-domain");
	STRV(&p->depends, "libc6");

	p = add(img, PKG_NPM, NULL, "express", "4.18.2", "/app/node_modules/express/package.json",
		1);
	STRV(&p->licenses, "MIT");
	STRV(&p->depends, "debug", "@babel/core", "left-pad");
	p->found_by = "npm";
	p = add(img, PKG_NPM, NULL, "debug", "2.6.9", "/app/node_modules/debug/package.json", 1);
	STRV(&p->licenses, "MIT");
	p = add(img, PKG_NPM, NULL, "debug", "4.3.4",
		"/app/node_modules/express/node_modules/debug/package.json", 1);
	p = add(img, PKG_NPM, "@babel", "core", "7.24.0",
		"/app/node_modules/@babel/core/package.json", 1);
	STRV(&p->licenses, "MIT");
	STRV(&p->depends, "debug");

	p = add(img, PKG_PYPI, NULL, "Jinja2", "3.1.2",
		"/usr/lib/python3/dist-packages/Jinja2-3.1.2.dist-info/METADATA", 1);
	STRV(&p->licenses, "BSD-3-Clause");
	STRV(&p->depends, "markupsafe");
	p = add(img, PKG_PYPI, NULL, "MarkupSafe", "2.1.3",
		"/usr/lib/python3/dist-packages/MarkupSafe-2.1.3.dist-info/METADATA", 1);
	STRV(&p->licenses, "BSD-3-Clause", "BSD-3-Clause");

	p = add(img, PKG_MAVEN, "org.apache.logging.log4j", "log4j-core", "2.14.1",
		"/app/lib/log4j-core-2.14.1.jar", 1);
	ASSERT_OK(pkg_set(&p->checksum, "sha1:4C9A4F8B1A1E5A3C2B0D9E8F7A6B5C4D3E2F1A0B"));
	ASSERT_OK(pkg_set(&p->homepage, "https://logging.apache.org/log4j/2.x/"));
	STRV(&p->licenses, "Apache License, Version 2.0");
	p = add(img, PKG_GOLANG, "github.com/BurntSushi", "toml", "v1.2.1", "/app/bin/server", 1);
	ASSERT_OK(pkg_set(&p->checksum, "h1:Rz5Pw5FPzZh2GE5Y2NqDDK7v9b3tRt5ctGW7vVIvUYI="));

	/* hostile strings everywhere a renderer prints them */
	p = add(img, PKG_GEM, NULL, "evil\x1b[31mred\x07\n", "1.0\xff\xfe", "/gems/\x01x", 7);
	ASSERT_OK(pkg_set(&p->supplier, "Jos\xe9 <jose@example.com>\r\n"));
	ASSERT_OK(pkg_set(&p->description, "\xc2\x9b"
					   "31m C1 CSI"));
	STRV(&p->licenses, "(MIT", "MIT AND", "GPL-2.0+", "LicenseRef-my-own", "\xff");

	/* two packages whose bom-refs collide: renderers must still make them unique */
	p = add(img, PKG_CARGO, NULL, "twin", "1.0.0", "/app/Cargo.lock", 1);
	p = add(img, PKG_CARGO, NULL, "twin", "1.0.0", "/app/Cargo.lock", 1);

	for (size_t i = 0; i < img->pkgs.n; i++)
		ASSERT_OK(pkg_finalize(img->pkgs.items[i]));
	ASSERT_EQ(img->pkgs.n, N_FIXTURE);
	ASSERT_STREQ(img->pkgs.items[I_TWIN_A]->bom_ref, img->pkgs.items[I_TWIN_B]->bom_ref);
	return img;
}

static struct img *empty_image(void)
{
	struct img *img = calloc(1, sizeof(*img));
	ASSERT_NOT_NULL(img);
	img->target.kind = IMG_KIND_DIR;
	img->target.path = xstrdup("/srv/rootfs");
	img->target.original = xstrdup("dir:/srv/rootfs");
	return img;
}

/* ---- rendering helpers ----------------------------------------------------------------- */

typedef int (*render_fn)(const struct img *img, FILE *f);

static char *render(render_fn fn, const struct img *img, size_t *ret_len)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	ASSERT_NOT_NULL(f);
	int r = fn(img, f);
	ASSERT_TRUE(fclose(f) == 0);
	if (r < 0) {
		free(out);
		ASSERT_OK(r);
	}
	if (ret_len)
		*ret_len = len;
	return out;
}

static json_t *render_json(render_fn fn, const struct img *img)
{
	size_t len;
	_cleanup_free_ char *text = render(fn, img, &len);
	struct bh_limits lim;
	bh_limits_default(&lim);
	json_t *doc = NULL;
	struct bh_diag diag = {0};
	ASSERT_OK(bh_json_parse(span_make(text, len), &lim, "render", &doc, &diag));
	return doc;
}

static void set_epoch(const char *v)
{
	if (v)
		ASSERT_TRUE(setenv("SOURCE_DATE_EPOCH", v, 1) == 0);
	else
		ASSERT_TRUE(unsetenv("SOURCE_DATE_EPOCH") == 0);
}

static bool matches_uuid(const char *s)
{
	if (strlen(s) != 36)
		return false;
	for (size_t i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !(ascii_isdigit(s[i]) || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return true;
}

static const char *str_at(const json_t *o, const char *key)
{
	const char *s = bh_json_str(o, key);
	if (!s)
		tap_fail(__FILE__, __LINE__, "missing string '%s'", key);
	return s;
}

/* The component of a CycloneDX document with this bom-ref. */
static json_t *cdx_component(json_t *doc, const char *ref)
{
	json_t *comps = bh_json_arr(doc, "components"), *c;
	size_t i;
	json_array_foreach(comps, i, c) if (streq_ptr(bh_json_str(c, "bom-ref"), ref)) return c;
	return NULL;
}

static json_t *cdx_deps_of(json_t *doc, const char *ref)
{
	json_t *deps = bh_json_arr(doc, "dependencies"), *d;
	size_t i;
	json_array_foreach(deps, i, d) if (streq_ptr(bh_json_str(d, "ref"), ref)) return d;
	return NULL;
}

/* ---- CycloneDX ------------------------------------------------------------------------- */

TEST(cyclonedx_document)
{
	_cleanup_(fixture_freep) struct img *img = fixture();
	set_epoch("1700000000");
	_cleanup_json_ json_t *doc = render_json(report_cyclonedx, img);
	ASSERT_STREQ(str_at(doc, "bomFormat"), "CycloneDX");
	ASSERT_STREQ(str_at(doc, "specVersion"), "1.6");
	const char *serial = str_at(doc, "serialNumber");
	ASSERT_TRUE(strncmp(serial, "urn:uuid:", 9) == 0 && matches_uuid(serial + 9));
	ASSERT_EQ(serial[9 + 14], '8'); /* name-based (SHA-256) under SOURCE_DATE_EPOCH */
	ASSERT_EQ(json_integer_value(json_object_get(doc, "version")), 1);

	json_t *meta = bh_json_obj(doc, "metadata");
	ASSERT_STREQ(str_at(meta, "timestamp"), "2023-11-14T22:13:20Z");
	json_t *tool = json_array_get(bh_json_arr(bh_json_obj(meta, "tools"), "components"), 0);
	ASSERT_STREQ(str_at(tool, "name"), "bulkhead");
	ASSERT_STREQ(str_at(tool, "version"), BULKHEAD_VERSION);
	json_t *root = bh_json_obj(meta, "component");
	ASSERT_STREQ(str_at(root, "type"), "container");
	ASSERT_STREQ(str_at(root, "name"), "registry.example.com:5000/team/app:1.0");
	ASSERT_STREQ(str_at(root, "version"), DIGEST_M);
	ASSERT_STREQ(str_at(root, "purl"), "pkg:oci/app@" DIGEST_M "?arch=amd64&repository_url="
					   "registry.example.com:5000%2Fteam%2Fapp&tag=1.0");

	json_t *comps = bh_json_arr(doc, "components");
	ASSERT_EQ(json_array_size(comps), 1 + N_FIXTURE);
	json_t *os = json_array_get(comps, 0);
	ASSERT_STREQ(str_at(os, "type"), "operating-system");
	ASSERT_STREQ(str_at(os, "name"), "debian");
	ASSERT_STREQ(str_at(os, "version"), "12");
	ASSERT_STREQ(str_at(os, "description"), "Debian GNU/Linux 12 (bookworm)");

	/* bom-refs unique, and the twins told apart */
	json_t *c;
	size_t i, j;
	json_array_foreach(comps, i, c)
	{
		const char *ref = str_at(c, "bom-ref");
		for (j = i + 1; j < json_array_size(comps); j++)
			ASSERT_FALSE(streq(ref, str_at(json_array_get(comps, j), "bom-ref")));
		ASSERT_NOT_NULL(cdx_deps_of(doc, ref));
	}
	/* every reference in the graph exists */
	json_t *d, *on;
	json_array_foreach(bh_json_arr(doc, "dependencies"), i, d)
	{
		ASSERT_NOT_NULL(cdx_component(doc, str_at(d, "ref")));
		json_array_foreach(bh_json_arr(d, "dependsOn"), j, on)
		    ASSERT_NOT_NULL(cdx_component(doc, json_string_value(on)));
	}

	/* libc6: listed id and a name, duplicates (case-folded) merged */
	const struct pkg *libc = img->pkgs.items[I_LIBC6];
	json_t *lc = cdx_component(doc, libc->bom_ref);
	ASSERT_NOT_NULL(lc);
	ASSERT_STREQ(str_at(lc, "purl"),
		     "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&"
		     "upstream=glibc");
	ASSERT_STREQ(str_at(bh_json_obj(lc, "supplier"), "name"),
		     "GNU Libc Maintainers <debian-glibc@lists.debian.org>");
	json_t *lic = bh_json_arr(lc, "licenses");
	ASSERT_EQ(json_array_size(lic), 2);
	ASSERT_STREQ(str_at(bh_json_obj(json_array_get(lic, 0), "license"), "id"),
		     "LGPL-2.1-or-later");
	ASSERT_STREQ(str_at(bh_json_obj(json_array_get(lic, 1), "license"), "name"), "GPL-2");
	json_t *ext = json_array_get(bh_json_arr(lc, "externalReferences"), 0);
	ASSERT_STREQ(str_at(ext, "type"), "website");
	/* libc6 -> libgcc-s1, libcrypt1 (":any" dropped); itself and gcc-12-base skipped */
	on = bh_json_arr(cdx_deps_of(doc, libc->bom_ref), "dependsOn");
	ASSERT_EQ(json_array_size(on), 2);
	ASSERT_STREQ(json_string_value(json_array_get(on, 0)), img->pkgs.items[I_LIBGCC]->bom_ref);
	ASSERT_STREQ(json_string_value(json_array_get(on, 1)),
		     img->pkgs.items[I_LIBCRYPT]->bom_ref);

	/* expressions: WITH normalised; a mix becomes one AND-ed expression */
	lic = bh_json_arr(cdx_component(doc, img->pkgs.items[I_LIBGCC]->bom_ref), "licenses");
	ASSERT_EQ(json_array_size(lic), 1);
	ASSERT_STREQ(str_at(json_array_get(lic, 0), "expression"),
		     "GPL-3.0-or-later WITH GCC-exception-3.1");
	lic = bh_json_arr(cdx_component(doc, img->pkgs.items[I_LIBCRYPT]->bom_ref), "licenses");
	ASSERT_EQ(json_array_size(lic), 1);
	ASSERT_STREQ(str_at(json_array_get(lic, 0), "expression"),
		     "LGPL-2.1-or-later AND (BSD-3-Clause OR MIT) AND LicenseRef-public-domain");

	/* npm: express resolves debug to its own nested copy, @babel/core by scope */
	const struct pkg *express = img->pkgs.items[I_EXPRESS];
	on = bh_json_arr(cdx_deps_of(doc, express->bom_ref), "dependsOn");
	ASSERT_EQ(json_array_size(on), 2);
	ASSERT_STREQ(json_string_value(json_array_get(on, 0)), img->pkgs.items[I_DEBUG4]->bom_ref);
	ASSERT_STREQ(json_string_value(json_array_get(on, 1)), img->pkgs.items[I_BABEL]->bom_ref);
	/* @babel/core sees only the top-level debug */
	on = bh_json_arr(cdx_deps_of(doc, img->pkgs.items[I_BABEL]->bom_ref), "dependsOn");
	ASSERT_EQ(json_array_size(on), 1);
	ASSERT_STREQ(json_string_value(json_array_get(on, 0)), img->pkgs.items[I_DEBUG2]->bom_ref);
	ASSERT_STREQ(str_at(cdx_component(doc, img->pkgs.items[I_BABEL]->bom_ref), "group"),
		     "@babel");
	/* pypi names compare normalised */
	on = bh_json_arr(cdx_deps_of(doc, img->pkgs.items[I_JINJA]->bom_ref), "dependsOn");
	ASSERT_EQ(json_array_size(on), 1);
	ASSERT_STREQ(json_string_value(json_array_get(on, 0)),
		     img->pkgs.items[I_MARKUPSAFE]->bom_ref);
	lic = bh_json_arr(cdx_component(doc, img->pkgs.items[I_MARKUPSAFE]->bom_ref), "licenses");
	ASSERT_EQ(json_array_size(lic), 1);

	/* maven: group, SHA-1 hash lower-cased, licence name */
	json_t *l4j = cdx_component(doc, img->pkgs.items[I_LOG4J]->bom_ref);
	ASSERT_STREQ(str_at(l4j, "group"), "org.apache.logging.log4j");
	json_t *h = json_array_get(bh_json_arr(l4j, "hashes"), 0);
	ASSERT_STREQ(str_at(h, "alg"), "SHA-1");
	ASSERT_STREQ(str_at(h, "content"), "4c9a4f8b1a1e5a3c2b0d9e8f7a6b5c4d3e2f1a0b");
	/* Go h1: sums are no CycloneDX hash: kept as a property */
	json_t *toml = cdx_component(doc, img->pkgs.items[I_TOML]->bom_ref);
	ASSERT_NULL(json_object_get(toml, "hashes"));
	bool found = false;
	json_t *prop;
	json_array_foreach(bh_json_arr(toml, "properties"), i,
			   prop) if (streq(str_at(prop, "name"), "bulkhead:checksum")) found =
	    streq(str_at(prop, "value"), img->pkgs.items[I_TOML]->checksum);
	ASSERT_TRUE(found);
	/* properties: layer digest of the package's layer */
	found = false;
	json_array_foreach(bh_json_arr(lc, "properties"), i,
			   prop) if (streq(str_at(prop, "name"), "bulkhead:layer-digest")) found =
	    streq(str_at(prop, "value"), DIGEST_L0);
	ASSERT_TRUE(found);

	/* hostile: rendered (invalid UTF-8 repaired), nothing lost, nothing fatal */
	json_t *ev = cdx_component(doc, img->pkgs.items[I_HOSTILE]->bom_ref);
	ASSERT_NOT_NULL(ev);
	ASSERT_STREQ(str_at(ev, "version"), "1.0\xef\xbf\xbd\xef\xbf\xbd");
	set_epoch(NULL);
}

TEST(cyclonedx_deterministic)
{
	_cleanup_(fixture_freep) struct img *img = fixture();
	set_epoch("1700000000");
	size_t l1, l2;
	_cleanup_free_ char *a = render(report_cyclonedx, img, &l1);
	_cleanup_free_ char *b = render(report_cyclonedx, img, &l2);
	ASSERT_EQ(l1, l2);
	ASSERT_TRUE(memcmp(a, b, l1) == 0);
	/* a different image gives a different serial number */
	free(img->manifest_digest);
	img->manifest_digest = xstrdup(DIGEST_C);
	_cleanup_json_ json_t *d1 = render_json(report_cyclonedx, img);
	ASSERT_TRUE(strstr(a, str_at(d1, "serialNumber")) == NULL);
	/* without SOURCE_DATE_EPOCH: random (version 4) and different each time */
	set_epoch(NULL);
	_cleanup_json_ json_t *r1 = render_json(report_cyclonedx, img);
	_cleanup_json_ json_t *r2 = render_json(report_cyclonedx, img);
	const char *s1 = str_at(r1, "serialNumber"), *s2 = str_at(r2, "serialNumber");
	ASSERT_EQ(s1[9 + 14], '4');
	ASSERT_TRUE(strchr("89ab", s1[9 + 19]) != NULL);
	ASSERT_FALSE(streq(s1, s2));
}

TEST(cyclonedx_empty_image)
{
	_cleanup_(fixture_freep) struct img *img = empty_image();
	_cleanup_json_ json_t *doc = render_json(report_cyclonedx, img);
	json_t *root = bh_json_obj(bh_json_obj(doc, "metadata"), "component");
	ASSERT_STREQ(str_at(root, "name"), "dir:/srv/rootfs");
	ASSERT_NULL(json_object_get(root, "version"));
	ASSERT_NULL(json_object_get(root, "purl"));
	ASSERT_EQ(json_array_size(bh_json_arr(doc, "components")), 0);
	ASSERT_EQ(json_array_size(bh_json_arr(doc, "dependencies")), 0);
}

/* ---- SPDX ------------------------------------------------------------------------------ */

static bool spdxid_ok(const char *s)
{
	if (strncmp(s, "SPDXRef-", 8) != 0 || !s[8])
		return false;
	for (s += 8; *s; s++)
		if (!ascii_isalnum((unsigned char)*s) && *s != '.' && *s != '-')
			return false;
	return true;
}

static json_t *spdx_package(json_t *doc, const char *id)
{
	json_t *p;
	size_t i;
	json_array_foreach(bh_json_arr(doc, "packages"), i,
			   p) if (streq_ptr(bh_json_str(p, "SPDXID"), id)) return p;
	return NULL;
}

TEST(spdx_document)
{
	_cleanup_(fixture_freep) struct img *img = fixture();
	set_epoch("1700000000");
	_cleanup_json_ json_t *doc = render_json(report_spdx, img);
	ASSERT_STREQ(str_at(doc, "spdxVersion"), "SPDX-2.3");
	ASSERT_STREQ(str_at(doc, "dataLicense"), "CC0-1.0");
	ASSERT_STREQ(str_at(doc, "SPDXID"), "SPDXRef-DOCUMENT");
	const char *ns = str_at(doc, "documentNamespace");
	static const char prefix[] =
	    "https://spdx.org/spdxdocs/bulkhead-registry.example.com-5000-team-app-1.0-";
	ASSERT_TRUE(strncmp(ns, prefix, strlen(prefix)) == 0);
	ASSERT_TRUE(matches_uuid(ns + strlen(prefix)));
	json_t *ci = bh_json_obj(doc, "creationInfo");
	ASSERT_STREQ(str_at(ci, "created"), "2023-11-14T22:13:20Z");
	ASSERT_STREQ(json_string_value(json_array_get(bh_json_arr(ci, "creators"), 0)),
		     "Tool: bulkhead-" BULKHEAD_VERSION);
	ASSERT_STREQ(str_at(ci, "licenseListVersion"), sbom_spdx_list_version());

	json_t *pkgs = bh_json_arr(doc, "packages");
	ASSERT_EQ(json_array_size(pkgs), 2 + N_FIXTURE);
	json_t *root = json_array_get(pkgs, 0);
	ASSERT_STREQ(str_at(root, "primaryPackagePurpose"), "CONTAINER");
	ASSERT_STREQ(str_at(json_array_get(pkgs, 1), "primaryPackagePurpose"), "OPERATING_SYSTEM");
	json_t *p, *q;
	size_t i, j;
	json_array_foreach(pkgs, i, p)
	{
		const char *id = str_at(p, "SPDXID");
		ASSERT_TRUE(spdxid_ok(id));
		for (j = i + 1; j < json_array_size(pkgs); j++)
			ASSERT_FALSE(streq(id, str_at(json_array_get(pkgs, j), "SPDXID")));
		ASSERT_STREQ(str_at(p, "downloadLocation"), "NOASSERTION");
		ASSERT_TRUE(json_is_false(json_object_get(p, "filesAnalyzed")));
		str_at(p, "licenseDeclared");
	}
	/* libc6 */
	json_t *lc = json_array_get(pkgs, 2 + I_LIBC6);
	ASSERT_STREQ(str_at(lc, "name"), "libc6");
	ASSERT_STREQ(str_at(lc, "versionInfo"), "2.36-9+deb12u4");
	ASSERT_STREQ(str_at(lc, "supplier"),
		     "Organization: GNU Libc Maintainers (debian-glibc@lists.debian.org)");
	ASSERT_STREQ(str_at(lc, "licenseDeclared"), "LGPL-2.1-or-later AND LicenseRef-GPL-2");
	ASSERT_STREQ(str_at(lc, "sourceInfo"), "acquired package info from the dpkg cataloger: "
					       "/var/lib/dpkg/status (layer " DIGEST_L0 ")");
	json_t *ref = json_array_get(bh_json_arr(lc, "externalRefs"), 0);
	ASSERT_STREQ(str_at(ref, "referenceCategory"), "PACKAGE-MANAGER");
	ASSERT_STREQ(str_at(ref, "referenceType"), "purl");
	ASSERT_STREQ(str_at(ref, "referenceLocator"), img->pkgs.items[I_LIBC6]->purl);
	ASSERT_TRUE(strncmp(str_at(lc, "SPDXID"), "SPDXRef-Package-deb-libc6-", 26) == 0);
	/* no licence at all */
	ASSERT_STREQ(str_at(json_array_get(pkgs, 2 + I_DEBUG4), "licenseDeclared"), "NOASSERTION");
	/* the hostile package: only the valid part of its licences survives as expression */
	const char *hl = str_at(json_array_get(pkgs, 2 + I_HOSTILE), "licenseDeclared");
	ASSERT_TRUE(strstr(hl, "GPL-2.0+") != NULL);
	ASSERT_TRUE(strstr(hl, "LicenseRef-my-own") != NULL);
	ASSERT_STREQ(str_at(json_array_get(pkgs, 2 + I_HOSTILE), "supplier"),
		     "Organization: Jos\xef\xbf\xbd (jose@example.com)  ");

	/* every LicenseRef used is defined, with its original text */
	json_t *ex = bh_json_arr(doc, "hasExtractedLicensingInfos");
	ASSERT_TRUE(json_array_size(ex) >= 4);
	bool gpl2 = false;
	json_array_foreach(ex, i, q)
	{
		if (streq(str_at(q, "licenseId"), "LicenseRef-GPL-2"))
			gpl2 = streq(str_at(q, "extractedText"), "GPL-2");
		_cleanup_free_ char *as_ref = strdup(str_at(q, "licenseId"));
		ASSERT_TRUE(strncmp(as_ref, "LicenseRef-", 11) == 0 && as_ref[11]);
		memcpy(as_ref + 3, "SPDXRef-", 8); /* "LicenseRef-x" -> "licSPDXRef-x" */
		ASSERT_TRUE(spdxid_ok(as_ref + 3));
	}
	ASSERT_TRUE(gpl2);

	/* relationships: DESCRIBES root, root CONTAINS all, DEPENDS_ON as resolved */
	json_t *rels = bh_json_arr(doc, "relationships"), *rel;
	size_t contains = 0, depends = 0, describes = 0;
	json_array_foreach(rels, i, rel)
	{
		const char *from = str_at(rel, "spdxElementId"),
			   *to = str_at(rel, "relatedSpdxElement");
		const char *type = str_at(rel, "relationshipType");
		ASSERT_TRUE(streq(from, "SPDXRef-DOCUMENT") || spdx_package(doc, from));
		ASSERT_NOT_NULL(spdx_package(doc, to));
		describes += streq(type, "DESCRIBES");
		contains += streq(type, "CONTAINS");
		depends += streq(type, "DEPENDS_ON");
	}
	ASSERT_EQ(describes, 1);
	ASSERT_EQ(contains, 1 + N_FIXTURE);
	/* libc6:2, libgcc:1, libcrypt:1, express:2, babel:1, jinja:1 */
	ASSERT_EQ(depends, 8);
	set_epoch(NULL);
}

TEST(spdx_deterministic)
{
	_cleanup_(fixture_freep) struct img *img = fixture();
	set_epoch("1");
	size_t l1, l2;
	_cleanup_free_ char *a = render(report_spdx, img, &l1);
	_cleanup_free_ char *b = render(report_spdx, img, &l2);
	ASSERT_EQ(l1, l2);
	ASSERT_TRUE(memcmp(a, b, l1) == 0);
	/* the CycloneDX serial and the SPDX namespace differ for the same image */
	_cleanup_json_ json_t *cdx = render_json(report_cyclonedx, img);
	ASSERT_TRUE(strstr(a, str_at(cdx, "serialNumber") + 9) == NULL);
	set_epoch(NULL);
}

TEST(spdx_empty_image)
{
	_cleanup_(fixture_freep) struct img *img = empty_image();
	_cleanup_json_ json_t *doc = render_json(report_spdx, img);
	ASSERT_EQ(json_array_size(bh_json_arr(doc, "packages")), 1);
	ASSERT_EQ(json_array_size(bh_json_arr(doc, "relationships")), 1);
	ASSERT_NULL(json_object_get(doc, "hasExtractedLicensingInfos"));
}

/* ---- bulkhead.sbom/v1 ------------------------------------------------------------------ */

TEST(sbom_json_document)
{
	_cleanup_(fixture_freep) struct img *img = fixture();
	_cleanup_json_ json_t *doc = render_json(report_sbom_json, img);
	ASSERT_STREQ(str_at(doc, "schema"), "bulkhead.sbom/v1");
	json_t *t = bh_json_obj(doc, "target");
	ASSERT_STREQ(str_at(t, "kind"), "oci");
	ASSERT_STREQ(str_at(t, "platform"), "linux/amd64");
	ASSERT_STREQ(str_at(t, "manifest_digest"), DIGEST_M);
	ASSERT_STREQ(str_at(bh_json_obj(doc, "os"), "codename"), "bookworm");
	json_t *cf = bh_json_obj(doc, "config");
	ASSERT_STREQ(str_at(cf, "user"), "app");
	ASSERT_TRUE(json_is_null(json_object_get(cf, "working_dir")));
	json_t *labels = bh_json_obj(cf, "labels");
	ASSERT_STREQ(str_at(labels, "org.opencontainers.image.title"), "app");
	ASSERT_STREQ(str_at(labels, "weird"), "a=b");
	ASSERT_STREQ(str_at(labels, "\xef\xbf\xbd"), "bad");
	json_t *layers = bh_json_arr(doc, "layers");
	ASSERT_EQ(json_array_size(layers), 2);
	ASSERT_EQ(json_integer_value(json_object_get(json_array_get(layers, 0), "size")), 29000000);
	ASSERT_TRUE(json_is_null(json_object_get(json_array_get(layers, 1), "media_type")));
	json_t *pkgs = bh_json_arr(doc, "packages");
	ASSERT_EQ(json_array_size(pkgs), N_FIXTURE);
	json_t *lc = json_array_get(pkgs, I_LIBC6);
	ASSERT_STREQ(str_at(lc, "type"), "deb");
	ASSERT_STREQ(str_at(lc, "purl"), img->pkgs.items[I_LIBC6]->purl);
	ASSERT_EQ(json_integer_value(json_object_get(lc, "layer")), 0);
	ASSERT_STREQ(str_at(lc, "layer_digest"), DIGEST_L0);
	ASSERT_EQ(json_integer_value(json_object_get(lc, "files_count")), 2);
	ASSERT_EQ(json_array_size(bh_json_arr(lc, "depends")), 5);
	ASSERT_TRUE(json_is_null(json_object_get(lc, "epoch")));
	/* layer index out of range: null */
	ASSERT_TRUE(json_is_null(json_object_get(json_array_get(pkgs, I_HOSTILE), "layer")));

	/* no clock, no randomness: identical without SOURCE_DATE_EPOCH */
	size_t l1, l2;
	_cleanup_free_ char *a = render(report_sbom_json, img, &l1);
	_cleanup_free_ char *b = render(report_sbom_json, img, &l2);
	ASSERT_TRUE(l1 == l2 && memcmp(a, b, l1) == 0);
}

TEST(sbom_json_empty_image)
{
	_cleanup_(fixture_freep) struct img *img = empty_image();
	_cleanup_json_ json_t *doc = render_json(report_sbom_json, img);
	ASSERT_TRUE(json_is_null(json_object_get(doc, "os")));
	ASSERT_STREQ(str_at(bh_json_obj(doc, "target"), "kind"), "dir");
	ASSERT_EQ(json_array_size(bh_json_arr(doc, "packages")), 0);
}

/* ---- table ----------------------------------------------------------------------------- */

TEST(table_output)
{
	_cleanup_(fixture_freep) struct img *img = fixture();
	size_t len;
	_cleanup_free_ char *out = render(report_table, img, &len);
	/* never a control character but the line ends */
	for (size_t i = 0; i < len; i++)
		ASSERT_TRUE(out[i] == '\n' || ((unsigned char)out[i] >= 0x20 && out[i] != 0x7f));
	ASSERT_TRUE(strstr(out, "\xc2\x9b") == NULL);
	ASSERT_TRUE(strncmp(out, "NAME ", 5) == 0);
	ASSERT_TRUE(strstr(out, "evil?[31mred??") != NULL);
	/* aligned: VERSION starts in the same column in the header and the first row */
	const char *row1 = strchr(out, '\n') + 1;
	ASSERT_EQ(strstr(out, "VERSION") - out, strstr(row1, "2.36-9+deb12u4") - row1);
	ASSERT_TRUE(strstr(out, "glibc\n") != NULL || strstr(out, "glibc ") != NULL);
	ASSERT_TRUE(strstr(out, "gcc-12 (12.2.0-14+deb12u1)") != NULL);
	ASSERT_TRUE(strstr(out, "\n14 packages (deb: 3, pypi: 2, npm: 4, golang: 1, maven: 1, "
				"gem: 1, cargo: 2) in registry.example.com:5000/team/app:1.0 "
				"(Debian GNU/Linux 12 (bookworm))\n") != NULL);
}

TEST(table_empty_image)
{
	_cleanup_(fixture_freep) struct img *img = empty_image();
	_cleanup_free_ char *out = render(report_table, img, NULL);
	ASSERT_STREQ(out, "0 packages in dir:/srv/rootfs\n");
}

/* ---- helpers --------------------------------------------------------------------------- */

TEST(license_classify)
{
	static const struct {
		const char *in;
		int kind;
		const char *norm;
	} v[] = {
	    {"MIT", SBOM_LIC_ID, "MIT"},
	    {"mit", SBOM_LIC_ID, "MIT"},
	    {" Apache-2.0 ", SBOM_LIC_ID, "Apache-2.0"},
	    {"GPL-2.0+", SBOM_LIC_ID, "GPL-2.0+"}, /* deprecated, but a listed id */
	    {"Apache-1.0+", SBOM_LIC_EXPR, "Apache-1.0+"},
	    {"zlib+", SBOM_LIC_EXPR, "Zlib+"},
	    {"MIT OR Apache-2.0", SBOM_LIC_EXPR, "MIT OR Apache-2.0"},
	    {"mit or apache-2.0", SBOM_LIC_EXPR, "MIT OR Apache-2.0"},
	    {"(MIT OR Apache-2.0) AND BSD-3-Clause", SBOM_LIC_EXPR,
	     "(MIT OR Apache-2.0) AND BSD-3-Clause"},
	    {"GPL-2.0-only WITH Classpath-exception-2.0", SBOM_LIC_EXPR,
	     "GPL-2.0-only WITH Classpath-exception-2.0"},
	    {"LicenseRef-foo.bar-1", SBOM_LIC_EXPR, "LicenseRef-foo.bar-1"},
	    {"DocumentRef-x:LicenseRef-y", SBOM_LIC_EXPR, "DocumentRef-x:LicenseRef-y"},
	    {"MIT AND LicenseRef-x", SBOM_LIC_EXPR, "MIT AND LicenseRef-x"},
	    {"GPL", SBOM_LIC_NAME, NULL},
	    {"GPL-2", SBOM_LIC_NAME, NULL},
	    {"MIT AND", SBOM_LIC_NAME, NULL},
	    {"(MIT", SBOM_LIC_NAME, NULL},
	    {"MIT)", SBOM_LIC_NAME, NULL},
	    {"()", SBOM_LIC_NAME, NULL},
	    {"MIT WITH", SBOM_LIC_NAME, NULL},
	    {"MIT WITH Nope-exception", SBOM_LIC_NAME, NULL},
	    {"LicenseRef-", SBOM_LIC_NAME, NULL},
	    {"LicenseRef-a b", SBOM_LIC_NAME, NULL},
	    {"Apache License, Version 2.0", SBOM_LIC_NAME, NULL},
	    {"MIT/X11", SBOM_LIC_NAME, NULL},
	    {"", SBOM_LIC_NAME, NULL},
	    {"AND", SBOM_LIC_NAME, NULL},
	    {"MIT And BSD-3-Clause", SBOM_LIC_NAME, NULL},
	};
	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		_cleanup_free_ char *norm = NULL;
		int k = sbom_license_classify(v[i].in, &norm);
		if (k != v[i].kind || !streq_ptr(norm, v[i].norm))
			tap_fail(__FILE__, __LINE__, "'%s': kind %d norm '%s', want %d '%s'",
				 v[i].in, k, norm ? norm : "(null)", v[i].kind,
				 v[i].norm ? v[i].norm : "(null)");
	}
	/* deep nesting is refused, not recursed into */
	char deep[200];
	memset(deep, '(', 100);
	memcpy(deep + 100, "MIT", 3);
	memset(deep + 103, ')', 96);
	deep[199] = '\0';
	_cleanup_free_ char *norm = NULL;
	ASSERT_EQ(sbom_license_classify(deep, &norm), SBOM_LIC_NAME);
	ASSERT_NULL(norm);
}

TEST(spdx_id_table)
{
	ASSERT_STREQ(sbom_spdx_id_lookup(span_from("apache-2.0")), "Apache-2.0");
	ASSERT_STREQ(sbom_spdx_id_lookup(span_from("0BSD")), "0BSD");
	ASSERT_STREQ(sbom_spdx_id_lookup(span_from("ZPL-2.1")), "ZPL-2.1");
	ASSERT_STREQ(sbom_spdx_id_lookup(span_from("classpath-exception-2.0")),
		     "Classpath-exception-2.0");
	ASSERT_NULL(sbom_spdx_id_lookup(span_from("")));
	ASSERT_NULL(sbom_spdx_id_lookup(span_from("MIT2")));
	ASSERT_NULL(sbom_spdx_id_lookup(span_from("MI")));
	ASSERT_TRUE(strlen(sbom_spdx_list_version()) >= 3);
}

TEST(sanitize)
{
	size_t w;
	_cleanup_free_ char *a = sbom_sanitize("a\tb\x1b[0m\x7f", &w);
	ASSERT_STREQ(a, "a?b?[0m?");
	ASSERT_EQ(w, 8);
	_cleanup_free_ char *b = sbom_sanitize("caf\xc3\xa9 \xe2\x82\xac", &w);
	ASSERT_STREQ(b, "caf\xc3\xa9 \xe2\x82\xac");
	ASSERT_EQ(w, 6);
	/* C1 controls, overlong forms, surrogates, truncated sequences: '?' per byte */
	_cleanup_free_ char *c = sbom_sanitize("\xc2\x9b|\xc0\xaf|\xed\xa0\x80|\xe2\x82", &w);
	ASSERT_STREQ(c, "??|??|???|??");
	_cleanup_free_ char *d = sbom_sanitize(NULL, &w);
	ASSERT_STREQ(d, "");
	ASSERT_EQ(w, 0);
}

TEST(many_packages)
{
	/* 20000 npm packages, 2000 copies of one name, each depending on it: stays fast */
	_cleanup_(fixture_freep) struct img *img = empty_image();
	char name[32], loc[96];
	for (int i = 0; i < 20000; i++) {
		(void)xsnprintf(name, sizeof(name), "p%d", i % 10 ? i : 0);
		(void)xsnprintf(loc, sizeof(loc),
				"/app/node_modules/x%d/node_modules/%s/package.json", i, name);
		struct pkg *p = add(img, PKG_NPM, NULL, name, "1.0.0", loc, -1);
		ASSERT_OK(strv_push(&p->depends, "p0"));
		ASSERT_OK(strv_push(&p->licenses, i % 2 ? "MIT OR Apache-2.0" : "Custom licence"));
		ASSERT_OK(pkg_finalize(p));
	}
	_cleanup_free_ char *a = render(report_cyclonedx, img, NULL);
	_cleanup_free_ char *b = render(report_spdx, img, NULL);
	_cleanup_free_ char *c = render(report_table, img, NULL);
	ASSERT_TRUE(strstr(a, "\"dependsOn\"") != NULL);
	ASSERT_TRUE(strstr(b, "\"DEPENDS_ON\"") != NULL);
	ASSERT_TRUE(strstr(c, "20000 packages (npm: 20000)") != NULL);
}

/* ---- documents for the schema e2e ------------------------------------------------------ */

static void write_doc(const char *dir, const char *name, render_fn fn, const struct img *img)
{
	_cleanup_buf_ struct buf path;
	buf_init(&path, 0);
	ASSERT_OK(buf_printf(&path, "%s/%s", dir, name));
	FILE *f = fopen(buf_str(&path), "we");
	ASSERT_NOT_NULL(f);
	int r = fn(img, f);
	ASSERT_TRUE(fclose(f) == 0);
	ASSERT_OK(r);
}

TEST(write_documents)
{
	const char *dir = getenv("BH_SBOM_OUT_DIR");
	if (!dir || !*dir)
		TEST_SKIP("BH_SBOM_OUT_DIR not set (tests/e2e/t-sbom-schema.sh sets it)");
	set_epoch("1700000000");
	_cleanup_(fixture_freep) struct img *img = fixture();
	_cleanup_(fixture_freep) struct img *empty = empty_image();
	write_doc(dir, "fixture.cdx.json", report_cyclonedx, img);
	write_doc(dir, "fixture.spdx.json", report_spdx, img);
	write_doc(dir, "fixture.sbom.json", report_sbom_json, img);
	write_doc(dir, "empty.cdx.json", report_cyclonedx, empty);
	write_doc(dir, "empty.spdx.json", report_spdx, empty);
	write_doc(dir, "empty.sbom.json", report_sbom_json, empty);
	set_epoch(NULL);
}
