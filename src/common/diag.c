/* SPDX-License-Identifier: Apache-2.0 */
/* diag.c — see diag.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/common.h"

static void copy_trunc(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

void bh_diag_set(struct bh_diag *diag, const char *source, unsigned line, unsigned column,
		 const char *fmt, ...)
{
	if (!diag)
		return;
	if (source)
		copy_trunc(diag->source, sizeof(diag->source), source);
	diag->line = line;
	diag->column = column;
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(diag->message, sizeof(diag->message), fmt, ap);
	va_end(ap);
}

void bh_diag_wrap(struct bh_diag *diag, const char *outer)
{
	if (!diag || !outer)
		return;
	char tmp[sizeof(diag->source) * 2 + 8];
	if (diag->source[0])
		(void)snprintf(tmp, sizeof(tmp), "%s: %s", outer, diag->source);
	else
		copy_trunc(tmp, sizeof(tmp), outer);
	copy_trunc(diag->source, sizeof(diag->source), tmp);
}

void bh_diag_format(const struct bh_diag *diag, char *dst, size_t size)
{
	if (!size)
		return;
	if (diag->line && diag->column)
		(void)snprintf(dst, size, "%s:%u:%u: %s", diag->source, diag->line, diag->column,
			       diag->message);
	else if (diag->line)
		(void)snprintf(dst, size, "%s:%u: %s", diag->source, diag->line, diag->message);
	else if (diag->source[0])
		(void)snprintf(dst, size, "%s: %s", diag->source, diag->message);
	else
		copy_trunc(dst, size, diag->message);
}
