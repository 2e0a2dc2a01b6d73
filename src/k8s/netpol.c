/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netpol.c — the building blocks of NetworkPolicy evaluation: label selectors, CIDRs and
 * port sets (see netpol.h).
 */
#include "k8s/netpol.h"

#include "common/json.h"

/* ---- label selectors ---- */

void k8s_selector_done(struct k8s_selector *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_reqs; i++)
		free(s->reqs[i].values);
	free(s->reqs);
	*s = (struct k8s_selector){0};
}

bool k8s_selector_is_empty(const struct k8s_selector *s)
{
	return s->n_reqs == 0;
}

static int sel_push(struct k8s_selector *s, size_t *cap, struct k8s_sel_req req)
{
	if (GROW(s->reqs, s->n_reqs, *cap) < 0)
		return -ENOMEM;
	s->reqs[s->n_reqs++] = req;
	return 0;
}

static int sel_parse_op(const char *op, enum k8s_sel_op *ret)
{
	static const char *const names[_K8S_SEL_OP_MAX] = {
	    [K8S_SEL_IN] = "In",
	    [K8S_SEL_NOT_IN] = "NotIn",
	    [K8S_SEL_EXISTS] = "Exists",
	    [K8S_SEL_DOES_NOT_EXIST] = "DoesNotExist",
	};
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (streq(op, names[i])) {
			*ret = (enum k8s_sel_op)i;
			return 0;
		}
	return -EBADMSG;
}

static int sel_parse_expr(const json_t *e, struct k8s_selector *s, size_t *cap)
{
	if (!json_is_object(e))
		return -EBADMSG;
	const char *key = bh_json_str(e, "key"), *op_name = bh_json_str(e, "operator");
	if (!key || !op_name)
		return -EBADMSG;
	struct k8s_sel_req req = {.key = key};
	if (sel_parse_op(op_name, &req.op) < 0)
		return -EBADMSG;
	json_t *vals = json_object_get(e, "values");
	if (vals && !json_is_null(vals) && !json_is_array(vals))
		return -EBADMSG;
	size_t n = json_is_array(vals) ? json_array_size(vals) : 0;
	bool want_values = req.op == K8S_SEL_IN || req.op == K8S_SEL_NOT_IN;
	if (want_values != (n > 0))
		return -EBADMSG;
	if (n > 0) {
		req.values = calloc(n, sizeof(*req.values));
		if (!req.values)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++) {
			const char *v = json_string_value(json_array_get(vals, i));
			if (!v) {
				free(req.values);
				return -EBADMSG;
			}
			req.values[i] = v;
		}
		req.n_values = n;
	}
	int r = sel_push(s, cap, req);
	if (r < 0)
		free(req.values);
	return r;
}

int k8s_selector_parse(const json_t *sel, struct k8s_selector *ret)
{
	struct k8s_selector s = {0};
	size_t cap = 0;
	if (!sel || json_is_null(sel)) {
		*ret = s;
		return 0;
	}
	if (!json_is_object(sel))
		return -EBADMSG;
	int r = 0;
	json_t *ml = json_object_get(sel, "matchLabels");
	if (ml && !json_is_null(ml)) {
		if (!json_is_object(ml))
			return -EBADMSG;
		const char *k;
		json_t *v;
		json_object_foreach(ml, k, v)
		{
			if (!json_is_string(v)) {
				r = -EBADMSG;
				break;
			}
			const char **vals = calloc(1, sizeof(*vals));
			if (!vals) {
				r = -ENOMEM;
				break;
			}
			vals[0] = json_string_value(v);
			r = sel_push(
			    &s, &cap,
			    (struct k8s_sel_req){
				.key = k, .op = K8S_SEL_IN, .values = vals, .n_values = 1});
			if (r < 0) {
				free(vals);
				break;
			}
		}
	}
	json_t *me = json_object_get(sel, "matchExpressions");
	if (r == 0 && me && !json_is_null(me)) {
		if (!json_is_array(me))
			r = -EBADMSG;
		for (size_t i = 0; r == 0 && i < json_array_size(me); i++)
			r = sel_parse_expr(json_array_get(me, i), &s, &cap);
	}
	if (r < 0) {
		k8s_selector_done(&s);
		return r;
	}
	*ret = s;
	return 0;
}

static const char *label_get(const struct k8s_kv *labels, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (streq(labels[i].key, key))
			return labels[i].value;
	return NULL;
}

bool k8s_selector_matches(const struct k8s_selector *s, const struct k8s_kv *labels, size_t n)
{
	for (size_t i = 0; i < s->n_reqs; i++) {
		const struct k8s_sel_req *q = &s->reqs[i];
		const char *v = label_get(labels, n, q->key);
		bool in = false;
		if (v)
			for (size_t j = 0; j < q->n_values && !in; j++)
				in = streq(v, q->values[j]);
		bool ok;
		switch (q->op) {
		case K8S_SEL_IN:
			ok = in;
			break;
		case K8S_SEL_NOT_IN:
			ok = !in; /* a missing key satisfies NotIn */
			break;
		case K8S_SEL_EXISTS:
			ok = v != NULL;
			break;
		default:
			ok = v == NULL;
			break;
		}
		if (!ok)
			return false;
	}
	return true;
}

/* ---- CIDRs ---- */

static int parse_v4(struct span s, uint8_t out[4])
{
	struct span tok;
	size_t i = 0;
	if (s.len == 0 || s.ptr[s.len - 1] == '.')
		return -EBADMSG;
	while (span_next_token(&s, '.', &tok) == 0) {
		uint64_t v;
		/* No leading zeros (Go's netip rejects them), at most 3 digits. */
		if (i >= 4 || tok.len == 0 || tok.len > 3 || (tok.len > 1 && tok.ptr[0] == '0'))
			return -EBADMSG;
		if (parse_u64(tok, 10, 255, &v) < 0)
			return -EBADMSG;
		out[i++] = (uint8_t)v;
	}
	return i == 4 ? 0 : -EBADMSG;
}

static int hexval(char c)
{
	if (ascii_isdigit(c))
		return c - '0';
	return ascii_tolower(c) - 'a' + 10;
}

static int parse_v6(struct span s, uint8_t out[16])
{
	uint16_t head[8], tail[8];
	size_t nh = 0, nt = 0;
	bool gap = false;
	size_t i = 0;
	if (s.len < 2)
		return -EBADMSG;
	if (s.ptr[0] == ':') {
		if (s.ptr[1] != ':')
			return -EBADMSG;
		gap = true;
		i = 2;
	}
	while (i < s.len) {
		size_t start = i;
		unsigned v = 0;
		while (i < s.len && ascii_isxdigit(s.ptr[i]) && i - start < 4)
			v = v * 16 + (unsigned)hexval(s.ptr[i++]);
		if (i < s.len && s.ptr[i] == '.') {
			/* Embedded IPv4 in the last 32 bits. */
			uint8_t v4[4];
			if (parse_v4(span_slice(s, start, s.len - start), v4) < 0)
				return -EBADMSG;
			uint16_t *dst = gap ? tail : head;
			size_t *nd = gap ? &nt : &nh;
			if (*nd + 2 > 8)
				return -EBADMSG;
			dst[(*nd)++] = (uint16_t)(v4[0] << 8 | v4[1]);
			dst[(*nd)++] = (uint16_t)(v4[2] << 8 | v4[3]);
			i = s.len;
			break;
		}
		if (i == start)
			return -EBADMSG;
		uint16_t *dst = gap ? tail : head;
		size_t *nd = gap ? &nt : &nh;
		if (nh + nt >= 8)
			return -EBADMSG;
		dst[(*nd)++] = (uint16_t)v;
		if (i == s.len)
			break;
		if (s.ptr[i] != ':')
			return -EBADMSG;
		i++;
		if (i < s.len && s.ptr[i] == ':') {
			if (gap)
				return -EBADMSG;
			gap = true;
			i++;
		} else if (i == s.len) {
			return -EBADMSG; /* trailing single ':' */
		}
	}
	if (gap ? nh + nt > 7 : nh != 8)
		return -EBADMSG;
	uint16_t w[8] = {0};
	for (size_t k = 0; k < nh; k++)
		w[k] = head[k];
	for (size_t k = 0; k < nt; k++)
		w[8 - nt + k] = tail[k];
	for (size_t k = 0; k < 8; k++) {
		out[2 * k] = (uint8_t)(w[k] >> 8);
		out[2 * k + 1] = (uint8_t)w[k];
	}
	return 0;
}

static void clear_host_bits(struct k8s_cidr *c)
{
	size_t bytes = c->is_v6 ? 16 : 4;
	for (size_t i = 0; i < bytes; i++) {
		size_t bit = i * 8;
		if (bit >= c->prefix)
			c->addr[i] = 0;
		else if (c->prefix - bit < 8)
			c->addr[i] &= (uint8_t)(0xff << (8 - (c->prefix - bit)));
	}
}

int k8s_cidr_parse(struct span s, struct k8s_cidr *ret)
{
	struct span addr, pfx;
	if (!span_cut(s, '/', &addr, &pfx))
		return -EBADMSG;
	struct k8s_cidr c = {0};
	c.is_v6 = span_index(addr, ':') >= 0;
	uint64_t p;
	if (pfx.len == 0 || pfx.len > 3 || (pfx.len > 1 && pfx.ptr[0] == '0') ||
	    parse_u64(pfx, 10, c.is_v6 ? 128 : 32, &p) < 0)
		return -EBADMSG;
	int r = c.is_v6 ? parse_v6(addr, c.addr) : parse_v4(addr, c.addr);
	if (r < 0)
		return r;
	c.prefix = (uint8_t)p;
	clear_host_bits(&c);
	*ret = c;
	return 0;
}

static bool bit_at(const uint8_t *a, unsigned i)
{
	return (a[i / 8] >> (7 - i % 8)) & 1;
}

bool k8s_cidr_contains(const struct k8s_cidr *outer, const struct k8s_cidr *inner)
{
	if (outer->is_v6 != inner->is_v6 || inner->prefix < outer->prefix)
		return false;
	for (unsigned i = 0; i < outer->prefix; i++)
		if (bit_at(outer->addr, i) != bit_at(inner->addr, i))
			return false;
	return true;
}

int k8s_cidr_format(const struct k8s_cidr *c, char *dst, size_t size)
{
	if (!c->is_v6)
		return xsnprintf(dst, size, "%u.%u.%u.%u/%u", c->addr[0], c->addr[1], c->addr[2],
				 c->addr[3], c->prefix);
	uint16_t w[8];
	for (size_t k = 0; k < 8; k++)
		w[k] = (uint16_t)(c->addr[2 * k] << 8 | c->addr[2 * k + 1]);
	/* RFC 5952: compress the longest run (>= 2) of zero words, the first one on a tie. */
	size_t best = 8, best_len = 1;
	for (size_t k = 0; k < 8;) {
		size_t e = k;
		while (e < 8 && w[e] == 0)
			e++;
		if (e - k > best_len) {
			best = k;
			best_len = e - k;
		}
		k = e > k ? e : k + 1;
	}
	char out[64];
	size_t o = 0;
	for (size_t k = 0; k < 8; k++) {
		if (k == best) {
			out[o++] = ':';
			if (k == 0)
				out[o++] = ':';
			k += best_len - 1;
			continue;
		}
		int r = xsnprintf(out + o, sizeof(out) - o, "%x%s", w[k], k < 7 ? ":" : "");
		if (r < 0)
			return r;
		o += strlen(out + o);
	}
	out[o] = '\0';
	return xsnprintf(dst, size, "%s/%u", out, c->prefix);
}

static bool covered_rec(const struct k8s_cidr *c, const struct k8s_cidr *ex, size_t n)
{
	bool inside = false;
	for (size_t i = 0; i < n; i++) {
		if (k8s_cidr_contains(&ex[i], c))
			return true;
		if (k8s_cidr_contains(c, &ex[i]))
			inside = true;
	}
	unsigned max = c->is_v6 ? 128 : 32;
	if (!inside || c->prefix >= max)
		return false;
	struct k8s_cidr lo = *c, hi = *c;
	lo.prefix = hi.prefix = (uint8_t)(c->prefix + 1);
	hi.addr[c->prefix / 8] |= (uint8_t)(0x80 >> (c->prefix % 8));
	return covered_rec(&lo, ex, n) && covered_rec(&hi, ex, n);
}

bool k8s_cidr_covered(const struct k8s_cidr *c, const struct k8s_cidr *except, size_t n)
{
	return covered_rec(c, except, n);
}

/* ---- port sets ---- */

static int range_cmp(const struct k8s_port_range *a, const struct k8s_port_range *b)
{
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return 0;
}

int k8s_port_set_add(struct k8s_port_set *s, enum k8s_proto proto, uint16_t lo, uint16_t hi)
{
	if (lo > hi || proto >= _K8S_PROTO_MAX)
		return -EINVAL;
	if (GROW(s->r, s->n, s->cap) < 0)
		return -ENOMEM;
	struct k8s_port_range nr = {proto, lo, hi};
	size_t at = 0;
	while (at < s->n && range_cmp(&s->r[at], &nr) <= 0)
		at++;
	memmove(&s->r[at + 1], &s->r[at], (s->n - at) * sizeof(*s->r));
	s->r[at] = nr;
	s->n++;
	/* Merge overlapping or adjacent ranges. */
	size_t o = 0;
	for (size_t i = 1; i < s->n; i++) {
		struct k8s_port_range *p = &s->r[o];
		if (s->r[i].proto == p->proto && (uint32_t)s->r[i].lo <= (uint32_t)p->hi + 1) {
			if (s->r[i].hi > p->hi)
				p->hi = s->r[i].hi;
		} else {
			s->r[++o] = s->r[i];
		}
	}
	s->n = o + 1;
	return 0;
}

int k8s_port_set_add_all(struct k8s_port_set *s)
{
	for (int p = 0; p < _K8S_PROTO_MAX; p++) {
		int r = k8s_port_set_add(s, (enum k8s_proto)p, 1, 65535);
		if (r < 0)
			return r;
	}
	return 0;
}

int k8s_port_set_union(struct k8s_port_set *s, const struct k8s_port_set *o)
{
	for (size_t i = 0; i < o->n; i++) {
		int r = k8s_port_set_add(s, o->r[i].proto, o->r[i].lo, o->r[i].hi);
		if (r < 0)
			return r;
	}
	return 0;
}

int k8s_port_set_intersect(const struct k8s_port_set *a, const struct k8s_port_set *b,
			   struct k8s_port_set *ret)
{
	struct k8s_port_set out = {0};
	for (size_t i = 0; i < a->n; i++)
		for (size_t j = 0; j < b->n; j++) {
			if (a->r[i].proto != b->r[j].proto)
				continue;
			uint16_t lo = MAX(a->r[i].lo, b->r[j].lo), hi = MIN(a->r[i].hi, b->r[j].hi);
			if (lo > hi)
				continue;
			int r = k8s_port_set_add(&out, a->r[i].proto, lo, hi);
			if (r < 0) {
				k8s_port_set_done(&out);
				return r;
			}
		}
	*ret = out;
	return 0;
}

bool k8s_port_set_contains(const struct k8s_port_set *s, enum k8s_proto proto, uint16_t port)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->r[i].proto == proto && s->r[i].lo <= port && port <= s->r[i].hi)
			return true;
	return false;
}

bool k8s_port_set_is_all(const struct k8s_port_set *s)
{
	if (s->n != _K8S_PROTO_MAX)
		return false;
	for (size_t i = 0; i < s->n; i++)
		if (s->r[i].lo != 1 || s->r[i].hi != 65535)
			return false;
	return true;
}

static const char *const proto_names[_K8S_PROTO_MAX] = {"TCP", "UDP", "SCTP"};

int k8s_port_set_format(const struct k8s_port_set *s, struct buf *b)
{
	if (k8s_port_set_is_all(s))
		return buf_puts(b, "all");
	for (size_t i = 0; i < s->n; i++) {
		const struct k8s_port_range *p = &s->r[i];
		int r = i ? buf_putc(b, ',') : 0;
		if (r == 0 && p->lo == 1 && p->hi == 65535)
			r = buf_printf(b, "%s/all", proto_names[p->proto]);
		else if (r == 0 && p->lo == p->hi)
			r = buf_printf(b, "%s/%u", proto_names[p->proto], p->lo);
		else if (r == 0)
			r = buf_printf(b, "%s/%u-%u", proto_names[p->proto], p->lo, p->hi);
		if (r < 0)
			return r;
	}
	return 0;
}

void k8s_port_set_done(struct k8s_port_set *s)
{
	free(s->r);
	*s = (struct k8s_port_set){0};
}
