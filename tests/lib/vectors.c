/* SPDX-License-Identifier: Apache-2.0 */
/* vectors.c — see vectors.h. */
#include "tap.h"
#include "vectors.h"

#define MAX_COLS 16

size_t tap_vectors_foreach(const char *rel, tap_vector_fn fn, void *userdata)
{
	const char *path = tap_shared_path(rel);
	if (!path)
		TEST_SKIP("../shared/testdata is absent");
	size_t len;
	char *data = tap_read_file(path, &len);
	if (!data)
		tap_fail(__FILE__, __LINE__, "cannot read %s", path);
	size_t n = 0;
	unsigned lineno = 0;
	char *p = data, *end = data + len;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *eol = nl ? nl : end;
		*eol = '\0';
		lineno++;
		if (eol > p && eol[-1] == '\r')
			eol[-1] = '\0';
		if (*p && *p != '#') {
			char *cols[MAX_COLS];
			size_t ncols = 0;
			char *c = p;
			for (;;) {
				char *tab = strchr(c, '\t');
				if (ncols < MAX_COLS)
					cols[ncols++] = c;
				if (!tab)
					break;
				*tab = '\0';
				c = tab + 1;
			}
			fn(cols, ncols, lineno, userdata);
			n++;
		}
		p = eol + 1;
	}
	free(data);
	return n;
}

struct compare_run {
	const char *file;
	int (*cmp)(const char *, const char *);
	size_t n, failed;
};

static void compare_line(char **cols, size_t ncols, unsigned lineno, void *userdata)
{
	struct compare_run *run = userdata;
	run->n++;
	int want = ncols != 3 ? 2 : streq(cols[2], "-1") ? -1 : streq(cols[2], "0") ? 0 : streq(cols[2], "1") ? 1 : 2;
	if (want == 2) {
		if (run->failed++ < 20)
			printf("# %s:%u: malformed vector line\n", run->file, lineno);
		return;
	}
	int got = run->cmp(cols[0], cols[1]), rev = run->cmp(cols[1], cols[0]);
	int self = run->cmp(cols[0], cols[0]);
	if ((got != want || rev != -want || self != 0) && run->failed++ < 20)
		printf("# %s:%u: compare(\"%s\", \"%s\") = %d (reverse %d, self %d), expected %d\n",
		       run->file, lineno, cols[0], cols[1], got, rev, self, want);
}

size_t tap_vectors_check_compare(const char *rel, int (*cmp)(const char *, const char *))
{
	struct compare_run run = { .file = rel, .cmp = cmp };
	size_t n = tap_vectors_foreach(rel, compare_line, &run);
	printf("# %s: %zu/%zu vectors pass\n", rel, run.n - run.failed, run.n);
	if (n == 0)
		tap_fail(__FILE__, __LINE__, "%s has no vectors", rel);
	if (run.failed)
		tap_fail(__FILE__, __LINE__, "%s: %zu of %zu vectors failed", rel, run.failed, run.n);
	return n;
}
