/* SPDX-License-Identifier: Apache-2.0 */
/* File index semantics: whiteouts, opaque directories, links, resolution, history. */
#include "fakeimg.h"
#include "image/catalogers/catalog.h"
#include "image/image-int.h"
#include "tap.h"

static struct img *mk(void)
{
	struct img *img = fakeimg_new();
	if (!img)
		tap_fail(__FILE__, __LINE__, "fakeimg_new");
	return img;
}

TEST(whiteout_removes_lower_file_and_subtree)
{
	struct img *img = mk();
	ASSERT_OK(fakeimg_add_file(img, "etc/a", "1", 1, 0644, 0));
	ASSERT_OK(fakeimg_add_file(img, "usr/share/x/y/z", "1", 1, 0644, 0));
	ASSERT_OK(fakeimg_whiteout(img, "etc/a", 1));
	ASSERT_OK(fakeimg_whiteout(img, "usr/share/x", 1));
	ASSERT_OK(fakeimg_finish(img));
	ASSERT_NULL(img_fs_lookup(img->fs, "etc/a"));
	ASSERT_NOT_NULL(img_fs_lookup(img->fs, "etc"));
	ASSERT_NULL(img_fs_lookup(img->fs, "usr/share/x/y/z"));
	ASSERT_NULL(img_fs_lookup(img->fs, "usr/share/x"));
	ASSERT_NOT_NULL(img_fs_lookup(img->fs, "usr/share"));
	img_free(img);
}

TEST(opaque_dir_hides_lower_children_only)
{
	struct bh_limits l;
	bh_limits_default(&l);
	struct img_fs *fs;
	ASSERT_OK(img_fs_new(&l, &fs));
	struct img_layer_entry e0[2] = {
		{ .kind = IMG_ENTRY_FILE, .file = { .path = strdup("d/old"), .type = IMG_FT_REG } },
		{ .kind = IMG_ENTRY_FILE, .file = { .path = strdup("d/keep"), .type = IMG_FT_REG } },
	};
	struct img_layer_index i0 = { .entries = e0, .n = 2 };
	struct bh_diag d = { 0 };
	ASSERT_OK(img_fs_apply_layer(fs, &i0, 0, "l0", &d));
	/* the opaque marker comes after the new file in tar order: it still only hides lower */
	struct img_layer_entry e1[2] = {
		{ .kind = IMG_ENTRY_FILE, .file = { .path = strdup("d/new"), .type = IMG_FT_REG } },
		{ .kind = IMG_ENTRY_OPAQUE, .file = { .path = strdup("d") } },
	};
	struct img_layer_index i1 = { .entries = e1, .n = 2 };
	ASSERT_OK(img_fs_apply_layer(fs, &i1, 1, "l1", &d));
	ASSERT_OK(img_fs_finalize(fs));
	ASSERT_NULL(img_fs_lookup(fs, "d/old"));
	ASSERT_NULL(img_fs_lookup(fs, "d/keep"));
	const struct img_file *f = img_fs_lookup(fs, "d/new");
	ASSERT_NOT_NULL(f);
	ASSERT_EQ(f->layer, 1);
	for (size_t i = 0; i < 2; i++) {
		img_file_done(&e0[i].file);
		img_file_done(&e1[i].file);
	}
	img_fs_free(fs);
}

TEST(symlink_resolution_stays_in_root)
{
	struct img *img = mk();
	ASSERT_OK(fakeimg_add_file(img, "usr/lib/os-release", "ID=x\n", 5, 0644, 0));
	ASSERT_OK(fakeimg_add_symlink(img, "etc/os-release", "../usr/lib/os-release", 0));
	ASSERT_OK(fakeimg_add_symlink(img, "etc/abs", "/usr/lib/os-release", 0));
	ASSERT_OK(fakeimg_add_symlink(img, "etc/escape", "../../../../../../usr/lib/os-release", 0));
	ASSERT_OK(fakeimg_add_symlink(img, "etc/host", "../../../../etc/passwd", 0));
	ASSERT_OK(fakeimg_add_symlink(img, "lib", "usr/lib", 0));
	ASSERT_OK(fakeimg_add_symlink(img, "loop1", "loop2", 0));
	ASSERT_OK(fakeimg_add_symlink(img, "loop2", "loop1", 0));
	ASSERT_OK(fakeimg_finish(img));
	const struct img_file *f;
	ASSERT_OK(img_fs_resolve(img->fs, "etc/os-release", &f));
	ASSERT_STREQ(f->path, "usr/lib/os-release");
	ASSERT_OK(img_fs_resolve(img->fs, "etc/abs", &f));
	ASSERT_STREQ(f->path, "usr/lib/os-release");
	ASSERT_OK(img_fs_resolve(img->fs, "etc/escape", &f));
	ASSERT_STREQ(f->path, "usr/lib/os-release");
	ASSERT_ERR(img_fs_resolve(img->fs, "etc/host", &f), -ENOENT);
	ASSERT_OK(img_fs_resolve(img->fs, "lib/os-release", &f));
	ASSERT_STREQ(f->path, "usr/lib/os-release");
	ASSERT_ERR(img_fs_resolve(img->fs, "loop1", &f), -ELOOP);
	ASSERT_ERR(img_fs_resolve(img->fs, "usr/lib/os-release/x", &f), -ENOTDIR);
	/* lookup never follows */
	f = img_fs_lookup(img->fs, "etc/os-release");
	ASSERT_NOT_NULL(f);
	ASSERT_EQ(f->type, IMG_FT_SYMLINK);
	img_free(img);
}

TEST(parent_symlink_entry_lands_in_target_dir)
{
	struct img *img = mk();
	ASSERT_OK(fakeimg_add_dir(img, "usr/lib", 0));
	ASSERT_OK(fakeimg_add_symlink(img, "lib", "usr/lib", 0));
	ASSERT_OK(fakeimg_add_file(img, "lib/libx.so", "x", 1, 0644, 1));
	ASSERT_OK(fakeimg_finish(img));
	const struct img_file *f = img_fs_lookup(img->fs, "usr/lib/libx.so");
	ASSERT_NOT_NULL(f);
	ASSERT_STREQ(f->path, "usr/lib/libx.so");
	f = img_fs_lookup(img->fs, "lib");
	ASSERT_EQ(f->type, IMG_FT_SYMLINK);
	img_free(img);
}

TEST(hardlinks_copy_target_and_reject_missing)
{
	struct bh_limits l;
	bh_limits_default(&l);
	struct img_fs *fs;
	ASSERT_OK(img_fs_new(&l, &fs));
	struct img_layer_entry e[3] = {
		{ .kind = IMG_ENTRY_FILE, .file = { .path = strdup("bin/a"), .type = IMG_FT_REG, .size = 7, .mode = 0755 } },
		{ .kind = IMG_ENTRY_FILE, .file = { .path = strdup("bin/b"), .type = IMG_FT_HARDLINK, .link = strdup("bin/a") } },
		{ .kind = IMG_ENTRY_FILE, .file = { .path = strdup("bin/c"), .type = IMG_FT_HARDLINK, .link = strdup("nope") } },
	};
	struct img_layer_index idx = { .entries = e, .n = 2 };
	struct bh_diag d = { 0 };
	ASSERT_OK(img_fs_apply_layer(fs, &idx, 0, "l0", &d));
	struct img_layer_index bad = { .entries = &e[2], .n = 1 };
	ASSERT_ERR(img_fs_apply_layer(fs, &bad, 1, "l1", &d), -EBADMSG);
	ASSERT_TRUE(strstr(d.message, "bin/c") != NULL);
	ASSERT_OK(img_fs_finalize(fs));
	const struct img_file *b = img_fs_lookup(fs, "bin/b");
	ASSERT_NOT_NULL(b);
	ASSERT_EQ(b->type, IMG_FT_REG);
	ASSERT_EQ(b->size, 7);
	ASSERT_EQ(b->mode, 0755);
	for (size_t i = 0; i < 3; i++)
		img_file_done(&e[i].file);
	img_fs_free(fs);
}

TEST(duplicate_entry_in_one_layer_is_an_error)
{
	struct bh_limits l;
	bh_limits_default(&l);
	struct img_fs *fs;
	ASSERT_OK(img_fs_new(&l, &fs));
	struct img_layer_entry e[2] = {
		{ .kind = IMG_ENTRY_FILE, .file = { .path = strdup("etc/passwd"), .type = IMG_FT_REG } },
		{ .kind = IMG_ENTRY_FILE, .file = { .path = strdup("etc/passwd"), .type = IMG_FT_REG } },
	};
	struct img_layer_index idx = { .entries = e, .n = 2 };
	struct bh_diag d = { 0 };
	ASSERT_ERR(img_fs_apply_layer(fs, &idx, 0, "l0", &d), -EBADMSG);
	ASSERT_TRUE(strstr(d.message, "duplicate entry 'etc/passwd'") != NULL);
	for (size_t i = 0; i < 2; i++)
		img_file_done(&e[i].file);
	img_fs_free(fs);
}

TEST(upper_layer_replaces_and_order_is_tree_order)
{
	struct img *img = mk();
	ASSERT_OK(fakeimg_add_file(img, "a/b", "1", 1, 0644, 0));
	ASSERT_OK(fakeimg_add_file(img, "a.txt", "1", 1, 0644, 0));
	ASSERT_OK(fakeimg_add_file(img, "a/b", "22", 2, 0600, 1));
	ASSERT_OK(fakeimg_add_file(img, "a", "file now", 8, 0644, 2)); /* file replaces dir */
	ASSERT_OK(fakeimg_finish(img));
	ASSERT_EQ(img_fs_count(img->fs), 2);
	ASSERT_STREQ(img_fs_at(img->fs, 0)->path, "a");
	ASSERT_STREQ(img_fs_at(img->fs, 1)->path, "a.txt");
	ASSERT_EQ(img_fs_lookup(img->fs, "a")->layer, 2);
	ASSERT_NULL(img_fs_lookup(img->fs, "a/b"));
	img_free(img);
}

TEST(path_normalize)
{
	struct bh_limits l;
	bh_limits_default(&l);
	struct buf b;
	buf_init(&b, 0);
	ASSERT_OK(img_path_normalize(SPAN_LIT("./usr//bin/./ls/"), &l, &b));
	ASSERT_STREQ(buf_str(&b), "usr/bin/ls");
	ASSERT_OK(img_path_normalize(SPAN_LIT("./"), &l, &b));
	ASSERT_STREQ(buf_str(&b), "");
	ASSERT_ERR(img_path_normalize(SPAN_LIT("../../etc/passwd"), &l, &b), -EBADMSG);
	ASSERT_ERR(img_path_normalize(SPAN_LIT("a/../../b"), &l, &b), -EBADMSG);
	l.path_max_depth = 3;
	ASSERT_ERR(img_path_normalize(SPAN_LIT("a/b/c/d"), &l, &b), -E2BIG);
	l.path_max_bytes = 16;
	ASSERT_ERR(img_path_normalize(SPAN_LIT("aaaaaaaaaa/bbbbbbbbbb"), &l, &b), -E2BIG);
	buf_done(&b);
}

TEST(max_entries_limit)
{
	struct bh_limits l;
	bh_limits_default(&l);
	l.max_entries = 3;
	struct img_fs *fs;
	ASSERT_OK(img_fs_new(&l, &fs));
	struct img_file f1 = { .path = strdup("a"), .type = IMG_FT_REG };
	struct img_file f2 = { .path = strdup("b"), .type = IMG_FT_REG };
	struct img_file f3 = { .path = strdup("c"), .type = IMG_FT_REG };
	struct img_file f4 = { .path = strdup("d"), .type = IMG_FT_REG };
	ASSERT_OK(img_fs_add_take(fs, &f1));
	ASSERT_OK(img_fs_add_take(fs, &f2));
	ASSERT_OK(img_fs_add_take(fs, &f3));
	ASSERT_ERR(img_fs_add_take(fs, &f4), -E2BIG);
	img_fs_free(fs);
}

TEST(path_at_and_content_index)
{
	struct img *img = mk();
	ASSERT_OK(fakeimg_add_file(img, "usr/lib/x/data", "abc", 3, 0644, 0));
	ASSERT_OK(fakeimg_add_symlink(img, "lib", "usr/lib", 0));
	/* lands in usr/lib/y: the path is rewritten through the parent symlink */
	ASSERT_OK(fakeimg_add_file(img, "lib/y/status", "1", 1, 0644, 1));
	ASSERT_OK(fakeimg_add_file(img, "var/lib/dpkg/status", "Package: a\n", 11, 0644, 1));
	ASSERT_OK(fakeimg_add_file(img, "top", "x", 1, 0644, 1));
	ASSERT_OK(fakeimg_finish(img));
	ASSERT_TRUE(img_fs_path_at(img->fs, img_fs_count(img->fs)).len == 0);
	size_t with = 0, k = 0;
	for (size_t i = 0; i < img_fs_count(img->fs); i++) {
		const struct img_file *f = img_fs_at(img->fs, i);
		struct span p = img_fs_path_at(img->fs, i);
		ASSERT_EQ(p.len, strlen(f->path));
		ASSERT_TRUE(p.ptr == f->path);
		if (f->type == IMG_FT_REG && f->content) {
			with++;
			ASSERT_EQ(img_fs_content_at(img->fs, k), i);
			k++;
		}
	}
	ASSERT_EQ(img_fs_content_count(img->fs), with);
	ASSERT_EQ(img_fs_content_at(img->fs, with), SIZE_MAX);
	/* the dpkg status is captured, so the index is not trivially empty */
	ASSERT_TRUE(with >= 1);
	ASSERT_NOT_NULL(img_fs_lookup(img->fs, "usr/lib/y/status"));
	img_free(img);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

TEST(finalize_orders_children_like_strcmp)
{
	/* Names around the 8-byte sort prefix, bytes above 0x7f, a prefix of another name. */
	static const char *const names[] = {
		"abcdefgh", "abcdefghi", "abcdefg",  "abcdefgz", "abcdefgh\xc3\xa9", "b",
		"a\xff",    "a\x01",     "a",        "A",        "abcdefghij0",      "abcdefghi0",
		"zzzzzzzzzzzzzzzzz",     "zzzzzzzz", "\xe2\x82\xac", "_", "0", "abcdefga",
	};
	struct img *img = mk();
	char path[64];
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		(void)snprintf(path, sizeof(path), "d/%s", names[i]);
		ASSERT_OK(fakeimg_add_file(img, path, "x", 1, 0644, 0));
	}
	ASSERT_OK(fakeimg_finish(img));
	const char *sorted[ARRAY_SIZE(names)];
	memcpy(sorted, names, sizeof(names));
	qsort(sorted, ARRAY_SIZE(sorted), sizeof(sorted[0]), cmp_str);
	ASSERT_EQ(img_fs_count(img->fs), ARRAY_SIZE(names) + 1);
	ASSERT_STREQ(img_fs_at(img->fs, 0)->path, "d");
	for (size_t i = 0; i < ARRAY_SIZE(sorted); i++)
		ASSERT_STREQ(img_fs_at(img->fs, i + 1)->path + 2, sorted[i]);
	img_free(img);
}
