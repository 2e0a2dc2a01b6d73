/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-k8s-selector.c — arbitrary bytes as a JSON LabelSelector (parsed, then matched
 * against a few label sets), and as Kubernetes manifests through NetworkPolicy
 * reachability and exposure with every output format, so policy parsing (peers, ports,
 * ipBlock, policyTypes) and the writers see hostile input too.
 */
#include <stdio.h>

#include "common/json.h"
#include "k8s/netpol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct k8s_kv labels[] = {{"app", "web"}, {"tier", "front"}, {"", ""}};
	struct bh_limits l;
	bh_limits_default(&l);
	l.input_max_bytes = 1 << 20;
	l.json_max_depth = 64;
	struct span in = span_make(data, size);

	json_t *j = NULL;
	if (bh_json_parse(in, &l, "fuzz.json", &j, NULL) == 0) {
		struct k8s_selector s;
		if (k8s_selector_parse(j, &s) == 0) {
			for (size_t n = 0; n <= ARRAY_SIZE(labels); n++) {
				bool m = k8s_selector_matches(&s, labels, n);
				/* The empty selector matches everything. */
				if (k8s_selector_is_empty(&s) && !m)
					__builtin_trap();
			}
			k8s_selector_done(&s);
		}
		json_decref(j);
	}

	struct k8s_manifests m = {0};
	if (k8s_manifests_load_buf(&m, "fuzz.yaml", in, &l, NULL) == 0) {
		FILE *f = fopen("/dev/null", "w");
		struct k8s_net_report rep = {0};
		if (k8s_net_reach(&m, &rep) == 0 && f)
			for (int fmt = 0; fmt < _K8S_NET_FMT_MAX; fmt++)
				(void)k8s_net_reach_write(&rep, (enum k8s_net_format)fmt, f);
		k8s_net_report_done(&rep);
		struct k8s_exposure_report e = {0};
		if (k8s_net_exposure(&m, &e) == 0 && f) {
			(void)k8s_exposure_write(&e, false, f);
			(void)k8s_exposure_write(&e, true, f);
		}
		k8s_exposure_report_done(&e);
		if (f)
			fclose(f);
	}
	k8s_manifests_done(&m);
	return 0;
}
