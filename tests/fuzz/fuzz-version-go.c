/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-version-go.c — ver_go compare() and ver_go_canonical(): the input is cut at NUL or
 * newline bytes into up to three strings a, b, c; aborts unless compare() is a total
 * preorder on them, and unless the canonical form of a valid version is valid, equal to it,
 * and its own canonical form.
 */
#include "common/common.h"
#include "vuln/version/version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s[3] = {NULL, NULL, NULL};
	const uint8_t *p = data, *end = data + size;
	int c[3][3];

	if (size > 4096)
		return 0;
	for (int i = 0; i < 3; i++) {
		const uint8_t *e = p;
		while (e < end && *e != '\0' && *e != '\n')
			e++;
		s[i] = calloc(1, (size_t)(e - p) + 1);
		if (!s[i])
			goto out;
		memcpy(s[i], p, (size_t)(e - p));
		p = e < end ? e + 1 : end;
	}
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++) {
			c[i][j] = ver_go.compare(s[i], s[j]);
			if (c[i][j] < -1 || c[i][j] > 1)
				abort();
		}
	for (int i = 0; i < 3; i++) {
		if (c[i][i] != 0)
			abort();
		for (int j = 0; j < 3; j++) {
			if (c[i][j] != -c[j][i])
				abort();
			for (int k = 0; k < 3; k++)
				if (c[i][j] <= 0 && c[j][k] <= 0 &&
				    (c[i][k] > 0 ||
				     ((c[i][j] < 0 || c[j][k] < 0) != (c[i][k] < 0))))
					abort();
		}
		char canon[VER_MAX_LEN + 8], again[VER_MAX_LEN + 8];
		int r = ver_go_canonical(s[i], canon, sizeof(canon));
		if (r == -EINVAL) {
			if (ver_go.valid(s[i]) || canon[0] != '\0')
				abort();
			continue;
		}
		if (r < 0 || (size_t)r != strlen(canon) || !ver_go.valid(s[i]) ||
		    !ver_go.valid(canon) || ver_go.compare(s[i], canon) != 0 ||
		    ver_go_canonical(canon, again, sizeof(again)) != r || strcmp(canon, again) != 0)
			abort();
	}
out:
	for (int i = 0; i < 3; i++)
		free(s[i]);
	return 0;
}
