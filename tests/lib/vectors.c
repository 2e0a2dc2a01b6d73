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
