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
