/* SPDX-License-Identifier: Apache-2.0 */
/*
 * semver.c — SemVer 2.0.0 precedence ("semver"), node-semver's loose versions ("npm") and
 * node-semver range satisfaction (ver_npm_satisfies), as node-semver 7.8 behaves.
 *
 * Valid versions: "semver" accepts what node-semver's strict parser accepts (String.trim()
 * white space around it, an optional 'v', three numbers without leading zeros, '-' and
 * dot-separated prerelease identifiers, '+' build identifiers); "npm" accepts what the loose
 * parser accepts (leading 'v', '=' and white space, leading zeros, a prerelease without its
 * '-': "1.2.3beta", and its backtracking quirk "9.4.1208.jre7" == 9.4.120-8.jre7).
 * Precedence: numbers compare numerically, prerelease < release, identifiers pairwise
 * (numeric < alphanumeric, numeric by value, others by ASCII), a shorter list first, build
 * metadata ignored. White space is JavaScript's (\s, String.trim(): ASCII and the Unicode
 * spaces U+00A0, U+1680, U+2000-200A, U+2028/9, U+202F, U+205F, U+3000, U+FEFF in UTF-8).
 *
 * Deliberate differences from node-semver:
 *  - numbers of any length are valid and compare exactly (node rejects major/minor/patch
 *    above 2^53-1 and compares huge prerelease numbers as doubles); the `+N + 1` of range
 *    desugaring is exact decimal arithmetic too;
 *  - lengths are bytes, not UTF-16 units: a version longer than VER_MAX_LEN (256) bytes is
 *    invalid (node: 256 units); a range longer than NPM_RANGE_MAX (1024) bytes is invalid
 *    (node has no limit). Inside those bounds nothing allocates: ranges are rewritten in
 *    fixed stack buffers and evaluated comparator by comparator, so there is no limit on
 *    the number of comparators.
 *
 * Where invalid strings sort in compare() (a total preorder over all strings):
 *  - a string that is not a valid version of the scheme is read leniently, the way OSV
 *    tooling reads SEMVER events: skip leading white space, 'v' and '='; up to three
 *    dot-separated numbers (missing ones are 0); the rest up to the first '+' is the
 *    prerelease, less one leading '-' or '.' (nothing left: a release). "1.5" therefore
 *    equals 1.5.0, "1.2.3.4" equals 1.2.3-4 and "999999999999999999999" equals
 *    999999999999999999999.0.0; lenient keys are ordered with valid ones by the rules above
 *    (identifiers may then hold any byte; non-numeric ones compare bytewise);
 *  - strings with no leading number at all ("", "abc", "latest") and strings longer than
 *    VER_MAX_LEN are equal to each other and below everything else.
 *
 * Ranges follow node-semver's Range(): white space collapsed, "||" unions, build metadata
 * stripped, hyphen ranges, the comparator/tilde/caret trims, then per word carets, tildes,
 * x-ranges and stars, ">=0.0.0" as "*", the loose filter, and comparator parsing; any
 * unparsable comparator makes the whole range invalid (0). The rewriting is reproduced
 * step by step, including node's quirks, so odd ranges answer as node answers.
 */
#include "common/common.h"
#include "vuln/version/version.h"

#define NPM_RANGE_MAX 1024
/* A rewritten range or word: desugaring at most doubles a word and adds a few bytes. */
#define NPM_BUF_SIZE (2 * NPM_RANGE_MAX + 256)

/* A parsed version: spans into the string that was parsed. */
struct sv {
	const char *num[3];
	size_t numlen[3];
	const char *pre; /* dot-separated identifiers, without the leading '-' */
	size_t prelen;
	bool has_pre;
};

static inline bool is_ldn(char c)
{
	return ascii_isalnum(c) || c == '-';
}

/* Length of the JavaScript white-space or line-terminator character at p (UTF-8), or 0. */
static size_t js_space_at(const char *p, const char *end)
{
	const unsigned char *u = (const unsigned char *)p;
	size_t n = (size_t)(end - p);

	if (n == 0)
		return 0;
	if (u[0] == ' ' || (u[0] >= '\t' && u[0] <= '\r'))
		return 1;
	if (n >= 2 && u[0] == 0xc2 && u[1] == 0xa0)
		return 2;
	if (n < 3)
		return 0;
	if (u[0] == 0xe1 && u[1] == 0x9a && u[2] == 0x80) /* U+1680 */
		return 3;
	if (u[0] == 0xe2 && u[1] == 0x80 && /* U+2000..200A, U+2028, U+2029, U+202F */
	    ((u[2] >= 0x80 && u[2] <= 0x8a) || u[2] == 0xa8 || u[2] == 0xa9 || u[2] == 0xaf))
		return 3;
	if (u[0] == 0xe2 && u[1] == 0x81 && u[2] == 0x9f) /* U+205F */
		return 3;
	if (u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x80) /* U+3000 */
		return 3;
	if (u[0] == 0xef && u[1] == 0xbb && u[2] == 0xbf) /* U+FEFF */
		return 3;
	return 0;
}

/* Length of the JavaScript white-space character that ends at end, or 0. */
static size_t js_space_before(const char *start, const char *end)
{
	size_t n = (size_t)(end - start);

	for (size_t w = 1; w <= 3 && w <= n; w++)
		if (js_space_at(end - w, end) == w)
			return w;
	return 0;
}

/* String.prototype.trim() */
static void js_trim(const char **p, const char **end)
{
	size_t w;

	while ((w = js_space_at(*p, *end)) > 0)
		*p += w;
	while ((w = js_space_before(*p, *end)) > 0)
		*end -= w;
}

/*
 * Comparison
 */

static int num_cmp(const char *a, size_t al, const char *b, size_t bl)
{
	while (al > 0 && *a == '0')
		a++, al--;
	while (bl > 0 && *b == '0')
		b++, bl--;
	if (al != bl)
		return al < bl ? -1 : 1;
	if (al == 0)
		return 0;
	int r = memcmp(a, b, al);
	return (r > 0) - (r < 0);
}

static bool all_digits(const char *p, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!ascii_isdigit(p[i]))
			return false;
	return true;
}

static int ident_cmp(const char *a, size_t al, const char *b, size_t bl)
{
	bool an = all_digits(a, al), bn = all_digits(b, bl);

	if (an && bn)
		return num_cmp(a, al, b, bl);
	if (an != bn)
		return an ? -1 : 1;
	int r = al && bl ? memcmp(a, b, MIN(al, bl)) : 0;
	if (r)
		return r < 0 ? -1 : 1;
	return (al > bl) - (al < bl);
}

static int pre_cmp(const struct sv *a, const struct sv *b)
{
	if (!a->has_pre || !b->has_pre)
		return (int)b->has_pre - (int)a->has_pre;
	const char *p = a->pre, *pe = a->pre + a->prelen;
	const char *q = b->pre, *qe = b->pre + b->prelen;
	for (;;) {
		const char *pd = memchr(p, '.', (size_t)(pe - p)) ?: pe;
		const char *qd = memchr(q, '.', (size_t)(qe - q)) ?: qe;
		int r = ident_cmp(p, (size_t)(pd - p), q, (size_t)(qd - q));
		if (r)
			return r;
		bool pmore = pd < pe, qmore = qd < qe;
		if (!pmore || !qmore)
			return (int)pmore - (int)qmore;
		p = pd + 1;
		q = qd + 1;
	}
}

static int sv_cmp(const struct sv *a, const struct sv *b)
{
	for (int i = 0; i < 3; i++) {
		int r = num_cmp(a->num[i], a->numlen[i], b->num[i], b->numlen[i]);
		if (r)
			return r;
	}
	return pre_cmp(a, b);
}

/*
 * Parsing: node-semver's FULLPLAIN / LOOSEPLAIN expressions (with the repetition bounds of
 * its "safe" variants, which only matter inside long ranges) matched over a whole span.
 */

/* One prerelease identifier: NONNUMERICIDENTIFIER or (strict) NUMERICIDENTIFIER / (loose)
 * NUMERICIDENTIFIERLOOSE. */
static bool pid_ok(const char *p, size_t n, bool loose)
{
	size_t d = 0;

	if (n == 0)
		return false;
	while (d < n && ascii_isdigit(p[d]))
		d++;
	if (d == n) {
		if (loose)
			return n <= 256;
		return n == 1 || (p[0] != '0' && n <= 257);
	}
	if (d > 256 || n - d - 1 > 250)
		return false;
	for (size_t i = d; i < n; i++)
		if (!is_ldn(p[i]))
			return false;
	return true;
}

/* Dot-separated identifiers covering [p, end): prerelease or build identifiers. */
static bool id_list_ok(const char *p, const char *end, bool build, bool loose)
{
	for (;;) {
		const char *d = memchr(p, '.', (size_t)(end - p)) ?: end;
		size_t n = (size_t)(d - p);
		if (build) {
			if (n == 0 || n > 250)
				return false;
			for (size_t i = 0; i < n; i++)
				if (!is_ldn(p[i]))
					return false;
		} else if (!pid_ok(p, n, loose))
			return false;
		if (d == end)
			return true;
		p = d + 1;
	}
}

/* What may follow the patch number up to the end: `(?:PRERELEASE)?(?:BUILD)?$`; the loose
 * prerelease is `-?(...)`, and its '-' may also be an identifier of its own ("1.2.3-"). */
static bool tail_ok(const char *p, const char *end, bool loose, struct sv *v)
{
	const char *plus = memchr(p, '+', (size_t)(end - p));
	const char *se = plus ?: end;

	if (plus && !id_list_ok(plus + 1, end, true, loose))
		return false;
	v->has_pre = false;
	if (p == se)
		return true;
	if (*p == '-' && se - p > 1 && id_list_ok(p + 1, se, false, loose)) {
		v->pre = p + 1;
		v->prelen = (size_t)(se - p - 1);
		v->has_pre = true;
		return true;
	}
	if (loose && id_list_ok(p, se, false, true)) {
		v->pre = p;
		v->prelen = (size_t)(se - p);
		v->has_pre = true;
		return true;
	}
	return false;
}

static bool num_ok(const char *p, size_t n, bool loose)
{
	if (n == 0)
		return false;
	if (loose)
		return n <= 256;
	return n == 1 || (p[0] != '0' && n <= 257);
}

static size_t digits(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && ascii_isdigit(*q))
		q++;
	return (size_t)(q - p);
}

/*
 * The loose patch number `\d{1,256}` followed by the tail: the regular expression takes as
 * many digits as it can and gives one back when the tail then fails ("1.2.34.5" is
 * 1.2.3-4.5); giving back more can only make the first identifier longer, so never helps.
 */
static bool loose_patch_tail(const char *p, const char *end, size_t *ret_len, struct sv *v)
{
	size_t l = digits(p, end), k = MIN(l, (size_t)256);

	if (k == 0)
		return false;
	if (tail_ok(p + k, end, true, v)) {
		*ret_len = k;
		return true;
	}
	if (k == l && l >= 2 && tail_ok(p + l - 1, end, true, v)) {
		*ret_len = l - 1;
		return true;
	}
	return false;
}

/* FULLPLAIN (strict) or LOOSEPLAIN over exactly [p, end). */
static bool plain_parse(const char *p, const char *end, bool loose, struct sv *v)
{
	if (loose) {
		for (;;) {
			size_t w;
			if (p < end && (*p == 'v' || *p == '='))
				p++;
			else if ((w = js_space_at(p, end)) > 0)
				p += w;
			else
				break;
		}
	} else if (p < end && *p == 'v')
		p++;
	for (int i = 0; i < 2; i++) {
		size_t n = digits(p, end);
		if (!num_ok(p, n, loose) || p + n == end || p[n] != '.')
			return false;
		v->num[i] = p;
		v->numlen[i] = n;
		p += n + 1;
	}
	size_t n = digits(p, end);
	if (loose) {
		if (!loose_patch_tail(p, end, &n, v))
			return false;
	} else if (!num_ok(p, n, false) || !tail_ok(p + n, end, false, v))
		return false;
	v->num[2] = p;
	v->numlen[2] = n;
	return true;
}

/* s without JavaScript whitespace around it; false when longer than VER_MAX_LEN. */
static bool trimmed(const char *s, const char **ret_p, const char **ret_end)
{
	size_t n = strnlen(s, VER_MAX_LEN + 1);

	if (n > VER_MAX_LEN)
		return false;
	*ret_p = s;
	*ret_end = s + n;
	js_trim(ret_p, ret_end);
	return true;
}

/* new SemVer(s, { loose }) succeeds. */
static bool version_parse(const char *s, bool loose, struct sv *v)
{
	const char *p, *end;
	return trimmed(s, &p, &end) && plain_parse(p, end, loose, v);
}

/* The lenient reading of an invalid string (see the top of the file); false: no number. */
static bool lenient_parse(const char *p, const char *end, struct sv *v)
{
	for (;;) {
		size_t w;
		if (p < end && (*p == 'v' || *p == '='))
			p++;
		else if ((w = js_space_at(p, end)) > 0)
			p += w;
		else
			break;
	}
	if (p == end || !ascii_isdigit(*p))
		return false;
	for (int i = 0; i < 3; i++) {
		if (i > 0) {
			if (end - p >= 2 && p[0] == '.' && ascii_isdigit(p[1]))
				p++;
			else {
				v->num[i] = p;
				v->numlen[i] = 0;
				continue;
			}
		}
		size_t n = digits(p, end);
		v->num[i] = p;
		v->numlen[i] = n;
		p += n;
	}
	const char *se = memchr(p, '+', (size_t)(end - p)) ?: end;
	if (p < se && (*p == '-' || *p == '.'))
		p++;
	v->has_pre = p < se;
	v->pre = p;
	v->prelen = (size_t)(se - p);
	return true;
}

static bool sort_key(const char *s, bool loose, struct sv *v)
{
	const char *p, *end;
	return trimmed(s, &p, &end) &&
	       (plain_parse(p, end, loose, v) || lenient_parse(p, end, v));
}

static int compare_scheme(const char *a, const char *b, bool loose)
{
	struct sv va, vb;
	bool ka = sort_key(a, loose, &va), kb = sort_key(b, loose, &vb);

	if (!ka || !kb)
		return (int)ka - (int)kb;
	return sv_cmp(&va, &vb);
}

static int semver_compare(const char *a, const char *b)
{
	return compare_scheme(a, b, false);
}

static bool semver_valid(const char *v)
{
	struct sv tmp;
	return version_parse(v, false, &tmp);
}

static int npm_compare(const char *a, const char *b)
{
	return compare_scheme(a, b, true);
}

static bool npm_valid(const char *v)
{
	struct sv tmp;
	return version_parse(v, true, &tmp);
}

const struct ver_scheme_ops ver_semver = {
    .name = "semver",
    .compare = semver_compare,
    .valid = semver_valid,
};

const struct ver_scheme_ops ver_npm = {
    .name = "npm",
    .compare = npm_compare,
    .valid = npm_valid,
};

/*
 * Ranges. Inside a range all white space is a single ' ' (Range() collapses it first).
 */

struct obuf {
	char *p;
	size_t len, cap;
	bool overflow;
};

static void ob_put(struct obuf *o, const char *s, size_t n)
{
	if (n > o->cap - o->len) {
		o->overflow = true;
		return;
	}
	if (n)
		memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void ob_puts(struct obuf *o, const char *s)
{
	ob_put(o, s, strlen(s));
}

/* JavaScript `${+d + 1}` for a digit string d, exactly. */
static void ob_inc(struct obuf *o, const char *d, size_t n)
{
	while (n > 0 && *d == '0')
		d++, n--;
	size_t i = n;
	while (i > 0 && d[i - 1] == '9')
		i--;
	if (i == 0)
		ob_put(o, "1", 1);
	else {
		ob_put(o, d, i - 1);
		char c = (char)(d[i - 1] + 1);
		ob_put(o, &c, 1);
	}
	for (size_t k = i; k < n; k++)
		ob_put(o, "0", 1);
}

/* The captures of XRANGEPLAIN: M, m, p and the prerelease; ptr NULL when not matched. */
struct xr {
	struct span M, m, p, pr;
};

static bool is_x(struct span s)
{
	return !s.ptr || s.len == 0 ||
	       (s.len == 1 && (s.ptr[0] == 'x' || s.ptr[0] == 'X' || s.ptr[0] == '*'));
}

static bool span_is(struct span s, const char *lit)
{
	return s.ptr && s.len == strlen(lit) && memcmp(s.ptr, lit, s.len) == 0;
}

static void ob_span(struct obuf *o, struct span s)
{
	ob_put(o, s.ptr ? s.ptr : "", s.ptr ? s.len : 0);
}

/* XRANGEIDENTIFIER(LOOSE) at p, as many characters as the expression takes, or 0. */
static size_t xid_len(const char *p, const char *end, bool loose)
{
	if (p == end)
		return 0;
	if (*p == 'x' || *p == 'X' || *p == '*')
		return 1;
	if (!ascii_isdigit(*p))
		return 0;
	if (!loose && *p == '0')
		return 1;
	return MIN(digits(p, end), loose ? (size_t)256 : (size_t)257);
}

/* XRANGEPLAIN(LOOSE) without its `[v=\s]*` prefix, over exactly [p, end). */
static bool xrp_body(const char *p, const char *end, bool loose, struct xr *x)
{
	*x = (struct xr){0};
	size_t n = xid_len(p, end, loose);
	if (!n)
		return false;
	x->M = (struct span){p, n};
	p += n;
	if (p == end)
		return true;
	if (*p != '.' || !(n = xid_len(++p, end, loose)))
		return false;
	x->m = (struct span){p, n};
	p += n;
	if (p == end)
		return true;
	if (*p != '.' || !(n = xid_len(++p, end, loose)))
		return false;
	struct sv t;
	if (loose && ascii_isdigit(*p)) {
		if (!loose_patch_tail(p, end, &n, &t))
			return false;
	} else if (!tail_ok(p + n, end, loose, &t))
		return false;
	x->p = (struct span){p, n};
	if (t.has_pre)
		x->pr = (struct span){t.pre, t.prelen};
	return true;
}

/*
 * XRANGEPLAIN(LOOSE) at p followed by the end or a space (every anchored use has one of
 * those after it): the prefix, then the body up to the next space. Sets *ret_end.
 */
static bool xrp_at(const char *p, const char *end, bool loose, struct xr *x, const char **ret_end)
{
	while (p < end && (*p == 'v' || *p == '=' || *p == ' '))
		p++;
	const char *e = memchr(p, ' ', (size_t)(end - p)) ?: end;
	if (!xrp_body(p, e, loose, x))
		return false;
	*ret_end = e;
	return true;
}

static bool xrp_whole(const char *p, const char *end, bool loose, struct xr *x)
{
	const char *e;
	return xrp_at(p, end, loose, x, &e) && e == end;
}

/* ---- Extents for the unanchored COMPARATORTRIM expression (nothing follows it). ---- */

/* NONNUMERICIDENTIFIER, then (strict) NUMERICIDENTIFIER or (loose) NUMERICIDENTIFIERLOOSE. */
static const char *pid_extent(const char *p, const char *end, bool loose)
{
	size_t d = digits(p, end);

	if (d <= 256 && p + d < end && (ascii_isalpha(p[d]) || p[d] == '-')) {
		const char *q = p + d + 1, *lim = q + MIN((size_t)(end - q), (size_t)250);
		while (q < lim && is_ldn(*q))
			q++;
		return q;
	}
	if (d == 0)
		return NULL;
	if (!loose && *p == '0')
		return p + 1;
	return p + MIN(d, loose ? (size_t)256 : (size_t)257);
}

static const char *pid_list_extent(const char *p, const char *end, bool loose)
{
	const char *e = pid_extent(p, end, loose), *n;

	if (!e)
		return NULL;
	while (e < end && *e == '.' && (n = pid_extent(e + 1, end, loose)))
		e = n;
	return e;
}

static const char *build_extent(const char *p, const char *end)
{
	if (p >= end || *p != '+' || p + 1 >= end || !is_ldn(p[1]))
		return p;
	const char *q = p + 1;
	for (;;) {
		const char *lim = q + MIN((size_t)(end - q), (size_t)250);
		while (q < lim && is_ldn(*q))
			q++;
		if (q + 1 < end && *q == '.' && is_ldn(q[1]))
			q++;
		else
			return q;
	}
}

static const char *loose_plain_extent(const char *p, const char *end)
{
	while (p < end && (*p == 'v' || *p == '=' || *p == ' '))
		p++;
	for (int i = 0; i < 2; i++) {
		size_t n = digits(p, end);
		if (n == 0 || n > 256 || p + n == end || p[n] != '.')
			return NULL;
		p += n + 1;
	}
	size_t n = digits(p, end);
	if (n == 0)
		return NULL;
	p += MIN(n, (size_t)256);
	const char *e = NULL;
	if (p < end && *p == '-')
		e = pid_list_extent(p + 1, end, true);
	if (!e)
		e = pid_list_extent(p, end, true);
	return build_extent(e ?: p, end);
}

static const char *xrp_strict_extent(const char *p, const char *end)
{
	while (p < end && (*p == 'v' || *p == '=' || *p == ' '))
		p++;
	size_t n = xid_len(p, end, false);
	if (!n)
		return NULL;
	p += n;
	if (p < end && *p == '.' && (n = xid_len(p + 1, end, false))) {
		p += 1 + n;
		if (p < end && *p == '.' && (n = xid_len(p + 1, end, false))) {
			p += 1 + n;
			const char *e = NULL;
			if (p < end && *p == '-')
				e = pid_list_extent(p + 1, end, false);
			p = build_extent(e ?: p, end);
		}
	}
	return p;
}

/*
 * Range pipeline steps (each reads one buffer and appends to another).
 */

/* `range.replace(/\+(BUILDIDENTIFIER(\.BUILDIDENTIFIER)*)/g, '')` */
static void strip_build(const char *p, const char *end, struct obuf *o)
{
	while (p < end) {
		if (*p == '+' && p + 1 < end && is_ldn(p[1])) {
			p++;
			for (;;) {
				while (p < end && is_ldn(*p))
					p++;
				if (p + 1 < end && *p == '.' && is_ldn(p[1]))
					p++;
				else
					break;
			}
			continue;
		}
		ob_put(o, p++, 1);
	}
}

/* HYPHENRANGE(LOOSE), anchored over the whole comparator set, and its replacement. */
static bool hyphen(const char *r, const char *end, bool loose, bool incpr, struct obuf *o)
{
	const char *p = r, *fe, *te;
	struct xr f, t;

	if (p < end && *p == ' ')
		p++;
	if (!xrp_at(p, end, loose, &f, &fe))
		return false;
	if (end - fe < 3 || fe[0] != ' ' || fe[1] != '-' || fe[2] != ' ')
		return false;
	const char *q = fe + 3;
	if (!xrp_at(q, end, loose, &t, &te))
		return false;
	if (te != end && !(te + 1 == end && *te == ' '))
		return false;

	const char *z = incpr ? "-0" : "";
	size_t start = o->len;
	if (is_x(f.M)) {
	} else if (is_x(f.m)) {
		ob_puts(o, ">=");
		ob_span(o, f.M);
		ob_puts(o, ".0.0");
		ob_puts(o, z);
	} else if (is_x(f.p)) {
		ob_puts(o, ">=");
		ob_span(o, f.M);
		ob_puts(o, ".");
		ob_span(o, f.m);
		ob_puts(o, ".0");
		ob_puts(o, z);
	} else {
		ob_puts(o, ">=");
		ob_put(o, p, (size_t)(fe - p));
		if (!f.pr.ptr)
			ob_puts(o, z);
	}
	ob_puts(o, " ");
	if (is_x(t.M)) {
	} else if (is_x(t.m)) {
		ob_puts(o, "<");
		ob_inc(o, t.M.ptr, t.M.len);
		ob_puts(o, ".0.0-0");
	} else if (is_x(t.p)) {
		ob_puts(o, "<");
		ob_span(o, t.M);
		ob_puts(o, ".");
		ob_inc(o, t.m.ptr, t.m.len);
		ob_puts(o, ".0-0");
	} else if (t.pr.ptr) {
		ob_puts(o, "<=");
		ob_span(o, t.M);
		ob_puts(o, ".");
		ob_span(o, t.m);
		ob_puts(o, ".");
		ob_span(o, t.p);
		ob_puts(o, "-");
		ob_span(o, t.pr);
	} else if (incpr) {
		ob_puts(o, "<");
		ob_span(o, t.M);
		ob_puts(o, ".");
		ob_span(o, t.m);
		ob_puts(o, ".");
		ob_inc(o, t.p.ptr, t.p.len);
		ob_puts(o, "-0");
	} else {
		ob_puts(o, "<=");
		ob_put(o, q, (size_t)(te - q));
	}
	/* `${from} ${to}`.trim() */
	if (o->overflow)
		return true;
	size_t a = start, b = o->len;
	while (a < b && o->p[a] == ' ')
		a++;
	while (b > a && o->p[b - 1] == ' ')
		b--;
	memmove(o->p + start, o->p + a, b - a);
	o->len = start + (b - a);
	return true;
}

/*
 * COMPARATORTRIM: `(\s*)GTLT\s*(LOOSEPLAIN|XRANGEPLAIN)` -> '$1$2$3', global. A match
 * exists where, after an optional space, an operator and an optional space, the version
 * expression matches; it does iff an XRANGEIDENTIFIER follows the `[v=\s]*` prefix.
 */
static void comparator_trim(const char *p, const char *end, struct obuf *o)
{
	while (p < end) {
		const char *q = p;
		if (*q == ' ')
			q++;
		if (q < end && (*q == '<' || *q == '>'))
			q++;
		if (q < end && *q == '=')
			q++;
		const char *ge = q;
		if (q < end && *q == ' ')
			q++;
		const char *e = loose_plain_extent(q, end) ?: xrp_strict_extent(q, end);
		if (!e) {
			ob_put(o, p++, 1);
			continue;
		}
		ob_put(o, p, (size_t)(ge - p));
		ob_put(o, q, (size_t)(e - q));
		p = e;
	}
}

/* TILDETRIM `(\s*)~>?\s+` -> '$1~' and CARETTRIM `(\s*)\^\s+` -> '$1^', global. */
static void lone_trim(const char *p, const char *end, char op, struct obuf *o)
{
	while (p < end) {
		const char *q = p;
		if (*q == ' ')
			q++;
		if (q < end && *q == op) {
			const char *s = q + 1;
			if (op == '~' && s < end && *s == '>')
				s++;
			if (s < end && *s == ' ') {
				ob_put(o, p, (size_t)(q + 1 - p));
				p = s + 1;
				continue;
			}
		}
		ob_put(o, p++, 1);
	}
}

/* TILDE(LOOSE) / CARET(LOOSE) on one word and the replacement; false when no match. */
static bool tilde_caret(const char *p, const char *end, char op, bool loose, bool incpr,
			struct obuf *o)
{
	struct xr x;

	if (p == end || *p != op)
		return false;
	const char *q = p + 1;
	if (op == '~' && q < end && *q == '>')
		q++;
	if (!xrp_whole(q, end, loose, &x))
		return false;

	const char *z = incpr ? "-0" : "";
	bool caret = op == '^';
	if (is_x(x.M))
		return true;
	ob_puts(o, ">=");
	ob_span(o, x.M);
	if (is_x(x.m)) {
		ob_puts(o, ".0.0");
		ob_puts(o, z);
		ob_puts(o, " <");
		ob_inc(o, x.M.ptr, x.M.len);
		ob_puts(o, ".0.0-0");
		return true;
	}
	ob_puts(o, ".");
	ob_span(o, x.m);
	if (is_x(x.p)) {
		ob_puts(o, ".0");
		ob_puts(o, z);
	} else {
		ob_puts(o, ".");
		ob_span(o, x.p);
		if (x.pr.ptr) {
			ob_puts(o, "-");
			ob_span(o, x.pr);
		}
	}
	ob_puts(o, " <");
	if (caret && !span_is(x.M, "0")) {
		ob_inc(o, x.M.ptr, x.M.len);
		ob_puts(o, ".0.0-0");
	} else if (caret && !is_x(x.p) && span_is(x.m, "0")) {
		ob_span(o, x.M);
		ob_puts(o, ".");
		ob_span(o, x.m);
		ob_puts(o, ".");
		ob_inc(o, x.p.ptr, x.p.len);
		ob_puts(o, "-0");
	} else {
		ob_span(o, x.M);
		ob_puts(o, ".");
		ob_inc(o, x.m.ptr, x.m.len);
		ob_puts(o, ".0-0");
	}
	return true;
}

/* XRANGE(LOOSE) on one word and the replacement; false when the word stays as it is. */
static bool xrange(const char *p, const char *end, bool loose, bool incpr, struct obuf *o)
{
	struct xr x;
	const char *q = p;

	if (q < end && (*q == '<' || *q == '>'))
		q++;
	if (q < end && *q == '=')
		q++;
	if (!xrp_whole(q, end, loose, &x))
		return false;
	/* invalidXRangeOrder: "x.1", "1.x.2" stay as they are */
	if ((is_x(x.M) && !is_x(x.m)) || (is_x(x.m) && x.p.ptr && x.p.len && !is_x(x.p)))
		return false;

	struct span gtlt = {p, (size_t)(q - p)};
	bool xmaj = is_x(x.M), xm = xmaj || is_x(x.m), xp = xm || is_x(x.p);
	if (span_is(gtlt, "=") && xp)
		gtlt.len = 0;
	const char *pr = incpr ? "-0" : "";
	if (xmaj) {
		ob_puts(o, span_is(gtlt, ">") || span_is(gtlt, "<") ? "<0.0.0-0" : "*");
	} else if (gtlt.len && xp) {
		bool inc_major = false, inc_minor = false;
		if (span_is(gtlt, ">")) {
			gtlt = (struct span){">=", 2};
			inc_major = xm;
			inc_minor = !xm;
		} else if (span_is(gtlt, "<=")) {
			gtlt = (struct span){"<", 1};
			inc_major = xm;
			inc_minor = !xm;
		}
		if (span_is(gtlt, "<"))
			pr = "-0";
		ob_span(o, gtlt);
		if (inc_major)
			ob_inc(o, x.M.ptr, x.M.len);
		else
			ob_span(o, x.M);
		ob_puts(o, ".");
		if (xm)
			ob_puts(o, "0");
		else if (inc_minor)
			ob_inc(o, x.m.ptr, x.m.len);
		else
			ob_span(o, x.m);
		ob_puts(o, ".0");
		ob_puts(o, pr);
	} else if (xm) {
		ob_puts(o, ">=");
		ob_span(o, x.M);
		ob_puts(o, ".0.0");
		ob_puts(o, pr);
		ob_puts(o, " <");
		ob_inc(o, x.M.ptr, x.M.len);
		ob_puts(o, ".0.0-0");
	} else if (xp) {
		ob_puts(o, ">=");
		ob_span(o, x.M);
		ob_puts(o, ".");
		ob_span(o, x.m);
		ob_puts(o, ".0");
		ob_puts(o, pr);
		ob_puts(o, " <");
		ob_span(o, x.M);
		ob_puts(o, ".");
		ob_inc(o, x.m.ptr, x.m.len);
		ob_puts(o, ".0-0");
	} else
		return false;
	return true;
}

/* `.trim().replace(STAR, '')`: drop the first `(<|>)?=?\s*\*`. */
static void strip_star(struct obuf *o)
{
	char *s = o->p;
	size_t a = 0, n = o->len;

	while (a < n && s[a] == ' ')
		a++;
	while (n > a && s[n - 1] == ' ')
		n--;
	for (size_t i = a; i < n; i++) {
		size_t q = i;
		if (s[q] == '<' || s[q] == '>')
			q++;
		if (q < n && s[q] == '=')
			q++;
		if (q < n && s[q] == ' ')
			q++;
		if (q < n && s[q] == '*') {
			memmove(s + i, s + q + 1, n - q - 1);
			n -= q + 1 - i;
			break;
		}
	}
	memmove(s, s + a, n - a);
	o->len = n - a;
}

/* Evaluation of one range against one version, comparator by comparator. */
struct npm_eval {
	const struct sv *ver;
	bool loose, incpr, invalid;
	/* the comparator set being read */
	unsigned ncomp;
	bool nonany, all, pre_ok;
	/* the range */
	unsigned nsets;
	bool any_set, result;
	/* the comparator being read from the words' output */
	char piece[NPM_BUF_SIZE];
	size_t plen;
	bool overflow, prev_space;
};

static void eval_comparator(struct npm_eval *st)
{
	const char *p = st->piece;
	size_t n = st->plen;
	bool of = st->overflow;

	st->plen = 0;
	st->overflow = false;
	if (of) {
		st->invalid = true;
		return;
	}
	if ((!st->incpr && n == 7 && memcmp(p, ">=0.0.0", 7) == 0) ||
	    (st->incpr && n == 9 && memcmp(p, ">=0.0.0-0", 9) == 0))
		n = 0;
	if (n == 0) { /* "": any version */
		st->ncomp++;
		return;
	}
	const char *q = p, *end = p + n;
	if (*q == '<' || *q == '>')
		q++;
	if (q < end && *q == '=')
		q++;
	struct sv v;
	if (!plain_parse(q, end, st->loose, &v)) {
		if (!st->loose) /* loose mode drops what is not a comparator */
			st->invalid = true;
		return;
	}
	if (end - q > VER_MAX_LEN) {
		st->invalid = true;
		return;
	}
	st->ncomp++;
	st->nonany = true;
	int c = sv_cmp(st->ver, &v);
	size_t ol = (size_t)(q - p);
	bool ok;
	if (ol == 0 || p[0] == '=')
		ok = c == 0;
	else if (p[0] == '<')
		ok = ol == 2 ? c <= 0 : c < 0;
	else
		ok = ol == 2 ? c >= 0 : c > 0;
	if (!ok)
		st->all = false;
	if (v.has_pre && num_cmp(v.num[0], v.numlen[0], st->ver->num[0], st->ver->numlen[0]) == 0 &&
	    num_cmp(v.num[1], v.numlen[1], st->ver->num[1], st->ver->numlen[1]) == 0 &&
	    num_cmp(v.num[2], v.numlen[2], st->ver->num[2], st->ver->numlen[2]) == 0)
		st->pre_ok = true;
}

/* Feed the joined output of the words; `.split(/\s+/)` cuts it into comparators. */
static void feed(struct npm_eval *st, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == ' ') {
			if (!st->prev_space)
				eval_comparator(st);
			st->prev_space = true;
			continue;
		}
		st->prev_space = false;
		if (st->plen < sizeof(st->piece))
			st->piece[st->plen++] = s[i];
		else
			st->overflow = true;
	}
}

/* parseComparator() on one word: carets, tildes, x-ranges, stars. */
static void npm_word(struct npm_eval *st, const char *w, const char *wend)
{
	char b1[NPM_BUF_SIZE], b2[NPM_BUF_SIZE];
	struct obuf o1 = {b1, 0, sizeof(b1), false}, o2 = {b2, 0, sizeof(b2), false};

	if (!tilde_caret(w, wend, '^', st->loose, st->incpr, &o1))
		ob_put(&o1, w, (size_t)(wend - w));

	/* replaceTildes: .trim().split(/\s+/) */
	const char *s = o1.p, *end = o1.p + o1.len;
	while (s < end && *s == ' ')
		s++;
	while (end > s && end[-1] == ' ')
		end--;
	for (bool first = true;; first = false) {
		const char *e = memchr(s, ' ', (size_t)(end - s)) ?: end;
		if (!first)
			ob_put(&o2, " ", 1);
		if (!tilde_caret(s, e, '~', st->loose, st->incpr, &o2))
			ob_put(&o2, s, (size_t)(e - s));
		if (e == end)
			break;
		s = e;
		while (s < end && *s == ' ')
			s++;
	}

	/* replaceXRanges: .split(/\s+/) */
	o1.len = 0;
	s = o2.p;
	end = o2.p + o2.len;
	for (bool first = true;; first = false) {
		const char *e = memchr(s, ' ', (size_t)(end - s)) ?: end;
		if (!first)
			ob_put(&o1, " ", 1);
		if (!xrange(s, e, st->loose, st->incpr, &o1))
			ob_put(&o1, s, (size_t)(e - s));
		if (e == end)
			break;
		s = e;
		while (s < end && *s == ' ')
			s++;
	}

	if (o1.overflow || o2.overflow) {
		st->invalid = true;
		return;
	}
	strip_star(&o1);
	feed(st, o1.p, o1.len);
}

/* Range.parseRange() on one '||' alternative, then its verdict. */
static void npm_set(struct npm_eval *st, const char *p, const char *end)
{
	char b1[NPM_BUF_SIZE], b2[NPM_BUF_SIZE];
	struct obuf o1 = {b1, 0, sizeof(b1), false}, o2 = {b2, 0, sizeof(b2), false};

	while (p < end && *p == ' ')
		p++;
	while (end > p && end[-1] == ' ')
		end--;
	strip_build(p, end, &o1);
	if (!hyphen(o1.p, o1.p + o1.len, st->loose, st->incpr, &o2))
		ob_put(&o2, o1.p, o1.len);
	o1.len = 0;
	comparator_trim(o2.p, o2.p + o2.len, &o1);
	o2.len = 0;
	lone_trim(o1.p, o1.p + o1.len, '~', &o2);
	o1.len = 0;
	lone_trim(o2.p, o2.p + o2.len, '^', &o1);
	if (o1.overflow || o2.overflow) {
		st->invalid = true;
		return;
	}

	st->ncomp = 0;
	st->nonany = false;
	st->all = true;
	st->pre_ok = false;
	st->plen = 0;
	st->overflow = false;
	st->prev_space = false;
	/* .split(' ').map(parseComparator).join(' ').split(/\s+/) */
	const char *s = o1.p, *e = o1.p + o1.len;
	for (bool first = true;; first = false) {
		const char *w = memchr(s, ' ', (size_t)(e - s)) ?: e;
		if (!first)
			feed(st, " ", 1);
		npm_word(st, s, w);
		if (w == e)
			break;
		s = w + 1;
	}
	eval_comparator(st);
	if (st->invalid || st->ncomp == 0) /* loose mode may leave a set empty: dropped */
		return;

	st->nsets++;
	if (!st->nonany)
		st->any_set = true;
	bool r = st->all;
	if (r && st->ver->has_pre && !st->incpr)
		r = st->pre_ok;
	if (r)
		st->result = true;
}

int ver_npm_satisfies(const char *range, const char *version, unsigned flags)
{
	struct sv ver;
	bool loose = flags & VER_NPM_LOOSE, incpr = flags & VER_NPM_INCLUDE_PRERELEASE;

	if (!range || !version || !*version || !version_parse(version, loose, &ver))
		return 0;
	size_t rn = strnlen(range, NPM_RANGE_MAX + 1);
	if (rn > NPM_RANGE_MAX)
		return 0;

	/* range.trim().replace(/\s+/g, ' ') */
	char raw[NPM_RANGE_MAX];
	size_t n = 0;
	const char *p = range, *end = range + rn;
	js_trim(&p, &end);
	while (p < end) {
		size_t w = js_space_at(p, end);
		if (!w) {
			raw[n++] = *p++;
			continue;
		}
		raw[n++] = ' ';
		do
			p += w;
		while ((w = js_space_at(p, end)) > 0);
	}

	struct npm_eval *st = &(struct npm_eval){.ver = &ver, .loose = loose, .incpr = incpr};
	const char *s = raw, *rend = raw + n;
	for (;;) {
		const char *bar = memmem(s, (size_t)(rend - s), "||", 2);
		npm_set(st, s, bar ?: rend);
		if (st->invalid)
			return 0;
		if (!bar)
			break;
		s = bar + 2;
	}
	if (st->nsets == 0)
		return 0;
	/* A "*" alternative next to others turns the whole range into "*" (Range()). */
	if (st->any_set && ver.has_pre && !incpr)
		return 0;
	return st->result ? 1 : 0;
}
