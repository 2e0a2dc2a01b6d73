/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decision.c — see admission.h and docs/admission-policy.md. Three parts: the policy (loaded
 * strictly from YAML or JSON, immutable afterwards), the decision for one AdmissionReview
 * (what is evaluated, at which levels, which action each violated rule gets) and the
 * response encoding. Every allocation made for one request is released before adm_review()
 * returns; nothing is shared between calls except the read-only policy.
 */
#include <fcntl.h>
#include <stdio.h>

#include "common/bh-yaml.h"
#include "common/fileio.h"
#include "common/json.h"
#include "admission/admission.h"
#include "k8s/hardening.h"
#include "k8s/k8s.h"
#include "k8s/pss.h"

/* ---- policy ------------------------------------------------------------------------- */

/* Ordered by strength: the strongest action a rule gets wins. */
enum adm_action {
	ACT_OFF,
	ACT_AUDIT,
	ACT_WARN,
	ACT_ENFORCE,
	_ACT_MAX,
};

static const char *const action_names[_ACT_MAX] = {"off", "audit", "warn", "enforce"};

struct adm_rule {
	const char *id; /* static: the rule table's id */
	enum adm_action action;
};

/* Settings of one scope (the defaults or one namespaces[] entry); unset fields inherit. */
struct adm_scope {
	bool has_level[_K8S_PSA_MODE_MAX];
	enum k8s_pss_level level[_K8S_PSA_MODE_MAX];
	bool has_minor[_K8S_PSA_MODE_MAX];
	uint32_t minor[_K8S_PSA_MODE_MAX];
	bool has_hardening;
	enum adm_action hardening;
	struct adm_rule *rules; /* owned */
	size_t n_rules;
};

struct adm_ns_entry {
	struct strv names; /* glob patterns ('*' = any run of characters) */
	struct adm_scope s;
};

struct adm_policy {
	struct adm_scope defaults; /* every field set */
	struct adm_ns_entry *ns;   /* owned; first match wins */
	size_t n_ns;
	struct strv exempt_ns, exempt_users;
};

static const char *const mode_names[_K8S_PSA_MODE_MAX] = {"enforce", "audit", "warn"};
static const enum adm_action mode_action[_K8S_PSA_MODE_MAX] = {ACT_ENFORCE, ACT_AUDIT, ACT_WARN};

static void scope_default(struct adm_scope *s)
{
	*s = (struct adm_scope){0};
	for (int m = 0; m < _K8S_PSA_MODE_MAX; m++) {
		s->has_level[m] = s->has_minor[m] = true;
		s->level[m] = K8S_PSS_PRIVILEGED;
		s->minor[m] = K8S_PSS_LATEST;
	}
	s->level[K8S_PSA_ENFORCE] = K8S_PSS_BASELINE;
	s->level[K8S_PSA_WARN] = K8S_PSS_RESTRICTED;
	s->has_hardening = true;
	s->hardening = ACT_OFF;
}

struct adm_policy *adm_policy_default(void)
{
	struct adm_policy *p = calloc(1, sizeof(*p));
	if (p)
		scope_default(&p->defaults);
	return p;
}

void adm_policy_free(struct adm_policy *p)
{
	if (!p)
		return;
	free(p->defaults.rules);
	for (size_t i = 0; i < p->n_ns; i++) {
		strv_done(&p->ns[i].names);
		free(p->ns[i].s.rules);
	}
	free(p->ns);
	strv_done(&p->exempt_ns);
	strv_done(&p->exempt_users);
	free(p);
}
DEFINE_CLEANUP(struct adm_policy *, adm_policy_free)

static size_t count_rules(const struct adm_policy *p)
{
	size_t n = p->defaults.n_rules;
	for (size_t i = 0; i < p->n_ns; i++)
		n += p->ns[i].s.n_rules;
	return n;
}

void adm_policy_describe(const struct adm_policy *p, char *dst, size_t size)
{
	if (!dst || size == 0)
		return;
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	const struct adm_scope *d = &p->defaults;
	int r = buf_puts(&b, "default:");
	bool any = false;
	for (int m = 0; r >= 0 && m < _K8S_PSA_MODE_MAX; m++) {
		if (d->level[m] == K8S_PSS_PRIVILEGED)
			continue;
		char ver[16];
		k8s_pss_version_format(d->minor[m], ver, sizeof(ver));
		r = buf_printf(&b, "%s %s %s", any ? "," : "", mode_names[m],
			       k8s_pss_level_name(d->level[m]));
		if (r >= 0 && d->minor[m] != K8S_PSS_LATEST)
			r = buf_printf(&b, ":%s", ver);
		any = true;
	}
	if (r >= 0 && !any)
		r = buf_puts(&b, " no Pod Security level");
	if (r >= 0 && d->hardening != ACT_OFF)
		r = buf_printf(&b, ", hardening %s", action_names[d->hardening]);
	size_t nr = count_rules(p), ne = p->exempt_ns.n + p->exempt_users.n;
	if (r >= 0 && p->n_ns)
		r = buf_printf(&b, "; %zu namespace override%s", p->n_ns, p->n_ns == 1 ? "" : "s");
	if (r >= 0 && nr)
		r = buf_printf(&b, "; %zu rule override%s", nr, nr == 1 ? "" : "s");
	if (r >= 0 && ne)
		r = buf_printf(&b, "; %zu exemption%s", ne, ne == 1 ? "" : "s");
	if (r < 0) {
		dst[0] = '\0';
		return;
	}
	size_t n = MIN(b.len, size - 1);
	memcpy(dst, buf_str(&b), n);
	dst[n] = '\0';
}

/* ---- policy loading ----------------------------------------------------------------- */

struct pl {
	const char *source;
	struct span text;
	unsigned doc_line;
	struct bh_diag *diag;
};

static unsigned find_line(const struct pl *pl, const char *token, bool as_key)
{
	return bh_yaml_find_line(pl->text, pl->doc_line, token, as_key);
}

static int pbad(const struct pl *pl, const char *token, bool as_key, const char *fmt, ...)
    _printf_(4, 5);
static int pbad(const struct pl *pl, const char *token, bool as_key, const char *fmt, ...)
{
	_cleanup_buf_ struct buf b;
	buf_init(&b, 400);
	va_list ap;
	va_start(ap, fmt);
	int r = buf_vprintf(&b, fmt, ap);
	va_end(ap);
	bh_diag_set(pl->diag, pl->source, token ? find_line(pl, token, as_key) : pl->doc_line, 0,
		    "%s", r < 0 ? "malformed policy" : buf_str(&b));
	return -EBADMSG;
}

/* Every key of o must be one of allowed (NULL-terminated). */
static int check_keys(const struct pl *pl, const json_t *o, const char *where,
		      const char *const *allowed)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)o, k, v)
	{
		bool ok = false;
		for (size_t i = 0; allowed[i] && !ok; i++)
			ok = streq(k, allowed[i]);
		if (!ok)
			return pbad(pl, k, true, "%s: unknown field \"%s\"", where, k);
	}
	return 0;
}

static int get_action(const struct pl *pl, const json_t *v, const char *where, const char *key,
		      enum adm_action *ret)
{
	/* "off" is a boolean in YAML 1.1, as Kubernetes' reader types it. */
	if (json_is_false(v)) {
		*ret = ACT_OFF;
		return 0;
	}
	const char *s = json_string_value(v);
	for (int a = 0; s && a < _ACT_MAX; a++)
		if (streq(s, action_names[a])) {
			*ret = (enum adm_action)a;
			return 0;
		}
	if (json_is_true(v))
		return pbad(pl, key, true, "%s: expected enforce, warn, audit or off, not true",
			    where);
	return pbad(pl, s ? s : key, !s, "%s: expected enforce, warn, audit or off%s%s%s", where,
		    s ? ", not \"" : "", s ? s : "", s ? "\"" : "");
}

static const char *find_rule_id(const char *id)
{
	size_t n;
	const struct k8s_pss_check *pc = k8s_pss_checks(&n);
	for (size_t i = 0; i < n; i++)
		if (span_eq_nocase(span_from(pc[i].id), span_from(id)))
			return pc[i].id;
	const struct k8s_hard_check *hc = k8s_hard_checks(&n);
	for (size_t i = 0; i < n; i++)
		if (span_eq_nocase(span_from(hc[i].id), span_from(id)))
			return hc[i].id;
	return NULL;
}

static int parse_rules(const struct pl *pl, const json_t *a, const char *where, struct adm_scope *s)
{
	if (!json_is_array(a))
		return pbad(pl, "rules", true, "%s.rules: expected a list", where);
	size_t n = json_array_size(a), i;
	s->rules = calloc(n ? n : 1, sizeof(*s->rules));
	if (!s->rules)
		return -ENOMEM;
	static const char *const keys[] = {"id", "action", NULL};
	json_t *it;
	json_array_foreach(a, i, it)
	{
		char w[160];
		(void)xsnprintf(w, sizeof(w), "%s.rules[%zu]", where, i);
		if (!json_is_object(it))
			return pbad(pl, "rules", true, "%s: expected a mapping with id and action",
				    w);
		int r = check_keys(pl, it, w, keys);
		if (r < 0)
			return r;
		const char *id = bh_json_str(it, "id");
		json_t *act = json_object_get(it, "action");
		if (!id)
			return pbad(pl, "rules", true, "%s.id: expected a rule id string", w);
		if (!act)
			return pbad(pl, id, false, "%s: action is missing", w);
		const char *canon = find_rule_id(id);
		if (!canon)
			return pbad(pl, id, false, "%s.id: unknown rule id \"%s\"", w, id);
		for (size_t k = 0; k < s->n_rules; k++)
			if (s->rules[k].id == canon)
				return pbad(pl, id, false, "%s: rule %s listed twice", w, canon);
		enum adm_action ac;
		char wa[180];
		(void)xsnprintf(wa, sizeof(wa), "%s.action", w);
		r = get_action(pl, act, wa, "action", &ac);
		if (r < 0)
			return r;
		s->rules[s->n_rules++] = (struct adm_rule){canon, ac};
	}
	return 0;
}

/* enforce, enforce-version, audit, ..., hardening, rules (and names for namespaces[]). */
static int parse_scope(const struct pl *pl, const json_t *o, const char *where, struct adm_scope *s)
{
	for (int m = 0; m < _K8S_PSA_MODE_MAX; m++) {
		char vk[32];
		(void)xsnprintf(vk, sizeof(vk), "%s-version", mode_names[m]);
		json_t *lv = json_object_get(o, mode_names[m]), *vv = json_object_get(o, vk);
		if (lv) {
			const char *name = json_string_value(lv);
			if (!name || k8s_pss_level_from_name(name, &s->level[m]) < 0)
				return pbad(
				    pl, name ? name : mode_names[m], !name,
				    "%s.%s: expected privileged, baseline or restricted%s%s%s",
				    where, mode_names[m], name ? ", not \"" : "", name ? name : "",
				    name ? "\"" : "");
			s->has_level[m] = true;
		}
		if (vv) {
			const char *name = json_string_value(vv);
			if (!name || k8s_pss_version_parse(name, &s->minor[m]) < 0)
				return pbad(pl, name ? name : vk, !name,
					    "%s.%s: expected \"latest\" or \"v1.Y\"%s%s%s", where,
					    vk, name ? ", not \"" : "", name ? name : "",
					    name ? "\"" : "");
			s->has_minor[m] = true;
		}
	}
	json_t *h = json_object_get(o, "hardening");
	if (h) {
		char w[160];
		(void)xsnprintf(w, sizeof(w), "%s.hardening", where);
		int r = get_action(pl, h, w, "hardening", &s->hardening);
		if (r < 0)
			return r;
		s->has_hardening = true;
	}
	json_t *rules = json_object_get(o, "rules");
	return rules ? parse_rules(pl, rules, where, s) : 0;
}

/* A list of names; key (the list's own key) locates errors in the text. */
static int parse_str_list(const struct pl *pl, const json_t *a, const char *where, const char *key,
			  struct strv *ret)
{
	if (!json_is_array(a))
		return pbad(pl, key, true, "%s: expected a list of strings", where);
	size_t i;
	json_t *it;
	json_array_foreach(a, i, it)
	{
		const char *s = json_string_value(it);
		if (!s || !s[0] || strlen(s) > 253)
			return pbad(pl, s && s[0] ? s : key, !(s && s[0]),
				    "%s[%zu]: expected a non-empty string of at most 253 "
				    "bytes",
				    where, i);
		int r = strv_push(ret, s);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_policy(const struct pl *pl, const json_t *doc, struct adm_policy *p)
{
	static const char *const top[] = {"apiVersion", "kind",	      "defaults", "rules",
					  "namespaces", "exemptions", NULL};
	static const char *const scope_keys[] = {
	    "enforce",	 "enforce-version", "audit", "audit-version", "warn", "warn-version",
	    "hardening", "rules",	    NULL};
	static const char *const ns_keys[] = {
	    "names", "enforce",	     "enforce-version", "audit", "audit-version",
	    "warn",  "warn-version", "hardening",	"rules", NULL};
	static const char *const ex_keys[] = {"namespaces", "usernames", NULL};
	if (!json_is_object(doc))
		return pbad(pl, NULL, false, "the policy is not a mapping");
	int r = check_keys(pl, doc, "policy", top);
	if (r < 0)
		return r;
	const char *av = bh_json_str(doc, "apiVersion"), *kind = bh_json_str(doc, "kind");
	if (!av || !streq(av, "bulkhead.dev/v1"))
		return pbad(pl, av ? av : "apiVersion", !av,
			    "apiVersion: expected \"bulkhead.dev/v1\"");
	if (!kind || !streq(kind, "AdmissionPolicy"))
		return pbad(pl, kind ? kind : "kind", !kind, "kind: expected \"AdmissionPolicy\"");
	json_t *d = json_object_get(doc, "defaults");
	if (d) {
		if (!json_is_object(d))
			return pbad(pl, "defaults", true, "defaults: expected a mapping");
		r = check_keys(pl, d, "defaults", scope_keys)
			?: parse_scope(pl, d, "defaults", &p->defaults);
		if (r < 0)
			return r;
		if (json_object_get(d, "rules") && json_object_get(doc, "rules"))
			return pbad(pl, "rules", true,
				    "rules: give the rules either at the top or under defaults");
	}
	json_t *rules = json_object_get(doc, "rules");
	if (rules && (r = parse_rules(pl, rules, "policy", &p->defaults)) < 0)
		return r;
	json_t *ns = json_object_get(doc, "namespaces");
	if (ns) {
		if (!json_is_array(ns))
			return pbad(pl, "namespaces", true, "namespaces: expected a list");
		size_t n = json_array_size(ns), i;
		p->ns = calloc(n ? n : 1, sizeof(*p->ns));
		if (!p->ns)
			return -ENOMEM;
		json_t *it;
		json_array_foreach(ns, i, it)
		{
			char w[64];
			(void)xsnprintf(w, sizeof(w), "namespaces[%zu]", i);
			struct adm_ns_entry *e = &p->ns[p->n_ns++];
			if (!json_is_object(it))
				return pbad(pl, "namespaces", true, "%s: expected a mapping", w);
			r = check_keys(pl, it, w, ns_keys);
			if (r < 0)
				return r;
			json_t *names = json_object_get(it, "names");
			char wn[80];
			(void)xsnprintf(wn, sizeof(wn), "%s.names", w);
			if (!names)
				return pbad(pl, "namespaces", true, "%s: names is missing", w);
			r = parse_str_list(pl, names, wn, "names", &e->names)
				?: parse_scope(pl, it, w, &e->s);
			if (r < 0)
				return r;
			if (e->names.n == 0)
				return pbad(pl, "names", true, "%s: names is empty", w);
		}
	}
	json_t *ex = json_object_get(doc, "exemptions");
	if (ex) {
		if (!json_is_object(ex))
			return pbad(pl, "exemptions", true, "exemptions: expected a mapping");
		r = check_keys(pl, ex, "exemptions", ex_keys);
		json_t *a = json_object_get(ex, "namespaces"),
		       *u = json_object_get(ex, "usernames");
		if (r == 0 && a)
			r = parse_str_list(pl, a, "exemptions.namespaces", "namespaces",
					   &p->exempt_ns);
		if (r == 0 && u)
			r = parse_str_list(pl, u, "exemptions.usernames", "usernames",
					   &p->exempt_users);
		if (r < 0)
			return r;
	}
	return 0;
}

int adm_policy_load_buf(const char *source, struct span data, const struct bh_limits *limits,
			struct adm_policy **ret, struct bh_diag *reterr_diag)
{
	struct bh_yaml_stream s = {0};
	int r = bh_yaml_parse(data, limits, source, &s, reterr_diag);
	if (r < 0)
		return r;
	_cleanup_(adm_policy_freep) struct adm_policy *p = adm_policy_default();
	if (!p) {
		bh_yaml_stream_done(&s);
		return -ENOMEM;
	}
	size_t n_docs = 0, at = 0;
	for (size_t i = 0; i < s.n; i++)
		if (!json_is_null(s.docs[i].value)) {
			n_docs++;
			at = i;
		}
	struct pl pl = {.source = source,
			.text = data,
			.doc_line = n_docs ? s.docs[at].line : 1,
			.diag = reterr_diag};
	if (n_docs != 1)
		r = pbad(&pl, NULL, false, "expected exactly one policy document, found %zu",
			 n_docs);
	else
		r = parse_policy(&pl, s.docs[at].value, p);
	bh_yaml_stream_done(&s);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(p);
	return 0;
}

int adm_policy_load(const char *path, const struct bh_limits *limits, struct adm_policy **ret,
		    struct bh_diag *reterr_diag)
{
	_cleanup_buf_ struct buf data;
	buf_init(&data, (size_t)limits->input_max_bytes + 1);
	int r = bh_read_file_at(AT_FDCWD, path, 0, (size_t)limits->input_max_bytes, &data);
	if (r == -E2BIG) {
		bh_diag_set(reterr_diag, path, 0, 0, "larger than %llu bytes (input-max-bytes)",
			    (unsigned long long)limits->input_max_bytes);
		return r;
	}
	if (r < 0) {
		bh_diag_set(reterr_diag, path, 0, 0, "cannot read: %s", strerror(-r));
		return r;
	}
	return adm_policy_load_buf(path, buf_span(&data), limits, ret, reterr_diag);
}

/* ---- the effective policy of one namespace ------------------------------------------ */

/* Glob with '*' only, iterative with one backtrack point. */
static bool glob_match(const char *pat, const char *s)
{
	const char *star = NULL, *resume = NULL;
	while (*s) {
		if (*pat == '*') {
			star = pat++;
			resume = s;
		} else if (*pat == *s) {
			pat++;
			s++;
		} else if (star) {
			pat = star + 1;
			s = ++resume;
		} else
			return false;
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

static bool strv_glob_match(const struct strv *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (glob_match(l->v[i], s))
			return true;
	return false;
}

struct adm_eff {
	enum k8s_pss_level level[_K8S_PSA_MODE_MAX];
	uint32_t minor[_K8S_PSA_MODE_MAX];
	enum adm_action hardening;
	const struct adm_scope *ns_scope; /* NULL when only the defaults apply */
	ssize_t ns_index;
	const struct adm_scope *defaults;
};

static void effective(const struct adm_policy *p, const char *ns, struct adm_eff *e)
{
	*e = (struct adm_eff){.defaults = &p->defaults, .ns_index = -1};
	for (size_t i = 0; i < p->n_ns && !e->ns_scope; i++)
		if (strv_glob_match(&p->ns[i].names, ns)) {
			e->ns_scope = &p->ns[i].s;
			e->ns_index = (ssize_t)i;
		}
	const struct adm_scope *s = e->ns_scope, *d = &p->defaults;
	for (int m = 0; m < _K8S_PSA_MODE_MAX; m++) {
		e->level[m] = s && s->has_level[m] ? s->level[m] : d->level[m];
		e->minor[m] = s && s->has_minor[m] ? s->minor[m] : d->minor[m];
	}
	e->hardening = s && s->has_hardening ? s->hardening : d->hardening;
}

/* The override for rule id: the namespace's rules first, then the defaults'. */
static bool rule_override(const struct adm_eff *e, const char *id, enum adm_action *ret)
{
	const struct adm_scope *scopes[] = {e->ns_scope, e->defaults};
	for (size_t k = 0; k < ARRAY_SIZE(scopes); k++)
		for (size_t i = 0; scopes[k] && i < scopes[k]->n_rules; i++)
			if (scopes[k]->rules[i].id == id) {
				*ret = scopes[k]->rules[i].action;
				return true;
			}
	return false;
}

static bool any_override_above_off(const struct adm_eff *e, const char *prefix)
{
	const struct adm_scope *scopes[] = {e->ns_scope, e->defaults};
	for (size_t k = 0; k < ARRAY_SIZE(scopes); k++)
		for (size_t i = 0; scopes[k] && i < scopes[k]->n_rules; i++) {
			enum adm_action a;
			const char *id = scopes[k]->rules[i].id;
			/* The first override of an id counts (namespace before defaults). */
			if (span_startswith(span_from(id), prefix) && rule_override(e, id, &a) &&
			    a != ACT_OFF)
				return true;
		}
	return false;
}

/* ---- evaluation ---------------------------------------------------------------------- */

struct hit {
	const char *id, *title; /* static */
	const char *pss_id;	/* static: for a hardening rule, the PSS rule covering it */
	char *detail;		/* owned */
	enum adm_action action;
	bool ignored; /* listed in bulkhead.dev/ignore */
	bool drop;    /* off, or covered by its PSS rule */
};

struct hits {
	struct hit *v;
	size_t n, cap;
};

static void hits_done(struct hits *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->v[i].detail);
	free(h->v);
	*h = (struct hits){0};
}

static struct hit *hits_find(struct hits *h, const char *id)
{
	for (size_t i = 0; i < h->n; i++)
		if (streq(h->v[i].id, id))
			return &h->v[i];
	return NULL;
}

#define ADM_DETAIL_MAX 600

/*
 * Record a violation of id with action (detail taken). The same rule seen again keeps the
 * strongest action; a different detail (another container) is appended, bounded.
 */
static int hits_add(struct hits *h, const char *id, const char *title, const char *pss_id,
		    char *detail_take, enum adm_action action)
{
	_cleanup_free_ char *detail = detail_take;
	struct hit *x = hits_find(h, id);
	if (x) {
		if (action > x->action)
			x->action = action;
		if (detail && !strstr(x->detail, detail)) {
			size_t a = strlen(x->detail), b = strlen(detail);
			if (a + 2 + b <= ADM_DETAIL_MAX) {
				char *n = realloc(x->detail, a + 2 + b + 1);
				if (!n)
					return -ENOMEM;
				memcpy(n + a, "; ", 2);
				memcpy(n + a + 2, detail, b + 1);
				x->detail = n;
			}
		}
		return 0;
	}
	if (GROW(h->v, h->n, h->cap) < 0)
		return -ENOMEM;
	if (!detail && !(detail = strdup("")))
		return -ENOMEM;
	h->v[h->n++] = (struct hit){id, title, pss_id, TAKE_PTR(detail), action, false, false};
	return 0;
}

/*
 * PSS at level/minor. Each violation gets action, unless only_overridden: then only rules
 * with an override are recorded (the extra evaluation that finds overridden rules no mode
 * evaluates).
 */
static int eval_pss(const struct k8s_object *o, const struct adm_eff *e, enum k8s_pss_level level,
		    uint32_t minor, enum adm_action action, bool only_overridden, struct hits *h)
{
	if (level == K8S_PSS_PRIVILEGED)
		return 0;
	struct k8s_pss_result res = {0};
	int r = k8s_pss_evaluate(&o->pod, level, minor, &res);
	for (size_t i = 0; r == 0 && i < res.n; i++) {
		const struct k8s_pss_check *c = res.v[i].check;
		enum adm_action ov;
		bool has_ov = rule_override(e, c->id, &ov);
		if (only_overridden && !has_ov)
			continue;
		r = hits_add(h, c->id, c->title, NULL, TAKE_PTR(res.v[i].detail),
			     has_ov ? ov : action);
	}
	k8s_pss_result_done(&res);
	return r;
}

static int eval_hardening(const struct k8s_manifests *m, const struct k8s_object *o,
			  const struct adm_eff *e, struct hits *h)
{
	struct k8s_hard_result res = {0};
	int r = k8s_hard_evaluate(m, o, &res);
	for (size_t i = 0; r == 0 && i < res.n; i++) {
		const struct k8s_hard_check *c = res.v[i].check;
		enum adm_action a = e->hardening;
		(void)rule_override(e, c->id, &a);
		if (a == ACT_OFF)
			continue;
		r = hits_add(h, c->id, c->title, c->pss_id, TAKE_PTR(res.v[i].detail), a);
	}
	k8s_hard_result_done(&res);
	return r;
}

static int evaluate(const struct k8s_manifests *m, const struct k8s_object *o,
		    const struct adm_eff *e, struct hits *h)
{
	int r = 0;
	for (int md = 0; r == 0 && md < _K8S_PSA_MODE_MAX; md++)
		r = eval_pss(o, e, e->level[md], e->minor[md], mode_action[md], false, h);
	if (r == 0 && any_override_above_off(e, "BH-K8S-PSS-")) {
		uint32_t minor = e->level[K8S_PSA_ENFORCE] == K8S_PSS_PRIVILEGED
				     ? K8S_PSS_LATEST
				     : e->minor[K8S_PSA_ENFORCE];
		r = eval_pss(o, e, K8S_PSS_RESTRICTED, minor, ACT_OFF, true, h);
	}
	if (r == 0 && (e->hardening != ACT_OFF || any_override_above_off(e, "BH-K8S-HARD-")))
		r = eval_hardening(m, o, e, h);
	if (r < 0)
		return r;
	/*
	 * Drop what is off and hardening rules whose PSS rule was reported at least as strongly
	 * (decided for every hit first, then compacted); mark what the annotation ignores.
	 */
	for (size_t i = 0; i < h->n; i++) {
		struct hit *x = &h->v[i];
		const struct hit *p = x->pss_id ? hits_find(h, x->pss_id) : NULL;
		x->drop =
		    x->action == ACT_OFF || (p && p->action != ACT_OFF && p->action >= x->action &&
					     !k8s_object_ignores(o, p->id));
	}
	size_t w = 0;
	for (size_t i = 0; i < h->n; i++) {
		struct hit *x = &h->v[i];
		if (x->drop) {
			free(x->detail);
			continue;
		}
		x->ignored = k8s_object_ignores(o, x->id);
		h->v[w++] = *x;
	}
	h->n = w;
	return 0;
}

/* ---- requests ------------------------------------------------------------------------ */

const char *adm_verdict_name(enum adm_verdict v)
{
	static const char *const names[_ADM_VERDICT_MAX] = {
	    [ADM_ALLOW] = "allow",
	    [ADM_DENY] = "deny",
	    [ADM_ALLOW_SKIPPED] = "skip",
	    [ADM_ALLOW_FAIL_OPEN] = "error-allow",
	    [ADM_DENY_FAIL_CLOSED] = "error-deny",
	};
	return (unsigned)v < _ADM_VERDICT_MAX ? names[v] : "unknown";
}

#define REVIEW_SOURCE	 "AdmissionReview"
#define ADM_API_VERSION	 "admission.k8s.io/v1"
#define ADM_WARNING_MAX	 256  /* bytes of one warning (the API server may truncate more) */
#define ADM_WARNINGS_MAX 20   /* warnings listed; the rest are counted */
#define ADM_MESSAGE_MAX	 3000 /* bytes of the denial message */

struct req {
	const char *uid, *operation, *sub, *kind, *group, *namespace_, *name, *username;
	json_t *object, *old;
};

static int rbad(struct bh_diag *diag, const char *fmt, ...) _printf_(2, 3);
static int rbad(struct bh_diag *diag, const char *fmt, ...)
{
	_cleanup_buf_ struct buf b;
	buf_init(&b, 400);
	va_list ap;
	va_start(ap, fmt);
	int r = buf_vprintf(&b, fmt, ap);
	va_end(ap);
	bh_diag_set(diag, REVIEW_SOURCE, 0, 0, "%s", r < 0 ? "malformed request" : buf_str(&b));
	return -EBADMSG;
}

/* An optional string field: absent or null is NULL; another type is malformed. */
static int opt_str(const json_t *o, const char *key, const char *where, const char **ret,
		   struct bh_diag *diag)
{
	json_t *v = json_object_get(o, key);
	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return rbad(diag, "%s%s is not a string", where, key);
	*ret = json_string_value(v);
	return 0;
}

static int parse_request(json_t *doc, struct req *q, struct bh_diag *diag)
{
	if (!json_is_object(doc))
		return rbad(diag, "the body is not a JSON object");
	json_t *av = json_object_get(doc, "apiVersion"), *kind = json_object_get(doc, "kind");
	if (!av)
		return rbad(diag, "apiVersion is missing");
	if (!json_is_string(av) || !streq(json_string_value(av), ADM_API_VERSION))
		return rbad(diag, "apiVersion is not \"" ADM_API_VERSION "\"");
	if (!kind)
		return rbad(diag, "kind is missing");
	if (!json_is_string(kind) || !streq(json_string_value(kind), "AdmissionReview"))
		return rbad(diag, "kind is not \"AdmissionReview\"");
	json_t *rq = json_object_get(doc, "request");
	if (!rq || json_is_null(rq))
		return rbad(diag, "request is missing");
	if (!json_is_object(rq))
		return rbad(diag, "request is not an object");
	json_t *uid = json_object_get(rq, "uid");
	if (!uid || json_is_null(uid))
		return rbad(diag, "request.uid is missing");
	if (!json_is_string(uid))
		return rbad(diag, "request.uid is not a string");
	q->uid = json_string_value(uid);
	if (!q->uid[0])
		return rbad(diag, "request.uid is empty");
	json_t *k = json_object_get(rq, "kind");
	if (!k || json_is_null(k))
		return rbad(diag, "request.kind is missing");
	if (!json_is_object(k))
		return rbad(diag, "request.kind is not an object");
	int r = opt_str(k, "kind", "request.kind.", &q->kind, diag)
		    ?: opt_str(k, "group", "request.kind.", &q->group, diag)
		    ?: opt_str(rq, "operation", "request.", &q->operation, diag)
		    ?: opt_str(rq, "subResource", "request.", &q->sub, diag)
		    ?: opt_str(rq, "namespace", "request.", &q->namespace_, diag)
		    ?: opt_str(rq, "name", "request.", &q->name, diag);
	if (r < 0)
		return r;
	if (!q->kind || !q->kind[0])
		return rbad(diag, "request.kind.kind is missing");
	if (!q->operation || !q->operation[0])
		return rbad(diag, "request.operation is missing");
	json_t *ui = json_object_get(rq, "userInfo");
	if (ui && !json_is_null(ui)) {
		if (!json_is_object(ui))
			return rbad(diag, "request.userInfo is not an object");
		r = opt_str(ui, "username", "request.userInfo.", &q->username, diag);
		if (r < 0)
			return r;
	}
	q->object = json_object_get(rq, "object");
	q->old = json_object_get(rq, "oldObject");
	return 0;
}

/* Whether request.kind names a pod-bearing kind in its API group. */
static bool is_pod_bearing(const struct req *q)
{
	static const struct {
		const char *kind, *group;
	} kinds[] = {
	    {"Pod", ""},
	    {"ReplicationController", ""},
	    {"PodTemplate", ""},
	    {"Deployment", "apps"},
	    {"StatefulSet", "apps"},
	    {"DaemonSet", "apps"},
	    {"ReplicaSet", "apps"},
	    {"Job", "batch"},
	    {"CronJob", "batch"},
	};
	const char *g = q->group ? q->group : "";
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (streq(q->kind, kinds[i].kind) && streq(g, kinds[i].group))
			return true;
	return false;
}

/* Why q is not evaluated, or NULL. */
static const char *skip_reason(const struct req *q)
{
	if (!streq(q->operation, "CREATE") && !streq(q->operation, "UPDATE"))
		return "operation";
	if (!is_pod_bearing(q))
		return "kind";
	if (q->sub && q->sub[0] && !(streq(q->kind, "Pod") && streq(q->sub, "ephemeralcontainers")))
		return "subresource";
	return NULL;
}

/* Annotations whose change matters although the pod spec is the same. */
static bool is_security_annotation(const char *key)
{
	struct span k = span_from(key);
	return streq(key, K8S_IGNORE_ANNOTATION) ||
	       span_startswith(k, "seccomp.security.alpha.kubernetes.io/") ||
	       span_startswith(k, "container.seccomp.security.alpha.kubernetes.io/") ||
	       span_startswith(k, "container.apparmor.security.beta.kubernetes.io/");
}

static bool security_annotations_equal(const json_t *a, const json_t *b)
{
	const json_t *pair[2][2] = {{a, b}, {b, a}};
	for (size_t p = 0; p < 2; p++) {
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)pair[p][0], k, v)
		{
			if (!is_security_annotation(k))
				continue;
			json_t *w = json_object_get(pair[p][1], k);
			if (!w || !json_equal(v, w))
				return false;
		}
	}
	return true;
}

static json_t *json_path(const json_t *v, const char *path)
{
	struct span in = span_from(path), tok;
	while (v && span_next_token(&in, '.', &tok) == 0) {
		char key[64];
		if (xsnprintf(key, sizeof(key), SPAN_FMT, SPAN_ARG(tok)) < 0)
			return NULL;
		v = json_is_object(v) ? json_object_get(v, key) : NULL;
	}
	return (json_t *)v;
}

/*
 * Whether an UPDATE leaves what the checks read unchanged: the pod spec (at the object's
 * pod_path) is equal, and so are the security annotations of the object and of its pod
 * template. Like Pod Security Admission, such updates (labels, status-like metadata, scale)
 * are not evaluated again.
 */
static bool update_unchanged(const struct k8s_object *o, const json_t *old)
{
	if (!json_is_object(old) || !o->pod_path)
		return false;
	const char *kind = bh_json_str(old, "kind");
	if (kind && !streq(kind, o->kind_name))
		return false;
	json_t *ns = json_path(o->raw, o->pod_path), *os = json_path(old, o->pod_path);
	if (!ns || !os || !json_equal(ns, os))
		return false;
	char meta[80];
	struct span ps = span_from(o->pod_path);
	/* "spec" -> "metadata"; "x.spec" -> "x.metadata" */
	if (xsnprintf(meta, sizeof(meta), "%.*smetadata.annotations", (int)(ps.len - 4), ps.ptr) <
	    0)
		return false;
	json_t *na = json_path(o->raw, meta), *oa = json_path(old, meta);
	json_t *nt = json_path(o->raw, "metadata.annotations"),
	       *ot = json_path(old, "metadata.annotations");
	json_t *empty = json_object();
	if (!empty)
		return false;
	bool eq = security_annotations_equal(json_is_object(na) ? na : empty,
					     json_is_object(oa) ? oa : empty) &&
		  security_annotations_equal(json_is_object(nt) ? nt : empty,
					     json_is_object(ot) ? ot : empty);
	json_decref(empty);
	return eq;
}

/* ---- responses ----------------------------------------------------------------------- */

struct resp {
	json_t *response; /* borrowed: the "response" member */
	json_t *warnings; /* created on the first warning */
	size_t n_warnings, n_dropped;
	json_t *audit; /* created on the first annotation */
};

/* Cut s to at most max bytes on a UTF-8 boundary, ending with "..." when cut. */
static void utf8_bound(struct buf *b, size_t max)
{
	if (b->len <= max)
		return;
	size_t n = max - 3;
	while (n > 0 && ((unsigned char)b->ptr[n] & 0xC0) == 0x80)
		n--;
	memcpy(b->ptr + n, "...", 4);
	b->len = n + 3;
}

static int add_warning(struct resp *rs, const char *fmt, ...) _printf_(2, 3);
static int add_warning(struct resp *rs, const char *fmt, ...)
{
	if (rs->n_warnings >= ADM_WARNINGS_MAX) {
		rs->n_dropped++;
		return 0;
	}
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	va_list ap;
	va_start(ap, fmt);
	int r = buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (r < 0)
		return r;
	utf8_bound(&b, ADM_WARNING_MAX);
	if (!rs->warnings) {
		rs->warnings = json_array();
		if (!rs->warnings ||
		    json_object_set_new(rs->response, "warnings", rs->warnings) < 0)
			return -ENOMEM;
	}
	rs->n_warnings++;
	return bh_json_append_str(rs->warnings, buf_str(&b));
}

static int finish_warnings(struct resp *rs)
{
	if (!rs->n_dropped)
		return 0;
	return bh_json_append_new(
	    rs->warnings, json_sprintf("bulkhead: %zu more warning%s not shown (see the audit "
				       "annotations)",
				       rs->n_dropped, rs->n_dropped == 1 ? "" : "s"));
}

/* Audit annotation key: a qualified name part (<= 63, [A-Za-z0-9][-A-Za-z0-9_.]*). */
static int add_audit(struct resp *rs, const char *key, const char *value)
{
	if (!rs->audit) {
		rs->audit = json_object();
		if (!rs->audit ||
		    json_object_set_new(rs->response, "auditAnnotations", rs->audit) < 0)
			return -ENOMEM;
	}
	return bh_json_set_str(rs->audit, key, value);
}

/* "Kind/name" of the object: request.name, metadata.name or metadata.generateName + "*". */
static int target_label(const struct req *q, struct buf *b)
{
	const char *name = q->name && q->name[0] ? q->name : NULL;
	json_t *meta = bh_json_obj(q->object, "metadata");
	if (!name) {
		const char *n = bh_json_str(meta, "name");
		name = n && n[0] ? n : NULL;
	}
	if (name)
		return buf_printf(b, "%s/%s", q->kind, name);
	const char *gn = bh_json_str(meta, "generateName");
	if (gn && gn[0])
		return buf_printf(b, "%s/%s*", q->kind, gn);
	return buf_printf(b, "%s/(unnamed)", q->kind);
}

static int policy_annotation(const struct adm_eff *e, struct resp *rs)
{
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	int r = 0;
	for (int m = 0; r >= 0 && m < _K8S_PSA_MODE_MAX; m++) {
		char ver[16];
		k8s_pss_version_format(e->minor[m], ver, sizeof(ver));
		r = buf_printf(&b, "%s=%s:%s,", mode_names[m], k8s_pss_level_name(e->level[m]),
			       ver);
	}
	if (r >= 0)
		r = buf_printf(&b, "hardening=%s,scope=", action_names[e->hardening]);
	if (r >= 0)
		r = e->ns_index >= 0 ? buf_printf(&b, "namespaces[%zd]", e->ns_index)
				     : buf_puts(&b, "defaults");
	return r < 0 ? r : add_audit(rs, "policy", buf_str(&b));
}

/* Comma-separated ids of the hits with action (or the ignored ones). */
static int ids_annotation(const struct hits *h, enum adm_action action, bool ignored,
			  const char *key, struct resp *rs, size_t *ret_n)
{
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
	size_t n = 0;
	for (size_t i = 0; i < h->n; i++) {
		const struct hit *x = &h->v[i];
		if (x->ignored != ignored || (!ignored && x->action != action))
			continue;
		int r = buf_printf(&b, "%s%s", n ? "," : "", x->id);
		if (r < 0)
			return r;
		n++;
	}
	if (ret_n)
		*ret_n = n;
	return n ? add_audit(rs, key, buf_str(&b)) : 0;
}

static int deny_status(struct resp *rs, const char *message)
{
	json_t *st =
	    json_pack("{s:i, s:s, s:s}", "code", 403, "reason", "Forbidden", "message", message);
	if (!st)
		return -ENOMEM;
	if (json_object_set_new(rs->response, "allowed", json_false()) < 0 ||
	    json_object_set_new(rs->response, "status", st) < 0)
		return -ENOMEM;
	return 0;
}

static int respond_hits(const struct req *q, const struct adm_eff *e, const struct hits *h,
			struct resp *rs, struct adm_decision *dec)
{
	_cleanup_buf_ struct buf target, msg;
	buf_init(&target, 0);
	buf_init(&msg, 0);
	int r = target_label(q, &target) ?: policy_annotation(e, rs);
	if (r == 0)
		r = ids_annotation(h, ACT_ENFORCE, false, "enforced", rs, &dec->n_enforced)
			?: ids_annotation(h, ACT_WARN, false, "warned", rs, &dec->n_warned)
			?: ids_annotation(h, ACT_AUDIT, false, "audited", rs, &dec->n_audited)
			?: ids_annotation(h, ACT_OFF, true, "ignored", rs, NULL);
	if (r < 0)
		return r;
	for (size_t i = 0; i < h->n; i++) {
		const struct hit *x = &h->v[i];
		if (x->ignored || x->action != ACT_WARN)
			continue;
		r = add_warning(rs, "%s: %s: %s", x->id, x->title, x->detail);
		if (r < 0)
			return r;
	}
	r = finish_warnings(rs);
	if (r < 0 || dec->n_enforced == 0) {
		dec->verdict = ADM_ALLOW;
		return r;
	}
	dec->verdict = ADM_DENY;
	r = buf_printf(&msg, "%s violates the bulkhead admission policy of namespace \"%s\":",
		       buf_str(&target), q->namespace_);
	size_t shown = 0;
	for (size_t i = 0; r == 0 && i < h->n; i++) {
		const struct hit *x = &h->v[i];
		if (x->ignored || x->action != ACT_ENFORCE)
			continue;
		size_t before = msg.len;
		r = buf_printf(&msg, "%s %s (%s: %s)", shown ? ";" : "", x->id, x->title,
			       x->detail);
		if (r == 0 && msg.len > ADM_MESSAGE_MAX) {
			msg.len = before;
			msg.ptr[before] = '\0';
			r = buf_printf(&msg, "; and %zu more", dec->n_enforced - shown);
			break;
		}
		shown++;
	}
	return r < 0 ? r : deny_status(rs, buf_str(&msg));
}

/* An object that cannot be evaluated: allowed with a warning, or denied, per opts. */
static int respond_error(const struct req *q, const struct adm_opts *opts, const char *why,
			 struct resp *rs, struct adm_decision *dec)
{
	_cleanup_buf_ struct buf target, msg;
	buf_init(&target, 0);
	buf_init(&msg, 0);
	int r = target_label(q, &target);
	if (r == 0)
		r = buf_printf(&msg, "bulkhead could not evaluate %s: %s", buf_str(&target), why);
	if (r < 0)
		return r;
	utf8_bound(&msg, 1000);
	r = add_audit(rs, "error", buf_str(&msg));
	if (r < 0)
		return r;
	if (opts && opts->fail_closed) {
		dec->verdict = ADM_DENY_FAIL_CLOSED;
		r = buf_puts(&msg, "; denied (fail-closed)");
		return r < 0 ? r : deny_status(rs, buf_str(&msg));
	}
	dec->verdict = ADM_ALLOW_FAIL_OPEN;
	return add_warning(rs, "%s; allowed (fail-open)", buf_str(&msg));
}

static int decide(const struct adm_policy *p, const struct adm_opts *opts, struct req *q,
		  struct resp *rs, struct adm_decision *dec)
{
	if (skip_reason(q)) {
		dec->verdict = ADM_ALLOW_SKIPPED;
		return 0;
	}
	if (!q->namespace_ || !q->namespace_[0]) {
		const char *ns = bh_json_str(bh_json_obj(q->object, "metadata"), "namespace");
		q->namespace_ = ns && ns[0] ? ns : "default";
	}
	if (strv_glob_match(&p->exempt_ns, q->namespace_)) {
		dec->verdict = ADM_ALLOW_SKIPPED;
		return add_audit(rs, "exempt", "namespace");
	}
	if (q->username && strv_contains(&p->exempt_users, q->username)) {
		dec->verdict = ADM_ALLOW_SKIPPED;
		return add_audit(rs, "exempt", "username");
	}
	if (!json_is_object(q->object))
		return respond_error(q, opts, "request.object is not an object", rs, dec);

	struct k8s_manifests m = {0};
	struct bh_diag d = {0};
	int r = k8s_manifests_add_json(&m, "request.object", q->object, &d);
	if (r == -ENOMEM)
		goto out;
	if (r < 0 || m.n != 1) {
		r = respond_error(q, opts, r < 0 ? d.message : "request.object is not one object",
				  rs, dec);
		goto out;
	}
	struct k8s_object *o = &m.objs[0];
	if (!streq(o->kind_name, q->kind) || !o->pod_path) {
		char why[200];
		(void)xsnprintf(why, sizeof(why),
				"request.object is of kind \"%.60s\", request.kind is \"%.60s\"",
				o->kind_name, q->kind);
		r = respond_error(q, opts, why, rs, dec);
		goto out;
	}
	o->namespace_ = q->namespace_;
	if (streq(q->operation, "UPDATE") && (!q->sub || !q->sub[0]) &&
	    update_unchanged(o, q->old)) {
		dec->verdict = ADM_ALLOW_SKIPPED;
		r = 0;
		goto out;
	}
	struct adm_eff e;
	effective(p, q->namespace_, &e);
	struct hits h = {0};
	r = evaluate(&m, o, &e, &h);
	if (r == 0)
		r = respond_hits(q, &e, &h, rs, dec);
	hits_done(&h);
out:
	k8s_manifests_done(&m);
	return r;
}

int adm_review(const struct adm_policy *p, const struct adm_opts *opts, struct span body,
	       const struct bh_limits *limits, struct buf *ret_response,
	       struct adm_decision *ret_dec, struct bh_diag *reterr_diag)
{
	_cleanup_json_ json_t *doc = NULL;
	int r = bh_json_parse(body, limits, REVIEW_SOURCE, &doc, reterr_diag);
	if (r < 0)
		return r;
	struct req q = {0};
	r = parse_request(doc, &q, reterr_diag);
	if (r < 0)
		return r;
	_cleanup_json_ json_t *out =
	    json_pack("{s:s, s:s, s:{s:s, s:b}}", "apiVersion", ADM_API_VERSION, "kind",
		      "AdmissionReview", "response", "uid", q.uid, "allowed", 1);
	if (!out)
		return -ENOMEM;
	struct resp rs = {.response = json_object_get(out, "response")};
	struct adm_decision dec = {0};
	r = decide(p, opts, &q, &rs, &dec);
	if (r < 0)
		return r;
	_cleanup_free_ char *text = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!text)
		return -ENOMEM;
	buf_clear(ret_response);
	r = buf_puts(ret_response, text);
	if (r < 0)
		return r;
	*ret_dec = dec;
	return 0;
}
