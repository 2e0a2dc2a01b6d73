/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-recorder.c — src/audit/recorder.c: store batches (all or nothing), the asynchronous
 * recorder on SQLite and PostgreSQL (a full queue drops and counts, stop drains the queue,
 * the audit chain stays intact), and PostgreSQL stopped under a running recorder — spooled,
 * restarted, delivered, nothing lost. Prints the throughput of recorded blocks on SQLite (on
 * disk) as a TAP comment. The PostgreSQL server is $BH_TEST_PG_URL, else one started with
 * tests/lib/pg.sh (as tests/unit/store/test-store.c does); without it the _pg tests skip.
 */
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "audit/recorder.h"
#include "common/json.h"
#include "pg.h"
#include "tap.h"

/* ---- the PostgreSQL server (as in test-store.c) ------------------------------------------ */


static void pg_admin(const char *sql)
{
	tap_pg_exec(NULL, sql, false);
}

/* ---- environment ---------------------------------------------------------------------------- */

static struct bh_limits limits;

/* A fresh store spec for test name; BULKHEAD_HOME (key, spool) fresh too. */
static void env_spec(bool pg, const char *name, char *spec, size_t size)
{
	bh_limits_default(&limits);
	char home[256];
	ASSERT_OK(xsnprintf(home, sizeof(home), "%s", tap_tmp_path(name)));
	(void)mkdir(home, 0700);
	ASSERT_OK(setenv("BULKHEAD_HOME", home, 1));
	if (!pg) {
		ASSERT_OK(xsnprintf(spec, size, "%s/store.db", home));
		return;
	}
	const char *base = tap_pg_server();
	char sql[256];
	ASSERT_OK(xsnprintf(sql, sizeof(sql),
			    "DROP SCHEMA IF EXISTS bh_r_%s CASCADE; CREATE SCHEMA bh_r_%s", name,
			    name));
	pg_admin(sql);
	ASSERT_OK(xsnprintf(spec, size, "%s%coptions=-csearch_path%%3Dbh_r_%s", base,
			    strchr(base, '?') ? '&' : '?', name));
}

/* ---- what the tests record ------------------------------------------------------------------ */

struct block {
	int n;
};

static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static bool gate_closed; /* build() waits while set: the writer is stuck, the queue fills */
static bool gate_reached;

/* One runtime-like run per block with one finding and one audit record. */
static int build(void *userdata, const void *data, json_t *batch)
{
	(void)userdata;
	const struct block *b = data;
	(void)pthread_mutex_lock(&gate_lock);
	gate_reached = true;
	(void)pthread_cond_broadcast(&gate_cond);
	while (gate_closed)
		(void)pthread_cond_wait(&gate_cond, &gate_lock);
	(void)pthread_mutex_unlock(&gate_lock);
	if (b->n < 0)
		return -EBADMSG;
	char target[32], id[32];
	(void)xsnprintf(target, sizeof(target), "c%d", b->n % 7);
	(void)xsnprintf(id, sizeof(id), "f%d", b->n % 3);
	_cleanup_json_ json_t *findings =
	    json_pack("[{s:s, s:s, s:s, s:{s:s}}]", "id", id, "kind", "runtime", "severity", "high",
		      "rule", "id", "R1");
	struct store_run run = {.kind = "runtime",
				.time = 1700000000 + b->n,
				.target = {.type = "container", .name = target, .cluster = "t"},
				.tool = "test",
				.no_resolve = true};
	_cleanup_json_ json_t *item = audit_batch_item(&run, findings);
	_cleanup_json_ json_t *payload = json_pack("{s:i}", "n", b->n);
	if (!item || !payload)
		return -ENOMEM;
	int r = audit_batch_item_add_record(item, "test.event", target, "tester", payload);
	if (r < 0)
		return r;
	return json_array_append(batch, item) < 0 ? -ENOMEM : 0;
}

static int submit(struct audit_recorder *rec, int n)
{
	struct block *b = malloc(sizeof(*b));
	ASSERT_NOT_NULL(b);
	b->n = n;
	return audit_recorder_submit_take(rec, b, sizeof(*b));
}

static struct audit_recorder *start(const char *spec, size_t queue_max)
{
	struct audit_recorder_opts o = {.spec = spec,
					.what = "test blocks",
					.build = build,
					.queue_max = queue_max,
					.retry_ms = 100,
					.spool_wait_ms = 20};
	struct audit_recorder *rec = NULL;
	struct bh_diag d = {0};
	int r = audit_recorder_start(&o, &limits, &rec, &d);
	if (r < 0)
		tap_fail(__FILE__, __LINE__, "start: %s: %s", strerror(-r), d.message);
	return rec;
}

struct counts {
	int64_t runs, audit;
};

static int count_run(void *u, const struct store_run_row *r)
{
	(void)r;
	((struct counts *)u)->runs++;
	return 0;
}

static int count_audit(void *u, const struct store_audit_row *r)
{
	(void)r;
	((struct counts *)u)->audit++;
	return 0;
}

/* Runs and audit rows in the store, and the chain verified with the key. */
static struct counts check_store(const char *spec)
{
	struct store *s = NULL;
	ASSERT_OK(store_open(spec, &limits, STORE_OPEN_EXISTING, &s, NULL));
	struct counts c = {0};
	ASSERT_OK(store_runs_foreach(s, "runtime", 0, count_run, &c));
	ASSERT_OK(store_audit_foreach(s, 1, count_audit, &c));
	_cleanup_free_ char *key_path = NULL, *head = NULL;
	ASSERT_OK(audit_key_default_path(&key_path));
	ASSERT_OK(audit_head_path(key_path, &head));
	struct audit_key *k = NULL;
	ASSERT_OK(audit_key_load_public(key_path, &k, NULL));
	struct audit_verify_result res;
	ASSERT_OK(audit_verify(s, k, head, &res));
	if (res.problem != AUDIT_OK)
		tap_fail(__FILE__, __LINE__, "audit chain: %s at %lld: %s",
			 audit_problem_name(res.problem), (long long)res.bad_seq, res.message);
	ASSERT_TRUE(res.head_used);
	ASSERT_EQ(res.unsigned_records, 0); /* stop checkpointed the tail */
	audit_key_free(k);
	store_close(s);
	return c;
}

/* ---- store batches ----------------------------------------------------------------------------
 */

static void body_batch(bool pg, const char *name)
{
	char spec[1024];
	env_spec(pg, name, spec, sizeof(spec));
	struct store *s = NULL;
	ASSERT_OK(store_open(spec, &limits, 0, &s, NULL));
	_cleanup_json_ json_t *findings =
	    json_pack("[{s:s, s:s, s:s, s:{s:s}}]", "id", "x", "kind", "runtime", "severity", "low",
		      "rule", "id", "R");
	struct store_run run = {
	    .kind = "runtime", .time = 1700000000, .target = {.type = "container", .name = "a"}};
	/* committed together */
	ASSERT_OK(store_batch_begin(s));
	ASSERT_TRUE(store_in_batch(s));
	ASSERT_ERR(store_batch_begin(s), -EINVAL);
	for (int i = 0; i < 3; i++)
		ASSERT_OK(store_record_run(s, &run, findings, NULL, NULL));
	ASSERT_OK(store_batch_commit(s));
	ASSERT_FALSE(store_in_batch(s));
	struct counts c = {0};
	ASSERT_OK(store_runs_foreach(s, "runtime", 0, count_run, &c));
	ASSERT_EQ(c.runs, 3);
	/* a failure fails the batch: later writes refused, nothing of it kept */
	ASSERT_OK(store_batch_begin(s));
	ASSERT_OK(store_record_run(s, &run, findings, NULL, NULL));
	struct store_audit_row bad = {.seq = 5,
				      .time = 1,
				      .kind = "k",
				      .payload = "{}",
				      .prev_hash = AUDIT_ZERO_HASH,
				      .hash = AUDIT_ZERO_HASH};
	ASSERT_ERR(store_audit_insert(s, &bad), -EINVAL); /* a gap */
	ASSERT_ERR(store_record_run(s, &run, findings, NULL, NULL), -ECANCELED);
	ASSERT_ERR(store_batch_commit(s), -EINVAL);
	c.runs = 0;
	ASSERT_OK(store_runs_foreach(s, "runtime", 0, count_run, &c));
	ASSERT_EQ(c.runs, 3);
	/* rolled back on request */
	ASSERT_OK(store_batch_begin(s));
	ASSERT_OK(store_record_run(s, &run, findings, NULL, NULL));
	store_batch_rollback(s);
	c.runs = 0;
	ASSERT_OK(store_runs_foreach(s, "runtime", 0, count_run, &c));
	ASSERT_EQ(c.runs, 3);
	/* event runs resolve nothing */
	_cleanup_json_ json_t *none = json_array();
	struct store_run ev = run;
	ev.no_resolve = true;
	struct store_record_result res = {0};
	ASSERT_OK(store_record_run(s, &ev, none, &res, NULL));
	ASSERT_EQ(res.n_resolved, 0);
	store_record_result_done(&res);
	ASSERT_OK(store_record_run(s, &run, findings, NULL, NULL));
	ASSERT_OK(store_record_run(s, &run, none, &res, NULL));
	ASSERT_EQ(res.n_resolved, 1);
	store_record_result_done(&res);
	store_close(s);
}

TEST(batch_sqlite)
{
	body_batch(false, "batch");
}

TEST(batch_pg)
{
	body_batch(true, "batch");
}

/* ---- the recorder ------------------------------------------------------------------------------
 */

/* Blocks written in batches, stop drains; the chain is intact and checkpointed. */
static void body_drain(bool pg, const char *name)
{
	char spec[1024];
	env_spec(pg, name, spec, sizeof(spec));
	struct audit_recorder *rec = start(spec, 0);
	for (int i = 0; i < 500; i++)
		ASSERT_OK(submit(rec, i));
	ASSERT_OK(submit(rec, -1)); /* cannot be built: failed, the others go on */
	struct audit_recorder_stats st;
	ASSERT_OK(audit_recorder_stop(rec, 30000, &st)); /* no sync first: stop drains */
	ASSERT_EQ(st.queued, 501);
	ASSERT_EQ(st.written, 500);
	ASSERT_EQ(st.failed, 1);
	ASSERT_EQ(st.dropped, 0);
	ASSERT_EQ(st.spooled, 0);
	struct counts c = check_store(spec);
	ASSERT_EQ(c.runs, 500);
	ASSERT_EQ(c.audit, 500);
}

TEST(drain_sqlite)
{
	body_drain(false, "drain");
}

TEST(drain_pg)
{
	body_drain(true, "drain");
}

/* A writer that cannot keep up: the queue fills, further blocks are dropped and counted. */
TEST(queue_full_drops)
{
	char spec[1024];
	env_spec(false, "full", spec, sizeof(spec));
	(void)pthread_mutex_lock(&gate_lock);
	gate_closed = true;
	gate_reached = false;
	(void)pthread_mutex_unlock(&gate_lock);
	struct audit_recorder *rec = start(spec, 8);
	ASSERT_OK(submit(rec, 0));
	/* the writer took block 0 and waits in build(): the queue is empty again */
	(void)pthread_mutex_lock(&gate_lock);
	while (!gate_reached)
		(void)pthread_cond_wait(&gate_cond, &gate_lock);
	(void)pthread_mutex_unlock(&gate_lock);
	int ok = 0, dropped = 0;
	for (int i = 1; i <= 20; i++) {
		int r = submit(rec, i);
		if (r == 0)
			ok++;
		else {
			ASSERT_ERR(r, -ENOBUFS);
			dropped++;
		}
	}
	ASSERT_EQ(ok, 8);
	ASSERT_EQ(dropped, 12);
	struct audit_recorder_stats st;
	audit_recorder_stats(rec, &st);
	ASSERT_EQ(st.dropped, 12);
	ASSERT_EQ(st.depth, 8);
	(void)pthread_mutex_lock(&gate_lock);
	gate_closed = false;
	(void)pthread_cond_broadcast(&gate_cond);
	(void)pthread_mutex_unlock(&gate_lock);
	ASSERT_OK(audit_recorder_sync(rec, 30000));
	ASSERT_OK(audit_recorder_stop(rec, 30000, &st));
	ASSERT_EQ(st.written, 9);
	ASSERT_EQ(st.dropped, 12);
	ASSERT_EQ(check_store(spec).runs, 9);
}

/* Producers on several threads at once (the admission workers). */
struct producer {
	struct audit_recorder *rec;
	int base;
};

static void *produce(void *u)
{
	struct producer *p = u;
	for (int i = 0; i < 250; i++) {
		struct block *b = malloc(sizeof(*b));
		if (!b)
			break;
		b->n = p->base + i;
		(void)audit_recorder_submit_take(p->rec, b, sizeof(*b));
	}
	return NULL;
}

TEST(threads_sqlite)
{
	char spec[1024];
	env_spec(false, "threads", spec, sizeof(spec));
	struct audit_recorder *rec = start(spec, 0);
	pthread_t t[4];
	struct producer p[4];
	for (int i = 0; i < 4; i++) {
		p[i] = (struct producer){rec, i * 1000};
		ASSERT_EQ(pthread_create(&t[i], NULL, produce, &p[i]), 0);
	}
	for (int i = 0; i < 4; i++)
		(void)pthread_join(t[i], NULL);
	struct audit_recorder_stats st;
	ASSERT_OK(audit_recorder_stop(rec, 30000, &st));
	ASSERT_EQ(st.written, 1000);
	ASSERT_EQ(check_store(spec).audit, 1000);
}

/* Throughput on a SQLite file on disk (a TAP comment; the assertion is only "all written"). */
TEST(throughput_sqlite)
{
	char spec[1024];
	env_spec(false, "speed", spec, sizeof(spec));
	struct audit_recorder *rec = start(spec, 20000);
	struct timespec a, b;
	(void)clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < 10000; i++)
		ASSERT_OK(submit(rec, i));
	struct audit_recorder_stats st;
	ASSERT_OK(audit_recorder_stop(rec, 120000, &st));
	(void)clock_gettime(CLOCK_MONOTONIC, &b);
	ASSERT_EQ(st.written, 10000);
	double secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	printf("# recorder on SQLite (disk): 10000 blocks (run + finding + audit record) in "
	       "%.2f s: %.0f/s\n",
	       secs, 10000 / secs);
}

/* PostgreSQL stopped under a running recorder: spooled, restarted, delivered; nothing lost. */
TEST(pg_outage)
{
	char spec[1024];
	env_spec(true, "outage", spec, sizeof(spec));
	if (!tap_pg_owned())
		TEST_SKIP("external server (BH_TEST_PG_URL): not restarting it");
	struct audit_recorder *rec = start(spec, 0);
	for (int i = 0; i < 50; i++)
		ASSERT_OK(submit(rec, i));
	ASSERT_OK(audit_recorder_sync(rec, 30000));
	struct audit_recorder_stats st;
	audit_recorder_stats(rec, &st);
	ASSERT_EQ(st.written, 50);

	ASSERT_EQ(tap_pg_sh("stop", NULL, 0), 0);
	for (int i = 50; i < 100; i++)
		ASSERT_OK(submit(rec, i));
	ASSERT_OK(audit_recorder_sync(rec, 30000));
	audit_recorder_stats(rec, &st);
	ASSERT_EQ(st.spooled, 50);
	ASSERT_FALSE(st.store_up);
	char uri[512];
	ASSERT_EQ(tap_pg_sh("start", uri, sizeof(uri)), 0);
	/* the writer reconnects on its own (retry_ms) and delivers the spool */
	for (int i = 0; i < 300; i++) {
		audit_recorder_stats(rec, &st);
		if (st.delivered == 50)
			break;
		struct timespec ts = {0, 50000000};
		(void)nanosleep(&ts, NULL);
	}
	ASSERT_EQ(st.delivered, 50);
	ASSERT_TRUE(st.store_up);
	for (int i = 100; i < 110; i++)
		ASSERT_OK(submit(rec, i));
	ASSERT_OK(audit_recorder_stop(rec, 30000, &st));
	ASSERT_EQ(st.written, 60);
	struct counts c = check_store(spec);
	ASSERT_EQ(c.runs, 110);
	ASSERT_EQ(c.audit, 110);
}
