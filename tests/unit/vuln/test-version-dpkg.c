/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Debian version ordering (src/vuln/version/dpkg.c) against the shared vectors
 * (vercmp/dpkg.tsv, dpkg-generated.tsv: a, b, sign of compare(a, b)), plus edge cases.
 */
#include "tap.h"
#include "vectors.h"
#include "vuln/version/version.h"

TEST(dpkg_vectors)
{
	tap_vectors_check_compare("vercmp/dpkg.tsv", ver_dpkg.compare);
}

TEST(dpkg_generated_vectors)
{
	tap_vectors_check_compare("vercmp/dpkg-generated.tsv", ver_dpkg.compare);
}

static int cmp(const char *a, const char *b)
{
	return ver_dpkg.compare(a, b);
}

TEST(dpkg_semantics)
{
	ASSERT_EQ(cmp("1.0~rc1", "1.0"), -1);
	ASSERT_EQ(cmp("1.0~~", "1.0~"), -1);
	ASSERT_EQ(cmp("1.0", "1.0+b1"), -1);
	ASSERT_EQ(cmp("1.0a", "1.0+"), -1);  /* letters before non-letters */
	ASSERT_EQ(cmp("1.0-1", "1.0-1~bpo1"), 1); /* '~' in the revision */
	ASSERT_EQ(cmp("1:0.1", "9.9"), 1);
	ASSERT_EQ(cmp("00:1", "0:1"), 0);
	ASSERT_EQ(cmp("1.0", "1.0-0"), 0);
	ASSERT_EQ(cmp("1.2-3-4", "1.2-3-5"), -1); /* revision after the last '-' */
	ASSERT_EQ(cmp("1.2-3-4", "1.2-4-4"), -1);
	ASSERT_EQ(cmp(" 1.0 ", "1.0"), 0); /* dpkg trims blanks */
	/* huge digit runs compare as numbers, without overflow */
	ASSERT_EQ(cmp("1.000000000000000000000000000000000000000002",
		      "1.000000000000000000000000000000000000000001"), 1);
	ASSERT_EQ(cmp("1.100000000000000000000000000000000000000000",
		      "1.99999999999999999999999999999999999999999"), 1);
	ASSERT_EQ(cmp("99999999999999999999999999:1", "99999999999999999999999998:2"), 1);
	ASSERT_EQ(cmp("18446744073709551616:1", "18446744073709551615:1"), 1);
}

TEST(dpkg_valid)
{
	static const char *const good[] = {
		"1.0", "1.0-1", "1:1.0-1", "0:0", "2:1.2.3+dfsg-1~deb10u1", "1:2:3", "1.0-1-1",
		"2147483647:1", "1:1a~b+c.d:e-f", " 1.0",
	};
	static const char *const bad[] = {
		"", " ", "a1.0", "1.0-", ":1", "1:", "a:1", "-1:1", "+1:1", "1.0 1", "1.0_1",
		"1.0-1_2", "1.0-1:2", "-1", "2147483648:1", "1.0\xc3\xa9", "1\t0",
	};
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		if (!ver_dpkg.valid(good[i]))
			tap_fail(__FILE__, __LINE__, "\"%s\" should be valid", good[i]);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (ver_dpkg.valid(bad[i]))
			tap_fail(__FILE__, __LINE__, "\"%s\" should be invalid", bad[i]);
}

TEST(dpkg_limits)
{
	char longv[VER_MAX_LEN + 2], maxv[VER_MAX_LEN + 1];
	memset(longv, '9', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	memset(maxv, '9', sizeof(maxv) - 1);
	maxv[sizeof(maxv) - 1] = '\0';
	ASSERT_TRUE(ver_dpkg.valid(maxv));
	ASSERT_FALSE(ver_dpkg.valid(longv));
	/* too long: below everything, equal to each other */
	ASSERT_EQ(cmp(longv, "0"), -1);
	ASSERT_EQ(cmp("0", longv), 1);
	ASSERT_EQ(cmp(longv, ""), -1);
	ASSERT_EQ(cmp(longv, longv), 0);
	ASSERT_EQ(cmp(maxv, "1"), 1);
	ASSERT_EQ(cmp("", ""), 0);
	ASSERT_EQ(cmp("", "0"), 0); /* both read as upstream "" / "0" */
}

/* Tricky strings, valid or not: every pair must be antisymmetric, every triple transitive. */
static const char *const zoo[] = {
	"", "0", "1", "1.0", "1.0-1", "1:0", "0:1", "1~", "1~~", "~", "~~1", "1+", "1a", "1A",
	"1.0~rc1-1", "1.0-1~", "a:1", ":1", "1:", "-", "1-", "1--", "1.0-1-", "\xff", "1\xff",
	"1\x80", "1.\xce\xb1", " ", "1 2", "01", "001.0001", "1.0.0", "10", "9", "1:1a-1b",
	"0001:1", "2:0", "1.0+dfsg", "1.0.", "1..0", "z", "Z", "~a", "1:1:1", "1-a-b",
	"99999999999999999999999999", "99999999999999999999999999.1",
};

TEST(dpkg_total_order)
{
	size_t n = ARRAY_SIZE(zoo);
	for (size_t i = 0; i < n; i++) {
		ASSERT_EQ(cmp(zoo[i], zoo[i]), 0);
		(void)ver_dpkg.valid(zoo[i]);
		for (size_t j = 0; j < n; j++) {
			int r = cmp(zoo[i], zoo[j]);
			if (r < -1 || r > 1 || cmp(zoo[j], zoo[i]) != -r)
				tap_fail(__FILE__, __LINE__, "antisymmetry: \"%s\" vs \"%s\"",
					 zoo[i], zoo[j]);
			for (size_t k = 0; k < n; k++)
				if (r <= 0 && cmp(zoo[j], zoo[k]) <= 0 && cmp(zoo[i], zoo[k]) > 0)
					tap_fail(__FILE__, __LINE__, "transitivity: %zu %zu %zu", i,
						 j, k);
		}
	}
}
