/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tap.h — the in-tree unit test harness. Each test file defines TEST(name) { ... } blocks;
 * they register themselves and a shared main() runs them, printing TAP for `meson test`.
 * A failed ASSERT ends the current test (not the program). TEST_SKIP() marks a skip.
 * Environment: BH_SOURCE_ROOT (set by meson) locates tests/ and ../shared/testdata.
 */
#pragma once

#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include "common/common.h"

typedef void (*tap_fn)(void);
void tap_register(const char *name, tap_fn fn);
void tap_fail(const char *file, int line, const char *fmt, ...) _printf_(3, 4) _noreturn_;
void tap_skip(const char *reason) _noreturn_;
/* Path under the source tree, e.g. tap_src_path("tests/fixtures/x"); static buffer per call slot. */
const char *tap_src_path(const char *rel);
/* Path under ../shared/testdata, or NULL when the shared data is absent. */
const char *tap_shared_path(const char *rel);
/* Read a whole file into a NUL-terminated malloc'd buffer; NULL on failure. */
char *tap_read_file(const char *path, size_t *ret_len);
/*
 * NAME under this test program's temporary directory (made on first use, removed with its
 * contents at exit); a static buffer per call slot (16 slots). NULL if it cannot be made.
 */
const char *tap_tmp_path(const char *name);
/* Run argv (PATH searched, stdout to /dev/null): its exit status, 128 if killed, -errno. */
int tap_run(const char *const *argv);

#define TEST(name)                                                                                 \
	static void test_##name(void);                                                             \
	__attribute__((constructor)) static void register_##name(void)                             \
	{                                                                                          \
		tap_register(#name, test_##name);                                                  \
	}                                                                                          \
	static void test_##name(void)

#define TEST_SKIP(reason) tap_skip(reason)

#define ASSERT_TRUE(x)                                                                             \
	do {                                                                                       \
		if (!(x))                                                                          \
			tap_fail(__FILE__, __LINE__, "expected true: %s", #x);                     \
	} while (0)
#define ASSERT_FALSE(x) ASSERT_TRUE(!(x))

#define ASSERT_OK(expr)                                                                            \
	do {                                                                                       \
		long long _r = (long long)(expr);                                                  \
		if (_r < 0)                                                                        \
			tap_fail(__FILE__, __LINE__, "%s failed: %lld (%s)", #expr, _r,           \
				 strerror((int)-_r));                                              \
	} while (0)

#define ASSERT_ERR(expr, err)                                                                      \
	do {                                                                                       \
		long long _r = (long long)(expr);                                                  \
		if (_r != (long long)(err))                                                        \
			tap_fail(__FILE__, __LINE__, "%s returned %lld, expected %s (%lld)", #expr, \
				 _r, #err, (long long)(err));                                      \
	} while (0)

#define ASSERT_EQ(a, b)                                                                            \
	do {                                                                                       \
		long long _a = (long long)(a), _b = (long long)(b);                                \
		if (_a != _b)                                                                      \
			tap_fail(__FILE__, __LINE__, "%s == %lld, expected %s == %lld", #a, _a, #b, \
				 _b);                                                              \
	} while (0)

#define ASSERT_STREQ(a, b)                                                                         \
	do {                                                                                       \
		const char *_a = (a), *_b = (b);                                                   \
		if (!_a || !_b || strcmp(_a, _b) != 0)                                             \
			tap_fail(__FILE__, __LINE__, "%s == \"%s\", expected \"%s\"", #a,          \
				 _a ? _a : "(null)", _b ? _b : "(null)");                          \
	} while (0)

#define ASSERT_NULL(x) ASSERT_TRUE((x) == NULL)
#define ASSERT_NOT_NULL(x) ASSERT_TRUE((x) != NULL)
