/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rules-eval.c — running the compiled rules on events: the candidates for an event come
 * from the index by evt.type (rules that cannot match the type are never looked at), in
 * load order, first match only unless match-all (Falco's rule_matching: first). Output
 * formats are compiled once into literal and field segments; formatting and the Falco JSON
 * alert are built only for rules that fired.
 */
#include <stdio.h>
#include <time.h>

#include "common/json.h"
#include "rules/rules-int.h"

static bool is_tok_char(char c)
{
	return ascii_isalnum(c) || c == '_' || c == '.';
}

int rs_output_compile(struct rs_arena *a, const char *fmt, size_t len, struct rs_outseg **ret,
		      size_t *ret_n, const char **ret_bad)
{
	/* at most one field and one literal per '%' plus a final literal */
	size_t cap = 1;
	for (size_t i = 0; i < len; i++)
		cap += fmt[i] == '%' ? 2 : 0;
	struct rs_outseg *segs = rs_alloc(a, cap * sizeof(*segs));
	if (!segs)
		return -ENOMEM;
	size_t n = 0, lit = 0, i = 0;
	while (i < len) {
		if (fmt[i] != '%' || i + 1 >= len || !ascii_isalpha(fmt[i + 1])) {
			i++;
			continue;
		}
		size_t st = i + 1, e = st;
		while (e < len && is_tok_char(fmt[e]))
			e++;
		if (e < len && fmt[e] == '[') {
			size_t k = e + 1;
			while (k < len && fmt[k] != ']')
				k++;
			if (k < len)
				e = k + 1;
		}
		while (e > st && fmt[e - 1] == '.')
			e--;
		struct rf_ref ref = {.index = -1};
		size_t used = rf_lookup(fmt + st, e - st, &ref, a);
		if (used == 0) {
			*ret_bad = rs_strndup(a, fmt + st, e - st);
			return *ret_bad ? -EBADMSG : -ENOMEM;
		}
		e = st + used;
		if (i > lit)
			segs[n++] = (struct rs_outseg){.text = fmt + lit, .len = i - lit};
		segs[n] = (struct rs_outseg){.ref = ref};
		segs[n].field_name = rs_strndup(a, fmt + st, e - st);
		if (!segs[n].field_name)
			return -ENOMEM;
		n++;
		i = lit = e;
	}
	if (len > lit)
		segs[n++] = (struct rs_outseg){.text = fmt + lit, .len = len - lit};
	*ret = segs;
	*ret_n = n;
	return 0;
}

int rule_set_eval(struct rule_set *set, const struct bh_event *ev, rule_match_fn fn, void *userdata)
{
	struct rs_gen *g = set->gen;
	if (!g || !g->by_evt)
		return 0;
	int id = rs_evt_id(ev->type, strnlen(ev->type, sizeof(ev->type)));
	uint32_t n = g->n_by_evt[id];
	if (n == 0)
		return 0;
	const uint32_t *cand = g->by_evt[id];
	rs_evctx_begin(&set->ctx, ev);
	int matched = 0;
	for (uint32_t i = 0; i < n; i++) {
		const struct rule *r = g->rules[cand[i]];
		if (!rs_eval_node(set, r->ast))
			continue;
		matched++;
		if (fn) {
			int rc = fn(r, ev, userdata);
			if (rc < 0)
				return rc;
		}
		if (!set->match_all)
			break;
	}
	return matched;
}

/* Does the tree n compare field? (Macros are already substituted by their trees.) */
static bool node_reads(const struct rs_node *n, const char *field)
{
	if (n->kind == RS_CHECK)
		return n->ref.f && streq(n->ref.f->name, field);
	if (n->kind != RS_AND && n->kind != RS_OR && n->kind != RS_NOT)
		return false;
	for (uint32_t i = 0; i < n->n; i++)
		if (node_reads(n->kids[i], field))
			return true;
	return false;
}

bool rule_set_reads_field(const struct rule_set *set, const char *evt_type, const char *field)
{
	const struct rs_gen *g = set->gen;
	int id = rs_evt_id(evt_type, strlen(evt_type));
	if (!g || !g->by_evt || id <= 0)
		return false;
	for (uint32_t i = 0; i < g->n_by_evt[id]; i++) {
		const struct rule *r = g->rules[g->by_evt[id][i]];
		if (node_reads(r->ast, field))
			return true;
		for (size_t k = 0; k < r->n_out; k++)
			if (r->out[k].ref.f && streq(r->out[k].ref.f->name, field))
				return true;
	}
	return false;
}

static int render_field(struct rule_set *set, const struct rf_ref *ref, struct buf *out)
{
	struct rf_val vals[RS_MAX_VALUES];
	size_t nv = rf_extract(&set->ctx, ref, vals, ARRAY_SIZE(vals));
	if (nv == 0)
		return buf_puts(out, "<NA>");
	return rf_render(ref, &vals[0], out);
}

/* The context must hold ev: the caller may format outside rule_set_eval's callback. */
static void ensure_ctx(struct rule_set *set, const struct bh_event *ev)
{
	if (set->ctx.ev != ev)
		rs_evctx_begin(&set->ctx, ev);
}

/* Does the rule's output already name this field? */
static bool output_names(const struct rule *r, const char *field)
{
	for (size_t i = 0; i < r->n_out; i++)
		if (r->out[i].ref.f && r->out[i].field_name && streq(r->out[i].field_name, field))
			return true;
	return false;
}

/*
 * Like Falco with its container plugin (append_output / suggested output), every alert
 * names the container: " container_id=<id> container_name=<name>" follows the rule's own
 * output unless it names those fields itself; host processes say "host".
 */
static const char *const appended[][2] = {
	{ "container.id", "container_id" },
	{ "container.name", "container_name" },
};

static const char *appended_value(const struct bh_event *ev, size_t i)
{
	const char *id = ev->container.id;
	bool host = id && streq(id, "host");
	if (i == 0)
		return id;
	return host ? "host" : ev->container.name;
}

int rule_format_output(struct rule_set *set, const struct rule *r, const struct bh_event *ev,
		       struct buf *out)
{
	ensure_ctx(set, ev);
	for (size_t i = 0; i < r->n_out; i++) {
		const struct rs_outseg *s = &r->out[i];
		int rc =
		    s->ref.f ? render_field(set, &s->ref, out) : buf_append(out, s->text, s->len);
		if (rc < 0)
			return rc;
	}
	for (size_t i = 0; i < ARRAY_SIZE(appended); i++) {
		if (output_names(r, appended[i][0]))
			continue;
		const char *v = appended_value(ev, i);
		int rc = buf_printf(out, " %s=%s", appended[i][1], v ? v : "<NA>");
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* A JSON string; invalid UTF-8 bytes become '?' (process names are not always text). */
static json_t *jstr(const char *s, size_t n)
{
	json_t *j = json_stringn(s, n);
	if (j)
		return j;
	char *c = malloc(n ? n : 1);
	if (!c)
		return NULL;
	for (size_t i = 0; i < n; i++)
		c[i] = (unsigned char)s[i] < 0x80 && s[i] ? s[i] : '?';
	j = json_stringn(c, n);
	free(c);
	return j;
}

static json_t *field_json(struct rule_set *set, const struct rf_ref *ref)
{
	struct rf_val vals[RS_MAX_VALUES];
	size_t nv = rf_extract(&set->ctx, ref, vals, ARRAY_SIZE(vals));
	if (nv == 0)
		return json_null();
	switch (rf_ref_type(ref)) {
	case RF_INT:
		return json_integer(vals[0].i);
	case RF_BOOL:
		return json_boolean(vals[0].i);
	default:
		return jstr(vals[0].s, vals[0].n);
	}
}

int rule_alert_json(struct rule_set *set, const struct rule *r, const struct bh_event *ev,
		    const char *hostname, struct buf *out)
{
	_cleanup_buf_ struct buf msg;
	buf_init(&msg, 0);
	ensure_ctx(set, ev);
	time_t secs = (time_t)(ev->ts / 1000000000u);
	unsigned ns = (unsigned)(ev->ts % 1000000000u);
	struct tm tm;
	char ts[64], hms[32];
	if (!gmtime_r(&secs, &tm))
		return -EINVAL;
	int rc = xsnprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%09uZ", tm.tm_year + 1900,
			   tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ns);
	if (rc == 0)
		rc = xsnprintf(hms, sizeof(hms), "%02d:%02d:%02d.%09u", tm.tm_hour, tm.tm_min,
			       tm.tm_sec, ns);
	if (rc < 0)
		return -EINVAL;
	rc = buf_printf(&msg, "%s: %s ", hms, rule_priority_name(r->priority));
	if (rc == 0)
		rc = rule_format_output(set, r, ev, &msg);
	if (rc < 0)
		return rc;

	_cleanup_json_ json_t *o = json_object();
	json_t *fields = json_object(), *tags = json_array();
	if (!o || !fields || !tags) {
		json_decref(fields);
		json_decref(tags);
		return -ENOMEM;
	}
	const char *host = hostname ? hostname : "";
	rc = json_object_set_new(o, "hostname", jstr(host, strlen(host))) ?:
	     json_object_set_new(o, "output", jstr(buf_str(&msg), msg.len)) ?:
	     json_object_set_new(o, "output_fields", fields) ?:
	     json_object_set_new(o, "priority", json_string(rule_priority_name(r->priority))) ?:
	     json_object_set_new(o, "rule", jstr(r->name, strlen(r->name))) ?:
	     json_object_set_new(o, "source", json_string("syscall")) ?:
	     json_object_set_new(o, "tags", tags) ?:
	     json_object_set_new(o, "time", json_string(ts));
	if (rc < 0)
		return -ENOMEM;
	if (json_object_set_new(fields, "evt.time", json_integer((json_int_t)ev->ts)) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < r->n_out; i++) {
		const struct rs_outseg *s = &r->out[i];
		if (!s->ref.f)
			continue;
		if (json_object_set_new(fields, s->field_name, field_json(set, &s->ref)) < 0)
			return -ENOMEM;
	}
	for (size_t i = 0; i < ARRAY_SIZE(appended); i++) {
		const char *v = appended_value(ev, i);
		if (!json_object_get(fields, appended[i][0]) &&
		    json_object_set_new(fields, appended[i][0], v ? jstr(v, strlen(v)) : json_null()) < 0)
			return -ENOMEM;
	}
	for (size_t i = 0; i < r->n_tags; i++)
		if (json_array_append_new(tags, jstr(r->tags[i], strlen(r->tags[i]))) < 0)
			return -ENOMEM;
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	if (!s)
		return -ENOMEM;
	rc = buf_puts(out, s);
	free(s);
	return rc ?: buf_putc(out, '\n');
}
