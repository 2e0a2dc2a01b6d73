/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-cargo-auditable.c — cargo-auditable dependency data in executables, through the
 * rust cataloger. The first input byte picks the mode:
 *   even: the rest is a whole executable (ELF headers via libelf, the .dep-v0 section,
 *         bounded zlib inflation, JSON);
 *   odd:  the rest is the JSON itself; it is zlib-compressed and put into the .dep-v0
 *         section of a minimal ELF (tests/fixtures/bin/mkelf.h), so the fuzzer reaches the
 *         package/dependency-index logic directly.
 * The executable is zero-padded to the catalogers' minimum size. Must not crash, leak or
 * loop. Seeds: tests/fixtures/bin/mkelf.py.
 */
#include <zlib.h>

#include "../fixtures/bin/mkelf.h"
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

#define MIN_EXE 1024

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	if (!init) {
		log_set_level(LOG_LVL_ERROR);
		init = true;
	}
	if (size < 1 || size > (1u << 20))
		return 0;
	static const char *const paths[] = {"usr/local/bin/app"};
	struct bh_limits l;
	bh_limits_default(&l);
	l.max_packages = 10000;
	unsigned char *file = NULL;
	size_t len = 0;
	if (data[0] & 1) {
		uLongf zlen = compressBound(size - 1);
		unsigned char *z = malloc(zlen);
		if (!z || compress2(z, &zlen, data + 1, size - 1, 6) != Z_OK) {
			free(z);
			return 0;
		}
		struct mkelf_section s[] = {{".dep-v0", z, zlen}};
		file = mkelf(s, 1, true, false, true, &len);
		free(z);
	} else {
		len = size - 1;
		file = malloc(MAX(len, (size_t)MIN_EXE));
		if (file && len)
			memcpy(file, data + 1, len);
	}
	if (!file)
		return 0;
	if (len < MIN_EXE) {
		unsigned char *p = realloc(file, MIN_EXE);
		if (!p) {
			free(file);
			return 0;
		}
		file = p;
		memset(file + len, 0, MIN_EXE - len);
		len = MIN_EXE;
	}
	catalog_files(paths, 1, 0755, file, len, &l);
	free(file);
	return 0;
}
