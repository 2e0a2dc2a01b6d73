/* SPDX-License-Identifier: Apache-2.0 */
/*
 * macro.h — small language helpers used everywhere: cleanup attributes, ownership
 * transfer, overflow-checked size arithmetic, array growth and errno conversion.
 * Nothing here allocates on its own except GROW(), which only calls reallocarray().
 */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _pure_ __attribute__((pure))
#define _noreturn_ __attribute__((noreturn))
#define _likely_(x) __builtin_expect(!!(x), 1)
#define _unlikely_(x) __builtin_expect(!!(x), 0)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* Hand ownership of a pointer out of a cleanup-managed local. */
#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__(p) _p_ = (p);                                                           \
		(p) = NULL;                                                                        \
		_p_;                                                                               \
	})

#define TAKE_FD(fd)                                                                                \
	({                                                                                         \
		int _fd_ = (fd);                                                                   \
		(fd) = -1;                                                                         \
		_fd_;                                                                              \
	})

/* DEFINE_CLEANUP(struct foo *, foo_free) defines foo_freep(struct foo **). */
#define DEFINE_CLEANUP(type, fn)                                                                   \
	static inline void fn##p(type *p)                                                          \
	{                                                                                          \
		if (*p)                                                                            \
			fn(*p);                                                                    \
	}

static inline void freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		(void)close(*fd);
		errno = saved;
	}
}
#define _cleanup_close_ _cleanup_(closep)

/* Convert a libc "-1 and errno" result into our "-errno" convention. */
#define NERRNO(expr)                                                                               \
	({                                                                                         \
		__typeof__(expr) _r_ = (expr);                                                     \
		_r_ < 0 ? (__typeof__(expr))(-(errno > 0 ? errno : EIO)) : _r_;                    \
	})

/* Overflow-checked size arithmetic: return false on overflow, leaving *ret untouched. */
static inline bool size_add(size_t a, size_t b, size_t *ret)
{
	size_t r;
	if (__builtin_add_overflow(a, b, &r))
		return false;
	*ret = r;
	return true;
}

static inline bool size_mul(size_t a, size_t b, size_t *ret)
{
	size_t r;
	if (__builtin_mul_overflow(a, b, &r))
		return false;
	*ret = r;
	return true;
}

/*
 * GROW(array, n, cap): make room for at least n + 1 elements in array (capacity cap),
 * doubling. Evaluates to 0 or -ENOMEM; on failure array and cap are unchanged.
 */
#define GROW(array, n, cap)                                                                        \
	({                                                                                         \
		int _r_ = 0;                                                                       \
		if ((n) >= (cap)) {                                                                \
			size_t _nc_ = (cap) ? (size_t)(cap) * 2 : 8;                               \
			if (_nc_ <= (size_t)(n))                                                   \
				_nc_ = (size_t)(n) + 1;                                            \
			void *_np_ = reallocarray((array), _nc_, sizeof(*(array)));                \
			if (!_np_)                                                                 \
				_r_ = -ENOMEM;                                                     \
			else {                                                                     \
				(array) = _np_;                                                    \
				(cap) = _nc_;                                                      \
			}                                                                          \
		}                                                                                  \
		_r_;                                                                               \
	})

static inline bool streq(const char *a, const char *b)
{
	return __builtin_strcmp(a, b) == 0;
}

/* *ret = a copy of s, or NULL when s is NULL. 0 or -ENOMEM. */
static inline int strdup_opt(const char *s, char **ret)
{
	*ret = NULL;
	if (!s)
		return 0;
	*ret = __builtin_strdup(s);
	return *ret ? 0 : -ENOMEM;
}

static inline bool streq_ptr(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return __builtin_strcmp(a, b) == 0;
}

/* ASCII classification that never depends on the locale; safe on any input byte. */
static inline bool ascii_isdigit(int c)
{
	return c >= '0' && c <= '9';
}
static inline bool ascii_isalpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static inline bool ascii_isalnum(int c)
{
	return ascii_isdigit(c) || ascii_isalpha(c);
}
static inline bool ascii_isspace(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
static inline bool ascii_isxdigit(int c)
{
	return ascii_isdigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
static inline int ascii_tolower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}
static inline bool ascii_isprint(int c)
{
	return c >= 0x20 && c < 0x7f;
}
