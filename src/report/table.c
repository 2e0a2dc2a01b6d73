/* SPDX-License-Identifier: Apache-2.0 */
/* table.c — scaffold: replaced by the real renderer in this session. */
#include "bulkhead/report.h"

int report_table(const struct img *img, FILE *f)
{
	return -EOPNOTSUPP;
}
