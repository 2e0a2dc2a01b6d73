/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-rust.c — the Rust cataloger: Cargo.lock (Trivy's fixtures for format 1/2 and 3,
 * read in place, plus hand-written edge cases) and cargo-auditable data in an ELF section
 * ".dep-v0" of a binary built in memory by tests/fixtures/bin/mkelf.h (zlib-compressed
 * JSON made here with compress2()).
 */
#include <zlib.h>

#include "../../fixtures/bin/mkelf.h"
#include "fakeimg.h"
#include "image/catalogers/catalog.h"
#include "tap.h"

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

static struct img *catalog_shared(const char *rel, const char *path)
{
	const char *disk = tap_shared_path(rel);
	if (!disk)
		TEST_SKIP("shared testdata absent");
	struct img *img = fakeimg_new();
	ASSERT_NOT_NULL(img);
	ASSERT_OK(fakeimg_add_file_from(img, path, disk, 0644, 1));
	ASSERT_OK(fakeimg_finish(img));
	struct bh_limits l;
	bh_limits_default(&l);
	struct bh_diag d = {0};
	ASSERT_OK(img_catalog(img, &l, &d));
	return img;
}

static size_t count_rust(const struct img *img)
{
	size_t n = 0;
	for (size_t i = 0; i < img->pkgs.n; i++)
		if (streq_ptr(img->pkgs.items[i]->found_by, "rust"))
			n++;
	return n;
}

static const struct pkg *find_v(const struct img *img, const char *name, const char *version)
{
	const struct pkg *p = fakeimg_find(img, name, version);
	ASSERT_NOT_NULL(p);
	ASSERT_EQ(p->type, PKG_CARGO);
	return p;
}

TEST(want)
{
	const struct img_cataloger *c = &img_cataloger_rust;
	ASSERT_EQ(c->want(SPAN_LIT("src/app/Cargo.lock"), 0644, 10), IMG_WANT_CONTENT);
	ASSERT_EQ(c->want(SPAN_LIT("Cargo.lock"), 0644, 10), IMG_WANT_CONTENT);
	ASSERT_EQ(c->want(SPAN_LIT("src/NotCargo.lock"), 0644, 10), 0);
	ASSERT_EQ(c->want(SPAN_LIT("usr/bin/rg"), 0755, 1 << 20), IMG_WANT_CONTENT);
	ASSERT_EQ(c->want(SPAN_LIT("usr/share/doc/x"), 0644, 1 << 20), 0);
}

TEST(cargo_lock_v1)
{
	struct img *img = catalog_shared("pkgdb/cargo/Cargo_normal.lock", "app/Cargo.lock");
	ASSERT_EQ(count_rust(img), 8);
	const struct pkg *p = find_v(img, "libc", "0.2.54");
	ASSERT_STREQ(p->checksum,
		     "sha256:c6785aa7dd976f5fbf3b71cfd9cd49d7f783c1ff565a858d71031c6c313aa5c6");
	ASSERT_STREQ(p->location, "/app/Cargo.lock");
	ASSERT_STREQ(p->found_by, "rust");
	ASSERT_EQ(p->layer, 1);
	if (p->purl && strncmp(p->purl, "pkg:generic", 11) != 0)
		ASSERT_STREQ(p->purl, "pkg:cargo/libc@0.2.54");
	p = find_v(img, "normal", "0.1.0");
	ASSERT_NULL(p->checksum);
	ASSERT_EQ(p->depends.n, 1);
	ASSERT_STREQ(p->depends.v[0], "libc");
	p = find_v(img, "typemap", "0.3.3");
	ASSERT_EQ(p->depends.n, 1);
	ASSERT_STREQ(p->depends.v[0], "unsafe-any");
	ASSERT_NULL(p->checksum);
	find_v(img, "unsafe-any", "0.4.2");
	find_v(img, "idna", "0.1.5");
	find_v(img, "matches", "0.1.8");
	find_v(img, "percent-encoding", "1.0.1");
	p = find_v(img, "url", "1.7.2");
	ASSERT_EQ(p->depends.n, 3);
	ASSERT_STREQ(p->depends.v[0], "idna");
	ASSERT_STREQ(p->depends.v[1], "matches");
	ASSERT_STREQ(p->depends.v[2], "percent-encoding");
	img_free(img);
}

TEST(cargo_lock_v3)
{
	struct img *img = catalog_shared("pkgdb/cargo/Cargo_v3.lock", "Cargo.lock");
	ASSERT_EQ(count_rust(img), 9);
	const struct pkg *p = find_v(img, "aho-corasick", "0.7.20");
	ASSERT_STREQ(p->checksum,
		     "sha256:cc936419f96fa211c1b9166887b38e5e40b19958e5b895be7c1f93adec7071ac");
	ASSERT_EQ(p->depends.n, 1);
	ASSERT_STREQ(p->depends.v[0], "memchr");
	p = find_v(img, "app", "0.1.0");
	ASSERT_NULL(p->checksum);
	ASSERT_EQ(p->depends.n, 3);
	ASSERT_STREQ(p->depends.v[0], "memchr");
	ASSERT_STREQ(p->depends.v[1], "regex");
	ASSERT_STREQ(p->depends.v[2], "regex-syntax");
	find_v(img, "libc", "0.2.140");
	p = find_v(img, "memchr", "1.0.2");
	ASSERT_STREQ(p->checksum,
		     "sha256:148fab2e51b4f1cfc66da2a7c32981d1d3c083a803978268bb11fe4b86925e7a");
	find_v(img, "memchr", "2.5.0");
	p = find_v(img, "regex", "1.7.3");
	ASSERT_EQ(p->depends.n, 3);
	find_v(img, "regex-syntax", "0.5.6");
	find_v(img, "regex-syntax", "0.6.29");
	p = find_v(img, "ucd-util", "0.1.10");
	ASSERT_STREQ(p->checksum,
		     "sha256:abd2fc5d32b590614af8b0a20d837f32eca055edd0bbead59a9cfe80858be003");
	img_free(img);
}

static const char edge_lock[] =
    "# comment\n"
    "version = 4\n"
    "\n"
    "[[package]]\n"
    "name = \"inline\" # trailing comment\n"
    "version = '1.0.0'\n"
    "source = \"registry+https://github.com/rust-lang/crates.io-index\"\n"
    "checksum = \"0000000000000000000000000000000000000000000000000000000000000001\"\n"
    "dependencies = [\"a\", \"b 1.0.0\", 'c 2.0.0 (registry+https://x)']\n"
    "\n"
    "[[package]]\n"
    "name = \"esc\\u0061ped\"\n"
    "version = \"0.1.0\"\n"
    "checksum = \"not-hex\"\n"
    "\n"
    "[[package]]\n"
    "name = \"noversion\"\n"
    "\n"
    "[[package]]\n"
    "name = \"bad\n"
    "version = \"9.9.9\"\n"
    "weird = { a = 1 }\n"
    "this line is garbage\n"
    "\n"
    "[[patch.unused]]\n"
    "name = \"unused\"\n"
    "version = \"1.0.0\"\n"
    "\n"
    "[[package]]\n"
    "name = \"multi\"\n"
    "version = \"3.0.0\"\n"
    "dependencies = [\n"
    " \"x\",\n"
    " \"y 1.0\", # comment\n"
    " 42,\n"
    " \"z\",\n"
    "]\n"
    "\n"
    "[[package]]\n"
    "name = \"last\"\n"
    "version = \"1.2.3\"\n"
    "dependencies = [\n"
    " \"never-closed\",\n";

TEST(cargo_lock_edge_cases)
{
	struct img *img = catalog_one("x/Cargo.lock", edge_lock, sizeof(edge_lock) - 1, 0644);
	const struct pkg *p = find_v(img, "inline", "1.0.0");
	ASSERT_STREQ(p->checksum,
		     "sha256:0000000000000000000000000000000000000000000000000000000000000001");
	ASSERT_EQ(p->depends.n, 3);
	ASSERT_STREQ(p->depends.v[2], "c");
	p = find_v(img, "escaped", "0.1.0");
	ASSERT_NULL(p->checksum); /* not SHA-256 hex: dropped with a warning */
	ASSERT_NULL(fakeimg_find(img, "noversion", NULL));
	/* the malformed name line is skipped; the package then has no name */
	ASSERT_NULL(fakeimg_find(img, "bad", NULL));
	ASSERT_NULL(fakeimg_find(img, "unused", NULL));
	p = find_v(img, "multi", "3.0.0");
	/* the array with a non-string item is abandoned at that line */
	ASSERT_EQ(p->depends.n, 2);
	p = find_v(img, "last", "1.2.3");
	ASSERT_EQ(p->depends.n, 1);
	ASSERT_EQ(count_rust(img), 4);
	img_free(img);
}

static unsigned char filler[2048];

static unsigned char *auditable_elf(const char *json, size_t json_len, bool corrupt, size_t *len)
{
	uLongf zlen = compressBound(json_len);
	unsigned char *z = malloc(zlen);
	ASSERT_NOT_NULL(z);
	ASSERT_EQ(compress2(z, &zlen, (const Bytef *)json, json_len, 9), Z_OK);
	if (corrupt)
		zlen /= 2;
	struct mkelf_section s[] = {
	    {".text", filler, sizeof(filler)},
	    {".dep-v0", z, zlen},
	};
	unsigned char *elf = mkelf(s, 2, true, false, true, len);
	free(z);
	ASSERT_NOT_NULL(elf);
	return elf;
}

static const char audit_json[] =
    "{\"packages\":["
    "{\"name\":\"app\",\"version\":\"0.1.0\",\"source\":\"local\",\"dependencies\":[1,2,4],"
    "\"root\":true},"
    "{\"name\":\"serde\",\"version\":\"1.0.197\",\"source\":\"crates.io\",\"dependencies\":[3]},"
    "{\"name\":\"cc\",\"version\":\"1.0.90\",\"source\":\"crates.io\",\"kind\":\"build\"},"
    "{\"name\":\"serde_derive\",\"version\":\"1.0.197\",\"source\":\"crates.io\","
    "\"kind\":\"runtime\",\"dependencies\":[99,-1,\"x\"]},"
    "{\"name\":\"\",\"version\":\"1\"}"
    "]}";

TEST(cargo_auditable)
{
	size_t len;
	_cleanup_free_ unsigned char *elf =
	    auditable_elf(audit_json, sizeof(audit_json) - 1, false, &len);
	struct img *img = catalog_one("usr/local/bin/app", elf, len, 0755);
	ASSERT_EQ(count_rust(img), 3);
	const struct pkg *p = find_v(img, "app", "0.1.0");
	ASSERT_STREQ(p->location, "/usr/local/bin/app");
	ASSERT_EQ(p->depends.n, 1); /* cc is a build dependency; index 4 has no name */
	ASSERT_STREQ(p->depends.v[0], "serde");
	p = find_v(img, "serde", "1.0.197");
	ASSERT_EQ(p->depends.n, 1);
	ASSERT_STREQ(p->depends.v[0], "serde_derive");
	p = find_v(img, "serde_derive", "1.0.197");
	ASSERT_EQ(p->depends.n, 0);
	ASSERT_NULL(fakeimg_find(img, "cc", NULL));
	img_free(img);
}

TEST(cargo_auditable_hostile)
{
	struct bh_limits l;
	bh_limits_default(&l);
	size_t len;
	_cleanup_buf_ struct buf out;
	buf_init(&out, 0);

	/* truncated zlib stream */
	_cleanup_free_ unsigned char *trunc =
	    auditable_elf(audit_json, sizeof(audit_json) - 1, true, &len);
	ASSERT_ERR(img_cataloger_rust.reduce(SPAN_LIT("bin/x"), span_make(trunc, len), &l, &out),
		   -EBADMSG);

	/* a decompression bomb: 16 MiB of spaces compress to a few KB */
	size_t big = (size_t)16 << 20;
	_cleanup_free_ char *spaces = malloc(big);
	ASSERT_NOT_NULL(spaces);
	memset(spaces, ' ', big);
	_cleanup_free_ unsigned char *bomb = auditable_elf(spaces, big, false, &len);
	ASSERT_TRUE(len < 100000);
	buf_clear(&out);
	ASSERT_ERR(img_cataloger_rust.reduce(SPAN_LIT("bin/x"), span_make(bomb, len), &l, &out),
		   -E2BIG);

	/* not JSON after inflating: listed as nothing, with a warning */
	static const char notjson[] = "{\"packages\": [";
	_cleanup_free_ unsigned char *nj = auditable_elf(notjson, sizeof(notjson) - 1, false, &len);
	struct img *img = catalog_one("bin/nj", nj, len, 0755);
	ASSERT_EQ(count_rust(img), 0);
	img_free(img);

	/* every prefix of a good binary */
	_cleanup_free_ unsigned char *good =
	    auditable_elf(audit_json, sizeof(audit_json) - 1, false, &len);
	for (size_t cut = 0; cut < len; cut += 7) {
		buf_clear(&out);
		int r =
		    img_cataloger_rust.reduce(SPAN_LIT("bin/x"), span_make(good, cut), &l, &out);
		ASSERT_TRUE(r < 0);
	}
	/* section offset pointing past the end */
	_cleanup_free_ unsigned char *bad = malloc(len);
	ASSERT_NOT_NULL(bad);
	memcpy(bad, good, len);
	size_t shoff = (size_t)bad[40] | (size_t)bad[41] << 8 | (size_t)bad[42] << 16;
	size_t sh = shoff + 2 * 64; /* .dep-v0 is the second section */
	bad[sh + 24 + 6] = 0x7f;    /* sh_offset high bytes */
	buf_clear(&out);
	ASSERT_TRUE(img_cataloger_rust.reduce(SPAN_LIT("bin/x"), span_make(bad, len), &l, &out) <
		    0);
}
