/* SPDX-License-Identifier: Apache-2.0 */
/*
 * apk.c — Alpine version ordering as apk-tools 3 apk_version_compare() defines it:
 *   digits{.digits}...{letter}{_suffix{digits}}...{~hash}{-rdigits}
 * read as a sequence of tokens. Two versions are compared token by token: tokens of the
 * same kind by value, and at the first position where the kinds differ the kind decides,
 * from oldest to newest:
 *   pre-release suffix (_alpha _beta _pre _rc) < invalid rest < end < -r revision < ~hash
 *   < suffix number < post-release suffix (_cvs _svn _git _hg _p) < letter < .digits
 * Values: the first number and suffix and revision numbers compare as numbers of any
 * length; a later .digits component compares as a number unless either side starts with
 * '0', then as a string (the Gentoo rule); letters and hashes bytewise; suffixes in the
 * order listed above.
 *
 * Invalid versions (apk_version_validate() says no) are ordered by a lenient reading so
 * that compare() stays a total preorder and agrees with the apk-tools 2 and 3 results the
 * shared vectors record:
 *  - a missing number (at the start, or after '.': ".1", "1..2") is an "empty" token that
 *    sorts just above an invalid rest and below the end;
 *  - digits right after a letter continue the version as a .digits component ("2p1");
 *  - "-r" with no number is revision 0 unless a letter follows ("1-r" == "1-r0");
 *  - anything else that does not fit the grammar ends the version with an "invalid rest"
 *    token; two invalid rests at the same position are equal whatever they hold.
 * Strings longer than VER_MAX_LEN sort below every other string and equal each other.
 */
#include "common/common.h"
#include "vuln/version/version.h"

/* Token kinds in the order they sort when two versions differ in kind at one position. */
enum apk_rank {
	APK_PRE_SUFFIX,
	APK_INVALID,
	APK_EMPTY,
	APK_END,
	APK_REVISION,
	APK_HASH,
	APK_SUFFIX_NO,
	APK_POST_SUFFIX,
	APK_LETTER,
	APK_DIGIT,
	APK_INITIAL_DIGIT,
};

/* What the previous token allows next (apk-tools' token order). */
enum apk_state {
	APK_ST_DIGIT,
	APK_ST_LETTER,
	APK_ST_SUFFIX,
	APK_ST_SUFFIX_NO,
	APK_ST_HASH,
	APK_ST_REVISION,
	APK_ST_DONE,
};

struct apk_token {
	enum apk_rank rank;
	const char *p; /* digits, letter or hash: [p, p + n) */
	size_t n;
	int suffix; /* index into apk_suffixes for the suffix kinds */
};

struct apk_iter {
	const char *p, *end;
	enum apk_state state;
	bool started;
	bool lenient; /* a rule outside apk_version_validate() was used */
};

/* In sort order; the first four are pre-release suffixes. */
static const char *const apk_suffixes[] = {
	"alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p",
};
#define APK_N_PRE_SUFFIXES 4

static bool apk_is_lower(int c)
{
	return c >= 'a' && c <= 'z';
}

static bool apk_is_hex(int c)
{
	return ascii_isdigit(c) || (c >= 'a' && c <= 'f');
}

static void apk_iter_init(struct apk_iter *it, const char *s, size_t len)
{
	*it = (struct apk_iter){ .p = s, .end = s + len, .state = APK_ST_DIGIT };
}

/* Take a run of digits as token t of kind rank; an empty run makes an empty token. */
static void apk_take_digits(struct apk_iter *it, struct apk_token *t, enum apk_rank rank)
{
	t->p = it->p;
	while (it->p < it->end && ascii_isdigit((unsigned char)*it->p))
		it->p++;
	t->n = (size_t)(it->p - t->p);
	if (t->n == 0) {
		t->rank = APK_EMPTY;
		it->lenient = true;
	} else
		t->rank = rank;
	it->state = APK_ST_DIGIT;
}

static void apk_invalid(struct apk_iter *it, struct apk_token *t)
{
	t->rank = APK_INVALID;
	it->state = APK_ST_DONE;
	it->lenient = true;
}

static void apk_take_suffix(struct apk_iter *it, struct apk_token *t)
{
	const char *w = ++it->p;
	while (it->p < it->end && apk_is_lower((unsigned char)*it->p))
		it->p++;
	size_t n = (size_t)(it->p - w);
	for (size_t i = 0; i < ARRAY_SIZE(apk_suffixes); i++)
		if (n == strlen(apk_suffixes[i]) && memcmp(w, apk_suffixes[i], n) == 0) {
			t->rank = i < APK_N_PRE_SUFFIXES ? APK_PRE_SUFFIX : APK_POST_SUFFIX;
			t->suffix = (int)i;
			it->state = APK_ST_SUFFIX;
			return;
		}
	apk_invalid(it, t);
}

static void apk_take_revision(struct apk_iter *it, struct apk_token *t)
{
	const char *q = it->p + 2;
	const char *d = q;
	while (q < it->end && ascii_isdigit((unsigned char)*q))
		q++;
	if (q == d) {
		if (q < it->end && ascii_isalpha((unsigned char)*q)) {
			apk_invalid(it, t);
			return;
		}
		it->lenient = true;
	}
	t->rank = APK_REVISION;
	t->p = d;
	t->n = (size_t)(q - d);
	it->p = q;
	it->state = APK_ST_REVISION;
}

/* The next token; call only while the previous one was neither the end nor invalid. */
static void apk_next(struct apk_iter *it, struct apk_token *t)
{
	if (!it->started) {
		it->started = true;
		apk_take_digits(it, t, APK_INITIAL_DIGIT);
		return;
	}
	if (it->p >= it->end) {
		t->rank = APK_END;
		it->state = APK_ST_DONE;
		return;
	}
	int c = (unsigned char)*it->p;
	enum apk_state st = it->state;
	if (apk_is_lower(c) && st == APK_ST_DIGIT) {
		t->rank = APK_LETTER;
		t->p = it->p++;
		t->n = 1;
		it->state = APK_ST_LETTER;
	} else if (c == '.' && st == APK_ST_DIGIT) {
		it->p++;
		apk_take_digits(it, t, APK_DIGIT);
	} else if (ascii_isdigit(c) && st == APK_ST_LETTER) {
		/* apk-tools 2 reads "2p1" as 2, p, 1; apk-tools 3 calls it invalid. */
		it->lenient = true;
		apk_take_digits(it, t, APK_DIGIT);
	} else if (ascii_isdigit(c) && st == APK_ST_SUFFIX) {
		apk_take_digits(it, t, APK_SUFFIX_NO);
		it->state = APK_ST_SUFFIX_NO;
	} else if (c == '_' && st <= APK_ST_SUFFIX_NO) {
		apk_take_suffix(it, t);
	} else if (c == '~' && st < APK_ST_HASH) {
		t->p = ++it->p;
		while (it->p < it->end && apk_is_hex((unsigned char)*it->p))
			it->p++;
		t->n = (size_t)(it->p - t->p);
		if (t->n == 0)
			apk_invalid(it, t);
		else {
			t->rank = APK_HASH;
			it->state = APK_ST_HASH;
		}
	} else if (c == '-' && st < APK_ST_REVISION && it->end - it->p >= 2 && it->p[1] == 'r') {
		apk_take_revision(it, t);
	} else
		apk_invalid(it, t);
}

static int apk_bytes_cmp(const char *a, size_t la, const char *b, size_t lb)
{
	int r = memcmp(a, b, MIN(la, lb));
	if (r)
		return r < 0 ? -1 : 1;
	return la == lb ? 0 : (la < lb ? -1 : 1);
}

static int apk_num_cmp(const char *a, size_t la, const char *b, size_t lb)
{
	while (la && *a == '0')
		a++, la--;
	while (lb && *b == '0')
		b++, lb--;
	if (la != lb)
		return la < lb ? -1 : 1;
	return apk_bytes_cmp(a, la, b, lb);
}

/* Compare two tokens of the same rank. */
static int apk_token_cmp(const struct apk_token *a, const struct apk_token *b)
{
	switch (a->rank) {
	case APK_DIGIT:
		if (a->p[0] == '0' || b->p[0] == '0')
			return apk_bytes_cmp(a->p, a->n, b->p, b->n);
		return apk_num_cmp(a->p, a->n, b->p, b->n);
	case APK_INITIAL_DIGIT:
	case APK_SUFFIX_NO:
	case APK_REVISION:
		return apk_num_cmp(a->p, a->n, b->p, b->n);
	case APK_LETTER:
	case APK_HASH:
		return apk_bytes_cmp(a->p, a->n, b->p, b->n);
	case APK_PRE_SUFFIX:
	case APK_POST_SUFFIX:
		return a->suffix == b->suffix ? 0 : (a->suffix < b->suffix ? -1 : 1);
	case APK_INVALID:
	case APK_EMPTY:
	case APK_END:
		break;
	}
	return 0;
}

/*
 * The comparison; with fuzzy set, a version whose tokens all equal b's up to b's end
 * compares equal to b (apk's "~" match). -2 when either string is too long.
 */
static int apk_compare_fuzzy(const char *a, const char *b, bool fuzzy)
{
	size_t la = strnlen(a, VER_MAX_LEN + 1), lb = strnlen(b, VER_MAX_LEN + 1);
	bool long_a = la > VER_MAX_LEN, long_b = lb > VER_MAX_LEN;
	if (long_a || long_b) {
		if (fuzzy)
			return -2;
		return long_a == long_b ? 0 : (long_a ? -1 : 1);
	}

	struct apk_iter ia, ib;
	apk_iter_init(&ia, a, la);
	apk_iter_init(&ib, b, lb);
	for (;;) {
		struct apk_token ta, tb;
		apk_next(&ia, &ta);
		apk_next(&ib, &tb);
		if (ta.rank != tb.rank) {
			if (fuzzy && tb.rank == APK_END)
				return 0;
			return ta.rank < tb.rank ? -1 : 1;
		}
		int r = apk_token_cmp(&ta, &tb);
		if (r)
			return r;
		if (ta.rank == APK_END || ta.rank == APK_INVALID)
			return 0;
	}
}

static int apk_compare(const char *a, const char *b)
{
	return apk_compare_fuzzy(a, b, false);
}

bool ver_apk_fuzzy_match(const char *a, const char *b)
{
	return apk_compare_fuzzy(a, b, true) == 0;
}

/* apk_version_validate(): the whole string reads as tokens with no lenient rule. */
static bool apk_valid(const char *v)
{
	size_t len = strnlen(v, VER_MAX_LEN + 1);
	if (len > VER_MAX_LEN)
		return false;
	struct apk_iter it;
	struct apk_token t;
	apk_iter_init(&it, v, len);
	do
		apk_next(&it, &t);
	while (t.rank != APK_END && t.rank != APK_INVALID);
	return t.rank == APK_END && !it.lenient;
}

const struct ver_scheme_ops ver_apk = {
	.name = "apk",
	.compare = apk_compare,
	.valid = apk_valid,
};
