/* SPDX-License-Identifier: Apache-2.0 */
/* pkg.c — package objects and lists (see bulkhead/pkg.h); purl building is in purl.c. */
#include "bulkhead/pkg.h"
#include "common/common.h"

struct pkg *pkg_new(enum pkg_type type)
{
	struct pkg *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->type = type;
	p->layer = -1;
	return p;
}

void pkg_free(struct pkg *p)
{
	if (!p)
		return;
	free(p->name);
	free(p->namespace);
	free(p->version);
	free(p->arch);
	free(p->source_name);
	free(p->source_version);
	free(p->distro);
	free(p->purl);
	strv_done(&p->licenses);
	strv_done(&p->files);
	strv_done(&p->depends);
	free(p->location);
	free(p->supplier);
	free(p->description);
	free(p->homepage);
	free(p->checksum);
	free(p->bom_ref);
	free(p);
}

int pkg_set(char **field, const char *value)
{
	char *c = NULL;
	if (value) {
		c = strdup(value);
		if (!c)
			return -ENOMEM;
	}
	free(*field);
	*field = c;
	return 0;
}

int pkg_set_span(char **field, struct span value)
{
	char *c = span_dup(value);
	if (!c)
		return -ENOMEM;
	free(*field);
	*field = c;
	return 0;
}

int pkg_list_add_take(struct pkg_list *l, struct pkg *p)
{
	if (!p)
		return -ENOMEM;
	if (GROW(l->items, l->n, l->cap) < 0) {
		pkg_free(p);
		return -ENOMEM;
	}
	l->items[l->n++] = p;
	return 0;
}

void pkg_list_done(struct pkg_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		pkg_free(l->items[i]);
	free(l->items);
	*l = (struct pkg_list){ 0 };
}

static int cmp_opt(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int pkg_cmp(const void *x, const void *y)
{
	const struct pkg *a = *(struct pkg *const *)x, *b = *(struct pkg *const *)y;
	int r;
	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	if ((r = cmp_opt(a->namespace, b->namespace)) || (r = cmp_opt(a->name, b->name)) ||
	    (r = cmp_opt(a->version, b->version)) || (r = cmp_opt(a->arch, b->arch)) ||
	    (r = cmp_opt(a->location, b->location)) || (r = cmp_opt(a->purl, b->purl)))
		return r;
	return 0;
}

void pkg_list_sort(struct pkg_list *l)
{
	if (l->n < 2)
		return;
	qsort(l->items, l->n, sizeof(*l->items), pkg_cmp);
	size_t w = 1;
	for (size_t i = 1; i < l->n; i++) {
		if (pkg_cmp(&l->items[i], &l->items[w - 1]) == 0)
			pkg_free(l->items[i]);
		else
			l->items[w++] = l->items[i];
	}
	l->n = w;
}
