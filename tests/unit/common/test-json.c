/* SPDX-License-Identifier: Apache-2.0 */
#include "common/json.h"
#include "tap.h"

TEST(json_parse_ok_and_accessors)
{
	struct bh_limits l;
	bh_limits_default(&l);
	json_t *v = NULL;
	ASSERT_OK(bh_json_parse(SPAN_LIT("{\"a\":\"x\",\"n\":3,\"o\":{},\"l\":[1]}"), &l, "t", &v, NULL));
	ASSERT_STREQ(bh_json_str(v, "a"), "x");
	ASSERT_NULL(bh_json_str(v, "n"));
	uint64_t n;
	ASSERT_OK(bh_json_u64(v, "n", &n));
	ASSERT_EQ(n, 3);
	ASSERT_ERR(bh_json_u64(v, "a", &n), -EBADMSG);
	ASSERT_ERR(bh_json_u64(v, "zz", &n), -ENOENT);
	ASSERT_NOT_NULL(bh_json_obj(v, "o"));
	ASSERT_NOT_NULL(bh_json_arr(v, "l"));
	ASSERT_NULL(bh_json_arr(v, "o"));
	json_decref(v);
}

TEST(json_rejects_duplicates_depth_size)
{
	struct bh_limits l;
	bh_limits_default(&l);
	json_t *v = NULL;
	struct bh_diag d = { 0 };
	ASSERT_ERR(bh_json_parse(SPAN_LIT("{\"a\":1,\"a\":2}"), &l, "dup.json", &v, &d), -EBADMSG);
	ASSERT_STREQ(d.source, "dup.json");
	ASSERT_TRUE(d.line == 1);
	l.json_max_depth = 3;
	ASSERT_ERR(bh_json_parse(SPAN_LIT("[[[[1]]]]"), &l, "deep", &v, &d), -E2BIG);
	ASSERT_OK(bh_json_parse(SPAN_LIT("[[[\"[[[[\"]]]"), &l, "strings", &v, &d));
	json_decref(v);
	l.input_max_bytes = 4;
	ASSERT_ERR(bh_json_parse(SPAN_LIT("[1,2,3]"), &l, "big", &v, &d), -E2BIG);
	bh_limits_default(&l);
	ASSERT_ERR(bh_json_parse(SPAN_LIT("{\"a\":\"\\u0000\"}"), &l, "nul", &v, &d), -EBADMSG);
	ASSERT_ERR(bh_json_parse(SPAN_LIT("{\"a\":"), &l, "trunc", &v, &d), -EBADMSG);
}

TEST(json_depth_scanner)
{
	ASSERT_EQ(bh_json_depth(SPAN_LIT("{}"), 10), 1);
	ASSERT_EQ(bh_json_depth(SPAN_LIT("\"[\\\"[\""), 10), 0);
	ASSERT_EQ(bh_json_depth(SPAN_LIT("[{\"a\":[1]}]"), 10), 3);
	ASSERT_TRUE(bh_json_depth(SPAN_LIT("[[["), 2) == SIZE_MAX);
}

TEST(json_write_deterministic)
{
	json_t *o = json_object();
	ASSERT_OK(bh_json_set_str(o, "z", "1"));
	ASSERT_OK(bh_json_set_str(o, "a", "x/y"));
	ASSERT_OK(bh_json_set_str_opt(o, "skip", ""));
	json_t *arr = json_array();
	ASSERT_OK(bh_json_append_str(arr, "q"));
	ASSERT_OK(bh_json_set_new(o, "arr", arr));
	struct buf b;
	buf_init(&b, 0);
	ASSERT_OK(bh_json_dump_buf(o, &b));
	ASSERT_STREQ(buf_str(&b), "{\n  \"z\": \"1\",\n  \"a\": \"x/y\",\n  \"arr\": [\n    \"q\"\n  ]\n}\n");
	buf_done(&b);
	json_decref(o);
}

/* fill for the streaming tests: step i appends i % 3 elements (0, 1 or 2), nested. */
static int fill_nested(void *userdata, size_t i, json_t *into)
{
	int *calls = userdata;
	(*calls)++;
	for (size_t k = 0; k < i % 3; k++)
		if (bh_json_append_new(into, json_pack("{s:i, s:[s, {s:s}], s:{}}", "i", (int)i,
						       "l", "x\n\"y", "k", "v", "e")) < 0)
			return -ENOMEM;
	return 0;
}

static int fill_fail(void *userdata, size_t i, json_t *into)
{
	return i == 2 ? -EBADMSG : bh_json_append_new(into, json_integer((json_int_t)i));
}

static char *dump_to_string(const json_t *doc, const struct bh_json_stream *s, size_t n, int *ret)
{
	char *mem = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&mem, &len);
	if (!f)
		return NULL;
	*ret = s ? bh_json_dump_file_streamed(doc, s, n, f) : bh_json_dump_file(doc, f);
	fclose(f);
	return mem;
}

TEST(json_streamed_dump_is_byte_identical)
{
	/* The same document built whole and streamed must serialise to the same bytes. */
	for (size_t n = 0; n < 7; n++) {
		json_t *whole = json_pack("{s:s, s:[i], s:{s:[]}, s:[], s:i}", "a", "b", "arr", -1,
					  "o", "inner", "empty", "z", 3);
		json_t *part = json_deep_copy(whole);
		ASSERT_NOT_NULL(whole);
		ASSERT_NOT_NULL(part);
		int calls = 0;
		for (size_t i = 0; i < n; i++)
			ASSERT_OK(fill_nested(&calls, i, json_object_get(whole, "arr")));
		for (size_t i = 0; i < n; i++)
			ASSERT_OK(fill_nested(&calls, i, json_object_get(whole, "empty")));
		calls = 0;
		const struct bh_json_stream s[] = {
			{ "arr", n, fill_nested, &calls },
			{ "empty", n, fill_nested, &calls },
			{ "absent", 5, fill_nested, &calls },
		};
		int r1 = 0, r2 = 0;
		char *a = dump_to_string(whole, NULL, 0, &r1);
		char *b = dump_to_string(part, s, ARRAY_SIZE(s), &r2);
		ASSERT_OK(r1);
		ASSERT_OK(r2);
		ASSERT_EQ(calls, 2 * (int)n);
		ASSERT_STREQ(b, a);
		free(a);
		free(b);
		json_decref(whole);
		json_decref(part);
	}
	/* An empty object, and fill's error reaching the caller. */
	json_t *e = json_object();
	int r = 0;
	char *out = dump_to_string(e, NULL, 0, &r);
	char *out2 = dump_to_string(e, (const struct bh_json_stream[]){ { "x", 1, fill_fail, NULL } },
				    1, &r);
	ASSERT_STREQ(out2, out);
	free(out);
	free(out2);
	ASSERT_OK(json_object_set_new(e, "x", json_array()));
	out = dump_to_string(e, (const struct bh_json_stream[]){ { "x", 5, fill_fail, NULL } }, 1, &r);
	ASSERT_ERR(r, -EBADMSG);
	free(out);
	json_decref(e);
}
