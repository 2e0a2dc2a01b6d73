/* SPDX-License-Identifier: Apache-2.0 */
/*
 * db.h — the offline vulnerability database: one SQLite file built from OSV advisories.
 *
 * Life cycle: `bulkhead db import` builds a new file next to the old one (a copy of it,
 * or empty with replace) and renames it over the old one only when the whole import
 * succeeded, so readers never see a half-written database and a failed import changes
 * nothing. Readers open it read-only and refuse a file written by a newer schema.
 *
 * Advisories are stored once (advisory table), with one row per affected package
 * (affected table) keyed by OSV ecosystem base name ("Debian", "PyPI") and the package
 * name normalised the way the ecosystem compares names (vuln_ecosystem_name_key()), so
 * matching is one indexed lookup per installed package (the table is clustered on that
 * key). Ranges and listed versions are stored in a compact length-prefixed form (range.h)
 * and evaluated at match time with the ecosystem's own ordering.
 *
 * Exploitation data is keyed by CVE id: the CISA KEV catalog (kev table, replaced whole by
 * a catalog released later than the stored one) and FIRST EPSS scores (epss table, replaced
 * whole by scores of a later date). The importer recognises both by content (kev.h).
 */
#pragma once

#include <stdint.h>

#include <jansson.h>

#include "common/common.h"
#include "bulkhead/vuln.h"
#include "common/strv.h"

/*
 * 3: exploitation data (kev and epss tables, see kev.h). A schema-2 database is still read
 * (it has no exploitation data) and is upgraded in place of the copy an import writes.
 */
#define VULN_DB_SCHEMA_VERSION 3

struct vuln_db;

/*
 * Where the database lives when --db is not given: $BULKHEAD_HOME/vuln.db, else
 * /var/lib/bulkhead/vuln.db for root, else $XDG_DATA_HOME or ~/.local/share/bulkhead/vuln.db
 * (DESIGN.md, store). Caller frees. 0, -ENOENT (no home directory), -ENOMEM.
 */
int vuln_db_default_path(char **ret);

/*
 * Open read-only. 0; -ENOENT (no such file: diag tells how to get one); -EPROTONOSUPPORT
 * (written by a newer bulkhead: schema version above VULN_DB_SCHEMA_VERSION); -EBADMSG (not
 * a bulkhead vulnerability database, or corrupt); -ENOMEM.
 */
int vuln_db_open(const char *path, struct vuln_db **ret, struct bh_diag *reterr_diag);
void vuln_db_free(struct vuln_db *db);
DEFINE_CLEANUP(struct vuln_db *, vuln_db_free)

struct vuln_import_opts {
	const struct bh_limits *limits;
	bool replace;  /* start from an empty database instead of the existing one */
	bool progress; /* progress line on stderr when it is a TTY */
	/* called for each skipped record (malformed, over a limit); NULL = log a warning */
	void (*on_skip)(const struct bh_diag *why, void *userdata);
	void *userdata;
	/* optional: one name per path to record as its source and to show in diagnostics
	 * (e.g. the URL a downloaded archive came from); NULL entries keep the path */
	const char *const *source_names;
};

struct vuln_import_stats {
	uint64_t seen;      /* records read */
	uint64_t imported;  /* stored (new or newer than the stored copy) */
	uint64_t unchanged; /* already stored with the same or a later 'modified' */
	uint64_t withdrawn; /* withdrawn: removed from the database / not stored */
	uint64_t skipped;   /* malformed or over a limit; each reported via on_skip */
	uint64_t files;     /* JSON documents read */
	uint64_t kev_entries;   /* KEV catalog entries stored (0 when the stored one is newer) */
	uint64_t kev_unchanged; /* KEV catalogs not stored: the database's is as new or newer */
	uint64_t epss_rows;     /* EPSS rows stored */
	uint64_t epss_unchanged; /* EPSS files not stored: the database's scores are as new */
};

/*
 * Import OSV advisories from paths (JSON files holding one record or an array of records,
 * directories searched recursively for *.json, and .zip archives such as OSV's per-
 * ecosystem all.zip) into the database at db_path, atomically. A JSON document that is a
 * CISA KEV catalog and a file that is an EPSS CSV (plain or gzip-compressed; named on the
 * command line) are recognised by their content and stored as exploitation data; a
 * malformed one fails the whole import (-EBADMSG naming the entry or line). 0; -ENOENT (a
 * path does not exist); -EBADMSG (a file is not JSON / not a zip / a corrupt zip / a bad KEV
 * catalog or EPSS file); -E2BIG (a limit on a whole input); -EPROTONOSUPPORT (existing database from a newer schema); -EIO; -ENOMEM.
 * On failure the database at db_path is untouched and no temporary file remains.
 */
int vuln_db_import(const char *db_path, char *const *paths, size_t n_paths,
		   const struct vuln_import_opts *opts, struct vuln_import_stats *ret_stats,
		   struct bh_diag *reterr_diag);

/* When the database was last built (RFC 3339, caller frees). 0, -ENOENT, -ENOMEM, -EIO. */
int vuln_db_built(struct vuln_db *db, char **ret);

/*
 * The database's metadata and counts as a JSON object (schema version, build time,
 * sources, advisories per ecosystem with whether bulkhead matches that ecosystem).
 * Caller owns the result. 0, -EIO, -ENOMEM.
 */
int vuln_db_status(struct vuln_db *db, json_t **ret);

/* Whether the database holds a KEV catalog (then "not listed" is an answer). */
bool vuln_db_has_kev(struct vuln_db *db);

/*
 * The KEV entry / EPSS score of a CVE id. 0 with *ret (caller frees with vuln_kev_free /
 * vuln_epss_free); -ENOENT not listed (also for a database without such data); -EIO;
 * -ENOMEM.
 */
int vuln_db_kev(struct vuln_db *db, const char *cve, struct vuln_kev **ret);
int vuln_db_epss(struct vuln_db *db, const char *cve, struct vuln_epss **ret);

/* One affected-package row of an advisory, as the matcher needs it. */
struct vuln_db_row {
	int64_t advisory;        /* advisory rowid */
	const char *ecosystem;   /* full OSV ecosystem string ("Debian:12") */
	const char *ranges;      /* encoded ranges (range.h), or NULL */
	const char *versions;    /* encoded listed versions (range.h), or NULL */
	const char *distro_severity; /* or NULL */
	const char *cvss_v3, *cvss_v4; /* per-package vectors or NULL */
};

/*
 * Call fn for every affected row of (ecosystem base, name key). Strings in the row are
 * valid during the call only. fn returns 0 to go on, > 0 to stop, < 0 error (returned).
 * 0, -EIO, fn's error.
 */
int vuln_db_lookup(struct vuln_db *db, const char *ecosystem, const char *name_key,
		   int (*fn)(const struct vuln_db_row *row, void *userdata), void *userdata);

/* An advisory's stored fields; strings owned by the struct (vuln_advisory_done). */
struct vuln_advisory {
	char *id;
	char *modified;
	char *published;
	char *summary;
	struct strv aliases;
	struct strv references;
	char *cvss_v2, *cvss_v3, *cvss_v4;
	char *db_severity;
};
int vuln_db_advisory(struct vuln_db *db, int64_t advisory, struct vuln_advisory *ret);
void vuln_advisory_done(struct vuln_advisory *a);
