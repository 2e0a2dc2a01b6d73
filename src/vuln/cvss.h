/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cvss.h — CVSS vector strings (OSV `severity[].score`) to a score and a qualitative rating,
 * for CVSS v2.0, v3.0, v3.1 and v4.0, each exactly as FIRST specifies it. Pure computation:
 * no allocation, no I/O, no global state; safe on hostile input of any length.
 *
 * What is scored:
 *  - v2.0 ("AV:N/AC:L/Au:N/C:P/I:P/A:P", bare or in parentheses as NVD prints it): the base
 *    equation of the v2 guide (section 3.2.1). Temporal (E RL RC) and environmental (CDP TD
 *    CR IR AR) metrics are validated but do not change base_score.
 *  - v3.0 and v3.1 ("CVSS:3.x/..."): the base equation of the v3.0 / v3.1 specification
 *    (section 7.1). Temporal (E RL RC) and environmental (CR IR AR MAV MAC MPR MUI MS MC MI
 *    MA) metrics are validated but do not change base_score. v3.1 rounds with the
 *    specification's Roundup (Appendix A: integer arithmetic on the value times 100000);
 *    v3.0 with its own Roundup, the plain ceiling to one decimal of the v3.0 calculator.
 *  - v4.0 ("CVSS:4.0/..."): the MacroVector lookup (EQ1..EQ6) and severity-distance
 *    interpolation of the v4.0 specification (section 8), as the FIRST/Red Hat reference
 *    calculator (cvss40.js) computes it, including its final rounding (half up after adding
 *    1e-6, the 2024-11 fix). In v4.0 threat and environmental metrics are part of the one
 *    score (specification, "Nomenclature": "Base, Threat, and Environmental metric values are
 *    always considered"), so base_score is CVSS-B for a vector with base metrics only and
 *    CVSS-BT / CVSS-BE / CVSS-BTE when E, CR/IR/AR or M* metrics are present. Supplemental
 *    metrics (S AU R V RE U) are validated and never affect the score.
 *
 * Syntax (all versions): metrics are "NAME:VALUE" separated by '/', names and values case
 * sensitive, no whitespace, no empty field (so no trailing '/'), no metric twice, every
 * mandatory metric present. v2 and v3.x accept metrics in any order (the v3.1
 * specification requires readers to); v4.0 requires the order of its Table 23 and rejects
 * any other ("every other ordering is invalid"). Vectors longer than VULN_CVSS_MAX_LEN
 * bytes are rejected without being scanned further.
 */
#pragma once

#include "common/diag.h"

/* Longer than any valid vector (a complete v4.0 vector with every metric is ~200 bytes). */
#define VULN_CVSS_MAX_LEN 512

enum vuln_cvss_version {
	VULN_CVSS_V2,
	VULN_CVSS_V30,
	VULN_CVSS_V31,
	VULN_CVSS_V40,
	_VULN_CVSS_VERSION_MAX,
};

struct vuln_cvss {
	enum vuln_cvss_version version;
	double base_score; /* 0.0-10.0, one decimal as the spec rounds (see the header comment) */
};

/*
 * Parse the NUL-terminated vector string and compute its score. vector is borrowed; *ret
 * is written only on success. reterr_diag (may be NULL) receives the reason on failure,
 * with the 1-based byte column of the offending field.
 * Returns 0; -EBADMSG for a malformed vector (empty, wrong or missing prefix, unknown,
 * missing, duplicate or out-of-order metric, unknown value, empty field, too long);
 * -EOPNOTSUPP for a well-formed "CVSS:<digits>.<digits>/" prefix of a version other than
 * 3.0, 3.1 and 4.0; -EINVAL when vector or ret is NULL.
 */
int vuln_cvss_parse(const char *vector, struct vuln_cvss *ret, struct bh_diag *reterr_diag);

/*
 * The qualitative rating of c's score as a static string: "none", "low", "medium", "high"
 * or "critical" per the v3.x/v4.0 rating scale (none 0.0, low 0.1-3.9, medium 4.0-6.9,
 * high 7.0-8.9, critical 9.0-10.0). v2 defines no rating scale; NVD's is used: "low" below
 * 4.0 (including 0.0), "medium" below 7.0, "high" otherwise. NULL for a NULL c or an
 * out-of-range version.
 */
const char *vuln_cvss_severity(const struct vuln_cvss *c);
