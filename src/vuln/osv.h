/* SPDX-License-Identifier: Apache-2.0 */
/*
 * osv.h — one OSV advisory (https://ossf.github.io/osv-schema/), parsed and checked for
 * what matching needs. Records come from files the user downloads, so they are hostile
 * input: every field is type-checked, counts are bounded by struct bh_limits, and a record
 * that cannot be evaluated exactly (an unknown range type, a range without `introduced`,
 * an event with two keys) is rejected as a whole with a diagnostic — a half-understood
 * record would produce wrong answers, so it is skipped and counted by the importer.
 *
 * Severity sources kept: top-level and per-package `severity` (CVSS_V2/V3/V4 vectors and
 * the Ubuntu priority), `database_specific.severity` (GitHub), and the distribution's own
 * rating in `affected[].ecosystem_specific.urgency` (Debian) or `severity` type "Ubuntu".
 */
#pragma once

#include <jansson.h>

#include "common/common.h"
#include "common/strv.h"

enum vuln_event_kind {
	VULN_EVENT_INTRODUCED,
	VULN_EVENT_FIXED,
	VULN_EVENT_LAST_AFFECTED,
	VULN_EVENT_LIMIT,
	_VULN_EVENT_KIND_MAX,
};

enum vuln_range_type {
	VULN_RANGE_ECOSYSTEM,
	VULN_RANGE_SEMVER,
	VULN_RANGE_GIT,
	_VULN_RANGE_TYPE_MAX,
};

struct vuln_event {
	enum vuln_event_kind kind;
	char *version; /* owned; "0" for introduced-at-the-beginning, "*" for limit-less */
};

struct vuln_range {
	enum vuln_range_type type;
	char *repo; /* owned; GIT ranges only */
	struct vuln_event *events;
	size_t n_events;
};

struct vuln_affected {
	char *ecosystem; /* owned, as written ("Debian:12", "PyPI") */
	char *name;      /* owned, as written */
	char *purl;      /* owned or NULL */
	struct vuln_range *ranges;
	size_t n_ranges;
	struct strv versions; /* explicit affected versions */
	/* the distribution's own rating for this package ("high", "unimportant", ...) or NULL */
	char *distro_severity;
	/* per-package CVSS vectors (schema 1.7+), NULL when absent */
	char *cvss_v3, *cvss_v4;
};

struct vuln_osv {
	char *id;        /* owned */
	char *modified;  /* owned, RFC 3339 */
	char *published; /* owned or NULL */
	char *withdrawn; /* owned or NULL; withdrawn records are never matched */
	char *summary;   /* owned or NULL */
	char *details;   /* owned or NULL */
	struct strv aliases;
	struct strv references; /* URLs, in record order, at most limits->osv_max_refs */
	char *cvss_v2, *cvss_v3, *cvss_v4; /* top-level vectors, NULL when absent */
	char *db_severity;                 /* database_specific.severity (GitHub), or NULL */
	char *ubuntu_priority;             /* severity type "Ubuntu", or NULL */
	struct vuln_affected *affected;
	size_t n_affected;
};

/*
 * Parse one record. 0 with *ret filled (caller calls vuln_osv_done), -EBADMSG (malformed,
 * diag says which field), -E2BIG (a limit: osv-max-affected, osv-max-events), -ENOMEM.
 * source names the input in diagnostics.
 */
int vuln_osv_parse(const json_t *rec, const struct bh_limits *limits, const char *source,
		   struct vuln_osv *ret, struct bh_diag *reterr_diag);
void vuln_osv_done(struct vuln_osv *o);

const char *vuln_event_kind_name(enum vuln_event_kind k);
const char *vuln_range_type_name(enum vuln_range_type t);
int vuln_range_type_from_name(const char *s, enum vuln_range_type *ret);
