/* SPDX-License-Identifier: Apache-2.0 */
/* sbom-json.c — scaffold: replaced by the real renderer in this session. */
#include "bulkhead/report.h"

int report_sbom_json(const struct img *img, FILE *f)
{
	return -EOPNOTSUPP;
}
