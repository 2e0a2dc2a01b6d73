/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-admission-review.c — arbitrary bytes as an AdmissionReview request body through the
 * admission decision (src/admission/decision.c): under the built-in policy fail-open, fail-closed,
 * and under a policy with namespace overrides, hardening and rule overrides, so every path
 * from request bytes to the response JSON is walked. A response must always be valid JSON.
 */
#include <stdio.h>

#include "admission/admission.h"
#include "common/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char policy_text[] =
    "apiVersion: bulkhead.dev/v1\n"
    "kind: AdmissionPolicy\n"
    "defaults: {enforce: restricted, enforce-version: v1.24, audit: baseline, hardening: warn}\n"
    "rules: [{id: BH-K8S-HARD-007, action: enforce}, {id: BH-K8S-PSS-015, action: audit}]\n"
    "namespaces:\n"
    "  - names: [\"kube-*\", app]\n"
    "    enforce: privileged\n"
    "    rules: [{id: BH-K8S-PSS-017, action: enforce}]\n"
    "exemptions: {namespaces: [ci], usernames: [admin]}\n";

static void check(const struct adm_policy *p, bool fail_closed, struct span in,
		  const struct bh_limits *l)
{
	struct adm_opts o = {.fail_closed = fail_closed};
	struct buf out;
	buf_init(&out, 0);
	struct adm_decision dec;
	struct bh_diag d = {0};
	if (adm_review(p, &o, in, l, &out, &dec, &d) == 0) {
		json_error_t err;
		json_t *v = json_loadb(out.ptr, out.len, 0, &err);
		if (!v || (unsigned)dec.verdict >= _ADM_VERDICT_MAX)
			__builtin_trap();
		json_decref(v);
	}
	buf_done(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bh_limits l;
	bh_limits_default(&l);
	l.input_max_bytes = 1 << 20;
	l.json_max_depth = 64;
	struct span in = span_make(data, size);

	struct adm_policy *def = adm_policy_default(), *pol = NULL;
	if (!def)
		return 0;
	check(def, false, in, &l);
	check(def, true, in, &l);
	if (adm_policy_load_buf("policy.yaml", SPAN_LIT(policy_text), &l, &pol, NULL) == 0)
		check(pol, false, in, &l);
	adm_policy_free(pol);
	adm_policy_free(def);
	return 0;
}
