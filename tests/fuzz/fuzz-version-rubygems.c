/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-version-rubygems.c — ver_rubygems ordering properties (see fuzz-version.h). */
#include "fuzz-version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_version_scheme(&ver_rubygems, data, size);
}
