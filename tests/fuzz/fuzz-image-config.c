/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-image-config.c — img_config_parse() on arbitrary bytes (the image config blob). */
#include "image/image-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bh_limits limits;
	bh_limits_default(&limits);
	limits.input_max_bytes = 1 << 20;
	limits.max_entries = 10000;
	struct img_config c;
	struct strv ids = {0};
	struct bh_diag diag = {0};
	if (img_config_parse(span_make(data, size), &limits, "fuzz", &c, &ids, &diag) >= 0) {
		img_config_done(&c);
		strv_done(&ids);
	}
	return 0;
}
