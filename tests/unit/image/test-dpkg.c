/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-dpkg.c — the dpkg cataloger: wanted paths, the shared upstream status files
 * (claircore, trivy) with counts checked independently (grep -c '^Package:' minus the
 * stanzas whose Status is not on disk), the distroless status.d layout, malformed
 * stanzas, status semantics, dependencies, .list files, DEP-5 licences through a
 * symlinked doc directory, and layer attribution through the status file's history.
 */
#include <time.h>

#include "image/catalogers/catalog.h"
#include "fakeimg.h"
#include "tap.h"

static unsigned want(const char *path, uint64_t size)
{
	return img_cataloger_dpkg.want(span_from(path), 0644, size);
}

TEST(dpkg_want_paths)
{
	ASSERT_EQ(want("var/lib/dpkg/status", 10), IMG_WANT_CONTENT | IMG_WANT_HISTORY);
	ASSERT_EQ(want("var/lib/dpkg/status.d/libc6", 10), IMG_WANT_CONTENT);
	ASSERT_EQ(want("var/lib/dpkg/status.d/libc6.md5sums", 10), IMG_WANT_CONTENT);
	ASSERT_EQ(want("var/lib/dpkg/info/libc6:amd64.list", 10), IMG_WANT_CONTENT);
	ASSERT_EQ(want("var/lib/dpkg/info/bash.list", 10), IMG_WANT_CONTENT);
	ASSERT_EQ(want("usr/share/doc/bash/copyright", 10), IMG_WANT_CONTENT);
	ASSERT_EQ(want("usr/share/doc/bash/copyright", (uint64_t)64 << 20), 0);
	ASSERT_EQ(want("usr/share/doc/bash/examples/copyright", 10), 0);
	ASSERT_EQ(want("usr/share/doc//copyright", 10), 0);
	ASSERT_EQ(want("var/lib/dpkg/info/bash.md5sums", 10), 0);
	ASSERT_EQ(want("var/lib/dpkg/info/sub/bash.list", 10), 0);
	ASSERT_EQ(want("var/lib/dpkg/status-old", 10), 0);
	ASSERT_EQ(want("var/lib/dpkg/status.d/", 10), 0);
	ASSERT_EQ(want("var/lib/dpkg/status.d/a/b", 10), 0);
	ASSERT_EQ(want("status", 10), 0);
	ASSERT_EQ(want("", 10), 0);
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

static void add_text(struct img *img, const char *path, const char *text, int layer)
{
	int r = fakeimg_add_file(img, path, text, strlen(text), 0644, layer);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "cannot add %s: %d", path, r);
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

static size_t count_type(const struct img *img, enum pkg_type t)
{
	size_t n = 0;
	for (size_t i = 0; i < img->pkgs.n; i++)
		n += img->pkgs.items[i]->type == t;
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

TEST(dpkg_claircore_debian_only)
{
	struct img *img = new_img();
	add_shared(img, "var/lib/dpkg/status", "pkgdb/dpkg/claircore-debian-only.status", 0);
	run(img);
	ASSERT_EQ(count_type(img, PKG_DEB), 1);
	const struct pkg *p = need(img, "debian-archive-keyring");
	ASSERT_STREQ(p->version, "2019.1");
	ASSERT_STREQ(p->arch, "all");
	ASSERT_STREQ(p->found_by, "dpkg");
	ASSERT_STREQ(p->location, "/var/lib/dpkg/status");
	ASSERT_STREQ(p->supplier, "Debian Release Team <packages@release.debian.org>");
	ASSERT_STREQ(p->description, "GnuPG archive keys of the Debian archive");
	ASSERT_NULL(p->source_name);
	ASSERT_EQ(p->layer, 0);
	img_free(img);
}

TEST(dpkg_claircore_postgresql)
{
	struct img *img = new_img();
	add_shared(img, "var/lib/dpkg/status", "pkgdb/dpkg/claircore-postgresql.status", 0);
	run(img);
	/* grep -c '^Package:' = 3, all "install ok installed" */
	ASSERT_EQ(count_type(img, PKG_DEB), 3);
	img_free(img);
}

TEST(dpkg_trivy_valid)
{
	struct img *img = new_img();
	add_shared(img, "var/lib/dpkg/status", "pkgdb/dpkg/trivy-valid.status", 0);
	run(img);
	/* 91 stanzas, one "deinstall ok config-files" (git) */
	ASSERT_EQ(count_type(img, PKG_DEB), 90);
	ASSERT_NULL(fakeimg_find(img, "git", NULL));

	const struct pkg *p = need(img, "bsdutils");
	ASSERT_STREQ(p->version, "1:2.31.1-0.4ubuntu3.1");
	ASSERT_STREQ(p->arch, "amd64");
	ASSERT_STREQ(p->source_name, "util-linux");
	ASSERT_STREQ(p->source_version, "2.31.1-0.4ubuntu3.1");

	p = need(img, "libgcc1");
	ASSERT_STREQ(p->version, "1:8-20180414-1ubuntu2");
	ASSERT_STREQ(p->source_name, "gcc-8");
	ASSERT_STREQ(p->source_version, "8-20180414-1ubuntu2");

	p = need(img, "libc6");
	ASSERT_STREQ(p->version, "2.27-3ubuntu1");
	ASSERT_STREQ(p->source_name, "glibc");
	ASSERT_NULL(p->source_version);

	p = need(img, "liblzma5");
	ASSERT_STREQ(p->version, "5.1.1alpha+20120614-2+b3");
	ASSERT_STREQ(p->source_name, "xz-utils");
	ASSERT_STREQ(p->source_version, "5.1.1alpha+20120614-2");

	p = need(img, "adduser");
	ASSERT_STREQ(p->arch, "all");
	ASSERT_NULL(p->source_name);

	/* Depends: base-files (>= 2.1.12), debianutils (>= 2.15);
	 * Pre-Depends: libc6 (>= 2.15), libtinfo5 (>= 6) */
	p = need(img, "bash");
	ASSERT_EQ(p->depends.n, 4);
	ASSERT_TRUE(has(&p->depends, "base-files"));
	ASSERT_TRUE(has(&p->depends, "debianutils"));
	ASSERT_TRUE(has(&p->depends, "libc6"));
	ASSERT_TRUE(has(&p->depends, "libtinfo5"));
	img_free(img);
}

TEST(dpkg_texlive_fast)
{
	struct img *img = new_img();
	add_shared(img, "var/lib/dpkg/status", "pkgdb/dpkg/claircore-texlive.status", 0);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	run(img);
	clock_gettime(CLOCK_MONOTONIC, &b);
	double ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	/* 357 stanzas, all "install ok installed" */
	ASSERT_EQ(count_type(img, PKG_DEB), 357);
	/* Generous bound (sanitizer builds, loaded CI): the parse itself takes a few ms. */
	ASSERT_TRUE(ms < 2000.0);
	img_free(img);
}

TEST(dpkg_distroless_status_d)
{
	struct img *img = new_img();
	add_shared(img, "var/lib/dpkg/status.d/libsqlite3-0",
		   "pkgdb/dpkg/distroless-status.d/libsqlite3-0", 1);
	add_shared(img, "var/lib/dpkg/status.d/libsqlite3-0.md5sums",
		   "pkgdb/dpkg/distroless-status.d/libsqlite3-0.md5sums", 1);
	add_text(img, "var/lib/dpkg/status.d/base",
		 "Package: base-files\nVersion: 12.4+deb12u5\nArchitecture: amd64\n"
		 "Status: install ok installed\n", 0);
	run(img);
	ASSERT_EQ(count_type(img, PKG_DEB), 2);
	const struct pkg *p = need(img, "libsqlite3-0");
	ASSERT_STREQ(p->version, "3.34.1-3");
	ASSERT_STREQ(p->arch, "arm64");
	ASSERT_STREQ(p->source_name, "sqlite3");
	ASSERT_NULL(p->source_version);
	ASSERT_STREQ(p->homepage, "https://www.sqlite.org/");
	ASSERT_STREQ(p->description, "SQLite 3 shared library");
	ASSERT_STREQ(p->location, "/var/lib/dpkg/status.d/libsqlite3-0");
	ASSERT_EQ(p->layer, 1);
	/* libc6 is not installed: the name is kept as written */
	ASSERT_TRUE(has(&p->depends, "libc6"));
	/* files from the .md5sums companion */
	ASSERT_TRUE(has(&p->files, "/usr/lib/aarch64-linux-gnu/libsqlite3.so.0.8.6"));
	ASSERT_TRUE(has(&p->files, "/usr/share/doc/libsqlite3-0/README.Debian"));
	p = need(img, "base-files");
	ASSERT_EQ(p->layer, 0);
	img_free(img);
}

TEST(dpkg_malformed_stanzas)
{
	struct img *img = new_img();
	add_fixture(img, "var/lib/dpkg/status", "tests/fixtures/pkgdb/dpkg/malformed.status", 0);
	enum log_level saved = log_get_level();
	log_set_level(LOG_LVL_WARNING);
	unsigned before = log_warning_count();
	run(img);
	log_set_level(saved);
	/* no-version, no Package, bad line, duplicate field */
	ASSERT_EQ(log_warning_count() - before, 4);
	ASSERT_EQ(count_type(img, PKG_DEB), 3);
	ASSERT_STREQ(need(img, "good-one")->version, "1.0-1");
	ASSERT_STREQ(need(img, "unpacked-one")->version, "4.2");
	const struct pkg *p = need(img, "good-two");
	ASSERT_STREQ(p->version, "1:5.0~rc1-2");
	ASSERT_STREQ(p->source_name, "good-src");
	ASSERT_STREQ(p->source_version, "5.0~rc1-1");
	ASSERT_STREQ(p->description, "the second good package");
	ASSERT_NULL(fakeimg_find(img, "no-version", NULL));
	ASSERT_NULL(fakeimg_find(img, "bad-line", NULL));
	ASSERT_NULL(fakeimg_find(img, "dup-field", NULL));
	ASSERT_NULL(fakeimg_find(img, "removed", NULL));
	ASSERT_NULL(fakeimg_find(img, "half", NULL));
	img_free(img);
}

#define LIT(x) { x, sizeof(x) - 1 }

TEST(dpkg_garbage_input)
{
	static const struct {
		const char *s;
		size_t len;
	} inputs[] = {
		LIT(""),
		LIT("\n\n\n"),
		LIT("no colon here\n"),
		LIT(" continuation first\n"),
		LIT("Package: x\n"),
		LIT("Package: x\nVersion: 1\0binary\n"),
		LIT("Package:\nVersion:\n"),
		LIT("Package: a b\nVersion: 1\n"),
		LIT(":\n:\n"),
		LIT("Package: x\r\nVersion: 1\r\n\r\n"),
		LIT("Package: x\nVersion: 1\nDepends: ,,| |,(,\n Provides\n"),
	};
	for (size_t i = 0; i < ARRAY_SIZE(inputs); i++) {
		struct img *img = new_img();
		ASSERT_OK(fakeimg_add_file(img, "var/lib/dpkg/status", inputs[i].s, inputs[i].len,
					   0644, 0));
		run(img);
		ASSERT_TRUE(count_type(img, PKG_DEB) <= 1);
		img_free(img);
	}
}

TEST(dpkg_depends_alternatives_and_provides)
{
	struct img *img = new_img();
	add_text(img, "var/lib/dpkg/status",
		 "Package: app\nStatus: install ok installed\nVersion: 1\nArchitecture: amd64\n"
		 "Depends: missing-one | cdebconf, debconf (>= 0.5) | debconf-2.0,\n"
		 " libc6:any (>= 2.3) [amd64], awk, libfoo\n"
		 "Pre-Depends: dpkg (>= 1.15)\n\n"
		 "Package: cdebconf\nStatus: install ok installed\nVersion: 1\n"
		 "Architecture: amd64\n\n"
		 "Package: mawk\nStatus: install ok installed\nVersion: 1\nArchitecture: amd64\n"
		 "Provides: awk\n\n"
		 "Package: libc6\nStatus: install ok installed\nVersion: 2.36\n"
		 "Architecture: amd64\n"
		 "Depends: libc6, libgcc-s1\n",
		 0);
	run(img);
	const struct pkg *p = need(img, "app");
	/* cdebconf (first installed alternative), debconf (none installed: first),
	 * libc6, mawk (provides awk), libfoo (unknown: kept), dpkg */
	ASSERT_EQ(p->depends.n, 6);
	ASSERT_TRUE(has(&p->depends, "cdebconf"));
	ASSERT_TRUE(has(&p->depends, "debconf"));
	ASSERT_TRUE(has(&p->depends, "libc6"));
	ASSERT_TRUE(has(&p->depends, "mawk"));
	ASSERT_TRUE(has(&p->depends, "libfoo"));
	ASSERT_TRUE(has(&p->depends, "dpkg"));
	/* self-dependencies are dropped */
	p = need(img, "libc6");
	ASSERT_EQ(p->depends.n, 1);
	ASSERT_STREQ(p->depends.v[0], "libgcc-s1");
	img_free(img);
}

TEST(dpkg_files_from_list)
{
	struct img *img = new_img();
	add_text(img, "var/lib/dpkg/status",
		 "Package: libc6\nStatus: install ok installed\nVersion: 2.36-9\n"
		 "Architecture: amd64\nMulti-Arch: same\n\n"
		 "Package: bash\nStatus: install ok installed\nVersion: 5.2-1\n"
		 "Architecture: amd64\n",
		 0);
	ASSERT_OK(fakeimg_add_dir(img, "usr", 0));
	ASSERT_OK(fakeimg_add_dir(img, "usr/bin", 0));
	add_text(img, "usr/bin/bash", "ELF", 0);
	add_text(img, "var/lib/dpkg/info/libc6:amd64.list",
		 "/.\n/usr\n/usr/lib/x86_64-linux-gnu/libc.so.6\n/etc/ld.so.conf.d/x.conf\n", 0);
	add_text(img, "var/lib/dpkg/info/bash.list",
		 "/.\n/usr\n/usr/bin\n/usr/bin/bash\n/usr/share/doc/bash/my file\n", 0);
	run(img);
	const struct pkg *p = need(img, "libc6");
	/* "/usr" is a directory in the image: left out; the rest is kept even when absent */
	ASSERT_EQ(p->files.n, 2);
	ASSERT_TRUE(has(&p->files, "/usr/lib/x86_64-linux-gnu/libc.so.6"));
	ASSERT_TRUE(has(&p->files, "/etc/ld.so.conf.d/x.conf"));
	ASSERT_FALSE(has(&p->files, "/usr"));
	ASSERT_FALSE(has(&p->files, "/."));
	p = need(img, "bash");
	ASSERT_EQ(p->files.n, 2);
	ASSERT_TRUE(has(&p->files, "/usr/bin/bash"));
	ASSERT_TRUE(has(&p->files, "/usr/share/doc/bash/my file"));
	img_free(img);
}

TEST(dpkg_dep5_licences)
{
	struct img *img = new_img();
	add_text(img, "var/lib/dpkg/status",
		 "Package: libexample1\nStatus: install ok installed\nVersion: 1\n"
		 "Architecture: amd64\n\n"
		 "Package: plain\nStatus: install ok installed\nVersion: 1\nArchitecture: all\n\n"
		 "Package: nolicence\nStatus: install ok installed\nVersion: 1\n"
		 "Architecture: all\n",
		 0);
	/* the doc dir is a symlink to another package's, as Debian often does */
	add_fixture(img, "usr/share/doc/example-common/copyright",
		    "tests/fixtures/pkgdb/dpkg/copyright-dep5", 0);
	ASSERT_OK(fakeimg_add_symlink(img, "usr/share/doc/libexample1", "example-common", 0));
	add_fixture(img, "usr/share/doc/plain/copyright",
		    "tests/fixtures/pkgdb/dpkg/copyright-plain", 0);
	run(img);
	const struct pkg *p = need(img, "libexample1");
	ASSERT_TRUE(has(&p->licenses, "GPL-2.0-or-later"));
	ASSERT_TRUE(has(&p->licenses, "LGPL-2.1-or-later"));
	ASSERT_TRUE(has(&p->licenses, "MIT"));
	ASSERT_TRUE(has(&p->licenses, "BSD-3-Clause"));
	ASSERT_TRUE(has(&p->licenses, "public-domain"));
	ASSERT_TRUE(has(&p->licenses, "Zlib"));
	ASSERT_TRUE(has(&p->licenses, "GPL-3.0-or-later"));
	ASSERT_TRUE(has(&p->licenses, "ISC")); /* after a comma ending "with ... exception" */
	ASSERT_EQ(p->licenses.n, 8);
	p = need(img, "plain");
	ASSERT_TRUE(has(&p->licenses, "GPL-2.0-only"));
	ASSERT_TRUE(has(&p->licenses, "Artistic"));
	ASSERT_EQ(p->licenses.n, 2);
	ASSERT_EQ(need(img, "nolicence")->licenses.n, 0);
	img_free(img);
}

static const char status_l0[] = "Package: base\nStatus: install ok installed\nVersion: 1\n"
				"Architecture: amd64\n";
static const char status_l1[] = "Package: base\nStatus: install ok installed\nVersion: 1\n"
				"Architecture: amd64\n\n"
				"Package: tool\nStatus: install ok installed\nVersion: 1\n"
				"Architecture: amd64\n";
static const char status_l2[] = "Package: base\nStatus: install ok installed\nVersion: 1\n"
				"Architecture: amd64\n\n"
				"Package: tool\nStatus: install ok installed\nVersion: 2\n"
				"Architecture: amd64\n\n"
				"Package: extra\nStatus: install ok installed\nVersion: 1\n"
				"Architecture: amd64\n";

TEST(dpkg_layer_attribution_from_history)
{
	struct img *img = new_img();
	add_text(img, "var/lib/dpkg/status", status_l0, 0);
	add_text(img, "etc/hostname", "x\n", 1);
	add_text(img, "var/lib/dpkg/status", status_l1, 2);
	add_text(img, "var/lib/dpkg/status", status_l2, 3);
	run(img);
	ASSERT_EQ(count_type(img, PKG_DEB), 3);
	ASSERT_EQ(need(img, "base")->layer, 0);   /* unchanged since layer 0 */
	ASSERT_EQ(need(img, "tool")->layer, 3);   /* upgraded in layer 3 */
	ASSERT_EQ(need(img, "extra")->layer, 3);  /* added in layer 3 */
	img_free(img);
}

TEST(dpkg_layer_attribution_two_layers)
{
	struct img *img = new_img();
	add_text(img, "var/lib/dpkg/status", status_l0, 0);
	add_text(img, "var/lib/dpkg/status", status_l1, 2);
	run(img);
	ASSERT_EQ(need(img, "base")->layer, 0);
	ASSERT_EQ(need(img, "tool")->layer, 2);
	img_free(img);
}
