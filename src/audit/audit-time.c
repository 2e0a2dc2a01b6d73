/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit-time.c — times of the audit log: unix microseconds, RFC 3339 in and out, and the
 * --since forms. Calendar arithmetic is done here (proleptic Gregorian, UTC) so that no
 * libc time zone state is involved.
 */
#include <time.h>

#include "audit/audit.h"

/* Days since 1970-01-01 of a civil date (the usual era-based computation). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static unsigned days_in_month(int64_t y, unsigned m)
{
	static const unsigned dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dm[m - 1];
}

/* Exactly n digits at s->ptr[*i]. */
static int digits(struct span s, size_t *i, size_t n, unsigned *ret)
{
	unsigned v = 0;
	if (s.len - *i < n)
		return -EBADMSG;
	for (size_t k = 0; k < n; k++) {
		char c = s.ptr[*i + k];
		if (!ascii_isdigit(c))
			return -EBADMSG;
		v = v * 10 + (unsigned)(c - '0');
	}
	*i += n;
	*ret = v;
	return 0;
}

static int expect(struct span s, size_t *i, char c)
{
	if (*i >= s.len || s.ptr[*i] != c)
		return -EBADMSG;
	(*i)++;
	return 0;
}

static int parse_date(struct span s, size_t *i, int64_t *ret_days)
{
	unsigned y, m, d;
	int r = digits(s, i, 4, &y) ?: expect(s, i, '-') ?: digits(s, i, 2, &m) ?:
		expect(s, i, '-') ?: digits(s, i, 2, &d);
	if (r < 0)
		return r;
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return -EBADMSG;
	*ret_days = days_from_civil(y, m, d);
	return 0;
}

int audit_parse_rfc3339(struct span s, int64_t *ret_us)
{
	size_t i = 0;
	int64_t days;
	unsigned hh, mm, ss;
	int r = parse_date(s, &i, &days);
	if (r < 0)
		return r;
	if (i >= s.len || (s.ptr[i] != 'T' && s.ptr[i] != 't' && s.ptr[i] != ' '))
		return -EBADMSG;
	i++;
	r = digits(s, &i, 2, &hh) ?: expect(s, &i, ':') ?: digits(s, &i, 2, &mm) ?:
	    expect(s, &i, ':') ?: digits(s, &i, 2, &ss);
	if (r < 0 || hh > 23 || mm > 59 || ss > 60)
		return -EBADMSG;
	if (ss == 60) /* leap second: the last microsecond of the minute */
		ss = 59;
	int64_t us = 0;
	if (i < s.len && s.ptr[i] == '.') {
		i++;
		size_t n = 0;
		int64_t scale = 100000;
		while (i < s.len && ascii_isdigit(s.ptr[i])) {
			if (n >= 9)
				return -EBADMSG;
			us += (s.ptr[i] - '0') * scale;
			scale /= 10;
			i++;
			n++;
		}
		if (n == 0)
			return -EBADMSG;
	}
	int64_t off = 0;
	if (i < s.len && (s.ptr[i] == 'Z' || s.ptr[i] == 'z'))
		i++;
	else if (i < s.len && (s.ptr[i] == '+' || s.ptr[i] == '-')) {
		int sign = s.ptr[i] == '-' ? -1 : 1;
		unsigned oh, om;
		i++;
		r = digits(s, &i, 2, &oh) ?: expect(s, &i, ':') ?: digits(s, &i, 2, &om);
		if (r < 0 || oh > 23 || om > 59)
			return -EBADMSG;
		off = sign * (int64_t)(oh * 3600 + om * 60);
	} else
		return -EBADMSG;
	if (i != s.len)
		return -EBADMSG;
	int64_t secs = days * 86400 + hh * 3600 + mm * 60 + ss - off;
	if (secs < 0)
		return -EBADMSG;
	*ret_us = secs * 1000000 + us;
	return 0;
}

int audit_parse_since(struct span s, int64_t now_us, int64_t *ret_us)
{
	char unit = s.len >= 2 ? s.ptr[s.len - 1] : 0;
	if (unit == 's' || unit == 'm' || unit == 'h' || unit == 'd') {
		int64_t mult = unit == 's'   ? 1
			       : unit == 'm' ? 60
			       : unit == 'h' ? 3600
			       : unit == 'd' ? 86400
					     : 0;
		uint64_t n;
		if (!mult || parse_u64(span_slice(s, 0, s.len - 1), 10, 100000000, &n) < 0)
			return -EBADMSG;
		int64_t back = (int64_t)n * mult * 1000000;
		*ret_us = now_us > back ? now_us - back : 0;
		return 0;
	}
	if (s.len == 10) {
		size_t i = 0;
		int64_t days;
		int r = parse_date(s, &i, &days);
		if (r < 0)
			return r;
		*ret_us = days * 86400 * 1000000;
		return 0;
	}
	return audit_parse_rfc3339(s, ret_us);
}

int audit_format_time(int64_t us, char *out, size_t size)
{
	if (us < 0)
		return -EINVAL;
	int64_t secs = us / 1000000, days = secs / 86400, rem = secs % 86400, y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	return xsnprintf(out, size, "%04lld-%02u-%02uT%02u:%02u:%02u.%06lldZ", (long long)y, m, d,
			 (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60), (unsigned)(rem % 60),
			 (long long)(us % 1000000)) < 0
		   ? -EINVAL
		   : 0;
}

int64_t audit_now_us(void)
{
	struct timespec ts;
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
