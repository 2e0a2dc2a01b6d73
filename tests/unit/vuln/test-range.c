/* SPDX-License-Identifier: Apache-2.0 */
/* OSV range evaluation (src/vuln/range.c) against the semantics of the OSV schema. */
#include "common/json.h"
#include "tap.h"
#include "vuln/osv.h"
#include "vuln/range.h"

static const struct vuln_ecosystem *eco(const char *name)
{
	const struct vuln_ecosystem *e = vuln_ecosystem_find(span_from(name));
	if (!e)
		tap_fail(__FILE__, __LINE__, "no ecosystem %s", name);
	return e;
}

/* affected? for version against ranges/versions JSON; fixed must equal want_fixed ("" = none). */
static void check(const char *ecosystem, const char *version, const char *ranges,
		  const char *versions, int want_affected, const char *want_fixed, int line)
{
	json_t *r = ranges ? json_loads(ranges, 0, NULL) : NULL;
	json_t *v = versions ? json_loads(versions, 0, NULL) : NULL;
	if ((ranges && !r) || (versions && !v))
		tap_fail(__FILE__, line, "bad test JSON");
	struct vuln_range_result res;
	int rc = vuln_range_eval(eco(ecosystem), version, r, v, &res);
	json_decref(r);
	json_decref(v);
	if (want_affected < 0) {
		if (rc != -EINVAL)
			tap_fail(__FILE__, line, "%s %s: expected -EINVAL, got %d", ecosystem, version, rc);
		return;
	}
	if (rc < 0)
		tap_fail(__FILE__, line, "%s %s: error %d", ecosystem, version, rc);
	if (res.affected != (want_affected == 1))
		tap_fail(__FILE__, line, "%s %s: affected=%d, expected %d", ecosystem, version,
			 res.affected, want_affected);
	if (want_fixed && strcmp(res.fixed, want_fixed) != 0)
		tap_fail(__FILE__, line, "%s %s: fixed='%s', expected '%s'", ecosystem, version,
			 res.fixed, want_fixed);
}

#define CHECK(e, v, r, vs, a, f) check(e, v, r, vs, a, f, __LINE__)

TEST(range_introduced_fixed)
{
	const char *r = "[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"2.31.0\"}]}]";
	CHECK("PyPI", "2.30.0", r, NULL, 1, "2.31.0");
	CHECK("PyPI", "2.31.0", r, NULL, 0, "");
	CHECK("PyPI", "2.31.0.post1", r, NULL, 0, "");
	CHECK("PyPI", "2.31.0rc1", r, NULL, 1, "2.31.0");
	CHECK("PyPI", "0.0.1", r, NULL, 1, "2.31.0");
}

TEST(range_unsorted_events_and_two_intervals)
{
	/* Events in any order; two vulnerable intervals [0,1.21.12) and [1.22.0-0,1.22.5). */
	const char *r = "[{\"type\":\"SEMVER\",\"events\":[{\"fixed\":\"1.22.5\"},{\"introduced\":\"0\"},"
			"{\"introduced\":\"1.22.0-0\"},{\"fixed\":\"1.21.12\"}]}]";
	CHECK("Go", "v1.21.11", r, NULL, 1, "1.21.12");
	CHECK("Go", "v1.21.12", r, NULL, 0, "");
	CHECK("Go", "v1.22.0", r, NULL, 1, "1.22.5");
	CHECK("Go", "v1.22.5", r, NULL, 0, "");
	CHECK("Go", "1.22.1", r, NULL, 1, "1.22.5"); /* 'v' is added for Go */
	CHECK("Go", "v1.23.0", r, NULL, 0, "");
	/* A pseudo-version below 1.22.0 and above 1.21.12 is not affected. */
	CHECK("Go", "v1.21.13-0.20240101000000-abcdefabcdef", r, NULL, 0, "");
}

TEST(range_last_affected_and_limit)
{
	const char *la = "[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"1.2\"},{\"last_affected\":\"1.2.17\"}]}]";
	CHECK("Maven", "1.1", la, NULL, 0, "");
	CHECK("Maven", "1.2", la, NULL, 1, "");
	CHECK("Maven", "1.2.17", la, NULL, 1, "");
	CHECK("Maven", "1.2.18", la, NULL, 0, "");
	const char *lim = "[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"1.0.0\"},{\"limit\":\"2.0.0\"}]}]";
	CHECK("npm", "1.5.0", lim, NULL, 1, "");
	CHECK("npm", "2.0.0", lim, NULL, 0, "");
	const char *star = "[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"1.0.0\"},{\"limit\":\"*\"}]}]";
	CHECK("npm", "9.9.9", star, NULL, 1, "");
}

TEST(range_versions_list_and_git)
{
	/* GIT ranges name commits: only the enumerated versions match. */
	const char *git = "[{\"type\":\"GIT\",\"repo\":\"https://example.org/r\",\"events\":"
			  "[{\"introduced\":\"0\"},{\"fixed\":\"abcdef\"}]}]";
	CHECK("PyPI", "1.0", git, "[\"1.0\",\"1.1\"]", 1, "");
	CHECK("PyPI", "1.0.0", git, "[\"1.0\",\"1.1\"]", 1, ""); /* PEP 440: 1.0 == 1.0.0 */
	CHECK("PyPI", "1.2", git, "[\"1.0\",\"1.1\"]", 0, "");
	CHECK("RubyGems", "1.1.6", NULL, "[\"1.1.6\"]", 1, "");
	CHECK("RubyGems", "1.1.5", NULL, "[\"1.1.6\"]", 0, "");
}

TEST(range_lowest_fix_across_ranges_and_distro)
{
	const char *r = "[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"7.88.1-10+deb12u6\"}]},"
			"{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"7.88.1-10+deb12u8\"}]}]";
	CHECK("Debian", "7.88.1-10+deb12u5", r, NULL, 1, "7.88.1-10+deb12u6");
	CHECK("Debian", "7.88.1-10+deb12u6", r, NULL, 1, "7.88.1-10+deb12u8");
	CHECK("Debian", "7.88.1-10+deb12u8", r, NULL, 0, "");
	CHECK("Debian", "1:1.0-1", "[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"2.0-1\"}]}]",
	      NULL, 0, ""); /* epoch 1 is above any epoch-0 version */
	CHECK("Alpine", "3.1.4-r5", "[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"3.1.4-r6\"}]}]",
	      NULL, 1, "3.1.4-r6");
	/* Distro orderings accept what their tools accept, even odd strings. */
	CHECK("Alpine", "1.9.5p1-r0", "[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"1.9.5p2-r0\"}]}]",
	      NULL, 1, "1.9.5p2-r0");
}

TEST(range_invalid_language_versions_are_not_guessed)
{
	const char *r = "[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"1.2.3\"}]}]";
	CHECK("crates.io", "not-a-version", r, NULL, -1, NULL);
	CHECK("npm", "", r, NULL, -1, NULL);
	CHECK("crates.io", "v1.0.0", r, NULL, 1, "1.2.3"); /* SEMVER ranges drop a leading 'v' */
	char longv[VER_MAX_LEN + 8];
	memset(longv, '1', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	CHECK("PyPI", longv, r, NULL, -1, NULL);
}
