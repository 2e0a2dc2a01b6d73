/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reach.c — NetworkPolicy reachability between workload templates and exposure to the
 * outside of the cluster (see netpol.h for the semantics).
 */
#include <stdarg.h>

#include "common/json.h"
#include "k8s/netpol.h"

enum dir {
	DIR_INGRESS,
	DIR_EGRESS,
	_DIR_MAX,
};

/* Bounds the cost of the coverage check of one ipBlock. */
#define NP_MAX_EXCEPT 1024

struct np_peer {
	bool is_ipblock, ip_nonempty;
	bool has_pod, has_ns;
	struct k8s_selector pod, nsel;
};

struct np_port {
	enum k8s_proto proto;
	bool any;	   /* no port: every port of proto */
	const char *named; /* a named port, resolved against the destination */
	uint16_t port, end;
};

struct np_rule {
	bool all_peers; /* from/to missing or empty */
	struct np_peer *peers;
	size_t n_peers;
	struct np_port *ports; /* none: every port */
	size_t n_ports;
};

struct np_policy {
	const struct k8s_object *obj;
	const char *ns;
	struct k8s_selector sel;
	bool types[_DIR_MAX];
	struct np_rule *rules[_DIR_MAX];
	size_t n_rules[_DIR_MAX];
};

struct ns_info {
	const char *name;
	struct k8s_kv *labels; /* owned array */
	size_t n_labels;
	struct k8s_kv name_label;
};

struct model {
	struct k8s_net_workload *wl;
	size_t n_wl, cap_wl;
	struct np_policy *pol;
	size_t n_pol, cap_pol;
	struct ns_info *ns;
	size_t n_ns, cap_ns;
	struct strv *notes;
};

static void rule_done(struct np_rule *r)
{
	for (size_t i = 0; i < r->n_peers; i++) {
		k8s_selector_done(&r->peers[i].pod);
		k8s_selector_done(&r->peers[i].nsel);
	}
	free(r->peers);
	free(r->ports);
}

static void policy_done(struct np_policy *p)
{
	k8s_selector_done(&p->sel);
	for (int d = 0; d < _DIR_MAX; d++) {
		for (size_t i = 0; i < p->n_rules[d]; i++)
			rule_done(&p->rules[d][i]);
		free(p->rules[d]);
	}
}

static void workloads_free(struct k8s_net_workload *wl, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(wl[i].labels);
		free(wl[i].ports);
	}
	free(wl);
}

static void model_done(struct model *m, bool keep_wl)
{
	for (size_t i = 0; i < m->n_pol; i++)
		policy_done(&m->pol[i]);
	free(m->pol);
	for (size_t i = 0; i < m->n_ns; i++)
		free(m->ns[i].labels);
	free(m->ns);
	if (!keep_wl)
		workloads_free(m->wl, m->n_wl);
}

/* Follow a dotted path of object keys. */
static json_t *json_path(json_t *v, const char *path)
{
	struct span in = span_from(path), tok;
	while (v && span_next_token(&in, '.', &tok) == 0) {
		char key[64];
		if (tok.len >= sizeof(key) || !json_is_object(v))
			return NULL;
		memcpy(key, tok.ptr, tok.len);
		key[tok.len] = '\0';
		v = json_object_get(v, key);
	}
	return v;
}

static int parse_proto(const json_t *o, enum k8s_proto *ret)
{
	json_t *p = json_object_get(o, "protocol");
	if (!p || json_is_null(p)) {
		*ret = K8S_PROTO_TCP;
		return 0;
	}
	const char *s = json_string_value(p);
	if (!s)
		return -EBADMSG;
	if (streq(s, "TCP"))
		*ret = K8S_PROTO_TCP;
	else if (streq(s, "UDP"))
		*ret = K8S_PROTO_UDP;
	else if (streq(s, "SCTP"))
		*ret = K8S_PROTO_SCTP;
	else
		return -EBADMSG;
	return 0;
}

static bool port_number(const json_t *v, uint16_t *ret)
{
	if (!json_is_integer(v))
		return false;
	json_int_t n = json_integer_value(v);
	if (n < 1 || n > 65535)
		return false;
	*ret = (uint16_t)n;
	return true;
}

/* ---- workloads ---- */

static int add_ports(struct k8s_net_workload *w, size_t *cap, json_t *ctrs)
{
	for (size_t i = 0; i < json_array_size(ctrs); i++) {
		json_t *ports = json_object_get(json_array_get(ctrs, i), "ports");
		for (size_t j = 0; j < json_array_size(ports); j++) {
			json_t *p = json_array_get(ports, j);
			struct k8s_net_port np = {.name = bh_json_str(p, "name")};
			if (!json_is_object(p) ||
			    !port_number(json_object_get(p, "containerPort"), &np.port) ||
			    parse_proto(p, &np.proto) < 0)
				continue;
			if (GROW(w->ports, w->n_ports, *cap) < 0)
				return -ENOMEM;
			w->ports[w->n_ports++] = np;
		}
	}
	return 0;
}

static int workload_build(const struct k8s_object *o, struct k8s_net_workload *ret)
{
	char meta_path[64];
	size_t len = strlen(o->pod_path);
	if (len < 4 || len + 8 >= sizeof(meta_path))
		return -EINVAL;
	memcpy(meta_path, o->pod_path, len - 4);
	memcpy(meta_path + len - 4, "metadata", 9);
	struct k8s_net_workload w = {.obj = o, .ns = k8s_object_namespace(o)};
	json_t *labels = json_object_get(json_path(o->raw, meta_path), "labels");
	if (json_is_object(labels) && json_object_size(labels) > 0) {
		w.labels = calloc(json_object_size(labels), sizeof(*w.labels));
		if (!w.labels)
			return -ENOMEM;
		const char *k;
		json_t *v;
		json_object_foreach(labels, k, v)
		{
			if (json_is_string(v))
				w.labels[w.n_labels++] = (struct k8s_kv){k, json_string_value(v)};
		}
	}
	json_t *spec = json_path(o->raw, o->pod_path);
	size_t cap = 0;
	int r = add_ports(&w, &cap, json_object_get(spec, "initContainers"));
	if (r == 0)
		r = add_ports(&w, &cap, json_object_get(spec, "containers"));
	if (r < 0) {
		free(w.labels);
		free(w.ports);
		return r;
	}
	*ret = w;
	return 0;
}

static int collect_workloads(const struct k8s_manifests *m, struct model *md)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct k8s_object *o = &m->objs[i];
		if (!o->has_pod || o->kind == K8S_KIND_PODTEMPLATE || !o->pod_path)
			continue;
		if (GROW(md->wl, md->n_wl, md->cap_wl) < 0)
			return -ENOMEM;
		int r = workload_build(o, &md->wl[md->n_wl]);
		if (r == -ENOMEM)
			return r;
		if (r == 0)
			md->n_wl++;
	}
	return 0;
}

/* ---- namespaces ---- */

static struct ns_info *ns_find(const struct model *md, const char *name)
{
	for (size_t i = 0; i < md->n_ns; i++)
		if (streq(md->ns[i].name, name))
			return &md->ns[i];
	return NULL;
}

static int ns_add(struct model *md, const char *name, const struct k8s_object *nsobj)
{
	struct ns_info *n = ns_find(md, name);
	if (!n) {
		if (GROW(md->ns, md->n_ns, md->cap_ns) < 0)
			return -ENOMEM;
		n = &md->ns[md->n_ns++];
		*n = (struct ns_info){.name = name};
	}
	if (nsobj && !n->labels) {
		/* The API server adds kubernetes.io/metadata.name to every namespace. */
		size_t cnt = nsobj->n_labels + 1;
		n->labels = calloc(cnt, sizeof(*n->labels));
		if (!n->labels)
			return -ENOMEM;
		for (size_t i = 0; i < nsobj->n_labels; i++)
			if (!streq(nsobj->labels[i].key, "kubernetes.io/metadata.name"))
				n->labels[n->n_labels++] = nsobj->labels[i];
	}
	if (!n->labels) {
		n->labels = calloc(1, sizeof(*n->labels));
		if (!n->labels)
			return -ENOMEM;
	}
	return 0;
}

static int ns_finish(struct model *md)
{
	for (size_t i = 0; i < md->n_ns; i++) {
		struct ns_info *n = &md->ns[i];
		bool have = false;
		for (size_t j = 0; j < n->n_labels; j++)
			have |= streq(n->labels[j].key, "kubernetes.io/metadata.name");
		if (!have) {
			/* ns_add left room for one more label. */
			n->labels[n->n_labels++] =
			    (struct k8s_kv){"kubernetes.io/metadata.name", n->name};
		}
	}
	return 0;
}

/* ---- policies ---- */

static int parse_peer(const json_t *pj, struct np_peer *ret)
{
	if (!json_is_object(pj))
		return -EBADMSG;
	struct np_peer p = {0};
	json_t *ipb = json_object_get(pj, "ipBlock");
	json_t *ps = json_object_get(pj, "podSelector");
	json_t *nss = json_object_get(pj, "namespaceSelector");
	if (ipb && !json_is_null(ipb)) {
		if (ps || nss)
			return -EBADMSG;
		const char *cidr = bh_json_str(ipb, "cidr");
		struct k8s_cidr c;
		if (!cidr || k8s_cidr_parse(span_from(cidr), &c) < 0)
			return -EBADMSG;
		json_t *exc = json_object_get(ipb, "except");
		size_t n = json_array_size(exc);
		if (n > NP_MAX_EXCEPT)
			return -E2BIG;
		struct k8s_cidr *ex = calloc(n ? n : 1, sizeof(*ex));
		if (!ex)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++) {
			const char *e = json_string_value(json_array_get(exc, i));
			if (!e || k8s_cidr_parse(span_from(e), &ex[i]) < 0 ||
			    !k8s_cidr_contains(&c, &ex[i])) {
				free(ex);
				return -EBADMSG;
			}
		}
		p.is_ipblock = true;
		p.ip_nonempty = !k8s_cidr_covered(&c, ex, n);
		free(ex);
		*ret = p;
		return 0;
	}
	int r = 0;
	if (ps && !json_is_null(ps)) {
		p.has_pod = true;
		r = k8s_selector_parse(ps, &p.pod);
	}
	if (r == 0 && nss && !json_is_null(nss)) {
		p.has_ns = true;
		r = k8s_selector_parse(nss, &p.nsel);
	}
	if (r == 0 && !p.has_pod && !p.has_ns)
		r = -EBADMSG;
	if (r < 0) {
		k8s_selector_done(&p.pod);
		k8s_selector_done(&p.nsel);
		return r;
	}
	*ret = p;
	return 0;
}

static int parse_rule(const json_t *rj, const char *peers_key, struct np_rule *ret)
{
	if (!json_is_object(rj))
		return -EBADMSG;
	struct np_rule rule = {0};
	json_t *peers = json_object_get(rj, peers_key);
	json_t *ports = json_object_get(rj, "ports");
	if ((peers && !json_is_null(peers) && !json_is_array(peers)) ||
	    (ports && !json_is_null(ports) && !json_is_array(ports)))
		return -EBADMSG;
	int r = 0;
	size_t np = json_array_size(peers), nq = json_array_size(ports);
	rule.all_peers = np == 0;
	if (np) {
		rule.peers = calloc(np, sizeof(*rule.peers));
		if (!rule.peers)
			return -ENOMEM;
	}
	for (size_t i = 0; r == 0 && i < np; i++) {
		r = parse_peer(json_array_get(peers, i), &rule.peers[i]);
		if (r == 0)
			rule.n_peers++;
	}
	if (r == 0 && nq) {
		rule.ports = calloc(nq, sizeof(*rule.ports));
		if (!rule.ports)
			r = -ENOMEM;
	}
	for (size_t i = 0; r == 0 && i < nq; i++) {
		json_t *pj = json_array_get(ports, i);
		struct np_port p = {0};
		if (!json_is_object(pj) || parse_proto(pj, &p.proto) < 0) {
			r = -EBADMSG;
			break;
		}
		json_t *port = json_object_get(pj, "port"), *end = json_object_get(pj, "endPort");
		if (!port || json_is_null(port)) {
			p.any = true;
		} else if (json_is_string(port)) {
			/* IntOrString: a string is a port name, a digit string its number */
			const char *s = json_string_value(port);
			uint64_t v;
			if (parse_u64(span_from(s), 10, 65535, &v) == 0 && v > 0)
				p.port = (uint16_t)v;
			else
				p.named = s;
		} else if (!port_number(port, &p.port)) {
			r = -EBADMSG;
		}
		p.end = p.port;
		if (r == 0 && end && !json_is_null(end)) {
			if (!p.port || !port_number(end, &p.end) || p.end < p.port)
				r = -EBADMSG;
		}
		rule.ports[rule.n_ports++] = p;
	}
	if (r < 0) {
		rule_done(&rule);
		return r;
	}
	*ret = rule;
	return 0;
}

static int parse_policy(const struct k8s_object *o, struct np_policy *ret)
{
	json_t *spec = json_object_get(o->raw, "spec");
	if (!json_is_object(spec))
		return -EBADMSG;
	struct np_policy p = {.obj = o, .ns = k8s_object_namespace(o)};
	int r = k8s_selector_parse(json_object_get(spec, "podSelector"), &p.sel);
	if (r < 0)
		return r;
	static const char *const keys[_DIR_MAX] = {"ingress", "egress"};
	static const char *const peer_keys[_DIR_MAX] = {"from", "to"};
	for (int d = 0; r == 0 && d < _DIR_MAX; d++) {
		json_t *rules = json_object_get(spec, keys[d]);
		if (rules && !json_is_null(rules) && !json_is_array(rules)) {
			r = -EBADMSG;
			break;
		}
		size_t n = json_array_size(rules);
		if (!n)
			continue;
		p.rules[d] = calloc(n, sizeof(*p.rules[d]));
		if (!p.rules[d]) {
			r = -ENOMEM;
			break;
		}
		for (size_t i = 0; r == 0 && i < n; i++) {
			r = parse_rule(json_array_get(rules, i), peer_keys[d], &p.rules[d][i]);
			if (r == 0)
				p.n_rules[d]++;
		}
	}
	json_t *types = json_object_get(spec, "policyTypes");
	if (r == 0 && types && !json_is_null(types)) {
		if (!json_is_array(types))
			r = -EBADMSG;
		for (size_t i = 0; r == 0 && i < json_array_size(types); i++) {
			const char *t = json_string_value(json_array_get(types, i));
			if (t && streq(t, "Ingress"))
				p.types[DIR_INGRESS] = true;
			else if (t && streq(t, "Egress"))
				p.types[DIR_EGRESS] = true;
			else
				r = -EBADMSG;
		}
	} else if (r == 0) {
		p.types[DIR_INGRESS] = true;
		p.types[DIR_EGRESS] = p.n_rules[DIR_EGRESS] > 0;
	}
	if (r < 0) {
		policy_done(&p);
		return r;
	}
	*ret = p;
	return 0;
}

static int collect_policies(const struct k8s_manifests *m, struct model *md)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct k8s_object *o = &m->objs[i];
		if (!streq(o->kind_name, "NetworkPolicy"))
			continue;
		if (GROW(md->pol, md->n_pol, md->cap_pol) < 0)
			return -ENOMEM;
		int r = parse_policy(o, &md->pol[md->n_pol]);
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			/* -EBADMSG or -E2BIG (too many ipBlock exceptions) */
			_cleanup_buf_ struct buf note;
			buf_init(&note, 0);
			r = buf_printf(&note, "%s:%u: ignoring malformed NetworkPolicy %s/%s",
				       o->path, o->line, k8s_object_namespace(o), o->name);
			if (r == 0)
				r = strv_push(md->notes, buf_str(&note));
			if (r < 0)
				return r;
			continue;
		}
		md->n_pol++;
	}
	return 0;
}

static int build_model(const struct k8s_manifests *m, struct model *md)
{
	int r = collect_workloads(m, md);
	if (r == 0)
		r = collect_policies(m, md);
	for (size_t i = 0; r == 0 && i < m->n; i++)
		if (m->objs[i].kind == K8S_KIND_NAMESPACE && m->objs[i].name[0])
			r = ns_add(md, m->objs[i].name, &m->objs[i]);
	for (size_t i = 0; r == 0 && i < md->n_wl; i++)
		r = ns_add(md, md->wl[i].ns, NULL);
	for (size_t i = 0; r == 0 && i < md->n_pol; i++)
		r = ns_add(md, md->pol[i].ns, NULL);
	return r ?: ns_finish(md);
}

/* ---- evaluation ---- */

/*
 * The pairs are not evaluated one by one against every policy: the policies selecting each
 * workload (per direction) and the endpoints each rule's peers match are computed once, as
 * bitsets over the endpoints (bit i for workload i, bit n_wl for the outside). A source's
 * candidate destinations are then the intersection of what its egress allows and of what
 * admits it on ingress, and only those pairs get their port sets computed.
 */
struct eval {
	const struct model *md;
	size_t n_wl, nw;    /* workloads; 64-bit words per bitset (n_wl + 1 bits) */
	size_t *ns_start;   /* n_ns + 1: namespace i has ns_wl[start[i]..start[i+1]) */
	size_t *ns_wl;	    /* workload indexes grouped by namespace, ascending within one */
	size_t *pol_ns;	    /* namespace index of each policy */
	uint64_t *pol_sel;  /* n_pol bitsets: the workloads each policy's podSelector selects */
	size_t *rule_first; /* n_pol * _DIR_MAX: index of the first rule's bitset in peers */
	uint64_t *peers;    /* one bitset per rule: the endpoints its peers match */
	size_t *sel_start[_DIR_MAX]; /* n_wl + 1: policies of that type selecting workload w */
	size_t *sel_pol[_DIR_MAX];   /* are sel_pol[d][sel_start[d][w]..sel_start[d][w+1]) */
	uint64_t *in_base;	     /* ingress candidates common to every source */
	bool *pol_in_all;	     /* the policy admits every source on some ingress rule */
};

static bool bit_get(const uint64_t *b, size_t i)
{
	return (b[i / 64] >> (i % 64)) & 1;
}

static void bit_set(uint64_t *b, size_t i)
{
	b[i / 64] |= (uint64_t)1 << (i % 64);
}

static void bits_or(uint64_t *a, const uint64_t *b, size_t nw)
{
	for (size_t i = 0; i < nw; i++)
		a[i] |= b[i];
}

/* Set bits 0..n-1 (the other bits of the nw words cleared). */
static void bits_fill(uint64_t *a, size_t nw, size_t n)
{
	for (size_t i = 0; i < nw; i++) {
		size_t lo = i * 64;
		a[i] = n >= lo + 64 ? UINT64_MAX : n > lo ? ((uint64_t)1 << (n - lo)) - 1 : 0;
	}
}

static const uint64_t *rule_bits(const struct eval *ev, size_t pol, enum dir d, size_t j)
{
	return &ev->peers[(ev->rule_first[pol * _DIR_MAX + d] + j) * ev->nw];
}

static void eval_done(struct eval *ev)
{
	free(ev->ns_start);
	free(ev->ns_wl);
	free(ev->pol_ns);
	free(ev->pol_sel);
	free(ev->rule_first);
	free(ev->peers);
	for (int d = 0; d < _DIR_MAX; d++) {
		free(ev->sel_start[d]);
		free(ev->sel_pol[d]);
	}
	free(ev->in_base);
	free(ev->pol_in_all);
}

static size_t ns_index(const struct model *md, const char *name)
{
	const struct ns_info *n = ns_find(md, name);
	return n ? (size_t)(n - md->ns) : md->n_ns;
}

/* Set in bits the workloads of namespace ns that sel matches (every one when !sel). */
static void ns_select(const struct eval *ev, size_t ns, const struct k8s_selector *sel,
		      uint64_t *bits)
{
	if (ns >= ev->md->n_ns)
		return;
	for (size_t k = ev->ns_start[ns]; k < ev->ns_start[ns + 1]; k++) {
		const struct k8s_net_workload *w = &ev->md->wl[ev->ns_wl[k]];
		if (!sel || k8s_selector_matches(sel, w->labels, w->n_labels))
			bit_set(bits, ev->ns_wl[k]);
	}
}

static void peer_bits(const struct eval *ev, size_t pol, const struct np_peer *p, uint64_t *bits)
{
	const struct model *md = ev->md;
	if (p->is_ipblock) {
		if (p->ip_nonempty)
			bit_set(bits, ev->n_wl);
		return;
	}
	const struct k8s_selector *pod = p->has_pod ? &p->pod : NULL;
	if (!p->has_ns) {
		ns_select(ev, ev->pol_ns[pol], pod, bits);
		return;
	}
	for (size_t i = 0; i < md->n_ns; i++)
		if (k8s_selector_matches(&p->nsel, md->ns[i].labels, md->ns[i].n_labels))
			ns_select(ev, i, pod, bits);
}

static int eval_init(struct eval *ev, const struct model *md)
{
	*ev = (struct eval){.md = md, .n_wl = md->n_wl, .nw = md->n_wl / 64 + 1};
	size_t n_wl = md->n_wl, nw = ev->nw, n_pol = md->n_pol, n_ns = md->n_ns;
	_cleanup_free_ size_t *wl_ns = calloc(n_wl + 1, sizeof(*wl_ns));
	ev->ns_start = calloc(n_ns + 2, sizeof(*ev->ns_start));
	ev->ns_wl = calloc(n_wl + 1, sizeof(*ev->ns_wl));
	ev->pol_ns = calloc(n_pol + 1, sizeof(*ev->pol_ns));
	ev->pol_sel = calloc((n_pol + 1) * nw, sizeof(*ev->pol_sel));
	ev->rule_first = calloc((n_pol + 1) * _DIR_MAX, sizeof(*ev->rule_first));
	ev->in_base = calloc(nw, sizeof(*ev->in_base));
	ev->pol_in_all = calloc(n_pol + 1, sizeof(*ev->pol_in_all));
	if (!wl_ns || !ev->ns_start || !ev->ns_wl || !ev->pol_ns || !ev->pol_sel ||
	    !ev->rule_first || !ev->in_base || !ev->pol_in_all)
		return -ENOMEM;
	/* Workloads grouped by namespace (a counting sort, stable). */
	for (size_t w = 0; w < n_wl; w++) {
		wl_ns[w] = ns_index(md, md->wl[w].ns);
		ev->ns_start[wl_ns[w] + 1]++;
	}
	for (size_t i = 0; i < n_ns; i++)
		ev->ns_start[i + 1] += ev->ns_start[i];
	{
		_cleanup_free_ size_t *fill = calloc(n_ns + 1, sizeof(*fill));
		if (!fill)
			return -ENOMEM;
		for (size_t w = 0; w < n_wl; w++)
			if (wl_ns[w] < n_ns)
				ev->ns_wl[ev->ns_start[wl_ns[w]] + fill[wl_ns[w]]++] = w;
	}
	/* What each policy selects, and one bitset per rule for its peers. */
	size_t n_rules = 0;
	for (size_t i = 0; i < n_pol; i++) {
		ev->pol_ns[i] = ns_index(md, md->pol[i].ns);
		ns_select(ev, ev->pol_ns[i], &md->pol[i].sel, &ev->pol_sel[i * nw]);
		for (int d = 0; d < _DIR_MAX; d++) {
			ev->rule_first[i * _DIR_MAX + (size_t)d] = n_rules;
			n_rules += md->pol[i].n_rules[d];
		}
	}
	ev->peers = calloc((n_rules + 1) * nw, sizeof(*ev->peers));
	if (!ev->peers)
		return -ENOMEM;
	for (size_t i = 0; i < n_pol; i++)
		for (int d = 0; d < _DIR_MAX; d++)
			for (size_t j = 0; j < md->pol[i].n_rules[d]; j++) {
				const struct np_rule *rule = &md->pol[i].rules[d][j];
				uint64_t *bits = (uint64_t *)rule_bits(ev, i, (enum dir)d, j);
				if (rule->all_peers)
					bits_fill(bits, nw, n_wl + 1);
				for (size_t k = 0; k < rule->n_peers; k++)
					peer_bits(ev, i, &rule->peers[k], bits);
			}
	/* Per workload and direction, the policies of that type selecting it (CSR). */
	for (int d = 0; d < _DIR_MAX; d++) {
		size_t *start = calloc(n_wl + 2, sizeof(*start));
		ev->sel_start[d] = start;
		if (!start)
			return -ENOMEM;
		for (size_t i = 0; i < n_pol; i++)
			if (md->pol[i].types[d])
				for (size_t w = 0; w < n_wl; w++)
					start[w + 1] += bit_get(&ev->pol_sel[i * nw], w);
		for (size_t w = 0; w < n_wl; w++)
			start[w + 1] += start[w];
		ev->sel_pol[d] = calloc(start[n_wl] + 1, sizeof(*ev->sel_pol[d]));
		_cleanup_free_ size_t *fill = calloc(n_wl + 1, sizeof(*fill));
		if (!ev->sel_pol[d] || !fill)
			return -ENOMEM;
		for (size_t i = 0; i < n_pol; i++) {
			if (!md->pol[i].types[d])
				continue;
			const size_t pns = ev->pol_ns[i];
			if (pns >= n_ns)
				continue;
			for (size_t k = ev->ns_start[pns]; k < ev->ns_start[pns + 1]; k++) {
				size_t w = ev->ns_wl[k];
				if (bit_get(&ev->pol_sel[i * nw], w))
					ev->sel_pol[d][start[w] + fill[w]++] = i;
			}
		}
	}
	/*
	 * Ingress candidates whatever the source: the outside, workloads no ingress policy
	 * isolates, and those selected by a policy with a rule admitting every peer.
	 */
	bit_set(ev->in_base, n_wl);
	for (size_t w = 0; w < n_wl; w++)
		if (ev->sel_start[DIR_INGRESS][w] == ev->sel_start[DIR_INGRESS][w + 1])
			bit_set(ev->in_base, w);
	for (size_t i = 0; i < n_pol; i++) {
		if (!md->pol[i].types[DIR_INGRESS])
			continue;
		for (size_t j = 0; j < md->pol[i].n_rules[DIR_INGRESS]; j++)
			ev->pol_in_all[i] |= md->pol[i].rules[DIR_INGRESS][j].all_peers;
		if (ev->pol_in_all[i])
			bits_or(ev->in_base, &ev->pol_sel[i * nw], nw);
	}
	return 0;
}

static int rule_ports(const struct np_rule *rule, const struct k8s_net_workload *dst,
		      struct k8s_port_set *set)
{
	if (!rule->n_ports)
		return k8s_port_set_add_all(set);
	for (size_t i = 0; i < rule->n_ports; i++) {
		const struct np_port *p = &rule->ports[i];
		int r = 0;
		if (p->any)
			r = k8s_port_set_add(set, p->proto, 1, 65535);
		else if (!p->named)
			r = k8s_port_set_add(set, p->proto, p->port, p->end);
		else
			for (size_t j = 0; r == 0 && dst && j < dst->n_ports; j++)
				if (dst->ports[j].name && streq(dst->ports[j].name, p->named) &&
				    dst->ports[j].proto == p->proto)
					r = k8s_port_set_add(set, p->proto, dst->ports[j].port,
							     dst->ports[j].port);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * What the policies of workload target allow in direction d with peer (the other end, an
 * endpoint bit), named ports resolved against dst.
 */
static int allowed(const struct eval *ev, enum dir d, size_t target, size_t peer,
		   const struct k8s_net_workload *dst, struct k8s_port_set *set)
{
	size_t lo = ev->sel_start[d][target], hi = ev->sel_start[d][target + 1];
	if (lo == hi)
		return k8s_port_set_add_all(set);
	for (size_t k = lo; k < hi; k++) {
		size_t i = ev->sel_pol[d][k];
		const struct np_policy *pol = &ev->md->pol[i];
		for (size_t j = 0; j < pol->n_rules[d]; j++) {
			if (!bit_get(rule_bits(ev, i, d, j), peer))
				continue;
			int r = rule_ports(&pol->rules[d][j], dst, set);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* The ports from endpoint src to endpoint dst (n_wl = the outside). */
static int edge_eval(const struct eval *ev, size_t src, size_t dst, struct k8s_port_set *ret)
{
	struct k8s_port_set e = {0}, in = {0};
	const struct k8s_net_workload *dw = dst == ev->n_wl ? NULL : &ev->md->wl[dst];
	int r =
	    src == ev->n_wl ? k8s_port_set_add_all(&e) : allowed(ev, DIR_EGRESS, src, dst, dw, &e);
	if (r == 0)
		r = dst == ev->n_wl ? k8s_port_set_add_all(&in)
				    : allowed(ev, DIR_INGRESS, dst, src, dw, &in);
	if (r == 0)
		r = k8s_port_set_intersect(&e, &in, ret);
	k8s_port_set_done(&e);
	k8s_port_set_done(&in);
	return r;
}

/* Append the connections from endpoint s, in destination order; ce and ci are scratch. */
static int source_edges(const struct eval *ev, size_t s, uint64_t *ce, uint64_t *ci,
			struct k8s_net_report *rep)
{
	const struct model *md = ev->md;
	size_t n_wl = ev->n_wl, nw = ev->nw;
	/* Where the source's egress may go. */
	if (s == n_wl || ev->sel_start[DIR_EGRESS][s] == ev->sel_start[DIR_EGRESS][s + 1]) {
		bits_fill(ce, nw, n_wl + 1);
	} else {
		memset(ce, 0, nw * sizeof(*ce));
		for (size_t k = ev->sel_start[DIR_EGRESS][s]; k < ev->sel_start[DIR_EGRESS][s + 1];
		     k++) {
			size_t i = ev->sel_pol[DIR_EGRESS][k];
			for (size_t j = 0; j < md->pol[i].n_rules[DIR_EGRESS]; j++)
				bits_or(ce, rule_bits(ev, i, DIR_EGRESS, j), nw);
		}
	}
	/* Which destinations may admit the source. */
	memcpy(ci, ev->in_base, nw * sizeof(*ci));
	for (size_t i = 0; i < md->n_pol; i++) {
		if (!md->pol[i].types[DIR_INGRESS] || ev->pol_in_all[i])
			continue;
		for (size_t j = 0; j < md->pol[i].n_rules[DIR_INGRESS]; j++)
			if (bit_get(rule_bits(ev, i, DIR_INGRESS, j), s)) {
				bits_or(ci, &ev->pol_sel[i * nw], nw);
				break;
			}
	}
	for (size_t wd = 0; wd < nw; wd++) {
		uint64_t m = ce[wd] & ci[wd];
		while (m) {
			size_t d = wd * 64 + (size_t)__builtin_ctzll(m);
			m &= m - 1;
			if (d > n_wl || (s == n_wl && d == n_wl))
				continue;
			struct k8s_port_set ps = {0};
			int r = edge_eval(ev, s, d, &ps);
			if (r < 0 || ps.n == 0) {
				k8s_port_set_done(&ps);
				if (r < 0)
					return r;
				continue;
			}
			if (ps.cap > ps.n) {
				/* Most hold a range or two: keep no room for 8. */
				struct k8s_port_range *t = reallocarray(ps.r, ps.n, sizeof(*ps.r));
				if (t) {
					ps.r = t;
					ps.cap = ps.n;
				}
			}
			if (GROW(rep->edges, rep->n_edges, rep->cap_edges) < 0) {
				k8s_port_set_done(&ps);
				return -ENOMEM;
			}
			rep->edges[rep->n_edges++] = (struct k8s_net_edge){
			    s == n_wl ? K8S_NET_EXTERNAL : s, d == n_wl ? K8S_NET_EXTERNAL : d, ps};
		}
	}
	return 0;
}

static int all_edges(const struct model *md, struct k8s_net_report *rep)
{
	struct eval ev;
	int r = eval_init(&ev, md);
	_cleanup_free_ uint64_t *ce = calloc(ev.nw, sizeof(*ce));
	_cleanup_free_ uint64_t *ci = calloc(ev.nw, sizeof(*ci));
	if (r == 0 && (!ce || !ci))
		r = -ENOMEM;
	/* Sources: every workload, then the outside (index n_wl). */
	for (size_t s = 0; r == 0 && s <= md->n_wl; s++)
		r = source_edges(&ev, s, ce, ci, rep);
	eval_done(&ev);
	return r;
}

static int ns_cmp(const void *a, const void *b)
{
	return strcmp(((const struct k8s_net_ns *)a)->name, ((const struct k8s_net_ns *)b)->name);
}

void k8s_net_report_done(struct k8s_net_report *r)
{
	if (!r)
		return;
	workloads_free(r->wl, r->n_wl);
	for (size_t i = 0; i < r->n_edges; i++)
		k8s_port_set_done(&r->edges[i].ports);
	free(r->edges);
	for (size_t i = 0; i < r->n_ns; i++)
		free(r->ns[i].name);
	free(r->ns);
	strv_done(&r->notes);
	*r = (struct k8s_net_report){0};
}

int k8s_net_reach(const struct k8s_manifests *m, struct k8s_net_report *ret)
{
	struct k8s_net_report rep = {0};
	struct model md = {.notes = &rep.notes};
	int r = build_model(m, &md);
	rep.wl = md.wl;
	rep.n_wl = md.n_wl;
	if (r == 0)
		r = all_edges(&md, &rep);
	/* Which workloads a policy isolates (for the findings: k8s_net_findings()). */
	for (size_t i = 0; r == 0 && i < rep.n_wl; i++) {
		struct k8s_net_workload *w = &rep.wl[i];
		for (size_t j = 0; j < md.n_pol; j++) {
			const struct np_policy *p = &md.pol[j];
			if (!streq(p->ns, w->ns) ||
			    !k8s_selector_matches(&p->sel, w->labels, w->n_labels))
				continue;
			w->ingress_isolated |= p->types[DIR_INGRESS];
			w->egress_isolated |= p->types[DIR_EGRESS];
		}
	}
	if (r == 0 && md.n_ns) {
		rep.ns = calloc(md.n_ns, sizeof(*rep.ns));
		if (!rep.ns)
			r = -ENOMEM;
	}
	for (size_t i = 0; r == 0 && i < md.n_ns; i++) {
		struct k8s_net_ns *n = &rep.ns[rep.n_ns];
		n->name = strdup(md.ns[i].name);
		if (!n->name) {
			r = -ENOMEM;
			break;
		}
		rep.n_ns++;
		for (size_t j = 0; j < md.n_pol; j++) {
			const struct np_policy *p = &md.pol[j];
			if (!streq(p->ns, n->name))
				continue;
			n->n_policies++;
			if (!k8s_selector_is_empty(&p->sel))
				continue;
			n->ingress_isolated |= p->types[DIR_INGRESS];
			n->egress_isolated |= p->types[DIR_EGRESS];
		}
	}
	if (rep.n_ns)
		qsort(rep.ns, rep.n_ns, sizeof(*rep.ns), ns_cmp);
	model_done(&md, true);
	if (r < 0) {
		k8s_net_report_done(&rep);
		return r;
	}
	*ret = rep;
	return 0;
}

static void wl_id(const struct k8s_net_workload *wl, size_t n, size_t i, char *dst, size_t size)
{
	if (i == K8S_NET_EXTERNAL || i >= n) {
		(void)xsnprintf(dst, size, "(external)");
		return;
	}
	const struct k8s_object *o = wl[i].obj;
	if (xsnprintf(dst, size, "%s/%s/%s", o->kind_name, wl[i].ns, o->name) < 0)
		(void)xsnprintf(dst, size, "%s/%s/...", o->kind_name, wl[i].ns);
}

void k8s_net_workload_id(const struct k8s_net_report *r, size_t i, char *dst, size_t size)
{
	wl_id(r->wl, r->n_wl, i, dst, size);
}

/* ---- output ---- */

static int write_table(const struct k8s_net_report *rep, FILE *f)
{
	char a[600], b[600];
	size_t wa = strlen("FROM"), wb = strlen("TO");
	for (size_t i = 0; i < rep->n_edges; i++) {
		k8s_net_workload_id(rep, rep->edges[i].from, a, sizeof(a));
		k8s_net_workload_id(rep, rep->edges[i].to, b, sizeof(b));
		wa = MAX(wa, strlen(a));
		wb = MAX(wb, strlen(b));
	}
	fprintf(f, "%-*s  %-*s  %s\n", (int)wa, "FROM", (int)wb, "TO", "PORTS");
	_cleanup_buf_ struct buf ports;
	buf_init(&ports, 0);
	for (size_t i = 0; i < rep->n_edges; i++) {
		k8s_net_workload_id(rep, rep->edges[i].from, a, sizeof(a));
		k8s_net_workload_id(rep, rep->edges[i].to, b, sizeof(b));
		buf_clear(&ports);
		int r = k8s_port_set_format(&rep->edges[i].ports, &ports);
		if (r < 0)
			return r;
		fprintf(f, "%-*s  %-*s  %s\n", (int)wa, a, (int)wb, b, buf_str(&ports));
	}
	size_t n_open = 0;
	for (size_t i = 0; i < rep->n_ns; i++)
		n_open += !rep->ns[i].ingress_isolated || !rep->ns[i].egress_isolated;
	fprintf(f,
		"\n%zu workload(s), %zu connection(s); %zu namespace(s) without a default-deny "
		"policy%s\n",
		rep->n_wl, rep->n_edges, n_open, n_open ? ":" : "");
	for (size_t i = 0; i < rep->n_ns; i++) {
		const struct k8s_net_ns *n = &rep->ns[i];
		if (n->ingress_isolated && n->egress_isolated)
			continue;
		fprintf(f, "  %s: no default-deny for %s\n", n->name,
			!n->ingress_isolated && !n->egress_isolated ? "ingress, egress"
			: !n->ingress_isolated			    ? "ingress"
								    : "egress");
	}
	return ferror(f) ? -EIO : 0;
}

static int json_workload(void *userdata, size_t i, json_t *into)
{
	const struct k8s_net_report *rep = userdata;
	const struct k8s_net_workload *w = &rep->wl[i];
	char id[600];
	json_t *o = json_object(), *labels = json_object();
	int r = o && labels ? 0 : -ENOMEM;
	k8s_net_workload_id(rep, i, id, sizeof(id));
	r = r ?: bh_json_set_str(o, "id", id);
	r = r ?: bh_json_set_str(o, "kind", w->obj->kind_name);
	r = r ?: bh_json_set_str(o, "namespace", w->ns);
	r = r ?: bh_json_set_str(o, "name", w->obj->name);
	for (size_t j = 0; r == 0 && j < w->n_labels; j++)
		r = bh_json_set_str(labels, w->labels[j].key, w->labels[j].value);
	if (r == 0) {
		r = bh_json_set_new(o, "labels", labels);
		labels = NULL;
	}
	if (r == 0) {
		r = bh_json_append_new(into, o);
		o = NULL;
	}
	if (labels)
		json_decref(labels);
	if (o)
		json_decref(o);
	return r;
}

static int json_edge(void *userdata, size_t i, json_t *into)
{
	const struct k8s_net_report *rep = userdata;
	char id[600];
	json_t *o = json_object(), *pa = json_array();
	int r = o && pa ? 0 : -ENOMEM;
	k8s_net_workload_id(rep, rep->edges[i].from, id, sizeof(id));
	r = r ?: bh_json_set_str(o, "from", id);
	k8s_net_workload_id(rep, rep->edges[i].to, id, sizeof(id));
	r = r ?: bh_json_set_str(o, "to", id);
	_cleanup_buf_ struct buf ports;
	buf_init(&ports, 0);
	r = r ?: k8s_port_set_format(&rep->edges[i].ports, &ports);
	struct span in = buf_span(&ports), tok;
	while (r == 0 && span_next_token(&in, ',', &tok) == 0) {
		char *s = span_dup(tok);
		r = s ? bh_json_append_str(pa, s) : -ENOMEM;
		free(s);
	}
	if (r == 0) {
		r = bh_json_set_new(o, "ports", pa);
		pa = NULL;
	}
	if (r == 0) {
		r = bh_json_append_new(into, o);
		o = NULL;
	}
	if (pa)
		json_decref(pa);
	if (o)
		json_decref(o);
	return r;
}

/* The workloads and connections are streamed: one element in memory at a time. */
static int write_json(const struct k8s_net_report *rep, const json_t *findings, FILE *f)
{
	_cleanup_json_ json_t *doc = json_object();
	json_t *nss = json_array();
	int r = doc && nss ? 0 : -ENOMEM;
	if (r == 0)
		r = bh_json_set_str(doc, "schema", "bulkhead.k8s-reach/v1");
	r = r ?: bh_json_set_new(doc, "workloads", json_array());
	r = r ?: bh_json_set_new(doc, "connections", json_array());
	for (size_t i = 0; r == 0 && i < rep->n_ns; i++) {
		json_t *o = json_object();
		r = o ? 0 : -ENOMEM;
		r = r ?: bh_json_set_str(o, "name", rep->ns[i].name);
		r = r
			?: bh_json_set_new(o, "ingress_default_deny",
					   json_boolean(rep->ns[i].ingress_isolated));
		r = r
			?: bh_json_set_new(o, "egress_default_deny",
					   json_boolean(rep->ns[i].egress_isolated));
		if (r == 0) {
			r = bh_json_append_new(nss, o);
			o = NULL;
		}
		if (o)
			json_decref(o);
	}
	if (r == 0) {
		r = bh_json_set_new(doc, "namespaces", nss);
		nss = NULL;
	}
	if (nss)
		json_decref(nss);
	if (r == 0 && findings)
		r = bh_json_set_new(doc, "findings", json_incref((json_t *)findings));
	if (r < 0)
		return r;
	const struct bh_json_stream streams[] = {
	    {"workloads", rep->n_wl, json_workload, (void *)rep},
	    {"connections", rep->n_edges, json_edge, (void *)rep},
	};
	return bh_json_dump_file_streamed(doc, streams, ARRAY_SIZE(streams), f);
}

static void dot_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s >= 0x20)
			fputc(*s, f);
	}
	fputc('"', f);
}

static int write_dot(const struct k8s_net_report *rep, FILE *f)
{
	char id[600];
	fputs("digraph reach {\n\trankdir=LR;\n", f);
	for (size_t i = 0; i <= rep->n_wl; i++) {
		k8s_net_workload_id(rep, i == rep->n_wl ? K8S_NET_EXTERNAL : i, id, sizeof(id));
		fputc('\t', f);
		dot_str(f, id);
		fputs(i == rep->n_wl ? " [shape=diamond];\n" : " [shape=box];\n", f);
	}
	_cleanup_buf_ struct buf ports;
	buf_init(&ports, 0);
	for (size_t i = 0; i < rep->n_edges; i++) {
		buf_clear(&ports);
		int r = k8s_port_set_format(&rep->edges[i].ports, &ports);
		if (r < 0)
			return r;
		fputc('\t', f);
		k8s_net_workload_id(rep, rep->edges[i].from, id, sizeof(id));
		dot_str(f, id);
		fputs(" -> ", f);
		k8s_net_workload_id(rep, rep->edges[i].to, id, sizeof(id));
		dot_str(f, id);
		fputs(" [label=", f);
		dot_str(f, buf_str(&ports));
		fputs("];\n", f);
	}
	fputs("}\n", f);
	return ferror(f) ? -EIO : 0;
}

int k8s_net_reach_write(const struct k8s_net_report *r, enum k8s_net_format fmt, FILE *f)
{
	switch (fmt) {
	case K8S_NET_FMT_JSON:
		return write_json(r, NULL, f);
	case K8S_NET_FMT_DOT:
		return write_dot(r, f);
	default:
		return write_table(r, f);
	}
}

int k8s_net_reach_write_json(const struct k8s_net_report *r, const json_t *findings, FILE *f)
{
	return write_json(r, findings, f);
}

/* ---- exposure ---- */

void k8s_exposure_report_done(struct k8s_exposure_report *r)
{
	if (!r)
		return;
	workloads_free(r->wl, r->n_wl);
	for (size_t i = 0; i < r->n; i++)
		free(r->e[i].detail);
	free(r->e);
	*r = (struct k8s_exposure_report){0};
}

static int expose_add(struct k8s_exposure_report *rep, size_t wl, const char *via, const char *fmt,
		      ...) _printf_(4, 5);
static int expose_add(struct k8s_exposure_report *rep, size_t wl, const char *via, const char *fmt,
		      ...)
{
	if (GROW(rep->e, rep->n, rep->cap) < 0)
		return -ENOMEM;
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	va_list ap;
	va_start(ap, fmt);
	int r = buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (r < 0)
		return r;
	char *d = buf_take(&b);
	if (!d)
		return -ENOMEM;
	rep->e[rep->n++] = (struct k8s_exposure){wl, via, d};
	return 0;
}

/* Whether the Service's selector (a plain map) selects workload w. */
static bool svc_selects(const json_t *sel, const struct k8s_net_workload *w)
{
	if (!json_is_object(sel) || json_object_size(sel) == 0)
		return false;
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)sel, k, v)
	{
		const char *want = json_string_value(v), *have = NULL;
		for (size_t i = 0; i < w->n_labels && !have; i++)
			if (streq(w->labels[i].key, k))
				have = w->labels[i].value;
		if (!want || !have || !streq(want, have))
			return false;
	}
	return true;
}

static int svc_ports(const json_t *svc, bool node_ports, struct buf *b)
{
	json_t *ports = json_path((json_t *)svc, "spec.ports");
	for (size_t i = 0; i < json_array_size(ports); i++) {
		json_t *p = json_array_get(ports, i);
		uint16_t port = 0, np = 0;
		enum k8s_proto proto;
		if (!port_number(json_object_get(p, "port"), &port) || parse_proto(p, &proto) < 0)
			continue;
		static const char *const names[] = {"TCP", "UDP", "SCTP"};
		int r = buf_printf(b, "%s%u/%s", b->len ? "," : " ", port, names[proto]);
		if (r == 0 && node_ports && port_number(json_object_get(p, "nodePort"), &np))
			r = buf_printf(b, "(nodePort %u)", np);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Expose the workloads a Service selects; none found is recorded against no workload. */
static int expose_service(struct k8s_exposure_report *rep, const struct k8s_object *svc,
			  const char *via, const char *prefix)
{
	_cleanup_buf_ struct buf ports;
	buf_init(&ports, 0);
	int r = svc_ports(svc->raw, streq(via, "NodePort") || streq(via, "LoadBalancer"), &ports);
	if (r < 0)
		return r;
	json_t *sel = json_path(svc->raw, "spec.selector");
	const char *ns = k8s_object_namespace(svc);
	bool any = false;
	for (size_t i = 0; i < rep->n_wl; i++) {
		if (!streq(rep->wl[i].ns, ns) || !svc_selects(sel, &rep->wl[i]))
			continue;
		any = true;
		r = expose_add(rep, i, via, "%sService/%s/%s%s", prefix, ns, svc->name,
			       buf_str(&ports));
		if (r < 0)
			return r;
	}
	if (!any)
		r = expose_add(rep, K8S_NET_EXTERNAL, via,
			       "%sService/%s/%s%s (selects no workload "
			       "among the inputs)",
			       prefix, ns, svc->name, buf_str(&ports));
	return r;
}

static const struct k8s_object *find_service(const struct k8s_manifests *m, const char *ns,
					     const char *name)
{
	return k8s_manifests_find(m, "Service", ns, name);
}

static int ingress_backend(const struct k8s_manifests *m, struct k8s_exposure_report *rep,
			   const struct k8s_object *ing, json_t *backend)
{
	if (!json_is_object(backend))
		return 0;
	/* networking.k8s.io/v1: backend.service.name; v1beta1: backend.serviceName */
	const char *name = bh_json_str(json_object_get(backend, "service"), "name");
	if (!name)
		name = bh_json_str(backend, "serviceName");
	if (!name)
		return 0;
	const char *ns = k8s_object_namespace(ing);
	const struct k8s_object *svc = find_service(m, ns, name);
	char prefix[600];
	if (xsnprintf(prefix, sizeof(prefix), "Ingress/%s/%s -> ", ns, ing->name) < 0)
		(void)xsnprintf(prefix, sizeof(prefix), "Ingress -> ");
	if (!svc)
		return expose_add(rep, K8S_NET_EXTERNAL, "Ingress",
				  "%sService/%s/%s (not among the inputs)", prefix, ns, name);
	return expose_service(rep, svc, "Ingress", prefix);
}

static int expose_cmp(const void *a, const void *b)
{
	const struct k8s_exposure *x = a, *y = b;
	if (x->wl != y->wl)
		return x->wl < y->wl ? -1 : 1;
	int c = strcmp(x->via, y->via);
	return c ? c : strcmp(x->detail, y->detail);
}

int k8s_net_exposure(const struct k8s_manifests *m, struct k8s_exposure_report *ret)
{
	struct k8s_exposure_report rep = {0};
	struct model md = {0};
	int r = collect_workloads(m, &md);
	rep.wl = md.wl;
	rep.n_wl = md.n_wl;
	md.wl = NULL;
	md.n_wl = 0;
	for (size_t i = 0; r == 0 && i < rep.n_wl; i++) {
		const struct k8s_pod_spec *pod = &rep.wl[i].obj->pod;
		if (pod->host_network)
			r = expose_add(&rep, i, "hostNetwork", "spec.hostNetwork: true");
		for (size_t c = 0; r == 0 && c < pod->n_containers; c++)
			for (size_t p = 0; r == 0 && p < pod->containers[c].n_host_ports; p++)
				r = expose_add(&rep, i, "hostPort", "container %s hostPort %lld",
					       pod->containers[c].name ? pod->containers[c].name
								       : "?",
					       (long long)pod->containers[c].host_ports[p]);
	}
	for (size_t i = 0; r == 0 && i < m->n; i++) {
		const struct k8s_object *o = &m->objs[i];
		if (streq(o->kind_name, "Service")) {
			const char *type = bh_json_str(json_object_get(o->raw, "spec"), "type");
			if (type && (streq(type, "LoadBalancer") || streq(type, "NodePort")))
				r = expose_service(
				    &rep, o, streq(type, "NodePort") ? "NodePort" : "LoadBalancer",
				    "");
			json_t *eips = json_path(o->raw, "spec.externalIPs");
			if (r == 0 && json_array_size(eips) > 0)
				r = expose_service(&rep, o, "externalIPs", "");
		} else if (streq(o->kind_name, "Ingress")) {
			json_t *spec = json_object_get(o->raw, "spec");
			r = ingress_backend(m, &rep, o, json_object_get(spec, "defaultBackend"));
			if (r == 0)
				r = ingress_backend(m, &rep, o, json_object_get(spec, "backend"));
			json_t *rules = json_object_get(spec, "rules");
			for (size_t j = 0; r == 0 && j < json_array_size(rules); j++) {
				json_t *paths = json_path(json_array_get(rules, j), "http.paths");
				for (size_t k = 0; r == 0 && k < json_array_size(paths); k++)
					r = ingress_backend(
					    m, &rep, o,
					    json_object_get(json_array_get(paths, k), "backend"));
			}
		}
	}
	model_done(&md, false);
	if (r < 0) {
		k8s_exposure_report_done(&rep);
		return r;
	}
	if (rep.n)
		qsort(rep.e, rep.n, sizeof(*rep.e), expose_cmp);
	/* One line per reason: drop repeats (an Ingress naming one Service twice). */
	size_t o = 0;
	for (size_t i = 0; i < rep.n; i++) {
		if (o && expose_cmp(&rep.e[o - 1], &rep.e[i]) == 0) {
			free(rep.e[i].detail);
			continue;
		}
		rep.e[o++] = rep.e[i];
	}
	rep.n = o;
	*ret = rep;
	return 0;
}

static int exposure_write(const struct k8s_exposure_report *rep, bool json, const json_t *findings,
			  FILE *f)
{
	char id[600];
	if (!json) {
		size_t w = strlen("WORKLOAD");
		for (size_t i = 0; i < rep->n; i++) {
			wl_id(rep->wl, rep->n_wl, rep->e[i].wl, id, sizeof(id));
			w = MAX(w, strlen(id));
		}
		fprintf(f, "%-*s  %-12s  %s\n", (int)w, "WORKLOAD", "VIA", "DETAIL");
		for (size_t i = 0; i < rep->n; i++) {
			if (rep->e[i].wl == K8S_NET_EXTERNAL)
				(void)xsnprintf(id, sizeof(id), "-");
			else
				wl_id(rep->wl, rep->n_wl, rep->e[i].wl, id, sizeof(id));
			fprintf(f, "%-*s  %-12s  %s\n", (int)w, id, rep->e[i].via,
				rep->e[i].detail);
		}
		return ferror(f) ? -EIO : 0;
	}
	_cleanup_json_ json_t *doc = json_object();
	json_t *arr = json_array();
	int r = doc && arr ? 0 : -ENOMEM;
	r = r ?: bh_json_set_str(doc, "schema", "bulkhead.k8s-exposure/v1");
	for (size_t i = 0; r == 0 && i < rep->n; i++) {
		json_t *o = json_object();
		r = o ? 0 : -ENOMEM;
		if (rep->e[i].wl != K8S_NET_EXTERNAL) {
			wl_id(rep->wl, rep->n_wl, rep->e[i].wl, id, sizeof(id));
			r = r ?: bh_json_set_str(o, "workload", id);
		}
		r = r ?: bh_json_set_str(o, "via", rep->e[i].via);
		r = r ?: bh_json_set_str(o, "detail", rep->e[i].detail);
		if (r == 0) {
			r = bh_json_append_new(arr, o);
			o = NULL;
		}
		if (o)
			json_decref(o);
	}
	if (r == 0) {
		r = bh_json_set_new(doc, "exposures", arr);
		arr = NULL;
	}
	if (arr)
		json_decref(arr);
	if (r == 0 && findings)
		r = bh_json_set_new(doc, "findings", json_incref((json_t *)findings));
	return r ?: bh_json_dump_file(doc, f);
}

int k8s_exposure_write(const struct k8s_exposure_report *rep, bool json, FILE *f)
{
	return exposure_write(rep, json, NULL, f);
}

int k8s_exposure_write_json(const struct k8s_exposure_report *rep, const json_t *findings, FILE *f)
{
	return exposure_write(rep, true, findings, f);
}
