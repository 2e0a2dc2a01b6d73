/* SPDX-License-Identifier: Apache-2.0 */
/*
 * span.h — a borrowed, unterminated view of bytes (pointer and length together).
 * Cursor functions take a span by pointer, return 0 or -errno, and advance it only on
 * success, so parsers can be written as chains: r = span_a(&in) ?: span_b(&in);
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

struct span {
	const char *ptr;
	size_t len;
};

#define SPAN_LIT(s) ((struct span){ (s), sizeof(s) - 1 })
#define SPAN_NULL ((struct span){ "", 0 })
#define SPAN_FMT "%.*s"
#define SPAN_ARG(s) (int)((s).len > INT32_MAX ? INT32_MAX : (s).len), (s).ptr

static inline struct span span_from(const char *s)
{
	return (struct span){ s ? s : "", s ? strlen(s) : 0 };
}

static inline struct span span_make(const void *p, size_t len)
{
	return (struct span){ p ? (const char *)p : "", len };
}

static inline bool span_is_empty(struct span s)
{
	return s.len == 0;
}

bool span_eq(struct span a, struct span b);
bool span_eq_str(struct span a, const char *s);
bool span_eq_nocase(struct span a, struct span b);
bool span_startswith(struct span s, const char *prefix);
bool span_endswith(struct span s, const char *suffix);
/* Index of the first c in s, or -1. */
ssize_t span_index(struct span s, char c);
/* Strip ASCII whitespace on both ends. */
struct span span_trim(struct span s);
struct span span_slice(struct span s, size_t off, size_t len);

/*
 * Take the next line (without "\n" or "\r\n") off the front of *in.
 * 0 on success, -ENOENT when *in is empty.
 */
int span_next_line(struct span *in, struct span *ret_line);
/* Take the bytes up to sep (exclusive) off *in; without sep take all. -ENOENT when empty. */
int span_next_token(struct span *in, char sep, struct span *ret_tok);
/* Split s at the first sep into before/after; false (outputs untouched) when absent. */
bool span_cut(struct span s, char sep, struct span *ret_before, struct span *ret_after);

/* NUL-terminated copy; NULL on OOM. Embedded NULs are kept (the copy ends early for C). */
char *span_dup(struct span s);

/*
 * Range-checked unsigned parse of the whole span in base 10 (or 8/16 with base).
 * 0, -EINVAL (empty, stray characters), -ERANGE (above max).
 */
int parse_u64(struct span s, unsigned base, uint64_t max, uint64_t *ret);
int parse_i64(struct span s, int64_t min, int64_t max, int64_t *ret);
