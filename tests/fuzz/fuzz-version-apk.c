/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-version-apk.c — ver_apk ordering properties (see fuzz-version.h); versions that
 * compare equal must also fuzzy-match each other.
 */
#include "fuzz-version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_triple t;
	if (fuzz_triple_split(data, size, &t) == 0) {
		fuzz_version_scheme(&ver_apk, data, size);
		for (int i = 0; i < 3; i++)
			for (int j = 0; j < 3; j++)
				if (strlen(t.s[i]) <= VER_MAX_LEN && strlen(t.s[j]) <= VER_MAX_LEN &&
				    ver_apk.compare(t.s[i], t.s[j]) == 0 &&
				    !ver_apk_fuzzy_match(t.s[i], t.s[j]))
					fuzz_order_fail("equal implies fuzzy match", t.s[i], t.s[j], "");
	}
	fuzz_triple_done(&t);
	return 0;
}
