/* SPDX-License-Identifier: Apache-2.0 */
/* scan-common.h — what the scan renderers share (private to src/report/). */
#pragma once

#include "bulkhead/vuln.h"
#include "common/buf.h"

/* The finding's stable id (32 hex digits of a hash of kind, rule, target, location). */
int scan_finding_id(const struct img *img, const struct vuln_finding *x, char *out, size_t size);
/* One sentence a human can act on: "openssl 3.0.11-1 is affected by CVE-…; upgrade to …". */
int scan_message(const struct vuln_finding *x, struct buf *b);
