/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rubygems.c — RubyGems version ordering as Gem::Version defines it. Both strings are
 * scanned in place (twice each: once to find where the trailing zeros start, once to
 * compare); nothing is allocated.
 *
 * Valid versions match Gem::Version's ANCHORED_VERSION_PATTERN:
 *   \A\s*([0-9]+(?>\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?)?\s*\z
 * (\s is ASCII white space; an empty or blank string is valid and means "0").
 *
 * Order: the stripped string has each '-' replaced by ".pre." and is cut into segments,
 * runs of digits (numbers, any size) and runs of letters (strings). The canonical segments
 * are the leading numbers with their trailing zeros removed, followed by the rest (from
 * the first string on) with its trailing zeros removed. Two versions are compared segment
 * by segment, the shorter padded with 0: a string is below a number, numbers compare
 * numerically and strings bytewise (case matters: "A" < "a").
 *
 * Gem::Version refuses invalid strings; here they are equal to each other and sort before
 * every valid version, as do strings longer than VER_MAX_LEN.
 */
#include "common/common.h"
#include "vuln/version/version.h"

struct gseg {
	const char *p;
	size_t n;
	bool num; /* for numbers p/n are the digits without leading zeros (n == 0: zero) */
};

/* The stripped version and where its canonical segments are. */
struct gver {
	const char *p, *e;
	size_t first_str; /* index of the first string segment (or the segment count) */
	size_t num_end;	  /* leading numbers kept: [0, num_end) */
	size_t rest_end;  /* rest kept: [first_str, rest_end) */
};

static inline int sign(int r)
{
	return (r > 0) - (r < 0);
}

static bool rb_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool seg_char(char c)
{
	return ascii_isalnum(c) || c == '-';
}

static const char *skip_alnum(const char *p, const char *e)
{
	while (p < e && ascii_isalnum(*p))
		p++;
	return p;
}

static const char *skip_seg_chars(const char *p, const char *e)
{
	while (p < e && seg_char(*p))
		p++;
	return p;
}

/* Strip and validate s[0..len); on success v->p/v->e is the stripped version. */
static bool gem_strip_valid(const char *s, size_t len, struct gver *v)
{
	const char *p = s, *e = s + len;
	while (p < e && rb_space(*p))
		p++;
	while (e > p && rb_space(e[-1]))
		e--;
	v->p = p;
	v->e = e;
	if (p == e)
		return true;
	if (!ascii_isdigit(*p))
		return false;
	while (p < e && ascii_isdigit(*p))
		p++;
	while (e - p >= 2 && *p == '.' && ascii_isalnum(p[1]))
		p = skip_alnum(p + 1, e);
	if (e - p >= 2 && *p == '-' && seg_char(p[1])) {
		p = skip_seg_chars(p + 1, e);
		while (e - p >= 2 && *p == '.' && seg_char(p[1]))
			p = skip_seg_chars(p + 1, e);
	}
	return p == e;
}

/* Next segment of the (valid, stripped) version at *cur; false at the end. */
static bool next_seg(const char **cur, const char *e, struct gseg *ret)
{
	const char *p = *cur;
	while (p < e && *p == '.')
		p++;
	if (p >= e)
		return false;
	if (*p == '-') {
		*ret = (struct gseg){"pre", 3, false};
		*cur = p + 1;
		return true;
	}
	const char *q = p;
	if (ascii_isdigit(*p)) {
		while (q < e && ascii_isdigit(*q))
			q++;
		*cur = q;
		while (p < q && *p == '0')
			p++;
		*ret = (struct gseg){p, (size_t)(q - p), true};
		return true;
	}
	while (q < e && ascii_isalpha(*q))
		q++;
	*cur = q;
	*ret = (struct gseg){p, (size_t)(q - p), false};
	return true;
}

static bool seg_is_zero(const struct gseg *s)
{
	return s->num && s->n == 0;
}

/* Find the canonical segments (Gem::Version#canonical_segments). */
static void gem_analyse(struct gver *v)
{
	const char *cur = v->p;
	struct gseg s;
	size_t i = 0;
	v->first_str = SIZE_MAX;
	v->num_end = 0;
	v->rest_end = 0;
	for (; next_seg(&cur, v->e, &s); i++) {
		if (!s.num && v->first_str == SIZE_MAX)
			v->first_str = i;
		if (seg_is_zero(&s))
			continue;
		if (v->first_str == SIZE_MAX)
			v->num_end = i + 1;
		else
			v->rest_end = i + 1;
	}
	if (v->first_str == SIZE_MAX)
		v->first_str = i;
	if (v->rest_end < v->first_str)
		v->rest_end = v->first_str;
}

struct canon_iter {
	const struct gver *v;
	const char *cur;
	size_t i;
};

static bool canon_next(struct canon_iter *it, struct gseg *ret)
{
	const struct gver *v = it->v;
	for (;;) {
		if (it->i >= v->rest_end && it->i >= v->num_end)
			return false;
		if (!next_seg(&it->cur, v->e, ret))
			return false;
		size_t i = it->i++;
		if (i < v->num_end || (i >= v->first_str && i < v->rest_end))
			return true;
	}
}

static int seg_cmp(const struct gseg *a, const struct gseg *b)
{
	if (a->num != b->num)
		return a->num ? 1 : -1;
	if (a->num && a->n != b->n)
		return a->n < b->n ? -1 : 1;
	int r = memcmp(a->p, b->p, MIN(a->n, b->n));
	if (r)
		return sign(r);
	return (a->n > b->n) - (a->n < b->n);
}

static int gem_cmp(const struct gver *a, const struct gver *b)
{
	static const struct gseg zero = {"", 0, true};
	struct canon_iter ia = {a, a->p, 0}, ib = {b, b->p, 0};
	for (;;) {
		struct gseg sa, sb;
		bool ha = canon_next(&ia, &sa), hb = canon_next(&ib, &sb);
		if (!ha && !hb)
			return 0;
		int r = seg_cmp(ha ? &sa : &zero, hb ? &sb : &zero);
		if (r)
			return r;
	}
}

static bool gem_parse(const char *s, struct gver *v)
{
	size_t len = strnlen(s, VER_MAX_LEN + 1);
	if (len > VER_MAX_LEN || !gem_strip_valid(s, len, v))
		return false;
	gem_analyse(v);
	return true;
}

static int rubygems_compare(const char *a, const char *b)
{
	struct gver va, vb;
	bool oka = gem_parse(a, &va), okb = gem_parse(b, &vb);
	if (oka && okb)
		return gem_cmp(&va, &vb);
	return oka - okb;
}

static bool rubygems_valid(const char *v)
{
	struct gver gv;
	return gem_parse(v, &gv);
}

const struct ver_scheme_ops ver_rubygems = {
    .name = "rubygems",
    .compare = rubygems_compare,
    .valid = rubygems_valid,
};
