/* SPDX-License-Identifier: Apache-2.0 */
/* fakeimg.c — see fakeimg.h. Each call applies a one-entry "layer" to the index. */
#include <stdio.h>

#include "fakeimg.h"
#include "image/catalogers/catalog.h"
#include "image/image-int.h"

static struct bh_limits fake_limits;

struct img *fakeimg_new(void)
{
	bh_limits_default(&fake_limits);
	struct img *img = calloc(1, sizeof(*img));
	if (!img)
		return NULL;
	img->target.kind = IMG_KIND_DIR;
	img->target.original = strdup("fake:test");
	img->target.path = strdup("/fake");
	if (!img->target.original || !img->target.path || img_fs_new(&fake_limits, &img->fs) < 0) {
		img_free(img);
		return NULL;
	}
	return img;
}

static int apply_one(struct img *img, struct img_layer_entry *e, int layer)
{
	struct img_layer_index idx = { .entries = e, .n = 1, .cap = 1 };
	struct bh_diag d = { 0 };
	int r = img_fs_apply_layer(img->fs, &idx, layer, "fake", &d);
	img_file_done(&e->file);
	return r;
}

static int add(struct img *img, const char *path, enum img_ftype type, const char *link,
	       const void *data, size_t len, uint32_t mode, int layer)
{
	struct img_layer_entry e = { .kind = IMG_ENTRY_FILE };
	struct buf p;
	buf_init(&p, 0);
	int r = img_path_normalize(span_from(path), &fake_limits, &p);
	if (r < 0) {
		buf_done(&p);
		return r;
	}
	e.file.path = buf_take(&p);
	e.file.type = type;
	e.file.mode = mode;
	e.file.size = len;
	e.file.layer = layer;
	if (link && !(e.file.link = strdup(link))) {
		img_file_done(&e.file);
		return -ENOMEM;
	}
	if (!e.file.path)
		return -ENOMEM;
	if (type == IMG_FT_REG) {
		e.want = img_want_for(span_from(e.file.path), mode, len);
		if (e.want & IMG_WANT_CONTENT) {
			unsigned char *d = malloc(len + 1);
			if (!d) {
				img_file_done(&e.file);
				return -ENOMEM;
			}
			if (len)
				memcpy(d, data, len);
			d[len] = 0;
			r = img_capture_store(&e.file, span_from(e.file.path), mode, d, len, layer,
					      &fake_limits);
			if (r < 0) {
				img_file_done(&e.file);
				return r;
			}
		}
	}
	return apply_one(img, &e, layer);
}

int fakeimg_add_file(struct img *img, const char *path, const void *data, size_t len,
		     uint32_t mode, int layer)
{
	return add(img, path, IMG_FT_REG, NULL, data, len, mode, layer);
}

int fakeimg_add_file_from(struct img *img, const char *path, const char *disk_path, uint32_t mode,
			  int layer)
{
	FILE *f = fopen(disk_path, "rb");
	if (!f)
		return -errno;
	struct buf b;
	buf_init(&b, (size_t)1 << 30);
	char chunk[65536];
	size_t n;
	int r = 0;
	while (r == 0 && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		r = buf_append(&b, chunk, n);
	fclose(f);
	if (r == 0)
		r = fakeimg_add_file(img, path, b.ptr ? b.ptr : "", b.len, mode, layer);
	buf_done(&b);
	return r;
}

int fakeimg_add_symlink(struct img *img, const char *path, const char *target, int layer)
{
	return add(img, path, IMG_FT_SYMLINK, target, NULL, 0, 0777, layer);
}

int fakeimg_add_dir(struct img *img, const char *path, int layer)
{
	return add(img, path, IMG_FT_DIR, NULL, NULL, 0, 0755, layer);
}

int fakeimg_whiteout(struct img *img, const char *path, int layer)
{
	struct img_layer_entry e = { .kind = IMG_ENTRY_WHITEOUT };
	e.file.path = strdup(path);
	if (!e.file.path)
		return -ENOMEM;
	return apply_one(img, &e, layer);
}

int fakeimg_finish(struct img *img)
{
	return img_fs_finalize(img->fs);
}

const struct pkg *fakeimg_find(const struct img *img, const char *name, const char *version)
{
	for (size_t i = 0; i < img->pkgs.n; i++) {
		const struct pkg *p = img->pkgs.items[i];
		if (p->name && streq(p->name, name) && (!version || streq_ptr(p->version, version)))
			return p;
	}
	return NULL;
}
