/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-secret-config.c — the secret scanner's configuration loader and engine from arbitrary
 * bytes: parse the input as a config; build the engine from it (or from the defaults when it
 * does not parse); then scan the same bytes as a file (in two chunks, so the window logic
 * runs) and as an image-config string.
 */
#include <stdio.h>

#include "checks/secrets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sec_engine *defaults;
	struct bh_limits l;
	bh_limits_default(&l);
	l.input_max_bytes = 1 << 20;
	l.json_max_depth = 64;
	l.yaml_max_nodes = 100000;
	l.secret_max_per_file = 20;
	if (size > l.input_max_bytes)
		return 0;

	struct sec_config *cfg = NULL;
	struct sec_engine *e = NULL;
	struct bh_diag d = { 0 };
	if (sec_config_parse(span_make(data, size), &l, "fuzz.yaml", &cfg, &d) == 0)
		(void)sec_engine_new(cfg, &l, &e, &d);
	sec_config_free(cfg);
	const struct sec_engine *use = e;
	if (!use) {
		if (!defaults && sec_engine_new(NULL, &l, &defaults, NULL) < 0)
			return 0;
		use = defaults;
	}

	struct sec_scanner *s = NULL;
	if (sec_scanner_new(use, &s) == 0) {
		struct bh_findings out = { 0 };
		if (sec_file_begin(s, "etc/fuzz.conf", "sha256:fuzz", size) == 1) {
			size_t half = size / 2;
			if (sec_file_data(s, data, half) == 0)
				(void)sec_file_data(s, data + half, size - half);
			(void)sec_file_end(s, &out);
		}
		(void)sec_scan_text(s, "image config: Env[0]", span_make(data, size), &out);
		for (size_t i = 0; i < out.n; i++)
			if (!out.v[i].message || !out.v[i].rule_id)
				__builtin_trap();
		bh_findings_done(&out);
		sec_scanner_free(s);
	}
	sec_engine_free(e);
	return 0;
}
