/* SPDX-License-Identifier: Apache-2.0 */
/* purl.c — scaffold: replaced by the real Package URL builder in this session. */
#include "bulkhead/pkg.h"
#include "common/common.h"

int pkg_finalize(struct pkg *p)
{
	return 0;
}

const char *pkg_type_purl(enum pkg_type t)
{
	return "generic";
}
