/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-cargo-lock.c — Cargo.lock files through the rust cataloger's strict TOML-subset
 * reader ([[package]] tables, string escapes, multi-line arrays, [metadata] checksums).
 * The input is a Cargo.lock of a one-layer in-memory image. Must not crash, leak or loop.
 */
#include "image/catalogers/catalog.h"
#include "image/image-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One regular file of a one-layer in-memory image; takes nothing, copies data. */
static int add_file(struct img_fs *fs, const char *path, uint32_t mode, const void *data,
		    size_t size, const struct bh_limits *l)
{
	struct img_file f = {.type = IMG_FT_REG, .mode = mode, .size = size, .layer = 0};
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
	if (img_want_for(span_from(path), mode, size) & IMG_WANT_CONTENT)
		r = img_capture_store(&f, span_from(path), mode, copy, size, 0, l);
	else
		free(copy);
	if (r < 0) {
		img_file_done(&f);
		return r;
	}
	return img_fs_add_take(fs, &f);
}

static void catalog_files(const char *const *paths, size_t n, uint32_t mode, const void *data,
			  size_t size, const struct bh_limits *l)
{
	struct img *img = calloc(1, sizeof(*img));
	if (!img || img_fs_new(l, &img->fs) < 0) {
		img_free(img);
		return;
	}
	int r = 0;
	for (size_t i = 0; i < n && r >= 0; i++)
		r = add_file(img->fs, paths[i], mode, data, size, l);
	if (r >= 0 && img_fs_finalize(img->fs) >= 0) {
		struct bh_diag d = {0};
		(void)img_catalog(img, l, &d);
	}
	img_free(img);
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
	static const char *const paths[] = {"app/Cargo.lock"};
	struct bh_limits l;
	bh_limits_default(&l);
	l.max_packages = 10000;
	catalog_files(paths, 1, 0644, data, size, &l);
	return 0;
}
