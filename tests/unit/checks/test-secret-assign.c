/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-secret-assign.c — the generic assignment rules without a regex run per key word:
 * sec_assign_parse() against PCRE2 running SEC_ASSIGN_TAIL_RE (random subjects built from the
 * characters that matter, and the edge cases by hand: operator fallbacks, blank and length
 * limits, end of buffer); key words inside a match are part of it; path globs of the
 * allow-list still match with the literal prefilter in front of their regexes.
 */
#include "checks/secret-int.h"
#include "test-secret-lib.h"

struct rx {
	pcre2_code *re;
	pcre2_match_data *md;
	uint32_t g[3];
};

static bool rx_init(struct rx *x)
{
	int err;
	size_t off;
	x->re = sec_regex_compile(SEC_ASSIGN_TAIL_RE, false, &err, &off);
	if (!x->re)
		return false;
	x->md = pcre2_match_data_create_from_pattern(x->re, NULL);
	static const char *const names[] = { "v", "v2", "v3" };
	for (unsigned k = 0; k < 3; k++)
		x->g[k] = (uint32_t)pcre2_substring_number_from_name(x->re, (PCRE2_SPTR)names[k]);
	return x->md != NULL;
}

static void rx_done(struct rx *x)
{
	pcre2_match_data_free(x->md);
	pcre2_code_free(x->re);
}

/* What PCRE2 says, in sec_assign terms. */
static bool rx_assign(struct rx *x, const unsigned char *b, size_t n, size_t at,
		      struct sec_assign *ret)
{
	int rc = pcre2_match(x->re, (PCRE2_SPTR)b, n, at, PCRE2_ANCHORED, x->md, NULL);
	if (rc < 0)
		return false;
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(x->md);
	*ret = (struct sec_assign){ .end = ov[1] };
	for (unsigned k = 0; k < 3; k++) {
		uint32_t g = x->g[k];
		if ((int)g < rc && ov[2 * g] != PCRE2_UNSET) {
			ret->vs = ov[2 * g];
			ret->ve = ov[2 * g + 1];
			ret->quoted = k < 2;
			break;
		}
	}
	return true;
}

/* Same answer from both; prints the subject when not. */
static bool agree(struct rx *x, const unsigned char *b, size_t n, size_t at)
{
	struct sec_assign a = { 0 }, want = { 0 };
	bool got = sec_assign_parse(b, n, at, &a), exp = rx_assign(x, b, n, at, &want);
	bool same = got == exp && (!got || (a.vs == want.vs && a.ve == want.ve &&
					     a.end == want.end && a.quoted == want.quoted));
	if (!same) {
		fprintf(stderr,
			"# at %zu n %zu: parse %d [%zu,%zu) end %zu q %d, "
			"regex %d [%zu,%zu) end %zu q %d: '",
			at, n, got, a.vs, a.ve, a.end, a.quoted, exp, want.vs, want.ve, want.end,
			want.quoted);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, ascii_isprint(b[i]) ? "%c" : "\\x%02x", b[i]);
		fprintf(stderr, "'\n");
	}
	return same;
}

TEST(edge_cases)
{
	struct rx x;
	ASSERT_TRUE(rx_init(&x));
	char tail31[40], v256[300], v257[300];
	memset(tail31, '_', 31);
	tail31[31] = '\0';
	memset(v256, 'k', 256);
	v256[256] = '\0';
	memset(v257, 'k', 257);
	v257[257] = '\0';
	const char *cases[] = {
		"=abcdefgh",
		"_x: abcdefgh",
		"\": \"abcdefgh\"",
		"': 'abc\"defgh'",
		"= \"abc'defgh\"",
		"= \"abc defgh\"",
		"= 'abcdefgh",
		":=abcdefgh",
		":=abcde",     /* ":=" leaves 5 characters; ":" makes "=abcde" */
		":= abcde",
		":=\"abcdefgh\"",
		":=\"abcde\"",
		"=>abcdefgh",
		"=>abcde",
		"=> 'abcdefgh'",
		"    =    abcdefgh",
		"     = abcdefgh", /* five blanks before the operator */
		"=     abcdefgh",	/* five after */
		"\t\t=\t\tabcdefgh",
		"= abc\vdefgh",
		"= abcdef\fgh",
		"= abcdefgh`x",
		"= abcdefgh\"",
		"= `abcdefgh`",
		"== abcdefgh",
		"=: abcdefgh",
		"\"\"= abcdefgh",
		"'= abcdefgh",
		": abcdefg\xa0h\x85",
		"",
		"=",
		":",
		"= ",
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const unsigned char *b = (const unsigned char *)cases[i];
		size_t n = strlen(cases[i]);
		for (size_t cut = 0; cut <= n; cut++)
			ASSERT_TRUE(agree(&x, b, cut, 0));
	}
	/* name tail of 30 and 31 characters; values of 256 and 257 characters */
	struct buf s;
	buf_init(&s, 4096);
	const char *tails[] = { tail31 + 1, tail31 };
	const char *values[] = { v256, v257 };
	for (size_t t = 0; t < 2; t++)
		for (size_t v = 0; v < 2; v++)
			for (unsigned q = 0; q < 3; q++) {
				buf_clear(&s);
				const char *quote = q == 0 ? "" : q == 1 ? "\"" : "'";
				ASSERT_OK(buf_printf(&s, "%s = %s%s%s;", tails[t], quote, values[v],
						     quote));
				const unsigned char *u = (const unsigned char *)buf_str(&s);
				ASSERT_TRUE(agree(&x, u, s.len, 0));
			}
	buf_done(&s);
	/* the 30-character tail counts from where the parse starts */
	const char *shifted = "password_and_a_name_of_twenty_nine=abcdefgh";
	for (size_t at = 0; at < 12; at++)
		ASSERT_TRUE(agree(&x, (const unsigned char *)shifted, strlen(shifted), at));
	rx_done(&x);
}

TEST(random_subjects)
{
	static const char *const pieces[] = {
		"a", "Z", "9", "_", ".", "-", "\"", "'", "`", " ", "\t", ":", "=", ">", ":=", "=>",
		"x", "Q", "7", "/", "+", "$", "{", "}", ";", ",", "(", "\n", "\r", "\v", "\f", "#",
		"\xa0", "\x85", "abcdefgh", "s3cr3tV4lue", "___________", "-----", "      ",
	};
	struct rx x;
	ASSERT_TRUE(rx_init(&x));
	struct tsec_rng rng = { 20240607 };
	unsigned char b[700];
	size_t mismatches = 0, matched = 0;
	for (unsigned it = 0; it < 60000 && mismatches < 5; it++) {
		size_t n = 0;
		/* a short prefix, a name tail, then pieces; sometimes a long run of one class */
		size_t want = 1 + tsec_next(&rng) % 80;
		while (n < want) {
			unsigned k = tsec_next(&rng) % (ARRAY_SIZE(pieces) + 2);
			if (k >= ARRAY_SIZE(pieces)) {
				size_t run = 20 + tsec_next(&rng) % 250;
				unsigned char c = k == ARRAY_SIZE(pieces) ? 'n' : '_';
				if (n + run > sizeof(b))
					break;
				memset(b + n, c, run);
				n += run;
				continue;
			}
			size_t m = strlen(pieces[k]);
			if (n + m > sizeof(b))
				break;
			memcpy(b + n, pieces[k], m);
			n += m;
		}
		size_t at = tsec_next(&rng) % 4;
		if (at > n)
			at = n;
		struct sec_assign a;
		matched += sec_assign_parse(b, n, at, &a);
		if (!agree(&x, b, n, at))
			mismatches++;
	}
	ASSERT_EQ(mismatches, 0);
	/* the generator reaches both answers */
	ASSERT_TRUE(matched > 1000);
	rx_done(&x);
}

static struct sec_engine *engine_from(const char *config)
{
	struct bh_limits l;
	bh_limits_default(&l);
	struct sec_config *c = NULL;
	struct sec_engine *e = NULL;
	if (config && sec_config_parse(span_from(config), &l, "t.yaml", &c, NULL) < 0)
		return NULL;
	int r = sec_engine_new(c, &l, &e, NULL);
	sec_config_free(c);
	return r < 0 ? NULL : e;
}

TEST(key_word_inside_a_match)
{
	struct sec_engine *e = engine_from(NULL);
	ASSERT_NOT_NULL(e);
	struct sec_scanner *s = NULL;
	ASSERT_OK(sec_scanner_new(e, &s));
	struct bh_findings out = { 0 };
	/* the value of the first assignment holds a second one: one finding, the whole value */
	char *text = tsec_expand("password={A:12}_pwd={A:12}\n", 3, NULL);
	ASSERT_EQ(tsec_scan(s, "app.env", text, strlen(text), 0, &out), 1);
	ASSERT_EQ(out.n, 1);
	ASSERT_STREQ(out.v[0].rule_id, "BH-SECRET-065");
	json_t *len = json_object_get(out.v[0].evidence, "length");
	ASSERT_EQ(json_integer_value(len), 12 + 5 + 12);
	bh_findings_done(&out);
	free(text);
	/* a placeholder value stays rejected as a whole: the key word inside it is not a
	 * second, shorter assignment */
	text = tsec_expand("password=changeme_pwd={A:12}\n", 4, NULL);
	ASSERT_EQ(tsec_scan(s, "app.env", text, strlen(text), 0, &out), 1);
	ASSERT_EQ(out.n, 0);
	free(text);
	/* a longer name holding two key words, and both rules' words in one name */
	text = tsec_expand("db_password_passwd: \"{A:10}9x\"\napi_secret_token = '{A:24}'\n", 5,
			   NULL);
	ASSERT_EQ(tsec_scan(s, "app.yaml", text, strlen(text), 0, &out), 1);
	ASSERT_EQ(out.n, 2);
	bh_findings_sort(&out);
	ASSERT_STREQ(out.v[0].rule_id, "BH-SECRET-065");
	ASSERT_EQ(out.v[0].line, 1);
	ASSERT_EQ(out.v[0].column, 22);
	ASSERT_STREQ(out.v[1].rule_id, "BH-SECRET-066");
	ASSERT_EQ(out.v[1].line, 2);
	ASSERT_EQ(out.v[1].column, 21);
	bh_findings_done(&out);
	free(text);
	sec_scanner_free(s);
	sec_engine_free(e);
}

TEST(path_globs_with_literal_prefilter)
{
	static const struct {
		const char *glob, *path;
		bool match;
	} cases[] = {
		{ "**/test/**", "test/c.env", true },
		{ "**/test/**", "a/b/test/c.env", true },
		{ "**/test/**", "a/btest/c.env", false },
		{ "a/**/b.env", "a/b.env", true },
		{ "a/**/b.env", "a/x/y/b.env", true },
		{ "a/**/b.env", "ab.env", false },
		{ "**/*.sample", "x/y.sample", true },
		{ "**/*.sample", "x/y.sample.env", false },
		{ "/opt/**", "opt/k.env", true },
		{ "opt/a?c.env", "opt/abc.env", true },
		{ "opt/a?c.env", "opt/ac.env", false },
		{ "**/gems/*/gems/**/spec/**", "usr/gems/3.1/gems/x/spec/k.env", true },
		{ "**/gems/*/gems/**/spec/**", "usr/gems/3.1/x/spec/k.env", false },
		{ "secrets.env", "deep/dir/secrets.env", true },
		{ "**", "any/where.env", true },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char config[256];
		ASSERT_OK(xsnprintf(config, sizeof(config), "allow:\n  - paths: ['%s']\n",
				    cases[i].glob));
		struct sec_engine *e = engine_from(config);
		ASSERT_NOT_NULL(e);
		struct sec_scanner *s = NULL;
		ASSERT_OK(sec_scanner_new(e, &s));
		int r = sec_file_begin(s, cases[i].path, NULL, 10);
		if (r != !cases[i].match)
			fprintf(stderr, "# glob %s vs %s: %d\n", cases[i].glob, cases[i].path, r);
		ASSERT_EQ(r, !cases[i].match);
		struct bh_findings out = { 0 };
		ASSERT_OK(sec_file_end(s, &out));
		bh_findings_done(&out);
		sec_scanner_free(s);
		sec_engine_free(e);
	}
}

/* Filler text: lines of 99 characters and a newline, no secrets. */
static void fill_range(char *p, size_t from, size_t n)
{
	static const char word[] = "lorem ipsum dolor sit amet ";
	for (size_t i = from; i < from + n; i++)
		p[i] = (i % 100 == 99) ? '\n' : word[(i % 100) % (sizeof(word) - 1)];
}

/*
 * A generic assignment whose key word is before the limit of a window scan and whose value is
 * a prefixed token ending after it: the token's rule (found in the next window) still wins
 * over the generic rule (found in this one).
 */
TEST(specific_rule_wins_across_the_window_limit)
{
	struct sec_engine *e = engine_from(NULL);
	ASSERT_NOT_NULL(e);
	struct sec_scanner *s = NULL;
	ASSERT_OK(sec_scanner_new(e, &s));
	char *line = tsec_expand("api_token = \"gh" "p_{A:36}\"", 6, NULL);
	size_t ll = strlen(line);
	/* the first scan of a full buffer (1 MiB + 20 KiB) stops 16 KiB before its end */
	size_t cap = ((size_t)1 << 20) + 4096 + 16384, limit = cap - 16384;
	size_t total = 2 * cap;
	char *data = malloc(total);
	ASSERT_NOT_NULL(data);
	fill_range(data, 0, total);
	for (size_t d = 1; d < ll + 2; d += 3) {
		size_t at = limit - d;
		data[at - 1] = '\n';
		memcpy(data + at, line, ll);
		data[at + ll] = '\n';
		struct bh_findings out = { 0 };
		ASSERT_EQ(tsec_scan(s, "app.env", data, total, 65536, &out), 1);
		if (out.n != 1 || !streq(out.v[0].rule_id, "BH-SECRET-010"))
			fprintf(stderr, "# %zu bytes before the limit: %zu findings, %s\n", d, out.n,
				out.n ? out.v[0].rule_id : "-");
		ASSERT_EQ(out.n, 1);
		ASSERT_STREQ(out.v[0].rule_id, "BH-SECRET-010");
		bh_findings_done(&out);
		fill_range(data, at - 1, ll + 2);
	}
	free(data);
	free(line);
	sec_scanner_free(s);
	sec_engine_free(e);
}
