/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-rpm-ndb.c — the rpm cataloger on an NDB database (var/lib/rpm/Packages.db): the
 * slot and blob walk written in rpm.c, librpm's headerImport() on each blob, tag
 * extraction and requirement resolution. No temporary files: NDB is read in memory.
 * Must not crash, leak or loop; results are thrown away.
 */
#include "image/catalogers/catalog.h"
#include "image/image-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NDB_PATH "var/lib/rpm/Packages.db"

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
	struct img_file f = { .type = IMG_FT_REG, .mode = 0644, .size = size, .layer = 0 };
	f.path = strdup(NDB_PATH);
	unsigned char *copy = malloc(size + 1);
	int r = f.path && copy ? 0 : -ENOMEM;
	if (r == 0) {
		if (size)
			memcpy(copy, data, size);
		copy[size] = 0;
		r = img_capture_store(&f, span_from(NDB_PATH), 0644, TAKE_PTR(copy), size, 0, &l);
	}
	free(copy);
	if (r == 0)
		r = img_fs_add_take(img->fs, &f);
	else
		img_file_done(&f);
	if (r >= 0 && img_fs_finalize(img->fs) >= 0) {
		struct bh_diag d = { 0 };
		(void)img_catalog(img, &l, &d);
	}
	img_free(img);
	return 0;
}
