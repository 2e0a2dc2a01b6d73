/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-kev.c — the exploitation data parsers from arbitrary bytes: the first byte picks the
 * parser (even: CISA KEV catalog through the JSON reader, odd: EPSS CSV), the rest is the
 * input. Each accepted catalog is checked for what the parser promises (sorted, unique,
 * well-formed ids and dates); each EPSS row for ids and numbers in range.
 */
#include <stdlib.h>

#include "common/json.h"
#include "common/limits.h"
#include "vuln/kev.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check_row(const struct vuln_epss_row *row, void *userdata)
{
	size_t *n = userdata;
	if (!vuln_is_cve_id(span_from(row->cve)) || !(row->score >= 0.0 && row->score <= 1.0) ||
	    !(row->percentile >= 0.0 && row->percentile <= 1.0))
		abort();
	(*n)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct bh_limits l;
	bh_limits_default(&l);
	l.input_max_bytes = 1 << 20;
	l.json_max_depth = 64;
	l.db_max_records = 1000;
	struct span in = span_make(data + 1, size - 1);
	if (data[0] & 1) {
		struct vuln_epss_header h;
		size_t n = 0;
		int r = vuln_epss_parse(in, &l, "fuzz.csv", &h, check_row, &n, NULL);
		if (r >= 0 && (strlen(h.date) != 0 && strlen(h.date) != 10))
			abort();
		return 0;
	}
	json_t *doc = NULL;
	if (bh_json_parse(in, &l, "fuzz.json", &doc, NULL) < 0)
		return 0;
	(void)vuln_kev_is_catalog(doc);
	struct vuln_kev_catalog c;
	struct bh_diag d = { 0 };
	if (vuln_kev_parse(doc, &l, "fuzz.json", &c, &d) >= 0) {
		for (size_t i = 0; i < c.n; i++) {
			const struct vuln_kev_entry *e = &c.v[i];
			if (!vuln_is_cve_id(span_from(e->cve)) || strlen(e->date_added) != 10 ||
			    strlen(e->due_date) != 10 || !e->required_action[0])
				abort();
			if (i > 0 && strcmp(c.v[i - 1].cve, c.v[i].cve) >= 0)
				abort();
		}
		vuln_kev_catalog_done(&c);
	} else if (!d.message[0])
		abort(); /* a rejection always says why */
	json_decref(doc);
	return 0;
}
