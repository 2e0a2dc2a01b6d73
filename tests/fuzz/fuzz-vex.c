/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-vex.c — an OpenVEX or CycloneDX VEX document from arbitrary bytes: parsing, then
 * applying it to a small report whose findings carry ids and package identities that
 * seeds in the corpus name, so that matching paths run too.
 */
#include "bulkhead/pkg.h"
#include "common/limits.h"
#include "vuln/vex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bh_limits l;
	bh_limits_default(&l);
	l.input_max_bytes = 1 << 20;
	l.json_max_depth = 64;
	struct vuln_vex_doc *doc = NULL;
	if (vuln_vex_parse(span_make(data, size), &l, "fuzz.vex", &doc, NULL) < 0)
		return 0;
	struct pkg p = { .type = PKG_NPM, .name = (char *)"express",
			 .version = (char *)"4.18.2", .purl = (char *)"pkg:npm/express@4.18.2",
			 .bom_ref = (char *)"pkg:npm/express@4.18.2?package-id=1" };
	struct vuln_finding f[2] = { { .pkg = &p }, { .pkg = &p } };
	char *ids0[] = { (char *)"CVE-2024-29041", (char *)"GHSA-rv95-896h-c2vc", NULL };
	char *ids1[] = { (char *)"CVE-2021-44228", NULL };
	f[0].ids = (struct strv){ .v = ids0, .n = 2 };
	f[1].ids = (struct strv){ .v = ids1, .n = 1 };
	struct vuln_report r = { .v = f, .n = 2, .cap = 2 };
	(void)vuln_vex_apply(doc, &r);
	(void)vuln_vex_apply(doc, &r); /* twice: replacing an earlier suppression */
	for (size_t i = 0; i < 2; i++) {
		vuln_vex_free(f[i].vex);
		f[i].vex = NULL;
	}
	vuln_vex_doc_free(doc);
	return 0;
}
