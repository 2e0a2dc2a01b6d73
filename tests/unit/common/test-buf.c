/* SPDX-License-Identifier: Apache-2.0 */
#include "tap.h"

TEST(buf_append_and_limit)
{
	struct buf b;
	buf_init(&b, 8);
	ASSERT_OK(buf_puts(&b, "abc"));
	ASSERT_OK(buf_printf(&b, "%d", 42));
	ASSERT_STREQ(buf_str(&b), "abc42");
	ASSERT_ERR(buf_puts(&b, "toolong"), -E2BIG);
	/* nothing half-written */
	ASSERT_STREQ(buf_str(&b), "abc42");
	ASSERT_EQ(b.len, 5);
	ASSERT_OK(buf_append(&b, "xyz", 3));
	ASSERT_ERR(buf_putc(&b, 'q'), -E2BIG);
	char *s = buf_take(&b);
	ASSERT_STREQ(s, "abc42xyz");
	free(s);
	ASSERT_EQ(b.len, 0);
	buf_done(&b);
}

TEST(buf_clear_and_empty_take)
{
	struct buf b;
	buf_init(&b, 0);
	ASSERT_STREQ(buf_str(&b), "");
	char *s = buf_take(&b);
	ASSERT_STREQ(s, "");
	free(s);
	ASSERT_OK(buf_puts(&b, "hello"));
	buf_clear(&b);
	ASSERT_STREQ(buf_str(&b), "");
	ASSERT_OK(buf_append_span(&b, SPAN_LIT("x")));
	ASSERT_TRUE(span_eq_str(buf_span(&b), "x"));
	buf_done(&b);
}

TEST(buf_printf_limit_leaves_buffer_intact)
{
	struct buf b;
	buf_init(&b, 10);
	ASSERT_OK(buf_puts(&b, "12345"));
	ASSERT_ERR(buf_printf(&b, "%s", "abcdefgh"), -E2BIG);
	ASSERT_STREQ(buf_str(&b), "12345");
	buf_done(&b);
}

TEST(xsnprintf_truncation)
{
	char small[4];
	ASSERT_OK(xsnprintf(small, sizeof(small), "%s", "abc"));
	ASSERT_ERR(xsnprintf(small, sizeof(small), "%s", "abcd"), -ENOBUFS);
}

TEST(strv_sort_uniq)
{
	struct strv l = { 0 };
	ASSERT_OK(strv_push(&l, "b"));
	ASSERT_OK(strv_push(&l, "a"));
	ASSERT_OK(strv_push(&l, "b"));
	ASSERT_OK(strv_push_uniq(&l, "a"));
	ASSERT_EQ(l.n, 3);
	strv_sort_uniq(&l);
	ASSERT_EQ(l.n, 2);
	ASSERT_STREQ(l.v[0], "a");
	ASSERT_STREQ(l.v[1], "b");
	ASSERT_NULL(l.v[2]);
	ASSERT_TRUE(strv_contains(&l, "b"));
	ASSERT_FALSE(strv_contains(&l, "c"));
	strv_done(&l);
}
