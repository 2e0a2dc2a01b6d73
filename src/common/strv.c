/* SPDX-License-Identifier: Apache-2.0 */
/* strv.c — see strv.h. */
#include "common/common.h"

int strv_push_take(struct strv *l, char *s)
{
	if (!s)
		return -ENOMEM;
	if (GROW(l->v, l->n + 1, l->cap) < 0) {
		free(s);
		return -ENOMEM;
	}
	l->v[l->n++] = s;
	l->v[l->n] = NULL;
	return 0;
}

int strv_push(struct strv *l, const char *s)
{
	return strv_push_take(l, strdup(s));
}

bool strv_contains(const struct strv *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (streq(l->v[i], s))
			return true;
	return false;
}

int strv_push_uniq(struct strv *l, const char *s)
{
	return strv_contains(l, s) ? 0 : strv_push(l, s);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void strv_sort_uniq(struct strv *l)
{
	if (l->n < 2)
		return;
	qsort(l->v, l->n, sizeof(char *), cmp_str);
	size_t w = 1;
	for (size_t i = 1; i < l->n; i++) {
		if (streq(l->v[i], l->v[w - 1]))
			free(l->v[i]);
		else
			l->v[w++] = l->v[i];
	}
	l->n = w;
	l->v[w] = NULL;
}

void strv_done(struct strv *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	*l = (struct strv){ 0 };
}
