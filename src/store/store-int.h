/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store-int.h — what store.c shares with its two backends (store-sqlite.c,
 * store-postgres.c). Private to src/store/ (and its unit tests).
 *
 * The split: store.c holds every query and the semantics of store.h (record_run's
 * new/resolved sets, audit seq rules, paging); a backend only runs parameterised SQL and
 * maps its errors to -errno. All SQL is written with PostgreSQL-style placeholders
 * ($1, $2, …): PostgreSQL takes them as they are and SQLite binds them by name ("$1" is a
 * valid SQLite parameter name), so one text serves both. Values always travel as
 * parameters, never formatted into the SQL.
 */
#pragma once

#include "store/store.h"

/* One parameter: NULL (s == NULL and !is_int), text, or a 64-bit integer. */
struct store_param {
	bool is_int;
	int64_t i;
	const char *s;
};
#define SP_STR(v) ((struct store_param){.s = (v)})
#define SP_INT(v) ((struct store_param){.is_int = true, .i = (v)})

/*
 * One result row: ncol NUL-terminated texts, NULL for SQL NULL (integers arrive as their
 * decimal text on both backends). Valid only during the callback; a non-zero return from
 * the callback stops the query and is returned by exec().
 */
typedef int (*store_row_fn)(void *u, const char *const *cols, size_t ncol);

struct store_backend {
	const char *name; /* "sqlite" or "postgres" */
	/* Open target (path or conninfo URI), create or migrate the schema (per flags). */
	int (*open)(struct store *s, const char *target, unsigned flags,
		    struct bh_diag *reterr_diag);
	void (*close)(struct store *s);
	/* Start a transaction: write = true takes the write lock up front (BEGIN IMMEDIATE). */
	int (*begin)(struct store *s, bool write);
	int (*commit)(struct store *s);
	/* Roll back; never fails in a way the caller could act on. */
	void (*rollback)(struct store *s);
	/*
	 * Serialise writers of one scope until the transaction ends (PostgreSQL advisory
	 * lock; a no-op where begin(write) already serialises every writer).
	 */
	int (*lock)(struct store *s, int64_t key);
	/* Run one statement; cb (may be NULL) sees each row. 0, cb's value or -errno. */
	int (*exec)(struct store *s, const char *sql, const struct store_param *params,
		    size_t n_params, store_row_fn cb, void *u);
	/* Run several parameterless statements (schema DDL) inside the open transaction. */
	int (*script)(struct store *s, const char *sql);
	/*
	 * Inside the open transaction: whether the store holds any table at all (a SQLite
	 * file; always false for a PostgreSQL database, which may be shared) and whether
	 * bh_meta exists.
	 */
	int (*probe)(struct store *s, bool *ret_has_tables, bool *ret_has_meta);
};

struct store {
	const struct store_backend *be;
	void *be_data; /* the backend's connection state */
	char *name;    /* spec without password */
	unsigned flags;
	struct bh_limits limits;
	char errmsg[512]; /* the last backend error, "" after success */
	bool in_batch;	  /* store_batch_begin() took the write transaction */
	int batch_error;  /* the first failure inside the batch (< 0), else 0 */
	char batch_errmsg[512]; /* errmsg of that first failure */
};

extern const struct store_backend store_backend_sqlite;
extern const struct store_backend store_backend_postgres;

/* Record the backend's message for the last failure (store_errmsg()); returns r. */
int store_set_error(struct store *s, int r, const char *fmt, ...) _printf_(3, 4);

/* The current schema as per-backend DDL and the ordered migrations to it (schema-v1.c). */
struct store_migration {
	int to_version;	 /* the schema version after this step */
	const char *sql; /* one or more statements */
};
extern const char store_schema_sqlite[];
extern const char store_schema_postgres[];
/* Steps from version n to n+1, n = 1 … STORE_SCHEMA_VERSION-1 (1→2: baselines). */
extern const struct store_migration store_migrations_sqlite[];
extern const size_t store_n_migrations_sqlite;
extern const struct store_migration store_migrations_postgres[];
extern const size_t store_n_migrations_postgres;

/*
 * Called by a backend's open() once connected: checks bh_meta in a read transaction;
 * creates the schema in an empty store or migrates an older one in one write transaction
 * (taken only when needed; PostgreSQL also holds an advisory lock so that concurrent
 * first starts are safe); refuses a newer schema (-EPROTO) or a foreign store (-EBADMSG).
 */
int store_schema_setup(struct store *s, const char *schema,
		       const struct store_migration *migrations, size_t n_migrations,
		       struct bh_diag *reterr_diag);

/* Test hook (SQLite only): cap the database at n pages (PRAGMA max_page_count). */
int store_sqlite_set_max_pages(struct store *s, int64_t n);
