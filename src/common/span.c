/* SPDX-License-Identifier: Apache-2.0 */
/* span.c — see span.h. */
#include <sys/types.h>

#include "common/common.h"

bool span_eq(struct span a, struct span b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

bool span_eq_str(struct span a, const char *s)
{
	return span_eq(a, span_from(s));
}

bool span_eq_nocase(struct span a, struct span b)
{
	if (a.len != b.len)
		return false;
	for (size_t i = 0; i < a.len; i++)
		if (ascii_tolower((unsigned char)a.ptr[i]) != ascii_tolower((unsigned char)b.ptr[i]))
			return false;
	return true;
}

bool span_startswith(struct span s, const char *prefix)
{
	size_t n = strlen(prefix);
	return s.len >= n && memcmp(s.ptr, prefix, n) == 0;
}

bool span_endswith(struct span s, const char *suffix)
{
	size_t n = strlen(suffix);
	return s.len >= n && memcmp(s.ptr + s.len - n, suffix, n) == 0;
}

ssize_t span_index(struct span s, char c)
{
	const char *p = s.len ? memchr(s.ptr, c, s.len) : NULL;
	return p ? p - s.ptr : -1;
}

struct span span_trim(struct span s)
{
	while (s.len && ascii_isspace((unsigned char)s.ptr[0])) {
		s.ptr++;
		s.len--;
	}
	while (s.len && ascii_isspace((unsigned char)s.ptr[s.len - 1]))
		s.len--;
	return s;
}

struct span span_slice(struct span s, size_t off, size_t len)
{
	if (off > s.len)
		off = s.len;
	if (len > s.len - off)
		len = s.len - off;
	return (struct span){ s.ptr + off, len };
}

int span_next_token(struct span *in, char sep, struct span *ret_tok)
{
	if (in->len == 0)
		return -ENOENT;
	ssize_t i = span_index(*in, sep);
	if (i < 0) {
		*ret_tok = *in;
		in->ptr += in->len;
		in->len = 0;
		return 0;
	}
	*ret_tok = (struct span){ in->ptr, (size_t)i };
	in->ptr += i + 1;
	in->len -= (size_t)i + 1;
	return 0;
}

int span_next_line(struct span *in, struct span *ret_line)
{
	struct span l;
	int r = span_next_token(in, '\n', &l);
	if (r < 0)
		return r;
	if (l.len && l.ptr[l.len - 1] == '\r')
		l.len--;
	*ret_line = l;
	return 0;
}

bool span_cut(struct span s, char sep, struct span *ret_before, struct span *ret_after)
{
	ssize_t i = span_index(s, sep);
	if (i < 0)
		return false;
	if (ret_before)
		*ret_before = (struct span){ s.ptr, (size_t)i };
	if (ret_after)
		*ret_after = (struct span){ s.ptr + i + 1, s.len - (size_t)i - 1 };
	return true;
}

char *span_dup(struct span s)
{
	size_t n;
	if (!size_add(s.len, 1, &n))
		return NULL;
	char *p = malloc(n);
	if (!p)
		return NULL;
	if (s.len)
		memcpy(p, s.ptr, s.len);
	p[s.len] = '\0';
	return p;
}

static int digit_value(int c)
{
	if (ascii_isdigit(c))
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

int parse_u64(struct span s, unsigned base, uint64_t max, uint64_t *ret)
{
	if (base == 0)
		base = 10;
	if (s.len == 0 || base > 36)
		return -EINVAL;
	uint64_t v = 0;
	for (size_t i = 0; i < s.len; i++) {
		int d = digit_value((unsigned char)s.ptr[i]);
		if (d >= (int)base)
			return -EINVAL;
		if (__builtin_mul_overflow(v, (uint64_t)base, &v) ||
		    __builtin_add_overflow(v, (uint64_t)d, &v))
			return -ERANGE;
	}
	if (v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

int parse_i64(struct span s, int64_t min, int64_t max, int64_t *ret)
{
	bool neg = false;
	if (s.len && (s.ptr[0] == '-' || s.ptr[0] == '+')) {
		neg = s.ptr[0] == '-';
		s.ptr++;
		s.len--;
	}
	uint64_t u;
	int r = parse_u64(s, 10, neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, &u);
	if (r < 0)
		return r;
	int64_t v = neg ? (int64_t)(0 - u) : (int64_t)u;
	if (v < min || v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}
