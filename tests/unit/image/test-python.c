/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-python.c — the Python cataloger: which paths it wants, core metadata fields of the
 * shared upstream fixtures (trivy's), licences (License-Expression, classifiers), Requires-Dist,
 * RECORD and installed-files.txt file lists, egg-info file and directory forms, malformed
 * records skipped while the rest is listed.
 */
#include "image/catalogers/catalog.h"
#include "fakeimg.h"
#include "tap.h"

static unsigned want(const char *path)
{
	return img_cataloger_python.want(span_from(path), 0644, 100);
}

TEST(python_want_paths)
{
	ASSERT_EQ(want("usr/lib/python3.11/site-packages/foo-1.0.dist-info/METADATA"),
		  IMG_WANT_CONTENT);
	ASSERT_EQ(want("usr/lib/python3/dist-packages/foo-1.0.dist-info/RECORD"), IMG_WANT_CONTENT);
	ASSERT_EQ(want("opt/app/libs/foo-1.0.dist-info/METADATA"), IMG_WANT_CONTENT);
	ASSERT_EQ(want("usr/lib/python3/dist-packages/foo-1.0.egg-info/PKG-INFO"),
		  IMG_WANT_CONTENT);
	ASSERT_EQ(want("usr/lib/python3/dist-packages/foo-1.0.egg-info/installed-files.txt"),
		  IMG_WANT_CONTENT);
	ASSERT_EQ(want("usr/lib/python3/dist-packages/foo-1.0-py3.9.egg-info"), IMG_WANT_CONTENT);
	ASSERT_EQ(want("usr/lib/python3/site-packages/foo-1.0-py3.9.egg/EGG-INFO/PKG-INFO"),
		  IMG_WANT_CONTENT);
	ASSERT_EQ(want("usr/lib/python3/site-packages/foo-1.0.dist-info/WHEEL"), 0);
	ASSERT_EQ(want("usr/lib/python3/site-packages/foo-1.0.dist-info/top_level.txt"), 0);
	ASSERT_EQ(want("usr/lib/python3/site-packages/foo/METADATA"), 0);
	ASSERT_EQ(want("METADATA"), 0);
	ASSERT_EQ(want("usr/share/doc/PKG-INFO"), 0);
	ASSERT_EQ(want(".egg-info"), 0);
	ASSERT_EQ(want(""), 0);
}

static struct img *new_img(void)
{
	struct img *img = fakeimg_new();
	if (!img)
		tap_fail(__FILE__, __LINE__, "fakeimg_new");
	return img;
}

static void add_shared(struct img *img, const char *image_path, const char *shared, int layer)
{
	const char *disk = tap_shared_path(shared);
	if (!disk) {
		img_free(img); /* the test ends here: do not leak it */
		TEST_SKIP("shared testdata absent");
	}
	int r = fakeimg_add_file_from(img, image_path, disk, 0644, layer);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "cannot add %s: %d", shared, r);
}

static void add_fixture(struct img *img, const char *image_path, const char *rel, int layer)
{
	int r = fakeimg_add_file_from(img, image_path, tap_src_path(rel), 0644, layer);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "cannot add %s: %d", rel, r);
}

static void catalog(struct img *img)
{
	struct bh_limits l;
	bh_limits_default(&l);
	struct bh_diag d = {0};
	if (fakeimg_finish(img) < 0 || img_catalog(img, &l, &d) < 0)
		tap_fail(__FILE__, __LINE__, "catalog failed: %s", d.message);
}

/* Catalog with warnings enabled; the number of warnings emitted. */
static unsigned catalog_warnings(struct img *img)
{
	log_set_level(LOG_LVL_WARNING);
	unsigned before = log_warning_count();
	catalog(img);
	log_set_level(LOG_LVL_ERROR);
	return log_warning_count() - before;
}

static size_t count_python(const struct img *img)
{
	size_t n = 0;
	for (size_t i = 0; i < img->pkgs.n; i++)
		if (streq_ptr(img->pkgs.items[i]->found_by, "python"))
			n++;
	return n;
}

static const struct pkg *find(const struct img *img, const char *name, const char *version)
{
	for (size_t i = 0; i < img->pkgs.n; i++) {
		const struct pkg *p = img->pkgs.items[i];
		if (streq_ptr(p->found_by, "python") && streq_ptr(p->name, name) &&
		    streq_ptr(p->version, version))
			return p;
	}
	tap_fail(__FILE__, __LINE__, "no python package %s %s", name, version);
}

static bool has(const struct strv *l, const char *s)
{
	return strv_contains(l, s);
}

#define SP "usr/lib/python3.11/site-packages/"

TEST(python_shared_fixtures)
{
	_cleanup_(img_freep) struct img *img = new_img();
	add_shared(img, SP "networkx-3.0.dist-info/METADATA", "pkgdb/python/networkx-3.0.METADATA",
		   0);
	add_shared(img, SP "zipp-3.12.1.dist-info/METADATA", "pkgdb/python/zipp-3.12.1.METADATA",
		   0);
	add_shared(img, SP "asyncssh-2.14.2.dist-info/METADATA",
		   "pkgdb/python/asyncssh-2.14.2.METADATA", 1);
	add_shared(img, SP "simple-0.1.0.dist-info/METADATA", "pkgdb/python/simple-0.1.0.METADATA",
		   1);
	add_shared(
	    img, "usr/local/lib/python3.9/dist-packages/typing_extensions-4.4.0.dist-info/METADATA",
	    "pkgdb/python/typing_extensions-4.4.0.dist-info/METADATA", 1);
	add_shared(img, "usr/lib/python3/dist-packages/distlib-0.3.1-py3.9.egg-info",
		   "pkgdb/python/distlib-0.3.1-py3.9.egg-info", 2);
	add_shared(img, "usr/lib/python3.8/site-packages/setuptools-51.3.3-py3.8.egg-info/PKG-INFO",
		   "pkgdb/python/setuptools-51.3.3-py3.8.egg-info.PKG-INFO", 2);
	catalog(img);
	ASSERT_EQ(count_python(img), 7);

	const struct pkg *p = find(img, "networkx", "3.0");
	ASSERT_EQ(p->type, PKG_PYPI);
	ASSERT_STREQ(p->location, "/" SP "networkx-3.0.dist-info/METADATA");
	ASSERT_EQ(p->layer, 0);
	ASSERT_STREQ(p->description,
		     "Python package for creating and manipulating graphs and networks");
	ASSERT_STREQ(p->homepage, "https://networkx.org/");
	ASSERT_STREQ(p->supplier, "Aric Hagberg <hagberg@lanl.gov>");
	ASSERT_EQ(p->licenses.n, 0);
	ASSERT_EQ(p->depends.n, 0); /* every Requires-Dist is for an extra */

	p = find(img, "zipp", "3.12.1");
	ASSERT_EQ(p->licenses.n, 1);
	ASSERT_STREQ(p->licenses.v[0], "MIT");
	ASSERT_STREQ(p->supplier, "Jason R. Coombs <jaraco@jaraco.com>");
	ASSERT_STREQ(p->homepage, "https://github.com/jaraco/zipp");
	ASSERT_EQ(p->depends.n, 0);

	p = find(img, "asyncssh", "2.14.2");
	ASSERT_EQ(p->layer, 1);
	ASSERT_EQ(p->licenses.n, 1);
	ASSERT_STREQ(p->licenses.v[0], "Eclipse Public License v2.0");
	ASSERT_EQ(p->depends.n, 2);
	ASSERT_STREQ(p->depends.v[0], "cryptography");
	ASSERT_STREQ(p->depends.v[1], "typing-extensions");
	ASSERT_STREQ(p->homepage, "http://asyncssh.timeheart.net");

	p = find(img, "simple", "0.1.0"); /* "Name: simple " with a trailing blank */
	ASSERT_EQ(p->licenses.n, 0);
	ASSERT_NULL(p->supplier);
	ASSERT_NULL(p->description);

	p = find(img, "typing_extensions", "4.4.0");
	ASSERT_STREQ(
	    p->location,
	    "/usr/local/lib/python3.9/dist-packages/typing_extensions-4.4.0.dist-info/METADATA");
	ASSERT_STREQ(p->supplier, "\"Guido van Rossum, Jukka Lehtosalo, \xc5\x81ukasz Langa, "
				  "Michael Lee\" <levkivskyi@gmail.com>");
	ASSERT_STREQ(p->homepage, "https://github.com/python/typing_extensions");
	ASSERT_STREQ(p->description, "Backported and Experimental Type Hints for Python 3.7+");
	ASSERT_EQ(p->licenses.n, 0);

	/* Single-file egg-info; the PSF classifier maps to an SPDX id, the free text does not. */
	p = find(img, "distlib", "0.3.1");
	ASSERT_EQ(p->layer, 2);
	ASSERT_STREQ(p->location, "/usr/lib/python3/dist-packages/distlib-0.3.1-py3.9.egg-info");
	ASSERT_EQ(p->licenses.n, 1);
	ASSERT_STREQ(p->licenses.v[0], "PSF-2.0");
	ASSERT_STREQ(p->supplier, "Vinay Sajip <vinay_sajip@red-dove.com>");
	ASSERT_STREQ(p->description, "Distribution utilities");

	/* License: UNKNOWN; the MIT classifier sits after the indented legacy Description. */
	p = find(img, "setuptools", "51.3.3");
	ASSERT_EQ(p->licenses.n, 1);
	ASSERT_STREQ(p->licenses.v[0], "MIT");
	ASSERT_STREQ(p->supplier, "Python Packaging Authority <distutils-sig@python.org>");
	ASSERT_STREQ(p->homepage, "https://github.com/pypa/setuptools");
}

TEST(python_dist_info_record_expression_requires)
{
	_cleanup_(img_freep) struct img *img = new_img();
	add_fixture(img, SP "demo_pkg-1.2.0.dist-info/METADATA",
		    "tests/fixtures/lang/python/demo_pkg-1.2.0.METADATA", 3);
	add_fixture(img, SP "demo_pkg-1.2.0.dist-info/RECORD",
		    "tests/fixtures/lang/python/demo_pkg-1.2.0.RECORD", 3);
	catalog(img);
	ASSERT_EQ(count_python(img), 1);
	const struct pkg *p = find(img, "Demo_Pkg", "1.2.0");
	ASSERT_EQ(p->layer, 3);
	/* License-Expression wins over License and classifiers. */
	ASSERT_EQ(p->licenses.n, 1);
	ASSERT_STREQ(p->licenses.v[0], "MIT OR Apache-2.0");
	ASSERT_STREQ(p->purl, "pkg:pypi/demo-pkg@1.2.0");
	ASSERT_STREQ(p->supplier, "Jane Doe <jane@example.org>");
	ASSERT_STREQ(p->homepage, "https://example.org/demo");
	/* Extras, specifiers and markers stripped; extra-only requirements dropped; sorted. */
	ASSERT_EQ(p->depends.n, 4);
	ASSERT_STREQ(p->depends.v[0], "local-thing");
	ASSERT_STREQ(p->depends.v[1], "requests");
	ASSERT_STREQ(p->depends.v[2], "typing-extensions");
	ASSERT_STREQ(p->depends.v[3], "zope-interface");
	/* RECORD: relative to site-packages, quoted CSV, ".." resolved, absolute kept. */
	ASSERT_EQ(p->files.n, 6);
	ASSERT_TRUE(has(&p->files, "/" SP "demo_pkg/__init__.py"));
	ASSERT_TRUE(has(&p->files, "/" SP "demo_pkg/a,b.py"));
	ASSERT_TRUE(has(&p->files, "/" SP "demo_pkg/q\"uote.py"));
	ASSERT_TRUE(has(&p->files, "/" SP "demo_pkg-1.2.0.dist-info/METADATA"));
	ASSERT_TRUE(has(&p->files, "/usr/bin/demo"));
	ASSERT_TRUE(has(&p->files, "/etc/demo.conf"));
}

TEST(python_egg_info_dir_and_legacy_description)
{
	_cleanup_(img_freep) struct img *img = new_img();
	add_fixture(img, "usr/lib/python2.7/dist-packages/legacy-0.9.egg-info/PKG-INFO",
		    "tests/fixtures/lang/python/legacy.PKG-INFO", 0);
	add_fixture(img, "usr/lib/python2.7/dist-packages/legacy-0.9.egg-info/installed-files.txt",
		    "tests/fixtures/lang/python/legacy-installed-files.txt", 0);
	catalog(img);
	ASSERT_EQ(count_python(img), 1);
	const struct pkg *p = find(img, "legacy", "0.9");
	ASSERT_NULL(p->description); /* UNKNOWN */
	ASSERT_NULL(p->homepage);
	ASSERT_NULL(p->supplier);
	/* A multi-line License is licence text: the GPLv2 classifier is used instead. */
	ASSERT_EQ(p->licenses.n, 1);
	ASSERT_STREQ(p->licenses.v[0], "GPL-2.0-only");
	ASSERT_EQ(p->files.n, 4);
	ASSERT_STREQ(p->files.v[0],
		     "/usr/lib/python2.7/dist-packages/legacy-0.9.egg-info/PKG-INFO");
	ASSERT_STREQ(p->files.v[1],
		     "/usr/lib/python2.7/dist-packages/legacy-0.9.egg-info/SOURCES.txt");
	ASSERT_STREQ(p->files.v[2], "/usr/lib/python2.7/dist-packages/legacy/__init__.py");
	ASSERT_STREQ(p->files.v[3], "/usr/lib/python2.7/dist-packages/legacy/__init__.pyc");
}

TEST(python_malformed_skipped_rest_listed)
{
	_cleanup_(img_freep) struct img *img = new_img();
	add_fixture(img, SP "broken-1.0.dist-info/METADATA",
		    "tests/fixtures/lang/python/broken-no-version.METADATA", 0);
	static const char no_name[] = "Metadata-Version: 2.1\nVersion: 1.0\n";
	ASSERT_OK(fakeimg_add_file(img, SP "noname-1.0.dist-info/METADATA", no_name,
				   sizeof(no_name) - 1, 0644, 0));
	static const char garbage[] = "\x01\x02\xff not metadata at all\n\n\n";
	ASSERT_OK(fakeimg_add_file(img, SP "garbage-1.0.dist-info/METADATA", garbage,
				   sizeof(garbage) - 1, 0644, 0));
	static const char spaced[] = "Name: two words\nVersion: 1.0\n";
	ASSERT_OK(fakeimg_add_file(img, SP "spaced.egg-info", spaced, sizeof(spaced) - 1, 0644, 0));
	ASSERT_OK(fakeimg_add_file(img, SP "empty.egg-info", "", 0, 0644, 0));
	/* Stray lines and bad bytes inside an otherwise good header are tolerated. */
	static const char ok[] = "Metadata-Version: 2.1\r\nName: ok\r\nthis line has no colon\r\n"
				 "Version: 2.0\r\nSummary: caf\xc3\xa9 \xff\x01 bar\r\n";
	ASSERT_OK(
	    fakeimg_add_file(img, SP "ok-2.0.dist-info/METADATA", ok, sizeof(ok) - 1, 0644, 1));
	ASSERT_EQ(catalog_warnings(img), 5);
	ASSERT_EQ(count_python(img), 1);
	const struct pkg *p = find(img, "ok", "2.0");
	ASSERT_STREQ(p->description, "caf\xc3\xa9 ?  bar");
	ASSERT_EQ(p->layer, 1);
}

TEST(python_symlink_and_directory_not_packages)
{
	_cleanup_(img_freep) struct img *img = new_img();
	ASSERT_OK(fakeimg_add_dir(img, SP "dirform.egg-info", 0));
	ASSERT_OK(fakeimg_add_symlink(img, SP "link-1.0.dist-info/METADATA", "/etc/passwd", 0));
	catalog(img);
	ASSERT_EQ(count_python(img), 0);
}
