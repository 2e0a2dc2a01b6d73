/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-secret-config.c — the secret scanner's configuration: the documented example, every
 * kind of allow entry (paths skip files, values/lines/rules suppress findings and are
 * counted), disabled rules, builtin-allow off, and errors that name file, line and problem.
 */
#include "checks/secret-int.h"
#include "test-secret-lib.h"

static int parse(const char *text, struct sec_config **ret, struct bh_diag *d)
{
	struct bh_limits l;
	bh_limits_default(&l);
	return sec_config_parse(span_from(text), &l, "secrets.yaml", ret, d);
}

static struct sec_engine *engine_from(const char *text)
{
	struct bh_limits l;
	bh_limits_default(&l);
	struct sec_config *c = NULL;
	struct bh_diag d = { 0 };
	if (parse(text, &c, &d) < 0) {
		fprintf(stderr, "# config: %s:%u: %s\n", d.source, d.line, d.message);
		return NULL;
	}
	struct sec_engine *e = NULL;
	int r = sec_engine_new(c, &l, &e, &d);
	sec_config_free(c);
	return r < 0 ? NULL : e;
}

TEST(allow_entries)
{
	struct sec_engine *e = engine_from("# bulkhead secret scanner\n"
					   "version: 1\n"
					   "disable-rules: [BH-SECRET-046]\n"
					   "allow:\n"
					   "  - reason: fixtures\n"
					   "    paths: ['srv/app/tests/**', '*.sample']\n"
					   "  - rules: [BH-SECRET-010]\n"
					   "    values: ['^gh" "p_0']\n"
					   "  - lines: ['#\\s*nosecret']\n"
					   "  - rules: [BH-SECRET-036]\n"
					   "    paths: ['opt/demo/**']\n");
	ASSERT_NOT_NULL(e);
	size_t all = 75;
	ASSERT_EQ(sec_engine_rule_count(e), all - 1);
	struct sec_scanner *s = NULL;
	ASSERT_OK(sec_scanner_new(e, &s));
	struct bh_findings out = { 0 };
	char *t1 = tsec_expand("tok = gh" "p_{A:36}\n", 1, NULL);
	/* paths-only entry: the file is not scanned at all */
	ASSERT_EQ(tsec_scan(s, "srv/app/tests/unit/conf.py", t1, strlen(t1), 0, &out), 0);
	ASSERT_EQ(tsec_scan(s, "deep/dir/x.sample", t1, strlen(t1), 0, &out), 0);
	ASSERT_EQ(tsec_scan(s, "srv/app/conf.py", t1, strlen(t1), 0, &out), 1);
	ASSERT_EQ(out.n, 1);
	/* value regex, rule-scoped */
	char *t2 = tsec_expand("tok = gh" "p_0{A:35}\n", 2, NULL);
	ASSERT_EQ(tsec_scan(s, "srv/app/conf.py", t2, strlen(t2), 0, &out), 1);
	ASSERT_EQ(out.n, 1);
	/* line regex */
	char *t3 = tsec_expand("tok = gh" "p_{A:36}  # nosecret\n", 3, NULL);
	ASSERT_EQ(tsec_scan(s, "srv/app/conf.py", t3, strlen(t3), 0, &out), 1);
	ASSERT_EQ(out.n, 1);
	/* rule + path: only that rule is suppressed there */
	char *t4 = tsec_expand("a = sk" "_live_{A:30}\nb = gh" "p_{A:36}\n", 4, NULL);
	ASSERT_EQ(tsec_scan(s, "opt/demo/app.env", t4, strlen(t4), 0, &out), 1);
	ASSERT_EQ(out.n, 2);
	ASSERT_STREQ(out.v[1].rule_id, "BH-SECRET-010");
	/* disabled rule */
	char *t5 = tsec_expand("h = hf" "_{L:34}\n", 5, NULL);
	ASSERT_EQ(tsec_scan(s, "srv/app/conf.py", t5, strlen(t5), 0, &out), 1);
	ASSERT_EQ(out.n, 2);
	struct sec_stats st = { 0 };
	sec_scanner_stats(s, &st);
	ASSERT_EQ(st.skipped_allowlist, 2);
	ASSERT_EQ(st.suppressed, 3);
	ASSERT_EQ(out.suppressed, 3);
	bh_findings_done(&out);
	free(t1);
	free(t2);
	free(t3);
	free(t4);
	free(t5);
	sec_scanner_free(s);
	sec_engine_free(e);
}

TEST(builtin_allow_switch)
{
	const char *text = "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n";
	struct bh_findings out = { 0 };
	struct sec_engine *e = engine_from("builtin-allow: false\n");
	ASSERT_NOT_NULL(e);
	struct sec_scanner *s = NULL;
	ASSERT_OK(sec_scanner_new(e, &s));
	ASSERT_EQ(tsec_scan(s, "etc/aws", text, strlen(text), 0, &out), 1);
	ASSERT_EQ(out.n, 1);
	/* built-in fixture paths are scanned too */
	ASSERT_EQ(tsec_scan(s, "app/node_modules/x/test/keys.js", text, strlen(text), 0, &out), 1);
	ASSERT_EQ(out.n, 2);
	sec_scanner_free(s);
	sec_engine_free(e);

	e = engine_from("");
	ASSERT_NOT_NULL(e);
	ASSERT_OK(sec_scanner_new(e, &s));
	ASSERT_EQ(tsec_scan(s, "etc/aws", text, strlen(text), 0, &out), 1);
	ASSERT_EQ(out.n, 2);
	ASSERT_EQ(tsec_scan(s, "app/node_modules/x/test/keys.js", text, strlen(text), 0, &out), 0);
	ASSERT_EQ(tsec_scan(s, "usr/share/doc/x/README", text, strlen(text), 0, &out), 0);
	bh_findings_done(&out);
	sec_scanner_free(s);
	sec_engine_free(e);
}

static void expect_error(const char *text, int err, unsigned line, const char *what)
{
	struct sec_config *c = NULL;
	struct bh_diag d = { 0 };
	int r = parse(text, &c, &d);
	if (r != err || d.line != line || !strstr(d.message, what))
		fprintf(stderr, "# got %d %s:%u: %s\n", r, d.source, d.line, d.message);
	ASSERT_EQ(r, err);
	ASSERT_NULL(c);
	ASSERT_STREQ(d.source, "secrets.yaml");
	ASSERT_EQ(d.line, line);
	ASSERT_NOT_NULL(strstr(d.message, what));
}

TEST(config_errors)
{
	expect_error("version: 1\nallowed: []\n", -EBADMSG, 2, "unknown key 'allowed'");
	expect_error("version: 2\n", -EBADMSG, 1, "version");
	expect_error("disable-rules:\n  - BH-SECRET-001\n  - BH-SECRET-999\n", -EBADMSG, 3,
		     "unknown rule id 'BH-SECRET-999'");
	expect_error("allow:\n  - paths: [a]\n  - values: ['(unclosed']\n", -EBADMSG, 3,
		     "bad regex '(unclosed'");
	expect_error("allow:\n  - lines: ['ok']\n    pathz: [x]\n", -EBADMSG, 3,
		     "unknown key 'pathz'");
	expect_error("allow:\n  - rules: [BH-SECRET-001]\n", -EBADMSG, 1,
		     "needs paths, values or lines");
	expect_error("builtin-allow: maybe\n", -EBADMSG, 1, "true or false");
	expect_error("allow: {paths: x}\n", -EBADMSG, 1, "list of entries");
	expect_error("allow:\n  - paths: [1, 2]\n", -EBADMSG, 2, "not a string");
	expect_error("- a\n- b\n", -EBADMSG, 1, "mapping");
	expect_error("a: [\n", -EBADMSG, 2, "");
	/* JSON is YAML */
	struct sec_config *c = NULL;
	ASSERT_OK(parse("{\"disable-rules\": [\"BH-SECRET-065\"], \"allow\": [{\"paths\": "
			"[\"x/**\"]}]}",
			&c, NULL));
	sec_config_free(c);
	/* empty file: defaults */
	ASSERT_OK(parse("", &c, NULL));
	ASSERT_NOT_NULL(c);
	sec_config_free(c);
}

TEST(glob_translation)
{
	static const struct {
		const char *glob, *path;
		bool match;
	} cases[] = {
		{ "*.pem", "etc/ssl/a.pem", true },     { "*.pem", "a.pem.bak", false },
		{ "etc/*.conf", "etc/a.conf", true },   { "etc/*.conf", "etc/x/a.conf", false },
		{ "etc/**", "etc/x/y/z", true },	       { "**/test/**", "a/b/test/c.js", true },
		{ "**/test/**", "test/c.js", true },    { "/opt/a?c", "opt/abc", true },
		{ "opt/a?c", "opt/a/c", false },	       { "a+b(c)", "a+b(c)", true },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *rx = sec_glob_to_regex(cases[i].glob);
		ASSERT_NOT_NULL(rx);
		int err;
		size_t off;
		pcre2_code *re = sec_regex_compile(rx, false, &err, &off);
		ASSERT_NOT_NULL(re);
		bool m = sec_regex_match(re, NULL, NULL, cases[i].path, strlen(cases[i].path));
		if (m != cases[i].match)
			fprintf(stderr, "# glob %s (%s) vs %s\n", cases[i].glob, rx, cases[i].path);
		ASSERT_EQ(m, cases[i].match);
		pcre2_code_free(re);
		free(rx);
	}
}
