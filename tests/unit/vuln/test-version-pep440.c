/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-version-pep440.c — PyPI (PEP 440 / packaging) ordering against the shared vectors
 * (packaging's own test list, osv-scalibr's hand-written and generated corpora), plus
 * validity, normalisation and limit cases written here.
 */
#include "tap.h"
#include "vectors.h"
#include "vuln/version/version.h"

static int cmp(const char *a, const char *b)
{
	int r = ver_pep440.compare(a, b);
	ASSERT_EQ(ver_pep440.compare(b, a), -r);
	return r;
}

TEST(pep440_vectors)
{
	tap_vectors_check_compare("vercmp/pep440.tsv", ver_pep440.compare);
}

TEST(pep440_generated_vectors)
{
	tap_vectors_check_compare("vercmp/pep440-generated.tsv", ver_pep440.compare);
}

TEST(pep440_valid)
{
	static const char *const good[] = {
	    "0",
	    "1.0",
	    "v1.0",
	    "V1.0",
	    "1!2.3",
	    "00!1.2",
	    "1.0a",
	    "1.0-a-",
	    "1.0.A.1",
	    "1.0alpha_7",
	    "1.0-preview",
	    "1.0rc1.post2.dev3",
	    "1.0-1",
	    "1.0-r",
	    "1.0REV5",
	    "1.0post.",
	    "1.0.dev",
	    "1.0+ubuntu-1.2_abc",
	    "1.0+ABC",
	    "  1.0  ",
	    " \t v1.0\t\n",
	    "\342\200\2571.0\t\342\200\251\n ", /* U+202F ... U+2029 */
	    "\302\2401.0",
	    "1.0prev\304\261ew1", /* dotless i: packaging's IGNORECASE accepts it */
	    "1.0po\xc5\xbft",	  /* long s */
	    "1.0+\xe2\x84\xaa",	  /* Kelvin sign in a local segment */
	    "99999999999999999999999999999999.0",
	};
	static const char *const bad[] = {
	    "",
	    " ",
	    "v",
	    "1.",
	    ".1",
	    "1..0",
	    "1!",
	    "!1",
	    "1.0-",
	    "1.0+",
	    "1.0+a.",
	    "1.0+a..b",
	    "1.0a1a",
	    "1.0re",
	    "1.0beta6.1-",
	    "1.0beta6.1",
	    "0.3.1-p1",
	    "1.0.post1.post2",
	    "1.0 1",
	    "1.0\x01",
	    "1.0\xff",
	    "\342\200\2131.0", /* U+200B is not \s */
	    "1.0+\xc3\xa9",    /* é is not [a-z] even under IGNORECASE */
	    "trunk",
	    "2013-01-21T20:33:09+0100",
	};
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		if (!ver_pep440.valid(good[i]))
			tap_fail(__FILE__, __LINE__, "'%s' should be valid", good[i]);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (ver_pep440.valid(bad[i]))
			tap_fail(__FILE__, __LINE__, "'%s' should be invalid", bad[i]);
}

TEST(pep440_normalisation)
{
	ASSERT_EQ(cmp(" \t v1.0\t\n", "1.0"), 0);
	ASSERT_EQ(cmp("\342\200\2571.0\t\342\200\251\n ", "1.0"), 0);
	ASSERT_EQ(cmp("1.0-a-", "1.0a0"), 0);
	ASSERT_EQ(cmp("1.0_ALPHA.7", "1.0a7"), 0);
	ASSERT_EQ(cmp("1.0-preview-2", "1.0rc2"), 0);
	ASSERT_EQ(cmp("1.0-r-3", "1.0.post3"), 0);
	ASSERT_EQ(cmp("1.0.0.0", "1"), 0);
	ASSERT_EQ(cmp("1.0+a-b_c", "1.0+A.B.C"), 0);
	ASSERT_EQ(cmp("1.0+01", "1.0+1"), 0);
	ASSERT_EQ(cmp("0!1.0", "1.0"), 0);
}

TEST(pep440_order_edges)
{
	/* dev-only release first, then pre-releases, release, post releases */
	ASSERT_EQ(cmp("1.0.dev5", "1.0a0.dev0"), -1);
	ASSERT_EQ(cmp("1.0a0.dev0", "1.0a0"), -1);
	ASSERT_EQ(cmp("1.0rc9", "1.0"), -1);
	ASSERT_EQ(cmp("1.0", "1.0.post0.dev0"), -1);
	ASSERT_EQ(cmp("1.0.post0.dev0", "1.0.post0"), -1);
	ASSERT_EQ(cmp("1.0.post0", "1.0.1.dev0"), -1);
	/* local versions: none < string < number, prefix < longer */
	ASSERT_EQ(cmp("1.0", "1.0+a"), -1);
	ASSERT_EQ(cmp("1.0+zzz", "1.0+0"), -1);
	ASSERT_EQ(cmp("1.0+a", "1.0+a.0"), -1);
	ASSERT_EQ(cmp("1.0+a.b", "1.0+a.c"), -1);
	ASSERT_EQ(cmp("1.0+9", "1.0+10"), -1);
	/* epochs dominate */
	ASSERT_EQ(cmp("1!0.1", "999.0"), 1);
	/* Python IGNORECASE spellings packaging cannot normalise keep their letters */
	ASSERT_EQ(cmp("1.0b9", "1.0prev\304\261ew0"), -1);
	ASSERT_EQ(cmp("1.0prev\304\261ew9", "1.0rc0"), -1);
	ASSERT_EQ(cmp("1.0PREV\304\260EW9", "1.0prev\304\261ew0"), -1);
	ASSERT_EQ(cmp("1.0.post99", "1.0po\xc5\xbft0"), -1);
	ASSERT_EQ(cmp("1.0+\xe2\x84\xaa", "1.0+k"), 0);
	ASSERT_EQ(cmp("1.0+\xc4\xb0", "1.0+i"), 1); /* "i\u0307" > "i" */
	ASSERT_EQ(cmp("1.0+z", "1.0+\xc4\xb1"), -1);
}

TEST(pep440_huge_numbers)
{
	ASSERT_EQ(cmp("1.99999999999999999999999999999", "1.99999999999999999999999999998"), 1);
	ASSERT_EQ(cmp("1.000000000000000000000000000001", "1.1"), 0);
	ASSERT_EQ(cmp("18446744073709551616", "18446744073709551615"), 1);
	ASSERT_EQ(cmp("123456789012345678901234567890!0", "99!9"), 1);
	ASSERT_EQ(cmp("1.0a100000000000000000000", "1.0a99999999999999999999"), 1);
	ASSERT_EQ(cmp("1.0.dev100000000000000000000", "1.0.dev99999999999999999999"), 1);
	ASSERT_EQ(cmp("1.0+100000000000000000000", "1.0+99999999999999999999"), 1);
}

TEST(pep440_legacy)
{
	/* legacy strings sort before every valid version, including 0.dev0 */
	ASSERT_EQ(cmp("1.0beta6.1", "0.dev0"), -1);
	ASSERT_EQ(cmp("", "0"), -1);
	ASSERT_EQ(cmp("trunk", "0!0"), -1);
	ASSERT_EQ(cmp("\xff\xfe", "0"), -1);
	/* and among themselves by the setuptools-era key */
	ASSERT_EQ(cmp("", ""), 0);
	ASSERT_EQ(cmp("0.3.1-p1", "0.4.0-p1"), -1);
	ASSERT_EQ(cmp("1.0beta6.1", "1.0beta6.2"), -1);
	ASSERT_EQ(cmp("1.0-dev-x", "1.0-x"), -1);
	ASSERT_EQ(cmp("1.0.0-x", "1.0-x"), 0); /* trailing zeros dropped before a word */
	ASSERT_EQ(cmp("1.0preview-x", "1.0c-x"), 0);
	ASSERT_EQ(cmp("1.0_x", "1.0x"), 0); /* unmatched characters are dropped */
	ASSERT_EQ(cmp("A-B", "a-b"), 0);
}

TEST(pep440_limits)
{
	char lng[VER_MAX_LEN + 2];
	memset(lng, '1', sizeof(lng) - 1);
	lng[sizeof(lng) - 1] = '\0'; /* VER_MAX_LEN + 1 digits: invalid, legacy */
	ASSERT_FALSE(ver_pep440.valid(lng));
	ASSERT_EQ(cmp(lng, "0"), -1);
	ASSERT_EQ(cmp(lng, "trunk"), 1); /* digits sort above "*" words */
	ASSERT_EQ(cmp(lng, lng), 0);
	lng[VER_MAX_LEN] = '\0'; /* exactly VER_MAX_LEN digits: valid */
	ASSERT_TRUE(ver_pep440.valid(lng));
	ASSERT_EQ(cmp(lng, "0"), 1);

	/* the longest legacy key: one digit per two bytes, each followed by '-' */
	char worst[VER_MAX_LEN + 1];
	for (size_t i = 0; i < VER_MAX_LEN; i++)
		worst[i] = i % 2 ? '-' : '7';
	worst[VER_MAX_LEN] = '\0';
	ASSERT_FALSE(ver_pep440.valid(worst));
	ASSERT_EQ(cmp(worst, worst), 0);
	ASSERT_EQ(cmp(worst, "7-7-x"), 1);
	ASSERT_EQ(cmp(worst, "7-7"), -1); /* "7-7" is 7.post7: valid */
}
