/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store.h — one store for every stage (DESIGN.md §5): runs of the commands that record
 * (scan, k8s check, admission decisions, runtime alerts) with their findings and the
 * state of each finding over time (first seen, last seen, resolved), and the rows of the
 * audit log (src/audit/ builds the hash chain on top of them), and the behaviour baselines
 * of workloads with their current modes (issue 9). Two backends behind this
 * one API and one versioned schema: SQLite (store-sqlite.c, the embedded default) and
 * PostgreSQL through libpq (store-postgres.c). Nothing outside src/store/ sees SQL.
 *
 * Specs: "postgres://…" or "postgresql://…" (a libpq connection URI) selects PostgreSQL;
 * "sqlite:PATH" or any other string is a SQLite file. The default (store_default_spec) is
 * $BULKHEAD_STORE, else $BULKHEAD_HOME/store.db, else /var/lib/bulkhead/store.db for root,
 * else $XDG_DATA_HOME/bulkhead/store.db, else ~/.local/share/bulkhead/store.db; its parent
 * directories are made 0700 (only for the default), the file 0600.
 *
 * Schema versions: store_open() creates the schema in an empty store and migrates an older
 * one forward in one transaction; a store written by a newer bulkhead is refused (-EPROTO).
 *
 * Concurrency: several processes may write one store. Every write function is one
 * transaction; store_audit_insert() fails with -EEXIST when another writer appended the
 * same seq first (the caller re-reads the tail and retries).
 *
 * Errors: -errno with reterr_diag (where given; else store_errmsg()) naming the store and
 * what is wrong: -ENOENT (SQLite file missing and STORE_OPEN_EXISTING), -EBADMSG (not a
 * bulkhead store, a corrupt SQLite file), -EPROTO (newer schema), -ECONNREFUSED /
 * -EHOSTUNREACH / -ETIMEDOUT (PostgreSQL unreachable), -ECONNRESET (connection lost; the next
 * call reconnects once), -EBUSY (lock timeout), -EACCES (also: writes on a read-only store),
 * -ENOSPC (disk full: the transaction is rolled back, nothing half-written), -EINVAL
 * (malformed findings, run time <= 0, an audit seq gap, a checkpoint for a missing row, the
 * baseline inputs listed below), -EEXIST (audit seq or checkpoint taken), -ENOMEM.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/common.h"
#include "common/diag.h"
#include "common/limits.h"

struct store;

enum {
	STORE_OPEN_EXISTING = 1u << 0, /* do not create a SQLite file or the schema (readers) */
	STORE_OPEN_READONLY = 1u << 1,
};

/* The default spec (see above) in *ret (malloc'd). 0, -ENOENT (no HOME), -ENOMEM. */
int store_default_spec(char **ret);
/* spec NULL: store_default_spec(). */
int store_open(const char *spec, const struct bh_limits *limits, unsigned flags,
	       struct store **ret, struct bh_diag *reterr_diag);
/* The backend's message for the last failed call (for functions without a diag). */
const char *store_errmsg(const struct store *s);
void store_close(struct store *s);
DEFINE_CLEANUP(struct store *, store_close)
/* "sqlite" or "postgres". */
const char *store_backend(const struct store *s);
/* The spec without a password, for messages. */
const char *store_name(const struct store *s);
/* Schema version this build writes. */
#define STORE_SCHEMA_VERSION 2

/* ---- runs and findings ----------------------------------------------------------------- */

/* What a run looked at. Strings borrowed; NULL where not applicable. */
struct store_target {
	const char *type;      /* "image", "workload", "cluster", "host", "container" */
	const char *name;      /* image reference, "namespace/kind/name", cluster name, … */
	const char *digest;    /* image manifest digest */
	const char *cluster;   /* cluster name (--cluster, else "default") */
	const char *namespace; /* Kubernetes namespace */
	const char *workload;  /* "Kind/name" */
};

struct store_run {
	const char *kind; /* "scan", "k8s-check", "admission", "runtime", "lint" */
	int64_t time;	  /* unix seconds, > 0 */
	struct store_target target;
	const char *tool; /* "bulkhead 0.1.0" */
	const json_t *summary; /* object stored as is (counts), may be NULL */
	/*
	 * An event run (a runtime alert): the findings of the previous run of the scope that
	 * are not in this one stay open (nothing is resolved; resolved_ids stays empty).
	 */
	bool no_resolve;
};

/* What store_record_run() changed, for the audit log. Owned by the caller (done()). */
struct store_record_result {
	int64_t run_id;
	char **new_ids;	     /* finding ids first seen in this run (of this kind and scope) */
	size_t n_new;
	char **resolved_ids; /* ids seen in the previous run of the same kind and scope, not now */
	size_t n_resolved;
};
void store_record_result_done(struct store_record_result *r);

/*
 * Record one run and its findings (a JSON array of bulkhead.finding/v1 objects; each must
 * have "id", "kind", "severity", "rule"."id"). The scope of a finding's state is (run kind,
 * target type, target name, cluster): a finding present in the previous run of that scope
 * and absent from this one is marked resolved at this run's time; one that reappears is
 * open again (first_seen kept, resolved cleared). One transaction. 0 or -errno.
 */
int store_record_run(struct store *s, const struct store_run *run, const json_t *findings,
		     struct store_record_result *ret, struct bh_diag *reterr_diag);

/* ---- batches ----------------------------------------------------------------------------- */

/*
 * A batch: the write functions called between store_batch_begin() and store_batch_commit()
 * (store_record_run, store_audit_insert, store_checkpoint_insert) join one write transaction
 * instead of one each — many runs and audit rows for one commit (one fsync on SQLite), for
 * recorders of many small events. Reads see the batch's own writes. On PostgreSQL the batch
 * first takes an advisory lock that serialises the batches of every writer (so two batches
 * never wait for each other's scope locks). A write that fails inside a batch fails the batch:
 * the later write calls return -ECANCELED, and store_batch_commit() rolls back and returns
 * the first error; nothing of a failed batch is visible. Batches do not nest (-EINVAL).
 * begin: 0, -EINVAL, or the store's -errno (-ECONNREFUSED while PostgreSQL is down: it
 * reconnects as any call outside a transaction does); commit: 0 or -errno (rolled back).
 */
int store_batch_begin(struct store *s);
int store_batch_commit(struct store *s);
/* Roll the batch back (no-op without one). */
void store_batch_rollback(struct store *s);
/* Whether a batch is open. */
bool store_in_batch(const struct store *s);

/* One finding's state, for queries (audit ask remediation, risk). Strings owned. */
struct store_finding_state {
	char *id, *kind, *severity, *rule_id;
	/* of the run (the scope); the finding's own target is in finding */
	char *target_type, *target_name, *target_digest, *cluster, *namespace, *workload;
	char *run_kind;
	int64_t first_seen, last_seen, resolved_at; /* resolved_at 0 = open */
	int64_t last_run_id;
	json_t *finding; /* the last stored bulkhead.finding/v1 object */
};
void store_finding_state_done(struct store_finding_state *f);

struct store_finding_query {
	const char *run_kind;  /* NULL = any */
	const char *kind;      /* finding kind, NULL = any */
	const char *target;    /* target name, NULL = any */
	bool open_only;
	int64_t since;	       /* last_seen >= since; 0 = any */
};
/* Call cb for each matching state, ordered by first_seen then id; cb's non-zero return stops. */
int store_findings_foreach(struct store *s, const struct store_finding_query *q,
			   int (*cb)(void *u, const struct store_finding_state *f), void *u);

/* Runs, newest first (for `audit ask`, risk and reports). Strings owned. */
struct store_run_row {
	int64_t id, time;
	char *kind, *target_type, *target_name, *target_digest, *cluster, *namespace, *workload;
	char *tool;
	json_t *summary;
};
void store_run_row_done(struct store_run_row *r);
int store_runs_foreach(struct store *s, const char *kind, int64_t since,
		       int (*cb)(void *u, const struct store_run_row *r), void *u);

/* ---- audit rows (the chain itself is src/audit/'s business) --------------------------- */

struct store_audit_row {
	int64_t seq;	 /* 1, 2, 3, … without gaps */
	int64_t time;	 /* unix microseconds */
	char *kind;	 /* "finding.new", "finding.resolved", "admission.decision", … */
	char *target;	 /* what it is about, may be "" */
	char *actor;	 /* who did it ("bulkhead scan", a user), may be "" */
	char *payload;	 /* canonical JSON text, stored byte for byte */
	char *prev_hash; /* "sha256:…" of the previous row ("sha256:" + 64 zeros for seq 1) */
	char *hash;	 /* "sha256:…" of this row (audit.h says over what) */
};
void store_audit_row_done(struct store_audit_row *r);

/* The last row (highest seq) into *ret; -ENOENT when the log is empty. */
int store_audit_tail(struct store *s, struct store_audit_row *ret);
/*
 * Insert one row; -EEXIST when seq is taken (a concurrent writer won: re-read and retry),
 * -EINVAL when seq > tail + 1 (a gap).
 */
int store_audit_insert(struct store *s, const struct store_audit_row *row);
/* Rows with seq >= from_seq in seq order; cb's non-zero return stops (and is returned). */
int store_audit_foreach(struct store *s, int64_t from_seq,
			int (*cb)(void *u, const struct store_audit_row *r), void *u);

/* Signed checkpoints: the hash at seq, signed with the audit key. Strings owned. */
struct store_checkpoint {
	int64_t seq, time;
	char *hash;	 /* the row hash at seq */
	char *key_id;	 /* "sha256:…" of the public key (raw 32 bytes) */
	char *signature; /* base64 Ed25519 signature (audit.h says over what) */
};
void store_checkpoint_done(struct store_checkpoint *c);
int store_checkpoint_insert(struct store *s, const struct store_checkpoint *c);
int store_checkpoint_foreach(struct store *s, int (*cb)(void *u, const struct store_checkpoint *c),
			     void *u);

/* ---- behaviour baselines (schema v2, issue 9) ------------------------------------------ */

/*
 * A workload's behaviour baselines: bulkhead.baseline/v1 JSON documents kept as versions
 * 1, 2, 3, … per workload (the workload is the caller's key, e.g. "cluster/ns/Kind/name"),
 * and the workload's current mode ("learn", "monitor", "protect"). Every mode change takes
 * the next value of one store-wide counter (seq), so a running sensor polls "changes after
 * the seq I have seen" with store_baseline_modes_foreach().
 *
 * Inputs (-EINVAL, store_errmsg() says which): workload empty or NULL; mode not one of the
 * three; time <= 0; doc not a JSON object (also: deeper than json-max-depth, a duplicate
 * key); workload, doc or actor longer than the store's limits' input-max-bytes; version < 0.
 * Writes on a store opened STORE_OPEN_READONLY: -EACCES. The write functions are one
 * transaction each, or join the open batch (store_batch_begin()).
 */
struct store_baseline {
	char *workload;
	int64_t version; /* 1, 2, 3, … per workload */
	int64_t time;	 /* unix seconds, as given to store_baseline_put() */
	char *mode;	 /* the mode given with this version */
	char *doc;	 /* the bulkhead.baseline/v1 document, byte for byte as put */
	char *doc_hash;	 /* "sha256:…" of doc's bytes */
};
/* Frees the strings; accepts a zeroed struct. */
void store_baseline_done(struct store_baseline *b);

/*
 * Append doc (borrowed; stored byte for byte) as the workload's next version (latest + 1,
 * 1 for the first) with time and mode; *ret_version (may be NULL) gets it. When doc's hash
 * equals the latest version's, nothing is written and *ret_version is that version (time
 * and mode of this call are not stored). Concurrent writers of one workload are serialised
 * (PostgreSQL: an advisory lock per workload). 0 or -errno (see above).
 */
int store_baseline_put(struct store *s, const char *workload, int64_t time, const char *mode,
		       const char *doc, int64_t *ret_version);
/*
 * One version (version 0: the latest) into *ret (owned by the caller: done()), written only
 * on success. 0, -ENOENT (no such workload or version), -EINVAL, or the store's -errno.
 */
int store_baseline_get(struct store *s, const char *workload, int64_t version,
		       struct store_baseline *ret);
/*
 * all_versions false: the latest version of each workload, ordered by workload (bytewise);
 * true: every version, ordered by workload then version. b is valid during the call only;
 * cb's non-zero return stops the walk and is returned. Paged (16 rows a query): the
 * callback may call the store.
 */
int store_baselines_foreach(struct store *s, bool all_versions,
			    int (*cb)(void *u, const struct store_baseline *b), void *u);

/* A workload's current mode. Strings owned (done()). */
struct store_baseline_mode {
	char *workload, *mode;
	char *actor;  /* who set it (a user, "bulkhead baseline"), may be "" */
	int64_t time; /* unix seconds, as given */
	int64_t seq;  /* the change counter's value at this change: unique, increasing */
};
/* Frees the strings; accepts a zeroed struct. */
void store_baseline_mode_done(struct store_baseline_mode *m);

/*
 * Set the workload's mode (every call is a change, also to the same mode: time, actor and
 * seq are replaced); *ret_seq (may be NULL) gets the new seq, greater than every seq
 * committed before it in this store. With concurrent setters, seq order is commit order: a poller
 * that has seen seq N never later finds a change committed with a seq <= N. actor borrowed,
 * not NULL. 0 or -errno (see above).
 */
int store_baseline_mode_set(struct store *s, const char *workload, const char *mode, int64_t time,
			    const char *actor, int64_t *ret_seq);
/* The workload's mode into *ret (done()). 0, -ENOENT (never set), -EINVAL, -errno. */
int store_baseline_mode_get(struct store *s, const char *workload, struct store_baseline_mode *ret);
/*
 * The current mode of each workload whose last change has seq > after_seq (0: all), in seq
 * order; a workload changed twice since appears once, with its last change. m is valid
 * during the call only; cb's non-zero return stops the walk and is returned.
 */
int store_baseline_modes_foreach(struct store *s, int64_t after_seq,
				 int (*cb)(void *u, const struct store_baseline_mode *m), void *u);
