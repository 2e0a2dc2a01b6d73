/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RPM version ordering (src/vuln/version/rpm.c) against the shared vectors: vercmp/rpm.tsv
 * holds rpmvercmp() cases on single version strings first, then (from the section taken
 * from osv-scalibr on) full [epoch:]version[-release] strings for ver_rpm.compare.
 */
#include "tap.h"
#include "vectors.h"
#include "vuln/version/version.h"

#define MAX_REPORTED 20
#define EVR_SECTION "# --- osv-scalibr"

struct cmp_run {
	unsigned evr_from; /* first line of the EVR section; 0 = none */
	unsigned n, failed;
};

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

static int cmp_evr(const char *a, const char *b)
{
	return ver_rpm.compare(a, b);
}

static void check_pair(char **cols, size_t ncols, unsigned lineno, void *userdata)
{
	struct cmp_run *run = userdata;
	int (*cmp)(const char *, const char *) =
		run->evr_from && lineno > run->evr_from ? cmp_evr : ver_rpmvercmp;
	int want;
	run->n++;
	if (ncols < 3 || !parse_sign(cols[2], &want)) {
		if (++run->failed <= MAX_REPORTED)
			printf("# line %u: malformed vector\n", lineno);
		return;
	}
	int got = cmp(cols[0], cols[1]), back = cmp(cols[1], cols[0]);
	if (got != want || back != -want) {
		if (++run->failed <= MAX_REPORTED)
			printf("# line %u: %s(\"%s\", \"%s\") = %d, reverse %d, expected %d\n",
			       lineno, cmp == cmp_evr ? "compare" : "rpmvercmp", cols[0], cols[1],
			       got, back, want);
	}
}

/* Line number of the header that starts the full-EVR section of rpm.tsv. */
static unsigned find_evr_section(void)
{
	const char *path = tap_shared_path("vercmp/rpm.tsv");
	if (!path)
		TEST_SKIP("../shared/testdata is absent");
	char *data = tap_read_file(path, NULL);
	ASSERT_NOT_NULL(data);
	unsigned lineno = 1, found = 0;
	for (const char *p = data; *p; lineno++) {
		if (strncmp(p, EVR_SECTION, strlen(EVR_SECTION)) == 0) {
			found = lineno;
			break;
		}
		const char *nl = strchr(p, '\n');
		if (!nl)
			break;
		p = nl + 1;
	}
	free(data);
	return found;
}

TEST(rpm_vectors)
{
	struct cmp_run run = { .evr_from = find_evr_section() };
	ASSERT_TRUE(run.evr_from > 0);
	size_t lines = tap_vectors_foreach("vercmp/rpm.tsv", check_pair, &run);
	printf("# vercmp/rpm.tsv: %u/%u vectors pass (EVR from line %u)\n", run.n - run.failed,
	       run.n, run.evr_from);
	ASSERT_TRUE(lines > 0);
	ASSERT_EQ(run.failed, 0);
}

static int cmp(const char *a, const char *b)
{
	return ver_rpm.compare(a, b);
}

TEST(rpmvercmp_semantics)
{
	/* rpm's own upstream-disabled "oddities", with the values rpm really returns */
	ASSERT_EQ(ver_rpmvercmp("1b.fc17", "1.fc17"), -1);
	ASSERT_EQ(ver_rpmvercmp("1g.fc17", "1.fc17"), 1);
	ASSERT_EQ(ver_rpmvercmp("1.1.\xce\xb1", "1.1.\xce\xb2"), 0);
	ASSERT_EQ(ver_rpmvercmp("1.1.\xce\xb1\xce\xb1", "1.1.\xce\xb1"), 0);
	/* tilde, caret */
	ASSERT_EQ(ver_rpmvercmp("1.0~", "1.0"), -1);
	ASSERT_EQ(ver_rpmvercmp("1.0^", "1.0~"), 1);
	ASSERT_EQ(ver_rpmvercmp("1.0^", "1.0.1"), -1);
	ASSERT_EQ(ver_rpmvercmp("~", ""), -1);
	ASSERT_EQ(ver_rpmvercmp("^", ""), 1);
	ASSERT_EQ(ver_rpmvercmp("", ""), 0);
	ASSERT_EQ(ver_rpmvercmp("...", ""), 0);
	ASSERT_EQ(ver_rpmvercmp("a", "1"), -1);
	/* huge numeric segments, leading zeros */
	ASSERT_EQ(ver_rpmvercmp("1.00000000000000000000000000000000000000000000000000002",
				"1.1"),
		  1);
	ASSERT_EQ(ver_rpmvercmp("1.000000000000000000000000000000000000000000000000000001",
				"1.1"),
		  0);
	ASSERT_EQ(ver_rpmvercmp("123456789012345678901234567890", "123456789012345678901234567891"),
		  -1);
}

TEST(rpm_evr_semantics)
{
	ASSERT_EQ(cmp("1:1.0-1", "2.0-1"), 1);
	ASSERT_EQ(cmp("0:1.0-1", "1.0-1"), 0);
	ASSERT_EQ(cmp(":1.0", "1.0"), 0);			  /* empty epoch = 0 */
	ASSERT_EQ(cmp("1.0-1.el8", "1.0-1.el8_2"), -1);
	ASSERT_EQ(cmp("1.0-1-2", "1.0-1-3"), -1);		  /* release after the last '-' */
	ASSERT_EQ(cmp("1.0", "1.0-1"), -1);			  /* no release sorts first */
	ASSERT_EQ(cmp("1.0", "1.0-"), -1);
	ASSERT_EQ(cmp("1.0-", "1.0-0"), -1);
	ASSERT_EQ(cmp("99999999999999999999:1", "99999999999999999998:2"), 1);
	ASSERT_EQ(cmp("0:3.10.0-229.el7", "0:3.10.0-229.1.2.el7"), -1);
}

TEST(rpm_valid)
{
	static const char *const good[] = {
		"1.0", "1.0-1", "0:1.0-1.el8", "4294967295:1-1", "1.0~rc1^git2_3+4-1.fc38", "a",
	};
	static const char *const bad[] = {
		"", ":1", "1:", "a:1", "1.0-", "-1", "1.0-1-1", "1.0 1", "4294967296:1", "1:1:1",
		"1.0-1.\xce\xb1", "1.0/1",
	};
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		if (!ver_rpm.valid(good[i]))
			tap_fail(__FILE__, __LINE__, "\"%s\" should be valid", good[i]);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		if (ver_rpm.valid(bad[i]))
			tap_fail(__FILE__, __LINE__, "\"%s\" should be invalid", bad[i]);
}

TEST(rpm_limits)
{
	char longv[VER_MAX_LEN + 2], maxv[VER_MAX_LEN + 1];
	memset(longv, '9', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	memset(maxv, '9', sizeof(maxv) - 1);
	maxv[sizeof(maxv) - 1] = '\0';
	ASSERT_TRUE(ver_rpm.valid(maxv));
	ASSERT_FALSE(ver_rpm.valid(longv));
	ASSERT_EQ(cmp(longv, ""), -1);
	ASSERT_EQ(cmp("", longv), 1);
	ASSERT_EQ(cmp(longv, longv), 0);
	ASSERT_EQ(cmp(maxv, "1"), 1);
	ASSERT_EQ(ver_rpmvercmp(longv, "0"), -1);
	ASSERT_EQ(ver_rpmvercmp("0", longv), 1);
	ASSERT_EQ(cmp("", ""), 0);
	ASSERT_EQ(cmp("", "-"), -1);
}

static const char *const zoo[] = {
	"", "0", "1", "1.0", "1.0-1", "1:0", "0:1", ":", ":1", "1:", "1~", "1~~", "~", "^", "1^",
	"1^~", "1~^", "1.0^git1", "1.0~rc1", "1a", "1A", "a", "a1", "1.a", "1_0", "1-", "-",
	"1--", "1-1-1", "\xff", "1\xff", "1.\xce\xb1", "1.\xce\xb2", " ", "01", "001.0001", "10",
	"9", "a:1", "1:1a-1b", "0001:1", "2:0", "1.0+el8", "1.0.", "1..0", "z", "Z",
	"99999999999999999999999999", "1-^", "1-~",
};

TEST(rpm_total_order)
{
	size_t n = ARRAY_SIZE(zoo);
	int (*fns[])(const char *, const char *) = { cmp, ver_rpmvercmp };
	for (size_t f = 0; f < ARRAY_SIZE(fns); f++)
		for (size_t i = 0; i < n; i++) {
			ASSERT_EQ(fns[f](zoo[i], zoo[i]), 0);
			(void)ver_rpm.valid(zoo[i]);
			for (size_t j = 0; j < n; j++) {
				int r = fns[f](zoo[i], zoo[j]);
				if (r < -1 || r > 1 || fns[f](zoo[j], zoo[i]) != -r)
					tap_fail(__FILE__, __LINE__,
						 "antisymmetry: \"%s\" vs \"%s\"", zoo[i], zoo[j]);
				for (size_t k = 0; k < n; k++)
					if (r <= 0 && fns[f](zoo[j], zoo[k]) <= 0 &&
					    fns[f](zoo[i], zoo[k]) > 0)
						tap_fail(__FILE__, __LINE__,
							 "transitivity (%zu): %zu %zu %zu", f, i, j,
							 k);
			}
		}
}
