/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-version-semver.c — ver_semver, ver_npm and ver_npm_satisfies() against the shared
 * node-semver / OSV vectors, plus edge cases and a total-preorder check over a pool.
 */
#include <jansson.h>

#include "tap.h"
#include "vectors.h"
#include "vuln/version/version.h"

#define MAX_REPORT 20

struct run {
	const struct ver_scheme_ops *ops;
	const char *file;
	size_t n, failed;
};

TEST(semver_vectors)
{
	tap_vectors_check_compare("vercmp/semver.tsv", ver_semver.compare);
}

TEST(npm_loose_vectors)
{
	tap_vectors_check_compare("vercmp/semver-npm-loose.tsv", ver_npm.compare);
}

/* JavaScript truthiness of a JSON value. */
static bool js_truthy(const json_t *v)
{
	if (!v)
		return false;
	switch (json_typeof(v)) {
	case JSON_TRUE:
	case JSON_OBJECT:
	case JSON_ARRAY:
		return true;
	case JSON_INTEGER:
		return json_integer_value(v) != 0;
	case JSON_REAL:
		return json_real_value(v) != 0.0;
	case JSON_STRING:
		return json_string_length(v) > 0;
	default:
		return false;
	}
}

/* node-semver parseOptions(): '-' none, an object its flags, another truthy value loose. */
static int parse_options(const char *s, unsigned *ret)
{
	*ret = 0;
	if (streq(s, "-"))
		return 0;
	json_error_t err;
	json_t *j = json_loads(s, JSON_DECODE_ANY, &err);
	if (!j)
		return -EBADMSG;
	if (json_is_object(j)) {
		if (js_truthy(json_object_get(j, "loose")))
			*ret |= VER_NPM_LOOSE;
		if (js_truthy(json_object_get(j, "includePrerelease")))
			*ret |= VER_NPM_INCLUDE_PRERELEASE;
	} else if (js_truthy(j))
		*ret = VER_NPM_LOOSE;
	json_decref(j);
	return 0;
}

static void range_vector(char **cols, size_t ncols, unsigned lineno, void *userdata)
{
	struct run *run = userdata;
	unsigned flags;

	run->n++;
	if (ncols != 4 || (!streq(cols[2], "0") && !streq(cols[2], "1")) ||
	    parse_options(cols[3], &flags) < 0) {
		if (run->failed++ < MAX_REPORT)
			printf("# %s:%u: malformed vector line\n", run->file, lineno);
		return;
	}
	int exp = streq(cols[2], "1");
	int r = ver_npm_satisfies(cols[0], cols[1], flags);
	if (r != exp && run->failed++ < MAX_REPORT)
		printf("# %s:%u: satisfies(\"%s\", \"%s\", %u) = %d, expected %d\n", run->file,
		       lineno, cols[0], cols[1], flags, r, exp);
}

TEST(npm_range_vectors)
{
	struct run run = {.file = "vercmp/semver-npm-range.tsv"};
	size_t n = tap_vectors_foreach(run.file, range_vector, &run);
	printf("# %s: %zu/%zu vectors pass\n", run.file, run.n - run.failed, run.n);
	ASSERT_TRUE(n > 0);
	ASSERT_EQ(run.failed, 0);
}

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);
	if (s) {
		memset(s, c, n);
		s[n] = '\0';
	}
	return s;
}

TEST(semver_edge_cases)
{
	/* numbers of any length, compared exactly */
	ASSERT_EQ(ver_semver.compare("99999999999999999999999.0.0", "99999999999999999999998.0.0"),
		  1);
	ASSERT_EQ(ver_semver.compare("1.0.0-9007199254740993", "1.0.0-9007199254740992"), 1);
	ASSERT_EQ(ver_semver.compare("1.0.0-18446744073709551616", "1.0.0-18446744073709551615"),
		  1);
	ASSERT_TRUE(ver_semver.valid("18446744073709551616.0.0"));
	ASSERT_EQ(ver_semver.compare("1.0.0-alpha", "1.0.0-18446744073709551616"), 1);
	/* strict: no leading zeros, three numbers, 'v' and surrounding white space allowed */
	ASSERT_FALSE(ver_semver.valid("01.2.3"));
	ASSERT_FALSE(ver_semver.valid("1.2.3-01"));
	ASSERT_TRUE(ver_semver.valid("1.2.3-0a"));
	ASSERT_FALSE(ver_semver.valid("1.2"));
	ASSERT_FALSE(ver_semver.valid("1.2.3-"));
	ASSERT_FALSE(ver_semver.valid("1.2.3+"));
	ASSERT_FALSE(ver_semver.valid("1.2.3-a..b"));
	ASSERT_FALSE(ver_semver.valid("=1.2.3"));
	ASSERT_TRUE(ver_semver.valid(" v1.2.3+build.1 "));
	ASSERT_TRUE(ver_semver.valid("\xc2\xa0"
				     "1.2.3\xe3\x80\x80")); /* NBSP, U+3000 trimmed */
	ASSERT_FALSE(ver_semver.valid("1.2.3-\xff"));
	ASSERT_FALSE(ver_semver.valid(""));
	ASSERT_EQ(ver_semver.compare("1.2.3+a", "1.2.3+b"), 0);
	ASSERT_EQ(ver_semver.compare("1.2.3-a-b", "1.2.3-a"), 1);
	/* invalid strings: lenient reading, or below everything without a number */
	ASSERT_EQ(ver_semver.compare("1.5", "1.5.0"), 0);
	ASSERT_EQ(ver_semver.compare("1.5", "1.4.9"), 1);
	ASSERT_EQ(ver_semver.compare("1.2.3.4", "1.2.3-4"), 0);
	ASSERT_EQ(ver_semver.compare("", "abc"), 0);
	ASSERT_EQ(ver_semver.compare("", "0.0.0-0"), -1);
	ASSERT_EQ(ver_semver.compare("latest", "0"), -1);
	ASSERT_EQ(ver_semver.compare("1.2.3-\xff", "1.2.3-z"), 1);
	ASSERT_EQ(ver_semver.compare("\xff\xfe", "1.0.0"), -1);
	/* longer than VER_MAX_LEN: invalid, equal to "no number" strings */
	char *big = repeat('1', VER_MAX_LEN + 1);
	ASSERT_NOT_NULL(big);
	ASSERT_FALSE(ver_semver.valid(big));
	ASSERT_FALSE(ver_npm.valid(big));
	ASSERT_EQ(ver_semver.compare(big, ""), 0);
	ASSERT_EQ(ver_semver.compare(big, "0.0.0"), -1);
	ASSERT_EQ(ver_npm.compare("0.0.0", big), 1);
	ASSERT_EQ(ver_npm_satisfies("*", big, 0), 0);
	big[VER_MAX_LEN] = '\0';
	ASSERT_EQ(ver_semver.compare(big, "1.0.0"), 1); /* lenient: one huge number */
	free(big);
	/* exactly VER_MAX_LEN bytes is still a version */
	char v[VER_MAX_LEN + 1];
	memset(v, '1', VER_MAX_LEN);
	v[0] = '1', v[1] = '.', v[2] = '2', v[3] = '.', v[4] = '3', v[5] = '-';
	v[VER_MAX_LEN] = '\0';
	ASSERT_TRUE(ver_semver.valid(v));
}

TEST(npm_loose_edge_cases)
{
	ASSERT_TRUE(ver_npm.valid("=v 01.02.03beta"));
	ASSERT_EQ(ver_npm.compare("=v 01.02.03beta", "1.2.3-beta"), 0);
	ASSERT_EQ(ver_npm.compare("1.2.3-01", "1.2.3-1"), 0);
	/* node-semver's backtracking quirk: "9.4.1208.jre7" is 9.4.120-8.jre7 */
	ASSERT_TRUE(ver_npm.valid("9.4.1208.jre7"));
	ASSERT_EQ(ver_npm.compare("9.4.1208.jre7", "9.4.120-8.jre7"), 0);
	ASSERT_TRUE(ver_npm.valid("1.2.3-"));
	ASSERT_EQ(ver_npm.compare("1.2.3-", "1.2.3--"), 0);
	ASSERT_FALSE(ver_npm.valid("1.2.3.4"));
	ASSERT_FALSE(ver_npm.valid("1.2"));
	ASSERT_TRUE(ver_npm.valid("v\xe2\x80\x83"
				  "1.2.3")); /* U+2003 inside the prefix */
	ASSERT_FALSE(ver_semver.valid("v\xe2\x80\x83"
				      "1.2.3"));
}

TEST(npm_range_edge_cases)
{
	/* desugarings from node-semver's range-parse fixture */
	ASSERT_EQ(ver_npm_satisfies("^0", "0.9.9", 0), 1);
	ASSERT_EQ(ver_npm_satisfies("^0", "1.0.0", 0), 0);
	ASSERT_EQ(ver_npm_satisfies(">01.02.03", "1.2.4", VER_NPM_LOOSE), 1);
	ASSERT_EQ(ver_npm_satisfies(">01.02.03", "1.2.4", 0), 0); /* invalid in strict mode */
	ASSERT_EQ(ver_npm_satisfies("~1.2.3beta", "1.2.3-beta", VER_NPM_LOOSE), 1);
	ASSERT_EQ(ver_npm_satisfies("~1.2.3beta", "1.2.3", 0), 0);
	ASSERT_EQ(ver_npm_satisfies("<\t2.0.0", "1.9.0", 0), 1);
	ASSERT_EQ(ver_npm_satisfies(">X", "1.0.0", 0), 0);
	ASSERT_EQ(ver_npm_satisfies("<x <* || >* 2.x", "2.0.0", 0), 0);
	ASSERT_EQ(ver_npm_satisfies(">x 2.x || * || <x", "3.0.0", 0), 1);
	ASSERT_EQ(ver_npm_satisfies("1.2.3 - 3.4", "3.4.9", 0), 1);
	ASSERT_EQ(ver_npm_satisfies("1.2.3 - 3.4", "3.5.0", 0), 0);
	ASSERT_EQ(ver_npm_satisfies(">1", "2.0.0", 0), 1);
	ASSERT_EQ(ver_npm_satisfies(">1", "1.9.9", 0), 0);
	/* a '*' alternative turns the range into '*', which excludes prereleases */
	ASSERT_EQ(ver_npm_satisfies("1.2.3-beta", "1.2.3-beta", 0), 1);
	ASSERT_EQ(ver_npm_satisfies("* || 1.2.3-beta", "1.2.3-beta", 0), 0);
	ASSERT_EQ(ver_npm_satisfies("* || 1.2.3-beta", "1.2.3-beta", VER_NPM_INCLUDE_PRERELEASE),
		  1);
	/* huge numbers are incremented exactly */
	ASSERT_EQ(ver_npm_satisfies("^99999999999999999999", "99999999999999999999.5.0", 0), 1);
	ASSERT_EQ(ver_npm_satisfies("^99999999999999999999", "100000000000000000000.0.0", 0), 0);
	ASSERT_EQ(ver_npm_satisfies("~1.99999999999999999999.0", "1.99999999999999999999.7", 0), 1);
	/* invalid input */
	ASSERT_EQ(ver_npm_satisfies("1.2.3 - ", "1.2.3", 0), 0);
	ASSERT_EQ(ver_npm_satisfies(">=1.0.0 foo", "1.2.3", 0), 0);
	ASSERT_EQ(ver_npm_satisfies(">=1.0.0 foo", "1.2.3", VER_NPM_LOOSE), 1);
	ASSERT_EQ(ver_npm_satisfies("foo", "1.2.3", VER_NPM_LOOSE), 0);
	ASSERT_EQ(ver_npm_satisfies("*", "", 0), 0);
	ASSERT_EQ(ver_npm_satisfies("\xff", "1.0.0", 0), 0);
	ASSERT_EQ(ver_npm_satisfies("*", "1.0.0\xff", 0), 0);
	ASSERT_EQ(ver_npm_satisfies(NULL, "1.0.0", 0), 0);
	/* NPM_RANGE_MAX: 1024 bytes of range at most; the number of comparators is free */
	char range[1100];
	size_t n = 0;
	while (n + 7 <= 1024) {
		memcpy(range + n, ">=1.0.0", 7);
		n += 7;
		range[n++] = ' ';
	}
	range[n - 1] = '\0';
	ASSERT_EQ(ver_npm_satisfies(range, "1.0.0", 0), 1);
	memset(range, ' ', 1030);
	memcpy(range + 1020, "1.0.0", 5);
	range[1030] = '\0';
	ASSERT_EQ(ver_npm_satisfies(range, "1.0.0", 0), 0);
}

/* Total preorder over every pair and triple of a pool of strings. */
static const char *const pool[] = {
    "",
    "abc",
    "0",
    "0.0.0",
    "0.0.0-0",
    "1",
    "1.0",
    "1.0.0",
    "v1.0.0",
    "=1.0.0",
    " 1.0.0 ",
    "1.0.0-alpha",
    "1.0.0-alpha.1",
    "1.0.0-1",
    "1.0.0-01",
    "1.0.0+b",
    "1.0.0beta",
    "1.0.0-beta",
    "1.2.3.4",
    "1.2.34.5",
    "1.2.3-4.5",
    "01.2.3",
    "1.2.3-",
    "1.2.3-.",
    "1.2.3--",
    "1.2.3-a..b",
    "2",
    "10.0.0",
    "9.99.999",
    "1.5",
    "1.2.3-\xff",
    "\xff",
    "v",
    "1.2.3 x",
    "1..2",
    "1.2.3-A",
    "1.2.3-a",
    "1.2.3-0a",
    "18446744073709551616.0.0",
    "1.0.0-18446744073709551616",
    "9.4.1208.jre7",
    "9.4.120-8.jre7",
};

static void check_preorder(const struct ver_scheme_ops *ops)
{
	size_t n = ARRAY_SIZE(pool), bad = 0;
	int c[ARRAY_SIZE(pool)][ARRAY_SIZE(pool)];

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			c[i][j] = ops->compare(pool[i], pool[j]);
			if (c[i][j] < -1 || c[i][j] > 1 || (i == j && c[i][j] != 0))
				bad++;
		}
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++) {
			if (c[i][j] != -c[j][i] && bad++ < MAX_REPORT)
				printf("# %s: antisymmetry: \"%s\" \"%s\"\n", ops->name, pool[i],
				       pool[j]);
			for (size_t k = 0; k < n; k++)
				if (c[i][j] <= 0 && c[j][k] <= 0 &&
				    (c[i][k] > 0 ||
				     (c[i][j] < 0 || c[j][k] < 0) != (c[i][k] < 0)) &&
				    bad++ < MAX_REPORT)
					printf("# %s: transitivity: \"%s\" \"%s\" \"%s\"\n",
					       ops->name, pool[i], pool[j], pool[k]);
		}
	ASSERT_EQ(bad, 0);
}

TEST(semver_total_preorder)
{
	check_preorder(&ver_semver);
}

TEST(npm_total_preorder)
{
	check_preorder(&ver_npm);
}

/* Strictly valid versions order the same in both schemes. */
TEST(semver_npm_agree)
{
	for (size_t i = 0; i < ARRAY_SIZE(pool); i++)
		for (size_t j = 0; j < ARRAY_SIZE(pool); j++)
			if (ver_semver.valid(pool[i]) && ver_semver.valid(pool[j]))
				ASSERT_EQ(ver_semver.compare(pool[i], pool[j]),
					  ver_npm.compare(pool[i], pool[j]));
}
