/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-apk-installed.c — the apk cataloger on lib/apk/db/installed: records, licences,
 * dependency resolution through provides, F:/R: file lists and layer history. The input
 * is cut at the first "\n#--#\n": the part before is the database in layer 0, the part
 * after (if any) the database in layer 1. The whole catalog step runs. Must not crash,
 * leak or loop; results are thrown away.
 */
#include "image/catalogers/catalog.h"
#include "image/image-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define APK_DB "lib/apk/db/installed"

static int add(struct img_fs *fs, const uint8_t *d, size_t len, int layer,
	       const struct bh_limits *l)
{
	struct img_layer_entry e = { .kind = IMG_ENTRY_FILE };
	e.file = (struct img_file){ .type = IMG_FT_REG, .mode = 0644, .size = len, .layer = layer };
	e.file.path = strdup(APK_DB);
	unsigned char *copy = malloc(len + 1);
	if (!e.file.path || !copy) {
		free(copy);
		img_file_done(&e.file);
		return -ENOMEM;
	}
	if (len)
		memcpy(copy, d, len);
	copy[len] = 0;
	e.want = img_want_for(span_from(APK_DB), 0644, len);
	int r = img_capture_store(&e.file, span_from(APK_DB), 0644, copy, len, layer, l);
	if (r == 0) {
		struct img_layer_index idx = { .entries = &e, .n = 1, .cap = 1 };
		struct bh_diag diag = { 0 };
		r = img_fs_apply_layer(fs, &idx, layer, "fuzz", &diag);
	}
	img_file_done(&e.file);
	return r;
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
	const uint8_t *cut = memmem(data, size, "\n#--#\n", 6);
	size_t first = cut ? (size_t)(cut - data) + 1 : size;
	int r = add(img->fs, data, first, 0, &l);
	if (r >= 0 && cut)
		r = add(img->fs, cut + 6, size - first - 5, 1, &l);
	if (r >= 0 && img_fs_finalize(img->fs) >= 0) {
		struct bh_diag d = { 0 };
		(void)img_catalog(img, &l, &d);
	}
	img_free(img);
	return 0;
}
