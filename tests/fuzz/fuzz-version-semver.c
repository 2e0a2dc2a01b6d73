/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-version-semver.c — ver_semver and ver_npm ordering properties (see fuzz-version.h),
 * and the two schemes agree on strictly valid versions.
 */
#include "fuzz-version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_triple t;
	if (fuzz_triple_split(data, size, &t) == 0) {
		fuzz_version_scheme(&ver_semver, data, size);
		fuzz_check_order(ver_npm.compare, t.s);
		for (int i = 0; i < 3; i++) {
			if (ver_semver.valid(t.s[i]) && !ver_npm.valid(t.s[i]))
				abort();
			for (int j = 0; j < 3; j++)
				if (ver_semver.valid(t.s[i]) && ver_semver.valid(t.s[j]) &&
				    ver_semver.compare(t.s[i], t.s[j]) != ver_npm.compare(t.s[i], t.s[j]))
					abort();
		}
	}
	fuzz_triple_done(&t);
	return 0;
}
