/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-java.c — the Java archive cataloger: Trivy's jar fixtures (read in place; expected
 * values checked with `unzip -p` and sha1sum), and archives written here with libarchive
 * for nesting, MANIFEST.MF folding, licences and every bound (depth, entries, inflated
 * bytes), plus truncated and garbage archives.
 */
#include <archive.h>
#include <archive_entry.h>

#include "common/json.h"
#include "fakeimg.h"
#include "image/catalogers/catalog.h"
#include "tap.h"

static struct img *catalog_shared(const char *rel, const char *path)
{
	const char *disk = tap_shared_path(rel);
	if (!disk)
		TEST_SKIP("shared testdata absent");
	struct img *img = fakeimg_new();
	ASSERT_NOT_NULL(img);
	ASSERT_OK(fakeimg_add_file_from(img, path, disk, 0644, 2));
	ASSERT_OK(fakeimg_finish(img));
	struct bh_limits l;
	bh_limits_default(&l);
	struct bh_diag d = {0};
	ASSERT_OK(img_catalog(img, &l, &d));
	return img;
}

static struct img *catalog_one(const char *path, const void *data, size_t len)
{
	struct img *img = fakeimg_new();
	ASSERT_NOT_NULL(img);
	ASSERT_OK(fakeimg_add_file(img, path, data, len, 0644, 0));
	ASSERT_OK(fakeimg_finish(img));
	struct bh_limits l;
	bh_limits_default(&l);
	struct bh_diag d = {0};
	ASSERT_OK(img_catalog(img, &l, &d));
	return img;
}

static size_t count_java(const struct img *img)
{
	size_t n = 0;
	for (size_t i = 0; i < img->pkgs.n; i++)
		if (streq_ptr(img->pkgs.items[i]->found_by, "java"))
			n++;
	return n;
}

static const struct pkg *find_maven(const struct img *img, const char *group, const char *name,
				    const char *version)
{
	const struct pkg *p = fakeimg_find(img, name, version);
	ASSERT_NOT_NULL(p);
	ASSERT_EQ(p->type, PKG_MAVEN);
	ASSERT_STREQ(p->namespace, group);
	return p;
}

struct zent {
	const char *name;
	const void *data;
	size_t len;
};

/* A zip archive of the entries, deflated (or stored). */
static struct buf mkzip(const struct zent *e, size_t n, bool store)
{
	size_t cap = 1 << 16;
	for (size_t i = 0; i < n; i++)
		cap += e[i].len + 512;
	struct buf b;
	buf_init(&b, 0);
	ASSERT_OK(buf_reserve(&b, cap));
	size_t used = 0;
	struct archive *a = archive_write_new();
	ASSERT_NOT_NULL(a);
	ASSERT_EQ(archive_write_set_format_zip(a), ARCHIVE_OK);
	if (store)
		ASSERT_EQ(archive_write_set_options(a, "zip:compression=store"), ARCHIVE_OK);
	ASSERT_EQ(archive_write_open_memory(a, b.ptr, cap, &used), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *ae = archive_entry_new();
		archive_entry_set_pathname(ae, e[i].name);
		archive_entry_set_size(ae, (la_int64_t)e[i].len);
		archive_entry_set_filetype(ae, AE_IFREG);
		archive_entry_set_perm(ae, 0644);
		ASSERT_EQ(archive_write_header(a, ae), ARCHIVE_OK);
		if (e[i].len)
			ASSERT_EQ(archive_write_data(a, e[i].data, e[i].len), (la_ssize_t)e[i].len);
		archive_entry_free(ae);
	}
	ASSERT_EQ(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	b.len = used;
	return b;
}

#define ZTEXT(n, s)                                                                                \
	{                                                                                          \
		(n), (s), sizeof(s) - 1                                                            \
	}

static json_t *reduce_json(const char *path, struct buf *zip, const struct bh_limits *l)
{
	_cleanup_buf_ struct buf out;
	buf_init(&out, 0);
	ASSERT_OK(img_cataloger_java.reduce(span_from(path), buf_span(zip), l, &out));
	json_error_t err;
	json_t *j = json_loadb(out.ptr, out.len, 0, &err);
	ASSERT_NOT_NULL(j);
	return j;
}

static bool json_has_pkg(json_t *j, const char *a, const char *v)
{
	json_t *p;
	size_t i;
	json_array_foreach(json_object_get(j, "p"), i,
			   p) if (streq(json_string_value(json_object_get(p, "a")), a) &&
				  streq(json_string_value(json_object_get(p, "v")), v)) return true;
	return false;
}

static bool json_has_warning(json_t *j, const char *needle)
{
	json_t *w;
	size_t i;
	json_array_foreach(json_object_get(j, "w"), i,
			   w) if (strstr(json_string_value(w), needle)) return true;
	return false;
}

TEST(want)
{
	const struct img_cataloger *c = &img_cataloger_java;
	ASSERT_EQ(c->want(SPAN_LIT("opt/app/lib/x.jar"), 0644, 10), IMG_WANT_CONTENT);
	ASSERT_EQ(c->want(SPAN_LIT("opt/APP.JAR"), 0644, 10), IMG_WANT_CONTENT);
	ASSERT_EQ(c->want(SPAN_LIT("srv/a.war"), 0644, 10), IMG_WANT_CONTENT);
	ASSERT_EQ(c->want(SPAN_LIT("srv/a.Ear"), 0644, 10), IMG_WANT_CONTENT);
	ASSERT_EQ(c->want(SPAN_LIT("var/jenkins/plugins/git.jpi"), 0644, 10), IMG_WANT_CONTENT);
	ASSERT_EQ(c->want(SPAN_LIT("var/jenkins/plugins/git.hpi"), 0644, 10), IMG_WANT_CONTENT);
	ASSERT_EQ(c->want(SPAN_LIT("a.jarx"), 0644, 10), 0);
	ASSERT_EQ(c->want(SPAN_LIT("jar"), 0644, 10), 0);
	ASSERT_EQ(c->want(SPAN_LIT("x.zip"), 0644, 10), 0);
}

TEST(manifest_only_jar)
{
	struct img *img = catalog_shared("pkgdb/java/test.jar", "opt/test.jar");
	ASSERT_EQ(count_java(img), 1);
	/* groupId from Bundle-SymbolicName "org.springframework.core" without its last part */
	const struct pkg *p =
	    find_maven(img, "org.springframework", "Spring Framework", "2.5.6.SEC03");
	ASSERT_STREQ(p->checksum, "sha1:c666f5bc47eb64ed3bbd13505a26f58be71f33f0");
	ASSERT_STREQ(p->location, "/opt/test.jar");
	ASSERT_STREQ(p->found_by, "java");
	ASSERT_EQ(p->layer, 2);
	img_free(img);
}

TEST(fat_jar)
{
	struct img *img = catalog_shared("pkgdb/java/hadoop-shaded-guava-1.1.0-SNAPSHOT.jar",
					 "lib/hadoop-shaded-guava-1.1.0-SNAPSHOT.jar");
	ASSERT_EQ(count_java(img), 5);
	const struct pkg *p = find_maven(img, "org.apache.hadoop.thirdparty", "hadoop-shaded-guava",
					 "1.1.0-SNAPSHOT");
	ASSERT_STREQ(p->checksum, "sha1:c844bff4c199b01c4edba3d47dc562b719a9ed34");
	if (p->purl && strncmp(p->purl, "pkg:generic", 11) != 0)
		ASSERT_STREQ(
		    p->purl,
		    "pkg:maven/org.apache.hadoop.thirdparty/hadoop-shaded-guava@1.1.0-SNAPSHOT");
	p = find_maven(img, "com.google.guava", "guava", "29.0-jre");
	ASSERT_NULL(p->checksum); /* bundled, not the archive itself */
	ASSERT_STREQ(p->location, "/lib/hadoop-shaded-guava-1.1.0-SNAPSHOT.jar");
	find_maven(img, "com.google.guava", "failureaccess", "1.0.1");
	find_maven(img, "com.google.guava", "listenablefuture",
		   "9999.0-empty-to-avoid-conflict-with-guava");
	find_maven(img, "com.google.j2objc", "j2objc-annotations", "1.3");
	img_free(img);
}

TEST(file_name_heuristic)
{
	struct img *img = catalog_shared("pkgdb/java/heuristic-1.0.0-SNAPSHOT.jar",
					 "heuristic-1.0.0-SNAPSHOT.jar");
	ASSERT_EQ(count_java(img), 1);
	/* no groupId anywhere: the artifactId doubles as namespace, as Syft does */
	const struct pkg *p = find_maven(img, "heuristic", "heuristic", "1.0.0-SNAPSHOT");
	ASSERT_STREQ(p->checksum, "sha1:94bc1b256ed6c2abd9991774a33c05dce7dd00e3");
	img_free(img);
}

TEST(nested_jars)
{
	struct img *img = catalog_shared("pkgdb/java/nested.jar", "app/nested.jar");
	ASSERT_EQ(count_java(img), 3);
	const struct pkg *p = find_maven(img, "test", "nested", "0.0.1");
	ASSERT_STREQ(p->location, "/app/nested.jar");
	ASSERT_STREQ(p->checksum, "sha1:16e646495b935f0439ba13d4b3da8d7b12e98117");
	p = find_maven(img, "test", "nested2", "0.0.2");
	ASSERT_STREQ(p->location, "/app/nested.jar:META-INF/jars/nested2.jar");
	ASSERT_STREQ(p->checksum, "sha1:5368e0210474c08e7b7a820f7a4be254a5e3cb41");
	ASSERT_EQ(p->layer, 2);
	p = find_maven(img, "test", "nested3", "0.0.3");
	ASSERT_STREQ(p->location,
		     "/app/nested.jar:META-INF/jars/nested2.jar:META-INF/jars/nested3.jar");
	ASSERT_STREQ(p->checksum, "sha1:349216149af2592489a5ebf0878f5cbd5b93015b");
	img_free(img);
}

TEST(nested_depth_limit)
{
	const char *disk = tap_shared_path("pkgdb/java/nested.jar");
	if (!disk)
		TEST_SKIP("shared testdata absent");
	size_t len;
	_cleanup_free_ char *data = tap_read_file(disk, &len);
	ASSERT_NOT_NULL(data);
	struct buf zip = {.ptr = data, .len = len};
	struct bh_limits l;
	bh_limits_default(&l);
	l.archive_max_depth = 1;
	json_t *j = reduce_json("nested.jar", &zip, &l);
	ASSERT_TRUE(json_has_pkg(j, "nested", "0.0.1"));
	ASSERT_TRUE(json_has_pkg(j, "nested2", "0.0.2"));
	ASSERT_FALSE(json_has_pkg(j, "nested3", "0.0.3"));
	ASSERT_TRUE(json_has_warning(j, "archive-max-depth"));
	json_decref(j);
}

static const char inner_manifest[] = "Manifest-Version: 1.0\n\n";
static const char lib_pom[] = "#Generated by Maven\n"
			      "version=1.1\n"
			      "groupId=com.acme\n"
			      "artifactId=lib\n";
static const char app_pom[] = "groupId = com.acme\nartifactId: app\nversion=2.0.0\n";
static const char war_manifest[] =
    "Manifest-Version: 1.0\r\n"
    "Bundle-License: Apache-2.0;link=\"https://www.apache.org/licenses/LICENSE-2.0.txt\",\r\n"
    " \"https://opensource.org/licenses/MIT\", <<EXTERNAL>>\r\n"
    "\r\n";

TEST(war_with_libs_and_licenses)
{
	struct zent inner_e[] = {ZTEXT("META-INF/MANIFEST.MF", inner_manifest)};
	struct buf inner = mkzip(inner_e, 1, false);
	struct zent lib_e[] = {ZTEXT("META-INF/maven/com.acme/lib/pom.properties", lib_pom)};
	struct buf lib = mkzip(lib_e, 1, false);
	struct zent war_e[] = {
	    ZTEXT("META-INF/MANIFEST.MF", war_manifest),
	    ZTEXT("META-INF/maven/com.acme/app/pom.properties", app_pom),
	    {"WEB-INF/lib/inner-2.0.jar", inner.ptr, inner.len},
	    {"WEB-INF/lib/lib.jar", lib.ptr, lib.len},
	    ZTEXT("WEB-INF/classes/x.class", "\xca\xfe\xba\xbe"),
	};
	struct buf war = mkzip(war_e, ARRAY_SIZE(war_e), true);
	struct img *img = catalog_one("srv/app.war", war.ptr, war.len);
	ASSERT_EQ(count_java(img), 3);
	const struct pkg *p = find_maven(img, "com.acme", "app", "2.0.0");
	ASSERT_STREQ(p->location, "/srv/app.war");
	ASSERT_NOT_NULL(p->checksum);
	ASSERT_EQ(p->licenses.n, 2);
	ASSERT_STREQ(p->licenses.v[0], "Apache-2.0");
	ASSERT_STREQ(p->licenses.v[1], "MIT");
	p = find_maven(img, "com.acme", "lib", "1.1");
	ASSERT_STREQ(p->location, "/srv/app.war:WEB-INF/lib/lib.jar");
	ASSERT_NOT_NULL(p->checksum);
	ASSERT_EQ(p->licenses.n, 0);
	p = find_maven(img, "inner", "inner", "2.0");
	ASSERT_STREQ(p->location, "/srv/app.war:WEB-INF/lib/inner-2.0.jar");
	img_free(img);

	/* cut in half: no central directory; whatever is readable is listed, nothing crashes */
	for (size_t cut = 0; cut < war.len; cut += war.len / 16 + 1) {
		struct img *t = catalog_one("srv/cut.war", war.ptr, cut);
		img_free(t);
	}
	buf_done(&war);
	buf_done(&lib);
	buf_done(&inner);
}

static const char folded_manifest[] = "Manifest-Version: 1.0\r\n"
				      "Implementation-Title: long-\r\n"
				      " title\r\n"
				      "Implementation-Version: 3.\r\n"
				      " 1\r\n"
				      "Bundle-Name: %bundle.name\r\n"
				      "implementation-vendor-id: org.example\r\n"
				      "\r\n"
				      "Name: foo/\r\n"
				      "Implementation-Version: 9\r\n";
static const char cr_manifest[] = "Manifest-Version: 1.0\r"
				  "Specification-Title: crtitle\r"
				  "Specification-Version: 7\r"
				  "Specification-Vendor: CR Corp\r";

TEST(manifest_folding_and_sections)
{
	struct zent e[] = {ZTEXT("META-INF/MANIFEST.MF", folded_manifest)};
	struct buf zip = mkzip(e, 1, false);
	struct img *img = catalog_one("plain.jar", zip.ptr, zip.len);
	ASSERT_EQ(count_java(img), 1);
	find_maven(img, "org.example", "long-title", "3.1");
	img_free(img);
	buf_done(&zip);

	struct zent e2[] = {ZTEXT("META-INF/MANIFEST.MF", cr_manifest)};
	zip = mkzip(e2, 1, false);
	img = catalog_one("cr.jar", zip.ptr, zip.len);
	ASSERT_EQ(count_java(img), 1);
	find_maven(img, "CR Corp", "crtitle", "7");
	img_free(img);
	buf_done(&zip);
}

TEST(garbage_is_warned_not_listed)
{
	static const char junk[] = "PK\x03\x04 this is not really a zip archive at all";
	struct img *img = catalog_one("junk-1.0.jar", junk, sizeof(junk) - 1);
	ASSERT_EQ(count_java(img), 0);
	img_free(img);

	struct bh_limits l;
	bh_limits_default(&l);
	struct buf zip = {.ptr = (char *)junk, .len = sizeof(junk) - 1};
	json_t *j = reduce_json("junk-1.0.jar", &zip, &l);
	ASSERT_TRUE(json_has_warning(j, "not a zip archive"));
	json_decref(j);

	/* pom.properties without a version is skipped with a warning; the rest is listed */
	struct zent e[] = {
	    ZTEXT("META-INF/maven/a/b/pom.properties", "groupId=a\nartifactId=b\n"),
	    ZTEXT("META-INF/maven/c/d/pom.properties", "groupId=c\nartifactId=d\nversion=1\n"),
	};
	struct buf z2 = mkzip(e, 2, false);
	j = reduce_json("x.jar", &z2, &l);
	ASSERT_TRUE(json_has_pkg(j, "d", "1"));
	ASSERT_FALSE(json_has_pkg(j, "b", ""));
	ASSERT_TRUE(json_has_warning(j, "lacks groupId, artifactId or version"));
	json_decref(j);
	buf_done(&z2);
}

TEST(entry_limit)
{
	struct zent e[12];
	char names[12][64];
	for (size_t i = 0; i < ARRAY_SIZE(e); i++) {
		ASSERT_OK(xsnprintf(names[i], sizeof(names[i]),
				    "META-INF/maven/g/a%zu/pom.properties", i));
		e[i] = (struct zent){names[i], "groupId=g\nartifactId=a\nversion=1\n", 32};
	}
	struct buf zip = mkzip(e, ARRAY_SIZE(e), false);
	struct bh_limits l;
	bh_limits_default(&l);
	l.archive_max_entries = 3;
	json_t *j = reduce_json("many.jar", &zip, &l);
	ASSERT_TRUE(json_has_warning(j, "archive-max-entries"));
	ASSERT_EQ(json_array_size(json_object_get(j, "p")), 1); /* same g:a:v three times */
	json_decref(j);
	buf_done(&zip);
}

TEST(zip_bomb_and_big_entries)
{
	size_t big = 600 << 10;
	_cleanup_free_ char *zeros = calloc(1, big);
	ASSERT_NOT_NULL(zeros);
	struct zent inner_e[] = {{"zeros.bin", zeros, big}};
	struct buf inner = mkzip(inner_e, 1, true); /* stored: the nested jar is ~600 KB */
	struct zent e[] = {
	    {"lib/a-1.jar", inner.ptr, inner.len},
	    {"lib/b-1.jar", inner.ptr, inner.len},
	    {"lib/c-1.jar", inner.ptr, inner.len},
	    {"META-INF/maven/x/y/pom.properties", zeros, big},
	};
	struct buf zip = mkzip(e, ARRAY_SIZE(e), false); /* deflated: a few KB */
	ASSERT_TRUE(zip.len < 64 << 10);
	struct bh_limits l;
	bh_limits_default(&l);
	l.capture_max_bytes = 1 << 20;
	json_t *j = reduce_json("bomb.jar", &zip, &l);
	ASSERT_TRUE(json_has_pkg(j, "a", "1"));
	ASSERT_FALSE(json_has_pkg(j, "c", "1"));
	ASSERT_TRUE(json_has_warning(j, "possible zip bomb"));
	json_decref(j);

	/* an entry bigger than the capture bound is skipped on its own */
	l.capture_max_bytes = 512 << 10;
	j = reduce_json("bomb.jar", &zip, &l);
	ASSERT_TRUE(json_has_warning(j, "larger than"));
	json_decref(j);
	buf_done(&zip);
	buf_done(&inner);
}
