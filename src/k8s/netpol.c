/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netpol.c — the building blocks of NetworkPolicy evaluation: label selectors, CIDRs and
 * port sets (see netpol.h); and the findings (bulkhead.finding/v1) that `k8s reach` and
 * `k8s exposure` report and record from a computed reach or exposure report. Nothing here
 * reads files or decides reachability: reach.c does.
 */
#include "k8s/netpol.h"

#include "common/hash.h"
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

/* ---- findings ---- */

/*
 * Why these rules (docs/compliance.md): NIST SP 800-190 4.3.3 asks that traffic between
 * containers be separated (deny by default, allow what is needed), 4.4.2 that egress be
 * controlled; the CIS Kubernetes Benchmark 5.3.2 that every namespace have NetworkPolicies.
 * A default-deny policy is one with an empty podSelector (every pod of its namespace) for
 * that policy type, as k8s_net_reach() decides.
 */
enum {
	R_NET_INGRESS,
	R_NET_EGRESS,
	R_NET_OPEN_IN,
	R_NET_OPEN_OUT,
	R_NET_NO_POLICY,
	R_EXP_SERVICE,
	R_EXP_INGRESS,
	R_EXP_HOST,
	_R_MAX,
};

#define REF_NETPOL "https://kubernetes.io/docs/concepts/services-networking/network-policies/"

static const struct k8s_net_rule net_rules[_R_MAX] = {
    [R_NET_INGRESS] = {"BH-K8S-NET-001", "Namespace without a default-deny ingress NetworkPolicy",
		       "medium",
		       "add a NetworkPolicy with podSelector: {} and policyTypes: [Ingress] to the "
		       "namespace, then allow the connections each workload needs",
		       "NIST-800-190:4.3.3"},
    [R_NET_EGRESS] = {"BH-K8S-NET-002", "Namespace without a default-deny egress NetworkPolicy",
		      "medium",
		      "add a NetworkPolicy with podSelector: {} and policyTypes: [Egress] to the "
		      "namespace, then allow DNS and the destinations each workload needs",
		      "NIST-800-190:4.4.2"},
    [R_NET_OPEN_IN] =
	{"BH-K8S-NET-003", "Workload accepts connections from outside the cluster on every port",
	 "medium",
	 "give the ingress rules that select the workload a from list (pod, namespace "
	 "or narrow ipBlock peers) and ports",
	 "NIST-800-190:4.3.3"},
    [R_NET_OPEN_OUT] = {"BH-K8S-NET-004", "Workload may connect outside the cluster on every port",
			"low",
			"give the egress rules that select the workload a to list with narrow "
			"ipBlock peers and ports",
			"NIST-800-190:4.4.2"},
    [R_NET_NO_POLICY] = {"BH-K8S-NET-005", "Namespace with workloads and no NetworkPolicy",
			 "medium",
			 "define NetworkPolicies for the namespace, starting with a default-deny "
			 "policy for ingress and egress",
			 "CIS-K8S-1.9:5.3.2"},
    [R_EXP_SERVICE] = {"BH-K8S-EXP-001",
		       "Workload exposed by a LoadBalancer or NodePort Service or externalIPs",
		       "low",
		       "expose only what must be public, behind an Ingress or gateway that "
		       "authenticates and filters; make internal Services type ClusterIP",
		       NULL},
    [R_EXP_INGRESS] = {"BH-K8S-EXP-002", "Workload exposed as an Ingress backend", "info",
		       "check that the Ingress should be public, serves TLS and that the backend "
		       "authenticates its clients",
		       NULL},
    [R_EXP_HOST] = {"BH-K8S-EXP-003", "Workload on the host network or with a host port", "medium",
		    "drop hostNetwork and hostPort; expose the workload through a Service instead",
		    NULL},
};

const struct k8s_net_rule *k8s_net_rules(size_t *ret_n)
{
	*ret_n = ARRAY_SIZE(net_rules);
	return net_rules;
}

/* Evidence lists name at most this many objects; the totals are counted. */
#define NET_EVIDENCE_MAX 20

static const char *rule_ref(size_t rule)
{
	if (rule == R_EXP_INGRESS)
		return "https://kubernetes.io/docs/concepts/services-networking/ingress/";
	if (rule == R_EXP_HOST)
		return "https://kubernetes.io/docs/concepts/security/pod-security-standards/";
	if (rule == R_EXP_SERVICE)
		return "https://kubernetes.io/docs/concepts/services-networking/service/";
	return REF_NETPOL;
}

/* {"id": "Kind/ns/name" (or "Namespace/name"), "path", "line"} of an object. */
static json_t *obj_ref(const struct k8s_object *o)
{
	_cleanup_buf_ struct buf id;
	buf_init(&id, 0);
	int r = o->kind == K8S_KIND_NAMESPACE
		    ? buf_printf(&id, "Namespace/%s", o->name)
		    : buf_printf(&id, "%s/%s/%s", o->kind_name, k8s_object_namespace(o), o->name);
	if (r < 0)
		return NULL;
	return json_pack("{s:s, s:s, s:I}", "id", buf_str(&id), "path", o->path, "line",
			 (json_int_t)o->line);
}

/* Append a reference to o to the evidence list arr, counting it in *total. */
static int ref_add(json_t *arr, size_t *total, const struct k8s_object *o)
{
	if ((*total)++ >= NET_EVIDENCE_MAX)
		return 0;
	return bh_json_append_new(arr, obj_ref(o));
}

struct net_target {
	const char *type, *name; /* "cluster" + "Namespace/NAME", or "workload" + its id */
	const struct k8s_object *loc;
	const char *id_extra; /* what else tells two findings of one rule and target apart */
};

/*
 * Append one bulkhead.finding/v1 object to into. evidence is taken (freed on error).
 * The id: 32 hex digits of SHA-256 over kind, rule, target and id_extra.
 */
static int net_finding(size_t rule, const char *kind, const struct net_target *t, const char *msg,
		       json_t *evidence, json_t *into)
{
	const struct k8s_net_rule *ru = &net_rules[rule];
	char hex[BH_DIGEST_STR_LEN + 1], id[40];
	_cleanup_buf_ struct buf idsrc;
	buf_init(&idsrc, 0);
	int r = evidence ? 0 : -ENOMEM;
	if (r == 0)
		r = buf_printf(&idsrc, "%s\n%s\n%s\n%s\n%s", kind, ru->id, t->type, t->name,
			       t->id_extra ? t->id_extra : "");
	if (r == 0)
		r = bh_sha256_str(idsrc.ptr, idsrc.len, hex);
	if (r == 0)
		r = xsnprintf(id, sizeof(id), "%.32s", hex + strlen("sha256:"));
	if (r < 0) {
		if (evidence)
			json_decref(evidence);
		return r;
	}
	json_t *f = json_pack(
	    "{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:[s]}, s:{s:s, s:s}, s:{s:s, s:I}, s:s, s:o, "
	    "s:s, s:[]}",
	    "schema", "bulkhead.finding/v1", "id", id, "kind", kind, "severity", ru->severity,
	    "rule", "id", ru->id, "title", ru->title, "refs", rule_ref(rule), "target", "type",
	    t->type, "name", t->name, "location", "path", t->loc->path, "line",
	    (json_int_t)t->loc->line, "message", msg, "evidence", evidence, "remediation",
	    ru->remediation, "compliance");
	if (!f)
		return -ENOMEM;
	if (ru->compliance &&
	    bh_json_append_str(json_object_get(f, "compliance"), ru->compliance) < 0) {
		json_decref(f);
		return -ENOMEM;
	}
	return bh_json_append_new(into, f);
}

static int ns_cmp_key(const void *key, const void *elem)
{
	return strcmp(key, ((const struct k8s_net_ns *)elem)->name);
}

static size_t ns_index_of(const struct k8s_net_report *rep, const char *name)
{
	const struct k8s_net_ns *n =
	    bsearch(name, rep->ns, rep->n_ns, sizeof(*rep->ns), ns_cmp_key);
	return n ? (size_t)(n - rep->ns) : SIZE_MAX;
}

/* Whether the NetworkPolicy o names policy type type ("Ingress", "Egress"), defaults applied. */
static bool policy_has_type(const struct k8s_object *o, const char *type)
{
	json_t *spec = json_object_get(o->raw, "spec");
	json_t *types = json_object_get(spec, "policyTypes");
	if (json_is_array(types)) {
		for (size_t i = 0; i < json_array_size(types); i++) {
			const char *t = json_string_value(json_array_get(types, i));
			if (t && streq(t, type))
				return true;
		}
		return false;
	}
	return streq(type, "Ingress") || json_array_size(json_object_get(spec, "egress")) > 0;
}

/* Whether the NetworkPolicy o's podSelector selects w (false when it does not parse). */
static bool policy_selects(const struct k8s_object *o, const struct k8s_net_workload *w)
{
	struct k8s_selector sel;
	if (k8s_selector_parse(json_object_get(json_object_get(o->raw, "spec"), "podSelector"),
			       &sel) < 0)
		return false;
	bool hit = k8s_selector_matches(&sel, w->labels, w->n_labels);
	k8s_selector_done(&sel);
	return hit;
}

/* Objects grouped by namespace index: by_ns[start[k] .. start[k + 1]) in input order. */
struct ns_groups {
	size_t *start; /* n_ns + 1 */
	size_t *idx;
};

static void ns_groups_done(struct ns_groups *g)
{
	free(g->start);
	free(g->idx);
}

/* Group n items whose namespace index is ns_of[i] (SIZE_MAX: none) by namespace. */
static int ns_groups_build(const size_t *ns_of, size_t n, size_t n_ns, struct ns_groups *ret)
{
	struct ns_groups g = {calloc(n_ns + 2, sizeof(size_t)), calloc(n ? n : 1, sizeof(size_t))};
	if (!g.start || !g.idx) {
		ns_groups_done(&g);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		if (ns_of[i] < n_ns)
			g.start[ns_of[i] + 2]++;
	for (size_t k = 2; k < n_ns + 2; k++)
		g.start[k] += g.start[k - 1];
	for (size_t i = 0; i < n; i++)
		if (ns_of[i] < n_ns)
			g.idx[g.start[ns_of[i] + 1]++] = i;
	*ret = g;
	return 0;
}

struct net_ctx {
	const struct k8s_manifests *m;
	const struct k8s_net_report *rep;
	struct ns_groups wl, pol;
	const struct k8s_object **pols; /* the NetworkPolicy objects of m */
	json_t *into;
};

static int ns_finding(const struct net_ctx *x, size_t k, size_t rule)
{
	const struct k8s_net_report *rep = x->rep;
	const struct k8s_net_ns *ns = &rep->ns[k];
	size_t n_wl = x->wl.start[k + 1] - x->wl.start[k];
	const struct k8s_object *nsobj = k8s_manifests_find_namespace(x->m, ns->name);
	_cleanup_buf_ struct buf tname, msg;
	buf_init(&tname, 0);
	buf_init(&msg, 0);
	json_t *ev = json_pack("{s:s, s:I}", "namespace", ns->name, "workloads", (json_int_t)n_wl);
	json_t *open = json_array(), *pols = json_array();
	int r = ev && open && pols ? 0 : -ENOMEM;
	if (r == 0 && nsobj)
		r = bh_json_set_new(ev, "namespace_manifest", obj_ref(nsobj));
	size_t n_open = 0, n_pol = 0;
	for (size_t j = x->wl.start[k]; r == 0 && j < x->wl.start[k + 1]; j++) {
		const struct k8s_net_workload *w = &rep->wl[x->wl.idx[j]];
		bool isolated = rule == R_NET_INGRESS  ? w->ingress_isolated
				: rule == R_NET_EGRESS ? w->egress_isolated
						       : false;
		if (!isolated)
			r = ref_add(open, &n_open, w->obj);
	}
	for (size_t j = x->pol.start[k]; r == 0 && j < x->pol.start[k + 1]; j++)
		r = ref_add(pols, &n_pol, x->pols[x->pol.idx[j]]);
	if (r == 0) {
		r = bh_json_set_new(ev, "unisolated", open);
		open = NULL;
	}
	if (r == 0)
		r = bh_json_set_new(ev, "unisolated_total", json_integer((json_int_t)n_open));
	if (r == 0) {
		r = bh_json_set_new(ev, "policies", pols);
		pols = NULL;
	}
	if (r == 0)
		r = bh_json_set_new(ev, "policies_total", json_integer((json_int_t)n_pol));
	if (r == 0)
		r = buf_printf(&tname, "Namespace/%s", ns->name);
	if (r == 0 && rule == R_NET_NO_POLICY)
		r = buf_printf(&msg,
			       "namespace '%s' has %zu workload%s and no NetworkPolicy: every pod "
			       "accepts connections from anywhere and may connect anywhere",
			       ns->name, n_wl, n_wl == 1 ? "" : "s");
	else if (r == 0)
		r = buf_printf(&msg,
			       "namespace '%s' has no default-deny %s NetworkPolicy (podSelector: "
			       "{}): the workloads no policy selects for %s (%zu of %zu) %s, and "
			       "so would new ones",
			       ns->name, rule == R_NET_INGRESS ? "ingress" : "egress",
			       rule == R_NET_INGRESS ? "ingress" : "egress", n_open, n_wl,
			       rule == R_NET_INGRESS
				   ? "accept connections from any pod and from outside the cluster"
				   : "may connect to any pod and outside the cluster");
	if (open)
		json_decref(open);
	if (pols)
		json_decref(pols);
	if (r < 0) {
		if (ev)
			json_decref(ev);
		return r;
	}
	/* The namespace's own manifest, else its first workload's. */
	const struct k8s_object *loc = nsobj ? nsobj : rep->wl[x->wl.idx[x->wl.start[k]]].obj;
	const struct net_target t = {"cluster", buf_str(&tname), loc, NULL};
	return net_finding(rule, "network", &t, buf_str(&msg), ev, x->into);
}

static int wl_name(const struct k8s_net_workload *w, struct buf *b)
{
	return buf_printf(b, "%s/%s/%s", w->obj->kind_name, w->ns, w->obj->name);
}

static int wl_finding(const struct net_ctx *x, size_t i, size_t rule)
{
	const struct k8s_net_workload *w = &x->rep->wl[i];
	bool in = rule == R_NET_OPEN_IN;
	_cleanup_buf_ struct buf name, msg;
	buf_init(&name, 0);
	buf_init(&msg, 0);
	int r = wl_name(w, &name);
	json_t *ev = json_pack("{s:s, s:s, s:s}", "workload", buf_str(&name), "direction",
			       in ? "ingress" : "egress", "ports", "all");
	json_t *pols = json_array();
	if (r == 0 && (!ev || !pols))
		r = -ENOMEM;
	/* The policies of its namespace that select it for that direction. */
	size_t k = ns_index_of(x->rep, w->ns), n_pol = 0;
	size_t from = k < x->rep->n_ns ? x->pol.start[k] : 0;
	size_t to = k < x->rep->n_ns ? x->pol.start[k + 1] : 0;
	for (size_t j = from; r == 0 && j < to; j++) {
		const struct k8s_object *p = x->pols[x->pol.idx[j]];
		if (policy_has_type(p, in ? "Ingress" : "Egress") && policy_selects(p, w))
			r = ref_add(pols, &n_pol, p);
	}
	if (r == 0) {
		r = bh_json_set_new(ev, "policies", pols);
		pols = NULL;
	}
	if (r == 0)
		r = buf_printf(
		    &msg,
		    in ? "%s accepts connections from outside the cluster on every port, "
			 "although NetworkPolicies select it for ingress"
		       : "%s may connect to any address outside the cluster on every port, "
			 "although NetworkPolicies select it for egress",
		    buf_str(&name));
	if (pols)
		json_decref(pols);
	if (r < 0) {
		if (ev)
			json_decref(ev);
		return r;
	}
	const struct net_target t = {"workload", buf_str(&name), w->obj, NULL};
	return net_finding(rule, "network", &t, buf_str(&msg), ev, x->into);
}

int k8s_net_findings(const struct k8s_manifests *m, const struct k8s_net_report *rep, json_t *into)
{
	struct net_ctx x = {.m = m, .rep = rep, .into = into};
	size_t n_pols = 0;
	for (size_t i = 0; i < m->n; i++)
		n_pols += streq(m->objs[i].kind_name, "NetworkPolicy");
	_cleanup_free_ size_t *wl_ns = calloc(rep->n_wl ? rep->n_wl : 1, sizeof(size_t));
	_cleanup_free_ size_t *pol_ns = calloc(n_pols ? n_pols : 1, sizeof(size_t));
	_cleanup_free_ bool *open = calloc(rep->n_wl ? 2 * rep->n_wl : 1, sizeof(bool));
	x.pols = calloc(n_pols ? n_pols : 1, sizeof(*x.pols));
	int r = wl_ns && pol_ns && open && x.pols ? 0 : -ENOMEM;
	for (size_t i = 0, j = 0; r == 0 && i < m->n; i++)
		if (streq(m->objs[i].kind_name, "NetworkPolicy")) {
			x.pols[j] = &m->objs[i];
			pol_ns[j++] = ns_index_of(rep, k8s_object_namespace(&m->objs[i]));
		}
	for (size_t i = 0; r == 0 && i < rep->n_wl; i++)
		wl_ns[i] = ns_index_of(rep, rep->wl[i].ns);
	if (r == 0)
		r = ns_groups_build(wl_ns, rep->n_wl, rep->n_ns, &x.wl);
	if (r == 0)
		r = ns_groups_build(pol_ns, n_pols, rep->n_ns, &x.pol);

	/* Per namespace holding workloads (by name): no policy at all, no default deny. */
	for (size_t k = 0; r == 0 && k < rep->n_ns; k++) {
		if (x.wl.start[k + 1] == x.wl.start[k])
			continue;
		if (rep->ns[k].n_policies == 0)
			r = ns_finding(&x, k, R_NET_NO_POLICY);
		if (r == 0 && !rep->ns[k].ingress_isolated)
			r = ns_finding(&x, k, R_NET_INGRESS);
		if (r == 0 && !rep->ns[k].egress_isolated)
			r = ns_finding(&x, k, R_NET_EGRESS);
	}

	/*
	 * Per isolated workload: open to or towards the outside on every port anyway. The
	 * outside has no policy of its own, so an edge from it is the ingress rules' verdict.
	 */
	for (size_t e = 0; r == 0 && e < rep->n_edges; e++) {
		const struct k8s_net_edge *ed = &rep->edges[e];
		if (!k8s_port_set_is_all(&ed->ports))
			continue;
		if (ed->from == K8S_NET_EXTERNAL && ed->to < rep->n_wl)
			open[2 * ed->to] = true;
		else if (ed->to == K8S_NET_EXTERNAL && ed->from < rep->n_wl)
			open[2 * ed->from + 1] = true;
	}
	for (size_t i = 0; r == 0 && i < rep->n_wl; i++) {
		if (open[2 * i] && rep->wl[i].ingress_isolated)
			r = wl_finding(&x, i, R_NET_OPEN_IN);
		if (r == 0 && open[2 * i + 1] && rep->wl[i].egress_isolated)
			r = wl_finding(&x, i, R_NET_OPEN_OUT);
	}
	ns_groups_done(&x.wl);
	ns_groups_done(&x.pol);
	free(x.pols);
	return r;
}

int k8s_exposure_findings(const struct k8s_exposure_report *rep, json_t *into)
{
	int r = 0;
	for (size_t i = 0; r == 0 && i < rep->n; i++) {
		const struct k8s_exposure *e = &rep->e[i];
		if (e->wl >= rep->n_wl)
			continue;
		size_t rule = streq(e->via, "Ingress") ? R_EXP_INGRESS
			      : streq(e->via, "hostNetwork") || streq(e->via, "hostPort")
				  ? R_EXP_HOST
				  : R_EXP_SERVICE;
		_cleanup_buf_ struct buf name, msg, extra;
		buf_init(&name, 0);
		buf_init(&msg, 0);
		buf_init(&extra, 0);
		r = wl_name(&rep->wl[e->wl], &name);
		if (r == 0)
			r = buf_printf(&msg, "%s is reachable from outside the cluster (%s: %s)",
				       buf_str(&name), e->via, e->detail);
		if (r == 0)
			r = buf_printf(&extra, "%s\n%s", e->via, e->detail);
		if (r < 0)
			break;
		json_t *ev = json_pack("{s:s, s:s, s:s}", "workload", buf_str(&name), "via", e->via,
				       "detail", e->detail);
		const struct net_target t = {"workload", buf_str(&name), rep->wl[e->wl].obj,
					     buf_str(&extra)};
		r = net_finding(rule, "exposure", &t, buf_str(&msg), ev, into);
	}
	return r;
}
