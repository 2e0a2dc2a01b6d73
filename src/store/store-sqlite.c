/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store-sqlite.c — the embedded backend: one SQLite file in WAL mode (readers never block
 * the writer), a busy timeout so that concurrent writers queue instead of failing, foreign
 * keys on, every write transaction BEGIN IMMEDIATE (the write lock is taken up front, so
 * a transaction never fails half-way for a lock), synchronous=FULL (a committed audit row
 * survives a power cut). The file may be hostile (copied from elsewhere): defensive mode
 * and an untrusted schema keep it from running anything but our own statements.
 * Statements are prepared once per connection and cached by their SQL text's address
 * (store.c passes static strings).
 */
#include <sqlite3.h>
#include <unistd.h>

#include "store/store-int.h"

#define BUSY_TIMEOUT_MS 10000
#define STMT_CACHE	32
#define MAX_COLS	32

struct sqlite_data {
	sqlite3 *db;
	struct {
		const char *sql;
		sqlite3_stmt *st;
	} cache[STMT_CACHE];
	size_t n_cache;
};

static struct sqlite_data *data(struct store *s)
{
	return s->be_data;
}

/* SQLite result code to -errno; the message goes to s->errmsg. */
static int fail(struct store *s, int rc)
{
	sqlite3 *db = data(s)->db;
	int r;
	switch (rc & 0xff) {
	case SQLITE_FULL:
		r = -ENOSPC;
		break;
	case SQLITE_NOTADB:
		r = -EBADMSG;
		(void)store_set_error(s, r, "not a bulkhead store (%s)", sqlite3_errstr(rc));
		return r;
	case SQLITE_CORRUPT:
		r = -EBADMSG;
		break;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		r = -EBUSY;
		break;
	case SQLITE_NOMEM:
		r = -ENOMEM;
		break;
	case SQLITE_CONSTRAINT:
		r = (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE)
			? -EEXIST
			: -EINVAL;
		break;
	case SQLITE_PERM:
	case SQLITE_AUTH:
	case SQLITE_READONLY:
		r = -EACCES;
		break;
	case SQLITE_TOOBIG:
		r = -E2BIG;
		break;
	case SQLITE_CANTOPEN:
	case SQLITE_IOERR: {
		int e = db ? sqlite3_system_errno(db) : 0;
		r = e > 0 ? -e : -EIO;
		if (r == -ENOSPC || r == -EDQUOT)
			r = -ENOSPC;
		break;
	}
	default:
		r = -EIO;
		break;
	}
	const char *msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
	if ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_FULL)
		msg = sqlite3_errstr(rc); /* "database disk image is malformed", "… is full" */
	return store_set_error(s, r, "%s", msg);
}

static int sq_simple(struct store *s, const char *sql)
{
	int rc = sqlite3_exec(data(s)->db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : fail(s, rc);
}

static int sq_begin(struct store *s, bool write)
{
	return sq_simple(s, write ? "BEGIN IMMEDIATE" : "BEGIN");
}

static int sq_commit(struct store *s)
{
	return sq_simple(s, "COMMIT");
}

static void sq_rollback(struct store *s)
{
	struct sqlite_data *d = data(s);
	/* A failed statement may have rolled the whole transaction back already. */
	if (!sqlite3_get_autocommit(d->db))
		(void)sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
}

static int sq_lock(struct store *s, int64_t key)
{
	return 0; /* BEGIN IMMEDIATE already serialises every writer of the file */
}

static int get_stmt(struct store *s, const char *sql, sqlite3_stmt **ret, bool *ret_cached)
{
	struct sqlite_data *d = data(s);
	for (size_t i = 0; i < d->n_cache; i++)
		if (d->cache[i].sql == sql) {
			*ret = d->cache[i].st;
			*ret_cached = true;
			return 0;
		}
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v3(d->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
	if (rc != SQLITE_OK)
		return fail(s, rc);
	*ret = st;
	*ret_cached = d->n_cache < STMT_CACHE;
	if (*ret_cached)
		d->cache[d->n_cache++] = (typeof(d->cache[0])){sql, st};
	return 0;
}

static int bind(struct store *s, sqlite3_stmt *st, const struct store_param *params, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char name[16];
		(void)xsnprintf(name, sizeof(name), "$%zu", i + 1);
		int idx = sqlite3_bind_parameter_index(st, name);
		if (idx == 0)
			return store_set_error(s, -EINVAL, "statement has no parameter %s", name);
		int rc;
		if (params[i].is_int)
			rc = sqlite3_bind_int64(st, idx, params[i].i);
		else if (params[i].s)
			rc = sqlite3_bind_text(st, idx, params[i].s, -1, SQLITE_STATIC);
		else
			rc = sqlite3_bind_null(st, idx);
		if (rc != SQLITE_OK)
			return fail(s, rc);
	}
	return 0;
}

static int sq_exec(struct store *s, const char *sql, const struct store_param *params,
		   size_t n_params, store_row_fn cb, void *u)
{
	sqlite3_stmt *st = NULL;
	bool cached = false;
	int r = get_stmt(s, sql, &st, &cached);
	if (r < 0)
		return r;
	r = bind(s, st, params, n_params);
	while (r == 0) {
		int rc = sqlite3_step(st);
		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_ROW) {
			r = fail(s, sqlite3_extended_errcode(data(s)->db));
			break;
		}
		if (!cb)
			continue;
		int n = sqlite3_column_count(st);
		if (n > MAX_COLS) {
			r = store_set_error(s, -E2BIG, "too many columns");
			break;
		}
		const char *cols[MAX_COLS];
		for (int i = 0; i < n; i++) {
			cols[i] = (const char *)sqlite3_column_text(st, i);
			if (!cols[i] && sqlite3_column_type(st, i) != SQLITE_NULL) {
				r = fail(s, SQLITE_NOMEM);
				break;
			}
		}
		if (r == 0)
			r = cb(u, cols, (size_t)n);
	}
	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
	if (!cached)
		(void)sqlite3_finalize(st);
	return r;
}

static int sq_script(struct store *s, const char *sql)
{
	return sq_simple(s, sql);
}

static int row_counts(void *u, const char *const *cols, size_t ncol)
{
	int64_t *v = u;
	for (size_t i = 0; i < ncol && i < 2; i++)
		v[i] = cols[i] ? (cols[i][0] == '0' && !cols[i][1] ? 0 : 1) : 0;
	return 0;
}

static int sq_probe(struct store *s, bool *ret_has_tables, bool *ret_has_meta)
{
	static const char sql[] = "SELECT count(*), count(CASE WHEN name = 'bh_meta' THEN 1 END)"
				  " FROM sqlite_master WHERE type = 'table'";
	int64_t v[2] = {0, 0};
	int r = sq_exec(s, sql, NULL, 0, row_counts, v);
	if (r < 0)
		return r;
	*ret_has_tables = v[0] != 0;
	*ret_has_meta = v[1] != 0;
	return 0;
}

static void sq_close(struct store *s)
{
	struct sqlite_data *d = data(s);
	if (!d)
		return;
	for (size_t i = 0; i < d->n_cache; i++)
		(void)sqlite3_finalize(d->cache[i].st);
	if (d->db)
		(void)sqlite3_close(d->db);
	free(d);
	s->be_data = NULL;
}

static int sq_open(struct store *s, const char *path, unsigned flags, struct bh_diag *diag)
{
	struct sqlite_data *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	s->be_data = d;
	int oflags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW;
	if (flags & STORE_OPEN_READONLY)
		oflags |= SQLITE_OPEN_READONLY;
	else
		oflags |= SQLITE_OPEN_READWRITE;
	int rc = sqlite3_open_v2(path, &d->db, oflags, NULL);
	int r = 0;
	if (rc != SQLITE_OK) {
		r = fail(s, rc);
		goto out;
	}
	(void)sqlite3_extended_result_codes(d->db, 1);
	(void)sqlite3_db_config(d->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	(void)sqlite3_db_config(d->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	(void)sqlite3_busy_timeout(d->db, BUSY_TIMEOUT_MS);
	r = sq_simple(s, "PRAGMA foreign_keys = ON");
	if (r >= 0 && !(flags & STORE_OPEN_READONLY)) {
		/*
		 * Switching a new file to WAL needs an exclusive lock, and SQLite answers
		 * SQLITE_BUSY at once (no busy handler: it would deadlock) when another process
		 * opening the same new file holds a shared one. Retry within the busy timeout.
		 */
		for (unsigned waited = 0;; waited += 10) {
			r = sq_simple(s, "PRAGMA journal_mode = WAL");
			if (r != -EBUSY || waited >= BUSY_TIMEOUT_MS)
				break;
			(void)usleep(10 * 1000);
		}
		if (r >= 0)
			r = sq_simple(s, "PRAGMA synchronous = FULL");
	}
	if (r < 0)
		goto out;
	r = store_schema_setup(s, store_schema_sqlite, store_migrations_sqlite,
			       store_n_migrations_sqlite, diag);
	if (r < 0) {
		sq_close(s);
		return r;
	}
	return 0;
out:
	bh_diag_set(diag, s->name, 0, 0, "%s", s->errmsg[0] ? s->errmsg : strerror(-r));
	sq_close(s);
	return r;
}

int store_sqlite_set_max_pages(struct store *s, int64_t extra)
{
	if (s->be != &store_backend_sqlite)
		return -EOPNOTSUPP;
	static const char q_count[] = "PRAGMA page_count";
	int64_t pages = 0;
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(data(s)->db, q_count, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return fail(s, rc);
	if (sqlite3_step(st) == SQLITE_ROW)
		pages = sqlite3_column_int64(st, 0);
	(void)sqlite3_finalize(st);
	/* A pragma takes no parameters; the value is a number we computed, not input. */
	char sql[64];
	(void)xsnprintf(sql, sizeof(sql), "PRAGMA max_page_count = %lld",
			(long long)(pages + extra));
	return sq_simple(s, sql);
}

const struct store_backend store_backend_sqlite = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .lock = sq_lock,
    .exec = sq_exec,
    .script = sq_script,
    .probe = sq_probe,
};
