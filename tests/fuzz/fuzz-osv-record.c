/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-osv-record.c — an OSV advisory from arbitrary bytes: JSON parsing with limits,
 * vuln_osv_parse(), then every affected entry's ranges encoded as the database stores
 * them and evaluated (as the matcher does) for each of its listed versions and its event
 * versions, under the entry's ecosystem ordering when bulkhead knows it.
 */
#include "common/json.h"
#include "common/limits.h"
#include "vuln/osv.h"
#include "vuln/range.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void probe(const struct vuln_ecosystem *eco, const char *v, const char *ranges,
		  const char *versions)
{
	struct vuln_range_result res;
	int r = vuln_range_eval(eco, v, ranges, versions, &res);
	if (r == -EBADMSG)
		__builtin_trap(); /* what the encoder writes, the decoder must read */
	if (r == 0 && !res.affected && res.fixed[0])
		__builtin_trap(); /* a fix is only reported for an affected version */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bh_limits l;
	bh_limits_default(&l);
	l.input_max_bytes = 1 << 20;
	l.json_max_depth = 64;
	l.osv_max_events = 512;
	l.osv_max_affected = 64;
	json_t *doc = NULL;
	if (bh_json_parse(span_make(data, size), &l, "fuzz", &doc, NULL) < 0)
		return 0;
	struct vuln_osv o;
	struct bh_diag d = { 0 };
	if (vuln_osv_parse(doc, &l, "fuzz", &o, &d) == 0) {
		for (size_t i = 0; i < o.n_affected; i++) {
			const struct vuln_affected *a = &o.affected[i];
			if (!a->ecosystem)
				continue;
			struct span base, rel;
			vuln_ecosystem_split(a->ecosystem, &base, &rel);
			const struct vuln_ecosystem *eco = vuln_ecosystem_find(base);
			if (!eco)
				continue;
			struct buf er, ev;
			buf_init(&er, 0);
			buf_init(&ev, 0);
			if (vuln_ranges_encode(a, &er) == 0 && vuln_versions_encode(&a->versions, &ev) == 0) {
				for (size_t k = 0; k < a->versions.n && k < 16; k++)
					probe(eco, a->versions.v[k], buf_str(&er), buf_str(&ev));
				for (size_t r = 0; r < a->n_ranges; r++)
					for (size_t k = 0; k < a->ranges[r].n_events && k < 16; k++)
						probe(eco, a->ranges[r].events[k].version, buf_str(&er),
						      buf_str(&ev));
			}
			buf_done(&er);
			buf_done(&ev);
		}
		vuln_osv_done(&o);
	}
	json_decref(doc);
	return 0;
}
