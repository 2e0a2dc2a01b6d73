/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dpkg.c — Debian packages: the dpkg status database (var/lib/dpkg/status), the distroless
 * layout (one stanza per file in var/lib/dpkg/status.d/), owned files from
 * var/lib/dpkg/info/<pkg>[:<arch>].list (or the distroless .md5sums companions), and
 * licences from machine-readable (DEP-5) usr/share/doc/<pkg>/copyright files.
 *
 * Which stanzas are packages: dpkg's third Status word says where the package's files
 * are. We list "installed", "half-configured", "unpacked", "triggers-awaited" and
 * "triggers-pending" (the files are all on disk) and leave out "not-installed",
 * "config-files" (only conffiles remain) and "half-installed" (an unpack or removal was
 * interrupted: which files exist is unknown, and dpkg itself treats it as broken).
 * Stanzas without Status (distroless status.d files) are installed.
 *
 * Layer attribution uses the history of the status file: a package keeps the layer that
 * first listed it unchanged (img_catalog_attribute_layers()).
 * Never follows links itself (img_fs_resolve() does) and never fails the run for a bad
 * stanza: it is skipped with a warning naming file and line.
 */
#include "image/catalogers/catalog.h"

#define DPKG_STATUS "var/lib/dpkg/status"
#define DPKG_STATUS_D "var/lib/dpkg/status.d/"
#define DPKG_INFO "var/lib/dpkg/info/"
#define DOC_DIR "usr/share/doc/"
/* Copyright files past this size are not read for licences (memory stays bounded). */
#define COPYRIGHT_MAX_BYTES ((uint64_t)2 << 20)

/* True when rest (after a prefix) is a single path component. */
static bool one_component(struct span rest)
{
	return rest.len > 0 && span_index(rest, '/') < 0;
}

static unsigned dpkg_want(struct span path, uint32_t mode, uint64_t size)
{
	if (span_eq_str(path, DPKG_STATUS))
		return IMG_WANT_CONTENT | IMG_WANT_HISTORY;
	if (span_startswith(path, DPKG_STATUS_D)) {
		struct span rest = span_slice(path, strlen(DPKG_STATUS_D), path.len);
		return one_component(rest) ? IMG_WANT_CONTENT : 0;
	}
	if (span_startswith(path, DPKG_INFO)) {
		struct span rest = span_slice(path, strlen(DPKG_INFO), path.len);
		return one_component(rest) && span_endswith(rest, ".list") ? IMG_WANT_CONTENT : 0;
	}
	if (span_startswith(path, DOC_DIR) && span_endswith(path, "/copyright") &&
	    size <= COPYRIGHT_MAX_BYTES) {
		struct span rest = span_slice(path, strlen(DOC_DIR),
					      path.len - strlen(DOC_DIR) - strlen("/copyright"));
		return one_component(rest) ? IMG_WANT_CONTENT : 0;
	}
	return 0;
}

/* ---- licences ----------------------------------------------------------------------- */

/* Debian short names (copyright-format 1.0, "License Specification") that map 1:1 to SPDX. */
static const struct {
	const char *debian, *spdx;
} lic_table[] = {
	{ "Expat", "MIT" },
	{ "MIT", "MIT" },
	{ "BSD-2-clause", "BSD-2-Clause" },
	{ "BSD-3-clause", "BSD-3-Clause" },
	{ "BSD-4-clause", "BSD-4-Clause" },
	{ "Apache-1.0", "Apache-1.0" },
	{ "Apache-1.1", "Apache-1.1" },
	{ "Apache-2", "Apache-2.0" },
	{ "Apache-2.0", "Apache-2.0" },
	{ "Artistic-2.0", "Artistic-2.0" },
	{ "Zlib", "Zlib" },
	{ "ISC", "ISC" },
	{ "MPL-1.0", "MPL-1.0" },
	{ "MPL-1.1", "MPL-1.1" },
	{ "MPL-2", "MPL-2.0" },
	{ "MPL-2.0", "MPL-2.0" },
	{ "CC0", "CC0-1.0" },
	{ "CC0-1.0", "CC0-1.0" },
	{ "BSL-1.0", "BSL-1.0" },
	{ "EPL-1.0", "EPL-1.0" },
	{ "EPL-2.0", "EPL-2.0" },
	{ "CDDL-1.0", "CDDL-1.0" },
	{ "OFL-1.1", "OFL-1.1" },
	{ "Python-2.0", "Python-2.0" },
	{ "Unlicense", "Unlicense" },
	{ "WTFPL", "WTFPL" },
	{ "X11", "X11" },
	{ "curl", "curl" },
	{ "OpenSSL", "OpenSSL" },
};

/*
 * The GNU families: "GPL-2" is version 2 only, "GPL-2+" is 2 or later (Debian's rule);
 * SPDX spells them GPL-2.0-only and GPL-2.0-or-later. Already-SPDX names pass through.
 * Returns true and writes into out when name is one of them.
 */
static bool lic_gnu(struct span name, struct buf *out)
{
	static const char *const fams[] = { "LGPL", "AGPL", "GFDL", "GPL" };
	for (size_t i = 0; i < ARRAY_SIZE(fams); i++) {
		size_t fl = strlen(fams[i]);
		if (name.len < fl + 2 || name.ptr[fl] != '-' ||
		    !span_eq_nocase(span_slice(name, 0, fl), span_from(fams[i])))
			continue;
		struct span rest = span_slice(name, fl + 1, name.len);
		size_t n = 0, dots = 0;
		while (n < rest.len && (ascii_isdigit((unsigned char)rest.ptr[n]) ||
					(rest.ptr[n] == '.' && n > 0 && dots++ == 0)))
			n++;
		if (n == 0 || rest.ptr[n - 1] == '.')
			return false;
		struct span ver = span_slice(rest, 0, n), suffix = span_slice(rest, n, rest.len);
		bool later;
		if (span_eq_str(suffix, "+") || span_eq_nocase(suffix, SPAN_LIT("-or-later")))
			later = true;
		else if (suffix.len == 0 || span_eq_nocase(suffix, SPAN_LIT("-only")))
			later = false;
		else
			return false;
		buf_clear(out);
		return buf_puts(out, fams[i]) == 0 && buf_putc(out, '-') == 0 &&
		       buf_append_span(out, ver) == 0 && (dots ? 0 : buf_puts(out, ".0")) == 0 &&
		       buf_puts(out, later ? "-or-later" : "-only") == 0;
	}
	return false;
}

/* Push one licence name, normalised to SPDX where unambiguous. 0 or -ENOMEM. */
static int lic_push(struct strv *l, struct span name)
{
	name = span_trim(name);
	while (name.len && (name.ptr[name.len - 1] == '.' || name.ptr[name.len - 1] == ',' ||
			    name.ptr[name.len - 1] == ';'))
		name.len--;
	if (!name.len || name.len > 200)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(lic_table); i++)
		if (span_eq_nocase(name, span_from(lic_table[i].debian)))
			return strv_push_uniq(l, lic_table[i].spdx);
	_cleanup_buf_ struct buf b;
	buf_init(&b, 256);
	if (lic_gnu(name, &b))
		return strv_push_uniq(l, buf_str(&b));
	_cleanup_free_ char *s = span_dup(name);
	return s ? strv_push_uniq(l, s) : -ENOMEM;
}

static bool is_keyword(struct span w, const char *k)
{
	return span_eq_nocase(w, span_from(k));
}

/*
 * A DEP-5 License value: short names joined by "or"/"and" (commas too), each optionally
 * followed by "with <exception>" which is dropped. Words between keywords form one name.
 */
static int lic_push_expr(struct strv *l, struct span v)
{
	const char *start = NULL, *end = NULL;
	bool skipping = false;
	size_t i = 0;
	for (;;) {
		while (i < v.len && (ascii_isspace((unsigned char)v.ptr[i]) || v.ptr[i] == ','))
			i++;
		bool at_end = i >= v.len;
		struct span w = SPAN_NULL;
		if (!at_end) {
			size_t s = i;
			while (i < v.len && v.ptr[i] != ',' &&
			       !ascii_isspace((unsigned char)v.ptr[i]))
				i++;
			w = span_make(v.ptr + s, i - s);
		}
		bool comma = i < v.len && v.ptr[i] == ',';
		bool sep = at_end || comma || is_keyword(w, "or") || is_keyword(w, "and") ||
			   is_keyword(w, "with");
		if (!at_end && !skipping && !is_keyword(w, "or") && !is_keyword(w, "and") &&
		    !is_keyword(w, "with")) {
			if (!start)
				start = w.ptr;
			end = w.ptr + w.len;
		}
		if (sep && start) {
			int r = lic_push(l, span_make(start, (size_t)(end - start)));
			if (r < 0)
				return r;
			start = end = NULL;
		}
		if (at_end)
			return 0;
		if (is_keyword(w, "with"))
			skipping = true;
		else if (comma || is_keyword(w, "or") || is_keyword(w, "and"))
			skipping = false;
	}
}

/*
 * Licences of a copyright file. DEP-5 (the first paragraph has Format: naming the
 * copyright-format/dep5 URL): every License field's short names. Otherwise: the
 * /usr/share/common-licenses/<NAME> references a free-form file makes.
 */
static int lic_from_copyright(struct span text, struct strv *l)
{
	struct span in = text;
	unsigned line = 0;
	struct rfc822_field fld;
	bool dep5 = false, seen = false;
	/* Only the header paragraph (the first one) says whether this is DEP-5. */
	while (in.len) {
		int r = rfc822_next_field(&in, &line, &fld);
		if (r == -ENOENT) {
			if (seen)
				break;
			continue;
		}
		if (r < 0)
			break;
		seen = true;
		if ((span_eq_nocase(fld.name, SPAN_LIT("Format")) ||
		     span_eq_nocase(fld.name, SPAN_LIT("Format-Specification"))) &&
		    (memmem(fld.value.ptr, fld.value.len, "copyright-format", 16) ||
		     memmem(fld.value.ptr, fld.value.len, "dep5", 4)))
			dep5 = true;
	}
	if (dep5) {
		in = text;
		line = 0;
		while (in.len) {
			int r = rfc822_next_field(&in, &line, &fld);
			if (r < 0)
				continue; /* end of paragraph or a stray line: keep going */
			if (span_eq_nocase(fld.name, SPAN_LIT("License"))) {
				r = lic_push_expr(l, fld.value);
				if (r < 0)
					return r;
			}
		}
		return 0;
	}
	static const char marker[] = "/usr/share/common-licenses/";
	const size_t ml = sizeof(marker) - 1;
	const char *p = text.ptr, *e = text.ptr + text.len;
	while (p < e) {
		const char *hit = memmem(p, (size_t)(e - p), marker, ml);
		if (!hit)
			break;
		const char *s = hit + ml, *q = s;
		while (q < e && (ascii_isalnum((unsigned char)*q) || *q == '-' || *q == '.' ||
				 *q == '+' || *q == '_'))
			q++;
		int r = lic_push(l, span_make(s, (size_t)(q - s)));
		if (r < 0)
			return r;
		p = q > hit ? q : hit + 1;
	}
	return 0;
}

/* ---- status stanzas ----------------------------------------------------------------- */

struct dpkg_stanza {
	struct span package, version, arch, status, source, maintainer, description, homepage;
	struct span depends, pre_depends, provides;
	unsigned line;     /* first line of the stanza */
	unsigned bad_line; /* first malformed line, 0 if none */
	const char *bad;   /* what was wrong */
	bool has_status;
};

static bool status_on_disk(struct span status)
{
	/* "want flag status": the last word is the package state. */
	struct span s = span_trim(status);
	size_t i = s.len;
	while (i > 0 && !ascii_isspace((unsigned char)s.ptr[i - 1]))
		i--;
	struct span st = span_slice(s, i, s.len);
	return span_eq_str(st, "installed") || span_eq_str(st, "half-configured") ||
	       span_eq_str(st, "unpacked") || span_eq_str(st, "triggers-awaited") ||
	       span_eq_str(st, "triggers-pending");
}

/*
 * Read one stanza from *in. 1: a stanza (possibly with bad set), 0: blank, -ENOENT: end.
 * Spans point into the input.
 */
static int dpkg_next_stanza(struct span *in, unsigned *line_no, struct dpkg_stanza *st)
{
	*st = (struct dpkg_stanza){ 0 };
	if (in->len == 0)
		return -ENOENT;
	bool any = false;
	for (;;) {
		struct rfc822_field fld;
		int r = rfc822_next_field(in, line_no, &fld);
		if (r == -ENOENT)
			break;
		if (r < 0) {
			if (!st->bad) {
				st->bad_line = *line_no;
				st->bad = "line is not a 'Field: value' pair";
			}
			if (!any)
				st->line = *line_no;
			any = true;
			continue;
		}
		if (!any)
			st->line = fld.line;
		any = true;
		static const struct {
			const char *name;
			size_t off;
			bool raw;
		} fields[] = {
			{ "Package", offsetof(struct dpkg_stanza, package), false },
			{ "Version", offsetof(struct dpkg_stanza, version), false },
			{ "Architecture", offsetof(struct dpkg_stanza, arch), false },
			{ "Status", offsetof(struct dpkg_stanza, status), false },
			{ "Source", offsetof(struct dpkg_stanza, source), false },
			{ "Maintainer", offsetof(struct dpkg_stanza, maintainer), false },
			{ "Description", offsetof(struct dpkg_stanza, description), false },
			{ "Homepage", offsetof(struct dpkg_stanza, homepage), false },
			{ "Depends", offsetof(struct dpkg_stanza, depends), true },
			{ "Pre-Depends", offsetof(struct dpkg_stanza, pre_depends), true },
			{ "Provides", offsetof(struct dpkg_stanza, provides), true },
		};
		for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
			if (!span_eq_nocase(fld.name, span_from(fields[i].name)))
				continue;
			struct span *dst = (struct span *)((char *)st + fields[i].off);
			if (dst->ptr && !st->bad) {
				st->bad_line = fld.line;
				st->bad = "duplicate field";
			}
			*dst = fields[i].raw ? fld.raw : fld.value;
			if (dst->ptr == NULL)
				*dst = SPAN_NULL;
			if (fields[i].off == offsetof(struct dpkg_stanza, status))
				st->has_status = true;
			break;
		}
	}
	return any ? 1 : 0;
}

/* Check a parsed stanza; NULL when it is a package, else why it is skipped. */
static const char *stanza_problem(const struct dpkg_stanza *st, unsigned *ret_line)
{
	*ret_line = st->line;
	if (st->bad) {
		*ret_line = st->bad_line;
		return st->bad;
	}
	if (!st->package.ptr || !st->package.len)
		return "stanza without Package field";
	if (!st->version.ptr || !st->version.len)
		return "stanza without Version field";
	for (size_t i = 0; i < st->package.len; i++)
		if (ascii_isspace((unsigned char)st->package.ptr[i]) || st->package.ptr[i] == '/')
			return "invalid Package name";
	return NULL;
}

/* Split "name (version)" of a Source field. */
static void source_split(struct span src, struct span *ret_name, struct span *ret_ver)
{
	src = span_trim(src);
	*ret_ver = SPAN_NULL;
	ssize_t p = span_index(src, '(');
	if (p < 0) {
		*ret_name = src;
		return;
	}
	*ret_name = span_trim(span_slice(src, 0, (size_t)p));
	struct span v = span_slice(src, (size_t)p + 1, src.len);
	ssize_t c = span_index(v, ')');
	*ret_ver = span_trim(c < 0 ? v : span_slice(v, 0, (size_t)c));
}

/* Build a package from a good stanza: identity only when full is false. */
static int stanza_to_pkg(const struct dpkg_stanza *st, bool full, struct pkg **ret)
{
	_cleanup_(pkg_freep) struct pkg *p = pkg_new(PKG_DEB);
	if (!p)
		return -ENOMEM;
	int r = pkg_set_span(&p->name, st->package) ?: pkg_set_span(&p->version, st->version);
	if (r < 0)
		return r;
	if (st->arch.len && (r = pkg_set_span(&p->arch, st->arch)) < 0)
		return r;
	if (full) {
		if (st->source.len) {
			struct span sn, sv;
			source_split(st->source, &sn, &sv);
			if (sn.len && !span_eq(sn, st->package) &&
			    (r = pkg_set_span(&p->source_name, sn)) < 0)
				return r;
			if (sv.len && !span_eq(sv, st->version) &&
			    (r = pkg_set_span(&p->source_version, sv)) < 0)
				return r;
		}
		if (st->maintainer.len && (r = pkg_set_span(&p->supplier, st->maintainer)) < 0)
			return r;
		if (st->description.len && (r = pkg_set_span(&p->description, st->description)) < 0)
			return r;
		if (st->homepage.len && (r = pkg_set_span(&p->homepage, st->homepage)) < 0)
			return r;
	}
	*ret = TAKE_PTR(p);
	return 0;
}

/* ---- the cataloger ------------------------------------------------------------------ */

/* A package being assembled, with the raw relations still pointing into captured data. */
struct dpkg_ent {
	struct pkg *p;
	const struct img_file *f;   /* the status file it came from */
	struct span depends[2];     /* Depends, Pre-Depends */
	struct span provides;
};

struct dpkg_name {
	struct span name;
	size_t ent;
};

struct dpkg_state {
	struct dpkg_ent *v;
	size_t n, cap;
	struct dpkg_name *names;    /* installed names, sorted */
	size_t n_names, cap_names;
	struct dpkg_name *provided; /* virtual names, sorted */
	size_t n_provided, cap_provided;
};

static void dpkg_state_done(struct dpkg_state *s)
{
	for (size_t i = 0; i < s->n; i++)
		pkg_free(s->v[i].p);
	free(s->v);
	free(s->names);
	free(s->provided);
	*s = (struct dpkg_state){ 0 };
}

/*
 * Parse one version of a status file into packages. With state == NULL (history) only
 * identities are built, into out, and nothing is reported.
 */
static int dpkg_parse(struct img_catalog_ctx *ctx, const struct img_file *f, struct span text,
		      struct dpkg_state *state, struct pkg_list *out)
{
	unsigned line = 0;
	struct dpkg_stanza st;
	int r;
	while ((r = dpkg_next_stanza(&text, &line, &st)) != -ENOENT) {
		if (r == 0)
			continue;
		unsigned where;
		const char *why = stanza_problem(&st, &where);
		if (why) {
			if (state)
				img_catalog_warn(ctx, f->path, where, "%s", why);
			continue;
		}
		if (st.has_status && !status_on_disk(st.status))
			continue;
		struct pkg *p = NULL;
		r = stanza_to_pkg(&st, state != NULL, &p);
		if (r < 0)
			return r;
		if (!state) {
			r = pkg_list_add_take(out, p);
			if (r < 0)
				return r;
			continue;
		}
		if (GROW(state->v, state->n, state->cap) < 0) {
			pkg_free(p);
			return -ENOMEM;
		}
		if (state->n >= ctx->limits->max_packages) {
			pkg_free(p);
			return -E2BIG;
		}
		state->v[state->n++] = (struct dpkg_ent){
			.p = p,
			.f = f,
			.depends = { st.depends, st.pre_depends },
			.provides = st.provides,
		};
	}
	return 0;
}

/* Parse callback for img_catalog_attribute_layers(): identities only. */
static int dpkg_parse_history(struct img_catalog_ctx *ctx, const struct img_file *f,
			      const struct img_blob *blob, struct pkg_list *out)
{
	return dpkg_parse(ctx, f, span_make(blob->data, blob->len), NULL, out);
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
	const struct dpkg_name *a = x, *b = y;
	int c = span_cmp(a->name, b->name);
	if (c)
		return c;
	return a->ent < b->ent ? -1 : a->ent > b->ent ? 1 : 0;
}

static const struct dpkg_name *name_find(const struct dpkg_name *v, size_t n, struct span name)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (span_cmp(v[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && span_eq(v[lo].name, name) ? &v[lo] : NULL;
}

/* The package name of one relation alternative: "libc6:any (>= 2.3) [amd64]" -> "libc6". */
static struct span rel_name(struct span alt)
{
	alt = span_trim(alt);
	size_t n = 0;
	while (n < alt.len && !ascii_isspace((unsigned char)alt.ptr[n]) && alt.ptr[n] != '(' &&
	       alt.ptr[n] != ':' && alt.ptr[n] != '[' && alt.ptr[n] != '<')
		n++;
	return span_slice(alt, 0, n);
}

static int index_names(struct dpkg_state *s)
{
	for (size_t i = 0; i < s->n; i++) {
		if (GROW(s->names, s->n_names, s->cap_names) < 0)
			return -ENOMEM;
		s->names[s->n_names++] = (struct dpkg_name){ span_from(s->v[i].p->name), i };
		struct span prov = s->v[i].provides, item;
		while (span_next_token(&prov, ',', &item) == 0) {
			struct span nm = rel_name(item);
			if (!nm.len)
				continue;
			if (GROW(s->provided, s->n_provided, s->cap_provided) < 0)
				return -ENOMEM;
			s->provided[s->n_provided++] = (struct dpkg_name){ nm, i };
		}
	}
	if (s->n_names)
		qsort(s->names, s->n_names, sizeof(*s->names), name_cmp);
	if (s->n_provided)
		qsort(s->provided, s->n_provided, sizeof(*s->provided), name_cmp);
	return 0;
}

/*
 * Depends/Pre-Depends: "a (>= 1) | b, c:any". For each comma-separated relation keep the
 * first alternative that is an installed package, else the installed provider of the first
 * alternative that has one, else the first alternative's name.
 */
static int resolve_depends(struct dpkg_state *s, struct dpkg_ent *e)
{
	for (size_t k = 0; k < ARRAY_SIZE(e->depends); k++) {
		struct span rels = e->depends[k], rel;
		while (span_next_token(&rels, ',', &rel) == 0) {
			struct span pick = SPAN_NULL, first = SPAN_NULL, alts = rel, alt;
			while (!pick.len && span_next_token(&alts, '|', &alt) == 0) {
				struct span nm = rel_name(alt);
				if (!nm.len)
					continue;
				if (!first.len)
					first = nm;
				if (name_find(s->names, s->n_names, nm))
					pick = nm;
			}
			alts = rel;
			while (!pick.len && span_next_token(&alts, '|', &alt) == 0) {
				const struct dpkg_name *pv =
					name_find(s->provided, s->n_provided, rel_name(alt));
				if (pv)
					pick = span_from(s->v[pv->ent].p->name);
			}
			if (!pick.len)
				pick = first;
			if (!pick.len || span_eq_str(pick, e->p->name))
				continue;
			_cleanup_free_ char *d = span_dup(pick);
			if (!d || strv_push_uniq(&e->p->depends, d) < 0)
				return -ENOMEM;
		}
	}
	return 0;
}

/* Paths from a .list file: absolute, one per line; "/." and directories are left out. */
static int files_from_list(struct img_catalog_ctx *ctx, struct span text, struct strv *files)
{
	struct span line;
	while (span_next_line(&text, &line) == 0) {
		if (line.len < 2 || line.ptr[0] != '/' || span_eq_str(line, "/.") ||
		    line.len > ctx->limits->path_max_bytes)
			continue;
		_cleanup_free_ char *s = span_dup(line);
		if (!s)
			return -ENOMEM;
		const struct img_file *f = img_fs_lookup(ctx->fs, s + 1);
		if (f && f->type == IMG_FT_DIR)
			continue;
		int r = strv_push_take(files, TAKE_PTR(s));
		if (r < 0)
			return r;
	}
	return 0;
}

/* md5sums lines: "<md5>  <relative path>". */
static int files_from_md5sums(struct img_catalog_ctx *ctx, struct span text, struct strv *files)
{
	struct span line;
	while (span_next_line(&text, &line) == 0) {
		size_t i = 0;
		while (i < line.len && ascii_isxdigit((unsigned char)line.ptr[i]))
			i++;
		if (i == 0 || i >= line.len || !ascii_isspace((unsigned char)line.ptr[i]))
			continue;
		while (i < line.len && line.ptr[i] == ' ')
			i++;
		struct span rel = span_slice(line, i, line.len);
		while (rel.len && rel.ptr[0] == '/')
			rel = span_slice(rel, 1, rel.len);
		if (!rel.len || rel.len > ctx->limits->path_max_bytes)
			continue;
		struct buf b;
		buf_init(&b, 0);
		if (buf_putc(&b, '/') < 0 || buf_append_span(&b, rel) < 0) {
			buf_done(&b);
			return -ENOMEM;
		}
		int r = strv_push_take(files, buf_take(&b));
		if (r < 0)
			return r;
	}
	return 0;
}

static const struct img_blob *content_of(struct img_catalog_ctx *ctx, const char *path)
{
	const struct img_file *f;
	if (img_fs_resolve(ctx->fs, path, &f) < 0 || f->type != IMG_FT_REG)
		return NULL;
	return img_catalog_content(ctx, f);
}

static int dpkg_files(struct img_catalog_ctx *ctx, struct dpkg_ent *e)
{
	struct pkg *p = e->p;
	_cleanup_buf_ struct buf path;
	buf_init(&path, ctx->limits->path_max_bytes + 64);
	const struct img_blob *b = NULL;
	int r;
	if (p->arch) {
		r = buf_printf(&path, DPKG_INFO "%s:%s.list", p->name, p->arch);
		if (r == -ENOMEM)
			return r;
		if (r == 0)
			b = content_of(ctx, buf_str(&path));
	}
	if (!b) {
		buf_clear(&path);
		r = buf_printf(&path, DPKG_INFO "%s.list", p->name);
		if (r == -ENOMEM)
			return r;
		if (r == 0)
			b = content_of(ctx, buf_str(&path));
	}
	if (b)
		return files_from_list(ctx, span_make(b->data, b->len), &p->files);
	/* Distroless: "status.d/<file>.md5sums" next to the stanza's file, or by name. */
	if (!span_startswith(span_from(e->f->path), DPKG_STATUS_D))
		return 0;
	buf_clear(&path);
	r = buf_printf(&path, "%s.md5sums", e->f->path);
	if (r == -ENOMEM)
		return r;
	if (r == 0)
		b = content_of(ctx, buf_str(&path));
	if (!b) {
		buf_clear(&path);
		r = buf_printf(&path, DPKG_STATUS_D "%s.md5sums", p->name);
		if (r == -ENOMEM)
			return r;
		if (r == 0)
			b = content_of(ctx, buf_str(&path));
	}
	return b ? files_from_md5sums(ctx, span_make(b->data, b->len), &p->files) : 0;
}

static int dpkg_licenses(struct img_catalog_ctx *ctx, struct pkg *p)
{
	_cleanup_buf_ struct buf path;
	buf_init(&path, ctx->limits->path_max_bytes + 64);
	int r = buf_printf(&path, DOC_DIR "%s/copyright", p->name);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	const struct img_blob *b = content_of(ctx, buf_str(&path));
	return b ? lic_from_copyright(span_make(b->data, b->len), &p->licenses) : 0;
}

static int dpkg_catalog(struct img_catalog_ctx *ctx)
{
	_cleanup_(dpkg_state_done) struct dpkg_state s = { 0 };
	const struct img_file *status = img_fs_lookup(ctx->fs, DPKG_STATUS);
	const struct img_blob *sb = status && status->type == IMG_FT_REG
					    ? img_catalog_content(ctx, status)
					    : NULL;
	int r;
	if (sb && (r = dpkg_parse(ctx, status, span_make(sb->data, sb->len), &s, NULL)) < 0)
		return r;
	size_t n_status = s.n;

	/* Distroless: status.d/<name>, skipping the .md5sums companions. */
	size_t n_files = img_fs_content_count(ctx->fs);
	for (size_t k = 0; k < n_files; k++) {
		size_t i = img_fs_content_at(ctx->fs, k);
		const struct img_file *f = img_fs_at(ctx->fs, i);
		struct span path = img_fs_path_at(ctx->fs, i);
		if (!span_startswith(path, DPKG_STATUS_D) || span_endswith(path, ".md5sums") ||
		    !one_component(span_slice(path, strlen(DPKG_STATUS_D), path.len)))
			continue;
		const struct img_blob *b = img_catalog_content(ctx, f);
		if (b && (r = dpkg_parse(ctx, f, span_make(b->data, b->len), &s, NULL)) < 0)
			return r;
	}
	if (!s.n)
		return 0;

	r = index_names(&s);
	if (r < 0)
		return r;
	for (size_t i = 0; i < s.n; i++) {
		r = resolve_depends(&s, &s.v[i]);
		if (r == 0)
			r = dpkg_files(ctx, &s.v[i]);
		if (r == 0)
			r = dpkg_licenses(ctx, s.v[i].p);
		if (r < 0)
			return r;
	}

	/* Layers of status-file packages from the file's history. */
	if (n_status) {
		struct pkg_list l = { .items = calloc(n_status, sizeof(struct pkg *)),
				      .n = n_status,
				      .cap = n_status };
		if (!l.items)
			return -ENOMEM;
		for (size_t i = 0; i < n_status; i++)
			l.items[i] = s.v[i].p;
		r = img_catalog_attribute_layers(ctx, status, dpkg_parse_history, &l);
		free(l.items); /* the packages stay owned by s */
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < s.n; i++) {
		r = img_catalog_add(ctx, s.v[i].f, TAKE_PTR(s.v[i].p));
		if (r < 0)
			return r;
	}
	return 0;
}

const struct img_cataloger img_cataloger_dpkg = {
	.name = "dpkg",
	.want = dpkg_want,
	.catalog = dpkg_catalog,
};
