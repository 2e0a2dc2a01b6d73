/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-python-metadata.c — Python core metadata (METADATA, PKG-INFO, egg-info files),
 * RECORD and installed-files.txt, through the python cataloger.
 * The input becomes the content of several files of a one-layer in-memory image, at the
 * paths the cataloger reads, and the whole catalog step runs over it (including purl
 * building and sorting). Must not crash, leak or loop; results are thrown away.
 */
#include "fuzz-catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const paths[] = {
    "usr/lib/python3/site-packages/x-1.dist-info/METADATA",
    "usr/lib/python3/site-packages/x-1.dist-info/RECORD",
    "usr/lib/python3/site-packages/y-1.egg-info",
    "usr/lib/python3/site-packages/z-1.egg-info/PKG-INFO",
    "usr/lib/python3/site-packages/z-1.egg-info/installed-files.txt",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_catalog_paths(paths, ARRAY_SIZE(paths), data, size);
}
