/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dpkg.c — Debian version ordering, deb-version(7): [epoch:]upstream[-revision].
 *
 * The epoch is the run of digits before the first ':' (missing = 0) and is compared as a
 * number of any length; the revision is everything after the last '-' (missing = "", which
 * equals "0"). Upstream and revision are compared as dpkg does: alternating non-digit and
 * digit parts; in non-digit parts '~' sorts before everything (even the end of the part),
 * then the end of the part, then letters, then every other byte; digit parts are compared
 * as numbers of any length (leading zeros stripped, then length, then bytes).
 *
 * Invalid strings (see valid()) are still ordered by that same reading, so compare() is a
 * total preorder on every string: text before the first ':' that is not a non-empty run of
 * digits is not an epoch (the whole string is then upstream[-revision]); an empty revision
 * equals a missing one; blanks around the version are ignored, as dpkg trims them; other
 * bytes, including non-ASCII ones, sort after every letter by byte value. Strings longer
 * than VER_MAX_LEN sort below every other string and are equal to each other.
 */
#include "common/common.h"
#include "vuln/version/version.h"

/* A version split into its three parts; each part is [p, end). */
struct dpkg_evr {
	const char *epoch, *epoch_end;
	const char *up, *up_end;
	const char *rev, *rev_end;
};

static bool dpkg_is_blank(int c)
{
	return c == ' ' || c == '\t';
}

/* Split s (of length len, no blanks trimmed yet) into epoch, upstream and revision. */
static void dpkg_split(const char *s, size_t len, struct dpkg_evr *v)
{
	const char *p = s, *end = s + len;
	while (p < end && dpkg_is_blank((unsigned char)*p))
		p++;
	while (end > p && dpkg_is_blank((unsigned char)end[-1]))
		end--;

	const char *q = p;
	while (q < end && ascii_isdigit((unsigned char)*q))
		q++;
	if (q > p && q < end && *q == ':') {
		v->epoch = p;
		v->epoch_end = q;
		p = q + 1;
	} else
		v->epoch = v->epoch_end = p;

	const char *hyphen = memrchr(p, '-', (size_t)(end - p));
	v->up = p;
	if (hyphen) {
		v->up_end = hyphen;
		v->rev = hyphen + 1;
		v->rev_end = end;
	} else {
		v->up_end = end;
		v->rev = v->rev_end = end;
	}
}

/* Compare two runs of digits as unbounded numbers. */
static int dpkg_numcmp(const char *a, const char *ae, const char *b, const char *be)
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

/* Weight of a byte inside a non-digit part; c < 0 means the part (or string) ended. */
static int dpkg_order(int c)
{
	if (c < 0 || ascii_isdigit(c))
		return 0;
	if (ascii_isalpha(c))
		return c;
	if (c == '~')
		return -1;
	return c + 256;
}

/* dpkg's verrevcmp() over [a, ae) and [b, be). */
static int dpkg_verrevcmp(const char *a, const char *ae, const char *b, const char *be)
{
	while (a < ae || b < be) {
		while ((a < ae && !ascii_isdigit((unsigned char)*a)) ||
		       (b < be && !ascii_isdigit((unsigned char)*b))) {
			int ac = dpkg_order(a < ae ? (unsigned char)*a : -1);
			int bc = dpkg_order(b < be ? (unsigned char)*b : -1);
			if (ac != bc)
				return ac < bc ? -1 : 1;
			/* Equal weights with one side ended cannot happen: an ended side weighs 0
			 * and the other side is then at a non-digit, which never weighs 0. */
			a++;
			b++;
		}
		const char *da = a, *db = b;
		while (a < ae && ascii_isdigit((unsigned char)*a))
			a++;
		while (b < be && ascii_isdigit((unsigned char)*b))
			b++;
		int r = dpkg_numcmp(da, a, db, b);
		if (r)
			return r;
	}
	return 0;
}

static int dpkg_compare(const char *a, const char *b)
{
	size_t la = strnlen(a, VER_MAX_LEN + 1), lb = strnlen(b, VER_MAX_LEN + 1);
	bool long_a = la > VER_MAX_LEN, long_b = lb > VER_MAX_LEN;
	if (long_a || long_b)
		return long_a == long_b ? 0 : (long_a ? -1 : 1);

	struct dpkg_evr va, vb;
	dpkg_split(a, la, &va);
	dpkg_split(b, lb, &vb);
	int r = dpkg_numcmp(va.epoch, va.epoch_end, vb.epoch, vb.epoch_end);
	if (r)
		return r;
	r = dpkg_verrevcmp(va.up, va.up_end, vb.up, vb.up_end);
	if (r)
		return r;
	return dpkg_verrevcmp(va.rev, va.rev_end, vb.rev, vb.rev_end);
}

/* Characters dpkg accepts in the upstream version and in the revision. */
static bool dpkg_upstream_char(int c)
{
	return ascii_isalnum(c) || c == '.' || c == '-' || c == '+' || c == '~' || c == ':';
}

static bool dpkg_revision_char(int c)
{
	return ascii_isalnum(c) || c == '.' || c == '+' || c == '~';
}

/*
 * dpkg's parseversion() rules, errors and warnings alike: blanks only around the version;
 * an epoch, when there is a ':', of digits only and at most INT_MAX, with something after
 * it; a non-empty revision after the last '-' when there is one, of [A-Za-z0-9.+~]; a
 * non-empty upstream version that starts with a digit, of [A-Za-z0-9.+~:-].
 */
static bool dpkg_valid(const char *v)
{
	size_t len = strnlen(v, VER_MAX_LEN + 1);
	if (len > VER_MAX_LEN)
		return false;
	const char *p = v, *end = v + len;
	while (p < end && dpkg_is_blank((unsigned char)*p))
		p++;
	while (end > p && dpkg_is_blank((unsigned char)end[-1]))
		end--;
	if (p == end)
		return false;

	const char *colon = memchr(p, ':', (size_t)(end - p));
	if (colon) {
		if (colon == p)
			return false;
		uint64_t epoch = 0;
		for (const char *q = p; q < colon; q++) {
			if (!ascii_isdigit((unsigned char)*q))
				return false;
			epoch = epoch * 10 + (uint64_t)(*q - '0');
			if (epoch > INT32_MAX)
				return false;
		}
		p = colon + 1;
		if (p == end)
			return false;
	}

	const char *hyphen = memrchr(p, '-', (size_t)(end - p));
	const char *up_end = hyphen ? hyphen : end;
	if (hyphen) {
		if (hyphen + 1 == end)
			return false;
		for (const char *q = hyphen + 1; q < end; q++)
			if (!dpkg_revision_char((unsigned char)*q))
				return false;
	}
	if (p == up_end || !ascii_isdigit((unsigned char)*p))
		return false;
	for (const char *q = p; q < up_end; q++)
		if (!dpkg_upstream_char((unsigned char)*q))
			return false;
	return true;
}

const struct ver_scheme_ops ver_dpkg = {
	.name = "dpkg",
	.compare = dpkg_compare,
	.valid = dpkg_valid,
};
