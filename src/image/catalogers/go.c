/* SPDX-License-Identifier: Apache-2.0 */
/*
 * go.c — Go modules compiled into executables, read from the build information the Go
 * linker embeds (what `go version -m` prints). Works on the binary's bytes only: it never
 * runs anything and never trusts an offset, a length or a pointer it reads.
 *
 * reduce() runs while the layer streams and keeps only the build information, so a 40 MB
 * binary costs a few KB. The blob it stores is text, one record per line:
 *
 *	go	<toolchain version>            always first, e.g. "go1.22.4"
 *	<modinfo lines as the linker wrote them, sentinels removed>:
 *	path	<main package path>
 *	mod	<module path>	<version>	[<h1: sum>]
 *	dep	<module path>	<version>	[<h1: sum>]
 *	=>	<module path>	<version>	[<h1: sum>]   replaces the line before it
 *	build	<key>=<value>
 *
 * The build information block (Go runtime/debug and debug/buildinfo):
 *
 *	offset size  meaning
 *	0      14    magic "\xff Go buildinf:", the block is 16-byte aligned
 *	14     1     pointer size (old format)
 *	15     1     flags: bit 0 big-endian (old format), bit 1 strings inline (Go >= 1.18)
 *	16     2*ps  old format: virtual addresses of the Go string headers {data, len} of the
 *	             version and the modinfo string
 *	32     ...   new format: uvarint length + bytes of the version, then of the modinfo
 *
 * In ELF files the block is the .go.buildinfo section; without section headers, or for
 * other formats, the whole file is searched for an aligned magic that decodes. Old-format
 * pointers are translated through the ELF PT_LOAD program headers (other formats with the
 * old layout are not supported). libelf parses only the headers; section bytes are read
 * from our own buffer with explicit bounds, so libelf never converts data in place.
 *
 * Packages (Syft conventions): the main module ("(devel)" when the toolchain knew no
 * version; then a pseudo-version v0.0.0-<vcs.time>-<vcs.revision[:12]> when the VCS
 * stamp is present), every dependency (a "=>" replacement wins; local directory
 * replacements, which have no version, are not packages), and the toolchain as "stdlib"
 * with version "go1.22.4" (the purl drops the "go": pkg:golang/stdlib@1.22.4). The purl
 * namespace is the module path up to its last '/', the name its last element.
 */
#include <gelf.h>
#include <libelf.h>
#include <pthread.h>

#include "image/catalogers/catalog.h"

#define GO_MIN_SIZE	  1024
#define GO_MAX_SIZE	  ((uint64_t)4 << 30) /* the layer reader caps captures further */
#define GO_MAGIC	  "\xff Go buildinf:"
#define GO_MAGIC_LEN	  14
#define GO_HDR_LEN	  32
#define GO_ALIGN	  16
#define GO_STR_MAX	  ((size_t)32 << 20) /* Go's own reader refuses longer strings */
#define GO_MAX_CANDIDATES 64		     /* aligned magics tried before giving up */
#define GO_MAX_LOADS	  64
#define GO_MAX_SECTIONS	  65536
#define GO_SENTINEL_LEN	  16

static unsigned go_want(struct span path, uint32_t mode, uint64_t size)
{
	if (!(mode & 0111) || size < GO_MIN_SIZE || size > GO_MAX_SIZE)
		return 0;
	return IMG_WANT_CONTENT;
}

/* ---- ELF headers ---------------------------------------------------------------------- */

struct go_load {
	uint64_t vaddr, offset, filesz; /* offset + filesz is within the file */
};

struct go_elf {
	bool is_elf;
	bool has_section;
	struct span section; /* .go.buildinfo bytes */
	size_t n_loads;
	struct go_load loads[GO_MAX_LOADS];
};

static pthread_once_t go_elf_once = PTHREAD_ONCE_INIT;
static bool go_elf_usable;

static void go_elf_init(void)
{
	go_elf_usable = elf_version(EV_CURRENT) != EV_NONE;
}

static void go_elf_scan(struct span data, struct go_elf *ret)
{
	*ret = (struct go_elf){0};
	if (data.len < EI_NIDENT || memcmp(data.ptr, ELFMAG, SELFMAG) != 0)
		return;
	(void)pthread_once(&go_elf_once, go_elf_init);
	if (!go_elf_usable)
		return;
	/* elf_memory() wants a mutable image; we only read headers (see top of file). */
	Elf *e = elf_memory((char *)data.ptr, data.len);
	if (!e)
		return;
	if (elf_kind(e) != ELF_K_ELF)
		goto out;
	ret->is_elf = true;

	size_t phnum;
	if (elf_getphdrnum(e, &phnum) == 0)
		for (size_t i = 0; i < phnum && i < INT32_MAX && ret->n_loads < GO_MAX_LOADS; i++) {
			GElf_Phdr ph;
			if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD)
				continue;
			if (ph.p_offset > data.len)
				continue;
			uint64_t filesz = MIN(ph.p_filesz, data.len - ph.p_offset);
			ret->loads[ret->n_loads++] =
			    (struct go_load){ph.p_vaddr, ph.p_offset, filesz};
		}

	size_t shstrndx;
	if (elf_getshdrstrndx(e, &shstrndx) < 0)
		goto out;
	Elf_Scn *scn = NULL;
	for (unsigned n = 0; n < GO_MAX_SECTIONS && (scn = elf_nextscn(e, scn)); n++) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS)
			continue;
		const char *name = elf_strptr(e, shstrndx, sh.sh_name);
		if (!name || !streq(name, ".go.buildinfo"))
			continue;
		if (sh.sh_offset > data.len || sh.sh_size > data.len - sh.sh_offset)
			continue;
		ret->section = span_make(data.ptr + sh.sh_offset, sh.sh_size);
		ret->has_section = true;
		break;
	}
out:
	elf_end(e);
}

/* The bytes at virtual address addr, len long, when one PT_LOAD maps all of them. */
static int go_elf_at(const struct go_elf *elf, struct span data, uint64_t addr, uint64_t len,
		     struct span *ret)
{
	for (size_t i = 0; i < elf->n_loads; i++) {
		const struct go_load *l = &elf->loads[i];
		if (addr < l->vaddr || addr - l->vaddr >= l->filesz)
			continue;
		uint64_t rel = addr - l->vaddr;
		if (len > l->filesz - rel)
			continue;
		*ret = span_make(data.ptr + l->offset + rel, len);
		return 0;
	}
	return -EBADMSG;
}

/* ---- decoding the block ------------------------------------------------------------- */

static int go_uvarint(struct span *in, uint64_t *ret)
{
	uint64_t v = 0;
	for (size_t i = 0; i < 10 && i < in->len; i++) {
		uint8_t b = (uint8_t)in->ptr[i];
		if (i == 9 && b > 1)
			return -EBADMSG;
		v |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			in->ptr += i + 1;
			in->len -= i + 1;
			*ret = v;
			return 0;
		}
	}
	return -EBADMSG;
}

static int go_inline_string(struct span *in, struct span *ret)
{
	uint64_t n;
	int r = go_uvarint(in, &n);
	if (r < 0)
		return r;
	if (n > in->len || n > GO_STR_MAX)
		return -EBADMSG;
	*ret = span_make(in->ptr, n);
	in->ptr += n;
	in->len -= n;
	return 0;
}

static uint64_t go_ptr(const char *p, unsigned size, bool big_endian)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < size; i++) {
		unsigned shift = big_endian ? 8 * (size - 1 - i) : 8 * i;
		v |= (uint64_t)(uint8_t)p[i] << shift;
	}
	return v;
}

/* Old format: follow a pointer to a Go string header {data, len}, then to the bytes. */
static int go_pointer_string(const struct go_elf *elf, struct span data, uint64_t addr,
			     unsigned ptr_size, bool big_endian, struct span *ret)
{
	struct span hdr;
	int r = go_elf_at(elf, data, addr, 2 * (uint64_t)ptr_size, &hdr);
	if (r < 0)
		return r;
	uint64_t sdata = go_ptr(hdr.ptr, ptr_size, big_endian);
	uint64_t slen = go_ptr(hdr.ptr + ptr_size, ptr_size, big_endian);
	if (slen > GO_STR_MAX)
		return -EBADMSG;
	if (slen == 0) {
		*ret = SPAN_NULL;
		return 0;
	}
	return go_elf_at(elf, data, sdata, slen, ret);
}

static bool go_version_ok(struct span v)
{
	if (!span_startswith(v, "go") && !span_startswith(v, "devel"))
		return false;
	for (size_t i = 0; i < v.len; i++)
		if (!ascii_isprint((unsigned char)v.ptr[i]))
			return false;
	return true;
}

/*
 * The modinfo string is framed by two 16-byte sentinels; Go checks the framing by the
 * newline that ends the last line right before the closing sentinel.
 */
static int go_strip_modinfo(struct span mod, struct span *ret)
{
	if (mod.len == 0) {
		*ret = SPAN_NULL;
		return 0;
	}
	if (mod.len < 2 * GO_SENTINEL_LEN + 1 || mod.ptr[mod.len - GO_SENTINEL_LEN - 1] != '\n')
		return -EBADMSG;
	struct span m = span_make(mod.ptr + GO_SENTINEL_LEN, mod.len - 2 * GO_SENTINEL_LEN);
	if (memchr(m.ptr, '\0', m.len))
		return -EBADMSG;
	*ret = m;
	return 0;
}

static int go_decode(struct span block, const struct go_elf *elf, struct span data, struct buf *out)
{
	unsigned ptr_size = (uint8_t)block.ptr[14];
	unsigned flags = (uint8_t)block.ptr[15];
	struct span version, mod;
	int r;
	if (flags & 2) {
		struct span in = span_slice(block, GO_HDR_LEN, block.len);
		r = go_inline_string(&in, &version) ?: go_inline_string(&in, &mod);
	} else {
		if ((ptr_size != 4 && ptr_size != 8) || !elf->is_elf)
			return -EBADMSG;
		bool be = flags & 1;
		uint64_t vaddr = go_ptr(block.ptr + 16, ptr_size, be);
		uint64_t maddr = go_ptr(block.ptr + 16 + ptr_size, ptr_size, be);
		r = go_pointer_string(elf, data, vaddr, ptr_size, be, &version)
			?: go_pointer_string(elf, data, maddr, ptr_size, be, &mod);
	}
	if (r < 0)
		return r;
	if (!go_version_ok(version))
		return -EBADMSG;
	r = go_strip_modinfo(mod, &mod);
	if (r < 0)
		return r;
	r = buf_printf(out, "go\t" SPAN_FMT "\n", SPAN_ARG(version));
	if (r == 0)
		r = buf_append_span(out, mod);
	return r;
}

/* Try each 16-byte aligned magic in region (at most GO_MAX_CANDIDATES of them). */
static int go_search(struct span region, const struct go_elf *elf, struct span data,
		     struct buf *out)
{
	size_t off = 0;
	unsigned tried = 0;
	while (region.len - off >= GO_HDR_LEN && tried < GO_MAX_CANDIDATES) {
		const char *m = memmem(region.ptr + off, region.len - off, GO_MAGIC, GO_MAGIC_LEN);
		if (!m)
			break;
		size_t at = (size_t)(m - region.ptr);
		if (region.len - at < GO_HDR_LEN)
			break;
		if (at % GO_ALIGN == 0) {
			tried++;
			int r = go_decode(span_slice(region, at, region.len), elf, data, out);
			if (r == 0 || r == -ENOMEM || r == -E2BIG)
				return r;
			buf_clear(out);
		}
		off = at + 1;
	}
	return -ENOENT;
}

static int go_reduce(struct span path, struct span data, const struct bh_limits *limits,
		     struct buf *out)
{
	if (data.len < GO_HDR_LEN || span_startswith(data, "#!"))
		return -ENOENT;
	struct go_elf elf;
	go_elf_scan(data, &elf);
	if (elf.has_section) {
		int r = go_search(elf.section, &elf, data, out);
		if (r != -ENOENT)
			return r;
	}
	return go_search(data, &elf, data, out);
}

/* ---- catalog -------------------------------------------------------------------------- */

struct go_mod {
	struct span path, version, sum;
	unsigned line;
};

struct go_info {
	struct span go_version;
	bool has_main;
	struct go_mod main;
	struct go_mod *deps;
	size_t n_deps, cap_deps;
	struct go_mod *last; /* what a "=>" line replaces */
	struct span vcs_revision, vcs_time;
};

static void go_info_done(struct go_info *gi)
{
	free(gi->deps);
}

/* "mod"/"dep"/"=>" fields after the keyword: path, version and an optional sum. */
static int go_parse_mod(struct span rest, struct go_mod *ret)
{
	struct span f[3];
	size_t n = 0;
	struct span tok;
	while (n < ARRAY_SIZE(f) && span_next_token(&rest, '\t', &tok) == 0)
		f[n++] = tok;
	if (rest.len || n < 2 || f[0].len == 0)
		return -EBADMSG;
	ret->path = f[0];
	ret->version = f[1];
	ret->sum = n > 2 ? f[2] : SPAN_NULL;
	return 0;
}

static int go_parse_info(struct img_catalog_ctx *ctx, const struct img_file *f, struct span text,
			 struct go_info *gi)
{
	struct span line;
	unsigned no = 0;
	while (span_next_line(&text, &line) == 0) {
		no++;
		struct span key, rest;
		if (!span_cut(line, '\t', &key, &rest)) {
			if (line.len)
				img_catalog_warn(ctx, f->path, no, "malformed Go build info line");
			continue;
		}
		if (no == 1) {
			if (!span_eq_str(key, "go"))
				return -EBADMSG;
			gi->go_version = rest;
			continue;
		}
		if (span_eq_str(key, "path"))
			continue;
		if (span_eq_str(key, "build")) {
			struct span k, v;
			if (span_cut(rest, '=', &k, &v)) {
				if (span_eq_str(k, "vcs.revision"))
					gi->vcs_revision = v;
				else if (span_eq_str(k, "vcs.time"))
					gi->vcs_time = v;
			}
			continue;
		}
		struct go_mod m = {.line = no};
		bool is_mod = span_eq_str(key, "mod"), is_dep = span_eq_str(key, "dep");
		bool is_repl = span_eq_str(key, "=>");
		if (!is_mod && !is_dep && !is_repl) {
			img_catalog_warn(ctx, f->path, no,
					 "unknown Go build info record '" SPAN_FMT "'",
					 SPAN_ARG(key));
			continue;
		}
		if (go_parse_mod(rest, &m) < 0) {
			img_catalog_warn(ctx, f->path, no, "malformed Go module line");
			gi->last = NULL;
			continue;
		}
		if (is_repl) {
			if (!gi->last)
				img_catalog_warn(ctx, f->path, no, "replacement without a module");
			else
				*gi->last = m;
			gi->last = NULL;
		} else if (is_mod) {
			gi->main = m;
			gi->has_main = true;
			gi->last = &gi->main;
		} else {
			if (GROW(gi->deps, gi->n_deps, gi->cap_deps) < 0)
				return -ENOMEM;
			gi->deps[gi->n_deps] = m;
			gi->last = &gi->deps[gi->n_deps++];
		}
	}
	return 0;
}

/* namespace = path up to its last '/', name = the last element. */
static int go_set_name(struct pkg *p, struct span path)
{
	size_t slash = path.len;
	while (slash > 0 && path.ptr[slash - 1] != '/')
		slash--;
	if (slash > 1) {
		int r = pkg_set_span(&p->namespace, span_make(path.ptr, slash - 1));
		if (r < 0)
			return r;
	}
	return pkg_set_span(&p->name, span_slice(path, slash, path.len));
}

/* v0.0.0-YYYYMMDDhhmmss-<12 hex> from vcs.time (RFC 3339, UTC) and vcs.revision. */
static int go_pseudo_version(struct span time, struct span rev, char **ret)
{
	static const char layout[] = "dddd-dd-ddTdd:dd:ddZ";
	if (time.len != sizeof(layout) - 1 || rev.len < 12)
		return -ENOENT;
	char ts[15];
	size_t n = 0;
	for (size_t i = 0; i < time.len; i++) {
		char c = time.ptr[i];
		if (layout[i] == 'd') {
			if (!ascii_isdigit((unsigned char)c))
				return -ENOENT;
			ts[n++] = c;
		} else if (c != layout[i])
			return -ENOENT;
	}
	ts[n] = 0;
	for (size_t i = 0; i < 12; i++)
		if (!ascii_isxdigit((unsigned char)rev.ptr[i]))
			return -ENOENT;
	struct buf b;
	buf_init(&b, 128);
	if (buf_printf(&b, "v0.0.0-%s-%.12s", ts, rev.ptr) < 0) {
		buf_done(&b);
		return -ENOMEM;
	}
	*ret = buf_take(&b);
	return 0;
}

static int go_add_module(struct img_catalog_ctx *ctx, const struct img_file *f,
			 const struct go_mod *m, const char *version, const struct go_info *deps_of)
{
	_cleanup_(pkg_freep) struct pkg *p = pkg_new(PKG_GOLANG);
	if (!p)
		return -ENOMEM;
	int r = go_set_name(p, m->path);
	if (r == 0)
		r = version ? pkg_set(&p->version, version) : pkg_set_span(&p->version, m->version);
	if (r == 0 && m->sum.len)
		r = pkg_set_span(&p->checksum, m->sum);
	for (size_t i = 0; r == 0 && deps_of && i < deps_of->n_deps; i++) {
		const struct go_mod *d = &deps_of->deps[i];
		if (d->path.len && d->version.len) {
			_cleanup_free_ char *s = span_dup(d->path);
			r = s ? strv_push(&p->depends, s) : -ENOMEM;
		}
	}
	if (r < 0)
		return r;
	return img_catalog_add(ctx, f, TAKE_PTR(p));
}

static int go_catalog_file(struct img_catalog_ctx *ctx, const struct img_file *f,
			   const struct img_blob *blob)
{
	struct go_info gi = {0};
	int r = go_parse_info(ctx, f, span_make(blob->data, blob->len), &gi);
	if (r == -EBADMSG) {
		img_catalog_warn(ctx, f->path, 0, "unreadable Go build info");
		go_info_done(&gi);
		return 0;
	}
	if (r < 0)
		goto out;

	struct span gv = gi.go_version;
	ssize_t sp = span_index(gv, ' '); /* "go1.22.4 X:boringcrypto" */
	if (sp >= 0)
		gv.len = (size_t)sp;
	if (gv.len > 2 && span_startswith(gv, "go") && ascii_isdigit((unsigned char)gv.ptr[2])) {
		_cleanup_(pkg_freep) struct pkg *p = pkg_new(PKG_GOLANG);
		if (!p || pkg_set(&p->name, "stdlib") < 0 || pkg_set_span(&p->version, gv) < 0) {
			r = -ENOMEM;
			goto out;
		}
		r = img_catalog_add(ctx, f, TAKE_PTR(p));
		if (r < 0)
			goto out;
	}

	if (gi.has_main && gi.main.path.len) {
		_cleanup_free_ char *version = NULL;
		if (!gi.main.version.len || span_eq_str(gi.main.version, "(devel)")) {
			r = go_pseudo_version(gi.vcs_time, gi.vcs_revision, &version);
			if (r == -ENOMEM)
				goto out;
			if (r < 0 && !(version = strdup("(devel)"))) {
				r = -ENOMEM;
				goto out;
			}
		}
		r = go_add_module(ctx, f, &gi.main, version, &gi);
		if (r < 0)
			goto out;
	}

	for (size_t i = 0; i < gi.n_deps; i++) {
		const struct go_mod *d = &gi.deps[i];
		/* A replacement by a local directory has no version: not a package. */
		if (!d->path.len || !d->version.len)
			continue;
		r = go_add_module(ctx, f, d, NULL, NULL);
		if (r < 0)
			goto out;
	}
	r = 0;
out:
	go_info_done(&gi);
	return r;
}

static int go_catalog(struct img_catalog_ctx *ctx)
{
	return img_catalog_foreach_content(ctx, go_catalog_file);
}

const struct img_cataloger img_cataloger_go = {
    .name = "go",
    .want = go_want,
    .reduce = go_reduce,
    .catalog = go_catalog,
};
