/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store-postgres.c — the fleet backend: one PostgreSQL database through libpq, shared by
 * many writers. Every statement goes through PQexecParams with its values as parameters
 * (text format); writers of one scope are serialised with pg_advisory_xact_lock, and so is
 * schema creation, so that concurrent first starts are safe. Transactions run at READ
 * COMMITTED: the unique keys (audit seq, finding scope) are what makes concurrent writers
 * safe, and a unique violation (SQLSTATE 23505) is -EEXIST.
 *
 * Connection loss: a statement that finds the connection dead fails with -ECONNRESET; the
 * next call outside a transaction reconnects once (and fails with -ECONNREFUSED & co.
 * while the server is down), so a long-lived writer recovers when the server is back and
 * its caller decides what to do with what failed meanwhile. Nothing is retried here: a
 * COMMIT whose answer was lost may or may not have happened.
 *
 * The password never leaves libpq: store_name() and every message use a URI rebuilt from
 * user, host, port and database only.
 */
#include <libpq-fe.h>
#include <stdio.h>

#include "store/store-int.h"

#define MAX_COLS		32
#define DEFAULT_CONNECT_TIMEOUT "5"

struct pg_data {
	PGconn *conn;
	bool in_tx;
};

static struct pg_data *data(struct store *s)
{
	return s->be_data;
}

/* The first line of a libpq message, without the trailing newline. */
static void first_line(const char *msg, char *dst, size_t size)
{
	size_t n = 0;
	while (msg && msg[n] && msg[n] != '\n' && n + 1 < size) {
		dst[n] = msg[n];
		n++;
	}
	dst[n] = '\0';
}

/* Why a connection failed, from libpq's (C locale) message. */
static int connect_errno(const char *msg)
{
	static const struct {
		const char *text;
		int err;
	} map[] = {
	    {"Connection refused", ECONNREFUSED},
	    {"timeout expired", ETIMEDOUT},
	    {"timed out", ETIMEDOUT},
	    {"No route to host", EHOSTUNREACH},
	    {"Network is unreachable", EHOSTUNREACH},
	    {"could not translate host name", EHOSTUNREACH},
	    {"password authentication failed", EACCES},
	    {"no pg_hba.conf entry", EACCES},
	    {"permission denied", EACCES},
	    {"does not exist", ENOENT},
	    {"No such file or directory", ECONNREFUSED},
	    {"server closed the connection", ECONNRESET},
	};
	for (size_t i = 0; msg && i < ARRAY_SIZE(map); i++)
		if (strstr(msg, map[i].text))
			return -map[i].err;
	return -EIO;
}

static int conn_fail(struct store *s)
{
	char line[400];
	first_line(PQerrorMessage(data(s)->conn), line, sizeof(line));
	int r = connect_errno(line);
	return store_set_error(s, r, "PostgreSQL unreachable: %s", line);
}

/* SQLSTATE of a failed result to -errno (PostgreSQL Appendix A error codes). */
static int result_fail(struct store *s, PGresult *res)
{
	PGconn *conn = data(s)->conn;
	if (PQstatus(conn) != CONNECTION_OK) {
		char line[400];
		first_line(PQerrorMessage(conn), line, sizeof(line));
		return store_set_error(s, -ECONNRESET, "connection to PostgreSQL lost: %s", line);
	}
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	if (!msg)
		msg = PQerrorMessage(conn);
	int r = -EIO;
	if (!state)
		r = res ? -EIO : -ENOMEM;
	else if (streq(state, "23505"))
		r = -EEXIST;
	else if (strncmp(state, "23", 2) == 0 || strncmp(state, "22", 2) == 0)
		r = -EINVAL;
	else if (streq(state, "53100"))
		r = -ENOSPC;
	else if (streq(state, "53200"))
		r = -ENOMEM;
	else if (streq(state, "42501") || streq(state, "25006") || strncmp(state, "28", 2) == 0)
		r = -EACCES;
	else if (streq(state, "40001") || streq(state, "40P01") || streq(state, "55P03"))
		r = -EBUSY;
	else if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0)
		r = -ECONNRESET;
	else if (strncmp(state, "XX", 2) == 0)
		r = -EBADMSG;
	char line[400];
	first_line(msg, line, sizeof(line));
	return store_set_error(s, r, "%s%s%s", line, state ? " SQLSTATE " : "", state ? state : "");
}

static void ignore_notice(void *arg, const char *message)
{
}

static int session_setup(struct store *s)
{
	PGconn *conn = data(s)->conn;
	(void)PQsetNoticeProcessor(conn, ignore_notice, NULL);
	const char *sql = (s->flags & STORE_OPEN_READONLY)
			      ? "SET client_min_messages = warning;"
				" SET default_transaction_read_only = on"
			      : "SET client_min_messages = warning";
	PGresult *res = PQexec(conn, sql);
	int r = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : result_fail(s, res);
	PQclear(res);
	return r;
}

/* Reconnect a dead connection, outside transactions only. */
static int ensure_conn(struct store *s)
{
	struct pg_data *d = data(s);
	if (PQstatus(d->conn) == CONNECTION_OK)
		return 0;
	if (d->in_tx)
		return store_set_error(s, -ECONNRESET, "connection to PostgreSQL lost");
	PQreset(d->conn);
	if (PQstatus(d->conn) != CONNECTION_OK)
		return conn_fail(s);
	return session_setup(s);
}

static int pg_simple(struct store *s, const char *sql)
{
	PGresult *res = PQexec(data(s)->conn, sql);
	ExecStatusType st = PQresultStatus(res);
	int r = (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) ? 0 : result_fail(s, res);
	PQclear(res);
	return r;
}

static int pg_begin(struct store *s, bool write)
{
	int r = ensure_conn(s);
	if (r < 0)
		return r;
	r = pg_simple(s, "BEGIN");
	if (r >= 0)
		data(s)->in_tx = true;
	return r;
}

static int pg_commit(struct store *s)
{
	struct pg_data *d = data(s);
	PGresult *res = PQexec(d->conn, "COMMIT");
	int r = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : result_fail(s, res);
	/* COMMIT of an aborted transaction "succeeds" as ROLLBACK. */
	if (r == 0 && !streq(PQcmdStatus(res), "COMMIT"))
		r = store_set_error(s, -EIO, "transaction was rolled back");
	PQclear(res);
	d->in_tx = false;
	return r;
}

static void pg_rollback(struct store *s)
{
	struct pg_data *d = data(s);
	if (PQstatus(d->conn) == CONNECTION_OK && PQtransactionStatus(d->conn) != PQTRANS_IDLE) {
		PGresult *res = PQexec(d->conn, "ROLLBACK");
		PQclear(res);
	}
	d->in_tx = false;
}

static int pg_exec(struct store *s, const char *sql, const struct store_param *params,
		   size_t n_params, store_row_fn cb, void *u)
{
	if (n_params > MAX_COLS)
		return store_set_error(s, -E2BIG, "too many parameters");
	int r = ensure_conn(s);
	if (r < 0)
		return r;
	char ints[MAX_COLS][24];
	const char *values[MAX_COLS];
	for (size_t i = 0; i < n_params; i++) {
		if (params[i].is_int) {
			(void)xsnprintf(ints[i], sizeof(ints[i]), "%lld", (long long)params[i].i);
			values[i] = ints[i];
		} else
			values[i] = params[i].s;
	}
	PGresult *res =
	    PQexecParams(data(s)->conn, sql, (int)n_params, NULL, values, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		r = result_fail(s, res);
		PQclear(res);
		return r;
	}
	int nrow = PQntuples(res), ncol = PQnfields(res);
	if (ncol > MAX_COLS) {
		PQclear(res);
		return store_set_error(s, -E2BIG, "too many columns");
	}
	r = 0;
	for (int i = 0; cb && i < nrow && r == 0; i++) {
		const char *cols[MAX_COLS];
		for (int j = 0; j < ncol; j++)
			cols[j] = PQgetisnull(res, i, j) ? NULL : PQgetvalue(res, i, j);
		r = cb(u, cols, (size_t)ncol);
	}
	PQclear(res);
	return r;
}

static int pg_lock(struct store *s, int64_t key)
{
	static const char sql[] = "SELECT pg_advisory_xact_lock($1)";
	struct store_param p[] = {SP_INT(key)};
	return pg_exec(s, sql, p, ARRAY_SIZE(p), NULL, NULL);
}

static int pg_script(struct store *s, const char *sql)
{
	return pg_simple(s, sql);
}

static int row_bools(void *u, const char *const *cols, size_t ncol)
{
	bool *b = u;
	for (size_t i = 0; i < ncol && i < 2; i++)
		b[i] = cols[i] && cols[i][0] == 't';
	return 0;
}

static int pg_probe(struct store *s, bool *ret_has_tables, bool *ret_has_meta)
{
	/*
	 * A catalog query, not to_regclass(): that goes through the backend's syscache, which
	 * may still hold "no such table" from before another session's CREATE committed (an
	 * advisory lock does not process invalidations), and concurrent first starts would
	 * both try to create the schema. Only our bh_ tables count: the database may hold
	 * other applications' tables.
	 */
	static const char sql[] =
	    "SELECT EXISTS(SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n"
	    " ON n.oid = c.relnamespace WHERE c.relname LIKE 'bh\\_%' AND c.relkind = 'r'"
	    " AND n.nspname = current_schema()),"
	    " EXISTS(SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n"
	    " ON n.oid = c.relnamespace WHERE c.relname = 'bh_meta'"
	    " AND n.nspname = current_schema())";
	bool v[2] = {false, false};
	int r = pg_exec(s, sql, NULL, 0, row_bools, v);
	if (r < 0)
		return r;
	*ret_has_tables = v[0];
	*ret_has_meta = v[1];
	return 0;
}

static void pg_close(struct store *s)
{
	struct pg_data *d = data(s);
	if (!d)
		return;
	if (d->conn)
		PQfinish(d->conn);
	free(d);
	s->be_data = NULL;
}

/* "postgres://user@host:port/dbname" from the parsed options: no password. */
static int build_name(PQconninfoOption *opts, char **ret)
{
	const char *user = NULL, *host = NULL, *hostaddr = NULL, *port = NULL, *db = NULL;
	for (PQconninfoOption *o = opts; o->keyword; o++) {
		if (!o->val || !*o->val)
			continue;
		if (streq(o->keyword, "user"))
			user = o->val;
		else if (streq(o->keyword, "host"))
			host = o->val;
		else if (streq(o->keyword, "hostaddr"))
			hostaddr = o->val;
		else if (streq(o->keyword, "port"))
			port = o->val;
		else if (streq(o->keyword, "dbname"))
			db = o->val;
	}
	if (!host)
		host = hostaddr ? hostaddr : "localhost";
	_cleanup_buf_ struct buf b;
	buf_init(&b, 2048);
	int r = buf_puts(&b, "postgres://");
	if (r >= 0 && user)
		r = buf_printf(&b, "%s@", user);
	if (r >= 0)
		r = buf_puts(&b, host);
	if (r >= 0 && port)
		r = buf_printf(&b, ":%s", port);
	if (r >= 0)
		r = buf_printf(&b, "/%s", db ? db : "");
	if (r < 0)
		return r;
	*ret = buf_take(&b);
	return *ret ? 0 : -ENOMEM;
}

static int pg_open(struct store *s, const char *spec, unsigned flags, struct bh_diag *diag)
{
	char *err = NULL;
	PQconninfoOption *opts = PQconninfoParse(spec, &err);
	if (!opts) {
		char line[400];
		first_line(err ? err : "out of memory", line, sizeof(line));
		PQfreemem(err);
		/* The spec may hold a password: name the scheme only. */
		bh_diag_set(diag, "postgres://…", 0, 0, "invalid connection URI: %s", line);
		return err ? -EINVAL : -ENOMEM;
	}
	bool has_timeout = false;
	for (PQconninfoOption *o = opts; o->keyword; o++)
		if (streq(o->keyword, "connect_timeout") && o->val && *o->val)
			has_timeout = true;
	int r = build_name(opts, &s->name);
	PQconninfoFree(opts);
	if (r < 0)
		return r;

	struct pg_data *d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	s->be_data = d;
	const char *keys[4], *vals[4];
	size_t n = 0;
	keys[n] = "dbname", vals[n++] = spec;
	keys[n] = "fallback_application_name", vals[n++] = "bulkhead";
	if (!has_timeout)
		keys[n] = "connect_timeout", vals[n++] = DEFAULT_CONNECT_TIMEOUT;
	keys[n] = NULL, vals[n] = NULL;
	d->conn = PQconnectdbParams(keys, vals, 1);
	if (!d->conn) {
		pg_close(s);
		return -ENOMEM;
	}
	if (PQstatus(d->conn) != CONNECTION_OK) {
		r = conn_fail(s);
		goto fail;
	}
	r = session_setup(s);
	if (r < 0)
		goto fail;
	r = store_schema_setup(s, store_schema_postgres, store_migrations_postgres,
			       store_n_migrations_postgres, diag);
	if (r < 0) {
		pg_close(s);
		return r;
	}
	return 0;
fail:
	bh_diag_set(diag, s->name, 0, 0, "%s", s->errmsg);
	pg_close(s);
	return r;
}

const struct store_backend store_backend_postgres = {
    .name = "postgres",
    .open = pg_open,
    .close = pg_close,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .lock = pg_lock,
    .exec = pg_exec,
    .script = pg_script,
    .probe = pg_probe,
};
