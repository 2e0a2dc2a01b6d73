/* SPDX-License-Identifier: Apache-2.0 */
/* timeutil.c — see timeutil.h. */
#include <time.h>

#include "common/common.h"
#include "common/timeutil.h"

time_t bh_now(bool *ret_fixed)
{
	const char *sde = secure_getenv("SOURCE_DATE_EPOCH");
	uint64_t v;
	if (sde && parse_u64(span_from(sde), 10, (uint64_t)INT32_MAX * 64, &v) == 0) {
		if (ret_fixed)
			*ret_fixed = true;
		return (time_t)v;
	}
	if (ret_fixed)
		*ret_fixed = false;
	return time(NULL);
}

int bh_format_rfc3339(time_t t, char *out, size_t size)
{
	struct tm tm;
	if (!gmtime_r(&t, &tm))
		return -EINVAL;
	if (strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return -EINVAL;
	return 0;
}
