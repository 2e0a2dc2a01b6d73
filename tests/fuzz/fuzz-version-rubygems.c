/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-version-rubygems.c — the RubyGems Gem::Version version ordering. The input is cut at NUL
 * or newline bytes into up to three strings a, b and c (a missing one is empty); aborts
 * unless compare() returns -1, 0 or 1 and is a total preorder on them: compare(x, x) == 0,
 * compare(x, y) == -compare(y, x), and x <= y && y <= z implies x <= z for every order of
 * the three. valid() runs on each string too.
 */
#include <stdio.h>

#include "common/common.h"
#include "vuln/version/version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OPS ver_rubygems

static void check(bool ok, const char *what, const char *x, const char *y, const char *z)
{
	if (ok)
		return;
	fprintf(stderr, "%s violated: '%s' '%s' '%s'\n", what, x, y, z ? z : "");
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4 * VER_MAX_LEN)
		return 0;
	char buf[4 * VER_MAX_LEN + 3];
	const char *s[3] = {"", "", ""};
	size_t n = 0, start = 0;
	for (size_t i = 0; i <= size && n < 3; i++) {
		if (i == size || data[i] == '\0' || data[i] == '\n') {
			memcpy(buf + start + n, data + start, i - start);
			buf[i + n] = '\0';
			s[n] = buf + start + n;
			n++;
			start = i + 1;
		}
	}
	/* each string sits at buf + (its start in data) + (its index): no overlap */

	int c[3][3];
	for (size_t i = 0; i < 3; i++) {
		(void)OPS.valid(s[i]);
		for (size_t j = 0; j < 3; j++) {
			c[i][j] = OPS.compare(s[i], s[j]);
			check(c[i][j] >= -1 && c[i][j] <= 1, "range", s[i], s[j], NULL);
		}
		check(c[i][i] == 0, "reflexivity", s[i], s[i], NULL);
	}
	for (size_t i = 0; i < 3; i++)
		for (size_t j = 0; j < 3; j++) {
			check(c[i][j] == -c[j][i], "antisymmetry", s[i], s[j], NULL);
			for (size_t k = 0; k < 3; k++)
				if (c[i][j] <= 0 && c[j][k] <= 0)
					check(c[i][k] <= 0, "transitivity", s[i], s[j], s[k]);
		}
	return 0;
}
