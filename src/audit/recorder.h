/* SPDX-License-Identifier: Apache-2.0 */
/*
 * recorder.h — putting runs (with their findings) and their audit records into the store
 * (DESIGN.md §5, docs/design/store.md "Recording"): the batch format every recording command
 * shares, its delivery, the spool that keeps batches while a PostgreSQL store cannot be
 * reached, and the asynchronous recorder of long-running producers (admission decisions,
 * runtime alerts) that must never wait for the store.
 *
 * A batch is a JSON array of items, the unit of delivery and the spool file format:
 *
 *   {"run": {"kind", "time" (unix s), "target": {"type", "name", "digest", "cluster",
 *            "namespace", "workload"}, "tool", "summary" (object or null),
 *            "no_resolve" (optional, true for event runs)},
 *    "findings": [bulkhead.finding/v1, …],
 *    "audit": [{"kind", "target", "actor", "payload"}, …]}        (optional)
 *
 * An item without "audit" gets the audit records of a recording command: finding.new and
 * finding.resolved per finding first seen or resolved, then run.recorded. An item with
 * "audit" gets exactly the records listed, each payload with "run": the run's id added.
 *
 * Must not: block a producer (audit_recorder_submit_take() only takes a short mutex), lose a
 * batch while PostgreSQL is down (it is spooled), or deliver half a spool file.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "audit/audit.h"

/* ---- batches ------------------------------------------------------------------------------- */

/*
 * A new item for run with findings (a JSON array; borrowed: referenced, not copied).
 * run->summary may be NULL. NULL on -ENOMEM.
 */
json_t *audit_batch_item(const struct store_run *run, const json_t *findings);
/*
 * Add one audit record to item: kind (non-empty), target and actor (NULL = ""), payload (an
 * object, borrowed and copied; NULL = {}). 0, -EINVAL, -ENOMEM.
 */
int audit_batch_item_add_record(json_t *item, const char *kind, const char *target,
				const char *actor, const json_t *payload);

/*
 * Record every item of batch and append its audit records through w (whose store is s).
 * atomic: everything in one store batch (store_batch_begin): all or nothing, one commit;
 * the writer's periodic checkpoints wait for the commit (a checkpoint and the head file never
 * name a record that could still be rolled back) and are written after it when due.
 * Otherwise one transaction per run and per record, as `scan --store` always did.
 * *ret_done (may be NULL) gets the items recorded. 0; -EBADMSG when an item is malformed
 * (reterr_diag says which; atomic: nothing recorded); or the store's -errno.
 */
int audit_batch_deliver(struct store *s, struct audit_writer *w, const json_t *batch, bool atomic,
			size_t *ret_done, struct bh_diag *reterr_diag);

/* ---- the spool ----------------------------------------------------------------------------- */

/* Whether spec names a PostgreSQL store ("postgres://", "postgresql://"). */
bool audit_spec_is_postgres(const char *spec);
/* Whether r is a store error that means "PostgreSQL cannot be reached now" (spool, retry). */
bool audit_store_unreachable(int r);
/*
 * The spool directory of a PostgreSQL spec: <directory of the audit key>/spool/<16 hex digits
 * of SHA-256 of the spec without its password>, made 0700, in *ret (malloc'd). 0 or -errno.
 */
int audit_spool_dir(const char *spec, char **ret);
/* Write batch as one new spool file in dir (temporary name, fsync, rename). 0 or -errno. */
int audit_spool_write(const char *dir, const json_t *batch);
/*
 * Deliver the spool files of dir to s through w, oldest first, each in one atomic
 * audit_batch_deliver() and removed once committed. Another process delivering the same
 * directory (it holds the directory's flock) is not waited for: 0, nothing delivered.
 * *ret_items (may be NULL) gets the items delivered. 0; -EBADMSG (a file that is not a batch
 * is left in place; reterr_diag names it); or the store's -errno (that file stays).
 */
int audit_spool_deliver(struct store *s, struct audit_writer *w, const char *dir, size_t *ret_items,
			struct bh_diag *reterr_diag);

/* ---- the asynchronous recorder ------------------------------------------------------------- */

/*
 * Turn one submitted data block into batch items (appended to batch), in the writer thread.
 * 0 or -errno (the block is counted as failed). data stays the recorder's (freed after).
 */
typedef int (*audit_recorder_build_fn)(void *userdata, const void *data, json_t *batch);

struct audit_recorder_opts {
	const char *spec; /* the store (borrowed; copied by start) */
	const char *what; /* for messages: "admission decisions" (copied) */
	audit_recorder_build_fn build;
	void *userdata;		/* build's; must outlive the recorder */
	size_t queue_max;	/* blocks waiting; 0 = AUDIT_RECORDER_QUEUE_DEFAULT */
	size_t queue_max_bytes; /* their bytes; 0 = AUDIT_RECORDER_QUEUE_BYTES_DEFAULT */
	size_t batch_max;	/* blocks per transaction; 0 = AUDIT_RECORDER_BATCH_DEFAULT */
	unsigned retry_ms;	/* reconnect interval while unreachable; 0 = 2000 */
	unsigned spool_wait_ms; /* while unreachable, gather this long per spool file; 0 = 1000 */
	unsigned checkpoint_ms; /* sign a checkpoint of the chain at most this often; 0 = 10000 */
};

#define AUDIT_RECORDER_QUEUE_DEFAULT	   10000u
#define AUDIT_RECORDER_QUEUE_BYTES_DEFAULT ((size_t)64 << 20)
#define AUDIT_RECORDER_BATCH_DEFAULT	   512u

struct audit_recorder_stats {
	uint64_t queued;    /* blocks accepted */
	uint64_t written;   /* blocks whose items were committed to the store */
	uint64_t dropped;   /* blocks refused: queue full (count or bytes), or stopping */
	uint64_t spooled;   /* blocks written to the spool (PostgreSQL unreachable) */
	uint64_t failed;    /* blocks that could not be built or recorded (logged) */
	uint64_t delivered; /* spooled items delivered later (also by other processes' spools) */
	size_t depth;	    /* blocks waiting now */
	bool store_up;	    /* the last attempt reached the store */
};

struct audit_recorder;

/*
 * Open the store and the audit key (audit_key_default_path(), created on first use) and start
 * the writer thread (all signals blocked in it). A PostgreSQL store that cannot be reached is
 * not an error: the recorder starts spooling and retries. Any other failure to open the store
 * or the key is: -errno with reterr_diag. Delivers what the spool of this store holds first.
 */
int audit_recorder_start(const struct audit_recorder_opts *o, const struct bh_limits *limits,
			 struct audit_recorder **ret, struct bh_diag *reterr_diag);
/*
 * Queue data (malloc'd, taken: freed by the recorder in every case) of bytes bytes for the
 * writer. Never waits for the store. 0 queued; -ENOBUFS when the queue is full (counted as
 * dropped; a warning at most once a minute); -ESHUTDOWN once stopping.
 */
int audit_recorder_submit_take(struct audit_recorder *r, void *data, size_t bytes);
/* Counters (any thread). */
void audit_recorder_stats(struct audit_recorder *r, struct audit_recorder_stats *ret);
/*
 * Wait until every block submitted before the call is written, spooled or failed (tests and
 * checkpoints of a caller). 0 or -ETIMEDOUT.
 */
int audit_recorder_sync(struct audit_recorder *r, unsigned timeout_ms);
/*
 * Stop: refuse new blocks, write what is queued (spool it when PostgreSQL is down), checkpoint
 * the audit chain, close the store and free r (NULL: nothing). Past deadline_ms the blocks
 * still queued are spooled (PostgreSQL) or counted as failed (SQLite) instead of waiting for
 * the store. 0, or -ETIMEDOUT when blocks were lost that way, or -EIO when the final
 * checkpoint failed. Returns the final counters in *ret_stats (may be NULL).
 */
int audit_recorder_stop(struct audit_recorder *r, unsigned deadline_ms,
			struct audit_recorder_stats *ret_stats);
