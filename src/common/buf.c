/* SPDX-License-Identifier: Apache-2.0 */
/* buf.c — see buf.h. The only place in the tree that calls vsnprintf(). */
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/common.h"

void buf_init(struct buf *b, size_t max)
{
	*b = (struct buf){ .max = max ? max : BUF_MAX_DEFAULT };
}

void buf_done(struct buf *b)
{
	size_t max = b->max;
	free(b->ptr);
	*b = (struct buf){ .max = max };
}

void buf_clear(struct buf *b)
{
	b->len = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

int buf_reserve(struct buf *b, size_t n)
{
	size_t need;
	if (!size_add(b->len, n, &need) || need > b->max)
		return -E2BIG;
	if (!size_add(need, 1, &need))
		return -E2BIG;
	if (need <= b->cap)
		return 0;
	size_t nc = b->cap ? b->cap : 64;
	while (nc < need) {
		if (!size_mul(nc, 2, &nc)) {
			nc = need;
			break;
		}
	}
	char *p = realloc(b->ptr, nc);
	if (!p)
		return -ENOMEM;
	if (!b->ptr)
		p[0] = '\0';
	b->ptr = p;
	b->cap = nc;
	return 0;
}

int buf_append(struct buf *b, const void *data, size_t len)
{
	int r = buf_reserve(b, len);
	if (r < 0)
		return r;
	if (len)
		memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
	return 0;
}

int buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int buf_putc(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

int buf_append_span(struct buf *b, struct span s)
{
	return buf_append(b, s.ptr, s.len);
}

int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return -EINVAL;
	int r = buf_reserve(b, (size_t)n);
	if (r < 0)
		return r;
	(void)vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

char *buf_take(struct buf *b)
{
	char *p = b->ptr;
	if (!p)
		p = strdup("");
	*b = (struct buf){ .max = b->max };
	return p;
}

int xsnprintf(char *dst, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(dst, size, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n >= size)
		return -ENOBUFS;
	return 0;
}
