/* SPDX-License-Identifier: Apache-2.0 */
/* scan-common.h — what the scan renderers share (private to src/report/). */
#pragma once

#include <jansson.h>

#include "bulkhead/vuln.h"
#include "common/buf.h"

/* The finding's stable id (32 hex digits of a hash of kind, rule, target, location). */
int scan_finding_id(const struct img *img, const struct vuln_finding *x, char *out, size_t size);
/* One sentence a human can act on: "openssl 3.0.11-1 is affected by CVE-…; upgrade to …". */
int scan_message(const struct vuln_finding *x, struct buf *b);
/*
 * The finding's exploitation data into object o: "known_exploited" (bool, only when the
 * database has a KEV catalog), "kev" {cve, date_added, due_date, known_ransomware,
 * required_action} when listed, "epss" {cve, score, percentile, date} when known. Shared by
 * the JSON evidence and the SARIF result properties. 0 or -ENOMEM.
 */
int scan_intel_json(const struct vuln_finding *x, json_t *o);
