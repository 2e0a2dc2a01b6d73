/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-dockerfile.c — arbitrary bytes through the Dockerfile parser (src/checks/dockerfile.c)
 * and, when they parse, every BH-DF rule (with an allow-list so the registry rule runs too)
 * and the shell reader over the raw bytes. Limits are small so expansion bombs and long
 * inputs stop early.
 */
#include "checks/dockerfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bh_limits l;
	bh_limits_default(&l);
	l.input_max_bytes = 1 << 20;
	l.dockerfile_max_lines = 10000;
	struct span in = span_make(data, size);

	struct dockerfile *df = NULL;
	struct bh_diag d = {0};
	if (df_parse(in, &l, "fuzz.Dockerfile", &df, &d) == 0) {
		struct strv allowed = {0}, ignore = {0};
		(void)strv_push(&allowed, "docker.io");
		(void)strv_push(&ignore, "DL3059");
		struct df_lint_opts o = {.ignore = &ignore, .allowed_registries = &allowed};
		struct bh_findings f = {0};
		(void)df_lint(df, "fuzz.Dockerfile", &o, &f);
		bh_findings_sort(&f);
		bh_findings_done(&f);
		strv_done(&allowed);
		strv_done(&ignore);
		df_free(df);
	}

	struct df_script s = {0};
	(void)df_script_parse(in, 4096, &s);
	df_script_done(&s);
	return 0;
}
