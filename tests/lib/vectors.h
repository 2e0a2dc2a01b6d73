/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vectors.h — read the tab-separated test vector files of ../shared/testdata (vercmp/ and
 * the like): '#' lines and blank lines are comments, every other line is split on TAB.
 */
#pragma once

#include <stddef.h>

/*
 * Call fn(cols, ncols, lineno, userdata) for each data line of the shared file rel (path
 * under ../shared/testdata). cols point into a buffer valid during the call. Skips the
 * current test (TEST_SKIP) when the shared data is absent; fails it when the file cannot
 * be read. Returns the number of data lines.
 */
typedef void (*tap_vector_fn)(char **cols, size_t ncols, unsigned lineno, void *userdata);
size_t tap_vectors_foreach(const char *rel, tap_vector_fn fn, void *userdata);

/*
 * Check every "a<TAB>b<TAB>expected" line of the shared file rel (expected is the sign of
 * cmp(a, b): -1, 0 or 1) with cmp, also reversed (antisymmetry) and against itself.
 * Prints "# rel: passed/total vectors pass" and up to 20 failures; fails the current
 * test if any vector fails or the file has none. Returns the number of vectors.
 */
size_t tap_vectors_check_compare(const char *rel, int (*cmp)(const char *, const char *));
