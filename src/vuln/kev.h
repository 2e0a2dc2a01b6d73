/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kev.h — exploitation data for the vulnerability database: the CISA Known Exploited
 * Vulnerabilities catalog (JSON, https://www.cisa.gov/known-exploited-vulnerabilities-catalog)
 * and FIRST EPSS scores (CSV, https://www.first.org/epss/data_stats).
 *
 * Both are downloaded files, so hostile input. They are checked strictly and rejected as a
 * whole: a catalog is a list a reader acts on ("this is exploited, patch by the due date"),
 * so a half-read one would silently drop entries. The diagnostic names the entry (KEV:
 * vulnerabilities[i] and its cveID; EPSS: the line).
 *
 * KEV catalog: {"title", "catalogVersion", "dateReleased", "count", "vulnerabilities": [{
 * "cveID", "vendorProject", "product", "vulnerabilityName", "dateAdded", "shortDescription",
 * "requiredAction", "dueDate", "knownRansomwareCampaignUse", "notes", "cwes"}]}. Required:
 * catalogVersion, dateReleased, count (equal to the number of entries), vulnerabilities; per
 * entry cveID (CVE-YYYY-NNNN…), dateAdded and dueDate (YYYY-MM-DD), requiredAction, and the
 * descriptive strings vendorProject, product, vulnerabilityName, shortDescription;
 * knownRansomwareCampaignUse ("Known" or "Unknown"), notes (string) and cwes (array of
 * strings) may be absent (older catalogs). Other members are ignored. A cveID listed twice
 * is an error.
 *
 * EPSS CSV: an optional comment line "#model_version:…,score_date:YYYY-MM-DD…", the header
 * "cve,epss,percentile", then one "CVE-…,SCORE,PERCENTILE" row per CVE, both numbers in
 * [0, 1] (decimal, optionally with an exponent). Lines may end in CRLF; empty lines only at
 * the end.
 */
#pragma once

#include <jansson.h>

#include "common/common.h"

/* One catalog entry; strings owned by the catalog. */
struct vuln_kev_entry {
	char *cve;
	char *vendor, *product, *name;
	char *date_added, *due_date; /* YYYY-MM-DD */
	char *required_action;
	bool known_ransomware; /* knownRansomwareCampaignUse is "Known" */
};

struct vuln_kev_catalog {
	char *title;    /* or NULL */
	char *version;  /* catalogVersion */
	char *released; /* dateReleased, as written */
	struct vuln_kev_entry *v; /* sorted by cve */
	size_t n;
};

/*
 * Whether doc claims to be a KEV catalog: an object with "catalogVersion" and
 * "vulnerabilities" members (the importer recognises files by content, not name). A
 * document that claims it and is malformed is an error, not an OSV record.
 */
bool vuln_kev_is_catalog(const json_t *doc);

/*
 * Check and copy a catalog. Entries at most limits->db_max_records (-E2BIG). 0; -EBADMSG
 * with reterr_diag ("SOURCE: vulnerabilities[7] (CVE-…): dueDate is not a date"); -E2BIG;
 * -ENOMEM. *ret is written only on success (vuln_kev_catalog_done).
 */
int vuln_kev_parse(const json_t *doc, const struct bh_limits *limits, const char *source,
		   struct vuln_kev_catalog *ret, struct bh_diag *reterr_diag);
void vuln_kev_catalog_done(struct vuln_kev_catalog *c);

/* The header of an EPSS file: model and date (empty strings when the file has no comment). */
struct vuln_epss_header {
	char model[64];
	char date[11]; /* YYYY-MM-DD of score_date */
};

/* One EPSS row, valid during the callback. */
struct vuln_epss_row {
	const char *cve;
	double score, percentile;
	unsigned line;
};

/* Whether data looks like an EPSS CSV (its comment line or its header comes first). */
bool vuln_epss_is_csv(struct span data);

/*
 * Parse an EPSS CSV, calling fn for each row (fn returns 0 to go on, < 0 to stop with that
 * error). The header is written to *ret_header before the first row. Rows at most
 * limits->db_max_records (-E2BIG). 0; -EBADMSG with reterr_diag (line number set); -E2BIG;
 * fn's error.
 */
int vuln_epss_parse(struct span data, const struct bh_limits *limits, const char *source,
		    struct vuln_epss_header *ret_header,
		    int (*fn)(const struct vuln_epss_row *row, void *userdata), void *userdata,
		    struct bh_diag *reterr_diag);

/* A CVE id: "CVE-", four digits, '-', at least four digits (at most 32 bytes in all). */
bool vuln_is_cve_id(struct span s);
