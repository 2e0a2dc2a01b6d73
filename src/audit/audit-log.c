/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit-log.c — appending records (the hash chain), periodic and on-demand checkpoints,
 * and the head file update at the end of a batch. Concurrency is the store's: the seq is
 * the row's unique key, so of two writers that read the same tail one insert wins and the
 * other gets -EEXIST, re-reads the tail and chains onto the winner.
 */
#include <time.h>

#include "audit/audit-int.h"

#define APPEND_MAX_ATTEMPTS 64

void audit_writer_init(struct audit_writer *w, struct store *store, const struct audit_key *key,
		       const char *head_path)
{
	*w = (struct audit_writer){.store = store, .key = key, .head_path = head_path};
	buf_init(&w->scratch, 0);
}

static int check_field(const char *s, bool required)
{
	size_t len = s ? strlen(s) : 0;
	if (required && len == 0)
		return -EINVAL;
	if (len > AUDIT_FIELD_MAX || !audit_utf8_valid(s ? s : "", len))
		return -EINVAL;
	return 0;
}

int audit_genesis(struct store *s, char out[static BH_DIGEST_STR_LEN + 1]);

static int first_row_cb(void *u, const struct store_audit_row *r)
{
	char *out = u;
	if (r->seq != 1 || !r->hash || strlen(r->hash) != BH_DIGEST_STR_LEN)
		return -EBADMSG;
	memcpy(out, r->hash, BH_DIGEST_STR_LEN + 1);
	return 1;
}

int audit_genesis(struct store *s, char out[static BH_DIGEST_STR_LEN + 1])
{
	int r = store_audit_foreach(s, 1, first_row_cb, out);
	if (r < 0)
		return r;
	return r == 1 ? 0 : -ENOENT;
}

/* Sign (seq, hash), store the checkpoint and move the head file forward. */
static int write_checkpoint(struct store *s, const struct audit_key *key, const char *head_path,
			    int64_t seq, const char *hash)
{
	struct store_checkpoint cp;
	int r = audit_checkpoint_sign(key, seq, audit_now_us(), hash, &cp);
	if (r < 0)
		return r;
	r = store_checkpoint_insert(s, &cp);
	if (r == -EEXIST)
		r = 0; /* another writer checkpointed this seq already */
	if (r == 0 && head_path) {
		char genesis[BH_DIGEST_STR_LEN + 1];
		r = audit_genesis(s, genesis);
		if (r == 0)
			r = audit_head_update(head_path, store_name(s), genesis, &cp);
	}
	store_checkpoint_done(&cp);
	return r;
}

static void backoff(unsigned attempt)
{
	/* 50 µs .. ~3 ms, jittered by the pid so racing processes drift apart */
	long ns = (50000L << MIN(attempt, 6u)) + (long)(getpid() % 97) * 1000;
	struct timespec ts = {0, ns};
	(void)nanosleep(&ts, NULL);
}

int audit_append(struct audit_writer *w, const char *kind, const char *target, const char *actor,
		 const json_t *payload, int64_t *ret_seq)
{
	int r = check_field(kind, true) ?: check_field(target, false) ?: check_field(actor, false);
	if (r < 0)
		return r;
	if (payload && !json_is_object(payload))
		return -EINVAL;
	buf_clear(&w->scratch);
	if (payload)
		r = audit_canon_json(payload, w->max_depth ? w->max_depth : 64, &w->scratch);
	else
		r = buf_puts(&w->scratch, "{}");
	if (r < 0)
		return r == -E2BIG ? -EINVAL : r;

	for (unsigned attempt = 0; attempt < APPEND_MAX_ATTEMPTS; attempt++) {
		if (!w->has_tail) {
			struct store_audit_row t = {0};
			r = store_audit_tail(w->store, &t);
			if (r == -ENOENT) {
				w->tail_seq = 0;
				memcpy(w->tail_hash, AUDIT_ZERO_HASH, sizeof(w->tail_hash));
			} else if (r < 0)
				return r;
			else {
				if (!t.hash || strlen(t.hash) != BH_DIGEST_STR_LEN) {
					store_audit_row_done(&t);
					return -EBADMSG;
				}
				w->tail_seq = t.seq;
				memcpy(w->tail_hash, t.hash, sizeof(w->tail_hash));
				store_audit_row_done(&t);
			}
			w->has_tail = true;
		}
		char hash[BH_DIGEST_STR_LEN + 1];
		struct store_audit_row row = {
		    .seq = w->tail_seq + 1,
		    .time = audit_now_us(),
		    .kind = (char *)kind,
		    .target = (char *)(target ? target : ""),
		    .actor = (char *)(actor ? actor : ""),
		    .payload = w->scratch.ptr,
		    .prev_hash = w->tail_hash,
		    .hash = hash,
		};
		r = audit_record_hash(&row, hash);
		if (r < 0)
			return r;
		r = store_audit_insert(w->store, &row);
		if (r == -EEXIST) {
			w->has_tail = false;
			backoff(attempt);
			continue;
		}
		if (r < 0)
			return r;
		w->tail_seq = row.seq;
		memcpy(w->tail_hash, hash, sizeof(hash));
		w->dirty = true;
		if (ret_seq)
			*ret_seq = row.seq;
		uint64_t every =
		    w->checkpoint_every ? w->checkpoint_every : AUDIT_CHECKPOINT_EVERY_DEFAULT;
		if (w->key && (uint64_t)row.seq % every == 0) {
			/* the record is stored whatever happens here; flush retries the signature
			 */
			int q = write_checkpoint(w->store, w->key, w->head_path, row.seq, hash);
			if (q < 0)
				log_debug_errno(q, "audit checkpoint at seq %lld failed: %m",
						(long long)row.seq);
			else {
				w->last_checkpoint_seq = row.seq;
				w->dirty = false;
			}
		}
		return 0;
	}
	return -EBUSY;
}

int audit_writer_flush(struct audit_writer *w)
{
	if (!w->key || !w->dirty || w->tail_seq <= w->last_checkpoint_seq)
		return 0;
	int r = write_checkpoint(w->store, w->key, w->head_path, w->tail_seq, w->tail_hash);
	if (r < 0)
		return r;
	w->last_checkpoint_seq = w->tail_seq;
	w->dirty = false;
	return 0;
}

int audit_writer_done(struct audit_writer *w)
{
	int r = audit_writer_flush(w);
	buf_done(&w->scratch);
	return r;
}

int audit_checkpoint_now(struct store *s, const struct audit_key *k, const char *head_path,
			 int64_t *ret_seq)
{
	if (!audit_key_is_private(k))
		return -EINVAL;
	struct audit_verify_result res;
	int r = audit_verify(s, k, head_path, &res);
	if (r < 0)
		return r;
	if (res.problem != AUDIT_OK)
		return -EBADMSG;
	if (res.records == 0)
		return -ENOENT;
	/* sign what was verified, not a tail that may have grown since */
	r = write_checkpoint(s, k, head_path, res.records, res.tail_hash);
	if (r == 0 && ret_seq)
		*ret_seq = res.records;
	return r;
}
