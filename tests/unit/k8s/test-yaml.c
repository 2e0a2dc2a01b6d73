/* SPDX-License-Identifier: Apache-2.0 */
/* The YAML reader (src/common/yaml.c) as the manifest loader uses it. */
#include "common/json.h"
#include "common/bh-yaml.h"
#include "tap.h"

static struct bh_limits lim(void)
{
	struct bh_limits l;
	bh_limits_default(&l);
	return l;
}

static json_t *one(const char *text)
{
	struct bh_limits l = lim();
	struct bh_yaml_stream s = {0};
	if (bh_yaml_parse(span_from(text), &l, "t.yaml", &s, NULL) < 0 || s.n != 1)
		return NULL;
	json_t *v = json_incref(s.docs[0].value);
	bh_yaml_stream_done(&s);
	return v;
}

/* The scalar of "v: TEXT" serialised compactly as JSON. */
static char *scalar_json(const char *text)
{
	char doc[256];
	if (xsnprintf(doc, sizeof(doc), "v: %s\n", text) < 0)
		return NULL;
	json_t *v = one(doc);
	if (!v)
		return NULL;
	char *s = json_dumps(json_object_get(v, "v"), JSON_ENCODE_ANY | JSON_COMPACT);
	json_decref(v);
	return s;
}

TEST(yaml_scalar_types)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
	    {"~", "null"},
	    {"null", "null"},
	    {"Null", "null"},
	    {"", "null"},
	    {"true", "true"},
	    {"False", "false"},
	    {"yes", "true"},
	    {"off", "false"},
	    {"Y", "true"},
	    {"'true'", "\"true\""},
	    {"\"1\"", "\"1\""},
	    {"12", "12"},
	    {"-7", "-7"},
	    {"+3", "3"},
	    {"0x1F", "31"},
	    {"0o17", "15"},
	    {"017", "15"},
	    {"0b101", "5"},
	    {"1_000", "1000"},
	    {"1.5", "1.5"},
	    {".5", "0.5"},
	    {"1e3", "1000.0"},
	    {"9223372036854775807", "9223372036854775807"},
	    {"-9223372036854775808", "-9223372036854775808"},
	    {"1.2.3", "\"1.2.3\""},
	    {"08", "8.0"},
	    {".inf", "\".inf\""},
	    {"1e999", "\"1e999\""},
	    {"2024-01-01", "\"2024-01-01\""},
	    {"v1.30", "\"v1.30\""},
	    {"!!str 12", "\"12\""},
	    {"NaN", "\"NaN\""},
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *got = scalar_json(cases[i].in);
		if (!got || strcmp(got, cases[i].want) != 0)
			tap_fail(__FILE__, __LINE__, "'%s' -> %s, expected %s", cases[i].in,
				 got ? got : "(error)", cases[i].want);
		free(got);
	}
	json_t *big = bh_yaml_plain_scalar("18446744073709551615", 20);
	ASSERT_TRUE(json_is_real(big));
	json_decref(big);
}

TEST(yaml_documents_and_lines)
{
	struct bh_limits l = lim();
	struct bh_yaml_stream s = {0};
	/* "y" alone would be a YAML 1.1 boolean, as Kubernetes reads it. */
	const char *text = "a: 1\n---\n# comment\n\nb: [x, z]\n---\n...\n---\n\"c\": {d: e}\n";
	ASSERT_OK(bh_yaml_parse(span_from(text), &l, "multi.yaml", &s, NULL));
	ASSERT_EQ(s.n, 4);
	ASSERT_EQ(s.docs[0].line, 1);
	ASSERT_EQ(s.docs[1].line, 5);
	ASSERT_TRUE(json_is_null(s.docs[2].value));
	ASSERT_EQ(s.docs[3].line, 9);
	ASSERT_STREQ(json_string_value(json_array_get(json_object_get(s.docs[1].value, "b"), 1)),
		     "z");
	ASSERT_STREQ(bh_json_str(json_object_get(s.docs[3].value, "c"), "d"), "e");
	bh_yaml_stream_done(&s);
	ASSERT_OK(bh_yaml_parse(SPAN_LIT(""), &l, "empty", &s, NULL));
	ASSERT_EQ(s.n, 0);
	bh_yaml_stream_done(&s);
}

TEST(yaml_json_is_yaml)
{
	json_t *v = one("{\"kind\":\t\"Pod\", \"n\": [1, 2.5, true, null, \"a\\/b\\u00e9\"],\n"
			"\"o\": {}}");
	ASSERT_NOT_NULL(v);
	ASSERT_STREQ(bh_json_str(v, "kind"), "Pod");
	json_t *n = json_object_get(v, "n");
	ASSERT_EQ(json_integer_value(json_array_get(n, 0)), 1);
	ASSERT_TRUE(json_is_real(json_array_get(n, 1)));
	ASSERT_TRUE(json_is_true(json_array_get(n, 2)));
	ASSERT_TRUE(json_is_null(json_array_get(n, 3)));
	ASSERT_STREQ(json_string_value(json_array_get(n, 4)), "a/b\xc3\xa9");
	json_decref(v);
}

TEST(yaml_aliases_and_merge)
{
	json_t *v = one("base: &b {x: 1, y: 2}\nlist: &l [a, b]\n"
			"use: {<<: *b, y: 3}\nagain: *l\nkey: &k name\n*k : 5\n");
	ASSERT_NOT_NULL(v);
	json_t *use = json_object_get(v, "use");
	ASSERT_EQ(json_integer_value(json_object_get(use, "x")), 1);
	ASSERT_EQ(json_integer_value(json_object_get(use, "y")), 3);
	ASSERT_EQ(json_array_size(json_object_get(v, "again")), 2);
	ASSERT_EQ(json_integer_value(json_object_get(v, "name")), 5);
	json_decref(v);
	v = one("a: &a {p: 1}\nb: &c {q: 2}\nm: {<<: [*a, *c], q: 9}\n");
	ASSERT_NOT_NULL(v);
	ASSERT_EQ(json_integer_value(json_object_get(json_object_get(v, "m"), "p")), 1);
	ASSERT_EQ(json_integer_value(json_object_get(json_object_get(v, "m"), "q")), 9);
	json_decref(v);
}

static int parse_err(const char *text, struct bh_limits *l, struct bh_diag *d)
{
	struct bh_yaml_stream s = {0};
	*d = (struct bh_diag){0};
	int r = bh_yaml_parse(span_from(text), l, "bad.yaml", &s, d);
	ASSERT_EQ(s.n, 0);
	bh_yaml_stream_done(&s);
	return r;
}

TEST(yaml_billion_laughs_refused)
{
	struct bh_limits l = lim();
	struct bh_diag d;
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	ASSERT_OK(buf_puts(&b, "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"));
	for (char c = 'b'; c <= 'k'; c++) {
		ASSERT_OK(buf_printf(&b, "%c: &%c [", c, c));
		for (int i = 0; i < 9; i++)
			ASSERT_OK(buf_printf(&b, "%s*%c", i ? ", " : "", c - 1));
		ASSERT_OK(buf_puts(&b, "]\n"));
	}
	ASSERT_ERR(parse_err(buf_str(&b), &l, &d), -E2BIG);
	ASSERT_STREQ(d.source, "bad.yaml");
	ASSERT_TRUE(d.line > 1);
	ASSERT_TRUE(strstr(d.message, "nodes") != NULL);
}

TEST(yaml_rejects_bad_input)
{
	struct bh_limits l = lim();
	struct bh_diag d;
	ASSERT_ERR(parse_err("a: 1\nb: 2\na: 3\n", &l, &d), -EBADMSG);
	ASSERT_EQ(d.line, 3);
	ASSERT_TRUE(strstr(d.message, "duplicate") != NULL);
	ASSERT_ERR(parse_err("{\"a\": 1, \"a\": 1}", &l, &d), -EBADMSG);
	ASSERT_ERR(parse_err("? [a, b]\n: c\n", &l, &d), -EBADMSG);
	ASSERT_ERR(parse_err("a: *nope\n", &l, &d), -EBADMSG);
	ASSERT_TRUE(strstr(d.message, "unknown alias") != NULL);
	ASSERT_ERR(parse_err("a: &x [1, *x]\n", &l, &d), -EBADMSG);
	ASSERT_TRUE(strstr(d.message, "recursive") != NULL);
	ASSERT_ERR(parse_err("a: \"x\\0y\"\n", &l, &d), -EBADMSG);
	ASSERT_ERR(parse_err("a: [1, 2\n", &l, &d), -EBADMSG);
	ASSERT_TRUE(d.line >= 1 && d.message[0]);
	ASSERT_ERR(parse_err("m: {<<: 3}\n", &l, &d), -EBADMSG);
	l.json_max_depth = 8;
	ASSERT_ERR(parse_err("[[[[[[[[[1]]]]]]]]]", &l, &d), -E2BIG);
	ASSERT_TRUE(strstr(d.message, "json-max-depth") != NULL);
	struct bh_yaml_stream s = {0};
	ASSERT_OK(bh_yaml_parse(SPAN_LIT("[[[[[[[[1]]]]]]]]"), &l, "ok", &s, NULL));
	bh_yaml_stream_done(&s);
	l = lim();
	l.input_max_bytes = 1024;
	char big[2048];
	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ASSERT_ERR(parse_err(big, &l, &d), -E2BIG);
	ASSERT_TRUE(strstr(d.message, "input-max-bytes") != NULL);
}
