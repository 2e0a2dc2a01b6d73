/* SPDX-License-Identifier: Apache-2.0 */
/*
 * db.c — the SQLite side of the vulnerability database (see db.h): schema, opening,
 * storing one parsed advisory, lookups, status. Walking the inputs (files, directories,
 * zip archives) is in db-import.c.
 */
#include <fcntl.h>
#include <pwd.h>
#include <sqlite3.h>
#include <stdio.h>
#include <sys/stat.h>

#include "common/json.h"
#include "common/timeutil.h"
#include "vuln/db-int.h"
#include "vuln/ecosystem.h"
#include "vuln/range.h"

static const char schema_sql[] =
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE source(id INTEGER PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL,"
	" sha256 TEXT, imported TEXT NOT NULL, seen INTEGER NOT NULL, imported_records INTEGER"
	" NOT NULL, withdrawn INTEGER NOT NULL, skipped INTEGER NOT NULL);"
	"CREATE TABLE advisory(id INTEGER PRIMARY KEY, osv_id TEXT NOT NULL UNIQUE,"
	" modified TEXT NOT NULL, published TEXT, summary TEXT, aliases TEXT, refs TEXT,"
	" cvss_v2 TEXT, cvss_v3 TEXT, cvss_v4 TEXT, db_severity TEXT, source INTEGER);"
	/* Clustered on (base, name): the rows one lookup reads are adjacent on disk. */
	"CREATE TABLE affected(base TEXT NOT NULL, name TEXT NOT NULL, advisory INTEGER NOT NULL,"
	" seq INTEGER NOT NULL, ecosystem TEXT NOT NULL, purl TEXT, ranges TEXT, versions TEXT,"
	" distro_severity TEXT, cvss_v3 TEXT, cvss_v4 TEXT,"
	" PRIMARY KEY(base, name, advisory, seq)) WITHOUT ROWID;"
	"CREATE INDEX affected_advisory ON affected(advisory);";

/* Schema 3: exploitation data, keyed by CVE id (also the upgrade of a schema-2 file). */
static const char intel_sql[] =
	"CREATE TABLE kev(cve TEXT PRIMARY KEY, date_added TEXT NOT NULL, due_date TEXT NOT NULL,"
	" required_action TEXT NOT NULL, ransomware INTEGER NOT NULL, vendor TEXT, product TEXT,"
	" name TEXT) WITHOUT ROWID;"
	"CREATE TABLE epss(cve TEXT PRIMARY KEY, score REAL NOT NULL, percentile REAL NOT NULL)"
	" WITHOUT ROWID;";

int vuln_db_default_path(char **ret)
{
	const char *home = secure_getenv("BULKHEAD_HOME");
	_cleanup_buf_ struct buf b;
	buf_init(&b, 4096);
	int r;
	if (home && *home)
		r = buf_printf(&b, "%s/vuln.db", home);
	else if (geteuid() == 0)
		r = buf_puts(&b, "/var/lib/bulkhead/vuln.db");
	else {
		const char *xdg = secure_getenv("XDG_DATA_HOME");
		const char *h = secure_getenv("HOME");
		if (xdg && *xdg == '/')
			r = buf_printf(&b, "%s/bulkhead/vuln.db", xdg);
		else if (h && *h == '/')
			r = buf_printf(&b, "%s/.local/share/bulkhead/vuln.db", h);
		else
			return -ENOENT;
	}
	if (r < 0)
		return r;
	*ret = buf_take(&b);
	return *ret ? 0 : -ENOMEM;
}

void vuln_db_free(struct vuln_db *db)
{
	if (!db)
		return;
	sqlite3_finalize(db->lookup);
	sqlite3_finalize(db->advisory);
	sqlite3_finalize(db->kev);
	sqlite3_finalize(db->epss);
	free(db->epss_date);
	if (db->sql)
		sqlite3_close(db->sql);
	free(db->path);
	free(db);
}

static int sql_errno(sqlite3 *s, int rc)
{
	(void)s;
	switch (rc & 0xff) {
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
	case SQLITE_FORMAT:
		return -EBADMSG;
	case SQLITE_CANTOPEN:
		return -ENOENT;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	default:
		return -EIO;
	}
}

int vuln_db_exec(struct vuln_db *db, const char *sql, struct bh_diag *diag)
{
	char *err = NULL;
	int rc = sqlite3_exec(db->sql, sql, NULL, NULL, &err);
	if (rc != SQLITE_OK) {
		bh_diag_set(diag, db->path, 0, 0, "%s", err ? err : sqlite3_errstr(rc));
		sqlite3_free(err);
		return sql_errno(db->sql, rc);
	}
	return 0;
}

int vuln_db_meta_get(struct vuln_db *db, const char *key, char **ret)
{
	sqlite3_stmt *st = NULL;
	*ret = NULL;
	int rc = sqlite3_prepare_v2(db->sql, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sql_errno(db->sql, rc);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	int r = 0;
	if (rc == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		if (!(*ret = strdup(v ? v : "")))
			r = -ENOMEM;
	} else if (rc == SQLITE_DONE)
		r = -ENOENT;
	else
		r = sql_errno(db->sql, rc);
	sqlite3_finalize(st);
	return r;
}

int vuln_db_meta_set(struct vuln_db *db, const char *key, const char *value)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db->sql, "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return sql_errno(db->sql, rc);
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : sql_errno(db->sql, rc);
}

static int set_schema_version(struct vuln_db *db)
{
	char v[16];
	int r = xsnprintf(v, sizeof(v), "%d", VULN_DB_SCHEMA_VERSION);
	if (r >= 0)
		r = vuln_db_meta_set(db, "schema_version", v);
	if (r >= 0)
		db->schema_version = VULN_DB_SCHEMA_VERSION;
	return r;
}

/*
 * Check that an open database is ours and not from a newer schema. Schema 2 lacks only the
 * exploitation tables: it is read as it is, and upgraded when opened for writing (the
 * temporary copy of an import).
 */
static int check_schema(struct vuln_db *db, bool writable, struct bh_diag *diag)
{
	_cleanup_free_ char *v = NULL;
	int r = vuln_db_meta_get(db, "schema_version", &v);
	if (r == -ENOMEM)
		return r;
	uint64_t ver;
	if (r < 0 || parse_u64(span_from(v), 10, UINT32_MAX, &ver) < 0 || ver == 0) {
		bh_diag_set(diag, db->path, 0, 0,
			    "not a bulkhead vulnerability database (no schema version)");
		return -EBADMSG;
	}
	if (ver > VULN_DB_SCHEMA_VERSION) {
		bh_diag_set(diag, db->path, 0, 0,
			    "database schema version %llu is newer than this bulkhead understands "
			    "(%d); upgrade bulkhead or rebuild the database with `bulkhead db import`",
			    (unsigned long long)ver, VULN_DB_SCHEMA_VERSION);
		return -EPROTONOSUPPORT;
	}
	if (ver == 2 && writable) {
		r = vuln_db_exec(db, intel_sql, diag);
		return r < 0 ? r : set_schema_version(db);
	}
	if (ver == 2) {
		db->schema_version = 2;
		return 0;
	}
	if (ver < VULN_DB_SCHEMA_VERSION) {
		bh_diag_set(diag, db->path, 0, 0,
			    "database schema version %llu is older than this bulkhead's (%d); rebuild "
			    "it with `bulkhead db import --replace` or `bulkhead db update`",
			    (unsigned long long)ver, VULN_DB_SCHEMA_VERSION);
		return -EPROTONOSUPPORT;
	}
	db->schema_version = (unsigned)ver;
	return 0;
}

/* "file:PATH?immutable=1" with the characters URIs reserve percent-encoded. */
static int sqlite_uri(const char *path, struct buf *out)
{
	int r = buf_puts(out, "file:");
	for (const unsigned char *p = (const unsigned char *)path; r >= 0 && *p; p++)
		r = *p == '%' || *p == '?' || *p == '#' || *p <= ' ' || *p >= 0x7f
			    ? buf_printf(out, "%%%02X", *p)
			    : buf_putc(out, (char)*p);
	return r < 0 ? r : buf_puts(out, "?immutable=1");
}

static int db_open(const char *path, bool writable, bool create, struct vuln_db **ret,
		   struct bh_diag *diag)
{
	struct stat stbuf;
	if (stat(path, &stbuf) < 0) {
		int r = -errno;
		if (r == -ENOENT)
			bh_diag_set(diag, path, 0, 0,
				    "no vulnerability database here; build one with `bulkhead db "
				    "import DIR|FILE.json|all.zip` or `bulkhead db update`, or name "
				    "one with --db FILE");
		else
			bh_diag_set(diag, path, 0, 0, "%s", strerror(-r));
		return r;
	}
	if (!S_ISREG(stbuf.st_mode)) {
		bh_diag_set(diag, path, 0, 0, "not a regular file");
		return -EBADMSG;
	}
	_cleanup_(vuln_db_freep) struct vuln_db *db = calloc(1, sizeof(*db));
	if (!db || !(db->path = strdup(path)))
		return -ENOMEM;
	/*
	 * Readers open the file as immutable: a database is only ever replaced by rename, never
	 * changed in place, so SQLite can skip its locks and journal checks (a large share of
	 * lookup time otherwise).
	 */
	_cleanup_buf_ struct buf uri;
	buf_init(&uri, 16384);
	int r = writable ? buf_puts(&uri, path) : sqlite_uri(path, &uri);
	if (r < 0)
		return r;
	int flags = writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY | SQLITE_OPEN_URI;
	int rc = sqlite3_open_v2(buf_str(&uri), &db->sql, flags | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		bh_diag_set(diag, path, 0, 0, "cannot open: %s",
			    db->sql ? sqlite3_errmsg(db->sql) : sqlite3_errstr(rc));
		return sql_errno(db->sql, rc);
	}
	/* Untrusted file: no triggers or views doing work for it, no trusted schema. */
	(void)sqlite3_db_config(db->sql, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	(void)sqlite3_db_config(db->sql, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
	(void)sqlite3_db_config(db->sql, SQLITE_DBCONFIG_ENABLE_VIEW, 0, NULL);
	(void)sqlite3_db_config(db->sql, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	if (!writable)
		(void)vuln_db_exec(db, "PRAGMA mmap_size=1073741824", NULL);
	r = create ? vuln_db_create_schema(db, diag) : check_schema(db, writable, diag);
	if (r < 0)
		return r;
	if (db->schema_version >= 3) {
		_cleanup_free_ char *v = NULL;
		r = vuln_db_meta_get(db, "kev_version", &v);
		if (r == -ENOMEM)
			return r;
		db->has_kev = r >= 0;
		r = vuln_db_meta_get(db, "epss_date", &db->epss_date);
		if (r == -ENOMEM)
			return r;
	}
	*ret = TAKE_PTR(db);
	return 0;
}

int vuln_db_open(const char *path, struct vuln_db **ret, struct bh_diag *reterr_diag)
{
	return db_open(path, false, false, ret, reterr_diag);
}

int vuln_db_open_write(const char *path, bool create, struct vuln_db **ret, struct bh_diag *diag)
{
	return db_open(path, true, create, ret, diag);
}

int vuln_db_create_schema(struct vuln_db *db, struct bh_diag *diag)
{
	int r = vuln_db_exec(db, schema_sql, diag);
	if (r >= 0)
		r = vuln_db_exec(db, intel_sql, diag);
	return r < 0 ? r : set_schema_version(db);
}

/* ---- storing ------------------------------------------------------------------ */

static int bind_opt(sqlite3_stmt *st, int i, const char *s)
{
	return s ? sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
}

/* A summary for records that have only details: the first line, at most 200 bytes. */
static int summary_of(const struct vuln_osv *o, char **ret)
{
	*ret = NULL;
	const char *s = o->summary && *o->summary ? o->summary : o->details;
	if (!s || !*s)
		return 0;
	struct span sp = span_trim(span_from(s));
	ssize_t nl = span_index(sp, '\n');
	if (nl >= 0)
		sp.len = (size_t)nl;
	if (sp.len > 200) {
		sp.len = 200;
		while (sp.len > 0 && ((unsigned char)sp.ptr[sp.len] & 0xc0) == 0x80)
			sp.len--; /* do not cut a UTF-8 sequence */
	}
	*ret = span_dup(span_trim(sp));
	return *ret ? 0 : -ENOMEM;
}

static int prep(struct vuln_db *db, sqlite3_stmt **st, const char *sql)
{
	if (*st) {
		sqlite3_reset(*st);
		sqlite3_clear_bindings(*st);
		return 0;
	}
	int rc = sqlite3_prepare_v3(db->sql, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
	return rc == SQLITE_OK ? 0 : sql_errno(db->sql, rc);
}

static int step_done(struct vuln_db *db, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : sql_errno(db->sql, rc);
}

static int delete_advisory(struct vuln_db *db, int64_t id)
{
	int r = prep(db, &db->w.del_aff, "DELETE FROM affected WHERE advisory = ?");
	if (r < 0)
		return r;
	sqlite3_bind_int64(db->w.del_aff, 1, id);
	if ((r = step_done(db, db->w.del_aff)) < 0)
		return r;
	if ((r = prep(db, &db->w.del_adv, "DELETE FROM advisory WHERE id = ?")) < 0)
		return r;
	sqlite3_bind_int64(db->w.del_adv, 1, id);
	return step_done(db, db->w.del_adv);
}

static int insert_affected(struct vuln_db *db, int64_t adv, size_t seq,
			   const struct vuln_affected *a)
{
	struct span base, release;
	vuln_ecosystem_split(a->ecosystem, &base, &release);
	_cleanup_buf_ struct buf key, basez;
	buf_init(&key, 64 * 1024);
	buf_init(&basez, 1024);
	int r = buf_append_span(&basez, base);
	if (r >= 0)
		r = vuln_ecosystem_name_key(buf_str(&basez), span_from(a->name), &key);
	_cleanup_buf_ struct buf ranges, versions;
	buf_init(&ranges, 0);
	buf_init(&versions, 0);
	if (r >= 0)
		r = vuln_ranges_encode(a, &ranges);
	if (r >= 0)
		r = vuln_versions_encode(&a->versions, &versions);
	if (r >= 0)
		r = prep(db, &db->w.ins_aff,
			 "INSERT OR REPLACE INTO affected(base, name, advisory, seq, ecosystem, purl, "
			 "ranges, versions, distro_severity, cvss_v3, cvss_v4) "
			 "VALUES(?,?,?,?,?,?,?,?,?,?,?)");
	if (r < 0)
		return r;
	sqlite3_stmt *st = db->w.ins_aff;
	bind_opt(st, 1, buf_str(&basez));
	bind_opt(st, 2, buf_str(&key));
	sqlite3_bind_int64(st, 3, adv);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)seq);
	bind_opt(st, 5, a->ecosystem);
	bind_opt(st, 6, a->purl);
	bind_opt(st, 7, ranges.len ? buf_str(&ranges) : NULL);
	bind_opt(st, 8, versions.len ? buf_str(&versions) : NULL);
	bind_opt(st, 9, a->distro_severity);
	bind_opt(st, 10, a->cvss_v3);
	bind_opt(st, 11, a->cvss_v4);
	return step_done(db, st);
}

int vuln_db_store(struct vuln_db *db, const struct vuln_osv *o, int64_t source,
		  enum vuln_store_result *ret)
{
	/* Is a copy stored already? Keep whichever was modified last. */
	int r = prep(db, &db->w.find, "SELECT id, modified FROM advisory WHERE osv_id = ?");
	if (r < 0)
		return r;
	sqlite3_bind_text(db->w.find, 1, o->id, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(db->w.find);
	int64_t old = -1;
	if (rc == SQLITE_ROW) {
		const char *m = (const char *)sqlite3_column_text(db->w.find, 1);
		if (m && strcmp(m, o->modified) >= 0 && !o->withdrawn) {
			*ret = VULN_STORE_UNCHANGED;
			return 0;
		}
		old = sqlite3_column_int64(db->w.find, 0);
	} else if (rc != SQLITE_DONE)
		return sql_errno(db->sql, rc);
	sqlite3_reset(db->w.find);
	if (old >= 0 && (r = delete_advisory(db, old)) < 0)
		return r;
	if (o->withdrawn) {
		*ret = VULN_STORE_WITHDRAWN;
		return 0;
	}
	_cleanup_free_ char *summary = NULL;
	_cleanup_buf_ struct buf aliases, refs;
	buf_init(&aliases, 0);
	buf_init(&refs, 0);
	r = vuln_versions_encode(&o->aliases, &aliases);
	if (r >= 0)
		r = vuln_versions_encode(&o->references, &refs);
	if (r >= 0)
		r = summary_of(o, &summary);
	if (r >= 0)
		r = prep(db, &db->w.ins_adv,
			 "INSERT INTO advisory(osv_id, modified, published, summary, aliases, refs, "
			 "cvss_v2, cvss_v3, cvss_v4, db_severity, source) "
			 "VALUES(?,?,?,?,?,?,?,?,?,?,?)");
	if (r < 0)
		return r;
	sqlite3_stmt *st = db->w.ins_adv;
	bind_opt(st, 1, o->id);
	bind_opt(st, 2, o->modified);
	bind_opt(st, 3, o->published);
	bind_opt(st, 4, summary);
	bind_opt(st, 5, aliases.len ? buf_str(&aliases) : NULL);
	bind_opt(st, 6, refs.len ? buf_str(&refs) : NULL);
	bind_opt(st, 7, o->cvss_v2);
	bind_opt(st, 8, o->cvss_v3);
	bind_opt(st, 9, o->cvss_v4);
	bind_opt(st, 10, o->db_severity ? o->db_severity : o->ubuntu_priority);
	sqlite3_bind_int64(st, 11, source);
	if ((r = step_done(db, st)) < 0)
		return r;
	int64_t id = sqlite3_last_insert_rowid(db->sql);
	for (size_t i = 0; i < o->n_affected; i++) {
		const struct vuln_affected *a = &o->affected[i];
		if (!a->ecosystem || !a->name)
			continue; /* GIT-only entries name no package: nothing to match */
		if ((r = insert_affected(db, id, i, a)) < 0)
			return r;
	}
	*ret = old >= 0 ? VULN_STORE_REPLACED : VULN_STORE_NEW;
	return 0;
}

void vuln_db_writer_done(struct vuln_db *db)
{
	sqlite3_finalize(db->w.find);
	sqlite3_finalize(db->w.del_aff);
	sqlite3_finalize(db->w.del_adv);
	sqlite3_finalize(db->w.ins_adv);
	sqlite3_finalize(db->w.ins_aff);
	sqlite3_finalize(db->w.ins_kev);
	sqlite3_finalize(db->w.ins_epss);
	db->w = (struct vuln_db_writer){ 0 };
}

/* ---- exploitation data ---------------------------------------------------------- */

/* Whether the stored meta value of key is the same as or later than value (ISO dates). */
static int stored_is_newer(struct vuln_db *db, const char *key, const char *value, bool *ret)
{
	_cleanup_free_ char *v = NULL;
	int r = vuln_db_meta_get(db, key, &v);
	if (r == -ENOENT) {
		*ret = false;
		return 0;
	}
	if (r < 0)
		return r;
	*ret = strcmp(v, value) >= 0;
	return 0;
}

static int meta_set_u64(struct vuln_db *db, const char *key, uint64_t n)
{
	char v[24];
	int r = xsnprintf(v, sizeof(v), "%llu", (unsigned long long)n);
	return r < 0 ? r : vuln_db_meta_set(db, key, v);
}

int vuln_db_store_kev(struct vuln_db *db, const struct vuln_kev_catalog *c, bool *ret_stored)
{
	bool newer;
	int r = stored_is_newer(db, "kev_released", c->released, &newer);
	if (r < 0)
		return r;
	if (newer) {
		*ret_stored = false;
		return 0;
	}
	r = vuln_db_exec(db, "DELETE FROM kev", NULL);
	for (size_t i = 0; r >= 0 && i < c->n; i++) {
		const struct vuln_kev_entry *e = &c->v[i];
		r = prep(db, &db->w.ins_kev,
			 "INSERT INTO kev(cve, date_added, due_date, required_action, ransomware, "
			 "vendor, product, name) VALUES(?,?,?,?,?,?,?,?)");
		if (r < 0)
			break;
		sqlite3_stmt *st = db->w.ins_kev;
		bind_opt(st, 1, e->cve);
		bind_opt(st, 2, e->date_added);
		bind_opt(st, 3, e->due_date);
		bind_opt(st, 4, e->required_action);
		sqlite3_bind_int(st, 5, e->known_ransomware);
		bind_opt(st, 6, e->vendor);
		bind_opt(st, 7, e->product);
		bind_opt(st, 8, e->name);
		r = step_done(db, st);
	}
	if (r >= 0)
		r = vuln_db_meta_set(db, "kev_version", c->version);
	if (r >= 0)
		r = vuln_db_meta_set(db, "kev_released", c->released);
	if (r >= 0)
		r = vuln_db_meta_set(db, "kev_title", c->title ? c->title : "");
	if (r >= 0)
		r = meta_set_u64(db, "kev_count", c->n);
	if (r < 0)
		return r;
	db->has_kev = true;
	*ret_stored = true;
	return 0;
}

int vuln_db_epss_begin(struct vuln_db *db, const struct vuln_epss_header *h, bool *ret_stored)
{
	bool newer = false;
	int r = h->date[0] ? stored_is_newer(db, "epss_date", h->date, &newer) : 0;
	if (r < 0)
		return r;
	if (newer) {
		*ret_stored = false;
		return 0;
	}
	r = vuln_db_exec(db, "DELETE FROM epss", NULL);
	if (r < 0)
		return r;
	*ret_stored = true;
	return 0;
}

int vuln_db_epss_add(struct vuln_db *db, const struct vuln_epss_row *row)
{
	int r = prep(db, &db->w.ins_epss, "INSERT INTO epss(cve, score, percentile) VALUES(?,?,?)");
	if (r < 0)
		return r;
	sqlite3_stmt *st = db->w.ins_epss;
	bind_opt(st, 1, row->cve);
	sqlite3_bind_double(st, 2, row->score);
	sqlite3_bind_double(st, 3, row->percentile);
	int rc = sqlite3_step(st);
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return -EBADMSG;
	return rc == SQLITE_DONE ? 0 : sql_errno(db->sql, rc);
}

int vuln_db_epss_end(struct vuln_db *db, const struct vuln_epss_header *h, uint64_t rows)
{
	int r = vuln_db_meta_set(db, "epss_date", h->date);
	if (r >= 0)
		r = vuln_db_meta_set(db, "epss_model", h->model);
	if (r >= 0)
		r = meta_set_u64(db, "epss_count", rows);
	return r;
}

/* ---- reading ------------------------------------------------------------------ */

bool vuln_db_has_kev(struct vuln_db *db)
{
	return db->has_kev;
}

void vuln_kev_free(struct vuln_kev *k)
{
	if (!k)
		return;
	free(k->cve);
	free(k->date_added);
	free(k->due_date);
	free(k->required_action);
	free(k);
}

void vuln_epss_free(struct vuln_epss *e)
{
	if (!e)
		return;
	free(e->cve);
	free(e->date);
	free(e);
}

static const char *col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

int vuln_db_lookup(struct vuln_db *db, const char *ecosystem, const char *name_key,
		   int (*fn)(const struct vuln_db_row *row, void *userdata), void *userdata)
{
	int r = prep(db, &db->lookup,
		     "SELECT advisory, ecosystem, ranges, versions, distro_severity, cvss_v3, "
		     "cvss_v4 FROM affected WHERE base = ? AND name = ?");
	if (r < 0)
		return r;
	sqlite3_bind_text(db->lookup, 1, ecosystem, -1, SQLITE_STATIC);
	sqlite3_bind_text(db->lookup, 2, name_key, -1, SQLITE_STATIC);
	int rc;
	while ((rc = sqlite3_step(db->lookup)) == SQLITE_ROW) {
		struct vuln_db_row row = {
			.advisory = sqlite3_column_int64(db->lookup, 0),
			.ecosystem = col(db->lookup, 1),
			.ranges = col(db->lookup, 2),
			.versions = col(db->lookup, 3),
			.distro_severity = col(db->lookup, 4),
			.cvss_v3 = col(db->lookup, 5),
			.cvss_v4 = col(db->lookup, 6),
		};
		if (!row.ecosystem)
			continue;
		r = fn(&row, userdata);
		if (r != 0) {
			sqlite3_reset(db->lookup);
			return r < 0 ? r : 0;
		}
	}
	sqlite3_reset(db->lookup);
	return rc == SQLITE_DONE ? 0 : sql_errno(db->sql, rc);
}

void vuln_advisory_done(struct vuln_advisory *a)
{
	free(a->id);
	free(a->modified);
	free(a->published);
	free(a->summary);
	strv_done(&a->aliases);
	strv_done(&a->references);
	free(a->cvss_v2);
	free(a->cvss_v3);
	free(a->cvss_v4);
	free(a->db_severity);
	*a = (struct vuln_advisory){ 0 };
}

static int dup_col(sqlite3_stmt *st, int i, char **ret)
{
	const char *s = col(st, i);
	*ret = NULL;
	if (!s)
		return 0;
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

/* A stored string list (the length-prefixed form of range.h); malformed ones are dropped. */
static int decode_strv(const char *s, struct strv *out)
{
	if (!s)
		return 0;
	int r = vuln_strv_decode(span_from(s), out);
	if (r == -EBADMSG) {
		strv_done(out);
		return 0;
	}
	return r;
}

int vuln_db_advisory(struct vuln_db *db, int64_t advisory, struct vuln_advisory *ret)
{
	int r = prep(db, &db->advisory,
		     "SELECT osv_id, modified, published, summary, aliases, refs, cvss_v2, cvss_v3, "
		     "cvss_v4, db_severity FROM advisory WHERE id = ?");
	if (r < 0)
		return r;
	sqlite3_bind_int64(db->advisory, 1, advisory);
	int rc = sqlite3_step(db->advisory);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(db->advisory);
		return rc == SQLITE_DONE ? -ENOENT : sql_errno(db->sql, rc);
	}
	struct vuln_advisory a = { 0 };
	sqlite3_stmt *st = db->advisory;
	r = dup_col(st, 0, &a.id);
	if (r >= 0)
		r = dup_col(st, 1, &a.modified);
	if (r >= 0)
		r = dup_col(st, 2, &a.published);
	if (r >= 0)
		r = dup_col(st, 3, &a.summary);
	if (r >= 0)
		r = decode_strv(col(st, 4), &a.aliases);
	if (r >= 0)
		r = decode_strv(col(st, 5), &a.references);
	if (r >= 0)
		r = dup_col(st, 6, &a.cvss_v2);
	if (r >= 0)
		r = dup_col(st, 7, &a.cvss_v3);
	if (r >= 0)
		r = dup_col(st, 8, &a.cvss_v4);
	if (r >= 0)
		r = dup_col(st, 9, &a.db_severity);
	sqlite3_reset(st);
	if (r >= 0 && !a.id)
		r = -EBADMSG;
	if (r < 0) {
		vuln_advisory_done(&a);
		return r;
	}
	*ret = a;
	return 0;
}

int vuln_db_kev(struct vuln_db *db, const char *cve, struct vuln_kev **ret)
{
	if (!db->has_kev)
		return -ENOENT;
	int r = prep(db, &db->kev,
		     "SELECT cve, date_added, due_date, required_action, ransomware FROM kev "
		     "WHERE cve = ?");
	if (r < 0)
		return r;
	sqlite3_stmt *st = db->kev;
	sqlite3_bind_text(st, 1, cve, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? -ENOENT : sql_errno(db->sql, rc);
	}
	struct vuln_kev *k = calloc(1, sizeof(*k));
	r = k ? 0 : -ENOMEM;
	if (r >= 0)
		r = dup_col(st, 0, &k->cve);
	if (r >= 0)
		r = dup_col(st, 1, &k->date_added);
	if (r >= 0)
		r = dup_col(st, 2, &k->due_date);
	if (r >= 0)
		r = dup_col(st, 3, &k->required_action);
	if (r >= 0) {
		k->known_ransomware = sqlite3_column_int(st, 4) != 0;
		if (!k->cve || !k->date_added || !k->due_date || !k->required_action)
			r = -EBADMSG;
	}
	sqlite3_reset(st);
	if (r < 0) {
		vuln_kev_free(k);
		return r;
	}
	*ret = k;
	return 0;
}

int vuln_db_epss(struct vuln_db *db, const char *cve, struct vuln_epss **ret)
{
	if (!db->epss_date)
		return -ENOENT;
	int r = prep(db, &db->epss, "SELECT score, percentile FROM epss WHERE cve = ?");
	if (r < 0)
		return r;
	sqlite3_stmt *st = db->epss;
	sqlite3_bind_text(st, 1, cve, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? -ENOENT : sql_errno(db->sql, rc);
	}
	struct vuln_epss *e = calloc(1, sizeof(*e));
	if (e) {
		e->score = sqlite3_column_double(st, 0);
		e->percentile = sqlite3_column_double(st, 1);
	}
	sqlite3_reset(st);
	if (!e || !(e->cve = strdup(cve)) ||
	    (db->epss_date[0] && !(e->date = strdup(db->epss_date)))) {
		vuln_epss_free(e);
		return -ENOMEM;
	}
	*ret = e;
	return 0;
}

int vuln_db_built(struct vuln_db *db, char **ret)
{
	return vuln_db_meta_get(db, "built", ret);
}

/* ---- status ------------------------------------------------------------------- */

static int set_meta(struct vuln_db *db, json_t *o, const char *key, const char *jkey)
{
	_cleanup_free_ char *v = NULL;
	int r = vuln_db_meta_get(db, key, &v);
	if (r == -ENOENT)
		return bh_json_set_new(o, jkey, json_null());
	if (r < 0)
		return r;
	return bh_json_set_str(o, jkey, v);
}

static int meta_count(struct vuln_db *db, const char *key, json_int_t *ret)
{
	_cleanup_free_ char *v = NULL;
	uint64_t n = 0;
	int r = vuln_db_meta_get(db, key, &v);
	if (r == -ENOMEM)
		return r;
	if (r >= 0 && parse_u64(span_from(v), 10, INT64_MAX, &n) < 0)
		n = 0;
	*ret = (json_int_t)n;
	return 0;
}

/* "kev": {version, released, title, count} and "epss": {date, model, count}, or nulls. */
static int status_intel(struct vuln_db *db, json_t *o)
{
	json_t *kev = db->has_kev ? json_object() : json_null();
	int r = bh_json_set_new(o, "kev", kev);
	json_int_t n = 0;
	if (r >= 0 && db->has_kev) {
		r = set_meta(db, kev, "kev_version", "version");
		if (r >= 0)
			r = set_meta(db, kev, "kev_released", "released");
		if (r >= 0)
			r = set_meta(db, kev, "kev_title", "title");
		if (r >= 0)
			r = meta_count(db, "kev_count", &n);
		if (r >= 0)
			r = bh_json_set_new(kev, "count", json_integer(n));
	}
	json_t *epss = db->epss_date ? json_object() : json_null();
	if (r >= 0)
		r = bh_json_set_new(o, "epss", epss);
	else
		json_decref(epss);
	if (r >= 0 && db->epss_date) {
		r = db->epss_date[0] ? bh_json_set_str(epss, "date", db->epss_date)
				     : bh_json_set_new(epss, "date", json_null());
		if (r >= 0)
			r = set_meta(db, epss, "epss_model", "model");
		if (r >= 0)
			r = meta_count(db, "epss_count", &n);
		if (r >= 0)
			r = bh_json_set_new(epss, "count", json_integer(n));
	}
	return r;
}

int vuln_db_status(struct vuln_db *db, json_t **ret)
{
	_cleanup_json_ json_t *o = json_object();
	if (!o)
		return -ENOMEM;
	int r = bh_json_set_str(o, "path", db->path);
	if (r >= 0)
		r = bh_json_set_new(o, "schema_version", json_integer(db->schema_version));
	if (r >= 0)
		r = set_meta(db, o, "built", "built");
	if (r >= 0)
		r = set_meta(db, o, "generator", "generator");
	if (r < 0)
		return r;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db->sql, "SELECT COUNT(*) FROM advisory", -1, &st, NULL);
	if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		r = bh_json_set_new(o, "advisories", json_integer(sqlite3_column_int64(st, 0)));
	else
		r = sql_errno(db->sql, rc == SQLITE_OK ? SQLITE_ERROR : rc);
	sqlite3_finalize(st);
	st = NULL;
	if (r < 0)
		return r;

	if ((r = status_intel(db, o)) < 0)
		return r;

	json_t *ecos = json_array();
	if ((r = bh_json_set_new(o, "ecosystems", ecos)) < 0)
		return r;
	rc = sqlite3_prepare_v2(db->sql,
				"SELECT base, COUNT(DISTINCT advisory), COUNT(*) FROM affected "
				"GROUP BY base ORDER BY base",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return sql_errno(db->sql, rc);
	while (r >= 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *base = col(st, 0);
		json_t *e = json_pack("{s:s, s:I, s:I, s:b}", "ecosystem", base ? base : "",
				      "advisories", (json_int_t)sqlite3_column_int64(st, 1),
				      "packages", (json_int_t)sqlite3_column_int64(st, 2),
				      "matched", base && vuln_ecosystem_find(span_from(base)) != NULL);
		r = bh_json_append_new(ecos, e);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (r < 0)
		return r;
	if (rc != SQLITE_DONE)
		return sql_errno(db->sql, rc);

	json_t *srcs = json_array();
	if ((r = bh_json_set_new(o, "sources", srcs)) < 0)
		return r;
	rc = sqlite3_prepare_v2(db->sql,
				"SELECT name, kind, sha256, imported, seen, imported_records, withdrawn, "
				"skipped FROM source ORDER BY id",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return sql_errno(db->sql, rc);
	while (r >= 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *e = json_pack("{s:s, s:s, s:o, s:s, s:I, s:I, s:I, s:I}", "name",
				      col(st, 0) ? col(st, 0) : "", "kind", col(st, 1) ? col(st, 1) : "",
				      "sha256", col(st, 2) ? json_string(col(st, 2)) : json_null(),
				      "imported", col(st, 3) ? col(st, 3) : "", "records",
				      (json_int_t)sqlite3_column_int64(st, 4), "stored",
				      (json_int_t)sqlite3_column_int64(st, 5), "withdrawn",
				      (json_int_t)sqlite3_column_int64(st, 6), "skipped",
				      (json_int_t)sqlite3_column_int64(st, 7));
		r = bh_json_append_new(srcs, e);
	}
	sqlite3_finalize(st);
	if (r < 0)
		return r;
	if (rc != SQLITE_DONE)
		return sql_errno(db->sql, rc);
	*ret = TAKE_PTR(o);
	return 0;
}
