/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-version-rubygems.c — Gem::Version ordering against the shared vectors (osv-scalibr's
 * hand-written and generated corpora), plus validity and limit cases written here.
 */
#include "tap.h"
#include "vectors.h"
#include "vuln/version/version.h"

static int cmp(const char *a, const char *b)
{
	int r = ver_rubygems.compare(a, b);
	ASSERT_EQ(ver_rubygems.compare(b, a), -r);
	return r;
}

TEST(rubygems_vectors)
{
	tap_vectors_check_compare("vercmp/rubygems.tsv", ver_rubygems.compare);
}

TEST(rubygems_generated_vectors)
{
	tap_vectors_check_compare("vercmp/rubygems-generated.tsv", ver_rubygems.compare);
}

TEST(rubygems_valid)
{
	static const char *const good[] = {
	    "",	       "  ",	      "0",	  "1.2.3",
	    "1.0.a10", "1.0.A.10",    " 1.0\t\n", "1.0-rc1",
	    "1-1",     "1.0--x",      "1.0-a.-b", "2.0.0.pre1",
	    "1.a",     "1.0.0-x-y.z", "1.0\v",	  "99999999999999999999999999.0",
	};
	static const char *const bad[] = {
	    "a",   "1.",    "1..0",  ".1",   "1.0-",	    "1.0-a.",	"1.0.-1", "-1",
	    "1 0", "1.0_1", "1.0+b", "v1.0", "1.0\xc3\xa9", "1.0-\x01", "\xff",	  "1,0",
	};
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		if (!ver_rubygems.valid(good[i]))
			tap_fail(__FILE__, __LINE__, "'%s' should be valid", good[i]);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (ver_rubygems.valid(bad[i]))
			tap_fail(__FILE__, __LINE__, "'%s' should be invalid", bad[i]);
}

TEST(rubygems_order)
{
	/* '-' means ".pre.": a pre-release of the same numbers */
	ASSERT_EQ(cmp("1.0.0-rc1", "1.0.0"), -1);
	ASSERT_EQ(cmp("1.0.0-rc1", "1.0.0.pre.rc1"), 0);
	ASSERT_EQ(cmp("1-1", "1.pre.1"), 0);
	/* trailing zeros of the numbers and of the rest are ignored */
	ASSERT_EQ(cmp("1.0.0", "1"), 0);
	ASSERT_EQ(cmp("1.0.a", "1.a"), 0);
	ASSERT_EQ(cmp("1.a.0.0", "1.a"), 0);
	ASSERT_EQ(cmp("1.a.0.1", "1.a"), 1);
	ASSERT_EQ(cmp("", "0"), 0);
	ASSERT_EQ(cmp("  ", "0.0"), 0);
	ASSERT_EQ(cmp(" 1.2 ", "1.2"), 0);
	/* strings sort below numbers, bytewise among themselves */
	ASSERT_EQ(cmp("1.a", "1"), -1);
	ASSERT_EQ(cmp("1.a", "1.0.1"), -1);
	ASSERT_EQ(cmp("1.A", "1.a"), -1);
	ASSERT_EQ(cmp("1.0.b1", "1.0.a.2"), 1);
	ASSERT_EQ(cmp("1.0.ab", "1.0.a"), 1);
	ASSERT_EQ(cmp("1.0.a.b", "1.0.ab"), -1);
	ASSERT_EQ(cmp("0.9", "1.0.a"), -1);
}

TEST(rubygems_huge_numbers)
{
	ASSERT_EQ(cmp("1.99999999999999999999999999999", "1.99999999999999999999999999998"), 1);
	ASSERT_EQ(cmp("1.000000000000000000000000000001", "1.1"), 0);
	ASSERT_EQ(cmp("18446744073709551616", "18446744073709551615"), 1);
	ASSERT_EQ(cmp("1.a100000000000000000000", "1.a99999999999999999999"), 1);
}

TEST(rubygems_invalid_and_limits)
{
	ASSERT_EQ(cmp("a", "0"), -1);
	ASSERT_EQ(cmp("a", "b"), 0);
	ASSERT_EQ(cmp("\xc3\xa9", "1.0-\x01"), 0);
	ASSERT_EQ(cmp("1.0.\xc3\xa9", ""), -1);

	char lng[VER_MAX_LEN + 2];
	memset(lng, '1', sizeof(lng) - 1);
	lng[sizeof(lng) - 1] = '\0';
	ASSERT_FALSE(ver_rubygems.valid(lng));
	ASSERT_EQ(cmp(lng, "0"), -1);
	ASSERT_EQ(cmp(lng, "x"), 0);
	lng[VER_MAX_LEN] = '\0';
	ASSERT_TRUE(ver_rubygems.valid(lng));
	ASSERT_EQ(cmp(lng, "9"), 1);

	char segs[VER_MAX_LEN + 1];
	for (size_t i = 0; i < VER_MAX_LEN; i++)
		segs[i] = i == 0 ? '1' : i % 2 ? '-' : 'a';
	segs[VER_MAX_LEN - 1] = 'a';
	segs[VER_MAX_LEN] = '\0';
	ASSERT_TRUE(ver_rubygems.valid(segs));
	ASSERT_EQ(cmp(segs, segs), 0);
	ASSERT_EQ(cmp(segs, "1"), -1);
}
