/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-version-dpkg.c — ver_dpkg ordering properties (see fuzz-version.h). */
#include "fuzz-version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_version_scheme(&ver_dpkg, data, size);
}
