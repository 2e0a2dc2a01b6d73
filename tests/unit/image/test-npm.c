/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-npm.c — the npm cataloger: which package.json files are packages (direct children
 * of node_modules, scoped or not, nested node_modules, not files deeper inside a package),
 * fields (licence forms, author forms, dependencies), lock files v1/v2/v3 from the shared
 * upstream fixtures (trivy's) with exact counts, workspaces and links, de-duplication
 * against installed packages next to the lock file, malformed files skipped.
 */
#include "image/catalogers/catalog.h"
#include "fakeimg.h"
#include "tap.h"

static unsigned want(const char *path)
{
	return img_cataloger_npm.want(span_from(path), 0644, 100);
}

TEST(npm_want_paths)
{
	ASSERT_EQ(want("app/node_modules/express/package.json"), IMG_WANT_CONTENT);
	ASSERT_EQ(want("node_modules/express/package.json"), IMG_WANT_CONTENT);
	ASSERT_EQ(want("app/node_modules/@babel/core/package.json"), IMG_WANT_CONTENT);
	ASSERT_EQ(want("app/node_modules/a/node_modules/b/package.json"), IMG_WANT_CONTENT);
	ASSERT_EQ(want("app/node_modules/a/node_modules/@s/b/package.json"), IMG_WANT_CONTENT);
	ASSERT_EQ(want("usr/lib/node_modules/npm/node_modules/abbrev/package.json"),
		  IMG_WANT_CONTENT);
	ASSERT_EQ(want("app/package-lock.json"), IMG_WANT_CONTENT);
	ASSERT_EQ(want("package-lock.json"), IMG_WANT_CONTENT);
	ASSERT_EQ(want("app/npm-shrinkwrap.json"), IMG_WANT_CONTENT);

	ASSERT_EQ(want("app/node_modules/express/test/package.json"), 0);
	ASSERT_EQ(want("app/node_modules/@babel/runtime/helpers/esm/package.json"), 0);
	ASSERT_EQ(want("app/node_modules/@babel/package.json"), 0);
	ASSERT_EQ(want("app/node_modules/.bin/package.json"), 0);
	ASSERT_EQ(want("app/node_modules/package.json"), 0);
	ASSERT_EQ(want("app/package.json"), 0);
	ASSERT_EQ(want("package.json"), 0);
	ASSERT_EQ(want("app/node_modules/foo/package-lock.json"), 0);
	ASSERT_EQ(want("app/node_modules/.package-lock.json"), 0);
	ASSERT_EQ(want("app/node_modules/express/index.js"), 0);
	ASSERT_EQ(want(""), 0);
}

static struct img *new_img(void)
{
	struct img *img = fakeimg_new();
	if (!img)
		tap_fail(__FILE__, __LINE__, "fakeimg_new");
	return img;
}

static void add_str(struct img *img, const char *path, const char *json, int layer)
{
	int r = fakeimg_add_file(img, path, json, strlen(json), 0644, layer);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "cannot add %s: %d", path, r);
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

/* npm packages found in location (NULL: anywhere). */
static size_t count_at(const struct img *img, const char *location)
{
	size_t n = 0;
	for (size_t i = 0; i < img->pkgs.n; i++) {
		const struct pkg *p = img->pkgs.items[i];
		if (streq_ptr(p->found_by, "npm") &&
		    (!location || streq_ptr(p->location, location)))
			n++;
	}
	return n;
}

static const struct pkg *find_at(const struct img *img, const char *ns, const char *name,
				 const char *version, const char *location)
{
	for (size_t i = 0; i < img->pkgs.n; i++) {
		const struct pkg *p = img->pkgs.items[i];
		if (streq_ptr(p->found_by, "npm") && streq_ptr(p->namespace, ns) &&
		    streq_ptr(p->name, name) && streq_ptr(p->version, version) &&
		    (!location || streq_ptr(p->location, location)))
			return p;
	}
	return NULL;
}

static const struct pkg *get(const struct img *img, const char *ns, const char *name,
			     const char *version, const char *location)
{
	const struct pkg *p = find_at(img, ns, name, version, location);
	if (!p)
		tap_fail(__FILE__, __LINE__, "no npm package %s/%s@%s in %s", ns ? ns : "", name,
			 version, location ? location : "*");
	return p;
}

TEST(npm_installed_packages)
{
	_cleanup_(img_freep) struct img *img = new_img();
	add_str(img, "app/node_modules/express/package.json",
		"{\"name\":\"express\",\"version\":\"4.18.2\",\"license\":\"MIT\","
		"\"author\":\"TJ Holowaychuk <tj@vision-media.ca>\","
		"\"description\":\"Fast, unopinionated\\nsecond line\","
		"\"homepage\":\"http://expressjs.com/\","
		"\"dependencies\":{\"debug\":\"2.6.9\",\"@types/node\":\"*\"},"
		"\"optionalDependencies\":{\"fsevents\":\"*\"},"
		"\"peerDependencies\":{\"react\":\">=16\"},"
		"\"devDependencies\":{\"mocha\":\"*\"}}",
		1);
	add_str(img, "app/node_modules/express/node_modules/debug/package.json",
		"{\"name\":\"debug\",\"version\":\"2.6.9\",\"license\":{\"type\":\"MIT\",\"url\":"
		"\"x\"},"
		"\"author\":{\"name\":\"TJ\",\"email\":\"tj@x.org\",\"url\":\"u\"}}",
		1);
	add_str(img, "app/node_modules/@babel/core/package.json",
		"{\"name\":\"@babel/core\",\"version\":\"7.22.0\","
		"\"licenses\":[{\"type\":\"MIT\"},\"Apache-2.0\",{\"url\":\"no type\"}],"
		"\"author\":{\"email\":\"only@mail\"}}",
		2);
	/* An alias install: the directory name is not the package name. */
	add_str(img, "app/node_modules/strip-ansi-cjs/package.json",
		"{\"name\":\"strip-ansi\",\"version\":\"6.0.1\",\"license\":\"(MIT OR CC0-1.0)\"}",
		2);
	/* Not packages: deeper inside a package. */
	add_str(img, "app/node_modules/express/test/package.json",
		"{\"name\":\"fixture\",\"version\":\"0.0.0\"}", 1);
	add_str(img, "app/node_modules/@babel/core/lib/esm/package.json", "{\"type\":\"module\"}",
		2);
	/* The global npm and one of its bundled packages. */
	add_str(img, "usr/lib/node_modules/npm/package.json",
		"{\"name\":\"npm\",\"version\":\"9.8.1\",\"license\":\"Artistic-2.0\"}", 0);
	add_str(img, "usr/lib/node_modules/npm/node_modules/abbrev/package.json",
		"{\"name\":\"abbrev\",\"version\":\"2.0.0\",\"license\":\"ISC\"}", 0);
	catalog(img);
	ASSERT_EQ(count_at(img, NULL), 6);

	const struct pkg *p =
	    get(img, NULL, "express", "4.18.2", "/app/node_modules/express/package.json");
	ASSERT_EQ(p->type, PKG_NPM);
	ASSERT_EQ(p->layer, 1);
	ASSERT_EQ(p->licenses.n, 1);
	ASSERT_STREQ(p->licenses.v[0], "MIT");
	ASSERT_STREQ(p->supplier, "TJ Holowaychuk <tj@vision-media.ca>");
	ASSERT_STREQ(p->description, "Fast, unopinionated");
	ASSERT_STREQ(p->homepage, "http://expressjs.com/");
	ASSERT_EQ(p->depends.n, 4);
	ASSERT_STREQ(p->depends.v[0], "@types/node");
	ASSERT_STREQ(p->depends.v[1], "debug");
	ASSERT_STREQ(p->depends.v[2], "fsevents");
	ASSERT_STREQ(p->depends.v[3], "react");

	p = get(img, NULL, "debug", "2.6.9",
		"/app/node_modules/express/node_modules/debug/package.json");
	ASSERT_STREQ(p->licenses.v[0], "MIT");
	ASSERT_STREQ(p->supplier, "TJ <tj@x.org>");

	p = get(img, "@babel", "core", "7.22.0", "/app/node_modules/@babel/core/package.json");
	ASSERT_EQ(p->layer, 2);
	ASSERT_EQ(p->licenses.n, 2);
	ASSERT_STREQ(p->licenses.v[0], "Apache-2.0");
	ASSERT_STREQ(p->licenses.v[1], "MIT");
	ASSERT_STREQ(p->supplier, "only@mail");
	ASSERT_STREQ(p->purl, "pkg:npm/%40babel/core@7.22.0");

	p = get(img, NULL, "strip-ansi", "6.0.1", NULL);
	ASSERT_STREQ(p->licenses.v[0], "(MIT OR CC0-1.0)");

	get(img, NULL, "npm", "9.8.1", "/usr/lib/node_modules/npm/package.json");
	get(img, NULL, "abbrev", "2.0.0",
	    "/usr/lib/node_modules/npm/node_modules/abbrev/package.json");
	ASSERT_NULL(find_at(img, NULL, "fixture", "0.0.0", NULL));
}

TEST(npm_malformed_package_json_skipped)
{
	_cleanup_(img_freep) struct img *img = new_img();
	add_str(img, "n/node_modules/trunc/package.json", "{\"name\":\"trunc\",\"version\":", 0);
	add_str(img, "n/node_modules/dup/package.json",
		"{\"name\":\"dup\",\"version\":\"1.0.0\",\"version\":\"2.0.0\"}", 0);
	add_str(img, "n/node_modules/noversion/package.json", "{\"name\":\"noversion\"}", 0);
	add_str(img, "n/node_modules/noname/package.json", "{\"version\":\"1.0.0\"}", 0);
	add_str(img, "n/node_modules/array/package.json", "[1,2]", 0);
	add_str(img, "n/node_modules/types/package.json", "{\"name\":1,\"version\":[]}", 0);
	add_str(img, "n/node_modules/badname/package.json",
		"{\"name\":\"has space\",\"version\":\"1.0.0\"}", 0);
	add_str(img, "n/node_modules/badscope/package.json", "{\"name\":\"@/x\",\"version\":\"1\"}",
		0);
	add_str(img, "n/node_modules/empty/package.json", "", 0);
	add_str(img, "n/node_modules/odd/package.json",
		"{\"name\":\"odd\",\"version\":\"1.0.0\",\"license\":[\"MIT\"],\"licenses\":7,"
		"\"author\":[],\"description\":5,\"homepage\":{},\"dependencies\":[\"a\"],"
		"\"peerDependencies\":{\"bad name\":\"1\",\"ok\":\"1\"}}",
		0);
	add_str(img, "n/node_modules/good/package.json",
		"{\"name\":\"good\",\"version\":\"1.0.0\"}", 0);
	ASSERT_EQ(catalog_warnings(img), 9);
	ASSERT_EQ(count_at(img, NULL), 2);
	const struct pkg *p = get(img, NULL, "odd", "1.0.0", NULL);
	ASSERT_EQ(p->licenses.n, 0);
	ASSERT_NULL(p->supplier);
	ASSERT_NULL(p->description);
	ASSERT_NULL(p->homepage);
	ASSERT_EQ(p->depends.n, 1);
	ASSERT_STREQ(p->depends.v[0], "ok");
	get(img, NULL, "good", "1.0.0", NULL);
}

TEST(npm_shared_lockfiles)
{
	_cleanup_(img_freep) struct img *img = new_img();
	add_shared(img, "srv/v1/package-lock.json", "pkgdb/npm/package-lock_v1.json", 0);
	add_shared(img, "srv/v2/package-lock.json", "pkgdb/npm/package-lock_v2.json", 1);
	add_shared(img, "srv/v3/package-lock.json", "pkgdb/npm/package-lock_v3.json", 2);
	add_shared(img, "srv/ws/package-lock.json", "pkgdb/npm/package-lock_v3_with_workspace.json",
		   3);
	add_shared(img, "srv/peer/package-lock.json", "pkgdb/npm/package-lock_v3_with_peer.json",
		   4);
	catalog(img);
	/* 33 entries each, 31 distinct name@version (debug@2.6.9, ms@2.0.0 appear twice). */
	ASSERT_EQ(count_at(img, "/srv/v1/package-lock.json"), 31);
	ASSERT_EQ(count_at(img, "/srv/v2/package-lock.json"), 31);
	ASSERT_EQ(count_at(img, "/srv/v3/package-lock.json"), 31);
	/* Workspace: links skipped, unversioned member skipped, nested_func named by its link. */
	ASSERT_EQ(count_at(img, "/srv/ws/package-lock.json"), 5);
	ASSERT_EQ(count_at(img, "/srv/peer/package-lock.json"), 5);
	ASSERT_EQ(count_at(img, NULL), 31 * 3 + 5 + 5);

	static const char *const locs[] = {"/srv/v1/package-lock.json", "/srv/v2/package-lock.json",
					   "/srv/v3/package-lock.json"};
	for (size_t i = 0; i < ARRAY_SIZE(locs); i++) {
		const struct pkg *p = get(img, "@babel", "helper-string-parser", "7.19.4", locs[i]);
		ASSERT_EQ(p->layer, (int)i);
		p = get(img, NULL, "body-parser", "1.18.3", locs[i]);
		ASSERT_EQ(p->depends.n, 10);
		ASSERT_STREQ(p->depends.v[0], "bytes");
		ASSERT_STREQ(p->depends.v[9], "type-is");
		p = get(img, NULL, "debug", "2.5.2", locs[i]); /* a dev dependency: kept */
		ASSERT_EQ(p->depends.n, 1);
		ASSERT_STREQ(p->depends.v[0], "ms");
		get(img, NULL, "debug", "2.6.9", locs[i]);
		get(img, NULL, "ms", "0.7.2", locs[i]);
		get(img, NULL, "ms", "1.0.0", locs[i]);
		get(img, NULL, "ms", "2.0.0", locs[i]);
		get(img, NULL, "promise", "8.3.0", locs[i]);
		ASSERT_NULL(find_at(img, NULL, "node_v1", "1.0.0", locs[i]));
	}
	const char *ws = "/srv/ws/package-lock.json";
	get(img, NULL, "nested_func", "1.0.0", ws);
	get(img, NULL, "debug", "2.5.2", ws);
	get(img, NULL, "debug", "2.6.9", ws);
	get(img, NULL, "ms", "0.7.2", ws);
	get(img, NULL, "ms", "2.0.0", ws);
	ASSERT_NULL(find_at(img, NULL, "function1", NULL, ws));

	const char *peer = "/srv/peer/package-lock.json";
	const struct pkg *p = get(img, NULL, "mustache", "2.3.2", peer);
	ASSERT_EQ(p->licenses.n, 1);
	ASSERT_STREQ(p->licenses.v[0], "MIT");
	p = get(img, NULL, "winston", "3.17.0", peer);
	ASSERT_EQ(p->depends.n, 1);
	ASSERT_STREQ(p->depends.v[0], "triple-beam");
	get(img, NULL, "lodash", "4.17.21", peer);
	get(img, NULL, "triple-beam", "1.4.1", peer);
	get(img, NULL, "winston-mail", "2.0.0", peer);
}

TEST(npm_lock_dedupe_against_installed)
{
	_cleanup_(img_freep) struct img *img = new_img();
	add_str(img, "app/package-lock.json",
		"{\"lockfileVersion\":3,\"packages\":{"
		"\"\":{\"name\":\"app\",\"version\":\"1.0.0\"},"
		"\"node_modules/a\":{\"version\":\"1.0.0\"},"
		"\"node_modules/b\":{\"version\":\"2.0.0\"},"
		"\"node_modules/a/node_modules/@s/c\":{\"version\":\"3.0.0\",\"license\":\"ISC\"},"
		"\"node_modules/d\":{\"version\":\"4.0.0\"},"
		"\"node_modules/alias\":{\"name\":\"real\",\"version\":\"5.0.0\"},"
		"\"node_modules/e\":{\"dev\":true,\"optional\":true,\"version\":\"6.0.0\"},"
		"\"node_modules/nover\":{},"
		"\"node_modules/junk\":7}}",
		0);
	/* Installed next to the lock: a and @s/c match exactly; b differs in version. */
	add_str(img, "app/node_modules/a/package.json", "{\"name\":\"a\",\"version\":\"1.0.0\"}",
		1);
	add_str(img, "app/node_modules/b/package.json", "{\"name\":\"b\",\"version\":\"2.0.1\"}",
		1);
	add_str(img, "app/node_modules/a/node_modules/@s/c/package.json",
		"{\"name\":\"@s/c\",\"version\":\"3.0.0\"}", 1);
	/* Same name@version installed elsewhere does not count. */
	add_str(img, "other/node_modules/d/package.json", "{\"name\":\"d\",\"version\":\"4.0.0\"}",
		1);
	/* A lock file inside node_modules is ignored; so is the root package.json. */
	add_str(img, "app/node_modules/a/package-lock.json",
		"{\"lockfileVersion\":1,\"dependencies\":{\"zz\":{\"version\":\"1.0.0\"}}}", 1);
	add_str(img, "app/package.json", "{\"name\":\"app\",\"version\":\"1.0.0\"}", 0);
	catalog(img);
	const char *lock = "/app/package-lock.json";
	ASSERT_EQ(count_at(img, lock), 4);
	get(img, NULL, "b", "2.0.0", lock);
	get(img, NULL, "d", "4.0.0", lock);
	get(img, NULL, "real", "5.0.0", lock);
	get(img, NULL, "e", "6.0.0", lock);
	ASSERT_NULL(find_at(img, NULL, "a", "1.0.0", lock));
	ASSERT_NULL(find_at(img, "@s", "c", "3.0.0", lock));
	get(img, "@s", "c", "3.0.0", "/app/node_modules/a/node_modules/@s/c/package.json");
	ASSERT_EQ(count_at(img, NULL), 8);
	ASSERT_NULL(find_at(img, NULL, "zz", "1.0.0", NULL));
	ASSERT_NULL(find_at(img, NULL, "app", "1.0.0", NULL));
}

TEST(npm_lock_v1_nested_and_odd)
{
	_cleanup_(img_freep) struct img *img = new_img();
	add_str(
	    img, "npm-shrinkwrap.json",
	    "{\"lockfileVersion\":1,\"dependencies\":{"
	    "\"a\":{\"version\":\"1.0.0\",\"requires\":{\"b\":\"^2\"},\"dependencies\":{"
	    "  \"b\":{\"version\":\"2.0.0\",\"dependencies\":{\"c\":{\"version\":\"3.0.0\"}}}}},"
	    "\"b\":{\"version\":\"2.1.0\"},"
	    "\"local\":{\"version\":\"file:packages/local\"},"
	    "\"s-w\":{\"version\":\"npm:string-width@4.2.3\"},"
	    "\"@x/y\":{\"version\":\"npm:@x/z@1.0.0\"},"
	    "\"bad\":{\"version\":\"npm:\"},"
	    "\"git\":{\"version\":\"github:user/repo#abc\"},"
	    "\"junk\":[1]}}",
	    0);
	/* Installed copy of the nested b@2.0.0 in the right place: the lock entry is dropped. */
	add_str(img, "node_modules/a/node_modules/b/package.json",
		"{\"name\":\"b\",\"version\":\"2.0.0\"}", 1);
	catalog(img);
	const char *lock = "/npm-shrinkwrap.json";
	ASSERT_EQ(count_at(img, lock), 6);
	const struct pkg *p = get(img, NULL, "a", "1.0.0", lock);
	ASSERT_EQ(p->depends.n, 1);
	ASSERT_STREQ(p->depends.v[0], "b");
	get(img, NULL, "b", "2.1.0", lock);
	get(img, NULL, "c", "3.0.0", lock);
	get(img, NULL, "string-width", "4.2.3", lock);
	get(img, "@x", "z", "1.0.0", lock);
	get(img, NULL, "git", "github:user/repo#abc", lock);
	ASSERT_NULL(find_at(img, NULL, "b", "2.0.0", lock));
	get(img, NULL, "b", "2.0.0", "/node_modules/a/node_modules/b/package.json");
}

TEST(npm_lock_malformed)
{
	_cleanup_(img_freep) struct img *img = new_img();
	add_str(img, "a/package-lock.json", "{\"lockfileVersion\":2,\"packages\":", 0);
	add_str(img, "b/package-lock.json", "\"just a string\"", 0);
	add_str(img, "c/package-lock.json", "{\"lockfileVersion\":\"x\",\"packages\":[]}", 0);
	add_str(
	    img, "d/package-lock.json",
	    "{\"lockfileVersion\":2,\"packages\":{\"node_modules/ok\":{\"version\":\"1.0.0\"}}}",
	    0);
	ASSERT_EQ(catalog_warnings(img), 2);
	ASSERT_EQ(count_at(img, NULL), 1);
	get(img, NULL, "ok", "1.0.0", "/d/package-lock.json");
}
