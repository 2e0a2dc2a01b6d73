/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-k8s-audit.c — the Kubernetes API audit event reader (`bulkhead audit import-k8s`
 * reads hostile audit logs) on every line of the input. A change it accepts must yield a
 * target and a payload that canonical JSON can encode, i.e. one that audit_append takes,
 * and that encoding must be stable (abort otherwise, so the fuzzer reports it).
 */
#include "audit/audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bh_limits limits;
	bh_limits_default(&limits);
	limits.input_max_bytes = 1 << 20;
	limits.json_max_depth = 64;
	struct span in = span_make(data, size), line;
	while (span_next_line(&in, &line) == 0) {
		struct audit_k8s_event e = {0};
		struct bh_diag diag = {0};
		if (audit_k8s_event_parse(line, &limits, &e, &diag) < 0)
			continue;
		if (!e.audit_id || !e.verb || !e.username)
			abort();
		if (e.is_change) {
			struct buf a, b;
			buf_init(&a, 0);
			buf_init(&b, 0);
			if (!e.target || !e.payload || strlen(e.target) > AUDIT_FIELD_MAX ||
			    !audit_utf8_valid(e.target, strlen(e.target)) ||
			    audit_canon_json(e.payload, 64, &a) < 0)
				abort();
			/* canonical JSON parses back to itself */
			json_t *again = json_loadb(a.ptr, a.len, JSON_REJECT_DUPLICATES, NULL);
			if (!again || audit_canon_json(again, 64, &b) < 0 || !streq(a.ptr, b.ptr))
				abort();
			json_decref(again);
			buf_done(&a);
			buf_done(&b);
		}
		audit_k8s_event_done(&e);
	}
	return 0;
}
