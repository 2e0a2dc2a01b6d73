/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-version-npm-range.c — ver_npm_satisfies(): the input is cut at the first NUL or
 * newline byte into a range and a version, tried with every flag combination. Aborts on an
 * answer other than 0 or 1, and unless a strictly valid version satisfies itself taken as
 * a range. Must not crash, overflow its stack buffers or read past either string.
 */
#include "common/common.h"
#include "vuln/version/version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 8192)
		return 0;
	const uint8_t *cut = data;
	while (cut < data + size && *cut != '\0' && *cut != '\n')
		cut++;
	size_t rl = (size_t)(cut - data), vl = cut < data + size ? size - rl - 1 : 0;
	char *range = calloc(1, rl + 1), *version = calloc(1, vl + 1);
	if (!range || !version)
		goto out;
	memcpy(range, data, rl);
	if (vl)
		memcpy(version, cut + 1, vl);
	for (unsigned flags = 0; flags < 4; flags++) {
		int r = ver_npm_satisfies(range, version, flags);
		if (r != 0 && r != 1)
			abort();
		if (ver_semver.valid(range) && ver_npm_satisfies(range, range, flags) != 1)
			abort();
	}
out:
	free(range);
	free(version);
	return 0;
}
