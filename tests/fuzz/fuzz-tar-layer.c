/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-tar-layer — the layer streamer on arbitrary bytes: compression sniffing (gzip,
 * zstd, none), libarchive's tar reader, path normalisation, whiteouts, captures, and the
 * file index built from the result.
 */
#include <stdint.h>
#include <sys/mman.h>

#include "image/image-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bh_limits l;
	static bool init;
	if (!init) {
		bh_limits_default(&l);
		l.layer_max_bytes = 64 << 20;
		l.ratio_min_bytes = 1 << 20;
		l.max_entries = 10000;
		l.threads = 1;
		log_set_level(LOG_LVL_ERROR);
		init = true;
	}
	int fd = memfd_create("fuzz", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	size_t off = 0;
	while (off < size) {
		ssize_t n = write(fd, data + off, size - off);
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	struct img_region reg = { .fd = fd, .offset = 0, .length = off, .name = "fuzz" };
	struct img_read_shared sh = { .limits = &l };
	struct img_layer_index *idx = NULL;
	struct bh_diag d = { 0 };
	if (img_layer_read(&reg, IMG_COMP_AUTO, NULL, NULL, 0, &sh, &idx, &d) == 0) {
		struct img_fs *fs;
		if (img_fs_new(&l, &fs) == 0) {
			(void)img_fs_apply_layer(fs, idx, 0, "fuzz", &d);
			if (img_fs_finalize(fs) == 0)
				for (size_t i = 0; i < img_fs_count(fs); i++) {
					const struct img_file *f;
					(void)img_fs_resolve(fs, img_fs_at(fs, i)->path, &f);
				}
			img_fs_free(fs);
		}
		img_layer_index_free(idx);
	}
	close(fd);
	return 0;
}
