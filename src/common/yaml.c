/* SPDX-License-Identifier: Apache-2.0 */
/*
 * yaml.c — YAML documents into jansson values on libyaml's event parser (see yaml.h). One
 * frame per open container; anchors remember their value, their expanded node weight and
 * whether they are still open (an alias of an open container would be a cycle).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <yaml.h>

#include "common/common.h"
#include "common/bh-yaml.h"

struct yaml_anchor {
	char *name;
	json_t *value; /* own reference */
	char *text;    /* scalars: the text, so the alias may serve as a mapping key */
	size_t weight; /* nodes the value stands for, aliases inside expanded */
	bool is_open;
};

struct yaml_frame {
	json_t *node; /* borrowed from its parent (or the document root) */
	bool is_map;
	char *key; /* map: the key waiting for its value, NULL when none */
	bool key_is_merge;
	unsigned key_line, key_col;
	size_t nodes_before; /* node counter when the container started */
	ssize_t anchor;	     /* index into anchors, -1 when not anchored */
	json_t *merges;	     /* map: array of objects named by "<<", NULL when none */
};

struct yaml_builder {
	const struct bh_limits *limits;
	const char *source;
	struct bh_diag *diag;
	struct yaml_frame *frames;
	size_t depth, cap_frames;
	struct yaml_anchor *anchors;
	size_t n_anchors, cap_anchors;
	size_t nodes;
	json_t *root;
	bool has_root;
	unsigned root_line;
	json_t *items;	      /* borrowed: the root mapping's "items" sequence, when written */
	unsigned *item_lines; /* lines of its elements (see struct bh_yaml_doc) */
	size_t n_item_lines, cap_item_lines;
};

static int fail(struct yaml_builder *b, int r, const yaml_mark_t *mark, const char *fmt, ...)
    _printf_(4, 5);
static int fail(struct yaml_builder *b, int r, const yaml_mark_t *mark, const char *fmt, ...)
{
	if (b->diag) {
		char msg[sizeof(b->diag->message)];
		va_list ap;
		va_start(ap, fmt);
		(void)vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		bh_diag_set(b->diag, b->source, mark ? (unsigned)mark->line + 1 : 0,
			    mark ? (unsigned)mark->column + 1 : 0, "%s", msg);
	}
	return r;
}

static bool eq_any(const char *s, size_t len, const char *const *words)
{
	for (size_t i = 0; words[i]; i++)
		if (strlen(words[i]) == len && memcmp(s, words[i], len) == 0)
			return true;
	return false;
}

/* Integer per go-yaml v2: optional sign, 0x/0o/0b/leading-0 bases, '_' ignored. */
static json_t *plain_number(const char *s, size_t len)
{
	char clean[128];
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '_')
			continue;
		if (n + 1 >= sizeof(clean))
			return NULL;
		clean[n++] = s[i];
	}
	clean[n] = '\0';
	if (n == 0)
		return NULL;
	size_t i = 0;
	bool neg = false;
	if (clean[0] == '+' || clean[0] == '-') {
		neg = clean[0] == '-';
		i = 1;
	}
	unsigned base = 10;
	if (n - i > 2 && clean[i] == '0' && (clean[i + 1] == 'x' || clean[i + 1] == 'X')) {
		base = 16;
		i += 2;
	} else if (n - i > 2 && clean[i] == '0' && (clean[i + 1] == 'o' || clean[i + 1] == 'O')) {
		base = 8;
		i += 2;
	} else if (n - i > 2 && clean[i] == '0' && (clean[i + 1] == 'b' || clean[i + 1] == 'B')) {
		base = 2;
		i += 2;
	} else if (n - i > 1 && clean[i] == '0') {
		base = 8;
		i += 1;
	}
	bool is_int = i < n, overflow = false;
	uint64_t v = 0;
	for (size_t k = i; k < n && is_int; k++) {
		int c = (unsigned char)clean[k], d;
		if (ascii_isdigit(c))
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			d = 99;
		if (d >= (int)base) {
			is_int = false;
			break;
		}
		if (__builtin_mul_overflow(v, (uint64_t)base, &v) ||
		    __builtin_add_overflow(v, (uint64_t)d, &v))
			overflow = true;
	}
	if (is_int && !overflow) {
		if (!neg && v <= (uint64_t)INT64_MAX)
			return json_integer((json_int_t)v);
		if (neg && v <= (uint64_t)INT64_MAX + 1)
			return json_integer(v == (uint64_t)INT64_MAX + 1 ? INT64_MIN
									 : -(json_int_t)v);
		if (!neg)
			return json_real((double)v);
	}
	/* Float: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
	size_t k = (clean[0] == '+' || clean[0] == '-') ? 1 : 0, digits = 0;
	while (k < n && ascii_isdigit((unsigned char)clean[k]))
		k++, digits++;
	if (k < n && clean[k] == '.') {
		k++;
		size_t frac = 0;
		while (k < n && ascii_isdigit((unsigned char)clean[k]))
			k++, frac++;
		if (digits == 0 && frac == 0)
			return NULL;
	} else if (digits == 0)
		return NULL;
	if (k < n && (clean[k] == 'e' || clean[k] == 'E')) {
		k++;
		if (k < n && (clean[k] == '+' || clean[k] == '-'))
			k++;
		size_t ed = 0;
		while (k < n && ascii_isdigit((unsigned char)clean[k]))
			k++, ed++;
		if (ed == 0)
			return NULL;
	}
	if (k != n)
		return NULL;
	double d = strtod(clean, NULL);
	if (!isfinite(d))
		return NULL;
	return json_real(d);
}

json_t *bh_yaml_plain_scalar(const char *s, size_t len)
{
	static const char *const nulls[] = {"~", "null", "Null", "NULL", NULL};
	static const char *const trues[] = {"y",    "Y",    "yes", "Yes", "YES", "true",
					    "True", "TRUE", "on",  "On",  "ON",	 NULL};
	static const char *const falses[] = {"n",     "N",     "no",  "No",  "NO",  "false",
					     "False", "FALSE", "off", "Off", "OFF", NULL};
	if (len == 0 || eq_any(s, len, nulls))
		return json_null();
	if (eq_any(s, len, trues))
		return json_true();
	if (eq_any(s, len, falses))
		return json_false();
	int c = (unsigned char)s[0];
	if (ascii_isdigit(c) || c == '+' || c == '-' || c == '.') {
		json_t *num = plain_number(s, len);
		if (num)
			return num;
	}
	return json_stringn(s, len);
}

static void frame_clear(struct yaml_frame *f)
{
	free(f->key);
	f->key = NULL;
	json_decref(f->merges);
	f->merges = NULL;
}

static void builder_reset_doc(struct yaml_builder *b)
{
	for (size_t i = 0; i < b->depth; i++)
		frame_clear(&b->frames[i]);
	b->depth = 0;
	for (size_t i = 0; i < b->n_anchors; i++) {
		free(b->anchors[i].name);
		free(b->anchors[i].text);
		json_decref(b->anchors[i].value);
	}
	b->n_anchors = 0;
	json_decref(b->root);
	b->root = NULL;
	b->has_root = false;
	b->items = NULL;
	free(b->item_lines);
	b->item_lines = NULL;
	b->n_item_lines = b->cap_item_lines = 0;
}

static int count_nodes(struct yaml_builder *b, size_t n, const yaml_mark_t *mark)
{
	if (!size_add(b->nodes, n, &b->nodes) || b->nodes > b->limits->yaml_max_nodes)
		return fail(b, -E2BIG, mark,
			    "more than %llu YAML nodes, aliases expanded (yaml-max-nodes)",
			    (unsigned long long)b->limits->yaml_max_nodes);
	return 0;
}

static int add_anchor(struct yaml_builder *b, const yaml_char_t *name, json_t *value,
		      const char *text, size_t text_len, ssize_t *ret_idx)
{
	if (ret_idx)
		*ret_idx = -1;
	if (!name)
		return 0;
	if (GROW(b->anchors, b->n_anchors, b->cap_anchors) < 0)
		return -ENOMEM;
	struct yaml_anchor a = {.weight = 1, .is_open = !text};
	a.name = strdup((const char *)name);
	a.text = text ? span_dup(span_make(text, text_len)) : NULL;
	if (!a.name || (text && !a.text)) {
		free(a.name);
		free(a.text);
		return -ENOMEM;
	}
	a.value = json_incref(value);
	if (ret_idx)
		*ret_idx = (ssize_t)b->n_anchors;
	b->anchors[b->n_anchors++] = a;
	return 0;
}

/* Place value (borrowed; a new reference is taken) into the open container or as root. */
static int deliver(struct yaml_builder *b, json_t *value, const char *key_text, size_t key_len,
		   bool plain, const yaml_mark_t *mark)
{
	if (b->depth == 0) {
		b->root = json_incref(value);
		b->has_root = true;
		b->root_line = (unsigned)mark->line + 1;
		return 0;
	}
	struct yaml_frame *f = &b->frames[b->depth - 1];
	if (!f->is_map) {
		if (f->node == b->items && b->depth == 2) {
			if (GROW(b->item_lines, b->n_item_lines, b->cap_item_lines) < 0)
				return -ENOMEM;
			b->item_lines[b->n_item_lines++] = (unsigned)mark->line + 1;
		}
		return json_array_append(f->node, value) < 0 ? -ENOMEM : 0;
	}
	if (!f->key) {
		if (!key_text)
			return fail(b, -EBADMSG, mark, "mapping key is not a scalar");
		if (memchr(key_text, '\0', key_len))
			return fail(b, -EBADMSG, mark, "mapping key contains a NUL byte");
		f->key = span_dup(span_make(key_text, key_len));
		if (!f->key)
			return -ENOMEM;
		f->key_is_merge = plain && key_len == 2 && memcmp(key_text, "<<", 2) == 0;
		f->key_line = (unsigned)mark->line + 1;
		f->key_col = (unsigned)mark->column + 1;
		if (!f->key_is_merge && json_object_get(f->node, f->key)) {
			yaml_mark_t m = *mark;
			return fail(b, -EBADMSG, &m, "duplicate mapping key '%.200s'", f->key);
		}
		return 0;
	}
	int r = 0;
	if (f->key_is_merge) {
		/* Kept whole (a sequence may still be filling); applied when the mapping ends. */
		if (!json_is_object(value) && !json_is_array(value))
			return fail(b, -EBADMSG, mark, "merge key '<<' needs a mapping");
		if (!f->merges && !(f->merges = json_array()))
			return -ENOMEM;
		r = json_array_append(f->merges, value);
	} else {
		r = json_object_set(f->node, f->key, value);
		if (b->depth == 1 && json_is_array(value) && json_array_size(value) == 0 &&
		    streq(f->key, "items"))
			b->items = value; /* a sequence starting here: its elements come next */
	}
	free(f->key);
	f->key = NULL;
	return r < 0 ? -ENOMEM : 0;
}

static int merge_one(json_t *into, json_t *src)
{
	const char *k;
	json_t *v;
	json_object_foreach(src, k, v)
	{
		if (!json_object_get(into, k) && json_object_set(into, k, v) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Keys of the mapping itself win; among merged mappings the first one wins. */
static int apply_merges(struct yaml_builder *b, struct yaml_frame *f, const yaml_mark_t *mark)
{
	size_t i, k;
	json_t *src, *it;
	json_array_foreach(f->merges, i, src)
	{
		if (json_is_object(src)) {
			if (merge_one(f->node, src) < 0)
				return -ENOMEM;
			continue;
		}
		json_array_foreach(src, k, it)
		{
			if (!json_is_object(it))
				return fail(b, -EBADMSG, mark, "merge key '<<' needs mappings");
			if (merge_one(f->node, it) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

static bool tag_is_str(const yaml_char_t *tag)
{
	return tag && (streq((const char *)tag, "tag:yaml.org,2002:str") ||
		       streq((const char *)tag, "!!str"));
}

static int on_scalar(struct yaml_builder *b, const yaml_event_t *ev)
{
	const yaml_mark_t *mark = &ev->start_mark;
	int r = count_nodes(b, 1, mark);
	if (r < 0)
		return r;
	const char *s = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	if (memchr(s, '\0', len))
		return fail(b, -EBADMSG, mark, "string contains a NUL byte");
	json_t *v = plain && !tag_is_str(ev->data.scalar.tag) ? bh_yaml_plain_scalar(s, len)
							      : json_stringn(s, len);
	if (!v)
		return -ENOMEM;
	r = add_anchor(b, ev->data.scalar.anchor, v, s, len, NULL);
	if (r == 0)
		r = deliver(b, v, s, len, plain, mark);
	json_decref(v);
	return r;
}

static int on_start(struct yaml_builder *b, const yaml_event_t *ev, bool is_map)
{
	const yaml_mark_t *mark = &ev->start_mark;
	int r = count_nodes(b, 1, mark);
	if (r < 0)
		return r;
	if (b->depth >= b->limits->json_max_depth)
		return fail(b, -E2BIG, mark, "nesting deeper than %llu (json-max-depth)",
			    (unsigned long long)b->limits->json_max_depth);
	if (b->depth > 0 && b->frames[b->depth - 1].is_map && !b->frames[b->depth - 1].key)
		return fail(b, -EBADMSG, mark, "mapping key is not a scalar");
	if (GROW(b->frames, b->depth, b->cap_frames) < 0)
		return -ENOMEM;
	json_t *node = is_map ? json_object() : json_array();
	if (!node)
		return -ENOMEM;
	ssize_t aidx;
	r = add_anchor(b, is_map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor,
		       node, NULL, 0, &aidx);
	if (r == 0)
		r = deliver(b, node, NULL, 0, false, mark);
	if (r == 0)
		b->frames[b->depth++] = (struct yaml_frame){
		    .node = node,
		    .is_map = is_map,
		    .nodes_before = b->nodes - 1,
		    .anchor = aidx,
		};
	json_decref(node);
	return r;
}

static int on_end(struct yaml_builder *b, const yaml_mark_t *mark)
{
	if (b->depth == 0)
		return 0;
	struct yaml_frame *f = &b->frames[b->depth - 1];
	int r = apply_merges(b, f, mark);
	if (f->anchor >= 0) {
		struct yaml_anchor *a = &b->anchors[f->anchor];
		a->is_open = false;
		a->weight = b->nodes - f->nodes_before;
	}
	frame_clear(f);
	b->depth--;
	return r;
}

static int on_alias(struct yaml_builder *b, const yaml_event_t *ev)
{
	const yaml_mark_t *mark = &ev->start_mark;
	const char *name = (const char *)ev->data.alias.anchor;
	for (size_t i = b->n_anchors; i-- > 0;) {
		struct yaml_anchor *a = &b->anchors[i];
		if (!streq(a->name, name))
			continue;
		if (a->is_open)
			return fail(b, -EBADMSG, mark, "recursive alias '%.64s'", name);
		int r = count_nodes(b, a->weight, mark);
		if (r < 0)
			return r;
		return deliver(b, a->value, a->text, a->text ? strlen(a->text) : 0, false, mark);
	}
	return fail(b, -EBADMSG, mark, "unknown alias '%.64s'", name);
}

static int finish_doc(struct yaml_builder *b, struct bh_yaml_stream *out, unsigned doc_line)
{
	if (GROW(out->docs, out->n, out->cap) < 0)
		return -ENOMEM;
	json_t *v = b->has_root ? TAKE_PTR(b->root) : json_null();
	out->docs[out->n++] = (struct bh_yaml_doc){
	    .value = v,
	    .line = b->has_root ? b->root_line : doc_line,
	    .item_lines = TAKE_PTR(b->item_lines),
	    .n_item_lines = b->n_item_lines,
	};
	b->n_item_lines = b->cap_item_lines = 0;
	builder_reset_doc(b);
	return 0;
}

int bh_yaml_parse(struct span in, const struct bh_limits *limits, const char *source,
		  struct bh_yaml_stream *ret, struct bh_diag *reterr_diag)
{
	struct yaml_builder b = {.limits = limits, .source = source, .diag = reterr_diag};
	struct bh_yaml_stream out = {0};
	yaml_parser_t p;
	int r = 0;

	if (in.len > limits->input_max_bytes) {
		bh_diag_set(reterr_diag, source, 0, 0, "larger than %llu bytes (input-max-bytes)",
			    (unsigned long long)limits->input_max_bytes);
		return -E2BIG;
	}
	if (!yaml_parser_initialize(&p))
		return -ENOMEM;
	yaml_parser_set_input_string(&p, (const unsigned char *)in.ptr, in.len);
	unsigned doc_line = 1;
	for (bool done = false; !done && r == 0;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&p, &ev)) {
			if (p.error == YAML_MEMORY_ERROR) {
				r = -ENOMEM;
				break;
			}
			bh_diag_set(reterr_diag, source, (unsigned)p.problem_mark.line + 1,
				    (unsigned)p.problem_mark.column + 1, "%s%s%s",
				    p.context ? p.context : "", p.context ? ": " : "",
				    p.problem ? p.problem : "YAML syntax error");
			r = -EBADMSG;
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			builder_reset_doc(&b);
			doc_line = (unsigned)ev.start_mark.line + 1;
			break;
		case YAML_DOCUMENT_END_EVENT:
			r = finish_doc(&b, &out, doc_line);
			break;
		case YAML_SCALAR_EVENT:
			r = on_scalar(&b, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
			r = on_start(&b, &ev, false);
			break;
		case YAML_MAPPING_START_EVENT:
			r = on_start(&b, &ev, true);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			r = on_end(&b, &ev.start_mark);
			break;
		case YAML_ALIAS_EVENT:
			r = on_alias(&b, &ev);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	builder_reset_doc(&b);
	free(b.frames);
	free(b.anchors);
	if (r < 0) {
		bh_yaml_stream_done(&out);
		return r;
	}
	*ret = out;
	return 0;
}

void bh_yaml_stream_done(struct bh_yaml_stream *s)
{
	for (size_t i = 0; i < s->n; i++) {
		json_decref(s->docs[i].value);
		free(s->docs[i].item_lines);
	}
	free(s->docs);
	*s = (struct bh_yaml_stream){0};
}

static bool is_word_char(char c)
{
	return ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '/' || c == '*';
}

unsigned bh_yaml_find_line(struct span text, unsigned from_line, const char *token, bool as_key)
{
	size_t tl = token ? strlen(token) : 0;
	if (tl == 0)
		return from_line;
	struct span in = text, line;
	unsigned no = 0;
	while (span_next_line(&in, &line) == 0) {
		if (++no < from_line)
			continue;
		for (size_t i = 0; i + tl <= line.len; i++) {
			if (memcmp(line.ptr + i, token, tl) != 0)
				continue;
			if (i > 0 && is_word_char(line.ptr[i - 1]))
				continue;
			size_t j = i + tl;
			if (j < line.len && is_word_char(line.ptr[j]))
				continue;
			if (!as_key)
				return no;
			if (j < line.len && (line.ptr[j] == '"' || line.ptr[j] == '\''))
				j++;
			while (j < line.len && line.ptr[j] == ' ')
				j++;
			if (j < line.len && line.ptr[j] == ':')
				return no;
		}
	}
	return from_line;
}
