/* SPDX-License-Identifier: Apache-2.0 */
/*
 * finding.h — the finding of DESIGN.md §4 for evaluators that are not the vulnerability
 * matcher: secrets, image configuration, Dockerfile lint, signatures. An evaluator appends
 * struct bh_finding values to a struct bh_findings; renderers (src/report/findings.c) turn
 * them into table rows, bulkhead.finding/v1 JSON objects and SARIF results. The target
 * (image, Dockerfile) is the renderer's argument, not a field: one list, one target.
 *
 * Every string is owned by the finding (NULL where absent) and freed by bh_findings_done().
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/strv.h"

/* Ordered: a higher value is more severe. Same values and names as enum vuln_severity. */
enum bh_severity {
	BH_SEV_UNKNOWN,
	BH_SEV_INFO,
	BH_SEV_LOW,
	BH_SEV_MEDIUM,
	BH_SEV_HIGH,
	BH_SEV_CRITICAL,
	_BH_SEV_MAX,
};

/* "unknown", "info", "low", "medium", "high", "critical". */
const char *bh_severity_name(enum bh_severity s);
/* Parse those names (case-insensitive). 0 or -EINVAL. */
int bh_severity_from_name(const char *s, enum bh_severity *ret);

struct bh_finding {
	const char *kind;	/* static: "secret", "misconfiguration", ... (DESIGN.md §4) */
	enum bh_severity severity;
	char *rule_id;		/* "BH-SECRET-001", "BH-IMG-004", "BH-DF-012" */
	char *rule_title;	/* short rule name */
	struct strv refs;	/* URLs or upstream ids ("hadolint:DL3008") */
	char *path;		/* file in the image or the Dockerfile; NULL for config facts */
	uint32_t line, column;	/* 1-based; 0 = not applicable */
	char *layer;		/* layer digest "sha256:…" the bytes came from; NULL */
	char *package;		/* "name@version"; NULL */
	char *message;		/* one sentence a human can act on; never NULL once added */
	char *remediation;	/* NULL */
	struct strv compliance; /* "NIST-800-190:4.1.4", "CIS-DOCKER-1.6:4.1" */
	json_t *evidence;	/* owned object with rule-specific facts; NULL for none */
};

struct bh_findings {
	struct bh_finding *v;
	size_t n, cap;
	size_t suppressed; /* findings an allow-list or ignore comment removed */
};

/* Append *f (moving every owned member; *f is zeroed). Frees *f's members on -ENOMEM. */
int bh_findings_add_take(struct bh_findings *l, struct bh_finding *f);
/* Move every finding of src to the end of dst (src is left empty, its suppressed count added). */
int bh_findings_move(struct bh_findings *dst, struct bh_findings *src);
/*
 * Deterministic order: severity (most severe first), then rule id, path, line, column,
 * layer, message. Exact duplicates (all of those equal) are dropped.
 */
void bh_findings_sort(struct bh_findings *l);
/* Number of findings at or above min. */
size_t bh_findings_count_at_least(const struct bh_findings *l, enum bh_severity min);
void bh_finding_done(struct bh_finding *f);
void bh_findings_done(struct bh_findings *l);

/*
 * The stable id of DESIGN.md §4: 32 hex digits of SHA-256 over kind, rule id, target
 * (digest, else name), location (path, line, column, layer, package) and the message
 * (which carries the distinguishing fact, e.g. a redacted secret's hash).
 * out must hold 33 bytes. 0 or -ENOMEM.
 */
int bh_finding_id(const struct bh_finding *f, const char *target, char out[33]);
