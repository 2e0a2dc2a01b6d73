/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-store.c — src/store/ against both backends: every BOTH(name) body runs once on a
 * fresh SQLite file (name_sqlite) and once on a fresh PostgreSQL schema (name_pg). The
 * PostgreSQL server is $BH_TEST_PG_URL when set, else one this program starts with
 * tests/lib/pg.sh in a temporary directory on first use and stops at exit; without
 * PostgreSQL (pg.sh exits 77) the _pg tests skip.
 */
#include <fcntl.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "common/json.h"
#include "store/store-int.h"
#include "pg.h"
#include "tap.h"

/* ---- the PostgreSQL server ---------------------------------------------------------- */


/* Run sql on the server (search_path = schema when given); fails the test on error. */
static void pg_admin(const char *schema, const char *sql)
{
	tap_pg_exec(schema, sql, false);
}

/* ---- one environment per test ------------------------------------------------------- */

struct env {
	bool pg;
	char spec[1024];
	char schema[64];
	struct bh_limits limits;
};

static void env_init(struct env *e, bool pg, const char *name)
{
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
	pg_admin(NULL, sql);
	ASSERT_OK(xsnprintf(e->spec, sizeof(e->spec), "%s%coptions=-csearch_path%%3D%s", base,
			    strchr(base, '?') ? '&' : '?', e->schema));
}

/* Run sql directly on the store's database, behind the store's back. */
static void env_raw(struct env *e, const char *sql)
{
	if (e->pg) {
		pg_admin(e->schema, sql);
		return;
	}
	sqlite3 *db;
	ASSERT_EQ(sqlite3_open(e->spec, &db), SQLITE_OK);
	char *err = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
	if (rc != SQLITE_OK)
		tap_fail(__FILE__, __LINE__, "%s: %s", sql, err ? err : "?");
	sqlite3_close(db);
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
		env_init(&e, true, #name);                                                         \
		body_##name(&e);                                                                   \
	}                                                                                          \
	static void body_##name(struct env *e)

/* ---- findings and runs -------------------------------------------------------------- */

static json_t *finding(const char *id, const char *kind, const char *sev)
{
	json_t *f = json_pack("{s:s, s:s, s:s, s:s, s:{s:s}, s:s}", "schema", "bulkhead.finding/v1",
			      "id", id, "kind", kind, "severity", sev, "rule", "id", "R-1",
			      "message", "café ünïcode");
	ASSERT_NOT_NULL(f);
	return f;
}

/* A JSON array of vulnerability findings with the given ids (NULL-terminated). */
static json_t *findings_of(const char *const *ids)
{
	json_t *a = json_array();
	for (size_t i = 0; ids[i]; i++)
		ASSERT_OK(json_array_append_new(a, finding(ids[i], "vulnerability", "high")));
	return a;
}

static void record(struct store *s, const char *kind, const char *target, int64_t t,
		   const char *const *ids, struct store_record_result *res)
{
	struct store_run run = {
	    .kind = kind,
	    .time = t,
	    .target = {.type = "image", .name = target, .digest = "sha256:abc"},
	    .tool = "bulkhead test",
	};
	_cleanup_json_ json_t *f = findings_of(ids);
	struct bh_diag d = {0};
	int r = store_record_run(s, &run, f, res, &d);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "store_record_run: %s: %s", strerror(-r), d.message);
}

/* "a,b" from an id list (sorted by the store for resolved, in input order for new). */
static const char *joined(char **v, size_t n)
{
	static char buf[4][256];
	static unsigned slot;
	char *b = buf[slot++ % 4];
	b[0] = '\0';
	size_t len = 0;
	for (size_t i = 0; i < n; i++) {
		int k = snprintf(b + len, 256 - len, "%s%s", i ? "," : "", v[i]);
		if (k > 0)
			len += (size_t)k;
	}
	return b;
}

BOTH(open_create)
{
	struct store *s = env_open(e, 0);
	ASSERT_NOT_NULL(store_name(s));
	store_close(s);
	/* Reopening an existing store needs no creation. */
	s = env_open(e, STORE_OPEN_EXISTING);
	store_close(s);
	s = env_open(e, STORE_OPEN_READONLY);
	struct store_audit_row tail;
	ASSERT_ERR(store_audit_tail(s, &tail), -ENOENT);
	struct store_audit_row row = {
	    .seq = 1, .time = 1, .kind = "k", .payload = "{}", .prev_hash = "p", .hash = "h"};
	ASSERT_ERR(store_audit_insert(s, &row), -EACCES);
	store_close(s);
}

BOTH(missing_existing)
{
	struct store *s = NULL;
	struct bh_diag d = {0};
	if (!e->pg) {
		ASSERT_ERR(store_open(e->spec, NULL, STORE_OPEN_EXISTING, &s, &d), -ENOENT);
		ASSERT_TRUE(access(e->spec, F_OK) < 0); /* not created */
	} else
		ASSERT_ERR(store_open(e->spec, NULL, STORE_OPEN_EXISTING, &s, &d), -ENOENT);
	ASSERT_NULL(s);
	ASSERT_TRUE(d.message[0] != '\0');
}

BOTH(newer_schema)
{
	store_close(env_open(e, 0));
	env_raw(e, "UPDATE bh_meta SET value = '3' WHERE key = 'schema_version'");
	struct store *s = NULL;
	struct bh_diag d = {0};
	ASSERT_ERR(store_open(e->spec, NULL, 0, &s, &d), -EPROTO);
	ASSERT_TRUE(strstr(d.message, "newer") != NULL);
	env_raw(e, "UPDATE bh_meta SET value = 'bulkhead-not' WHERE key = 'application'");
	ASSERT_ERR(store_open(e->spec, NULL, 0, &s, &d), -EBADMSG);
	ASSERT_TRUE(strstr(d.message, "not a bulkhead store") != NULL);
}

BOTH(record_runs)
{
	struct store *s = env_open(e, 0);
	struct store_record_result r1 = {0}, r2 = {0}, r3 = {0}, r4 = {0};
	record(s, "scan", "img:1", 1000, (const char *[]){"A", "B", "B", NULL}, &r1);
	ASSERT_STREQ(joined(r1.new_ids, r1.n_new), "A,B");
	ASSERT_EQ(r1.n_resolved, 0);
	ASSERT_TRUE(r1.run_id > 0);
	record(s, "scan", "img:1", 2000, (const char *[]){"B", "C", NULL}, &r2);
	ASSERT_STREQ(joined(r2.new_ids, r2.n_new), "C");
	ASSERT_STREQ(joined(r2.resolved_ids, r2.n_resolved), "A");
	ASSERT_TRUE(r2.run_id > r1.run_id);
	/* Another scope (other target, other kind) does not touch img:1's states. */
	record(s, "scan", "img:2", 2500, (const char *[]){"A", NULL}, &r4);
	ASSERT_STREQ(joined(r4.new_ids, r4.n_new), "A");
	ASSERT_EQ(r4.n_resolved, 0);
	store_record_result_done(&r4);
	record(s, "k8s-check", "img:1", 2600, (const char *[]){NULL}, &r4);
	ASSERT_EQ(r4.n_new + r4.n_resolved, 0);
	store_record_result_done(&r4);
	/* A reappears: new again, first_seen kept; B resolved. */
	record(s, "scan", "img:1", 3000, (const char *[]){"C", "A", NULL}, &r3);
	ASSERT_STREQ(joined(r3.new_ids, r3.n_new), "A");
	ASSERT_STREQ(joined(r3.resolved_ids, r3.n_resolved), "B");
	/* The same findings again: nothing new, nothing resolved. */
	record(s, "scan", "img:1", 4000, (const char *[]){"C", "A", NULL}, &r4);
	ASSERT_EQ(r4.n_new + r4.n_resolved, 0);
	store_record_result_done(&r4);
	store_record_result_done(&r1);
	store_record_result_done(&r2);
	store_record_result_done(&r3);
	store_close(s);
}

/* "id/target/first_seen/last_seen/resolved_at" of each state, space-separated. */
struct collected {
	char text[2048];
	size_t n, stop_after;
};

static int collect_finding(void *u, const struct store_finding_state *f)
{
	struct collected *c = u;
	size_t len = strlen(c->text);
	(void)snprintf(c->text + len, sizeof(c->text) - len, "%s%s/%s/%lld/%lld/%lld",
		       len ? " " : "", f->id, f->target_name ? f->target_name : "-",
		       (long long)f->first_seen, (long long)f->last_seen,
		       (long long)f->resolved_at);
	c->n++;
	ASSERT_NOT_NULL(f->finding);
	ASSERT_STREQ(bh_json_str(f->finding, "id"), f->id);
	const char *msg = bh_json_str(f->finding, "message");
	if (msg)
		ASSERT_STREQ(msg, "café ünïcode");
	ASSERT_NOT_NULL(f->run_kind);
	ASSERT_NULL(f->cluster);
	ASSERT_TRUE(f->last_run_id > 0);
	return c->stop_after && c->n == c->stop_after ? 42 : 0;
}

static const char *query(struct store *s, const struct store_finding_query *q)
{
	static struct collected c;
	c = (struct collected){0};
	int r = store_findings_foreach(s, q, collect_finding, &c);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "findings_foreach: %s: %s", strerror(-r),
			 store_errmsg(s));
	return c.text;
}

BOTH(finding_states)
{
	struct store *s = env_open(e, 0);
	record(s, "scan", "img:1", 1000, (const char *[]){"A", "B", NULL}, NULL);
	record(s, "scan", "img:1", 2000, (const char *[]){"B", "C", NULL}, NULL);
	record(s, "scan", "img:1", 3000, (const char *[]){"C", "A", NULL}, NULL);
	ASSERT_STREQ(query(s, NULL),
		     "A/img:1/1000/3000/0 B/img:1/1000/2000/3000 C/img:1/2000/3000/0");
	store_close(s);
}

BOTH(findings_foreach)
{
	struct store *s = env_open(e, 0);
	record(s, "scan", "img:1", 1000, (const char *[]){"B", "A", NULL}, NULL);
	record(s, "scan", "img:1", 2000, (const char *[]){"B", "C", NULL}, NULL);
	record(s, "scan", "img:2", 1500, (const char *[]){"A", NULL}, NULL);
	struct store_run run = {.kind = "k8s-check",
				.time = 2500,
				.target = {.type = "cluster", .name = "prod", .namespace = "ns"}};
	_cleanup_json_ json_t *fs = json_array();
	ASSERT_OK(json_array_append_new(fs, finding("M", "misconfiguration", "low")));
	ASSERT_OK(store_record_run(s, &run, fs, NULL, NULL));

	/* Everything, ordered by first_seen then id. */
	ASSERT_STREQ(query(s, NULL), "A/img:1/1000/1000/2000 B/img:1/1000/2000/0 "
				     "A/img:2/1500/1500/0 C/img:1/2000/2000/0 "
				     "M/prod/2500/2500/0");
	ASSERT_STREQ(query(s, &(struct store_finding_query){.open_only = true}),
		     "B/img:1/1000/2000/0 A/img:2/1500/1500/0 C/img:1/2000/2000/0 "
		     "M/prod/2500/2500/0");
	ASSERT_STREQ(query(s, &(struct store_finding_query){.run_kind = "k8s-check"}),
		     "M/prod/2500/2500/0");
	ASSERT_STREQ(query(s, &(struct store_finding_query){.kind = "misconfiguration"}),
		     "M/prod/2500/2500/0");
	ASSERT_STREQ(query(s, &(struct store_finding_query){.target = "img:2"}),
		     "A/img:2/1500/1500/0");
	ASSERT_STREQ(query(s, &(struct store_finding_query){.since = 2000, .run_kind = "scan"}),
		     "B/img:1/1000/2000/0 C/img:1/2000/2000/0");
	ASSERT_STREQ(query(s, &(struct store_finding_query){.run_kind = "nothing"}), "");
	/* The callback's non-zero return stops the walk and is returned. */
	struct collected c = {.stop_after = 2};
	ASSERT_ERR(store_findings_foreach(s, NULL, collect_finding, &c), 42);
	ASSERT_EQ(c.n, 2);
	store_close(s);
}

BOTH(bad_findings)
{
	struct store *s = env_open(e, 0);
	struct store_run run = {.kind = "scan", .time = 10, .target = {.name = "x"}};
	struct bh_diag d = {0};
	_cleanup_json_ json_t *no_rule =
	    json_pack("[{s:s, s:s, s:s}]", "id", "A", "kind", "k", "severity", "low");
	ASSERT_ERR(store_record_run(s, &run, no_rule, NULL, &d), -EINVAL);
	ASSERT_TRUE(strstr(d.message, "finding 0") != NULL);
	_cleanup_json_ json_t *obj = json_object();
	ASSERT_ERR(store_record_run(s, &run, obj, NULL, &d), -EINVAL);
	run.time = 0;
	_cleanup_json_ json_t *empty = json_array();
	ASSERT_ERR(store_record_run(s, &run, empty, NULL, &d), -EINVAL);
	ASSERT_STREQ(query(s, NULL), "");
	store_close(s);
}

struct runs_seen {
	size_t n;
	int64_t last_time, last_id;
	char kinds[256];
};

static int collect_run(void *u, const struct store_run_row *r)
{
	struct runs_seen *c = u;
	if (c->n > 0)
		ASSERT_TRUE(r->time < c->last_time ||
			    (r->time == c->last_time && r->id < c->last_id));
	c->last_time = r->time;
	c->last_id = r->id;
	if (c->n < 8) {
		size_t len = strlen(c->kinds);
		(void)snprintf(c->kinds + len, sizeof(c->kinds) - len, "%s%s@%lld", len ? " " : "",
			       r->kind, (long long)r->time);
	}
	c->n++;
	return 0;
}

static int check_summary(void *u, const struct store_run_row *r)
{
	ASSERT_STREQ(r->kind, "admission");
	ASSERT_STREQ(r->target_type, "workload");
	ASSERT_STREQ(r->target_name, "ns/Deployment/web");
	ASSERT_STREQ(r->cluster, "c1");
	ASSERT_STREQ(r->namespace, "ns");
	ASSERT_STREQ(r->workload, "Deployment/web");
	ASSERT_NULL(r->target_digest);
	ASSERT_STREQ(r->tool, "bulkhead 0.1.0");
	ASSERT_NOT_NULL(r->summary);
	uint64_t v = 0;
	ASSERT_OK(bh_json_u64(r->summary, "denied", &v));
	ASSERT_EQ(v, 3);
	(*(int *)u)++;
	return 0;
}

BOTH(runs_foreach)
{
	struct store *s = env_open(e, 0);
	/* More runs than one page (256), times not in id order. */
	for (int i = 0; i < 300; i++)
		record(s, i % 3 == 0 ? "runtime" : "scan", "img", 100000 + (i * 7919) % 1000,
		       (const char *[]){NULL}, NULL);
	struct runs_seen c = {0};
	ASSERT_OK(store_runs_foreach(s, NULL, 0, collect_run, &c));
	ASSERT_EQ(c.n, 300);
	c = (struct runs_seen){0};
	ASSERT_OK(store_runs_foreach(s, "runtime", 0, collect_run, &c));
	ASSERT_EQ(c.n, 100);
	c = (struct runs_seen){0};
	ASSERT_OK(store_runs_foreach(s, "scan", 100990, collect_run, &c));
	ASSERT_STREQ(c.kinds, "scan@100996 scan@100993");

	json_t *sum = json_pack("{s:i, s:i}", "allowed", 5, "denied", 3);
	struct store_run run = {
	    .kind = "admission",
	    .time = 200000,
	    .target = {.type = "workload",
		       .name = "ns/Deployment/web",
		       .cluster = "c1",
		       .namespace = "ns",
		       .workload = "Deployment/web"},
	    .tool = "bulkhead 0.1.0",
	    .summary = sum,
	};
	_cleanup_json_ json_t *none = json_array();
	ASSERT_OK(store_record_run(s, &run, none, NULL, NULL));
	json_decref(sum);
	int n = 0;
	ASSERT_OK(store_runs_foreach(s, "admission", 0, check_summary, &n));
	ASSERT_EQ(n, 1);
	store_close(s);
}

/* ---- audit rows and checkpoints ----------------------------------------------------- */

static int audit_append(struct store *s, int64_t seq, const char *payload)
{
	char prev[32], hash[32];
	(void)xsnprintf(prev, sizeof(prev), "sha256:%lld", (long long)seq - 1);
	(void)xsnprintf(hash, sizeof(hash), "sha256:%lld", (long long)seq);
	struct store_audit_row row = {.seq = seq,
				      .time = seq * 1000000,
				      .kind = "finding.new",
				      .target = "img",
				      .actor = "bulkhead scan",
				      .payload = (char *)payload,
				      .prev_hash = prev,
				      .hash = hash};
	return store_audit_insert(s, &row);
}

struct audit_seen {
	int64_t next, stop_at;
	size_t n;
};

static int check_audit(void *u, const struct store_audit_row *r)
{
	struct audit_seen *c = u;
	ASSERT_EQ(r->seq, c->next);
	ASSERT_EQ(r->time, r->seq * 1000000);
	ASSERT_STREQ(r->kind, "finding.new");
	ASSERT_STREQ(r->actor, "bulkhead scan");
	char hash[32];
	(void)xsnprintf(hash, sizeof(hash), "sha256:%lld", (long long)r->seq);
	ASSERT_STREQ(r->hash, hash);
	c->next++;
	c->n++;
	return r->seq == c->stop_at ? 7 : 0;
}

BOTH(audit)
{
	struct store *s = env_open(e, 0);
	struct store_audit_row tail = {0};
	ASSERT_ERR(store_audit_tail(s, &tail), -ENOENT);
	const char payload[] = "{\"a\":1,\"b\":\"é\\u0000\"}";
	for (int64_t i = 1; i <= 300; i++)
		ASSERT_OK(audit_append(s, i, payload));
	ASSERT_OK(store_audit_tail(s, &tail));
	ASSERT_EQ(tail.seq, 300);
	ASSERT_STREQ(tail.payload, payload); /* byte for byte */
	ASSERT_STREQ(tail.prev_hash, "sha256:299");
	ASSERT_STREQ(tail.target, "img");
	store_audit_row_done(&tail);

	/* A taken seq is -EEXIST (a concurrent writer won), a gap is the caller's bug. */
	ASSERT_ERR(audit_append(s, 300, payload), -EEXIST);
	ASSERT_ERR(audit_append(s, 1, payload), -EEXIST);
	ASSERT_ERR(audit_append(s, 302, payload), -EINVAL);
	ASSERT_ERR(audit_append(s, 0, payload), -EINVAL);

	struct audit_seen c = {.next = 1};
	ASSERT_OK(store_audit_foreach(s, 1, check_audit, &c));
	ASSERT_EQ(c.n, 300);
	c = (struct audit_seen){.next = 250};
	ASSERT_OK(store_audit_foreach(s, 250, check_audit, &c));
	ASSERT_EQ(c.n, 51);
	c = (struct audit_seen){.next = 10, .stop_at = 270};
	ASSERT_ERR(store_audit_foreach(s, 10, check_audit, &c), 7);
	ASSERT_EQ(c.n, 261);
	c = (struct audit_seen){.next = 301};
	ASSERT_OK(store_audit_foreach(s, 301, check_audit, &c));
	ASSERT_EQ(c.n, 0);
	store_close(s);
}

struct cps {
	char text[512];
};

static int collect_cp(void *u, const struct store_checkpoint *c)
{
	struct cps *l = u;
	size_t len = strlen(l->text);
	(void)snprintf(l->text + len, sizeof(l->text) - len, "%s%lld:%s:%s:%s:%lld", len ? " " : "",
		       (long long)c->seq, c->key_id, c->hash, c->signature, (long long)c->time);
	return 0;
}

BOTH(checkpoints)
{
	struct store *s = env_open(e, 0);
	for (int64_t i = 1; i <= 5; i++)
		ASSERT_OK(audit_append(s, i, "{}"));
	struct store_checkpoint c = {
	    .seq = 4, .time = 44, .hash = "sha256:4", .key_id = "k1", .signature = "c2ln"};
	ASSERT_OK(store_checkpoint_insert(s, &c));
	c.key_id = "k0";
	ASSERT_OK(store_checkpoint_insert(s, &c));
	c = (struct store_checkpoint){
	    .seq = 2, .time = 22, .hash = "sha256:2", .key_id = "k1", .signature = "c2ln"};
	ASSERT_OK(store_checkpoint_insert(s, &c));
	ASSERT_ERR(store_checkpoint_insert(s, &c), -EEXIST);
	c.seq = 9; /* no such audit row */
	ASSERT_ERR(store_checkpoint_insert(s, &c), -EINVAL);
	struct cps l = {0};
	ASSERT_OK(store_checkpoint_foreach(s, collect_cp, &l));
	ASSERT_STREQ(l.text, "2:k1:sha256:2:c2ln:22 4:k0:sha256:4:c2ln:44 4:k1:sha256:4:c2ln:44");
	store_close(s);
}

/* ---- concurrency -------------------------------------------------------------------- */

#define WRITERS	   3
#define PER_WRITER 40

/* One writer process: open (maybe creating the store), append with retry, record runs. */
static int writer(const char *spec, int w)
{
	struct store *s = NULL;
	struct bh_diag d = {0};
	if (store_open(spec, NULL, 0, &s, &d) < 0) {
		fprintf(stderr, "writer %d: %s: %s\n", w, d.source, d.message);
		return 10;
	}
	for (int i = 0; i < PER_WRITER; i++) {
		char payload[64];
		(void)xsnprintf(payload, sizeof(payload), "{\"w\":%d,\"i\":%d}", w, i);
		for (int attempt = 0;; attempt++) {
			struct store_audit_row tail = {0};
			int64_t seq = 1;
			int r = store_audit_tail(s, &tail);
			if (r == 0)
				seq = tail.seq + 1;
			store_audit_row_done(&tail);
			if (r < 0 && r != -ENOENT)
				return 11;
			r = audit_append(s, seq, payload);
			if (r == 0)
				break;
			if ((r != -EEXIST && r != -EBUSY) || attempt > 1000) {
				fprintf(stderr, "writer %d: %d %s\n", w, r, store_errmsg(s));
				return 12;
			}
		}
		if (i % 8 == 0) {
			struct store_record_result res = {0};
			struct store_run run = {
			    .kind = "scan", .time = 1000 + i, .target = {.name = "shared"}};
			json_t *f = json_pack("[{s:s, s:s, s:s, s:{s:s}}]", "id", "X", "kind", "k",
					      "severity", "low", "rule", "id", "R");
			int r = store_record_run(s, &run, f, &res, NULL);
			json_decref(f);
			store_record_result_done(&res);
			if (r < 0) {
				fprintf(stderr, "writer %d: %d %s\n", w, r, store_errmsg(s));
				return 13;
			}
		}
	}
	store_close(s);
	return 0;
}

struct seen_rows {
	bool got[WRITERS][PER_WRITER];
	size_t n;
	int64_t next;
};

static int check_row(void *u, const struct store_audit_row *r)
{
	struct seen_rows *c = u;
	ASSERT_EQ(r->seq, c->next);
	c->next++;
	int w = -1, i = -1;
	ASSERT_EQ(sscanf(r->payload, "{\"w\":%d,\"i\":%d}", &w, &i), 2);
	ASSERT_TRUE(w >= 0 && w < WRITERS && i >= 0 && i < PER_WRITER);
	ASSERT_FALSE(c->got[w][i]); /* no duplicate */
	c->got[w][i] = true;
	c->n++;
	return 0;
}

BOTH(concurrent_writers)
{
	/* The store does not exist yet: the writers also race to create the schema. */
	pid_t pids[WRITERS];
	for (int w = 0; w < WRITERS; w++) {
		pids[w] = fork();
		ASSERT_TRUE(pids[w] >= 0);
		if (pids[w] == 0)
			_exit(writer(e->spec, w));
	}
	for (int w = 0; w < WRITERS; w++) {
		int st;
		ASSERT_EQ(waitpid(pids[w], &st, 0), pids[w]);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			tap_fail(__FILE__, __LINE__, "writer %d: status 0x%x", w, st);
	}
	struct store *s = env_open(e, STORE_OPEN_EXISTING);
	struct seen_rows c = {.next = 1};
	ASSERT_OK(store_audit_foreach(s, 1, check_row, &c));
	ASSERT_EQ(c.n, WRITERS * PER_WRITER); /* nothing lost */
	ASSERT_STREQ(query(s, NULL), "X/shared/1000/1032/0");
	struct runs_seen r = {0};
	ASSERT_OK(store_runs_foreach(s, "scan", 0, collect_run, &r));
	ASSERT_EQ(r.n, WRITERS * 5);
	store_close(s);
}

/* ---- SQLite faults ------------------------------------------------------------------ */

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void expect_bad(const char *path, const char *what)
{
	struct store *s = NULL;
	struct bh_diag d = {0};
	int r = store_open(path, NULL, 0, &s, &d);
	if (r == 0) {
		/* Damage past the pages open() reads shows up on the first read. */
		struct store_audit_row tail = {0};
		r = store_audit_tail(s, &tail);
		if (r >= 0)
			r = store_findings_foreach(s, NULL, collect_finding,
						   &(struct collected){0});
		ASSERT_TRUE(strstr(store_errmsg(s), what) != NULL);
		store_audit_row_done(&tail);
		store_close(s);
	} else {
		ASSERT_STREQ(d.source, path);
		if (!strstr(d.message, what))
			tap_fail(__FILE__, __LINE__, "diag '%s' lacks '%s'", d.message, what);
	}
	ASSERT_ERR(r, -EBADMSG);
}

TEST(sqlite_not_a_store)
{
	const char *p = tap_tmp_path("random.db");
	char junk[8192];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (char)(i * 131 + 7);
	write_file(p, junk, sizeof(junk));
	expect_bad(p, "not a bulkhead store");
	struct stat st;
	ASSERT_OK(stat(p, &st));
	ASSERT_EQ(st.st_size, (off_t)sizeof(junk)); /* untouched */

	/* A SQLite database of some other program. */
	const char *o = tap_tmp_path("other.db");
	sqlite3 *db;
	ASSERT_EQ(sqlite3_open(o, &db), SQLITE_OK);
	ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	expect_bad(o, "not a bulkhead store");
}

/* A store with some content, closed (checkpointed into the main file). */
static const char *make_full_store(const char *name)
{
	struct env e;
	env_init(&e, false, name);
	struct store *s = env_open(&e, 0);
	for (int64_t i = 1; i <= 200; i++)
		ASSERT_OK(audit_append(s, i,
				       "{\"padding\":\"...................................."
				       "...........................................\"}"));
	record(s, "scan", "img", 10, (const char *[]){"A", "B", "C", NULL}, NULL);
	store_close(s);
	return tap_tmp_path(name);
}

TEST(sqlite_truncated)
{
	const char *p = make_full_store("trunc.db");
	struct stat st;
	ASSERT_OK(stat(p, &st));
	ASSERT_TRUE(st.st_size > 8 * 4096);
	/* Cut in the middle of page 2 (the schema's tables live in the first pages). */
	ASSERT_OK(truncate(p, 4096 + 100));
	expect_bad(p, "malformed");

	p = make_full_store("trunc2.db");
	ASSERT_OK(stat(p, &st));
	ASSERT_OK(truncate(p, st.st_size / 2));
	expect_bad(p, "malformed");
}

TEST(sqlite_corrupt_pages)
{
	const char *p = make_full_store("corrupt.db");
	int fd = open(p, O_WRONLY | O_CLOEXEC);
	ASSERT_TRUE(fd >= 0);
	char junk[4096];
	memset(junk, 0x5a, sizeof(junk));
	for (off_t off = 4096; off < 4 * 4096; off += 4096)
		ASSERT_EQ(pwrite(fd, junk, sizeof(junk), off), (ssize_t)sizeof(junk));
	close(fd);
	expect_bad(p, "malformed");
}

static int count_runs(void *u, const struct store_run_row *r)
{
	(*(int *)u)++;
	return 0;
}

TEST(sqlite_disk_full)
{
	struct env e;
	env_init(&e, false, "full.db");
	struct store *s = env_open(&e, 0);
	ASSERT_OK(audit_append(s, 1, "{}"));
	record(s, "scan", "img", 10, (const char *[]){"A", NULL}, NULL);
	ASSERT_OK(store_sqlite_set_max_pages(s, 4));

	/* A run with many large findings does not fit: nothing of it is written. */
	_cleanup_json_ json_t *fs = json_array();
	char big[2048];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (int i = 0; i < 100; i++) {
		char id[16];
		(void)xsnprintf(id, sizeof(id), "F%03d", i);
		json_t *f = finding(id, "secret", "high");
		ASSERT_OK(json_object_set_new(f, "evidence", json_string(big)));
		ASSERT_OK(json_array_append_new(fs, f));
	}
	struct store_run run = {.kind = "scan", .time = 20, .target = {.name = "img"}};
	struct bh_diag d = {0};
	struct store_record_result res = {0};
	ASSERT_ERR(store_record_run(s, &run, fs, &res, &d), -ENOSPC);
	ASSERT_TRUE(strstr(d.message, "full") != NULL);
	ASSERT_EQ(res.n_new, 0);
	int n = 0;
	ASSERT_OK(store_runs_foreach(s, NULL, 0, count_runs, &n));
	ASSERT_EQ(n, 1);
	ASSERT_STREQ(query(s, NULL), "A/img/10/10/0"); /* A not resolved by the lost run */

	/* An audit row too large for the space left: the log stays at seq 1. */
	char *payload = malloc(64 * 1024);
	ASSERT_NOT_NULL(payload);
	memset(payload, 'p', 64 * 1024 - 1);
	payload[64 * 1024 - 1] = '\0';
	int r = audit_append(s, 2, payload);
	free(payload);
	ASSERT_ERR(r, -ENOSPC);
	struct store_audit_row tail = {0};
	ASSERT_OK(store_audit_tail(s, &tail));
	ASSERT_EQ(tail.seq, 1);
	store_audit_row_done(&tail);
	/* A small row still fits, and the store is intact afterwards. */
	ASSERT_OK(audit_append(s, 2, "{}"));
	store_close(s);
	s = env_open(&e, STORE_OPEN_EXISTING);
	ASSERT_OK(store_audit_tail(s, &tail));
	ASSERT_EQ(tail.seq, 2);
	store_audit_row_done(&tail);
	store_close(s);
	env_raw(&e, "PRAGMA integrity_check");
}

TEST(sqlite_default_path)
{
	const char *home = tap_tmp_path("home/a/b");
	ASSERT_OK(setenv("BULKHEAD_HOME", home, 1));
	ASSERT_OK(unsetenv("BULKHEAD_STORE"));
	char *spec = NULL;
	ASSERT_OK(store_default_spec(&spec));
	char want[600];
	ASSERT_OK(xsnprintf(want, sizeof(want), "%s/store.db", home));
	ASSERT_STREQ(spec, want);
	free(spec);
	struct store *s = NULL;
	ASSERT_OK(store_open(NULL, NULL, 0, &s, NULL));
	ASSERT_STREQ(store_name(s), want);
	store_close(s);
	struct stat st;
	ASSERT_OK(stat(want, &st));
	ASSERT_EQ(st.st_mode & 0777, 0600);
	ASSERT_OK(stat(home, &st));
	ASSERT_EQ(st.st_mode & 0777, 0700);
	ASSERT_OK(stat(tap_tmp_path("home/a"), &st));
	ASSERT_EQ(st.st_mode & 0777, 0700);

	ASSERT_OK(setenv("BULKHEAD_STORE", "postgres://u@h/db", 1));
	ASSERT_OK(store_default_spec(&spec));
	ASSERT_STREQ(spec, "postgres://u@h/db");
	free(spec);
	ASSERT_OK(unsetenv("BULKHEAD_STORE"));
	ASSERT_OK(unsetenv("BULKHEAD_HOME"));

	/* "sqlite:PATH" names a file too. */
	char sp[600];
	ASSERT_OK(xsnprintf(sp, sizeof(sp), "sqlite:%s", tap_tmp_path("prefixed.db")));
	ASSERT_OK(store_open(sp, NULL, 0, &s, NULL));
	ASSERT_STREQ(store_name(s), tap_tmp_path("prefixed.db"));
	store_close(s);
	ASSERT_OK(stat(tap_tmp_path("prefixed.db"), &st));
	ASSERT_EQ(st.st_mode & 0777, 0600);
}

/* ---- PostgreSQL faults -------------------------------------------------------------- */

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

TEST(pg_unreachable)
{
	/* Port 1 on loopback: nobody listens there, the kernel refuses at once. */
	int64_t t0 = now_ms();
	struct store *s = NULL;
	struct bh_diag d = {0};
	int r = store_open("postgres://bob:s3cret@127.0.0.1:1/db", NULL, 0, &s, &d);
	ASSERT_ERR(r, -ECONNREFUSED);
	ASSERT_NULL(s);
	ASSERT_TRUE(now_ms() - t0 < 3000);
	ASSERT_TRUE(strstr(d.source, "127.0.0.1:1") != NULL);
	ASSERT_TRUE(strstr(d.message, "127.0.0.1") != NULL);
	ASSERT_TRUE(strstr(d.source, "s3cret") == NULL && strstr(d.message, "s3cret") == NULL);
	ASSERT_TRUE(strchr(d.message, '\n') == NULL);
	ASSERT_STREQ(d.source, "postgres://bob@127.0.0.1:1/db");

	/* A bad URI never echoes its password either. */
	r = store_open("postgresql://bob:s3cret@127.0.0.1:1/db?nonsense=1", NULL, 0, &s, &d);
	ASSERT_ERR(r, -EINVAL);
	ASSERT_TRUE(strstr(d.source, "s3cret") == NULL && strstr(d.message, "s3cret") == NULL);

	/*
	 * connect_timeout from the URI bounds an unanswered connect (TEST-NET-1 is never
	 * routed: dropped, unreachable, or refused by a sandbox's network).
	 */
	t0 = now_ms();
	r = store_open("postgres://bob@192.0.2.1:5432/db?connect_timeout=1", NULL, 0, &s, &d);
	if (r != -ETIMEDOUT && r != -EHOSTUNREACH && r != -ECONNREFUSED)
		tap_fail(__FILE__, __LINE__, "192.0.2.1: %d %s", r, d.message);
	ASSERT_TRUE(now_ms() - t0 < 4000);
	ASSERT_TRUE(strstr(d.message, "192.0.2.1") != NULL || strstr(d.source, "192.0.2.1"));
}

TEST(pg_reconnect)
{
	struct env e;
	env_init(&e, true, "reconnect");
	if (!tap_pg_owned())
		TEST_SKIP("external server (BH_TEST_PG_URL): not restarting it");
	struct store *s = env_open(&e, 0);
	ASSERT_OK(audit_append(s, 1, "{}"));
	ASSERT_EQ(tap_pg_sh("stop", NULL, 0), 0);
	int r = audit_append(s, 2, "{}");
	ASSERT_TRUE(r == -ECONNRESET || r == -ECONNREFUSED);
	ASSERT_TRUE(store_errmsg(s)[0] != '\0');
	r = audit_append(s, 2, "{}"); /* reconnect attempt while down: refused */
	ASSERT_TRUE(r == -ECONNREFUSED || r == -ECONNRESET);
	char uri[512];
	ASSERT_EQ(tap_pg_sh("start", uri, sizeof(uri)), 0);
	ASSERT_STREQ(uri, tap_pg_server());
	r = audit_append(s, 2, "{}");
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "after restart: %s: %s", strerror(-r),
			 store_errmsg(s));
	struct store_audit_row tail = {0};
	ASSERT_OK(store_audit_tail(s, &tail));
	ASSERT_EQ(tail.seq, 2);
	store_audit_row_done(&tail);
	store_close(s);
}

TEST(pg_name_hides_password)
{
	struct env e;
	env_init(&e, true, "name");
	/* The trust server ignores the password; the name must not show it. */
	char spec[1200];
	const char *at = strstr(e.spec, "postgres@");
	if (!at || strncmp(e.spec, "postgres://postgres@", 20) != 0)
		TEST_SKIP("external server URI of another form");
	ASSERT_OK(xsnprintf(spec, sizeof(spec), "postgresql://postgres:hunter2@%s", at + 9));
	struct store *s = NULL;
	ASSERT_OK(store_open(spec, NULL, 0, &s, NULL));
	ASSERT_TRUE(strstr(store_name(s), "hunter2") == NULL);
	ASSERT_TRUE(strncmp(store_name(s), "postgres://postgres@127.0.0.1:", 30) == 0);
	store_close(s);
}

BOTH(partial_schema)
{
	/* bh_ tables without bh_meta: not ours (or a damaged store); never "complete" it. */
	env_raw(e, "CREATE TABLE bh_runs(x INTEGER)");
	struct store *s = NULL;
	struct bh_diag d = {0};
	ASSERT_ERR(store_open(e->spec, NULL, 0, &s, &d), -EBADMSG);
	ASSERT_TRUE(strstr(d.message, "not a bulkhead store") != NULL);
	ASSERT_NULL(s);
}
