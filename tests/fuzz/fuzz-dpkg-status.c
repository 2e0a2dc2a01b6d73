/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-dpkg-status.c — the dpkg cataloger: status stanzas, their layer history, the
 * distroless status.d layout, .list and .md5sums file lists and DEP-5 copyright files.
 * The input is cut at each "\n#--#\n" into up to six parts that become, in order:
 * var/lib/dpkg/status in layer 0, the same path again in layer 1 (history), status.d/a,
 * status.d/a.md5sums, info/a.list and usr/share/doc/a/copyright (reached through the
 * symlinked doc dir "b" too); then the whole catalog step runs. Must not crash, leak or
 * loop; results are thrown away.
 */
#include "image/catalogers/catalog.h"
#include "image/image-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
	const char *path;
	int layer;
} parts[] = {
	{ "var/lib/dpkg/status", 0 },
	{ "var/lib/dpkg/status", 1 },
	{ "var/lib/dpkg/status.d/a", 1 },
	{ "var/lib/dpkg/status.d/a.md5sums", 1 },
	{ "var/lib/dpkg/info/a.list", 1 },
	{ "usr/share/doc/a/copyright", 1 },
};

/* One-entry layer, so that history is kept exactly as the layer streamer keeps it. */
static int add(struct img_fs *fs, const char *path, enum img_ftype type, const char *link,
	       const uint8_t *d, size_t len, int layer, const struct bh_limits *l)
{
	struct img_layer_entry e = { .kind = IMG_ENTRY_FILE };
	e.file = (struct img_file){ .type = type, .mode = 0644, .size = len, .layer = layer };
	e.file.path = strdup(path);
	e.file.link = link ? strdup(link) : NULL;
	if (!e.file.path || (link && !e.file.link)) {
		img_file_done(&e.file);
		return -ENOMEM;
	}
	int r = 0;
	if (type == IMG_FT_REG) {
		e.want = img_want_for(span_from(path), 0644, len);
		if (e.want & IMG_WANT_CONTENT) {
			unsigned char *copy = malloc(len + 1);
			if (!copy) {
				img_file_done(&e.file);
				return -ENOMEM;
			}
			if (len)
				memcpy(copy, d, len);
			copy[len] = 0;
			r = img_capture_store(&e.file, span_from(path), 0644, copy, len, layer, l);
		}
	}
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
	int r = add(img->fs, "usr/share/doc/b", IMG_FT_SYMLINK, "a", NULL, 0, 0, &l);
	const uint8_t *p = data, *end = data + size;
	for (size_t i = 0; i < ARRAY_SIZE(parts) && r >= 0 && (i == 0 || p < end); i++) {
		const uint8_t *cut = memmem(p, (size_t)(end - p), "\n#--#\n", 6);
		const uint8_t *stop = cut ? cut + 1 : end;
		r = add(img->fs, parts[i].path, IMG_FT_REG, NULL, p, (size_t)(stop - p),
			parts[i].layer, &l);
		p = cut ? cut + 6 : end;
	}
	if (r >= 0 && img_fs_finalize(img->fs) >= 0) {
		struct bh_diag d = { 0 };
		(void)img_catalog(img, &l, &d);
	}
	img_free(img);
	return 0;
}
