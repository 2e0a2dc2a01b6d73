/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-version-go.c — ver_go and ver_go_canonical() against golang.org/x/mod/semver's own
 * test table (shared vectors), plus pseudo-versions, +incompatible and limit cases.
 */
#include "tap.h"
#include "vectors.h"
#include "vuln/version/version.h"

#define MAX_REPORT 20

struct run {
	const char *file;
	size_t n, failed;
};

TEST(go_vectors)
{
	tap_vectors_check_compare("vercmp/go.tsv", ver_go.compare);
}

static void canonical_vector(char **cols, size_t ncols, unsigned lineno, void *userdata)
{
	struct run *run = userdata;
	char out[VER_MAX_LEN + 8];

	run->n++;
	if (ncols < 1 || ncols > 2) {
		if (run->failed++ < MAX_REPORT)
			printf("# %s:%u: malformed vector line\n", run->file, lineno);
		return;
	}
	const char *exp = ncols == 2 ? cols[1] : "";
	int r = ver_go_canonical(cols[0], out, sizeof(out));
	bool ok = *exp ? r == (int)strlen(exp) && streq(out, exp) && ver_go.valid(cols[0]) &&
			     ver_go.compare(cols[0], exp) == 0
		       : r == -EINVAL && out[0] == '\0' && !ver_go.valid(cols[0]);
	if (!ok && run->failed++ < MAX_REPORT)
		printf("# %s:%u: canonical(\"%s\") = %d \"%s\", expected \"%s\"\n", run->file,
		       lineno, cols[0], r, out, exp);
}

TEST(go_canonical_vectors)
{
	struct run run = {.file = "vercmp/go-canonical.tsv"};
	size_t n = tap_vectors_foreach(run.file, canonical_vector, &run);
	printf("# %s: %zu/%zu vectors pass\n", run.file, run.n - run.failed, run.n);
	ASSERT_TRUE(n > 0);
	ASSERT_EQ(run.failed, 0);
}

TEST(go_edge_cases)
{
	char out[64];

	/* pseudo-versions are prereleases */
	ASSERT_EQ(ver_go.compare("v0.0.0-20210101000000-abcdef123456", "v0.0.0"), -1);
	ASSERT_EQ(ver_go.compare("v0.0.0-20210101000000-abcdef123456",
				 "v0.0.0-20201231235959-abcdef123456"),
		  1);
	ASSERT_EQ(ver_go.compare("v1.2.4-0.20210101000000-abcdef123456", "v1.2.3"), 1);
	ASSERT_EQ(ver_go.compare("v1.2.4-0.20210101000000-abcdef123456", "v1.2.4-pre"), -1);
	/* +incompatible is build metadata */
	ASSERT_EQ(ver_go.compare("v2.0.0+incompatible", "v2.0.0"), 0);
	ASSERT_EQ(ver_go_canonical("v2.0.0+incompatible", out, sizeof(out)), 6);
	ASSERT_STREQ(out, "v2.0.0");
	/* the 'v' is mandatory, no trimming, no leading zeros */
	ASSERT_FALSE(ver_go.valid("1.18.0"));
	ASSERT_FALSE(ver_go.valid(" v1.0.0"));
	ASSERT_FALSE(ver_go.valid("v01.0.0"));
	ASSERT_FALSE(ver_go.valid("v1.0.0-01"));
	ASSERT_TRUE(ver_go.valid("v1.0.0-0a"));
	ASSERT_FALSE(ver_go.valid("v1.0.0-"));
	ASSERT_FALSE(ver_go.valid("v1.0.0+"));
	ASSERT_FALSE(ver_go.valid("v1.0.0-a..b"));
	ASSERT_FALSE(ver_go.valid(""));
	ASSERT_FALSE(ver_go.valid("v"));
	ASSERT_FALSE(ver_go.valid("v1.0.0-\xc3\xa9"));
	ASSERT_EQ(ver_go.compare("1.18.0", "garbage"), 0);
	ASSERT_EQ(ver_go.compare("1.18.0", "v0.0.0-0"), -1);
	/* numbers of any length */
	ASSERT_EQ(ver_go.compare("v99999999999999999999999.0.0", "v99999999999999999999998.9.9"),
		  1);
	ASSERT_EQ(ver_go.compare("v1.0.0-99999999999999999999999", "v1.0.0-9"), 1);
	ASSERT_EQ(ver_go.compare("v1.0.0-99999999999999999999999", "v1.0.0-a"), -1);
	ASSERT_EQ(ver_go.compare("v1.2", "v1.2.0"), 0);
	ASSERT_EQ(ver_go.compare("v1", "v1.0.1"), -1);
	/* canonical: shorthands, buffer limits */
	ASSERT_EQ(ver_go_canonical("v1", out, sizeof(out)), 6);
	ASSERT_STREQ(out, "v1.0.0");
	ASSERT_ERR(ver_go_canonical("v1.2.3", out, 6), -E2BIG);
	ASSERT_EQ(ver_go_canonical("v1.2.3", out, 7), 6);
	ASSERT_ERR(ver_go_canonical("v1.2.3", out, 0), -E2BIG);
	ASSERT_ERR(ver_go_canonical("v1.2.3-", out, sizeof(out)), -EINVAL);
	ASSERT_STREQ(out, "");
	/* longer than VER_MAX_LEN: invalid */
	char big[VER_MAX_LEN + 2];
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "v1.0.0-", 7);
	ASSERT_FALSE(ver_go.valid(big));
	ASSERT_EQ(ver_go.compare(big, "bad"), 0);
	ASSERT_EQ(ver_go.compare(big, "v0.0.0"), -1);
	big[VER_MAX_LEN] = '\0';
	ASSERT_TRUE(ver_go.valid(big));
}
