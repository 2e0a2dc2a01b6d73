/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit.h — the tamper-evident audit log (DESIGN.md §2, docs/audit-log.md): records
 * appended to a SHA-256 hash chain over canonical JSON, stored through the store API
 * (src/store/store.h: rows and checkpoints), with Ed25519-signed checkpoints in the store
 * and a signed head file next to the key, and a verifier that names the first bad record.
 * Also the reader of Kubernetes API audit events (audit.k8s.io/v1 Event, JSON lines) that
 * `bulkhead audit import-k8s` turns into records of kind "k8s.api".
 *
 * This module is the only writer of audit rows. It never logs above debug; callers decide.
 *
 * Definitions (docs/audit-log.md is the reference; the tests hold vectors):
 *   canonical JSON  RFC 8785 (JCS) restricted to integers in ±(2^53 - 1): UTF-8, no
 *                   insignificant whitespace, object members sorted by the UTF-16 code
 *                   units of their names, strings escaped as JCS says (\" \\ \b \f \n \r
 *                   \t, other controls \u00xx lower-case, everything else verbatim).
 *                   Reals and larger integers are refused (-EINVAL).
 *   record hash     "sha256:" + hex SHA-256 of the canonical JSON of the object
 *                   {"actor","kind","payload","prev_hash","schema":"bulkhead.audit-record/v1",
 *                   "seq","target","time"} — i.e. an exported record line minus "hash".
 *   checkpoint      Ed25519 (pure, RFC 8032) signature, base64, over the canonical JSON of
 *                   {"hash","key_id","schema":"bulkhead.audit-checkpoint/v1","seq","time"};
 *                   key_id is "sha256:" + hex SHA-256 of the raw 32-byte public key.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/common.h"
#include "common/hash.h"
#include "store/store.h"

#define AUDIT_RECORD_SCHEMA	       "bulkhead.audit-record/v1"
#define AUDIT_CHECKPOINT_SCHEMA	       "bulkhead.audit-checkpoint/v1"
#define AUDIT_HEAD_SCHEMA	       "bulkhead.audit-head/v1"
#define AUDIT_ZERO_HASH		       "sha256:0000000000000000000000000000000000000000000000000000000000000000"
#define AUDIT_CHECKPOINT_EVERY_DEFAULT 1000
/* Largest integer canonical JSON accepts (JCS numbers are IEEE doubles). */
#define AUDIT_JSON_INT_MAX ((int64_t)9007199254740991)
/* kind, target and actor: valid UTF-8, at most this many bytes. */
#define AUDIT_FIELD_MAX 4096

/* ---- canonical JSON ------------------------------------------------------------------------ */

/*
 * Append the canonical JSON of v to out. max_depth bounds the nesting (arrays and objects).
 * 0, -EINVAL (a real, an integer beyond AUDIT_JSON_INT_MAX, invalid UTF-8 in a string or
 * member name), -E2BIG (depth or out's maximum), -ENOMEM. On failure out keeps what it had.
 */
int audit_canon_json(const json_t *v, size_t max_depth, struct buf *out);
/* Append the canonical JSON string literal of s (len bytes). 0, -EINVAL (bad UTF-8), -E2BIG,
 * -ENOMEM. */
int audit_canon_string(const char *s, size_t len, struct buf *out);
/* True when s (len bytes) is valid UTF-8 (no overlongs, no surrogates, ≤ U+10FFFF). */
bool audit_utf8_valid(const char *s, size_t len);
/* strcmp-like order of two UTF-8 strings by their UTF-16 code units (JCS member order). */
int audit_utf16_cmp(const char *a, size_t alen, const char *b, size_t blen);

/* ---- records ------------------------------------------------------------------------------- */

/*
 * The hashed byte string of a row (canonical JSON, see above) appended to out; row->hash is
 * not used. row->payload must already be canonical JSON text (it is embedded verbatim).
 * 0, -EINVAL (a string that is not UTF-8), -E2BIG, -ENOMEM.
 */
int audit_record_bytes(const struct store_audit_row *row, struct buf *out);
/* The record hash of row (over audit_record_bytes()) into out. 0, -EINVAL, -ENOMEM. */
int audit_record_hash(const struct store_audit_row *row, char out[static BH_DIGEST_STR_LEN + 1]);
/* An exported record: canonical JSON of the hashed object plus "hash", one line, no newline. */
int audit_record_export(const struct store_audit_row *row, struct buf *out);

/* ---- keys ---------------------------------------------------------------------------------- */

/* An Ed25519 key: private (can sign) or public only. */
struct audit_key;
void audit_key_free(struct audit_key *k);
DEFINE_CLEANUP(struct audit_key *, audit_key_free)

/*
 * The default private key path in *ret (malloc'd): $BULKHEAD_HOME/audit-key.pem, else
 * /var/lib/bulkhead/audit-key.pem for root, else ~/.local/share/bulkhead/audit-key.pem
 * (the store's directory, DESIGN.md §5). 0, -ENOENT (no HOME), -ENOMEM.
 */
int audit_key_default_path(char **ret);
/*
 * Load the PEM (PKCS#8) Ed25519 private key at path; when the file does not exist and
 * create is set, generate one and write it with mode 0600 (missing parent directories are
 * made with 0700; two processes racing both end up with the same key). A private key file
 * that group or others may read is refused. *ret_created (may be NULL) tells which.
 * 0, -ENOENT, -EACCES (permissions), -EBADMSG (not a PEM key), -EOPNOTSUPP (not Ed25519),
 * -errno from the file system; reterr_diag says which file and why.
 */
int audit_key_load_private(const char *path, bool create, struct audit_key **ret, bool *ret_created,
			   struct bh_diag *reterr_diag);
/* Load a public key (SubjectPublicKeyInfo PEM) or derive it from a private key file. */
int audit_key_load_public(const char *path, struct audit_key **ret, struct bh_diag *reterr_diag);
bool audit_key_is_private(const struct audit_key *k);
/* "sha256:…" of the raw 32-byte public key; borrowed, valid while k lives. */
const char *audit_key_id(const struct audit_key *k);
/* The public key as SubjectPublicKeyInfo PEM, appended to out. 0, -ENOMEM, -E2BIG. */
int audit_key_public_pem(const struct audit_key *k, struct buf *out);

/*
 * Sign a checkpoint of (seq, time, hash) with k (private): fills *ret (owned strings, free
 * with store_checkpoint_done()). 0, -EINVAL (public key, bad hash), -ENOMEM, -EIO (OpenSSL).
 */
int audit_checkpoint_sign(const struct audit_key *k, int64_t seq, int64_t time, const char *hash,
			  struct store_checkpoint *ret);
/*
 * Check c's signature with k: 0 valid, -EKEYREJECTED (signed by another key: key_id
 * differs), -EBADMSG (signature malformed or invalid), -ENOMEM.
 */
int audit_checkpoint_check(const struct audit_key *k, const struct store_checkpoint *c);

/* ---- writing ------------------------------------------------------------------------------- */

/*
 * A writer appends records for one process. It caches the tail it wrote last, so an append
 * is one insert; when another writer got there first (-EEXIST) it re-reads the tail and
 * retries. With a private key it writes a signed checkpoint into the store every
 * checkpoint_every records (the writer whose record lands on a multiple does it), and
 * audit_writer_done() checkpoints its last record and updates the signed head file
 * (audit_head_path() of the key) so that a later truncation of the tail is detectable.
 */
struct audit_writer {
	struct store *store;	     /* borrowed */
	const struct audit_key *key; /* borrowed; NULL: no checkpoints, no head file */
	const char *head_path;	     /* borrowed; NULL: no head file */
	uint64_t checkpoint_every;   /* 0 = AUDIT_CHECKPOINT_EVERY_DEFAULT */
	size_t max_depth;	     /* payload nesting limit; 0 = 64 */
	/* private state */
	bool has_tail, dirty;
	int64_t tail_seq, last_checkpoint_seq;
	char tail_hash[BH_DIGEST_STR_LEN + 1];
	struct buf scratch;
};
/* Initialise w (store, key, head_path borrowed). key may be NULL. Never fails. */
void audit_writer_init(struct audit_writer *w, struct store *store, const struct audit_key *key,
		       const char *head_path);
/*
 * Append one record: kind (non-empty), target and actor (may be NULL = ""), payload (an
 * object, may be NULL = {}), canonicalised here. The time is now (unix microseconds).
 * *ret_seq (may be NULL) gets the record's seq. 0, -EINVAL (kind empty, field too long or
 * not UTF-8, payload not canonicalisable), -EBUSY (64 lost races in a row), or the store's
 * -errno (nothing half-written: a record is one row, one transaction).
 */
int audit_append(struct audit_writer *w, const char *kind, const char *target, const char *actor,
		 const json_t *payload, int64_t *ret_seq);
/*
 * Checkpoint the writer's last appended record now (store checkpoint and head file), if it
 * has one not yet checkpointed. 0 or -errno.
 */
int audit_writer_flush(struct audit_writer *w);
/* Flush (errors returned) and release the writer's memory. */
int audit_writer_done(struct audit_writer *w);

/*
 * Checkpoint the current tail of the log on demand (`audit checkpoint`): verifies the whole
 * chain with k first and signs only an intact one. *ret_seq gets the checkpointed seq.
 * 0, -ENOENT (empty log), -EBADMSG (the chain is broken: nothing signed), -errno.
 */
int audit_checkpoint_now(struct store *s, const struct audit_key *k, const char *head_path,
			 int64_t *ret_seq);

/* ---- the head file ------------------------------------------------------------------------- */

/*
 * The head file records, per store, the last checkpoint bulkhead wrote (signed, as a store
 * checkpoint is), outside the store: a store whose rows and checkpoints were cut back
 * together still disagrees with it. Its path is the private key's path + ".head".
 * ret malloc'd. 0, -ENOMEM.
 */
int audit_head_path(const char *key_path, char **ret);

/* ---- verifying ----------------------------------------------------------------------------- */

enum audit_problem {
	AUDIT_OK,
	AUDIT_MODIFIED,	     /* the row's content does not hash to its stored hash */
	AUDIT_NOT_CANONICAL, /* payload or fields not as audit_append writes them */
	AUDIT_LINK,	     /* prev_hash is not the previous row's hash */
	AUDIT_GAP,	     /* a seq is missing (deleted record) */
	AUDIT_CP_SIGNATURE,  /* a checkpoint's signature does not verify (forged) */
	AUDIT_CP_KEY,	     /* a checkpoint signed by another key */
	AUDIT_CP_MISMATCH,   /* a checkpoint's hash is not the hash of the row at its seq */
	AUDIT_TRUNCATED,     /* a checkpoint or the head names a seq beyond the last row */
	AUDIT_HEAD_MISMATCH, /* the head file's hash is not the row's at its seq */
	_AUDIT_PROBLEM_MAX,
};
/* "modified", "not-canonical", "link", "gap", … (the JSON "problem" values). */
const char *audit_problem_name(enum audit_problem p);

struct audit_verify_result {
	int64_t records;	  /* rows read */
	int64_t checkpoints;	  /* checkpoints whose signature was checked and matched */
	int64_t last_signed_seq;  /* highest seq covered by a valid checkpoint or the head */
	int64_t unsigned_records; /* rows after last_signed_seq */
	bool key_used;		  /* false: no key, signatures not checked */
	bool head_used;		  /* a head entry for this store was found and checked */
	int64_t head_seq;	  /* its seq, 0 when none */
	char tail_hash[BH_DIGEST_STR_LEN + 1]; /* hash of the last row read ("" when none) */
	/* the first problem in seq order (AUDIT_OK when intact) */
	enum audit_problem problem;
	int64_t bad_seq;  /* the record shown to be bad */
	int64_t bad_from; /* the earliest record the problem may involve (≤ bad_seq) */
	char message[320];
};

/*
 * Verify the whole log of s: every row's hash, the links, seq continuity, every checkpoint
 * (signature with k, hash against the row at its seq, seq within the log) and the head
 * entry for this store in head_path (may be NULL or absent). k may be NULL (chain only).
 * Returns 0 when the verification ran (result->problem says intact or not), or -errno when
 * it could not (store error, -ENOMEM).
 */
int audit_verify(struct store *s, const struct audit_key *k, const char *head_path,
		 struct audit_verify_result *result);

/* ---- time ---------------------------------------------------------------------------------- */

/*
 * RFC 3339 date-time ("2018-10-26T09:51:20.717013Z", offsets "+02:00" allowed, up to 9
 * fraction digits, years 1970..9999) to unix microseconds. 0, -EBADMSG.
 */
int audit_parse_rfc3339(struct span s, int64_t *ret_us);
/*
 * A --since value: an RFC 3339 date-time, a date "YYYY-MM-DD" (UTC midnight), or a
 * duration back from now_us ("90s", "30m", "24h", "7d"). 0, -EBADMSG.
 */
int audit_parse_since(struct span s, int64_t now_us, int64_t *ret_us);
/* Unix microseconds as "YYYY-MM-DDTHH:MM:SS.ffffffZ" (out ≥ 28 bytes). 0, -EINVAL. */
int audit_format_time(int64_t us, char *out, size_t size);
/* The current time in unix microseconds (CLOCK_REALTIME). */
int64_t audit_now_us(void);

/* ---- Kubernetes API audit events ----------------------------------------------------------- */

/* One audit.k8s.io Event reduced to what the audit log keeps. Strings owned. */
struct audit_k8s_event {
	bool is_change; /* verb create/update/patch/delete/deletecollection with objectRef */
	char *audit_id, *verb, *stage, *username, *impersonated; /* impersonated may be NULL */
	char *target;	 /* "namespace/resource[/name][/subresource]", "resource/name" */
	json_t *payload; /* what the record keeps (object), see docs/audit-log.md */
};
void audit_k8s_event_done(struct audit_k8s_event *e);

/*
 * Parse one JSON line. apiVersion must be audit.k8s.io/v1 or v1beta1 (or absent), kind
 * "Event" (or absent); auditID, verb, stage and user.username strings are required, other
 * fields must have their API types when present. 0, -EBADMSG (reterr_diag: what is wrong),
 * -E2BIG (limits), -ENOMEM. Non-changes parse too (is_change false, payload NULL).
 */
int audit_k8s_event_parse(struct span line, const struct bh_limits *limits,
			  struct audit_k8s_event *ret, struct bh_diag *reterr_diag);
