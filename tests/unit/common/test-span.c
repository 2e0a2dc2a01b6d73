/* SPDX-License-Identifier: Apache-2.0 */
#include "tap.h"

TEST(span_lines)
{
	struct span in = SPAN_LIT("a\r\nbb\n\nccc"), l;
	ASSERT_OK(span_next_line(&in, &l));
	ASSERT_TRUE(span_eq_str(l, "a"));
	ASSERT_OK(span_next_line(&in, &l));
	ASSERT_TRUE(span_eq_str(l, "bb"));
	ASSERT_OK(span_next_line(&in, &l));
	ASSERT_TRUE(span_eq_str(l, ""));
	ASSERT_OK(span_next_line(&in, &l));
	ASSERT_TRUE(span_eq_str(l, "ccc"));
	ASSERT_ERR(span_next_line(&in, &l), -ENOENT);
}

TEST(span_cut_trim_affixes)
{
	struct span a, b;
	ASSERT_TRUE(span_cut(SPAN_LIT(" key = v=1 "), '=', &a, &b));
	ASSERT_TRUE(span_eq_str(span_trim(a), "key"));
	ASSERT_TRUE(span_eq_str(span_trim(b), "v=1"));
	ASSERT_FALSE(span_cut(SPAN_LIT("novalue"), '=', &a, &b));
	ASSERT_TRUE(span_startswith(SPAN_LIT("sha256:ab"), "sha256:"));
	ASSERT_TRUE(span_endswith(SPAN_LIT("x.tar.gz"), ".gz"));
	ASSERT_FALSE(span_endswith(SPAN_LIT("gz"), ".gz"));
	ASSERT_TRUE(span_eq_nocase(SPAN_LIT("ABC"), SPAN_LIT("abc")));
	ASSERT_EQ(span_index(SPAN_LIT("abc"), 'c'), 2);
	ASSERT_EQ(span_index(SPAN_LIT("abc"), 'z'), -1);
	struct span s = span_slice(SPAN_LIT("abcdef"), 2, 100);
	ASSERT_TRUE(span_eq_str(s, "cdef"));
	char *d = span_dup(SPAN_LIT("xy"));
	ASSERT_STREQ(d, "xy");
	free(d);
	struct span in = SPAN_LIT("a,b,,c"), t;
	ASSERT_OK(span_next_token(&in, ',', &t));
	ASSERT_TRUE(span_eq_str(t, "a"));
	ASSERT_OK(span_next_token(&in, ',', &t));
	ASSERT_OK(span_next_token(&in, ',', &t));
	ASSERT_TRUE(span_eq_str(t, ""));
	ASSERT_OK(span_next_token(&in, ',', &t));
	ASSERT_TRUE(span_eq_str(t, "c"));
	ASSERT_ERR(span_next_token(&in, ',', &t), -ENOENT);
}

TEST(parse_numbers)
{
	uint64_t v;
	ASSERT_OK(parse_u64(SPAN_LIT("18446744073709551615"), 10, UINT64_MAX, &v));
	ASSERT_TRUE(v == UINT64_MAX);
	ASSERT_ERR(parse_u64(SPAN_LIT("18446744073709551616"), 10, UINT64_MAX, &v), -ERANGE);
	ASSERT_ERR(parse_u64(SPAN_LIT("12a"), 10, UINT64_MAX, &v), -EINVAL);
	ASSERT_ERR(parse_u64(SPAN_LIT(""), 10, UINT64_MAX, &v), -EINVAL);
	ASSERT_ERR(parse_u64(SPAN_LIT("101"), 10, 100, &v), -ERANGE);
	ASSERT_OK(parse_u64(SPAN_LIT("777"), 8, UINT64_MAX, &v));
	ASSERT_EQ(v, 511);
	ASSERT_OK(parse_u64(SPAN_LIT("fF"), 16, UINT64_MAX, &v));
	ASSERT_EQ(v, 255);
	int64_t i;
	ASSERT_OK(parse_i64(SPAN_LIT("-9223372036854775808"), INT64_MIN, INT64_MAX, &i));
	ASSERT_TRUE(i == INT64_MIN);
	ASSERT_ERR(parse_i64(SPAN_LIT("9223372036854775808"), INT64_MIN, INT64_MAX, &i), -ERANGE);
	ASSERT_OK(parse_i64(SPAN_LIT("+5"), -10, 10, &i));
	ASSERT_EQ(i, 5);
}
