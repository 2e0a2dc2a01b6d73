/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-sign-payload.c — the parsers verify runs on hostile layout content: the cosign
 * simple-signing payload, the signature manifest and the base64 signature. Every input goes
 * through all three. A payload that parses is rebuilt with sign_payload_build() and must
 * parse back to the same digest and identity (abort otherwise, so the fuzzer reports it).
 */
#include "checks/sign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bh_limits limits;
	bh_limits_default(&limits);
	limits.input_max_bytes = 1 << 20;
	limits.json_max_depth = 64;
	struct span in = span_make(data, size);

	struct sign_payload p;
	struct bh_diag diag = {0};
	if (sign_payload_parse(in, &limits, &p, &diag) == 0) {
		struct buf b;
		buf_init(&b, 1 << 20);
		/* invalid UTF-8 cannot come out of the JSON reader, so building must succeed */
		if (sign_payload_build(p.docker_reference, p.manifest_digest, NULL, &b) < 0)
			abort();
		struct sign_payload q;
		if (sign_payload_parse(buf_span(&b), &limits, &q, NULL) < 0 ||
		    !streq(q.manifest_digest, p.manifest_digest) ||
		    !streq(q.docker_reference, p.docker_reference))
			abort();
		sign_payload_done(&q);
		buf_done(&b);
		sign_payload_done(&p);
	}

	struct sign_manifest m;
	if (sign_manifest_parse(in, &limits, &m, &diag) == 0) {
		for (size_t i = 0; i < m.n; i++) {
			if (!m.layers[i].signature)
				continue;
			struct buf der;
			buf_init(&der, 1 << 16);
			(void)sign_base64_decode(span_from(m.layers[i].signature), &der);
			buf_done(&der);
		}
		sign_manifest_done(&m);
	}

	struct buf raw, again;
	buf_init(&raw, 1 << 20);
	buf_init(&again, 2 << 20);
	if (sign_base64_decode(in, &raw) == 0) {
		/* strict base64 is canonical: encoding the bytes gives the input back */
		if (sign_base64_encode(buf_span(&raw), &again) < 0 ||
		    !span_eq(buf_span(&again), in))
			abort();
	}
	buf_done(&raw);
	buf_done(&again);
	return 0;
}
