/* SPDX-License-Identifier: Apache-2.0 */
/* texttable.c — see texttable.h. */
#include "report/sbom-common.h"
#include "report/texttable.h"

void text_table_init(struct text_table *t, size_t ncols, const char *const *titles)
{
	*t = (struct text_table){ .ncols = ncols, .titles = titles };
}

void text_table_done(struct text_table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i].text);
	free(t->cells);
	*t = (struct text_table){ 0 };
}

int text_table_add_row(struct text_table *t, const char *const *values)
{
	size_t need;
	if (!size_mul(t->nrows + 1, t->ncols, &need))
		return -ENOMEM;
	if (need > t->cap) {
		size_t ncap = MAX(need, t->cap * 2);
		struct text_cell *n = reallocarray(t->cells, ncap, sizeof(*n));
		if (!n)
			return -ENOMEM;
		t->cells = n;
		t->cap = ncap;
	}
	struct text_cell *row = &t->cells[t->nrows * t->ncols];
	for (size_t k = 0; k < t->ncols; k++) {
		row[k].text = sbom_sanitize(values[k] ? values[k] : "", &row[k].width);
		if (!row[k].text) {
			for (size_t j = 0; j < k; j++)
				free(row[j].text);
			return -ENOMEM;
		}
	}
	t->nrows++;
	return 0;
}

static void pad(FILE *f, size_t n)
{
	while (n-- > 0)
		fputc(' ', f);
}

static void print_row(FILE *f, const struct text_cell *row, const size_t *width, size_t ncols)
{
	size_t last = ncols - 1;
	while (last > 0 && row[last].width == 0)
		last--; /* no trailing blanks */
	for (size_t k = 0; k <= last; k++) {
		fputs(row[k].text, f);
		if (k < last)
			pad(f, (width[k] > row[k].width ? width[k] - row[k].width : 0) + 2);
	}
	fputc('\n', f);
}

void text_table_print(const struct text_table *t, size_t shown, FILE *f)
{
	if (shown == 0 || shown > t->ncols || shown > 16)
		return;
	size_t width[16];
	struct text_cell head[16];
	for (size_t k = 0; k < shown; k++) {
		head[k] = (struct text_cell){ (char *)t->titles[k], strlen(t->titles[k]) };
		width[k] = head[k].width;
	}
	for (size_t i = 0; i < t->nrows; i++)
		for (size_t k = 0; k < shown; k++)
			width[k] = MAX(width[k], MIN(t->cells[i * t->ncols + k].width,
						     (size_t)TEXT_TABLE_COL_MAX));
	print_row(f, head, width, shown);
	for (size_t i = 0; i < t->nrows; i++)
		print_row(f, &t->cells[i * t->ncols], width, shown);
}
