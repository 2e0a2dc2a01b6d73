/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-baseline-store.c — the store's schema v2 (issue 9): behaviour baselines (versions,
 * dedupe by hash, foreach), workload modes (the change counter, polling after a seq,
 * concurrent setters), input validation, read-only stores, batches, and the migration of
 * a v1 store. Every BOTH(name) body runs on a fresh SQLite file (name_sqlite) and on a fresh
 * PostgreSQL schema (name_pg, skipped without PostgreSQL: tests/lib/pg.h).
 */
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <sys/wait.h>

#include "common/hash.h"
#include "store/store-int.h"
#include "pg.h"
#include "tap.h"

/* ---- one environment per test ------------------------------------------------------- */

struct env {
	bool pg;
	char spec[1024];
	char schema[64];
	struct bh_limits limits;
};

/*
 * The stores a test opened and has not closed: a failed ASSERT leaves the test without
 * closing them, and a PostgreSQL transaction left open (a batch) would hold advisory locks
 * (database-wide) that later tests wait for. The next env_init() closes them.
 */
static struct store *live[8];

static void env_close(struct store *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(live); i++)
		if (live[i] == s)
			live[i] = NULL;
	store_close(s);
}

static void env_init(struct env *e, bool pg, const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(live); i++) {
		store_close(live[i]);
		live[i] = NULL;
	}
	*e = (struct env){.pg = pg};
	bh_limits_default(&e->limits);
	if (!pg) {
		const char *p = tap_tmp_path(name);
		ASSERT_NOT_NULL(p);
		(void)unlink(p);
		ASSERT_OK(xsnprintf(e->spec, sizeof(e->spec), "%s", p));
		return;
	}
	const char *base = tap_pg_server();
	ASSERT_OK(xsnprintf(e->schema, sizeof(e->schema), "bh_t_%s", name));
	char sql[256];
	ASSERT_OK(xsnprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s",
			    e->schema, e->schema));
	tap_pg_exec(NULL, sql, false);
	ASSERT_OK(xsnprintf(e->spec, sizeof(e->spec), "%s%coptions=-csearch_path%%3D%s", base,
			    strchr(base, '?') ? '&' : '?', e->schema));
}

/*
 * Run sql directly on the store's database, behind the store's back; with ret, the first
 * column of the first row (malloc'd, NULL for no row or SQL NULL), rows joined by '\n'
 * when all is set.
 */
struct raw_out {
	char *text;
	bool all;
	size_t rows;
};

static int raw_append(struct raw_out *o, const char *v)
{
	if (!o->all && o->rows > 0)
		return 0;
	size_t old = o->text ? strlen(o->text) : 0, add = strlen(v);
	char *t = realloc(o->text, old + add + 2);
	if (!t)
		return -ENOMEM;
	if (old)
		t[old++] = '\n';
	memcpy(t + old, v, add + 1);
	o->text = t;
	o->rows++;
	return 0;
}

static int sqlite_row(void *u, int n, char **cols, char **names)
{
	struct raw_out *o = u;
	if (n < 1)
		return 0;
	/* Several columns: joined with '|'. */
	char line[4096] = "";
	size_t len = 0;
	for (int i = 0; i < n; i++) {
		int k = snprintf(line + len, sizeof(line) - len, "%s%s", i ? "|" : "",
				 cols[i] ? cols[i] : "NULL");
		if (k < 0 || (size_t)k >= sizeof(line) - len)
			return 1;
		len += (size_t)k;
	}
	return raw_append(o, line) < 0;
}

static char *env_raw_out(struct env *e, const char *sql, bool all)
{
	struct raw_out o = {.all = all};
	if (e->pg) {
		PGconn *c = PQconnectdb(e->spec);
		ASSERT_TRUE(PQstatus(c) == CONNECTION_OK);
		PQclear(PQexec(c, "SET client_min_messages = warning"));
		PGresult *res = PQexec(c, sql);
		ExecStatusType st = PQresultStatus(res);
		if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
			tap_fail(__FILE__, __LINE__, "%.60s…: %s", sql, PQerrorMessage(c));
		for (int i = 0; st == PGRES_TUPLES_OK && i < PQntuples(res); i++) {
			char line[4096] = "";
			size_t len = 0;
			for (int j = 0; j < PQnfields(res); j++) {
				int k = snprintf(
				    line + len, sizeof(line) - len, "%s%s", j ? "|" : "",
				    PQgetisnull(res, i, j) ? "NULL" : PQgetvalue(res, i, j));
				ASSERT_TRUE(k >= 0 && (size_t)k < sizeof(line) - len);
				len += (size_t)k;
			}
			ASSERT_OK(raw_append(&o, line));
		}
		PQclear(res);
		PQfinish(c);
		return o.text;
	}
	sqlite3 *db;
	ASSERT_EQ(sqlite3_open(e->spec, &db), SQLITE_OK);
	char *err = NULL;
	int rc = sqlite3_exec(db, sql, sqlite_row, &o, &err);
	if (rc != SQLITE_OK)
		tap_fail(__FILE__, __LINE__, "%.60s…: %s", sql, err ? err : "?");
	sqlite3_close(db);
	return o.text;
}

static void env_raw(struct env *e, const char *sql)
{
	free(env_raw_out(e, sql, false));
}

/* The first value of sql's first row (static buffer; "" for none). */
static const char *env_value(struct env *e, const char *sql)
{
	static char buf[4][256];
	static unsigned slot;
	char *b = buf[slot++ % 4];
	char *v = env_raw_out(e, sql, false);
	(void)snprintf(b, 256, "%s", v ? v : "");
	free(v);
	return b;
}

static struct store *env_open(struct env *e, unsigned flags)
{
	struct store *s = NULL;
	struct bh_diag d = {0};
	int r = store_open(e->spec, &e->limits, flags, &s, &d);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "store_open: %s: %s: %s", strerror(-r), d.source,
			 d.message);
	ASSERT_STREQ(store_backend(s), e->pg ? "postgres" : "sqlite");
	for (size_t i = 0; i < ARRAY_SIZE(live); i++)
		if (!live[i]) {
			live[i] = s;
			break;
		}
	return s;
}

#define BOTH(name)                                                                                 \
	static void body_##name(struct env *e);                                                    \
	TEST(name##_sqlite)                                                                        \
	{                                                                                          \
		struct env e;                                                                      \
		env_init(&e, false, #name ".db");                                                  \
		body_##name(&e);                                                                   \
	}                                                                                          \
	TEST(name##_pg)                                                                            \
	{                                                                                          \
		struct env e;                                                                      \
		env_init(&e, true, "bl_" #name);                                                   \
		body_##name(&e);                                                                   \
	}                                                                                          \
	static void body_##name(struct env *e)

/* ---- baselines ---------------------------------------------------------------------- */

/* Formatting, key order and non-ASCII text that a re-serialisation would change. */
static const char DOC_A[] = "{ \"schema\" : \"bulkhead.baseline/v1\",\n"
			    "  \"workload\": \"ns/Deployment/web\", \"exec\": [\"/bin/sh\"],"
			    " \"note\": \"caf\xc3\xa9 \\u00e9\", \"n\": 1.50 }\n";
static const char DOC_B[] = "{\"schema\":\"bulkhead.baseline/v1\",\"exec\":[]}";

static int64_t put(struct store *s, const char *w, int64_t t, const char *mode, const char *doc)
{
	int64_t v = -1;
	int r = store_baseline_put(s, w, t, mode, doc, &v);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "store_baseline_put(%s): %s: %s", w, strerror(-r),
			 store_errmsg(s));
	return v;
}

static void expect_baseline(struct store *s, const char *w, int64_t version, int64_t want_v,
			    int64_t want_t, const char *want_mode, const char *want_doc)
{
	struct store_baseline b = {0};
	int r = store_baseline_get(s, w, version, &b);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "store_baseline_get(%s, %lld): %s", w,
			 (long long)version, strerror(-r));
	ASSERT_STREQ(b.workload, w);
	ASSERT_EQ(b.version, want_v);
	ASSERT_EQ(b.time, want_t);
	ASSERT_STREQ(b.mode, want_mode);
	ASSERT_STREQ(b.doc, want_doc); /* byte for byte */
	char hash[BH_DIGEST_STR_LEN + 1];
	ASSERT_OK(bh_sha256_str(want_doc, strlen(want_doc), hash));
	ASSERT_STREQ(b.doc_hash, hash);
	store_baseline_done(&b);
}

BOTH(put_get)
{
	struct store *s = env_open(e, 0);
	const char *w = "prod/ns/Deployment/web";
	struct store_baseline b = {0};
	ASSERT_ERR(store_baseline_get(s, w, 0, &b), -ENOENT);
	ASSERT_EQ(put(s, w, 1000, "learn", DOC_A), 1);
	/* The same document again: deduped, nothing written (time and mode not stored). */
	ASSERT_EQ(put(s, w, 1100, "monitor", DOC_A), 1);
	expect_baseline(s, w, 0, 1, 1000, "learn", DOC_A);
	ASSERT_EQ(put(s, w, 2000, "monitor", DOC_B), 2);
	/* Dedupe compares with the latest version only: A again is version 3. */
	ASSERT_EQ(put(s, w, 3000, "protect", DOC_A), 3);
	ASSERT_EQ(put(s, w, 3100, "protect", DOC_A), 3);
	ASSERT_OK(store_baseline_put(s, w, 3200, "protect", DOC_A, NULL)); /* ret optional */
	expect_baseline(s, w, 0, 3, 3000, "protect", DOC_A);
	expect_baseline(s, w, 1, 1, 1000, "learn", DOC_A);
	expect_baseline(s, w, 2, 2, 2000, "monitor", DOC_B);
	expect_baseline(s, w, 3, 3, 3000, "protect", DOC_A);
	ASSERT_ERR(store_baseline_get(s, w, 4, &b), -ENOENT);
	ASSERT_ERR(store_baseline_get(s, "prod/ns/Deployment/we", 0, &b), -ENOENT);
	ASSERT_NULL(b.doc); /* untouched on failure */
	/* Workloads are independent. */
	ASSERT_EQ(put(s, "other", 5000, "learn", DOC_A), 1);
	expect_baseline(s, w, 0, 3, 3000, "protect", DOC_A);
	ASSERT_STREQ(env_value(e, "SELECT count(*) FROM bh_baselines"), "4");
	env_close(s);
	/* Persisted. */
	s = env_open(e, STORE_OPEN_EXISTING);
	expect_baseline(s, w, 2, 2, 2000, "monitor", DOC_B);
	env_close(s);
}

/* "workload@version" of each baseline, space-separated. */
struct listed {
	char text[8192];
	size_t n, stop_after;
	struct store *s; /* when set: the callback reads the store too */
};

static int collect_baseline(void *u, const struct store_baseline *b)
{
	struct listed *l = u;
	size_t len = strlen(l->text);
	(void)snprintf(l->text + len, sizeof(l->text) - len, "%s%s@%lld", len ? " " : "",
		       b->workload, (long long)b->version);
	ASSERT_NOT_NULL(b->doc);
	ASSERT_NOT_NULL(b->doc_hash);
	ASSERT_STREQ(b->mode, "learn");
	if (l->s) {
		struct store_baseline again = {0};
		ASSERT_OK(store_baseline_get(l->s, b->workload, b->version, &again));
		ASSERT_STREQ(again.doc, b->doc);
		store_baseline_done(&again);
	}
	l->n++;
	return l->stop_after && l->n == l->stop_after ? 9 : 0;
}

static const char *list_baselines(struct store *s, bool all)
{
	static struct listed l;
	l = (struct listed){.s = s};
	int r = store_baselines_foreach(s, all, collect_baseline, &l);
	if (r != 0)
		tap_fail(__FILE__, __LINE__, "baselines_foreach: %d %s", r, store_errmsg(s));
	return l.text;
}

static void doc_n(char *buf, size_t size, int i, int v)
{
	ASSERT_OK(
	    xsnprintf(buf, size, "{\"schema\":\"bulkhead.baseline/v1\",\"i\":%d,\"v\":%d}", i, v));
}

BOTH(foreach)
{
	struct store *s = env_open(e, 0);
	ASSERT_STREQ(list_baselines(s, false), "");
	/* Bytewise order: upper case before lower case, "a" before "a/b" before "ab". */
	const char *names[] = {"ab", "a/b", "Zeta", "a", "B"};
	char doc[128];
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		for (int v = 1; v <= (int)i + 1; v++) {
			doc_n(doc, sizeof(doc), (int)i, v);
			ASSERT_EQ(put(s, names[i], 100 + v, "learn", doc), v);
		}
	ASSERT_STREQ(list_baselines(s, false), "B@5 Zeta@3 a@4 a/b@2 ab@1");
	ASSERT_STREQ(list_baselines(s, true), "B@1 B@2 B@3 B@4 B@5 Zeta@1 Zeta@2 Zeta@3 "
					      "a@1 a@2 a@3 a@4 a/b@1 a/b@2 ab@1");
	struct listed l = {.stop_after = 2};
	ASSERT_ERR(store_baselines_foreach(s, true, collect_baseline, &l), 9);
	ASSERT_EQ(l.n, 2);

	/* More than a page (16 rows): 40 workloads, 3 versions each. */
	ASSERT_OK(store_batch_begin(s));
	for (int i = 0; i < 40; i++) {
		char w[32];
		ASSERT_OK(xsnprintf(w, sizeof(w), "page/%02d", i));
		for (int v = 1; v <= 3; v++) {
			doc_n(doc, sizeof(doc), i, v);
			ASSERT_EQ(put(s, w, 1000 + v, "learn", doc), v);
		}
	}
	ASSERT_OK(store_batch_commit(s));
	struct listed *got = &(struct listed){0};
	*got = (struct listed){0};
	ASSERT_OK(store_baselines_foreach(s, false, collect_baseline, got));
	ASSERT_EQ(got->n, 45);
	ASSERT_TRUE(strstr(got->text, "a/b@2 ab@1 page/00@3 page/01@3") != NULL);
	ASSERT_TRUE(strstr(got->text, "page/15@3 page/16@3 page/17@3") != NULL);
	ASSERT_TRUE(strstr(got->text, "page/38@3 page/39@3") != NULL);
	*got = (struct listed){.s = s};
	ASSERT_OK(store_baselines_foreach(s, true, collect_baseline, got));
	ASSERT_EQ(got->n, 15 + 120);
	ASSERT_TRUE(strstr(got->text, "page/05@2 page/05@3 page/06@1 page/06@2") != NULL);
	env_close(s);
}

/* ---- modes -------------------------------------------------------------------------- */

static int64_t mode_set(struct store *s, const char *w, const char *mode, int64_t t,
			const char *actor)
{
	int64_t seq = -1;
	int r = store_baseline_mode_set(s, w, mode, t, actor, &seq);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "store_baseline_mode_set(%s): %s: %s", w, strerror(-r),
			 store_errmsg(s));
	return seq;
}

/* "workload=mode#seq" of each change, space-separated, checking seq order. */
struct polled {
	char text[4096];
	size_t n;
	int64_t last_seq;
	int stop_at;
};

static int collect_mode(void *u, const struct store_baseline_mode *m)
{
	struct polled *p = u;
	ASSERT_TRUE(m->seq > p->last_seq);
	p->last_seq = m->seq;
	ASSERT_NOT_NULL(m->actor);
	ASSERT_TRUE(m->time > 0);
	if (p->n < 32) {
		size_t len = strlen(p->text);
		(void)snprintf(p->text + len, sizeof(p->text) - len, "%s%s=%s#%lld", len ? " " : "",
			       m->workload, m->mode, (long long)m->seq);
	}
	p->n++;
	return p->stop_at && (int)p->n == p->stop_at ? 5 : 0;
}

static const char *poll_modes(struct store *s, int64_t after)
{
	static struct polled p;
	p = (struct polled){.last_seq = after};
	int r = store_baseline_modes_foreach(s, after, collect_mode, &p);
	if (r != 0)
		tap_fail(__FILE__, __LINE__, "modes_foreach: %d %s", r, store_errmsg(s));
	return p.text;
}

BOTH(modes)
{
	struct store *s = env_open(e, 0);
	struct store_baseline_mode m = {0};
	ASSERT_ERR(store_baseline_mode_get(s, "w1", &m), -ENOENT);
	ASSERT_STREQ(poll_modes(s, 0), "");
	ASSERT_EQ(mode_set(s, "w1", "learn", 100, "alice"), 1);
	ASSERT_EQ(mode_set(s, "w2", "monitor", 200, ""), 2);
	ASSERT_EQ(mode_set(s, "w1", "protect", 300, "bob"), 3);
	ASSERT_OK(store_baseline_mode_get(s, "w1", &m));
	ASSERT_STREQ(m.workload, "w1");
	ASSERT_STREQ(m.mode, "protect");
	ASSERT_STREQ(m.actor, "bob");
	ASSERT_EQ(m.time, 300);
	ASSERT_EQ(m.seq, 3);
	store_baseline_mode_done(&m);
	ASSERT_OK(store_baseline_mode_get(s, "w2", &m));
	ASSERT_STREQ(m.actor, "");
	store_baseline_mode_done(&m);

	/* Polling: w1's first change is superseded by its last. */
	ASSERT_STREQ(poll_modes(s, 0), "w2=monitor#2 w1=protect#3");
	ASSERT_STREQ(poll_modes(s, 1), "w2=monitor#2 w1=protect#3");
	ASSERT_STREQ(poll_modes(s, 2), "w1=protect#3");
	ASSERT_STREQ(poll_modes(s, 3), "");
	ASSERT_STREQ(poll_modes(s, 1000), "");
	/* Setting the same mode again is a change too. */
	ASSERT_EQ(mode_set(s, "w2", "monitor", 400, "carol"), 4);
	ASSERT_STREQ(poll_modes(s, 3), "w2=monitor#4");
	ASSERT_OK(store_baseline_mode_set(s, "w3", "learn", 500, "x", NULL)); /* ret optional */
	ASSERT_STREQ(poll_modes(s, 4), "w3=learn#5");

	/* More than a page (256) of changes, in one batch. */
	ASSERT_OK(store_batch_begin(s));
	for (int i = 0; i < 300; i++) {
		char w[32];
		ASSERT_OK(xsnprintf(w, sizeof(w), "many/%03d", i));
		ASSERT_EQ(mode_set(s, w, i % 2 ? "monitor" : "learn", 1000 + i, "batch"), 6 + i);
	}
	ASSERT_OK(store_batch_commit(s));
	struct polled p = {0};
	ASSERT_OK(store_baseline_modes_foreach(s, 0, collect_mode, &p));
	ASSERT_EQ(p.n, 303);
	ASSERT_EQ(p.last_seq, 305);
	p = (struct polled){.last_seq = 100};
	ASSERT_OK(store_baseline_modes_foreach(s, 100, collect_mode, &p));
	ASSERT_EQ(p.n, 205);
	p = (struct polled){.stop_at = 260};
	ASSERT_ERR(store_baseline_modes_foreach(s, 0, collect_mode, &p), 5);
	ASSERT_EQ(p.n, 260);
	ASSERT_STREQ(env_value(e, "SELECT value FROM bh_meta WHERE key = 'baseline_mode_seq'"),
		     "305");
	env_close(s);
}

BOTH(batch)
{
	struct store *s = env_open(e, 0);
	ASSERT_EQ(mode_set(s, "w", "learn", 10, "a"), 1);
	/* Rolled back: neither the version, the mode nor the counter's step stay. */
	ASSERT_OK(store_batch_begin(s));
	ASSERT_EQ(put(s, "w", 20, "monitor", DOC_A), 1);
	ASSERT_EQ(mode_set(s, "w", "monitor", 20, "a"), 2);
	struct store_baseline b = {0};
	expect_baseline(s, "w", 0, 1, 20, "monitor", DOC_A); /* the batch sees its writes */
	store_batch_rollback(s);
	ASSERT_ERR(store_baseline_get(s, "w", 0, &b), -ENOENT);
	ASSERT_STREQ(poll_modes(s, 0), "w=learn#1");
	/* Committed: all of it. */
	ASSERT_OK(store_batch_begin(s));
	ASSERT_EQ(put(s, "w", 30, "monitor", DOC_A), 1);
	ASSERT_EQ(put(s, "w", 31, "monitor", DOC_A), 1); /* deduped inside the batch */
	ASSERT_EQ(put(s, "w", 32, "protect", DOC_B), 2);
	ASSERT_EQ(mode_set(s, "w", "protect", 32, "a"), 2);
	ASSERT_OK(store_batch_commit(s));
	expect_baseline(s, "w", 0, 2, 32, "protect", DOC_B);
	ASSERT_STREQ(poll_modes(s, 1), "w=protect#2");
	/* A failed batch: later writes are cancelled, nothing is kept. */
	ASSERT_OK(store_batch_begin(s));
	ASSERT_EQ(put(s, "w", 40, "protect", DOC_A), 3);
	struct store_audit_row row = {
	    .seq = 5, .time = 1, .kind = "k", .payload = "{}", .prev_hash = "p", .hash = "h"};
	ASSERT_ERR(store_audit_insert(s, &row), -EINVAL); /* a gap: fails the batch */
	ASSERT_ERR(store_baseline_mode_set(s, "w", "learn", 41, "a", NULL), -ECANCELED);
	ASSERT_ERR(store_baseline_put(s, "w", 41, "learn", DOC_B, NULL), -ECANCELED);
	ASSERT_ERR(store_batch_commit(s), -EINVAL);
	expect_baseline(s, "w", 0, 2, 32, "protect", DOC_B);
	ASSERT_STREQ(poll_modes(s, 0), "w=protect#2");
	env_close(s);
}

/* ---- invalid input, read-only stores ------------------------------------------------ */

static char *repeated(char c, size_t n)
{
	char *p = malloc(n + 1);
	ASSERT_NOT_NULL(p);
	memset(p, c, n);
	p[n] = '\0';
	return p;
}

BOTH(invalid)
{
	e->limits.input_max_bytes = 1024; /* the smallest allowed */
	e->limits.json_max_depth = 8;
	struct store *s = env_open(e, 0);
	int64_t v = 77, seq = 77;
	const char *w = "w";
	/* workload */
	ASSERT_ERR(store_baseline_put(s, NULL, 1, "learn", DOC_B, &v), -EINVAL);
	ASSERT_ERR(store_baseline_put(s, "", 1, "learn", DOC_B, &v), -EINVAL);
	ASSERT_TRUE(store_errmsg(s)[0] != '\0');
	char *big = repeated('w', 1025);
	ASSERT_ERR(store_baseline_put(s, big, 1, "learn", DOC_B, &v), -EINVAL);
	ASSERT_ERR(store_baseline_mode_set(s, big, "learn", 1, "a", &seq), -EINVAL);
	big[1024] = '\0'; /* exactly the limit is fine */
	ASSERT_EQ(put(s, big, 1, "learn", DOC_B), 1);
	/* mode */
	const char *bad_modes[] = {"", "Learn", "enforce", "learn ", "protect\n"};
	for (size_t i = 0; i < ARRAY_SIZE(bad_modes); i++) {
		ASSERT_ERR(store_baseline_put(s, w, 1, bad_modes[i], DOC_B, &v), -EINVAL);
		ASSERT_ERR(store_baseline_mode_set(s, w, bad_modes[i], 1, "a", &seq), -EINVAL);
	}
	ASSERT_ERR(store_baseline_put(s, w, 1, NULL, DOC_B, &v), -EINVAL);
	ASSERT_ERR(store_baseline_mode_set(s, w, NULL, 1, "a", &seq), -EINVAL);
	/* time */
	ASSERT_ERR(store_baseline_put(s, w, 0, "learn", DOC_B, &v), -EINVAL);
	ASSERT_ERR(store_baseline_put(s, w, -5, "learn", DOC_B, &v), -EINVAL);
	ASSERT_ERR(store_baseline_mode_set(s, w, "learn", 0, "a", &seq), -EINVAL);
	ASSERT_ERR(store_baseline_mode_set(s, w, "learn", INT64_MIN, "a", &seq), -EINVAL);
	/* doc: not JSON, not an object, trailing bytes, a duplicate key, too deep, too big */
	const char *bad_docs[] = {
	    "",
	    "{",
	    "[]",
	    "\"x\"",
	    "1",
	    "null",
	    "{} {}",
	    "{\"a\":1}x",
	    "{\"a\":1,\"a\":2}",
	    "{\"a\":[[[[[[[[[[1]]]]]]]]]]}",
	    "{'a':1}",
	    "{\"a\":\"\xff\"}",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad_docs); i++) {
		int r = store_baseline_put(s, w, 1, "learn", bad_docs[i], &v);
		if (r != -EINVAL)
			tap_fail(__FILE__, __LINE__, "doc %zu: %d", i, r);
	}
	ASSERT_ERR(store_baseline_put(s, w, 1, "learn", NULL, &v), -EINVAL);
	char *doc = repeated(' ', 1100);
	doc[0] = '{';
	doc[1099] = '}';
	ASSERT_ERR(store_baseline_put(s, w, 1, "learn", doc, &v), -EINVAL);
	ASSERT_TRUE(strstr(store_errmsg(s), "input-max-bytes") != NULL);
	doc[1024] = '\0';
	doc[1023] = '}';
	ASSERT_EQ(put(s, w, 1, "learn", doc), 1); /* 1024 bytes: fine */
	/* actor */
	ASSERT_ERR(store_baseline_mode_set(s, w, "learn", 1, NULL, &seq), -EINVAL);
	char *actor = repeated('a', 1025);
	ASSERT_ERR(store_baseline_mode_set(s, w, "learn", 1, actor, &seq), -EINVAL);
	/* get */
	struct store_baseline b = {0};
	struct store_baseline_mode m = {0};
	ASSERT_ERR(store_baseline_get(s, w, -1, &b), -EINVAL);
	ASSERT_ERR(store_baseline_get(s, "", 0, &b), -EINVAL);
	ASSERT_ERR(store_baseline_get(s, NULL, 0, &b), -EINVAL);
	ASSERT_ERR(store_baseline_mode_get(s, "", &m), -EINVAL);
	ASSERT_EQ(v, 77); /* ret written only on success */
	ASSERT_EQ(seq, 77);
	/* Nothing of the refused calls was written. */
	ASSERT_STREQ(env_value(e, "SELECT count(*) FROM bh_baselines"), "2");
	ASSERT_STREQ(poll_modes(s, 0), "");
	/* A failed validation does not consume a seq. */
	ASSERT_EQ(mode_set(s, w, "learn", 1, "a"), 1);
	free(big);
	free(doc);
	free(actor);
	env_close(s);
}

BOTH(readonly)
{
	struct store *s = env_open(e, 0);
	ASSERT_EQ(put(s, "w", 10, "learn", DOC_A), 1);
	ASSERT_EQ(mode_set(s, "w", "learn", 10, "a"), 1);
	env_close(s);
	s = env_open(e, STORE_OPEN_READONLY);
	int64_t v = 0;
	ASSERT_ERR(store_baseline_put(s, "w", 20, "monitor", DOC_B, &v), -EACCES);
	ASSERT_ERR(store_baseline_put(s, "w", 20, "monitor", DOC_A, &v), -EACCES); /* dedupe */
	ASSERT_ERR(store_baseline_put(s, "new", 20, "monitor", DOC_B, &v), -EACCES);
	ASSERT_ERR(store_baseline_mode_set(s, "w", "protect", 20, "a", &v), -EACCES);
	ASSERT_TRUE(strstr(store_errmsg(s), "read-only") != NULL);
	/* Reads work. */
	expect_baseline(s, "w", 0, 1, 10, "learn", DOC_A);
	ASSERT_STREQ(list_baselines(s, true), "w@1");
	ASSERT_STREQ(poll_modes(s, 0), "w=learn#1");
	env_close(s);
	/* Opened for writing again, the same store takes writes. */
	s = env_open(e, 0);
	ASSERT_EQ(mode_set(s, "w", "protect", 30, "a"), 2);
	env_close(s);
}

/* ---- concurrency -------------------------------------------------------------------- */

#define SETTERS	   2
#define PER_SETTER 60

/* One process: open the store, set modes and put versions of one shared workload. */
static int setter(const char *spec, int w, int fd)
{
	struct store *s = NULL;
	struct bh_diag d = {0};
	if (store_open(spec, NULL, 0, &s, &d) < 0) {
		fprintf(stderr, "setter %d: %s: %s\n", w, d.source, d.message);
		return 10;
	}
	for (int i = 0; i < PER_SETTER; i++) {
		char wl[32];
		(void)xsnprintf(wl, sizeof(wl), "w%d/%d", w, i % 7);
		int64_t seq = 0;
		int r = store_baseline_mode_set(s, wl, i % 3 ? "monitor" : "protect", 100 + i,
						"setter", &seq);
		if (r < 0) {
			fprintf(stderr, "setter %d: mode_set: %d %s\n", w, r, store_errmsg(s));
			return 11;
		}
		if (write(fd, &seq, sizeof(seq)) != (ssize_t)sizeof(seq))
			return 12;
		if (i % 3 == 0) {
			char doc[96];
			(void)xsnprintf(doc, sizeof(doc), "{\"setter\":%d,\"i\":%d}", w, i);
			int64_t v = 0;
			r = store_baseline_put(s, "shared", 100 + i, "learn", doc, &v);
			if (r < 0) {
				fprintf(stderr, "setter %d: put: %d %s\n", w, r, store_errmsg(s));
				return 13;
			}
			int64_t tagged = -v; /* versions travel negated */
			if (write(fd, &tagged, sizeof(tagged)) != (ssize_t)sizeof(tagged))
				return 12;
		}
	}
	store_close(s);
	return 0;
}

BOTH(concurrent_setters)
{
	/* The store exists (v2) before the setters start. */
	env_close(env_open(e, 0));
	int fds[SETTERS][2];
	pid_t pids[SETTERS];
	for (int w = 0; w < SETTERS; w++) {
		ASSERT_OK(pipe(fds[w]));
		pids[w] = fork();
		ASSERT_TRUE(pids[w] >= 0);
		if (pids[w] == 0) {
			close(fds[w][0]);
			_exit(setter(e->spec, w, fds[w][1]));
		}
		close(fds[w][1]);
	}
	bool seen_seq[SETTERS * PER_SETTER + 1] = {0};
	bool seen_version[SETTERS * PER_SETTER + 1] = {0};
	size_t n_seq = 0, n_version = 0;
	for (int w = 0; w < SETTERS; w++) {
		int64_t last_seq = 0, last_version = 0, x;
		ssize_t k;
		/* The pipe holds everything (< 64 KiB): read it all after the child ends. */
		int st;
		ASSERT_EQ(waitpid(pids[w], &st, 0), pids[w]);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			tap_fail(__FILE__, __LINE__, "setter %d: status 0x%x", w, st);
		while ((k = read(fds[w][0], &x, sizeof(x))) == (ssize_t)sizeof(x)) {
			if (x > 0) {
				/* Each process's seqs increase; all are unique. */
				ASSERT_TRUE(x > last_seq && x <= SETTERS * PER_SETTER);
				ASSERT_FALSE(seen_seq[x]);
				seen_seq[x] = true;
				last_seq = x;
				n_seq++;
			} else {
				x = -x;
				ASSERT_TRUE(x > last_version && x <= SETTERS * PER_SETTER);
				ASSERT_FALSE(seen_version[x]);
				seen_version[x] = true;
				last_version = x;
				n_version++;
			}
		}
		ASSERT_EQ(k, 0);
		close(fds[w][0]);
	}
	/* No gaps: 1 … N exactly. */
	ASSERT_EQ(n_seq, SETTERS * PER_SETTER);
	ASSERT_EQ(n_version, SETTERS * (PER_SETTER / 3));
	for (size_t i = 1; i <= n_version; i++)
		ASSERT_TRUE(seen_version[i]);
	struct store *s = env_open(e, STORE_OPEN_EXISTING);
	struct polled p = {0};
	ASSERT_OK(store_baseline_modes_foreach(s, 0, collect_mode, &p));
	ASSERT_EQ(p.n, SETTERS * 7);
	ASSERT_EQ(p.last_seq, SETTERS * PER_SETTER);
	struct store_baseline_mode m = {0};
	ASSERT_OK(store_baseline_mode_get(s, "w1/3", &m)); /* set last at i = 59 */
	ASSERT_STREQ(m.mode, "monitor");
	ASSERT_EQ(m.time, 159);
	store_baseline_mode_done(&m);
	struct listed *l = &(struct listed){0};
	ASSERT_OK(store_baselines_foreach(s, true, collect_baseline, l));
	ASSERT_EQ(l->n, n_version);
	env_close(s);
}

/* ---- schema versions and the migration ---------------------------------------------- */

/* Schema v1 exactly as released (git show <v1>:src/store/schema-v1.c). */
static const char v1_sqlite[] =
    "CREATE TABLE bh_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
    "CREATE TABLE bh_runs(id INTEGER PRIMARY KEY, kind TEXT NOT NULL, time INTEGER NOT NULL,"
    " target_type TEXT NOT NULL, target_name TEXT NOT NULL, cluster TEXT NOT NULL,"
    " target_digest TEXT, namespace TEXT, workload TEXT, tool TEXT, summary TEXT);\n"
    "CREATE INDEX bh_runs_scope ON bh_runs(kind, target_type, target_name, cluster, id);\n"
    "CREATE INDEX bh_runs_time ON bh_runs(time, id);\n"
    "CREATE TABLE bh_findings(sid INTEGER PRIMARY KEY, run_kind TEXT NOT NULL,"
    " target_type TEXT NOT NULL, target_name TEXT NOT NULL, cluster TEXT NOT NULL,"
    " id TEXT NOT NULL, kind TEXT NOT NULL, severity TEXT NOT NULL, rule_id TEXT NOT NULL,"
    " target_digest TEXT, namespace TEXT, workload TEXT, first_seen INTEGER NOT NULL,"
    " last_seen INTEGER NOT NULL, resolved_at INTEGER NOT NULL DEFAULT 0,"
    " last_run_id INTEGER NOT NULL REFERENCES bh_runs(id), finding TEXT NOT NULL,"
    " UNIQUE(run_kind, target_type, target_name, cluster, id));\n"
    "CREATE INDEX bh_findings_last_run ON bh_findings(last_run_id, resolved_at);\n"
    "CREATE INDEX bh_findings_order ON bh_findings(first_seen, id, sid);\n"
    "CREATE TABLE bh_run_findings(run_id INTEGER NOT NULL REFERENCES bh_runs(id),"
    " sid INTEGER NOT NULL REFERENCES bh_findings(sid), PRIMARY KEY(run_id, sid))"
    " WITHOUT ROWID;\n"
    "CREATE INDEX bh_run_findings_sid ON bh_run_findings(sid);\n"
    "CREATE TABLE bh_audit(seq INTEGER PRIMARY KEY CHECK(seq >= 1), time INTEGER NOT NULL,"
    " kind TEXT NOT NULL, target TEXT NOT NULL, actor TEXT NOT NULL, payload TEXT NOT NULL,"
    " prev_hash TEXT NOT NULL, hash TEXT NOT NULL);\n"
    "CREATE TABLE bh_checkpoints(seq INTEGER NOT NULL REFERENCES bh_audit(seq),"
    " key_id TEXT NOT NULL, time INTEGER NOT NULL, hash TEXT NOT NULL,"
    " signature TEXT NOT NULL, PRIMARY KEY(seq, key_id));\n"
    "INSERT INTO bh_meta(key, value) VALUES('application', 'bulkhead'),"
    " ('schema_version', '1');\n";

static const char v1_postgres[] =
    "CREATE TABLE bh_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
    "CREATE TABLE bh_runs(id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    " kind TEXT NOT NULL, time BIGINT NOT NULL,"
    " target_type TEXT NOT NULL, target_name TEXT NOT NULL, cluster TEXT NOT NULL,"
    " target_digest TEXT, namespace TEXT, workload TEXT, tool TEXT, summary TEXT);\n"
    "CREATE INDEX bh_runs_scope ON bh_runs(kind, target_type, target_name, cluster, id);\n"
    "CREATE INDEX bh_runs_time ON bh_runs(time, id);\n"
    "CREATE TABLE bh_findings(sid BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    " run_kind TEXT NOT NULL,"
    " target_type TEXT NOT NULL, target_name TEXT NOT NULL, cluster TEXT NOT NULL,"
    " id TEXT NOT NULL, kind TEXT NOT NULL, severity TEXT NOT NULL, rule_id TEXT NOT NULL,"
    " target_digest TEXT, namespace TEXT, workload TEXT, first_seen BIGINT NOT NULL,"
    " last_seen BIGINT NOT NULL, resolved_at BIGINT NOT NULL DEFAULT 0,"
    " last_run_id BIGINT NOT NULL REFERENCES bh_runs(id), finding TEXT NOT NULL,"
    " UNIQUE(run_kind, target_type, target_name, cluster, id));\n"
    "CREATE INDEX bh_findings_last_run ON bh_findings(last_run_id, resolved_at);\n"
    "CREATE INDEX bh_findings_order ON bh_findings(first_seen, id, sid);\n"
    "CREATE TABLE bh_run_findings(run_id BIGINT NOT NULL REFERENCES bh_runs(id),"
    " sid BIGINT NOT NULL REFERENCES bh_findings(sid), PRIMARY KEY(run_id, sid));\n"
    "CREATE INDEX bh_run_findings_sid ON bh_run_findings(sid);\n"
    "CREATE TABLE bh_audit(seq BIGINT PRIMARY KEY CHECK(seq >= 1), time BIGINT NOT NULL,"
    " kind TEXT NOT NULL, target TEXT NOT NULL, actor TEXT NOT NULL, payload TEXT NOT NULL,"
    " prev_hash TEXT NOT NULL, hash TEXT NOT NULL);\n"
    "CREATE TABLE bh_checkpoints(seq BIGINT NOT NULL REFERENCES bh_audit(seq),"
    " key_id TEXT NOT NULL, time BIGINT NOT NULL, hash TEXT NOT NULL,"
    " signature TEXT NOT NULL, PRIMARY KEY(seq, key_id));\n"
    "INSERT INTO bh_meta(key, value) VALUES('application', 'bulkhead'),"
    " ('schema_version', '1');\n";

/* A v1 store made by hand, with one run, its finding and one audit row. */
static void make_v1(struct env *e)
{
	env_raw(e, e->pg ? v1_postgres : v1_sqlite);
	env_raw(e, "INSERT INTO bh_runs(id, kind, time, target_type, target_name, cluster,"
		   " target_digest, tool, summary) VALUES(1, 'scan', 1000, 'image', 'img:1', '',"
		   " 'sha256:abc', 'bulkhead 0.1.0', '{\"total\":1}')");
	env_raw(
	    e, "INSERT INTO bh_findings(sid, run_kind, target_type, target_name, cluster, id,"
	       " kind, severity, rule_id, first_seen, last_seen, resolved_at, last_run_id,"
	       " finding) VALUES(1, 'scan', 'image', 'img:1', '', 'F1', 'vulnerability',"
	       " 'high', 'CVE-1', 1000, 1000, 0, 1, '{\"id\":\"F1\",\"kind\":\"vulnerability\"}')");
	env_raw(e, "INSERT INTO bh_run_findings(run_id, sid) VALUES(1, 1)");
	env_raw(e, "INSERT INTO bh_audit(seq, time, kind, target, actor, payload, prev_hash,"
		   " hash) VALUES(1, 1000000, 'run.recorded', 'img:1', 'bulkhead scan', '{}',"
		   " 'sha256:0', 'sha256:1')");
	if (e->pg) /* the rows above set the identity columns by hand */
		env_raw(e, "SELECT setval(pg_get_serial_sequence('bh_runs', 'id'), 1),"
			   " setval(pg_get_serial_sequence('bh_findings', 'sid'), 1)");
}

static const char *schema_version(struct env *e)
{
	return env_value(e, "SELECT value FROM bh_meta WHERE key = 'schema_version'");
}

static int count_run(void *u, const struct store_run_row *r)
{
	ASSERT_EQ(r->id, 1);
	ASSERT_STREQ(r->kind, "scan");
	ASSERT_STREQ(r->target_name, "img:1");
	ASSERT_STREQ(r->tool, "bulkhead 0.1.0");
	ASSERT_NOT_NULL(r->summary);
	(*(int *)u)++;
	return 0;
}

static int count_finding(void *u, const struct store_finding_state *f)
{
	ASSERT_STREQ(f->id, "F1");
	ASSERT_EQ(f->resolved_at, 0);
	(*(int *)u)++;
	return 0;
}

/* The schema as the database describes it (tables, columns, types, indexes, checks). */
static char *describe(struct env *e)
{
	if (!e->pg)
		return env_raw_out(e,
				   "SELECT type, name, tbl_name, sql FROM sqlite_master"
				   " WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
				   true);
	return env_raw_out(
	    e,
	    "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text,"
	    " collation_name::text, column_default::text, is_identity::text"
	    " FROM information_schema.columns WHERE table_schema = current_schema()"
	    " UNION ALL SELECT tablename::text, indexname::text,"
	    " replace(indexdef, current_schema() || '.', ''), '', '', '', ''"
	    " FROM pg_indexes WHERE schemaname = current_schema()"
	    " UNION ALL SELECT c.conrelid::regclass::text, c.conname::text,"
	    " pg_get_constraintdef(c.oid), '', '', '', '' FROM pg_constraint c"
	    " JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = current_schema()"
	    " ORDER BY 1, 2, 3",
	    true);
}

BOTH(migrate_v1)
{
	make_v1(e);
	ASSERT_STREQ(schema_version(e), "1");
	/* A read-only open does not migrate. */
	struct store *s = NULL;
	struct bh_diag d = {0};
	ASSERT_ERR(store_open(e->spec, NULL, STORE_OPEN_READONLY, &s, &d), -EPROTO);
	ASSERT_TRUE(strstr(d.message, "older") != NULL);
	ASSERT_STREQ(schema_version(e), "1");

	s = env_open(e, 0);
	ASSERT_STREQ(schema_version(e), "2");
	ASSERT_STREQ(env_value(e, "SELECT value FROM bh_meta WHERE key = 'baseline_mode_seq'"),
		     "0");
	/* The v1 data is kept and readable. */
	int n = 0;
	ASSERT_OK(store_runs_foreach(s, NULL, 0, count_run, &n));
	ASSERT_EQ(n, 1);
	n = 0;
	ASSERT_OK(store_findings_foreach(s, NULL, count_finding, &n));
	ASSERT_EQ(n, 1);
	struct store_audit_row tail = {0};
	ASSERT_OK(store_audit_tail(s, &tail));
	ASSERT_EQ(tail.seq, 1);
	ASSERT_STREQ(tail.hash, "sha256:1");
	store_audit_row_done(&tail);
	/* The old tables take writes as before, the new ones work. */
	struct store_run run = {
	    .kind = "scan", .time = 2000, .target = {.type = "image", .name = "img:1"}};
	json_t *none = json_array();
	struct store_record_result res = {0};
	ASSERT_OK(store_record_run(s, &run, none, &res, NULL));
	json_decref(none);
	ASSERT_EQ(res.run_id, 2);
	ASSERT_EQ(res.n_resolved, 1);
	store_record_result_done(&res);
	ASSERT_EQ(put(s, "w", 10, "learn", DOC_A), 1);
	ASSERT_EQ(mode_set(s, "w", "learn", 10, "a"), 1);
	env_close(s);
	/* Reopened: nothing more to do; read-only works now. */
	s = env_open(e, STORE_OPEN_READONLY);
	expect_baseline(s, "w", 0, 1, 10, "learn", DOC_A);
	env_close(s);

	/* A migrated store has exactly the schema of a new one. */
	char *migrated = describe(e);
	struct env fresh;
	env_init(&fresh, e->pg, e->pg ? "bl_migrate_fresh" : "migrate_fresh.db");
	env_close(env_open(&fresh, 0));
	char *created = describe(&fresh);
	ASSERT_NOT_NULL(migrated);
	ASSERT_TRUE(strstr(created, "bh_baseline_modes") != NULL);
	ASSERT_STREQ(migrated, created);
	if (e->pg)
		ASSERT_STREQ(env_value(e, "SELECT collation_name FROM information_schema.columns"
					  " WHERE table_schema = current_schema() AND table_name ="
					  " 'bh_baselines' AND column_name = 'workload'"),
			     "C");
	free(migrated);
	free(created);
}

BOTH(migrate_atomic)
{
	/* The v2 step cannot complete (a table of that name exists): nothing of it stays. */
	make_v1(e);
	env_raw(e, "CREATE TABLE bh_baseline_modes(x INTEGER)");
	struct store *s = NULL;
	struct bh_diag d = {0};
	int r = store_open(e->spec, NULL, 0, &s, &d);
	ASSERT_TRUE(r < 0);
	ASSERT_NULL(s);
	ASSERT_TRUE(d.message[0] != '\0');
	ASSERT_STREQ(schema_version(e), "1");
	ASSERT_STREQ(env_value(e, "SELECT count(*) FROM bh_meta"), "2");
	ASSERT_STREQ(env_value(e, e->pg ? "SELECT count(*) FROM pg_catalog.pg_tables WHERE"
					  " schemaname = current_schema() AND tablename ="
					  " 'bh_baselines'"
					: "SELECT count(*) FROM sqlite_master WHERE name ="
					  " 'bh_baselines'"),
		     "0");
	/* Once the obstacle is gone the migration runs, the data is kept. */
	env_raw(e, "DROP TABLE bh_baseline_modes");
	s = env_open(e, 0);
	ASSERT_STREQ(schema_version(e), "2");
	int n = 0;
	ASSERT_OK(store_runs_foreach(s, NULL, 0, count_run, &n));
	ASSERT_EQ(n, 1);
	ASSERT_EQ(mode_set(s, "w", "monitor", 5, "a"), 1);
	env_close(s);
}

BOTH(newer_v3)
{
	env_close(env_open(e, 0));
	ASSERT_STREQ(schema_version(e), "2");
	env_raw(e, "UPDATE bh_meta SET value = '3' WHERE key = 'schema_version'");
	struct store *s = NULL;
	struct bh_diag d = {0};
	ASSERT_ERR(store_open(e->spec, NULL, 0, &s, &d), -EPROTO);
	ASSERT_TRUE(strstr(d.message, "newer") != NULL);
	ASSERT_ERR(store_open(e->spec, NULL, STORE_OPEN_READONLY, &s, &d), -EPROTO);
	ASSERT_NULL(s);
	ASSERT_STREQ(schema_version(e), "3"); /* untouched */
}
