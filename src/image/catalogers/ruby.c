/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ruby.c — Ruby gems: installed gems from `specifications/NAME.gemspec` and
 * `specifications/default/NAME.gemspec` (the default gems shipped with Ruby), and the gems a
 * Bundler lock file (`Gemfile.lock`, `gems.locked`) pins.
 *
 * Installed gemspecs are Ruby code that RubyGems generates (Gem::Specification#to_ruby).
 * Nothing is evaluated: only the literal forms to_ruby writes are read, one statement per
 * line — `s.name = "x".freeze`, `s.licenses = ["MIT".freeze]`, `s.add_runtime_dependency(
 * %q<x>.freeze, [...])` — for whatever block variable `Gem::Specification.new do |s|` names.
 * Strings are double-quoted (String#dump escapes) or %q with a bracket pair. Calls in an
 * `else` branch (`if s.respond_to? :add_runtime_dependency ... else`) are the fallback for old
 * RubyGems and repeat the development dependencies as plain add_dependency: skipped.
 *
 * Lock files: in the GEM, GIT and PATH sections, under "  specs:", 4-space-indented
 * "name (version)" lines are gems and the 6-space lines below them their dependencies.
 * A platform suffix ("1.13.6-x86_64-linux") is not part of the version.
 */
#include "image/catalogers/catalog.h"

/* Last path component and the one before it. */
static void path_last_two(struct span path, struct span *ret_base, struct span *ret_parent,
			  struct span *ret_rest)
{
	const char *slash = path.len ? memrchr(path.ptr, '/', path.len) : NULL;
	*ret_rest = SPAN_NULL;
	if (!slash) {
		*ret_base = path;
		*ret_parent = SPAN_NULL;
		return;
	}
	*ret_base = span_make(slash + 1, (size_t)(path.ptr + path.len - slash - 1));
	size_t dlen = (size_t)(slash - path.ptr);
	const char *ps = dlen ? memrchr(path.ptr, '/', dlen) : NULL;
	if (ps) {
		*ret_parent = span_make(ps + 1, (size_t)(slash - ps - 1));
		*ret_rest = span_make(path.ptr, (size_t)(ps - path.ptr));
	} else
		*ret_parent = span_make(path.ptr, dlen);
}

enum rb_kind {
	RB_NONE,
	RB_GEMSPEC,
	RB_LOCK,
};

static enum rb_kind ruby_kind(struct span path)
{
	struct span base, parent, rest;
	path_last_two(path, &base, &parent, &rest);
	if (base.len > 8 && span_endswith(base, ".gemspec")) {
		if (span_eq_str(parent, "specifications"))
			return RB_GEMSPEC;
		if (span_eq_str(parent, "default") &&
		    (span_endswith(rest, "/specifications") || span_eq_str(rest, "specifications")))
			return RB_GEMSPEC;
		return RB_NONE;
	}
	if (span_eq_str(base, "Gemfile.lock") || span_eq_str(base, "gems.locked"))
		return RB_LOCK;
	return RB_NONE;
}

static unsigned ruby_want(struct span path, uint32_t mode, uint64_t size)
{
	return ruby_kind(path) != RB_NONE ? IMG_WANT_CONTENT : 0;
}

/* Names and versions: no whitespace, no control characters, sane length. */
static bool valid_token(struct span s)
{
	if (!s.len || s.len > 256)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.ptr[i];
		if (c <= ' ' || c == 0x7f || c == '"' || c == '\\')
			return false;
	}
	return true;
}

/* Append one Unicode code point as UTF-8 ('?' for invalid ones). */
static int put_utf8(struct buf *b, uint32_t cp)
{
	char u[4];
	size_t n;
	if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return buf_putc(b, '?');
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return buf_append(b, u, n);
}

static int hexval(char c)
{
	return ascii_isdigit((unsigned char)c) ? c - '0'
	       : (c >= 'a' && c <= 'f')	       ? c - 'a' + 10
	       : (c >= 'A' && c <= 'F')	       ? c - 'A' + 10
					       : -1;
}

/*
 * Make the decoded string safe to render: valid UTF-8 kept, other bytes '?', control
 * characters other than '\n' become ' '. Done in place on b.
 */
static void sanitize(struct buf *b)
{
	for (size_t i = 0; i < b->len;) {
		unsigned char c = (unsigned char)b->ptr[i];
		size_t n = c < 0x80		? 1
			   : (c & 0xe0) == 0xc0 ? 2
			   : (c & 0xf0) == 0xe0 ? 3
			   : (c & 0xf8) == 0xf0 ? 4
						: 0;
		bool ok = n && i + n <= b->len && !(n == 2 && c < 0xc2) && c <= 0xf4;
		for (size_t k = 1; ok && k < n; k++)
			ok = ((unsigned char)b->ptr[i + k] & 0xc0) == 0x80;
		if (ok && n == 3) {
			unsigned char c1 = (unsigned char)b->ptr[i + 1];
			ok = !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0);
		} else if (ok && n == 4) {
			unsigned char c1 = (unsigned char)b->ptr[i + 1];
			ok = !(c == 0xf0 && c1 < 0x90) && !(c == 0xf4 && c1 >= 0x90);
		}
		if (!ok) {
			b->ptr[i++] = '?';
			continue;
		}
		if (n == 1 && ((c < 0x20 && c != '\n') || c == 0x7f))
			b->ptr[i] = ' ';
		i += n;
	}
}

/*
 * Read one Ruby string literal at the front of *in into out (cleared first): "..." with
 * String#dump escapes, or %q<...> %q{...} %q(...) %q[...] (nesting counted, \\ escapes).
 * A trailing ".freeze" is consumed. 0, -EBADMSG (not a literal or unterminated), -E2BIG,
 * -ENOMEM.
 */
static int rb_string(struct span *in, struct buf *out)
{
	struct span s = span_trim(*in);
	buf_clear(out);
	size_t i;
	int r = 0;
	if (s.len >= 1 && s.ptr[0] == '"') {
		for (i = 1; i < s.len && r == 0; i++) {
			char c = s.ptr[i];
			if (c == '"')
				break;
			if (c != '\\' || i + 1 >= s.len) {
				r = buf_putc(out, c);
				continue;
			}
			char e = s.ptr[++i];
			switch (e) {
			case 'n':
				r = buf_putc(out, '\n');
				break;
			case 't':
				r = buf_putc(out, '\t');
				break;
			case 'r':
			case 'e':
			case 'a':
			case 'b':
			case 'f':
			case 'v':
				r = buf_putc(out, ' ');
				break;
			case 'x': {
				int h1 = i + 1 < s.len ? hexval(s.ptr[i + 1]) : -1;
				int h2 = h1 >= 0 && i + 2 < s.len ? hexval(s.ptr[i + 2]) : -1;
				if (h1 < 0) {
					r = buf_putc(out, 'x');
					break;
				}
				i += h2 >= 0 ? 2 : 1;
				r = buf_putc(out, (char)(h2 >= 0 ? h1 * 16 + h2 : h1));
				break;
			}
			case 'u': {
				uint32_t cp = 0;
				size_t j = i + 1, digits = 0;
				bool braced = j < s.len && s.ptr[j] == '{';
				if (braced)
					j++;
				while (j < s.len && digits < (braced ? 6u : 4u) &&
				       hexval(s.ptr[j]) >= 0) {
					cp = cp * 16 + (uint32_t)hexval(s.ptr[j]);
					j++;
					digits++;
				}
				if (braced && j < s.len && s.ptr[j] == '}')
					j++;
				if (!digits) {
					r = buf_putc(out, 'u');
					break;
				}
				i = j - 1;
				r = put_utf8(out, cp);
				break;
			}
			default:
				r = buf_putc(out, e);
				break;
			}
		}
		if (r < 0)
			return r;
		if (i >= s.len)
			return -EBADMSG;
		i++; /* closing quote */
	} else if (s.len >= 3 && s.ptr[0] == '%' && (s.ptr[1] == 'q' || s.ptr[1] == 'Q')) {
		char open = s.ptr[2], close;
		switch (open) {
		case '<':
			close = '>';
			break;
		case '{':
			close = '}';
			break;
		case '(':
			close = ')';
			break;
		case '[':
			close = ']';
			break;
		default:
			return -EBADMSG;
		}
		unsigned nest = 0;
		for (i = 3; i < s.len && r == 0; i++) {
			char c = s.ptr[i];
			if (c == '\\' && i + 1 < s.len &&
			    (s.ptr[i + 1] == '\\' || s.ptr[i + 1] == open ||
			     s.ptr[i + 1] == close)) {
				r = buf_putc(out, s.ptr[++i]);
				continue;
			}
			if (c == open)
				nest++;
			else if (c == close) {
				if (!nest)
					break;
				nest--;
			}
			r = buf_putc(out, c);
		}
		if (r < 0)
			return r;
		if (i >= s.len)
			return -EBADMSG;
		i++;
	} else
		return -EBADMSG;
	struct span rest = span_slice(s, i, SIZE_MAX);
	if (span_startswith(rest, ".freeze"))
		rest = span_slice(rest, strlen(".freeze"), SIZE_MAX);
	*in = rest;
	sanitize(out);
	return 0;
}

/* ["a".freeze, "b".freeze]: each element through push(). -EBADMSG when not such a list. */
static int rb_string_list(struct span in, struct buf *tmp, struct strv *out, size_t max)
{
	in = span_trim(in);
	if (!span_startswith(in, "["))
		return -EBADMSG;
	in = span_slice(in, 1, SIZE_MAX);
	for (;;) {
		in = span_trim(in);
		if (span_startswith(in, "]"))
			return 0;
		int r = rb_string(&in, tmp);
		if (r < 0)
			return r;
		if (tmp->len && out->n < max) {
			r = strv_push(out, buf_str(tmp));
			if (r < 0)
				return r;
		}
		in = span_trim(in);
		if (span_startswith(in, ","))
			in = span_slice(in, 1, SIZE_MAX);
		else if (!span_startswith(in, "]"))
			return -EBADMSG;
	}
}

/* ---- gemspec ----------------------------------------------------------------------------- */

struct gemspec {
	char *name, *version, *summary, *homepage;
	struct strv licenses, authors;
	struct strv runtime_deps; /* add_runtime_dependency / add_dependency outside else */
	unsigned name_line;
};

static void gemspec_done(struct gemspec *g)
{
	free(g->name);
	free(g->version);
	free(g->summary);
	free(g->homepage);
	strv_done(&g->licenses);
	strv_done(&g->authors);
	strv_done(&g->runtime_deps);
}

/* `Gem::Specification.new do |var|` -> var; SPAN_NULL when the line is something else. */
static struct span block_var(struct span line)
{
	if (!span_startswith(line, "Gem::Specification.new"))
		return SPAN_NULL;
	struct span before, after, var, rest;
	if (!span_cut(line, '|', &before, &after) || !span_cut(after, '|', &var, &rest))
		return SPAN_NULL;
	var = span_trim(var);
	for (size_t i = 0; i < var.len; i++)
		if (!ascii_isalnum((unsigned char)var.ptr[i]) && var.ptr[i] != '_')
			return SPAN_NULL;
	return var;
}

/* `attr = value`: sets *ret_value to what follows '='; false for other statements. */
static bool assignment(struct span rest, struct span attr, struct span *ret_value)
{
	if (rest.len <= attr.len || memcmp(rest.ptr, attr.ptr, attr.len) != 0)
		return false;
	struct span after = span_trim(span_slice(rest, attr.len, SIZE_MAX));
	if (!span_startswith(after, "=") || span_startswith(after, "=="))
		return false;
	*ret_value = span_slice(after, 1, SIZE_MAX);
	return true;
}

static int set_from_literal(char **field, struct span value, struct buf *tmp)
{
	int r = rb_string(&value, tmp);
	if (r < 0)
		return r;
	char *c = strdup(buf_str(tmp));
	if (!c)
		return -ENOMEM;
	free(*field);
	*field = c;
	return 0;
}

/* `add_x_dependency(%q<name>.freeze, [...])` or `add_x_dependency "name", ...`. */
static int dependency_call(struct span args, struct buf *tmp, struct strv *out)
{
	args = span_trim(args);
	if (span_startswith(args, "("))
		args = span_slice(args, 1, SIZE_MAX);
	int r = rb_string(&args, tmp);
	if (r < 0)
		return r;
	if (!valid_token(buf_span(tmp)) || out->n >= 4096)
		return 0;
	return strv_push(out, buf_str(tmp));
}

static int gemspec_statement(struct gemspec *g, struct span stmt, unsigned line_no, bool in_else,
			     struct buf *tmp)
{
	struct span v;
	int r = 0;
	if (assignment(stmt, SPAN_LIT("name"), &v)) {
		r = set_from_literal(&g->name, v, tmp);
		if (r == 0)
			g->name_line = line_no;
	} else if (assignment(stmt, SPAN_LIT("version"), &v))
		r = set_from_literal(&g->version, v, tmp);
	else if (assignment(stmt, SPAN_LIT("summary"), &v))
		r = set_from_literal(&g->summary, v, tmp);
	else if (assignment(stmt, SPAN_LIT("homepage"), &v))
		r = set_from_literal(&g->homepage, v, tmp);
	else if (assignment(stmt, SPAN_LIT("licenses"), &v))
		r = rb_string_list(v, tmp, &g->licenses, 32);
	else if (assignment(stmt, SPAN_LIT("license"), &v)) {
		char *s = NULL;
		r = set_from_literal(&s, v, tmp);
		if (r == 0 && *s && g->licenses.n < 32)
			r = strv_push(&g->licenses, s);
		free(s);
	} else if (assignment(stmt, SPAN_LIT("authors"), &v))
		r = rb_string_list(v, tmp, &g->authors, 32);
	else if (assignment(stmt, SPAN_LIT("author"), &v)) {
		char *s = NULL;
		r = set_from_literal(&s, v, tmp);
		if (r == 0 && *s)
			r = strv_push(&g->authors, s);
		free(s);
	} else if (span_startswith(stmt, "add_runtime_dependency") && !in_else)
		r = dependency_call(span_slice(stmt, strlen("add_runtime_dependency"), SIZE_MAX),
				    tmp, &g->runtime_deps);
	else if (span_startswith(stmt, "add_dependency") && !in_else)
		r = dependency_call(span_slice(stmt, strlen("add_dependency"), SIZE_MAX), tmp,
				    &g->runtime_deps);
	/* add_development_dependency and everything else: not needed. */
	return r == -EBADMSG || r == -E2BIG ? 0 : r;
}

static int gemspec_parse(struct span text, struct gemspec *g)
{
	struct buf tmp;
	buf_init(&tmp, 1 << 20);
	struct span var = SPAN_NULL, line;
	unsigned line_no = 0;
	unsigned depth = 0;	/* open if/unless blocks inside the spec block */
	uint32_t else_mask = 0; /* bit d: level d is in its else branch */
	int r = 0;
	while (r >= 0 && span_next_line(&text, &line) == 0) {
		line_no++;
		line = span_trim(line);
		if (!line.len || line.ptr[0] == '#')
			continue;
		if (!var.len) {
			var = block_var(line);
			continue;
		}
		/*
		 * Conditionals (statement modifiers never start a line): calls in an else or
		 * elsif branch at any level are the fallback for old RubyGems, skipped.
		 */
		if (span_startswith(line, "if ") || span_startswith(line, "unless ")) {
			if (depth < 32)
				else_mask &= ~(1u << depth);
			depth++;
			continue;
		}
		if (depth && (span_eq_str(line, "else") || span_startswith(line, "elsif "))) {
			if (depth <= 32)
				else_mask |= 1u << (depth - 1);
			continue;
		}
		if (span_eq_str(line, "end")) {
			if (depth) {
				depth--;
				if (depth < 32)
					else_mask &= ~(1u << depth);
			}
			continue;
		}
		bool in_else = (else_mask & (depth >= 32 ? ~0u : (1u << depth) - 1)) != 0;
		if (line.len <= var.len + 1 || memcmp(line.ptr, var.ptr, var.len) != 0 ||
		    line.ptr[var.len] != '.')
			continue;
		r = gemspec_statement(g, span_slice(line, var.len + 1, SIZE_MAX), line_no, in_else,
				      &tmp);
	}
	buf_done(&tmp);
	return r;
}

static int join_strv(const struct strv *l, char **ret)
{
	struct buf b;
	buf_init(&b, 0);
	for (size_t i = 0; i < l->n; i++) {
		int r = buf_printf(&b, "%s%s", i ? ", " : "", l->v[i]);
		if (r < 0) {
			buf_done(&b);
			return r;
		}
	}
	*ret = buf_take(&b);
	return *ret ? 0 : -ENOMEM;
}

static int gemspec_catalog(struct img_catalog_ctx *ctx, const struct img_file *f, struct span text)
{
	struct gemspec g = {0};
	struct pkg *p = NULL;
	int r = gemspec_parse(text, &g);
	if (r < 0)
		goto out;
	if (!g.name || !valid_token(span_from(g.name)) || !g.version ||
	    !valid_token(span_from(g.version))) {
		img_catalog_warn(ctx, f->path, g.name ? g.name_line : 0, "%s",
				 !g.name      ? "no name"
				 : !g.version ? "no version"
					      : "malformed name or version");
		goto out;
	}
	p = pkg_new(PKG_GEM);
	r = -ENOMEM;
	if (!p || pkg_set(&p->name, g.name) < 0 || pkg_set(&p->version, g.version) < 0)
		goto out;
	if (g.summary && *g.summary) {
		struct span l, t = span_from(g.summary);
		if (span_next_line(&t, &l) == 0 && span_trim(l).len &&
		    pkg_set_span(&p->description, span_trim(l)) < 0)
			goto out;
	}
	if (g.homepage && *g.homepage && pkg_set(&p->homepage, g.homepage) < 0)
		goto out;
	if (g.authors.n && join_strv(&g.authors, &p->supplier) < 0)
		goto out;
	for (size_t i = 0; i < g.licenses.n; i++)
		if (strv_push(&p->licenses, g.licenses.v[i]) < 0)
			goto out;
	for (size_t i = 0; i < g.runtime_deps.n; i++)
		if (strv_push(&p->depends, g.runtime_deps.v[i]) < 0)
			goto out;
	r = img_catalog_add(ctx, f, TAKE_PTR(p));
out:
	pkg_free(p);
	gemspec_done(&g);
	return r;
}

/* ---- Gemfile.lock ------------------------------------------------------------------------- */

static size_t indent_of(struct span line)
{
	size_t n = 0;
	while (n < line.len && line.ptr[n] == ' ')
		n++;
	return n;
}

/* "name (version)" or "name": the name and, when present, what is inside the parentheses. */
static bool lock_name_version(struct span s, struct span *ret_name, struct span *ret_version)
{
	struct span name, rest;
	if (!span_cut(s, ' ', &name, &rest)) {
		name = s;
		rest = SPAN_NULL;
	}
	if (!valid_token(name) || name.ptr[0] == '(')
		return false;
	*ret_name = name;
	*ret_version = SPAN_NULL;
	rest = span_trim(rest);
	if (rest.len >= 2 && rest.ptr[0] == '(' && rest.ptr[rest.len - 1] == ')')
		*ret_version = span_trim(span_slice(rest, 1, rest.len - 2));
	return true;
}

static int cmp_pkg(const void *a, const void *b)
{
	const struct pkg *x = *(struct pkg *const *)a, *y = *(struct pkg *const *)b;
	int c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->version, y->version);
}

static int lock_parse(struct img_catalog_ctx *ctx, const struct img_file *f, struct span text,
		      struct pkg_list *out)
{
	struct span line;
	unsigned line_no = 0;
	bool gem_section = false, in_specs = false;
	struct pkg *cur = NULL; /* last gem, owned by out */
	while (span_next_line(&text, &line) == 0) {
		line_no++;
		if (span_trim(line).len == 0)
			continue;
		size_t ind = indent_of(line);
		struct span body = span_trim(line);
		if (ind == 0) {
			gem_section = span_eq_str(body, "GEM") || span_eq_str(body, "GIT") ||
				      span_eq_str(body, "PATH") ||
				      span_eq_str(body, "PLUGIN SOURCE");
			in_specs = false;
			cur = NULL;
			continue;
		}
		if (!gem_section)
			continue;
		if (ind == 2) {
			in_specs = span_eq_str(body, "specs:");
			cur = NULL;
			continue;
		}
		if (!in_specs)
			continue;
		struct span name, version;
		if (ind == 4) {
			cur = NULL;
			if (!lock_name_version(body, &name, &version) || !version.len) {
				img_catalog_warn(ctx, f->path, line_no, "malformed gem entry");
				continue;
			}
			/* "1.13.6-x86_64-linux": the platform is not part of the version. */
			struct span v, plat;
			if (span_cut(version, '-', &v, &plat))
				version = v;
			if (!valid_token(version)) {
				img_catalog_warn(ctx, f->path, line_no, "malformed version");
				continue;
			}
			struct pkg *p = pkg_new(PKG_GEM);
			if (!p || pkg_set_span(&p->name, name) < 0 ||
			    pkg_set_span(&p->version, version) < 0) {
				pkg_free(p);
				return -ENOMEM;
			}
			int r = pkg_list_add_take(out, p);
			if (r < 0)
				return r;
			cur = p;
		} else if (ind == 6 && cur) {
			if (!lock_name_version(body, &name, &version))
				continue;
			_cleanup_free_ char *d = span_dup(name);
			if (!d || strv_push(&cur->depends, d) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

static int lock_catalog(struct img_catalog_ctx *ctx, const struct img_file *f, struct span text)
{
	struct pkg_list l = {0};
	int r = lock_parse(ctx, f, text, &l);
	if (r < 0) {
		pkg_list_done(&l);
		return r;
	}
	/* One gem per name and version (a gem locked for several platforms is listed once each). */
	if (l.n)
		qsort(l.items, l.n, sizeof(*l.items), cmp_pkg);
	size_t kept = 0;
	for (size_t i = 0; i < l.n; i++) {
		if (kept && cmp_pkg(&l.items[kept - 1], &l.items[i]) == 0)
			pkg_free(l.items[i]);
		else
			l.items[kept++] = l.items[i];
	}
	l.n = kept;
	for (size_t i = 0; i < l.n && r >= 0; i++)
		r = img_catalog_add(ctx, f, TAKE_PTR(l.items[i]));
	pkg_list_done(&l);
	return r;
}

static int ruby_catalog(struct img_catalog_ctx *ctx)
{
	size_t n = img_fs_count(ctx->fs);
	for (size_t i = 0; i < n; i++) {
		const struct img_file *f = img_fs_at(ctx->fs, i);
		if (f->type != IMG_FT_REG)
			continue;
		enum rb_kind kind = ruby_kind(img_fs_path_at(ctx->fs, i));
		if (kind == RB_NONE)
			continue;
		const struct img_blob *b = img_catalog_content(ctx, f);
		if (!b) {
			img_catalog_warn(ctx, f->path, 0, "content not captured (too big?)");
			continue;
		}
		struct span text = span_make(b->data, b->len);
		int r =
		    kind == RB_GEMSPEC ? gemspec_catalog(ctx, f, text) : lock_catalog(ctx, f, text);
		if (r < 0)
			return r;
	}
	return 0;
}

const struct img_cataloger img_cataloger_ruby = {
    .name = "ruby",
    .want = ruby_want,
    .catalog = ruby_catalog,
};
