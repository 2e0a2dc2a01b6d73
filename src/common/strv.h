/* SPDX-License-Identifier: Apache-2.0 */
/*
 * strv.h — a growable, owned list of owned strings (struct strv). Used for licences,
 * file lists, dependency names. Sorting and de-duplication make output deterministic.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct strv {
	char **v; /* owned strings, owned array; NULL-terminated when n > 0 */
	size_t n;
	size_t cap;
};

/* Append a copy of s. 0 or -ENOMEM. */
int strv_push(struct strv *l, const char *s);
/* Append s, taking ownership (freed on failure too). 0 or -ENOMEM. */
int strv_push_take(struct strv *l, char *s);
/* Append unless an equal string is present. 0 or -ENOMEM. */
int strv_push_uniq(struct strv *l, const char *s);
bool strv_contains(const struct strv *l, const char *s);
/* Sort bytewise and drop duplicates. */
void strv_sort_uniq(struct strv *l);
void strv_done(struct strv *l);
