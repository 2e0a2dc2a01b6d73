/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-rpm.c — the rpm cataloger on the three database formats from the shared upstream
 * fixtures (go-rpmdb's): sqlite (CBL-Mariner), NDB (SLE 15 BCI), BerkeleyDB (libuuid).
 * Expected counts and values were checked independently: sqlite and BerkeleyDB with a
 * small librpm program, NDB with a Python walk of the slot pages and header tags.
 * Also: the var/lib/rpm -> usr/lib/sysimage/rpm link read once, unsupported and corrupt
 * databases (warning, no packages, no failure) and removal of the temporary directory.
 */
#include <dirent.h>
#include <stdio.h>
#include <sys/stat.h>

#include "image/catalogers/catalog.h"
#include "fakeimg.h"
#include "tap.h"

TEST(rpm_want_paths)
{
	const struct img_cataloger *c = &img_cataloger_rpm;
	ASSERT_EQ(c->want(span_from("var/lib/rpm/rpmdb.sqlite"), 0644, 10), IMG_WANT_CONTENT);
	ASSERT_EQ(c->want(span_from("var/lib/rpm/Packages"), 0644, 10), IMG_WANT_CONTENT);
	ASSERT_EQ(c->want(span_from("var/lib/rpm/Packages.db"), 0644, 10), IMG_WANT_CONTENT);
	ASSERT_EQ(c->want(span_from("usr/lib/sysimage/rpm/rpmdb.sqlite"), 0644, 10),
		  IMG_WANT_CONTENT);
	ASSERT_EQ(c->want(span_from("usr/lib/sysimage/rpm/Packages.db"), 0644, 10),
		  IMG_WANT_CONTENT);
	ASSERT_EQ(c->want(span_from("var/lib/rpm/rpmdb.sqlite-shm"), 0644, 10), 0);
	ASSERT_EQ(c->want(span_from("var/lib/rpm/Name"), 0644, 10), 0);
	ASSERT_EQ(c->want(span_from("var/lib/rpm/x/Packages"), 0644, 10), 0);
	ASSERT_EQ(c->want(span_from("Packages"), 0644, 10), 0);
}

static struct img *new_img(void)
{
	struct img *img = fakeimg_new();
	if (!img)
		tap_fail(__FILE__, __LINE__, "fakeimg_new");
	return img;
}

static char *read_shared(const char *shared, size_t *ret_len)
{
	const char *disk = tap_shared_path(shared);
	if (!disk)
		TEST_SKIP("shared testdata absent");
	char *d = tap_read_file(disk, ret_len);
	if (!d)
		tap_fail(__FILE__, __LINE__, "cannot read %s", disk);
	return d;
}

static void add_shared(struct img *img, const char *image_path, const char *shared)
{
	const char *disk = tap_shared_path(shared);
	if (!disk) {
		img_free(img); /* the test ends here: do not leak it */
		TEST_SKIP("shared testdata absent");
	}
	int r = fakeimg_add_file_from(img, image_path, disk, 0644, 0);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "cannot add %s: %d", shared, r);
}

/* Catalogue with warnings counted; returns how many were issued. */
static unsigned run(struct img *img)
{
	struct bh_limits limits;
	bh_limits_default(&limits);
	struct bh_diag diag = { 0 };
	ASSERT_OK(fakeimg_finish(img));
	enum log_level saved = log_get_level();
	log_set_level(LOG_LVL_WARNING);
	unsigned before = log_warning_count();
	int r = img_catalog(img, &limits, &diag);
	log_set_level(saved);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "img_catalog: %d: %s", r, diag.message);
	return log_warning_count() - before;
}

static size_t count_rpm(const struct img *img)
{
	size_t n = 0;
	for (size_t i = 0; i < img->pkgs.n; i++)
		n += img->pkgs.items[i]->type == PKG_RPM;
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

TEST(rpm_sqlite_mariner)
{
	struct img *img = new_img();
	add_shared(img, "var/lib/rpm/rpmdb.sqlite", "pkgdb/rpm/cbl-mariner-2.0-rpmdb.sqlite");
	ASSERT_EQ(run(img), 0);
	/* 129 rows in the Packages table, no gpg-pubkey */
	ASSERT_EQ(count_rpm(img), 129);

	const struct pkg *p = need(img, "ca-certificates-tools");
	ASSERT_STREQ(p->version, "2.0.0-1.cm2");
	ASSERT_TRUE(p->has_epoch);
	ASSERT_EQ(p->epoch, 1);
	ASSERT_STREQ(p->arch, "noarch");
	ASSERT_STREQ(p->source_name, "ca-certificates");
	ASSERT_NULL(p->source_version);
	ASSERT_STREQ(p->licenses.v[0], "MPLv2.0");

	p = need(img, "glibc");
	ASSERT_STREQ(p->version, "2.34-2.cm2");
	ASSERT_FALSE(p->has_epoch);
	ASSERT_EQ(p->epoch, 0);
	ASSERT_STREQ(p->arch, "x86_64");
	ASSERT_NULL(p->source_name);
	ASSERT_EQ(p->licenses.n, 1);
	ASSERT_STREQ(p->licenses.v[0], "BSD AND GPLv2+ AND Inner-Net AND ISC AND LGPLv2+ AND MIT");

	p = need(img, "curl");
	ASSERT_STREQ(p->version, "7.76.0-6.cm2");
	ASSERT_STREQ(p->supplier, "Microsoft Corporation");
	ASSERT_STREQ(p->homepage, "https://curl.haxx.se");
	ASSERT_STREQ(p->description, "An URL retrieval utility and library");
	ASSERT_STREQ(p->location, "/var/lib/rpm/rpmdb.sqlite");
	ASSERT_EQ(p->layer, 0);
	/* files, without the directory /usr/share/licenses/curl */
	ASSERT_EQ(p->files.n, 5);
	ASSERT_TRUE(has(&p->files, "/usr/bin/curl"));
	ASSERT_TRUE(has(&p->files, "/usr/share/licenses/curl/COPYING"));
	ASSERT_FALSE(has(&p->files, "/usr/share/licenses/curl"));
	/* requires resolved: /bin/sh (bash provides it), libc.so.6() (glibc), libcurl.so.4
	 * (curl-libs), libz.so.1 (zlib), plain names; rpmlib() dropped */
	ASSERT_TRUE(has(&p->depends, "bash"));
	ASSERT_TRUE(has(&p->depends, "glibc"));
	ASSERT_TRUE(has(&p->depends, "curl-libs"));
	ASSERT_TRUE(has(&p->depends, "zlib"));
	ASSERT_TRUE(has(&p->depends, "krb5"));
	ASSERT_TRUE(has(&p->depends, "libssh2"));
	ASSERT_TRUE(has(&p->depends, "openssl"));
	ASSERT_FALSE(has(&p->depends, "curl"));
	for (size_t i = 0; i < p->depends.n; i++)
		ASSERT_TRUE(strchr(p->depends.v[i], '(') == NULL);
	img_free(img);
}

TEST(rpm_ndb_sle15)
{
	struct img *img = new_img();
	add_shared(img, "usr/lib/sysimage/rpm/Packages.db", "pkgdb/rpm/sle15-bci-Packages.db");
	ASSERT_OK(fakeimg_add_symlink(img, "var/lib/rpm", "../../usr/lib/sysimage/rpm", 0));
	ASSERT_EQ(run(img), 0);
	/* 35 filled slots, no gpg-pubkey; the link does not make it read twice */
	ASSERT_EQ(count_rpm(img), 35);
	const struct pkg *p = need(img, "bash");
	ASSERT_STREQ(p->version, "4.4-19.6.1");
	ASSERT_STREQ(p->arch, "x86_64");
	ASSERT_FALSE(p->has_epoch);
	ASSERT_NULL(p->source_name);
	ASSERT_STREQ(p->location, "/usr/lib/sysimage/rpm/Packages.db");
	p = need(img, "libreadline7");
	ASSERT_STREQ(p->version, "7.0-19.6.1");
	ASSERT_STREQ(p->source_name, "bash");
	ASSERT_STREQ(p->source_version, "4.4-19.6.1");
	p = need(img, "libstdc++6");
	ASSERT_STREQ(p->version, "11.2.1+git610-1.3.9");
	ASSERT_STREQ(p->source_name, "gcc11");
	ASSERT_NULL(p->source_version); /* same as the binary's */
	ASSERT_TRUE(p->files.n > 0);
	img_free(img);
}

TEST(rpm_bdb_libuuid)
{
	struct img *img = new_img();
	add_shared(img, "var/lib/rpm/Packages", "pkgdb/rpm/libuuid-Packages.bdb");
	ASSERT_EQ(run(img), 0);
	ASSERT_EQ(count_rpm(img), 1);
	const struct pkg *p = need(img, "libuuid");
	ASSERT_STREQ(p->version, "2.32.1-42.el8_8");
	ASSERT_STREQ(p->arch, "x86_64");
	ASSERT_STREQ(p->source_name, "util-linux");
	ASSERT_NULL(p->source_version);
	ASSERT_STREQ(p->licenses.v[0], "BSD");
	img_free(img);
}

static void check_unsupported(const char *path, const void *data, size_t len)
{
	struct img *img = new_img();
	ASSERT_OK(fakeimg_add_file(img, path, data, len, 0644, 0));
	ASSERT_TRUE(run(img) >= 1);
	ASSERT_EQ(count_rpm(img), 0);
	img_free(img);
}

TEST(rpm_unsupported_formats)
{
	static const char junk[] = "this is not an rpm database at all, just some text\n";
	check_unsupported("var/lib/rpm/rpmdb.sqlite", junk, sizeof(junk) - 1);
	check_unsupported("var/lib/rpm/Packages", junk, sizeof(junk) - 1);
	check_unsupported("var/lib/rpm/Packages.db", junk, sizeof(junk) - 1);
	check_unsupported("var/lib/rpm/rpmdb.sqlite", "", 0);
	check_unsupported("var/lib/rpm/Packages", "", 0);
	/* a sqlite database that is not an rpmdb */
	static const char sqlite_magic[] = "SQLite format 3";
	char page[4096] = { 0 };
	memcpy(page, sqlite_magic, sizeof(sqlite_magic));
	check_unsupported("var/lib/rpm/rpmdb.sqlite", page, sizeof(page));
}

TEST(rpm_ndb_corrupt)
{
	size_t len;
	char *d = read_shared("pkgdb/rpm/sle15-bci-Packages.db", &len);
	/* Find the first blob and damage one byte of its header data: adler32 mismatch. */
	char *blob = memmem(d + 4096, len - 4096, "BlbS", 4);
	ASSERT_NOT_NULL(blob);
	blob[40] ^= 0x55;
	struct img *img = new_img();
	ASSERT_OK(fakeimg_add_file(img, "var/lib/rpm/Packages.db", d, len, 0644, 0));
	ASSERT_EQ(run(img), 1); /* "1 undecodable package header(s)" */
	ASSERT_EQ(count_rpm(img), 34);
	img_free(img);

	/* Truncated: the slot page points past the end; some packages remain. */
	img = new_img();
	ASSERT_OK(fakeimg_add_file(img, "var/lib/rpm/Packages.db", d, len / 2, 0644, 0));
	(void)run(img);
	ASSERT_TRUE(count_rpm(img) < 34);
	img_free(img);

	/* Slot page cut short: the whole database is rejected. */
	img = new_img();
	ASSERT_OK(fakeimg_add_file(img, "var/lib/rpm/Packages.db", d, 2000, 0644, 0));
	ASSERT_TRUE(run(img) >= 1);
	ASSERT_EQ(count_rpm(img), 0);
	img_free(img);

	/* Damaged slot magic. */
	memcpy(d + 48, "Xlot", 4);
	img = new_img();
	ASSERT_OK(fakeimg_add_file(img, "var/lib/rpm/Packages.db", d, len, 0644, 0));
	ASSERT_TRUE(run(img) >= 1);
	ASSERT_EQ(count_rpm(img), 0);
	img_free(img);
	free(d);
}

static size_t dir_entries(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return (size_t)-1;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

TEST(rpm_tempdir_removed)
{
	char tmpl[] = "/tmp/bh-test-rpm-XXXXXX";
	ASSERT_NOT_NULL(mkdtemp(tmpl));
	const char *old = getenv("TMPDIR");
	char *saved = old ? strdup(old) : NULL;
	ASSERT_OK(setenv("TMPDIR", tmpl, 1));

	struct img *img = new_img();
	add_shared(img, "var/lib/rpm/rpmdb.sqlite", "pkgdb/rpm/cbl-mariner-2.0-rpmdb.sqlite");
	(void)run(img);
	ASSERT_EQ(count_rpm(img), 129);
	img_free(img);
	ASSERT_EQ(dir_entries(tmpl), 0);

	img = new_img();
	ASSERT_OK(fakeimg_add_file(img, "var/lib/rpm/Packages", "junk", 4, 0644, 0));
	(void)run(img);
	img_free(img);
	ASSERT_EQ(dir_entries(tmpl), 0);

	if (saved)
		ASSERT_OK(setenv("TMPDIR", saved, 1));
	else
		ASSERT_OK(unsetenv("TMPDIR"));
	free(saved);
	ASSERT_OK(rmdir(tmpl));
}

/* Synthetic NDB databases written by tests/fixtures/pkgdb/rpm/mkndb.py. */
static struct img *fixture_img(const char *name)
{
	struct img *img = new_img();
	char rel[256];
	ASSERT_OK(xsnprintf(rel, sizeof(rel), "tests/fixtures/pkgdb/rpm/%s", name));
	ASSERT_OK(fakeimg_add_file_from(img, "var/lib/rpm/Packages.db", tap_src_path(rel), 0644,
					2));
	return img;
}

TEST(rpm_ndb_synthetic)
{
	struct img *img = fixture_img("two-packages");
	ASSERT_EQ(run(img), 0);
	ASSERT_EQ(count_rpm(img), 2);
	const struct pkg *p = need(img, "tool");
	ASSERT_STREQ(p->version, "2.1-3.el9");
	ASSERT_TRUE(p->has_epoch);
	ASSERT_EQ(p->epoch, 1);
	ASSERT_STREQ(p->source_name, "tool-suite");
	ASSERT_NULL(p->source_version);
	ASSERT_STREQ(p->supplier, "Example Vendor");
	ASSERT_STREQ(p->licenses.v[0], "GPL-2.0-or-later AND MIT");
	ASSERT_EQ(p->layer, 2);
	/* /usr/share/tool/d is a directory (FILEMODES) */
	ASSERT_EQ(p->files.n, 1);
	ASSERT_STREQ(p->files.v[0], "/usr/bin/tool");
	/* /bin/sh: file of "shell"; libc.so.6()(64bit): provided by "shell"; rpmlib() dropped;
	 * "missing-pkg" kept as a plain name */
	ASSERT_EQ(p->depends.n, 2);
	ASSERT_TRUE(has(&p->depends, "shell"));
	ASSERT_TRUE(has(&p->depends, "missing-pkg"));
	p = need(img, "shell");
	ASSERT_EQ(p->files.n, 2);
	ASSERT_EQ(p->depends.n, 0);
	img_free(img);
}

TEST(rpm_gpg_pubkey_skipped)
{
	struct img *img = fixture_img("gpg-pubkey");
	ASSERT_EQ(run(img), 0);
	ASSERT_EQ(count_rpm(img), 1);
	ASSERT_NULL(fakeimg_find(img, "gpg-pubkey", NULL));
	ASSERT_STREQ(need(img, "only")->arch, "noarch");
	img_free(img);

	img = fixture_img("empty");
	ASSERT_EQ(run(img), 0);
	ASSERT_EQ(count_rpm(img), 0);
	img_free(img);
}
