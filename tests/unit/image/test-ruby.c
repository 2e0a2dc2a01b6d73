/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-ruby.c — the Ruby cataloger: which paths it wants, installed gemspecs (shared
 * upstream fixtures from trivy and our own: other block variable, %q{} strings, escapes,
 * conditional dependency blocks, default gems), Gemfile.lock (shared fixtures with exact
 * counts, platform suffixes, GIT/PATH sections, CRLF), malformed records skipped.
 */
#include "image/catalogers/catalog.h"
#include "fakeimg.h"
#include "tap.h"

static unsigned want(const char *path)
{
	return img_cataloger_ruby.want(span_from(path), 0644, 100);
}

TEST(ruby_want_paths)
{
	ASSERT_EQ(want("usr/local/bundle/specifications/rake-13.0.3.gemspec"), IMG_WANT_CONTENT);
	ASSERT_EQ(want("usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec"),
		  IMG_WANT_CONTENT);
	ASSERT_EQ(want("specifications/x.gemspec"), IMG_WANT_CONTENT);
	ASSERT_EQ(want("specifications/default/x.gemspec"), IMG_WANT_CONTENT);
	ASSERT_EQ(want("app/Gemfile.lock"), IMG_WANT_CONTENT);
	ASSERT_EQ(want("Gemfile.lock"), IMG_WANT_CONTENT);
	ASSERT_EQ(want("app/gems.locked"), IMG_WANT_CONTENT);

	ASSERT_EQ(want("usr/local/bundle/gems/rake-13.0.3/rake.gemspec"), 0);
	ASSERT_EQ(want("app/default/x.gemspec"), 0);
	ASSERT_EQ(want("specifications/.gemspec"), 0);
	ASSERT_EQ(want("specifications/rake.gemspec.bak"), 0);
	ASSERT_EQ(want("app/Gemfile"), 0);
	ASSERT_EQ(want("app/Gemfile.lock.orig"), 0);
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

static void add_str(struct img *img, const char *path, const char *text, int layer)
{
	int r = fakeimg_add_file(img, path, text, strlen(text), 0644, layer);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "cannot add %s: %d", path, r);
}

static void catalog(struct img *img)
{
	struct bh_limits l;
	bh_limits_default(&l);
	struct bh_diag d = {0};
	if (fakeimg_finish(img) < 0 || img_catalog(img, &l, &d) < 0)
		tap_fail(__FILE__, __LINE__, "catalog failed: %s", d.message);
}

static unsigned catalog_warnings(struct img *img)
{
	log_set_level(LOG_LVL_WARNING);
	unsigned before = log_warning_count();
	catalog(img);
	log_set_level(LOG_LVL_ERROR);
	return log_warning_count() - before;
}

static size_t count_at(const struct img *img, const char *location)
{
	size_t n = 0;
	for (size_t i = 0; i < img->pkgs.n; i++) {
		const struct pkg *p = img->pkgs.items[i];
		if (streq_ptr(p->found_by, "ruby") &&
		    (!location || streq_ptr(p->location, location)))
			n++;
	}
	return n;
}

static const struct pkg *get(const struct img *img, const char *name, const char *version,
			     const char *location)
{
	for (size_t i = 0; i < img->pkgs.n; i++) {
		const struct pkg *p = img->pkgs.items[i];
		if (streq_ptr(p->found_by, "ruby") && streq_ptr(p->name, name) &&
		    streq_ptr(p->version, version) &&
		    (!location || streq_ptr(p->location, location)))
			return p;
	}
	tap_fail(__FILE__, __LINE__, "no gem %s %s in %s", name, version,
		 location ? location : "*");
}

#define SPECS "usr/local/bundle/specifications/"

TEST(ruby_shared_gemspecs)
{
	_cleanup_(img_freep) struct img *img = new_img();
	add_shared(img, SPECS "test-unit-3.3.7.gemspec",
		   "pkgdb/ruby/specifications/multiple_licenses.gemspec", 1);
	add_shared(img, SPECS "default/rake-13.0.3.gemspec",
		   "pkgdb/ruby/specifications/normal00.gemspec", 2);
	catalog(img);
	ASSERT_EQ(count_at(img, NULL), 2);

	const struct pkg *p = get(img, "test-unit", "3.3.7", "/" SPECS "test-unit-3.3.7.gemspec");
	ASSERT_EQ(p->type, PKG_GEM);
	ASSERT_EQ(p->layer, 1);
	ASSERT_EQ(p->licenses.n, 3);
	ASSERT_STREQ(p->licenses.v[0], "BSDL");
	ASSERT_STREQ(p->licenses.v[1], "PSFL");
	ASSERT_STREQ(p->licenses.v[2], "Ruby");
	ASSERT_STREQ(p->supplier, "Kouhei Sutou, Haruka Yoshihara");
	ASSERT_STREQ(p->homepage, "http://test-unit.github.io/");
	ASSERT_STREQ(p->description, "An xUnit family unit testing framework for Ruby.");
	/* Runtime only: the else branch repeats development dependencies as add_dependency. */
	ASSERT_EQ(p->depends.n, 1);
	ASSERT_STREQ(p->depends.v[0], "power_assert");

	p = get(img, "rake", "13.0.3", "/" SPECS "default/rake-13.0.3.gemspec");
	ASSERT_EQ(p->layer, 2);
	ASSERT_EQ(p->licenses.n, 1);
	ASSERT_STREQ(p->licenses.v[0], "MIT");
	ASSERT_STREQ(p->supplier, "Hiroshi SHIBATA, Eric Hodel, Jim Weirich");
	ASSERT_STREQ(p->homepage, "https://github.com/ruby/rake");
	ASSERT_STREQ(p->purl, "pkg:gem/rake@13.0.3");
	ASSERT_STREQ(p->description, "Rake is a Make-like program implemented in Ruby");
	ASSERT_EQ(p->depends.n, 0);
}

TEST(ruby_own_gemspecs)
{
	_cleanup_(img_freep) struct img *img = new_img();
	add_fixture(img, SPECS "nokogiri-1.15.4-x86_64-linux.gemspec",
		    "tests/fixtures/lang/ruby/nokogiri-1.15.4-x86_64-linux.gemspec", 0);
	add_fixture(img, "var/lib/gems/2.0/specifications/legacy-0.1.gemspec",
		    "tests/fixtures/lang/ruby/legacy-0.1.gemspec", 0);
	catalog(img);
	ASSERT_EQ(count_at(img, NULL), 2);

	const struct pkg *p = get(img, "nokogiri", "1.15.4", NULL);
	ASSERT_STREQ(p->supplier,
		     "Mike Dalessio, Aaron Patterson, Yoko Harada \xc3\x85\xf0\x9f\x98\x80");
	ASSERT_STREQ(p->description,
		     "Nokogiri (\xe9\x8b\xb8) makes it easy and painless to work with "
		     "XML and HTML from Ruby.");
	ASSERT_EQ(p->licenses.n, 1);
	ASSERT_STREQ(p->licenses.v[0], "MIT");
	ASSERT_EQ(p->depends.n, 2);
	ASSERT_STREQ(p->depends.v[0], "mini_portile2");
	ASSERT_STREQ(p->depends.v[1], "racc");

	p = get(img, "legacy", "0.1", "/var/lib/gems/2.0/specifications/legacy-0.1.gemspec");
	ASSERT_STREQ(p->supplier, "Old \"Timer\"");
	ASSERT_STREQ(p->description, "Uses %q{nested} braces and a } close");
	ASSERT_EQ(p->licenses.n, 2);
	ASSERT_STREQ(p->licenses.v[0], "GPL-2.0");
	ASSERT_STREQ(p->licenses.v[1], "Ruby");
	ASSERT_EQ(p->depends.n, 1);
	ASSERT_STREQ(p->depends.v[0], "json");
}

TEST(ruby_malformed_gemspecs_skipped)
{
	_cleanup_(img_freep) struct img *img = new_img();
	add_str(img, SPECS "noversion.gemspec",
		"Gem::Specification.new do |s|\n  s.name = \"noversion\".freeze\nend\n", 0);
	add_str(img, SPECS "noblock.gemspec", "s.name = \"x\"\ns.version = \"1\"\n", 0);
	add_str(img, SPECS "evaluated.gemspec",
		"Gem::Specification.new do |s|\n  s.name = File.read('x')\n"
		"  s.version = VERSION\nend\n",
		0);
	add_str(img, SPECS "unterminated.gemspec",
		"Gem::Specification.new do |s|\n  s.name = \"abc\n  s.version = \"1.0\"\nend\n", 0);
	add_str(img, SPECS "spaces.gemspec",
		"Gem::Specification.new do |s|\n  s.name = \"a b\"\n  s.version = \"1.0\"\nend\n",
		0);
	add_str(img, SPECS "empty.gemspec", "", 0);
	add_str(img, SPECS "ok.gemspec",
		"Gem::Specification.new do |g|\n  g.name = \"ok\"\n  g.version = \"2.0\"\n"
		"  g.licenses = [\"MIT\".freeze, oops]\n  g.summary = \"\\xFF\\u0001x\".freeze\n"
		"  g.add_runtime_dependency \"dep\", \">= 1\"\n  s.name = \"wrong var\"\nend\n",
		0);
	ASSERT_EQ(catalog_warnings(img), 6);
	ASSERT_EQ(count_at(img, NULL), 1);
	const struct pkg *p = get(img, "ok", "2.0", NULL);
	ASSERT_EQ(p->licenses.n, 1); /* "MIT" was read before the list went bad */
	ASSERT_STREQ(p->description, "?\x20x");
	ASSERT_EQ(p->depends.n, 1);
	ASSERT_STREQ(p->depends.v[0], "dep");
}

TEST(ruby_shared_lockfiles)
{
	_cleanup_(img_freep) struct img *img = new_img();
	add_shared(img, "app1/Gemfile.lock", "pkgdb/ruby/Gemfile_normal.lock", 0);
	add_shared(img, "app2/Gemfile.lock", "pkgdb/ruby/Gemfile_bundler2.lock", 1);
	catalog(img);
	ASSERT_EQ(count_at(img, "/app1/Gemfile.lock"), 7);
	ASSERT_EQ(count_at(img, "/app2/Gemfile.lock"), 8);

	const char *l1 = "/app1/Gemfile.lock";
	get(img, "coderay", "1.1.2", l1);
	get(img, "concurrent-ruby", "1.1.5", l1);
	get(img, "dotenv", "2.7.2", l1);
	const struct pkg *p = get(img, "faker", "1.9.3", l1);
	ASSERT_EQ(p->depends.n, 1);
	ASSERT_STREQ(p->depends.v[0], "i18n");
	get(img, "i18n", "1.6.0", l1);
	get(img, "method_source", "0.9.2", l1);
	p = get(img, "pry", "0.12.2", l1);
	ASSERT_EQ(p->layer, 0);
	ASSERT_EQ(p->depends.n, 2);
	ASSERT_STREQ(p->depends.v[0], "coderay");
	ASSERT_STREQ(p->depends.v[1], "method_source");

	const char *l2 = "/app2/Gemfile.lock";
	get(img, "coderay", "1.1.3", l2);
	get(img, "concurrent-ruby", "1.1.10", l2);
	get(img, "dotenv", "2.7.6", l2);
	get(img, "faker", "2.21.0", l2);
	p = get(img, "i18n", "1.10.0", l2);
	ASSERT_EQ(p->layer, 1);
	ASSERT_STREQ(p->depends.v[0], "concurrent-ruby");
	get(img, "json", "2.6.2", l2);
	get(img, "method_source", "1.0.0", l2);
	get(img, "pry", "0.14.1", l2);
}

TEST(ruby_lock_platforms_sections_malformed)
{
	_cleanup_(img_freep) struct img *img = new_img();
	add_fixture(img, "srv/Gemfile.lock", "tests/fixtures/lang/ruby/Gemfile-platforms.lock", 0);
	ASSERT_EQ(catalog_warnings(img), 3);
	const char *l = "/srv/Gemfile.lock";
	ASSERT_EQ(count_at(img, l), 5);
	const struct pkg *p = get(img, "rails", "7.1.0.alpha", l);
	ASSERT_EQ(p->depends.n, 1);
	ASSERT_STREQ(p->depends.v[0], "actionpack");
	p = get(img, "myapp", "0.1.0", l);
	ASSERT_STREQ(p->depends.v[0], "rails");
	get(img, "actionpack", "7.1.0", l);
	p = get(img, "nokogiri", "1.15.4", l); /* listed for two platforms, once here */
	ASSERT_EQ(p->depends.n, 1);
	ASSERT_STREQ(p->depends.v[0], "racc");
	get(img, "racc", "1.7.1", l);
}
