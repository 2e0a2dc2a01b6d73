/* SPDX-License-Identifier: Apache-2.0 */
/*
 * go.c — Go module versions, as golang.org/x/mod/semver: a mandatory 'v', then
 * MAJOR[.MINOR[.PATCH[-PRERELEASE][+BUILD]]]; the shorthands v1 and v1.2 mean v1.0.0 and
 * v1.2.0 and take no prerelease or build; numbers have no leading zeros; build metadata
 * ("+incompatible" included) is ignored by Compare and dropped by Canonical.
 * Pseudo-versions (v0.0.0-20210101000000-abcdef123456) are ordinary prereleases.
 *
 * Invalid strings, and strings longer than VER_MAX_LEN bytes, are equal to each other and
 * below every valid version (x/mod's Compare). No white space is trimmed and no 'v' is
 * added: OSV's Go records write "1.18.0" without it, which is for the caller to handle.
 */
#include "common/common.h"
#include "vuln/version/version.h"

struct go_ver {
	struct span major, minor, patch;
	struct span pre;       /* with its leading '-'; empty when absent */
	struct span build;     /* with its leading '+'; empty when absent */
	const char *shorthand; /* "" or the ".0.0" / ".0" that Canonical appends */
};

static bool go_ident_char(char c)
{
	return ascii_isalnum(c) || c == '-';
}

/* A number: digits, no leading zero. */
static bool go_int(const char **p, const char *end, struct span *ret)
{
	const char *q = *p;

	if (q == end || !ascii_isdigit(*q))
		return false;
	q++;
	while (q < end && ascii_isdigit(*q))
		q++;
	if (**p == '0' && q - *p != 1)
		return false;
	*ret = (struct span){*p, (size_t)(q - *p)};
	*p = q;
	return true;
}

/* A numeric identifier with a leading zero. */
static bool go_bad_num(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && ascii_isdigit(p[i]))
		i++;
	return i == n && i > 1 && p[0] == '0';
}

/* '-' or '+' then dot-separated non-empty identifiers, up to '+' (prerelease) or the end. */
static bool go_idents(const char **p, const char *end, bool pre, struct span *ret)
{
	const char *q = *p + 1, *start = q;

	while (q < end && !(pre && *q == '+')) {
		if (!go_ident_char(*q) && *q != '.')
			return false;
		if (*q == '.') {
			if (start == q || (pre && go_bad_num(start, (size_t)(q - start))))
				return false;
			start = q + 1;
		}
		q++;
	}
	if (start == q || (pre && go_bad_num(start, (size_t)(q - start))))
		return false;
	*ret = (struct span){*p, (size_t)(q - *p)};
	*p = q;
	return true;
}

static bool go_parse(const char *v, struct go_ver *g)
{
	size_t n = strnlen(v, VER_MAX_LEN + 1);

	if (n > VER_MAX_LEN || n == 0 || v[0] != 'v')
		return false;
	const char *p = v + 1, *end = v + n;
	*g = (struct go_ver){.pre = SPAN_NULL, .build = SPAN_NULL, .shorthand = ""};
	if (!go_int(&p, end, &g->major))
		return false;
	if (p == end) {
		g->minor = g->patch = SPAN_LIT("0");
		g->shorthand = ".0.0";
		return true;
	}
	if (*p++ != '.' || !go_int(&p, end, &g->minor))
		return false;
	if (p == end) {
		g->patch = SPAN_LIT("0");
		g->shorthand = ".0";
		return true;
	}
	if (*p++ != '.' || !go_int(&p, end, &g->patch))
		return false;
	if (p < end && *p == '-' && !go_idents(&p, end, true, &g->pre))
		return false;
	if (p < end && *p == '+' && !go_idents(&p, end, false, &g->build))
		return false;
	return p == end;
}

static int go_cmp_int(struct span x, struct span y)
{
	if (x.len != y.len)
		return x.len < y.len ? -1 : 1;
	int r = memcmp(x.ptr, y.ptr, x.len);
	return (r > 0) - (r < 0);
}

static bool go_is_num(struct span s)
{
	for (size_t i = 0; i < s.len; i++)
		if (!ascii_isdigit(s.ptr[i]))
			return false;
	return true;
}

/* x/mod comparePrerelease: x and y with their leading '-', or empty. */
static int go_cmp_pre(struct span x, struct span y)
{
	if (span_eq(x, y))
		return 0;
	if (x.len == 0)
		return 1;
	if (y.len == 0)
		return -1;
	const char *p = x.ptr, *pe = x.ptr + x.len, *q = y.ptr, *qe = y.ptr + y.len;
	while (p < pe && q < qe) {
		p++; /* '-' or '.' */
		q++;
		const char *pd = memchr(p, '.', (size_t)(pe - p)) ?: pe;
		const char *qd = memchr(q, '.', (size_t)(qe - q)) ?: qe;
		struct span dx = {p, (size_t)(pd - p)}, dy = {q, (size_t)(qd - q)};
		p = pd;
		q = qd;
		if (span_eq(dx, dy))
			continue;
		bool ix = go_is_num(dx), iy = go_is_num(dy);
		if (ix != iy)
			return ix ? -1 : 1;
		if (ix && dx.len != dy.len)
			return dx.len < dy.len ? -1 : 1;
		size_t m = MIN(dx.len, dy.len);
		int r = m ? memcmp(dx.ptr, dy.ptr, m) : 0;
		if (r)
			return r < 0 ? -1 : 1;
		return dx.len < dy.len ? -1 : 1;
	}
	return p >= pe ? -1 : 1;
}

static int go_compare(const char *a, const char *b)
{
	struct go_ver x, y;
	bool okx = go_parse(a, &x), oky = go_parse(b, &y);

	if (!okx || !oky)
		return (int)okx - (int)oky;
	int r = go_cmp_int(x.major, y.major);
	if (!r)
		r = go_cmp_int(x.minor, y.minor);
	if (!r)
		r = go_cmp_int(x.patch, y.patch);
	if (!r)
		r = go_cmp_pre(x.pre, y.pre);
	return r;
}

static bool go_valid(const char *v)
{
	struct go_ver g;
	return go_parse(v, &g);
}

int ver_go_canonical(const char *v, char *out, size_t size)
{
	struct go_ver g;

	if (size > 0)
		out[0] = '\0';
	if (!go_parse(v, &g))
		return -EINVAL;
	size_t n = strlen(v) - g.build.len, extra = strlen(g.shorthand);
	if (n + extra >= size)
		return -E2BIG;
	memcpy(out, v, n);
	memcpy(out + n, g.shorthand, extra);
	out[n + extra] = '\0';
	return (int)(n + extra);
}

const struct ver_scheme_ops ver_go = {
    .name = "go",
    .compare = go_compare,
    .valid = go_valid,
};
