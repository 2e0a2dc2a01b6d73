/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-version.h — what the version-ordering fuzz targets share: the input is cut at NUL
 * or newline bytes into three strings a, b, c (missing ones are empty), and compare()
 * must be a total preorder on them: results in {-1, 0, 1}, compare(x, x) == 0,
 * compare(x, y) == -compare(y, x), and x <= y && y <= z implies x <= z, with x < z when
 * either step is strict — for every order of the three. Violations abort() with the
 * strings on stderr.
 */
#pragma once

#include <stdio.h>

#include "common/common.h"
#include "vuln/version/version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_triple {
	char *s[3];
};

/* 0, or -1 when the input is too long to be interesting (or on OOM): skip it. */
static inline int fuzz_triple_split(const uint8_t *data, size_t size, struct fuzz_triple *t)
{
	*t = (struct fuzz_triple){ { NULL, NULL, NULL } };
	if (size > 4 * VER_MAX_LEN + 16)
		return -1;
	const uint8_t *p = data, *end = data + size;
	for (int i = 0; i < 3; i++) {
		const uint8_t *e = p;
		while (e < end && *e != '\0' && *e != '\n')
			e++;
		t->s[i] = calloc(1, (size_t)(e - p) + 1);
		if (!t->s[i])
			return -1;
		memcpy(t->s[i], p, (size_t)(e - p));
		p = e < end ? e + 1 : end;
	}
	return 0;
}

static inline void fuzz_triple_done(struct fuzz_triple *t)
{
	for (int i = 0; i < 3; i++)
		free(t->s[i]);
}

static inline void fuzz_order_fail(const char *what, const char *x, const char *y, const char *z)
{
	fprintf(stderr, "%s violated: '%s' '%s' '%s'\n", what, x, y, z);
	abort();
}

static inline void fuzz_check_order(int (*cmp)(const char *, const char *), char *const s[3])
{
	int c[3][3];
	for (int i = 0; i < 3; i++)
		for (int j = 0; j < 3; j++) {
			c[i][j] = cmp(s[i], s[j]);
			if (c[i][j] < -1 || c[i][j] > 1)
				fuzz_order_fail("range", s[i], s[j], "");
		}
	for (int i = 0; i < 3; i++) {
		if (c[i][i] != 0)
			fuzz_order_fail("reflexivity", s[i], s[i], "");
		for (int j = 0; j < 3; j++) {
			if (c[i][j] != -c[j][i])
				fuzz_order_fail("antisymmetry", s[i], s[j], "");
			for (int k = 0; k < 3; k++)
				if (c[i][j] <= 0 && c[j][k] <= 0 &&
				    (c[i][k] > 0 || ((c[i][j] < 0 || c[j][k] < 0) != (c[i][k] < 0))))
					fuzz_order_fail("transitivity", s[i], s[j], s[k]);
		}
	}
}

/* The common target body: order properties of one scheme, valid() on each string. */
static inline int fuzz_version_scheme(const struct ver_scheme_ops *ops, const uint8_t *data,
				      size_t size)
{
	struct fuzz_triple t;
	if (fuzz_triple_split(data, size, &t) == 0) {
		for (int i = 0; i < 3; i++)
			(void)ops->valid(t.s[i]);
		fuzz_check_order(ops->compare, t.s);
	}
	fuzz_triple_done(&t);
	return 0;
}
