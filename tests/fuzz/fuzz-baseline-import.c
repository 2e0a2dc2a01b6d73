/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-baseline-import.c — a bulkhead.baseline/v1 document from arbitrary bytes: strict
 * import; an accepted document must export, import again and export to the same bytes,
 * diff against itself to nothing, and check a few events without failing.
 */
#include <stdlib.h>

#include "common/event.h"
#include "runtime/baseline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const events[] = {
    "{\"type\":\"execve\",\"res\":0,\"proc\":{\"exepath\":\"/bin/sh\",\"ancestors\":"
    "[{\"exepath\":\"/bin/busybox\"}]}}",
    "{\"type\":\"openat\",\"res\":3,\"fd\":{\"type\":\"f\",\"name\":\"/tmp/a/b\","
    "\"open_flags\":577}}",
    "{\"type\":\"openat\",\"res\":3,\"fd\":{\"type\":\"f\",\"name\":\"/etc/shadow\","
    "\"open_flags\":0}}",
    "{\"type\":\"connect\",\"res\":0,\"fd\":{\"type\":\"4\",\"l4proto\":6,\"sip\":"
    "\"10.0.0.1\",\"sport\":443}}",
    "{\"type\":\"bind\",\"res\":0,\"fd\":{\"type\":\"4\",\"l4proto\":6,\"sip\":\"0.0.0.0\","
    "\"sport\":80,\"is_server\":true}}",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bh_limits l;
	bh_limits_default(&l);
	l.input_max_bytes = 1 << 20;
	l.json_max_depth = 64;
	struct baseline *b = NULL, *c = NULL;
	struct bh_diag d;
	if (baseline_import(span_make(data, size), NULL, &l, "fuzz.json", &b, &d) < 0)
		return 0;
	struct buf one, two;
	buf_init(&one, 0);
	buf_init(&two, 0);
	if (baseline_export(b, &one) < 0 ||
	    baseline_import(buf_span(&one), NULL, &l, "again", &c, &d) < 0 ||
	    baseline_export(c, &two) < 0 || !streq(buf_str(&one), buf_str(&two)))
		abort();
	struct baseline_diff *df = NULL;
	if (baseline_diff(b, c, &df) < 0 || df->n_added || df->n_removed)
		abort();
	baseline_diff_free(df);
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		struct bh_event ev;
		if (bh_event_from_json(span_from(events[i]), &l, "ev", 1, &ev, NULL) < 0)
			abort();
		struct baseline_deviation dv[BASELINE_MAX_DEVIATIONS];
		size_t n = 0;
		if (baseline_check(b, &ev, NULL, dv, BASELINE_MAX_DEVIATIONS, &n) < 0)
			abort();
		baseline_deviations_done(dv,
					 n < BASELINE_MAX_DEVIATIONS ? n : BASELINE_MAX_DEVIATIONS);
		(void)baseline_learn(c, &ev, NULL, NULL);
		bh_event_done(&ev);
	}
	buf_done(&one);
	buf_done(&two);
	baseline_free(b);
	baseline_free(c);
	return 0;
}
