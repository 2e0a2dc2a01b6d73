/* SPDX-License-Identifier: Apache-2.0 */
/*
 * version.h — version ordering, one scheme per ecosystem, each exactly as that ecosystem
 * defines it (one file per scheme in this folder), and the OSV affected-range evaluation
 * built on top of them (range.c).
 *
 * Contract shared by every scheme:
 *  - compare(a, b) returns the sign of a - b: -1, 0 or 1. It never fails and never
 *    allocates: both strings are scanned in place. It is a total preorder on all strings
 *    (antisymmetric: compare(a,b) == -compare(b,a); transitive), including strings the
 *    scheme calls invalid — each scheme documents where those sort (e.g. Go: invalid
 *    strings are equal to each other and below every valid version; PEP 440: legacy
 *    versions before every valid version).
 *  - valid(v) says whether v is a well-formed version of the scheme. The matcher only
 *    trusts an answer about an installed version that is valid (precision first).
 *  - Strings longer than VER_MAX_LEN bytes are invalid in every scheme, and compare
 *    treats them as the scheme treats invalid strings; this bounds the work per call.
 *  - Inputs are NUL-terminated and may contain any bytes (hostile package databases);
 *    no <ctype.h> on input bytes (ascii_is*() from common).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define VER_MAX_LEN 256

enum ver_scheme {
	VER_DPKG,     /* Debian, Ubuntu: epoch:upstream-revision with '~' (deb-version(7)) */
	VER_RPM,      /* Red Hat family, SUSE: [epoch:]version[-release], rpmvercmp, '~' '^' */
	VER_APK,      /* Alpine: apk-tools apk_version_compare, _alpha.._p suffixes, -rN */
	VER_SEMVER,   /* SemVer 2.0.0 strict precedence (npm strict, crates.io, OSV SEMVER) */
	VER_NPM,      /* node-semver: SemVer plus loose forms ('v', '=', spaces) */
	VER_GO,       /* golang.org/x/mod/semver: 'v' prefix, v1 == v1.0.0, +build ignored */
	VER_PEP440,   /* PyPI: packaging.version.Version, legacy versions first */
	VER_MAVEN,    /* Maven ComparableVersion (3.9/4 semantics) */
	VER_RUBYGEMS, /* Gem::Version */
	_VER_SCHEME_MAX,
};

struct ver_scheme_ops {
	const char *name; /* "dpkg", "rpm", "apk", "semver", "npm", "go", "pep440", "maven", "rubygems" */
	int (*compare)(const char *a, const char *b);
	bool (*valid)(const char *v);
};

/* One definition per scheme file (dpkg.c defines ver_dpkg, and so on). */
extern const struct ver_scheme_ops ver_dpkg, ver_rpm, ver_apk, ver_semver, ver_npm, ver_go,
	ver_pep440, ver_maven, ver_rubygems;

/* The ops of a scheme; NULL for an out-of-range value. */
const struct ver_scheme_ops *ver_scheme_ops(enum ver_scheme s);
/* Scheme by name as in struct ver_scheme_ops.name; -ENOENT when unknown. */
int ver_scheme_from_name(const char *name, enum ver_scheme *ret);

static inline int ver_compare(enum ver_scheme s, const char *a, const char *b)
{
	return ver_scheme_ops(s)->compare(a, b);
}

static inline bool ver_valid(enum ver_scheme s, const char *v)
{
	return ver_scheme_ops(s)->valid(v);
}

/*
 * Scheme-specific extras that the shared vector files exercise.
 */

/* Go: the canonical form of v as golang.org/x/mod/semver.Canonical ("v1.2.0" for "v1.2",
 * build metadata dropped, "+incompatible" dropped); "" when invalid. Writes at most size
 * bytes including the NUL; returns the length, or -E2BIG / -EINVAL (invalid). */
int ver_go_canonical(const char *v, char *out, size_t size);

/* rpm: rpmvercmp() on one version or release string (no epoch, no '-' split): the
 * segment comparison that ver_rpm.compare applies to epoch, version and release. */
int ver_rpmvercmp(const char *a, const char *b);

/* apk: apk-tools' fuzzy match ("~"): a matches b when b is a prefix of a on component
 * boundaries (apk_version_match with APK_VERSION_FUZZY). */
bool ver_apk_fuzzy_match(const char *a, const char *b);

/*
 * npm: whether version satisfies the node-semver range expression (||, hyphen ranges,
 * x-ranges, ~, ^, comparators; options as in node-semver: loose, includePrerelease).
 * 1 = satisfies, 0 = does not (or the range or version is invalid, as node-semver says).
 */
enum ver_npm_flags {
	VER_NPM_LOOSE = 1 << 0,
	VER_NPM_INCLUDE_PRERELEASE = 1 << 1,
};
int ver_npm_satisfies(const char *range, const char *version, unsigned flags);
