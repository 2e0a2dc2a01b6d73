/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log.h — the one logging API. Diagnostics go to stderr, one line each, prefixed with
 * the program name. log_*_errno(r, ...) returns r (a -errno) so a caller can write
 * `return log_error_errno(r, "cannot open '%s': %m", path);` — %m prints strerror(-r).
 * The level is checked before anything is formatted. Library code logs at debug only.
 */
#pragma once

#include <stdarg.h>

#include "common/macro.h"

enum log_level {
	LOG_LVL_ERROR,
	LOG_LVL_WARNING,
	LOG_LVL_NOTICE,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
	_LOG_LVL_MAX,
};

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
void log_set_program(const char *name);

/* Returns r unchanged (a negative errno, or 0). */
int log_emit(enum log_level level, int r, const char *fmt, ...) _printf_(3, 4);
/* Number of warnings emitted so far (for summaries and tests). */
unsigned log_warning_count(void);

#define log_full_errno(lvl, r, ...)                                                                \
	({                                                                                         \
		int _lr_ = (r);                                                                    \
		(log_get_level() >= (lvl)) ? log_emit((lvl), _lr_, __VA_ARGS__) : _lr_;            \
	})

#define log_debug(...) (void)log_full_errno(LOG_LVL_DEBUG, 0, __VA_ARGS__)
#define log_info(...) (void)log_full_errno(LOG_LVL_INFO, 0, __VA_ARGS__)
#define log_notice(...) (void)log_full_errno(LOG_LVL_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) (void)log_full_errno(LOG_LVL_WARNING, 0, __VA_ARGS__)
#define log_error(...) (void)log_full_errno(LOG_LVL_ERROR, 0, __VA_ARGS__)

#define log_debug_errno(r, ...) log_full_errno(LOG_LVL_DEBUG, (r), __VA_ARGS__)
#define log_warning_errno(r, ...) log_full_errno(LOG_LVL_WARNING, (r), __VA_ARGS__)
#define log_error_errno(r, ...) log_full_errno(LOG_LVL_ERROR, (r), __VA_ARGS__)
