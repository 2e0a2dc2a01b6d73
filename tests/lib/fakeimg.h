/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fakeimg.h — build an in-memory struct img for cataloger and renderer tests, without
 * tar streams: files go through the same capture path (img_capture_store) as layers do,
 * so catalogers see exactly what they would see in a real image.
 */
#pragma once

#include "bulkhead/image.h"

/* A new empty image (target "fake:test"); NULL on OOM. Free with img_free(). */
struct img *fakeimg_new(void);
/* Add a regular file in layer `layer` (replacing an earlier one, keeping history when a
 * cataloger wants it). 0 or -errno. */
int fakeimg_add_file(struct img *img, const char *path, const void *data, size_t len,
		     uint32_t mode, int layer);
/* Add a file whose content is read from a file on disk (e.g. shared testdata). */
int fakeimg_add_file_from(struct img *img, const char *path, const char *disk_path, uint32_t mode,
			  int layer);
int fakeimg_add_symlink(struct img *img, const char *path, const char *target, int layer);
int fakeimg_add_dir(struct img *img, const char *path, int layer);
/* Remove a path as a whiteout in `layer` would. */
int fakeimg_whiteout(struct img *img, const char *path, int layer);
/* Freeze the file index; call before img_catalog(). */
int fakeimg_finish(struct img *img);
/* Find a package by name (and version if non-NULL) after img_catalog(); NULL if absent. */
const struct pkg *fakeimg_find(const struct img *img, const char *name, const char *version);
