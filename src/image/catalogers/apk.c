/* SPDX-License-Identifier: Apache-2.0 */
/*
 * apk.c — Alpine packages from the apk installed database (lib/apk/db/installed).
 *
 * The database is a list of records separated by blank lines; each line is "K:value"
 * with a one-letter key (apk-tools' "installed database" format): P name, V version,
 * A arch, o origin (source package), m maintainer, L licence, U url, T description,
 * D dependencies, p provides, F folder and R file in the last folder, c commit; other
 * keys (checksums, sizes, ACLs) are ignored. A record without P or V, or with a line that
 * is not "K:value", is skipped with a warning naming its line.
 *
 * Dependencies are resolved to installed package names through provides ("so:",
 * "cmd:", "pc:" names and virtual packages); conflicts ("!name") are ignored.
 * Layer attribution uses the history of the database file.
 */
#include "image/catalogers/catalog.h"

#define APK_INSTALLED "lib/apk/db/installed"

static unsigned apk_want(struct span path, uint32_t mode, uint64_t size)
{
	return span_eq_str(path, APK_INSTALLED) ? IMG_WANT_CONTENT | IMG_WANT_HISTORY : 0;
}

/* A package being assembled; relation spans point into the captured database. */
struct apk_ent {
	struct pkg *p;
	struct span depends, provides;
};

struct apk_name {
	struct span name;
	size_t ent;
};

struct apk_state {
	struct apk_ent *v;
	size_t n, cap;
	struct apk_name *names; /* installed names and provides, sorted */
	size_t n_names, cap_names;
};

static void apk_state_done(struct apk_state *s)
{
	for (size_t i = 0; i < s->n; i++)
		pkg_free(s->v[i].p);
	free(s->v);
	free(s->names);
	*s = (struct apk_state){ 0 };
}

/* One record while it is read. */
struct apk_rec {
	struct pkg *p;
	struct span name, version, arch, origin, maint, license, url, desc, depends, provides;
	struct span folder;
	unsigned line;     /* first line of the record */
	unsigned bad_line; /* first problem, 0 if none */
	const char *bad;
};

static bool word_is(struct span w, const char *k)
{
	return span_eq_nocase(w, span_from(k));
}

/*
 * "L:" is an SPDX expression on current Alpine ("MIT AND BSD-2-Clause") and a
 * space-separated list on older releases ("GPL2 MIT"): keep an expression whole, split
 * a list.
 */
static int apk_licenses(struct span v, struct strv *l)
{
	v = span_trim(v);
	if (!v.len)
		return 0;
	struct span rest = v, w;
	bool expr = false;
	while (span_next_token(&rest, ' ', &w) == 0)
		if (word_is(w, "AND") || word_is(w, "OR") || word_is(w, "WITH") ||
		    span_index(w, '(') >= 0)
			expr = true;
	if (expr) {
		_cleanup_free_ char *s = span_dup(v);
		return s ? strv_push_uniq(l, s) : -ENOMEM;
	}
	rest = v;
	while (span_next_token(&rest, ' ', &w) == 0) {
		w = span_trim(w);
		if (!w.len)
			continue;
		_cleanup_free_ char *s = span_dup(w);
		if (!s || strv_push_uniq(l, s) < 0)
			return -ENOMEM;
	}
	return 0;
}

static void rec_bad(struct apk_rec *r, unsigned line, const char *why)
{
	if (!r->bad) {
		r->bad = why;
		r->bad_line = line;
	}
}

/* Store a single-valued field, flagging duplicates. */
static void rec_set(struct apk_rec *r, struct span *dst, struct span v, unsigned line)
{
	if (dst->ptr)
		rec_bad(r, line, "duplicate field");
	*dst = v;
}

static int rec_add_file(struct apk_rec *r, struct span file, const struct bh_limits *limits)
{
	if (!file.len)
		return 0;
	struct buf b;
	buf_init(&b, limits->path_max_bytes + 1);
	int e = buf_putc(&b, '/');
	if (e == 0 && r->folder.len)
		e = buf_append_span(&b, r->folder) ?: buf_putc(&b, '/');
	if (e == 0)
		e = buf_append_span(&b, file);
	if (e < 0) {
		buf_done(&b);
		return e == -ENOMEM ? e : 0; /* an over-long path is dropped */
	}
	return strv_push_take(&r->p->files, buf_take(&b));
}

/*
 * Finish a record: returns 0 and moves it into state (or out when identities only),
 * or warns and drops it.
 */
static int rec_finish(struct img_catalog_ctx *ctx, const struct img_file *f, struct apk_rec *r,
		      struct apk_state *state, struct pkg_list *out)
{
	_cleanup_(pkg_freep) struct pkg *p = TAKE_PTR(r->p);
	if (!r->line)
		return 0; /* no record */
	if (!r->bad && (!r->name.ptr || !r->name.len))
		rec_bad(r, r->line, "record without P (name)");
	if (!r->bad && (!r->version.ptr || !r->version.len))
		rec_bad(r, r->line, "record without V (version)");
	if (r->bad) {
		if (state)
			img_catalog_warn(ctx, f->path, r->bad_line, "%s", r->bad);
		return 0;
	}
	int e = pkg_set_span(&p->name, r->name) ?: pkg_set_span(&p->version, r->version);
	if (e == 0 && r->arch.len)
		e = pkg_set_span(&p->arch, r->arch);
	if (e < 0)
		return e;
	if (!state)
		return pkg_list_add_take(out, TAKE_PTR(p));
	if (r->origin.len && !span_eq(r->origin, r->name))
		e = pkg_set_span(&p->source_name, r->origin);
	if (e == 0 && r->maint.len)
		e = pkg_set_span(&p->supplier, r->maint);
	if (e == 0 && r->url.len)
		e = pkg_set_span(&p->homepage, r->url);
	if (e == 0 && r->desc.len)
		e = pkg_set_span(&p->description, r->desc);
	if (e == 0 && r->license.ptr)
		e = apk_licenses(r->license, &p->licenses);
	if (e < 0)
		return e;
	if (state->n >= ctx->limits->max_packages)
		return -E2BIG;
	if (GROW(state->v, state->n, state->cap) < 0)
		return -ENOMEM;
	state->v[state->n++] = (struct apk_ent){
		.p = TAKE_PTR(p),
		.depends = r->depends,
		.provides = r->provides,
	};
	return 0;
}

/*
 * Parse one version of the database. With state == NULL (history) only identities go
 * to out and nothing is reported.
 */
static int apk_parse(struct img_catalog_ctx *ctx, const struct img_file *f, struct span text,
		     struct apk_state *state, struct pkg_list *out)
{
	struct apk_rec r = { 0 };
	unsigned line_no = 0;
	int e = 0;
	struct span line;
	for (;;) {
		bool end = span_next_line(&text, &line) < 0;
		line_no++;
		if (end || span_trim(line).len == 0) {
			e = rec_finish(ctx, f, &r, state, out);
			r = (struct apk_rec){ 0 };
			if (e < 0 || end)
				break;
			continue;
		}
		if (!r.line) {
			r.line = line_no;
			r.p = pkg_new(PKG_APK);
			if (!r.p)
				return -ENOMEM;
		}
		if (r.bad)
			continue;
		if (line.len < 2 || line.ptr[1] != ':') {
			rec_bad(&r, line_no, "line is not 'K:value'");
			continue;
		}
		struct span v = span_slice(line, 2, line.len);
		switch (line.ptr[0]) {
		case 'P':
			rec_set(&r, &r.name, span_trim(v), line_no);
			break;
		case 'V':
			rec_set(&r, &r.version, span_trim(v), line_no);
			break;
		case 'A':
			rec_set(&r, &r.arch, span_trim(v), line_no);
			break;
		case 'o':
			rec_set(&r, &r.origin, span_trim(v), line_no);
			break;
		case 'm':
			rec_set(&r, &r.maint, span_trim(v), line_no);
			break;
		case 'L':
			rec_set(&r, &r.license, v, line_no);
			break;
		case 'U':
			rec_set(&r, &r.url, span_trim(v), line_no);
			break;
		case 'T':
			rec_set(&r, &r.desc, span_trim(v), line_no);
			break;
		case 'D':
			rec_set(&r, &r.depends, v, line_no);
			break;
		case 'p':
			rec_set(&r, &r.provides, v, line_no);
			break;
		case 'F':
			if (!state)
				break;
			r.folder = span_trim(v);
			while (r.folder.len && r.folder.ptr[0] == '/')
				r.folder = span_slice(r.folder, 1, r.folder.len);
			while (r.folder.len && r.folder.ptr[r.folder.len - 1] == '/')
				r.folder.len--;
			break;
		case 'R':
			if (!state)
				break;
			e = rec_add_file(&r, v, ctx->limits);
			break;
		default:
			break;
		}
		if (e < 0)
			break;
	}
	pkg_free(r.p);
	return e;
}

static int apk_parse_history(struct img_catalog_ctx *ctx, const struct img_file *f,
			     const struct img_blob *blob, struct pkg_list *out)
{
	return apk_parse(ctx, f, span_make(blob->data, blob->len), NULL, out);
}

static int span_cmp(struct span a, struct span b)
{
	int c = memcmp(a.ptr, b.ptr, MIN(a.len, b.len));
	if (c)
		return c;
	return a.len < b.len ? -1 : a.len > b.len ? 1 : 0;
}

static int name_cmp(const void *x, const void *y)
{
	const struct apk_name *a = x, *b = y;
	int c = span_cmp(a->name, b->name);
	if (c)
		return c;
	return a->ent < b->ent ? -1 : a->ent > b->ent ? 1 : 0;
}

/* First entry (lowest ent: real names sort before provides of the same package). */
static const struct apk_name *name_find(const struct apk_state *s, struct span name)
{
	size_t lo = 0, hi = s->n_names;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (span_cmp(s->names[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->n_names && span_eq(s->names[lo].name, name) ? &s->names[lo] : NULL;
}

/* "so:libc.musl-x86_64.so.1=1" -> "so:libc.musl-x86_64.so.1"; "busybox>1.2" -> "busybox". */
static struct span dep_name(struct span d)
{
	size_t n = 0;
	while (n < d.len && d.ptr[n] != '=' && d.ptr[n] != '<' && d.ptr[n] != '>' &&
	       d.ptr[n] != '~')
		n++;
	return span_slice(d, 0, n);
}

static int apk_index(struct apk_state *s)
{
	for (size_t i = 0; i < s->n; i++) {
		if (GROW(s->names, s->n_names, s->cap_names) < 0)
			return -ENOMEM;
		/* Real names first so that a package wins over a provider of the same name. */
		s->names[s->n_names++] = (struct apk_name){ span_from(s->v[i].p->name), i };
	}
	for (size_t i = 0; i < s->n; i++) {
		struct span rest = s->v[i].provides, w;
		while (span_next_token(&rest, ' ', &w) == 0) {
			struct span nm = dep_name(span_trim(w));
			if (!nm.len)
				continue;
			if (GROW(s->names, s->n_names, s->cap_names) < 0)
				return -ENOMEM;
			s->names[s->n_names++] = (struct apk_name){ nm, s->n + i };
		}
	}
	if (s->n_names)
		qsort(s->names, s->n_names, sizeof(*s->names), name_cmp);
	return 0;
}

static int apk_resolve(struct apk_state *s, struct apk_ent *e)
{
	struct span rest = e->depends, w;
	while (span_next_token(&rest, ' ', &w) == 0) {
		w = span_trim(w);
		if (!w.len || w.ptr[0] == '!')
			continue;
		struct span nm = dep_name(w);
		if (!nm.len)
			continue;
		const struct apk_name *hit = name_find(s, nm);
		const char *pick = NULL;
		_cleanup_free_ char *plain = NULL;
		if (hit)
			pick = s->v[hit->ent % s->n].p->name;
		else if (span_index(nm, ':') < 0 && nm.ptr[0] != '/') {
			plain = span_dup(nm);
			if (!plain)
				return -ENOMEM;
			pick = plain;
		}
		if (!pick || streq(pick, e->p->name))
			continue;
		int r = strv_push_uniq(&e->p->depends, pick);
		if (r < 0)
			return r;
	}
	return 0;
}

static int apk_catalog(struct img_catalog_ctx *ctx)
{
	const struct img_file *f = img_fs_lookup(ctx->fs, APK_INSTALLED);
	const struct img_blob *b = f && f->type == IMG_FT_REG ? img_catalog_content(ctx, f) : NULL;
	if (!b)
		return 0;
	_cleanup_(apk_state_done) struct apk_state s = { 0 };
	int r = apk_parse(ctx, f, span_make(b->data, b->len), &s, NULL);
	if (r < 0 || !s.n)
		return r;
	r = apk_index(&s);
	for (size_t i = 0; r == 0 && i < s.n; i++)
		r = apk_resolve(&s, &s.v[i]);
	if (r < 0)
		return r;
	struct pkg_list l = { .items = calloc(s.n, sizeof(struct pkg *)), .n = s.n, .cap = s.n };
	if (!l.items)
		return -ENOMEM;
	for (size_t i = 0; i < s.n; i++)
		l.items[i] = s.v[i].p;
	r = img_catalog_attribute_layers(ctx, f, apk_parse_history, &l);
	free(l.items); /* the packages stay owned by s */
	for (size_t i = 0; r == 0 && i < s.n; i++)
		r = img_catalog_add(ctx, f, TAKE_PTR(s.v[i].p));
	return r;
}

const struct img_cataloger img_cataloger_apk = {
	.name = "apk",
	.want = apk_want,
	.catalog = apk_catalog,
};
