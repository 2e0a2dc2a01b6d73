/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-go-buildinfo.c — Go build information in executables, through the go cataloger
 * (reduce: ELF headers via libelf, magic search, inline and pointer layouts; catalog:
 * modinfo lines, replacements, pseudo-versions) and, on the same bytes, the rust
 * cataloger's .dep-v0 lookup. The input is one executable of a one-layer in-memory image,
 * zero-padded to the catalogers' minimum executable size. Must not crash, leak or loop.
 * Seeds: tests/fixtures/bin/mkelf.py.
 */
#include "image/catalogers/catalog.h"
#include "image/image-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MIN_EXE 1024

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	if (!init) {
		log_set_level(LOG_LVL_ERROR);
		init = true;
	}
	if (size > (4u << 20))
		return 0;
	struct bh_limits l;
	bh_limits_default(&l);
	l.max_packages = 10000;
	struct img *img = calloc(1, sizeof(*img));
	if (!img || img_fs_new(&l, &img->fs) < 0) {
		img_free(img);
		return 0;
	}
	size_t len = MAX(size, (size_t)MIN_EXE);
	struct img_file f = {.type = IMG_FT_REG, .mode = 0755, .size = len, .layer = 0};
	f.path = strdup("usr/local/bin/app");
	unsigned char *copy = calloc(1, len + 1);
	int r = -ENOMEM;
	if (f.path && copy) {
		if (size)
			memcpy(copy, data, size);
		r = img_capture_store(&f, span_from(f.path), f.mode, copy, len, 0, &l);
		copy = NULL;
	}
	free(copy);
	if (r >= 0)
		r = img_fs_add_take(img->fs, &f);
	else
		img_file_done(&f);
	if (r >= 0 && img_fs_finalize(img->fs) >= 0) {
		struct bh_diag d = {0};
		(void)img_catalog(img, &l, &d);
	}
	img_free(img);
	return 0;
}
