/* SPDX-License-Identifier: Apache-2.0 */
/* image-open.c — cli_open_image(): the image-reading step shared by sbom and scan. */
#include <stdio.h>

#include "bulkhead/image.h"
#include "cli/cli.h"

int cli_open_image(struct cli_ctx *ctx, const char *target_str, const char *platform,
		   const struct img_visitor *visitor, struct img **ret)
{
	struct img_target target;
	int r = img_target_parse(target_str, &target);
	if (r < 0) {
		log_error_errno(r, "invalid target '%s'", target_str);
		return CLI_EXIT_INPUT;
	}
	struct img_open_opts o = { .platform = platform, .limits = &ctx->limits, .progress = true,
				   .visitor = visitor };
	struct bh_diag diag = { 0 };
	_cleanup_(img_freep) struct img *img = NULL;
	r = img_open(&target, &o, &img, &diag);
	img_target_done(&target);
	if (r >= 0)
		r = img_catalog(img, &ctx->limits, &diag);
	if (r < 0) {
		char msg[1200];
		if (!diag.message[0])
			bh_diag_set(&diag, target_str, 0, 0, "%s", strerror(-r));
		if (!diag.source[0])
			bh_diag_wrap(&diag, target_str);
		bh_diag_format(&diag, msg, sizeof(msg));
		log_error("%s", msg);
		return cli_exit_for_errno(r);
	}
	*ret = TAKE_PTR(img);
	return 0;
}
