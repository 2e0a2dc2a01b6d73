/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maven.c — Maven version ordering: org.apache.maven.artifact.versioning.ComparableVersion
 * with Maven 3.9 / 4 semantics (MNG-5568, MNG-6572, MNG-6964, MNG-7644, MNG-7714 and the
 * "combination" items such as "rc1" / "X-1"). Each string is parsed into bounded arrays on
 * the stack (sized from VER_MAX_LEN, so every accepted string fits); nothing is allocated.
 *
 * Parsing follows ComparableVersion.parseVersion character by character on the string
 * (lower-cased): '.' and '-' separate items, an empty item is 0, a '-' (or a change from
 * digits to letters, or letters directly followed by digits, or a trailing ".qualifier")
 * opens a nested list that holds the rest of the version, so the lists form a chain.
 * Items are numbers (any size), qualifiers (alpha < beta < milestone < rc = cr <
 * snapshot < "" = ga = final = release < sp < unknown ones, lexically) and
 * "combinations" of a qualifier and a number ("rc1", "alpha-1"; in them a, b and m mean
 * alpha, beta and milestone). Each list is then normalised from the innermost out: zero
 * items are dropped at the end of a list, before a qualifier, and before a list starting
 * with a qualifier or combination; a list left holding only a list takes its contents.
 * Comparison is ComparableVersion's Item.compareTo for every pair of item kinds, with a
 * missing item ("null") padding the shorter list.
 *
 * Characters: only ASCII digits are digits (Java's Character.isDigit, which the upstream
 * code uses in two places, also accepts other scripts' digits; for such input Maven
 * either throws NumberFormatException or reads them as numbers — here they are letters;
 * Maven also throws when digits are directly followed by a character outside the BMP).
 * Lower-casing covers ASCII, Latin-1, Latin Extended-A, Greek (without Java's final-sigma
 * rule) and Cyrillic capitals and the Kelvin, Angstrom and Ohm signs, as Java's
 * toLowerCase(Locale.ENGLISH) maps them; unknown qualifiers compare in UTF-16 code-unit
 * order as Java strings do;
 * bytes that are not UTF-8 compare as the code units 0xDC80..0xDCFF.
 *
 * maven-artifact 3.8 and older ordered differently (".RC1" after the numbers, "rc1" as
 * "rc" then a list [1]); OSV's generated Maven corpus still has 22 such pairs.
 *
 * Every string of at most VER_MAX_LEN bytes is ordered as above (Maven accepts any
 * string). Longer strings (which Maven 4 refuses) are equal to each other and sort
 * before all others. valid() is stricter than Maven, for the matcher's sake: 1 to
 * VER_MAX_LEN printable ASCII characters with at least one digit, none of the
 * characters Maven's model validator bans in versions (\ / : " < > | ? * and white
 * space), and no unresolved "${" expression.
 */
#include <assert.h>

#include "common/common.h"
#include "vuln/version/version.h"

/* Items and lists per version: each byte adds at most one item and opens at most one list. */
#define MV_MAX_ITEMS (2 * VER_MAX_LEN + 4)
#define MV_MAX_LISTS (VER_MAX_LEN + 2)
#define MV_NONE	     UINT16_MAX

enum mv_type {
	MV_NUM,
	MV_STR,
	MV_COMB,
	MV_LIST,
};

/* Qualifier ranks; QR_UNKNOWN ones then compare lexically. */
enum {
	QR_ALPHA,
	QR_BETA,
	QR_MILESTONE,
	QR_RC,
	QR_SNAPSHOT,
	QR_RELEASE,
	QR_SP,
	QR_UNKNOWN,
};

/* 8 bytes: a version takes about 6 KiB of stack (items and lists) while it is compared. */
struct mv_item {
	uint16_t off, len; /* NUM: significant digits (len 0: zero); STR: the qualifier;
			      COMB: the qualifier part; LIST: off is the list index */
	uint16_t num_off;  /* COMB: the number part's significant digits... */
	uint8_t num_len;   /* ...at most VER_MAX_LEN - 1 of them, the qualifier takes one */
	uint8_t type : 2;
	uint8_t rank : 3; /* STR, COMB: QR_* */
	bool dead : 1;	  /* removed by normalisation */
};

_Static_assert(VER_MAX_LEN - 1 <= UINT8_MAX, "combination number length must fit num_len");
_Static_assert(MV_MAX_ITEMS < MV_NONE, "item indexes must fit uint16_t");

struct mv_list {
	uint16_t start, end; /* items [start, end), the last one maybe the child list */
	uint16_t live;	     /* items not removed */
	uint16_t fwd;	     /* MV_NONE, or the list whose contents this one took */
};

struct mv {
	const char *s;
	struct mv_item item[MV_MAX_ITEMS];
	struct mv_list list[MV_MAX_LISTS];
	unsigned nitems, nlists;
};

static inline int sign(int r)
{
	return (r > 0) - (r < 0);
}

/* ---- parsing ----------------------------------------------------------------------- */

static bool word_eq_nocase(const char *p, size_t n, const char *w)
{
	if (strlen(w) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (ascii_tolower((unsigned char)p[i]) != w[i])
			return false;
	return true;
}

/* StringItem's value mapped to its rank; followed_by_digit expands a, b and m. */
static uint8_t qualifier_rank(const char *p, size_t n, bool followed_by_digit)
{
	static const struct {
		const char *word;
		uint8_t rank;
	} words[] = {
	    {"alpha", QR_ALPHA}, {"beta", QR_BETA},	{"milestone", QR_MILESTONE},
	    {"rc", QR_RC},	 {"cr", QR_RC},		{"snapshot", QR_SNAPSHOT},
	    {"ga", QR_RELEASE},	 {"final", QR_RELEASE}, {"release", QR_RELEASE},
	    {"sp", QR_SP},
	};
	if (followed_by_digit && n == 1) {
		switch (ascii_tolower((unsigned char)p[0])) {
		case 'a':
			return QR_ALPHA;
		case 'b':
			return QR_BETA;
		case 'm':
			return QR_MILESTONE;
		default:
			break;
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (word_eq_nocase(p, n, words[i].word))
			return words[i].rank;
	return QR_UNKNOWN;
}

static void strip_zeros(const char *s, size_t *off, size_t end)
{
	while (*off < end && s[*off] == '0')
		(*off)++;
}

static struct mv_item *mv_add(struct mv *v, unsigned cur)
{
	assert(v->nitems < MV_MAX_ITEMS); /* see MV_MAX_ITEMS */
	struct mv_item *it = &v->item[v->nitems++];
	*it = (struct mv_item){0};
	v->list[cur].end = (uint16_t)v->nitems;
	v->list[cur].live++;
	return it;
}

static void mv_add_zero(struct mv *v, unsigned cur)
{
	mv_add(v, cur)->type = MV_NUM;
}

/* parseItem(isCombination, isDigit, s[start..end)) */
static void mv_add_item(struct mv *v, unsigned cur, bool comb, bool digit, size_t start, size_t end)
{
	const char *s = v->s;
	struct mv_item *it = mv_add(v, cur);
	if (comb) {
		/* letters, maybe one '-', digits: the '-' is dropped (X-1 is X1) */
		size_t d = start;
		while (d < end && !ascii_isdigit(s[d]))
			d++;
		size_t qend = d > start && s[d - 1] == '-' ? d - 1 : d;
		it->type = MV_COMB;
		it->off = (uint16_t)start;
		it->len = (uint16_t)(qend - start);
		it->rank = qualifier_rank(s + start, qend - start, true);
		strip_zeros(s, &d, end);
		it->num_off = (uint16_t)d;
		it->num_len = (uint8_t)(end - d);
	} else if (digit) {
		strip_zeros(s, &start, end);
		it->type = MV_NUM;
		it->off = (uint16_t)start;
		it->len = (uint16_t)(end - start);
	} else {
		it->type = MV_STR;
		it->off = (uint16_t)start;
		it->len = (uint16_t)(end - start);
		it->rank = qualifier_rank(s + start, end - start, false);
	}
}

/* Open a list inside the current one; it becomes the current list. */
static unsigned mv_open_list(struct mv *v, unsigned cur)
{
	assert(v->nlists < MV_MAX_LISTS);
	unsigned child = v->nlists++;
	mv_add(v, cur)->type = MV_LIST;
	v->item[v->nitems - 1].off = (uint16_t)child;
	v->list[child] = (struct mv_list){
	    .start = (uint16_t)v->nitems, .end = (uint16_t)v->nitems, .fwd = MV_NONE};
	return child;
}

static unsigned list_resolve(const struct mv *v, unsigned l)
{
	while (v->list[l].fwd != MV_NONE)
		l = v->list[l].fwd;
	return l;
}

/* Index of the first live item of list l at or after i, or MV_NONE. */
static unsigned list_live_from(const struct mv *v, unsigned l, unsigned i)
{
	for (; i < v->list[l].end; i++)
		if (!v->item[i].dead)
			return i;
	return MV_NONE;
}

static bool item_is_null(const struct mv *v, const struct mv_item *it)
{
	switch (it->type) {
	case MV_NUM:
		return it->len == 0;
	case MV_LIST:
		return v->list[list_resolve(v, it->off)].live == 0;
	default:
		return false; /* qualifiers are never empty here; combinations never null */
	}
}

/* ListItem.normalize() */
static void mv_normalize(struct mv *v, unsigned l)
{
	struct mv_list *ls = &v->list[l];
	unsigned next = MV_NONE;
	for (unsigned i = ls->end; i-- > ls->start;) {
		struct mv_item *it = &v->item[i];
		if (it->dead)
			continue;
		if (item_is_null(v, it)) {
			bool drop = next == MV_NONE || v->item[next].type == MV_STR;
			if (!drop && v->item[next].type == MV_LIST) {
				unsigned sub = list_resolve(v, v->item[next].off);
				unsigned first = list_live_from(v, sub, v->list[sub].start);
				drop = first != MV_NONE && (v->item[first].type == MV_COMB ||
							    v->item[first].type == MV_STR);
			}
			if (drop) {
				it->dead = true;
				ls->live--;
				continue;
			}
		}
		next = i;
	}
	if (ls->live == 1) {
		unsigned only = list_live_from(v, l, ls->start);
		if (v->item[only].type == MV_LIST)
			ls->fwd = (uint16_t)list_resolve(v, v->item[only].off);
	}
}

/* ComparableVersion.parseVersion() on s[0..len), len <= VER_MAX_LEN. */
static void mv_parse(struct mv *v, const char *s, size_t len)
{
	v->s = s;
	v->nitems = 0;
	v->nlists = 1;
	v->list[0] = (struct mv_list){.fwd = MV_NONE};
	unsigned cur = 0;
	bool digit = false, comb = false;
	size_t start = 0;

#define CUR_NONEMPTY() (v->list[cur].end > v->list[cur].start)
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '.') {
			if (i == start)
				mv_add_zero(v, cur);
			else
				mv_add_item(v, cur, comb, digit, start, i);
			comb = false;
			start = i + 1;
		} else if (c == '-') {
			if (i == start) {
				mv_add_zero(v, cur);
			} else {
				if (!digit && i != len - 1 && ascii_isdigit(s[i + 1])) {
					comb = true; /* X-1 is read as X1 */
					continue;
				}
				mv_add_item(v, cur, comb, digit, start, i);
			}
			start = i + 1;
			if (CUR_NONEMPTY())
				cur = mv_open_list(v, cur);
			comb = false;
		} else if (ascii_isdigit(c)) {
			if (!digit && i > start) {
				comb = true; /* X1 */
				if (CUR_NONEMPTY())
					cur = mv_open_list(v, cur);
			}
			digit = true;
		} else {
			if (digit && i > start) {
				mv_add_item(v, cur, comb, true, start, i);
				start = i;
				cur = mv_open_list(v, cur);
				comb = false;
			}
			digit = false;
		}
	}
	if (len > start) {
		/* 1.0.0.X1 < 1.0.0-X2: treat .X as -X for any qualifier X */
		if (!digit && CUR_NONEMPTY())
			cur = mv_open_list(v, cur);
		mv_add_item(v, cur, comb, digit, start, len);
	}
#undef CUR_NONEMPTY

	for (unsigned l = v->nlists; l-- > 0;)
		mv_normalize(v, l);
}

/* ---- comparison -------------------------------------------------------------------- */

static int num_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	if (an != bn)
		return an < bn ? -1 : 1;
	return an ? sign(memcmp(a, b, an)) : 0;
}

/* Java's toLowerCase(Locale.ENGLISH) for one code point, for the ranges listed above. */
static uint32_t java_lower(uint32_t c)
{
	if (c < 0x80)
		return c >= 'A' && c <= 'Z' ? c + 32 : c;
	if (c >= 0xc0 && c <= 0xde && c != 0xd7)
		return c + 32;
	if (c >= 0x100 && c <= 0x17f) {
		if (c == 0x130 || c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17f)
			return c; /* U+0130 is handled by the caller (two code points) */
		if (c == 0x178)
			return 0xff;
		if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e))
			return c & 1 ? c + 1 : c;
		return c & 1 ? c : c + 1;
	}
	if (c >= 0x391 && c <= 0x3ab && c != 0x3a2)
		return c + 32;
	if (c == 0x386)
		return 0x3ac;
	if (c >= 0x388 && c <= 0x38a)
		return c + 37;
	if (c == 0x38c)
		return 0x3cc;
	if (c == 0x38e || c == 0x38f)
		return c + 63;
	if (c >= 0x400 && c <= 0x40f)
		return c + 80;
	if (c >= 0x410 && c <= 0x42f)
		return c + 32;
	if (c == 0x212a)
		return 'k';
	if (c == 0x212b)
		return 0xe5;
	if (c == 0x2126)
		return 0x3c9;
	return c;
}

/* Decode one UTF-8 character of p[0..n); invalid bytes decode alone to 0xdc00 + byte. */
static size_t utf8_decode(const unsigned char *p, size_t n, uint32_t *ret)
{
	unsigned char c = p[0];
	size_t k;
	uint32_t cp, min;
	if (c < 0x80) {
		*ret = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		k = 2, cp = c & 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		k = 3, cp = c & 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		k = 4, cp = c & 0x07, min = 0x10000;
	else
		goto invalid;
	if (k > n)
		goto invalid;
	for (size_t i = 1; i < k; i++) {
		if ((p[i] & 0xc0) != 0x80)
			goto invalid;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		goto invalid;
	*ret = cp;
	return k;
invalid:
	*ret = 0xdc00 + c;
	return 1;
}

/* UTF-16 code units of the lower-cased qualifier, one at a time. */
struct u16_iter {
	const unsigned char *p, *e;
	uint16_t pending[2];
	unsigned npending;
};

static int u16_next(struct u16_iter *it)
{
	if (it->npending)
		return it->pending[--it->npending];
	if (it->p >= it->e)
		return -1;
	uint32_t c;
	it->p += utf8_decode(it->p, (size_t)(it->e - it->p), &c);
	if (c == 0x130) {
		it->pending[it->npending++] = 0x307; /* "i\u0307" */
		return 'i';
	}
	c = java_lower(c);
	if (c >= 0x10000) {
		c -= 0x10000;
		it->pending[it->npending++] = (uint16_t)(0xdc00 + (c & 0x3ff));
		return (int)(0xd800 + (c >> 10));
	}
	return (int)c;
}

static int qual_text_cmp(const struct mv *va, const struct mv_item *a, const struct mv *vb,
			 const struct mv_item *b)
{
	struct u16_iter ia = {(const unsigned char *)va->s + a->off,
			      (const unsigned char *)va->s + a->off + a->len,
			      {0},
			      0};
	struct u16_iter ib = {(const unsigned char *)vb->s + b->off,
			      (const unsigned char *)vb->s + b->off + b->len,
			      {0},
			      0};
	for (;;) {
		int ca = u16_next(&ia), cb = u16_next(&ib);
		if (ca != cb)
			return ca < cb ? -1 : 1;
		if (ca < 0)
			return 0;
	}
}

/* StringItem.compareTo(StringItem) on the qualifier of a (STR or COMB) and of b. */
static int qual_cmp(const struct mv *va, const struct mv_item *a, const struct mv *vb,
		    const struct mv_item *b)
{
	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	return a->rank == QR_UNKNOWN ? qual_text_cmp(va, a, vb, b) : 0;
}

/* StringItem.compareTo(null): against the release qualifier. */
static int qual_null(const struct mv_item *a)
{
	return a->rank == QR_RELEASE ? 0 : a->rank < QR_RELEASE ? -1 : 1;
}

/* A COMB's number part compared with null. */
static int comb_num_null(const struct mv_item *a)
{
	return a->num_len ? 1 : 0;
}

static int item_cmp(const struct mv *va, unsigned a, const struct mv *vb, unsigned b);
static int item_null(const struct mv *v, unsigned a);

static int list_null(const struct mv *v, unsigned l)
{
	l = list_resolve(v, l);
	for (unsigned i = list_live_from(v, l, v->list[l].start); i != MV_NONE;
	     i = list_live_from(v, l, i + 1)) {
		int r = item_null(v, i);
		if (r)
			return r;
	}
	return 0;
}

/* ListItem.compareTo(STRING or COMBINATION item b). */
static int list_scalar_cmp(const struct mv *va, unsigned l, const struct mv *vb, unsigned b)
{
	l = list_resolve(va, l);
	unsigned i = list_live_from(va, l, va->list[l].start);
	if (i == MV_NONE)
		return -item_null(vb, b);
	int r = item_cmp(va, i, vb, b);
	for (i = list_live_from(va, l, i + 1); r == 0 && i != MV_NONE;
	     i = list_live_from(va, l, i + 1))
		r = item_null(va, i);
	return r;
}

/* ListItem.compareTo(ListItem) */
static int list_cmp(const struct mv *va, unsigned la, const struct mv *vb, unsigned lb)
{
	la = list_resolve(va, la);
	lb = list_resolve(vb, lb);
	unsigned i = list_live_from(va, la, va->list[la].start);
	unsigned j = list_live_from(vb, lb, vb->list[lb].start);
	while (i != MV_NONE || j != MV_NONE) {
		int r;
		if (i == MV_NONE)
			r = -item_null(vb, j);
		else if (j == MV_NONE)
			r = item_null(va, i);
		else
			r = item_cmp(va, i, vb, j);
		if (r)
			return r;
		if (i != MV_NONE)
			i = list_live_from(va, la, i + 1);
		if (j != MV_NONE)
			j = list_live_from(vb, lb, j + 1);
	}
	return 0;
}

/* Item.compareTo(null) */
static int item_null(const struct mv *v, unsigned a)
{
	const struct mv_item *it = &v->item[a];
	switch (it->type) {
	case MV_NUM:
		return it->len ? 1 : 0;
	case MV_STR:
		return qual_null(it);
	case MV_COMB: {
		int r = qual_null(it);
		return r ? r : comb_num_null(it);
	}
	default:
		return list_null(v, it->off);
	}
}

/* Item.compareTo(Item) for every pair of kinds. */
static int item_cmp(const struct mv *va, unsigned a, const struct mv *vb, unsigned b)
{
	const struct mv_item *x = &va->item[a], *y = &vb->item[b];
	int r;
	switch (x->type) {
	case MV_NUM:
		if (y->type == MV_NUM)
			return num_cmp(va->s + x->off, x->len, vb->s + y->off, y->len);
		return 1; /* 1.1 > 1-sp, 1.1 > 1-1, 1.1 > 1.x */
	case MV_STR:
		switch (y->type) {
		case MV_NUM:
			return -1;
		case MV_STR:
			return qual_cmp(va, x, vb, y);
		case MV_COMB:
			r = qual_cmp(va, x, vb, y);
			if (r)
				return r;
			return qual_null(x) == 0 ? -comb_num_null(y) : -1;
		default:
			return -list_scalar_cmp(vb, y->off, va, a);
		}
	case MV_COMB:
		switch (y->type) {
		case MV_NUM:
			return -1;
		case MV_STR:
			r = qual_cmp(va, x, vb, y);
			if (r)
				return r;
			return qual_null(x) == 0 ? comb_num_null(x) : 1; /* X1 > X */
		case MV_COMB:
			r = qual_cmp(va, x, vb, y);
			if (r)
				return r;
			return num_cmp(va->s + x->num_off, x->num_len, vb->s + y->num_off,
				       y->num_len);
		default:
			return -list_scalar_cmp(vb, y->off, va, a);
		}
	default:
		switch (y->type) {
		case MV_NUM:
			return -1; /* 1-1 < 1.0.x */
		case MV_STR:
		case MV_COMB:
			return list_scalar_cmp(va, x->off, vb, b);
		default:
			return list_cmp(va, x->off, vb, y->off);
		}
	}
}

/* ---- scheme ------------------------------------------------------------------------ */

static int maven_compare(const char *a, const char *b)
{
	size_t alen = strnlen(a, VER_MAX_LEN + 1), blen = strnlen(b, VER_MAX_LEN + 1);
	bool longa = alen > VER_MAX_LEN, longb = blen > VER_MAX_LEN;
	if (longa || longb)
		return longb - longa;
	struct mv va, vb;
	mv_parse(&va, a, alen);
	mv_parse(&vb, b, blen);
	return list_cmp(&va, 0, &vb, 0);
}

static bool maven_valid(const char *v)
{
	size_t len = strnlen(v, VER_MAX_LEN + 1);
	if (len == 0 || len > VER_MAX_LEN)
		return false;
	bool has_digit = false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c <= ' ' || c >= 0x7f || strchr("\\/:\"<>|?*", c))
			return false;
		if (c == '$' && v[i + 1] == '{')
			return false;
		has_digit |= ascii_isdigit(c);
	}
	return has_digit;
}

const struct ver_scheme_ops ver_maven = {
    .name = "maven",
    .compare = maven_compare,
    .valid = maven_valid,
};
