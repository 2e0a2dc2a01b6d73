/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit-verify.c — `audit verify`: one pass over the rows in seq order checking each row's
 * hash, its link to the previous row, seq continuity and the canonical form of its fields;
 * the checkpoints (and the head file's entry for this store, treated as one more
 * checkpoint) are checked at the row of their seq, so the first problem in seq order is
 * the one reported. Checkpoints left over after the last row show a truncated tail.
 */
#include <stdarg.h>
#include <stdio.h>

#include "audit/audit-int.h"

struct cp_item {
	const struct store_checkpoint *cp;
	bool from_head;
};

struct vstate {
	const struct audit_key *k;
	struct store_checkpoint *cps;
	size_t ncps, cps_cap;
	struct cp_item *items;
	size_t nitems, items_cap, next;
	struct audit_head_entry *heads;
	size_t nheads;
	const char *store_name;
	int64_t expected;
	char prev[BH_DIGEST_STR_LEN + 1];
	struct buf bytes, canon;
	struct audit_verify_result *res;
	int err;
};

static const char *const problem_names[_AUDIT_PROBLEM_MAX] = {
    [AUDIT_OK] = "none",
    [AUDIT_MODIFIED] = "modified",
    [AUDIT_NOT_CANONICAL] = "not-canonical",
    [AUDIT_LINK] = "link",
    [AUDIT_GAP] = "gap",
    [AUDIT_CP_SIGNATURE] = "checkpoint-signature",
    [AUDIT_CP_KEY] = "checkpoint-key",
    [AUDIT_CP_MISMATCH] = "checkpoint-mismatch",
    [AUDIT_TRUNCATED] = "truncated",
    [AUDIT_HEAD_MISMATCH] = "head-mismatch",
};

const char *audit_problem_name(enum audit_problem p)
{
	return (unsigned)p < _AUDIT_PROBLEM_MAX ? problem_names[p] : "unknown";
}

static int bad(struct vstate *v, enum audit_problem p, int64_t seq, int64_t from, const char *fmt,
	       ...) _printf_(5, 6);
static int bad(struct vstate *v, enum audit_problem p, int64_t seq, int64_t from, const char *fmt,
	       ...)
{
	v->res->problem = p;
	v->res->bad_seq = seq;
	v->res->bad_from = from < 1 ? 1 : from;
	va_list ap;
	va_start(ap, fmt);
	(void)vsnprintf(v->res->message, sizeof(v->res->message), fmt, ap);
	va_end(ap);
	return 1; /* stops the iteration */
}

static int cp_cb(void *u, const struct store_checkpoint *c)
{
	struct vstate *v = u;
	if (GROW(v->cps, v->ncps, v->cps_cap) < 0)
		return -ENOMEM;
	struct store_checkpoint *d = &v->cps[v->ncps];
	*d = (struct store_checkpoint){.seq = c->seq, .time = c->time};
	d->hash = strdup(c->hash ? c->hash : "");
	d->key_id = strdup(c->key_id ? c->key_id : "");
	d->signature = strdup(c->signature ? c->signature : "");
	v->ncps++;
	if (!d->hash || !d->key_id || !d->signature)
		return -ENOMEM;
	return 0;
}

static int item_cmp(const void *x, const void *y)
{
	const struct cp_item *a = x, *b = y;
	if (a->cp->seq != b->cp->seq)
		return a->cp->seq < b->cp->seq ? -1 : 1;
	return (int)a->from_head - (int)b->from_head;
}

static int add_item(struct vstate *v, const struct store_checkpoint *cp, bool from_head)
{
	if (GROW(v->items, v->nitems, v->items_cap) < 0)
		return -ENOMEM;
	v->items[v->nitems++] = (struct cp_item){cp, from_head};
	return 0;
}

/* What a checkpoint is called in messages. */
static const char *cp_what(const struct cp_item *it)
{
	return it->from_head ? "the head file's entry" : "checkpoint";
}

/* Check the signature of one checkpoint; > 0 (problem recorded) or 0. */
static int check_sig(struct vstate *v, const struct cp_item *it)
{
	if (!v->k)
		return 0;
	int r = audit_checkpoint_check(v->k, it->cp);
	if (r == -EKEYREJECTED)
		return bad(v, AUDIT_CP_KEY, it->cp->seq, it->cp->seq,
			   "%s at seq %lld is signed by another key (%s, not %s)", cp_what(it),
			   (long long)it->cp->seq, it->cp->key_id, audit_key_id(v->k));
	if (r == -EBADMSG)
		return bad(v, AUDIT_CP_SIGNATURE, it->cp->seq, it->cp->seq,
			   "%s at seq %lld has an invalid signature (forged or altered)",
			   cp_what(it), (long long)it->cp->seq);
	if (r < 0) {
		v->err = r;
		return r;
	}
	return 0;
}

/* Checkpoints at the current row's seq. */
static int check_cps_at(struct vstate *v, int64_t seq, const char *hash)
{
	while (v->next < v->nitems && v->items[v->next].cp->seq <= seq) {
		const struct cp_item *it = &v->items[v->next++];
		int r = check_sig(v, it);
		if (r != 0)
			return r;
		if (it->cp->seq < 1)
			return bad(v, AUDIT_CP_MISMATCH, 1, 1,
				   "%s names seq %lld, which cannot exist", cp_what(it),
				   (long long)it->cp->seq);
		if (!streq(it->cp->hash, hash)) {
			int64_t from = v->res->last_signed_seq + 1;
			return bad(
			    v, it->from_head ? AUDIT_HEAD_MISMATCH : AUDIT_CP_MISMATCH, seq, from,
			    "%s at seq %lld does not match record %lld: records %lld..%lld were "
			    "rewritten after it was signed",
			    cp_what(it), (long long)seq, (long long)seq, (long long)from,
			    (long long)seq);
		}
		if (v->k) {
			if (!it->from_head)
				v->res->checkpoints++;
			v->res->last_signed_seq = seq;
		}
	}
	return 0;
}

/* Record 1 is known: pick the head entry of this chain and add it as a checkpoint. */
static int resolve_head(struct vstate *v, const char *genesis)
{
	const struct audit_head_entry *h = NULL;
	for (size_t i = 0; i < v->nheads; i++) {
		const struct audit_head_entry *e = &v->heads[i];
		if (v->k && !streq(e->cp.key_id, audit_key_id(v->k)))
			continue;
		if (genesis && streq(e->genesis, genesis)) {
			if (!h || e->cp.seq > h->cp.seq)
				h = e;
		}
	}
	if (!h) {
		/* no entry for this chain: one for the same store name means it was replaced */
		for (size_t i = 0; i < v->nheads; i++) {
			const struct audit_head_entry *e = &v->heads[i];
			if ((v->k && !streq(e->cp.key_id, audit_key_id(v->k))) ||
			    !streq(e->store, v->store_name))
				continue;
			struct cp_item it = {&e->cp, true};
			int r = check_sig(v, &it);
			if (r != 0)
				return r;
			v->res->head_used = true;
			v->res->head_seq = e->cp.seq;
			if (!genesis)
				return bad(
				    v, AUDIT_TRUNCATED, 1, 1,
				    "the log is empty but the head file records seq %lld for "
				    "this store: records 1..%lld were removed",
				    (long long)e->cp.seq, (long long)e->cp.seq);
			return bad(
			    v, AUDIT_HEAD_MISMATCH, 1, 1,
			    "record 1 does not start the chain the head file records for this "
			    "store (seq %lld): the log was replaced or rewritten from the start",
			    (long long)e->cp.seq);
		}
		return 0;
	}
	v->res->head_used = true;
	v->res->head_seq = h->cp.seq;
	int r = add_item(v, &h->cp, true);
	if (r < 0) {
		v->err = r;
		return r;
	}
	qsort(v->items + v->next, v->nitems - v->next, sizeof(*v->items), item_cmp);
	return 0;
}

/* Fields as audit_append writes them: payload a canonical JSON object, kind non-empty. */
static bool row_canonical(struct vstate *v, const struct store_audit_row *row)
{
	if (!row->kind || !*row->kind || !row->payload)
		return false;
	json_error_t jerr;
	json_t *p = json_loadb(row->payload, strlen(row->payload), JSON_REJECT_DUPLICATES, &jerr);
	if (!p)
		return false;
	buf_clear(&v->canon);
	bool ok = json_is_object(p) && audit_canon_json(p, 64, &v->canon) == 0 &&
		  streq(buf_str(&v->canon), row->payload);
	json_decref(p);
	return ok;
}

static int row_cb(void *u, const struct store_audit_row *row)
{
	struct vstate *v = u;
	int64_t seq = row->seq;
	if (seq != v->expected) {
		if (seq > v->expected)
			return bad(v, AUDIT_GAP, v->expected, v->expected,
				   "record %lld is missing (deleted): the next record is %lld",
				   (long long)v->expected, (long long)seq);
		return bad(v, AUDIT_LINK, seq, seq, "record %lld appears out of order",
			   (long long)seq);
	}
	char hash[BH_DIGEST_STR_LEN + 1];
	buf_clear(&v->bytes);
	int r = audit_record_bytes(row, &v->bytes);
	if (r == -EINVAL)
		return bad(
		    v, AUDIT_NOT_CANONICAL, seq, seq,
		    "record %lld has a field that is not UTF-8 (written behind bulkhead's back)",
		    (long long)seq);
	if (r == 0)
		r = bh_sha256_str(v->bytes.ptr, v->bytes.len, hash);
	if (r < 0) {
		v->err = r;
		return r;
	}
	if (!row->hash || !streq(row->hash, hash))
		return bad(
		    v, AUDIT_MODIFIED, seq, seq,
		    "record %lld does not match its hash: it was modified, or moved here from "
		    "another position",
		    (long long)seq);
	if (!row->prev_hash || !streq(row->prev_hash, v->prev))
		return bad(
		    v, AUDIT_LINK, seq, seq > 1 ? seq - 1 : 1,
		    "record %lld does not link to record %lld (prev_hash differs): records "
		    "were inserted, deleted or reordered there, or record %lld was rewritten",
		    (long long)seq, (long long)seq - 1, (long long)seq - 1);
	if (!row_canonical(v, row))
		return bad(v, AUDIT_NOT_CANONICAL, seq, seq,
			   "record %lld is not in the form bulkhead writes (payload not canonical "
			   "JSON or kind empty): it was written behind bulkhead's back",
			   (long long)seq);
	if (seq == 1 && (r = resolve_head(v, hash)) != 0)
		return r;
	if ((r = check_cps_at(v, seq, hash)) != 0)
		return r;
	memcpy(v->prev, hash, sizeof(hash));
	memcpy(v->res->tail_hash, hash, sizeof(hash));
	v->res->records = seq;
	v->expected = seq + 1;
	return 0;
}

int audit_verify(struct store *s, const struct audit_key *k, const char *head_path,
		 struct audit_verify_result *result)
{
	*result = (struct audit_verify_result){.key_used = k != NULL};
	struct vstate v = {.k = k, .expected = 1, .res = result, .store_name = store_name(s)};
	memcpy(v.prev, AUDIT_ZERO_HASH, sizeof(v.prev));
	buf_init(&v.bytes, 0);
	buf_init(&v.canon, 0);

	int r = store_checkpoint_foreach(s, cp_cb, &v);
	if (r == 0 && head_path) {
		r = audit_head_read(head_path, &v.heads, &v.nheads);
		if (r == -ENOENT)
			r = 0;
		else if (r == -EBADMSG) {
			log_debug("audit head file '%s' is malformed, ignoring", head_path);
			r = 0;
		}
	}
	for (size_t i = 0; r == 0 && i < v.ncps; i++)
		r = add_item(&v, &v.cps[i], false);
	if (r == 0) {
		if (v.nitems > 1)
			qsort(v.items, v.nitems, sizeof(*v.items), item_cmp);
		r = store_audit_foreach(s, 1, row_cb, &v);
		if (v.err < 0)
			r = v.err;
		else if (r > 0)
			r = 0; /* stopped at a problem */
	}
	if (r == 0 && result->problem == AUDIT_OK && result->records == 0)
		r = resolve_head(&v, NULL) < 0 ? v.err : 0;
	/* checkpoints past the last row: a cut tail (or forged ones) */
	while (r == 0 && result->problem == AUDIT_OK && v.next < v.nitems) {
		const struct cp_item *it = &v.items[v.next++];
		if (check_sig(&v, it) != 0) {
			r = v.err;
			break;
		}
		int64_t tail = result->records;
		(void)bad(
		    &v, AUDIT_TRUNCATED, tail + 1, tail + 1,
		    "the log ends at seq %lld but %s at seq %lld was signed: records %lld..%lld "
		    "were removed",
		    (long long)tail, cp_what(it), (long long)it->cp->seq, (long long)tail + 1,
		    (long long)it->cp->seq);
	}
	if (r == 0)
		result->unsigned_records = result->records - result->last_signed_seq;

	for (size_t i = 0; i < v.ncps; i++)
		store_checkpoint_done(&v.cps[i]);
	free(v.cps);
	free(v.items);
	audit_head_entries_free(v.heads, v.nheads);
	buf_done(&v.bytes);
	buf_done(&v.canon);
	return r;
}
