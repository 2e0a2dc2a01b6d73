/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Layer streaming: compression, digests, diff_ids, hostile entries and bomb limits.
 * Tar streams are written in memory with libarchive's writer into a memfd.
 */
#include <archive.h>
#include <archive_entry.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "image/image-int.h"
#include "tap.h"

struct ent {
	const char *name;
	char type;       /* 'f' file, 'd' dir, 'l' symlink, 'h' hardlink */
	const char *data; /* content or link target */
	size_t zeros;    /* file of this many zero bytes instead of data */
};

static int mkstream(const struct ent *ents, size_t n, int filter)
{
	int fd = memfd_create("layer", MFD_CLOEXEC);
	if (fd < 0)
		tap_fail(__FILE__, __LINE__, "memfd_create");
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	if (filter == 1)
		archive_write_add_filter_gzip(a);
	else if (filter == 2)
		archive_write_add_filter_zstd(a);
	else
		archive_write_add_filter_none(a);
	archive_write_set_bytes_in_last_block(a, 1);
	if (archive_write_open_fd(a, fd) != ARCHIVE_OK)
		tap_fail(__FILE__, __LINE__, "open: %s", archive_error_string(a));
	static char zeros[1 << 16];
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, ents[i].name);
		archive_entry_set_perm(e, 0644);
		switch (ents[i].type) {
		case 'd':
			archive_entry_set_filetype(e, AE_IFDIR);
			break;
		case 'l':
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_symlink(e, ents[i].data);
			break;
		case 'h':
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_hardlink(e, ents[i].data);
			break;
		default:
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_size(e, ents[i].zeros ? (la_int64_t)ents[i].zeros
							      : (la_int64_t)strlen(ents[i].data));
		}
		if (archive_write_header(a, e) != ARCHIVE_OK)
			tap_fail(__FILE__, __LINE__, "header: %s", archive_error_string(a));
		if (ents[i].type == 'f') {
			if (ents[i].zeros) {
				for (size_t left = ents[i].zeros; left;) {
					size_t k = left < sizeof(zeros) ? left : sizeof(zeros);
					archive_write_data(a, zeros, k);
					left -= k;
				}
			} else
				archive_write_data(a, ents[i].data, strlen(ents[i].data));
		}
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	return fd;
}

static uint64_t fd_size(int fd)
{
	struct stat st;
	fstat(fd, &st);
	return (uint64_t)st.st_size;
}

static void digest_of(int fd, char out[static BH_DIGEST_STR_LEN + 1])
{
	uint64_t n = fd_size(fd);
	void *m = n ? mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
	bh_sha256_str(m, n, out);
	if (m)
		munmap(m, n);
}

static int read_layer(int fd, const struct bh_limits *l, const char *digest, const char *diff_id,
		      struct img_layer_index **ret, struct bh_diag *d)
{
	struct img_region reg = { .fd = fd, .offset = 0, .length = fd_size(fd), .name = "test-layer" };
	struct img_read_shared sh = { .limits = l };
	return img_layer_read(&reg, IMG_COMP_AUTO, digest, diff_id, 0, &sh, ret, d);
}

static const struct ent basic[] = {
	{ "./etc/", 'd', NULL, 0 },
	{ "./etc/os-release", 'f', "ID=debian\nVERSION_ID=\"12\"\n", 0 },
	{ "./usr/bin/x", 'f', "bin", 0 },
	{ "./usr/bin/y", 'h', "usr/bin/x", 0 },
	{ "./lib", 'l', "usr/lib", 0 },
	{ "./var/.wh.cache", 'f', "", 0 },
	{ "./opt/.wh..wh..opq", 'f', "", 0 },
	{ "./.wh..wh.plnk", 'f', "", 0 },
};

static void check_basic(int filter)
{
	struct bh_limits l;
	bh_limits_default(&l);
	int plain = mkstream(basic, ARRAY_SIZE(basic), 0);
	char diff_id[BH_DIGEST_STR_LEN + 1], digest[BH_DIGEST_STR_LEN + 1];
	digest_of(plain, diff_id);
	int fd = filter ? mkstream(basic, ARRAY_SIZE(basic), filter) : plain;
	digest_of(fd, digest);
	struct img_layer_index *idx = NULL;
	struct bh_diag d = { 0 };
	ASSERT_OK(read_layer(fd, &l, digest, diff_id, &idx, &d));
	ASSERT_STREQ(idx->diff_id, diff_id);
	ASSERT_STREQ(idx->digest, digest);
	ASSERT_EQ(idx->n, 7);
	ASSERT_STREQ(idx->entries[0].file.path, "etc");
	ASSERT_EQ(idx->entries[0].file.type, IMG_FT_DIR);
	struct img_file *os = &idx->entries[1].file;
	ASSERT_STREQ(os->path, "etc/os-release");
	ASSERT_NOT_NULL(os->content);
	ASSERT_EQ(os->content->owner, -1);
	ASSERT_STREQ((const char *)os->content->data, "ID=debian\nVERSION_ID=\"12\"\n");
	ASSERT_NULL(idx->entries[2].file.content); /* nobody wants usr/bin/x's bytes as text */
	ASSERT_EQ(idx->entries[3].file.type, IMG_FT_HARDLINK);
	ASSERT_STREQ(idx->entries[3].file.link, "usr/bin/x");
	ASSERT_EQ(idx->entries[4].file.type, IMG_FT_SYMLINK);
	ASSERT_STREQ(idx->entries[4].file.link, "usr/lib");
	ASSERT_EQ(idx->entries[5].kind, IMG_ENTRY_WHITEOUT);
	ASSERT_STREQ(idx->entries[5].file.path, "var/cache");
	ASSERT_EQ(idx->entries[6].kind, IMG_ENTRY_OPAQUE);
	ASSERT_STREQ(idx->entries[6].file.path, "opt");
	img_layer_index_free(idx);
	if (fd != plain)
		close(fd);
	close(plain);
}

TEST(layer_plain)
{
	check_basic(0);
}

TEST(layer_gzip)
{
	check_basic(1);
}

TEST(layer_zstd)
{
	check_basic(2);
}

TEST(layer_digest_and_diff_id_mismatch)
{
	struct bh_limits l;
	bh_limits_default(&l);
	int fd = mkstream(basic, ARRAY_SIZE(basic), 1);
	struct img_layer_index *idx = NULL;
	struct bh_diag d = { 0 };
	const char *bogus = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
	ASSERT_ERR(read_layer(fd, &l, bogus, NULL, &idx, &d), -EBADMSG);
	ASSERT_TRUE(strstr(d.message, "digest mismatch") != NULL);
	memset(&d, 0, sizeof(d));
	ASSERT_ERR(read_layer(fd, &l, NULL, bogus, &idx, &d), -EBADMSG);
	ASSERT_TRUE(strstr(d.message, "diff_id mismatch") != NULL);
	close(fd);
}

TEST(layer_truncated_gzip_and_garbage)
{
	struct bh_limits l;
	bh_limits_default(&l);
	int fd = mkstream(basic, ARRAY_SIZE(basic), 1);
	ASSERT_OK(ftruncate(fd, (off_t)fd_size(fd) - 20));
	struct img_layer_index *idx = NULL;
	struct bh_diag d = { 0 };
	ASSERT_ERR(read_layer(fd, &l, NULL, NULL, &idx, &d), -EBADMSG);
	ASSERT_TRUE(strstr(d.message, "truncated") != NULL || strstr(d.message, "corrupt") != NULL);
	close(fd);

	fd = memfd_create("junk", MFD_CLOEXEC);
	ASSERT_TRUE(write(fd, "\x1f\x8b\x08\x00garbagegarbagegarbage", 25) == 25);
	memset(&d, 0, sizeof(d));
	ASSERT_ERR(read_layer(fd, &l, NULL, NULL, &idx, &d), -EBADMSG);
	close(fd);

	fd = memfd_create("notar", MFD_CLOEXEC);
	char junk[2048];
	memset(junk, 'A', sizeof(junk));
	ASSERT_TRUE(write(fd, junk, sizeof(junk)) == (ssize_t)sizeof(junk));
	memset(&d, 0, sizeof(d));
	ASSERT_ERR(read_layer(fd, &l, NULL, NULL, &idx, &d), -EBADMSG);
	close(fd);
}

TEST(layer_truncated_tar)
{
	struct bh_limits l;
	bh_limits_default(&l);
	struct ent e[] = { { "big", 'f', NULL, 100000 } };
	int fd = mkstream(e, 1, 0);
	ASSERT_OK(ftruncate(fd, 5000));
	struct img_layer_index *idx = NULL;
	struct bh_diag d = { 0 };
	ASSERT_ERR(read_layer(fd, &l, NULL, NULL, &idx, &d), -EBADMSG);
	close(fd);
}

TEST(layer_empty_is_valid)
{
	struct bh_limits l;
	bh_limits_default(&l);
	int fd = memfd_create("empty", MFD_CLOEXEC);
	struct img_layer_index *idx = NULL;
	struct bh_diag d = { 0 };
	ASSERT_OK(read_layer(fd, &l, NULL, NULL, &idx, &d));
	ASSERT_EQ(idx->n, 0);
	ASSERT_STREQ(idx->diff_id, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	img_layer_index_free(idx);
	close(fd);
	fd = mkstream(NULL, 0, 0); /* just the end-of-archive blocks */
	ASSERT_OK(read_layer(fd, &l, NULL, NULL, &idx, &d));
	ASSERT_EQ(idx->n, 0);
	img_layer_index_free(idx);
	close(fd);
}

TEST(layer_hostile_paths)
{
	struct bh_limits l;
	bh_limits_default(&l);
	static const struct ent dotdot[] = { { "../../etc/passwd", 'f', "root", 0 } };
	static const struct ent abs[] = { { "/etc/passwd", 'f', "root", 0 } };
	static const struct ent hl[] = { { "a", 'h', "../../etc/shadow", 0 } };
	const struct ent *cases[] = { dotdot, abs, hl };
	const char *want[] = { "'..'", "absolute path", "outside the image" };
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		int fd = mkstream(cases[i], 1, 1);
		struct img_layer_index *idx = NULL;
		struct bh_diag d = { 0 };
		ASSERT_ERR(read_layer(fd, &l, NULL, NULL, &idx, &d), -EBADMSG);
		if (!strstr(d.message, want[i]))
			tap_fail(__FILE__, __LINE__, "case %zu: message '%s'", i, d.message);
		close(fd);
	}
}

TEST(layer_deep_path_and_entry_limits)
{
	struct bh_limits l;
	bh_limits_default(&l);
	/* 10,000-deep directory path in a pax header */
	size_t depth = 10000;
	char *p = malloc(depth * 2 + 2);
	for (size_t i = 0; i < depth; i++) {
		p[2 * i] = 'a';
		p[2 * i + 1] = '/';
	}
	p[2 * depth] = 'f';
	p[2 * depth + 1] = 0;
	struct ent deep[] = { { p, 'f', "x", 0 } };
	int fd = mkstream(deep, 1, 1);
	struct img_layer_index *idx = NULL;
	struct bh_diag d = { 0 };
	ASSERT_ERR(read_layer(fd, &l, NULL, NULL, &idx, &d), -E2BIG);
	ASSERT_TRUE(strstr(d.message, "path-max") != NULL);
	close(fd);
	free(p);

	l.max_entries = 5;
	struct ent many[8];
	char names[8][8];
	for (int i = 0; i < 8; i++) {
		(void)xsnprintf(names[i], sizeof(names[i]), "f%d", i);
		many[i] = (struct ent){ names[i], 'f', "x", 0 };
	}
	fd = mkstream(many, 8, 0);
	memset(&d, 0, sizeof(d));
	ASSERT_ERR(read_layer(fd, &l, NULL, NULL, &idx, &d), -E2BIG);
	ASSERT_TRUE(strstr(d.message, "max-entries") != NULL);
	close(fd);
}

TEST(layer_bombs)
{
	struct bh_limits l;
	bh_limits_default(&l);
	struct ent z[] = { { "zeros", 'f', NULL, 64u << 20 } };
	int fd = mkstream(z, 1, 1);
	l.ratio_min_bytes = 1 << 20;
	l.ratio_max = 100;
	struct img_layer_index *idx = NULL;
	struct bh_diag d = { 0 };
	ASSERT_ERR(read_layer(fd, &l, NULL, NULL, &idx, &d), -E2BIG);
	ASSERT_TRUE(strstr(d.message, "ratio") != NULL);
	bh_limits_default(&l);
	l.layer_max_bytes = 8 << 20;
	memset(&d, 0, sizeof(d));
	ASSERT_ERR(read_layer(fd, &l, NULL, NULL, &idx, &d), -E2BIG);
	ASSERT_TRUE(strstr(d.message, "layer-max-bytes") != NULL);
	bh_limits_default(&l);
	ASSERT_OK(read_layer(fd, &l, NULL, NULL, &idx, &d));
	ASSERT_EQ(idx->n, 1);
	img_layer_index_free(idx);
	close(fd);
}
