/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dockerfile.c — the Dockerfile parser (dockerfile.h): bytes to struct dockerfile, the way
 * BuildKit's frontend reads them, without running anything.
 *
 * Order of work: validate the bytes (no NUL, valid UTF-8, size and line limits), read the
 * parser directives at the top, then one instruction at a time: join its continuation
 * lines, read the keyword and the flags, take the heredoc bodies that follow it, decide
 * exec or shell form, split the arguments and substitute variables with the scope the
 * instruction sees. Every loop is linear in the input; substitution has a byte budget.
 */
#include <inttypes.h>
#include <jansson.h>
#include <strings.h>

#include "checks/dockerfile.h"
#include "common/json.h"

#define DF_EXPAND_MAX	     ((size_t)16 << 20) /* one substituted value */
#define DF_EXPAND_BUDGET     ((size_t)64 << 20) /* all substituted text of one file */
#define DF_MAX_VARS	     ((size_t)1 << 16)	/* variable entries over all scopes */
#define DF_PATTERN_MAX_VALUE ((size_t)4096)	/* ${V#pattern} works on values up to this */

static const char *const kind_names[_DF_KIND_MAX] = {
    [DF_ADD] = "ADD",
    [DF_ARG] = "ARG",
    [DF_CMD] = "CMD",
    [DF_COPY] = "COPY",
    [DF_ENTRYPOINT] = "ENTRYPOINT",
    [DF_ENV] = "ENV",
    [DF_EXPOSE] = "EXPOSE",
    [DF_FROM] = "FROM",
    [DF_HEALTHCHECK] = "HEALTHCHECK",
    [DF_LABEL] = "LABEL",
    [DF_MAINTAINER] = "MAINTAINER",
    [DF_ONBUILD] = "ONBUILD",
    [DF_RUN] = "RUN",
    [DF_SHELL] = "SHELL",
    [DF_STOPSIGNAL] = "STOPSIGNAL",
    [DF_USER] = "USER",
    [DF_VOLUME] = "VOLUME",
    [DF_WORKDIR] = "WORKDIR",
};

const char *df_kind_name(enum df_kind k)
{
	return (unsigned)k < _DF_KIND_MAX ? kind_names[k] : "?";
}

/* Flags BuildKit accepts per instruction; needs_value false: boolean (optionally =BOOL). */
static const struct flag_def {
	enum df_kind kind;
	const char *name;
	bool needs_value;
} flag_defs[] = {
    {DF_FROM, "platform", true},
    {DF_RUN, "mount", true},
    {DF_RUN, "network", true},
    {DF_RUN, "security", true},
    {DF_COPY, "from", true},
    {DF_COPY, "chown", true},
    {DF_COPY, "chmod", true},
    {DF_COPY, "link", false},
    {DF_COPY, "parents", false},
    {DF_COPY, "exclude", true},
    {DF_ADD, "chown", true},
    {DF_ADD, "chmod", true},
    {DF_ADD, "link", false},
    {DF_ADD, "checksum", true},
    {DF_ADD, "keep-git-dir", false},
    {DF_ADD, "exclude", true},
    {DF_ADD, "unpack", false},
    {DF_HEALTHCHECK, "interval", true},
    {DF_HEALTHCHECK, "timeout", true},
    {DF_HEALTHCHECK, "start-period", true},
    {DF_HEALTHCHECK, "start-interval", true},
    {DF_HEALTHCHECK, "retries", true},
};

/* ---- variables: a small open-addressing map per scope ----------------------------------- */

struct var {
	char *name; /* NULL: free slot */
	char *value;
};

struct vars {
	struct var *slot;
	size_t cap, n; /* cap is 0 or a power of two */
};

static uint64_t name_hash(struct span s)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < s.len; i++)
		h = (h ^ (unsigned char)s.ptr[i]) * 1099511628211ULL;
	return h;
}

static struct var *vars_find(const struct vars *v, struct span name)
{
	if (!v->cap)
		return NULL;
	for (size_t i = name_hash(name) & (v->cap - 1);; i = (i + 1) & (v->cap - 1)) {
		struct var *e = &v->slot[i];
		if (!e->name)
			return NULL;
		if (span_eq_str(name, e->name))
			return e;
	}
}

static void vars_done(struct vars *v)
{
	for (size_t i = 0; i < v->cap; i++) {
		free(v->slot[i].name);
		free(v->slot[i].value);
	}
	free(v->slot);
	*v = (struct vars){0};
}

static int vars_grow(struct vars *v)
{
	size_t ncap = v->cap ? v->cap * 2 : 16;
	struct var *ns = calloc(ncap, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	for (size_t i = 0; i < v->cap; i++) {
		if (!v->slot[i].name)
			continue;
		size_t j = name_hash(span_from(v->slot[i].name)) & (ncap - 1);
		while (ns[j].name)
			j = (j + 1) & (ncap - 1);
		ns[j] = v->slot[i];
	}
	free(v->slot);
	v->slot = ns;
	v->cap = ncap;
	return 0;
}

/* Set name to a copy of value ("" for NULL). *count limits entries over all scopes. */
static int vars_set(struct vars *v, struct span name, const char *value, size_t *count)
{
	char *val = strdup(value ? value : "");
	if (!val)
		return -ENOMEM;
	struct var *e = vars_find(v, name);
	if (e) {
		free(e->value);
		e->value = val;
		return 0;
	}
	if (*count >= DF_MAX_VARS) {
		free(val);
		return -E2BIG;
	}
	if ((v->n + 1) * 2 > v->cap && vars_grow(v) < 0) {
		free(val);
		return -ENOMEM;
	}
	char *nm = span_dup(name);
	if (!nm) {
		free(val);
		return -ENOMEM;
	}
	size_t i = name_hash(name) & (v->cap - 1);
	while (v->slot[i].name)
		i = (i + 1) & (v->cap - 1);
	v->slot[i] = (struct var){nm, val};
	v->n++;
	(*count)++;
	return 0;
}

/* ---- parser state ------------------------------------------------------------------------ */

struct parser {
	const struct bh_limits *lim;
	const char *source;
	struct bh_diag *diag;
	struct dockerfile *df;
	struct span *lines;
	size_t nlines;
	char escape;
	struct vars global;    /* ARG before the first FROM: name -> default */
	struct vars scope;     /* what the current stage's instructions see (ARG + ENV) */
	struct vars stage_env; /* ENV of the current stage (inherited by FROM <stage>) */
	size_t nvars;
	size_t budget;	       /* bytes substitution may still produce */
	uint32_t line, column; /* instruction being parsed, for diagnostics */
};

static int fail(struct parser *p, int r, uint32_t line, uint32_t col, const char *fmt, ...)
    _printf_(5, 6);
static int fail(struct parser *p, int r, uint32_t line, uint32_t col, const char *fmt, ...)
{
	if (p->diag) {
		char msg[400];
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		if (n < 0)
			msg[0] = '\0';
		bh_diag_set(p->diag, p->source, line, col, "%s", msg);
	}
	return r;
}

/* Characters (not bytes) before offset off of line: a 1-based column. */
static uint32_t column_of(struct span line, size_t off)
{
	uint32_t c = 1;
	for (size_t i = 0; i < off && i < line.len; i++)
		c += ((unsigned char)line.ptr[i] & 0xc0) != 0x80;
	return c;
}

/* Offset of the first invalid UTF-8 sequence, or len. */
static size_t utf8_invalid_at(const unsigned char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		unsigned char c = s[i];
		size_t n;
		uint32_t cp;
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else
			return i;
		if (len - i <= n)
			return i;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return i;
		i += n + 1;
	}
	return len;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static struct span ltrim(struct span s)
{
	while (s.len && is_blank(*s.ptr)) {
		s.ptr++;
		s.len--;
	}
	return s;
}

static struct span rtrim(struct span s)
{
	while (s.len && (is_blank(s.ptr[s.len - 1]) || s.ptr[s.len - 1] == '\r'))
		s.len--;
	return s;
}

static bool is_name_start(char c)
{
	return ascii_isalpha(c) || c == '_';
}

static bool is_name_char(char c)
{
	return ascii_isalnum(c) || c == '_';
}

/* ---- substitution and quote removal ----------------------------------------------------- */

/* Glob match with * and ? (no classes); iterative with one backtrack point. */
static bool glob_match(struct span pat, struct span s)
{
	size_t p = 0, i = 0, star = SIZE_MAX, mark = 0;
	while (i < s.len) {
		if (p < pat.len && (pat.ptr[p] == '?' || pat.ptr[p] == s.ptr[i])) {
			p++;
			i++;
		} else if (p < pat.len && pat.ptr[p] == '*') {
			star = p++;
			mark = i;
		} else if (star != SIZE_MAX) {
			p = star + 1;
			i = ++mark;
		} else
			return false;
	}
	while (p < pat.len && pat.ptr[p] == '*')
		p++;
	return p == pat.len;
}

struct lexer {
	struct parser *p;
	const struct vars *scope; /* NULL: no substitution */
	struct span s;
	size_t pos;
};

static int lex_until(struct lexer *lx, char stop, bool stop_blank, bool quotes, struct buf *out);

static int put(struct lexer *lx, struct buf *out, const void *d, size_t n)
{
	if (n > lx->p->budget)
		return fail(lx->p, -E2BIG, lx->p->line, lx->p->column,
			    "variable substitution produces too much text");
	int r = buf_append(out, d, n);
	if (r == -E2BIG)
		return fail(lx->p, r, lx->p->line, lx->p->column,
			    "a substituted value is longer than %zu bytes", DF_EXPAND_MAX);
	if (r >= 0)
		lx->p->budget -= n;
	return r;
}

/* After "${": NAME [modifier WORD] "}". */
static int lex_braced(struct lexer *lx, struct buf *out)
{
	struct span s = lx->s;
	size_t start = lx->pos;
	while (lx->pos < s.len && is_name_char(s.ptr[lx->pos]))
		lx->pos++;
	struct span name = span_slice(s, start, lx->pos - start);
	if (name.len && is_name_start(name.ptr[0]) && lx->pos >= s.len)
		return fail(lx->p, -EBADMSG, lx->p->line, lx->p->column,
			    "missing '}' after '${%.*s'", SPAN_ARG(span_slice(name, 0, 64)));
	if (!name.len || !is_name_start(name.ptr[0]))
		return fail(lx->p, -EBADMSG, lx->p->line, lx->p->column,
			    "bad substitution '${%.*s'", SPAN_ARG(span_slice(name, 0, 64)));
	const struct var *v = vars_find(lx->scope, name);
	const char *val = v ? v->value : NULL;
	char op[3] = {0};
	char c = s.ptr[lx->pos];
	if (c == '}') {
		lx->pos++;
		return val ? put(lx, out, val, strlen(val)) : 0;
	}
	if (c == ':' && lx->pos + 1 < s.len && strchr("-+?", s.ptr[lx->pos + 1])) {
		op[0] = ':';
		op[1] = s.ptr[lx->pos + 1];
		lx->pos += 2;
	} else if (strchr("-+?", c)) {
		op[0] = c;
		lx->pos++;
	} else if (c == '#' || c == '%') {
		op[0] = c;
		lx->pos++;
		if (lx->pos < s.len && s.ptr[lx->pos] == c) {
			op[1] = c;
			lx->pos++;
		}
	} else
		return fail(lx->p, -EBADMSG, lx->p->line, lx->p->column,
			    "unsupported modifier '%c' in '${%.*s'", ascii_isprint(c) ? c : '?',
			    SPAN_ARG(span_slice(name, 0, 64)));
	_cleanup_buf_ struct buf word;
	buf_init(&word, DF_EXPAND_MAX);
	int r = lex_until(lx, '}', false, true, &word);
	if (r < 0)
		return r;
	if (lx->pos >= s.len)
		return fail(lx->p, -EBADMSG, lx->p->line, lx->p->column,
			    "missing '}' after '${%.*s'", SPAN_ARG(span_slice(name, 0, 64)));
	lx->pos++; /* '}' */
	bool set = val != NULL, nonempty = val && *val;
	switch (op[0]) {
	case ':':
	case '-':
	case '+':
	case '?': {
		bool have = op[0] == ':' ? nonempty : set;
		char kind = op[0] == ':' ? op[1] : op[0];
		if (kind == '-')
			return have ? put(lx, out, val, strlen(val))
				    : put(lx, out, word.ptr, word.len);
		if (kind == '+')
			return have ? put(lx, out, word.ptr, word.len) : 0;
		if (!have)
			return fail(lx->p, -EBADMSG, lx->p->line, lx->p->column, "%.*s: %s",
				    SPAN_ARG(span_slice(name, 0, 64)),
				    word.len ? buf_str(&word) : "parameter not set");
		return put(lx, out, val, strlen(val));
	}
	default: {
		/* # ## % %%: remove the shortest/longest matching prefix/suffix. */
		struct span v2 = span_from(val), pat = buf_span(&word);
		if (v2.len > DF_PATTERN_MAX_VALUE)
			return fail(lx->p, -E2BIG, lx->p->line, lx->p->column,
				    "pattern removal on a value longer than %zu bytes",
				    DF_PATTERN_MAX_VALUE);
		bool longest = op[1] != 0, prefix = op[0] == '#';
		size_t cut = 0;
		for (size_t k = 0; k <= v2.len; k++) {
			size_t n = longest ? v2.len - k : k;
			struct span part =
			    prefix ? span_slice(v2, 0, n) : span_slice(v2, v2.len - n, n);
			if (glob_match(pat, part)) {
				cut = n;
				break;
			}
		}
		return prefix ? put(lx, out, v2.ptr + cut, v2.len - cut)
			      : put(lx, out, v2.ptr, v2.len - cut);
	}
	}
}

/* At '$' (lx->pos points after it). */
static int lex_dollar(struct lexer *lx, struct buf *out)
{
	struct span s = lx->s;
	if (lx->pos < s.len && s.ptr[lx->pos] == '{') {
		lx->pos++;
		return lex_braced(lx, out);
	}
	if (lx->pos < s.len && is_name_start(s.ptr[lx->pos])) {
		size_t start = lx->pos;
		while (lx->pos < s.len && is_name_char(s.ptr[lx->pos]))
			lx->pos++;
		const struct var *v = vars_find(lx->scope, span_slice(s, start, lx->pos - start));
		return v ? put(lx, out, v->value, strlen(v->value)) : 0;
	}
	return put(lx, out, "$", 1);
}

/*
 * Read from lx->s at lx->pos into out until stop (not consumed), an unquoted blank when
 * stop_blank, or the end. With quotes, '...' and "..." are removed (substitution inside
 * double quotes only); the escape character makes the next character literal.
 */
static int lex_until(struct lexer *lx, char stop, bool stop_blank, bool quotes, struct buf *out)
{
	struct span s = lx->s;
	char esc = lx->p->escape, q = 0;
	int r = 0;
	while (r >= 0 && lx->pos < s.len) {
		char c = s.ptr[lx->pos];
		if (!q && ((stop && c == stop) || (stop_blank && is_blank(c))))
			break;
		lx->pos++;
		if (q == '\'') {
			if (c == '\'')
				q = 0;
			else
				r = put(lx, out, &c, 1);
		} else if (c == esc && lx->pos < s.len) {
			char n = s.ptr[lx->pos];
			if (q == '"' && n != '"' && n != '$' && n != esc)
				r = put(lx, out, &c, 1);
			if (r >= 0)
				r = put(lx, out, &n, 1);
			lx->pos++;
		} else if (quotes && !q && (c == '\'' || c == '"')) {
			q = c;
		} else if (q == '"' && c == '"') {
			q = 0;
		} else if (c == '$' && lx->scope) {
			r = lex_dollar(lx, out);
		} else
			r = put(lx, out, &c, 1);
	}
	return r;
}

/* Process text as one value: quote removal and substitution. *ret owned. */
static int expand(struct parser *p, const struct vars *scope, struct span text, bool quotes,
		  char **ret)
{
	_cleanup_buf_ struct buf b;
	buf_init(&b, DF_EXPAND_MAX);
	struct lexer lx = {p, scope, text, 0};
	int r = lex_until(&lx, 0, false, quotes, &b);
	if (r < 0)
		return r;
	*ret = buf_take(&b);
	return *ret ? 0 : -ENOMEM;
}

/* Next blank-separated word of s from *pos, as written (quotes and escapes kept intact). */
static bool raw_word(struct parser *p, struct span s, size_t *pos, struct span *ret)
{
	size_t i = *pos;
	while (i < s.len && is_blank(s.ptr[i]))
		i++;
	if (i >= s.len) {
		*pos = i;
		return false;
	}
	size_t start = i;
	char q = 0;
	size_t braces = 0; /* inside ${...}: blanks belong to the word */
	while (i < s.len) {
		char c = s.ptr[i];
		if (!q && !braces && is_blank(c))
			break;
		if (c == p->escape && q != '\'' && i + 1 < s.len)
			i++;
		else if (q != '\'' && c == '$' && i + 1 < s.len && s.ptr[i + 1] == '{') {
			braces++;
			i++;
		} else if (q != '\'' && c == '}' && braces)
			braces--;
		else if (!q && (c == '\'' || c == '"'))
			q = c;
		else if (q && c == q)
			q = 0;
		i++;
	}
	*ret = span_slice(s, start, i - start);
	*pos = i;
	return true;
}

/* ---- the model -------------------------------------------------------------------------- */

static void instr_done(struct df_instr *in)
{
	free(in->keyword);
	for (size_t i = 0; i < in->n_flags; i++) {
		free(in->flags[i].name);
		free(in->flags[i].value);
	}
	free(in->flags);
	free(in->args);
	strv_done(&in->words);
	for (size_t i = 0; i < in->n_pairs; i++) {
		free(in->pairs[i].key);
		free(in->pairs[i].value);
	}
	free(in->pairs);
	for (size_t i = 0; i < in->n_heredocs; i++) {
		free(in->heredocs[i].delim);
		free(in->heredocs[i].body);
	}
	free(in->heredocs);
	strv_done(&in->ignores);
}

void df_free(struct dockerfile *df)
{
	if (!df)
		return;
	for (size_t i = 0; i < df->n; i++)
		instr_done(&df->v[i]);
	free(df->v);
	for (size_t i = 0; i < df->n_stages; i++) {
		free(df->stages[i].name);
		free(df->stages[i].image);
		free(df->stages[i].image_raw);
		free(df->stages[i].platform);
		strv_done(&df->stages[i].env);
	}
	free(df->stages);
	free(df->syntax);
	free(df);
}

const struct df_flag *df_instr_flag(const struct df_instr *in, const char *name)
{
	for (size_t i = 0; i < in->n_flags; i++)
		if (streq(in->flags[i].name, name))
			return &in->flags[i];
	return NULL;
}

const char *df_stage_env(const struct df_stage *st, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < st->env.n; i++)
		if (strncmp(st->env.v[i], name, n) == 0 && st->env.v[i][n] == '=')
			return st->env.v[i] + n + 1;
	return NULL;
}

static int add_pair(struct df_instr *in, struct span key, char *value_take)
{
	size_t cap = in->n_pairs; /* exact growth: pairs are few */
	struct df_pair *np = reallocarray(in->pairs, cap + 1, sizeof(*np));
	char *k = span_dup(key);
	if (!np || !k) {
		if (np)
			in->pairs = np;
		free(k);
		free(value_take);
		return -ENOMEM;
	}
	in->pairs = np;
	in->pairs[in->n_pairs++] = (struct df_pair){k, value_take};
	return 0;
}

/* ---- directives, comments ----------------------------------------------------------------- */

/* "# key=value" → key (lower-cased into keybuf) and value; false when not of that form. */
static bool directive_of(struct span line, char *keybuf, size_t keysz, struct span *ret_val)
{
	line = rtrim(ltrim(line));
	if (!line.len || line.ptr[0] != '#')
		return false;
	line = ltrim(span_slice(line, 1, line.len - 1));
	size_t i = 0;
	while (i < line.len &&
	       (ascii_isalnum(line.ptr[i]) || line.ptr[i] == '_' || line.ptr[i] == '-'))
		i++;
	if (!i || i >= keysz || !ascii_isalpha(line.ptr[0]))
		return false;
	for (size_t k = 0; k < i; k++)
		keybuf[k] = (char)ascii_tolower(line.ptr[k]);
	keybuf[i] = '\0';
	struct span rest = ltrim(span_slice(line, i, line.len - i));
	if (!rest.len || rest.ptr[0] != '=')
		return false;
	*ret_val = ltrim(span_slice(rest, 1, rest.len - 1));
	return ret_val->len > 0;
}

/* "# bulkhead ignore=A,B" or "# hadolint ignore=DL3008": push the ids. */
static int ignore_comment(struct span line, struct strv *ids)
{
	line = ltrim(line);
	line = ltrim(span_slice(line, 1, line.len - 1)); /* after '#' */
	struct span tool;
	size_t i = 0;
	while (i < line.len && ascii_isalpha(line.ptr[i]))
		i++;
	tool = span_slice(line, 0, i);
	if (!span_eq_str(tool, "bulkhead") && !span_eq_str(tool, "hadolint"))
		return 0;
	struct span rest = ltrim(span_slice(line, i, line.len - i));
	if (!span_startswith(rest, "ignore"))
		return 0;
	rest = ltrim(span_slice(rest, 6, rest.len - 6));
	if (!rest.len || rest.ptr[0] != '=')
		return 0;
	rest = ltrim(span_slice(rest, 1, rest.len - 1));
	struct span list = rtrim(rest), tok;
	while (span_next_token(&list, ',', &tok) == 0) {
		tok = span_trim(tok);
		size_t end = 0;
		while (end < tok.len && !is_blank(tok.ptr[end]))
			end++;
		bool last = end < tok.len; /* "A, B trailing words": the list ends at B */
		tok = span_slice(tok, 0, end);
		if (!tok.len)
			continue;
		if (last)
			list = SPAN_NULL;
		char *s = span_dup(tok);
		if (!s || strv_push_take(ids, s) < 0)
			return -ENOMEM;
	}
	return 0;
}

static bool is_comment_or_blank(struct span line)
{
	line = rtrim(ltrim(line));
	return !line.len || line.ptr[0] == '#';
}

/* ---- heredocs ----------------------------------------------------------------------------- */

/*
 * Find heredoc markers in the shell-form text s: words that begin with "<<" (not "<<<"),
 * outside quotes. For each, consume body lines after *next_line until the delimiter.
 */
static int take_heredocs(struct parser *p, struct df_instr *in, struct span s, size_t *next_line)
{
	char q = 0;
	for (size_t i = 0; i < s.len; i++) {
		char c = s.ptr[i];
		if (q) {
			if (c == q)
				q = 0;
			else if (c == p->escape && q == '"')
				i++;
			continue;
		}
		if (c == p->escape) {
			i++;
			continue;
		}
		if (c == '\'' || c == '"') {
			q = c;
			continue;
		}
		if (c != '<' || i + 1 >= s.len || s.ptr[i + 1] != '<' ||
		    (i > 0 && !is_blank(s.ptr[i - 1])) || (i + 2 < s.len && s.ptr[i + 2] == '<'))
			continue;
		size_t j = i + 2;
		bool strip = j < s.len && s.ptr[j] == '-';
		j += strip;
		char dq = 0;
		if (j < s.len && (s.ptr[j] == '"' || s.ptr[j] == '\''))
			dq = s.ptr[j++];
		size_t ds = j;
		while (j < s.len && (dq ? s.ptr[j] != dq
					: !is_blank(s.ptr[j]) && !strchr(";|&<>()'\"", s.ptr[j])))
			j++;
		struct span delim = span_slice(s, ds, j - ds);
		if (dq && j >= s.len)
			return fail(p, -EBADMSG, p->line, p->column,
				    "unterminated quote in heredoc marker");
		if (!delim.len) {
			i = j;
			continue;
		}
		uint32_t body_line = (uint32_t)*next_line + 1;
		_cleanup_buf_ struct buf body;
		buf_init(&body, BUF_MAX_DEFAULT);
		bool found = false;
		while (*next_line < p->nlines) {
			struct span l = rtrim(p->lines[(*next_line)++]);
			if (strip)
				while (l.len && l.ptr[0] == '\t')
					l = span_slice(l, 1, l.len - 1);
			if (span_eq(l, delim)) {
				found = true;
				break;
			}
			int r = buf_append_span(&body, l);
			if (r >= 0)
				r = buf_putc(&body, '\n');
			if (r < 0)
				return r == -E2BIG
					   ? fail(p, r, p->line, p->column, "heredoc too large")
					   : r;
		}
		if (!found)
			return fail(p, -EBADMSG, p->line, p->column,
				    "unterminated heredoc '<<%s%.*s' (no line '%.*s' follows)",
				    strip ? "-" : "", SPAN_ARG(span_slice(delim, 0, 64)),
				    SPAN_ARG(span_slice(delim, 0, 64)));
		struct df_heredoc *nh = reallocarray(in->heredocs, in->n_heredocs + 1, sizeof(*nh));
		if (!nh)
			return -ENOMEM;
		in->heredocs = nh;
		struct df_heredoc *h = &in->heredocs[in->n_heredocs];
		*h = (struct df_heredoc){.delim = span_dup(delim),
					 .body = buf_take(&body),
					 .strip_tabs = strip,
					 .quoted = dq != 0,
					 .line = body_line};
		in->n_heredocs++;
		if (!h->delim || !h->body)
			return -ENOMEM;
		in->end_line = (uint32_t)*next_line;
		i = j;
	}
	return 0;
}

/* ---- per-instruction argument parsing ----------------------------------------------------- */

/* Exec form: a JSON array of strings. true with words filled; false when not. */
static int try_json(struct parser *p, struct span s, struct strv *words, bool *ret_ok)
{
	*ret_ok = false;
	s = span_trim(s);
	if (!s.len || s.ptr[0] != '[')
		return 0;
	json_t *doc = NULL;
	struct bh_limits l = *p->lim;
	l.json_max_depth = 4;
	if (bh_json_parse(s, &l, p->source, &doc, NULL) < 0)
		return 0;
	if (!json_is_array(doc)) {
		json_decref(doc);
		return 0;
	}
	size_t i;
	json_t *e;
	json_array_foreach(doc, i, e)
	{
		if (!json_is_string(e)) {
			strv_done(words);
			json_decref(doc);
			return 0;
		}
		if (strv_push(words, json_string_value(e)) < 0) {
			json_decref(doc);
			return -ENOMEM;
		}
	}
	json_decref(doc);
	*ret_ok = true;
	return 0;
}

/* Blank-separated words with quote removal and substitution in scope. */
static int words_expanded(struct parser *p, const struct vars *scope, struct span s,
			  struct strv *out)
{
	size_t pos = 0;
	struct span w;
	while (raw_word(p, s, &pos, &w)) {
		char *x = NULL;
		int r = expand(p, scope, w, true, &x);
		if (r < 0)
			return r;
		if (strv_push_take(out, x) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int words_raw(struct parser *p, struct span s, struct strv *out)
{
	size_t pos = 0;
	struct span w;
	while (raw_word(p, s, &pos, &w)) {
		char *x = span_dup(w);
		if (!x || strv_push_take(out, x) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* ENV, LABEL, ARG: key=value pairs (ENV/LABEL also the legacy "key value"). */
static int parse_pairs(struct parser *p, struct df_instr *in, struct span s,
		       const struct vars *scope)
{
	const char *kw = df_kind_name(in->kind);
	size_t pos = 0;
	struct span w;
	if (in->kind != DF_ARG) {
		size_t save = pos;
		if (raw_word(p, s, &pos, &w) && span_index(w, '=') < 0) {
			struct span rest = span_trim(span_slice(s, pos, s.len - pos));
			if (!rest.len)
				return fail(p, -EBADMSG, p->line, p->column,
					    "%s must have two arguments ('%s name value' or '%s "
					    "name=value')",
					    kw, kw, kw);
			char *v = NULL;
			int r = expand(p, scope, rest, true, &v);
			return r < 0 ? r : add_pair(in, w, v);
		}
		pos = save;
	}
	while (raw_word(p, s, &pos, &w)) {
		ssize_t eq = span_index(w, '=');
		struct span key = eq < 0 ? w : span_slice(w, 0, (size_t)eq);
		if (!key.len || (in->kind != DF_ARG && eq < 0))
			return fail(p, -EBADMSG, p->line, p->column,
				    "%s: cannot read '%.*s' (must be name=value)", kw,
				    SPAN_ARG(span_slice(w, 0, 64)));
		if (in->kind == DF_ARG || in->kind == DF_ENV) {
			for (size_t k = 0; k < key.len; k++)
				if (ascii_isspace(key.ptr[k]) || key.ptr[k] == '$')
					return fail(p, -EBADMSG, p->line, p->column,
						    "%s: invalid name '%.*s'", kw,
						    SPAN_ARG(span_slice(key, 0, 64)));
		}
		char *v = NULL, *k = NULL;
		if (eq >= 0) {
			int r =
			    expand(p, scope, span_slice(w, (size_t)eq + 1, w.len - (size_t)eq - 1),
				   true, &v);
			if (r < 0)
				return r;
		}
		if (in->kind == DF_LABEL) {
			/* label keys may be quoted */
			int r = expand(p, scope, key, true, &k);
			if (r < 0) {
				free(v);
				return r;
			}
			int r2 = add_pair(in, span_from(k), v);
			free(k);
			if (r2 < 0)
				return r2;
		} else if (add_pair(in, key, v) < 0)
			return -ENOMEM;
	}
	if (!in->n_pairs)
		return fail(p, -EBADMSG, p->line, p->column, "%s requires at least one argument",
			    kw);
	return 0;
}

static bool valid_stage_name(const char *s)
{
	if (!ascii_isalpha(*s))
		return false;
	for (; *s; s++)
		if (!ascii_isalnum(*s) && !strchr("-_.", *s))
			return false;
	return true;
}

static int stage_finish(struct parser *p)
{
	if (!p->df->n_stages)
		return 0;
	struct df_stage *st = &p->df->stages[p->df->n_stages - 1];
	strv_done(&st->env);
	for (size_t i = 0; i < p->stage_env.cap; i++) {
		const struct var *e = &p->stage_env.slot[i];
		if (!e->name)
			continue;
		_cleanup_buf_ struct buf b;
		buf_init(&b, 0);
		if (buf_printf(&b, "%s=%s", e->name, e->value) < 0 ||
		    strv_push_take(&st->env, buf_take(&b)) < 0)
			return -ENOMEM;
	}
	strv_sort_uniq(&st->env);
	return 0;
}

static int parse_from(struct parser *p, struct df_instr *in, struct span rest)
{
	struct strv w = {0};
	int r = words_raw(p, rest, &w);
	if (r >= 0 && !(w.n == 1 || (w.n == 3 && strcasecmp(w.v[1], "as") == 0)))
		r = fail(p, -EBADMSG, p->line, p->column,
			 "FROM requires either one argument or three ('FROM image AS name')");
	_cleanup_free_ char *name = NULL;
	if (r >= 0 && w.n == 3) {
		name = strdup(w.v[2]);
		if (!name)
			r = -ENOMEM;
		for (char *c = name; r >= 0 && *c; c++)
			*c = (char)ascii_tolower(*c);
		if (r >= 0 && !valid_stage_name(name))
			r = fail(p, -EBADMSG, p->line, p->column,
				 "invalid name for build stage: '%.64s' (letters, digits, '-', "
				 "'_', '.'; a letter first)",
				 w.v[2]);
	}
	if (r < 0) {
		strv_done(&w);
		return r;
	}
	if ((r = stage_finish(p)) < 0) {
		strv_done(&w);
		return r;
	}
	_cleanup_free_ char *image = NULL, *platform = NULL;
	r = expand(p, &p->global, span_from(w.v[0]), true, &image);
	const struct df_flag *pf = df_instr_flag(in, "platform");
	if (r >= 0 && pf && pf->value)
		r = expand(p, &p->global, span_from(pf->value), true, &platform);
	if (r < 0) {
		strv_done(&w);
		return r;
	}
	struct dockerfile *df = p->df;
	if (GROW(df->stages, df->n_stages, df->stages_cap) < 0) {
		strv_done(&w);
		return -ENOMEM;
	}
	struct df_stage *st = &df->stages[df->n_stages];
	*st = (struct df_stage){.from = df->n - 1, .base = DF_NO_STAGE, .index = df->n_stages};
	in->stage = df->n_stages; /* in is df->v[df->n - 1] */
	st->image_raw = strdup(w.v[0]);
	in->words = w;
	if (!st->image_raw)
		return -ENOMEM;
	st->name = TAKE_PTR(name);
	st->image = TAKE_PTR(image);
	st->platform = TAKE_PTR(platform);
	df->n_stages++;
	for (size_t i = 0; i + 1 < df->n_stages; i++)
		if (df->stages[i].name && strcasecmp(df->stages[i].name, st->image) == 0) {
			st->base = i; /* the last earlier stage of that name */
		}
	vars_done(&p->scope);
	vars_done(&p->stage_env);
	if (st->base != DF_NO_STAGE) {
		const struct df_stage *b = &df->stages[st->base];
		for (size_t i = 0; i < b->env.n; i++) {
			struct span k, v;
			if (!span_cut(span_from(b->env.v[i]), '=', &k, &v))
				continue;
			if ((r = vars_set(&p->scope, k, v.ptr, &p->nvars)) < 0 ||
			    (r = vars_set(&p->stage_env, k, v.ptr, &p->nvars)) < 0)
				return r == -E2BIG
					   ? fail(p, r, p->line, p->column, "too many variables")
					   : r;
		}
	}
	return 0;
}

static int set_vars(struct parser *p, struct df_instr *in)
{
	bool global = in->stage == DF_NO_STAGE;
	int r = 0;
	for (size_t i = 0; r >= 0 && i < in->n_pairs; i++) {
		const struct df_pair *pr = &in->pairs[i];
		struct span k = span_from(pr->key);
		if (in->kind == DF_ENV) {
			r = vars_set(global ? &p->global : &p->scope, k, pr->value, &p->nvars);
			if (r >= 0 && !global)
				r = vars_set(&p->stage_env, k, pr->value, &p->nvars);
		} else if (global) {
			r = vars_set(&p->global, k, pr->value, &p->nvars);
		} else if (!vars_find(&p->stage_env, k)) {
			/* an ARG never overrides an ENV of the same name */
			const char *v = pr->value;
			if (!v) {
				const struct var *g = vars_find(&p->global, k);
				v = g ? g->value : NULL;
			}
			r = vars_set(&p->scope, k, v, &p->nvars);
		}
	}
	if (r == -E2BIG)
		return fail(p, r, p->line, p->column, "too many variables (more than %zu)",
			    DF_MAX_VARS);
	return r;
}

static int parse_flags(struct parser *p, struct df_instr *in, struct span *rest,
		       const struct vars *scope)
{
	for (;;) {
		*rest = ltrim(*rest);
		if (rest->len < 3 || rest->ptr[0] != '-' || rest->ptr[1] != '-' ||
		    !ascii_isalpha(rest->ptr[2]))
			return 0;
		size_t end = 0;
		while (end < rest->len && !is_blank(rest->ptr[end]))
			end++;
		struct span tok = span_slice(*rest, 2, end - 2), name, value = SPAN_NULL;
		bool has_value = span_cut(tok, '=', &name, &value);
		if (!has_value)
			name = tok;
		const struct flag_def *def = NULL;
		for (size_t i = 0; i < ARRAY_SIZE(flag_defs); i++)
			if (flag_defs[i].kind == in->kind && span_eq_str(name, flag_defs[i].name))
				def = &flag_defs[i];
		if (!def)
			return fail(p, -EBADMSG, p->line, p->column, "unknown flag '--%.*s' for %s",
				    SPAN_ARG(span_slice(name, 0, 64)), df_kind_name(in->kind));
		if (def->needs_value && (!has_value || !value.len))
			return fail(p, -EBADMSG, p->line, p->column, "flag '--%s' needs a value",
				    def->name);
		if (!def->needs_value && has_value && !span_eq_str(value, "true") &&
		    !span_eq_str(value, "false"))
			return fail(p, -EBADMSG, p->line, p->column,
				    "flag '--%s' takes true or false, not '%.*s'", def->name,
				    SPAN_ARG(span_slice(value, 0, 64)));
		struct df_flag *nf = reallocarray(in->flags, in->n_flags + 1, sizeof(*nf));
		if (!nf)
			return -ENOMEM;
		in->flags = nf;
		struct df_flag *f = &in->flags[in->n_flags];
		*f = (struct df_flag){.name = strdup(def->name)};
		in->n_flags++;
		if (!f->name)
			return -ENOMEM;
		if (has_value) {
			int r = scope ? expand(p, scope, value, true, &f->value)
				      : ((f->value = span_dup(value)) ? 0 : -ENOMEM);
			if (r < 0)
				return r;
		}
		*rest = span_slice(*rest, end, rest->len - end);
	}
}

static int kind_of(struct span kw, enum df_kind *ret)
{
	for (unsigned k = 0; k < _DF_KIND_MAX; k++)
		if (span_eq_nocase(kw, span_from(kind_names[k]))) {
			*ret = (enum df_kind)k;
			return 0;
		}
	return -ENOENT;
}

static bool has_flags(enum df_kind k)
{
	return k == DF_FROM || k == DF_RUN || k == DF_COPY || k == DF_ADD || k == DF_HEALTHCHECK;
}

static int parse_args(struct parser *p, struct df_instr *in, struct span rest, size_t *next_line)
{
	bool before_from = in->stage == DF_NO_STAGE;
	const struct vars *scope = before_from ? &p->global : &p->scope;
	const char *kw = df_kind_name(in->kind);
	int r;
	if (has_flags(in->kind)) {
		/* COPY/ADD flags see the stage's variables; FROM's and RUN's stay as written */
		const struct vars *fs = (in->kind == DF_COPY || in->kind == DF_ADD) ? scope : NULL;
		if ((r = parse_flags(p, in, &rest, fs)) < 0)
			return r;
	}
	rest = rtrim(ltrim(rest));
	if (!(in->args = span_dup(rest)))
		return -ENOMEM;
	bool json_ok = false;
	switch (in->kind) {
	case DF_RUN:
	case DF_CMD:
	case DF_ENTRYPOINT:
	case DF_SHELL:
	case DF_COPY:
	case DF_ADD:
	case DF_VOLUME:
		if ((r = try_json(p, rest, &in->words, &json_ok)) < 0)
			return r;
		in->is_json = json_ok;
		in->bad_json = !json_ok && rest.len && rest.ptr[0] == '[';
		break;
	default:
		break;
	}
	if (!json_ok && (in->kind == DF_RUN || in->kind == DF_COPY || in->kind == DF_ADD) &&
	    (r = take_heredocs(p, in, rest, next_line)) < 0)
		return r;
	if (!rest.len && in->kind != DF_CMD && in->kind != DF_ENTRYPOINT)
		return fail(p, -EBADMSG, p->line, p->column, "%s requires at least one argument",
			    kw);

	switch (in->kind) {
	case DF_FROM:
		return parse_from(p, in, rest);
	case DF_ARG:
	case DF_ENV:
		if ((r = parse_pairs(p, in, rest, scope)) < 0)
			return r;
		return set_vars(p, in);
	case DF_LABEL:
		return parse_pairs(p, in, rest, scope);
	case DF_SHELL:
		if (!json_ok)
			return fail(p, -EBADMSG, p->line, p->column,
				    "SHELL requires the arguments in JSON form ([\"executable\", "
				    "\"parameters\"...])");
		if (!in->words.n)
			return fail(p, -EBADMSG, p->line, p->column,
				    "SHELL requires at least one argument");
		return 0;
	case DF_RUN:
	case DF_CMD:
	case DF_ENTRYPOINT:
		return json_ok ? 0 : words_raw(p, rest, &in->words);
	case DF_COPY:
	case DF_ADD:
		if (!json_ok && (r = words_expanded(p, scope, rest, &in->words)) < 0)
			return r;
		if (in->words.n < 2 && !(in->n_heredocs && in->words.n >= 1))
			return fail(p, -EBADMSG, p->line, p->column,
				    "%s requires at least two arguments (source and destination)",
				    kw);
		return 0;
	case DF_VOLUME:
		return json_ok ? 0 : words_expanded(p, scope, rest, &in->words);
	case DF_EXPOSE:
		return words_expanded(p, scope, rest, &in->words);
	case DF_USER:
	case DF_STOPSIGNAL:
		if ((r = words_expanded(p, scope, rest, &in->words)) < 0)
			return r;
		if (in->words.n != 1)
			return fail(p, -EBADMSG, p->line, p->column,
				    "%s requires exactly one argument", kw);
		return 0;
	case DF_WORKDIR: {
		char *x = NULL;
		if ((r = expand(p, scope, rest, true, &x)) < 0)
			return r;
		return strv_push_take(&in->words, x);
	}
	case DF_MAINTAINER:
		return strv_push(&in->words, in->args);
	case DF_HEALTHCHECK: {
		size_t pos = 0;
		struct span w;
		(void)raw_word(p, rest, &pos, &w);
		struct span cmd = ltrim(span_slice(rest, pos, rest.len - pos));
		if (span_eq_nocase(w, SPAN_LIT("NONE"))) {
			if (cmd.len || in->n_flags)
				return fail(p, -EBADMSG, p->line, p->column,
					    "HEALTHCHECK NONE takes no arguments");
			return strv_push(&in->words, "NONE");
		}
		if (!span_eq_nocase(w, SPAN_LIT("CMD")))
			return fail(p, -EBADMSG, p->line, p->column,
				    "unknown type '%.*s' in HEALTHCHECK (try CMD)",
				    SPAN_ARG(span_slice(w, 0, 64)));
		if (!cmd.len)
			return fail(p, -EBADMSG, p->line, p->column,
				    "HEALTHCHECK CMD requires a command");
		if ((r = strv_push(&in->words, "CMD")) < 0)
			return r;
		struct strv jw = {0};
		if ((r = try_json(p, cmd, &jw, &json_ok)) < 0)
			return r;
		in->is_json = json_ok;
		if (json_ok) {
			for (size_t i = 0; r >= 0 && i < jw.n; i++)
				r = strv_push(&in->words, jw.v[i]);
			strv_done(&jw);
			return r;
		}
		char *c = span_dup(cmd);
		return c ? strv_push_take(&in->words, c) : -ENOMEM;
	}
	case DF_ONBUILD: {
		size_t pos = 0;
		struct span w;
		(void)raw_word(p, rest, &pos, &w);
		enum df_kind k;
		if (kind_of(w, &k) < 0)
			return fail(p, -EBADMSG, p->line, p->column,
				    "unknown instruction '%.*s' in ONBUILD",
				    SPAN_ARG(span_slice(w, 0, 64)));
		if (k == DF_ONBUILD || k == DF_FROM || k == DF_MAINTAINER)
			return fail(p, -EBADMSG, p->line, p->column,
				    "%s isn't allowed as an ONBUILD trigger", df_kind_name(k));
		in->onbuild = k;
		return words_raw(p, ltrim(span_slice(rest, pos, rest.len - pos)), &in->words);
	}
	default:
		return 0;
	}
}

/* ---- driver -------------------------------------------------------------------------------- */

static int split_lines(struct parser *p, struct span text)
{
	size_t cap = 0;
	struct span in = text, l;
	while (span_next_line(&in, &l) == 0) {
		if (p->nlines >= p->lim->dockerfile_max_lines)
			return fail(p, -E2BIG, (uint32_t)MIN(p->nlines + 1, UINT32_MAX), 0,
				    "more than %" PRIu64 " lines (limit dockerfile-max-lines)",
				    p->lim->dockerfile_max_lines);
		if (GROW(p->lines, p->nlines, cap) < 0)
			return -ENOMEM;
		p->lines[p->nlines++] = l;
	}
	if (p->nlines > UINT32_MAX)
		return fail(p, -E2BIG, 0, 0, "too many lines");
	return 0;
}

static int read_directives(struct parser *p, size_t *i)
{
	bool seen_escape = false;
	for (; *i < p->nlines; (*i)++) {
		char key[32];
		struct span val;
		if (!directive_of(p->lines[*i], key, sizeof(key), &val))
			return 0;
		uint32_t ln = (uint32_t)*i + 1;
		if (streq(key, "escape")) {
			if (seen_escape)
				return fail(p, -EBADMSG, ln, 1,
					    "only one escape parser directive can be used");
			if (!span_eq_str(val, "\\") && !span_eq_str(val, "`"))
				return fail(p, -EBADMSG, ln, 1,
					    "invalid escape token '%.*s' (must be ` or \\)",
					    SPAN_ARG(span_slice(val, 0, 16)));
			p->escape = val.ptr[0];
			seen_escape = true;
		} else if (streq(key, "syntax")) {
			if (p->df->syntax)
				return fail(p, -EBADMSG, ln, 1,
					    "only one syntax parser directive can be used");
			if (!(p->df->syntax = span_dup(val)))
				return -ENOMEM;
		} else if (!streq(key, "check"))
			return 0; /* an unknown directive is a comment, and ends the directives */
	}
	return 0;
}

static int parse_instruction(struct parser *p, size_t *i, struct strv *ignores)
{
	struct span first = p->lines[*i];
	struct span body = ltrim(first);
	size_t kw_off = (size_t)(body.ptr - first.ptr);
	p->line = (uint32_t)*i + 1;
	p->column = column_of(first, kw_off);
	size_t k = 0;
	while (k < body.len && !is_blank(body.ptr[k]) && body.ptr[k] != '\r')
		k++;
	struct span kw = span_slice(body, 0, k);
	/* "RUN\" directly followed by the continuation: the keyword is "RUN". */
	size_t kwlen = kw.len;
	enum df_kind kind;
	if (kind_of(kw, &kind) < 0 && kwlen > 1 && kw.ptr[kwlen - 1] == p->escape &&
	    kind_of(span_slice(kw, 0, kwlen - 1), &kind) == 0)
		kwlen--;
	else if (kind_of(kw, &kind) < 0)
		return fail(p, -EBADMSG, p->line, p->column, "unknown instruction '%.*s'",
			    SPAN_ARG(span_slice(kw, 0, 64)));
	/* Join continuation lines. */
	_cleanup_buf_ struct buf lg;
	buf_init(&lg, BUF_MAX_DEFAULT);
	size_t li = *i;
	struct span cur = span_slice(first, kw_off, first.len - kw_off);
	uint32_t end_line = p->line;
	int r;
	for (;;) {
		struct span t = rtrim(cur);
		if (t.len && t.ptr[t.len - 1] == p->escape) {
			if ((r = buf_append(&lg, t.ptr, t.len - 1)) < 0)
				return r == -E2BIG
					   ? fail(p, r, p->line, p->column, "instruction too long")
					   : r;
			li++;
			while (li < p->nlines && is_comment_or_blank(p->lines[li]))
				li++;
			if (li >= p->nlines)
				break;
			cur = p->lines[li];
			end_line = (uint32_t)li + 1;
			continue;
		}
		if ((r = buf_append_span(&lg, t)) < 0)
			return r == -E2BIG ? fail(p, r, p->line, p->column, "instruction too long")
					   : r;
		break;
	}
	*i = li + 1;
	struct dockerfile *df = p->df;
	if (GROW(df->v, df->n, df->cap) < 0)
		return -ENOMEM;
	struct df_instr *in = &df->v[df->n++];
	*in = (struct df_instr){.kind = kind,
				.line = p->line,
				.end_line = end_line,
				.column = p->column,
				.stage = df->n_stages ? df->n_stages - 1 : DF_NO_STAGE,
				.ignores = *ignores,
				.onbuild = _DF_KIND_MAX};
	*ignores = (struct strv){0};
	struct span line = buf_span(&lg);
	in->keyword = span_dup(span_slice(line, 0, kwlen));
	if (!in->keyword)
		return -ENOMEM;
	if (line.len > kwlen && !is_blank(line.ptr[kwlen]))
		return fail(p, -EBADMSG, p->line, p->column, "unknown instruction '%.*s'",
			    SPAN_ARG(span_slice(line, 0, MIN(line.len, 64))));
	size_t next = *i;
	r = parse_args(p, in, span_slice(line, kwlen, line.len - kwlen), &next);
	*i = next;
	return r;
}

int df_parse(struct span text, const struct bh_limits *limits, const char *source,
	     struct dockerfile **ret, struct bh_diag *reterr_diag)
{
	struct parser p = {.lim = limits,
			   .source = source ? source : "Dockerfile",
			   .diag = reterr_diag,
			   .escape = '\\'};
	if (text.len > limits->input_max_bytes)
		return fail(&p, -E2BIG, 0, 0,
			    "file is larger than %" PRIu64 " bytes (limit input-max-bytes)",
			    limits->input_max_bytes);
	if (span_startswith(text, "\xef\xbb\xbf"))
		text = span_slice(text, 3, text.len - 3);
	const char *nul = memchr(text.ptr, 0, text.len);
	size_t bad = nul ? (size_t)(nul - text.ptr)
			 : utf8_invalid_at((const unsigned char *)text.ptr, text.len);
	if (bad < text.len) {
		uint32_t line = 1;
		size_t ls = 0;
		for (size_t k = 0; k < bad; k++)
			if (text.ptr[k] == '\n') {
				line++;
				ls = k + 1;
			}
		return fail(&p, -EBADMSG, line,
			    column_of(span_slice(text, ls, bad - ls + 1), bad - ls),
			    nul ? "binary data (NUL byte), not a Dockerfile" : "invalid UTF-8");
	}
	p.budget = MAX(DF_EXPAND_BUDGET, text.len * 4);
	p.df = calloc(1, sizeof(*p.df));
	if (!p.df)
		return -ENOMEM;
	struct strv ignores = {0};
	int r = split_lines(&p, text);
	size_t i = 0;
	if (r >= 0)
		r = read_directives(&p, &i);
	p.df->escape = p.escape;
	while (r >= 0 && i < p.nlines) {
		struct span l = ltrim(p.lines[i]);
		if (!rtrim(l).len) {
			strv_done(&ignores);
			i++;
		} else if (l.ptr[0] == '#') {
			r = ignore_comment(l, &ignores);
			i++;
		} else
			r = parse_instruction(&p, &i, &ignores);
	}
	if (r >= 0)
		r = stage_finish(&p);
	if (r >= 0 && p.df->n == 0)
		r = fail(&p, -EBADMSG, 0, 0, "file with no instructions");
	p.df->lines = (uint32_t)p.nlines;
	strv_done(&ignores);
	vars_done(&p.global);
	vars_done(&p.scope);
	vars_done(&p.stage_env);
	free(p.lines);
	if (r < 0) {
		df_free(p.df);
		return r;
	}
	*ret = p.df;
	return 0;
}
