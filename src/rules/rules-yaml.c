/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rules-yaml.c — rules YAML into a small tree with source marks, on libyaml's event parser,
 * and the arena every compiled generation lives in. Bounded: input size, nesting depth and
 * the node count with every alias expanded (a "billion laughs" file is refused before the
 * loader walks it). Tags are ignored (Falco's files contain `desc: != ...`, which YAML reads
 * as a tag), multiple documents are kept in order.
 */
#include <stdio.h>
#include <yaml.h>

#include "rules/rules-int.h"

/* ---- arena ------------------------------------------------------------------------- */

struct rs_chunk {
	struct rs_chunk *next;
	size_t used, cap;
	max_align_t data[];
};

void *rs_alloc(struct rs_arena *a, size_t size)
{
	size = (size + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	if (size == 0)
		size = sizeof(max_align_t);
	struct rs_chunk *c = a->head;
	if (!c || c->cap - c->used < size) {
		size_t cap = MAX(size, (size_t)64 << 10);
		size_t total;
		if (!size_add(cap, sizeof(*c), &total))
			return NULL;
		c = malloc(total);
		if (!c)
			return NULL;
		c->cap = cap;
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	void *p = (char *)c->data + c->used;
	c->used += size;
	a->used_total += size;
	memset(p, 0, size);
	return p;
}

char *rs_strndup(struct rs_arena *a, const char *s, size_t n)
{
	size_t sz;
	if (!size_add(n, 1, &sz))
		return NULL;
	char *p = rs_alloc(a, sz);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

void rs_arena_done(struct rs_arena *a)
{
	struct rs_chunk *c = a->head;
	while (c) {
		struct rs_chunk *next = c->next;
		free(c);
		c = next;
	}
	a->head = NULL;
	a->used_total = 0;
}

/* ---- YAML --------------------------------------------------------------------------- */

struct ry_anchor {
	char *name;
	struct ry_node *node;
};

struct ry_builder {
	struct rs_arena *a;
	struct ry_node **stack;
	size_t depth, max_depth;
	struct ry_anchor *anchors;
	size_t n_anchors, cap_anchors;
	size_t weight, max_nodes; /* YAML nodes so far, aliases expanded; yaml-max-nodes */
	/* per open container: items collected so far */
	struct {
		struct ry_node **items;
		size_t n, cap;
	} * open;
};

static bool ry_plain_null(const char *s, size_t n)
{
	return n == 0 || (n == 1 && s[0] == '~') ||
	       (n == 4 && (memcmp(s, "null", 4) == 0 || memcmp(s, "Null", 4) == 0 ||
			   memcmp(s, "NULL", 4) == 0));
}

static void anchors_done(struct ry_builder *b)
{
	for (size_t i = 0; i < b->n_anchors; i++)
		free(b->anchors[i].name);
	free(b->anchors);
	b->anchors = NULL;
	b->n_anchors = b->cap_anchors = 0;
}

static int add_anchor(struct ry_builder *b, const yaml_char_t *name, struct ry_node *node)
{
	if (!name)
		return 0;
	if (GROW(b->anchors, b->n_anchors, b->cap_anchors) < 0)
		return -ENOMEM;
	char *s = strdup((const char *)name);
	if (!s)
		return -ENOMEM;
	b->anchors[b->n_anchors++] = (struct ry_anchor){s, node};
	return 0;
}

/* Attach node to the open container (or return it as a root when depth is 0). */
static int attach(struct ry_builder *b, struct ry_node *node, struct ry_doc *doc,
		  struct ry_node **cur_root)
{
	if (b->depth == 0) {
		*cur_root = node;
		return 0;
	}
	__typeof__(b->open[0]) *o = &b->open[b->depth - 1];
	if (GROW(o->items, o->n, o->cap) < 0)
		return -ENOMEM;
	o->items[o->n++] = node;
	(void)doc;
	return 0;
}

int ry_parse(struct rs_arena *a, const char *data, size_t len, const struct bh_limits *limits,
	     struct ry_doc *doc, unsigned *ret_line, unsigned *ret_col, char *msg, size_t msgsz)
{
	yaml_parser_t p;
	struct ry_builder b = {.a = a};
	int r = 0;
	struct ry_node *cur_root = NULL;
	size_t cap_roots = 0;

	*doc = (struct ry_doc){0};
	*ret_line = *ret_col = 0;
	if (len > limits->input_max_bytes) {
		(void)xsnprintf(msg, msgsz, "rules file larger than input-max-bytes");
		return -E2BIG;
	}
	b.max_depth = MIN(limits->json_max_depth, (uint64_t)1024);
	b.max_nodes = (size_t)MIN(limits->yaml_max_nodes, (uint64_t)SIZE_MAX / 2);
	b.stack = calloc(b.max_depth + 1, sizeof(*b.stack));
	b.open = calloc(b.max_depth + 1, sizeof(*b.open));
	if (!b.stack || !b.open || !yaml_parser_initialize(&p)) {
		free(b.stack);
		free(b.open);
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)data, len);
	struct ry_node **roots = NULL;

	for (bool done = false; !done && r == 0;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&p, &ev)) {
			*ret_line = (unsigned)p.problem_mark.line + 1;
			*ret_col = (unsigned)p.problem_mark.column + 1;
			(void)xsnprintf(msg, msgsz, "%s%s%s", p.context ? p.context : "",
					p.context ? ": " : "",
					p.problem ? p.problem : "syntax error");
			r = p.error == YAML_MEMORY_ERROR ? -ENOMEM : -EBADMSG;
			break;
		}
		unsigned line = (unsigned)ev.start_mark.line + 1,
			 col = (unsigned)ev.start_mark.column + 1;
		struct ry_node *n = NULL;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			cur_root = NULL;
			anchors_done(&b);
			break;
		case YAML_DOCUMENT_END_EVENT:
			if (GROW(roots, doc->n_roots, cap_roots) < 0) {
				r = -ENOMEM;
				break;
			}
			if (!cur_root) {
				cur_root = rs_alloc(a, sizeof(*cur_root));
				if (!cur_root) {
					r = -ENOMEM;
					break;
				}
				cur_root->kind = RY_NULL;
				cur_root->str = "";
				cur_root->line = line;
				cur_root->column = col;
			}
			roots[doc->n_roots++] = cur_root;
			break;
		case YAML_SCALAR_EVENT:
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			n = rs_alloc(a, sizeof(*n));
			if (!n) {
				r = -ENOMEM;
				break;
			}
			n->line = line;
			n->column = col;
			n->weight = 1;
			if (++b.weight > b.max_nodes) {
				(void)xsnprintf(msg, msgsz, "more than %zu YAML nodes (yaml-max-nodes)",
						b.max_nodes);
				r = -E2BIG;
				break;
			}
			if (ev.type == YAML_SCALAR_EVENT) {
				const char *s = (const char *)ev.data.scalar.value;
				size_t sl = ev.data.scalar.length;
				bool plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
				n->quoted = !plain;
				n->kind = plain && ry_plain_null(s, sl) ? RY_NULL : RY_SCALAR;
				n->str = rs_strndup(a, s, sl);
				n->len = sl;
				if (!n->str) {
					r = -ENOMEM;
					break;
				}
				r = add_anchor(&b, ev.data.scalar.anchor, n);
				if (r == 0)
					r = attach(&b, n, doc, &cur_root);
			} else {
				n->kind = ev.type == YAML_SEQUENCE_START_EVENT ? RY_SEQ : RY_MAP;
				n->str = "";
				if (b.depth >= b.max_depth) {
					*ret_line = line;
					*ret_col = col;
					(void)xsnprintf(msg, msgsz, "YAML nesting deeper than %zu",
							b.max_depth);
					r = -E2BIG;
					break;
				}
				r = add_anchor(&b,
					       ev.type == YAML_SEQUENCE_START_EVENT
						   ? ev.data.sequence_start.anchor
						   : ev.data.mapping_start.anchor,
					       n);
				if (r == 0)
					r = attach(&b, n, doc, &cur_root);
				if (r == 0) {
					b.stack[b.depth] = n;
					b.open[b.depth].n = 0;
					b.depth++;
				}
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT: {
			if (b.depth == 0)
				break;
			b.depth--;
			struct ry_node *c = b.stack[b.depth];
			__typeof__(b.open[0]) *o = &b.open[b.depth];
			size_t bytes;
			if (!size_mul(o->n ? o->n : 1, sizeof(*c->items), &bytes)) {
				r = -E2BIG;
				break;
			}
			c->items = rs_alloc(a, bytes);
			if (!c->items) {
				r = -ENOMEM;
				break;
			}
			if (o->n)
				memcpy(c->items, o->items, o->n * sizeof(*c->items));
			c->n = o->n;
			if (c->kind == RY_MAP && (c->n % 2) != 0)
				c->n--;
			size_t w = 1;
			for (size_t i = 0; i < c->n; i++)
				w = MIN(w + c->items[i]->weight, b.max_nodes + 1);
			c->weight = w;
			o->n = 0;
			break;
		}
		case YAML_ALIAS_EVENT: {
			const char *an = (const char *)ev.data.alias.anchor;
			struct ry_node *t = NULL;
			for (size_t i = b.n_anchors; i-- > 0;)
				if (streq(b.anchors[i].name, an)) {
					t = b.anchors[i].node;
					break;
				}
			if (!t) {
				*ret_line = line;
				*ret_col = col;
				(void)xsnprintf(msg, msgsz, "unknown alias '%.64s'", an);
				r = -EBADMSG;
				break;
			}
			/* An alias of a container still open would make a cycle. */
			for (size_t i = 0; i < b.depth; i++)
				if (b.stack[i] == t) {
					*ret_line = line;
					*ret_col = col;
					(void)xsnprintf(msg, msgsz, "recursive alias '%.64s'", an);
					r = -EBADMSG;
					break;
				}
			if (r < 0)
				break;
			b.weight += t->weight;
			if (b.weight > b.max_nodes) {
				*ret_line = line;
				*ret_col = col;
				(void)xsnprintf(msg, msgsz,
						"YAML alias expansion exceeds %zu nodes (yaml-max-nodes)",
						b.max_nodes);
				r = -E2BIG;
				break;
			}
			r = attach(&b, t, doc, &cur_root);
			break;
		}
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	for (size_t i = 0; i <= b.max_depth; i++)
		free(b.open[i].items);
	free(b.open);
	free(b.stack);
	anchors_done(&b);
	if (r < 0) {
		free(roots);
		doc->n_roots = 0;
		return r;
	}
	/* Copy the roots into the arena so the document needs no separate free. */
	if (doc->n_roots) {
		doc->roots = rs_alloc(a, doc->n_roots * sizeof(*doc->roots));
		if (!doc->roots) {
			free(roots);
			return -ENOMEM;
		}
		memcpy(doc->roots, roots, doc->n_roots * sizeof(*doc->roots));
	}
	free(roots);
	return 0;
}

const struct ry_node *ry_get(const struct ry_node *map, const char *key)
{
	if (!map || map->kind != RY_MAP)
		return NULL;
	for (size_t i = 0; i + 1 < map->n; i += 2)
		if (map->items[i]->kind == RY_SCALAR && streq(map->items[i]->str, key))
			return map->items[i + 1];
	return NULL;
}

bool ry_is_true(const struct ry_node *n, bool *ret)
{
	static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes", "YES",
					  "on",	  "On",	  "ON",	  "y",	 "Y"};
	static const char *const no[] = {"false", "False", "FALSE", "no", "No", "NO",
					 "off",	  "Off",   "OFF",   "n",  "N"};
	if (!n || n->kind != RY_SCALAR)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(yes); i++)
		if (streq(n->str, yes[i])) {
			*ret = true;
			return true;
		}
	for (size_t i = 0; i < ARRAY_SIZE(no); i++)
		if (streq(n->str, no[i])) {
			*ret = false;
			return true;
		}
	return false;
}
