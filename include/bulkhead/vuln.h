/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vuln.h — vulnerability findings of one image: what the matcher (src/vuln/match.c)
 * produces and the scan renderers (src/report/scan-*.c) read.
 *
 * One finding per vulnerability per package: advisories that name the same
 * vulnerability (OSV aliases: a Debian record, a GHSA and a PYSEC for one CVE) are merged
 * into one finding that lists every id.
 */
#pragma once

#include <stdbool.h>

#include "bulkhead/image.h"
#include "bulkhead/pkg.h"
#include "common/strv.h"

/* Ordered: a higher value is more severe. */
enum vuln_severity {
	VULN_SEV_UNKNOWN, /* no score and no rating in any advisory */
	VULN_SEV_INFO,    /* distro "negligible"/"unimportant" */
	VULN_SEV_LOW,
	VULN_SEV_MEDIUM,
	VULN_SEV_HIGH,
	VULN_SEV_CRITICAL,
	_VULN_SEV_MAX,
};

/* "unknown", "info", "low", "medium", "high", "critical". */
static inline const char *vuln_severity_name(enum vuln_severity s)
{
	static const char *const names[_VULN_SEV_MAX] = { "unknown", "info", "low",
							  "medium", "high", "critical" };
	return (unsigned)s < _VULN_SEV_MAX ? names[s] : "unknown";
}
/* Parse those names (case-insensitive); -EINVAL otherwise. */
int vuln_severity_from_name(const char *s, enum vuln_severity *ret);

/* Why a finding is not reported, from a VEX statement. */
struct vuln_vex {
	char *status;        /* "not_affected", "fixed", "affected", "under_investigation" */
	char *justification; /* VEX justification, or NULL */
	char *statement;     /* impact statement / detail, or NULL */
	char *source;        /* the VEX document it came from */
};

void vuln_vex_free(struct vuln_vex *v);

/* The vulnerability's entry in the CISA Known Exploited Vulnerabilities catalog. */
struct vuln_kev {
	char *cve;             /* the id that is listed (one of the finding's ids) */
	char *date_added;      /* YYYY-MM-DD */
	char *due_date;        /* YYYY-MM-DD: the catalog's remediation deadline */
	char *required_action;
	bool known_ransomware; /* knownRansomwareCampaignUse "Known" */
};

/* The vulnerability's FIRST EPSS score (probability of exploitation in the next 30 days). */
struct vuln_epss {
	char *cve;
	double score, percentile; /* 0..1 */
	char *date;               /* YYYY-MM-DD of the scores, or NULL when unknown */
};

void vuln_kev_free(struct vuln_kev *k);
void vuln_epss_free(struct vuln_epss *e);

struct vuln_finding {
	const struct pkg *pkg; /* borrowed from the image */
	size_t pkg_index;      /* index of pkg in img->pkgs */
	char *id;              /* primary id: a CVE when one is known, else GHSA, else OSV id */
	struct strv ids;       /* every id of the vulnerability (the primary one first) */
	struct strv advisories; /* OSV records that matched, sorted */
	char *summary;         /* title, or NULL */
	char *installed;       /* version compared (deb: the source version) */
	char *fixed;           /* version to upgrade to, NULL when no fix is known */
	enum vuln_severity severity;
	const char *severity_source; /* "debian", "ubuntu", "cvss_v4", "cvss_v3", "cvss_v2",
				      * "ghsa", or "none" (static strings) */
	double score;          /* CVSS base score, < 0 when none */
	char *cvss_vector;     /* vector the score came from, or NULL */
	struct strv references;
	char *published, *modified; /* of the first advisory, RFC 3339, or NULL */
	struct vuln_vex *vex;  /* suppressed by VEX when non-NULL and status not_affected/fixed */
	bool kev_known;        /* the database has a KEV catalog: kev == NULL means "not listed" */
	struct vuln_kev *kev;  /* listed as known exploited (CISA KEV), or NULL */
	struct vuln_epss *epss; /* EPSS score, or NULL when the database has none for it */
};

struct vuln_report {
	struct vuln_finding *v; /* sorted: package order, then severity descending, then id */
	size_t n, cap;
	size_t packages;        /* packages looked up */
	size_t unmatched;       /* packages whose ecosystem or distribution is not matched */
	size_t bad_versions;    /* packages whose version is invalid in their ecosystem */
	size_t suppressed;      /* findings suppressed by VEX (kept in v with vex set) */
	char *db_built;         /* when the database was built, or NULL */
};

void vuln_report_done(struct vuln_report *r);

/* Count of findings at or above sev, not suppressed by VEX. */
size_t vuln_report_count_at_least(const struct vuln_report *r, enum vuln_severity sev);
