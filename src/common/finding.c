/* SPDX-License-Identifier: Apache-2.0 */
/* finding.c — the list of findings every non-vulnerability evaluator fills (finding.h). */
#include <strings.h>

#include "common/buf.h"
#include "common/common.h"
#include "common/finding.h"
#include "common/hash.h"

const char *bh_severity_name(enum bh_severity s)
{
	static const char *const names[_BH_SEV_MAX] = { "unknown", "info", "low",
							"medium",  "high", "critical" };
	return (unsigned)s < _BH_SEV_MAX ? names[s] : "unknown";
}

int bh_severity_from_name(const char *s, enum bh_severity *ret)
{
	for (unsigned i = 0; i < _BH_SEV_MAX; i++)
		if (strcasecmp(s, bh_severity_name((enum bh_severity)i)) == 0) {
			*ret = (enum bh_severity)i;
			return 0;
		}
	return -EINVAL;
}

void bh_finding_done(struct bh_finding *f)
{
	free(f->rule_id);
	free(f->rule_title);
	strv_done(&f->refs);
	free(f->path);
	free(f->layer);
	free(f->package);
	free(f->message);
	free(f->remediation);
	strv_done(&f->compliance);
	json_decref(f->evidence);
	*f = (struct bh_finding){ 0 };
}

void bh_findings_done(struct bh_findings *l)
{
	for (size_t i = 0; i < l->n; i++)
		bh_finding_done(&l->v[i]);
	free(l->v);
	*l = (struct bh_findings){ 0 };
}

int bh_findings_add_take(struct bh_findings *l, struct bh_finding *f)
{
	if (!f->message || GROW(l->v, l->n, l->cap) < 0) {
		bh_finding_done(f);
		return -ENOMEM;
	}
	l->v[l->n++] = *f;
	*f = (struct bh_finding){ 0 };
	return 0;
}

int bh_findings_move(struct bh_findings *dst, struct bh_findings *src)
{
	if (src->n && dst->n + src->n > dst->cap) {
		struct bh_finding *v = reallocarray(dst->v, dst->n + src->n, sizeof(*v));
		if (!v)
			return -ENOMEM;
		dst->v = v;
		dst->cap = dst->n + src->n;
	}
	if (src->n)
		memcpy(dst->v + dst->n, src->v, src->n * sizeof(*src->v));
	dst->n += src->n;
	dst->suppressed += src->suppressed;
	free(src->v);
	*src = (struct bh_findings){ 0 };
	return 0;
}

static int cmp_str(const char *a, const char *b)
{
	if (!a || !b)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int cmp_finding(const void *pa, const void *pb)
{
	const struct bh_finding *a = pa, *b = pb;
	int c;
	if (a->severity != b->severity)
		return a->severity > b->severity ? -1 : 1;
	if ((c = cmp_str(a->rule_id, b->rule_id)) || (c = cmp_str(a->path, b->path)))
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->column != b->column)
		return a->column < b->column ? -1 : 1;
	if ((c = cmp_str(a->layer, b->layer)) || (c = cmp_str(a->package, b->package)))
		return c;
	return cmp_str(a->message, b->message);
}

void bh_findings_sort(struct bh_findings *l)
{
	if (l->n < 2)
		return;
	qsort(l->v, l->n, sizeof(*l->v), cmp_finding);
	size_t w = 1;
	for (size_t i = 1; i < l->n; i++) {
		if (cmp_finding(&l->v[w - 1], &l->v[i]) == 0)
			bh_finding_done(&l->v[i]);
		else
			l->v[w++] = l->v[i];
	}
	l->n = w;
}

size_t bh_findings_count_at_least(const struct bh_findings *l, enum bh_severity min)
{
	size_t n = 0;
	for (size_t i = 0; i < l->n; i++)
		n += l->v[i].severity >= min;
	return n;
}

int bh_finding_id(const struct bh_finding *f, const char *target, char out[33])
{
	_cleanup_buf_ struct buf b;
	buf_init(&b, 0);
#define S(x) ((x) ? (x) : "")
	int r = buf_printf(&b, "%s\n%s\n%s\n%s\n%u:%u\n%s\n%s\n%s", S(f->kind), S(f->rule_id),
			   S(target), S(f->path), f->line, f->column, S(f->layer), S(f->package),
			   S(f->message));
#undef S
	char hex[BH_DIGEST_STR_LEN + 1];
	if (r >= 0)
		r = bh_sha256_str(b.ptr, b.len, hex);
	if (r < 0)
		return r;
	const char *colon = strchr(hex, ':');
	memcpy(out, colon ? colon + 1 : hex, 32);
	out[32] = '\0';
	return 0;
}
