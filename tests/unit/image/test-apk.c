/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-apk.c — the apk cataloger: wanted paths, the shared upstream databases (trivy's,
 * with its record without V:, and syft's) with counts checked by awk over the records,
 * licences (SPDX expressions kept whole, old space lists split), dependencies resolved
 * through provides, file lists from F:/R:, malformed records, layer attribution.
 */
#include "image/catalogers/catalog.h"
#include "fakeimg.h"
#include "tap.h"

TEST(apk_want_paths)
{
	const struct img_cataloger *c = &img_cataloger_apk;
	ASSERT_EQ(c->want(span_from("lib/apk/db/installed"), 0644, 10),
		  IMG_WANT_CONTENT | IMG_WANT_HISTORY);
	ASSERT_EQ(c->want(span_from("lib/apk/db/installed.old"), 0644, 10), 0);
	ASSERT_EQ(c->want(span_from("usr/lib/apk/db/installed"), 0644, 10), 0);
	ASSERT_EQ(c->want(span_from("lib/apk/db/triggers"), 0644, 10), 0);
	ASSERT_EQ(c->want(span_from(""), 0644, 10), 0);
}

static struct img *new_img(void)
{
	struct img *img = fakeimg_new();
	if (!img)
		tap_fail(__FILE__, __LINE__, "fakeimg_new");
	return img;
}

static void add_shared(struct img *img, const char *shared, int layer)
{
	const char *disk = tap_shared_path(shared);
	if (!disk) {
		img_free(img); /* the test ends here: do not leak it */
		TEST_SKIP("shared testdata absent");
	}
	int r = fakeimg_add_file_from(img, "lib/apk/db/installed", disk, 0644, layer);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "cannot add %s: %d", shared, r);
}

static void add_text(struct img *img, const char *text, int layer)
{
	int r = fakeimg_add_file(img, "lib/apk/db/installed", text, strlen(text), 0644, layer);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "cannot add: %d", r);
}

static void run(struct img *img)
{
	struct bh_limits limits;
	bh_limits_default(&limits);
	struct bh_diag diag = { 0 };
	ASSERT_OK(fakeimg_finish(img));
	int r = img_catalog(img, &limits, &diag);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "img_catalog: %d: %s", r, diag.message);
}

static size_t count_apk(const struct img *img)
{
	size_t n = 0;
	for (size_t i = 0; i < img->pkgs.n; i++)
		n += img->pkgs.items[i]->type == PKG_APK;
	return n;
}

static const struct pkg *need(const struct img *img, const char *name)
{
	const struct pkg *p = fakeimg_find(img, name, NULL);
	if (!p)
		tap_fail(__FILE__, __LINE__, "package '%s' not found", name);
	return p;
}

static bool has(const struct strv *l, const char *s)
{
	return strv_contains(l, s);
}

TEST(apk_trivy_installed)
{
	struct img *img = new_img();
	add_shared(img, "pkgdb/apk/trivy-installed", 0);
	enum log_level saved = log_get_level();
	log_set_level(LOG_LVL_WARNING);
	unsigned before = log_warning_count();
	run(img);
	log_set_level(saved);
	/* 16 records with P:, one of them (invalidPackageWithoutAVersion) without V: */
	ASSERT_EQ(log_warning_count() - before, 1);
	ASSERT_EQ(count_apk(img), 15);
	ASSERT_NULL(fakeimg_find(img, "invalidPackageWithoutAVersion", NULL));
	const struct pkg *p = need(img, "musl");
	ASSERT_STREQ(p->version, "1.1.14-r10");
	ASSERT_STREQ(p->arch, "x86_64");
	ASSERT_STREQ(p->description, "the musl c library (libc) implementation");
	ASSERT_STREQ(p->homepage, "http://www.musl-libc.org/");
	ASSERT_STREQ(p->supplier, "Timo Teräs <timo.teras@iki.fi>");
	ASSERT_NULL(p->source_name);
	ASSERT_EQ(p->licenses.n, 1);
	ASSERT_STREQ(p->licenses.v[0], "MIT");
	ASSERT_TRUE(has(&p->files, "/lib/libc.musl-x86_64.so.1"));
	ASSERT_TRUE(has(&p->files, "/lib/ld-musl-x86_64.so.1"));
	ASSERT_EQ(p->files.n, 2);
	ASSERT_STREQ(p->location, "/lib/apk/db/installed");
	ASSERT_EQ(p->layer, 0);

	p = need(img, "busybox");
	ASSERT_STREQ(p->version, "1.24.2-r9");
	ASSERT_TRUE(has(&p->depends, "musl")); /* so:libc.musl-x86_64.so.1 */
	ASSERT_TRUE(has(&p->files, "/bin/busybox"));
	ASSERT_TRUE(has(&p->files, "/etc/logrotate.d/acpid"));

	/* "MIT BSD GPL2+" is an old space-separated list; expressions stay whole */
	bool list = false, expr = false;
	for (size_t i = 0; i < img->pkgs.n; i++) {
		const struct strv *l = &img->pkgs.items[i]->licenses;
		if (has(l, "BSD") && has(l, "GPL2+") && has(l, "MIT"))
			list = true;
		if (has(l, "( Apache-2.0 OR MIT ) AND MPL-2.0"))
			expr = true;
	}
	ASSERT_TRUE(list);
	ASSERT_TRUE(expr);
	img_free(img);
}

TEST(apk_syft_multiple)
{
	struct img *img = new_img();
	add_shared(img, "pkgdb/apk/syft-multiple-2-installed", 0);
	run(img);
	ASSERT_EQ(count_apk(img), 14);
	const struct pkg *p = need(img, "ca-certificates-bundle");
	ASSERT_STREQ(p->version, "20220614-r0");
	ASSERT_STREQ(p->source_name, "ca-certificates");
	ASSERT_EQ(p->licenses.n, 1);
	ASSERT_STREQ(p->licenses.v[0], "MPL-2.0 AND MIT");

	p = need(img, "libssl1.1");
	ASSERT_STREQ(p->version, "1.1.1q-r0");
	ASSERT_STREQ(p->source_name, "openssl");
	ASSERT_EQ(p->depends.n, 2);
	ASSERT_TRUE(has(&p->depends, "musl"));
	ASSERT_TRUE(has(&p->depends, "libcrypto1.1"));

	/* D:alpine-baselayout-data=3.2.0-r22 /bin/sh so:libc.musl-x86_64.so.1 */
	p = need(img, "alpine-baselayout");
	ASSERT_EQ(p->depends.n, 3);
	ASSERT_TRUE(has(&p->depends, "alpine-baselayout-data"));
	ASSERT_TRUE(has(&p->depends, "busybox")); /* provides /bin/sh */
	ASSERT_TRUE(has(&p->depends, "musl"));

	p = need(img, "musl");
	ASSERT_STREQ(p->homepage, "https://musl.libc.org/");
	ASSERT_EQ(p->files.n, 2);
	img_free(img);
}

TEST(apk_malformed_records)
{
	struct img *img = new_img();
	int r = fakeimg_add_file_from(img, "lib/apk/db/installed",
				      tap_src_path("tests/fixtures/pkgdb/apk/malformed-installed"),
				      0644, 0);
	ASSERT_OK(r);
	enum log_level saved = log_get_level();
	log_set_level(LOG_LVL_WARNING);
	unsigned before = log_warning_count();
	run(img);
	log_set_level(saved);
	/* no-version, no name, bad line, duplicate P: */
	ASSERT_EQ(log_warning_count() - before, 4);
	ASSERT_EQ(count_apk(img), 2);
	const struct pkg *p = need(img, "good");
	ASSERT_STREQ(p->source_name, "good-src");
	ASSERT_EQ(p->licenses.n, 1);
	ASSERT_STREQ(p->licenses.v[0], "MIT AND (BSD-2-Clause OR Apache-2.0)");
	ASSERT_EQ(p->depends.n, 2); /* libc (provider), missing-virtual (plain name) */
	ASSERT_TRUE(has(&p->depends, "libc"));
	ASSERT_TRUE(has(&p->depends, "missing-virtual"));
	ASSERT_EQ(p->files.n, 2);
	ASSERT_TRUE(has(&p->files, "/usr/bin/good"));
	ASSERT_TRUE(has(&p->files, "/etc/good/good.conf"));
	p = need(img, "libc");
	ASSERT_EQ(p->licenses.n, 3);
	img_free(img);
}

TEST(apk_garbage_input)
{
	static const char *const inputs[] = {
		"", "\n\n", "P\n", "P:\nV:\n", ":\n", "R:orphan\nP:x\nV:1\n",
		"P:x\nV:1\nD:!!! = < > ~\np:= = =\n", "P:x\r\nV:1\r\n\r\n", "\xff\xfe:\n",
	};
	for (size_t i = 0; i < ARRAY_SIZE(inputs); i++) {
		struct img *img = new_img();
		add_text(img, inputs[i], 0);
		run(img);
		ASSERT_TRUE(count_apk(img) <= 1);
		img_free(img);
	}
}

TEST(apk_layer_attribution)
{
	struct img *img = new_img();
	add_text(img, "P:musl\nV:1.2.4-r2\nA:x86_64\n", 0);
	add_text(img, "P:musl\nV:1.2.4-r2\nA:x86_64\n\nP:curl\nV:8.5.0-r0\nA:x86_64\n", 2);
	run(img);
	ASSERT_EQ(count_apk(img), 2);
	ASSERT_EQ(need(img, "musl")->layer, 0);
	ASSERT_EQ(need(img, "curl")->layer, 2);
	img_free(img);
}
