/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sbom-common.c — see sbom-common.h. Every loop here is bounded by the package list and
 * its strings; the licence expression parser limits nesting and length. All output
 * (references, dependency order, LicenseRef names) is a function of the package list
 * alone, so renderers are deterministic.
 */
#include <sys/random.h>

#include "common/hash.h"
#include "common/timeutil.h"
#include "report/sbom-common.h"
#include "report/spdx-ids.h"

#define LICENSE_MAX_LEN	   4096 /* longer "licences" are kept as names */
#define LICENSE_MAX_DEPTH  32	/* parenthesis nesting */
#define DEP_CANDIDATES_MAX 256	/* same-named packages considered for one dependency */

/* ---- SPDX identifiers ---------------------------------------------------------------- */

static int ascii_casecmp_span(struct span a, const char *b)
{
	size_t i = 0;
	for (; i < a.len && b[i]; i++) {
		int x = ascii_tolower((unsigned char)a.ptr[i]),
		    y = ascii_tolower((unsigned char)b[i]);
		if (x != y)
			return x < y ? -1 : 1;
	}
	if (i < a.len)
		return 1;
	return b[i] ? -1 : 0;
}

const char *sbom_spdx_id_lookup(struct span id)
{
	size_t lo = 0, hi = ARRAY_SIZE(sbom_spdx_ids);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = ascii_casecmp_span(id, sbom_spdx_ids[mid]);
		if (c == 0)
			return sbom_spdx_ids[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const char *sbom_spdx_list_version(void)
{
	return SBOM_SPDX_LICENSE_LIST_VERSION;
}

/* ---- licence expressions ---------------------------------------------------------------
 * Grammar (SPDX 2.3 Annex D), WITH binding tighter than AND, AND tighter than OR:
 *   or   := and ( OR and )*
 *   and  := with ( AND with )*
 *   with := atom [ WITH exception-id ]
 *   atom := "(" or ")" | license-id ["+"] | LicenseRef-x | DocumentRef-x:LicenseRef-y
 * Operators are accepted in upper or lower case and written in upper case; listed ids are
 * written in the list's spelling. */

enum tok {
	TOK_END,
	TOK_LPAREN,
	TOK_RPAREN,
	TOK_AND,
	TOK_OR,
	TOK_WITH,
	TOK_ID,
	TOK_BAD,
};

struct lex {
	struct span in;
	size_t pos;
	enum tok tok;
	struct span text; /* TOK_ID */
	struct buf *out;
	unsigned depth;
	unsigned n_atoms, n_ops;
};

static bool is_idchar(char c)
{
	return ascii_isalnum((unsigned char)c) || c == '.' || c == '-' || c == '+' || c == ':';
}

static void lex_next(struct lex *l)
{
	while (l->pos < l->in.len && l->in.ptr[l->pos] == ' ')
		l->pos++;
	if (l->pos >= l->in.len) {
		l->tok = TOK_END;
		return;
	}
	char c = l->in.ptr[l->pos];
	if (c == '(' || c == ')') {
		l->tok = c == '(' ? TOK_LPAREN : TOK_RPAREN;
		l->pos++;
		return;
	}
	size_t start = l->pos;
	while (l->pos < l->in.len && is_idchar(l->in.ptr[l->pos]))
		l->pos++;
	if (l->pos == start) {
		l->tok = TOK_BAD;
		return;
	}
	l->text = span_make(l->in.ptr + start, l->pos - start);
	if (span_eq_str(l->text, "AND") || span_eq_str(l->text, "and"))
		l->tok = TOK_AND;
	else if (span_eq_str(l->text, "OR") || span_eq_str(l->text, "or"))
		l->tok = TOK_OR;
	else if (span_eq_str(l->text, "WITH") || span_eq_str(l->text, "with"))
		l->tok = TOK_WITH;
	else
		l->tok = TOK_ID;
}

static bool idstring_ok(struct span s)
{
	if (s.len == 0)
		return false;
	for (size_t i = 0; i < s.len; i++)
		if (!ascii_isalnum((unsigned char)s.ptr[i]) && s.ptr[i] != '.' && s.ptr[i] != '-')
			return false;
	return true;
}

/* Write a licence reference of the atom rule; false if it is not one. */
static bool lex_license_ref(struct lex *l, struct span t, int *r)
{
	struct span doc, lic;
	if (span_startswith(t, "DocumentRef-") && span_cut(t, ':', &doc, &lic)) {
		if (!idstring_ok(span_slice(doc, 12, doc.len - 12)) ||
		    !span_startswith(lic, "LicenseRef-") ||
		    !idstring_ok(span_slice(lic, 11, lic.len - 11)))
			return false;
		*r = buf_append_span(l->out, t);
		return true;
	}
	if (span_startswith(t, "LicenseRef-")) {
		if (!idstring_ok(span_slice(t, 11, t.len - 11)))
			return false;
		*r = buf_append_span(l->out, t);
		return true;
	}
	bool plus = t.len > 1 && t.ptr[t.len - 1] == '+';
	const char *id = sbom_spdx_id_lookup(plus ? span_make(t.ptr, t.len - 1) : t);
	if (!id)
		return false;
	*r = buf_puts(l->out, id);
	if (*r >= 0 && plus)
		*r = buf_putc(l->out, '+');
	return true;
}

static int parse_or(struct lex *l);

static int parse_atom(struct lex *l)
{
	int r = 0;
	if (l->tok == TOK_LPAREN) {
		if (++l->depth > LICENSE_MAX_DEPTH)
			return -EBADMSG;
		r = buf_putc(l->out, '(');
		if (r < 0)
			return r;
		lex_next(l);
		r = parse_or(l);
		if (r < 0)
			return r;
		if (l->tok != TOK_RPAREN)
			return -EBADMSG;
		l->depth--;
		lex_next(l);
		return buf_putc(l->out, ')');
	}
	if (l->tok != TOK_ID || !lex_license_ref(l, l->text, &r))
		return -EBADMSG;
	if (r < 0)
		return r;
	l->n_atoms++;
	lex_next(l);
	return 0;
}

static int parse_with(struct lex *l)
{
	int r = parse_atom(l);
	if (r < 0 || l->tok != TOK_WITH)
		return r;
	lex_next(l);
	if (l->tok != TOK_ID)
		return -EBADMSG;
	const char *exc = sbom_spdx_id_lookup(l->text);
	if (!exc)
		return -EBADMSG;
	l->n_ops++;
	r = buf_printf(l->out, " WITH %s", exc);
	lex_next(l);
	return r;
}

static int parse_and(struct lex *l)
{
	int r = parse_with(l);
	while (r >= 0 && l->tok == TOK_AND) {
		l->n_ops++;
		lex_next(l);
		r = buf_puts(l->out, " AND ");
		if (r >= 0)
			r = parse_with(l);
	}
	return r;
}

static int parse_or(struct lex *l)
{
	int r = parse_and(l);
	while (r >= 0 && l->tok == TOK_OR) {
		l->n_ops++;
		lex_next(l);
		r = buf_puts(l->out, " OR ");
		if (r >= 0)
			r = parse_and(l);
	}
	return r;
}

int sbom_license_classify(const char *s, char **ret_norm)
{
	*ret_norm = NULL;
	struct span in = span_trim(span_from(s ? s : ""));
	if (in.len == 0 || in.len > LICENSE_MAX_LEN)
		return SBOM_LIC_NAME;

	const char *id = sbom_spdx_id_lookup(in);
	if (id) {
		*ret_norm = strdup(id);
		return *ret_norm ? SBOM_LIC_ID : -ENOMEM;
	}

	_cleanup_buf_ struct buf out;
	buf_init(&out, 0);
	struct lex l = {.in = in, .out = &out};
	lex_next(&l);
	int r = parse_or(&l);
	if (r == -ENOMEM || r == -E2BIG)
		return -ENOMEM;
	if (r < 0 || l.tok != TOK_END || l.n_atoms == 0)
		return SBOM_LIC_NAME;
	*ret_norm = buf_take(&out);
	return *ret_norm ? SBOM_LIC_EXPR : -ENOMEM;
}

/* ---- small helpers ------------------------------------------------------------------- */

static bool str_empty(const char *s)
{
	return !s || !*s;
}

/* "1.0" names no repository; "debian:12", "ghcr.io/a/b" and "alpine" with a path do */
static bool is_full_ref(const char *ref)
{
	return !str_empty(ref) && (strchr(ref, '/') || strchr(ref, ':'));
}

const char *sbom_image_ref(const struct img *img)
{
	/* an OCI layout's ref.name is usually a bare tag ("1.0"): that is not a reference */
	for (size_t i = 0; i < img->repo_tags.n; i++)
		if (is_full_ref(img->repo_tags.v[i]))
			return img->repo_tags.v[i];
	return is_full_ref(img->target.reference) ? img->target.reference : NULL;
}

const char *sbom_image_name(const struct img *img)
{
	const char *ref = sbom_image_ref(img);
	if (ref)
		return ref;
	if (!str_empty(img->target.original))
		return img->target.original;
	if (!str_empty(img->target.path))
		return img->target.path;
	return "image";
}

const char *sbom_image_digest(const struct img *img)
{
	if (!str_empty(img->manifest_digest))
		return img->manifest_digest;
	if (!str_empty(img->config_digest))
		return img->config_digest;
	return NULL;
}

const char *sbom_pkg_layer_digest(const struct img *img, const struct pkg *p)
{
	if (p->layer < 0 || (size_t)p->layer >= img->n_layers || !img->layers)
		return NULL;
	const struct img_layer *l = &img->layers[p->layer];
	if (!str_empty(l->digest))
		return l->digest;
	return str_empty(l->diff_id) ? NULL : l->diff_id;
}

int sbom_put_idstring(struct buf *b, const char *s)
{
	int r = 0;
	for (; s && *s && r >= 0; s++)
		r = buf_putc(b, (ascii_isalnum((unsigned char)*s) || *s == '.' || *s == '-') ? *s
											     : '-');
	return r;
}

static bool utf8_valid_seq(const unsigned char *s, size_t len, size_t *ret_n)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t cp;
	if (c < 0x80) {
		*ret_n = 1;
		return c != 0;
	}
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return false;
	if (n > len)
		return false;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return false;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return false;
	*ret_n = n;
	return true;
}

/* Length of the valid UTF-8 sequence at s[0..len), 0 if invalid or a C1 control. */
static size_t utf8_seq(const unsigned char *s, size_t len)
{
	size_t n;
	if (!utf8_valid_seq(s, len, &n))
		return 0;
	if (n == 2 && s[0] == 0xc2 && s[1] <= 0x9f) /* U+0080..U+009F */
		return 0;
	return n;
}

char *sbom_sanitize(const char *s, size_t *ret_width)
{
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	size_t width = 0, len = s ? strlen(s) : 0;
	const unsigned char *u = (const unsigned char *)(s ? s : "");
	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq(u + i, len - i);
		int r;
		if (n == 0 || u[i] < 0x20 || u[i] == 0x7f) {
			r = buf_putc(&b, '?');
			i++;
		} else {
			r = buf_append(&b, u + i, n);
			i += n;
		}
		if (r < 0)
			return NULL;
		width++;
	}
	if (ret_width)
		*ret_width = width;
	return buf_take(&b);
}

/* ---- making strings unique -----------------------------------------------------------
 * Given n strings (owned, in list order), rename later duplicates to "<s>-<k>" with the
 * smallest k >= 2 that no original string uses. Deterministic: the first in list order
 * keeps its name. */

struct uniq_item {
	const char *s;
	size_t idx;
};

static int uniq_cmp(const void *a, const void *b)
{
	const struct uniq_item *x = a, *y = b;
	int c = strcmp(x->s, y->s);
	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static bool uniq_has(const struct uniq_item *sorted, size_t n, const char *s)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s, sorted[mid].s);
		if (c == 0)
			return true;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return false;
}

static int uniquify(char **v, size_t n)
{
	if (n < 2)
		return 0;
	size_t bytes;
	if (!size_mul(n, sizeof(struct uniq_item), &bytes))
		return -ENOMEM;
	_cleanup_free_ struct uniq_item *items = malloc(bytes);
	_cleanup_free_ char **renamed = calloc(n, sizeof(char *));
	if (!items || !renamed)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		items[i] = (struct uniq_item){v[i], i};
	qsort(items, n, sizeof(*items), uniq_cmp);

	int r = 0;
	for (size_t i = 0; i < n && r >= 0;) {
		size_t j = i + 1;
		while (j < n && streq(items[j].s, items[i].s))
			j++;
		unsigned k = 2;
		for (size_t m = i + 1; m < j && r >= 0; m++) {
			_cleanup_buf_ struct buf b;
			buf_init(&b, 0);
			for (;; k++) {
				buf_clear(&b);
				r = buf_printf(&b, "%s-%u", items[m].s, k);
				if (r < 0 || !uniq_has(items, n, buf_str(&b)))
					break;
			}
			k++;
			if (r >= 0) {
				renamed[items[m].idx] = buf_take(&b);
				if (!renamed[items[m].idx])
					r = -ENOMEM;
			}
		}
		i = j;
	}
	for (size_t i = 0; i < n; i++) {
		if (!renamed[i])
			continue;
		if (r >= 0) {
			free(v[i]);
			v[i] = renamed[i];
		} else
			free(renamed[i]);
	}
	return r;
}

/* ---- dependency resolution ----------------------------------------------------------- */

/* How a dependency name and a package are compared within one ecosystem. */
static int dep_key(enum pkg_type t, const char *ns, const char *name, struct buf *b)
{
	int r = 0;
	buf_clear(b);
	switch (t) {
	case PKG_PYPI:
		/* PEP 503: case-insensitive, runs of - _ . equal one '-' */
		for (const char *s = name; *s && r >= 0; s++) {
			if (*s == '-' || *s == '_' || *s == '.') {
				while (s[1] == '-' || s[1] == '_' || s[1] == '.')
					s++;
				r = buf_putc(b, '-');
			} else
				r = buf_putc(b, (char)ascii_tolower((unsigned char)*s));
		}
		return r;
	case PKG_NPM:
		if (!str_empty(ns))
			r = buf_printf(b, "%s%s/", ns[0] == '@' ? "" : "@", ns);
		return r < 0 ? r : buf_puts(b, name);
	case PKG_GOLANG:
	case PKG_MAVEN:
		if (!str_empty(ns))
			r = buf_printf(b, "%s%c", ns, t == PKG_MAVEN ? ':' : '/');
		return r < 0 ? r : buf_puts(b, name);
	case PKG_DEB:
	case PKG_APK:
	case PKG_RPM:
		/* a package's own key never has an architecture qualifier */
		return buf_puts(b, name);
	default:
		return buf_puts(b, name);
	}
}

/* Normalise a name from pkg->depends into the dep_key() form of its ecosystem. */
static int dep_key_of_depend(enum pkg_type t, const char *d, struct buf *b)
{
	struct span s = span_trim(span_from(d)), before, after;
	switch (t) {
	case PKG_DEB:
		/* "libc6:any", "python3:amd64" */
		if (span_cut(s, ':', &before, &after))
			s = before;
		break;
	case PKG_NPM:
		if (s.len > 0 && s.ptr[0] != '@' && span_index(s, '/') > 0) {
			int r;
			buf_clear(b);
			r = buf_putc(b, '@');
			return r < 0 ? r : buf_append_span(b, s);
		}
		break;
	case PKG_PYPI: {
		_cleanup_free_ char *tmp = span_dup(s);
		return tmp ? dep_key(t, NULL, tmp, b) : -ENOMEM;
	}
	default:
		break;
	}
	buf_clear(b);
	return buf_append_span(b, s);
}

struct key_item {
	char *key;
	size_t idx;
};

static int key_cmp(const void *a, const void *b)
{
	const struct key_item *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static struct span dir_of(const char *path)
{
	struct span s = span_from(path ? path : "");
	while (s.len > 0 && s.ptr[s.len - 1] != '/')
		s.len--;
	return s; /* with its trailing '/', or empty */
}

/*
 * The directory whose node_modules holds an npm package found at
 * ".../node_modules/<key>/package.json" (with '/' at the end), or an empty span.
 */
static struct span npm_container(const struct pkg *p, const char *key)
{
	static const struct span none = {"", 0};
	struct span loc = span_from(p->location ? p->location : ""), k = span_from(key);
	size_t tail = sizeof("/package.json") - 1, nm = sizeof("node_modules/") - 1;
	if (!span_endswith(loc, "/package.json") || loc.len < tail + k.len + nm + 1)
		return none;
	size_t key_at = loc.len - tail - k.len;
	if (memcmp(loc.ptr + key_at, k.ptr, k.len) != 0 ||
	    memcmp(loc.ptr + key_at - nm, "node_modules/", nm) != 0)
		return none;
	struct span c = span_make(loc.ptr, key_at - nm);
	if (c.len == 0 || c.ptr[c.len - 1] != '/')
		return none;
	return c;
}

static size_t common_prefix(struct span a, struct span b)
{
	size_t i = 0;
	while (i < a.len && i < b.len && a.ptr[i] == b.ptr[i])
		i++;
	return i;
}

/*
 * Among the candidates items[lo..hi) for a dependency of package from, pick one: the same
 * location first; for npm the package node's resolution would load (the nearest
 * node_modules up the directory tree); else the longest shared directory prefix; ties go
 * to the first in list order.
 */
static size_t dep_pick(const struct img *img, size_t from, const struct key_item *items, size_t lo,
		       size_t hi)
{
	const struct pkg *p = img->pkgs.items[from];
	size_t best = SIZE_MAX, best_score = 0;
	struct span from_dir = dir_of(p->location);
	/* a hostile image can hold any number of copies of one name: look at a bounded few */
	hi = MIN(hi, lo + DEP_CANDIDATES_MAX);
	for (size_t k = lo; k < hi; k++) {
		size_t j = items[k].idx;
		if (j == from)
			continue;
		const struct pkg *q = img->pkgs.items[j];
		size_t score;
		const char *plain = strchr(items[k].key, '/');
		plain = plain ? plain + 1 : items[k].key;
		if (streq_ptr(p->location, q->location) && p->location)
			score = SIZE_MAX;
		else if (p->type == PKG_NPM) {
			struct span c = npm_container(q, plain);
			if (c.len > 0 && c.len <= from_dir.len &&
			    memcmp(c.ptr, from_dir.ptr, c.len) == 0)
				score = SIZE_MAX / 2 + c.len; /* visible to node's resolution */
			else
				score = common_prefix(from_dir, dir_of(q->location));
		} else
			score = common_prefix(from_dir, dir_of(q->location));
		if (best == SIZE_MAX || score > best_score) {
			best = j;
			best_score = score;
		}
	}
	return best;
}

static int size_cmp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

/* "<type>/<key>": the type prefix keeps ecosystems apart (no number contains '/'). */
static int dep_full_key(enum pkg_type t, struct buf *key, struct buf *out)
{
	buf_clear(out);
	int r = buf_printf(out, "%d/", (int)t);
	return r < 0 ? r : buf_append(out, key->ptr ? key->ptr : "", key->len);
}

static int sbom_resolve_deps(struct sbom_ctx *c)
{
	const struct img *img = c->img;
	size_t n = c->n;
	if (n == 0)
		return 0;
	_cleanup_free_ struct key_item *items = calloc(n, sizeof(*items));
	if (!items)
		return -ENOMEM;
	_cleanup_buf_ struct buf k;
	_cleanup_buf_ struct buf full;
	buf_init(&k, 0);
	buf_init(&full, 0);
	int r = 0;
	for (size_t i = 0; i < n && r >= 0; i++) {
		const struct pkg *p = img->pkgs.items[i];
		items[i].idx = i;
		r = dep_key(p->type, p->namespace, p->name ? p->name : "", &k);
		if (r >= 0)
			r = dep_full_key(p->type, &k, &full);
		if (r >= 0) {
			items[i].key = buf_take(&full);
			buf_init(&full, 0);
			if (!items[i].key)
				r = -ENOMEM;
		}
	}
	if (r < 0)
		goto out;
	qsort(items, n, sizeof(*items), key_cmp);

	for (size_t i = 0; i < n && r >= 0; i++) {
		const struct pkg *p = img->pkgs.items[i];
		struct sbom_deps *d = &c->deps[i];
		size_t cap = 0;
		for (size_t m = 0; m < p->depends.n && r >= 0; m++) {
			r = dep_key_of_depend(p->type, p->depends.v[m], &k);
			if (r >= 0)
				r = dep_full_key(p->type, &k, &full);
			if (r < 0)
				break;
			const char *want = buf_str(&full);
			size_t lo = 0, hi = n;
			while (lo < hi) {
				size_t mid = lo + (hi - lo) / 2;
				if (strcmp(items[mid].key, want) < 0)
					lo = mid + 1;
				else
					hi = mid;
			}
			size_t end = lo;
			while (end < n && streq(items[end].key, want))
				end++;
			/* nothing found: a virtual package or one not installed; skipped */
			size_t pick = lo < end ? dep_pick(img, i, items, lo, end) : SIZE_MAX;
			if (pick == SIZE_MAX)
				continue;
			if (GROW(d->to, d->n, cap) < 0) {
				r = -ENOMEM;
				break;
			}
			d->to[d->n++] = pick;
		}
		if (d->n > 1) {
			qsort(d->to, d->n, sizeof(*d->to), size_cmp);
			size_t w = 1;
			for (size_t m = 1; m < d->n; m++)
				if (d->to[m] != d->to[w - 1])
					d->to[w++] = d->to[m];
			d->n = w;
		}
	}
out:
	for (size_t i = 0; i < n; i++)
		free(items[i].key);
	return r;
}

/* ---- licence names -------------------------------------------------------------------- */

static int licref_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sbom_licref *)a)->name, ((const struct sbom_licref *)b)->name);
}

const char *sbom_licref_lookup(const struct sbom_ctx *c, const char *name)
{
	if (!name || c->n_licrefs == 0)
		return NULL;
	struct sbom_licref key = {.name = (char *)name};
	const struct sbom_licref *f =
	    bsearch(&key, c->licrefs, c->n_licrefs, sizeof(key), licref_cmp);
	return f ? f->id : NULL;
}

/* Give each name (sorted, unique) a unique LicenseRef- id; takes names->v entries. */
static int sbom_assign_licrefs(struct sbom_ctx *c, struct strv *names)
{
	_cleanup_free_ char **ids = calloc(names->n, sizeof(char *));
	c->licrefs = calloc(names->n, sizeof(*c->licrefs));
	if (!c->licrefs || !ids)
		return -ENOMEM;
	int r = 0;
	for (size_t i = 0; i < names->n && r >= 0; i++) {
		_cleanup_buf_ struct buf b;
		buf_init(&b, 0);
		r = buf_puts(&b, "LicenseRef-");
		if (r >= 0)
			r = sbom_put_idstring(&b, names->v[i]);
		if (r >= 0 && !(ids[i] = buf_take(&b)))
			r = -ENOMEM;
	}
	if (r >= 0)
		r = uniquify(ids, names->n);
	if (r < 0) {
		for (size_t i = 0; i < names->n; i++)
			free(ids[i]);
		return r;
	}
	for (size_t i = 0; i < names->n; i++) {
		c->licrefs[i].name = TAKE_PTR(names->v[i]);
		c->licrefs[i].id = ids[i];
	}
	c->n_licrefs = names->n;
	return 0;
}

/* Collect every licence name (not an SPDX id or expression), sorted, with unique ids. */
static int sbom_collect_licrefs(struct sbom_ctx *c)
{
	struct strv names = {0};
	int r = 0;
	for (size_t i = 0; i < c->n && r >= 0; i++) {
		const struct pkg *p = c->img->pkgs.items[i];
		for (size_t k = 0; k < p->licenses.n && r >= 0; k++) {
			_cleanup_free_ char *norm = NULL;
			r = sbom_license_classify(p->licenses.v[k], &norm);
			if (r == SBOM_LIC_NAME && !str_empty(p->licenses.v[k]))
				r = strv_push(&names, p->licenses.v[k]);
		}
	}
	if (r >= 0) {
		strv_sort_uniq(&names);
		r = names.n > 0 ? sbom_assign_licrefs(c, &names) : 0;
	}
	strv_done(&names);
	return r < 0 ? r : 0;
}

int sbom_license_expression(const struct sbom_ctx *c, const struct pkg *p, char **ret)
{
	struct strv parts = {0};
	int r = 0;
	*ret = NULL;
	for (size_t k = 0; k < p->licenses.n && r >= 0; k++) {
		_cleanup_free_ char *norm = NULL;
		r = sbom_license_classify(p->licenses.v[k], &norm);
		if (r < 0)
			break;
		if (r == SBOM_LIC_NAME) {
			const char *id = sbom_licref_lookup(c, p->licenses.v[k]);
			r = id ? strv_push_uniq(&parts, id) : 0;
		} else
			r = strv_push_uniq(&parts, norm);
	}
	if (r < 0 || parts.n == 0) {
		strv_done(&parts);
		return r < 0 ? r : 0;
	}
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	for (size_t k = 0; k < parts.n && r >= 0; k++) {
		bool compound = parts.n > 1 && strchr(parts.v[k], ' ');
		r = buf_printf(&b, "%s%s%s%s", k ? " AND " : "", compound ? "(" : "", parts.v[k],
			       compound ? ")" : "");
	}
	strv_done(&parts);
	if (r < 0)
		return r;
	*ret = buf_take(&b);
	return *ret ? 0 : -ENOMEM;
}

/* ---- the document context ------------------------------------------------------------ */

static int sbom_make_refs(struct sbom_ctx *c)
{
	int r;
	for (size_t i = 0; i < c->n; i++) {
		const struct pkg *p = c->img->pkgs.items[i];
		_cleanup_buf_ struct buf b;
		buf_init(&b, 0);
		if (!str_empty(p->bom_ref))
			r = buf_puts(&b, p->bom_ref);
		else if (!str_empty(p->purl))
			r = buf_puts(&b, p->purl);
		else
			r = buf_printf(&b, "package-%zu", i);
		if (r < 0 || !(c->refs[i] = buf_take(&b)))
			return -ENOMEM;
	}
	return uniquify(c->refs, c->n);
}

int sbom_ctx_spdxids(struct sbom_ctx *c)
{
	if (c->spdxids || c->n == 0)
		return 0;
	c->spdxids = calloc(c->n, sizeof(char *));
	if (!c->spdxids)
		return -ENOMEM;
	int r;
	for (size_t i = 0; i < c->n; i++) {
		const struct pkg *p = c->img->pkgs.items[i];
		char digest[BH_DIGEST_STR_LEN + 1];
		_cleanup_buf_ struct buf b;
		buf_init(&b, 0);
		r = bh_sha256_str(c->refs[i], strlen(c->refs[i]), digest);
		if (r >= 0)
			r = buf_printf(&b, "SPDXRef-Package-%s-", pkg_type_purl(p->type));
		if (r >= 0)
			r = sbom_put_idstring(&b, p->name ? p->name : "unnamed");
		if (r >= 0)
			r = buf_printf(&b, "-%.16s", digest + 7);
		if (r < 0 || !(c->spdxids[i] = buf_take(&b)))
			return -ENOMEM;
	}
	return uniquify(c->spdxids, c->n);
}

static void uuid_format(const unsigned char u[16], char out[37])
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (size_t i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[u[i] >> 4];
		out[o++] = hex[u[i] & 15];
	}
	out[o] = '\0';
}

static int hexval(char c)
{
	return ascii_isdigit((unsigned char)c) ? c - '0'
					       : ascii_tolower((unsigned char)c) - 'a' + 10;
}

/*
 * Random (version 4) normally; with SOURCE_DATE_EPOCH a name-based UUID (RFC 9562
 * version 8, SHA-256) over the document kind, image identity, time and package refs, so
 * that the same input gives the same document and different inputs different ones.
 */
static int sbom_make_uuid(struct sbom_ctx *c, const char *salt)
{
	unsigned char u[16];
	if (c->fixed_time) {
		struct bh_sha256 h;
		char digest[BH_DIGEST_STR_LEN + 1];
		int r = bh_sha256_init(&h);
		if (r < 0)
			return r;
		const char *head[] = {salt, c->name, sbom_image_digest(c->img), c->timestamp};
		for (size_t i = 0; i < ARRAY_SIZE(head); i++) {
			const char *s = head[i] ? head[i] : "";
			bh_sha256_update(&h, s, strlen(s) + 1);
		}
		for (size_t i = 0; i < c->n; i++)
			bh_sha256_update(&h, c->refs[i], strlen(c->refs[i]) + 1);
		bh_sha256_final_str(&h, digest);
		for (size_t i = 0; i < 16; i++)
			u[i] = (unsigned char)(hexval(digest[7 + 2 * i]) << 4 |
					       hexval(digest[7 + 2 * i + 1]));
		u[6] = (unsigned char)((u[6] & 0x0f) | 0x80);
	} else {
		size_t got = 0;
		while (got < sizeof(u)) {
			ssize_t n = getrandom(u + got, sizeof(u) - got, 0);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				return -EIO;
			}
			got += (size_t)n;
		}
		u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);
	}
	u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
	char out[37];
	uuid_format(u, out);
	c->uuid = strdup(out);
	return c->uuid ? 0 : -ENOMEM;
}

int sbom_ctx_init(struct sbom_ctx *c, const struct img *img, const char *salt)
{
	*c = (struct sbom_ctx){.img = img, .n = img->pkgs.n};
	int r = -ENOMEM;
	time_t now = bh_now(&c->fixed_time);
	if (bh_format_rfc3339(now, c->timestamp, sizeof(c->timestamp)) < 0)
		memcpy(c->timestamp, "1970-01-01T00:00:00Z", 21);
	c->name = strdup(sbom_image_name(img));
	if (!c->name)
		goto fail;
	if (c->n > 0) {
		c->refs = calloc(c->n, sizeof(char *));
		c->deps = calloc(c->n, sizeof(*c->deps));
		if (!c->refs || !c->deps)
			goto fail;
	}
	r = sbom_make_refs(c);
	if (r >= 0)
		r = sbom_resolve_deps(c);
	if (r >= 0)
		r = sbom_collect_licrefs(c);
	if (r >= 0)
		r = sbom_make_uuid(c, salt);
	if (r >= 0)
		return 0;
fail:
	sbom_ctx_done(c);
	return r;
}

void sbom_ctx_done(struct sbom_ctx *c)
{
	for (size_t i = 0; i < c->n; i++) {
		if (c->refs)
			free(c->refs[i]);
		if (c->spdxids)
			free(c->spdxids[i]);
		if (c->deps)
			free(c->deps[i].to);
	}
	free(c->refs);
	free(c->spdxids);
	free(c->deps);
	for (size_t i = 0; i < c->n_licrefs; i++) {
		free(c->licrefs[i].name);
		free(c->licrefs[i].id);
	}
	free(c->licrefs);
	free(c->name);
	free(c->uuid);
	*c = (struct sbom_ctx){0};
}

/* ---- JSON from untrusted strings ------------------------------------------------------ */

json_t *sbom_json_string(const char *s)
{
	if (!s)
		s = "";
	json_t *j = json_string(s);
	if (j)
		return j;
	/* invalid UTF-8 (or OOM): repair and retry */
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	size_t len = strlen(s);
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < len;) {
		size_t n;
		int r;
		if (utf8_valid_seq(u + i, len - i, &n)) {
			r = buf_append(&b, u + i, n);
			i += n;
		} else {
			r = buf_puts(&b, "\xef\xbf\xbd");
			i++;
		}
		if (r < 0)
			return NULL;
	}
	return json_string(buf_str(&b));
}

int sbom_set_str(json_t *obj, const char *key, const char *value)
{
	return bh_json_set_new(obj, key, sbom_json_string(value));
}

int sbom_set_str_opt(json_t *obj, const char *key, const char *value)
{
	if (str_empty(value))
		return 0;
	return sbom_set_str(obj, key, value);
}

int sbom_append_str(json_t *arr, const char *value)
{
	return bh_json_append_new(arr, sbom_json_string(value));
}

int sbom_add_property(json_t *props, const char *name, const char *value)
{
	if (str_empty(value))
		return 0;
	json_t *o = json_object();
	if (!o)
		return -ENOMEM;
	int r = sbom_set_str(o, "name", name);
	if (r >= 0)
		r = sbom_set_str(o, "value", value);
	if (r < 0) {
		json_decref(o);
		return r;
	}
	return bh_json_append_new(props, o);
}

int sbom_purl_put(struct buf *b, struct span s, bool lower)
{
	static const char hex[] = "0123456789ABCDEF";
	int r = 0;
	for (size_t i = 0; i < s.len && r >= 0; i++) {
		unsigned char c = (unsigned char)s.ptr[i];
		if (lower)
			c = (unsigned char)ascii_tolower(c);
		if (ascii_isalnum(c) || c == '.' || c == '-' || c == '_' || c == '~' || c == ':')
			r = buf_putc(b, (char)c);
		else {
			char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
			r = buf_append(b, esc, sizeof(esc));
		}
	}
	return r;
}

/* ---- the image's purl ---------------------------------------------------------------- */

/*
 * The image's own purl: "pkg:oci/<name>@<digest>?arch=..&repository_url=..&tag=..", name
 * being the last path element of the repository (lower case), qualifiers in key order.
 * *ret is NULL when there is no digest or no repository name.
 */
int sbom_image_purl(const struct img *img, const char *digest, char **ret)
{
	*ret = NULL;
	const char *ref = sbom_image_ref(img);
	if (str_empty(digest) || str_empty(ref))
		return 0;
	/* "registry:5000/ns/name:tag": the tag follows the last ':' after the last '/' */
	struct span repo = span_from(ref), tag = {"", 0}, name;
	size_t name_at = 0;
	for (size_t i = 0; i < repo.len; i++)
		if (repo.ptr[i] == '/')
			name_at = i + 1;
	for (size_t i = repo.len; i > name_at; i--)
		if (repo.ptr[i - 1] == ':') {
			tag = span_slice(repo, i, repo.len - i);
			repo.len = i - 1;
			break;
		}
	if (span_index(repo, '@') >= 0)
		return 0; /* "name@sha256:..." references carry no tag to speak of */
	name = span_slice(repo, name_at, repo.len - name_at);
	if (name.len == 0)
		return 0;

	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	int r = buf_puts(&b, "pkg:oci/");
	if (r >= 0)
		r = sbom_purl_put(&b, name, true);
	if (r >= 0)
		r = buf_putc(&b, '@');
	if (r >= 0)
		r = sbom_purl_put(&b, span_from(digest), false);
	const struct {
		const char *key;
		struct span value;
	} q[] = {
	    {"arch", span_from(img->config.architecture ? img->config.architecture : "")},
	    {"repository_url", repo},
	    {"tag", tag},
	};
	char sep = '?';
	for (size_t i = 0; i < ARRAY_SIZE(q) && r >= 0; i++) {
		if (q[i].value.len == 0)
			continue;
		r = buf_printf(&b, "%c%s=", sep, q[i].key);
		if (r >= 0)
			r = sbom_purl_put(&b, q[i].value, false);
		sep = '&';
	}
	if (r < 0)
		return r;
	*ret = buf_take(&b);
	return *ret ? 0 : -ENOMEM;
}

int sbom_pkg_display_name(const struct pkg *p, struct buf *b)
{
	buf_clear(b);
	const char *ns = p->namespace;
	if (ns && *ns && p->type == PKG_NPM)
		return buf_printf(b, "%s%s/%s", ns[0] == '@' ? "" : "@", ns,
				  p->name ? p->name : "");
	if (ns && *ns && p->type == PKG_GOLANG)
		return buf_printf(b, "%s/%s", ns, p->name ? p->name : "");
	if (ns && *ns && p->type == PKG_MAVEN)
		return buf_printf(b, "%s:%s", ns, p->name ? p->name : "");
	return buf_puts(b, p->name ? p->name : "");
}
