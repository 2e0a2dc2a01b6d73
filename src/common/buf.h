/* SPDX-License-Identifier: Apache-2.0 */
/*
 * buf.h — owned, growable byte buffer, always NUL-terminated, with a hard maximum set
 * at init. An append that would pass the maximum fails with -E2BIG and leaves the
 * buffer exactly as it was (nothing half-written). Modelled on curl's dynbuf.
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>

#include "common/macro.h"
#include "common/span.h"

struct buf {
	char *ptr;  /* owned; NULL until the first append; always NUL-terminated when set */
	size_t len; /* bytes used, excluding the terminating NUL */
	size_t cap; /* bytes allocated */
	size_t max; /* hard limit on len */
};

#define BUF_MAX_DEFAULT ((size_t)64 << 20)

/* Initialise an empty buffer that may hold at most max bytes (0 = BUF_MAX_DEFAULT). */
void buf_init(struct buf *b, size_t max);
/* Free the contents; the buffer may be reused after buf_init(). Accepts zeroed buffers. */
void buf_done(struct buf *b);
/* Reset length to 0, keeping the allocation. */
void buf_clear(struct buf *b);

/* Appends: 0, -E2BIG past max, -ENOMEM. */
int buf_append(struct buf *b, const void *data, size_t len);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_append_span(struct buf *b, struct span s);
int buf_printf(struct buf *b, const char *fmt, ...) _printf_(2, 3);
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) _printf_(2, 0);
/* Make room for n more bytes: 0, -E2BIG (past max), -ENOMEM. */
int buf_reserve(struct buf *b, size_t n);

/* Hand over the contents (caller frees with free()); an empty buffer yields "" allocated. */
char *buf_take(struct buf *b);

static inline const char *buf_str(const struct buf *b)
{
	return b->ptr ? b->ptr : "";
}

static inline struct span buf_span(const struct buf *b)
{
	return (struct span){ b->ptr ? b->ptr : "", b->len };
}

static inline void buf_donep(struct buf *b)
{
	buf_done(b);
}
#define _cleanup_buf_ _cleanup_(buf_donep)

/*
 * snprintf that fails instead of truncating: 0, or -ENOBUFS when the output would not fit.
 */
int xsnprintf(char *dst, size_t size, const char *fmt, ...) _printf_(3, 4);
