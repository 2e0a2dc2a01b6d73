/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-version-semver.c — ver_semver and ver_npm compare(): the input is cut at NUL or
 * newline bytes into up to three strings a, b, c; aborts unless compare() is a total
 * preorder on them (reflexive, antisymmetric, transitive, results in {-1, 0, 1}) and the
 * two schemes agree on strictly valid versions.
 */
#include "common/common.h"
#include "vuln/version/version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct ver_scheme_ops *ops, char *const s[3])
{
	int c[3][3];

	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++) {
			c[i][j] = ops->compare(s[i], s[j]);
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
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s[3] = {NULL, NULL, NULL};
	const uint8_t *p = data, *end = data + size;

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
	check(&ver_semver, s);
	check(&ver_npm, s);
	for (int i = 0; i < 3; i++) {
		if (ver_semver.valid(s[i]) && !ver_npm.valid(s[i]))
			abort();
		for (int j = 0; j < 3; j++)
			if (ver_semver.valid(s[i]) && ver_semver.valid(s[j]) &&
			    ver_semver.compare(s[i], s[j]) != ver_npm.compare(s[i], s[j]))
				abort();
	}
out:
	for (int i = 0; i < 3; i++)
		free(s[i]);
	return 0;
}
