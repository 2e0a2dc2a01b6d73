/* SPDX-License-Identifier: Apache-2.0 */
/* db-int.h — private to db.c and db-import.c. */
#pragma once

#include <sqlite3.h>

#include "vuln/db.h"
#include "vuln/kev.h"
#include "vuln/osv.h"

/* Prepared statements of an import, made on first use. */
struct vuln_db_writer {
	sqlite3_stmt *find, *del_aff, *del_adv, *ins_adv, *ins_aff, *ins_kev, *ins_epss;
};

struct vuln_db {
	sqlite3 *sql;
	char *path;
	unsigned schema_version;
	sqlite3_stmt *lookup, *advisory; /* readers' prepared statements */
	sqlite3_stmt *kev, *epss;
	bool has_kev;         /* a KEV catalog is stored */
	char *epss_date;      /* date of the stored EPSS scores, or NULL */
	struct vuln_db_writer w;
};

enum vuln_store_result {
	VULN_STORE_NEW,
	VULN_STORE_REPLACED,
	VULN_STORE_UNCHANGED, /* a copy modified at the same time or later is stored */
	VULN_STORE_WITHDRAWN, /* withdrawn: any stored copy was removed */
	_VULN_STORE_RESULT_MAX,
};

/* Open read-write; create: the file is empty, make the schema (else check it). */
int vuln_db_open_write(const char *path, bool create, struct vuln_db **ret, struct bh_diag *diag);
int vuln_db_create_schema(struct vuln_db *db, struct bh_diag *diag);
int vuln_db_exec(struct vuln_db *db, const char *sql, struct bh_diag *diag);
int vuln_db_meta_get(struct vuln_db *db, const char *key, char **ret);
int vuln_db_meta_set(struct vuln_db *db, const char *key, const char *value);
/* Store one parsed advisory from source (rowid in the source table). */
int vuln_db_store(struct vuln_db *db, const struct vuln_osv *o, int64_t source,
		  enum vuln_store_result *ret);
void vuln_db_writer_done(struct vuln_db *db);

/*
 * Store a KEV catalog in place of the stored one, unless the stored one was released at the
 * same time or later (*ret_stored false). 0, -EIO, -ENOMEM.
 */
int vuln_db_store_kev(struct vuln_db *db, const struct vuln_kev_catalog *c, bool *ret_stored);
/*
 * EPSS scores: begin replaces the stored scores unless they are of the same date or later
 * (*ret_stored false: add nothing then); add stores one row (-EBADMSG: the CVE is listed
 * twice); end records the header and count. 0, -EIO, -ENOMEM.
 */
int vuln_db_epss_begin(struct vuln_db *db, const struct vuln_epss_header *h, bool *ret_stored);
int vuln_db_epss_add(struct vuln_db *db, const struct vuln_epss_row *row);
int vuln_db_epss_end(struct vuln_db *db, const struct vuln_epss_header *h, uint64_t rows);
