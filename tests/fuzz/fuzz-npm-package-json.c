/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-npm-package-json.c — npm package.json and package-lock.json (v1, v2, v3), through
 * the npm cataloger.
 * The input becomes the content of several files of a one-layer in-memory image, at the
 * paths the cataloger reads, and the whole catalog step runs over it (including purl
 * building and sorting). Must not crash, leak or loop; results are thrown away.
 */
#include "fuzz-catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const paths[] = {
    "app/package-lock.json",
    "app/node_modules/x/package.json",
    "app/node_modules/@s/y/package.json",
    "app/node_modules/x/node_modules/z/package.json",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_catalog_paths(paths, ARRAY_SIZE(paths), data, size);
}
