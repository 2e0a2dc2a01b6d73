/* SPDX-License-Identifier: Apache-2.0 */
/* OSV range evaluation (src/vuln/range.c) against the semantics of the OSV schema. */
#include "common/json.h"
#include "common/limits.h"
#include "tap.h"
#include "vuln/osv.h"
#include "vuln/range.h"

static const struct vuln_ecosystem *eco(const char *name)
{
	const struct vuln_ecosystem *e = vuln_ecosystem_find(span_from(name));
	if (!e)
		tap_fail(__FILE__, __LINE__, "no ecosystem %s", name);
	return e;
}

/*
 * affected? for version against ranges/versions given as OSV JSON, after the round trip
 * the database makes (OSV record -> vuln_osv_parse -> encoded form -> evaluation);
 * fixed must equal want_fixed ("" = none).
 */
static void check(const char *ecosystem, const char *version, const char *ranges,
		  const char *versions, int want_affected, const char *want_fixed, int line)
{
	struct bh_limits l;
	bh_limits_default(&l);
	_cleanup_buf_ struct buf rec, er, ev;
	buf_init(&rec, 0);
	buf_init(&er, 0);
	buf_init(&ev, 0);
	ASSERT_OK(buf_printf(&rec, "{\"id\":\"T\",\"modified\":\"x\",\"affected\":[{\"package\":"
			      "{\"ecosystem\":\"%s\",\"name\":\"p\"},\"ranges\":%s,\"versions\":%s}]}",
			      ecosystem, ranges ? ranges : "[]", versions ? versions : "[]"));
	json_t *j = json_loads(buf_str(&rec), 0, NULL);
	if (!j)
		tap_fail(__FILE__, line, "bad test JSON");
	struct vuln_osv o;
	struct bh_diag d = { 0 };
	if (vuln_osv_parse(j, &l, "t", &o, &d) < 0)
		tap_fail(__FILE__, line, "record: %s", d.message);
	json_decref(j);
	ASSERT_OK(vuln_ranges_encode(&o.affected[0], &er));
	ASSERT_OK(vuln_versions_encode(&o.affected[0].versions, &ev));
	vuln_osv_done(&o);
	struct vuln_range_result res;
	int rc = vuln_range_eval(eco(ecosystem), version, buf_str(&er), buf_str(&ev), &res);
	if (want_affected < 0) {
		if (rc != -EINVAL)
			tap_fail(__FILE__, line, "%s %s: expected -EINVAL, got %d", ecosystem, version, rc);
		return;
	}
	if (rc < 0)
		tap_fail(__FILE__, line, "%s %s: error %d", ecosystem, version, rc);
	if (res.affected != (want_affected == 1))
		tap_fail(__FILE__, line, "%s %s: affected=%d, expected %d", ecosystem, version,
			 res.affected, want_affected);
	if (want_fixed && strcmp(res.fixed, want_fixed) != 0)
		tap_fail(__FILE__, line, "%s %s: fixed='%s', expected '%s'", ecosystem, version,
			 res.fixed, want_fixed);
}

#define CHECK(e, v, r, vs, a, f) check(e, v, r, vs, a, f, __LINE__)

TEST(range_introduced_fixed)
{
	const char *r = "[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"2.31.0\"}]}]";
	CHECK("PyPI", "2.30.0", r, NULL, 1, "2.31.0");
	CHECK("PyPI", "2.31.0", r, NULL, 0, "");
	CHECK("PyPI", "2.31.0.post1", r, NULL, 0, "");
	CHECK("PyPI", "2.31.0rc1", r, NULL, 1, "2.31.0");
	CHECK("PyPI", "0.0.1", r, NULL, 1, "2.31.0");
}

TEST(range_unsorted_events_and_two_intervals)
{
	/* Events in any order; two vulnerable intervals [0,1.21.12) and [1.22.0-0,1.22.5). */
	const char *r = "[{\"type\":\"SEMVER\",\"events\":[{\"fixed\":\"1.22.5\"},{\"introduced\":\"0\"},"
			"{\"introduced\":\"1.22.0-0\"},{\"fixed\":\"1.21.12\"}]}]";
	CHECK("Go", "v1.21.11", r, NULL, 1, "1.21.12");
	CHECK("Go", "v1.21.12", r, NULL, 0, "");
	CHECK("Go", "v1.22.0", r, NULL, 1, "1.22.5");
	CHECK("Go", "v1.22.5", r, NULL, 0, "");
	CHECK("Go", "1.22.1", r, NULL, 1, "1.22.5"); /* 'v' is added for Go */
	CHECK("Go", "v1.23.0", r, NULL, 0, "");
	/* A pseudo-version below 1.22.0 and above 1.21.12 is not affected. */
	CHECK("Go", "v1.21.13-0.20240101000000-abcdefabcdef", r, NULL, 0, "");
}

TEST(range_last_affected_and_limit)
{
	const char *la = "[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"1.2\"},{\"last_affected\":\"1.2.17\"}]}]";
	CHECK("Maven", "1.1", la, NULL, 0, "");
	CHECK("Maven", "1.2", la, NULL, 1, "");
	CHECK("Maven", "1.2.17", la, NULL, 1, "");
	CHECK("Maven", "1.2.18", la, NULL, 0, "");
	const char *lim = "[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"1.0.0\"},{\"limit\":\"2.0.0\"}]}]";
	CHECK("npm", "1.5.0", lim, NULL, 1, "");
	CHECK("npm", "2.0.0", lim, NULL, 0, "");
	const char *star = "[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"1.0.0\"},{\"limit\":\"*\"}]}]";
	CHECK("npm", "9.9.9", star, NULL, 1, "");
}

TEST(range_versions_list_and_git)
{
	/* GIT ranges name commits: only the enumerated versions match. */
	const char *git = "[{\"type\":\"GIT\",\"repo\":\"https://example.org/r\",\"events\":"
			  "[{\"introduced\":\"0\"},{\"fixed\":\"abcdef\"}]}]";
	CHECK("PyPI", "1.0", git, "[\"1.0\",\"1.1\"]", 1, "");
	CHECK("PyPI", "1.0.0", git, "[\"1.0\",\"1.1\"]", 1, ""); /* PEP 440: 1.0 == 1.0.0 */
	CHECK("PyPI", "1.2", git, "[\"1.0\",\"1.1\"]", 0, "");
	CHECK("RubyGems", "1.1.6", NULL, "[\"1.1.6\"]", 1, "");
	CHECK("RubyGems", "1.1.5", NULL, "[\"1.1.6\"]", 0, "");
}

TEST(range_lowest_fix_across_ranges_and_distro)
{
	const char *r = "[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"7.88.1-10+deb12u6\"}]},"
			"{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"7.88.1-10+deb12u8\"}]}]";
	CHECK("Debian", "7.88.1-10+deb12u5", r, NULL, 1, "7.88.1-10+deb12u6");
	CHECK("Debian", "7.88.1-10+deb12u6", r, NULL, 1, "7.88.1-10+deb12u8");
	CHECK("Debian", "7.88.1-10+deb12u8", r, NULL, 0, "");
	CHECK("Debian", "1:1.0-1", "[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"2.0-1\"}]}]",
	      NULL, 0, ""); /* epoch 1 is above any epoch-0 version */
	CHECK("Alpine", "3.1.4-r5", "[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"3.1.4-r6\"}]}]",
	      NULL, 1, "3.1.4-r6");
	/* Distro orderings accept what their tools accept, even odd strings. */
	CHECK("Alpine", "1.9.5p1-r0", "[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"1.9.5p2-r0\"}]}]",
	      NULL, 1, "1.9.5p2-r0");
}

TEST(range_invalid_language_versions_are_not_guessed)
{
	const char *r = "[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"1.2.3\"}]}]";
	CHECK("crates.io", "not-a-version", r, NULL, -1, NULL);
	CHECK("npm", "", r, NULL, -1, NULL);
	CHECK("crates.io", "v1.0.0", r, NULL, 1, "1.2.3"); /* SEMVER ranges drop a leading 'v' */
	char longv[VER_MAX_LEN + 8];
	memset(longv, '1', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	CHECK("PyPI", longv, r, NULL, -1, NULL);
}

TEST(pkg_key_identity)
{
	struct img *img = calloc(1, sizeof(*img));
	ASSERT_NOT_NULL(img);
	img->os.id = (char *)"ubuntu";
	img->os.version_id = (char *)"22.04";
	struct pkg p = { .type = PKG_DEB, .name = (char *)"libssl3", .version = (char *)"3.0.2-0ubuntu1.15",
			 .source_name = (char *)"openssl" };
	struct vuln_pkg_key k;
	ASSERT_OK(vuln_pkg_key_init(&k, &p, img));
	ASSERT_STREQ(k.eco->name, "Ubuntu");
	ASSERT_STREQ(buf_str(&k.name), "openssl");
	ASSERT_TRUE(vuln_ecosystem_release_applies(&k, span_from("22.04:LTS")));
	ASSERT_TRUE(vuln_ecosystem_release_applies(&k, span_from("22.04")));
	ASSERT_FALSE(vuln_ecosystem_release_applies(&k, span_from("Pro:22.04:LTS")));
	ASSERT_FALSE(vuln_ecosystem_release_applies(&k, span_from("20.04:LTS")));
	vuln_pkg_key_done(&k);
	p.version = (char *)"3.0.2-0ubuntu1.15+esm1";
	ASSERT_OK(vuln_pkg_key_init(&k, &p, img));
	ASSERT_TRUE(vuln_ecosystem_release_applies(&k, span_from("Pro:22.04:LTS")));
	vuln_pkg_key_done(&k);

	img->os.id = (char *)"alpine";
	img->os.version_id = (char *)"3.19.1";
	struct pkg a = { .type = PKG_APK, .name = (char *)"libcrypto3", .version = (char *)"3.1.4-r5",
			 .source_name = (char *)"openssl" };
	ASSERT_OK(vuln_pkg_key_init(&k, &a, img));
	ASSERT_STREQ(k.release, "v3.19");
	ASSERT_STREQ(buf_str(&k.name), "openssl");
	ASSERT_TRUE(vuln_ecosystem_release_applies(&k, span_from("v3.19")));
	ASSERT_FALSE(vuln_ecosystem_release_applies(&k, span_from("v3.1")));
	vuln_pkg_key_done(&k);

	img->os.id = (char *)"rhel";
	img->os.version_id = (char *)"9.3";
	struct pkg r = { .type = PKG_RPM, .name = (char *)"git-lfs", .version = (char *)"3.2.0-1.el9" };
	ASSERT_OK(vuln_pkg_key_init(&k, &r, img));
	ASSERT_TRUE(vuln_ecosystem_release_applies(&k, span_from("enterprise_linux:9::appstream")));
	ASSERT_TRUE(vuln_ecosystem_release_applies(&k, span_from("rhel_eus:9.2::appstream")));
	ASSERT_FALSE(vuln_ecosystem_release_applies(&k, span_from("enterprise_linux:8::appstream")));
	vuln_pkg_key_done(&k);

	/* Unknown distribution: not matched at all (no guessing from ID_LIKE). */
	img->os.id = (char *)"wolfi";
	ASSERT_ERR(vuln_pkg_key_init(&k, &a, img), -ENOENT);
	vuln_pkg_key_done(&k);

	struct pkg py = { .type = PKG_PYPI, .name = (char *)"Foo__Bar.baz", .version = (char *)"1.0" };
	ASSERT_OK(vuln_pkg_key_init(&k, &py, img));
	ASSERT_STREQ(buf_str(&k.name), "foo-bar-baz");
	vuln_pkg_key_done(&k);
	struct pkg npm = { .type = PKG_NPM, .name = (char *)"core", .namespace = (char *)"@babel",
			   .version = (char *)"7.23.2" };
	ASSERT_OK(vuln_pkg_key_init(&k, &npm, img));
	ASSERT_STREQ(buf_str(&k.name), "@babel/core");
	vuln_pkg_key_done(&k);
	struct pkg go = { .type = PKG_GOLANG, .name = (char *)"stdlib", .version = (char *)"go1.22.4" };
	ASSERT_OK(vuln_pkg_key_init(&k, &go, img));
	ASSERT_STREQ(k.version, "1.22.4");
	vuln_pkg_key_done(&k);
	free(img);
}

TEST(range_encoding_is_checked)
{
	/* A database is a file: malformed encodings are rejected, never over-read. */
	static const char *const bad[] = { "E", "E1", "E1:", "E1:x1:0", "E1:i9:0", "X1:i1:0",
					   "E2:i1:0", "E99999999999:i1:0", "E1:i1:0f" };
	struct vuln_range_result res;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (vuln_range_eval(eco("PyPI"), "1.0", bad[i], NULL, &res) != -EBADMSG)
			tap_fail(__FILE__, __LINE__, "'%s' accepted", bad[i]);
	ASSERT_ERR(vuln_range_eval(eco("PyPI"), "1.0", NULL, "5:1.0", &res), -EBADMSG);
	ASSERT_OK(vuln_range_eval(eco("PyPI"), "1.0", "E2:i1:0f3:2.0", "3:0.5", &res));
	ASSERT_TRUE(res.affected);
	ASSERT_STREQ(res.fixed, "2.0");
}
