/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rpm.c — RPM version ordering: rpmvercmp() and [epoch:]version[-release] (EVR).
 *
 * rpmvercmp() reads a string as a sequence of segments, skipping every byte that is not an
 * ASCII letter, digit, '~' or '^' (so non-ASCII bytes are separators): '~' sorts before
 * everything, even the end of the string; '^' sorts after the end of the string but before
 * any further segment; a numeric segment (leading zeros ignored, any length) is newer than
 * an alphabetic one; alphabetic segments compare bytewise. When all segments agree, the
 * string with segments left over is newer.
 *
 * EVR: the epoch is the run of digits before a ':' that directly follows it (rpm's
 * parseEVR; missing or empty = 0), the release is what follows the last '-' after it.
 * Epoch, version and release are compared with rpmvercmp(). rpm's dependency matcher
 * ignores the release when one side has none; that is not an order (1-1 == 1 == 1-2), so
 * here, as in the OSV tooling, a missing release sorts before every release, even an
 * empty one: "1" < "1-" < "1-0".
 *
 * Every string is ordered that way, valid or not; strings longer than VER_MAX_LEN sort
 * below every other string and are equal to each other (in ver_rpmvercmp() too, so that
 * the work per call stays bounded).
 */
#include "common/common.h"
#include "vuln/version/version.h"

static bool rpm_is_segment_start(int c)
{
	return ascii_isalnum(c) || c == '~' || c == '^';
}

/* Compare two runs of digits as unbounded numbers. */
static int rpm_numcmp(const char *a, const char *ae, const char *b, const char *be)
{
	while (a < ae && *a == '0')
		a++;
	while (b < be && *b == '0')
		b++;
	size_t la = (size_t)(ae - a), lb = (size_t)(be - b);
	if (la != lb)
		return la < lb ? -1 : 1;
	int r = la ? memcmp(a, b, la) : 0;
	return (r > 0) - (r < 0);
}

/* rpmvercmp() over [a, ae) and [b, be). */
static int rpm_vercmp_range(const char *a, const char *ae, const char *b, const char *be)
{
	for (;;) {
		while (a < ae && !rpm_is_segment_start((unsigned char)*a))
			a++;
		while (b < be && !rpm_is_segment_start((unsigned char)*b))
			b++;
		int ca = a < ae ? (unsigned char)*a : 0;
		int cb = b < be ? (unsigned char)*b : 0;

		if (ca == '~' || cb == '~') {
			if (ca != '~')
				return 1;
			if (cb != '~')
				return -1;
			a++;
			b++;
			continue;
		}
		if (ca == '^' || cb == '^') {
			if (!ca)
				return -1;
			if (!cb)
				return 1;
			if (ca != '^')
				return 1;
			if (cb != '^')
				return -1;
			a++;
			b++;
			continue;
		}
		if (!ca || !cb)
			return ca ? 1 : (cb ? -1 : 0);

		const char *sa = a, *sb = b;
		if (ascii_isdigit(ca)) {
			while (a < ae && ascii_isdigit((unsigned char)*a))
				a++;
			while (b < be && ascii_isdigit((unsigned char)*b))
				b++;
			if (b == sb)
				return 1; /* numeric is newer than alphabetic */
			int r = rpm_numcmp(sa, a, sb, b);
			if (r)
				return r;
		} else {
			while (a < ae && ascii_isalpha((unsigned char)*a))
				a++;
			while (b < be && ascii_isalpha((unsigned char)*b))
				b++;
			if (b == sb)
				return -1;
			size_t la = (size_t)(a - sa), lb = (size_t)(b - sb);
			int r = memcmp(sa, sb, MIN(la, lb));
			if (r)
				return r < 0 ? -1 : 1;
			if (la != lb)
				return la < lb ? -1 : 1;
		}
	}
}

/* Strings longer than VER_MAX_LEN sort first; returns 2 when both are short enough. */
static int rpm_long_cmp(size_t la, size_t lb)
{
	bool long_a = la > VER_MAX_LEN, long_b = lb > VER_MAX_LEN;
	if (long_a || long_b)
		return long_a == long_b ? 0 : (long_a ? -1 : 1);
	return 2;
}

int ver_rpmvercmp(const char *a, const char *b)
{
	size_t la = strnlen(a, VER_MAX_LEN + 1), lb = strnlen(b, VER_MAX_LEN + 1);
	int r = rpm_long_cmp(la, lb);
	if (r != 2)
		return r;
	return rpm_vercmp_range(a, a + la, b, b + lb);
}

struct rpm_evr {
	const char *e, *ee; /* epoch digits; empty = 0 */
	const char *v, *ve;
	const char *r, *re; /* NULL when there is no release */
};

static void rpm_split(const char *s, size_t len, struct rpm_evr *evr)
{
	const char *end = s + len, *p = s;
	while (p < end && ascii_isdigit((unsigned char)*p))
		p++;
	if (p < end && *p == ':') {
		evr->e = s;
		evr->ee = p;
		evr->v = p + 1;
	} else {
		evr->e = evr->ee = s;
		evr->v = s;
	}
	const char *hyphen = memrchr(evr->v, '-', (size_t)(end - evr->v));
	if (hyphen) {
		evr->ve = hyphen;
		evr->r = hyphen + 1;
		evr->re = end;
	} else {
		evr->ve = end;
		evr->r = evr->re = NULL;
	}
}

static int rpm_compare(const char *a, const char *b)
{
	size_t la = strnlen(a, VER_MAX_LEN + 1), lb = strnlen(b, VER_MAX_LEN + 1);
	int r = rpm_long_cmp(la, lb);
	if (r != 2)
		return r;

	struct rpm_evr x, y;
	rpm_split(a, la, &x);
	rpm_split(b, lb, &y);
	/* An epoch is digits only, where rpmvercmp() is a plain numeric comparison. */
	r = rpm_numcmp(x.e, x.ee, y.e, y.ee);
	if (r)
		return r;
	r = rpm_vercmp_range(x.v, x.ve, y.v, y.ve);
	if (r)
		return r;
	if (!x.r || !y.r)
		return x.r ? 1 : (y.r ? -1 : 0);
	return rpm_vercmp_range(x.r, x.re, y.r, y.re);
}

static bool rpm_version_char(int c)
{
	return ascii_isalnum(c) || c == '.' || c == '_' || c == '+' || c == '~' || c == '^';
}

/* A non-empty run of the characters rpmbuild accepts in Version and Release. */
static bool rpm_valid_part(const char *p, const char *end)
{
	if (p == end)
		return false;
	for (; p < end; p++)
		if (!rpm_version_char((unsigned char)*p))
			return false;
	return true;
}

/*
 * [epoch:]version[-release] as rpm stores it: an epoch of digits that fits the 32-bit
 * Epoch tag, then a version and an optional release, each non-empty and made of
 * [A-Za-z0-9._+~^] (rpmbuild's rule for both tags; neither may hold a '-').
 */
static bool rpm_valid(const char *v)
{
	size_t len = strnlen(v, VER_MAX_LEN + 1);
	if (len > VER_MAX_LEN)
		return false;
	const char *end = v + len, *p = v;
	const char *colon = memchr(v, ':', len);
	if (colon) {
		if (colon == v)
			return false;
		uint64_t epoch = 0;
		for (; p < colon; p++) {
			if (!ascii_isdigit((unsigned char)*p))
				return false;
			epoch = epoch * 10 + (uint64_t)(*p - '0');
			if (epoch > UINT32_MAX)
				return false;
		}
		p = colon + 1;
	}
	const char *hyphen = memchr(p, '-', (size_t)(end - p));
	if (!hyphen)
		return rpm_valid_part(p, end);
	return rpm_valid_part(p, hyphen) && rpm_valid_part(hyphen + 1, end);
}

const struct ver_scheme_ops ver_rpm = {
	.name = "rpm",
	.compare = rpm_compare,
	.valid = rpm_valid,
};
