/* SPDX-License-Identifier: Apache-2.0 */
/* python.c — scaffold: replaced by the real cataloger in this session. */
#include "image/catalogers/catalog.h"

static int python_catalog(struct img_catalog_ctx *ctx)
{
	return 0;
}

const struct img_cataloger img_cataloger_python = {
	.name = "python",
	.catalog = python_catalog,
};
