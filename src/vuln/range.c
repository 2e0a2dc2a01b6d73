/* SPDX-License-Identifier: Apache-2.0 */
/* range.c — see range.h. */
#include <string.h>

#include "common/json.h"
#include "vuln/osv.h"
#include "vuln/range.h"

/* A version normalised for the ordering in use: Go needs its 'v', SemVer must lose it. */
struct nver {
	char s[VER_MAX_LEN + 2];
};

static const char *normalise(enum ver_scheme scheme, const char *v, struct nver *out)
{
	size_t n = strlen(v);
	if (scheme == VER_GO && v[0] != 'v' && n <= VER_MAX_LEN) {
		out->s[0] = 'v';
		memcpy(out->s + 1, v, n + 1);
		return out->s;
	}
	if (scheme == VER_SEMVER && v[0] == 'v')
		return v + 1;
	return v;
}

struct event {
	enum vuln_event_kind kind;
	const char *ext; /* normalised version outside this struct, or NULL: it is in buf */
	bool zero;       /* introduced "0": below everything */
	bool infinite;   /* limit "*": above everything */
	struct nver buf;
};

/* The event's version (events are moved while sorting, so never keep &buf around). */
static const char *event_v(const struct event *e)
{
	return e->ext ? e->ext : e->buf.s;
}

static int event_cmp(enum ver_scheme scheme, const struct event *a, const struct event *b)
{
	if (a->zero || b->zero)
		return a->zero == b->zero ? 0 : a->zero ? -1 : 1;
	if (a->infinite || b->infinite)
		return a->infinite == b->infinite ? 0 : a->infinite ? 1 : -1;
	return ver_compare(scheme, event_v(a), event_v(b));
}

static int parse_events(const json_t *jevents, enum ver_scheme scheme, struct event **ret,
			size_t *ret_n)
{
	size_t n = json_array_size(jevents);
	struct event *ev = calloc(n ? n : 1, sizeof(*ev));
	if (!ev)
		return -ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(jevents, i);
		void *it = json_is_object(e) ? json_object_iter(e) : NULL;
		if (!it || !json_is_string(json_object_iter_value(it)))
			continue;
		const char *key = json_object_iter_key(it);
		const char *val = json_string_value(json_object_iter_value(it));
		unsigned kind;
		for (kind = 0; kind < _VULN_EVENT_KIND_MAX; kind++)
			if (streq(vuln_event_kind_name(kind), key))
				break;
		if (kind == _VULN_EVENT_KIND_MAX || strlen(val) > VER_MAX_LEN)
			continue;
		struct event *x = &ev[k++];
		x->kind = (enum vuln_event_kind)kind;
		x->zero = x->kind == VULN_EVENT_INTRODUCED && streq(val, "0");
		x->infinite = x->kind == VULN_EVENT_LIMIT && streq(val, "*");
		const char *nv = normalise(scheme, val, &x->buf);
		x->ext = nv == x->buf.s ? NULL : nv;
	}
	/* Stable insertion sort: ranges are short, and equal versions keep record order. */
	for (size_t i = 1; i < k; i++) {
		struct event tmp = ev[i];
		size_t j = i;
		for (; j > 0 && event_cmp(scheme, &ev[j - 1], &tmp) > 0; j--)
			ev[j] = ev[j - 1];
		ev[j] = tmp;
	}
	*ret = ev;
	*ret_n = k;
	return 0;
}

/* One range: affected?, and the first fixed event above v while affected. */
static int eval_range(const json_t *range, enum ver_scheme scheme, const char *v,
		      struct vuln_range_result *res)
{
	const char *type = bh_json_str(range, "type");
	enum vuln_range_type t;
	if (!type || vuln_range_type_from_name(type, &t) < 0 || t == VULN_RANGE_GIT)
		return 0;
	if (t == VULN_RANGE_SEMVER && scheme != VER_GO)
		scheme = VER_SEMVER;
	json_t *jevents = bh_json_arr(range, "events");
	if (!jevents)
		return 0;
	struct event *ev;
	size_t n;
	int r = parse_events(jevents, scheme, &ev, &n);
	if (r < 0)
		return r;
	struct nver vb;
	const char *nv = normalise(scheme, v, &vb);
	struct event me = { .kind = VULN_EVENT_FIXED, .ext = nv };
	bool affected = false, any_limit = false, below_limit = false;
	const char *fix = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct event *e = &ev[i];
		int c = event_cmp(scheme, &me, e); /* sign of v - event */
		switch (e->kind) {
		case VULN_EVENT_INTRODUCED:
			if (c >= 0) {
				affected = true;
				fix = NULL;
			}
			break;
		case VULN_EVENT_FIXED:
			if (c >= 0)
				affected = false;
			else if (affected && !fix)
				fix = event_v(e);
			break;
		case VULN_EVENT_LAST_AFFECTED:
			if (c > 0)
				affected = false;
			break;
		case VULN_EVENT_LIMIT:
			any_limit = true;
			if (c < 0)
				below_limit = true;
			break;
		default:
			break;
		}
	}
	if (any_limit && !below_limit)
		affected = false;
	if (affected) {
		res->affected = true;
		/* Several ranges may affect v: suggest the lowest fix among them. */
		if (fix) {
			/* fix is in the scheme's normal form; report it as advisories write it
			 * (Go records leave out the 'v'). */
			const char *out = scheme == VER_GO && fix[0] == 'v' ? fix + 1 : fix;
			struct nver a, b;
			if (!res->fixed[0] || ver_compare(scheme, normalise(scheme, out, &a),
							  normalise(scheme, res->fixed, &b)) < 0)
				memcpy(res->fixed, out, strlen(out) + 1);
		}
	}
	free(ev);
	return 0;
}

int vuln_range_eval(const struct vuln_ecosystem *eco, const char *version, const json_t *ranges,
		    const json_t *versions, struct vuln_range_result *ret)
{
	*ret = (struct vuln_range_result){ 0 };
	enum ver_scheme scheme = eco->scheme;
	struct nver vb;
	const char *nv = normalise(scheme, version, &vb);
	/* Distro orderings are total over every string their tools accept; language schemes
	 * have invalid forms whose order would be a guess, so those are not matched. */
	if (strlen(version) > VER_MAX_LEN || (!eco->distro && !ver_valid(scheme, nv)))
		return -EINVAL;
	size_t i;
	json_t *x;
	json_array_foreach(versions, i, x) {
		struct nver b;
		if (json_is_string(x) && strlen(json_string_value(x)) <= VER_MAX_LEN &&
		    ver_compare(scheme, nv, normalise(scheme, json_string_value(x), &b)) == 0) {
			ret->affected = true;
			break;
		}
	}
	json_array_foreach(ranges, i, x) {
		int r = eval_range(x, scheme, version, ret);
		if (r < 0)
			return r;
	}
	return 0;
}
