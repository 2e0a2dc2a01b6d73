/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-go.c — the Go binary cataloger: build info in the Go >= 1.18 inline layout and the
 * older pointer layout (ELF64 little-endian, ELF32 big-endian), files without section
 * headers, decoy magics, truncated and garbage input. The binaries are built in memory by
 * tests/fixtures/bin/mkelf.h with the exact byte layout the Go linker writes.
 */
#include "../../fixtures/bin/mkelf.h"
#include "fakeimg.h"
#include "image/catalogers/catalog.h"
#include "tap.h"

static const unsigned char sentinel_start[16] = {0x30, 0x77, 0xaf, 0x0c, 0x92, 0x74, 0x08, 0x02,
						 0x41, 0xe1, 0xc1, 0x07, 0xe6, 0xd6, 0x18, 0xe6};
static const unsigned char sentinel_end[16] = {0xf9, 0x32, 0x43, 0x31, 0x86, 0x18, 0x20, 0x72,
					       0x00, 0x82, 0x42, 0x10, 0x41, 0x16, 0xd8, 0xf2};

#define MODINFO                                                                                    \
	"path\tgithub.com/acme/app/cmd/app\n"                                                      \
	"mod\tgithub.com/acme/app\t(devel)\t\n"                                                    \
	"dep\tgithub.com/gorilla/mux\tv1.8.1\th1:TuBL49tXwgrFYWhqrNgrUNEY92u81SPhu7sTdzQEiWY=\n"   \
	"dep\tgolang.org/x/net\tv0.1.0\th1:aaaa\n"                                                 \
	"=>\tgithub.com/fork/net\tv0.2.0\th1:bbbb\n"                                               \
	"dep\texample.com/local\tv1.0.0\t\n"                                                       \
	"=>\t../local\t\t\n"                                                                       \
	"dep\tgopkg.in/yaml.v3\tv3.0.1\th1:fxVm/GzAzEWqLHuvctI91KS9hhNmmWOoWu0XTYJS7CA=\n"         \
	"build\t-compiler=gc\n"                                                                    \
	"build\tvcs=git\n"                                                                         \
	"build\tvcs.revision=0123456789abcdef0123456789abcdef01234567\n"                           \
	"build\tvcs.time=2024-03-01T12:34:56Z\n"                                                   \
	"build\tvcs.modified=false\n"

static struct buf framed(const char *modinfo)
{
	struct buf b;
	buf_init(&b, 0);
	if (modinfo && *modinfo) {
		(void)buf_append(&b, sentinel_start, 16);
		(void)buf_puts(&b, modinfo);
		(void)buf_append(&b, sentinel_end, 16);
	}
	return b;
}

static void put_uvarint(struct buf *b, uint64_t v)
{
	while (v >= 0x80) {
		(void)buf_putc(b, (char)(0x80 | (v & 0x7f)));
		v >>= 7;
	}
	(void)buf_putc(b, (char)v);
}

/* The Go >= 1.18 block: header, then inline version and modinfo. */
static struct buf block_inline(const char *version, const char *modinfo)
{
	struct buf b, m = framed(modinfo);
	buf_init(&b, 0);
	(void)buf_append(&b, "\xff Go buildinf:", 14);
	(void)buf_putc(&b, 8);
	(void)buf_putc(&b, 2);
	(void)buf_append(&b, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	put_uvarint(&b, strlen(version));
	(void)buf_puts(&b, version);
	put_uvarint(&b, m.len);
	(void)buf_append(&b, m.ptr ? m.ptr : "", m.len);
	buf_done(&m);
	return b;
}

static void put_word(struct buf *b, uint64_t v, unsigned size, bool be)
{
	for (unsigned i = 0; i < size; i++)
		(void)buf_putc(b, (char)(v >> (be ? 8 * (size - 1 - i) : 8 * i)));
}

/*
 * The old block, as the first section of an mkelf() file: header with two pointers, then
 * the two string headers {data, len}, then the bytes.
 */
static struct buf block_pointers(const char *version, const char *modinfo, unsigned ptr, bool be)
{
	struct buf b, m = framed(modinfo);
	buf_init(&b, 0);
	uint64_t base = MKELF_BASE + MKELF_FIRST_OFFSET;
	uint64_t hdr_v = base + 32, hdr_m = hdr_v + 2 * ptr;
	uint64_t data_v = hdr_m + 2 * ptr, data_m = data_v + strlen(version);
	(void)buf_append(&b, "\xff Go buildinf:", 14);
	(void)buf_putc(&b, (char)ptr);
	(void)buf_putc(&b, be ? 1 : 0);
	put_word(&b, hdr_v, ptr, be);
	put_word(&b, hdr_m, ptr, be);
	while (b.len < 32)
		(void)buf_putc(&b, 0);
	put_word(&b, data_v, ptr, be);
	put_word(&b, strlen(version), ptr, be);
	put_word(&b, data_m, ptr, be);
	put_word(&b, m.len, ptr, be);
	(void)buf_puts(&b, version);
	(void)buf_append(&b, m.ptr ? m.ptr : "", m.len);
	buf_done(&m);
	return b;
}

static unsigned char filler[4096];

static unsigned char *elf_with(struct buf *block, bool is64, bool be, bool shdrs, size_t *len)
{
	struct mkelf_section s[] = {
	    {".go.buildinfo", block->ptr, block->len},
	    {".text", filler, sizeof(filler)},
	};
	unsigned char *p = mkelf(s, 2, is64, be, shdrs, len);
	ASSERT_NOT_NULL(p);
	return p;
}

static struct img *catalog_one(const char *path, const void *data, size_t len, uint32_t mode)
{
	struct img *img = fakeimg_new();
	ASSERT_NOT_NULL(img);
	ASSERT_OK(fakeimg_add_file(img, path, data, len, mode, 0));
	ASSERT_OK(fakeimg_finish(img));
	struct bh_limits l;
	bh_limits_default(&l);
	struct bh_diag d = {0};
	ASSERT_OK(img_catalog(img, &l, &d));
	return img;
}

static size_t count_found_by(const struct img *img, const char *by)
{
	size_t n = 0;
	for (size_t i = 0; i < img->pkgs.n; i++)
		if (streq_ptr(img->pkgs.items[i]->found_by, by))
			n++;
	return n;
}

/* The full expectation for MODINFO built with go1.22.4. */
static void check_full(struct img *img, const char *location)
{
	ASSERT_EQ(count_found_by(img, "go"), 5);
	const struct pkg *p = fakeimg_find(img, "stdlib", NULL);
	ASSERT_NOT_NULL(p);
	ASSERT_STREQ(p->version, "go1.22.4");
	ASSERT_NULL(p->namespace);
	ASSERT_STREQ(p->location, location);
	ASSERT_EQ(p->type, PKG_GOLANG);

	p = fakeimg_find(img, "app", NULL);
	ASSERT_NOT_NULL(p);
	ASSERT_STREQ(p->namespace, "github.com/acme");
	ASSERT_STREQ(p->version, "v0.0.0-20240301123456-0123456789ab");
	ASSERT_TRUE(strv_contains(&p->depends, "github.com/gorilla/mux"));
	ASSERT_TRUE(strv_contains(&p->depends, "github.com/fork/net"));
	ASSERT_FALSE(strv_contains(&p->depends, "../local"));

	p = fakeimg_find(img, "mux", NULL);
	ASSERT_NOT_NULL(p);
	ASSERT_STREQ(p->namespace, "github.com/gorilla");
	ASSERT_STREQ(p->version, "v1.8.1");
	ASSERT_STREQ(p->checksum, "h1:TuBL49tXwgrFYWhqrNgrUNEY92u81SPhu7sTdzQEiWY=");
	ASSERT_STREQ(p->found_by, "go");
	ASSERT_STREQ(p->location, location);
	ASSERT_EQ(p->layer, 0);
	if (p->purl && strncmp(p->purl, "pkg:generic", 11) != 0)
		ASSERT_STREQ(p->purl, "pkg:golang/github.com/gorilla/mux@v1.8.1");

	/* the replacement wins; the local directory replacement is no package */
	p = fakeimg_find(img, "net", NULL);
	ASSERT_NOT_NULL(p);
	ASSERT_STREQ(p->namespace, "github.com/fork");
	ASSERT_STREQ(p->version, "v0.2.0");
	ASSERT_STREQ(p->checksum, "h1:bbbb");
	ASSERT_NULL(fakeimg_find(img, "local", NULL));

	p = fakeimg_find(img, "yaml.v3", NULL);
	ASSERT_NOT_NULL(p);
	ASSERT_STREQ(p->namespace, "gopkg.in");
	ASSERT_STREQ(p->version, "v3.0.1");
}

TEST(want)
{
	const struct img_cataloger *c = &img_cataloger_go;
	ASSERT_EQ(c->want(SPAN_LIT("usr/bin/app"), 0755, 1 << 20), IMG_WANT_CONTENT);
	ASSERT_EQ(c->want(SPAN_LIT("usr/bin/app"), 0100, 4096), IMG_WANT_CONTENT);
	ASSERT_EQ(c->want(SPAN_LIT("usr/bin/app"), 0644, 1 << 20), 0);
	ASSERT_EQ(c->want(SPAN_LIT("usr/bin/tiny"), 0755, 100), 0);
}

TEST(inline_format)
{
	struct buf block = block_inline("go1.22.4", MODINFO);
	size_t len;
	_cleanup_free_ unsigned char *elf = elf_with(&block, true, false, true, &len);
	buf_done(&block);
	struct img *img = catalog_one("usr/local/bin/app", elf, len, 0755);
	check_full(img, "/usr/local/bin/app");
	img_free(img);
}

TEST(reduce_keeps_only_build_info)
{
	struct buf block = block_inline("go1.22.4", MODINFO);
	size_t len;
	_cleanup_free_ unsigned char *elf = elf_with(&block, true, false, true, &len);
	buf_done(&block);
	struct bh_limits l;
	bh_limits_default(&l);
	_cleanup_buf_ struct buf out;
	buf_init(&out, 0);
	ASSERT_OK(img_cataloger_go.reduce(SPAN_LIT("app"), span_make(elf, len), &l, &out));
	ASSERT_STREQ(buf_str(&out), "go\tgo1.22.4\n" MODINFO);
}

TEST(pointer_format_elf64_le)
{
	struct buf block = block_pointers("go1.16.15", MODINFO, 8, false);
	size_t len;
	_cleanup_free_ unsigned char *elf = elf_with(&block, true, false, true, &len);
	buf_done(&block);
	struct img *img = catalog_one("bin/old", elf, len, 0755);
	ASSERT_EQ(count_found_by(img, "go"), 5);
	const struct pkg *p = fakeimg_find(img, "stdlib", NULL);
	ASSERT_NOT_NULL(p);
	ASSERT_STREQ(p->version, "go1.16.15");
	ASSERT_NOT_NULL(fakeimg_find(img, "mux", "v1.8.1"));
	img_free(img);
}

TEST(pointer_format_elf32_be)
{
	struct buf block = block_pointers("go1.12", MODINFO, 4, true);
	size_t len;
	_cleanup_free_ unsigned char *elf = elf_with(&block, false, true, true, &len);
	buf_done(&block);
	struct img *img = catalog_one("bin/mips", elf, len, 0755);
	ASSERT_EQ(count_found_by(img, "go"), 5);
	ASSERT_NOT_NULL(fakeimg_find(img, "stdlib", "go1.12"));
	ASSERT_NOT_NULL(fakeimg_find(img, "net", "v0.2.0"));
	img_free(img);
}

TEST(pointer_format_without_section_headers)
{
	struct buf block = block_pointers("go1.17.13", MODINFO, 8, false);
	size_t len;
	_cleanup_free_ unsigned char *elf = elf_with(&block, true, false, false, &len);
	buf_done(&block);
	struct img *img = catalog_one("bin/stripped", elf, len, 0755);
	ASSERT_EQ(count_found_by(img, "go"), 5);
	img_free(img);
}

TEST(non_elf_and_decoys)
{
	/* The magic in rodata (unaligned, and aligned but not decodable) precedes the block. */
	struct buf f;
	buf_init(&f, 0);
	ASSERT_OK(buf_append(&f, filler, 1000));
	ASSERT_OK(buf_append(&f, "\xff Go buildinf:", 14)); /* unaligned */
	while (f.len % 16)
		ASSERT_OK(buf_putc(&f, 'x'));
	ASSERT_OK(buf_append(&f,
			     "\xff Go buildinf:\x08\x02\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"
			     "\xff\xff\xff\xff\xff\xff\xff\xff",
			     34));
	while (f.len % 16)
		ASSERT_OK(buf_putc(&f, 'y'));
	struct buf block = block_inline("go1.21.0", "mod\texample.com/m\tv1.0.0\t\n");
	ASSERT_OK(buf_append(&f, block.ptr, block.len));
	buf_done(&block);
	struct img *img = catalog_one("app.exe", f.ptr, f.len, 0755);
	ASSERT_EQ(count_found_by(img, "go"), 2);
	const struct pkg *p = fakeimg_find(img, "m", "v1.0.0");
	ASSERT_NOT_NULL(p);
	ASSERT_STREQ(p->namespace, "example.com");
	ASSERT_NOT_NULL(fakeimg_find(img, "stdlib", "go1.21.0"));
	img_free(img);
	buf_done(&f);
}

TEST(devel_without_vcs_and_toolchain_experiments)
{
	struct buf block =
	    block_inline("go1.20.1 X:boringcrypto", "path\thello\nmod\thello\t(devel)\t\n");
	size_t len;
	_cleanup_free_ unsigned char *elf = elf_with(&block, true, false, true, &len);
	buf_done(&block);
	struct img *img = catalog_one("hello", elf, len, 0755);
	ASSERT_EQ(count_found_by(img, "go"), 2);
	const struct pkg *p = fakeimg_find(img, "hello", NULL);
	ASSERT_NOT_NULL(p);
	ASSERT_STREQ(p->version, "(devel)");
	ASSERT_NULL(p->namespace);
	ASSERT_NOT_NULL(fakeimg_find(img, "stdlib", "go1.20.1"));
	img_free(img);
}

TEST(gopath_build_lists_stdlib_only)
{
	struct buf block = block_inline("go1.19", "");
	size_t len;
	_cleanup_free_ unsigned char *elf = elf_with(&block, true, false, true, &len);
	buf_done(&block);
	struct img *img = catalog_one("gopath", elf, len, 0755);
	ASSERT_EQ(count_found_by(img, "go"), 1);
	ASSERT_NOT_NULL(fakeimg_find(img, "stdlib", "go1.19"));
	img_free(img);
}

TEST(garbage_lines_are_skipped)
{
	struct buf block = block_inline("go1.22.0", "mod\texample.com/x\tv1.2.3\th1:x\n"
						    "dep\tbroken\n"
						    "what\tever\n"
						    "no tab here\n"
						    "dep\ta/b\tv0.0.1\th1:y\textra\n"
						    "dep\tgithub.com/ok/ok\tv1.0.0\th1:z\n");
	size_t len;
	_cleanup_free_ unsigned char *elf = elf_with(&block, true, false, true, &len);
	buf_done(&block);
	struct img *img = catalog_one("x", elf, len, 0755);
	ASSERT_EQ(count_found_by(img, "go"), 3);
	ASSERT_NOT_NULL(fakeimg_find(img, "x", "v1.2.3"));
	ASSERT_NOT_NULL(fakeimg_find(img, "ok", "v1.0.0"));
	img_free(img);
}

TEST(truncated_and_hostile)
{
	struct bh_limits l;
	bh_limits_default(&l);
	struct buf block = block_inline("go1.22.4", MODINFO);
	size_t len;
	_cleanup_free_ unsigned char *elf = elf_with(&block, true, false, true, &len);
	/* every prefix of the block: never crashes, never lists anything partial */
	for (size_t cut = 0; cut < block.len; cut++) {
		_cleanup_buf_ struct buf out;
		buf_init(&out, 0);
		ASSERT_ERR(
		    img_cataloger_go.reduce(SPAN_LIT("t"), span_make(block.ptr, cut), &l, &out),
		    -ENOENT);
	}
	/* modinfo length pointing past the end */
	_cleanup_free_ unsigned char *bad = malloc(len);
	ASSERT_NOT_NULL(bad);
	memcpy(bad, elf, len);
	size_t at = MKELF_FIRST_OFFSET + 32 + 1 + strlen("go1.22.4");
	bad[at] = 0xff;
	bad[at + 1] = 0xff;
	bad[at + 2] = 0x7f;
	_cleanup_buf_ struct buf out;
	buf_init(&out, 0);
	ASSERT_ERR(img_cataloger_go.reduce(SPAN_LIT("t"), span_make(bad, len), &l, &out), -ENOENT);
	/* old format pointers to nowhere */
	buf_done(&block);
	block = block_pointers("go1.16", MODINFO, 8, false);
	_cleanup_free_ unsigned char *old = elf_with(&block, true, false, true, &len);
	old[MKELF_FIRST_OFFSET + 16 + 3] = 0x7f;
	buf_clear(&out);
	ASSERT_ERR(img_cataloger_go.reduce(SPAN_LIT("t"), span_make(old, len), &l, &out), -ENOENT);
	buf_done(&block);
	/* a truncated ELF header and a shell script */
	ASSERT_ERR(img_cataloger_go.reduce(SPAN_LIT("t"), span_make(elf, 40), &l, &out), -ENOENT);
	ASSERT_ERR(img_cataloger_go.reduce(
		       SPAN_LIT("t"), SPAN_LIT("#!/bin/sh\nexec foo \xff Go buildinf:"), &l, &out),
		   -ENOENT);
}

TEST(not_executable_is_ignored)
{
	struct buf block = block_inline("go1.22.4", MODINFO);
	size_t len;
	_cleanup_free_ unsigned char *elf = elf_with(&block, true, false, true, &len);
	buf_done(&block);
	struct img *img = catalog_one("data/app.bin", elf, len, 0644);
	ASSERT_EQ(count_found_by(img, "go"), 0);
	img_free(img);
}
