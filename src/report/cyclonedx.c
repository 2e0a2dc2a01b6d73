/* SPDX-License-Identifier: Apache-2.0 */
/* cyclonedx.c — scaffold: replaced by the real renderer in this session. */
#include "bulkhead/report.h"

int report_cyclonedx(const struct img *img, FILE *f)
{
	return -EOPNOTSUPP;
}
