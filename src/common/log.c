/* SPDX-License-Identifier: Apache-2.0 */
/* log.c — see log.h. One write(2) per message so concurrent threads never interleave. */
#include <stdio.h>
#include <string.h>

#include "common/common.h"

static enum log_level log_level = LOG_LVL_NOTICE;
static const char *log_program = "bulkhead";
static unsigned log_warnings;

void log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level log_get_level(void)
{
	return log_level;
}

void log_set_program(const char *name)
{
	log_program = name;
}

unsigned log_warning_count(void)
{
	return __atomic_load_n(&log_warnings, __ATOMIC_RELAXED);
}

int log_emit(enum log_level level, int r, const char *fmt, ...)
{
	static const char *const prefix[_LOG_LVL_MAX] = {
		[LOG_LVL_ERROR] = "", [LOG_LVL_WARNING] = "warning: ", [LOG_LVL_NOTICE] = "",
		[LOG_LVL_INFO] = "",  [LOG_LVL_DEBUG] = "debug: ",
	};
	if (level == LOG_LVL_WARNING)
		__atomic_add_fetch(&log_warnings, 1, __ATOMIC_RELAXED);
	int saved = errno;
	if (r < 0)
		errno = -r; /* so %m prints the error we were given */
	char line[2048];
	va_list ap;
	va_start(ap, fmt);
	int n1 = snprintf(line, sizeof(line), "%s: %s", log_program, prefix[level]);
	if (n1 < 0 || (size_t)n1 >= sizeof(line))
		n1 = 0;
	int n2 = vsnprintf(line + n1, sizeof(line) - (size_t)n1, fmt, ap);
	va_end(ap);
	size_t len = (size_t)n1 + (n2 > 0 ? (size_t)n2 : 0);
	if (len >= sizeof(line) - 1)
		len = sizeof(line) - 2;
	/* Never let input bytes reach the terminal as control characters. */
	for (size_t i = (size_t)n1; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = '?';
	line[len++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, len);
	(void)w;
	errno = saved;
	return r;
}
