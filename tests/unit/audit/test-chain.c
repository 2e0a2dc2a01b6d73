/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-chain.c — the audit log end to end on real stores: append and verify, every kind of
 * tampering done behind the API with SQL (as someone with write access to the database
 * would: modify, delete, insert, swap, truncate, forge or cut checkpoints, replace the
 * log), the limits of what verify can see (documented in docs/audit-log.md), concurrent
 * writers in two processes, a full file system in the middle of an append, and the
 * on-demand checkpoint. Every BOTH(name) body runs on a fresh SQLite file (name_sqlite)
 * and on a fresh PostgreSQL schema (name_pg; $BH_TEST_PG_URL or a server started with
 * tests/lib/pg.sh, skipped when there is none).
 */
#include <libpq-fe.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "audit/audit.h"
#include "pg.h"
#include "tap.h"

/* ---- the PostgreSQL server ------------------------------------------------------------ */


static void pg_exec(const char *schema, const char *sql)
{
	/* an attacker with the database's admin rights: foreign keys do not stop them */
	tap_pg_exec(schema, sql, true);
}

/* ---- one environment per test ---------------------------------------------------------- */

struct env {
	bool pg;
	char spec[1024];
	char schema[64];
	char key_path[512];
	char head_path[520];
	struct bh_limits limits;
	struct store *s;
	struct audit_key *key;
};

static void env_init(struct env *e, bool pg, const char *name)
{
	*e = (struct env){.pg = pg};
	bh_limits_default(&e->limits);
	char rel[128];
	ASSERT_OK(xsnprintf(rel, sizeof(rel), "%s-%s/audit-key.pem", name, pg ? "pg" : "sqlite"));
	ASSERT_OK(xsnprintf(e->key_path, sizeof(e->key_path), "%s", tap_tmp_path(rel)));
	ASSERT_OK(xsnprintf(e->head_path, sizeof(e->head_path), "%s.head", e->key_path));
	ASSERT_OK(audit_key_load_private(e->key_path, true, &e->key, NULL, NULL));
	if (!pg) {
		ASSERT_OK(xsnprintf(rel, sizeof(rel), "%s.db", name));
		const char *p = tap_tmp_path(rel);
		(void)unlink(p);
		ASSERT_OK(xsnprintf(e->spec, sizeof(e->spec), "%s", p));
	} else {
		const char *base = tap_pg_server();
		ASSERT_OK(xsnprintf(e->schema, sizeof(e->schema), "bh_a_%s", name));
		char sql[256];
		ASSERT_OK(xsnprintf(sql, sizeof(sql),
				    "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s", e->schema,
				    e->schema));
		pg_exec(NULL, sql);
		ASSERT_OK(xsnprintf(e->spec, sizeof(e->spec), "%s%coptions=-csearch_path%%3D%s",
				    base, strchr(base, '?') ? '&' : '?', e->schema));
	}
	struct bh_diag d = {0};
	int r = store_open(e->spec, &e->limits, 0, &e->s, &d);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "store_open: %s: %s", strerror(-r), d.message);
}

static void env_done(struct env *e)
{
	store_close(e->s);
	audit_key_free(e->key);
	e->s = NULL;
	e->key = NULL;
}

/* SQL behind the store's back; the store is reopened afterwards. */
static void env_raw(struct env *e, const char *sql)
{
	store_close(e->s);
	e->s = NULL;
	if (e->pg)
		pg_exec(e->schema, sql);
	else {
		sqlite3 *db;
		ASSERT_EQ(sqlite3_open(e->spec, &db), SQLITE_OK);
		char *err = NULL;
		int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
		if (rc != SQLITE_OK)
			tap_fail(__FILE__, __LINE__, "%s: %s", sql, err ? err : "?");
		sqlite3_close(db);
	}
	ASSERT_OK(store_open(e->spec, &e->limits, 0, &e->s, NULL));
}

#define BOTH(name)                                                                                 \
	static void body_##name(struct env *e);                                                    \
	TEST(name##_sqlite)                                                                        \
	{                                                                                          \
		struct env e;                                                                      \
		env_init(&e, false, #name);                                                        \
		body_##name(&e);                                                                   \
		env_done(&e);                                                                      \
	}                                                                                          \
	TEST(name##_pg)                                                                            \
	{                                                                                          \
		struct env e;                                                                      \
		env_init(&e, true, #name);                                                         \
		body_##name(&e);                                                                   \
		env_done(&e);                                                                      \
	}                                                                                          \
	static void body_##name(struct env *e)

/* Append n records (checkpoint every 10) with the env's key and head file, then flush. */
static void fill(struct env *e, int from, int n, bool flush)
{
	struct audit_writer w;
	audit_writer_init(&w, e->s, e->key, e->head_path);
	w.checkpoint_every = 10;
	for (int i = from; i < from + n; i++) {
		json_t *p = json_pack("{s:i, s:s, s:[s,s]}", "i", i, "note", "caf\xc3\xa9 \"x\"\n",
				      "ids", "CVE-2024-1", "CVE-2024-2");
		int64_t seq = 0;
		ASSERT_OK(audit_append(&w, i % 2 ? "finding.new" : "admission.decision",
				       "image/alpine", "bulkhead test", p, &seq));
		json_decref(p);
	}
	if (flush)
		ASSERT_OK(audit_writer_done(&w));
	else
		buf_done(&w.scratch); /* a writer that died before flushing */
}

static struct audit_verify_result verify(struct env *e, bool with_key, bool with_head)
{
	struct audit_verify_result res;
	ASSERT_OK(
	    audit_verify(e->s, with_key ? e->key : NULL, with_head ? e->head_path : NULL, &res));
	return res;
}

static void expect_bad(struct env *e, enum audit_problem p, int64_t seq, int line)
{
	struct audit_verify_result res = verify(e, true, true);
	if (res.problem != p || res.bad_seq != seq)
		tap_fail(__FILE__, line, "verify: %s at %lld (%s), expected %s at %lld",
			 audit_problem_name(res.problem), (long long)res.bad_seq, res.message,
			 audit_problem_name(p), (long long)seq);
}
#define EXPECT_BAD(e, p, seq) expect_bad(e, p, seq, __LINE__)

/* The hash a forger computes for (seq, payload) chained after prev: the algorithm is public. */
static void forge_hash(int64_t seq, const char *payload, const char *prev, char *out)
{
	struct store_audit_row r = {.seq = seq,
				    .time = 1,
				    .kind = "finding.new",
				    .target = "image/alpine",
				    .actor = "mallory",
				    .payload = (char *)payload,
				    .prev_hash = (char *)prev};
	ASSERT_OK(audit_record_hash(&r, out));
}

struct rows {
	char hash[64][BH_DIGEST_STR_LEN + 1];
	int n;
};

static int rows_cb(void *u, const struct store_audit_row *r)
{
	struct rows *x = u;
	if (x->n < 64)
		memcpy(x->hash[x->n++], r->hash, BH_DIGEST_STR_LEN + 1);
	return 0;
}

static void sqlf(struct env *e, const char *fmt, ...) _printf_(2, 3);
static void sqlf(struct env *e, const char *fmt, ...)
{
	char sql[2048];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	ASSERT_TRUE(n > 0 && (size_t)n < sizeof(sql));
	env_raw(e, sql);
}

/* ---- round trip -------------------------------------------------------------------------- */

BOTH(round_trip)
{
	struct audit_verify_result res = verify(e, true, true);
	ASSERT_EQ(res.problem, AUDIT_OK);
	ASSERT_EQ(res.records, 0);
	fill(e, 1, 25, true);
	res = verify(e, true, true);
	if (res.problem != AUDIT_OK)
		tap_fail(__FILE__, __LINE__, "%s", res.message);
	ASSERT_EQ(res.records, 25);
	ASSERT_EQ(res.checkpoints, 3); /* 10, 20 and 25 (the writer's flush) */
	ASSERT_EQ(res.last_signed_seq, 25);
	ASSERT_EQ(res.unsigned_records, 0);
	ASSERT_TRUE(res.head_used);
	ASSERT_EQ(res.head_seq, 25);
	/* without the key: chain only */
	res = verify(e, false, false);
	ASSERT_EQ(res.problem, AUDIT_OK);
	ASSERT_FALSE(res.key_used);
	ASSERT_EQ(res.unsigned_records, 25);
	/* a second batch chains on */
	fill(e, 26, 3, true);
	res = verify(e, true, true);
	ASSERT_EQ(res.problem, AUDIT_OK);
	ASSERT_EQ(res.records, 28);
	ASSERT_EQ(res.head_seq, 28);
	/* rows are what was appended */
	struct store_audit_row t = {0};
	ASSERT_OK(store_audit_tail(e->s, &t));
	ASSERT_EQ(t.seq, 28);
	ASSERT_STREQ(t.payload, "{\"i\":28,\"ids\":[\"CVE-2024-1\",\"CVE-2024-2\"],\"note\":"
				"\"caf\xc3\xa9 \\\"x\\\"\\n\"}");
	ASSERT_STREQ(t.kind, "admission.decision");
	char h[BH_DIGEST_STR_LEN + 1];
	ASSERT_OK(audit_record_hash(&t, h));
	ASSERT_STREQ(h, t.hash);
	store_audit_row_done(&t);
}

BOTH(append_refusals)
{
	struct audit_writer w;
	audit_writer_init(&w, e->s, e->key, e->head_path);
	json_t *real = json_pack("{s:f}", "x", 1.5), *arr = json_array();
	ASSERT_ERR(audit_append(&w, "", NULL, NULL, NULL, NULL), -EINVAL);
	ASSERT_ERR(audit_append(&w, NULL, NULL, NULL, NULL, NULL), -EINVAL);
	ASSERT_ERR(audit_append(&w, "k", "\xff", NULL, NULL, NULL), -EINVAL);
	ASSERT_ERR(audit_append(&w, "k", NULL, NULL, real, NULL), -EINVAL);
	ASSERT_ERR(audit_append(&w, "k", NULL, NULL, arr, NULL), -EINVAL);
	json_decref(real);
	json_decref(arr);
	int64_t seq = 0;
	ASSERT_OK(audit_append(&w, "config.change", NULL, NULL, NULL, &seq));
	ASSERT_EQ(seq, 1);
	ASSERT_OK(audit_writer_done(&w));
	struct audit_verify_result res = verify(e, true, true);
	ASSERT_EQ(res.problem, AUDIT_OK);
	ASSERT_EQ(res.records, 1);
}

/* ---- tampering ---------------------------------------------------------------------------- */

BOTH(tamper_modify_payload)
{
	fill(e, 1, 25, true);
	env_raw(e, "UPDATE bh_audit SET payload = replace(payload, '\"i\":5', '\"i\":6') "
		   "WHERE seq = 5");
	EXPECT_BAD(e, AUDIT_MODIFIED, 5);
}

BOTH(tamper_modify_fields)
{
	fill(e, 1, 25, true);
	env_raw(e, "UPDATE bh_audit SET actor = 'someone else' WHERE seq = 12");
	EXPECT_BAD(e, AUDIT_MODIFIED, 12);
	env_raw(e, "UPDATE bh_audit SET actor = 'bulkhead test' WHERE seq = 12");
	ASSERT_EQ(verify(e, true, true).problem, AUDIT_OK);
	env_raw(e, "UPDATE bh_audit SET time = time + 1 WHERE seq = 3");
	EXPECT_BAD(e, AUDIT_MODIFIED, 3);
}

BOTH(tamper_modify_and_rehash)
{
	/* the forger recomputes row 7's hash: the next row's link breaks */
	fill(e, 1, 25, true);
	struct rows rows = {0};
	ASSERT_OK(store_audit_foreach(e->s, 1, rows_cb, &rows));
	char h[BH_DIGEST_STR_LEN + 1];
	forge_hash(7, "{\"i\":700}", rows.hash[5], h);
	sqlf(e,
	     "UPDATE bh_audit SET time = 1, kind = 'finding.new', actor = 'mallory', payload = "
	     "'{\"i\":700}', hash = '%s' WHERE seq = 7",
	     h);
	struct audit_verify_result res = verify(e, true, true);
	ASSERT_EQ(res.problem, AUDIT_LINK);
	ASSERT_EQ(res.bad_seq, 8);
	ASSERT_EQ(res.bad_from, 7);
}

BOTH(tamper_rewrite_tail_of_chain)
{
	/* rows 5..25 rewritten into a valid chain: only signatures can tell */
	fill(e, 1, 25, true);
	struct rows rows = {0};
	ASSERT_OK(store_audit_foreach(e->s, 1, rows_cb, &rows));
	char prev[BH_DIGEST_STR_LEN + 1];
	memcpy(prev, rows.hash[3], sizeof(prev));
	for (int seq = 5; seq <= 25; seq++) {
		char h[BH_DIGEST_STR_LEN + 1];
		forge_hash(seq, "{\"forged\":true}", prev, h);
		sqlf(e,
		     "UPDATE bh_audit SET time = 1, kind = 'finding.new', actor = 'mallory', "
		     "payload = '{\"forged\":true}', prev_hash = '%s', hash = '%s' WHERE seq = %d",
		     prev, h, seq);
		memcpy(prev, h, sizeof(prev));
	}
	struct audit_verify_result res = verify(e, true, true);
	ASSERT_EQ(res.problem, AUDIT_CP_MISMATCH);
	ASSERT_EQ(res.bad_seq, 10);
	ASSERT_EQ(res.bad_from, 1);
	/* with the checkpoints gone too, the head file still disagrees */
	env_raw(e, "DELETE FROM bh_checkpoints");
	ASSERT_EQ(verify(e, false, false).problem, AUDIT_OK); /* the chain alone is fine */
	res = verify(e, true, true);
	ASSERT_EQ(res.problem, AUDIT_HEAD_MISMATCH);
	ASSERT_EQ(res.bad_seq, 25);
}

BOTH(tamper_delete_middle)
{
	fill(e, 1, 25, true);
	env_raw(e, "DELETE FROM bh_audit WHERE seq = 7");
	EXPECT_BAD(e, AUDIT_GAP, 7);
}

BOTH(tamper_delete_and_renumber)
{
	fill(e, 1, 25, true);
	env_raw(e, "DELETE FROM bh_checkpoints; DELETE FROM bh_audit WHERE seq = 7; "
		   "UPDATE bh_audit SET seq = seq + 1000 WHERE seq > 7; "
		   "UPDATE bh_audit SET seq = seq - 1001 WHERE seq > 1000");
	EXPECT_BAD(e, AUDIT_MODIFIED, 7);
}

BOTH(tamper_insert)
{
	/* naive: a row with a made-up hash */
	fill(e, 1, 25, true);
	env_raw(e, "UPDATE bh_audit SET seq = seq + 1000 WHERE seq >= 7; "
		   "UPDATE bh_audit SET seq = seq - 999 WHERE seq > 1000; "
		   "INSERT INTO bh_audit(seq, time, kind, target, actor, payload, prev_hash, hash) "
		   "SELECT 7, 1, 'finding.resolved', 'image/alpine', 'mallory', '{}', hash, "
		   "'sha256:1111111111111111111111111111111111111111111111111111111111111111' "
		   "FROM bh_audit WHERE seq = 6");
	EXPECT_BAD(e, AUDIT_MODIFIED, 7);
}

BOTH(tamper_insert_forged_hash)
{
	/* a forger who computes the inserted row's hash: the row after it shows the move */
	fill(e, 1, 25, true);
	struct rows rows = {0};
	ASSERT_OK(store_audit_foreach(e->s, 1, rows_cb, &rows));
	char h[BH_DIGEST_STR_LEN + 1];
	forge_hash(7, "{}", rows.hash[5], h);
	sqlf(e,
	     "UPDATE bh_audit SET seq = seq + 1000 WHERE seq >= 7; "
	     "UPDATE bh_audit SET seq = seq - 999 WHERE seq > 1000; "
	     "INSERT INTO bh_audit(seq, time, kind, target, actor, payload, prev_hash, hash) "
	     "VALUES (7, 1, 'finding.new', 'image/alpine', 'mallory', '{}', '%s', '%s')",
	     rows.hash[5], h);
	struct audit_verify_result res = verify(e, true, true);
	ASSERT_EQ(res.problem, AUDIT_MODIFIED);
	ASSERT_EQ(res.bad_seq, 8);
}

BOTH(tamper_swap)
{
	fill(e, 1, 25, true);
	env_raw(e, "UPDATE bh_audit SET seq = 1003 WHERE seq = 3; "
		   "UPDATE bh_audit SET seq = 3 WHERE seq = 4; "
		   "UPDATE bh_audit SET seq = 4 WHERE seq = 1003");
	EXPECT_BAD(e, AUDIT_MODIFIED, 3);
}

BOTH(tamper_truncate)
{
	fill(e, 1, 25, true);
	/* rows only: the checkpoint at 25 (and 20) outlive them */
	env_raw(e, "DELETE FROM bh_audit WHERE seq > 17");
	EXPECT_BAD(e, AUDIT_TRUNCATED, 18);
	/* rows and checkpoints: the head file outside the store says 25 */
	env_raw(e, "DELETE FROM bh_checkpoints WHERE seq > 17");
	EXPECT_BAD(e, AUDIT_TRUNCATED, 18);
	/* without the head file the cut is invisible (docs/audit-log.md) */
	struct audit_verify_result res = verify(e, true, false);
	ASSERT_EQ(res.problem, AUDIT_OK);
	ASSERT_EQ(res.records, 17);
	ASSERT_EQ(res.last_signed_seq, 10);
	/* everything: the head file names this store */
	env_raw(e, "DELETE FROM bh_checkpoints; DELETE FROM bh_audit");
	EXPECT_BAD(e, AUDIT_TRUNCATED, 1);
}

BOTH(truncate_unsigned_tail)
{
	/* what cannot be seen: records after the last signature, cut before anyone signed */
	fill(e, 1, 20, true);
	fill(e, 21, 5, false); /* the writer died before its flush */
	struct audit_verify_result res = verify(e, true, true);
	ASSERT_EQ(res.problem, AUDIT_OK);
	ASSERT_EQ(res.unsigned_records, 5);
	env_raw(e, "DELETE FROM bh_audit WHERE seq > 22");
	res = verify(e, true, true);
	ASSERT_EQ(res.problem, AUDIT_OK);
	ASSERT_EQ(res.records, 22);
	ASSERT_EQ(res.unsigned_records, 2);
	/* a cut into the signed part is seen */
	env_raw(e, "DELETE FROM bh_audit WHERE seq > 19");
	EXPECT_BAD(e, AUDIT_TRUNCATED, 20);
}

BOTH(tamper_forge_checkpoint)
{
	fill(e, 1, 25, true);
	/* altered signature: its first character changed, in one statement (two in a row
	 * turned a leading 'B' into 'A' and back, 1 run in 64) */
	env_raw(e, "UPDATE bh_checkpoints SET signature = CASE WHEN substr(signature, 1, 1) = 'A' "
		   "THEN 'B' ELSE 'A' END || substr(signature, 2) WHERE seq = 20");
	EXPECT_BAD(e, AUDIT_CP_SIGNATURE, 20);
}

BOTH(tamper_checkpoint_moved)
{
	/* a genuine checkpoint's hash pointed at another row: the signature covers the hash */
	fill(e, 1, 25, true);
	env_raw(e, "UPDATE bh_checkpoints SET hash = (SELECT hash FROM bh_audit WHERE seq = 10) "
		   "WHERE seq = 20");
	EXPECT_BAD(e, AUDIT_CP_SIGNATURE, 20);
}

BOTH(tamper_checkpoint_other_key)
{
	/* a checkpoint signed by the forger's own key */
	fill(e, 1, 25, true);
	_cleanup_(audit_key_freep) struct audit_key *evil = NULL;
	char p[600];
	ASSERT_OK(xsnprintf(p, sizeof(p), "%s.evil", e->key_path));
	ASSERT_OK(audit_key_load_private(p, true, &evil, NULL, NULL));
	struct rows rows = {0};
	ASSERT_OK(store_audit_foreach(e->s, 1, rows_cb, &rows));
	struct store_checkpoint c;
	ASSERT_OK(audit_checkpoint_sign(evil, 15, 1, rows.hash[14], &c));
	ASSERT_OK(store_checkpoint_insert(e->s, &c));
	store_checkpoint_done(&c);
	EXPECT_BAD(e, AUDIT_CP_KEY, 15);
}

BOTH(tamper_checkpoint_beyond_tail)
{
	/* a forged checkpoint past the end is forged, not a truncation */
	fill(e, 1, 25, true);
	env_raw(e, "INSERT INTO bh_checkpoints(seq, key_id, time, hash, signature) "
		   "SELECT 99, key_id, time, hash, signature FROM bh_checkpoints WHERE seq = 25");
	EXPECT_BAD(e, AUDIT_CP_SIGNATURE, 99);
}

BOTH(tamper_replace_log)
{
	/* the whole log replaced by a valid chain of the forger's */
	fill(e, 1, 12, true);
	env_raw(e, "DELETE FROM bh_checkpoints; DELETE FROM bh_audit");
	struct audit_writer w;
	audit_writer_init(&w, e->s, NULL, NULL);
	ASSERT_OK(audit_append(&w, "finding.new", "x", "mallory", NULL, NULL));
	ASSERT_OK(audit_writer_done(&w));
	EXPECT_BAD(e, AUDIT_HEAD_MISMATCH, 1);
}

BOTH(tamper_not_canonical)
{
	/* rehashed correctly but with a payload bulkhead would never write */
	fill(e, 1, 5, false);
	struct rows rows = {0};
	ASSERT_OK(store_audit_foreach(e->s, 1, rows_cb, &rows));
	char h[BH_DIGEST_STR_LEN + 1];
	forge_hash(5, "{ \"b\":1, \"a\":2 }", rows.hash[3], h);
	sqlf(e,
	     "UPDATE bh_audit SET time = 1, kind = 'finding.new', actor = 'mallory', payload = "
	     "'{ \"b\":1, \"a\":2 }', hash = '%s' WHERE seq = 5",
	     h);
	EXPECT_BAD(e, AUDIT_NOT_CANONICAL, 5);
}

BOTH(checkpoint_now)
{
	int64_t seq = 0;
	ASSERT_ERR(audit_checkpoint_now(e->s, e->key, e->head_path, &seq), -ENOENT);
	fill(e, 1, 5, false);
	ASSERT_OK(audit_checkpoint_now(e->s, e->key, e->head_path, &seq));
	ASSERT_EQ(seq, 5);
	struct audit_verify_result res = verify(e, true, true);
	ASSERT_EQ(res.problem, AUDIT_OK);
	ASSERT_EQ(res.last_signed_seq, 5);
	ASSERT_EQ(res.head_seq, 5);
	env_raw(e, "UPDATE bh_audit SET payload = '{}' WHERE seq = 2");
	ASSERT_ERR(audit_checkpoint_now(e->s, e->key, e->head_path, &seq), -EBADMSG);
}

/* ---- concurrency and faults ------------------------------------------------------------- */

static int count_actor_cb(void *u, const struct store_audit_row *r)
{
	int *n = u;
	if (streq(r->actor, "writer-0"))
		n[0]++;
	else if (streq(r->actor, "writer-1"))
		n[1]++;
	return 0;
}

BOTH(concurrent_writers)
{
	enum { PER = 150 };
	pid_t pids[2];
	for (int k = 0; k < 2; k++) {
		pids[k] = fork();
		ASSERT_TRUE(pids[k] >= 0);
		if (pids[k] == 0) {
			struct store *s = NULL;
			struct audit_key *key = NULL;
			if (store_open(e->spec, &e->limits, 0, &s, NULL) < 0 ||
			    audit_key_load_private(e->key_path, false, &key, NULL, NULL) < 0)
				_exit(2);
			struct audit_writer w;
			audit_writer_init(&w, s, key, e->head_path);
			w.checkpoint_every = 25;
			char actor[16];
			(void)xsnprintf(actor, sizeof(actor), "writer-%d", k);
			for (int i = 0; i < PER; i++) {
				json_t *p = json_pack("{s:i}", "i", i);
				int r = audit_append(&w, "test", "t", actor, p, NULL);
				json_decref(p);
				if (r < 0) {
					fprintf(stderr, "# writer %d: %s\n", k, strerror(-r));
					_exit(1);
				}
			}
			int r = audit_writer_done(&w);
			store_close(s);
			audit_key_free(key);
			_exit(r < 0 ? 1 : 0);
		}
	}
	for (int k = 0; k < 2; k++) {
		int st;
		ASSERT_EQ(waitpid(pids[k], &st, 0), pids[k]);
		ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	struct audit_verify_result res = verify(e, true, true);
	if (res.problem != AUDIT_OK)
		tap_fail(__FILE__, __LINE__, "%s", res.message);
	ASSERT_EQ(res.records, 2 * PER); /* seq 1..300 without a gap: all distinct */
	int n[2] = {0, 0};
	ASSERT_OK(store_audit_foreach(e->s, 1, count_actor_cb, n));
	ASSERT_EQ(n[0], PER);
	ASSERT_EQ(n[1], PER);
	ASSERT_TRUE(res.checkpoints >= 2 * PER / 25);
	ASSERT_EQ(res.last_signed_seq, 2 * PER);
}

TEST(full_disk_sqlite)
{
	/* RLIMIT_FSIZE stands in for a full disk: SQLite's writes fail part-way */
	struct env env;
	struct env *e = &env;
	env_init(e, false, "full_disk");
	fill(e, 1, 3, true);
	store_close(e->s);
	e->s = NULL;
	int fds[2];
	ASSERT_OK(pipe(fds));
	pid_t pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (pid == 0) {
		(void)signal(SIGXFSZ, SIG_IGN);
		struct store *s = NULL;
		if (store_open(e->spec, &e->limits, 0, &s, NULL) < 0)
			_exit(2);
		struct rlimit rl = {256 * 1024, 256 * 1024};
		if (setrlimit(RLIMIT_FSIZE, &rl) < 0)
			_exit(3);
		struct audit_writer w;
		audit_writer_init(&w, s, NULL, NULL);
		_cleanup_free_ char *big = malloc(20000);
		memset(big, 'x', 19999);
		big[19999] = '\0';
		int64_t last = 3;
		int r = 0;
		for (int i = 0; i < 1000 && r == 0; i++) {
			json_t *p = json_pack("{s:s}", "blob", big);
			r = audit_append(&w, "blob", NULL, NULL, p, &last);
			json_decref(p);
		}
		(void)!write(fds[1], &last, sizeof(last));
		_exit(r < 0 ? 0 : 1); /* the limit must have been hit */
	}
	close(fds[1]);
	int64_t last = 0;
	ASSERT_EQ(read(fds[0], &last, sizeof(last)), (long long)sizeof(last));
	close(fds[0]);
	int st;
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ASSERT_OK(store_open(e->spec, &e->limits, 0, &e->s, NULL));
	struct audit_verify_result res = verify(e, true, true);
	if (res.problem != AUDIT_OK)
		tap_fail(__FILE__, __LINE__, "%s", res.message);
	ASSERT_EQ(res.records, last); /* every append that returned 0 is there, nothing else */
	ASSERT_TRUE(last > 3);
	/* and the log goes on once there is room */
	fill(e, 100, 2, true);
	res = verify(e, true, true);
	ASSERT_EQ(res.problem, AUDIT_OK);
	ASSERT_EQ(res.records, last + 2);
	env_done(e);
}
