/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Alpine version ordering (src/vuln/version/apk.c) against the shared vectors:
 * vercmp/apk.tsv and apk-generated.tsv (a, b, sign of compare(a, b)), apk-fuzzy.tsv
 * (a, op, b, expected 1/0 for the '~' fuzzy operators) and apk-valid.tsv (version, 1/0).
 */
#include "tap.h"
#include "vectors.h"
#include "vuln/version/version.h"

#define MAX_REPORTED 20

struct run {
	unsigned n, failed;
};

static void malformed(struct run *run, unsigned lineno)
{
	if (++run->failed <= MAX_REPORTED)
		printf("# line %u: malformed vector\n", lineno);
}

static bool parse_sign(const char *s, int *ret)
{
	if (streq(s, "-1"))
		*ret = -1;
	else if (streq(s, "0"))
		*ret = 0;
	else if (streq(s, "1"))
		*ret = 1;
	else
		return false;
	return true;
}

static int cmp(const char *a, const char *b)
{
	return ver_apk.compare(a, b);
}

static void check_pair(char **cols, size_t ncols, unsigned lineno, void *userdata)
{
	struct run *run = userdata;
	int want;
	run->n++;
	if (ncols < 3 || !parse_sign(cols[2], &want)) {
		malformed(run, lineno);
		return;
	}
	int got = cmp(cols[0], cols[1]), back = cmp(cols[1], cols[0]);
	if ((got != want || back != -want) && ++run->failed <= MAX_REPORTED)
		printf("# line %u: compare(\"%s\", \"%s\") = %d, reverse %d, expected %d\n", lineno,
		       cols[0], cols[1], got, back, want);
}

static void run_file(const char *rel)
{
	struct run run = { 0 };
	size_t lines = tap_vectors_foreach(rel, check_pair, &run);
	printf("# %s: %u/%u vectors pass\n", rel, run.n - run.failed, run.n);
	ASSERT_TRUE(lines > 0);
	ASSERT_EQ(run.failed, 0);
}

TEST(apk_vectors)
{
	run_file("vercmp/apk.tsv");
}

TEST(apk_generated_vectors)
{
	run_file("vercmp/apk-generated.tsv");
}

/* apk_version_match() for the operators the fuzzy file uses: [!][<|>]~ */
static int apk_match(const char *a, const char *op, const char *b)
{
	bool negate = op[0] == '!';
	if (negate)
		op++;
	bool m;
	if (streq(op, "~"))
		m = ver_apk_fuzzy_match(a, b);
	else if (streq(op, "<~"))
		m = ver_apk_fuzzy_match(a, b) || cmp(a, b) < 0;
	else if (streq(op, ">~"))
		m = ver_apk_fuzzy_match(a, b) || cmp(a, b) > 0;
	else
		return -1;
	return m != negate;
}

static void check_fuzzy(char **cols, size_t ncols, unsigned lineno, void *userdata)
{
	struct run *run = userdata;
	int want;
	run->n++;
	if (ncols < 4 || !parse_sign(cols[3], &want) || want < 0) {
		malformed(run, lineno);
		return;
	}
	int got = apk_match(cols[0], cols[1], cols[2]);
	if (got != want) {
		run->failed++;
		if (run->failed <= MAX_REPORTED)
			printf("# line %u: \"%s\" %s \"%s\" = %d, expected %d\n", lineno, cols[0],
			       cols[1], cols[2], got, want);
	}
}

TEST(apk_fuzzy_vectors)
{
	struct run run = { 0 };
	size_t lines = tap_vectors_foreach("vercmp/apk-fuzzy.tsv", check_fuzzy, &run);
	printf("# vercmp/apk-fuzzy.tsv: %u/%u vectors pass\n", run.n - run.failed, run.n);
	ASSERT_TRUE(lines > 0);
	ASSERT_EQ(run.failed, 0);
}

static void check_valid(char **cols, size_t ncols, unsigned lineno, void *userdata)
{
	struct run *run = userdata;
	int want;
	run->n++;
	if (ncols < 2 || !parse_sign(cols[1], &want) || want < 0) {
		malformed(run, lineno);
		return;
	}
	int got = ver_apk.valid(cols[0]);
	if (got != want) {
		run->failed++;
		if (run->failed <= MAX_REPORTED)
			printf("# line %u: valid(\"%s\") = %d, expected %d\n", lineno, cols[0], got,
			       want);
	}
}

TEST(apk_valid_vectors)
{
	struct run run = { 0 };
	size_t lines = tap_vectors_foreach("vercmp/apk-valid.tsv", check_valid, &run);
	printf("# vercmp/apk-valid.tsv: %u/%u vectors pass\n", run.n - run.failed, run.n);
	ASSERT_TRUE(lines > 0);
	ASSERT_EQ(run.failed, 0);
}

TEST(apk_semantics)
{
	ASSERT_EQ(cmp("1.2_alpha1", "1.2_beta"), -1);
	ASSERT_EQ(cmp("1.2_rc9", "1.2"), -1);
	ASSERT_EQ(cmp("1.2", "1.2_p1"), -1);
	ASSERT_EQ(cmp("1.2_p1", "1.2a"), -1);
	ASSERT_EQ(cmp("1.2a", "1.2.0"), -1);
	ASSERT_EQ(cmp("1.2-r1", "1.2_p0"), -1);
	ASSERT_EQ(cmp("1.2~abc-r0", "1.2-r9"), 1);
	ASSERT_EQ(cmp("1.02", "1.1"), -1);  /* leading zero: string order */
	ASSERT_EQ(cmp("01.2", "1.2"), 0);   /* ...but not for the first number */
	ASSERT_EQ(cmp("1-r01", "1-r1"), 0);
	/* digit runs far beyond 64 bits */
	ASSERT_EQ(cmp("1.100000000000000000000000000000000000000000",
		      "1.99999999999999999999999999999999999999999"), 1);
	ASSERT_EQ(cmp("123456789012345678901234567890", "123456789012345678901234567891"), -1);
	ASSERT_EQ(cmp("1_p123456789012345678901234567891", "1_p123456789012345678901234567890"),
		  1);
	/* invalid rests */
	ASSERT_EQ(cmp("1.0bc", "1.0bd"), 0);
	ASSERT_EQ(cmp("1.0\xff", "1.0"), -1);
	ASSERT_EQ(cmp("1.0\xff", "1.0_rc1"), 1);
	ASSERT_EQ(cmp("", "0"), -1);
	ASSERT_EQ(cmp("", ""), 0);
	/* fuzzy */
	ASSERT_TRUE(ver_apk_fuzzy_match("1.2.3-r4", "1.2"));
	ASSERT_TRUE(ver_apk_fuzzy_match("1.2", "1.2"));
	ASSERT_FALSE(ver_apk_fuzzy_match("1.20", "1.2"));
	ASSERT_FALSE(ver_apk_fuzzy_match("1.2", "1.2.3"));
}

TEST(apk_limits)
{
	char longv[VER_MAX_LEN + 2], maxv[VER_MAX_LEN + 1];
	memset(longv, '9', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	memset(maxv, '9', sizeof(maxv) - 1);
	maxv[sizeof(maxv) - 1] = '\0';
	ASSERT_TRUE(ver_apk.valid(maxv));
	ASSERT_FALSE(ver_apk.valid(longv));
	ASSERT_EQ(cmp(longv, ""), -1);
	ASSERT_EQ(cmp("", longv), 1);
	ASSERT_EQ(cmp(longv, longv), 0);
	ASSERT_EQ(cmp(maxv, "1"), 1);
	ASSERT_FALSE(ver_apk_fuzzy_match(longv, "9"));
	ASSERT_FALSE(ver_apk_fuzzy_match("9", longv));
	ASSERT_FALSE(ver_apk.valid("1.0\xce\xb1"));
}

static const char *const zoo[] = {
	"", "0", "1", "1.0", "1.0-r1", "1-r", "1-r0", "1-r-0", "1-ruff", "1--r", ".", ".1", "..",
	"1..", "1..2", "a", "b", "_rc", "1_rc", "1_rc1", "1_p", "1_p1", "1_foo", "1_", "1~", "1~a",
	"1~A", "1a", "1a1", "1ab", "1.a", "1.0a-r1", "1\xff", "\xff", "1.\xce\xb1", " ", "01",
	"1.01", "1.001", "1.1", "10", "9", "1.0_alpha_beta", "1.0_p1_p2", "1.0~ab-r2", "1-r1~a",
	"99999999999999999999999999", "1.0.0-r0", "0.r1", "0r2", "1-", "-r1", "1.2.0A",
};

TEST(apk_total_order)
{
	size_t n = ARRAY_SIZE(zoo);
	for (size_t i = 0; i < n; i++) {
		ASSERT_EQ(cmp(zoo[i], zoo[i]), 0);
		(void)ver_apk.valid(zoo[i]);
		for (size_t j = 0; j < n; j++) {
			int r = cmp(zoo[i], zoo[j]);
			if (r < -1 || r > 1 || cmp(zoo[j], zoo[i]) != -r)
				tap_fail(__FILE__, __LINE__, "antisymmetry: \"%s\" vs \"%s\"",
					 zoo[i], zoo[j]);
			/* equal versions always fuzzy-match */
			if (r == 0 && !ver_apk_fuzzy_match(zoo[i], zoo[j]))
				tap_fail(__FILE__, __LINE__,
					 "equal but no fuzzy match: \"%s\" \"%s\"", zoo[i], zoo[j]);
			for (size_t k = 0; k < n; k++)
				if (r <= 0 && cmp(zoo[j], zoo[k]) <= 0 && cmp(zoo[i], zoo[k]) > 0)
					tap_fail(__FILE__, __LINE__, "transitivity: %zu %zu %zu", i,
						 j, k);
		}
	}
}
