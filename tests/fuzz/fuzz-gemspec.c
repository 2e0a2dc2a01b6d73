/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-gemspec.c — installed gemspecs and Bundler lock files, through the ruby
 * cataloger.
 * The input becomes the content of several files of a one-layer in-memory image, at the
 * paths the cataloger reads, and the whole catalog step runs over it (including purl
 * building and sorting). Must not crash, leak or loop; results are thrown away.
 */
#include "fuzz-catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const paths[] = {
    "usr/local/bundle/specifications/x-1.gemspec",
    "usr/local/bundle/specifications/default/y-1.gemspec",
    "app/Gemfile.lock",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_catalog_paths(paths, ARRAY_SIZE(paths), data, size);
}
