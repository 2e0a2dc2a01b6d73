/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vex.h — Vulnerability Exploitability eXchange: statements that a product is or is not
 * affected by a vulnerability, read from OpenVEX documents (https://openvex.dev, v0.2.0)
 * and CycloneDX VEX (a BOM whose "vulnerabilities" carry "analysis").
 *
 * A statement applies to a finding when its vulnerability names one of the finding's ids
 * (CVE, GHSA, OSV) and its product/subcomponent identifies the package: a purl equal to
 * the package's purl ignoring qualifiers and subpath (and, when the statement's purl has
 * no version, any version), or for CycloneDX a bom-ref/purl in "affects". A statement
 * without products applies to every package (OpenVEX allows product-less statements only
 * in documents about one product; we accept them as "this image").
 * not_affected and fixed suppress the finding (kept with the analysis in JSON and
 * CycloneDX output); affected and under_investigation only annotate it.
 */
#pragma once

#include "bulkhead/vuln.h"
#include "common/common.h"

struct vuln_vex_doc;

/*
 * Parse one VEX document (OpenVEX or CycloneDX, detected from its content). source names it
 * in diagnostics and in the findings it suppresses. 0, -EBADMSG (not VEX, malformed
 * statement: diag says where), -E2BIG, -ENOMEM.
 */
int vuln_vex_parse(struct span data, const struct bh_limits *limits, const char *source,
		   struct vuln_vex_doc **ret, struct bh_diag *reterr_diag);
void vuln_vex_doc_free(struct vuln_vex_doc *d);
DEFINE_CLEANUP(struct vuln_vex_doc *, vuln_vex_doc_free)

/* Apply the document's statements to the report (later documents override earlier ones). */
int vuln_vex_apply(const struct vuln_vex_doc *d, struct vuln_report *r);
