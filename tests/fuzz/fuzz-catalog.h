/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-catalog.h — shared body of the cataloger fuzz targets: the input becomes the
 * content of every path in `paths` of a one-layer in-memory image (captured exactly as
 * the layer streamer would), then the whole catalog step runs (purls, sorting).
 * Results are thrown away; the target must not crash, leak or loop.
 */
#pragma once

#include "image/catalogers/catalog.h"
#include "image/image-int.h"

static int fuzz_add_file(struct img_fs *fs, const char *path, const uint8_t *data, size_t size,
			 const struct bh_limits *l)
{
	struct img_file f = { .type = IMG_FT_REG, .mode = 0644, .size = size, .layer = 0 };
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

static int fuzz_catalog_paths(const char *const *paths, size_t n, const uint8_t *data,
			      size_t size)
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
	for (size_t i = 0; i < n && r >= 0; i++)
		r = fuzz_add_file(img->fs, paths[i], data, size, &l);
	if (r >= 0 && img_fs_finalize(img->fs) >= 0) {
		struct bh_diag d = { 0 };
		(void)img_catalog(img, &l, &d);
	}
	img_free(img);
	return 0;
}
