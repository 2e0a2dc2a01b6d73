/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rules-load.c — Falco rules files into a compiled generation. Two phases, as in Falco's
 * rule loader: collect (every YAML item of every file in order: definitions, overrides,
 * appends) and compile (lists expanded, macros parsed and resolved, rules compiled with
 * their exceptions and outputs, indexed by event type). A load replays the files loaded so
 * far plus the new batch into a fresh generation and swaps it in only when nothing failed,
 * so a bad file never leaves the set half-loaded. Messages use Falco's codes and, where the
 * regression tests pin them, Falco's wording.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <strings.h>

#include "common/fileio.h"
#include "rules/rules-int.h"

/* ---- priorities ----------------------------------------------------------------------- */

static const char *const prio_names[_RULE_PRIO_MAX] = {
    "Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug",
};

const char *rule_priority_name(enum rule_priority p)
{
	return (unsigned)p < _RULE_PRIO_MAX ? prio_names[p] : "Debug";
}

int rule_priority_parse(const char *s, enum rule_priority *ret)
{
	for (int i = 0; i < _RULE_PRIO_MAX; i++)
		if (strcasecmp(s, prio_names[i]) == 0) {
			*ret = (enum rule_priority)i;
			return 0;
		}
	if (strcasecmp(s, "info") == 0) {
		*ret = RULE_PRIO_INFORMATIONAL;
		return 0;
	}
	return -EINVAL;
}

/* ---- messages ------------------------------------------------------------------------- */

struct loader {
	struct rule_set *set;
	struct rs_gen *g;
	const char *src; /* current file name (arena) */
	bool quiet;	 /* replaying an already accepted file: no collect-phase messages */
	bool failed;
	int err; /* first -errno */
	bool plugin_note;
};

static void msgs_clear(struct rule_set *set)
{
	for (size_t i = 0; i < set->n_msgs; i++) {
		free(set->msgs[i].item_type);
		free(set->msgs[i].item_name);
		free(set->msgs[i].message);
		free(set->msgs[i].source);
	}
	set->n_msgs = 0;
}

static void lmsg(struct loader *l, bool is_error, const char *code, const char *item_type,
		 const char *item_name, const struct ry_node *at, const char *fmt, ...)
    _printf_(7, 8);
static void lmsg(struct loader *l, bool is_error, const char *code, const char *item_type,
		 const char *item_name, const struct ry_node *at, const char *fmt, ...)
{
	if (is_error) {
		l->failed = true;
		if (!l->err)
			l->err = -EBADMSG;
	}
	if (l->quiet && !is_error)
		return;
	struct rule_set *set = l->set;
	if (GROW(set->msgs, set->n_msgs, set->cap_msgs) < 0) {
		l->err = -ENOMEM;
		return;
	}
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	(void)n;
	struct rule_msg *m = &set->msgs[set->n_msgs];
	*m = (struct rule_msg){.is_error = is_error, .code = code};
	m->item_type = strdup(item_type);
	m->item_name = strdup(item_name ? item_name : "");
	m->message = strdup(buf);
	m->source = strdup(l->src ? l->src : "");
	if (!m->item_type || !m->item_name || !m->message || !m->source) {
		free(m->item_type);
		free(m->item_name);
		free(m->message);
		free(m->source);
		l->err = -ENOMEM;
		return;
	}
	if (at) {
		m->line = at->line;
		m->column = at->column;
	}
	set->n_msgs++;
}

#define LERR(l, code, type, name, at, ...)  lmsg(l, true, code, type, name, at, __VA_ARGS__)
#define LWARN(l, code, type, name, at, ...) lmsg(l, false, code, type, name, at, __VA_ARGS__)

/* ---- generation ----------------------------------------------------------------------- */

static void gen_free(struct rs_gen *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n_lists; i++) {
		free(g->lists[i]->items);
		free(g->lists[i]->exp);
	}
	for (size_t i = 0; i < g->n_macros; i++)
		buf_done(&g->macros[i]->cond);
	for (size_t i = 0; i < g->n_rules; i++) {
		struct rule *r = g->rules[i];
		buf_done(&r->cond);
		buf_done(&r->output);
		for (size_t k = 0; k < r->n_exc; k++)
			free(r->exc[k].values);
		free(r->exc);
	}
	for (size_t i = 0; i < g->n_res; i++)
		pcre2_code_free(g->res[i]);
	free(g->res);
	free(g->lists);
	free(g->macros);
	free(g->rules);
	if (g->by_evt) {
		for (size_t i = 0; i < rs_evt_count(); i++)
			free(g->by_evt[i]);
		free(g->by_evt);
	}
	free(g->n_by_evt);
	rs_arena_done(&g->arena);
	free(g);
}

static struct rs_list *find_list(struct rs_gen *g, const char *name, size_t n)
{
	for (size_t i = 0; i < g->n_lists; i++)
		if (strlen(g->lists[i]->name) == n && memcmp(g->lists[i]->name, name, n) == 0)
			return g->lists[i];
	return NULL;
}

static struct rs_macro *find_macro(struct rs_gen *g, const char *name)
{
	for (size_t i = 0; i < g->n_macros; i++)
		if (streq(g->macros[i]->name, name))
			return g->macros[i];
	return NULL;
}

static struct rule *find_rule(struct rs_gen *g, const char *name)
{
	for (size_t i = 0; i < g->n_rules; i++)
		if (streq(g->rules[i]->name, name))
			return g->rules[i];
	return NULL;
}

/* ---- collect ------------------------------------------------------------------------- */

static const char *scalar(const struct ry_node *n)
{
	return n && n->kind == RY_SCALAR ? n->str : NULL;
}

/* The item's name under key; NULL after reporting "Mapping for key 'X' is empty". */
static const char *item_name(struct loader *l, const struct ry_node *item, const char *key)
{
	const char *s = scalar(ry_get(item, key));
	if (!s || !*s) {
		LERR(l, "LOAD_ERR_YAML_VALIDATE", key, "", item, "Mapping for key '%s' is empty",
		     key);
		return NULL;
	}
	return s;
}

/* append: true, or the per-key override map. */
struct ovr {
	bool append;
	const struct ry_node *override;
};

static int get_ovr(struct loader *l, const struct ry_node *item, const char *type, const char *name,
		   const char *const *allowed, struct ovr *o)
{
	*o = (struct ovr){0};
	const struct ry_node *ap = ry_get(item, "append");
	if (ap && !ry_is_true(ap, &o->append)) {
		LERR(l, "LOAD_ERR_YAML_VALIDATE", type, name, ap, "Can't decode YAML scalar value");
		return -EBADMSG;
	}
	const struct ry_node *ov = ry_get(item, "override");
	if (!ov)
		return 0;
	if (ov->kind != RY_MAP) {
		LERR(l, "LOAD_ERR_YAML_VALIDATE", type, name, ov,
		     "Item has no mapping for key 'override'");
		return -EBADMSG;
	}
	if (o->append) {
		LERR(l, "LOAD_ERR_VALIDATE", type, name, ov,
		     "Keys 'override' and 'append: true' cannot be used together.");
		return -EBADMSG;
	}
	for (size_t i = 0; i + 1 < ov->n; i += 2) {
		const char *k = ov->items[i]->str, *v = scalar(ov->items[i + 1]);
		bool ok = false;
		for (size_t j = 0; allowed[j]; j++)
			if (streq(allowed[j], k))
				ok = true;
		if (!ok || !v || (!streq(v, "append") && !streq(v, "replace"))) {
			LERR(l, "LOAD_ERR_VALIDATE", type, name, ov->items[i],
			     "Key '%s' cannot be overridden with '%s'", k, v ? v : "");
			return -EBADMSG;
		}
	}
	/* every other key of the item must be the name or listed under override */
	for (size_t i = 0; i + 1 < item->n; i += 2) {
		const char *k = item->items[i]->str;
		if (streq(k, type) || streq(k, "override"))
			continue;
		if (!ry_get(ov, k)) {
			LERR(l, "LOAD_ERR_VALIDATE", type, name, item->items[i],
			     "Unexpected key '%s': no corresponding entry under 'override' is "
			     "defined.",
			     k);
			return -EBADMSG;
		}
	}
	o->override = ov;
	return 0;
}

/* "append", "replace" or NULL for key under override. */
static const char *ovr_mode(const struct ovr *o, const char *key)
{
	if (o->append)
		return "append";
	return o->override ? scalar(ry_get(o->override, key)) : NULL;
}

static int list_push(struct rs_list *lst, const char *s, uint64_t max)
{
	if (lst->n >= max)
		return -E2BIG;
	if (GROW(lst->items, lst->n, lst->cap) < 0)
		return -ENOMEM;
	lst->items[lst->n++] = s;
	return 0;
}

static int collect_list(struct loader *l, const struct ry_node *item)
{
	static const char *const allowed[] = {"items", NULL};
	const char *name = item_name(l, item, "list");
	if (!name)
		return -EBADMSG;
	struct ovr o;
	if (get_ovr(l, item, "list", name, allowed, &o) < 0)
		return -EBADMSG;
	const struct ry_node *items = ry_get(item, "items");
	if (!items) {
		LERR(l, "LOAD_ERR_YAML_VALIDATE", "list", name, item,
		     "Item has no mapping for key 'items'");
		return -EBADMSG;
	}
	if (items->kind != RY_SEQ && items->kind != RY_NULL) {
		LERR(l, "LOAD_ERR_YAML_VALIDATE", "list", name, items,
		     "Value of 'items' is not a sequence");
		return -EBADMSG;
	}
	for (size_t i = 0; i < items->n; i++)
		if (items->items[i]->kind != RY_SCALAR) {
			LERR(l, "LOAD_ERR_YAML_VALIDATE", "list", name, items->items[i],
			     "List items must be strings");
			return -EBADMSG;
		}
	struct rs_list *lst = find_list(l->g, name, strlen(name));
	const char *mode = ovr_mode(&o, "items");
	if (mode && streq(mode, "append")) {
		if (!lst) {
			LERR(l, "LOAD_ERR_VALIDATE", "list", name, item,
			     "List has 'append' key or an 'append' override but no list by that "
			     "name already exists");
			return -EBADMSG;
		}
	} else if (mode && !lst) {
		LERR(l, "LOAD_ERR_VALIDATE", "list", name, item,
		     "An 'override' entry is used but no list by that name already exists");
		return -EBADMSG;
	} else if (lst) {
		lst->n = 0; /* redefinition replaces, keeping the position */
	} else {
		lst = rs_alloc(&l->g->arena, sizeof(*lst));
		if (!lst || GROW(l->g->lists, l->g->n_lists, l->g->cap_lists) < 0)
			return -ENOMEM;
		lst->name = name;
		l->g->lists[l->g->n_lists++] = lst;
	}
	lst->node = item;
	lst->source = l->src;
	for (size_t i = 0; i < items->n; i++) {
		int r = list_push(lst, items->items[i]->str, l->set->limits.rules_max_list);
		if (r < 0) {
			LERR(l, "LOAD_ERR_VALIDATE", "list", name, item,
			     "List longer than %llu items (rules-max-list)",
			     (unsigned long long)l->set->limits.rules_max_list);
			return r;
		}
	}
	return 0;
}

static int append_text(struct buf *b, const char *s)
{
	int r = 0;
	if (b->len)
		r = buf_putc(b, ' ');
	return r ?: buf_puts(b, s);
}

static int collect_macro(struct loader *l, const struct ry_node *item)
{
	static const char *const allowed[] = {"condition", NULL};
	const char *name = item_name(l, item, "macro");
	if (!name)
		return -EBADMSG;
	struct ovr o;
	if (get_ovr(l, item, "macro", name, allowed, &o) < 0)
		return -EBADMSG;
	const char *cond = scalar(ry_get(item, "condition"));
	if (!cond) {
		LERR(l, "LOAD_ERR_YAML_VALIDATE", "macro", name, item,
		     "Item has no mapping for key 'condition'");
		return -EBADMSG;
	}
	struct rs_macro *m = find_macro(l->g, name);
	const char *mode = ovr_mode(&o, "condition");
	if (mode && !m) {
		LERR(l, "LOAD_ERR_VALIDATE", "macro", name, item,
		     "Macro has 'append' key or an 'append' override but no macro by that name "
		     "already exists");
		return -EBADMSG;
	}
	if (!m) {
		m = rs_alloc(&l->g->arena, sizeof(*m));
		if (!m || GROW(l->g->macros, l->g->n_macros, l->g->cap_macros) < 0)
			return -ENOMEM;
		buf_init(&m->cond, l->set->limits.rules_max_text);
		m->name = name;
		l->g->macros[l->g->n_macros++] = m;
	}
	if (!mode || streq(mode, "replace"))
		buf_clear(&m->cond);
	m->node = item;
	m->source = l->src;
	int r = append_text(&m->cond, cond);
	if (r == -E2BIG)
		LERR(l, "LOAD_ERR_VALIDATE", "macro", name, item,
		     "Condition longer than %llu bytes (rules-max-text)",
		     (unsigned long long)l->set->limits.rules_max_text);
	return r;
}

static int parse_exceptions(struct loader *l, struct rule *r, const struct ry_node *exs,
			    bool appending)
{
	if (!exs)
		return 0;
	if (exs->kind == RY_NULL)
		return 0;
	if (exs->kind != RY_SEQ) {
		LERR(l, "LOAD_ERR_YAML_VALIDATE", "rule", r->name, exs,
		     "Rule exceptions must be a sequence");
		return -EBADMSG;
	}
	for (size_t i = 0; i < exs->n; i++) {
		const struct ry_node *e = exs->items[i];
		const char *name = scalar(ry_get(e, "name"));
		if (e->kind != RY_MAP || !name) {
			LERR(l, "LOAD_ERR_YAML_VALIDATE", "exception", "", e,
			     "Item has no mapping for key 'name'");
			return -EBADMSG;
		}
		const struct ry_node *fields = ry_get(e, "fields");
		const struct ry_node *comps = ry_get(e, "comps");
		const struct ry_node *values = ry_get(e, "values");
		if (values && values->kind != RY_SEQ && values->kind != RY_NULL) {
			LERR(l, "LOAD_ERR_YAML_VALIDATE", "exception", name, values,
			     "Rule exception values must be a sequence");
			return -EBADMSG;
		}
		struct rs_exception *x = NULL;
		if (appending)
			for (size_t k = 0; k < r->n_exc; k++)
				if (streq(r->exc[k].name, name))
					x = &r->exc[k];
		if (!x) {
			if (!fields) {
				if (appending)
					LERR(l, "LOAD_ERR_VALIDATE", "exception", name, e,
					     "Rule exception must have fields property with a list "
					     "of fields");
				else
					LERR(l, "LOAD_ERR_YAML_VALIDATE", "exception", name, e,
					     "Item has no mapping for key 'fields'");
				return -EBADMSG;
			}
			if (GROW(r->exc, r->n_exc, r->cap_exc) < 0)
				return -ENOMEM;
			x = &r->exc[r->n_exc++];
			*x = (struct rs_exception){
			    .name = name, .node = e, .fields = fields, .comps = comps};
		}
		for (size_t k = 0; values && k < values->n; k++) {
			if (GROW(x->values, x->n_values, x->cap_values) < 0)
				return -ENOMEM;
			x->values[x->n_values++] = values->items[k];
		}
	}
	return 0;
}

static void rule_free_exc(struct rule *r)
{
	for (size_t i = 0; i < r->n_exc; i++)
		free(r->exc[i].values);
	free(r->exc);
	r->exc = NULL;
	r->n_exc = r->cap_exc = 0;
}

static int parse_tags(struct loader *l, struct rule *r, const struct ry_node *t, bool append)
{
	if (t->kind == RY_NULL)
		return 0;
	if (t->kind != RY_SEQ) {
		LERR(l, "LOAD_ERR_YAML_VALIDATE", "rule", r->name, t,
		     "Rule tags must be a sequence");
		return -EBADMSG;
	}
	size_t base = append ? r->n_tags : 0;
	const char **tags = rs_alloc(&l->g->arena, (base + t->n + 1) * sizeof(*tags));
	if (!tags)
		return -ENOMEM;
	if (base)
		memcpy(tags, r->tags, base * sizeof(*tags));
	for (size_t i = 0; i < t->n; i++) {
		if (t->items[i]->kind != RY_SCALAR) {
			LERR(l, "LOAD_ERR_YAML_VALIDATE", "rule", r->name, t->items[i],
			     "Rule tags must be strings");
			return -EBADMSG;
		}
		tags[base + i] = t->items[i]->str;
	}
	r->tags = tags;
	r->n_tags = base + t->n;
	return 0;
}

static int get_bool(struct loader *l, const struct rule *r, const struct ry_node *n, bool *ret)
{
	if (!ry_is_true(n, ret)) {
		LERR(l, "LOAD_ERR_YAML_VALIDATE", "rule", r->name, n,
		     "Can't decode YAML scalar value");
		return -EBADMSG;
	}
	return 0;
}

/* Apply the optional keys of item to r (definition, replace or append). */
static int rule_apply(struct loader *l, struct rule *r, const struct ry_node *item,
		      const struct ovr *o, bool define)
{
	static const char *const keys[] = {"condition", "output",	 "desc",
					   "priority",	"tags",		 "exceptions",
					   "enabled",	"warn_evttypes", "skip-if-unknown-filter",
					   "source"};
	int rc = 0;
	for (size_t i = 0; i < ARRAY_SIZE(keys) && rc == 0; i++) {
		const struct ry_node *v = ry_get(item, keys[i]);
		if (!v)
			continue;
		const char *mode = define ? "replace" : ovr_mode(o, keys[i]);
		if (!mode)
			mode = "replace"; /* enabled-only items */
		bool app = streq(mode, "append");
		const char *k = keys[i];
		if (streq(k, "condition") || streq(k, "output")) {
			const char *s = scalar(v);
			struct buf *b = streq(k, "condition") ? &r->cond : &r->output;
			if (!s && v->kind != RY_NULL) {
				LERR(l, "LOAD_ERR_YAML_VALIDATE", "rule", r->name, v,
				     "Value of '%s' is not a string", k);
				return -EBADMSG;
			}
			if (!app)
				buf_clear(b);
			rc = append_text(b, s ? s : "");
		} else if (streq(k, "desc")) {
			const char *s = scalar(v) ?: "";
			if (app && r->desc) {
				size_t n = strlen(r->desc) + strlen(s) + 2;
				char *d = rs_alloc(&l->g->arena, n);
				if (!d)
					return -ENOMEM;
				(void)xsnprintf(d, n, "%s %s", r->desc, s);
				r->desc = d;
			} else {
				r->desc = s;
			}
		} else if (streq(k, "priority")) {
			const char *s = scalar(v);
			if (!s || rule_priority_parse(s, &r->priority) < 0) {
				LERR(l, "LOAD_ERR_YAML_VALIDATE", "rule", r->name, v,
				     "Invalid priority");
				return -EBADMSG;
			}
		} else if (streq(k, "tags")) {
			rc = parse_tags(l, r, v, app);
		} else if (streq(k, "exceptions")) {
			if (!app)
				rule_free_exc(r);
			rc = parse_exceptions(l, r, v, app);
		} else if (streq(k, "enabled")) {
			rc = get_bool(l, r, v, &r->enabled);
		} else if (streq(k, "warn_evttypes")) {
			rc = get_bool(l, r, v, &r->warn_evttypes);
		} else if (streq(k, "skip-if-unknown-filter")) {
			rc = get_bool(l, r, v, &r->skip_unknown);
		} else if (streq(k, "source")) {
			const char *s = scalar(v);
			r->evsource = s && *s ? s : "syscall";
		}
	}
	if (rc == -E2BIG)
		LERR(l, "LOAD_ERR_VALIDATE", "rule", r->name, item,
		     "Rule text longer than %llu bytes (rules-max-text)",
		     (unsigned long long)l->set->limits.rules_max_text);
	return rc;
}

static int collect_rule(struct loader *l, const struct ry_node *item)
{
	static const char *const allowed[] = {
	    "condition", "output",	  "desc",
	    "priority",	 "tags",	  "exceptions",
	    "enabled",	 "warn_evttypes", "skip-if-unknown-filter",
	    NULL};
	const char *name = item_name(l, item, "rule");
	if (!name)
		return -EBADMSG;
	struct ovr o;
	if (get_ovr(l, item, "rule", name, allowed, &o) < 0)
		return -EBADMSG;
	struct rule *r = find_rule(l->g, name);
	if (o.append || o.override) {
		if (o.append && !ry_get(item, "condition") && !ry_get(item, "exceptions")) {
			LERR(l, "LOAD_ERR_VALIDATE", "rule", name, item,
			     "Appended rule must have exceptions or condition property");
			return -EBADMSG;
		}
		if (!r) {
			LERR(l, "LOAD_ERR_VALIDATE", "rule", name, item,
			     "Rule has 'append' key or an 'append' override but no rule by that "
			     "name already exists");
			return -EBADMSG;
		}
		return rule_apply(l, r, item, &o, false);
	}
	/* only `enabled` (besides the name): switch an existing rule on or off */
	if (item->n == 4 && ry_get(item, "enabled")) {
		if (!r) {
			LERR(l, "LOAD_ERR_VALIDATE", "rule", name, item,
			     "Rule has 'enabled' key but no rule by that name already exists");
			return -EBADMSG;
		}
		return rule_apply(l, r, item, &o, false);
	}
	static const char *const required[] = {"condition", "output", "desc", "priority"};
	for (size_t i = 0; i < ARRAY_SIZE(required); i++)
		if (!ry_get(item, required[i])) {
			LERR(l, "LOAD_ERR_YAML_VALIDATE", "rule", name, item,
			     "Item has no mapping for key '%s'", required[i]);
			return -EBADMSG;
		}
	if (r) {
		/* a redefinition replaces the rule in place (Falco keeps its position) */
		buf_clear(&r->cond);
		buf_clear(&r->output);
		rule_free_exc(r);
	} else {
		r = rs_alloc(&l->g->arena, sizeof(*r));
		if (!r || GROW(l->g->rules, l->g->n_rules, l->g->cap_rules) < 0)
			return -ENOMEM;
		buf_init(&r->cond, l->set->limits.rules_max_text);
		buf_init(&r->output, l->set->limits.rules_max_text);
		r->index = (uint32_t)l->g->n_rules;
		l->g->rules[l->g->n_rules++] = r;
	}
	r->name = name;
	r->node = item;
	r->source_file = l->src;
	r->desc = NULL;
	r->tags = NULL;
	r->n_tags = 0;
	r->enabled = true;
	r->warn_evttypes = true;
	r->skip_unknown = false;
	r->evsource = "syscall";
	return rule_apply(l, r, item, &o, true);
}

/* Semver "x.y.z" or a bare integer N (Falco's old engine versions, read as 0.N.0). */
static int parse_version(const char *s, uint64_t v[3])
{
	struct span in = span_from(s), part;
	uint64_t n;
	if (parse_u64(in, 10, UINT32_MAX, &n) == 0) {
		v[0] = 0;
		v[1] = n;
		v[2] = 0;
		return 0;
	}
	for (int i = 0; i < 3; i++) {
		if (span_next_token(&in, '.', &part) < 0 ||
		    parse_u64(part, 10, UINT32_MAX, &v[i]) < 0)
			return -EINVAL;
	}
	return in.len == 0 ? 0 : -EINVAL;
}

static int collect_engine_version(struct loader *l, const struct ry_node *item)
{
	const struct ry_node *v = ry_get(item, "required_engine_version");
	const char *s = scalar(v);
	uint64_t want[3], have[3];
	if (!s || parse_version(s, want) < 0) {
		LERR(l, "LOAD_ERR_YAML_VALIDATE", "required_engine_version", "", v,
		     "Unable to parse engine version '%s' as a semver string. Expected \"x.y.z\" "
		     "semver format.",
		     s ? s : "");
		return -EBADMSG;
	}
	(void)parse_version(RULE_ENGINE_VERSION, have);
	for (int i = 0; i < 3; i++) {
		if (want[i] < have[i])
			return 0;
		if (want[i] > have[i]) {
			LERR(l, "LOAD_ERR_VALIDATE", "required_engine_version", "", v,
			     "Rules require engine version %s, but engine version is %s", s,
			     RULE_ENGINE_VERSION);
			return -EBADMSG;
		}
	}
	return 0;
}

static int collect_doc(struct loader *l, const struct ry_node *root)
{
	if (root->kind == RY_NULL)
		return 0;
	if (root->kind == RY_SCALAR) {
		LERR(l, "LOAD_ERR_YAML_VALIDATE", "rules content", "", root,
		     "Rules content is not yaml");
		return -EBADMSG;
	}
	if (root->kind != RY_SEQ) {
		LERR(l, "LOAD_ERR_YAML_VALIDATE", "rules content", "", root,
		     "Rules content is not yaml array of objects");
		return -EBADMSG;
	}
	for (size_t i = 0; i < root->n; i++) {
		const struct ry_node *item = root->items[i];
		int r = 0;
		if (item->kind != RY_MAP) {
			LERR(l, "LOAD_ERR_YAML_VALIDATE", "rules content item", "", item,
			     "Unexpected element type. Each element should be a yaml associative "
			     "array.");
			return -EBADMSG;
		}
		if (ry_get(item, "required_engine_version"))
			r = collect_engine_version(l, item);
		else if (ry_get(item, "required_plugin_versions"))
			l->plugin_note = true;
		else if (ry_get(item, "list"))
			r = collect_list(l, item);
		else if (ry_get(item, "macro"))
			r = collect_macro(l, item);
		else if (ry_get(item, "rule"))
			r = collect_rule(l, item);
		else
			LWARN(l, "LOAD_UNKNOWN_ITEM", "rules content item", "", item,
			      "Unknown top level object");
		if (r < 0)
			return r;
	}
	return 0;
}

static int collect_source(struct loader *l, const char *name, const char *data, size_t len)
{
	struct ry_doc doc;
	unsigned line, col;
	char msg[256];
	l->src = rs_strndup(&l->g->arena, name, strlen(name));
	if (!l->src)
		return -ENOMEM;
	int r =
	    ry_parse(&l->g->arena, data, len, &l->set->limits, &doc, &line, &col, msg, sizeof(msg));
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		struct ry_node at = {.line = line, .column = col};
		LERR(l, "LOAD_ERR_YAML_PARSE", "rules content", "", &at,
		     "libyaml: error at line %u, column %u: %s", line, col, msg);
		if (r == -E2BIG)
			l->err = -E2BIG;
		return r;
	}
	for (size_t i = 0; i < doc.n_roots; i++) {
		r = collect_doc(l, doc.roots[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- compile ------------------------------------------------------------------------- */

static const char *unquote(struct rs_arena *a, const char *s, size_t *n)
{
	size_t len = strlen(s);
	if (len >= 2 && (s[0] == '"' || s[0] == '\'') && s[len - 1] == s[0]) {
		*n = len - 2;
		return rs_strndup(a, s + 1, len - 2);
	}
	*n = len;
	return s;
}

static int expand_list(struct loader *l, struct rs_list *lst, unsigned depth)
{
	if (lst->state == 2)
		return 0;
	if (lst->state == 1 || depth > 64) {
		LERR(l, "LOAD_ERR_VALIDATE", "list", lst->name, lst->node,
		     "List '%s' refers to itself", lst->name);
		return -EBADMSG;
	}
	lst->state = 1;
	size_t cap = 0;
	for (size_t i = 0; i < lst->n; i++) {
		struct rs_list *sub = find_list(l->g, lst->items[i], strlen(lst->items[i]));
		const char **from = &lst->items[i];
		size_t nfrom = 1;
		if (sub) {
			int r = expand_list(l, sub, depth + 1);
			if (r < 0)
				return r;
			sub->used = true;
			from = sub->exp;
			nfrom = sub->n_exp;
		}
		for (size_t k = 0; k < nfrom; k++) {
			if (lst->n_exp >= l->set->limits.rules_max_list) {
				LERR(l, "LOAD_ERR_VALIDATE", "list", lst->name, lst->node,
				     "List longer than %llu items (rules-max-list)",
				     (unsigned long long)l->set->limits.rules_max_list);
				return -E2BIG;
			}
			if (GROW(lst->exp, lst->n_exp, cap) < 0)
				return -ENOMEM;
			lst->exp[lst->n_exp++] = from[k];
		}
	}
	lst->state = 2;
	return 0;
}

/* What a resolved tree needs that the engine does not have (first of each kind). */
struct problems {
	const char *unknown_field;     /* unknown to Falco too */
	const char *unsupported_field; /* Falco has it, bulkhead does not */
	const char *unknown_evt;
	bool failed_macro;
};

static void merge(struct problems *a, const struct problems *b)
{
	if (!a->unknown_field)
		a->unknown_field = b->unknown_field;
	if (!a->unsupported_field)
		a->unsupported_field = b->unsupported_field;
	if (!a->unknown_evt)
		a->unknown_evt = b->unknown_evt;
	a->failed_macro |= b->failed_macro;
}

struct item_ctx {
	const char *type; /* "rule" / "macro" */
	const char *name;
	const struct ry_node *node;
};

static int compile_macro(struct loader *l, struct rs_macro *m, struct problems *pb);

/* Replace list names among the values of a check with the lists' items. */
static int expand_values(struct loader *l, struct rs_node *n)
{
	struct rs_arena *a = &l->g->arena;
	bool any = false;
	for (uint32_t i = 0; i < n->n && !any; i++)
		if (!n->vals[i].quoted && find_list(l->g, n->vals[i].s, n->vals[i].n))
			any = true;
	if (!any)
		return 0;
	if (!n->list_value) {
		/* `field = list_name`: Falco substitutes the list, which makes it an `in` */
		if (n->cmp == CMP_EQ)
			n->cmp = CMP_IN;
		else {
			struct rs_list *lst = find_list(l->g, n->vals[0].s, n->vals[0].n);
			int r = expand_list(l, lst, 0);
			if (r < 0)
				return r;
			lst->used = true;
			if (lst->n_exp != 1)
				return 0;
			size_t len;
			const char *s = unquote(a, lst->exp[0], &len);
			if (!s)
				return -ENOMEM;
			n->vals[0] = (struct rs_lit){.s = s, .n = len, .quoted = true};
			return 0;
		}
	}
	size_t total = 0;
	for (uint32_t i = 0; i < n->n; i++) {
		struct rs_list *lst =
		    n->vals[i].quoted ? NULL : find_list(l->g, n->vals[i].s, n->vals[i].n);
		if (lst) {
			int r = expand_list(l, lst, 0);
			if (r < 0)
				return r;
			lst->used = true;
			total += lst->n_exp;
		} else {
			total++;
		}
	}
	if (total > l->set->limits.rules_max_list)
		return -E2BIG;
	struct rs_lit *nv = rs_alloc(a, (total ? total : 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	size_t k = 0;
	for (uint32_t i = 0; i < n->n; i++) {
		struct rs_list *lst =
		    n->vals[i].quoted ? NULL : find_list(l->g, n->vals[i].s, n->vals[i].n);
		if (!lst) {
			nv[k++] = n->vals[i];
			continue;
		}
		for (size_t j = 0; j < lst->n_exp; j++) {
			size_t len;
			const char *s = unquote(a, lst->exp[j], &len);
			if (!s)
				return -ENOMEM;
			nv[k++] = (struct rs_lit){.s = s, .n = len, .quoted = true};
		}
	}
	n->vals = nv;
	n->n = (uint32_t)k;
	n->list_value = true;
	return 0;
}

static int resolve(struct loader *l, const struct item_ctx *it, struct rs_node **pn,
		   struct problems *pb, unsigned depth)
{
	struct rs_node *n = *pn;
	int r = 0;
	if (depth > l->set->limits.rules_max_depth * 4) {
		LERR(l, "LOAD_ERR_COMPILE_CONDITION", it->type, it->name, it->node,
		     "Condition nested too deeply");
		return -E2BIG;
	}
	switch (n->kind) {
	case RS_MACRO: {
		struct rs_macro *m = find_macro(l->g, n->macro);
		if (!m) {
			LERR(l, "LOAD_ERR_VALIDATE", it->type, it->name, it->node,
			     "Undefined macro '%s' used in filter.", n->macro);
			return -EBADMSG;
		}
		m->used = true;
		r = compile_macro(l, m, pb);
		if (r < 0)
			return r;
		if (m->state != 2) {
			pb->failed_macro = true;
			return 0;
		}
		*pn = m->ast;
		return 0;
	}
	case RS_AND:
	case RS_OR:
	case RS_NOT:
		for (uint32_t i = 0; i < n->n; i++) {
			r = resolve(l, it, &n->kids[i], pb, depth + 1);
			if (r < 0)
				return r;
		}
		return 0;
	case RS_CHECK: {
		if (!n->ref.f) {
			if (!pb->unknown_field)
				pb->unknown_field = n->field_text;
			return 0;
		}
		if (!n->ref.f->supported) {
			if (!pb->unsupported_field)
				pb->unsupported_field = n->ref.f->name;
			return 0;
		}
		r = expand_values(l, n);
		if (r == -E2BIG) {
			LERR(l, "LOAD_ERR_COMPILE_CONDITION", it->type, it->name, it->node,
			     "List longer than %llu items (rules-max-list)",
			     (unsigned long long)l->set->limits.rules_max_list);
			return r;
		}
		if (r < 0)
			return r;
		if (streq(n->ref.f->name, "evt.type") && n->cmp != CMP_EXISTS && !n->ref.xform &&
		    (n->cmp == CMP_EQ || n->cmp == CMP_NE || n->cmp == CMP_IN ||
		     n->cmp == CMP_INTERSECTS))
			for (uint32_t i = 0; i < n->n; i++)
				if (!rs_evt_id(n->vals[i].s, n->vals[i].n) && !pb->unknown_evt)
					pb->unknown_evt = n->vals[i].s;
		char msg[256];
		r = rs_check_compile(l->g, n, msg, sizeof(msg));
		if (r == -EBADMSG)
			LERR(l, "LOAD_ERR_COMPILE_CONDITION", it->type, it->name, it->node, "%s",
			     msg);
		return r;
	}
	default:
		return 0;
	}
}

static void macro_problems(const struct rs_macro *m, struct problems *pb)
{
	struct problems mp = {m->pb_unknown_field, m->pb_unsupported_field, m->pb_unknown_evt,
			      m->state == 3};
	merge(pb, &mp);
}

static int compile_macro(struct loader *l, struct rs_macro *m, struct problems *pb)
{
	if (m->state == 2 || m->state == 3) {
		macro_problems(m, pb);
		return 0;
	}
	if (m->state == 1) {
		LERR(l, "LOAD_ERR_VALIDATE", "macro", m->name, m->node,
		     "Macro '%s' refers to itself", m->name);
		pb->failed_macro = true;
		return 0;
	}
	m->state = 1;
	char msg[512];
	size_t pos;
	struct item_ctx it = {"macro", m->name, m->node};
	int r = rs_parse_condition(&l->g->arena, &l->set->limits, buf_str(&m->cond), m->cond.len,
				   &m->ast, msg, sizeof(msg), &pos);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		LERR(l, "LOAD_ERR_COMPILE_CONDITION", "macro", m->name, m->node, "%s", msg);
		m->state = 3;
		macro_problems(m, pb);
		return 0;
	}
	struct problems mine = {0};
	r = resolve(l, &it, &m->ast, &mine, 0);
	if (r == -ENOMEM)
		return r;
	m->state = r < 0 || mine.failed_macro ? 3 : 2;
	m->pb_unknown_field = mine.unknown_field;
	m->pb_unsupported_field = mine.unsupported_field;
	m->pb_unknown_evt = mine.unknown_evt;
	macro_problems(m, pb);
	return 0;
}

/* ---- exceptions ----------------------------------------------------------------------- */

static bool exc_comp_ok(int c)
{
	return c >= 0 && c != CMP_EXISTS && c != CMP_REGEX;
}

/* A check "field comp value" for an exception; value is a scalar or a sequence. */
static int exc_check(struct loader *l, const struct rf_ref *ref, const char *field, int cmp,
		     const struct ry_node *v, struct rs_node **ret)
{
	struct rs_arena *a = &l->g->arena;
	struct rs_node *n = rs_alloc(a, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->kind = RS_CHECK;
	n->cmp = (uint8_t)cmp;
	n->ref = *ref;
	n->field_text = field;
	n->list_value = rs_cmp_is_list(cmp);
	size_t cnt = v->kind == RY_SEQ ? v->n : 1;
	const char *paren = NULL;
	if (v->kind == RY_SCALAR && n->list_value && v->len >= 2 && v->str[0] == '(' &&
	    v->str[v->len - 1] == ')') {
		paren = v->str;
		cnt = 1;
		for (size_t i = 1; i + 1 < v->len; i++)
			cnt += v->str[i] == ',';
	}
	n->vals = rs_alloc(a, cnt * sizeof(*n->vals));
	if (!n->vals)
		return -ENOMEM;
	if (paren) {
		struct span in = {paren + 1, v->len - 2}, tok;
		while (span_next_token(&in, ',', &tok) == 0) {
			tok = span_trim(tok);
			char *s = rs_strndup(a, tok.ptr, tok.len);
			if (!s)
				return -ENOMEM;
			size_t len;
			const char *u = unquote(a, s, &len);
			if (!u)
				return -ENOMEM;
			n->vals[n->n++] = (struct rs_lit){.s = u, .n = len, .quoted = u != s};
		}
	} else {
		for (size_t i = 0; i < cnt; i++) {
			const struct ry_node *item = v->kind == RY_SEQ ? v->items[i] : v;
			if (item->kind != RY_SCALAR && item->kind != RY_NULL) {
				LERR(l, "LOAD_ERR_VALIDATE", "exception", "", item,
				     "Exception values must be strings");
				return -EBADMSG;
			}
			size_t len;
			const char *u = unquote(a, item->str, &len);
			if (!u)
				return -ENOMEM;
			n->vals[n->n++] = (struct rs_lit){
			    .s = u, .n = len, .quoted = u != item->str || item->quoted};
			if (!n->list_value && v->kind == RY_SEQ && cnt > 1) {
				/* a sequence for a one-value operator: Falco renders it as a list
				 */
				n->cmp = CMP_IN;
				n->list_value = true;
			}
		}
	}
	*ret = n;
	return 0;
}

static struct rs_node *mk(struct rs_arena *a, uint8_t kind, size_t cap)
{
	struct rs_node *n = rs_alloc(a, sizeof(*n));
	if (!n)
		return NULL;
	n->kind = kind;
	n->ref.index = -1;
	n->kids = rs_alloc(a, (cap ? cap : 1) * sizeof(*n->kids));
	return n->kids ? n : NULL;
}

static int build_exception(struct loader *l, const struct rule *r, const struct rs_exception *x,
			   struct rs_node **ret, struct problems *pb)
{
	struct rs_arena *a = &l->g->arena;
	const struct ry_node *fl = x->fields, *cl = x->comps;
	bool single = fl->kind == RY_SCALAR;
	size_t nf = single ? 1 : fl->n;
	*ret = NULL;
	if (!single && fl->kind != RY_SEQ) {
		LERR(l, "LOAD_ERR_VALIDATE", "exception", x->name, x->node,
		     "Rule exception must have fields property with a list of fields");
		return -EBADMSG;
	}
	if (cl && cl->kind != RY_NULL &&
	    ((single && cl->kind != RY_SCALAR) ||
	     (!single && (cl->kind != RY_SEQ || cl->n != nf)))) {
		LERR(l, "LOAD_ERR_VALIDATE", "exception", x->name, x->node,
		     "Fields and comps lists must have equal length");
		return -EBADMSG;
	}
	struct rf_ref refs[32];
	int comps[32];
	if (nf > ARRAY_SIZE(refs) || nf == 0) {
		LERR(l, "LOAD_ERR_VALIDATE", "exception", x->name, x->node,
		     "Rule exception must have between 1 and 32 fields");
		return -EBADMSG;
	}
	const char *fnames[32];
	for (size_t i = 0; i < nf; i++) {
		const struct ry_node *f = single ? fl : fl->items[i];
		const char *fs = scalar(f) ?: "";
		fnames[i] = fs;
		size_t len = strlen(fs);
		if (rf_lookup(fs, len, &refs[i], a) != len || len == 0) {
			LERR(l, "LOAD_ERR_VALIDATE", "exception", x->name, x->node,
			     "'%s' is not a supported filter field", fs);
			return -EBADMSG;
		}
		if (!refs[i].f->supported && !pb->unsupported_field)
			pb->unsupported_field = refs[i].f->name;
		const char *cs = !cl || cl->kind == RY_NULL ? (single ? "in" : "=")
							    : scalar(single ? cl : cl->items[i]);
		comps[i] = cs ? rs_cmp_parse(cs, strlen(cs)) : -1;
		if (!exc_comp_ok(comps[i])) {
			LERR(l, "LOAD_ERR_VALIDATE", "exception", x->name, x->node,
			     "'%s' is not a supported comparison operator", cs ? cs : "");
			return -EBADMSG;
		}
	}
	if (x->n_values == 0)
		return 0;
	struct rs_node *any = mk(a, RS_OR, x->n_values);
	if (!any)
		return -ENOMEM;
	if (single) {
		/* fields: f, values: [v1, v2] -> f comp (v1, v2) */
		struct ry_node seq = {
		    .kind = RY_SEQ, .items = (struct ry_node **)x->values, .n = x->n_values};
		struct rs_node *c;
		int rc = exc_check(l, &refs[0], fnames[0], comps[0], &seq, &c);
		if (rc < 0)
			return rc;
		any->kids[any->n++] = c;
	} else {
		for (size_t k = 0; k < x->n_values; k++) {
			const struct ry_node *tuple = x->values[k];
			if (tuple->kind != RY_SEQ || tuple->n != nf) {
				LERR(l, "LOAD_ERR_VALIDATE", "exception", x->name, tuple,
				     "Fields and values lists must have equal length");
				return -EBADMSG;
			}
			struct rs_node *all = mk(a, RS_AND, nf);
			if (!all)
				return -ENOMEM;
			for (size_t i = 0; i < nf; i++) {
				struct rs_node *c;
				int rc = exc_check(l, &refs[i], fnames[i], comps[i],
						   tuple->items[i], &c);
				if (rc < 0)
					return rc;
				all->kids[all->n++] = c;
			}
			any->kids[any->n++] = all;
		}
	}
	(void)r;
	*ret = any;
	return 0;
}

/* ---- rules ---------------------------------------------------------------------------- */

static char *fmt_status(struct rs_arena *a, const char *fmt, ...) _printf_(2, 3);
static char *fmt_status(struct rs_arena *a, const char *fmt, ...)
{
	struct buf b;
	va_list ap;
	buf_init(&b, 512);
	va_start(ap, fmt);
	int r = buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (r < 0) {
		buf_clear(&b);
		(void)buf_puts(&b, "skipped");
	}
	char *s = rs_strndup(a, buf_str(&b), b.len);
	buf_done(&b);
	return s;
}

static size_t evset_count(const struct rs_evset *s)
{
	size_t c = 0;
	for (size_t i = 0; i < RS_EVT_WORDS; i++)
		c += (size_t)__builtin_popcountll(s->w[i]);
	return c;
}

static int compile_rule(struct loader *l, struct rule *r)
{
	struct rs_arena *a = &l->g->arena;
	struct item_ctx it = {"rule", r->name, r->node};
	char msg[512];
	size_t pos;
	const char *bad = NULL;

	r->runnable = false;
	if (!streq(r->evsource, "syscall")) {
		LWARN(l, "LOAD_UNKNOWN_SOURCE", "rule", r->name, r->node,
		      "Unknown source %s, skipping", r->evsource);
		r->status = fmt_status(a, "skipped: unknown source %s", r->evsource);
		return r->status ? 0 : -ENOMEM;
	}
	int rc = rs_parse_condition(a, &l->set->limits, buf_str(&r->cond), r->cond.len, &r->ast,
				    msg, sizeof(msg), &pos);
	if (rc == -ENOMEM)
		return rc;
	if (rc < 0) {
		LERR(l, "LOAD_ERR_COMPILE_CONDITION", "rule", r->name, r->node, "%s", msg);
		r->status = fmt_status(a, "skipped: %s", msg);
		return r->status ? 0 : -ENOMEM;
	}
	struct problems pb = {0};
	rc = resolve(l, &it, &r->ast, &pb, 0);
	if (rc == -ENOMEM)
		return rc;
	if (rc < 0) {
		r->status = fmt_status(a, "skipped: %s", "compile error");
		return r->status ? 0 : -ENOMEM;
	}
	/* exceptions: cond and not (ex1) and not (ex2) ... */
	if (r->n_exc) {
		struct rs_node *all = mk(a, RS_AND, r->n_exc + 1);
		if (!all)
			return -ENOMEM;
		all->kids[all->n++] = r->ast;
		for (size_t i = 0; i < r->n_exc; i++) {
			struct rs_node *ex;
			rc = build_exception(l, r, &r->exc[i], &ex, &pb);
			if (rc == -ENOMEM)
				return rc;
			if (rc < 0) {
				r->status = fmt_status(a, "skipped: %s", "invalid exception");
				return r->status ? 0 : -ENOMEM;
			}
			if (!ex)
				continue;
			struct item_ctx xit = {"rule", r->name, r->exc[i].node};
			rc = resolve(l, &xit, &ex, &pb, 0);
			if (rc == -ENOMEM)
				return rc;
			if (rc < 0) {
				r->status = fmt_status(a, "skipped: %s", "invalid exception");
				return r->status ? 0 : -ENOMEM;
			}
			struct rs_node *no = mk(a, RS_NOT, 1);
			if (!no)
				return -ENOMEM;
			no->kids[no->n++] = ex;
			all->kids[all->n++] = no;
		}
		r->ast = all;
	}
	if (pb.failed_macro) {
		r->status = fmt_status(a, "skipped: %s", "a macro it uses failed to compile");
		return r->status ? 0 : -ENOMEM;
	}
	if (pb.unknown_field || pb.unknown_evt) {
		char m2[256];
		if (pb.unknown_field)
			(void)xsnprintf(m2, sizeof(m2),
					"filter_check called with nonexistent field %s",
					pb.unknown_field);
		else
			(void)xsnprintf(m2, sizeof(m2), "unknown event type %s", pb.unknown_evt);
		if (r->skip_unknown)
			LWARN(l, "LOAD_UNKNOWN_FILTER", "rule", r->name, r->node, "%s", m2);
		else
			LERR(l, "LOAD_ERR_COMPILE_CONDITION", "rule", r->name, r->node, "%s", m2);
		r->status = pb.unknown_field
				? fmt_status(a, "skipped: unknown field %s", pb.unknown_field)
				: fmt_status(a, "skipped: unknown event type %s", pb.unknown_evt);
		return r->status ? 0 : -ENOMEM;
	}
	rc = rs_output_compile(a, buf_str(&r->output), r->output.len, &r->out, &r->n_out, &bad);
	if (rc == -ENOMEM)
		return rc;
	if (rc < 0) {
		if (r->skip_unknown)
			LWARN(l, "LOAD_UNKNOWN_FILTER", "rule", r->name, r->node,
			      "invalid formatting token %s", bad);
		else
			LERR(l, "LOAD_ERR_COMPILE_OUTPUT", "rule", r->name, r->node,
			     "invalid formatting token %s", bad);
		r->status = fmt_status(a, "skipped: invalid formatting token %s", bad);
		return r->status ? 0 : -ENOMEM;
	}
	if (pb.unsupported_field) {
		LWARN(l, "LOAD_UNKNOWN_FILTER", "rule", r->name, r->node,
		      "field %s is not provided by this engine, skipping", pb.unsupported_field);
		r->status = fmt_status(a, "skipped: unknown field %s", pb.unsupported_field);
		return r->status ? 0 : -ENOMEM;
	}
	rs_evset_compute(r->ast, false, &r->evts);
	if (r->warn_evttypes && evset_count(&r->evts) > 50)
		LWARN(l, "LOAD_NO_EVTTYPE", "rule", r->name, r->node,
		      "Rule matches too many evt.type values. This has a significant performance "
		      "penalty.");
	r->runnable = true;
	r->status = (char *)"loaded";
	return 0;
}

static bool rule_active(const struct rule_set *set, const struct rule *r)
{
	return r->runnable && r->enabled && r->priority <= set->min_prio;
}

static int build_index(struct rule_set *set, struct rs_gen *g)
{
	size_t ne = rs_evt_count();
	if (g->by_evt) {
		for (size_t i = 0; i < ne; i++)
			free(g->by_evt[i]);
		free(g->by_evt);
		free(g->n_by_evt);
	}
	g->by_evt = calloc(ne, sizeof(*g->by_evt));
	g->n_by_evt = calloc(ne, sizeof(*g->n_by_evt));
	if (!g->by_evt || !g->n_by_evt)
		return -ENOMEM;
	for (size_t e = 0; e < ne; e++) {
		size_t cnt = 0;
		for (size_t i = 0; i < g->n_rules; i++)
			if (rule_active(set, g->rules[i]) &&
			    (g->rules[i]->evts.w[e / 64] >> (e % 64) & 1))
				cnt++;
		if (!cnt)
			continue;
		g->by_evt[e] = malloc(cnt * sizeof(**g->by_evt));
		if (!g->by_evt[e])
			return -ENOMEM;
		for (size_t i = 0; i < g->n_rules; i++)
			if (rule_active(set, g->rules[i]) &&
			    (g->rules[i]->evts.w[e / 64] >> (e % 64) & 1))
				g->by_evt[e][g->n_by_evt[e]++] = (uint32_t)i;
	}
	return 0;
}

static bool has_tag(const struct rule *r, const char *tag)
{
	for (size_t i = 0; i < r->n_tags; i++)
		if (streq(r->tags[i], tag))
			return true;
	return false;
}

static size_t apply_enable(struct rs_gen *g, const char *name_sub, const char *tag, bool on)
{
	size_t changed = 0;
	for (size_t i = 0; i < g->n_rules; i++) {
		struct rule *r = g->rules[i];
		if (name_sub && !strstr(r->name, name_sub))
			continue;
		if (tag && !has_tag(r, tag))
			continue;
		if (r->enabled != on)
			changed++;
		r->enabled = on;
	}
	return changed;
}

static int compile_all(struct loader *l)
{
	struct rs_gen *g = l->g;
	int r;
	l->quiet = false;
	l->src = NULL;
	for (size_t i = 0; i < g->n_lists; i++) {
		r = expand_list(l, g->lists[i], 0);
		if (r == -ENOMEM)
			return r;
	}
	for (size_t i = 0; i < g->n_macros; i++) {
		struct problems pb = {0};
		l->src = g->macros[i]->source;
		r = compile_macro(l, g->macros[i], &pb);
		if (r == -ENOMEM)
			return r;
	}
	/* as Falco, the first rule that fails to compile ends the rules phase */
	for (size_t i = 0; i < g->n_rules && !l->failed; i++) {
		l->src = g->rules[i]->source_file;
		r = compile_rule(l, g->rules[i]);
		if (r == -ENOMEM)
			return r;
	}
	/* lists used only through other lists count as used */
	for (size_t i = 0; i < g->n_macros; i++)
		if (!g->macros[i]->used) {
			l->src = g->macros[i]->source;
			LWARN(l, "LOAD_UNUSED_MACRO", "macro", g->macros[i]->name,
			      g->macros[i]->node, "Macro not referred to by any other rule/macro");
		}
	for (size_t i = 0; i < g->n_lists; i++)
		if (!g->lists[i]->used) {
			l->src = g->lists[i]->source;
			LWARN(l, "LOAD_UNUSED_LIST", "list", g->lists[i]->name, g->lists[i]->node,
			      "List not referred to by any other rule/macro");
		}
	return 0;
}

/* ---- public --------------------------------------------------------------------------- */

struct rule_set *rule_set_new(const struct bh_limits *limits)
{
	struct rule_set *set = calloc(1, sizeof(*set));
	if (!set)
		return NULL;
	if (limits)
		set->limits = *limits;
	else
		bh_limits_default(&set->limits);
	set->min_prio = RULE_PRIO_DEBUG;
	set->ctx.scratch = malloc(RS_SCRATCH_BYTES);
	set->md = pcre2_match_data_create(1, NULL);
	set->mctx = pcre2_match_context_create(NULL);
	if (!set->ctx.scratch || !set->md || !set->mctx) {
		rule_set_free(set);
		return NULL;
	}
	(void)pcre2_set_match_limit(set->mctx, (uint32_t)MIN(set->limits.regex_max_steps, UINT32_MAX));
	(void)pcre2_set_depth_limit(set->mctx, RS_REGEX_DEPTH_LIMIT);
	return set;
}

void rule_set_free(struct rule_set *set)
{
	if (!set)
		return;
	gen_free(set->gen);
	for (size_t i = 0; i < set->n_src; i++) {
		free(set->src_names[i]);
		free(set->src_data[i]);
	}
	free(set->src_names);
	free(set->src_data);
	free(set->src_lens);
	msgs_clear(set);
	free(set->msgs);
	for (size_t i = 0; i < set->n_enable_ops; i++) {
		free(set->enable_ops[i].name_sub);
		free(set->enable_ops[i].tag);
	}
	free(set->enable_ops);
	free(set->ctx.scratch);
	pcre2_match_data_free(set->md);
	pcre2_match_context_free(set->mctx);
	free(set);
}

static void fill_diag(const struct rule_set *set, struct bh_diag *diag)
{
	for (size_t i = 0; i < set->n_msgs; i++) {
		const struct rule_msg *m = &set->msgs[i];
		if (!m->is_error)
			continue;
		bh_diag_set(diag, m->source, m->line, m->column, "%s: %s%s%s%s: %s", m->code,
			    m->item_type, *m->item_name ? " '" : "", m->item_name,
			    *m->item_name ? "'" : "", m->message);
		return;
	}
}

int rule_set_load_bufs(struct rule_set *set, const char *const *names, const char *const *data,
		       const size_t *lens, size_t n, struct bh_diag *reterr_diag)
{
	struct rs_gen *g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	msgs_clear(set);
	struct loader l = {.set = set, .g = g};
	int r = 0;
	for (size_t i = 0; i < set->n_src + n && r != -ENOMEM && !l.failed; i++) {
		bool old = i < set->n_src;
		l.quiet = old;
		if (old)
			r = collect_source(&l, set->src_names[i], set->src_data[i],
					   set->src_lens[i]);
		else
			r = collect_source(&l, names[i - set->n_src], data[i - set->n_src],
					   lens[i - set->n_src]);
	}
	if (r != -ENOMEM && !l.failed)
		r = compile_all(&l);
	if (r == -ENOMEM || l.err == -ENOMEM) {
		gen_free(g);
		return -ENOMEM;
	}
	if (l.failed) {
		gen_free(g);
		fill_diag(set, reterr_diag);
		return l.err == -E2BIG ? -E2BIG : -EBADMSG;
	}
	/* keep copies of the new sources to rebuild from on the next load */
	size_t total;
	if (!size_add(set->n_src, n, &total))
		return -E2BIG;
	char **nn = reallocarray(set->src_names, total ? total : 1, sizeof(*nn));
	if (nn)
		set->src_names = nn;
	char **nd = reallocarray(set->src_data, total ? total : 1, sizeof(*nd));
	if (nd)
		set->src_data = nd;
	size_t *nl = reallocarray(set->src_lens, total ? total : 1, sizeof(*nl));
	if (nl)
		set->src_lens = nl;
	if (!nn || !nd || !nl) {
		gen_free(g);
		return -ENOMEM;
	}
	size_t base = set->n_src;
	for (size_t i = 0; i < n; i++) {
		set->src_names[base + i] = strdup(names[i]);
		set->src_data[base + i] = malloc(lens[i] ? lens[i] : 1);
		set->src_lens[base + i] = lens[i];
		if (!set->src_names[base + i] || !set->src_data[base + i]) {
			for (size_t k = 0; k <= i; k++) {
				free(set->src_names[base + k]);
				free(set->src_data[base + k]);
			}
			gen_free(g);
			return -ENOMEM;
		}
		memcpy(set->src_data[base + i], data[i], lens[i]);
	}
	for (size_t i = 0; i < set->n_enable_ops; i++)
		(void)apply_enable(g, set->enable_ops[i].name_sub, set->enable_ops[i].tag,
				   set->enable_ops[i].enabled);
	r = build_index(set, g);
	if (r < 0) {
		for (size_t i = 0; i < n; i++) {
			free(set->src_names[base + i]);
			free(set->src_data[base + i]);
		}
		gen_free(g);
		return r;
	}
	set->n_src = total;
	g->plugin_note = l.plugin_note || (set->gen && set->gen->plugin_note);
	gen_free(set->gen);
	set->gen = g;
	return 0;
}

int rule_set_load_buf(struct rule_set *set, const char *name, const char *data, size_t len,
		      struct bh_diag *reterr_diag)
{
	return rule_set_load_bufs(set, &name, &data, &len, 1, reterr_diag);
}

int rule_set_load_files(struct rule_set *set, const char *const *paths, size_t n,
			struct bh_diag *reterr_diag)
{
	struct buf *bufs = calloc(n ? n : 1, sizeof(*bufs));
	const char **data = calloc(n ? n : 1, sizeof(*data));
	size_t *lens = calloc(n ? n : 1, sizeof(*lens));
	int r = 0;
	if (!bufs || !data || !lens) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		buf_init(&bufs[i], 0);
		r = bh_read_file_at(AT_FDCWD, paths[i], 0, set->limits.input_max_bytes, &bufs[i]);
		if (r < 0) {
			bh_diag_set(reterr_diag, paths[i], 0, 0, "cannot read rules file: %s",
				    strerror(-r));
			goto out;
		}
		data[i] = buf_str(&bufs[i]);
		lens[i] = bufs[i].len;
	}
	r = rule_set_load_bufs(set, paths, data, lens, n, reterr_diag);
out:
	for (size_t i = 0; bufs && i < n; i++)
		buf_done(&bufs[i]);
	free(bufs);
	free(data);
	free(lens);
	return r;
}

int rule_set_load_file(struct rule_set *set, const char *path, struct bh_diag *reterr_diag)
{
	return rule_set_load_files(set, &path, 1, reterr_diag);
}

const struct rule_msg *rule_set_messages(const struct rule_set *set, size_t *ret_n)
{
	*ret_n = set->n_msgs;
	return set->msgs;
}

const char *rule_status(const struct rule *r)
{
	return r->runnable ? (r->enabled ? "loaded" : "disabled")
	       : r->status ? r->status
			   : "skipped";
}

void rule_set_get_stats(const struct rule_set *set, struct rule_set_stats *ret)
{
	*ret = (struct rule_set_stats){0};
	const struct rs_gen *g = set->gen;
	if (!g)
		return;
	ret->n_rules = g->n_rules;
	ret->n_macros = g->n_macros;
	ret->n_lists = g->n_lists;
	for (size_t i = 0; i < g->n_rules; i++) {
		const struct rule *r = g->rules[i];
		if (!r->runnable)
			ret->n_skipped++;
		else if (rule_active(set, r))
			ret->n_loaded++;
		else
			ret->n_disabled++;
	}
}

int rule_set_report(const struct rule_set *set, FILE *f)
{
	const struct rs_gen *g = set->gen;
	struct rule_set_stats st;
	rule_set_get_stats(set, &st);
	for (size_t i = 0; g && i < g->n_rules; i++) {
		const struct rule *r = g->rules[i];
		const char *s = rule_status(r);
		if (r->runnable && r->enabled && !rule_active(set, r))
			s = "disabled (below the minimum priority)";
		if (fprintf(f, "%s: %s\n", r->name, s) < 0)
			return -EIO;
	}
	if (g && g->plugin_note &&
	    fprintf(f, "note: required_plugin_versions ignored (container fields are built in)\n") <
		0)
		return -EIO;
	if (fprintf(f, "rules: %zu loaded, %zu skipped, %zu disabled\n", st.n_loaded, st.n_skipped,
		    st.n_disabled) < 0)
		return -EIO;
	return 0;
}

void rule_set_set_min_priority(struct rule_set *set, enum rule_priority p)
{
	set->min_prio = p;
	if (set->gen)
		(void)build_index(set, set->gen);
}

size_t rule_set_enable(struct rule_set *set, const char *name_substring, const char *tag,
		       bool enabled)
{
	if (GROW(set->enable_ops, set->n_enable_ops, set->cap_enable_ops) == 0) {
		struct rs_enable_op *op = &set->enable_ops[set->n_enable_ops];
		(void)strdup_opt(name_substring, &op->name_sub);
		(void)strdup_opt(tag, &op->tag);
		op->enabled = enabled;
		if ((!name_substring || op->name_sub) && (!tag || op->tag))
			set->n_enable_ops++;
		else {
			free(op->name_sub);
			free(op->tag);
		}
	}
	if (!set->gen)
		return 0;
	size_t n = apply_enable(set->gen, name_substring, tag, enabled);
	(void)build_index(set, set->gen);
	return n;
}

void rule_set_set_match_all(struct rule_set *set, bool all)
{
	set->match_all = all;
}

const struct rule *rule_set_find(const struct rule_set *set, const char *name)
{
	return set->gen ? find_rule(set->gen, name) : NULL;
}

const char *rule_name(const struct rule *r)
{
	return r->name;
}

enum rule_priority rule_priority(const struct rule *r)
{
	return r->priority;
}

const char *rule_source(const struct rule *r)
{
	return r->evsource;
}

const char *const *rule_tags(const struct rule *r, size_t *ret_n)
{
	*ret_n = r->n_tags;
	return r->tags;
}

int rule_set_eval_condition(struct rule_set *set, const char *condition, const struct bh_event *ev,
			    struct bh_diag *reterr_diag)
{
	struct rs_gen tmp = {0};
	struct rs_gen *g = set->gen ? set->gen : &tmp;
	/* parse into a private arena, resolving against the set's macros and lists */
	struct rs_arena saved = g->arena;
	struct rs_arena own = {0};
	g->arena = own;
	struct loader l = {.set = set, .g = g, .quiet = true};
	struct rs_node *n = NULL;
	char msg[512];
	size_t pos;
	size_t res_before = g->n_res;
	int r = rs_parse_condition(&g->arena, &set->limits, condition, strlen(condition), &n, msg,
				   sizeof(msg), &pos);
	if (r < 0) {
		bh_diag_set(reterr_diag, "condition", 1, (unsigned)pos + 1, "%s", msg);
		goto out;
	}
	struct problems pb = {0};
	struct item_ctx it = {"condition", "", NULL};
	size_t nmsgs = set->n_msgs;
	r = resolve(&l, &it, &n, &pb, 0);
	if (r == 0 && (pb.unknown_field || pb.unsupported_field || pb.failed_macro)) {
		bh_diag_set(reterr_diag, "condition", 0, 0, "unknown field %s",
			    pb.unknown_field	   ? pb.unknown_field
			    : pb.unsupported_field ? pb.unsupported_field
						   : "(in a macro)");
		r = -EBADMSG;
	} else if (r < 0 || l.failed) {
		if (set->n_msgs > nmsgs)
			bh_diag_set(reterr_diag, "condition", 0, 0, "%s",
				    set->msgs[set->n_msgs - 1].message);
		r = r < 0 ? r : -EBADMSG;
	} else {
		rs_evctx_begin(&set->ctx, ev);
		r = rs_eval_node(set, n) ? 1 : 0;
	}
out:
	/* drop what this call added: its regexes and its arena */
	for (size_t i = res_before; i < g->n_res; i++)
		pcre2_code_free(g->res[i]);
	g->n_res = res_before;
	if (g == &tmp)
		free(tmp.res);
	rs_arena_done(&g->arena);
	g->arena = saved;
	return r;
}
