/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rust.c — Rust crates from Cargo.lock files and from the dependency list that
 * cargo-auditable embeds in binaries. Reads bytes only; never runs cargo.
 *
 * Cargo.lock is TOML, but Cargo writes a small, fixed subset of it, so this file parses
 * exactly that subset, strictly and line by line, instead of general TOML:
 *   version = N                         (top level, lock format 3 and 4)
 *   [[package]]  name / version / source / checksum = "string",
 *                dependencies = [ "name", "name version", "name version (source)" ]
 *                (multi-line or inline array)
 *   [metadata]   "checksum NAME VERSION (SOURCE)" = "hex"   (format 1 checksums)
 *   any other table ([[patch.unused]], ...) is read and ignored.
 * Strings are TOML basic ("...", with escapes) or literal ('...') strings; anything else
 * is skipped with a warning naming the line. Every package is listed, including the
 * workspace's own crates and path dependencies, which have no source (Trivy does the
 * same; they are what the image ships, and a vulnerability database simply has no
 * entries for them). Checksums become "sha256:<hex>" (the digest of the .crate file).
 *
 * cargo-auditable stores zlib-compressed JSON in the ELF section ".dep-v0":
 *   {"packages":[{"name","version","source","kind","dependencies":[indices],"root"}]}
 * reduce() finds the section (libelf parses only the headers; the bytes come from our
 * own buffer), inflates it with zlib up to 8 MiB (cargo-auditable's own bound) and keeps
 * the JSON; catalog() parses it with bh_json_parse(). Packages of kind "build" (build
 * scripts and proc macros, not linked into the binary) are left out, as Trivy does.
 */
#include <gelf.h>
#include <libelf.h>
#include <pthread.h>
#include <zlib.h>

#include "common/json.h"
#include "image/catalogers/catalog.h"

#define RUST_MIN_SIZE	  1024
#define RUST_MAX_SIZE	  ((uint64_t)4 << 30) /* the layer reader caps captures further */
#define RUST_JSON_MAX	  ((size_t)8 << 20)
#define RUST_MAX_SECTIONS 65536

static bool rust_is_lock(struct span path)
{
	return span_eq_str(path, "Cargo.lock") || span_endswith(path, "/Cargo.lock");
}

static unsigned rust_want(struct span path, uint32_t mode, uint64_t size)
{
	if (rust_is_lock(path))
		return IMG_WANT_CONTENT;
	if (!(mode & 0111) || size < RUST_MIN_SIZE || size > RUST_MAX_SIZE)
		return 0;
	return IMG_WANT_CONTENT;
}

/* ---- reduce: find and inflate .dep-v0 --------------------------------------------------- */

static pthread_once_t rust_elf_once = PTHREAD_ONCE_INIT;
static bool rust_elf_usable;

static void rust_elf_init(void)
{
	rust_elf_usable = elf_version(EV_CURRENT) != EV_NONE;
}

static int rust_find_section(struct span data, const char *want, struct span *ret)
{
	if (data.len < EI_NIDENT || memcmp(data.ptr, ELFMAG, SELFMAG) != 0)
		return -ENOENT;
	(void)pthread_once(&rust_elf_once, rust_elf_init);
	if (!rust_elf_usable)
		return -ENOENT;
	/* elf_memory() wants a mutable image; only headers are read through libelf. */
	Elf *e = elf_memory((char *)data.ptr, data.len);
	if (!e)
		return -ENOENT;
	int r = -ENOENT;
	size_t shstrndx;
	if (elf_kind(e) != ELF_K_ELF || elf_getshdrstrndx(e, &shstrndx) < 0)
		goto out;
	Elf_Scn *scn = NULL;
	for (unsigned n = 0; n < RUST_MAX_SECTIONS && (scn = elf_nextscn(e, scn)); n++) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS)
			continue;
		const char *name = elf_strptr(e, shstrndx, sh.sh_name);
		if (!name || !streq(name, want))
			continue;
		if (sh.sh_offset > data.len || sh.sh_size > data.len - sh.sh_offset) {
			r = -EBADMSG;
			break;
		}
		*ret = span_make(data.ptr + sh.sh_offset, sh.sh_size);
		r = 0;
		break;
	}
out:
	elf_end(e);
	return r;
}

/* Inflate a zlib stream into out, at most max bytes: 0, -E2BIG, -EBADMSG, -ENOMEM. */
static int rust_inflate(struct span in, size_t max, struct buf *out)
{
	z_stream z = {0};
	if (inflateInit(&z) != Z_OK)
		return -ENOMEM;
	z.next_in = (Bytef *)in.ptr;
	z.avail_in = (uInt)MIN(in.len, (size_t)UINT32_MAX);
	unsigned char chunk[16384];
	int r = 0;
	for (;;) {
		z.next_out = chunk;
		z.avail_out = sizeof(chunk);
		int zr = inflate(&z, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END) {
			r = zr == Z_MEM_ERROR ? -ENOMEM : -EBADMSG;
			break;
		}
		size_t n = sizeof(chunk) - z.avail_out;
		if (out->len + n > max) {
			r = -E2BIG;
			break;
		}
		r = buf_append(out, chunk, n);
		if (r < 0 || zr == Z_STREAM_END)
			break;
		if (n == 0 && z.avail_in == 0) {
			r = -EBADMSG; /* truncated stream */
			break;
		}
	}
	inflateEnd(&z);
	return r;
}

static int rust_reduce(struct span path, struct span data, const struct bh_limits *limits,
		       struct buf *out)
{
	if (rust_is_lock(path)) {
		if (data.len > limits->input_max_bytes)
			return -E2BIG;
		return buf_append_span(out, data);
	}
	struct span sec;
	int r = rust_find_section(data, ".dep-v0", &sec);
	if (r < 0)
		return r;
	r = rust_inflate(sec, MIN(RUST_JSON_MAX, (size_t)limits->input_max_bytes), out);
	if (r < 0 && r != -ENOMEM)
		log_debug_errno(r, "rust: cannot inflate .dep-v0 of '" SPAN_FMT "': %m",
				SPAN_ARG(path));
	return r;
}

/* ---- cargo-auditable JSON ---------------------------------------------------------------- */

static bool rust_is_runtime(const json_t *pkg)
{
	const char *kind = bh_json_str(pkg, "kind");
	return !kind || streq(kind, "runtime"); /* absent means runtime */
}

static int rust_catalog_auditable(struct img_catalog_ctx *ctx, const struct img_file *f,
				  const struct img_blob *blob)
{
	_cleanup_json_ json_t *root = NULL;
	struct bh_diag diag = {0};
	int r = bh_json_parse(span_make(blob->data, blob->len), ctx->limits, f->path, &root, &diag);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		img_catalog_warn(ctx, f->path, 0, "unreadable cargo-auditable data: %s",
				 diag.message);
		return 0;
	}
	json_t *pkgs = bh_json_arr(root, "packages");
	if (!pkgs) {
		img_catalog_warn(ctx, f->path, 0, "cargo-auditable data without \"packages\"");
		return 0;
	}
	size_t n = json_array_size(pkgs);
	for (size_t i = 0; i < n; i++) {
		json_t *jp = json_array_get(pkgs, i);
		const char *name = bh_json_str(jp, "name"), *version = bh_json_str(jp, "version");
		if (!name || !*name || !version || !*version) {
			img_catalog_warn(ctx, f->path, 0, "crate %zu without name or version", i);
			continue;
		}
		if (!rust_is_runtime(jp))
			continue;
		_cleanup_(pkg_freep) struct pkg *p = pkg_new(PKG_CARGO);
		if (!p || pkg_set(&p->name, name) < 0 || pkg_set(&p->version, version) < 0)
			return -ENOMEM;
		json_t *deps = bh_json_arr(jp, "dependencies");
		size_t nd = json_array_size(deps);
		for (size_t k = 0; k < nd; k++) {
			json_t *jd = json_array_get(deps, k);
			if (!json_is_integer(jd) || json_integer_value(jd) < 0 ||
			    (uint64_t)json_integer_value(jd) >= n) {
				img_catalog_warn(ctx, f->path, 0,
						 "crate '%s': bad dependency index", name);
				continue;
			}
			json_t *dp = json_array_get(pkgs, (size_t)json_integer_value(jd));
			const char *dn = bh_json_str(dp, "name");
			if (dn && *dn && rust_is_runtime(dp) && strv_push(&p->depends, dn) < 0)
				return -ENOMEM;
		}
		r = img_catalog_add(ctx, f, TAKE_PTR(p));
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- Cargo.lock ---------------------------------------------------------------------------- */

static void rust_skip_ws(struct span *s)
{
	while (s->len && (s->ptr[0] == ' ' || s->ptr[0] == '\t')) {
		s->ptr++;
		s->len--;
	}
}

static int rust_hex(struct span s, size_t n, uint32_t *ret)
{
	uint64_t v;
	if (s.len < n || parse_u64(span_make(s.ptr, n), 16, 0x10ffff, &v) < 0)
		return -EBADMSG;
	*ret = (uint32_t)v;
	return 0;
}

static int rust_put_utf8(struct buf *b, uint32_t c)
{
	char u[4];
	size_t n;
	if (c >= 0xd800 && c <= 0xdfff)
		return -EBADMSG;
	if (c < 0x80) {
		u[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		u[0] = (char)(0xc0 | (c >> 6));
		u[1] = (char)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		u[0] = (char)(0xe0 | (c >> 12));
		u[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[2] = (char)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (c >> 18));
		u[1] = (char)(0x80 | ((c >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[3] = (char)(0x80 | (c & 0x3f));
		n = 4;
	}
	return buf_append(b, u, n);
}

/*
 * A TOML basic or literal string at the front of *in (single line); the decoded value goes
 * to *ret (caller frees). 0, -EBADMSG, -ENOMEM.
 */
static int rust_string(struct span *in, char **ret)
{
	if (!in->len || (in->ptr[0] != '"' && in->ptr[0] != '\''))
		return -EBADMSG;
	char q = in->ptr[0];
	_cleanup_buf_ struct buf b;
	buf_init(&b, in->len + 1);
	size_t i = 1;
	int r = 0;
	for (; i < in->len && r == 0; i++) {
		char c = in->ptr[i];
		if (c == q)
			break;
		if (c == '\0' || c == '\n' || c == '\r')
			return -EBADMSG;
		if (q == '\'' || c != '\\') {
			r = buf_putc(&b, c);
			continue;
		}
		if (++i >= in->len)
			return -EBADMSG;
		uint32_t u;
		switch (in->ptr[i]) {
		case 'b':
			r = buf_putc(&b, '\b');
			break;
		case 't':
			r = buf_putc(&b, '\t');
			break;
		case 'n':
			r = buf_putc(&b, '\n');
			break;
		case 'f':
			r = buf_putc(&b, '\f');
			break;
		case 'r':
			r = buf_putc(&b, '\r');
			break;
		case '"':
			r = buf_putc(&b, '"');
			break;
		case '\\':
			r = buf_putc(&b, '\\');
			break;
		case 'u':
		case 'U': {
			size_t n = in->ptr[i] == 'u' ? 4 : 8;
			if (rust_hex(span_slice(*in, i + 1, in->len), n, &u) < 0 || u == 0)
				return -EBADMSG;
			r = rust_put_utf8(&b, u);
			i += n;
			break;
		}
		default:
			return -EBADMSG;
		}
	}
	if (r < 0)
		return r;
	if (i >= in->len)
		return -EBADMSG; /* unterminated */
	in->ptr += i + 1;
	in->len -= i + 1;
	*ret = buf_take(&b);
	return *ret ? 0 : -ENOMEM;
}

/* Nothing but blanks and an optional comment may follow a value. */
static bool rust_line_end(struct span s)
{
	rust_skip_ws(&s);
	return !s.len || s.ptr[0] == '#';
}

struct rust_lock_pkg {
	struct pkg *p;
	char *source;
	unsigned line;
};

struct rust_meta {
	char *key, *value;
};

struct rust_lock {
	struct rust_lock_pkg *pkgs;
	size_t n, cap;
	struct rust_meta *meta;
	size_t n_meta, cap_meta;
	struct rust_lock_pkg cur; /* package being read (cur.p NULL outside [[package]]) */
};

static void rust_lock_done(struct rust_lock *l)
{
	for (size_t i = 0; i < l->n; i++) {
		pkg_free(l->pkgs[i].p);
		free(l->pkgs[i].source);
	}
	free(l->pkgs);
	for (size_t i = 0; i < l->n_meta; i++) {
		free(l->meta[i].key);
		free(l->meta[i].value);
	}
	free(l->meta);
	pkg_free(l->cur.p);
	free(l->cur.source);
}

/* Close the package being read: keep it when it has a name and a version. */
static int rust_lock_flush(struct img_catalog_ctx *ctx, const struct img_file *f,
			   struct rust_lock *l)
{
	if (!l->cur.p)
		return 0;
	struct rust_lock_pkg cur = l->cur;
	l->cur = (struct rust_lock_pkg){0};
	if (!cur.p->name || !*cur.p->name || !cur.p->version || !*cur.p->version) {
		img_catalog_warn(ctx, f->path, cur.line, "package without name or version");
		pkg_free(cur.p);
		free(cur.source);
		return 0;
	}
	if (GROW(l->pkgs, l->n, l->cap) < 0) {
		pkg_free(cur.p);
		free(cur.source);
		return -ENOMEM;
	}
	l->pkgs[l->n++] = cur;
	return 0;
}

enum rust_table {
	RUST_TOP,
	RUST_PACKAGE,
	RUST_METADATA,
	RUST_OTHER,
};

/* "name", "name version" or "name version (source)": the name is the first word. */
static int rust_add_dep(struct pkg *p, const char *dep)
{
	struct span s = span_trim(span_from(dep)), name;
	if (span_next_token(&s, ' ', &name) < 0 || !name.len)
		return -EBADMSG;
	_cleanup_free_ char *n = span_dup(name);
	if (!n)
		return -ENOMEM;
	return strv_push(&p->depends, n);
}

/*
 * Array items on one line, up to and including ']' when present. Sets *closed. Items go
 * to p->depends when p is not NULL. 0, -EBADMSG, -ENOMEM.
 */
static int rust_array_items(struct span s, struct pkg *p, bool *closed)
{
	*closed = false;
	for (;;) {
		rust_skip_ws(&s);
		if (!s.len || s.ptr[0] == '#')
			return 0;
		if (s.ptr[0] == ']') {
			s.ptr++;
			s.len--;
			*closed = true;
			return rust_line_end(s) ? 0 : -EBADMSG;
		}
		_cleanup_free_ char *item = NULL;
		int r = rust_string(&s, &item);
		if (r < 0)
			return r;
		if (p) {
			r = rust_add_dep(p, item);
			if (r < 0)
				return r;
		}
		rust_skip_ws(&s);
		if (s.len && s.ptr[0] == ',') {
			s.ptr++;
			s.len--;
		} else if (s.len && s.ptr[0] != ']' && s.ptr[0] != '#')
			return -EBADMSG;
	}
}

static int rust_key(struct span *s, char **ret)
{
	if (s->len && (s->ptr[0] == '"' || s->ptr[0] == '\''))
		return rust_string(s, ret);
	size_t i = 0;
	while (i < s->len && (ascii_isalnum((unsigned char)s->ptr[i]) || s->ptr[i] == '_' ||
			      s->ptr[i] == '-' || s->ptr[i] == '.'))
		i++;
	if (!i)
		return -EBADMSG;
	*ret = span_dup(span_make(s->ptr, i));
	if (!*ret)
		return -ENOMEM;
	s->ptr += i;
	s->len -= i;
	return 0;
}

static int rust_parse_lock(struct img_catalog_ctx *ctx, const struct img_file *f, struct span text,
			   struct rust_lock *l)
{
	enum rust_table table = RUST_TOP;
	bool in_array = false; /* inside a multi-line array */
	struct pkg *array_pkg = NULL;
	unsigned array_line = 0;
	struct span line;
	unsigned no = 0;
	int r;
	while (span_next_line(&text, &line) == 0) {
		no++;
		struct span s = span_trim(line);
		if (in_array) {
			bool closed;
			r = rust_array_items(s, array_pkg, &closed);
			if (r == -ENOMEM)
				return r;
			if (r < 0) {
				img_catalog_warn(ctx, f->path, no, "malformed array item");
				closed = true;
			}
			in_array = !closed;
			continue;
		}
		if (!s.len || s.ptr[0] == '#')
			continue;
		if (s.ptr[0] == '[') {
			r = rust_lock_flush(ctx, f, l);
			if (r < 0)
				return r;
			bool array_table = span_startswith(s, "[[");
			size_t open = array_table ? 2 : 1;
			ssize_t close = span_index(s, ']');
			if (close < 0 || (size_t)close < open ||
			    (array_table &&
			     ((size_t)close + 1 >= s.len || s.ptr[close + 1] != ']'))) {
				img_catalog_warn(ctx, f->path, no, "malformed table header");
				table = RUST_OTHER;
				continue;
			}
			struct span name = span_trim(span_make(s.ptr + open, (size_t)close - open));
			if (array_table && span_eq_str(name, "package")) {
				table = RUST_PACKAGE;
				l->cur.p = pkg_new(PKG_CARGO);
				if (!l->cur.p)
					return -ENOMEM;
				l->cur.line = no;
			} else if (!array_table && span_eq_str(name, "metadata"))
				table = RUST_METADATA;
			else
				table = RUST_OTHER;
			continue;
		}

		_cleanup_free_ char *key = NULL;
		r = rust_key(&s, &key);
		if (r == -ENOMEM)
			return r;
		rust_skip_ws(&s);
		if (r < 0 || !s.len || s.ptr[0] != '=') {
			img_catalog_warn(ctx, f->path, no, "malformed line");
			continue;
		}
		s.ptr++;
		s.len--;
		rust_skip_ws(&s);

		if (s.len && s.ptr[0] == '[') {
			bool want_deps = table == RUST_PACKAGE && streq(key, "dependencies");
			struct pkg *target = want_deps ? l->cur.p : NULL;
			bool closed;
			r = rust_array_items(span_slice(s, 1, s.len), target, &closed);
			if (r == -ENOMEM)
				return r;
			if (r < 0) {
				img_catalog_warn(ctx, f->path, no, "malformed array");
				continue;
			}
			if (!closed) {
				in_array = true;
				array_pkg = target;
				array_line = no;
			}
			continue;
		}
		if (!s.len || (s.ptr[0] != '"' && s.ptr[0] != '\'')) {
			/* Integers (version = 3) and other scalars: nothing we use. */
			if (table == RUST_PACKAGE)
				img_catalog_warn(ctx, f->path, no, "unexpected value for '%s'",
						 key);
			continue;
		}
		_cleanup_free_ char *value = NULL;
		r = rust_string(&s, &value);
		if (r == -ENOMEM)
			return r;
		if (r < 0 || !rust_line_end(s)) {
			img_catalog_warn(ctx, f->path, no, "malformed string");
			continue;
		}
		if (table == RUST_METADATA) {
			if (!span_startswith(span_from(key), "checksum "))
				continue;
			if (GROW(l->meta, l->n_meta, l->cap_meta) < 0)
				return -ENOMEM;
			l->meta[l->n_meta++] = (struct rust_meta){TAKE_PTR(key), TAKE_PTR(value)};
			continue;
		}
		if (table != RUST_PACKAGE)
			continue;
		struct pkg *p = l->cur.p;
		if (streq(key, "name"))
			r = pkg_set(&p->name, value);
		else if (streq(key, "version"))
			r = pkg_set(&p->version, value);
		else if (streq(key, "source")) {
			free(l->cur.source);
			l->cur.source = TAKE_PTR(value);
		} else if (streq(key, "checksum"))
			r = pkg_set(&p->checksum, value);
		if (r < 0)
			return r;
	}
	if (in_array)
		img_catalog_warn(ctx, f->path, array_line, "unterminated array");
	return rust_lock_flush(ctx, f, l);
}

static int rust_meta_cmp(const void *a, const void *b)
{
	return strcmp(((const struct rust_meta *)a)->key, ((const struct rust_meta *)b)->key);
}

static bool rust_is_sha256_hex(const char *s)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (!ascii_isxdigit((unsigned char)s[n]))
			return false;
	return n == 64;
}

static int rust_catalog_lock(struct img_catalog_ctx *ctx, const struct img_file *f,
			     const struct img_blob *blob)
{
	struct rust_lock l = {0};
	int r = rust_parse_lock(ctx, f, span_make(blob->data, blob->len), &l);
	if (r < 0)
		goto out;
	if (l.n_meta)
		qsort(l.meta, l.n_meta, sizeof(*l.meta), rust_meta_cmp);
	for (size_t i = 0; i < l.n; i++) {
		struct pkg *p = l.pkgs[i].p;
		if (!p->checksum && l.n_meta && l.pkgs[i].source) {
			/* Format 1: [metadata] "checksum NAME VERSION (SOURCE)" = "hex". */
			struct buf k;
			buf_init(&k, 0);
			if (buf_printf(&k, "checksum %s %s (%s)", p->name, p->version,
				       l.pkgs[i].source) < 0) {
				buf_done(&k);
				r = -ENOMEM;
				goto out;
			}
			struct rust_meta key = {.key = (char *)buf_str(&k)};
			struct rust_meta *hit =
			    bsearch(&key, l.meta, l.n_meta, sizeof(*l.meta), rust_meta_cmp);
			if (hit)
				r = pkg_set(&p->checksum, hit->value);
			buf_done(&k);
			if (r < 0)
				goto out;
		}
		if (p->checksum) {
			if (!rust_is_sha256_hex(p->checksum)) {
				img_catalog_warn(ctx, f->path, l.pkgs[i].line,
						 "checksum of '%s' is not SHA-256 hex, ignoring it",
						 p->name);
				free(p->checksum);
				p->checksum = NULL;
			} else {
				struct buf c;
				buf_init(&c, 0);
				if (buf_printf(&c, "sha256:%s", p->checksum) < 0) {
					buf_done(&c);
					r = -ENOMEM;
					goto out;
				}
				free(p->checksum);
				p->checksum = buf_take(&c);
			}
		}
		r = img_catalog_add(ctx, f, TAKE_PTR(l.pkgs[i].p));
		if (r < 0)
			goto out;
	}
	r = 0;
out:
	rust_lock_done(&l);
	return r;
}

static int rust_catalog_file(struct img_catalog_ctx *ctx, const struct img_file *f,
			     const struct img_blob *b)
{
	return rust_is_lock(span_from(f->path)) ? rust_catalog_lock(ctx, f, b)
						: rust_catalog_auditable(ctx, f, b);
}

static int rust_catalog(struct img_catalog_ctx *ctx)
{
	return img_catalog_foreach_content(ctx, rust_catalog_file);
}

const struct img_cataloger img_cataloger_rust = {
    .name = "rust",
    .want = rust_want,
    .reduce = rust_reduce,
    .catalog = rust_catalog,
};
