/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report.h — renderers of image facts. They only read a catalogued struct img and write
 * one complete document to f; they never open inputs. Output is deterministic: packages
 * arrive sorted (pkg_list_sort), keys are written in a fixed order, and timestamps and
 * serial numbers derive from SOURCE_DATE_EPOCH when it is set.
 * All return 0, -ENOMEM or -EIO.
 */
#pragma once

#include <jansson.h>
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
struct bh_findings;

/*
 * Scan results (src/report/scan*.c): the vulnerability findings plus the findings of the
 * other scanners (secrets, image configuration, signature), already sorted. Findings
 * suppressed by VEX are left out of the table and SARIF, and kept with their VEX analysis
 * in JSON and CycloneDX. CycloneDX carries only vulnerabilities (it has no place for the
 * others).
 */
enum { SCAN_VULN = 1u << 0, SCAN_SECRET = 1u << 1, SCAN_CONFIG = 1u << 2 };
struct scan_results {
	unsigned scanners;              /* SCAN_* that ran */
	const struct vuln_report *vuln; /* never NULL; empty when SCAN_VULN did not run */
	const struct bh_findings *other; /* never NULL */
	struct strv notes;              /* one line each: what a scanner skipped, etc. */
};
/* Human tables: vulnerabilities grouped by package, then the other findings. */
int report_scan_table(const struct img *img, const struct scan_results *s, FILE *f);
/* bulkhead.scan/v1 JSON: findings in the model of DESIGN.md (docs/schema/scan.schema.json). */
int report_scan_json(const struct img *img, const struct scan_results *s, FILE *f);
/* SARIF 2.1.0, one rule per vulnerability id or check, one result per finding. */
int report_scan_sarif(const struct img *img, const struct scan_results *s, FILE *f);
/* CycloneDX 1.6: the SBOM plus a "vulnerabilities" array (VEX analysis where known). */
int report_scan_cyclonedx(const struct img *img, const struct vuln_report *v, FILE *f);

/*
 * Findings of the other evaluators (secrets, image configuration, Dockerfile lint,
 * signatures) in the common model (src/common/finding.h), src/report/findings.c.
 */
struct bh_finding;

/* What the findings are about. name NULL: each finding's target name is its own path. */
struct report_target {
	const char *type;   /* "image", "dockerfile", … */
	const char *name;
	const char *digest; /* NULL when unknown */
};

/* Append one bulkhead.finding/v1 object per finding to arr. now: RFC 3339. 0 or -ENOMEM. */
int report_findings_json_append(const struct bh_findings *l, const struct report_target *t,
				const char *now, json_t *arr);
/* One bulkhead.finding/v1 object (for streamed writers). 0 or -ENOMEM. */
int report_finding_json(const struct bh_finding *x, const struct report_target *t,
			const char *now, json_t **ret);
/*
 * A document {"schema": SCHEMA, "generator", "scanned", "target", "summary", "findings"}
 * (target omitted when t->name is NULL). 0, -ENOMEM, -EIO.
 */
int report_findings_json(const char *schema, const struct report_target *t,
			 const struct bh_findings *l, FILE *f);
/* Table: SEVERITY RULE LOCATION MESSAGE, most severe first, then a count line. */
int report_findings_table(const struct bh_findings *l, const char *what, FILE *f);
/*
 * SARIF: add a reportingDescriptor per rule id not yet in rule_ids (appended) and a result
 * per finding. uri_base: "ROOTPATH" for paths inside an image, NULL for paths as given.
 */
int report_findings_sarif_append(const struct bh_findings *l, const char *uri_base,
				 json_t *rules, struct strv *rule_ids, json_t *results);
/* A whole SARIF 2.1.0 document of l (paths as given, e.g. Dockerfiles). */
int report_findings_sarif(const struct bh_findings *l, FILE *f);
