/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-admission-policy.c — arbitrary bytes as an admission policy (YAML or JSON) through the
 * strict loader (src/admission/decision.c); a policy that loads is described and used for a few
 * fixed requests (namespace globs, exemptions, rule overrides).
 */
#include <stdio.h>

#include "admission/admission.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQ(ns, user, spec)                                                                        \
	"{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{"       \
	"\"uid\":\"u\",\"kind\":{\"group\":\"\",\"version\":\"v1\",\"kind\":\"Pod\"},"             \
	"\"operation\":\"CREATE\",\"namespace\":\"" ns "\",\"userInfo\":{\"username\":\"" user     \
	"\"},\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},"    \
	"\"spec\":" spec "}}}"

static const char *const requests[] = {
    REQ("default", "alice", "{\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}"),
    REQ("kube-system", "admin",
	"{\"hostNetwork\":true,\"containers\":[{\"name\":\"c\",\"image\":\"x:latest\","
	"\"securityContext\":{\"privileged\":true}}]}"),
    REQ("team-a", "bob",
	"{\"securityContext\":{\"runAsNonRoot\":true,\"seccompProfile\":{\"type\":"
	"\"RuntimeDefault\"}},\"containers\":[{\"name\":\"c\",\"image\":\"x@sha256:00\","
	"\"securityContext\":{\"allowPrivilegeEscalation\":false,\"capabilities\":{\"drop\":"
	"[\"ALL\"]}}}]}"),
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bh_limits l;
	bh_limits_default(&l);
	l.input_max_bytes = 1 << 20;
	l.json_max_depth = 64;
	struct adm_policy *p = NULL;
	struct bh_diag d = {0};
	if (adm_policy_load_buf("fuzz.yaml", span_make(data, size), &l, &p, &d) < 0)
		return 0;
	char desc[512];
	adm_policy_describe(p, desc, sizeof(desc));
	for (size_t i = 0; i < ARRAY_SIZE(requests); i++) {
		struct buf out;
		buf_init(&out, 0);
		struct adm_decision dec;
		struct adm_opts o = {.fail_closed = i == 1};
		(void)adm_review(p, &o, span_from(requests[i]), &l, &out, &dec, NULL);
		buf_done(&out);
	}
	adm_policy_free(p);
	return 0;
}
