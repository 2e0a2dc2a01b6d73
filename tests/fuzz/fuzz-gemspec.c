/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-gemspec.c — installed gemspecs and Bundler lock files, through the ruby
 * cataloger.
 * The input becomes the content of several files of a one-layer in-memory image, at the
 * paths the cataloger reads, and the whole catalog step runs over it (including purl
 * building and sorting). Must not crash, leak or loop; results are thrown away.
 */
#include "image/catalogers/catalog.h"
#include "image/image-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const paths[] = {
    "usr/local/bundle/specifications/x-1.gemspec",
    "usr/local/bundle/specifications/default/y-1.gemspec",
    "app/Gemfile.lock",
};

static int add_file(struct img_fs *fs, const char *path, const uint8_t *data, size_t size,
		    const struct bh_limits *l)
{
	struct img_file f = {.type = IMG_FT_REG, .mode = 0644, .size = size, .layer = 0};
	f.path = strdup(path);
	unsigned char *copy = malloc(size + 1);
	if (!f.path || !copy) {
		free(copy);
		img_file_done(&f);
		return -ENOMEM;
	}
	if (size)
		memcpy(copy, data, size);
	copy[size] = 0;
	int r = 0;
	if (img_want_for(span_from(path), f.mode, size) & IMG_WANT_CONTENT)
		r = img_capture_store(&f, span_from(path), f.mode, copy, size, 0, l);
	else
		free(copy);
	if (r < 0) {
		img_file_done(&f);
		return r;
	}
	return img_fs_add_take(fs, &f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	if (!init) {
		log_set_level(LOG_LVL_ERROR);
		init = true;
	}
	if (size > (1u << 20))
		return 0;
	struct bh_limits l;
	bh_limits_default(&l);
	l.max_packages = 10000;
	struct img *img = calloc(1, sizeof(*img));
	if (!img || img_fs_new(&l, &img->fs) < 0) {
		img_free(img);
		return 0;
	}
	int r = 0;
	for (size_t i = 0; i < ARRAY_SIZE(paths) && r >= 0; i++)
		r = add_file(img->fs, paths[i], data, size, &l);
	if (r >= 0 && img_fs_finalize(img->fs) >= 0) {
		struct bh_diag d = {0};
		(void)img_catalog(img, &l, &d);
	}
	img_free(img);
	return 0;
}
