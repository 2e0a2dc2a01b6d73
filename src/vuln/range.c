/* SPDX-License-Identifier: Apache-2.0 */
/* range.c — see range.h. */
#include <string.h>

#include "vuln/range.h"

static const char type_chars[_VULN_RANGE_TYPE_MAX] = {
	[VULN_RANGE_ECOSYSTEM] = 'E', [VULN_RANGE_SEMVER] = 'S', [VULN_RANGE_GIT] = 'G'
};
static const char kind_chars[_VULN_EVENT_KIND_MAX] = {
	[VULN_EVENT_INTRODUCED] = 'i', [VULN_EVENT_FIXED] = 'f',
	[VULN_EVENT_LAST_AFFECTED] = 'l', [VULN_EVENT_LIMIT] = 'm'
};

static int put_item(struct buf *out, const char *s)
{
	return buf_printf(out, "%zu:%s", strlen(s), s);
}

int vuln_ranges_encode(const struct vuln_affected *a, struct buf *out)
{
	int r = 0;
	for (size_t i = 0; r >= 0 && i < a->n_ranges; i++) {
		const struct vuln_range *rg = &a->ranges[i];
		r = buf_printf(out, "%c%zu:", type_chars[rg->type], rg->n_events);
		for (size_t k = 0; r >= 0 && k < rg->n_events; k++) {
			r = buf_putc(out, kind_chars[rg->events[k].kind]);
			if (r >= 0)
				r = put_item(out, rg->events[k].version);
		}
	}
	return r;
}

int vuln_versions_encode(const struct strv *versions, struct buf *out)
{
	int r = 0;
	for (size_t i = 0; r >= 0 && i < versions->n; i++)
		r = put_item(out, versions->v[i]);
	return r;
}

/* ---- decoding (hostile: every length is checked) ------------------------------------ */

struct cursor {
	const char *p, *end;
};

static int read_count(struct cursor *c, size_t *ret)
{
	size_t n = 0, digits = 0;
	while (c->p < c->end && ascii_isdigit(*c->p)) {
		if (++digits > 9)
			return -EBADMSG;
		n = n * 10 + (size_t)(*c->p++ - '0');
	}
	if (!digits || c->p >= c->end || *c->p != ':')
		return -EBADMSG;
	c->p++;
	*ret = n;
	return 0;
}

/* A length-prefixed item, as a span into the encoding. */
static int read_item(struct cursor *c, struct span *ret)
{
	size_t n;
	int r = read_count(c, &n);
	if (r < 0)
		return r;
	if ((size_t)(c->end - c->p) < n)
		return -EBADMSG;
	*ret = span_make(c->p, n);
	c->p += n;
	return 0;
}

int vuln_strv_decode(struct span enc, struct strv *out)
{
	struct cursor c = { enc.ptr, enc.ptr + enc.len };
	while (c.p < c.end) {
		struct span v;
		int r = read_item(&c, &v);
		if (r < 0)
			return r;
		char *d = span_dup(v);
		if (!d || (r = strv_push_take(out, d)) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* A version normalised for the ordering in use: Go needs its 'v', SemVer must lose it. */
struct nver {
	char s[VER_MAX_LEN + 2];
};

/* NUL-terminated copy of v in the scheme's normal form; NULL when too long. */
static const char *normalise(enum ver_scheme scheme, struct span v, struct nver *out)
{
	if (v.len > VER_MAX_LEN)
		return NULL;
	size_t off = 0;
	if (scheme == VER_GO && (v.len == 0 || v.ptr[0] != 'v'))
		out->s[off++] = 'v';
	else if (scheme == VER_SEMVER && v.len && v.ptr[0] == 'v')
		v = span_slice(v, 1, SIZE_MAX);
	memcpy(out->s + off, v.ptr, v.len);
	out->s[off + v.len] = '\0';
	return out->s;
}

struct event {
	enum vuln_event_kind kind;
	bool zero;     /* introduced "0": below everything */
	bool infinite; /* limit "*": above everything */
	struct span raw;
	struct nver v;
};

static int event_cmp(enum ver_scheme scheme, const struct event *a, const struct event *b)
{
	if (a->zero || b->zero)
		return a->zero == b->zero ? 0 : a->zero ? -1 : 1;
	if (a->infinite || b->infinite)
		return a->infinite == b->infinite ? 0 : a->infinite ? 1 : -1;
	return ver_compare(scheme, a->v.s, b->v.s);
}

#define STACK_EVENTS 16

/* One range: affected?, and the first fixed event above v while affected. */
static int eval_range(struct cursor *c, enum ver_scheme scheme, const struct event *me,
		      struct vuln_range_result *res)
{
	if (c->p >= c->end)
		return -EBADMSG;
	char t = *c->p++;
	size_t n;
	int r = read_count(c, &n);
	if (r < 0 || (t != 'E' && t != 'S' && t != 'G'))
		return -EBADMSG;
	if (n > (size_t)(c->end - c->p) / 3) /* each event takes at least 3 bytes */
		return -EBADMSG;
	struct event stack[STACK_EVENTS], *ev = stack;
	if (n > STACK_EVENTS && !(ev = calloc(n, sizeof(*ev))))
		return -ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (c->p >= c->end) {
			r = -EBADMSG;
			break;
		}
		char kc = *c->p++;
		const char *kp = memchr(kind_chars, kc, sizeof(kind_chars));
		struct span v;
		if (!kp || (r = read_item(c, &v)) < 0) {
			r = -EBADMSG;
			break;
		}
		if (t == 'G')
			continue; /* commits: nothing to compare installed versions with */
		struct event *x = &ev[k];
		x->kind = (enum vuln_event_kind)(kp - kind_chars);
		x->zero = x->kind == VULN_EVENT_INTRODUCED && span_eq_str(v, "0");
		x->infinite = x->kind == VULN_EVENT_LIMIT && span_eq_str(v, "*");
		x->raw = v;
		if (!normalise(scheme, v, &x->v))
			continue; /* longer than any version can be: ignore the event */
		/* Insertion sort, stable: ranges are short, equal versions keep record order. */
		struct event tmp = *x;
		size_t j = k;
		for (; j > 0 && event_cmp(scheme, &ev[j - 1], &tmp) > 0; j--)
			ev[j] = ev[j - 1];
		ev[j] = tmp;
		k++;
	}
	bool affected = false, any_limit = false, below_limit = false;
	const struct event *fix = NULL;
	for (size_t i = 0; r >= 0 && i < k; i++) {
		const struct event *e = &ev[i];
		int cv = event_cmp(scheme, me, e); /* sign of v - event */
		switch (e->kind) {
		case VULN_EVENT_INTRODUCED:
			if (cv >= 0) {
				affected = true;
				fix = NULL;
			}
			break;
		case VULN_EVENT_FIXED:
			if (cv >= 0)
				affected = false;
			else if (affected && !fix)
				fix = e;
			break;
		case VULN_EVENT_LAST_AFFECTED:
			if (cv > 0)
				affected = false;
			break;
		case VULN_EVENT_LIMIT:
			any_limit = true;
			if (cv < 0)
				below_limit = true;
			break;
		default:
			break;
		}
	}
	if (r >= 0 && any_limit && !below_limit)
		affected = false;
	if (r >= 0 && affected) {
		res->affected = true;
		/* Several ranges may affect v: suggest the lowest fix among them, written as the
		 * advisory writes it (Go records leave out the 'v'). */
		struct nver cur;
		if (fix && fix->raw.len <= VER_MAX_LEN &&
		    (!res->fixed[0] ||
		     ver_compare(scheme, fix->v.s, normalise(scheme, span_from(res->fixed), &cur)) < 0)) {
			memcpy(res->fixed, fix->raw.ptr, fix->raw.len);
			res->fixed[fix->raw.len] = '\0';
		}
	}
	if (ev != stack)
		free(ev);
	return r;
}

int vuln_range_eval(const struct vuln_ecosystem *eco, const char *version, const char *ranges,
		    const char *versions, struct vuln_range_result *ret)
{
	*ret = (struct vuln_range_result){ 0 };
	enum ver_scheme scheme = eco->scheme;
	struct event me = { .kind = VULN_EVENT_FIXED };
	/* Distro orderings are total over every string their tools accept; language schemes
	 * have invalid forms whose order would be a guess, so those are not matched. */
	if (!normalise(scheme, span_from(version), &me.v) ||
	    (!eco->distro && !ver_valid(scheme, me.v.s)))
		return -EINVAL;
	struct cursor c = { versions ? versions : "", NULL };
	c.end = c.p + strlen(c.p);
	while (c.p < c.end && !ret->affected) {
		struct span v;
		struct nver b;
		if (read_item(&c, &v) < 0)
			return -EBADMSG;
		if (normalise(scheme, v, &b) && ver_compare(scheme, me.v.s, b.s) == 0)
			ret->affected = true;
	}
	c.p = ranges ? ranges : "";
	c.end = c.p + strlen(c.p);
	while (c.p < c.end) {
		/* SEMVER ranges order by SemVer 2.0, except Go's, which are Go's own. */
		enum ver_scheme s = c.p[0] == 'S' && scheme != VER_GO ? VER_SEMVER : scheme;
		struct event mine = me;
		if (s != scheme && !normalise(s, span_from(version), &mine.v))
			return -EINVAL;
		int r = eval_range(&c, s, &mine, ret);
		if (r < 0)
			return r;
	}
	return 0;
}
