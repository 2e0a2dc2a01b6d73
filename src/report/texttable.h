/* SPDX-License-Identifier: Apache-2.0 */
/*
 * texttable.h — aligned plain-text tables for terminals (private to src/report/). Every
 * cell is sanitised (sbom_sanitize: control characters and invalid UTF-8 print as '?'),
 * widths count characters and are capped at TEXT_TABLE_COL_MAX so that one absurd value
 * does not pad every row, and trailing empty cells leave no trailing blanks.
 */
#pragma once

#include <stdio.h>

#include "common/common.h"

#define TEXT_TABLE_COL_MAX 60

struct text_cell {
	char *text; /* sanitised, owned */
	size_t width;
};

struct text_table {
	size_t ncols;
	const char *const *titles; /* borrowed, ncols entries */
	struct text_cell *cells;   /* nrows * ncols */
	size_t nrows, cap;
};

void text_table_init(struct text_table *t, size_t ncols, const char *const *titles);
/* Append a row of ncols values (NULL = empty). 0 or -ENOMEM. */
int text_table_add_row(struct text_table *t, const char *const *values);
/* Print the header and rows, showing the first `shown` columns (<= ncols). */
void text_table_print(const struct text_table *t, size_t shown, FILE *f);
void text_table_done(struct text_table *t);
