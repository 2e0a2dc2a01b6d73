/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pep440.c — PyPI version ordering: PEP 440 exactly as pypa/packaging's Version parses,
 * normalises and orders it, plus the setuptools-era ordering that OSV tools (osv-scalibr)
 * apply to "legacy" strings packaging rejects. Both strings are parsed in place on every
 * call; nothing is allocated and nothing is copied except the short legacy sort keys.
 *
 * Valid versions (what packaging.version.Version accepts — its regular expression with
 * re.VERBOSE | re.IGNORECASE, surrounded by \s*, matched in full):
 *   [v] [N!] N(.N)* [{a|b|rc}N] [.postN] [.devN] [+local]
 * with every alternate spelling (alpha, beta, c, pre, preview; post, rev, r and the
 * implicit "-N" post release; any mix of '.', '-' and '_' separators, each optional; a
 * missing number meaning 0; any letter case) and arbitrarily large numbers. Because
 * Python's IGNORECASE also lets 'İ' and 'ı' match 'i', 'ſ' match 's' and 'K' (Kelvin)
 * match 'k', and packaging then keeps the lower-cased spelling it cannot normalise,
 * "1.0prevıew1" is valid and sorts by its literal letters between b and rc, and
 * "1.0poſt1" sorts after every ".post" of the same release: both are reproduced here.
 * Leading and trailing white space is Python's \s (Unicode, UTF-8 encoded here).
 *
 * Order of valid versions (packaging's _cmpkey): epoch; release with trailing zeros
 * ignored; pre-release (a < b < rc, and a dev release with neither pre nor post before
 * every pre-release, no pre-release last); post release (none first); dev release (none
 * last); local version (none first, then segment by segment: numbers numerically and
 * above strings, strings case-insensitively, a longer list above its prefix).
 *
 * Invalid ("legacy") strings sort before every valid version. Among themselves they
 * follow osv-scalibr's port of packaging's old LegacyVersion key: the lower-cased string
 * is cut into runs of digits, runs of letters, '.' and '-' (anything else is dropped);
 * pre/preview/rc become "c", dev becomes "@", "-" becomes "final-"; numbers are
 * zero-padded to 8 digits and words get a '*' prefix; "*final" is appended; before each
 * word, trailing "00000000" parts are dropped (and trailing "*final-" parts too when the
 * word sorts below "*final"); the parts are joined and compared bytewise. Strings longer
 * than VER_MAX_LEN are legacy and keyed on their first VER_MAX_LEN bytes.
 */
#include "common/common.h"
#include "vuln/version/version.h"

/* A non-negative decimal integer of any size: digits with the leading zeros skipped. */
struct pnum {
	const char *p;
	size_t n; /* 0 for the value 0 */
};

enum {
	PRE_A,
	PRE_B,
	PRE_PREVIEW_DOTTED,  /* "previ\u0307ew": lower() of a spelling with U+0130 */
	PRE_PREVIEW_DOTLESS, /* "prev\u0131ew" */
	PRE_RC,
};

enum {
	POST_POST,
	POST_LONG_S, /* "po\u017ft" */
};

struct pver {
	struct pnum epoch;
	const char *rel, *rel_end; /* "1.02.3" as written */
	int pre;		   /* -1 or PRE_* */
	struct pnum pre_n;
	int post; /* -1 or POST_* */
	struct pnum post_n;
	bool has_dev;
	struct pnum dev_n;
	const char *local, *local_end; /* local == NULL: no local segment */
};

static inline int sign(int r)
{
	return (r > 0) - (r < 0);
}

static struct pnum pnum_make(const char *p, const char *e)
{
	while (p < e && *p == '0')
		p++;
	return (struct pnum){p, (size_t)(e - p)};
}

static int pnum_cmp(struct pnum a, struct pnum b)
{
	if (a.n != b.n)
		return a.n < b.n ? -1 : 1;
	return a.n ? sign(memcmp(a.p, b.p, a.n)) : 0;
}

static const char *skip_digits(const char *p, const char *e)
{
	while (p < e && ascii_isdigit(*p))
		p++;
	return p;
}

static bool is_sep(const char *p, const char *e)
{
	return p < e && (*p == '.' || *p == '-' || *p == '_');
}

static bool bytes_at(const char *p, const char *e, const char *lit, size_t n)
{
	return (size_t)(e - p) >= n && memcmp(p, lit, n) == 0;
}

/* Length of one Python \s character (str.isspace()) at p, UTF-8 encoded; 0 if none. */
static size_t py_space_len(const char *p, const char *e)
{
	if (p >= e)
		return 0;
	unsigned char c = (unsigned char)*p;
	if ((c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20))
		return 1;
	if (c == 0xc2)
		return bytes_at(p, e, "\xc2\x85", 2) || bytes_at(p, e, "\xc2\xa0", 2) ? 2 : 0;
	if (c == 0xe1)
		return bytes_at(p, e, "\xe1\x9a\x80", 3) ? 3 : 0; /* U+1680 */
	if (c == 0xe3)
		return bytes_at(p, e, "\xe3\x80\x80", 3) ? 3 : 0; /* U+3000 */
	if (c == 0xe2 && e - p >= 3) {
		unsigned char c1 = (unsigned char)p[1], c2 = (unsigned char)p[2];
		if (c1 == 0x80 &&
		    ((c2 >= 0x80 && c2 <= 0x8a) || c2 == 0xa8 || c2 == 0xa9 || c2 == 0xaf))
			return 3; /* U+2000..U+200A, U+2028, U+2029, U+202F */
		if (c1 == 0x81 && c2 == 0x9f)
			return 3; /* U+205F */
	}
	return 0;
}

static const char *skip_space(const char *p, const char *e)
{
	size_t k;
	while ((k = py_space_len(p, e)))
		p += k;
	return p;
}

/* The non-ASCII letters Python's IGNORECASE matches against ASCII letters. */
enum {
	ALT_NONE,
	ALT_DOTTED_I,  /* U+0130, matches 'i'; lower() is "i\u0307" */
	ALT_DOTLESS_I, /* U+0131, matches 'i' */
	ALT_LONG_S,    /* U+017F, matches 's' */
	ALT_KELVIN,    /* U+212A, matches 'k'; lower() is 'k' */
};

static int alt_letter(const char *p, const char *e, size_t *ret_len)
{
	if (bytes_at(p, e, "\xc4\xb0", 2))
		return *ret_len = 2, ALT_DOTTED_I;
	if (bytes_at(p, e, "\xc4\xb1", 2))
		return *ret_len = 2, ALT_DOTLESS_I;
	if (bytes_at(p, e, "\xc5\xbf", 2))
		return *ret_len = 2, ALT_LONG_S;
	if (bytes_at(p, e, "\xe2\x84\xaa", 3))
		return *ret_len = 3, ALT_KELVIN;
	return ALT_NONE;
}

/*
 * Bytes of p matching the lower-case ASCII word w case-insensitively as Python's
 * re.IGNORECASE does; 0 when it does not match. *ret_alt is the non-ASCII equivalent
 * letter used, if any.
 */
static size_t match_word(const char *p, const char *e, const char *w, int *ret_alt)
{
	const char *start = p;
	*ret_alt = ALT_NONE;
	for (; *w; w++) {
		if (p < e && ascii_tolower((unsigned char)*p) == *w) {
			p++;
			continue;
		}
		if (*w != 'i' && *w != 's' && *w != 'k')
			return 0;
		size_t k;
		int alt = alt_letter(p, e, &k);
		if ((*w == 'i' && (alt == ALT_DOTTED_I || alt == ALT_DOTLESS_I)) ||
		    (*w == 's' && alt == ALT_LONG_S) || (*w == 'k' && alt == ALT_KELVIN)) {
			*ret_alt = alt;
			p += k;
			continue;
		}
		return 0;
	}
	return (size_t)(p - start);
}

/* The pre-release word at p (alternatives tried in the regular expression's order). */
static int match_pre(const char *p, const char *e, size_t *ret_len)
{
	static const struct {
		const char *word;
		int kind;
	} words[] = {
	    {"alpha", PRE_A},	 {"a", PRE_A},	  {"beta", PRE_B}, {"b", PRE_B},
	    {"preview", PRE_RC}, {"pre", PRE_RC}, {"c", PRE_RC},   {"rc", PRE_RC},
	};
	if (p >= e || !ascii_isalpha(*p))
		return -1; /* every word starts with an ASCII letter: quick exit */
	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		int alt;
		size_t k = match_word(p, e, words[i].word, &alt);
		if (!k)
			continue;
		*ret_len = k;
		if (alt == ALT_DOTTED_I)
			return PRE_PREVIEW_DOTTED;
		if (alt == ALT_DOTLESS_I)
			return PRE_PREVIEW_DOTLESS;
		return words[i].kind;
	}
	return -1;
}

static int match_post(const char *p, const char *e, size_t *ret_len)
{
	static const char *const words[] = {"post", "rev", "r"};
	if (p >= e || !ascii_isalpha(*p))
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
		int alt;
		size_t k = match_word(p, e, words[i], &alt);
		if (k) {
			*ret_len = k;
			return alt == ALT_LONG_S ? POST_LONG_S : POST_POST;
		}
	}
	return -1;
}

/* One [a-z0-9] character under IGNORECASE (ASCII alphanumerics and the four others). */
static size_t local_char_len(const char *p, const char *e)
{
	if (p < e && ascii_isalnum(*p))
		return 1;
	size_t k;
	return alt_letter(p, e, &k) != ALT_NONE ? k : 0;
}

static const char *skip_local_run(const char *p, const char *e)
{
	size_t k;
	while ((k = local_char_len(p, e)))
		p += k;
	return p;
}

/* Parse s[0..len) as packaging would; false when packaging rejects it. */
static bool pep_parse(const char *s, size_t len, struct pver *v)
{
	const char *p = s, *e = s + len, *d, *q;
	size_t k;
	int kind;

	p = skip_space(p, e);
	if (p < e && (*p == 'v' || *p == 'V'))
		p++;
	d = p;
	p = skip_digits(p, e);
	if (p == d)
		return false;
	v->epoch = (struct pnum){p, 0};
	if (p < e && *p == '!') {
		v->epoch = pnum_make(d, p);
		d = ++p;
		p = skip_digits(p, e);
		if (p == d)
			return false;
	}
	v->rel = d;
	while (e - p >= 2 && *p == '.' && ascii_isdigit(p[1]))
		p = skip_digits(p + 1, e);
	v->rel_end = p;

	/* pre-release: [._-]? word [._-]? digits? — absent unless the word matches */
	v->pre = -1;
	q = p + is_sep(p, e);
	kind = match_pre(q, e, &k);
	if (kind >= 0) {
		q += k;
		q += is_sep(q, e);
		d = q;
		q = skip_digits(q, e);
		v->pre = kind;
		v->pre_n = pnum_make(d, q);
		p = q;
	}

	/* post release: "-N", or [._-]? word [._-]? digits? */
	v->post = -1;
	if (e - p >= 2 && *p == '-' && ascii_isdigit(p[1])) {
		d = p + 1;
		p = skip_digits(d, e);
		v->post = POST_POST;
		v->post_n = pnum_make(d, p);
	} else {
		q = p + is_sep(p, e);
		kind = match_post(q, e, &k);
		if (kind >= 0) {
			q += k;
			q += is_sep(q, e);
			d = q;
			q = skip_digits(q, e);
			v->post = kind;
			v->post_n = pnum_make(d, q);
			p = q;
		}
	}

	/* dev release */
	v->has_dev = false;
	q = p + is_sep(p, e);
	int alt;
	k = match_word(q, e, "dev", &alt);
	if (k) {
		q += k;
		q += is_sep(q, e);
		d = q;
		q = skip_digits(q, e);
		v->has_dev = true;
		v->dev_n = pnum_make(d, q);
		p = q;
	}

	/* local version: + run ([._-] run)* */
	v->local = NULL;
	if (p < e && *p == '+' && local_char_len(p + 1, e)) {
		q = skip_local_run(p + 1, e);
		while (is_sep(q, e) && local_char_len(q + 1, e))
			q = skip_local_run(q + 1, e);
		v->local = p + 1;
		v->local_end = q;
		p = q;
	}

	return skip_space(p, e) == e;
}

/* Next release component of the cursor, or the value 0 once it is exhausted. */
static struct pnum next_release(const char **cur, const char *end)
{
	const char *p = *cur;
	if (p >= end)
		return (struct pnum){end, 0};
	const char *q = skip_digits(p, end);
	*cur = q < end ? q + 1 : q;
	return pnum_make(p, q);
}

static int release_cmp(const struct pver *a, const struct pver *b)
{
	const char *pa = a->rel, *pb = b->rel;
	while (pa < a->rel_end || pb < b->rel_end) {
		int r = pnum_cmp(next_release(&pa, a->rel_end), next_release(&pb, b->rel_end));
		if (r)
			return r;
	}
	return 0;
}

/* Rank of the pre-release key: 0 = -inf (dev release only), 1 = (letter, n), 2 = +inf. */
static int pre_class(const struct pver *v)
{
	if (v->pre >= 0)
		return 1;
	return v->post < 0 && v->has_dev ? 0 : 2;
}

/* Code-point order of the lower-cased local segment, as UTF-8 bytes. */
struct fold {
	const char *p, *e;
	const char *pending;
};

static int fold_next(struct fold *f)
{
	if (f->pending && *f->pending)
		return (unsigned char)*f->pending++;
	if (f->p >= f->e)
		return -1;
	unsigned char c = (unsigned char)*f->p;
	if (c >= 'A' && c <= 'Z') {
		f->p++;
		return c + ('a' - 'A');
	}
	size_t k;
	int alt = alt_letter(f->p, f->e, &k);
	if (alt == ALT_DOTTED_I) {
		f->p += k;
		f->pending = "\xcc\x87"; /* U+0307 COMBINING DOT ABOVE */
		return 'i';
	}
	if (alt == ALT_KELVIN) {
		f->p += k;
		return 'k';
	}
	f->p++;
	return c;
}

static bool all_digits(const char *p, const char *e)
{
	for (; p < e; p++)
		if (!ascii_isdigit(*p))
			return false;
	return true;
}

static int local_part_cmp(const char *a, const char *ae, const char *b, const char *be)
{
	bool an = all_digits(a, ae), bn = all_digits(b, be);
	if (an && bn)
		return pnum_cmp(pnum_make(a, ae), pnum_make(b, be));
	if (an != bn)
		return an ? 1 : -1;
	struct fold fa = {a, ae, NULL}, fb = {b, be, NULL};
	for (;;) {
		int ca = fold_next(&fa), cb = fold_next(&fb);
		if (ca != cb)
			return ca < cb ? -1 : 1;
		if (ca < 0)
			return 0;
	}
}

static const char *local_part_end(const char *p, const char *e)
{
	while (p < e && !is_sep(p, e))
		p++;
	return p;
}

static int local_cmp(const struct pver *a, const struct pver *b)
{
	if (!a->local || !b->local)
		return (a->local != NULL) - (b->local != NULL);
	const char *pa = a->local, *pb = b->local;
	for (;;) {
		if (pa > a->local_end || pb > b->local_end)
			return (pa <= a->local_end) - (pb <= b->local_end);
		const char *ea = local_part_end(pa, a->local_end);
		const char *eb = local_part_end(pb, b->local_end);
		int r = local_part_cmp(pa, ea, pb, eb);
		if (r)
			return r;
		pa = ea + 1;
		pb = eb + 1;
	}
}

static int pep_cmp(const struct pver *a, const struct pver *b)
{
	int r = pnum_cmp(a->epoch, b->epoch);
	if (r)
		return r;
	r = release_cmp(a, b);
	if (r)
		return r;

	int ca = pre_class(a), cb = pre_class(b);
	if (ca != cb)
		return ca < cb ? -1 : 1;
	if (ca == 1) {
		if (a->pre != b->pre)
			return a->pre < b->pre ? -1 : 1;
		r = pnum_cmp(a->pre_n, b->pre_n);
		if (r)
			return r;
	}

	if (a->post != b->post)
		return a->post < b->post ? -1 : 1; /* none (-1) < "post" < "poſt" */
	if (a->post >= 0) {
		r = pnum_cmp(a->post_n, b->post_n);
		if (r)
			return r;
	}

	if (a->has_dev != b->has_dev)
		return a->has_dev ? -1 : 1;
	if (a->has_dev) {
		r = pnum_cmp(a->dev_n, b->dev_n);
		if (r)
			return r;
	}

	return local_cmp(a, b);
}

/*
 * Legacy sort key. Each input byte adds at most 8 key bytes (a one-digit number padded to
 * 8 needs a separator byte before the next one), plus "*final" at the end.
 */
#define LEGACY_KEY_MAX (8 * VER_MAX_LEN + 16)

struct legacy_key {
	char buf[LEGACY_KEY_MAX];
	size_t len;
	uint16_t part[VER_MAX_LEN + 2]; /* start offset of each part in buf */
	size_t nparts;
};

static bool legacy_last_is(const struct legacy_key *k, const char *s, size_t n)
{
	if (!k->nparts)
		return false;
	size_t start = k->part[k->nparts - 1];
	return k->len - start == n && memcmp(k->buf + start, s, n) == 0;
}

static void legacy_pop(struct legacy_key *k)
{
	k->len = k->part[--k->nparts];
}

/* Append one part: a digit run, a lower-case letter run, or "-". */
static void legacy_push(struct legacy_key *k, const char *tok, size_t n)
{
	char word[VER_MAX_LEN + 8];
	size_t wn;

	if (ascii_isdigit(tok[0])) {
		wn = n < 8 ? 8 : n;
		memset(word, '0', wn - n);
		memcpy(word + (wn - n), tok, n);
	} else {
		static const struct {
			const char *from, *to;
		} map[] = {
		    {"pre", "c"}, {"preview", "c"}, {"-", "final-"}, {"rc", "c"}, {"dev", "@"}};
		word[0] = '*';
		wn = 0;
		for (size_t i = 0; i < ARRAY_SIZE(map); i++)
			if (strlen(map[i].from) == n && memcmp(map[i].from, tok, n) == 0) {
				wn = strlen(map[i].to);
				memcpy(word + 1, map[i].to, wn);
				break;
			}
		if (!wn) {
			wn = n;
			memcpy(word + 1, tok, n);
		}
		wn++;
		/* Go's strings.Compare(word, "*final") < 0 */
		size_t m = MIN(wn, (size_t)6);
		int c = memcmp(word, "*final", m);
		if (c < 0 || (c == 0 && wn < 6))
			while (legacy_last_is(k, "*final-", 7))
				legacy_pop(k);
		while (legacy_last_is(k, "00000000", 8))
			legacy_pop(k);
	}
	if (k->nparts >= ARRAY_SIZE(k->part) || wn > sizeof(k->buf) - k->len)
		return; /* cannot happen within VER_MAX_LEN input bytes; stay bounded anyway */
	k->part[k->nparts++] = (uint16_t)k->len;
	memcpy(k->buf + k->len, word, wn);
	k->len += wn;
}

/* Lower-cased ASCII letter at p as Go's strings.ToLower would produce it, or 0. */
static char legacy_letter(const char *p, const char *e, size_t *ret_len)
{
	if (ascii_isalpha(*p)) {
		*ret_len = 1;
		return (char)ascii_tolower((unsigned char)*p);
	}
	int alt = alt_letter(p, e, ret_len);
	if (alt == ALT_DOTTED_I)
		return 'i';
	if (alt == ALT_KELVIN)
		return 'k';
	return 0;
}

static void legacy_key_build(const char *s, size_t len, struct legacy_key *k)
{
	const char *p = s, *e = s + MIN(len, (size_t)VER_MAX_LEN);
	char tok[VER_MAX_LEN];
	size_t k_len;

	k->len = 0;
	k->nparts = 0;
	while (p < e) {
		if (ascii_isdigit(*p)) {
			const char *d = p;
			p = skip_digits(p, e);
			legacy_push(k, d, (size_t)(p - d));
		} else if (*p == '-') {
			legacy_push(k, "-", 1);
			p++;
		} else if (legacy_letter(p, e, &k_len)) {
			size_t n = 0;
			char c;
			while (p < e && (c = legacy_letter(p, e, &k_len))) {
				tok[n++] = c;
				p += k_len;
			}
			legacy_push(k, tok, n);
		} else {
			p++; /* '.' and everything the tokenizer does not match */
		}
	}
	legacy_push(k, "final", 5);
}

static int legacy_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	struct legacy_key ka, kb;
	legacy_key_build(a, alen, &ka);
	legacy_key_build(b, blen, &kb);
	int r = memcmp(ka.buf, kb.buf, MIN(ka.len, kb.len));
	if (r)
		return sign(r);
	return (ka.len > kb.len) - (ka.len < kb.len);
}

static bool parse_bounded(const char *s, size_t len, struct pver *v)
{
	return len <= VER_MAX_LEN && pep_parse(s, len, v);
}

static int pep440_compare(const char *a, const char *b)
{
	struct pver va, vb;
	size_t alen = strnlen(a, VER_MAX_LEN + 1), blen = strnlen(b, VER_MAX_LEN + 1);
	bool oka = parse_bounded(a, alen, &va), okb = parse_bounded(b, blen, &vb);
	if (oka && okb)
		return pep_cmp(&va, &vb);
	if (oka != okb)
		return oka ? 1 : -1;
	return legacy_cmp(a, alen, b, blen);
}

static bool pep440_valid(const char *v)
{
	struct pver pv;
	return parse_bounded(v, strnlen(v, VER_MAX_LEN + 1), &pv);
}

const struct ver_scheme_ops ver_pep440 = {
    .name = "pep440",
    .compare = pep440_compare,
    .valid = pep440_valid,
};
