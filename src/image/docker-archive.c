/* SPDX-License-Identifier: Apache-2.0 */
/*
 * docker-archive.c — what `docker save` writes: an uncompressed tar holding manifest.json
 * ([{"Config", "RepoTags", "Layers"}]) and either the legacy layout ("<hex>.json" config,
 * "<id>/layer.tar" layers, possibly symlinks to another id's layer.tar) or, since Docker
 * 25, an OCI layout whose blobs/sha256/<hex> files manifest.json points at.
 *
 * Layers are read later by several threads with pread(), so this file indexes the outer
 * tar itself: member name → (data offset, size). The indexer is deliberately small:
 * ustar, pax ('x' records path/linkpath/size; 'g' skipped), GNU 'L'/'K' long names,
 * octal and base-256 sizes; it stops at the end-of-archive block, and rejects
 * truncation, duplicate names and anything over the limits with -EBADMSG/-E2BIG. Members
 * never overlap: each header's successor is found from its size, so data regions are
 * disjoint by construction. It does not decompress anything: compressed archives are
 * refused with a message saying to decompress them first.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "common/hash.h"
#include "common/json.h"
#include "image/image-int.h"

/* Also declared in target.c until image-int.h carries it (see the comment there). */

#define TAR_BLOCK     512
#define META_MAX_RUN  16 /* pax/GNU headers in a row before a member */
#define PAX_MAX_BYTES ((uint64_t)1 << 20)

enum member_type { M_FILE, M_DIR, M_SYMLINK, M_HARDLINK, M_OTHER };

struct member {
	char *name; /* normalised: no leading "/" or "./", no "." components */
	char *link; /* symlink target as stored, or normalised hard-link target */
	enum member_type type;
	uint64_t offset, size;
};

struct tar_index {
	struct member *v;
	size_t n, cap;
};

static void tar_index_done(struct tar_index *ix)
{
	for (size_t i = 0; i < ix->n; i++) {
		free(ix->v[i].name);
		free(ix->v[i].link);
	}
	free(ix->v);
	*ix = (struct tar_index){0};
}

struct tar_ctx {
	int fd;
	uint64_t file_size;
	const struct bh_limits *limits;
	const char *source;
	struct bh_diag *diag;
};

static int tar_bad(struct tar_ctx *c, uint64_t off, const char *msg)
{
	bh_diag_set(c->diag, c->source, 0, 0, "%s (at offset %llu)", msg, (unsigned long long)off);
	return -EBADMSG;
}

static int tar_too_long(struct tar_ctx *c, uint64_t off)
{
	bh_diag_set(c->diag, c->source, 0, 0,
		    "member name longer than %llu bytes (path-max-bytes) "
		    "(at offset %llu)",
		    (unsigned long long)c->limits->path_max_bytes, (unsigned long long)off);
	return -E2BIG;
}

static int pread_full(int fd, void *dst, size_t len, uint64_t off)
{
	size_t done = 0;
	while (done < len) {
		ssize_t n = pread(fd, (char *)dst + done, len - done, (off_t)(off + done));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EBADMSG;
		done += (size_t)n;
	}
	return 0;
}

/* A numeric header field: octal (space/NUL padded) or GNU base-256. */
static int tar_number(const unsigned char *f, size_t len, uint64_t *ret)
{
	if (f[0] & 0x80) {
		if (f[0] == 0xff)
			return -EBADMSG; /* negative */
		uint64_t v = f[0] & 0x7f;
		for (size_t i = 1; i < len; i++) {
			if (v >> 55)
				return -EBADMSG;
			v = (v << 8) | f[i];
		}
		*ret = v;
		return 0;
	}
	size_t i = 0, end;
	while (i < len && (f[i] == ' ' || f[i] == '\0'))
		i++;
	end = i;
	while (end < len && f[end] >= '0' && f[end] <= '7')
		end++;
	for (size_t k = end; k < len; k++)
		if (f[k] != ' ' && f[k] != '\0')
			return -EBADMSG;
	if (end == i) {
		*ret = 0;
		return 0;
	}
	return parse_u64(span_make(f + i, end - i), 8, UINT64_MAX, ret) < 0 ? -EBADMSG : 0;
}

static bool tar_checksum_ok(const unsigned char *h)
{
	uint64_t want;
	if (tar_number(h + 148, 8, &want) < 0)
		return false;
	uint64_t usum = 0;
	int64_t ssum = 0;
	for (size_t i = 0; i < TAR_BLOCK; i++) {
		unsigned char b = (i >= 148 && i < 156) ? ' ' : h[i];
		usum += b;
		ssum += (signed char)b;
	}
	return want == usum || (int64_t)want == ssum;
}

static bool block_is_zero(const unsigned char *h)
{
	for (size_t i = 0; i < TAR_BLOCK; i++)
		if (h[i])
			return false;
	return true;
}

/*
 * Normalise a member name: strip leading "/" and "./", drop "." and empty components.
 * ".." anywhere is -EBADMSG (docker never writes it); over the path limits is -E2BIG.
 * The root itself ("./") yields "".
 */
static int member_normalize(struct span in, const struct bh_limits *limits, char **ret)
{
	if (span_index(in, '\0') >= 0)
		return -EBADMSG;
	if (in.len > limits->path_max_bytes)
		return -E2BIG;
	struct buf b;
	buf_init(&b, (size_t)limits->path_max_bytes);
	struct span comp;
	uint64_t depth = 0;
	int r = 0;
	while (r >= 0 && span_next_token(&in, '/', &comp) == 0) {
		if (comp.len == 0 || span_eq_str(comp, "."))
			continue;
		if (span_eq_str(comp, ".."))
			r = -EBADMSG;
		else if (++depth > limits->path_max_depth)
			r = -E2BIG;
		else if (b.len)
			r = buf_putc(&b, '/');
		if (r >= 0)
			r = buf_append_span(&b, comp);
	}
	if (r < 0) {
		buf_done(&b);
		return r;
	}
	*ret = buf_take(&b);
	return *ret ? 0 : -ENOMEM;
}

/* A header's name: GNU/pax long name if one came before, else ustar prefix + name. */
static int header_name(const unsigned char *h, bool ustar, struct buf *ret)
{
	size_t nl = strnlen((const char *)h, 100);
	if (ustar && h[345]) {
		size_t pl = strnlen((const char *)h + 345, 155);
		int r = buf_append(ret, h + 345, pl);
		if (r >= 0)
			r = buf_putc(ret, '/');
		if (r < 0)
			return r;
	}
	return buf_append(ret, h, nl);
}

struct pending {
	struct buf path, link;
	bool has_path, has_link, has_size;
	uint64_t size;
};

static void pending_reset(struct pending *p)
{
	buf_clear(&p->path);
	buf_clear(&p->link);
	p->has_path = p->has_link = p->has_size = false;
}

/* Parse pax records "LEN key=value\n" of a local ('x') header into p. */
static int pax_parse(struct tar_ctx *c, uint64_t off, struct span data, struct pending *p)
{
	while (data.len) {
		size_t i = 0;
		uint64_t len = 0;
		while (i < data.len && ascii_isdigit(data.ptr[i]) && i < 20)
			len = len * 10 + (uint64_t)(data.ptr[i++] - '0');
		if (i == 0 || i >= data.len || data.ptr[i] != ' ' || len <= i + 1 ||
		    len > data.len || data.ptr[len - 1] != '\n')
			return tar_bad(c, off, "malformed pax record");
		struct span rec = span_slice(data, i + 1, (size_t)len - i - 2), key, val;
		if (!span_cut(rec, '=', &key, &val))
			return tar_bad(c, off, "malformed pax record");
		int r = 0;
		if (span_eq_str(key, "path")) {
			buf_clear(&p->path);
			r = buf_append_span(&p->path, val);
			p->has_path = true;
		} else if (span_eq_str(key, "linkpath")) {
			buf_clear(&p->link);
			r = buf_append_span(&p->link, val);
			p->has_link = true;
		} else if (span_eq_str(key, "size")) {
			if (parse_u64(val, 10, INT64_MAX, &p->size) < 0)
				return tar_bad(c, off, "invalid pax size");
			p->has_size = true;
		}
		if (r == -E2BIG)
			return tar_too_long(c, off);
		if (r < 0)
			return r;
		data = span_slice(data, (size_t)len, data.len - (size_t)len);
	}
	return 0;
}

static int read_meta(struct tar_ctx *c, uint64_t off, uint64_t size, struct buf *ret)
{
	if (size > PAX_MAX_BYTES || size > c->limits->input_max_bytes)
		return tar_bad(c, off, "extended header too large");
	buf_clear(ret);
	int r = buf_reserve(ret, (size_t)size + 1);
	if (r < 0)
		return r == -E2BIG ? tar_bad(c, off, "extended header too large") : r;
	r = pread_full(c->fd, ret->ptr, (size_t)size, off);
	if (r < 0)
		return r == -EBADMSG ? tar_bad(c, off, "truncated archive") : r;
	ret->len = (size_t)size;
	ret->ptr[size] = '\0';
	return 0;
}

static int cmp_member(const void *a, const void *b)
{
	return strcmp(((const struct member *)a)->name, ((const struct member *)b)->name);
}

static int tar_index_build(struct tar_ctx *c, struct tar_index *ret)
{
	struct tar_index ix = {0};
	struct pending p = {0};
	struct buf meta, name;
	size_t path_cap = (size_t)c->limits->path_max_bytes;
	buf_init(&p.path, path_cap);
	buf_init(&p.link, path_cap);
	buf_init(&meta, (size_t)PAX_MAX_BYTES + 1);
	buf_init(&name, path_cap + 256);
	uint64_t pos = 0;
	unsigned meta_run = 0;
	int r = 0;
	unsigned char h[TAR_BLOCK];

	for (;;) {
		if (pos >= c->file_size) {
			r = tar_bad(c, pos, "truncated archive: no end-of-archive marker");
			break;
		}
		if (c->file_size - pos < TAR_BLOCK) {
			r = tar_bad(c, pos, "truncated archive: partial header");
			break;
		}
		r = pread_full(c->fd, h, TAR_BLOCK, pos);
		if (r < 0) {
			if (r == -EBADMSG)
				r = tar_bad(c, pos, "truncated archive");
			break;
		}
		if (block_is_zero(h))
			break; /* end of archive (the second zero block is not required) */
		if (!tar_checksum_ok(h)) {
			r = tar_bad(c, pos, pos ? "bad tar header checksum" : "not a tar archive");
			break;
		}
		bool ustar = memcmp(h + 257, "ustar\0", 6) == 0; /* POSIX: has a prefix field */
		char tf = (char)h[156];
		uint64_t size;
		if (tar_number(h + 124, 12, &size) < 0) {
			r = tar_bad(c, pos, "invalid size field");
			break;
		}
		bool is_meta = tf == 'x' || tf == 'g' || tf == 'L' || tf == 'K';
		if (!is_meta && p.has_size)
			size = p.size;
		/* links, directories and devices carry no data, whatever size says (POSIX) */
		if (tf == '1' || tf == '2' || tf == '3' || tf == '4' || tf == '5' || tf == '6')
			size = 0;
		uint64_t data = pos + TAR_BLOCK;
		if (size > c->file_size - data) {
			r = tar_bad(c, pos, "truncated archive: member data extends past the end");
			break;
		}
		uint64_t padded = (size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
		if (is_meta) {
			if (++meta_run > META_MAX_RUN) {
				r = tar_bad(c, pos, "too many extended headers in a row");
				break;
			}
			if (tf != 'g') {
				r = read_meta(c, data, size, &meta);
				if (r < 0)
					break;
			}
			if (tf == 'x')
				r = pax_parse(c, pos, buf_span(&meta), &p);
			else if (tf == 'L' || tf == 'K') {
				struct buf *dst = tf == 'L' ? &p.path : &p.link;
				buf_clear(dst);
				r = buf_append(dst, meta.ptr, strnlen(meta.ptr, meta.len));
				if (r == -E2BIG)
					r = tar_too_long(c, pos);
				if (tf == 'L')
					p.has_path = true;
				else
					p.has_link = true;
			}
			if (r < 0)
				break;
			pos = data + padded;
			continue;
		}
		meta_run = 0;
		if (ix.n >= c->limits->max_entries) {
			bh_diag_set(c->diag, c->source, 0, 0,
				    "more than %llu members (max-entries)",
				    (unsigned long long)c->limits->max_entries);
			r = -E2BIG;
			break;
		}
		buf_clear(&name);
		if (p.has_path)
			r = buf_append_span(&name, buf_span(&p.path));
		else
			r = header_name(h, ustar, &name);
		if (r < 0)
			break;
		struct member m = {.offset = data, .size = size};
		switch (tf) {
		case '0':
		case '\0':
		case '7':
			m.type = name.len && name.ptr[name.len - 1] == '/' ? M_DIR : M_FILE;
			break;
		case '5':
			m.type = M_DIR;
			break;
		case '1':
			m.type = M_HARDLINK;
			break;
		case '2':
			m.type = M_SYMLINK;
			break;
		default:
			m.type = M_OTHER;
			break;
		}
		r = member_normalize(buf_span(&name), c->limits, &m.name);
		if (r < 0) {
			bh_diag_set(c->diag, c->source, 0, 0,
				    "%s member name '%.200s' (at offset %llu)",
				    r == -E2BIG ? "over-long" : "invalid", buf_str(&name),
				    (unsigned long long)pos);
			break;
		}
		if (m.type == M_SYMLINK || m.type == M_HARDLINK) {
			struct span target =
			    p.has_link ? buf_span(&p.link)
				       : span_make(h + 157, strnlen((char *)h + 157, 100));
			if (span_index(target, '\0') >= 0)
				r = -EBADMSG;
			else if (m.type == M_SYMLINK)
				r = (m.link = span_dup(target)) ? 0 : -ENOMEM;
			else
				r = member_normalize(target, c->limits, &m.link);
			if (r < 0) {
				free(m.name);
				if (r != -ENOMEM)
					r = tar_bad(c, pos, "invalid link target");
				break;
			}
		}
		r = GROW(ix.v, ix.n, ix.cap);
		if (r < 0) {
			free(m.name);
			free(m.link);
			break;
		}
		ix.v[ix.n++] = m;
		pending_reset(&p);
		pos = data + padded;
	}
	buf_done(&p.path);
	buf_done(&p.link);
	buf_done(&meta);
	buf_done(&name);
	if (r < 0) {
		tar_index_done(&ix);
		return r;
	}
	if (ix.n)
		qsort(ix.v, ix.n, sizeof(*ix.v), cmp_member);
	/* the same name twice: which copy counts depends on the reader, so refuse it */
	for (size_t i = 1; i < ix.n; i++)
		if (streq(ix.v[i - 1].name, ix.v[i].name) &&
		    !(ix.v[i - 1].type == M_DIR && ix.v[i].type == M_DIR)) {
			bh_diag_set(c->diag, c->source, 0, 0, "duplicate member '%.200s'",
				    ix.v[i].name);
			tar_index_done(&ix);
			return -EBADMSG;
		}
	*ret = ix;
	return 0;
}

static const struct member *tar_lookup(const struct tar_index *ix, const char *name)
{
	size_t lo = 0, hi = ix->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, ix->v[mid].name);
		if (c == 0)
			return &ix->v[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/*
 * Find a regular member by a (manifest-given) name, following symlinks and hard links
 * inside the archive (legacy `docker save` links a repeated layer.tar to the first copy).
 * -ENOENT absent, -ELOOP too many links, -EXDEV a link leaves the archive, -EBADMSG the
 * member is not a regular file.
 */
static int tar_resolve(const struct tar_index *ix, const char *name, const struct bh_limits *limits,
		       const struct member **ret)
{
	_cleanup_free_ char *cur = NULL;
	int r = member_normalize(span_from(name), limits, &cur);
	if (r < 0)
		return r;
	for (uint64_t hops = 0;; hops++) {
		const struct member *m = tar_lookup(ix, cur);
		if (!m)
			return -ENOENT;
		if (m->type == M_FILE) {
			*ret = m;
			return 0;
		}
		if (m->type != M_SYMLINK && m->type != M_HARDLINK)
			return -EBADMSG;
		if (hops >= limits->link_max_hops)
			return -ELOOP;
		struct buf b;
		buf_init(&b, (size_t)limits->path_max_bytes * 2 + 2);
		if (m->type == M_SYMLINK && m->link[0] != '/') {
			const char *slash = strrchr(cur, '/');
			if (slash)
				r = buf_append(&b, cur, (size_t)(slash - cur + 1));
		}
		if (r >= 0)
			r = buf_puts(&b, m->link);
		if (r < 0) {
			buf_done(&b);
			return r == -E2BIG ? -EBADMSG : r;
		}
		/* resolve ".." lexically; climbing above the archive root is refused */
		struct span in = buf_span(&b), comp;
		struct buf out;
		buf_init(&out, b.len + 1);
		while (r >= 0 && span_next_token(&in, '/', &comp) == 0) {
			if (comp.len == 0 || span_eq_str(comp, "."))
				continue;
			if (span_eq_str(comp, "..")) {
				char *s = out.len ? strrchr(out.ptr, '/') : NULL;
				if (!out.len)
					r = -EXDEV;
				else {
					out.len = s ? (size_t)(s - out.ptr) : 0;
					out.ptr[out.len] = '\0';
				}
				continue;
			}
			if (out.len)
				r = buf_putc(&out, '/');
			if (r >= 0)
				r = buf_append_span(&out, comp);
		}
		buf_done(&b);
		if (r < 0) {
			buf_done(&out);
			return r;
		}
		free(cur);
		cur = buf_take(&out);
		if (!cur)
			return -ENOMEM;
	}
}

/* ---- the archive as an image -------------------------------------------------------- */

struct da_ctx {
	const struct img_target *t;
	const struct bh_limits *limits;
	struct bh_diag *diag;
	char source[600]; /* "docker-archive:FILE" */
	const char *path; /* the archive path actually opened */
	int fd;
	struct tar_index ix;
};

static const char *src_member(struct da_ctx *x, const char *member, char *buf, size_t size)
{
	if (xsnprintf(buf, size, "%s: %.200s", x->source, member) < 0)
		return x->source;
	return buf;
}

/* Read a member whole (bounded by input-max-bytes). */
static int member_read(struct da_ctx *x, const char *name, const struct member **ret_m,
		       struct buf *ret)
{
	char src[900];
	src_member(x, name, src, sizeof(src));
	const struct member *m;
	int r = tar_resolve(&x->ix, name, x->limits, &m);
	if (r < 0) {
		bh_diag_set(x->diag, src, 0, 0, "%s",
			    r == -ENOENT  ? "missing from the archive"
			    : r == -ELOOP ? "too many levels of links"
			    : r == -EXDEV ? "link points outside the archive"
			    : r == -E2BIG ? "name too long"
					  : "not a regular file in the archive");
		return r == -ENOENT || r == -ELOOP || r == -E2BIG || r == -EXDEV ? -EBADMSG : r;
	}
	if (m->size > x->limits->input_max_bytes) {
		bh_diag_set(
		    x->diag, src, 0, 0, "%llu bytes exceed the limit of %llu (input-max-bytes)",
		    (unsigned long long)m->size, (unsigned long long)x->limits->input_max_bytes);
		return -E2BIG;
	}
	buf_init(ret, (size_t)m->size + 1);
	r = buf_reserve(ret, (size_t)m->size + 1);
	if (r >= 0)
		r = pread_full(x->fd, ret->ptr, (size_t)m->size, m->offset);
	if (r < 0) {
		buf_done(ret);
		if (r == -EBADMSG)
			bh_diag_set(x->diag, src, 0, 0, "truncated");
		return r;
	}
	ret->len = (size_t)m->size;
	ret->ptr[ret->len] = '\0';
	if (ret_m)
		*ret_m = m;
	return 0;
}

/* The digest a member name carries: "<hex>.json" (legacy config) or "blobs/sha256/<hex>". */
static bool name_digest(const char *name, char out[static BH_DIGEST_STR_LEN + 1])
{
	_cleanup_free_ char *n = NULL;
	struct bh_limits l;
	bh_limits_default(&l);
	if (member_normalize(span_from(name), &l, &n) < 0)
		return false;
	struct span hex;
	if (strncmp(n, "blobs/sha256/", 13) == 0)
		hex = span_from(n + 13);
	else if (strlen(n) == 64 + 5 && streq(n + 64, ".json"))
		hex = span_make(n, 64);
	else
		return false;
	if (xsnprintf(out, BH_DIGEST_STR_LEN + 1, "sha256:" SPAN_FMT, SPAN_ARG(hex)) < 0)
		return false;
	return bh_digest_validate(span_from(out)) == 0;
}

/*
 * Compare image references the way `docker` shows them: "docker.io/library/x:t",
 * "index.docker.io/library/x:t" and "x:t" are the same; a missing tag means "latest".
 */
static void ref_familiar(const char *in, char *out, size_t size)
{
	const char *s = in;
	if (strncmp(s, "docker.io/", 10) == 0)
		s += 10;
	else if (strncmp(s, "index.docker.io/", 16) == 0)
		s += 16;
	if (s != in && strncmp(s, "library/", 8) == 0)
		s += 8;
	const char *slash = strrchr(s, '/'), *colon = strrchr(s, ':');
	bool tagged = colon && (!slash || colon > slash);
	if (xsnprintf(out, size, "%s%s", s, tagged || strchr(s, '@') ? "" : ":latest") < 0)
		out[0] = '\0';
}

static bool ref_matches(const char *a, const char *b)
{
	char fa[512], fb[512];
	ref_familiar(a, fa, sizeof(fa));
	ref_familiar(b, fb, sizeof(fb));
	return fa[0] && streq(fa, fb);
}

static void list_tags(json_t *arr, char *dst, size_t size)
{
	struct buf b;
	buf_init(&b, size > 1 ? size - 1 : 1);
	size_t i;
	json_t *e;
	json_array_foreach(arr, i, e)
	{
		json_t *tags = bh_json_arr(e, "RepoTags");
		size_t k;
		json_t *tg;
		bool any = false;
		json_array_foreach(tags, k, tg)
		{
			if (json_is_string(tg) &&
			    buf_printf(&b, "%s%s", b.len ? ", " : "", json_string_value(tg)) >= 0)
				any = true;
		}
		if (!any)
			(void)buf_printf(&b, "%s<untagged image %zu>", b.len ? ", " : "", i + 1);
	}
	(void)xsnprintf(dst, size, "%s", b.len ? buf_str(&b) : "none");
	buf_done(&b);
}

static int select_entry(struct da_ctx *x, json_t *man, const char *src, json_t **ret)
{
	if (!json_is_array(man)) {
		bh_diag_set(x->diag, src, 0, 0, "expected an array of images");
		return -EBADMSG;
	}
	size_t n = json_array_size(man), i;
	json_t *e;
	if (n > x->limits->max_entries) {
		bh_diag_set(x->diag, src, 0, 0, "%zu images exceed the limit (max-entries)", n);
		return -E2BIG;
	}
	json_array_foreach(man, i, e)
	{
		json_t *tags = json_is_object(e) ? json_object_get(e, "RepoTags") : NULL;
		if (!json_is_object(e) || (tags && !json_is_null(tags) && !json_is_array(tags))) {
			bh_diag_set(x->diag, src, 0, 0, "image %zu: malformed entry", i + 1);
			return -EBADMSG;
		}
	}
	const char *want = x->t->reference;
	if (want) {
		json_array_foreach(man, i, e)
		{
			size_t k;
			json_t *tg;
			json_array_foreach(bh_json_arr(e, "RepoTags"), k,
					   tg) if (json_is_string(tg) &&
						   ref_matches(json_string_value(tg), want))
			{
				*ret = e;
				return 0;
			}
		}
		char avail[400];
		list_tags(man, avail, sizeof(avail));
		bh_diag_set(x->diag, src, 0, 0,
			    "no image tagged '%.100s' in the archive (available: %s)", want, avail);
		return -ENOENT;
	}
	if (n == 1) {
		*ret = json_array_get(man, 0);
		return 0;
	}
	if (n == 0) {
		bh_diag_set(x->diag, src, 0, 0, "the archive lists no images");
		return -EBADMSG;
	}
	char avail[400];
	list_tags(man, avail, sizeof(avail));
	bh_diag_set(x->diag, src, 0, 0,
		    "the archive holds %zu images; select one with docker-archive:FILE:REPO:TAG "
		    "(available: %s)",
		    n, avail);
	return -EINVAL;
}

/* Docker 25+: find the OCI manifest in the archive whose config is ours (optional). */
static void find_manifest_digest(struct da_ctx *x, const char *config_digest,
				 struct img_layout *lay)
{
	_cleanup_buf_ struct buf ib = {0};
	struct bh_diag ignore;
	struct bh_diag *saved = x->diag;
	x->diag = &ignore;
	_cleanup_json_ json_t *idx = NULL;
	if (!tar_lookup(&x->ix, "index.json") || member_read(x, "index.json", NULL, &ib) < 0 ||
	    bh_json_parse(buf_span(&ib), x->limits, "index.json", &idx, NULL) < 0)
		goto out;
	json_t *ms = bh_json_arr(idx, "manifests");
	size_t i;
	json_t *d;
	json_array_foreach(ms, i, d)
	{
		const char *dg = bh_json_str(d, "digest");
		char name[100];
		if (i >= 64 || !dg || bh_digest_validate(span_from(dg)) < 0 ||
		    xsnprintf(name, sizeof(name), "blobs/sha256/%s", dg + 7) < 0)
			continue;
		_cleanup_buf_ struct buf mb = {0};
		char got[BH_DIGEST_STR_LEN + 1];
		_cleanup_json_ json_t *m = NULL;
		if (member_read(x, name, NULL, &mb) < 0 ||
		    bh_sha256_str(buf_str(&mb), mb.len, got) < 0 || !streq(got, dg) ||
		    bh_json_parse(buf_span(&mb), x->limits, name, &m, NULL) < 0)
			continue;
		const char *cd = bh_json_str(bh_json_obj(m, "config"), "digest");
		if (cd && streq(cd, config_digest)) {
			lay->manifest_digest = strdup(dg);
			break;
		}
	}
out:
	x->diag = saved;
}

static int fill_layout(struct da_ctx *x, json_t *entry, const char *src, struct img_layout *lay)
{
	const char *cfg = bh_json_str(entry, "Config");
	json_t *layers = json_object_get(entry, "Layers");
	if (!cfg || !json_is_array(layers)) {
		bh_diag_set(x->diag, src, 0, 0, "image entry needs Config and Layers");
		return -EBADMSG;
	}
	/* the config, checked against the digest its name carries */
	const struct member *m;
	int r = member_read(x, cfg, &m, &lay->config_json);
	if (r < 0)
		return r;
	char got[BH_DIGEST_STR_LEN + 1], want[BH_DIGEST_STR_LEN + 1];
	r = bh_sha256_str(buf_str(&lay->config_json), lay->config_json.len, got);
	if (r < 0)
		return r;
	if (name_digest(cfg, want) && !streq(want, got)) {
		char s[900];
		bh_diag_set(x->diag, src_member(x, cfg, s, sizeof(s)), 0, 0,
			    "digest mismatch: expected %s, got %s", want, got);
		return -EBADMSG;
	}
	lay->config_digest = strdup(got);
	if (!lay->config_digest)
		return -ENOMEM;

	size_t n = json_array_size(layers);
	if (n > x->limits->max_layers) {
		bh_diag_set(x->diag, src, 0, 0, "%zu layers exceed the limit of %llu (max-layers)",
			    n, (unsigned long long)x->limits->max_layers);
		return -E2BIG;
	}
	lay->layers = calloc(n ? n : 1, sizeof(*lay->layers));
	lay->layer_fds = calloc(n ? n : 1, sizeof(*lay->layer_fds));
	lay->layer_media_types = calloc(n ? n : 1, sizeof(*lay->layer_media_types));
	lay->layer_digests = calloc(n ? n : 1, sizeof(*lay->layer_digests));
	lay->layer_sizes = calloc(n ? n : 1, sizeof(*lay->layer_sizes));
	if (!lay->layers || !lay->layer_fds || !lay->layer_media_types || !lay->layer_digests ||
	    !lay->layer_sizes)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		lay->layer_fds[i] = -1;
	lay->n_layers = n;
	for (size_t i = 0; i < n; i++) {
		const char *ln = json_string_value(json_array_get(layers, i));
		char s[900];
		if (!ln) {
			bh_diag_set(x->diag, src, 0, 0, "Layers[%zu]: expected a string", i);
			return -EBADMSG;
		}
		src_member(x, ln, s, sizeof(s));
		r = tar_resolve(&x->ix, ln, x->limits, &m);
		if (r < 0) {
			bh_diag_set(x->diag, s, 0, 0, "%s",
				    r == -ENOENT  ? "layer missing from the archive"
				    : r == -ELOOP ? "too many levels of links"
				    : r == -EXDEV ? "layer link points outside the archive"
						  : "layer is not a regular file in the archive");
			return r == -ENOMEM ? r : -EBADMSG;
		}
		char dg[BH_DIGEST_STR_LEN + 1];
		if (strncmp(ln, "blobs/", 6) == 0 && name_digest(ln, dg)) {
			lay->layer_digests[i] = strdup(dg);
			if (!lay->layer_digests[i])
				return -ENOMEM;
		}
		struct buf nb;
		buf_init(&nb, 0);
		r = buf_printf(&nb, "%s:%s", x->path, m->name);
		if (r < 0) {
			buf_done(&nb);
			return r;
		}
		lay->layers[i] = (struct img_region){
		    .fd = x->fd,
		    .offset = m->offset,
		    .length = m->size,
		    .name = buf_take(&nb),
		};
		if (!lay->layers[i].name)
			return -ENOMEM;
		lay->layer_sizes[i] = m->size;
	}

	size_t k;
	json_t *tg;
	json_array_foreach(bh_json_arr(entry, "RepoTags"), k, tg)
	{
		if (!json_is_string(tg))
			continue;
		r = strv_push_uniq(&lay->repo_tags, json_string_value(tg));
		if (r < 0)
			return r;
	}
	find_manifest_digest(x, lay->config_digest, lay);
	return 0;
}

static int check_compressed(struct da_ctx *x)
{
	unsigned char h[8] = {0};
	ssize_t n = pread(x->fd, h, sizeof(h), 0);
	if (n < 0)
		return -errno;
	const char *what = NULL, *tool = NULL;
	if (n >= 2 && h[0] == 0x1f && h[1] == 0x8b)
		what = "gzip", tool = "gunzip";
	else if (n >= 4 && h[0] == 0x28 && h[1] == 0xb5 && h[2] == 0x2f && h[3] == 0xfd)
		what = "zstd", tool = "zstd -d";
	else if (n >= 6 && memcmp(h,
				  "\xfd"
				  "7zXZ\0",
				  6) == 0)
		what = "xz", tool = "unxz";
	else if (n >= 3 && memcmp(h, "BZh", 3) == 0)
		what = "bzip2", tool = "bunzip2";
	if (!what)
		return 0;
	bh_diag_set(x->diag, x->source, 0, 0,
		    "the archive is %s-compressed; decompress it first (e.g. '%s -k FILE') and "
		    "scan the .tar",
		    what, tool);
	return -EOPNOTSUPP;
}

/* Open the archive; when "FILE:REPO:TAG" was split but only the unsplit name exists, use it. */
static int open_archive(struct da_ctx *x, bool *ret_unsplit)
{
	*ret_unsplit = false;
	int fd = NERRNO(open(x->t->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
	x->path = x->t->path;
	if (fd != -ENOENT || !x->t->reference || !x->t->original)
		return fd;
	const char *whole = x->t->original;
	if (strncmp(whole, "docker-archive:", 15) == 0)
		whole += 15;
	int fd2 = NERRNO(open(whole, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
	if (fd2 < 0)
		return fd;
	x->path = whole;
	*ret_unsplit = true;
	return fd2;
}

static int archive_index(struct da_ctx *x)
{
	struct stat st;
	if (fstat(x->fd, &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode)) {
		bh_diag_set(x->diag, x->source, 0, 0, "is a directory, not an archive");
		return -EOPNOTSUPP;
	}
	if (!S_ISREG(st.st_mode)) {
		bh_diag_set(x->diag, x->source, 0, 0, "not a regular file");
		return -EOPNOTSUPP;
	}
	int r = check_compressed(x);
	if (r < 0)
		return r;
	struct tar_ctx c = {x->fd, (uint64_t)st.st_size, x->limits, x->source, x->diag};
	return tar_index_build(&c, &x->ix);
}

int img_docker_archive_probe(int fd, const struct bh_limits *limits)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EBADMSG;
	struct tar_ctx c = {fd, (uint64_t)st.st_size, limits, "archive", NULL};
	struct tar_index ix = {0};
	int r = tar_index_build(&c, &ix);
	if (r < 0)
		return r;
	r = tar_lookup(&ix, "manifest.json") ||
	    (tar_lookup(&ix, "index.json") && tar_lookup(&ix, "oci-layout"));
	tar_index_done(&ix);
	return r;
}

int img_docker_archive_open(const struct img_target *t, const struct img_open_opts *o,
			    struct img_layout *ret, struct bh_diag *reterr_diag)
{
	struct bh_limits def;
	const struct bh_limits *limits = o ? o->limits : NULL;
	if (!limits) {
		bh_limits_default(&def);
		limits = &def;
	}
	struct img_target t2 = *t;
	struct da_ctx x = {.t = &t2, .limits = limits, .diag = reterr_diag, .fd = -1};
	(void)xsnprintf(x.source, sizeof(x.source), "docker-archive:%.500s", t->path);

	bool unsplit;
	int r = open_archive(&x, &unsplit);
	if (r < 0) {
		bh_diag_set(reterr_diag, x.source, 0, 0, "%s",
			    r == -ENOENT ? "no such file" : strerror(-r));
		return r;
	}
	x.fd = r;
	if (unsplit) {
		t2.reference = NULL;
		(void)xsnprintf(x.source, sizeof(x.source), "docker-archive:%.500s", x.path);
	}

	struct img_layout lay = {.fd = -1, .dirfd = -1};
	_cleanup_buf_ struct buf mb = {0};
	_cleanup_json_ json_t *man = NULL;
	char src[900];
	src_member(&x, "manifest.json", src, sizeof(src));
	r = archive_index(&x);
	if (r < 0)
		goto out;
	if (!tar_lookup(&x.ix, "manifest.json")) {
		bool oci = tar_lookup(&x.ix, "index.json") && tar_lookup(&x.ix, "oci-layout");
		bh_diag_set(reterr_diag, x.source, 0, 0, "%s",
			    oci ? "an OCI archive without manifest.json is not supported; extract "
				  "it and scan oci:DIR"
				: "not an image: no manifest.json in the archive");
		r = -EOPNOTSUPP;
		goto out;
	}
	r = member_read(&x, "manifest.json", NULL, &mb);
	if (r < 0)
		goto out;
	r = bh_json_parse(buf_span(&mb), limits, src, &man, reterr_diag);
	if (r < 0)
		goto out;
	json_t *entry;
	r = select_entry(&x, man, src, &entry);
	if (r < 0)
		goto out;
	r = fill_layout(&x, entry, src, &lay);
	if (r < 0)
		goto out;
	lay.fd = TAKE_FD(x.fd);
	*ret = lay;
	lay = (struct img_layout){.fd = -1, .dirfd = -1};
out:
	img_layout_done(&lay);
	tar_index_done(&x.ix);
	if (x.fd >= 0)
		(void)close(x.fd);
	return r;
}
