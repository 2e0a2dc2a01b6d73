/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-version-go.c — ver_go ordering properties (see fuzz-version.h), and
 * ver_go_canonical(): invalid exactly when valid() says so, equal to its input under
 * compare(), valid itself, and a fixed point.
 */
#include "fuzz-version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_triple t;
	if (fuzz_triple_split(data, size, &t) == 0) {
		fuzz_version_scheme(&ver_go, data, size);
		for (int i = 0; i < 3; i++) {
			char canon[VER_MAX_LEN + 8], again[VER_MAX_LEN + 8];
			int r = ver_go_canonical(t.s[i], canon, sizeof(canon));
			if (r == -EINVAL) {
				if (ver_go.valid(t.s[i]) || canon[0] != '\0')
					abort();
				continue;
			}
			if (r < 0 || (size_t)r != strlen(canon) || !ver_go.valid(t.s[i]) ||
			    !ver_go.valid(canon) || ver_go.compare(t.s[i], canon) != 0 ||
			    ver_go_canonical(canon, again, sizeof(again)) != r || strcmp(canon, again) != 0)
				abort();
		}
	}
	fuzz_triple_done(&t);
	return 0;
}
