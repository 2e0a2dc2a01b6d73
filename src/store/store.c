/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store.c — the store API of store.h over a backend (store-int.h): spec parsing, the
 * default location, the schema check at open, and every query with its semantics
 * (record_run's new/resolved sets, the audit seq rules, keyset paging for the foreach
 * functions, the baseline versions and the mode change counter). It must not contain
 * anything backend-specific: SQL here is standard enough
 * for SQLite >= 3.35 and PostgreSQL >= 13 (RETURNING, row values, ON CONFLICT).
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>

#include "common/hash.h"
#include "common/json.h"
#include "store/store-int.h"

/* Rows fetched per page by the foreach functions: bounded memory on any store size. */
#define PAGE_ROWS 256

int store_set_error(struct store *s, int r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(s->errmsg, sizeof(s->errmsg), fmt, ap);
	va_end(ap);
	return r;
}

const char *store_errmsg(const struct store *s)
{
	return s->errmsg;
}

static void clear_error(struct store *s)
{
	s->errmsg[0] = '\0';
}

/* ---- spec, default location --------------------------------------------------------- */

int store_default_spec(char **ret)
{
	const char *env = secure_getenv("BULKHEAD_STORE");
	const char *home = secure_getenv("BULKHEAD_HOME");
	_cleanup_buf_ struct buf b;
	buf_init(&b, 4096);
	int r;
	if (env && *env)
		r = buf_puts(&b, env);
	else if (home && *home)
		r = buf_printf(&b, "%s/store.db", home);
	else if (geteuid() == 0)
		r = buf_puts(&b, "/var/lib/bulkhead/store.db");
	else {
		const char *xdg = secure_getenv("XDG_DATA_HOME");
		const char *h = secure_getenv("HOME");
		if (xdg && *xdg == '/')
			r = buf_printf(&b, "%s/bulkhead/store.db", xdg);
		else if (h && *h == '/')
			r = buf_printf(&b, "%s/.local/share/bulkhead/store.db", h);
		else
			return -ENOENT;
	}
	if (r < 0)
		return r;
	*ret = buf_take(&b);
	return *ret ? 0 : -ENOMEM;
}

static bool is_postgres_spec(const char *spec)
{
	return strncmp(spec, "postgres://", 11) == 0 || strncmp(spec, "postgresql://", 13) == 0;
}

/* mkdir -p for the directories above path, each new one 0700 (the store is private). */
static int make_parents(const char *path)
{
	_cleanup_free_ char *p = strdup(path);
	if (!p)
		return -ENOMEM;
	for (char *c = p + 1; *c; c++) {
		if (*c != '/')
			continue;
		*c = '\0';
		if (mkdir(p, 0700) < 0 && errno != EEXIST)
			return -errno;
		*c = '/';
	}
	return 0;
}

/*
 * Create a missing SQLite file 0600 before SQLite opens it (SQLite would use 0644 less the
 * umask); its -wal and -shm files inherit the mode. An empty file is an empty database.
 */
static int precreate(const char *path)
{
	int fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return errno == EEXIST ? 0 : -errno;
	(void)close(fd);
	return 0;
}

int store_open(const char *spec, const struct bh_limits *limits, unsigned flags, struct store **ret,
	       struct bh_diag *reterr_diag)
{
	_cleanup_free_ char *def = NULL;
	int r = store_default_spec(&def);
	if (r < 0 && r != -ENOENT)
		return r;
	if (!spec) {
		if (!def) {
			bh_diag_set(reterr_diag, "store", 0, 0,
				    "no default store location (set BULKHEAD_STORE, "
				    "BULKHEAD_HOME or HOME)");
			return -ENOENT;
		}
		spec = def;
	}
	if (flags & STORE_OPEN_READONLY)
		flags |= STORE_OPEN_EXISTING;

	_cleanup_(store_closep) struct store *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->flags = flags;
	if (limits)
		s->limits = *limits;
	else
		bh_limits_default(&s->limits);

	if (is_postgres_spec(spec)) {
		s->be = &store_backend_postgres;
		r = s->be->open(s, spec, flags, reterr_diag);
		if (r < 0) {
			s->be = NULL; /* open() cleaned up after itself */
			return r;
		}
		*ret = TAKE_PTR(s);
		return 0;
	}

	const char *path = strncmp(spec, "sqlite:", 7) == 0 ? spec + 7 : spec;
	if (!*path) {
		bh_diag_set(reterr_diag, spec, 0, 0, "empty store path");
		return -EINVAL;
	}
	s->name = strdup(path);
	if (!s->name)
		return -ENOMEM;
	if (!(flags & STORE_OPEN_EXISTING)) {
		if (def && streq(spec, def)) {
			r = make_parents(path);
			if (r < 0) {
				bh_diag_set(reterr_diag, path, 0, 0,
					    "cannot create the store's directory: %s",
					    strerror(-r));
				return r;
			}
		}
		r = precreate(path);
		if (r < 0) {
			bh_diag_set(reterr_diag, path, 0, 0, "cannot create the store: %s",
				    strerror(-r));
			return r;
		}
	} else if (access(path, F_OK) < 0) {
		r = -errno;
		bh_diag_set(reterr_diag, path, 0, 0, "%s",
			    r == -ENOENT ? "no such store" : strerror(-r));
		return r;
	}
	s->be = &store_backend_sqlite;
	r = s->be->open(s, path, flags, reterr_diag);
	if (r < 0) {
		s->be = NULL;
		return r;
	}
	*ret = TAKE_PTR(s);
	return 0;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	if (s->be)
		s->be->close(s);
	free(s->name);
	free(s);
}

const char *store_backend(const struct store *s)
{
	return s->be->name;
}

const char *store_name(const struct store *s)
{
	return s->name;
}

/* ---- schema ------------------------------------------------------------------------- */

static int row_str(void *u, const char *const *cols, size_t ncol)
{
	char **ret = u;
	if (ncol < 1 || !cols[0] || *ret)
		return 0;
	*ret = strdup(cols[0]);
	return *ret ? 0 : -ENOMEM;
}

static int meta_get(struct store *s, const char *key, char **ret)
{
	static const char sql[] = "SELECT value FROM bh_meta WHERE key = $1";
	struct store_param p[] = {SP_STR(key)};
	*ret = NULL;
	return s->be->exec(s, sql, p, ARRAY_SIZE(p), row_str, ret);
}

/* 0 ok, 1 creation or migration needed, -errno. Runs inside a transaction. */
static int schema_check(struct store *s, bool may_write, const char *schema,
			const struct store_migration *migrations, size_t n_migrations,
			struct bh_diag *d)
{
	_cleanup_free_ char *app = NULL, *ver = NULL;
	bool has_tables, has_meta;
	int r = s->be->probe(s, &has_tables, &has_meta);
	if (r < 0)
		goto fail;
	if (!has_meta) {
		if (has_tables) {
			bh_diag_set(d, s->name, 0, 0, "not a bulkhead store (no bh_meta table)");
			return -EBADMSG;
		}
		if (s->flags & STORE_OPEN_EXISTING) {
			bh_diag_set(d, s->name, 0, 0, "no bulkhead store here (empty)");
			return -ENOENT;
		}
		if (!may_write)
			return 1;
		r = s->be->script(s, schema);
		if (r < 0)
			goto fail;
		return 0;
	}
	r = meta_get(s, "application", &app);
	if (r >= 0)
		r = meta_get(s, "schema_version", &ver);
	if (r < 0)
		goto fail;
	int64_t v;
	if (!app || !streq(app, "bulkhead") || !ver ||
	    parse_i64(span_from(ver), 1, INT32_MAX, &v) < 0) {
		bh_diag_set(d, s->name, 0, 0, "not a bulkhead store (bad bh_meta)");
		return -EBADMSG;
	}
	if (v > STORE_SCHEMA_VERSION) {
		bh_diag_set(d, s->name, 0, 0,
			    "store schema version %lld is newer than this bulkhead's (%d): "
			    "upgrade bulkhead",
			    (long long)v, STORE_SCHEMA_VERSION);
		return -EPROTO;
	}
	if (v == STORE_SCHEMA_VERSION)
		return 0;
	if (s->flags & STORE_OPEN_READONLY) {
		bh_diag_set(d, s->name, 0, 0,
			    "store schema version %lld is older than %d: open it for writing "
			    "once to migrate",
			    (long long)v, STORE_SCHEMA_VERSION);
		return -EPROTO;
	}
	if (!may_write)
		return 1;
	for (size_t i = 0; i < n_migrations; i++) {
		if (migrations[i].to_version <= v)
			continue;
		r = s->be->script(s, migrations[i].sql);
		if (r < 0)
			goto fail;
	}
	char vbuf[16];
	(void)xsnprintf(vbuf, sizeof(vbuf), "%d", STORE_SCHEMA_VERSION);
	static const char upd[] = "UPDATE bh_meta SET value = $1 WHERE key = 'schema_version'";
	struct store_param p[] = {SP_STR(vbuf)};
	r = s->be->exec(s, upd, p, ARRAY_SIZE(p), NULL, NULL);
	if (r < 0)
		goto fail;
	return 0;
fail:
	bh_diag_set(d, s->name, 0, 0, "%s", s->errmsg[0] ? s->errmsg : strerror(-r));
	return r;
}

/* The advisory lock key that serialises schema creation and migration. */
#define SCHEMA_LOCK_KEY ((int64_t)0x62686b7363686d61) /* "bhkschma" */

int store_schema_setup(struct store *s, const char *schema,
		       const struct store_migration *migrations, size_t n_migrations,
		       struct bh_diag *d)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		bool write = attempt == 1;
		int r = s->be->begin(s, write);
		if (r >= 0 && write)
			r = s->be->lock(s, SCHEMA_LOCK_KEY);
		if (r < 0) {
			if (r != -EBUSY)
				s->be->rollback(s);
			bh_diag_set(d, s->name, 0, 0, "%s",
				    s->errmsg[0] ? s->errmsg : strerror(-r));
			return r;
		}
		r = schema_check(s, write, schema, migrations, n_migrations, d);
		if (r < 0) {
			s->be->rollback(s);
			return r;
		}
		if (r == 1) {
			s->be->rollback(s);
			continue;
		}
		r = s->be->commit(s);
		if (r < 0) {
			s->be->rollback(s);
			bh_diag_set(d, s->name, 0, 0, "%s",
				    s->errmsg[0] ? s->errmsg : strerror(-r));
			return r;
		}
		return 0;
	}
	bh_diag_set(d, s->name, 0, 0, "schema changed while opening");
	return -EAGAIN;
}

/* ---- small helpers ------------------------------------------------------------------ */

static int dup_col(const char *c, char **ret)
{
	return strdup_opt(c, ret);
}

/* Scope text columns: "" in the database means NULL in the API. */
static int dup_scope(const char *c, char **ret)
{
	return strdup_opt(c && *c ? c : NULL, ret);
}

static int64_t col_i64(const char *c)
{
	int64_t v = 0;
	if (c)
		(void)parse_i64(span_from(c), INT64_MIN, INT64_MAX, &v);
	return v;
}

static int parse_json_col(struct store *s, const char *c, json_t **ret)
{
	*ret = NULL;
	if (!c)
		return 0;
	int r = bh_json_parse(span_from(c), &s->limits, s->name, ret, NULL);
	if (r < 0)
		return store_set_error(s, -EBADMSG, "stored JSON does not parse");
	return 0;
}

static const char *nz(const char *v)
{
	return v ? v : "";
}

/* Run fn inside one write transaction (or the open batch's); roll back on any failure. */
static int in_write_tx(struct store *s, int (*fn)(struct store *s, void *u), void *u)
{
	if (s->in_batch) {
		if (s->batch_error < 0)
			return store_set_error(s, -ECANCELED,
					       "an earlier write of this batch failed: %s",
					       s->batch_errmsg[0] ? s->batch_errmsg : strerror(-s->batch_error));
		int q = fn(s, u);
		if (q < 0) {
			s->batch_error = q;
			/* later calls say what failed first, not only that something did */
			memcpy(s->batch_errmsg, s->errmsg, sizeof(s->batch_errmsg));
		}
		return q;
	}
	int r = s->be->begin(s, true);
	if (r < 0)
		return r;
	r = fn(s, u);
	if (r >= 0)
		r = s->be->commit(s);
	if (r < 0)
		s->be->rollback(s);
	return r;
}

/* ---- batches ------------------------------------------------------------------------ */

static int64_t scope_key(const char *const *f, size_t n);

/* The advisory lock key every batch takes first (PostgreSQL; "bh_audit" in FNV-1a). */
static int64_t batch_lock_key(void)
{
	const char *k[] = {"bh_audit", "batch"};
	return scope_key(k, ARRAY_SIZE(k));
}

int store_batch_begin(struct store *s)
{
	clear_error(s);
	if (s->in_batch)
		return store_set_error(s, -EINVAL, "a batch is already open");
	int r = s->be->begin(s, true);
	if (r < 0)
		return r;
	r = s->be->lock(s, batch_lock_key());
	if (r < 0) {
		s->be->rollback(s);
		return r;
	}
	s->in_batch = true;
	s->batch_error = 0;
	s->batch_errmsg[0] = '\0';
	return 0;
}

int store_batch_commit(struct store *s)
{
	if (!s->in_batch)
		return store_set_error(s, -EINVAL, "no batch is open");
	int r = s->batch_error;
	s->in_batch = false;
	s->batch_error = 0;
	if (r < 0) /* the batch fails with its first error and that error's message */
		memcpy(s->errmsg, s->batch_errmsg, sizeof(s->errmsg));
	if (r >= 0) {
		r = s->be->commit(s);
		if (r >= 0)
			return 0;
	}
	s->be->rollback(s);
	return r;
}

void store_batch_rollback(struct store *s)
{
	if (!s->in_batch)
		return;
	s->in_batch = false;
	s->batch_error = 0;
	s->be->rollback(s);
}

bool store_in_batch(const struct store *s)
{
	return s->in_batch;
}

/* ---- runs and findings -------------------------------------------------------------- */

void store_record_result_done(struct store_record_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_new; i++)
		free(r->new_ids[i]);
	free(r->new_ids);
	for (size_t i = 0; i < r->n_resolved; i++)
		free(r->resolved_ids[i]);
	free(r->resolved_ids);
	*r = (struct store_record_result){0};
}

static int ids_push(char ***v, size_t *n, size_t *cap, const char *s)
{
	int r = GROW(*v, *n, *cap);
	if (r < 0)
		return r;
	char *c = strdup(s);
	if (!c)
		return -ENOMEM;
	(*v)[(*n)++] = c;
	return 0;
}

struct record_ctx {
	const struct store_run *run;
	const json_t *findings;
	struct store_record_result res;
	size_t cap_new, cap_resolved;
};

/* FNV-1a over the scope fields, NUL-separated: the advisory lock key of the scope. */
static int64_t scope_key(const char *const *f, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		for (const char *p = f[i];; p++) {
			h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
			if (!*p)
				break;
		}
	return (int64_t)h;
}

static int row_i64(void *u, const char *const *cols, size_t ncol)
{
	int64_t *ret = u;
	if (ncol >= 1 && cols[0])
		*ret = col_i64(cols[0]);
	return 0;
}

struct state_row {
	bool found;
	int64_t sid, resolved_at, last_run_id;
};

static int row_state(void *u, const char *const *cols, size_t ncol)
{
	struct state_row *st = u;
	if (ncol < 3)
		return -EIO;
	st->found = true;
	st->sid = col_i64(cols[0]);
	st->resolved_at = col_i64(cols[1]);
	st->last_run_id = col_i64(cols[2]);
	return 0;
}

static int resolved_row(void *u, const char *const *cols, size_t ncol)
{
	struct record_ctx *c = u;
	if (ncol < 1 || !cols[0])
		return -EIO;
	return ids_push(&c->res.resolved_ids, &c->res.n_resolved, &c->cap_resolved, cols[0]);
}

static int record_fn(struct store *s, void *u)
{
	struct record_ctx *c = u;
	const struct store_run *run = c->run;
	const char *scope[] = {run->kind, nz(run->target.type), nz(run->target.name),
			       nz(run->target.cluster)};
	int r = s->be->lock(s, scope_key(scope, ARRAY_SIZE(scope)));
	if (r < 0)
		return r;

	static const char q_prev[] =
	    "SELECT max(id) FROM bh_runs WHERE kind = $1 AND target_type = $2"
	    " AND target_name = $3 AND cluster = $4";
	struct store_param ps[] = {SP_STR(scope[0]), SP_STR(scope[1]), SP_STR(scope[2]),
				   SP_STR(scope[3])};
	int64_t prev = 0;
	r = s->be->exec(s, q_prev, ps, ARRAY_SIZE(ps), row_i64, &prev);
	if (r < 0)
		return r;

	_cleanup_free_ char *summary = NULL;
	if (run->summary) {
		summary = json_dumps(run->summary, JSON_COMPACT | JSON_ENCODE_ANY);
		if (!summary)
			return -ENOMEM;
	}
	static const char q_run[] =
	    "INSERT INTO bh_runs(kind, time, target_type, target_name, cluster, target_digest,"
	    " namespace, workload, tool, summary) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9,"
	    " $10) RETURNING id";
	struct store_param pr[] = {SP_STR(scope[0]),
				   SP_INT(run->time),
				   SP_STR(scope[1]),
				   SP_STR(scope[2]),
				   SP_STR(scope[3]),
				   SP_STR(run->target.digest),
				   SP_STR(run->target.namespace),
				   SP_STR(run->target.workload),
				   SP_STR(run->tool),
				   SP_STR(summary)};
	int64_t run_id = 0;
	r = s->be->exec(s, q_run, pr, ARRAY_SIZE(pr), row_i64, &run_id);
	if (r < 0)
		return r;
	if (run_id <= 0)
		return store_set_error(s, -EIO, "no run id returned");
	c->res.run_id = run_id;

	size_t i;
	const json_t *f;
	json_array_foreach(c->findings, i, f)
	{
		const char *id = bh_json_str(f, "id");
		static const char q_get[] =
		    "SELECT sid, resolved_at, last_run_id FROM bh_findings WHERE run_kind = $1"
		    " AND target_type = $2 AND target_name = $3 AND cluster = $4 AND id = $5";
		struct store_param pg[] = {SP_STR(scope[0]), SP_STR(scope[1]), SP_STR(scope[2]),
					   SP_STR(scope[3]), SP_STR(id)};
		struct state_row st = {0};
		r = s->be->exec(s, q_get, pg, ARRAY_SIZE(pg), row_state, &st);
		if (r < 0)
			return r;
		if (st.found && st.last_run_id == run_id)
			continue; /* the same id twice in one run: the first one counts */

		_cleanup_free_ char *text = json_dumps(f, JSON_COMPACT);
		if (!text)
			return -ENOMEM;
		const char *kind = bh_json_str(f, "kind"), *sev = bh_json_str(f, "severity");
		const char *rule = bh_json_str(bh_json_obj(f, "rule"), "id");
		bool is_new = !st.found || st.resolved_at != 0;
		if (!st.found) {
			static const char q_ins[] =
			    "INSERT INTO bh_findings(run_kind, target_type, target_name, cluster,"
			    " id, kind, severity, rule_id, target_digest, namespace, workload,"
			    " first_seen, last_seen, resolved_at, last_run_id, finding)"
			    " VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, 0,"
			    " $13, $14) RETURNING sid";
			struct store_param pi[] = {
			    SP_STR(scope[0]),
			    SP_STR(scope[1]),
			    SP_STR(scope[2]),
			    SP_STR(scope[3]),
			    SP_STR(id),
			    SP_STR(kind),
			    SP_STR(sev),
			    SP_STR(rule),
			    SP_STR(run->target.digest),
			    SP_STR(run->target.namespace),
			    SP_STR(run->target.workload),
			    SP_INT(run->time),
			    SP_INT(run_id),
			    SP_STR(text),
			};
			r = s->be->exec(s, q_ins, pi, ARRAY_SIZE(pi), row_i64, &st.sid);
		} else {
			static const char q_upd[] =
			    "UPDATE bh_findings SET kind = $1, severity = $2, rule_id = $3,"
			    " target_digest = $4, namespace = $5, workload = $6, last_seen = $7,"
			    " resolved_at = 0, last_run_id = $8, finding = $9 WHERE sid = $10";
			struct store_param pu[] = {
			    SP_STR(kind),
			    SP_STR(sev),
			    SP_STR(rule),
			    SP_STR(run->target.digest),
			    SP_STR(run->target.namespace),
			    SP_STR(run->target.workload),
			    SP_INT(run->time),
			    SP_INT(run_id),
			    SP_STR(text),
			    SP_INT(st.sid),
			};
			r = s->be->exec(s, q_upd, pu, ARRAY_SIZE(pu), NULL, NULL);
		}
		if (r < 0)
			return r;
		static const char q_mem[] =
		    "INSERT INTO bh_run_findings(run_id, sid) VALUES($1, $2)";
		struct store_param pm[] = {SP_INT(run_id), SP_INT(st.sid)};
		r = s->be->exec(s, q_mem, pm, ARRAY_SIZE(pm), NULL, NULL);
		if (r < 0)
			return r;
		if (is_new) {
			r = ids_push(&c->res.new_ids, &c->res.n_new, &c->cap_new, id);
			if (r < 0)
				return r;
		}
	}

	if (prev <= 0 || run->no_resolve)
		return 0;
	/* Open states last seen in the previous run of this scope were not seen now. */
	static const char q_res[] =
	    "SELECT id FROM bh_findings WHERE last_run_id = $1 AND resolved_at = 0 ORDER BY id";
	struct store_param pp[] = {SP_INT(prev)};
	r = s->be->exec(s, q_res, pp, ARRAY_SIZE(pp), resolved_row, c);
	if (r < 0)
		return r;
	static const char q_mark[] =
	    "UPDATE bh_findings SET resolved_at = $1 WHERE last_run_id = $2 AND resolved_at = 0";
	struct store_param pk[] = {SP_INT(run->time), SP_INT(prev)};
	return s->be->exec(s, q_mark, pk, ARRAY_SIZE(pk), NULL, NULL);
}

static int check_findings(const json_t *findings, struct bh_diag *d, const char *name)
{
	if (!json_is_array(findings)) {
		bh_diag_set(d, name, 0, 0, "findings must be a JSON array");
		return -EINVAL;
	}
	size_t i;
	const json_t *f;
	json_array_foreach(findings, i, f)
	{
		const char *id = bh_json_str(f, "id");
		if (!id || !*id || !bh_json_str(f, "kind") || !bh_json_str(f, "severity") ||
		    !bh_json_str(bh_json_obj(f, "rule"), "id")) {
			bh_diag_set(d, name, 0, 0,
				    "finding %zu lacks \"id\", \"kind\", \"severity\" or "
				    "\"rule\".\"id\"",
				    i);
			return -EINVAL;
		}
	}
	return 0;
}

int store_record_run(struct store *s, const struct store_run *run, const json_t *findings,
		     struct store_record_result *ret, struct bh_diag *reterr_diag)
{
	clear_error(s);
	if (!run || !run->kind || !*run->kind || run->time <= 0) {
		bh_diag_set(reterr_diag, s->name, 0, 0, "a run needs a kind and a time > 0");
		return -EINVAL;
	}
	int r = check_findings(findings, reterr_diag, s->name);
	if (r < 0)
		return r;
	struct record_ctx c = {.run = run, .findings = findings};
	r = in_write_tx(s, record_fn, &c);
	if (r < 0) {
		store_record_result_done(&c.res);
		bh_diag_set(reterr_diag, s->name, 0, 0, "cannot record the run: %s",
			    s->errmsg[0] ? s->errmsg : strerror(-r));
		return r;
	}
	if (ret)
		*ret = c.res;
	else
		store_record_result_done(&c.res);
	return 0;
}

void store_finding_state_done(struct store_finding_state *f)
{
	if (!f)
		return;
	free(f->id);
	free(f->kind);
	free(f->severity);
	free(f->rule_id);
	free(f->target_type);
	free(f->target_name);
	free(f->target_digest);
	free(f->cluster);
	free(f->namespace);
	free(f->workload);
	free(f->run_kind);
	if (f->finding)
		json_decref(f->finding);
	*f = (struct store_finding_state){0};
}

struct finding_page {
	struct store *s;
	struct store_finding_state *v;
	int64_t *sid;
	size_t n;
};

static int finding_row(void *u, const char *const *c, size_t ncol)
{
	struct finding_page *pg = u;
	if (ncol < 17 || pg->n >= PAGE_ROWS)
		return -EIO;
	struct store_finding_state *f = &pg->v[pg->n];
	*f = (struct store_finding_state){0};
	int r = dup_col(c[0], &f->id) ?: dup_col(c[1], &f->kind) ?: dup_col(c[2], &f->severity) ?:
		dup_col(c[3], &f->rule_id) ?: dup_scope(c[4], &f->target_type) ?:
		dup_scope(c[5], &f->target_name) ?: dup_col(c[6], &f->target_digest) ?:
		dup_scope(c[7], &f->cluster) ?: dup_col(c[8], &f->namespace) ?:
		dup_col(c[9], &f->workload) ?: dup_col(c[10], &f->run_kind) ?:
		parse_json_col(pg->s, c[15], &f->finding);
	pg->n++; /* counted even on failure so that the caller frees it */
	if (r < 0)
		return r;
	f->first_seen = col_i64(c[11]);
	f->last_seen = col_i64(c[12]);
	f->resolved_at = col_i64(c[13]);
	f->last_run_id = col_i64(c[14]);
	pg->sid[pg->n - 1] = col_i64(c[16]);
	return 0;
}

int store_findings_foreach(struct store *s, const struct store_finding_query *q,
			   int (*cb)(void *u, const struct store_finding_state *f), void *u)
{
	static const char sql[] =
	    "SELECT id, kind, severity, rule_id, target_type, target_name, target_digest,"
	    " cluster, namespace, workload, run_kind, first_seen, last_seen, resolved_at,"
	    " last_run_id, finding, sid FROM bh_findings"
	    " WHERE (CAST($1 AS TEXT) IS NULL OR run_kind = $1)"
	    " AND (CAST($2 AS TEXT) IS NULL OR kind = $2)"
	    " AND (CAST($3 AS TEXT) IS NULL OR target_name = $3) AND ($4 = 0 OR resolved_at = 0)"
	    " AND last_seen >= $5 AND (first_seen, id, sid) > ($6, $7, $8)"
	    " ORDER BY first_seen, id, sid LIMIT $9";
	clear_error(s);
	const struct store_finding_query none = {0};
	if (!q)
		q = &none;
	struct store_finding_state v[PAGE_ROWS];
	int64_t sid[PAGE_ROWS];
	int64_t k_first = INT64_MIN, k_sid = INT64_MIN;
	_cleanup_free_ char *k_id = strdup("");
	if (!k_id)
		return -ENOMEM;
	for (;;) {
		struct store_param p[] = {
		    SP_STR(q->run_kind),  SP_STR(q->kind),  SP_STR(q->target),
		    SP_INT(q->open_only), SP_INT(q->since), SP_INT(k_first),
		    SP_STR(k_id),	  SP_INT(k_sid),    SP_INT(PAGE_ROWS),
		};
		struct finding_page pg = {.s = s, .v = v, .sid = sid};
		int r = s->be->exec(s, sql, p, ARRAY_SIZE(p), finding_row, &pg);
		size_t i = 0;
		if (r >= 0)
			for (; i < pg.n && r == 0; i++)
				r = cb(u, &v[i]);
		if (r == 0 && pg.n > 0) {
			struct store_finding_state *last = &v[pg.n - 1];
			k_first = last->first_seen;
			k_sid = sid[pg.n - 1];
			free(k_id);
			k_id = strdup(last->id);
			if (!k_id)
				r = -ENOMEM;
		}
		for (i = 0; i < pg.n; i++)
			store_finding_state_done(&v[i]);
		if (r != 0 || pg.n < PAGE_ROWS)
			return r;
	}
}

void store_run_row_done(struct store_run_row *r)
{
	if (!r)
		return;
	free(r->kind);
	free(r->target_type);
	free(r->target_name);
	free(r->target_digest);
	free(r->cluster);
	free(r->namespace);
	free(r->workload);
	free(r->tool);
	if (r->summary)
		json_decref(r->summary);
	*r = (struct store_run_row){0};
}

struct run_page {
	struct store *s;
	struct store_run_row *v;
	size_t n;
};

static int run_row(void *u, const char *const *c, size_t ncol)
{
	struct run_page *pg = u;
	if (ncol < 11 || pg->n >= PAGE_ROWS)
		return -EIO;
	struct store_run_row *w = &pg->v[pg->n++];
	*w = (struct store_run_row){0};
	w->id = col_i64(c[0]);
	w->time = col_i64(c[1]);
	return dup_col(c[2], &w->kind) ?: dup_scope(c[3], &w->target_type) ?:
	       dup_scope(c[4], &w->target_name) ?: dup_col(c[5], &w->target_digest) ?:
	       dup_scope(c[6], &w->cluster) ?: dup_col(c[7], &w->namespace) ?:
	       dup_col(c[8], &w->workload) ?: dup_col(c[9], &w->tool) ?:
	       parse_json_col(pg->s, c[10], &w->summary);
}

int store_runs_foreach(struct store *s, const char *kind, int64_t since,
		       int (*cb)(void *u, const struct store_run_row *r), void *u)
{
	static const char sql[] =
	    "SELECT id, time, kind, target_type, target_name, target_digest, cluster,"
	    " namespace, workload, tool, summary FROM bh_runs"
	    " WHERE (CAST($1 AS TEXT) IS NULL OR kind = $1) AND time >= $2 AND (time, id) < ($3, "
	    "$4)"
	    " ORDER BY time DESC, id DESC LIMIT $5";
	clear_error(s);
	struct store_run_row v[PAGE_ROWS];
	int64_t k_time = INT64_MAX, k_id = INT64_MAX;
	for (;;) {
		struct store_param p[] = {SP_STR(kind), SP_INT(since), SP_INT(k_time), SP_INT(k_id),
					  SP_INT(PAGE_ROWS)};
		struct run_page pg = {.s = s, .v = v};
		int r = s->be->exec(s, sql, p, ARRAY_SIZE(p), run_row, &pg);
		size_t i = 0;
		if (r >= 0)
			for (; i < pg.n && r == 0; i++)
				r = cb(u, &v[i]);
		if (pg.n > 0) {
			k_time = v[pg.n - 1].time;
			k_id = v[pg.n - 1].id;
		}
		for (i = 0; i < pg.n; i++)
			store_run_row_done(&v[i]);
		if (r != 0 || pg.n < PAGE_ROWS)
			return r;
	}
}

/* ---- audit rows --------------------------------------------------------------------- */

void store_audit_row_done(struct store_audit_row *r)
{
	if (!r)
		return;
	free(r->kind);
	free(r->target);
	free(r->actor);
	free(r->payload);
	free(r->prev_hash);
	free(r->hash);
	*r = (struct store_audit_row){0};
}

struct audit_page {
	struct store_audit_row *v;
	size_t n, max;
};

static int audit_row(void *u, const char *const *c, size_t ncol)
{
	struct audit_page *pg = u;
	if (ncol < 8 || pg->n >= pg->max)
		return -EIO;
	struct store_audit_row *w = &pg->v[pg->n++];
	*w = (struct store_audit_row){0};
	w->seq = col_i64(c[0]);
	w->time = col_i64(c[1]);
	return dup_col(c[2], &w->kind) ?: dup_col(c[3], &w->target) ?:
	       dup_col(c[4], &w->actor) ?: dup_col(c[5], &w->payload) ?:
	       dup_col(c[6], &w->prev_hash) ?: dup_col(c[7], &w->hash);
}

int store_audit_tail(struct store *s, struct store_audit_row *ret)
{
	static const char sql[] =
	    "SELECT seq, time, kind, target, actor, payload, prev_hash, hash FROM bh_audit"
	    " ORDER BY seq DESC LIMIT 1";
	clear_error(s);
	struct store_audit_row row = {0};
	struct audit_page pg = {.v = &row, .max = 1};
	int r = s->be->exec(s, sql, NULL, 0, audit_row, &pg);
	if (r < 0) {
		store_audit_row_done(&row);
		return r;
	}
	if (pg.n == 0)
		return -ENOENT;
	*ret = row;
	return 0;
}

static int audit_insert_fn(struct store *s, void *u)
{
	const struct store_audit_row *row = u;
	static const char q_max[] = "SELECT max(seq) FROM bh_audit";
	int64_t max = 0;
	int r = s->be->exec(s, q_max, NULL, 0, row_i64, &max);
	if (r < 0)
		return r;
	if (row->seq <= max)
		return store_set_error(s, -EEXIST, "audit seq %lld is taken", (long long)row->seq);
	if (row->seq != max + 1)
		return store_set_error(s, -EINVAL, "audit seq %lld would leave a gap after %lld",
				       (long long)row->seq, (long long)max);
	static const char q_ins[] =
	    "INSERT INTO bh_audit(seq, time, kind, target, actor, payload, prev_hash, hash)"
	    " VALUES($1, $2, $3, $4, $5, $6, $7, $8)";
	struct store_param p[] = {SP_INT(row->seq),	  SP_INT(row->time),
				  SP_STR(row->kind),	  SP_STR(nz(row->target)),
				  SP_STR(nz(row->actor)), SP_STR(row->payload),
				  SP_STR(row->prev_hash), SP_STR(row->hash)};
	return s->be->exec(s, q_ins, p, ARRAY_SIZE(p), NULL, NULL);
}

int store_audit_insert(struct store *s, const struct store_audit_row *row)
{
	clear_error(s);
	if (!row || row->seq < 1 || !row->kind || !row->payload || !row->prev_hash || !row->hash)
		return store_set_error(s, -EINVAL, "incomplete audit row");
	return in_write_tx(s, audit_insert_fn, (void *)row);
}

int store_audit_foreach(struct store *s, int64_t from_seq,
			int (*cb)(void *u, const struct store_audit_row *r), void *u)
{
	static const char sql[] =
	    "SELECT seq, time, kind, target, actor, payload, prev_hash, hash FROM bh_audit"
	    " WHERE seq >= $1 ORDER BY seq LIMIT $2";
	clear_error(s);
	struct store_audit_row v[PAGE_ROWS];
	int64_t next = from_seq;
	for (;;) {
		struct store_param p[] = {SP_INT(next), SP_INT(PAGE_ROWS)};
		struct audit_page pg = {.v = v, .max = PAGE_ROWS};
		int r = s->be->exec(s, sql, p, ARRAY_SIZE(p), audit_row, &pg);
		size_t i = 0;
		if (r >= 0)
			for (; i < pg.n && r == 0; i++)
				r = cb(u, &v[i]);
		if (pg.n > 0)
			next = v[pg.n - 1].seq + 1;
		for (i = 0; i < pg.n; i++)
			store_audit_row_done(&v[i]);
		if (r != 0 || pg.n < PAGE_ROWS)
			return r;
	}
}

/* ---- checkpoints -------------------------------------------------------------------- */

void store_checkpoint_done(struct store_checkpoint *c)
{
	if (!c)
		return;
	free(c->hash);
	free(c->key_id);
	free(c->signature);
	*c = (struct store_checkpoint){0};
}

static int checkpoint_insert_fn(struct store *s, void *u)
{
	const struct store_checkpoint *c = u;
	static const char sql[] = "INSERT INTO bh_checkpoints(seq, key_id, time, hash, signature)"
				  " VALUES($1, $2, $3, $4, $5)";
	struct store_param p[] = {SP_INT(c->seq), SP_STR(c->key_id), SP_INT(c->time),
				  SP_STR(c->hash), SP_STR(c->signature)};
	return s->be->exec(s, sql, p, ARRAY_SIZE(p), NULL, NULL);
}

int store_checkpoint_insert(struct store *s, const struct store_checkpoint *c)
{
	clear_error(s);
	if (!c || c->seq < 1 || !c->hash || !c->key_id || !c->signature)
		return store_set_error(s, -EINVAL, "incomplete checkpoint");
	return in_write_tx(s, checkpoint_insert_fn, (void *)c);
}

struct cp_list {
	struct store_checkpoint *v;
	size_t n, cap;
};

static int cp_row(void *u, const char *const *c, size_t ncol)
{
	struct cp_list *l = u;
	if (ncol < 5)
		return -EIO;
	int r = GROW(l->v, l->n, l->cap);
	if (r < 0)
		return r;
	struct store_checkpoint *w = &l->v[l->n++];
	*w = (struct store_checkpoint){0};
	w->seq = col_i64(c[0]);
	w->time = col_i64(c[2]);
	return dup_col(c[1], &w->key_id) ?: dup_col(c[3], &w->hash) ?: dup_col(c[4], &w->signature);
}

int store_checkpoint_foreach(struct store *s, int (*cb)(void *u, const struct store_checkpoint *c),
			     void *u)
{
	static const char sql[] = "SELECT seq, key_id, time, hash, signature FROM bh_checkpoints"
				  " WHERE (seq, key_id) > ($1, $2) ORDER BY seq, key_id LIMIT $3";
	clear_error(s);
	int64_t k_seq = INT64_MIN;
	_cleanup_free_ char *k_key = strdup("");
	if (!k_key)
		return -ENOMEM;
	for (;;) {
		struct store_param p[] = {SP_INT(k_seq), SP_STR(k_key), SP_INT(PAGE_ROWS)};
		struct cp_list l = {0};
		int r = s->be->exec(s, sql, p, ARRAY_SIZE(p), cp_row, &l);
		size_t i = 0;
		if (r >= 0)
			for (; i < l.n && r == 0; i++)
				r = cb(u, &l.v[i]);
		size_t n = l.n;
		if (r == 0 && n > 0) {
			k_seq = l.v[n - 1].seq;
			free(k_key);
			k_key = strdup(l.v[n - 1].key_id);
			if (!k_key)
				r = -ENOMEM;
		}
		for (i = 0; i < l.n; i++)
			store_checkpoint_done(&l.v[i]);
		free(l.v);
		if (r != 0 || n < PAGE_ROWS)
			return r;
	}
}

/* ---- behaviour baselines ------------------------------------------------------------ */

/* Rows per query of store_baselines_foreach(): documents may be large. */
#define BASELINE_PAGE_ROWS 16

void store_baseline_done(struct store_baseline *b)
{
	if (!b)
		return;
	free(b->workload);
	free(b->mode);
	free(b->doc);
	free(b->doc_hash);
	*b = (struct store_baseline){0};
}

void store_baseline_mode_done(struct store_baseline_mode *m)
{
	if (!m)
		return;
	free(m->workload);
	free(m->mode);
	free(m->actor);
	*m = (struct store_baseline_mode){0};
}

static bool is_baseline_mode(const char *mode)
{
	return mode && (streq(mode, "learn") || streq(mode, "monitor") || streq(mode, "protect"));
}

/* -EINVAL unless workload is non-empty and within input-max-bytes. */
static int check_workload(struct store *s, const char *workload)
{
	if (!workload || !*workload)
		return store_set_error(s, -EINVAL, "a baseline needs a workload");
	if (strlen(workload) > s->limits.input_max_bytes)
		return store_set_error(s, -EINVAL,
				       "workload name longer than input-max-bytes (%llu)",
				       (unsigned long long)s->limits.input_max_bytes);
	return 0;
}

static int check_mode_time(struct store *s, const char *mode, int64_t time)
{
	if (!is_baseline_mode(mode))
		return store_set_error(
		    s, -EINVAL, "baseline mode must be \"learn\", \"monitor\" or \"protect\"");
	if (time <= 0)
		return store_set_error(s, -EINVAL, "baseline time must be > 0");
	return 0;
}

static int refuse_readonly(struct store *s)
{
	if (s->flags & STORE_OPEN_READONLY)
		return store_set_error(s, -EACCES, "%s: the store is open read-only", s->name);
	return 0;
}

struct baseline_put_ctx {
	const char *workload, *mode, *doc;
	int64_t time;
	char hash[BH_DIGEST_STR_LEN + 1];
	int64_t version;
};

struct latest_row {
	bool found;
	int64_t version;
	char hash[BH_DIGEST_STR_LEN + 1];
};

static int row_latest(void *u, const char *const *cols, size_t ncol)
{
	struct latest_row *l = u;
	if (ncol < 2 || !cols[0] || !cols[1])
		return -EIO;
	l->found = true;
	l->version = col_i64(cols[0]);
	/* A stored hash of another length never equals ours: keep it "" then. */
	if (strlen(cols[1]) == BH_DIGEST_STR_LEN)
		memcpy(l->hash, cols[1], BH_DIGEST_STR_LEN + 1);
	return 0;
}

static int baseline_put_fn(struct store *s, void *u)
{
	struct baseline_put_ctx *c = u;
	const char *key[] = {"bh_baselines", c->workload};
	int r = s->be->lock(s, scope_key(key, ARRAY_SIZE(key)));
	if (r < 0)
		return r;
	static const char q_latest[] = "SELECT version, doc_hash FROM bh_baselines"
				       " WHERE workload = $1 ORDER BY version DESC LIMIT 1";
	struct store_param pl[] = {SP_STR(c->workload)};
	struct latest_row l = {0};
	r = s->be->exec(s, q_latest, pl, ARRAY_SIZE(pl), row_latest, &l);
	if (r < 0)
		return r;
	if (l.found && streq(l.hash, c->hash)) {
		c->version = l.version;
		return 0;
	}
	if (l.found && l.version >= INT64_MAX)
		return store_set_error(s, -E2BIG, "baseline versions exhausted");
	int64_t version = l.found ? l.version + 1 : 1;
	static const char q_ins[] =
	    "INSERT INTO bh_baselines(workload, version, time, mode, doc, doc_hash)"
	    " VALUES($1, $2, $3, $4, $5, $6)";
	struct store_param pi[] = {SP_STR(c->workload), SP_INT(version), SP_INT(c->time),
				   SP_STR(c->mode),	SP_STR(c->doc),	 SP_STR(c->hash)};
	r = s->be->exec(s, q_ins, pi, ARRAY_SIZE(pi), NULL, NULL);
	if (r < 0)
		return r;
	c->version = version;
	return 0;
}

int store_baseline_put(struct store *s, const char *workload, int64_t time, const char *mode,
		       const char *doc, int64_t *ret_version)
{
	clear_error(s);
	int r = check_workload(s, workload);
	if (r < 0)
		return r;
	r = check_mode_time(s, mode, time);
	if (r < 0)
		return r;
	if (!doc)
		return store_set_error(s, -EINVAL, "a baseline needs a document");
	size_t len = strlen(doc);
	if (len > s->limits.input_max_bytes)
		return store_set_error(
		    s, -EINVAL, "baseline document of %zu bytes exceeds input-max-bytes (%llu)",
		    len, (unsigned long long)s->limits.input_max_bytes);
	json_t *v = NULL;
	struct bh_diag d = {0};
	r = bh_json_parse((struct span){doc, len}, &s->limits, "baseline", &v, &d);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return store_set_error(s, -EINVAL, "baseline document: %s", d.message);
	bool is_obj = json_is_object(v);
	json_decref(v);
	if (!is_obj)
		return store_set_error(s, -EINVAL, "baseline document is not a JSON object");
	r = refuse_readonly(s);
	if (r < 0)
		return r;

	struct baseline_put_ctx c = {.workload = workload, .mode = mode, .doc = doc, .time = time};
	r = bh_sha256_str(doc, len, c.hash);
	if (r < 0)
		return r;
	r = in_write_tx(s, baseline_put_fn, &c);
	if (r < 0)
		return r;
	if (ret_version)
		*ret_version = c.version;
	return 0;
}

struct baseline_page {
	struct store_baseline *v;
	size_t n, max;
};

static int baseline_row(void *u, const char *const *c, size_t ncol)
{
	struct baseline_page *pg = u;
	if (ncol < 6 || pg->n >= pg->max)
		return -EIO;
	struct store_baseline *b = &pg->v[pg->n++];
	*b = (struct store_baseline){0};
	b->version = col_i64(c[1]);
	b->time = col_i64(c[2]);
	return dup_col(c[0], &b->workload) ?: dup_col(c[3], &b->mode) ?: dup_col(c[4], &b->doc) ?:
	       dup_col(c[5], &b->doc_hash);
}

int store_baseline_get(struct store *s, const char *workload, int64_t version,
		       struct store_baseline *ret)
{
	static const char q_latest[] =
	    "SELECT workload, version, time, mode, doc, doc_hash FROM bh_baselines"
	    " WHERE workload = $1 ORDER BY version DESC LIMIT 1";
	static const char q_version[] =
	    "SELECT workload, version, time, mode, doc, doc_hash FROM bh_baselines"
	    " WHERE workload = $1 AND version = $2";
	clear_error(s);
	int r = check_workload(s, workload);
	if (r < 0)
		return r;
	if (version < 0)
		return store_set_error(s, -EINVAL, "baseline version must be >= 0");
	struct store_baseline b = {0};
	struct baseline_page pg = {.v = &b, .max = 1};
	struct store_param p[] = {SP_STR(workload), SP_INT(version)};
	if (version == 0)
		r = s->be->exec(s, q_latest, p, 1, baseline_row, &pg);
	else
		r = s->be->exec(s, q_version, p, 2, baseline_row, &pg);
	if (r < 0) {
		store_baseline_done(&b);
		return r;
	}
	if (pg.n == 0)
		return -ENOENT;
	*ret = b;
	return 0;
}

int store_baselines_foreach(struct store *s, bool all_versions,
			    int (*cb)(void *u, const struct store_baseline *b), void *u)
{
	static const char q_latest[] =
	    "SELECT workload, version, time, mode, doc, doc_hash FROM bh_baselines b"
	    " WHERE workload > $1 AND version = (SELECT max(version) FROM bh_baselines m"
	    " WHERE m.workload = b.workload) ORDER BY workload LIMIT $2";
	static const char q_all[] =
	    "SELECT workload, version, time, mode, doc, doc_hash FROM bh_baselines"
	    " WHERE (workload, version) > ($1, $2) ORDER BY workload, version LIMIT $3";
	clear_error(s);
	struct store_baseline v[BASELINE_PAGE_ROWS];
	int64_t k_version = 0;
	_cleanup_free_ char *k_workload = strdup("");
	if (!k_workload)
		return -ENOMEM;
	for (;;) {
		struct baseline_page pg = {.v = v, .max = BASELINE_PAGE_ROWS};
		int r;
		if (all_versions) {
			struct store_param p[] = {SP_STR(k_workload), SP_INT(k_version),
						  SP_INT(BASELINE_PAGE_ROWS)};
			r = s->be->exec(s, q_all, p, ARRAY_SIZE(p), baseline_row, &pg);
		} else {
			struct store_param p[] = {SP_STR(k_workload), SP_INT(BASELINE_PAGE_ROWS)};
			r = s->be->exec(s, q_latest, p, ARRAY_SIZE(p), baseline_row, &pg);
		}
		size_t i = 0;
		if (r >= 0)
			for (; i < pg.n && r == 0; i++)
				r = cb(u, &v[i]);
		if (r == 0 && pg.n > 0) {
			k_version = v[pg.n - 1].version;
			free(k_workload);
			k_workload = strdup(v[pg.n - 1].workload);
			if (!k_workload)
				r = -ENOMEM;
		}
		for (i = 0; i < pg.n; i++)
			store_baseline_done(&v[i]);
		if (r != 0 || pg.n < BASELINE_PAGE_ROWS)
			return r;
	}
}

struct mode_set_ctx {
	const char *workload, *mode, *actor;
	int64_t time, seq;
};

static int mode_set_fn(struct store *s, void *u)
{
	struct mode_set_ctx *c = u;
	/*
	 * The counter row: its row lock (PostgreSQL) or the write lock (SQLite) is held until
	 * commit, so seqs are taken in commit order and a poller never misses a change.
	 */
	static const char q_seq[] =
	    "UPDATE bh_meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT)"
	    " WHERE key = 'baseline_mode_seq' RETURNING value";
	int64_t seq = 0;
	int r = s->be->exec(s, q_seq, NULL, 0, row_i64, &seq);
	if (r < 0)
		return r;
	if (seq <= 0)
		return store_set_error(s, -EBADMSG, "%s: bad bh_meta (baseline_mode_seq)", s->name);
	static const char q_up[] =
	    "INSERT INTO bh_baseline_modes(workload, mode, time, actor, seq)"
	    " VALUES($1, $2, $3, $4, $5) ON CONFLICT(workload) DO UPDATE SET"
	    " mode = excluded.mode, time = excluded.time, actor = excluded.actor,"
	    " seq = excluded.seq";
	struct store_param p[] = {SP_STR(c->workload), SP_STR(c->mode), SP_INT(c->time),
				  SP_STR(c->actor), SP_INT(seq)};
	r = s->be->exec(s, q_up, p, ARRAY_SIZE(p), NULL, NULL);
	if (r < 0)
		return r;
	c->seq = seq;
	return 0;
}

int store_baseline_mode_set(struct store *s, const char *workload, const char *mode, int64_t time,
			    const char *actor, int64_t *ret_seq)
{
	clear_error(s);
	int r = check_workload(s, workload);
	if (r < 0)
		return r;
	r = check_mode_time(s, mode, time);
	if (r < 0)
		return r;
	if (!actor)
		return store_set_error(s, -EINVAL, "a mode change needs an actor");
	if (strlen(actor) > s->limits.input_max_bytes)
		return store_set_error(s, -EINVAL, "actor longer than input-max-bytes (%llu)",
				       (unsigned long long)s->limits.input_max_bytes);
	r = refuse_readonly(s);
	if (r < 0)
		return r;
	struct mode_set_ctx c = {.workload = workload, .mode = mode, .actor = actor, .time = time};
	r = in_write_tx(s, mode_set_fn, &c);
	if (r < 0)
		return r;
	if (ret_seq)
		*ret_seq = c.seq;
	return 0;
}

struct mode_page {
	struct store_baseline_mode *v;
	size_t n, max;
};

static int mode_row(void *u, const char *const *c, size_t ncol)
{
	struct mode_page *pg = u;
	if (ncol < 5 || pg->n >= pg->max)
		return -EIO;
	struct store_baseline_mode *m = &pg->v[pg->n++];
	*m = (struct store_baseline_mode){0};
	m->time = col_i64(c[2]);
	m->seq = col_i64(c[4]);
	return dup_col(c[0], &m->workload) ?: dup_col(c[1], &m->mode) ?: dup_col(c[3], &m->actor);
}

int store_baseline_mode_get(struct store *s, const char *workload, struct store_baseline_mode *ret)
{
	static const char sql[] = "SELECT workload, mode, time, actor, seq FROM bh_baseline_modes"
				  " WHERE workload = $1";
	clear_error(s);
	int r = check_workload(s, workload);
	if (r < 0)
		return r;
	struct store_baseline_mode m = {0};
	struct mode_page pg = {.v = &m, .max = 1};
	struct store_param p[] = {SP_STR(workload)};
	r = s->be->exec(s, sql, p, ARRAY_SIZE(p), mode_row, &pg);
	if (r < 0) {
		store_baseline_mode_done(&m);
		return r;
	}
	if (pg.n == 0)
		return -ENOENT;
	*ret = m;
	return 0;
}

int store_baseline_modes_foreach(struct store *s, int64_t after_seq,
				 int (*cb)(void *u, const struct store_baseline_mode *m), void *u)
{
	static const char sql[] = "SELECT workload, mode, time, actor, seq FROM bh_baseline_modes"
				  " WHERE seq > $1 ORDER BY seq LIMIT $2";
	clear_error(s);
	struct store_baseline_mode v[PAGE_ROWS];
	int64_t next = after_seq;
	for (;;) {
		struct store_param p[] = {SP_INT(next), SP_INT(PAGE_ROWS)};
		struct mode_page pg = {.v = v, .max = PAGE_ROWS};
		int r = s->be->exec(s, sql, p, ARRAY_SIZE(p), mode_row, &pg);
		size_t i = 0;
		if (r >= 0)
			for (; i < pg.n && r == 0; i++)
				r = cb(u, &v[i]);
		if (pg.n > 0)
			next = v[pg.n - 1].seq;
		for (i = 0; i < pg.n; i++)
			store_baseline_mode_done(&v[i]);
		if (r != 0 || pg.n < PAGE_ROWS)
			return r;
	}
}
