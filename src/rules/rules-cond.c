/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rules-cond.c — Falco's condition language: a recursive-descent parser into a tree (bounded
 * depth), the typing of each check's literals for its field (numbers, booleans, addresses,
 * networks, precompiled PCRE2 regexes with match limits, hash sets for long `in` lists), the
 * evaluator, and the event-type set of a tree (what the index of rules by evt.type uses).
 * Grammar (libsinsp's): expr = or; or = and {"or" and}; and = not {"and" not};
 * not = "not" not | "(" expr ")" | check | macro; check = field op [value | list].
 */
#include <stdio.h>

#include "rules/rules-int.h"

/* ---- operators ---------------------------------------------------------------------- */

static const char *const cmp_names[_CMP_MAX] = {
    [CMP_EQ] = "=",
    [CMP_NE] = "!=",
    [CMP_LT] = "<",
    [CMP_LE] = "<=",
    [CMP_GT] = ">",
    [CMP_GE] = ">=",
    [CMP_CONTAINS] = "contains",
    [CMP_ICONTAINS] = "icontains",
    [CMP_BCONTAINS] = "bcontains",
    [CMP_STARTSWITH] = "startswith",
    [CMP_BSTARTSWITH] = "bstartswith",
    [CMP_ENDSWITH] = "endswith",
    [CMP_GLOB] = "glob",
    [CMP_IGLOB] = "iglob",
    [CMP_PMATCH] = "pmatch",
    [CMP_IN] = "in",
    [CMP_INTERSECTS] = "intersects",
    [CMP_EXISTS] = "exists",
    [CMP_REGEX] = "regex",
};

int rs_cmp_parse(const char *s, size_t n)
{
	if (n == 2 && memcmp(s, "==", 2) == 0)
		return CMP_EQ;
	for (int i = 0; i < _CMP_MAX; i++)
		if (strlen(cmp_names[i]) == n && memcmp(cmp_names[i], s, n) == 0)
			return i;
	return -1;
}

bool rs_cmp_is_list(int cmp)
{
	return cmp == CMP_IN || cmp == CMP_INTERSECTS || cmp == CMP_PMATCH;
}

/* ---- parser ------------------------------------------------------------------------- */

struct parser {
	struct rs_arena *a;
	const struct bh_limits *limits;
	const char *s;
	size_t len, pos;
	unsigned depth;
	const char *last; /* text of the last token consumed (error messages) */
	size_t last_len;
	char *msg;
	size_t msgsz;
	size_t err_pos;
};

static bool is_ident_start(char c)
{
	return ascii_isalpha(c) || c == '_';
}

static bool is_field_char(char c)
{
	return ascii_isalnum(c) || c == '_' || c == '.';
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len && ascii_isspace((unsigned char)p->s[p->pos]))
		p->pos++;
}

static int perr(struct parser *p, const char *fmt, ...) _printf_(2, 3);
static int perr(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (p->msg && p->msgsz) {
		int n = vsnprintf(p->msg, p->msgsz, fmt, ap);
		(void)n;
	}
	va_end(ap);
	p->err_pos = p->pos;
	return -EBADMSG;
}

static void took(struct parser *p, size_t start)
{
	p->last = p->s + start;
	p->last_len = p->pos - start;
}

/* A keyword at the cursor, as a whole word. */
static bool at_word(struct parser *p, const char *w)
{
	size_t n = strlen(w);
	if (p->len - p->pos < n || memcmp(p->s + p->pos, w, n) != 0)
		return false;
	return p->pos + n == p->len || !is_field_char(p->s[p->pos + n]);
}

static struct rs_node *new_node(struct parser *p, uint8_t kind)
{
	struct rs_node *n = rs_alloc(p->a, sizeof(*n));
	if (n) {
		n->kind = kind;
		n->pos = (unsigned)p->pos;
		n->ref.index = -1;
	}
	return n;
}

/* Word made of field characters plus an optional [..] argument. */
static size_t scan_field(struct parser *p)
{
	size_t st = p->pos, i = p->pos;
	if (i >= p->len || !is_ident_start(p->s[i]))
		return 0;
	while (i < p->len && is_field_char(p->s[i]))
		i++;
	if (i < p->len && p->s[i] == '[') {
		size_t j = i + 1;
		while (j < p->len && p->s[j] != ']')
			j++;
		if (j < p->len)
			i = j + 1;
	}
	return i - st;
}

/* Operator at the cursor: its enum and length, or -1. */
static int scan_op(struct parser *p, size_t *ret_len)
{
	const char *s = p->s + p->pos;
	size_t left = p->len - p->pos;
	static const char *const sym[] = {"==", "!=", "<=", ">=", "=", "<", ">"};
	for (size_t i = 0; i < ARRAY_SIZE(sym); i++) {
		size_t n = strlen(sym[i]);
		if (left >= n && memcmp(s, sym[i], n) == 0) {
			*ret_len = n;
			return rs_cmp_parse(sym[i], n);
		}
	}
	size_t n = 0;
	while (n < left && ascii_isalpha(s[n]))
		n++;
	if (n == 0 || (n < left && is_field_char(s[n])))
		return -1;
	int c = rs_cmp_parse(s, n);
	if (c < 0 || c == CMP_EQ || c == CMP_NE)
		return -1;
	*ret_len = n;
	return c;
}

static int parse_string(struct parser *p, struct rs_lit *lit)
{
	char q = p->s[p->pos];
	size_t st = p->pos;
	struct buf b;
	buf_init(&b, p->limits->rules_max_text);
	p->pos++;
	int r = 0;
	while (r == 0) {
		if (p->pos >= p->len) {
			buf_done(&b);
			p->pos = st;
			return perr(p, "unterminated quoted string");
		}
		char c = p->s[p->pos++];
		if (c == q)
			break;
		if (c == '\\' && p->pos < p->len) {
			char e = p->s[p->pos++];
			switch (e) {
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case 'r':
				c = '\r';
				break;
			case '\\':
			case '"':
			case '\'':
				c = e;
				break;
			default:
				r = buf_putc(&b, '\\');
				c = e;
				break;
			}
		}
		if (r == 0)
			r = buf_putc(&b, c);
	}
	if (r < 0) {
		buf_done(&b);
		return r;
	}
	lit->s = rs_strndup(p->a, buf_str(&b), b.len);
	lit->n = b.len;
	lit->quoted = true;
	buf_done(&b);
	took(p, st);
	return lit->s ? 0 : -ENOMEM;
}

static bool is_bare_char(char c)
{
	return !ascii_isspace((unsigned char)c) && c != '(' && c != ')' && c != ',' && c != '"' &&
	       c != '\'' && c != '=';
}

static int parse_value(struct parser *p, struct rs_lit *lit)
{
	skip_ws(p);
	if (p->pos >= p->len)
		return perr(p, "expected a value after '%.*s'", (int)MIN(p->last_len, 64u),
			    p->last);
	char c = p->s[p->pos];
	if (c == '"' || c == '\'')
		return parse_string(p, lit);
	size_t st = p->pos;
	while (p->pos < p->len && is_bare_char(p->s[p->pos]))
		p->pos++;
	if (p->pos == st)
		return perr(p, "expected a value after '%.*s'", (int)MIN(p->last_len, 64u),
			    p->last);
	lit->s = rs_strndup(p->a, p->s + st, p->pos - st);
	lit->n = p->pos - st;
	took(p, st);
	return lit->s ? 0 : -ENOMEM;
}

static int parse_list(struct parser *p, struct rs_node *n)
{
	size_t cap = 0;
	struct rs_lit *vals = NULL;
	int r = 0;
	/* '(' already consumed */
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == ')') {
		p->pos++;
		n->vals = NULL;
		n->n = 0;
		return 0;
	}
	for (;;) {
		struct rs_lit lit = {0};
		r = parse_value(p, &lit);
		if (r < 0)
			break;
		if (n->n >= p->limits->rules_max_list) {
			r = perr(p, "list longer than %llu items (rules-max-list)",
				 (unsigned long long)p->limits->rules_max_list);
			break;
		}
		if (n->n >= cap) {
			size_t nc = cap ? cap * 2 : 8;
			struct rs_lit *nv = rs_alloc(p->a, nc * sizeof(*nv));
			if (!nv) {
				r = -ENOMEM;
				break;
			}
			if (n->n)
				memcpy(nv, vals, n->n * sizeof(*nv));
			vals = nv;
			cap = nc;
		}
		vals[n->n++] = lit;
		skip_ws(p);
		if (p->pos < p->len && p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->s[p->pos] == ')') {
			p->pos++;
			break;
		}
		r = perr(p, "unexpected token after '%.*s', expecting ',' or ')'",
			 (int)MIN(p->last_len, 64u), p->last);
		break;
	}
	n->vals = vals;
	return r;
}

static int parse_or(struct parser *p, struct rs_node **ret);

static int parse_check(struct parser *p, struct rs_node **ret)
{
	size_t st = p->pos;
	uint8_t xform = RF_X_NONE;
	static const struct {
		const char *name;
		uint8_t x;
	} xforms[] = {{"tolower", RF_X_TOLOWER},
		      {"toupper", RF_X_TOUPPER},
		      {"basename", RF_X_BASENAME},
		      {"len", RF_X_LEN}};
	for (size_t i = 0; i < ARRAY_SIZE(xforms); i++) {
		size_t n = strlen(xforms[i].name);
		if (p->len - p->pos > n && memcmp(p->s + p->pos, xforms[i].name, n) == 0 &&
		    p->s[p->pos + n] == '(') {
			xform = xforms[i].x;
			p->pos += n + 1;
			skip_ws(p);
			break;
		}
	}
	size_t fst = p->pos;
	size_t flen = scan_field(p);
	if (flen == 0)
		return perr(p, "expected a field, a macro, 'not' or '('");
	p->pos += flen;
	took(p, fst);
	if (xform != RF_X_NONE) {
		skip_ws(p);
		if (p->pos >= p->len || p->s[p->pos] != ')')
			return perr(p, "expected ')' after the transformer's field");
		p->pos++;
	}
	skip_ws(p);
	size_t oplen = 0;
	int op = p->pos < p->len ? scan_op(p, &oplen) : -1;
	struct rs_node *n;
	if (op < 0) {
		/* a bare identifier is a macro reference */
		bool plain = xform == RF_X_NONE;
		for (size_t i = 0; plain && i < flen; i++)
			if (!ascii_isalnum(p->s[fst + i]) && p->s[fst + i] != '_')
				plain = false;
		if (!plain)
			return perr(p, "unexpected token after '%.*s', expecting an operator",
				    (int)MIN(flen, 64u), p->s + fst);
		n = new_node(p, RS_MACRO);
		if (!n)
			return -ENOMEM;
		n->pos = (unsigned)st;
		n->macro = rs_strndup(p->a, p->s + fst, flen);
		if (!n->macro)
			return -ENOMEM;
		*ret = n;
		return 0;
	}
	n = new_node(p, RS_CHECK);
	if (!n)
		return -ENOMEM;
	n->pos = (unsigned)st;
	n->cmp = (uint8_t)op;
	n->field_text = rs_strndup(p->a, p->s + fst, flen);
	if (!n->field_text)
		return -ENOMEM;
	struct rf_ref ref = {.index = -1};
	size_t used = rf_lookup(p->s + fst, flen, &ref, p->a);
	if (used == flen) {
		n->ref = ref;
		n->ref.xform = xform;
	}
	size_t opst = p->pos;
	p->pos += oplen;
	took(p, opst);
	if (op == CMP_EXISTS) {
		*ret = n;
		return 0;
	}
	int r;
	if (rs_cmp_is_list(op)) {
		skip_ws(p);
		n->list_value = true;
		if (p->pos < p->len && p->s[p->pos] == '(') {
			p->pos++;
			r = parse_list(p, n);
		} else {
			/* a list by name without parentheses */
			struct rs_lit lit = {0};
			r = parse_value(p, &lit);
			if (r == 0) {
				n->vals = rs_alloc(p->a, sizeof(*n->vals));
				if (!n->vals)
					return -ENOMEM;
				n->vals[0] = lit;
				n->n = 1;
			}
		}
	} else {
		n->vals = rs_alloc(p->a, sizeof(*n->vals));
		if (!n->vals)
			return -ENOMEM;
		r = parse_value(p, &n->vals[0]);
		n->n = 1;
	}
	if (r < 0)
		return r;
	*ret = n;
	return 0;
}

static int parse_not(struct parser *p, struct rs_node **ret)
{
	skip_ws(p);
	if (++p->depth > p->limits->rules_max_depth)
		return perr(p, "condition nested deeper than %llu (rules-max-depth)",
			    (unsigned long long)p->limits->rules_max_depth);
	int r;
	if (at_word(p, "not")) {
		size_t st = p->pos;
		p->pos += 3;
		took(p, st);
		struct rs_node *n = new_node(p, RS_NOT), *kid = NULL;
		if (!n)
			return -ENOMEM;
		n->pos = (unsigned)st;
		r = parse_not(p, &kid);
		if (r < 0)
			return r;
		n->kids = rs_alloc(p->a, sizeof(*n->kids));
		if (!n->kids)
			return -ENOMEM;
		n->kids[0] = kid;
		n->n = 1;
		*ret = n;
	} else if (p->pos < p->len && p->s[p->pos] == '(') {
		size_t st = p->pos++;
		took(p, st);
		r = parse_or(p, ret);
		if (r < 0)
			return r;
		skip_ws(p);
		if (p->pos >= p->len || p->s[p->pos] != ')')
			return perr(p, "unexpected token after '%.*s', expecting ')', 'or', 'and'",
				    (int)MIN(p->last_len, 64u), p->last);
		st = p->pos++;
		took(p, st);
	} else {
		r = parse_check(p, ret);
		if (r < 0)
			return r;
	}
	p->depth--;
	return 0;
}

static int parse_chain(struct parser *p, struct rs_node **ret, bool is_or)
{
	struct rs_node *first = NULL;
	int r = is_or ? parse_chain(p, &first, false) : parse_not(p, &first);
	if (r < 0)
		return r;
	struct rs_node **kids = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		skip_ws(p);
		if (!at_word(p, is_or ? "or" : "and"))
			break;
		size_t st = p->pos;
		p->pos += is_or ? 2 : 3;
		took(p, st);
		struct rs_node *next = NULL;
		r = is_or ? parse_chain(p, &next, false) : parse_not(p, &next);
		if (r < 0)
			return r;
		if (n + 2 > cap) {
			size_t nc = cap ? cap * 2 : 4;
			struct rs_node **nk = rs_alloc(p->a, nc * sizeof(*nk));
			if (!nk)
				return -ENOMEM;
			if (n)
				memcpy(nk, kids, n * sizeof(*nk));
			kids = nk;
			cap = nc;
		}
		if (n == 0)
			kids[n++] = first;
		kids[n++] = next;
	}
	if (n == 0) {
		*ret = first;
		return 0;
	}
	struct rs_node *c = new_node(p, is_or ? RS_OR : RS_AND);
	if (!c)
		return -ENOMEM;
	c->pos = first->pos;
	c->kids = kids;
	c->n = (uint32_t)n;
	*ret = c;
	return 0;
}

static int parse_or(struct parser *p, struct rs_node **ret)
{
	return parse_chain(p, ret, true);
}

int rs_parse_condition(struct rs_arena *a, const struct bh_limits *limits, const char *text,
		       size_t len, struct rs_node **ret, char *msg, size_t msgsz, size_t *ret_pos)
{
	struct parser p = {
	    .a = a, .limits = limits, .s = text, .len = len, .msg = msg, .msgsz = msgsz};
	if (msg && msgsz)
		msg[0] = 0;
	if (len > limits->rules_max_text) {
		(void)perr(&p, "condition longer than %llu bytes (rules-max-text)",
			   (unsigned long long)limits->rules_max_text);
		return -E2BIG;
	}
	skip_ws(&p);
	if (p.pos >= p.len) {
		if (ret_pos)
			*ret_pos = 0;
		return perr(&p, "empty condition");
	}
	struct rs_node *n = NULL;
	int r = parse_or(&p, &n);
	if (r == 0) {
		skip_ws(&p);
		if (p.pos < p.len)
			r = perr(&p, "unexpected token after '%.*s', expecting 'or', 'and'",
				 (int)MIN(p.last_len, 64u), p.last);
	}
	if (r < 0) {
		if (ret_pos)
			*ret_pos = p.err_pos;
		return r;
	}
	*ret = n;
	return 0;
}

/* ---- typing the literals of a check ------------------------------------------------ */

struct rs_hset {
	uint32_t mask;
	const struct rs_lit **slots;
};

static uint32_t hash_bytes(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++) {
		h ^= (uint8_t)s[i];
		h *= 16777619u;
	}
	return h;
}

static int hset_build(struct rs_arena *a, struct rs_node *n)
{
	uint32_t cap = 16;
	while (cap < n->n * 2u)
		cap <<= 1;
	struct rs_hset *h = rs_alloc(a, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->slots = rs_alloc(a, cap * sizeof(*h->slots));
	if (!h->slots)
		return -ENOMEM;
	h->mask = cap - 1;
	for (uint32_t i = 0; i < n->n; i++) {
		const struct rs_lit *l = &n->vals[i];
		uint32_t k = hash_bytes(l->s, l->n) & h->mask;
		while (h->slots[k]) {
			if (h->slots[k]->n == l->n && memcmp(h->slots[k]->s, l->s, l->n) == 0)
				break;
			k = (k + 1) & h->mask;
		}
		h->slots[k] = l;
	}
	n->hset = h;
	return 0;
}

static bool hset_has(const struct rs_hset *h, const char *s, size_t n)
{
	uint32_t k = hash_bytes(s, n) & h->mask;
	while (h->slots[k]) {
		if (h->slots[k]->n == n && memcmp(h->slots[k]->s, s, n) == 0)
			return true;
		k = (k + 1) & h->mask;
	}
	return false;
}

static int hexval(char c)
{
	if (ascii_isdigit(c))
		return c - '0';
	c = (char)ascii_tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int rs_check_compile(struct rs_gen *g, struct rs_node *n, char *msg, size_t msgsz)
{
	struct rs_arena *a = &g->arena;
	enum rf_type t = rf_ref_type(&n->ref);
	int cmp = n->cmp;
	bool numeric_op = cmp == CMP_LT || cmp == CMP_LE || cmp == CMP_GT || cmp == CMP_GE;

	if (n->compiled)
		return 0;
	if (numeric_op && t != RF_INT) {
		(void)xsnprintf(msg, msgsz, "operator '%s' not supported on field %s",
				cmp_names[cmp], n->field_text);
		return -EBADMSG;
	}
	if (t == RF_BOOL && cmp != CMP_EQ && cmp != CMP_NE && cmp != CMP_IN && cmp != CMP_EXISTS) {
		(void)xsnprintf(msg, msgsz, "operator '%s' not supported on field %s",
				cmp_names[cmp], n->field_text);
		return -EBADMSG;
	}
	for (uint32_t i = 0; i < n->n; i++) {
		struct rs_lit *l = &n->vals[i];
		bool as_text = !(cmp == CMP_EQ || cmp == CMP_NE || numeric_op || cmp == CMP_IN ||
				 cmp == CMP_INTERSECTS);
		if (t == RF_INT && !as_text) {
			if (parse_i64(span_make(l->s, l->n), INT64_MIN, INT64_MAX, &l->i) < 0) {
				(void)xsnprintf(msg, msgsz,
						"'%.64s' is not a valid number for field %s", l->s,
						n->field_text);
				return -EBADMSG;
			}
		} else if (t == RF_BOOL) {
			if (strcasecmp(l->s, "true") == 0 || streq(l->s, "1"))
				l->i = 1;
			else if (strcasecmp(l->s, "false") == 0 || streq(l->s, "0"))
				l->i = 0;
			else {
				(void)xsnprintf(msg, msgsz,
						"'%.64s' is not a valid boolean for field %s", l->s,
						n->field_text);
				return -EBADMSG;
			}
		} else if ((t == RF_IP || t == RF_IPNET) && !as_text) {
			if (rf_parse_ip(l->s, l->n, l->ip, &l->family, &l->prefix) < 0) {
				(void)xsnprintf(msg, msgsz,
						"'%.64s' is not a valid address for field %s", l->s,
						n->field_text);
				return -EBADMSG;
			}
		} else if (cmp == CMP_ICONTAINS || cmp == CMP_IGLOB) {
			char *lo = rs_strndup(a, l->s, l->n);
			if (!lo)
				return -ENOMEM;
			for (size_t k = 0; k < l->n; k++)
				lo[k] = (char)ascii_tolower((unsigned char)lo[k]);
			l->s = lo;
		} else if (cmp == CMP_BCONTAINS || cmp == CMP_BSTARTSWITH) {
			if (l->n % 2) {
				(void)xsnprintf(msg, msgsz, "'%.64s' is not a hex byte string",
						l->s);
				return -EBADMSG;
			}
			char *b = rs_alloc(a, l->n / 2 + 1);
			if (!b)
				return -ENOMEM;
			for (size_t k = 0; k < l->n / 2; k++) {
				int hi = hexval(l->s[2 * k]), lo = hexval(l->s[2 * k + 1]);
				if (hi < 0 || lo < 0) {
					(void)xsnprintf(msg, msgsz,
							"'%.64s' is not a hex byte string", l->s);
					return -EBADMSG;
				}
				b[k] = (char)(hi << 4 | lo);
			}
			l->s = b;
			l->n /= 2;
		} else if (cmp == CMP_PMATCH) {
			while (l->n > 1 && l->s[l->n - 1] == '/')
				l->n--;
		} else if (cmp == CMP_REGEX) {
			int errc;
			PCRE2_SIZE erroff;
			pcre2_code *re =
			    pcre2_compile((PCRE2_SPTR)l->s, l->n, 0, &errc, &erroff, NULL);
			if (!re) {
				PCRE2_UCHAR buf[128];
				(void)pcre2_get_error_message(errc, buf, sizeof(buf));
				(void)xsnprintf(msg, msgsz,
						"invalid regex '%.64s': %s at offset %zu", l->s,
						(const char *)buf, (size_t)erroff);
				return -EBADMSG;
			}
			if (GROW(g->res, g->n_res, g->cap_res) < 0) {
				pcre2_code_free(re);
				return -ENOMEM;
			}
			g->res[g->n_res++] = re;
			n->re = re;
		}
	}
	if (cmp != CMP_EXISTS && cmp != CMP_IN && cmp != CMP_INTERSECTS && cmp != CMP_PMATCH &&
	    n->n != 1) {
		(void)xsnprintf(msg, msgsz, "operator '%s' takes one value", cmp_names[cmp]);
		return -EBADMSG;
	}
	if ((cmp == CMP_IN || cmp == CMP_INTERSECTS) && t == RF_STR && n->n > 8) {
		int r = hset_build(a, n);
		if (r < 0)
			return r;
	}
	n->compiled = true;
	return 0;
}

/* ---- evaluation --------------------------------------------------------------------- */

/* Glob with '*', '?' and [classes] ('!' or '^' negates); '*' also matches '/'. */
static bool glob_match(const char *pat, size_t pn, const char *s, size_t sn, bool icase)
{
	size_t p = 0, i = 0, star_p = SIZE_MAX, star_i = 0;
	while (i < sn) {
		if (p < pn && pat[p] == '*') {
			star_p = ++p;
			star_i = i;
			continue;
		}
		if (p < pn) {
			char sc = s[i], pc = pat[p];
			if (icase) {
				sc = (char)ascii_tolower((unsigned char)sc);
				pc = (char)ascii_tolower((unsigned char)pc);
			}
			if (pc == '?') {
				p++;
				i++;
				continue;
			}
			if (pc == '[') {
				size_t q = p + 1;
				bool neg = q < pn && (pat[q] == '!' || pat[q] == '^');
				if (neg)
					q++;
				bool hit = false;
				size_t first = q;
				while (q < pn && (pat[q] != ']' || q == first)) {
					char lo = pat[q], hi = lo;
					if (q + 2 < pn && pat[q + 1] == '-' && pat[q + 2] != ']') {
						hi = pat[q + 2];
						q += 2;
					}
					if (icase) {
						lo = (char)ascii_tolower((unsigned char)lo);
						hi = (char)ascii_tolower((unsigned char)hi);
					}
					if (sc >= lo && sc <= hi)
						hit = true;
					q++;
				}
				if (q < pn && hit != neg) {
					p = q + 1;
					i++;
					continue;
				}
			} else if (pc == sc) {
				p++;
				i++;
				continue;
			}
		}
		if (star_p == SIZE_MAX)
			return false;
		p = star_p;
		i = ++star_i;
	}
	while (p < pn && pat[p] == '*')
		p++;
	return p == pn;
}

static bool icontains(const char *s, size_t n, const char *lit, size_t ln)
{
	if (ln == 0)
		return true;
	for (size_t i = 0; i + ln <= n; i++) {
		size_t k = 0;
		while (k < ln && ascii_tolower((unsigned char)s[i + k]) == (unsigned char)lit[k])
			k++;
		if (k == ln)
			return true;
	}
	return false;
}

static bool str_cmp1(struct rule_set *set, const struct rs_node *n, const struct rs_lit *l,
		     const char *s, size_t sn)
{
	switch (n->cmp) {
	case CMP_EQ:
	case CMP_IN:
	case CMP_INTERSECTS:
		return sn == l->n && memcmp(s, l->s, sn) == 0;
	case CMP_NE:
		return !(sn == l->n && memcmp(s, l->s, sn) == 0);
	case CMP_CONTAINS:
	case CMP_BCONTAINS:
		return l->n == 0 || memmem(s, sn, l->s, l->n) != NULL;
	case CMP_ICONTAINS:
		return icontains(s, sn, l->s, l->n);
	case CMP_STARTSWITH:
	case CMP_BSTARTSWITH:
		return sn >= l->n && memcmp(s, l->s, l->n) == 0;
	case CMP_ENDSWITH:
		return sn >= l->n && memcmp(s + sn - l->n, l->s, l->n) == 0;
	case CMP_GLOB:
		return glob_match(l->s, l->n, s, sn, false);
	case CMP_IGLOB:
		return glob_match(l->s, l->n, s, sn, true);
	case CMP_PMATCH:
		if (sn < l->n || memcmp(s, l->s, l->n) != 0)
			return false;
		return sn == l->n || s[l->n] == '/' || (l->n == 1 && l->s[0] == '/');
	case CMP_REGEX: {
		int rc = pcre2_match(n->re, (PCRE2_SPTR)s, sn, 0, 0, set->md, set->mctx);
		return rc >= 0;
	}
	default:
		return false;
	}
}

static bool ip_in(const struct rs_lit *l, const struct rf_val *v)
{
	if (l->family != v->family)
		return false;
	int bits = l->prefix;
	int full = bits / 8, rem = bits % 8;
	if (memcmp(l->ip, v->ip, (size_t)full) != 0)
		return false;
	if (rem) {
		uint8_t m = (uint8_t)(0xff << (8 - rem));
		if ((l->ip[full] & m) != (v->ip[full] & m))
			return false;
	}
	return true;
}

static bool check_value(struct rule_set *set, const struct rs_node *n, enum rf_type t,
			const struct rf_ref *ref, const struct rf_val *v)
{
	int cmp = n->cmp;
	bool as_text = !(cmp == CMP_EQ || cmp == CMP_NE || cmp == CMP_LT || cmp == CMP_LE ||
			 cmp == CMP_GT || cmp == CMP_GE || cmp == CMP_IN || cmp == CMP_INTERSECTS);
	const char *s = v->s;
	size_t sn = v->n;
	char tmp[32];

	if (t == RF_INT || t == RF_BOOL) {
		if (!as_text) {
			for (uint32_t i = 0; i < n->n; i++) {
				int64_t a = v->i, b = n->vals[i].i;
				switch (cmp) {
				case CMP_EQ:
				case CMP_IN:
				case CMP_INTERSECTS:
					if (a == b)
						return true;
					break;
				case CMP_NE:
					return a != b;
				case CMP_LT:
					return a < b;
				case CMP_LE:
					return a <= b;
				case CMP_GT:
					return a > b;
				case CMP_GE:
					return a >= b;
				default:
					break;
				}
			}
			return false;
		}
		if (t == RF_BOOL)
			s = v->i ? "true" : "false";
		else if (xsnprintf(tmp, sizeof(tmp), "%lld", (long long)v->i) == 0)
			s = tmp;
		else
			return false;
		sn = strlen(s);
	} else if ((t == RF_IP || t == RF_IPNET) && !as_text) {
		for (uint32_t i = 0; i < n->n; i++) {
			bool hit = ip_in(&n->vals[i], v);
			if (cmp == CMP_NE)
				return !hit;
			if (hit)
				return true;
		}
		return false;
	}
	(void)ref;
	if (n->hset)
		return hset_has(n->hset, s, sn);
	if (cmp == CMP_NE)
		return str_cmp1(set, n, &n->vals[0], s, sn);
	for (uint32_t i = 0; i < n->n; i++)
		if (str_cmp1(set, n, &n->vals[i], s, sn))
			return true;
	return false;
}

bool rs_eval_node(struct rule_set *set, const struct rs_node *n)
{
	switch (n->kind) {
	case RS_AND:
		for (uint32_t i = 0; i < n->n; i++)
			if (!rs_eval_node(set, n->kids[i]))
				return false;
		return true;
	case RS_OR:
		for (uint32_t i = 0; i < n->n; i++)
			if (rs_eval_node(set, n->kids[i]))
				return true;
		return false;
	case RS_NOT:
		return !rs_eval_node(set, n->kids[0]);
	case RS_TRUE:
		return true;
	case RS_CHECK: {
		struct rf_val vals[RS_MAX_VALUES];
		size_t nv = rf_extract(&set->ctx, &n->ref, vals, ARRAY_SIZE(vals));
		if (n->cmp == CMP_EXISTS)
			return nv > 0;
		enum rf_type t = rf_ref_type(&n->ref);
		for (size_t i = 0; i < nv; i++)
			if (check_value(set, n, t, &n->ref, &vals[i]))
				return true;
		return false;
	}
	default:
		return false;
	}
}

/* ---- event-type sets ---------------------------------------------------------------- */

static void evset_all(struct rs_evset *s)
{
	size_t n = rs_evt_count();
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < n; i++)
		s->w[i / 64] |= (uint64_t)1 << (i % 64);
}

static void evset_not(struct rs_evset *s)
{
	struct rs_evset all;
	evset_all(&all);
	for (size_t i = 0; i < RS_EVT_WORDS; i++)
		s->w[i] = ~s->w[i] & all.w[i];
}

void rs_evset_compute(const struct rs_node *n, bool neg, struct rs_evset *out)
{
	switch (n->kind) {
	case RS_AND:
	case RS_OR: {
		bool inter = (n->kind == RS_AND) != neg;
		rs_evset_compute(n->kids[0], neg, out);
		for (uint32_t i = 1; i < n->n; i++) {
			struct rs_evset k;
			rs_evset_compute(n->kids[i], neg, &k);
			for (size_t w = 0; w < RS_EVT_WORDS; w++)
				out->w[w] = inter ? out->w[w] & k.w[w] : out->w[w] | k.w[w];
		}
		return;
	}
	case RS_NOT:
		rs_evset_compute(n->kids[0], !neg, out);
		return;
	case RS_CHECK:
		if (n->ref.f && streq(n->ref.f->name, "evt.type") && n->ref.xform == RF_X_NONE &&
		    (n->cmp == CMP_EQ || n->cmp == CMP_NE || n->cmp == CMP_IN ||
		     n->cmp == CMP_INTERSECTS)) {
			memset(out, 0, sizeof(*out));
			for (uint32_t i = 0; i < n->n; i++) {
				int id = rs_evt_id(n->vals[i].s, n->vals[i].n);
				if (id > 0)
					out->w[id / 64] |= (uint64_t)1 << (id % 64);
			}
			if ((n->cmp == CMP_NE) != neg)
				evset_not(out);
			return;
		}
		evset_all(out);
		return;
	default:
		evset_all(out);
		return;
	}
}
