/* SPDX-License-Identifier: Apache-2.0 */
/*
 * secret-config.c — the secret scanner's configuration file (docs/secret-config.md): rules to
 * disable, the built-in allow-list switch, and allow entries (rules, path globs, value and
 * line regexes). Read by the project's bounded YAML reader (JSON works too); every error
 * names the file, the line of the offending key and what is wrong. Regexes and globs are
 * compiled here once to validate them; the engine compiles its own copies.
 */
#include <jansson.h>

#include "checks/secret-int.h"
#include "common/bh-yaml.h"

struct cfg_ctx {
	const char *source;
	struct span text;
	unsigned doc_line;
	struct bh_diag *diag;
};

static unsigned find_line(const struct cfg_ctx *x, const char *token, bool as_key)
{
	return bh_yaml_find_line(x->text, x->doc_line, token, as_key);
}

static int bad(const struct cfg_ctx *x, const char *token, bool as_key, const char *fmt, ...)
	_printf_(4, 5);
static int bad(const struct cfg_ctx *x, const char *token, bool as_key, const char *fmt, ...)
{
	_cleanup_buf_ struct buf b;
	buf_init(&b, 480);
	va_list ap;
	va_start(ap, fmt);
	int r = buf_vprintf(&b, fmt, ap);
	va_end(ap);
	bh_diag_set(x->diag, x->source, find_line(x, token, as_key), 0, "%s",
		    r < 0 ? "malformed secret configuration" : buf_str(&b));
	return -EBADMSG;
}

void sec_config_free(struct sec_config *c)
{
	if (!c)
		return;
	strv_done(&c->disable_rules);
	for (size_t i = 0; i < c->n_allow; i++) {
		struct sec_allow *a = &c->allow[i];
		strv_done(&a->rules);
		strv_done(&a->paths);
		strv_done(&a->values);
		strv_done(&a->lines);
		free(a->reason);
	}
	free(c->allow);
	free(c);
}

/* A list of strings (a single string is a list of one). */
static int str_list(const struct cfg_ctx *x, const json_t *v, const char *key, struct strv *out)
{
	if (json_is_string(v))
		return strv_push(out, json_string_value(v));
	if (!json_is_array(v))
		return bad(x, key, true, "%s: expected a list of strings", key);
	size_t i;
	json_t *it;
	json_array_foreach(v, i, it)
	{
		if (!json_is_string(it))
			return bad(x, key, true, "%s: item %zu is not a string", key, i + 1);
		if (json_string_length(it) == 0)
			return bad(x, key, true, "%s: item %zu is empty", key, i + 1);
		if (json_string_length(it) > 4096)
			return bad(x, key, true, "%s: item %zu is longer than 4096 bytes", key, i + 1);
		int r = strv_push(out, json_string_value(it));
		if (r < 0)
			return r;
	}
	return 0;
}

static int check_rules(const struct cfg_ctx *x, const struct strv *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (sec_rule_index(l->v[i]) < 0)
			return bad(x, l->v[i], false, "%s: unknown rule id '%s'", key, l->v[i]);
	return 0;
}

static int check_regexes(const struct cfg_ctx *x, const struct strv *l, const char *key,
			 bool is_glob)
{
	for (size_t i = 0; i < l->n; i++) {
		_cleanup_free_ char *g = is_glob ? sec_glob_to_regex(l->v[i]) : NULL;
		if (is_glob && !g)
			return -ENOMEM;
		int err;
		size_t off;
		pcre2_code *re = sec_regex_compile(is_glob ? g : l->v[i], false, &err, &off);
		if (!re) {
			PCRE2_UCHAR msg[160];
			(void)pcre2_get_error_message(err, msg, sizeof(msg));
			return bad(x, key, true, "%s: item %zu: bad %s '%s': %s at offset %zu", key,
				   i + 1, is_glob ? "glob" : "regex", l->v[i], (const char *)msg,
				   off);
		}
		pcre2_code_free(re);
	}
	return 0;
}

static int parse_allow(const struct cfg_ctx *x, const json_t *v, struct sec_config *c)
{
	if (!json_is_array(v))
		return bad(x, "allow", true, "allow: expected a list of entries");
	size_t i;
	json_t *it;
	json_array_foreach(v, i, it)
	{
		if (!json_is_object(it))
			return bad(x, "allow", true, "allow: entry %zu is not a mapping", i + 1);
		if (GROW(c->allow, c->n_allow, c->cap_allow) < 0)
			return -ENOMEM;
		struct sec_allow *a = &c->allow[c->n_allow++];
		*a = (struct sec_allow){ 0 };
		const char *k;
		json_t *f;
		int r = 0;
		json_object_foreach((json_t *)it, k, f)
		{
			if (streq(k, "rules"))
				r = str_list(x, f, "rules", &a->rules) ?:
					    check_rules(x, &a->rules, "allow.rules");
			else if (streq(k, "paths"))
				r = str_list(x, f, "paths", &a->paths) ?:
					    check_regexes(x, &a->paths, "paths", true);
			else if (streq(k, "values"))
				r = str_list(x, f, "values", &a->values) ?:
					    check_regexes(x, &a->values, "values", false);
			else if (streq(k, "lines"))
				r = str_list(x, f, "lines", &a->lines) ?:
					    check_regexes(x, &a->lines, "lines", false);
			else if (streq(k, "reason")) {
				if (!json_is_string(f))
					return bad(x, "reason", true, "reason: expected a string");
				free(a->reason);
				a->reason = strdup(json_string_value(f));
				if (!a->reason)
					return -ENOMEM;
			} else
				return bad(x, k, true,
					   "allow: entry %zu: unknown key '%s' (expected rules, paths, "
					   "values, lines, reason)",
					   i + 1, k);
			if (r < 0)
				return r;
		}
		if (!a->paths.n && !a->values.n && !a->lines.n)
			return bad(x, "allow", true,
				   "allow: entry %zu needs paths, values or lines (use disable-rules "
				   "to turn a rule off)",
				   i + 1);
	}
	return 0;
}

static int parse_doc(const struct cfg_ctx *x, const json_t *doc, struct sec_config *c)
{
	if (json_is_null(doc))
		return 0;
	if (!json_is_object(doc))
		return bad(x, NULL, false, "expected a mapping at the top level");
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)doc, k, v)
	{
		int r = 0;
		if (streq(k, "version")) {
			if (!json_is_integer(v) || json_integer_value(v) != 1)
				return bad(x, k, true, "version: only version 1 is supported");
		} else if (streq(k, "disable-rules"))
			r = str_list(x, v, "disable-rules", &c->disable_rules) ?:
				    check_rules(x, &c->disable_rules, "disable-rules");
		else if (streq(k, "builtin-allow")) {
			if (!json_is_boolean(v))
				return bad(x, k, true, "builtin-allow: expected true or false");
			c->builtin_allow = json_is_true(v);
		} else if (streq(k, "allow"))
			r = parse_allow(x, v, c);
		else
			return bad(x, k, true,
				   "unknown key '%s' (expected version, disable-rules, builtin-allow, "
				   "allow)",
				   k);
		if (r < 0)
			return r;
	}
	return 0;
}

int sec_config_parse(struct span text, const struct bh_limits *limits, const char *source,
		     struct sec_config **ret, struct bh_diag *reterr_diag)
{
	if (!source)
		source = "secret config";
	struct bh_yaml_stream st = { 0 };
	int r = bh_yaml_parse(text, limits, source, &st, reterr_diag);
	if (r < 0)
		return r;
	_cleanup_(sec_config_freep) struct sec_config *c = calloc(1, sizeof(*c));
	if (!c) {
		bh_yaml_stream_done(&st);
		return -ENOMEM;
	}
	c->builtin_allow = true;
	size_t n_docs = 0, at = 0;
	for (size_t i = 0; i < st.n; i++)
		if (!json_is_null(st.docs[i].value)) {
			n_docs++;
			at = i;
		}
	struct cfg_ctx x = { .source = source,
			     .text = text,
			     .doc_line = n_docs ? st.docs[at].line : 1,
			     .diag = reterr_diag };
	if (n_docs > 1)
		r = bad(&x, NULL, false, "expected one document, found %zu", n_docs);
	else if (n_docs == 1)
		r = parse_doc(&x, st.docs[at].value, c);
	bh_yaml_stream_done(&st);
	if (r < 0)
		return r;
	*ret = TAKE_PTR(c);
	return 0;
}
