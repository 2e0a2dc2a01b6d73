/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-version-apk.c — Alpine version ordering. The input is cut at NUL or newline bytes
 * into up to three strings a, b, c; compare() must be a total preorder on them (reflexive,
 * antisymmetric, transitive, results in {-1, 0, 1}) and valid() must not crash;
 * versions that compare equal must fuzzy-match each other.
 */
#include "common/common.h"
#include "vuln/version/version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_order(int (*cmp)(const char *, const char *), char *const *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (cmp(s[i], s[i]) != 0)
			abort();
		for (size_t j = 0; j < n; j++) {
			int r = cmp(s[i], s[j]);
			if (r < -1 || r > 1 || cmp(s[j], s[i]) != -r)
				abort();
			for (size_t k = 0; k < n; k++)
				if (r <= 0 && cmp(s[j], s[k]) <= 0 && cmp(s[i], s[k]) > 0)
					abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 4096)
		return 0;
	char *copy = malloc(size + 1);
	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);
	copy[size] = '\0';
	char *s[3];
	size_t n = 0;
	char *p = copy, *end = copy + size;
	while (n < ARRAY_SIZE(s)) {
		s[n++] = p;
		while (p < end && *p != '\0' && *p != '\n')
			p++;
		if (p >= end)
			break;
		*p++ = '\0';
	}
	for (size_t i = 0; i < n; i++)
		(void)ver_apk.valid(s[i]);
	check_order(ver_apk.compare, s, n);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			if (strlen(s[i]) <= VER_MAX_LEN && strlen(s[j]) <= VER_MAX_LEN &&
			    ver_apk.compare(s[i], s[j]) == 0 && !ver_apk_fuzzy_match(s[i], s[j]))
				abort();
	free(copy);
	return 0;
}
