/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-version-rpm.c — ver_rpm (full EVR) and ver_rpmvercmp (one segment string) ordering
 * properties (see fuzz-version.h).
 */
#include "fuzz-version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_triple t;
	if (fuzz_triple_split(data, size, &t) == 0) {
		fuzz_version_scheme(&ver_rpm, data, size);
		fuzz_check_order(ver_rpmvercmp, t.s);
	}
	fuzz_triple_done(&t);
	return 0;
}
