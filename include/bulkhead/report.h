/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report.h — renderers of image facts. They only read a catalogued struct img and write
 * one complete document to f; they never open inputs. Output is deterministic: packages
 * arrive sorted (pkg_list_sort), keys are written in a fixed order, and timestamps and
 * serial numbers derive from SOURCE_DATE_EPOCH when it is set.
 * All return 0, -ENOMEM or -EIO.
 */
#pragma once

#include <stdio.h>

#include "bulkhead/image.h"

/* CycloneDX 1.6 JSON (https://cyclonedx.org/docs/1.6/json/). */
int report_cyclonedx(const struct img *img, FILE *f);
/* SPDX 2.3 JSON. */
int report_spdx(const struct img *img, FILE *f);
/* Human table: NAME VERSION TYPE (and source package / layer where known). */
int report_table(const struct img *img, FILE *f);
/* bulkhead.sbom/v1 JSON (schema in docs/schema/sbom.schema.json). */
int report_sbom_json(const struct img *img, FILE *f);

struct vuln_report;

/*
 * Vulnerability scan results (src/report/scan*.c). Findings suppressed by VEX are left out
 * of the table and SARIF, and kept with their VEX analysis in JSON and CycloneDX.
 */
/* Human table grouped by package: installed and fixed versions, severity, id, title. */
int report_scan_table(const struct img *img, const struct vuln_report *v, FILE *f);
/* bulkhead.scan/v1 JSON: findings in the model of DESIGN.md (docs/schema/scan.schema.json). */
int report_scan_json(const struct img *img, const struct vuln_report *v, FILE *f);
/* SARIF 2.1.0, one rule per vulnerability id, one result per finding. */
int report_scan_sarif(const struct img *img, const struct vuln_report *v, FILE *f);
/* CycloneDX 1.6: the SBOM plus a "vulnerabilities" array (VEX analysis where known). */
int report_scan_cyclonedx(const struct img *img, const struct vuln_report *v, FILE *f);
