/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-yaml.c — arbitrary bytes through the YAML reader (common/yaml.c), then as Kubernetes
 * manifests through the typed model, the Pod Security Standards at both levels and the JSON
 * report, so every path from bytes to findings is walked. Limits are small so bombs stop
 * early; the alias node cap is the reader's own.
 */
#include <stdio.h>

#include "common/bh-yaml.h"
#include "k8s/check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bh_limits l;
	bh_limits_default(&l);
	l.input_max_bytes = 1 << 20;
	l.json_max_depth = 64;
	struct span in = span_make(data, size);

	struct bh_yaml_stream s = {0};
	if (bh_yaml_parse(in, &l, "fuzz.yaml", &s, NULL) == 0) {
		for (size_t i = 0; i < s.n; i++) {
			char *dump = json_dumps(s.docs[i].value, JSON_ENCODE_ANY | JSON_COMPACT);
			free(dump);
		}
		bh_yaml_stream_done(&s);
	}

	struct k8s_manifests m = {0};
	struct bh_diag d = {0};
	if (k8s_manifests_load_buf(&m, "fuzz.yaml", in, &l, &d) == 0) {
		FILE *f = fopen("/dev/null", "w");
		for (int lv = K8S_PSS_BASELINE; lv <= K8S_PSS_RESTRICTED; lv++) {
			struct k8s_check_opts o = {.has_level = lv == K8S_PSS_RESTRICTED,
						   .level = (enum k8s_pss_level)lv,
						   .has_version = true,
						   .minor = lv == K8S_PSS_RESTRICTED ? 24 : 37,
						   .hardening = true};
			struct k8s_check_report rep = {0};
			if (k8s_check_run(&m, &o, &rep) == 0 && f) {
				(void)k8s_check_report_json(&m, &o, &rep, f);
				(void)k8s_check_report_table(&m, &rep, f);
			}
			k8s_check_report_done(&rep);
		}
		if (f)
			fclose(f);
	}
	k8s_manifests_done(&m);
	return 0;
}
